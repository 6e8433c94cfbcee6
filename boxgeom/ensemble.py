"""A drop-in for the ``ensemble_boxes`` package (ZFTurbo's ensemble-boxes 1.0.9).

``from boxgeom import ensemble as ensemble_boxes`` and the calls stay the same:
:func:`weighted_boxes_fusion`, :func:`non_maximum_weighted`, :func:`nms`,
:func:`soft_nms` and :func:`nms_method` take its arguments (per-model lists of boxes,
scores and labels, normalised to [0, 1]) and return what it returns for the same
input: the same boxes, scores and labels in the same order (within 1e-6; bit for bit
on the inputs tested), with the same dtypes. The clustering runs in boxgeom's kernels
(:mod:`boxgeom.fusion`, :func:`boxgeom.batched_nms`, :func:`boxgeom.soft_nms`).

Kept from ensemble-boxes, because results depend on it:

- the [0, 1] normalisation: reversed corners are swapped, coordinates clipped to
  [0, 1], boxes of zero area (after clipping) skipped. Each kind of repair gives one
  ``UserWarning`` per call with a count (ensemble-boxes warns, or prints, once per box);
- WBF and NMW store clusters of two or more boxes in float32, and the later IoU
  comparisons see the rounded fused box: reproduced (fused boxes, their mean or max
  score, their sum of weights, and their label as a float). NMW rounds every fused
  box and score, and returns float32 arrays;
- ``skip_box_thr`` compares the raw score in its own dtype (a float32 score against a
  Python float threshold is compared in float32, as numpy does);
- the order: WBF and NMW sort all clusters by decreasing score; ``nms`` and
  ``soft_nms`` concatenate the labels in ascending order, each in processing order,
  with the original scores.

Unlike ensemble-boxes:

- the caller's lists and arrays are never modified (its ``nms`` and ``soft_nms`` write
  the weighted scores into the caller's ``scores`` list);
- bad input raises ``ValueError`` or ``TypeError`` naming the argument instead of
  calling ``exit()`` (length mismatches, an unknown ``conf_type``) or failing later:
  NaN or inf, thresholds outside [0, 1], ``weights`` of the wrong length (it prints a
  warning and uses ones) or not positive, lists of different numbers of models;
- equal scores are ordered deterministically, lower index first (ensemble-boxes'
  ``argsort()[::-1]`` leaves them unspecified), both when boxes are visited and when
  the results are sorted;
- ``nms`` and ``soft_nms`` with no box return empty arrays (ensemble-boxes raises
  ``ValueError`` from ``np.concatenate``);
- a WBF or NMW cluster whose boxes all have score 0 fuses to their mean
  (ensemble-boxes divides 0 by 0 and returns NaN).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from boxgeom._validate import as_numpy, check_finite, check_positive, check_threshold
from boxgeom.detection import batched_nms
from boxgeom.fusion import check_conf_type, check_weights, fuse
from boxgeom.suppression import soft_nms as _soft_nms

__all__ = ["nms", "nms_method", "non_maximum_weighted", "soft_nms", "weighted_boxes_fusion"]

# labels beyond this are refused: int(label) of a float must fit int64
LABEL_LIMIT = 2.0**62


def _n_models(values: Any, name: str, n: int | None = None) -> int:
    """The number of models in a per-model list (its length), checked against ``n``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not hasattr(values, "__getitem__"):
        raise TypeError(f"{name}: expected a list with one array per model, got {type(values).__name__}")
    if n is not None and len(values) != n:
        raise ValueError(f"{name}: expected {n} models to match boxes_list, got {len(values)}")
    return len(values)


def _numbers(values: Any, name: str) -> np.ndarray:
    array = as_numpy(values)
    if array.dtype.kind not in "iuf" or array.dtype == np.uint64:
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    return array


def _model_boxes(values: Any, name: str) -> np.ndarray:
    array = _numbers(values, name)
    if array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name}: expected shape (n, 4), got {array.shape}")
    if array.dtype.kind == "f":
        check_finite(array, name)
    return array


def _model_values(values: Any, n: int, name: str, boxes_name: str) -> np.ndarray:
    array = _numbers(values, name)
    if array.size == 0:
        array = array.reshape(0)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (n,), got {array.shape}")
    if len(array) != n:
        raise ValueError(f"{name}: expected length {n} to match {boxes_name}, got {len(array)}")
    if array.dtype.kind == "f":
        check_finite(array, name)
    return array


def _read_models(boxes_list: Any, scores_list: Any, labels_list: Any):
    """Per-model boxes (n_m, 4), scores and labels (n_m,), in their own dtypes, checked."""
    m = _n_models(boxes_list, "boxes_list")
    _n_models(scores_list, "scores_list", m)
    _n_models(labels_list, "labels_list", m)
    boxes, scores, labels = [], [], []
    for t in range(m):
        boxes.append(_model_boxes(boxes_list[t], f"boxes_list[{t}]"))
        n = len(boxes[-1])
        scores.append(_model_values(scores_list[t], n, f"scores_list[{t}]", f"boxes_list[{t}]"))
        labels.append(_model_values(labels_list[t], n, f"labels_list[{t}]", f"boxes_list[{t}]"))
    return boxes, scores, labels


def _int_labels(labels: np.ndarray, name: str = "labels_list") -> np.ndarray:
    """``int(label)`` of every label (floats truncated towards 0) as int64."""
    if labels.dtype.kind == "f":
        if len(labels) and np.abs(labels).max() >= LABEL_LIMIT:
            raise ValueError(f"{name}: expected labels within +-2**62, got {np.abs(labels).max()!r}")
        return np.trunc(labels).astype(np.int64)
    return labels.astype(np.int64)


def _normalise(boxes: np.ndarray, name: str = "boxes_list") -> tuple[np.ndarray, np.ndarray]:
    """ensemble-boxes' repairs: swap reversed corners, clip to [0, 1], and the mask of the
    boxes of positive area; one warning per kind of repair. Computed in the boxes' dtype;
    ``boxes`` is returned as it is when it needs no repair."""
    reversed_ = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if len(boxes) and (boxes.min() < 0 or boxes.max() > 1 or reversed_.any()):
        outside = int(((boxes < 0) | (boxes > 1)).sum())
        out = np.clip(boxes, 0, 1)
        low = np.minimum(out[:, :2], out[:, 2:])
        out[:, 2:] = np.maximum(out[:, :2], out[:, 2:])
        out[:, :2] = low
        if reversed_.any():
            _warn(f"{name}: swapped the corners of {int(reversed_.sum())} boxes with x2 < x1 or y2 < y1")
        if outside:
            _warn(f"{name}: clipped {outside} coordinates to [0, 1] (ensemble-boxes expects normalised boxes)")
        boxes = out
    area = boxes[:, 2] - boxes[:, 0]
    positive = np.multiply(area, boxes[:, 3] - boxes[:, 1], out=area) != 0
    if not positive.all():
        _warn(f"{name}: skipped {int((~positive).sum())} boxes of zero area")
    return boxes, positive


def _warn(message: str) -> None:
    """A UserWarning attributed to the first caller outside boxgeom."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("boxgeom."):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def _prefilter(boxes_list, scores_list, labels_list, skip_box_thr, weights):
    """ensemble-boxes' ``prefilter_boxes``: the kept boxes of all models (score >=
    ``skip_box_thr``, repaired, of positive area) as float64 boxes, raw scores, int64
    labels and model ids, in model order; and the model weights."""
    boxes, scores, labels = _read_models(boxes_list, scores_list, labels_list)
    model_weights = check_weights(weights, len(boxes), models="boxes_list")
    check_threshold(skip_box_thr, "skip_box_thr")
    # compared as given: numpy compares float32 scores with a Python float in float32
    kept = [~(s < skip_box_thr) for s in scores]
    if not all(k.all() for k in kept):
        boxes = [b[k] for b, k in zip(boxes, kept)]
        scores = [s[k] for s, k in zip(scores, kept)]
        labels = [l[k] for l, k in zip(labels, kept)]
    xyxy = np.concatenate(boxes or [np.zeros((0, 4))]).astype(np.float64, copy=False)
    values = np.concatenate(scores or [np.zeros(0)]).astype(np.float64, copy=False)
    classes = _int_labels(np.concatenate(labels or [np.zeros(0)]))
    models = np.repeat(np.arange(len(boxes)), [len(b) for b in boxes])
    xyxy, positive = _normalise(xyxy)
    return xyxy, values, classes, models, model_weights, np.flatnonzero(positive)


def weighted_boxes_fusion(
    boxes_list: Any,
    scores_list: Any,
    labels_list: Any,
    weights: Any = None,
    iou_thr: float = 0.55,
    skip_box_thr: float = 0.0,
    conf_type: str = "avg",
    allows_overflow: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ensemble-boxes' ``weighted_boxes_fusion``, on :func:`boxgeom.weighted_boxes_fusion`'s kernel.

    Parameters
    ----------
    boxes_list : list of array_like of shape (n_m, 4)
        Per model, boxes ``(x1, y1, x2, y2)`` normalised to [0, 1].
    scores_list, labels_list : list of array_like of shape (n_m,)
    weights : array_like of shape (n_models,), optional
        Positive model weights (default: all 1).
    iou_thr, skip_box_thr : float in [0, 1]
    conf_type : {"avg", "max", "box_and_model_avg", "absent_model_aware_avg"}
    allows_overflow : bool

    Returns
    -------
    boxes : ndarray of shape (k, 4), float64
    scores : ndarray of shape (k,), float64
    labels : ndarray of shape (k,), float64
        All clusters by decreasing score, as ensemble-boxes returns them (module
        docstring: what is kept of its behaviour, and what differs).

    Examples
    --------
    >>> boxes, scores, labels = weighted_boxes_fusion(
    ...     [[[0.1, 0.1, 0.5, 0.5]], [[0.12, 0.1, 0.52, 0.5], [0.6, 0.6, 0.9, 0.9]]],
    ...     [[0.9], [0.7, 0.8]], [[0], [0, 1]])
    >>> boxes.round(4).tolist(), scores.round(4).tolist(), labels.tolist()
    ([[0.1088, 0.1, 0.5088, 0.5], [0.6, 0.6, 0.9, 0.9]], [0.8, 0.4], [0.0, 1.0])
    """
    conf_type = check_conf_type(conf_type)
    iou_t = check_threshold(iou_thr, "iou_thr")
    overflow = bool(allows_overflow)
    xyxy, values, classes, models, model_weights, keep = _prefilter(
        boxes_list, scores_list, labels_list, skip_box_thr, weights
    )
    if not len(keep):
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0)
    weighted = values * model_weights[models]
    fused = fuse(xyxy, weighted, classes, models, model_weights, keep, iou_threshold=iou_t, heads=False,
                 conf_type=conf_type, allows_overflow=overflow, float32_like=True, first_seen=True)
    labels = fused.labels.astype(np.float64)
    shared = fused.size >= 2
    labels[shared] = labels[shared].astype(np.float32)
    return fused.boxes, fused.scores, labels


def non_maximum_weighted(
    boxes_list: Any,
    scores_list: Any,
    labels_list: Any,
    weights: Any = None,
    iou_thr: float = 0.55,
    skip_box_thr: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ensemble-boxes' ``non_maximum_weighted``, on :func:`boxgeom.non_maximum_weighted`'s kernel.

    Parameters
    ----------
    boxes_list, scores_list, labels_list, weights, iou_thr, skip_box_thr
        As in :func:`weighted_boxes_fusion` (weights are divided by their maximum).

    Returns
    -------
    boxes : ndarray of shape (k, 4), float32
    scores : ndarray of shape (k,), float32
    labels : ndarray of shape (k,), float32
        By decreasing score; float64 empty arrays when no box is kept (as ensemble-boxes).

    Examples
    --------
    >>> boxes, scores, labels = non_maximum_weighted(
    ...     [[[0.1, 0.1, 0.5, 0.5]], [[0.12, 0.1, 0.52, 0.5]]], [[0.9], [0.7]], [[0], [0]])
    >>> boxes.astype(float).round(4).tolist(), scores.tolist(), labels.dtype
    ([[0.1083, 0.1, 0.5083, 0.5]], [0.8999999761581421], dtype('float32'))
    """
    iou_t = check_threshold(iou_thr, "iou_thr")
    xyxy, values, classes, models, model_weights, keep = _prefilter(
        boxes_list, scores_list, labels_list, skip_box_thr, weights
    )
    if not len(keep):
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0)
    weighted = values * (model_weights / model_weights.max())[models]
    fused = fuse(xyxy, weighted, classes, models, model_weights, keep, iou_threshold=iou_t, heads=True,
                 float32_like=True, first_seen=True)
    return fused.boxes.astype(np.float32), fused.scores.astype(np.float32), fused.labels.astype(np.float32)


def nms_method(
    boxes: Any,
    scores: Any,
    labels: Any,
    method: int = 3,
    iou_thr: float = 0.5,
    sigma: float = 0.5,
    thresh: float = 0.001,
    weights: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ensemble-boxes' ``nms_method``: NMS (``method=3``) or soft-NMS (1: linear, 2:
    gaussian) of the boxes of all models together, label by label.

    Parameters
    ----------
    boxes : list of array_like of shape (n_m, 4)
        Per model, boxes normalised to [0, 1] (clipped, reordered, zero-area removed).
    scores, labels : list of array_like of shape (n_m,)
    method : {1, 2, 3}
    iou_thr : float in [0, 1]
        NMS and linear soft-NMS: a box is suppressed (decayed) when its IoU with a kept
        box is strictly above it; unused by gaussian soft-NMS.
    sigma : float > 0
        Gaussian soft-NMS: scores decay by ``exp(-IoU**2 / sigma)``.
    thresh : float in [0, 1]
        Soft-NMS keeps the boxes whose decayed score stays strictly above it.
    weights : array_like of shape (n_models,), optional
        Scores of model m become ``score x weights[m] / sum(weights)`` (on a copy).

    Returns
    -------
    boxes : ndarray of shape (k, 4)
    scores : ndarray of shape (k,)
        The kept boxes and their original (weighted, undecayed) scores.
    labels : ndarray of shape (k,)
        Labels in ascending order, each label's boxes in processing order (decreasing
        score, ties lower index first); dtypes as numpy concatenates the inputs.

    Examples
    --------
    >>> boxes, scores, labels = nms_method(
    ...     [[[0.1, 0.1, 0.5, 0.5], [0.6, 0.6, 0.9, 0.9]], [[0.12, 0.1, 0.52, 0.5]]],
    ...     [[0.9, 0.3], [0.95]], [[1, 0], [1]])
    >>> boxes.tolist(), scores.tolist(), labels.tolist()
    ([[0.6, 0.6, 0.9, 0.9], [0.12, 0.1, 0.52, 0.5]], [0.3, 0.95], [0, 1])
    """
    if method not in (1, 2, 3) or isinstance(method, bool):
        raise ValueError(f"method: expected 1 (linear), 2 (gaussian) or 3 (NMS), got {method!r}")
    iou_t = check_threshold(iou_thr, "iou_thr")
    model_boxes, model_scores, model_labels = _read_models(boxes, scores, labels)
    if weights is not None:
        check_weights(weights, len(model_boxes), models="boxes")
        w = np.array(weights)
        model_scores = [(np.array(s) * w[t]) / w.sum() for t, s in enumerate(model_scores)]
    all_boxes = np.concatenate(model_boxes or [np.zeros((0, 4))])
    all_scores = np.concatenate(model_scores or [np.zeros(0)])
    all_labels = np.concatenate(model_labels or [np.zeros(0)])
    all_boxes, positive = _normalise(all_boxes, "boxes")
    if not positive.all():
        all_boxes, all_scores, all_labels = all_boxes[positive], all_scores[positive], all_labels[positive]
    if all_labels.dtype.kind in "iu" and all_labels.dtype != np.uint64:
        group = all_labels  # integers are categories as they are
    else:
        group = np.unique(all_labels, return_inverse=True)[1].reshape(-1)
    if method == 3:
        keep = batched_nms(all_boxes, all_scores.astype(np.float64), group, iou_t)
    else:
        keep = _soft_nms_keep(all_boxes, all_scores, group, method, iou_t, sigma, thresh)
    keep = _by_category(keep, group)
    return np.take(all_boxes, keep, axis=0), np.take(all_scores, keep), np.take(all_labels, keep)


def _by_category(keep: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``keep`` stable-sorted by category (``group``: integers that increase with the
    label): a radix sort of 16-bit offsets when the categories kept span fewer than
    2**16 values, else numpy's stable sort of the categories."""
    categories = np.take(group, keep)
    if len(categories) and int(categories.max()) - int(categories.min()) < 1 << 16:
        categories = np.subtract(categories, categories.min(), out=categories).astype(np.uint16)
    return np.take(keep, np.argsort(categories, kind="stable"))


def _soft_nms_keep(boxes, scores, group, method, iou_t, sigma, thresh) -> np.ndarray:
    """ensemble-boxes' soft-NMS loop per label: its ``decayed > thresh`` is our
    ``>= nextafter(thresh)``; the kept boxes come in its processing order (decreasing
    score when kept)."""
    sigma = check_positive(sigma, "sigma")
    thresh = check_threshold(thresh, "thresh")
    keep, _ = _soft_nms(boxes, scores, method="linear" if method == 1 else "gaussian", sigma=sigma,
                       iou_threshold=iou_t, score_threshold=float(np.nextafter(thresh, np.inf)), idxs=group)
    return keep


def nms(boxes: Any, scores: Any, labels: Any, iou_thr: float = 0.5, weights: Any = None):
    """ensemble-boxes' ``nms``: :func:`nms_method` with ``method=3``.

    Examples
    --------
    >>> boxes, scores, labels = nms([[[0.1, 0.1, 0.5, 0.5]], [[0.12, 0.1, 0.52, 0.5]]], [[0.9], [0.95]], [[0], [0]])
    >>> boxes.tolist(), scores.tolist()
    ([[0.12, 0.1, 0.52, 0.5]], [0.95])
    """
    return nms_method(boxes, scores, labels, method=3, iou_thr=iou_thr, weights=weights)


def soft_nms(
    boxes: Any,
    scores: Any,
    labels: Any,
    method: int = 2,
    iou_thr: float = 0.5,
    sigma: float = 0.5,
    thresh: float = 0.001,
    weights: Any = None,
):
    """ensemble-boxes' ``soft_nms``: :func:`nms_method` with ``method`` 2 (gaussian,
    default) or 1 (linear), on :func:`boxgeom.soft_nms`.

    The decayed scores are computed in float64 (ensemble-boxes decays in the scores'
    dtype: with float32 input, a box whose decayed score lands within float32 rounding
    of ``thresh`` may be kept by one and not the other).

    Examples
    --------
    >>> boxes, scores, labels = soft_nms(
    ...     [[[0.1, 0.1, 0.5, 0.5], [0.6, 0.6, 0.9, 0.9]], [[0.12, 0.1, 0.52, 0.5]]],
    ...     [[0.9, 0.3], [0.95]], [[0, 0], [0]], thresh=0.25)
    >>> boxes.tolist(), scores.tolist()
    ([[0.12, 0.1, 0.52, 0.5], [0.6, 0.6, 0.9, 0.9]], [0.95, 0.3])
    """
    return nms_method(boxes, scores, labels, method=method, iou_thr=iou_thr, sigma=sigma, thresh=thresh,
                      weights=weights)
