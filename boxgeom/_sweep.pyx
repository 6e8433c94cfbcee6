"""Line-search (sort and sweep) pair finder.

Boxes are sorted by x1; each box then scans forward over the boxes whose x1 lies
inside its x-extent and tests their y-extents. Cost: the sort plus one test per
x-overlapping candidate, which makes it the method of choice for small inputs and
for sets that are sparse along x.

The pairs come out in sweep order; the caller sorts them (``_csr.sort_pairs``).
"""

from cython.parallel cimport prange
from libc.stdlib cimport calloc, free, malloc

import numpy as np

from boxgeom._pairbuf cimport PairBuffer, pairbuf_push, pairbufs_collect, pairbufs_free
from boxgeom._types cimport coord_t, intp_t

DEF CHUNK = 2048


cdef coord_t* gather(const coord_t[:, ::1] boxes, const intp_t[::1] order) noexcept nogil:
    """Boxes in x1 order as four columns side by side (x1, y1, x2, y2), or NULL."""
    cdef intp_t n = boxes.shape[0], p, b
    cdef coord_t* columns = <coord_t*> malloc(4 * n * sizeof(coord_t))
    if columns == NULL:
        return NULL
    for p in range(n):
        b = order[p]
        columns[p] = boxes[b, 0]
        columns[n + p] = boxes[b, 1]
        columns[2 * n + p] = boxes[b, 2]
        columns[3 * n + p] = boxes[b, 3]
    return columns


cdef inline intp_t first_at_least(const coord_t* keys, intp_t n, coord_t value, bint inclusive) noexcept nogil:
    """First position p with keys[p] >= value (inclusive) or keys[p] > value (not inclusive)."""
    cdef intp_t low = 0, high = n, mid
    while low < high:
        mid = (low + high) // 2
        if keys[mid] < value or (not inclusive and keys[mid] == value):
            low = mid + 1
        else:
            high = mid
    return low


cdef void scan(const coord_t* ax1, const coord_t* ay1, const coord_t* ax2, const coord_t* ay2,
               const intp_t* aindex, intp_t p,
               const coord_t* bx1, const coord_t* by1, const coord_t* bx2, const coord_t* by2,
               const intp_t* bindex, intp_t q, intp_t nb,
               bint touching, bint skip_empty, bint swap, bint ordered, PairBuffer* buf) noexcept nogil:
    """Test a[p] against b[q:], stopping at the first b whose x1 is past a's x2."""
    cdef coord_t x2 = ax2[p], y1 = ay1[p], y2 = ay2[p], x1 = ax1[p]
    cdef intp_t i, j
    cdef bint hit
    while q < nb and (bx1[q] < x2 or (touching and bx1[q] == x2)):
        if touching:
            hit = x1 <= bx2[q] and by1[q] <= y2 and y1 <= by2[q]
        else:
            hit = x1 < bx2[q] and by1[q] < y2 and y1 < by2[q]
            if skip_empty and hit:
                hit = bx1[q] < bx2[q] and by1[q] < by2[q]
        if hit:
            if swap:
                i = bindex[q]
                j = aindex[p]
            else:
                i = aindex[p]
                j = bindex[q]
            if ordered and i > j:
                i, j = j, i
            if not pairbuf_push(buf, i, j):
                return
        q += 1


def sweep_pairs(const coord_t[:, ::1] boxes1, const intp_t[::1] order1,
                const coord_t[:, ::1] boxes2, const intp_t[::1] order2,
                bint self_join, bint touching, bint skip_empty, int n_threads):
    """Return the (2, k) intp pairs (boxes1 index, boxes2 index) of overlapping boxes, unsorted.

    ``order1``/``order2`` sort each set by x1. With ``self_join`` the two sets are one
    and each unordered pair is reported once as (min, max).
    """
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0]
    cdef bint gathered
    cdef intp_t chunks = 2 * ((max(n1, n2) + CHUNK - 1) // CHUNK)
    cdef coord_t* a
    cdef coord_t* b
    cdef PairBuffer* bufs
    if n1 == 0 or n2 == 0:
        return np.empty((2, 0), dtype=np.intp)
    bufs = <PairBuffer*> calloc(chunks, sizeof(PairBuffer))
    if bufs == NULL:
        raise MemoryError()
    with nogil:
        a = gather(boxes1, order1)
        b = a if self_join else gather(boxes2, order2)
        gathered = a != NULL and b != NULL
        if gathered:
            _sweep(a, n1, &order1[0], b, n2, &order2[0], self_join, touching, skip_empty, n_threads,
                   bufs, chunks)
        free(a)
        if not self_join:
            free(b)
    if not gathered:
        pairbufs_free(bufs, chunks)
        raise MemoryError()
    return pairbufs_collect(bufs, chunks)


cdef void _sweep(const coord_t* a, intp_t n1, const intp_t* aindex, const coord_t* b, intp_t n2,
                 const intp_t* bindex, bint self_join, bint touching, bint skip_empty,
                 int n_threads, PairBuffer* bufs, intp_t chunks) noexcept nogil:
    # Chunk c < chunks/2 scans a against b (pairs where b starts at or after a);
    # chunk c >= chunks/2 scans b against a (pairs where a starts strictly after b).
    cdef const coord_t* ax1 = a
    cdef const coord_t* ay1 = a + n1
    cdef const coord_t* ax2 = a + 2 * n1
    cdef const coord_t* ay2 = a + 3 * n1
    cdef const coord_t* bx1 = b
    cdef const coord_t* by1 = b + n2
    cdef const coord_t* bx2 = b + 2 * n2
    cdef const coord_t* by2 = b + 3 * n2
    cdef intp_t half = chunks // 2, c, p, start, stop, q
    for c in prange(chunks, schedule="dynamic", num_threads=n_threads):
        if c < half:
            start = c * CHUNK
            stop = min(start + CHUNK, n1)
            for p in range(start, stop):
                if skip_empty and not (ax1[p] < ax2[p] and ay1[p] < ay2[p]):
                    continue
                q = p + 1 if self_join else first_at_least(bx1, n2, ax1[p], True)
                scan(ax1, ay1, ax2, ay2, aindex, p, bx1, by1, bx2, by2, bindex, q, n2,
                     touching, skip_empty, False, self_join, &bufs[c])
        elif not self_join:
            start = (c - half) * CHUNK
            stop = min(start + CHUNK, n2)
            for p in range(start, stop):
                if skip_empty and not (bx1[p] < bx2[p] and by1[p] < by2[p]):
                    continue
                q = first_at_least(ax1, n1, bx1[p], False)
                scan(bx1, by1, bx2, by2, bindex, p, ax1, ay1, ax2, ay2, aindex, q, n1,
                     touching, skip_empty, True, False, &bufs[c])

