"""Which boxes overlap: all pairs in one set, pairs between two sets, CSR adjacency.

One call of the pair engine (``_pairs.find_pairs``) finds the pairs with one of three
exact kernels: a brute-force test of every pair (small inputs), a line search (sort by
x1, sweep) and a strip join (each box binned once into strips; the few boxes taller
than two strips paired by a line search). ``method="auto"`` picks by the number of
pair tests and a cost estimate from the box sizes and extent; ``"sweep"`` and
``"grid"`` force the line search and the strip join. The results are identical.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from boxgeom import _csr, _pairs
from boxgeom._threads import effective_n_threads
from boxgeom._validate import as_pairs, check_flag, check_n_rows
from boxgeom.formats import as_box_pair, as_boxes
from boxgeom._tensors import returns_tensors

__all__ = ["find_pairs", "find_pairs_between", "pairs_to_csr"]

Method = Literal["auto", "sweep", "grid"]
METHODS = ("auto", "sweep", "grid")


@returns_tensors
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
        when each row's four values are contiguous: a C-contiguous array, or a view
        such as ``dets[:, :4]``; other layouts and small types are copied once).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    touching : bool, default False
        False: only pairs whose intersection has positive area (box-intersect-lib,
        IoU > 0). True: also pairs that share only an edge or a corner (shapely's
        ``intersects``).
    n_threads : int, optional
        OpenMP threads (None: all available; negative: count back from the CPU count).
    method : {"auto", "sweep", "grid"}, default "auto"
        Kernel to use: "auto" picks the cheapest by a cost estimate, "sweep" is the
        line search, "grid" the strip join. All are exact.

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
    Zero-area boxes never overlap under the default strict rule. "auto" tests every
    pair below a few hundred thousand tests (O(n**2), fast and sorted as it comes);
    otherwise the line search costs O(n log n + candidates) (pairs overlapping in x),
    the strip join about O(n + k) on evenly sized boxes.

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
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    threads = effective_n_threads(n_threads)
    return _pairs.find_pairs(xyxy, xyxy, self_join=True, touching=touching, n_threads=threads,
                             method=_check_method(method))


@returns_tensors
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
    first, second = as_box_pair(boxes1, boxes2, fmt, strided=True)
    threads = effective_n_threads(n_threads)
    return _pairs.find_pairs(first, second, self_join=False, touching=touching, n_threads=threads,
                             method=_check_method(method))


def _check_method(method: str) -> int:
    """The engine's code of ``method``; ValueError for an unknown one."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(map(repr, METHODS))}, got {method!r}")
    return _pairs.METHOD_CODES[method]



@returns_tensors
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
    return _csr.build_csr(checked[0], checked[1], n, symmetric=symmetric)
