"""Fusing the boxes of several models: weighted boxes fusion and non-maximum weighted.

Both cluster the boxes of each label in decreasing weighted score: a box joins the
cluster it overlaps best (IoU strictly above ``iou_threshold``), compared with the
cluster's current fused box (weighted boxes fusion) or with its first box (non-maximum
weighted), and each cluster becomes one box. This is the algorithm of the
``ensemble_boxes`` package (ZFTurbo), on flat arrays in any coordinates and in float64;
:mod:`boxgeom.ensemble` is the drop-in for its per-model lists.

The clustering runs in one kernel (``boxgeom._fusion``) that files the clusters in a
hierarchical grid, so a box is compared only with the clusters near it: O(n log n)
for n boxes instead of ensemble-boxes' O(n x clusters).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from boxgeom import _fusion
from boxgeom._tensors import returns_tensors
from boxgeom._validate import as_labels, as_numpy, as_scores, check_finite, check_flag, check_n_rows, check_threshold
from boxgeom.formats import as_boxes, box_convert

__all__ = ["CONF_TYPES", "non_maximum_weighted", "weighted_boxes_fusion"]

#: The score rules of weighted boxes fusion (see :func:`weighted_boxes_fusion`).
CONF_TYPES = ("avg", "max", "box_and_model_avg", "absent_model_aware_avg")


class Fused(NamedTuple):
    """Fused clusters, by decreasing score (ties: in creation order)."""

    boxes: np.ndarray  # (k, 4) float64 xyxy
    scores: np.ndarray  # (k,) float64
    labels: np.ndarray  # (k,) int64
    size: np.ndarray  # (k,) int64: boxes in each cluster


def check_conf_type(conf_type: Any, name: str = "conf_type") -> str:
    """Return ``conf_type`` if it is one of :data:`CONF_TYPES`, else raise ValueError."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, CONF_TYPES))}, got {conf_type!r}")
    return conf_type


def check_weights(weights: Any, n_models: int | None, name: str = "weights", models: str = "n_models") -> np.ndarray:
    """Model weights as a float64 ``(n_models,)`` array of finite positive numbers
    (``None``: all ones, which needs ``n_models``)."""
    if weights is None:
        assert n_models is not None
        return np.ones(n_models)
    array = as_numpy(weights)
    if array.dtype.kind not in "iuf" or array.dtype == np.uint64:
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (n_models,), got {array.shape}")
    if n_models is not None and len(array) != n_models:
        raise ValueError(f"{name}: expected length {n_models} to match {models}, got {len(array)}")
    array = array.astype(np.float64)
    check_finite(array, name)
    if (array <= 0).any():
        raise ValueError(f"{name}: expected positive numbers, got {array[array <= 0][0]!r}")
    return array


def _flat_inputs(boxes, scores, labels, model_ids, n_models, weights, fmt):
    """Validate the flat API's arrays: float64 xyxy boxes, scores, labels, model ids, weights."""
    xyxy = np.ascontiguousarray(as_boxes(boxes, "boxes", fmt), dtype=np.float64)
    n = len(xyxy)
    values = as_scores(scores, n)
    check_finite(values, "scores")
    classes = as_labels(labels, n, "labels")
    models = as_labels(model_ids, n, "model_ids")
    if n_models is not None:
        n_models = check_n_rows(n_models, "n_models")
    elif weights is not None:
        n_models = len(as_numpy(weights))
    else:
        n_models = int(models.max()) + 1 if n else 0
    if n and (models.min() < 0 or models.max() >= n_models):
        raise ValueError(
            f"model_ids: expected values in [0, {n_models}), got values in [{models.min()}, {models.max()}]"
        )
    return xyxy, values, classes, models, check_weights(weights, n_models)


def fuse(
    xyxy: np.ndarray,
    weighted: np.ndarray,
    labels: np.ndarray,
    models: np.ndarray,
    weights: np.ndarray,
    keep: np.ndarray,
    *,
    iou_threshold: float,
    heads: bool,
    conf_type: str = "avg",
    allows_overflow: bool = False,
    float32_like: bool = False,
    first_seen: bool = False,
) -> Fused:
    """Cluster the boxes ``keep`` (ascending indices) and score the clusters.

    ``weighted`` are the boxes' weighted scores, ``models`` their model ids (indices
    into ``weights``). Groups are the labels, ascending, or with ``first_seen`` in the
    order of their first box in ``keep`` (ensemble-boxes' dict order); within a group
    the boxes go by decreasing weighted score, ties by lower index. ``heads``: NMW (the
    score of a cluster is its head's weighted score), else WBF scored by ``conf_type``.
    ``float32_like``: ensemble-boxes' float32 storage of clusters of two or more boxes
    (fused boxes, mean or max score, sum of weights); NMW rounds every fused box.
    """
    order, cluster_of, boxes, size, score_sum, first_box = _fusion.cluster_boxes(
        xyxy, weighted, labels, np.asarray(keep, dtype=np.intp), iou_threshold=iou_threshold, heads=heads,
        float32_like=float32_like, first_seen=first_seen,
    )
    k = len(size)
    shared = size >= 2 if float32_like else np.zeros(k, dtype=bool)
    if heads:
        scores = weighted[first_box]
    elif conf_type == "max":
        scores = _rounded(weighted[first_box], shared) / weights.max()
    else:
        mean = _rounded(score_sum / size, shared)
        total = weights.sum()
        if conf_type == "avg":
            scores = mean * (size if allows_overflow else np.minimum(len(weights), size)) / total
        else:
            members, member_models = cluster_of[order], models[order]
            model_weight = _rounded(np.bincount(members, weights[member_models], minlength=k), shared)
            present = _present_weights(members, member_models, weights, k)
            if conf_type == "box_and_model_avg":
                scores = mean * size / model_weight * present / total
            else:  # absent_model_aware_avg: the weights of the absent models join the denominator
                scores = mean * size / (model_weight + (total - present))
    rank = np.argsort(-(scores.astype(np.float32) if heads and float32_like else scores), kind="stable")
    return Fused(boxes[rank], scores[rank], labels[first_box[rank]], size[rank])


def _present_weights(members: np.ndarray, member_models: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Per cluster, the sum of the weights of the models present in it (each model once,
    summed by ascending model id)."""
    m = len(weights)
    if k * m <= 8 * len(members) + 4096:  # a (k, m) table of who is present
        seen = np.zeros((k, m), dtype=bool)
        seen[members, member_models] = True
        rows, columns = np.nonzero(seen)
        return np.bincount(rows, weights[columns], minlength=k)
    pairs = np.unique(members * m + member_models)
    return np.bincount(pairs // m, weights[pairs % m], minlength=k)


def _rounded(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``values`` with the entries ``where`` rounded to float32 (ensemble-boxes' interim storage)."""
    if where.any():
        values = values.copy()
        values[where] = values[where].astype(np.float32)
    return values


def _empty_result() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64)


@returns_tensors
def weighted_boxes_fusion(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    model_ids: npt.ArrayLike,
    *,
    n_models: int | None = None,
    weights: npt.ArrayLike | None = None,
    iou_threshold: float = 0.55,
    skip_box_threshold: float = 0.0,
    conf_type: str = "avg",
    allows_overflow: bool = False,
    fmt: str = "xyxy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted boxes fusion (Solovyev et al., ensemble-boxes' algorithm) of the boxes of several models.

    Boxes with ``score < skip_box_threshold`` are dropped; each remaining box gets the
    weighted score ``s = score x weights[model]``. Per label, the boxes are visited by
    decreasing ``s`` (ties: lower index first). A box joins the cluster whose current
    fused box has the highest IoU with it, if that IoU is strictly above
    ``iou_threshold`` (ties: the older cluster); otherwise it starts a cluster. A
    cluster's fused box is ``sum(s c) / sum(s)`` over its members' coordinates ``c``.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes of all models in ``fmt``, in any coordinates (nothing is clipped).
    scores : array_like of shape (n,)
        Finite scores.
    labels : array_like of shape (n,), integer
        Boxes of different labels are never fused.
    model_ids : array_like of shape (n,), integer
        The model of each box, in ``[0, n_models)``.
    n_models : int, optional
        Number of models M (models without boxes count). Default: ``len(weights)``,
        else ``max(model_ids) + 1``.
    weights : array_like of shape (n_models,), optional
        Positive model weights (default: all 1).
    iou_threshold, skip_box_threshold : float in [0, 1]
    conf_type : {"avg", "max", "box_and_model_avg", "absent_model_aware_avg"}
        The score of a cluster of n boxes whose weighted scores have mean ``mean``, with
        W = sum(weights), W_c = the sum of its members' weights (a model counted once per
        box) and U = the sum of the weights of the models present in it:

        - ``"avg"``: ``mean x min(M, n) / W`` (``mean x n / W`` with ``allows_overflow``);
        - ``"max"``: ``max(s) / max(weights)``;
        - ``"box_and_model_avg"``: ``mean x n / W_c x U / W``;
        - ``"absent_model_aware_avg"``: ``mean x n / (W_c + W - U)``.
    allows_overflow : bool
        Only for ``"avg"``: do not cap n at M (the score may exceed 1).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Format of ``boxes`` and of the fused boxes (fused in ``xyxy``).

    Returns
    -------
    boxes : ndarray of shape (k, 4), float64
        One fused box per cluster, by decreasing score (ties: clusters of lower labels,
        then older clusters, first). A cluster of one box is that box.
    scores : ndarray of shape (k,), float64
    labels : ndarray of shape (k,), int64

    Raises
    ------
    ValueError
        NaN or inf in boxes or scores, length mismatches, a model id outside
        ``[0, n_models)``, weights that are not positive, thresholds outside [0, 1],
        an unknown ``conf_type``.

    Notes
    -----
    Sums are taken in float64 in the visiting order; the result is deterministic.
    Zero-area boxes never join a cluster (their IoU is 0): each stays a box of its own.
    A cluster whose boxes all have score 0 fuses to their plain mean.
    ensemble-boxes gives the same clusters and values (up to its float32 storage, see
    :mod:`boxgeom.ensemble`), except that it clips to [0, 1] and leaves ties unordered.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]]
    >>> fused, scores, labels = weighted_boxes_fusion(boxes, [0.9, 0.6, 0.8], [0, 0, 0], [0, 1, 1])
    >>> fused.round(2).tolist()
    [[0.4, 0.0, 10.4, 10.0], [50.0, 50.0, 60.0, 60.0]]
    >>> scores.round(3).tolist(), labels.tolist()
    ([0.75, 0.4], [0, 0])
    """
    xyxy, values, classes, models, model_weights = _flat_inputs(boxes, scores, labels, model_ids, n_models, weights, fmt)
    iou_t = check_threshold(iou_threshold, "iou_threshold")
    skip_t = check_threshold(skip_box_threshold, "skip_box_threshold")
    conf_type = check_conf_type(conf_type)
    overflow = check_flag(allows_overflow, "allows_overflow")
    keep = np.flatnonzero(~(values < skip_t))
    if not len(keep):
        return _empty_result()
    weighted = values * model_weights[models]
    fused = fuse(xyxy, weighted, classes, models, model_weights, keep, iou_threshold=iou_t, heads=False,
                 conf_type=conf_type, allows_overflow=overflow)
    return _in_fmt(fused.boxes, fmt), fused.scores, fused.labels


@returns_tensors
def non_maximum_weighted(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    model_ids: npt.ArrayLike,
    *,
    n_models: int | None = None,
    weights: npt.ArrayLike | None = None,
    iou_threshold: float = 0.55,
    skip_box_threshold: float = 0.0,
    fmt: str = "xyxy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-maximum weighted (Zhou et al., ensemble-boxes' algorithm): fuse each box's overlapping lower-scoring boxes into it.

    As :func:`weighted_boxes_fusion`, except: the weighted score is ``score x weights[model]
    / max(weights)``; a box is compared with each cluster's first (highest-scoring)
    box, its head, and joins the one of the highest IoU strictly above
    ``iou_threshold`` (ties: the older cluster); the fused box is ``sum(s x IoU(b, head)
    x c) / sum(s x IoU(b, head))`` (the head's IoU with itself is 1), and the score of a
    cluster is its head's weighted score.

    Parameters
    ----------
    boxes, scores, labels, model_ids, n_models, weights, iou_threshold, skip_box_threshold, fmt
        As in :func:`weighted_boxes_fusion`.

    Returns
    -------
    boxes : ndarray of shape (k, 4), float64
    scores : ndarray of shape (k,), float64
    labels : ndarray of shape (k,), int64
        By decreasing score (ties: lower labels, then older clusters, first).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [2, 0, 12, 10], [5, 0, 15, 10]]
    >>> fused, scores, labels = non_maximum_weighted(boxes, [0.9, 0.8, 0.7], [0, 0, 0], [0, 1, 2], iou_threshold=0.5)
    >>> fused.round(3).tolist(), scores.tolist()
    ([[0.744, 0.0, 10.744, 10.0], [5.0, 0.0, 15.0, 10.0]], [0.9, 0.7])
    """
    xyxy, values, classes, models, model_weights = _flat_inputs(boxes, scores, labels, model_ids, n_models, weights, fmt)
    iou_t = check_threshold(iou_threshold, "iou_threshold")
    skip_t = check_threshold(skip_box_threshold, "skip_box_threshold")
    keep = np.flatnonzero(~(values < skip_t))
    if not len(keep):
        return _empty_result()
    weighted = values * (model_weights / model_weights.max())[models]
    fused = fuse(xyxy, weighted, classes, models, model_weights, keep, iou_threshold=iou_t, heads=True)
    return _in_fmt(fused.boxes, fmt), fused.scores, fused.labels


def _in_fmt(xyxy: np.ndarray, fmt: str) -> np.ndarray:
    return xyxy if fmt == "xyxy" else box_convert(xyxy, "xyxy", fmt)
