"""Which boxes overlap: all pairs in one set, pairs between two sets, CSR adjacency, IoU.

Two exact kernels find pairs: a line search (sort by x1, sweep) and a uniform tile
grid. ``method="auto"`` estimates the work of both from the box sizes and extent
and runs the cheaper one; the results are identical.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from boxgeom import _csr, _grid, _iou, _sweep
from boxgeom._threads import effective_n_threads
from boxgeom._validate import as_box_pair, as_boxes, as_pairs, check_flag, check_n_rows

__all__ = ["find_pairs", "find_pairs_between", "pairs_to_csr"]

Method = Literal["auto", "sweep", "grid"]
METHODS = ("auto", "sweep", "grid")
_SMALL = 256  # below this many boxes the sweep always wins: no planning
_BRUTE = 20000  # "auto" tests every pair (output sorted as it comes) up to this many pairs
# ... and up to this many when pairs are dense: a vectorised test costs about 1.5 ns,
# the joins about 50 ns per pair found plus their planning
_BRUTE_DENSE = 250_000
_DENSE = 0.01  # expected fraction of the tested pairs that overlap, from the mean sizes
# The line search wins while each box meets fewer than this many boxes overlapping it in
# x (its candidates; the strip join's planning and binning cost more below that)
_SWEEP_CANDIDATES = 20
_PARALLEL = 20000  # below this many boxes run on one thread
_PACKED_LIMIT = 2**32  # the strip join packs two indices into one uint64


def find_pairs(
    boxes: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    touching: bool = False,
    n_threads: int | None = None,
    method: Method = "auto",
) -> np.ndarray:
    """Find every pair of overlapping boxes in one set.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt`` (int32, int64, float32 or float64 are used without a copy
        when C-contiguous; other layouts and small types are copied once).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    touching : bool, default False
        False: only pairs whose intersection has positive area (box-intersect-lib,
        IoU > 0). True: also pairs that share only an edge or a corner (shapely's
        ``intersects``).
    n_threads : int, optional
        OpenMP threads (None: all available; negative: count back from the CPU count).
    method : {"auto", "sweep", "grid"}, default "auto"
        Kernel to use; "auto" picks the cheaper by a cost estimate. All are exact.

    Returns
    -------
    ndarray of shape (2, k), intp
        Each unordered pair once, with ``pairs[0] < pairs[1]``, sorted
        lexicographically, identical whatever ``n_threads``.

    Raises
    ------
    ValueError
        Wrong shape, NaN/inf, negative width or height, unknown ``fmt`` or ``method``.
    TypeError
        Unsupported dtype (bool, complex, object, str, uint64).

    See Also
    --------
    find_pairs_between, pairs_to_csr, box_iou_pairs

    Notes
    -----
    Zero-area boxes never overlap under the default strict rule. Time is O(n + k) for
    the grid on evenly sized boxes, O(n log n + candidates) for the sweep.

    Examples
    --------
    >>> boxes = [[0, 0, 2, 2], [1, 1, 3, 3], [2, 0, 4, 2], [10, 10, 11, 11]]
    >>> find_pairs(boxes)
    array([[0, 1],
           [1, 2]])
    >>> find_pairs(boxes, touching=True)
    array([[0, 0, 1],
           [1, 2, 2]])
    """
    touching = check_flag(touching, "touching")
    xyxy = as_boxes(boxes, "boxes", fmt)
    threads = effective_n_threads(n_threads)
    return _find(xyxy, xyxy, True, touching, threads, _check_method(method))


def find_pairs_between(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    touching: bool = False,
    n_threads: int | None = None,
    method: Method = "auto",
) -> np.ndarray:
    """Find every overlapping pair ``(i, j)`` of a box of ``boxes1`` and a box of ``boxes2``.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 4)
    boxes2 : array_like of shape (m, 4)
        Boxes in ``fmt``; the two are promoted to a common dtype (``np.result_type``).
    fmt, touching, n_threads, method
        As in :func:`find_pairs`.

    Returns
    -------
    ndarray of shape (2, k), intp
        Row 0 indexes ``boxes1``, row 1 ``boxes2`` (shapely's ``STRtree.query``
        orientation), sorted lexicographically. ``find_pairs_between(X, X)`` includes
        the self-pairs ``(i, i)`` of boxes with positive area.

    Examples
    --------
    >>> find_pairs_between([[0, 0, 2, 2], [5, 5, 6, 6]], [[1, 1, 3, 3], [0, 0, 1, 1], [7, 7, 8, 8]])
    array([[0, 0],
           [0, 1]])
    """
    touching = check_flag(touching, "touching")
    first, second = as_box_pair(boxes1, boxes2, fmt)
    threads = effective_n_threads(n_threads)
    return _find(first, second, False, touching, threads, _check_method(method))


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(map(repr, METHODS))}, got {method!r}")
    return method


def _find(query: np.ndarray, index: np.ndarray, self_join: bool, touching: bool, threads: int, method: str):
    """Run the chosen kernel on validated xyxy boxes of one dtype; return sorted (2, k) pairs."""
    n_query, n_index = len(query), len(index)
    if n_query == 0 or n_index == 0:
        return np.empty((2, 0), dtype=np.intp)
    n_total = n_query if self_join else n_query + n_index
    tests = n_query * (n_query - 1) // 2 if self_join else n_query * n_index
    sweep = method == "sweep" or max(n_query, n_index) >= _PACKED_LIMIT
    if method == "auto" and tests <= _BRUTE:
        return _grid.brute_pairs(query, index, self_join, touching)
    if method == "auto" and n_total >= _SMALL:
        in_x, in_both = _overlap_odds(query, index)
        if tests <= _BRUTE_DENSE and in_both >= _DENSE:
            return _grid.brute_pairs(query, index, self_join, touching)
        sweep = sweep or tests * in_x < _SWEEP_CANDIDATES * n_total
    elif method == "auto":
        sweep = True
    if n_total < _PARALLEL:
        threads = 1  # a parallel region costs more than the work
    if sweep:
        return _lexsorted(_sweep_raw(query, index, self_join, touching, threads), n_query, threads)
    return _strip_join(query, index, self_join, touching, threads)


def _overlap_odds(query: np.ndarray, index: np.ndarray) -> tuple[float, float]:
    """Chances that a pair of boxes overlaps in x, and in both axes, for boxes spread
    evenly over the joint extent: (w1 + w2) / extent width, times (h1 + h2) / extent
    height (mean sizes, from a sample)."""
    w1, h1 = _sizes(query)
    w2, h2 = (w1, h1) if index is query else _sizes(index)
    x0, y0, x1, y1 = _union(_grid.box_extent(query), _grid.box_extent(index))
    in_x = min(1.0, (w1.mean() + w2.mean()) / (x1 - x0)) if x1 > x0 else 1.0
    in_y = min(1.0, (h1.mean() + h2.mean()) / (y1 - y0)) if y1 > y0 else 1.0
    return float(in_x), float(in_x * in_y)


def _sweep_raw(query: np.ndarray, index: np.ndarray, self_join: bool, touching: bool, threads: int) -> np.ndarray:
    """Unsorted (2, k) intp pairs of the line search."""
    order1 = np.argsort(query[:, 0], kind="stable").astype(np.intp, copy=False)
    order2 = order1 if self_join else np.argsort(index[:, 0], kind="stable").astype(np.intp, copy=False)
    return _sweep.sweep_pairs(query, order1, index, order2, self_join, touching, not touching, threads)


def _strip_join(query: np.ndarray, index: np.ndarray, self_join: bool, touching: bool, threads: int) -> np.ndarray:
    """Bin each set once into strips (``_grid.bin_strips``), join, radix-sort the pairs."""
    n_query = len(query)
    same = self_join or query is index
    extent = _grid.box_extent(query) if same else _union(_grid.box_extent(query), _grid.box_extent(index))
    transpose, ox, inv_q, nq, oy, inv_s, ns = _plan_strips(query, index, extent, len(query),
                                                           0 if same else len(index))
    skip_empty = not touching
    bins1 = _grid.bin_strips(query, transpose, skip_empty, ox, inv_q, nq, oy, inv_s, ns, threads)
    bins2 = bins1 if same else _grid.bin_strips(index, transpose, skip_empty, ox, inv_q, nq, oy, inv_s, ns, threads)
    # One set against itself (``find_pairs_between(X, X)``): join it once as a self-join,
    # then emit every pair in both orders plus the diagonal (i, i).
    mirror = same and not self_join
    chunks = _grid.strip_join(query, bins1, bins1["coords"], index, bins2, bins2["coords"], self_join or mirror,
                              transpose, ox, inv_q, nq, oy, inv_s, touching, threads)
    giants1, giants2 = bins1["giants"], bins2["giants"]
    del bins1, bins2
    extra = _giant_pairs(query, giants1, index, giants2, self_join or mirror, touching, threads)
    diagonal = None
    if mirror:
        extra = np.concatenate([extra, (extra << np.uint64(32)) | (extra >> np.uint64(32))])
        diagonal = _diagonal(query, touching)
    return _grid.sort_pairs(chunks, extra, n_query, threads, mirror, diagonal)


def _diagonal(boxes: np.ndarray, touching: bool) -> np.ndarray:
    """Which boxes pair with themselves, as uint8 flags: all when touching, else those of positive area."""
    if touching:
        return np.ones(len(boxes), dtype=np.uint8)
    positive = np.less(boxes[:, 0], boxes[:, 2])
    positive &= boxes[:, 1] < boxes[:, 3]
    return positive.view(np.uint8)


_NO_EXTRA = np.empty(0, dtype=np.uint64)


def _giant_pairs(query, giants1, index, giants2, self_join, touching, threads) -> np.ndarray:
    """Packed (row0 << 32 | row1) pairs between the giants of both sets (the strip join leaves them out)."""
    if len(giants1) == 0 or len(giants2) == 0 or (self_join and len(giants1) < 2):
        return _NO_EXTRA
    raw = _sweep_raw(query[giants1], index[giants2], self_join, touching, 1 if len(giants1) < _PARALLEL else threads)
    packed = giants1[raw[0]].astype(np.uint64) << np.uint64(32)
    packed |= giants2[raw[1]].astype(np.uint64)
    return packed


def _plan_strips(query: np.ndarray, index: np.ndarray, extent, n_query: int, n_index: int):
    """Orientation, columns and strips of least estimated cost (never affects the result)."""
    x0, y0, x1, y1 = extent
    width, height = x1 - x0, y1 - y0
    n_total = n_query + n_index
    (qw, qh) = _sizes(query)
    if n_index:
        iw, ih = _sizes(index)
        w, h = np.concatenate([qw, iw]), np.concatenate([qh, ih])
    else:
        w, h = qw, qh
    best = None
    for transpose in (False, True):
        sweep_extent, strip_extent = (height, width) if transpose else (width, height)
        along, across = (h, w) if transpose else (w, h)
        mean_along, max_along = float(along.mean()), float(along.max())
        ranked = np.sort(across)
        for quantile in (1.0, 0.999, 0.99, 0.95, 0.9):
            side = float(ranked[int(quantile * (len(ranked) - 1))])
            ns = _strip_count(strip_extent, side, n_total)
            strip = strip_extent / ns if ns > 1 else strip_extent
            column = strip / 4 if ns > 1 else max(sweep_extent / max(n_total, 1), 0.0)
            giants = 1.0 - np.searchsorted(ranked, strip, side="right") / len(ranked)
            density = n_total / max(sweep_extent, 1e-300) / max(strip_extent, 1e-300)
            small = n_total * density * 3 * strip * (2 * mean_along + column)
            giant = n_total * giants * (n_total * (mean_along + max_along) / max(sweep_extent, 1e-300) + ns)
            cost = small + giant
            if not math.isfinite(cost):
                cost = float(n_total) ** 2
            if best is None or cost < best[0]:
                best = (cost, transpose, ns, column)
    assert best is not None  # the loop above always runs
    _, transpose, ns, column = best
    sweep_extent, strip_extent = (height, width) if transpose else (width, height)
    ox, oy = (y0, x0) if transpose else (x0, y0)
    budget = max(4 * n_total, 4096)
    nq = max(1, min(budget // ns, math.ceil(sweep_extent / column) if column > 0 and math.isfinite(sweep_extent / column) else 1))
    inv_q = _inverse(nq, sweep_extent)
    inv_s = _inverse(ns, strip_extent)
    return transpose, ox, inv_q, nq, oy, inv_s, ns


def _strip_count(extent: float, side: float, n_total: int) -> int:
    limit = max(1, n_total // 2)
    if not (extent > 0 and math.isfinite(extent)):
        return 1
    if not (side > 0):
        return limit
    return int(max(1, min(limit, extent // side)))


def _inverse(count: int, extent: float) -> float:
    if count <= 1 or not (extent > 0):
        return 0.0
    inverse = count / extent
    return inverse if math.isfinite(inverse) else 0.0


def _lexsorted(pairs: np.ndarray, n_rows: int, threads: int = 1) -> np.ndarray:
    """Sort (2, k) pairs lexicographically in O(k + n) (radix sort by row 0, then row 1)."""
    if pairs.shape[1] == 0:
        return np.empty((2, 0), dtype=np.intp)
    if n_rows < _PACKED_LIMIT and int(pairs[1].max()) < _PACKED_LIMIT:
        packed = pairs[0].astype(np.uint64) << np.uint64(32)
        packed |= pairs[1].astype(np.uint64)
        return _grid.sort_pairs(_grid.PairChunks(0), packed, n_rows, threads)
    indptr, indices = _csr.build_csr(pairs[0], pairs[1], n_rows, False)
    out = np.empty((2, len(indices)), dtype=np.intp)
    out[0] = np.repeat(np.arange(n_rows, dtype=np.intp), np.diff(indptr))
    out[1] = indices
    return out


def build_grid(boxes: np.ndarray, cell_size: float, skip_empty: bool, extent=None) -> _grid.TileGrid:
    """Bin validated xyxy ``boxes`` into square cells of side ``cell_size`` over ``extent``."""
    extent = _extent(boxes) if extent is None else extent
    nx, ny = _cells(extent, cell_size)
    return _grid.TileGrid(boxes, extent[0], extent[1], cell_size, nx, ny, skip_empty)


def _union(first, second):
    return (min(first[0], second[0]), min(first[1], second[1]), max(first[2], second[2]), max(first[3], second[3]))




def _sizes(boxes: np.ndarray, limit: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Widths and heights (float64) of at most ``limit`` evenly spaced boxes."""
    sample = boxes[:: max(1, len(boxes) // limit)].astype(np.float64)
    return sample[:, 2] - sample[:, 0], sample[:, 3] - sample[:, 1]


def _extent(boxes: np.ndarray) -> tuple[float, float, float, float]:
    lower = boxes[:, :2].min(axis=0).astype(np.float64)
    upper = boxes[:, 2:].max(axis=0).astype(np.float64)
    return float(lower[0]), float(lower[1]), float(upper[0]), float(upper[1])


def _cells(extent: tuple[float, float, float, float], size: float) -> tuple[int, int]:
    x0, y0, x1, y1 = extent
    return max(1, math.ceil((x1 - x0) / size)), max(1, math.ceil((y1 - y0) / size))








def pairs_to_csr(pairs: npt.ArrayLike, n: int, *, symmetric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Turn a (2, k) pair array into compressed sparse rows (an adjacency list).

    Parameters
    ----------
    pairs : array_like of shape (2, k), integer
        Pairs ``(pairs[0, t], pairs[1, t])``, e.g. from :func:`find_pairs`.
    n : int
        Number of rows (boxes); every index must be in ``[0, n)``.
    symmetric : bool, default True
        True: each pair is an undirected edge and appears in both rows (the
        box-intersect-lib adjacency). False: only in the row of ``pairs[0]``.

    Returns
    -------
    indptr : ndarray of shape (n + 1,), int64
    indices : ndarray of shape (k,) or (2k,), intp
        Row ``r`` is ``indices[indptr[r]:indptr[r + 1]]``, sorted ascending. Feed them
        to ``scipy.sparse.csr_array((np.ones(len(indices)), indices, indptr))``.

    Examples
    --------
    >>> indptr, indices = pairs_to_csr([[0, 1], [1, 2]], 3)
    >>> indptr.tolist(), indices.tolist()
    ([0, 1, 3, 4], [1, 0, 2, 1])
    """
    n = check_n_rows(n, "n")
    symmetric = check_flag(symmetric, "symmetric")
    checked = as_pairs(pairs, n, n)
    return _csr.build_csr(checked[0], checked[1], n, symmetric)
