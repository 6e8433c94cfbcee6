"""Line-search (sort and sweep) pair finder.

Each set is sorted by x1 (a stable radix sort of order-preserving coordinate keys) and
gathered as four columns in that order; each box then scans forward over the boxes
whose x1 lies inside its x-extent and tests the whole boxes. Cost: the sort plus one
test per x-overlapping candidate, which makes it the method of choice for small inputs
and for sets that are sparse along x. Under the strict rule zero-area boxes, which
never pair, are left out before the sort.

Work is cut into chunks of sorted boxes, run in parallel, one pair buffer per chunk.
Pairs come out in sweep order, packed as ``row1 << 32 | row2`` (or as two intp when a
set has 2**32 boxes or more); the pair engine (``_pairs``) sorts them.
"""

from cython.parallel cimport prange
from libc.stdlib cimport calloc, free, malloc

from boxgeom._box cimport closed_overlap, has_area, open_overlap
from boxgeom._buffer cimport Buffer, buffer_free, buffer_init, buffer_reserve
from boxgeom._sort cimport coord_key, radix_sort
from boxgeom._types cimport coord_t, intp_t, uint64_t

cdef enum:
    CHUNK = 2048           # sorted boxes per work item
    FIRST_CAPACITY = 64    # pairs a chunk's buffer holds before its first growth


cdef coord_t* sorted_columns(const coord_t* boxes, intp_t step, const intp_t* rows, intp_t n, bint skip_empty,
                             intp_t* count, intp_t** order) noexcept nogil:
    """The boxes ``rows[:n]`` (all n rows if ``rows`` is NULL; with ``skip_empty`` only those
    of positive area; row r at ``boxes + step * r``) in x1 order, ties in row order, as
    four columns side by side (x1, y1, x2, y2); ``order`` gets the row of each position
    and ``count`` their number. NULL when memory runs out."""
    cdef intp_t p, r, m = 0
    cdef uint64_t* keys = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef uint64_t* key_tmp = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* rank = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef intp_t* rank_tmp = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef coord_t* columns = NULL
    if keys != NULL and key_tmp != NULL and rank != NULL and rank_tmp != NULL:
        for p in range(n):
            r = rows[p] if rows != NULL else p
            if skip_empty and not has_area(boxes + step * r):
                continue
            keys[m] = coord_key(boxes[step * r])
            rank[m] = r
            m += 1
        radix_sort(keys, rank, m, key_tmp, rank_tmp)
        columns = <coord_t*> malloc((4 * m + 1) * sizeof(coord_t))
    if columns != NULL:
        for p in range(m):
            r = rank[p]
            columns[p] = boxes[step * r]
            columns[m + p] = boxes[step * r + 1]
            columns[2 * m + p] = boxes[step * r + 2]
            columns[3 * m + p] = boxes[step * r + 3]
        count[0] = m
        order[0] = rank
    else:
        free(rank)
    free(keys)
    free(key_tmp)
    free(rank_tmp)
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


cdef inline bint emit(Buffer* buf, intp_t i, intp_t j, bint packed) noexcept nogil:
    """Append the pair (i, j): one packed uint64, or two intp; False when memory runs out."""
    if not buffer_reserve(buf, 1):
        return False
    if packed:
        (<uint64_t*> buf.data)[buf.size] = ((<uint64_t> i) << 32) | <uint64_t> j
    else:
        (<intp_t*> buf.data)[2 * buf.size] = i
        (<intp_t*> buf.data)[2 * buf.size + 1] = j
    buf.size += 1
    return True


cdef void scan(const coord_t* ax1, const coord_t* ay1, const coord_t* ax2, const coord_t* ay2,
               const intp_t* aindex, intp_t p,
               const coord_t* bx1, const coord_t* by1, const coord_t* bx2, const coord_t* by2,
               const intp_t* bindex, intp_t q, intp_t nb,
               bint touching, bint swap, bint ordered, bint packed, Buffer* buf) noexcept nogil:
    """Test a[p] against b[q:], stopping at the first b whose x1 is past a's x2."""
    cdef coord_t x1 = ax1[p], y1 = ay1[p], x2 = ax2[p], y2 = ay2[p]
    cdef intp_t i, j
    cdef bint hit
    while q < nb and (bx1[q] < x2 or (touching and bx1[q] == x2)):
        if touching:
            hit = closed_overlap(x1, y1, x2, y2, bx1[q], by1[q], bx2[q], by2[q])
        else:
            hit = open_overlap(x1, y1, x2, y2, bx1[q], by1[q], bx2[q], by2[q])
        if hit:
            if swap:
                i = bindex[q]
                j = aindex[p]
            else:
                i = aindex[p]
                j = bindex[q]
            if ordered and i > j:
                i, j = j, i
            if not emit(buf, i, j, packed):
                return
        q += 1


cdef bint sweep_pairs(const coord_t* boxes1, intp_t step1, const intp_t* rows1, intp_t n1,
                      const coord_t* boxes2, intp_t step2, const intp_t* rows2, intp_t n2,
                      bint self_join, bint touching, bint packed, int n_threads,
                      Buffer** buffers, intp_t* count) noexcept nogil:
    """Find the overlapping pairs (row of set 1, row of set 2) of the boxes ``rows1[:n1]`` of
    ``boxes1`` and ``rows2[:n2]`` of ``boxes2`` (rows of 4 values, ``step1`` and ``step2``
    values apart; NULL rows: all of them), unsorted, into ``count`` new buffers
    (``buffers``; the caller frees them): packed ``row1 << 32 | row2`` uint64 if
    ``packed``, else pairs of intp.

    With ``self_join`` the two sets are one (set 2 is ignored) and each unordered pair is
    reported once as (min, max). Returns False when memory runs out (the buffers are then
    freed already)."""
    cdef bint skip_empty = not touching, same, ok
    cdef intp_t m1 = 0, m2 = 0, chunks, c
    cdef intp_t* order1 = NULL
    cdef intp_t* order2 = NULL
    cdef coord_t* a
    cdef coord_t* b
    cdef Buffer* bufs
    buffers[0] = NULL
    count[0] = 0
    # one sort when both sets are the same boxes
    same = self_join or (boxes2 == boxes1 and step2 == step1 and rows2 == rows1 and n2 == n1)
    a = sorted_columns(boxes1, step1, rows1, n1, skip_empty, &m1, &order1)
    if same:
        b = a
        order2 = order1
        m2 = m1
    else:
        b = sorted_columns(boxes2, step2, rows2, n2, skip_empty, &m2, &order2)
    chunks = 2 * ((max(m1, m2) + CHUNK - 1) // CHUNK)
    bufs = <Buffer*> calloc(chunks + 1, sizeof(Buffer))
    ok = a != NULL and b != NULL and bufs != NULL
    if ok:
        for c in range(chunks):
            buffer_init(&bufs[c], sizeof(uint64_t) if packed else 2 * sizeof(intp_t), FIRST_CAPACITY)
        _sweep(a, m1, order1, b, m2, order2, self_join, touching, packed, n_threads, bufs, chunks)
        for c in range(chunks):
            ok = ok and not bufs[c].failed
    free(a)
    free(order1)
    if not same:
        free(b)
        free(order2)
    if not ok:
        if bufs != NULL:
            for c in range(chunks):
                buffer_free(&bufs[c])
        free(bufs)
        return False
    buffers[0] = bufs
    count[0] = chunks
    return True


cdef void _sweep(const coord_t* a, intp_t n1, const intp_t* aindex, const coord_t* b, intp_t n2,
                 const intp_t* bindex, bint self_join, bint touching, bint packed,
                 int n_threads, Buffer* bufs, intp_t chunks) noexcept nogil:
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
                q = p + 1 if self_join else first_at_least(bx1, n2, ax1[p], True)
                scan(ax1, ay1, ax2, ay2, aindex, p, bx1, by1, bx2, by2, bindex, q, n2,
                     touching, False, self_join, packed, &bufs[c])
        elif not self_join:
            start = (c - half) * CHUNK
            stop = min(start + CHUNK, n2)
            for p in range(start, stop):
                q = first_at_least(ax1, n1, bx1[p], False)
                scan(bx1, by1, bx2, by2, bindex, p, ax1, ay1, ax2, ay2, aindex, q, n1,
                     touching, True, False, packed, &bufs[c])
