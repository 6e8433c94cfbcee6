"""PASCAL VOC / DOTA average precision per category: :func:`voc_ap`.

The metric of DOTA devkit's ``voc_eval`` (``dota_evaluation_task1.py``), itself the
PASCAL VOC evaluation, for axis-aligned boxes, rotated boxes and convex quads, on flat
arrays of every image and category at once. Per category:

1. the detections are visited by decreasing score (ties: in input order);
2. each takes the ground truth of its image and category it overlaps most (IoU; ties:
   the lower ground-truth row), *already matched ones included*;
3. if that IoU is strictly above ``iou_threshold``: a difficult ground truth makes the
   detection neither a true nor a false positive, a free one makes it a true positive
   (and the ground truth matched), a matched one makes it a false positive (even when
   another free ground truth overlaps it); otherwise it is a false positive;
4. ``recall = tp / npos`` (``npos``: ground truth that is not difficult) and
   ``precision = tp / max(tp + fp, eps)`` over the cumulative counts, and AP is VOC2007's
   11-point mean or the area under the precision envelope (VOC2010 and later).

Step 2 does not depend on the visiting order, so the whole evaluation is vectorised: the
candidate pairs come from the pair engine in one call (each image and category moved to
its own band of the plane, so no pair across images or categories is ever looked at),
their exact IoU from the IoU kernels, then sorts and cumulative sums in numpy. Time
O(n log n + k) for n boxes and k overlapping pairs of one image and category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _iou, _pairs, _rotated
from boxgeom._threads import kernel_threads
from boxgeom._validate import (
    as_labels,
    as_numpy,
    as_quads,
    as_rotated,
    as_scores,
    check_angle_unit,
    check_convention,
    check_finite,
    check_flag,
    check_threshold,
    common_dtype,
)
from boxgeom.formats import as_boxes, check_fmt
from boxgeom.rotated import _bounds
from boxgeom.suppression import _category_bands, _quad_bounds

__all__ = ["KINDS", "OUTCOMES", "VocResult", "voc_ap"]

#: The geometries :func:`voc_ap` accepts: axis-aligned boxes (4 columns in ``fmt``),
#: rotated boxes ``(cx, cy, w, h, angle)`` and convex quads ``x1 y1 ... x4 y4``.
KINDS = ("box", "rotated", "polygon")
#: The values of ``VocResult.dt_outcome``, by name.
OUTCOMES = {"true_positive": 1, "false_positive": 0, "ignored": -1, "not_evaluated": -2}

# The 11 recall levels of VOC2007's AP, the same floats as the devkits' np.arange(0., 1.1, 0.1).
_RECALL_LEVELS = np.arange(0.0, 1.1, 0.1)
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False, repr=False)
class VocResult:
    """The result of :func:`voc_ap`: AP per category, mAP, and the curves behind them.

    Attributes
    ----------
    categories : ndarray of shape (K,), int64
        The category of each row (the ``categories`` argument, or the sorted distinct
        ground-truth labels).
    ap : ndarray of shape (K,), float64
        AP of each category; -1 for a category without ground truth that is not
        difficult (``n_positives == 0``), where AP is undefined.
    map : float
        Mean AP over the categories with ``n_positives > 0`` (-1 when there are none).
    n_positives : ndarray of shape (K,), int64
        Ground truth of each category that is not difficult (DOTA's ``npos``).
    recall, precision : tuple of K ndarrays of shape (d_k,), float64
        The curves of each category over its ``d_k`` detections by decreasing score
        (DOTA's ``rec`` and ``prec``; recall is 0 where ``n_positives == 0``).
    scores : tuple of K ndarrays of shape (d_k,), float64
        The scores of those detections, in the same order.
    dt_outcome : ndarray of shape (n_dt,), int8
        Per input detection (a value of :data:`OUTCOMES`): 1 true positive, 0 false
        positive, -1 ignored (it matched a difficult ground truth), -2 not evaluated
        (its label is not in ``categories``).
    dt_match : ndarray of shape (n_dt,), intp
        The ground-truth row each detection overlaps most with IoU > ``iou_threshold``
        (whatever the outcome: a duplicate points at the ground truth it lost), else -1.
    iou_threshold : float
    use_07_metric : bool
    """

    categories: np.ndarray
    ap: np.ndarray
    map: float
    n_positives: np.ndarray
    recall: tuple[np.ndarray, ...]
    precision: tuple[np.ndarray, ...]
    scores: tuple[np.ndarray, ...]
    dt_outcome: np.ndarray
    dt_match: np.ndarray
    iou_threshold: float
    use_07_metric: bool

    def __repr__(self) -> str:
        return (
            f"VocResult(map={self.map!r}, categories={len(self.categories)}, "
            f"detections={len(self.dt_outcome)}, iou_threshold={self.iou_threshold!r}, "
            f"use_07_metric={self.use_07_metric!r})"
        )

    def summary(self, names: Any = None) -> str:
        """Return a table of the categories (positives, detections, AP) and the mAP.

        Parameters
        ----------
        names : sequence of str, optional
            A name for each code: ``names[c]`` for category ``c`` (such as
            ``DotaData.label_names`` of :func:`boxgeom.read_dota`); default: the codes.

        Returns
        -------
        str
        """
        labels = [str(c) if names is None else str(names[c]) for c in self.categories.tolist()]
        width = max([len("category"), len("mAP"), *map(len, labels)])
        lines = [f"{'category':<{width}}  {'positives':>9}  {'detections':>10}  {'AP':>7}"]
        for label, npos, curve, ap in zip(labels, self.n_positives.tolist(), self.scores, self.ap.tolist()):
            lines.append(f"{label:<{width}}  {npos:>9}  {len(curve):>10}  {ap:>7.4f}")
        lines.append(f"{'mAP':<{width}}  {'':>9}  {'':>10}  {self.map:>7.4f}")
        return "\n".join(lines)


def voc_ap(
    gt_boxes: npt.ArrayLike,
    gt_labels: npt.ArrayLike,
    gt_image_ids: npt.ArrayLike,
    dt_boxes: npt.ArrayLike,
    dt_scores: npt.ArrayLike,
    dt_labels: npt.ArrayLike,
    dt_image_ids: npt.ArrayLike,
    *,
    kind: str = "box",
    fmt: str = "xyxy",
    angle_unit: str = "deg",
    convention: str = "opencv",
    gt_difficult: npt.ArrayLike | None = None,
    iou_threshold: float = 0.5,
    use_07_metric: bool = False,
    categories: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> VocResult:
    """Return the PASCAL VOC / DOTA average precision of each category, and their mean.

    The rule of DOTA devkit's ``voc_eval`` (see :mod:`boxgeom.voc`), with exact IoU.

    Parameters
    ----------
    gt_boxes : array_like of shape (n, 4), (n, 5) or (n, 8)
        Ground truth: boxes in ``fmt`` (``kind="box"``), rotated boxes
        ``(cx, cy, w, h, angle)`` (``"rotated"``) or convex quads ``x1 y1 ... x4 y4``,
        also ``(n, 4, 2)`` (``"polygon"``).
    gt_labels, gt_image_ids : array_like of shape (n,), integer
        Category and image of each ground truth.
    dt_boxes : array_like of shape (m, 4), (m, 5) or (m, 8)
        Detections, of the same kind.
    dt_scores : array_like of shape (m,)
        Finite scores.
    dt_labels, dt_image_ids : array_like of shape (m,), integer
    kind : {"box", "rotated", "polygon"}, default "box"
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Axis-aligned format (``kind="box"`` only).
    angle_unit : {"deg", "rad"}, default "deg"
    convention : {"opencv", "torchvision"}, default "opencv"
        Rotated boxes only, as in :func:`boxgeom.rotated_iou`.
    gt_difficult : array_like of shape (n,), bool or integer, optional
        Difficult ground truth (non-zero): a detection whose best match it is counts
        neither way, and it is not in ``npos``. Default: none.
    iou_threshold : float in [0, 1], default 0.5
        A match needs IoU strictly greater.
    use_07_metric : bool, default False
        True: VOC2007's 11-point AP (the mean over recall levels 0, 0.1, ..., 1 of the
        highest precision at that recall or more, 0 when none), as DOTA's ``main()``
        uses; False: the area under the precision envelope (all points).
    categories : array_like of shape (K,), integer, optional
        The categories to evaluate, distinct, in the order of the result; default the
        sorted distinct ``gt_labels``. Boxes of other labels are ignored.
    n_threads : int, optional
        OpenMP threads of the pair and IoU kernels (None: all available); the result
        never depends on it.

    Returns
    -------
    VocResult
        ``.ap`` (K,), ``.map``, the curves ``.recall``/``.precision``/``.scores`` and
        each detection's ``.dt_outcome`` and ``.dt_match``.

    Raises
    ------
    ValueError
        Bad boxes (NaN/inf, negative sizes, non-convex quads; as the IoU functions),
        non-finite scores, length mismatches, ``iou_threshold`` outside [0, 1], repeated
        ``categories``, an unknown ``kind``, ``fmt`` other than "xyxy" with another kind.
    TypeError
        Non-integer labels, image ids or categories; a ``gt_difficult`` that is not bool
        or integer.

    Notes
    -----
    Where this differs from DOTA's script, on purpose:

    - ties in score: DOTA's ``argsort(-conf)`` leaves their order unspecified; here the
      detection given first comes first (a stable sort), so results are reproducible;
    - IoU is exact, with continuous coordinates. DOTA's quads (task 1) go through an
      axis-aligned prefilter with "+1 pixel" sizes that only skips pairs of IoU 0, so
      it changes nothing; its axis-aligned task 2 uses "+1 pixel" sizes in the IoU
      itself, which boxgeom never does (see ``docs/conventions.md``);
    - a category without positives (``npos == 0``): DOTA divides by zero (recall NaN, AP
      0 with the 11-point metric, NaN with the all-point one if it has detections) and
      averages it into the mAP; here its AP is -1 and the mAP leaves it out (as
      mmrotate's ``eval_rbbox_map`` does; pycocotools also reports -1 where there is
      nothing to measure);
    - a detection on an image without ground truth of its category is a false positive
      (DOTA raises a KeyError for an image outside its image list).

    Quads must be convex (``boxgeom.polygon_iou``); DOTA's polygon IoU also takes a dented
    quad. The pair engine runs on the axis-aligned bounds (padded for rotated boxes) of
    every image and category, each moved along x into its own band of the plane; only
    the pairs found get an IoU. The input is never modified nor copied (beyond the checks'
    conversions: a format other than xyxy, a dtype other than int32, int64, float32,
    float64); the work arrays take O(n + k) memory.

    Examples
    --------
    >>> gt = [[0, 0, 10, 10], [20, 0, 30, 10], [0, 0, 10, 10]]
    >>> dt = [[0, 0, 10, 9], [1, 0, 10, 10], [20, 0, 29, 10], [50, 50, 60, 60]]
    >>> result = voc_ap(gt, [0, 0, 1], [7, 7, 7], dt, [0.9, 0.8, 0.7, 0.6], [0, 0, 0, 1], [7, 7, 7, 7])
    >>> result.ap, result.map
    (array([0.83333333, 0.        ]), 0.41666666666666663)
    >>> result.dt_outcome  # a duplicate of the first detection, then a miss of category 1
    array([1, 0, 1, 0], dtype=int8)
    >>> result.precision[0]
    array([1.        , 0.5       , 0.66666667])
    """
    kind = _check_kind(kind)
    check_fmt(fmt)
    if kind != "box" and fmt != "xyxy":
        raise ValueError(f"fmt: expected 'xyxy' (it applies to kind='box' only) with kind={kind!r}, got {fmt!r}")
    degrees, flip = check_angle_unit(angle_unit), check_convention(convention)
    gt = _as_geometry(gt_boxes, kind, fmt, "gt_boxes")
    dt = _as_geometry(dt_boxes, kind, fmt, "dt_boxes")
    gt, dt = common_dtype(gt, dt)
    n, m = len(gt), len(dt)
    gt_label = as_labels(gt_labels, n, "gt_labels", "gt_boxes")
    gt_image = as_labels(gt_image_ids, n, "gt_image_ids", "gt_boxes")
    scores = as_scores(dt_scores, m, "dt_scores", "dt_boxes")
    check_finite(scores, "dt_scores")
    dt_label = as_labels(dt_labels, m, "dt_labels", "dt_boxes")
    dt_image = as_labels(dt_image_ids, m, "dt_image_ids", "dt_boxes")
    difficult = _as_difficult(gt_difficult, n)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    metric07 = check_flag(use_07_metric, "use_07_metric")
    cats = np.unique(gt_label) if categories is None else _as_categories(categories)
    kernel_threads(n_threads, 0, "pairs")  # validates n_threads even when no kernel runs

    gt_cat = _category_index(gt_label, cats)
    dt_cat = _category_index(dt_label, cats)
    gt_rows = np.flatnonzero(gt_cat >= 0)
    dt_rows = np.flatnonzero(dt_cat >= 0)

    g, d, iou = _candidate_iou(gt, dt, gt_rows, dt_rows, gt_cat, dt_cat, gt_image, dt_image, kind, degrees, flip,
                               n_threads)
    # step 2 (independent of the order): the best ground truth of each detection (highest IoU, then lowest row)
    best_iou = np.full(m, -1.0)
    np.maximum.at(best_iou, d, iou)
    ties = iou == best_iou[d]
    best_gt = np.full(m, n, dtype=np.intp)
    np.minimum.at(best_gt, d[ties], g[ties])
    hit_dt = np.flatnonzero(best_iou > threshold)
    hit_gt = best_gt[hit_dt]
    dt_match = np.full(m, -1, dtype=np.intp)
    dt_match[hit_dt] = hit_gt

    # step 1: the visiting order, by category, then decreasing score, then input order
    order = dt_rows[np.lexsort((-scores[dt_rows], dt_cat[dt_rows]))]
    position = np.empty(m, dtype=np.intp)
    position[order] = np.arange(len(order))

    # step 3: outcomes; of the detections whose best match is one free ground truth, the first visited wins it
    outcome = np.full(m, OUTCOMES["not_evaluated"], dtype=np.int8)
    outcome[dt_rows] = OUTCOMES["false_positive"]
    hard = difficult[hit_gt]
    outcome[hit_dt[hard]] = OUTCOMES["ignored"]
    free_dt, free_gt = hit_dt[~hard], hit_gt[~hard]
    first = np.full(n, m, dtype=np.intp)
    np.minimum.at(first, free_gt, position[free_dt])
    outcome[free_dt[position[free_dt] == first[free_gt]]] = OUTCOMES["true_positive"]

    # step 4: cumulative counts within each category, curves and AP
    n_cats = len(cats)
    npos = np.bincount(gt_cat[gt_rows][~difficult[gt_rows]], minlength=n_cats).astype(np.int64)
    counts = np.bincount(dt_cat[dt_rows], minlength=n_cats)
    starts = np.concatenate(([0], np.cumsum(counts)))
    visited = outcome[order]
    tp = _cumsum_within(visited == OUTCOMES["true_positive"], starts, counts)
    fp = _cumsum_within(visited == OUTCOMES["false_positive"], starts, counts)
    recall = tp / np.repeat(np.maximum(npos, 1), counts).astype(np.float64)
    precision = tp / np.maximum(tp + fp, _EPS)
    sorted_scores = scores[order]

    ap = np.full(n_cats, -1.0)
    recalls, precisions, score_curves = [], [], []
    total, valid = 0.0, 0
    for k in range(n_cats):
        piece = slice(int(starts[k]), int(starts[k + 1]))
        rec, prec = recall[piece], precision[piece]
        recalls.append(rec)
        precisions.append(prec)
        score_curves.append(sorted_scores[piece])
        if npos[k] > 0:
            ap[k] = _average_precision(rec, prec, metric07)
            total = total + float(ap[k])  # in order, as DOTA's main() adds them
            valid += 1
    return VocResult(
        categories=cats,
        ap=ap,
        map=total / valid if valid else -1.0,
        n_positives=npos,
        recall=tuple(recalls),
        precision=tuple(precisions),
        scores=tuple(score_curves),
        dt_outcome=outcome,
        dt_match=dt_match,
        iou_threshold=threshold,
        use_07_metric=metric07,
    )


def _check_kind(kind: Any) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    return kind


def _as_geometry(boxes: Any, kind: str, fmt: str, name: str) -> np.ndarray:
    """Validated boxes of ``kind``: xyxy boxes, rotated boxes or quads (n, 8)."""
    if kind == "box":
        return as_boxes(boxes, name, fmt, strided=True)
    if kind == "rotated":
        return as_rotated(boxes, name)
    return as_quads(boxes, name)


def _as_difficult(values: Any, n: int) -> np.ndarray:
    """The difficult flags as a bool (n,) array (non-zero: difficult)."""
    if values is None:
        return np.zeros(n, dtype=bool)
    array = as_numpy(values)
    if array.size == 0 and array.ndim == 1:
        array = array.astype(bool)
    if array.dtype.kind not in "biu":
        raise TypeError(f"gt_difficult: expected a bool or integer array, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"gt_difficult: expected shape (n,), got {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"gt_difficult: expected length {n} to match gt_boxes, got {array.shape[0]}")
    return array.astype(bool)


def _as_categories(values: Any) -> np.ndarray:
    """The ``categories`` argument as a distinct int64 (K,) array, in its order."""
    array = np.atleast_1d(as_numpy(values))
    array = np.array(as_labels(array, len(array), "categories", "categories"))  # a copy: the result holds it
    distinct, counts = np.unique(array, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"categories: expected distinct values, got {int(distinct[counts > 1][0])} more than once")
    return array


def _category_index(labels: np.ndarray, cats: np.ndarray) -> np.ndarray:
    """The position of each label in ``cats`` (intp), -1 for labels not in it."""
    out = np.full(len(labels), -1, dtype=np.intp)
    if len(cats) == 0 or len(labels) == 0:
        return out
    low, high = int(cats.min()), int(cats.max())
    if high - low < 4 * len(cats) + 1024:  # a lookup table
        table = np.full(high - low + 2, -1, dtype=np.intp)  # the last entry: labels out of range
        table[cats - low] = np.arange(len(cats))
        shifted = labels - low
        shifted[(labels < low) | (labels > high)] = high - low + 1
        return table[shifted]
    sorter = np.argsort(cats, kind="stable")
    ordered = cats[sorter]
    place = np.minimum(np.searchsorted(ordered, labels), len(cats) - 1)
    found = ordered[place] == labels
    out[found] = sorter[place[found]]
    return out


def _candidate_iou(gt, dt, gt_rows, dt_rows, gt_cat, dt_cat, gt_image, dt_image, kind, degrees, flip, n_threads):
    """Every pair (ground truth, detection) of one image and category whose bounds
    overlap or touch, as input rows ``(g, d)``, with its exact IoU."""
    empty = np.empty(0, dtype=np.intp)
    if len(gt_rows) == 0 or len(dt_rows) == 0:
        return empty, empty, np.empty(0)
    n = len(gt_rows)
    threads = kernel_threads(n_threads, n + len(dt_rows), "rotated_boxes" if kind != "box" else "pairs")
    # the rows (ground truth, then detections) sorted by (category, image), and the rank of their group
    rows = np.concatenate((gt_rows, dt_rows))
    cat = np.concatenate((gt_cat[gt_rows], dt_cat[dt_rows]))
    image = np.concatenate((gt_image[gt_rows], dt_image[dt_rows]))
    by_group = _group_order(cat, image)
    cat, image = cat[by_group], image[by_group]
    ranks = np.zeros(len(by_group), dtype=np.int64)
    np.cumsum((cat[1:] != cat[:-1]) | (image[1:] != image[:-1]), out=ranks[1:])
    is_gt = by_group < n
    gt_sorted, dt_sorted = rows[by_group[is_gt]], rows[by_group[~is_gt]]
    bounds = np.empty((len(rows), 4))
    bounds[is_gt] = _bounds_of(gt, kind, degrees, flip, threads)[gt_sorted]
    bounds[~is_gt] = _bounds_of(dt, kind, degrees, flip, threads)[dt_sorted]
    banded = _category_bands(bounds, ranks)  # one band per group (category, image)
    if banded is None:  # extents beyond float64's range for bands: one search, then the pairs of one group
        banded = bounds
    first, second = np.ascontiguousarray(banded[is_gt]), np.ascontiguousarray(banded[~is_gt])
    local = _pairs.find_pairs(first, second, self_join=False, touching=True, n_threads=threads)
    if banded is bounds:
        local = local[:, ranks[is_gt][local[0]] == ranks[~is_gt][local[1]]]
    pairs = np.stack((gt_sorted[local[0]], dt_sorted[local[1]]))
    k = pairs.shape[1]
    if kind == "box":
        iou = _iou.iou_pairs(gt, dt, pairs, n_threads=kernel_threads(n_threads, k, "iou"))
    else:
        iou = np.empty(k)
        _rotated.on_pairs(gt, dt, pairs, same=False, degrees=degrees, flip=flip, value=_rotated.VALUE_CODES["iou"],
                          out=iou, n_threads=kernel_threads(n_threads, k, "rotated_pairs"))
    return pairs[0], pairs[1], iou


def _bounds_of(boxes: np.ndarray, kind: str, degrees: bool, flip: bool, threads: int) -> np.ndarray:
    """float64 axis-aligned bounds (xyxy) of ``boxes``, containing each box."""
    if kind == "box":
        return np.asarray(boxes, dtype=np.float64)
    if kind == "rotated":
        return _bounds(boxes, degrees, flip, threads)
    return _quad_bounds(boxes)


def _group_order(cat: np.ndarray, image: np.ndarray) -> np.ndarray:
    """A stable order of rows by (category, image): one sort of a combined key when it fits in int64."""
    if len(image) == 0:
        return np.empty(0, dtype=np.intp)
    low, span = int(image.min()), int(image.max()) - int(image.min()) + 1
    if span * (int(cat.max()) + 1) < 1 << 62:
        return np.argsort(cat * span + (image - low), kind="stable")
    return np.lexsort((image, cat))


def _cumsum_within(flags: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``flags`` restarting at each segment (``starts``/``counts``), as float64."""
    total = np.cumsum(flags, dtype=np.int64)
    before = np.concatenate(([0], total))[starts[:-1]]
    return (total - np.repeat(before, counts)).astype(np.float64)


def _average_precision(recall: np.ndarray, precision: np.ndarray, use_07_metric: bool) -> float:
    """VOC AP of one category's curves (recall non-decreasing), as DOTA's ``voc_ap``."""
    if use_07_metric:
        # the best precision at recall >= t is the suffix maximum from the first such point
        best = np.maximum.accumulate(precision[::-1])[::-1]
        first = np.searchsorted(recall, _RECALL_LEVELS, side="left")
        ap = 0.0
        for index in first.tolist():
            ap = ap + (float(best[index]) if index < len(best) else 0.0) / 11.0
        return ap
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.maximum.accumulate(np.concatenate(([0.0], precision, [0.0]))[::-1])[::-1]
    steps = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))
