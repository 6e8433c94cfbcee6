"""Detection utilities: non-maximum suppression, one-to-one matching, tile cover.

NMS (``boxgeom._nms``) and greedy matching (``boxgeom._match``) run in one kernel
each over a hierarchical grid of the boxes, without listing all overlapping pairs
first; ``match_optimal`` starts from the pair engine (strict overlap), takes the
overlaps of those pairs from ``boxgeom._iou`` and assigns with ``boxgeom._assign``.
The work is O(n log n + k) for k overlapping pairs, never O(n^2), on evenly
sized boxes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boxgeom import _assign, _cover, _iou, _match, _nms, _pairs
from boxgeom._threads import effective_n_threads, kernel_threads
from boxgeom._validate import as_labels, as_scores, check_fits_tile, check_positive, check_threshold
from boxgeom.formats import as_box_pair, as_boxes
from boxgeom._tensors import returns_tensors

__all__ = ["batched_nms", "match_greedy", "match_optimal", "nms", "tile_cover"]

@returns_tensors
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
        OpenMP threads, used above 200,000 boxes (the space-order path, see Notes);
        the result never depends on it.

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
    boxes never suppress anything. Up to 200,000 boxes, the greedy walk visits the
    boxes by score and tests each against the boxes kept so far nearby (kept boxes
    are filed in a hierarchical grid; up to 256 boxes, against every kept box). Larger
    inputs, whose grid no longer fits in cache, are decided in space order instead:
    a box is kept when no earlier-scoring neighbour that is kept suppresses it
    (undecided neighbours are decided first), and a kept box at once suppresses its
    later neighbours; the result is the same. Time O(n + t) for t tests of a box
    against a nearby box.

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]]
    >>> nms(boxes, [0.9, 0.8, 0.7, 0.9], 0.5)
    array([0, 2])
    >>> nms([[0, 0, 10, 10], [2, 2, 5, 5]], [0.9, 0.8], 0.5, overlap_threshold=0.5)
    array([0])
    """
    return _greedy_nms(boxes, scores, None, iou_threshold, fmt, overlap_threshold, n_threads)


@returns_tensors
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
    Each category gets its own grid inside the kernel, so boxes of different
    categories are never even compared (no coordinate-offset trick, so no
    precision is lost).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10]]
    >>> batched_nms(boxes, [0.9, 0.8, 0.7], [0, 0, 1], 0.5)
    array([0, 2])
    """
    return _greedy_nms(boxes, scores, idxs, iou_threshold, fmt, overlap_threshold, n_threads)


def _greedy_nms(boxes, scores, idxs, iou_threshold, fmt, overlap_threshold, n_threads) -> np.ndarray:
    """Validate the arguments of :func:`nms` / :func:`batched_nms` (``idxs`` None: one class) and run the kernel."""
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    values = as_scores(scores, len(xyxy))
    labels = None if idxs is None else as_labels(idxs, len(xyxy))
    iou_t = check_threshold(iou_threshold, "iou_threshold")
    overlap_t = None if overlap_threshold is None else check_threshold(overlap_threshold, "overlap_threshold")
    threads = kernel_threads(n_threads, len(xyxy), "nms")
    return _nms.greedy_nms(xyxy, values, labels, iou_threshold=iou_t, overlap_threshold=overlap_t, n_threads=threads)


@returns_tensors
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
        OpenMP threads for the candidate search (used from 20000 boxes in ``boxes1``;
        the result never depends on it).

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

    Notes
    -----
    The candidates of each box of ``boxes1`` come from a hierarchical grid of
    ``boxes2`` (for small inputs, from both sets sorted by x1) and are sorted per box
    (IoU desc, ties by the lower index). The boxes of ``boxes1`` then propose down
    their lists and each box of ``boxes2`` keeps the proposal it prefers
    (Gale-Shapley): as both sides rank by the same IoU and tie rule, the only stable
    matching is the greedy one, found without sorting all candidates. Only the
    matches are sorted into acceptance order.

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
    first, second = as_box_pair(boxes1, boxes2, fmt, strided=True)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = kernel_threads(n_threads, len(first), "matching")
    return _match.greedy_matching(first, second, iou_threshold=threshold, n_threads=threads)


@returns_tensors
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
    first, second = as_box_pair(boxes1, boxes2, fmt, strided=True)
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
        pairs = _pairs.find_pairs(second, first, self_join=False, touching=False, n_threads=threads)[::-1]
        pairs = np.ascontiguousarray(pairs)
    else:
        pairs = _pairs.find_pairs(first, second, self_join=False, touching=False, n_threads=threads)
    inter, union = _iou.pair_overlaps(first, second, pairs, n_threads=kernel_threads(threads, pairs.shape[1], "iou"))
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


@returns_tensors
def tile_cover(
    boxes: npt.ArrayLike,
    tile_width: float,
    tile_height: float,
    *,
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cover every box with fixed-size tiles: each box lies fully inside its tile.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    tile_width, tile_height : float
        Positive tile size; edges are inclusive (a box of exactly the tile's size fits).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional
        From 10,000 boxes on, the two sweeps (see Notes) run on two threads when
        ``n_threads`` allows it; the result does not depend on it.

    Returns
    -------
    tiles : ndarray of shape (t, 2)
        Lower-left corner ``(x, y)`` of each ``tile_width x tile_height`` tile: int64
        for integer boxes (tiles of ``floor(tile_width) x floor(tile_height)``),
        float64 for floating ones.
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
    A heuristic (the exact minimum is NP-hard). Two sweeps visit the boxes sorted by
    ``(x1, y1)`` and the one with fewer tiles is returned, so the count is never
    larger than box-intersect-lib's:

    * box-intersect-lib's ``efficient_coverage`` sweep: a box joins the oldest open
      tile that can still hold it, else opens a tile at its own corner;
    * a banded sweep: a box that fits no open tile waits; when a box ends beyond
      ``first waiting x1 + tile_width``, the waiting boxes get the fewest tiles that
      cover their y-ranges (greedy interval stabbing, optimal in one dimension), and
      later boxes may join those tiles too. It usually needs about 10% fewer tiles.

    Each search looks only at the open tiles within one tile height in y (buckets
    of open tiles), so the sweeps take O(n log n) time on evenly spread boxes. Boxes
    that all fit in one tile get that tile without a sort or a sweep. Each tile's
    corner is its leftmost member's x1 and its highest member's y1.

    Examples
    --------
    >>> tiles, indptr, indices = tile_cover([[0, 0, 2, 2], [3, 1, 5, 4], [9, 9, 10, 10]], 5, 5)
    >>> tiles.tolist(), indptr.tolist(), indices.tolist()
    ([[0, 0], [9, 9]], [0, 2, 3], [0, 1, 2])
    """
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    width = check_positive(tile_width, "tile_width")
    height = check_positive(tile_height, "tile_height")
    threads = kernel_threads(n_threads, len(xyxy), "cover")
    bad, cover = _cover.tile_cover(xyxy, width, height, both=True, n_threads=threads)
    if bad >= 0:
        check_fits_tile(xyxy, width, height)  # the kernel uses its rule: this raises, naming row `bad`
        raise AssertionError(f"tile_cover: row {bad} does not fit the tile")  # pragma: no cover
    assert cover is not None
    return cover
