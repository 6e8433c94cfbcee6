"""Strip join: each box binned once (no replication), pairs packed for the engine's sort.

Boxes are binned into horizontal strips by the strip of their y1 (the strip axis may be
x instead: ``transpose``) and, inside a strip, ordered by a monotonic quantisation ``q``
of their x1 (a fine column index, ``_cells.cell_of``). A box whose y-extent spans at
most two strips is "small"; two overlapping small boxes lie in the same or in adjacent
strips (the strip function is monotonic, so y1A <= y2B gives strip(y1A) <= strip(y2B)
<= strip(y1B) + 1). Inside a strip pair, a sweep along x stops at the first box with
q(x1) > q(x2) of the scanning box, which is exact because q is monotonic. Correctness
never depends on the strip height or the column width (``StripPlan``, chosen by the
engine's cost model): they only set the cost. Taller boxes ("giants") are queried
against the strips one by one here, and against each other by the engine (a line
search, ``_sweep``).

Binning is a radix sort of the words ``cell << 32 | row`` (``_sort.sort_words``), so
the boxes of a cell keep their row order. The join runs in parallel over work items
(one per strip, one per 64 giants), each with its own buffer of pairs packed as
``row1 << 32 | row2``; their order never matters, the engine sorts them.
"""

cimport numpy as cnp
from cython.parallel cimport prange

import numpy as np

from boxgeom._bits cimport prefetch
from boxgeom._box cimport closed_overlap, has_area, open_overlap
from boxgeom._buffer cimport Buffer, buffer_grow, buffer_init, buffer_reserve
from boxgeom._cells cimport cell_of
from boxgeom._sort cimport sort_words
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint32_t, uint64_t

cnp.import_array()

cdef enum:
    GIANT_CHUNK = 64          # giants per work item
    FIRST_CAPACITY = 4096     # pairs a work item's buffer holds before its first growth
    PREFETCH_AHEAD = 16       # boxes ahead of the gather


cdef class StripBins:
    """One set of boxes binned into strips (see ``Strips``); holds the arrays."""


cdef inline int type_num(const coord_t* boxes) noexcept:
    """The numpy type number of ``coord_t``."""
    if coord_t is int32_t:
        return cnp.NPY_INT32
    elif coord_t is int64_t:
        return cnp.NPY_INT64
    elif coord_t is float32_t:
        return cnp.NPY_FLOAT32
    else:
        return cnp.NPY_FLOAT64


cdef StripBins bin_strips(const coord_t* boxes, intp_t step, intp_t n, StripPlan plan, bint skip_empty,
                          int n_threads):
    """Bin the n ``boxes`` (row i at ``boxes + step * i``) into the strips of ``plan``; with
    ``skip_empty`` zero-area boxes are left out. Axis 0 (``x``) is the sweep axis and axis
    1 (``y``) the strip axis, swapped with ``plan.transpose``."""
    cdef intp_t nq = plan.nq, ns = plan.ns
    cdef double ox = plan.ox, inv_q = plan.inv_q, oy = plan.oy, inv_s = plan.inv_s
    cdef intp_t i, s1, s2, key, p, m, g, total_bits, r
    cdef intp_t giant_key = ns * nq, discard_key = ns * nq + 1, reach = 0
    # the coordinates of box i: x1, x2 at along[step * i] and along[step * i + 2] (the
    # sweep axis), y1, y2 at across[step * i] and across[step * i + 2] (the strip axis)
    cdef const coord_t* along = boxes + (1 if plan.transpose else 0)
    cdef const coord_t* across = boxes + (0 if plan.transpose else 1)
    cdef cnp.npy_intp dims[2]
    cdef coord_t x1, y1, y2
    if discard_key >= (<intp_t> 1) << 32 or n >= (<intp_t> 1) << 32:
        raise ValueError("too many cells or boxes for the strip join")
    keys_array = np.empty(n, dtype=np.uint64)
    tmp_array = np.empty(n, dtype=np.uint64)
    start_array = np.zeros(ns + 2, dtype=np.intp)
    cdef uint64_t* keys = <uint64_t*> cnp.PyArray_DATA(keys_array)
    cdef uint64_t* tmp = <uint64_t*> cnp.PyArray_DATA(tmp_array)
    cdef intp_t* start = <intp_t*> cnp.PyArray_DATA(start_array)
    with nogil:
        for i in range(n):
            x1 = along[step * i]
            y1 = across[step * i]
            y2 = across[step * i + 2]
            if skip_empty and not has_area(boxes + step * i):
                key = discard_key
            else:
                s1 = cell_of(y1, oy, inv_s, ns)
                s2 = cell_of(y2, oy, inv_s, ns)
                if s2 - s1 >= 2:
                    key = giant_key
                else:
                    key = s1 * nq + cell_of(x1, ox, inv_q, nq)
                    start[s1 + 1] += 1
            keys[i] = ((<uint64_t> key) << 32) | <uint64_t> i
        total_bits = 1
        while ((<intp_t> 1) << total_bits) <= discard_key:
            total_bits += 1
        sort_words(keys, tmp, n, 32, 32 + total_bits)  # by cell, rows ascending within a cell
        for i in range(ns):
            start[i + 1] += start[i]
    m = start[ns]
    g = 0
    while m + g < n and (keys[m + g] >> 32) == <uint64_t> giant_key:
        g += 1
    index_array = np.empty(m, dtype=np.uint32)
    q1_array = np.empty(m, dtype=np.int32)
    q2_array = np.empty(m, dtype=np.int32)
    dims[0] = 4
    dims[1] = m
    coords_array = cnp.PyArray_EMPTY(2, dims, type_num(boxes), 0)
    giants_array = np.empty(g, dtype=np.intp)
    cdef uint32_t* index = <uint32_t*> cnp.PyArray_DATA(index_array)
    cdef int32_t* q1 = <int32_t*> cnp.PyArray_DATA(q1_array)
    cdef int32_t* q2 = <int32_t*> cnp.PyArray_DATA(q2_array)
    cdef coord_t* coords = <coord_t*> cnp.PyArray_DATA(coords_array)
    cdef intp_t* giants = <intp_t*> cnp.PyArray_DATA(giants_array)
    with nogil:
        for p in prange(m, schedule="static", num_threads=n_threads):
            if p + PREFETCH_AHEAD < m:
                prefetch(along + step * <intp_t> (<uint32_t> keys[p + PREFETCH_AHEAD]), 0)
            i = <intp_t> (<uint32_t> keys[p])
            index[p] = <uint32_t> i
            q1[p] = <int32_t> cell_of(along[step * i], ox, inv_q, nq)
            q2[p] = <int32_t> cell_of(along[step * i + 2], ox, inv_q, nq)
            coords[p] = along[step * i]
            coords[m + p] = across[step * i]
            coords[2 * m + p] = along[step * i + 2]
            coords[3 * m + p] = across[step * i + 2]
        for p in range(m):
            r = q2[p] - q1[p]
            if r > reach:
                reach = r
        for p in range(g):
            giants[p] = <intp_t> (<uint32_t> keys[m + p])
    cdef StripBins bins = StripBins.__new__(StripBins)
    bins.owners = (start_array, index_array, q1_array, q2_array, coords_array, giants_array)
    bins.strips.start = start
    bins.strips.index = index
    bins.strips.q1 = q1
    bins.strips.q2 = q2
    bins.strips.coords = coords
    bins.strips.giants = giants
    bins.strips.m = m
    bins.strips.g = g
    bins.strips.ns = ns
    bins.strips.reach = reach
    return bins


cdef inline bint hit(coord_t a0, coord_t a1, coord_t a2, coord_t a3,
                     coord_t b0, coord_t b1, coord_t b2, coord_t b3, bint touching) noexcept nogil:
    """``_box``'s overlap test on coordinates held in columns: closed if ``touching``, else open."""
    if touching:
        return closed_overlap(a0, a1, a2, a3, b0, b1, b2, b3)
    return open_overlap(a0, a1, a2, a3, b0, b1, b2, b3)


cdef inline uint64_t pack(uint64_t i, uint64_t j, bint ordered) noexcept nogil:
    """``i << 32 | j``; with ``ordered`` as (min, max)."""
    cdef uint64_t lo = i, hi = j
    if ordered:
        lo = i if i < j else j
        hi = j if i < j else i
    return (lo << 32) | hi


cdef bint grow(Buffer* buf) noexcept nogil:
    """``buffer_grow`` by one pair, out of line: the loops that append one pair at a time
    stay small."""
    return buffer_grow(buf, buf.size + 1)


cdef inline bint emit(Buffer* buf, uint64_t giant, uint64_t other, bint giant_first, bint ordered) noexcept nogil:
    """Append the packed pair of a giant and another box (the giant first if ``giant_first``);
    False when memory runs out."""
    if buf.size == buf.capacity and not grow(buf):
        return False
    (<uint64_t*> buf.data)[buf.size] = pack(giant, other, ordered) if giant_first else pack(other, giant, ordered)
    buf.size += 1
    return True


cdef void strip_self(Strips s, const coord_t* c, intp_t m, intp_t lo, intp_t hi, bint touching,
                     Buffer* buf) noexcept nogil:
    """Pairs within the strip [lo, hi): each box scans forward while columns allow."""
    cdef const coord_t* c0 = c
    cdef const coord_t* c1 = c + m
    cdef const coord_t* c2 = c + 2 * m
    cdef const coord_t* c3 = c + 3 * m
    cdef const int32_t* q1 = s.q1
    cdef const uint32_t* index = s.index
    cdef intp_t p, r, size
    cdef uint64_t* data
    cdef int32_t stop
    cdef uint64_t ip
    cdef coord_t a0, a1, a2, a3
    if hi - lo < 2:
        return
    for p in range(lo, hi):
        if not buffer_reserve(buf, hi - p):
            return
        data = <uint64_t*> buf.data
        size = buf.size
        stop = s.q2[p]
        a0 = c0[p]
        a1 = c1[p]
        a2 = c2[p]
        a3 = c3[p]
        ip = index[p]
        r = p + 1
        while r < hi and q1[r] <= stop:
            data[size] = pack(ip, index[r], True)
            size += hit(a0, a1, a2, a3, c0[r], c1[r], c2[r], c3[r], touching)
            r += 1
        buf.size = size


cdef void strip_cross(Strips s1, const coord_t* c, intp_t m1, intp_t lo1, intp_t hi1,
                      Strips s2, const coord_t* d, intp_t m2, intp_t lo2, intp_t hi2,
                      bint touching, bint ordered, Buffer* buf) noexcept nogil:
    """Pairs (box of strip 1, box of strip 2), each once: from the box with the lower
    column (ties: from strip 1)."""
    cdef intp_t p, r, q, size
    cdef int32_t stop
    cdef uint64_t* data
    cdef uint64_t ia
    cdef coord_t a0, a1, a2, a3
    if hi1 == lo1 or hi2 == lo2:
        return
    q = lo2
    for p in range(lo1, hi1):
        while q < hi2 and s2.q1[q] < s1.q1[p]:
            q += 1
        if not buffer_reserve(buf, hi2 - q):
            return
        data = <uint64_t*> buf.data
        size = buf.size
        stop = s1.q2[p]
        a0 = c[p]
        a1 = c[m1 + p]
        a2 = c[2 * m1 + p]
        a3 = c[3 * m1 + p]
        ia = s1.index[p]
        r = q
        while r < hi2 and s2.q1[r] <= stop:
            data[size] = pack(ia, s2.index[r], ordered)
            size += hit(a0, a1, a2, a3, d[r], d[m2 + r], d[2 * m2 + r], d[3 * m2 + r], touching)
            r += 1
        buf.size = size
    q = lo1
    for r in range(lo2, hi2):
        while q < hi1 and s1.q1[q] <= s2.q1[r]:
            q += 1
        if not buffer_reserve(buf, hi1 - q):
            return
        data = <uint64_t*> buf.data
        size = buf.size
        stop = s2.q2[r]
        a0 = d[r]
        a1 = d[m2 + r]
        a2 = d[2 * m2 + r]
        a3 = d[3 * m2 + r]
        ia = s2.index[r]
        p = q
        while p < hi1 and s1.q1[p] <= stop:
            data[size] = pack(s1.index[p], ia, ordered)
            size += hit(c[p], c[m1 + p], c[2 * m1 + p], c[3 * m1 + p], a0, a1, a2, a3, touching)
            p += 1
        buf.size = size


cdef inline void frame(const coord_t* box, bint transpose, coord_t* out) noexcept nogil:
    """A box in the sweep frame (x and y swapped with ``transpose``)."""
    if transpose:
        out[0] = box[1]
        out[1] = box[0]
        out[2] = box[3]
        out[3] = box[2]
    else:
        out[0] = box[0]
        out[1] = box[1]
        out[2] = box[2]
        out[3] = box[3]


cdef void giant_query(const coord_t* box, bint transpose, intp_t gi, bint giant_first, Strips s,
                      const coord_t* c, double ox, double inv_q, intp_t nq, double oy, double inv_s,
                      bint touching, bint ordered, Buffer* buf) noexcept nogil:
    """Pairs of one giant ``box`` (input frame) with the small boxes of ``s``."""
    cdef coord_t g[4]
    frame(box, transpose, g)
    cdef intp_t m = s.m, strip, first, last, lo, hi, mid, r
    cdef intp_t qlo = cell_of(g[0], ox, inv_q, nq) - s.reach
    cdef intp_t qhi = cell_of(g[2], ox, inv_q, nq)
    first = cell_of(g[1], oy, inv_s, s.ns) - 1
    last = cell_of(g[3], oy, inv_s, s.ns)
    if first < 0:
        first = 0
    for strip in range(first, last + 1):
        lo = s.start[strip]
        hi = s.start[strip + 1]
        while lo < hi:
            mid = (lo + hi) // 2
            if s.q1[mid] < qlo:
                lo = mid + 1
            else:
                hi = mid
        hi = s.start[strip + 1]
        r = lo
        if touching:  # one loop per rule (a test of ``touching`` per box costs 3 instructions)
            while r < hi and s.q1[r] <= qhi:
                if closed_overlap(g[0], g[1], g[2], g[3], c[r], c[m + r], c[2 * m + r], c[3 * m + r]):
                    if not emit(buf, gi, s.index[r], giant_first, ordered):
                        return
                r += 1
        else:
            while r < hi and s.q1[r] <= qhi:
                if open_overlap(g[0], g[1], g[2], g[3], c[r], c[m + r], c[2 * m + r], c[3 * m + r]):
                    if not emit(buf, gi, s.index[r], giant_first, ordered):
                        return
                r += 1


cdef intp_t join_items(const Strips* s1, const Strips* s2, bint self_join) noexcept nogil:
    """Work items (and pair buffers) of ``join_strips``: one per strip, one per GIANT_CHUNK
    giants of each set (of set 1 only with ``self_join``)."""
    cdef intp_t gc1 = (s1.g + GIANT_CHUNK - 1) // GIANT_CHUNK
    cdef intp_t gc2 = 0 if self_join else (s2.g + GIANT_CHUNK - 1) // GIANT_CHUNK
    return s1.ns + gc1 + gc2


cdef void join_strips(const coord_t* boxes1, intp_t step1, const Strips* s1, const coord_t* boxes2, intp_t step2,
                      const Strips* s2, StripPlan plan, bint self_join, bint touching, int n_threads,
                      Buffer* bufs) noexcept nogil:
    """Join two binned sets into the ``join_items`` buffers ``bufs`` (initialised here):
    packed pairs, unsorted, giant-giant pairs excluded. The giants are read from their
    input boxes ``boxes1`` and ``boxes2`` (rows ``step1`` and ``step2`` values apart).

    With ``self_join`` the two sets are one (pairs (min, max), i != j); otherwise pairs
    are (row in set 1, row in set 2) (the sets may hold the same boxes). A buffer that
    runs out of memory stops its work item and keeps ``failed`` set.
    """
    cdef Strips a = s1[0]
    cdef Strips b = s2[0]
    cdef intp_t ns = a.ns, g1 = a.g, g2 = b.g
    cdef intp_t gc1 = (g1 + GIANT_CHUNK - 1) // GIANT_CHUNK
    cdef intp_t items = join_items(s1, s2, self_join), item, j, k, t, gi
    cdef const coord_t* c = <const coord_t*> a.coords if a.m else NULL
    cdef const coord_t* d = <const coord_t*> b.coords if b.m else NULL
    cdef bint transpose = plan.transpose
    cdef double ox = plan.ox, inv_q = plan.inv_q, oy = plan.oy, inv_s = plan.inv_s
    cdef intp_t nq = plan.nq
    for item in range(items):
        buffer_init(&bufs[item], sizeof(uint64_t), FIRST_CAPACITY)
    for item in prange(items, schedule="dynamic", num_threads=n_threads):
        if item < ns:
            j = item
            if self_join:
                strip_self(a, c, a.m, a.start[j], a.start[j + 1], touching, &bufs[item])
                if j + 1 < ns:
                    strip_cross(a, c, a.m, a.start[j], a.start[j + 1],
                                a, c, a.m, a.start[j + 1], a.start[j + 2],
                                touching, True, &bufs[item])
            else:
                for k in range(max(j - 1, 0), min(j + 2, ns)):
                    strip_cross(a, c, a.m, a.start[j], a.start[j + 1],
                                b, d, b.m, b.start[k], b.start[k + 1],
                                touching, False, &bufs[item])
        elif item < ns + gc1:
            for t in range((item - ns) * GIANT_CHUNK, min((item - ns + 1) * GIANT_CHUNK, g1)):
                gi = a.giants[t]
                giant_query(&boxes1[step1 * gi], transpose, gi, True, b, d, ox, inv_q, nq, oy, inv_s, touching,
                            self_join, &bufs[item])
        else:
            for t in range((item - ns - gc1) * GIANT_CHUNK, min((item - ns - gc1 + 1) * GIANT_CHUNK, g2)):
                gi = b.giants[t]
                giant_query(&boxes2[step2 * gi], transpose, gi, False, a, c, ox, inv_q, nq, oy, inv_s, touching,
                            False, &bufs[item])
