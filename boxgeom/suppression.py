"""The NMS family of detection post-processing: soft-NMS (axis-aligned and rotated),
per-class rotated NMS and NMS of convex quadrilaterals.

Every function here only ever looks at pairs of boxes that overlap: for soft-NMS of
axis-aligned boxes, the kernel finds them itself (``boxgeom._soft_nms.soft_nms_boxes``:
a hierarchical grid per category); otherwise candidate pairs come from the pair engine
(``boxgeom._pairs``, on the boxes' axis-aligned bounds), restricted to one category
when ``idxs`` is given, before any IoU is computed. Soft-NMS then decays scores along
those pairs only (``boxgeom._soft_nms``: a heap per connected component of the overlap
graph); the greedy NMS variants walk the score order over them
(``boxgeom._nms.suppress_pairs``). Time O(n log n + k) for k overlapping pairs, never
O(n^2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _nms, _pairs, _soft_nms
from boxgeom._tensors import returns_tensors
from boxgeom._threads import kernel_threads
from boxgeom._validate import (
    as_labels,
    as_quads,
    as_rotated,
    as_scores,
    check_finite,
    check_positive,
    check_threshold,
)
from boxgeom.formats import as_boxes
from boxgeom.rotated import _bounds, _options, _pair_iou, _self_iou

__all__ = ["SOFT_NMS_METHODS", "batched_rotated_nms", "polygon_nms", "rotated_soft_nms", "soft_nms"]

#: The decay rules ``soft_nms(method=...)`` accepts.
SOFT_NMS_METHODS = ("linear", "gaussian", "hard")

# From this many boxes on, soft_nms hands the kernel its boxes in place order (a tuning
# constant: it changes the speed, never the result).
_LOCALITY_FROM = 1 << 19


def check_method(method: Any) -> int:
    """Return the kernel code of a soft-NMS ``method`` (one of :data:`SOFT_NMS_METHODS`), else ValueError."""
    if not isinstance(method, str) or method not in SOFT_NMS_METHODS:
        raise ValueError(f"method: expected one of {', '.join(map(repr, SOFT_NMS_METHODS))}, got {method!r}")
    return _soft_nms.METHOD_CODES[method]


class _Soft:
    """A soft-NMS call: its checked options, the boxes alive at the start, and the steps
    of the variants over listed pairs (:meth:`prepare`, :meth:`run`)."""

    def __init__(self, n: int, scores, idxs, method, sigma, iou_threshold, score_threshold, n_threads):
        self.code = check_method(method)
        self.sigma = check_positive(sigma, "sigma")
        self.iou_threshold = check_threshold(iou_threshold, "iou_threshold")
        self.score_threshold = check_threshold(score_threshold, "score_threshold")
        self.scores = as_scores(scores, n)
        check_finite(self.scores, "scores")
        self.labels = None if idxs is None else as_labels(idxs, n)
        self.n_threads = n_threads
        # boxes below score_threshold are dropped before any pair is looked for
        alive = self.scores >= self.score_threshold
        self.alive = None if alive.all() else np.flatnonzero(alive)

    def subset(self, array: np.ndarray) -> np.ndarray:
        """The rows of ``array`` of the boxes alive at the start."""
        return array if self.alive is None else np.take(array, self.alive, axis=0)

    def prepare(self, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Order the alive boxes, of axis-aligned ``bounds`` (xyxy), by category, then by
        the grid cell of their centre (so that the walk's memory accesses stay nearby),
        then by index; return that order ``perm``, the bounds in it, and the candidate
        pairs in it: every pair of one category whose bounds overlap (strictly), maybe
        with some of IoU 0 (they change nothing)."""
        labels = None if self.labels is None else self.subset(self.labels)
        n = len(bounds)
        ranks = None if labels is None or n == 0 else _ranks(labels)
        perm = _soft_nms.locality_order(np.ascontiguousarray(bounds), ranks)
        ordered = np.take(bounds, perm, axis=0)
        if ranks is None:
            return perm, ordered, self._pairs(ordered, touching=False)
        ranks = np.take(ranks, perm)
        banded = _category_bands(ordered, ranks)
        if banded is None:  # no room for the bands (float64 extents beyond 1e308): one call, then a filter
            return perm, ordered, _soft_nms.same_label_pairs(self._pairs(ordered, touching=False), ranks)
        return perm, ordered, self._pairs(banded, touching=True)

    def _pairs(self, bounds: np.ndarray, touching: bool) -> np.ndarray:
        """The pair engine's self-join of validated xyxy ``bounds``."""
        threads = kernel_threads(self.n_threads, len(bounds), "pairs")
        return _pairs.find_pairs(bounds, bounds, self_join=True, touching=touching, n_threads=threads)

    def run(self, perm: np.ndarray, pairs: np.ndarray, iou: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decay the scores of the alive boxes (in the order ``perm``) along ``pairs`` (of
        IoU ``iou``, overwritten); return ``keep`` (indices into the input) and the kept
        scores."""
        scores = np.take(self.subset(self.scores), perm)
        threads = kernel_threads(self.n_threads, pairs.shape[1], "soft_nms")
        keep, kept = _soft_nms.soft_nms_pairs(scores, pairs, iou, perm, method=self.code, sigma=self.sigma,
                                              iou_threshold=self.iou_threshold, score_threshold=self.score_threshold,
                                              n_threads=threads)
        return (keep if self.alive is None else self.alive[keep]), kept


def _category_bands(bounds: np.ndarray, ranks: np.ndarray) -> np.ndarray | None:
    """float64 copies of ``bounds`` moved along x into one band per category (rank r
    into [r * S, r * S + extent], S >= 2 * extent a power of two), so that one call of
    the pair engine finds the pairs of every category and none across; None when the
    extent is not finite.

    The moves round, but monotonically, so boxes that overlap still overlap or touch:
    with ``touching=True`` the pairs found contain every overlapping pair (their IoU is
    then taken on the exact ``bounds``); the gap between bands (>= S / 2, far above the
    rounding) keeps categories apart.
    """
    moved = bounds.astype(np.float64)  # a copy
    low = float(moved[:, 0].min())
    extent = float(moved[:, 2].max()) - low
    if not math.isfinite(extent) or not math.isfinite(float(ranks[-1] + 1) * max(2 * extent, 1.0) * 2):
        return None
    band = 2.0 ** (math.frexp(extent)[1] + 1) if extent > 0 else 1.0
    shift = ranks * band - low  # the ranks are sorted: the last is the largest
    moved[:, 0] += shift
    moved[:, 2] += shift
    return moved


def _ranks(labels: np.ndarray) -> np.ndarray:
    """Non-negative int64 category keys in the order of ``labels`` (dense ranks when the
    labels span more than 2**22 values)."""
    low = labels.min()
    if int(labels.max()) - int(low) < 1 << 22:
        return labels - low
    return np.unique(labels, return_inverse=True)[1].reshape(-1).astype(np.int64)


@returns_tensors
def soft_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    *,
    method: str = "gaussian",
    sigma: float = 0.5,
    iou_threshold: float = 0.3,
    score_threshold: float = 0.001,
    idxs: npt.ArrayLike | None = None,
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Soft non-maximum suppression (Bodla et al. 2017): overlapping boxes lose score
    instead of being removed.

    The boxes with a score below ``score_threshold`` are dropped. Then, repeatedly, the
    alive box with the highest current score (ties: the lower index) is kept with that
    score, and every other alive box of the same category that it overlaps with IoU
    ``o`` has its score multiplied by ``w(o)``; a box whose score falls below
    ``score_threshold`` is dropped.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    scores : array_like of shape (n,)
        Finite scores.
    method : {"gaussian", "linear", "hard"}, default "gaussian"
        ``"gaussian"``: ``w = exp(-o**2 / sigma)`` (``iou_threshold`` unused);
        ``"linear"``: ``w = 1 - o`` if ``o > iou_threshold``, else 1; ``"hard"``: the box
        is removed if ``o > iou_threshold`` (plain NMS, as :func:`boxgeom.nms`).
    sigma : float > 0, default 0.5
        Width of the gaussian decay.
    iou_threshold : float in [0, 1], default 0.3
    score_threshold : float in [0, 1], default 0.001
        Boxes whose score is below it (strictly) are dropped, at the start or once decayed.
    idxs : array_like of shape (n,), integer, optional
        Category of each box: boxes of different categories never decay each other.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional
        OpenMP threads for the pair search, the IoU and the walk's components; the result
        never depends on it.

    Returns
    -------
    keep : ndarray of shape (k,), intp
        The kept boxes, by decreasing kept score (ties: lower index first), which is the
        order in which the rule keeps them.
    kept_scores : ndarray of shape (k,), float64
        Their scores when kept (decayed).

    Raises
    ------
    ValueError
        Bad boxes, NaN or inf scores, a length mismatch, an unknown ``method``,
        ``sigma <= 0``, thresholds outside [0, 1].

    Notes
    -----
    A pair of boxes that do not overlap with positive area (touching, or a zero-area box)
    has IoU 0, and ``w(0) = 1`` under every method, so only overlapping pairs can change a
    score: the kernel (``boxgeom._soft_nms``) finds them in a hierarchical grid per
    category and decays the scores one connected component of the overlapping pairs at
    a time. Time O(n log n + k log m) for k overlapping pairs and components of at most
    m boxes.

    To reproduce ensemble-boxes' ``soft_nms`` (which keeps decayed scores strictly above
    ``thresh`` and lists its output label by label), pass
    ``score_threshold=np.nextafter(thresh, 1)`` and ``idxs=labels``, then stable-sort
    ``keep`` by label (``docs/detection.md`` has the whole recipe).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]]
    >>> keep, kept = soft_nms(boxes, [0.9, 0.8, 0.7])
    >>> keep, kept.round(4)
    (array([0, 2, 1]), array([0.9   , 0.7   , 0.2097]))
    >>> soft_nms(boxes, [0.9, 0.8, 0.7], method="hard", iou_threshold=0.5)[0]
    array([0, 2])
    >>> soft_nms(boxes, [0.9, 0.8, 0.7], method="linear", idxs=[0, 1, 0])[1]
    array([0.9, 0.8, 0.7])
    """
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    soft = _Soft(len(xyxy), scores, idxs, method, sigma, iou_threshold, score_threshold, n_threads)
    alive, values = soft.subset(xyxy), soft.subset(soft.scores)
    labels = None if soft.labels is None else soft.subset(soft.labels)
    ids = None
    if len(alive) >= _LOCALITY_FROM:  # the boxes in place order first, so that the kernel's grid fills in cache
        ids = _soft_nms.locality_order(np.ascontiguousarray(alive), None if labels is None else _ranks(labels))
        alive, values = np.take(alive, ids, axis=0), np.take(values, ids)
        labels = None if labels is None else np.take(labels, ids)
    keep, kept = _soft_nms.soft_nms_boxes(
        alive, values, labels, ids, method=soft.code, sigma=soft.sigma, iou_threshold=soft.iou_threshold,
        score_threshold=soft.score_threshold, n_threads=kernel_threads(n_threads, len(alive), "soft_nms_boxes"))
    return (keep if soft.alive is None else soft.alive[keep]), kept


@returns_tensors
def rotated_soft_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    *,
    method: str = "gaussian",
    sigma: float = 0.5,
    iou_threshold: float = 0.3,
    score_threshold: float = 0.001,
    idxs: npt.ArrayLike | None = None,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Soft-NMS of rotated boxes: :func:`soft_nms`'s rule with the exact rotated IoU.

    Parameters
    ----------
    boxes : array_like of shape (n, 5)
        Rotated boxes ``(cx, cy, w, h, angle)``.
    scores, method, sigma, iou_threshold, score_threshold, idxs, n_threads
        As in :func:`soft_nms`.
    angle_unit : {"deg", "rad"}, default "deg"
    convention : {"opencv", "torchvision"}, default "opencv"
        As in :func:`boxgeom.rotated_iou`.

    Returns
    -------
    keep : ndarray of shape (k,), intp
    kept_scores : ndarray of shape (k,), float64
        As in :func:`soft_nms`.

    Raises
    ------
    ValueError
        Bad boxes (as in :func:`boxgeom.rotated_iou`), or as in :func:`soft_nms`.

    Notes
    -----
    Candidate pairs and their IoU are those of :func:`boxgeom.rotated_nms`: the pairs
    whose axis-aligned bounds overlap, clipped exactly.

    Examples
    --------
    >>> boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 90], [10, 10, 4, 2, 0]]
    >>> keep, kept = rotated_soft_nms(boxes, [0.9, 0.8, 0.7], method="linear", iou_threshold=0.2)
    >>> keep, kept.round(4)
    (array([0, 2, 1]), array([0.9   , 0.7   , 0.5333]))
    """
    degrees, flip = _options(angle_unit, convention)
    array = as_rotated(boxes)
    soft = _Soft(len(array), scores, idxs, method, sigma, iou_threshold, score_threshold, n_threads)
    alive = soft.subset(array)
    threads = kernel_threads(n_threads, len(alive), "rotated_boxes")
    perm, _, pairs = soft.prepare(_bounds(alive, degrees, flip, threads))
    return soft.run(perm, pairs, _pair_iou(np.take(alive, perm, axis=0), pairs, degrees, flip, threads))


@returns_tensors
def batched_rotated_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    idxs: npt.ArrayLike,
    iou_threshold: float,
    *,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> np.ndarray:
    """Rotated NMS within each category (detectron2's ``batched_nms_rotated``, mmcv's
    ``nms_rotated(labels=)``): a loop of :func:`boxgeom.rotated_nms` over the categories.

    Parameters
    ----------
    boxes : array_like of shape (n, 5)
        Rotated boxes ``(cx, cy, w, h, angle)``.
    scores : array_like of shape (n,)
        Scores (NaN is an error; +-inf are ordinary values).
    idxs : array_like of shape (n,), integer
        Category of each box: boxes of different categories never suppress each other.
    iou_threshold : float in [0, 1]
        Suppress when IoU > iou_threshold.
    angle_unit, convention, n_threads
        As in :func:`boxgeom.rotated_nms`.

    Returns
    -------
    ndarray of shape (k,), intp
        Kept indices by decreasing score (ties: lower index first), all categories mixed.

    Raises
    ------
    ValueError
        As in :func:`boxgeom.rotated_nms`, or ``idxs`` of the wrong length.

    Notes
    -----
    The candidate pairs of different categories are dropped before any IoU is computed;
    the greedy walk then runs once over the pairs left, with no per-category loop.

    Examples
    --------
    >>> boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 10], [0, 0, 4, 2, 5]]
    >>> batched_rotated_nms(boxes, [0.9, 0.8, 0.7], [0, 0, 1], 0.5)
    array([0, 2])
    """
    degrees, flip = _options(angle_unit, convention)
    array = as_rotated(boxes)
    n = array.shape[0]
    values = as_scores(scores, n)
    labels = as_labels(idxs, n)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = kernel_threads(n_threads, n, "rotated_boxes")
    pairs, iou = _self_iou(array, _bounds(array, degrees, flip, threads), degrees, flip, threads, labels)
    return _nms.suppress_pairs(np.argsort(-values, kind="stable"), pairs, iou, iou_threshold=threshold)


@returns_tensors
def polygon_nms(
    quads: npt.ArrayLike,
    scores: npt.ArrayLike,
    iou_threshold: float,
    *,
    idxs: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """Greedy NMS of convex quadrilaterals with their exact IoU (DOTA's
    ``py_cpu_nms_poly``, mmcv's ``nms_quadri``).

    Visit the quads by decreasing score (ties: lower index first); keep a quad unless a
    kept quad of the same category overlaps it with IoU strictly greater than
    ``iou_threshold``.

    Parameters
    ----------
    quads : array_like of shape (n, 8) or (n, 4, 2)
        Convex quadrilaterals ``x1 y1 x2 y2 x3 y3 x4 y4`` (as :func:`boxgeom.polygon_iou`).
    scores : array_like of shape (n,)
        Scores (NaN is an error; +-inf are ordinary values).
    iou_threshold : float in [0, 1]
    idxs : array_like of shape (n,), integer, optional
        Category of each quad: quads of different categories never suppress each other.
    n_threads : int, optional
        OpenMP threads (None: all available); the result never depends on it.

    Returns
    -------
    ndarray of shape (k,), intp
        Kept indices by decreasing score.

    Raises
    ------
    ValueError
        Bad quads (as in :func:`boxgeom.polygon_iou`), NaN scores, a length mismatch,
        ``iou_threshold`` outside [0, 1].

    Notes
    -----
    Candidate pairs are the quads whose axis-aligned bounds overlap (the pair engine),
    then exact polygon IoU (``_rotated``), then the greedy walk over the pairs of IoU >
    ``iou_threshold``.

    Examples
    --------
    >>> quads = [[0, 0, 2, 0, 2, 2, 0, 2], [0, 0, 2, 0, 2, 2.2, 0, 2], [5, 5, 6, 5, 6, 6, 5, 6]]
    >>> polygon_nms(quads, [0.8, 0.9, 0.7], 0.5)
    array([1, 2])
    """
    array = as_quads(quads, "quads")
    n = array.shape[0]
    values = as_scores(scores, n)
    labels = None if idxs is None else as_labels(idxs, n)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = kernel_threads(n_threads, n, "rotated_boxes")
    pairs, iou = _self_iou(array, _quad_bounds(array), False, False, threads, labels)
    return _nms.suppress_pairs(np.argsort(-values, kind="stable"), pairs, iou, iou_threshold=threshold)


def _quad_bounds(quads: np.ndarray) -> np.ndarray:
    """Axis-aligned bounds (n, 4) float64 of quads (n, 8): the quads are clipped in float64 too."""
    points = quads.astype(np.float64, copy=False)
    xs = [points[:, k] for k in (0, 2, 4, 6)]  # reductions over columns: numpy is slow along a short axis
    ys = [points[:, k] for k in (1, 3, 5, 7)]
    return np.column_stack([np.minimum.reduce(xs), np.minimum.reduce(ys), np.maximum.reduce(xs), np.maximum.reduce(ys)])
