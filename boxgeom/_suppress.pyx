"""Greedy suppression over a candidate graph: the one loop behind every NMS of boxgeom.

The caller decides *what* suppresses *what* (IoU of rotated or axis-aligned boxes,
per class, any threshold) and encodes it as a directed graph in CSR form: the edges
of box ``i`` are ``indices[indptr[i]:indptr[i + 1]]`` and mean "if ``i`` is kept,
it suppresses these boxes". This module only walks the visiting order:

    for i in order:
        if i is not suppressed: keep i, suppress every target of i

An edge towards a box visited earlier never changes the result: that box is
already decided, and marking it again is harmless. So a symmetric graph (both
directions of every overlapping pair) gives the classic NMS too, at the cost of
twice the edges; a graph directed from the better box to the worse one is enough.
The walk is serial by nature and costs O(n + edges).
"""

from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, free

from boxgeom._types cimport intp_t


cdef Py_ssize_t suppress_walk(const intp_t[::1] order, const int64_t[::1] indptr,
                              const intp_t[::1] indices, intp_t[::1] keep,
                              unsigned char* removed) noexcept nogil:
    cdef Py_ssize_t v, i, count = 0
    cdef int64_t e
    for v in range(order.shape[0]):
        i = order[v]
        if removed[i]:
            continue
        keep[count] = i
        count += 1
        for e in range(indptr[i], indptr[i + 1]):
            removed[indices[e]] = 1
    return count


def greedy_suppress(const intp_t[::1] order, const int64_t[::1] indptr,
                    const intp_t[::1] indices, intp_t[::1] keep):
    """Walk ``order`` and return how many boxes were kept (written to ``keep[:count]``).

    Parameters
    ----------
    order : intp array of shape (v,)
        Boxes in visiting order (usually decreasing score, ties by lower index); a
        box absent from ``order`` is never kept but can still be a target.
    indptr : int64 array of shape (n + 1,)
    indices : intp array of shape (e,)
        CSR graph over ``n`` boxes: box ``i`` suppresses ``indices[indptr[i]:indptr[i+1]]``
        when kept. Indices are trusted: every value must be in ``[0, n)``.
    keep : intp array of shape (>= v,)
        Output: the kept boxes, in visiting order.

    Returns
    -------
    int
        The number of kept boxes.
    """
    cdef Py_ssize_t n = indptr.shape[0] - 1, count
    cdef unsigned char* removed
    if n < 0:
        raise ValueError("indptr: expected at least one element, got 0")
    removed = <unsigned char*>calloc(max(n, 1), 1)
    if removed == NULL:
        raise MemoryError()
    with nogil:
        count = suppress_walk(order, indptr, indices, keep, removed)
    free(removed)
    return count
