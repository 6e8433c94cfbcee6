# Growable buffers of (first, second) index pairs, one per chunk of work.
#
# Kernels fill one buffer per chunk (inside prange, without the GIL) and then copy
# the buffers out in chunk order, so the result never depends on the thread count.
# A failed allocation sets ``failed``; the caller raises MemoryError with the GIL.

from libc.stdlib cimport free, qsort, realloc
from libc.string cimport memcpy

from boxgeom._radix cimport insertion_sort
from boxgeom._types cimport intp_t


cdef struct PairBuffer:
    intp_t* first
    intp_t* second
    intp_t size
    intp_t capacity
    bint failed


cdef inline bint pairbuf_push(PairBuffer* buf, intp_t i, intp_t j) noexcept nogil:
    """Append (i, j); return False (and set ``failed``) when memory runs out."""
    cdef intp_t capacity
    cdef intp_t* first
    cdef intp_t* second
    if buf.size == buf.capacity:
        capacity = 2 * buf.capacity if buf.capacity >= 32 else 64
        first = <intp_t*> realloc(buf.first, capacity * sizeof(intp_t))
        if first != NULL:
            buf.first = first
        second = <intp_t*> realloc(buf.second, capacity * sizeof(intp_t))
        if second != NULL:
            buf.second = second
        if first == NULL or second == NULL:
            buf.failed = True
            return False
        buf.capacity = capacity
    buf.first[buf.size] = i
    buf.second[buf.size] = j
    buf.size += 1
    return True


cdef inline int _compare_intp(const void* a, const void* b) noexcept nogil:
    cdef intp_t x = (<const intp_t*> a)[0]
    cdef intp_t y = (<const intp_t*> b)[0]
    return (x > y) - (x < y)


cdef inline void sort_intp(intp_t* values, intp_t n) noexcept nogil:
    """Sort ``values[:n]`` ascending: insertion sort for short runs, qsort otherwise."""
    if n > 24:
        qsort(values, n, sizeof(intp_t), _compare_intp)
    else:
        insertion_sort(values, n)


cdef inline intp_t pairbufs_total(PairBuffer* bufs, intp_t count) noexcept nogil:
    """Number of pairs in ``bufs[:count]``, or -1 if any allocation failed."""
    cdef intp_t c, total = 0
    for c in range(count):
        if bufs[c].failed:
            return -1
        total += bufs[c].size
    return total


cdef inline void pairbufs_copy_out(PairBuffer* bufs, intp_t count, intp_t* first, intp_t* second) noexcept nogil:
    """Concatenate ``bufs[:count]`` in order into ``first`` and ``second``."""
    cdef intp_t c, offset = 0
    for c in range(count):
        if bufs[c].size:
            memcpy(first + offset, bufs[c].first, bufs[c].size * sizeof(intp_t))
            memcpy(second + offset, bufs[c].second, bufs[c].size * sizeof(intp_t))
            offset += bufs[c].size


cdef inline void pairbufs_free(PairBuffer* bufs, intp_t count) noexcept nogil:
    cdef intp_t c
    for c in range(count):
        free(bufs[c].first)
        free(bufs[c].second)
    free(bufs)


cdef inline object pairbufs_collect(PairBuffer* bufs, intp_t count):
    """Return ``bufs[:count]`` concatenated as a new (2, k) intp array and free them (needs the GIL)."""
    import numpy
    cdef intp_t total = pairbufs_total(bufs, count)
    try:
        if total < 0:
            raise MemoryError()
        out = numpy.empty((2, total), dtype=numpy.intp)
        if total:
            _copy_into(bufs, count, out)
        return out
    finally:
        pairbufs_free(bufs, count)


cdef inline void _copy_into(PairBuffer* bufs, intp_t count, intp_t[:, ::1] out) noexcept:
    with nogil:
        pairbufs_copy_out(bufs, count, &out[0, 0], &out[1, 0])
