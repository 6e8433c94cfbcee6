"""Detection utilities: non-maximum suppression, one-to-one matching, tile cover.

All of them start from the pair engine (:func:`boxgeom.find_pairs` and
:func:`boxgeom.find_pairs_between`, strict overlap), so the work is
O(n log n + k) for k overlapping pairs, never O(n^2).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from boxgeom import _assign, _cover, _csr, _nms, _suppress
from boxgeom._threads import effective_n_threads
from boxgeom._validate import (
    as_box_pair,
    as_boxes,
    as_labels,
    as_scores,
    check_fits_tile,
    check_positive,
    check_threshold,
)
from boxgeom.pairs import _find

__all__ = ["batched_nms", "match_greedy", "match_optimal", "nms", "tile_cover"]

_INT_TILE_LIMIT = 2**62  # int64 coordinates stay within +-2**61, so x + tile never wraps
# Below this many pairs a parallel region costs more than it saves (and on a loaded
# machine waking a second thread can take milliseconds).
_PARALLEL_PAIRS = 200_000


def _threads_for(k: int, threads: int) -> int:
    return threads if k >= _PARALLEL_PAIRS else 1


def nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    iou_threshold: float,
    *,
    fmt: str = "xyxy",
    overlap_threshold: float | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """Greedy non-maximum suppression (torchvision's ``nms`` semantics).

    Visit the boxes by decreasing score; keep a box unless a kept box overlaps it with
    IoU strictly greater than ``iou_threshold`` (or, with ``overlap_threshold``, with
    intersection / area of the lower-scoring box strictly greater than it).

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt`` (``x1 <= x2``, ``y1 <= y2``).
    scores : array_like of shape (n,)
        Scores; NaN is an error, +-inf are ordinary values.
    iou_threshold : float in [0, 1]
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    overlap_threshold : float in [0, 1], optional
        Also suppress when intersection / area(lower-scoring box) > overlap_threshold.
    n_threads : int, optional
        OpenMP threads for the pair search and overlaps (the walk is serial).

    Returns
    -------
    ndarray of shape (k,), intp
        Indices of the kept boxes, by decreasing score. Equal scores: lower index
        first (a stable order), whatever n.

    Raises
    ------
    ValueError
        Bad boxes, a length mismatch, NaN scores, thresholds outside [0, 1] or NaN.

    Notes
    -----
    Only pairs with a positive-area overlap are candidates, so touching or zero-area
    boxes never suppress anything. Time O(n log n + k) for k overlapping pairs.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]]
    >>> nms(boxes, [0.9, 0.8, 0.7, 0.9], 0.5)
    array([0, 2])
    >>> nms([[0, 0, 10, 10], [2, 2, 5, 5]], [0.9, 0.8], 0.5, overlap_threshold=0.5)
    array([0])
    """
    xyxy = as_boxes(boxes, "boxes", fmt)
    values = as_scores(scores, len(xyxy))
    iou_t = check_threshold(iou_threshold, "iou_threshold")
    overlap_t = 2.0 if overlap_threshold is None else check_threshold(overlap_threshold, "overlap_threshold")
    threads = effective_n_threads(n_threads)
    return _suppress_boxes(xyxy, values, None, iou_t, overlap_t, overlap_threshold is not None, False, threads)


def batched_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    idxs: npt.ArrayLike,
    iou_threshold: float,
    *,
    fmt: str = "xyxy",
    overlap_threshold: float | None = None,
    n_threads: int | None = None,
) -> np.ndarray:
    """Non-maximum suppression within each category: boxes of different ``idxs`` never
    suppress each other.

    Parameters
    ----------
    boxes, scores, iou_threshold, fmt, overlap_threshold, n_threads
        As in :func:`nms`.
    idxs : array_like of shape (n,), integer
        Category of each box.

    Returns
    -------
    ndarray of shape (k,), intp
        Kept indices by decreasing score (ties: lower index first), all categories mixed.

    Notes
    -----
    Candidate pairs of different categories are dropped before any overlap is
    computed (no coordinate-offset trick, so no precision is lost).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]]
    >>> batched_nms(boxes, [0.9, 0.8, 0.7], [0, 0, 1], 0.5)
    array([0, 2])
    """
    xyxy = as_boxes(boxes, "boxes", fmt)
    values = as_scores(scores, len(xyxy))
    labels = as_labels(idxs, len(xyxy))
    iou_t = check_threshold(iou_threshold, "iou_threshold")
    overlap_t = 2.0 if overlap_threshold is None else check_threshold(overlap_threshold, "overlap_threshold")
    threads = effective_n_threads(n_threads)
    return _suppress_boxes(xyxy, values, labels, iou_t, overlap_t, overlap_threshold is not None, False, threads)


def _suppress_boxes(xyxy, scores, labels, iou_t, overlap_t, use_overlap, peer_rule, threads) -> np.ndarray:
    """Kept indices (intp, visiting order) of greedy NMS on validated input."""
    n = len(xyxy)
    order = np.argsort(-scores, kind="stable").astype(np.intp, copy=False)
    pairs = _find(xyxy, xyxy, True, False, threads, "auto")
    if labels is not None and pairs.shape[1]:
        pairs = np.ascontiguousarray(pairs[:, labels[pairs[0]] == labels[pairs[1]]])
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n, dtype=np.intp)
    keepers, targets = _nms.suppress_edges(
        xyxy, pairs, rank, iou_t, overlap_t, use_overlap, peer_rule, _threads_for(pairs.shape[1], threads)
    )
    indptr, indices = _csr.build_csr(keepers, targets, n, False)
    keep = np.empty(n, dtype=np.intp)
    count = _suppress.greedy_suppress(order, indptr, indices, keep)
    return keep[:count].copy()


def match_greedy(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    iou_threshold: float,
    *,
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-to-one matching, greedy by decreasing IoU.

    Candidates are the pairs with a positive-area overlap and IoU >= ``iou_threshold``;
    they are taken by decreasing IoU (ties: ``(i, j)`` ascending) when both boxes are
    still free.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 4)
    boxes2 : array_like of shape (m, 4)
    iou_threshold : float in [0, 1]
        Inclusive: IoU == iou_threshold matches.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional

    Returns
    -------
    matches : ndarray of shape (2, k), intp
        Row 0 indexes ``boxes1``, row 1 ``boxes2``; in acceptance order (decreasing IoU).
    unmatched1 : ndarray of shape (n - k,), intp
        Unmatched indices of ``boxes1``, ascending.
    unmatched2 : ndarray of shape (m - k,), intp

    See Also
    --------
    match_optimal : the maximum-total-IoU matching over the same candidates.

    Examples
    --------
    >>> matches, left1, left2 = match_greedy([[0, 0, 10, 10], [3, 0, 13, 10]],
    ...                                      [[1, 0, 11, 10], [-3, 0, 7, 10]], 0.1)
    >>> matches
    array([[0, 1],
           [0, 1]])
    >>> left1, left2
    (array([], dtype=int64), array([], dtype=int64))
    """
    first, second = as_box_pair(boxes1, boxes2, fmt)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = effective_n_threads(n_threads)
    pairs, iou = _match_candidates(first, second, threshold, False, False, threads)
    order = np.argsort(-iou, kind="stable").astype(np.intp, copy=False)
    accepted = _nms.greedy_match(order, pairs[0], pairs[1], len(first), len(second))
    return _match_result(pairs[:, accepted], len(first), len(second))


def match_optimal(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    iou_threshold: float,
    *,
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-to-one matching of maximum total IoU over the candidates of :func:`match_greedy`.

    Parameters
    ----------
    boxes1, boxes2, iou_threshold, fmt, n_threads
        As in :func:`match_greedy`.

    Returns
    -------
    matches, unmatched1, unmatched2
        As in :func:`match_greedy`; matches by decreasing IoU (ties: ``(i, j)`` ascending).

    Notes
    -----
    Shortest augmenting paths on the sparse candidate graph (Jonker-Volgenant with
    Dijkstra, each box of ``boxes1`` free to stay unmatched): memory linear in the
    candidates, and each augmentation explores only the nearby boxes, however large
    the connected components. When several matchings reach the same total, the one
    found by augmenting the rows of ``boxes1`` in index order is returned.

    Examples
    --------
    >>> matches, _, _ = match_optimal([[0, 0, 10, 10], [3, 0, 13, 10]],
    ...                               [[1, 0, 11, 10], [-3, 0, 7, 10]], 0.1)
    >>> matches  # total IoU 1.21; match_greedy's (0, 0), (1, 1) totals 1.07
    array([[1, 0],
           [0, 1]])
    """
    first, second = as_box_pair(boxes1, boxes2, fmt)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = effective_n_threads(n_threads)
    n1, n2 = len(first), len(second)
    pairs, iou = _match_candidates(first, second, threshold, False, False, threads)  # sorted by (i, j)
    indptr = np.zeros(n1 + 1, dtype=np.intp)
    np.cumsum(np.bincount(pairs[0], minlength=n1), out=indptr[1:])
    edge_of_row = _assign.max_weight_matching(indptr, np.ascontiguousarray(pairs[1]), iou, n2)
    picked = edge_of_row[edge_of_row >= 0]
    picked = picked[np.lexsort((pairs[1, picked], pairs[0, picked], -iou[picked]))]
    return _match_result(pairs[:, picked], n1, n2)


def _match_candidates(first, second, threshold, peer_rule, j_first, threads):
    """Candidate pairs (2, k) and their IoU, lexsorted by (i, j) (by (j, i) with ``j_first``).

    Modern rule: IoU >= threshold; peer rule: union > 0 and union * threshold <= inter.
    """
    if j_first:
        pairs = _find(second, first, False, False, threads, "auto")[::-1]
        pairs = np.ascontiguousarray(pairs)
    else:
        pairs = _find(first, second, False, False, threads, "auto")
    inter, union = _nms.pair_overlaps(first, second, pairs, _threads_for(pairs.shape[1], threads))
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
        keep = (union > 0) & (union * threshold <= inter) if peer_rule else (union > 0) & (iou >= threshold)
    if not keep.all():
        pairs = np.ascontiguousarray(pairs[:, keep])
        iou = iou[keep]
    return pairs, iou


def _match_result(matches: np.ndarray, n1: int, n2: int):
    used1 = np.zeros(n1, dtype=bool)
    used2 = np.zeros(n2, dtype=bool)
    used1[matches[0]] = True
    used2[matches[1]] = True
    return (
        np.ascontiguousarray(matches, dtype=np.intp),
        np.flatnonzero(~used1).astype(np.intp, copy=False),
        np.flatnonzero(~used2).astype(np.intp, copy=False),
    )


def tile_cover(
    boxes: npt.ArrayLike,
    tile_width: float,
    tile_height: float,
    *,
    fmt: str = "xyxy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cover every box with fixed-size tiles: each box lies fully inside its tile.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    tile_width, tile_height : float
        Positive tile size; edges are inclusive (a box of exactly the tile's size fits).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    tiles : ndarray of shape (t, 2)
        Lower-left corner ``(x, y)`` of each ``tile_width x tile_height`` tile, in the
        dtype of the xyxy boxes (int64 for integer xywh input).
    indptr : ndarray of shape (t + 1,), int64
    indices : ndarray of shape (n,), intp
        Boxes of tile ``t`` are ``indices[indptr[t]:indptr[t + 1]]``, ascending; every
        box appears exactly once.

    Raises
    ------
    ValueError
        A non-positive or non-finite tile size, or a box larger than the tile (the
        message names the first such box).

    Notes
    -----
    A heuristic (the exact minimum is NP-hard). Two sweeps over the boxes sorted by
    x1 run, and the one with fewer tiles is returned: box-intersect-lib's
    ``efficient_coverage`` sweep, and a strip sweep that covers all boxes fitting in
    ``[x0, x0 + tile_width]`` (x0 = leftmost uncovered box) with the fewest tiles in
    y (optimal interval stabbing). So the count is never larger than the peer's.
    Integer boxes get tiles at integer corners; float boxes use the strip sweep only.

    Examples
    --------
    >>> tiles, indptr, indices = tile_cover([[0, 0, 2, 2], [3, 1, 5, 4], [9, 9, 10, 10]], 5, 5)
    >>> tiles.tolist(), indptr.tolist(), indices.tolist()
    ([[0, 0], [9, 9]], [0, 2, 3], [0, 1, 2])
    """
    xyxy = as_boxes(boxes, "boxes", fmt)
    width = check_positive(tile_width, "tile_width")
    height = check_positive(tile_height, "tile_height")
    check_fits_tile(xyxy, width, height)
    if xyxy.dtype.kind == "f":
        data = xyxy.astype(np.float64, copy=False)
        order = _cover.radix_argsort(_float_keys(data[:, 0]))
        return _cover.strip_cover(data, order, width, height)
    data = xyxy.astype(np.int64, copy=False)
    w_int = int(min(math.floor(width), _INT_TILE_LIMIT))
    h_int = int(min(math.floor(height), _INT_TILE_LIMIT))
    order = _cover.radix_argsort(_int_keys(data[:, 0]))
    tiles, indptr, indices = _cover.strip_cover(data, order, w_int, h_int)
    peer_order = _lex_order(data)
    peer_tiles, peer_indptr, peer_indices = _cover.peer_cover(data, peer_order, w_int, h_int)
    if len(peer_tiles) < len(tiles):
        rows = np.repeat(np.arange(len(peer_tiles), dtype=np.intp), np.diff(peer_indptr))
        peer_indptr, peer_indices = _csr.build_csr(rows, peer_indices, len(peer_tiles), False)
        return peer_tiles, peer_indptr, peer_indices
    return tiles, indptr, indices


def _int_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving uint64 keys of int64 values."""
    return values.astype(np.int64).view(np.uint64) ^ np.uint64(1 << 63)


def _float_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving uint64 keys of finite float64 values (-0.0 == 0.0)."""
    bits = (values.astype(np.float64) + 0.0).view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    return np.where(negative, ~bits, bits | np.uint64(1 << 63))


def _lex_order(data: np.ndarray) -> np.ndarray:
    """Stable order by (x1, y1): box-intersect-lib's sweep order, ties by index."""
    keys = _float_keys if data.dtype.kind == "f" else _int_keys
    by_y = _cover.radix_argsort(keys(data[:, 1]))
    return by_y[_cover.radix_argsort(np.ascontiguousarray(keys(data[by_y, 0])))]
