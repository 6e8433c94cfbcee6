"""Drop-in replacement for ``box_intersect_lib_py`` (box-intersect-lib 0.8.5).

Same function names, argument names, result types (lists of uint32 arrays, uint64
areas) and strict edge semantics: boxes are ``(x, y, width, height)`` with positive
width and height, and two boxes intersect when their overlap has positive area.

Differences, all deliberate:

- rows of the adjacency lists come out sorted ascending (the peer's follow its tree
  order; as sets they are equal);
- int64, float and list input are accepted, and ``x + w`` never wraps at int32;
- bad boxes raise :class:`InvalidBoxesError`, which is both a ``ValueError`` and an
  ``AssertionError`` (what the peer raises);
- float boxes give float64 areas (the peer has no float input).

Examples
--------
>>> import numpy as np
>>> from boxgeom import compat
>>> boxes = np.array([[0, 0, 10, 10], [5, 5, 10, 10], [8, 0, 5, 6], [10, 0, 5, 5]], np.int32)
>>> [row.tolist() for row in compat.find_intersecting_boxes(boxes)]
[[1, 2], [0, 2], [0, 1, 3], [2]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boxgeom import _csr, _pairs
from boxgeom._compat_detection import (
    BoxIntersector,
    efficient_coverage,
    find_best_matches,
    find_non_max_suppressed,
)
from boxgeom._threads import kernel_threads
from boxgeom._compat_checks import InvalidBoxesError, as_compat_box, as_compat_boxes
from boxgeom._validate import common_dtype

__all__ = [
    "BoxIntersector",
    "InvalidBoxesError",
    "area",
    "efficient_coverage",
    "find_best_matches",
    "find_intersecting_boxes",
    "find_intersecting_boxes_asym",
    "find_intersecting_boxes_linesearch",
    "find_intersecting_boxes_rts",
    "find_non_max_suppressed",
    "intersect_area",
]


def find_intersecting_boxes(boxes_array: npt.ArrayLike) -> list[np.ndarray]:
    """For every box, the indices of the other boxes it intersects.

    Parameters
    ----------
    boxes_array : array_like of shape (n, 4)
        ``(x, y, width, height)`` boxes, width and height > 0.

    Returns
    -------
    list of n ndarrays of uint32
        Row ``i`` lists every ``j != i`` whose overlap with box ``i`` has positive
        area, ascending. The relation is symmetric; identical boxes list each other.

    Raises
    ------
    InvalidBoxesError
        Shape other than (n, 4), or a width or height <= 0.

    Notes
    -----
    Building one numpy array per box is most of the cost at large n;
    :func:`boxgeom.find_pairs` returns the same pairs as one ``(2, k)`` array.

    Examples
    --------
    >>> [row.tolist() for row in find_intersecting_boxes([[0, 0, 2, 2], [1, 1, 2, 2], [2, 2, 1, 1]])]
    [[1], [0, 2], [1]]
    """
    xyxy = as_compat_boxes(boxes_array, "boxes_array")
    threads = kernel_threads(None, len(xyxy), "pairs")
    pairs = _pairs.find_pairs(xyxy, xyxy, self_join=True, touching=False, n_threads=threads)
    return _adjacency(pairs, len(xyxy), symmetric=True)


#: The peer's R-tree search: here the same function as :func:`find_intersecting_boxes`.
find_intersecting_boxes_rts = find_intersecting_boxes
#: The peer's line search: here the same function as :func:`find_intersecting_boxes`.
find_intersecting_boxes_linesearch = find_intersecting_boxes


def find_intersecting_boxes_asym(boxes_array_src: npt.ArrayLike, boxes_array_dest: npt.ArrayLike) -> list[np.ndarray]:
    """For every source box, the indices of the destination boxes it intersects.

    Parameters
    ----------
    boxes_array_src : array_like of shape (n, 4)
    boxes_array_dest : array_like of shape (m, 4)
        ``(x, y, width, height)`` boxes, width and height > 0.

    Returns
    -------
    list of n ndarrays of uint32
        Row ``i`` lists the destination boxes overlapping source box ``i`` (positive
        area), ascending. ``asym(X, X)[i]`` contains ``i``.

    Examples
    --------
    >>> [row.tolist() for row in find_intersecting_boxes_asym([[0, 0, 2, 2]], [[1, 1, 2, 2], [2, 0, 1, 1]])]
    [[0]]
    """
    src = as_compat_boxes(boxes_array_src, "boxes_array_src")
    if boxes_array_dest is boxes_array_src:  # one set against itself: validate it once
        dest = src
    else:
        src, dest = common_dtype(src, as_compat_boxes(boxes_array_dest, "boxes_array_dest"))
    threads = kernel_threads(None, len(src) + len(dest), "pairs")
    pairs = _pairs.find_pairs(src, dest, self_join=False, touching=False, n_threads=threads)
    return _adjacency(pairs, len(src), symmetric=False)


def _adjacency(pairs: np.ndarray, n: int, *, symmetric: bool) -> list[np.ndarray]:
    """One uint32 array per row, built in the compiled layer (not with ``np.split``)."""
    indptr, indices = _csr.build_csr(pairs[0], pairs[1], n, symmetric=symmetric)
    return _csr.rows_to_arrays(indptr, indices.astype(np.uint32))


def area(boxes: npt.ArrayLike) -> np.ndarray:
    """Return ``width * height`` of every box, as uint64 (float64 for float boxes).

    Examples
    --------
    >>> area([[0, 0, 2**31 - 1, 2**31 - 1]])
    array([4611686014132420609], dtype=uint64)
    """
    xyxy = as_compat_boxes(boxes, "boxes")
    return _product(xyxy[:, 2:] - xyxy[:, :2] if xyxy.dtype.kind == "f" else _widths(xyxy))


def intersect_area(box1: npt.ArrayLike, boxes: npt.ArrayLike) -> np.ndarray:
    """Return the overlap area of ``box1`` with every box of ``boxes`` (0 when they only touch).

    Parameters
    ----------
    box1 : array_like of shape (4,)
        One ``(x, y, width, height)`` box.
    boxes : array_like of shape (n, 4)

    Returns
    -------
    ndarray of shape (n,), uint64 (float64 for float boxes)

    Examples
    --------
    >>> intersect_area([0, 0, 4, 4], [[2, 2, 4, 4], [4, 0, 2, 2]])
    array([4, 0], dtype=uint64)
    """
    one = as_compat_box(box1, "box1")
    many = as_compat_boxes(boxes, "boxes")
    common = np.result_type(one.dtype, many.dtype)
    if common.kind != "f":
        common = np.dtype(np.int64)
    one, many = one.astype(common), many.astype(common)
    low = np.maximum(one[:, :2], many[:, :2])
    high = np.minimum(one[:, 2:], many[:, 2:])
    return _product(np.clip(high - low, 0, None))


def _widths(xyxy: np.ndarray) -> np.ndarray:
    return xyxy[:, 2:].astype(np.int64) - xyxy[:, :2]


def _product(sizes: np.ndarray) -> np.ndarray:
    """Exact ``w * h`` per row: uint64 for integers, float64 for floats."""
    if sizes.dtype.kind == "f":
        return sizes[:, 0].astype(np.float64) * sizes[:, 1]
    sizes = sizes.astype(np.uint64)
    return sizes[:, 0] * sizes[:, 1]
