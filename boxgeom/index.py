"""A static spatial index of boxes: build once, query many times, from many threads."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from boxgeom import _grid, _index
from boxgeom._threads import effective_n_threads
from boxgeom._validate import as_float64_box, as_float64_boxes, check_flag, check_fmt, check_ordered
from boxgeom.pairs import _extent, _lexsorted, build_grid

# Below this many query boxes a batch query runs on one thread.
_PARALLEL_QUERIES = 20_000

__all__ = ["BoxIndex"]


class BoxIndex:
    """A static index of boxes (a uniform tile grid) answering "which boxes overlap this?".

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        The stored boxes, in ``fmt`` (copied into the index: later changes to the
        array do not affect it). Integer coordinates must lie within +-2**53.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Format of the stored boxes and of every query.

    Notes
    -----
    The index is immutable after construction, and queries release the GIL and share
    no mutable state, so any number of threads may query it at once. Coordinates are
    held in float64 (exact for integers within +-2**53), so integer and float queries
    are compared exactly.

    Examples
    --------
    >>> index = BoxIndex([[0, 0, 2, 2], [1, 1, 3, 3], [5, 5, 6, 6]])
    >>> index.query([1, 1, 2, 2])
    array([0, 1])
    >>> index.query([2, 2, 5, 5], touching=True)
    array([0, 1, 2])
    >>> index.query([[0, 0, 1, 1], [5, 5, 7, 7]])
    array([[0, 1],
           [0, 2]])
    """

    __slots__ = ("_empty", "_extent", "_fmt", "_grid", "_n", "_view")

    def __init__(self, boxes: npt.ArrayLike, *, fmt: str = "xyxy") -> None:
        check_fmt(fmt)
        xyxy = as_float64_boxes(boxes, "boxes", fmt)
        check_ordered(xyxy, "boxes", fmt)
        self._fmt = fmt
        self._n = len(xyxy)
        empty = (xyxy[:, 0] >= xyxy[:, 2]) | (xyxy[:, 1] >= xyxy[:, 3])
        # zero-area boxes are kept for touching queries and filtered out of strict ones
        self._empty = empty if empty.any() else None
        self._grid = None
        self._view = None
        self._extent = None
        if self._n:
            self._extent = _extent(xyxy)
            self._grid = build_grid(xyxy, _cell_size(xyxy, self._extent), False, self._extent)
            self._view = _index.GridView(self._grid)

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"BoxIndex(<{self._n} boxes>, fmt={self._fmt!r})"

    def query(self, boxes: npt.ArrayLike, *, touching: bool = False, n_threads: int | None = None) -> np.ndarray:
        """Find the stored boxes that overlap one box, or each of several boxes.

        Parameters
        ----------
        boxes : array_like of shape (4,) or (m, 4)
            One query box or m query boxes, in the index's ``fmt``.
        touching : bool, default False
            False: positive-area overlap only (a zero-area query finds nothing).
            True: closed boxes (shared edges and corners count), as in
            :func:`boxgeom.find_pairs`.
        n_threads : int, optional
            OpenMP threads for a batch query.

        Returns
        -------
        ndarray of shape (n,), intp
            For one box: the stored indices, ascending.
        ndarray of shape (2, k), intp
            For m boxes: row 0 the query index, row 1 the stored index, sorted
            lexicographically (shapely's ``STRtree.query`` orientation).

        Raises
        ------
        ValueError
            Wrong shape, NaN/inf, negative width or height.
        """
        if touching is not False and touching is not True:
            touching = check_flag(touching, "touching")
        if isinstance(boxes, (list, tuple)) and len(boxes) == 4 and not isinstance(boxes[0], (list, tuple, np.ndarray)):
            return self._query_one(as_float64_box(boxes, "boxes", self._fmt), touching)
        if np.ndim(boxes) == 1:
            return self._query_one(as_float64_box(boxes, "boxes", self._fmt), touching)
        queries = as_float64_boxes(boxes, "boxes", self._fmt)
        check_ordered(queries, "boxes", self._fmt)
        threads = effective_n_threads(n_threads) if len(queries) >= _PARALLEL_QUERIES else 1
        if self._grid is None or not len(queries):
            return np.empty((2, 0), dtype=np.intp)
        grid = self._grid
        query_grid = build_grid(queries, grid.cell_size, not touching, self._extent)
        raw = _grid.join_between(query_grid, query_grid.coords, grid, grid.coords, touching, threads)
        if self._empty is not None and not touching:
            raw = raw[:, ~self._empty[raw[1]]]
        return _lexsorted(np.ascontiguousarray(raw), len(queries))

    def _query_one(self, box: tuple[float, float, float, float], touching: bool, open_point: bool = False) -> np.ndarray:
        """Sorted stored indices overlapping one validated xyxy box of floats.

        ``open_point``: a zero-area strict query finds the boxes whose open interior
        contains it (box-intersect-lib's rule) instead of nothing.
        """
        x1, y1, x2, y2 = box
        if self._view is None or (not touching and not open_point and not (x1 < x2 and y1 < y2)):
            return np.empty(0, dtype=np.intp)
        found = self._view.query(x1, y1, x2, y2, touching)
        if self._empty is not None and not touching:
            found = found[~self._empty[found]]
        return found


def _cell_size(xyxy: np.ndarray, extent) -> float:
    """Cell side: the typical box size (median of the larger side, on a sample), but
    never so small that there are more cells than about 2n + 64."""
    sample = xyxy[:: max(1, len(xyxy) // 2048)]
    typical = float(np.median(np.maximum(sample[:, 2] - sample[:, 0], sample[:, 3] - sample[:, 1])))
    width, height = extent[2] - extent[0], extent[3] - extent[1]
    smallest = max(math.sqrt(width * height / (2 * len(xyxy) + 64)), width / (2 * len(xyxy) + 64),
                   height / (2 * len(xyxy) + 64))
    size = max(typical, smallest)
    if not (math.isfinite(size) and size > 0):
        size = max(width, height, 1.0) if math.isfinite(max(width, height)) else 1e300
    return size
