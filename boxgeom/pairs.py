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
# Relative costs (measured on the peer's benchmark data) of one candidate test, one
# cell visit or grid entry, one empty cell, and one comparison of the x1 sort.
_TEST, _VISIT, _CELL, _SORT = 1.0, 3.0, 0.5, 4.0
_SMALL = 256  # below this many boxes the sweep always wins: no planning


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
    if len(query) == 0 or len(index) == 0:
        return np.empty((2, 0), dtype=np.intp)
    skip_empty = not touching
    extent = _extent(query) if self_join else _union(_extent(query), _extent(index))
    cell_size = None if method == "sweep" else _choose_cell_size(query, index, extent, method == "grid")
    if cell_size is None:
        order1 = np.argsort(query[:, 0], kind="stable").astype(np.intp, copy=False)
        order2 = order1 if self_join else np.argsort(index[:, 0], kind="stable").astype(np.intp, copy=False)
        raw = _sweep.sweep_pairs(query, order1, index, order2, self_join, touching, skip_empty, threads)
    else:
        grid1 = build_grid(query, cell_size, skip_empty, extent)
        if self_join:
            raw = _grid.join_self(grid1, grid1.coords, touching, threads)
        else:
            grid2 = build_grid(index, cell_size, skip_empty, extent)
            raw = _grid.join_between(grid1, grid1.coords, grid2, grid2.coords, touching, threads)
    return _lexsorted(raw, len(query))


def _lexsorted(pairs: np.ndarray, n_rows: int) -> np.ndarray:
    """Sort (2, k) pairs lexicographically in O(k + n) (counting sort by row 0)."""
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


def _choose_cell_size(query: np.ndarray, index: np.ndarray, extent, force_grid: bool = False) -> float | None:
    """Cell side of least estimated grid cost, or None when the sweep is estimated cheaper."""
    if len(query) + len(index) < _SMALL and not force_grid:
        return None
    query_sizes, index_sizes = _sizes(query), _sizes(index)
    n_query, n_index = len(query), len(index)
    candidates = _cell_sizes(index_sizes, extent, n_query + n_index)
    costs = [_grid_cost(s, query_sizes, index_sizes, n_query, n_index, extent) for s in candidates]
    best = int(np.argmin(costs))
    if not force_grid and _sweep_cost(query_sizes, index_sizes, n_query, n_index, extent) < costs[best]:
        return None
    return candidates[best]


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


def _cell_sizes(index_sizes, extent, n_total: int) -> list[float]:
    """Candidate cell sides: multiples of the typical box size, never more than ~4n cells."""
    x0, y0, x1, y1 = extent
    width, height = x1 - x0, y1 - y0
    budget = 4 * n_total + 64
    smallest = max(math.sqrt(width / budget * height), width / budget, height / budget, 1e-300)
    if not math.isfinite(smallest) or smallest > 1e300:
        return [max(width, height, 1.0)]
    typical = float(np.median(np.maximum(index_sizes[0], index_sizes[1])))
    return sorted({max(typical * factor, smallest) for factor in (0.5, 1, 1.5, 2, 3, 4, 8)})


def _grid_cost(size: float, query_sizes, index_sizes, n_query: int, n_index: int, extent) -> float:
    """Estimated work of the grid with cells of side ``size``: cell visits, entries, tests."""
    nx, ny = _cells(extent, size)
    per_query = float(np.mean((1 + query_sizes[0] / size) * (1 + query_sizes[1] / size)))
    per_index = float(np.mean((1 + index_sizes[0] / size) * (1 + index_sizes[1] / size)))
    per_cell = n_index * per_index / (nx * ny)
    visits = n_query * per_query
    return _VISIT * (visits + n_index * per_index) + _TEST * visits * per_cell + _CELL * nx * ny


def _sweep_cost(query_sizes, index_sizes, n_query: int, n_index: int, extent) -> float:
    """Estimated work of the sweep: the x1 sorts plus one test per x-overlapping candidate."""
    width = max(extent[2] - extent[0], 1e-300)
    reach = (float(np.mean(query_sizes[0])) + float(np.mean(index_sizes[0]))) / 2
    sort = _SORT * (n_query + n_index) * math.log2(n_query + n_index + 1)
    return sort + _TEST * n_query * n_index * min(1.0, reach / width)


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
