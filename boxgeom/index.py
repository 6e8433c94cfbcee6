"""A static spatial index of boxes: build once, query many times, from many threads."""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from boxgeom import _index
from boxgeom._threads import kernel_threads
from boxgeom._validate import check_flag
from boxgeom.formats import as_boxes, as_float64_box, as_float64_boxes
from boxgeom.formats import FORMAT_CODES
from boxgeom._tensors import returns_tensors

__all__ = ["BoxIndex"]


class BoxIndex:
    """A static index of boxes answering "which stored boxes overlap this box?".

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        The stored boxes, in ``fmt`` (copied into the index: later changes to the
        array do not affect it). Integer coordinates must lie within +-2**53.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Format of the stored boxes and of every query.

    Notes
    -----
    Each box is stored once, in the cell of its lower-left corner of a uniform grid
    (boxes of very different sizes get grids of their own, by size class); a query
    reads, per grid column, one contiguous run of candidates. Building is a counting
    sort, O(n); a query costs about the number of boxes near it. Up to 128 boxes are
    simply scanned.

    The index is immutable after construction, and queries release the GIL and share
    no mutable state, so any number of threads may query it at once. Integer and
    float32 boxes are stored as they are, float64 and int64 as float64 (exact for
    integers within +-2**53), and compared with queries exactly.

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

    __slots__ = ("_core", "_fmt", "_fmt_code")

    def __init__(self, boxes: npt.ArrayLike, *, fmt: str = "xyxy") -> None:
        xyxy = as_boxes(boxes, "boxes", fmt, strided=True)  # read, never kept: the index copies the rows
        core = _index.build(xyxy)
        if isinstance(core, int):
            _raise_inexact(xyxy)
        self._core = core
        self._fmt = fmt
        self._fmt_code = FORMAT_CODES[fmt]

    def __len__(self) -> int:
        return len(self._core)

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray, str]]:
        # pickled as its stored xyxy boxes (exactly the rows it holds), rebuilt on load
        return _rebuild, (self._core.stored_boxes(), self._fmt)

    def __repr__(self) -> str:
        return f"BoxIndex(<{len(self._core)} boxes>, fmt={self._fmt!r})"

    @returns_tensors
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
            OpenMP threads for a batch query (from 20,000 queries on); the result does
            not depend on it.

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

        Notes
        -----
        A single box given as a list or tuple of four Python numbers, or as a 1-D
        array, takes a fast path that checks it without building an array.
        """
        if n_threads is None:
            found = self._core.query_box(boxes, touching=touching, fmt=self._fmt_code)
            if found is not None:
                return found
        if touching is not False and touching is not True:
            touching = check_flag(touching, "touching")
        if isinstance(boxes, (list, tuple)) and len(boxes) == 4 and not isinstance(boxes[0], (list, tuple, np.ndarray)):
            return self._query_one(as_float64_box(boxes, "boxes", self._fmt), touching)
        if np.ndim(boxes) == 1:
            return self._query_one(as_float64_box(boxes, "boxes", self._fmt), touching)
        queries = as_boxes(boxes, "boxes", self._fmt, strided=True)
        threads = kernel_threads(n_threads, len(queries), "queries")
        result = self._core.query_many(queries, touching=touching, n_threads=threads)
        if isinstance(result, int):
            _raise_inexact(queries)
        return result

    def _query_one(self, box: tuple[float, float, float, float], touching: bool) -> np.ndarray:
        """Sorted stored indices overlapping one validated xyxy box of floats."""
        x1, y1, x2, y2 = box
        if not touching and not (x1 < x2 and y1 < y2):
            return np.empty(0, dtype=np.intp)
        return self._core.query_xyxy(x1, y1, x2, y2, touching=touching, as_uint32=False)


def _rebuild(xyxy: np.ndarray, fmt: str) -> BoxIndex:
    """A BoxIndex from its pickled xyxy boxes, answering queries in ``fmt``."""
    index = BoxIndex(xyxy)
    index._fmt = fmt
    index._fmt_code = FORMAT_CODES[fmt]
    return index


def _raise_inexact(xyxy: np.ndarray) -> NoReturn:
    """Raise the error for an int64 coordinate beyond 2**53 that the kernel found in ``xyxy``."""
    as_float64_boxes(xyxy, "boxes")
    raise AssertionError("as_float64_boxes accepted a coordinate the index kernel rejected")  # pragma: no cover
