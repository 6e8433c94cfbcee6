"""Uniform tile grid: bin boxes into square cells, then join cells to find pairs.

Binning stores every box in each cell its extent touches, with a copy of its
coordinates laid out cell by cell, so that testing the boxes of one cell reads
contiguous memory. A pair is reported only from the cell that holds the
lower-left corner of its intersection (the *reference point*), so each pair comes
out exactly once with no de-duplication: that corner is ``(max x1, max y1)``, and
it lies in the cell where the box with the larger x1 starts its column and the box
with the larger y1 starts its row. Each entry carries those two "starts here" bits.

Joins run in parallel over chunks of cells, one pair buffer per chunk; pairs come
out unsorted (the caller sorts them, ``_csr.build_csr``).
"""

from cython.parallel cimport prange, threadid
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._pairbuf cimport PairBuffer, pairbuf_push, pairbufs_collect, sort_intp
from boxgeom._cells cimport cell_of
from boxgeom._kinds cimport box_kind
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint32_t, uint64_t

cnp.import_array()

# Cells per parallel chunk of a join.
DEF CHUNK = 256
DEF STARTS_COLUMN = 1
DEF STARTS_ROW = 2


cdef inline bint is_empty(const coord_t* box) noexcept nogil:
    return not (box[0] < box[2] and box[1] < box[3])


cdef inline bint overlaps(const coord_t* a, const coord_t* b, bint touching) noexcept nogil:
    """Strict: the four open inequalities; touching: the closed ones."""
    if touching:
        return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


cdef inline bint owns(const coord_t* a, uint8_t flags_a, const coord_t* b, uint8_t flags_b) noexcept nogil:
    """True if this cell holds the reference point (max x1, max y1) of overlapping a and b."""
    cdef uint8_t column = flags_a if a[0] >= b[0] else flags_b
    cdef uint8_t row = flags_a if a[1] >= b[1] else flags_b
    return (column & STARTS_COLUMN) and (row & STARTS_ROW)


cdef class TileGrid:
    """Boxes binned into a uniform grid of square cells.

    Parameters
    ----------
    boxes : ndarray of shape (n, 4), C-contiguous, xyxy, int32/int64/float32/float64
        Validated boxes.
    origin_x, origin_y, cell_size : float
        Lower-left corner of cell (0, 0) and the side of every cell.
    nx, ny : int
        Cells along x and y; coordinates beyond the grid clamp to the border cells.
    skip_empty : bool
        Leave zero-area boxes out (they cannot overlap anything with positive area).
    """

    cdef readonly double origin_x, origin_y, cell_size
    cdef readonly intp_t nx, ny
    cdef readonly bint skip_empty
    cdef readonly object cell_start  # (nx * ny + 1,) intp: entries of cell c are [cell_start[c], cell_start[c+1])
    cdef readonly object entries     # (e,) intp: box index of each entry, ascending within a cell
    cdef readonly object coords      # (e, 4): the entry's box, in the boxes' dtype
    cdef readonly object flags       # (e,) uint8: STARTS_COLUMN | STARTS_ROW
    cdef double inverse

    def __init__(self, boxes, double origin_x, double origin_y, double cell_size, intp_t nx, intp_t ny,
                 bint skip_empty):
        self.origin_x = origin_x
        self.origin_y = origin_y
        self.cell_size = cell_size
        self.inverse = 1.0 / cell_size
        self.nx = nx
        self.ny = ny
        self.skip_empty = skip_empty
        self.cell_start = np.zeros(nx * ny + 1, dtype=np.intp)
        _count(self, boxes, self.cell_start)
        total = self.cell_start[nx * ny]
        self.entries = np.empty(total, dtype=np.intp)
        self.coords = np.empty((total, 4), dtype=boxes.dtype)
        self.flags = np.empty(total, dtype=np.uint8)
        _fill(self, boxes, self.cell_start, self.entries, self.coords, self.flags)

    def same_cells(self, TileGrid other):
        """True if ``other`` uses the same cells (a join needs it)."""
        return (self.origin_x, self.origin_y, self.cell_size, self.nx, self.ny) == \
            (other.origin_x, other.origin_y, other.cell_size, other.nx, other.ny)


cdef inline void cell_range(const coord_t* box, double ox, double oy, double inv, intp_t nx, intp_t ny,
                            intp_t* cx0, intp_t* cx1, intp_t* cy0, intp_t* cy1) noexcept nogil:
    cx0[0] = cell_of(box[0], ox, inv, nx)
    cx1[0] = cell_of(box[2], ox, inv, nx)
    cy0[0] = cell_of(box[1], oy, inv, ny)
    cy1[0] = cell_of(box[3], oy, inv, ny)


def _count(TileGrid grid, const coord_t[:, ::1] boxes, intp_t[::1] cell_start):
    """Count entries per cell into ``cell_start[1:]`` and prefix-sum them."""
    cdef intp_t n = boxes.shape[0], nx = grid.nx, ny = grid.ny, b, cx, cy, cx0, cx1, cy0, cy1, cell
    cdef double ox = grid.origin_x, oy = grid.origin_y, inv = grid.inverse
    cdef bint skip_empty = grid.skip_empty
    with nogil:
        for b in range(n):
            if skip_empty and is_empty(&boxes[b, 0]):
                continue
            cell_range(&boxes[b, 0], ox, oy, inv, nx, ny, &cx0, &cx1, &cy0, &cy1)
            for cy in range(cy0, cy1 + 1):
                for cx in range(cx0, cx1 + 1):
                    cell_start[cy * nx + cx + 1] += 1
        for cell in range(nx * ny):
            cell_start[cell + 1] += cell_start[cell]


def _fill(TileGrid grid, const coord_t[:, ::1] boxes, const intp_t[::1] cell_start, intp_t[::1] entries,
          coord_t[:, ::1] coords, uint8_t[::1] flags):
    """Place every box, in index order, into its cells (a stable counting sort)."""
    cdef intp_t n = boxes.shape[0], nx = grid.nx, ny = grid.ny, b, cx, cy, cx0, cx1, cy0, cy1, e
    cdef double ox = grid.origin_x, oy = grid.origin_y, inv = grid.inverse
    cdef bint skip_empty = grid.skip_empty
    cdef intp_t[::1] cursor = np.array(cell_start[:nx * ny])
    with nogil:
        for b in range(n):
            if skip_empty and is_empty(&boxes[b, 0]):
                continue
            cell_range(&boxes[b, 0], ox, oy, inv, nx, ny, &cx0, &cx1, &cy0, &cy1)
            for cy in range(cy0, cy1 + 1):
                for cx in range(cx0, cx1 + 1):
                    e = cursor[cy * nx + cx]
                    cursor[cy * nx + cx] = e + 1
                    entries[e] = b
                    coords[e, 0] = boxes[b, 0]
                    coords[e, 1] = boxes[b, 1]
                    coords[e, 2] = boxes[b, 2]
                    coords[e, 3] = boxes[b, 3]
                    flags[e] = (STARTS_COLUMN if cx == cx0 else 0) | (STARTS_ROW if cy == cy0 else 0)


def join_between(TileGrid grid1, const coord_t[:, ::1] coords1, TileGrid grid2, const coord_t[:, ::1] coords2,
                 bint touching, int n_threads):
    """Return the (2, k) intp pairs (index in set 1, index in set 2) of overlapping boxes, unsorted."""
    return _join(grid1, coords1, grid2, coords2, False, touching, n_threads)


cdef object _join(TileGrid grid1, const coord_t[:, ::1] coords1, TileGrid grid2, const coord_t[:, ::1] coords2,
                  bint self_join, bint touching, int n_threads):
    cdef intp_t cells = grid1.nx * grid1.ny
    cdef intp_t chunks = (cells + CHUNK - 1) // CHUNK, chunk, cell
    cdef const intp_t[::1] start1 = grid1.cell_start
    cdef const intp_t[::1] start2 = grid2.cell_start
    cdef const intp_t[::1] entries1 = grid1.entries
    cdef const intp_t[::1] entries2 = grid2.entries
    cdef const uint8_t[::1] flags1 = grid1.flags
    cdef const uint8_t[::1] flags2 = grid2.flags
    cdef PairBuffer* bufs
    if entries1.shape[0] == 0 or entries2.shape[0] == 0:
        return np.empty((2, 0), dtype=np.intp)
    bufs = <PairBuffer*> calloc(chunks, sizeof(PairBuffer))
    if bufs == NULL:
        raise MemoryError()
    with nogil:
        for chunk in prange(chunks, schedule="dynamic", num_threads=n_threads):
            for cell in range(chunk * CHUNK, min((chunk + 1) * CHUNK, cells)):
                join_cell(&coords1[0, 0], &entries1[0], &flags1[0], start1[cell], start1[cell + 1],
                          &coords2[0, 0], &entries2[0], &flags2[0], start2[cell], start2[cell + 1],
                          self_join, touching, &bufs[chunk])
    return pairbufs_collect(bufs, chunks)


cdef void join_cell(const coord_t* coords1, const intp_t* entries1, const uint8_t* flags1, intp_t lo1, intp_t hi1,
                    const coord_t* coords2, const intp_t* entries2, const uint8_t* flags2, intp_t lo2, intp_t hi2,
                    bint self_join, bint touching, PairBuffer* buf) noexcept nogil:
    """Push every pair of one cell whose reference point the cell owns."""
    cdef intp_t e1, e2
    cdef const coord_t* a
    cdef const coord_t* b
    for e1 in range(lo1, hi1):
        a = coords1 + 4 * e1
        for e2 in range(e1 + 1 if self_join else lo2, hi2):
            b = coords2 + 4 * e2
            if overlaps(a, b, touching) and owns(a, flags1[e1], b, flags2[e2]):
                if not pairbuf_push(buf, entries1[e1], entries2[e2]):
                    return


def query_one(TileGrid grid, const coord_t[::1] box, bint touching):
    """Return the sorted (n,) intp indices of the grid's boxes that overlap one ``box``."""
    cdef const coord_t[:, ::1] coords = grid.coords
    cdef const intp_t[::1] starts = grid.cell_start
    cdef const intp_t[::1] entries = grid.entries
    cdef const uint8_t[::1] flags = grid.flags
    cdef intp_t cx0, cx1, cy0, cy1, cx, cy, cell, e, total
    cdef const coord_t* q = &box[0]
    cdef const coord_t* b
    cdef coord_t ref_x, ref_y
    cdef PairBuffer buf
    buf.first = buf.second = NULL
    buf.size = buf.capacity = 0
    buf.failed = False
    if entries.shape[0] == 0 or (grid.skip_empty and is_empty(q)):
        return np.empty(0, dtype=np.intp)
    with nogil:
        cell_range(q, grid.origin_x, grid.origin_y, grid.inverse, grid.nx, grid.ny, &cx0, &cx1, &cy0, &cy1)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                cell = cy * grid.nx + cx
                for e in range(starts[cell], starts[cell + 1]):
                    b = &coords[e, 0]
                    if not overlaps(q, b, touching):
                        continue
                    # Report each box once: from the cell holding the reference point.
                    ref_x = q[0] if q[0] > b[0] else b[0]
                    ref_y = q[1] if q[1] > b[1] else b[1]
                    if cell_of(ref_x, grid.origin_x, grid.inverse, grid.nx) == cx and \
                            cell_of(ref_y, grid.origin_y, grid.inverse, grid.ny) == cy:
                        pairbuf_push(&buf, 0, entries[e])
        sort_intp(buf.second, buf.size)
    try:
        if buf.failed:
            raise MemoryError()
        out = np.empty(buf.size, dtype=np.intp)
        for e in range(buf.size):
            out[e] = buf.second[e]
        return out
    finally:
        free(buf.first)
        free(buf.second)



# ---------------------------------------------------------------------------------------
# Strip join: each box binned ONCE, no replication, pairs sorted by a radix sort.
#
# Boxes are binned into horizontal strips by the strip of their y1 (the "strip axis"
# may be x instead: ``transpose``) and, inside a strip, ordered by a monotonic
# quantisation ``q`` of their x1 (a fine column index). A box whose y-extent spans
# at most two strips is "small"; two overlapping small boxes lie in the same or in
# adjacent strips (the strip function is monotonic, so y1A <= y2B gives
# strip(y1A) <= strip(y2B) <= strip(y1B) + 1). Inside a strip pair, a sweep along
# x stops at the first box with q(x1) > q(x2) of the scanning box, which is exact
# because q is monotonic. Correctness never depends on the strip height or the
# column width: they only set the cost. Taller boxes ("giants") are queried against
# the strips one by one, and against each other by the caller (line search).
#
# Pairs are packed as (row0 << 32 | row1) in per-work-item buffers and sorted
# lexicographically by an MSD radix pass on the high bits of row0, then a counting
# sort of each bucket (cache resident) and a short sort of each run of equal row0.
# The order of the raw pairs never matters: the sorted output is unique.
# ---------------------------------------------------------------------------------------

DEF GIANT_CHUNK = 64

cdef extern from *:
    void __builtin_prefetch(const void* address) noexcept nogil


cdef struct PackBuf:
    uint64_t* data
    intp_t size
    intp_t capacity
    bint failed


cdef inline bint pack_push(PackBuf* buf, uint64_t value) noexcept nogil:
    cdef intp_t capacity
    cdef uint64_t* data
    if buf.size == buf.capacity:
        capacity = 2 * buf.capacity if buf.capacity >= 1024 else 4096
        data = <uint64_t*> realloc(buf.data, capacity * sizeof(uint64_t))
        if data == NULL:
            buf.failed = True
            return False
        buf.data = data
        buf.capacity = capacity
    buf.data[buf.size] = value
    buf.size += 1
    return True


cdef inline bint pack_reserve(PackBuf* buf, intp_t extra) noexcept nogil:
    """Make room for ``extra`` more values (branch-free appends follow)."""
    cdef intp_t capacity = buf.capacity
    cdef uint64_t* data
    if buf.size + extra <= capacity:
        return True
    if buf.failed:
        return False
    if capacity < 4096:
        capacity = 4096
    while capacity < buf.size + extra:
        capacity *= 2
    data = <uint64_t*> realloc(buf.data, capacity * sizeof(uint64_t))
    if data == NULL:
        buf.failed = True
        return False
    buf.data = data
    buf.capacity = capacity
    return True


cdef class PairChunks:
    """Unsorted packed pairs (row0 << 32 | row1) in one buffer per work item."""

    cdef PackBuf* bufs
    cdef intp_t count

    def __cinit__(self, intp_t count):
        self.count = count
        self.bufs = <PackBuf*> calloc(max(count, 1), sizeof(PackBuf))
        if self.bufs == NULL:
            raise MemoryError()

    def __dealloc__(self):
        cdef intp_t c
        if self.bufs != NULL:
            for c in range(self.count):
                free(self.bufs[c].data)
            free(self.bufs)

    def total(self):
        """Number of pairs held; raises MemoryError if a buffer failed to grow."""
        cdef intp_t c, total = 0
        for c in range(self.count):
            if self.bufs[c].failed:
                raise MemoryError()
            total += self.bufs[c].size
        return total


cdef inline int hit(coord_t a0, coord_t a1, coord_t a2, coord_t a3,
                    coord_t b0, coord_t b1, coord_t b2, coord_t b3, bint touching) noexcept nogil:
    """Branch-free overlap test (closed boxes if ``touching``, open otherwise): 0 or 1."""
    if touching:
        return (a0 <= b2) & (b0 <= a2) & (a1 <= b3) & (b1 <= a3)
    return (a0 < b2) & (b0 < a2) & (a1 < b3) & (b1 < a3)


cdef inline uint64_t pack(uint64_t i, uint64_t j, bint ordered) noexcept nogil:
    cdef uint64_t lo = i, hi = j
    if ordered:
        lo = i if i < j else j
        hi = j if i < j else i
    return (lo << 32) | hi


cdef void radix_pass(const uint64_t* src, uint64_t* dst, intp_t n, int shift, int bits,
                     intp_t* count) noexcept nogil:
    """Stable counting-sort pass of ``src`` by bits [shift, shift + bits) into ``dst``."""
    cdef intp_t buckets = (<intp_t> 1) << bits, i, b, total = 0, c
    cdef uint64_t mask = <uint64_t> (buckets - 1)
    memset(count, 0, buckets * sizeof(intp_t))
    for i in range(n):
        count[(src[i] >> shift) & mask] += 1
    for b in range(buckets):
        c = count[b]
        count[b] = total
        total += c
    for i in range(n):
        b = (src[i] >> shift) & mask
        dst[count[b]] = src[i]
        count[b] += 1


def bin_strips(const coord_t[:, ::1] boxes, bint transpose, bint skip_empty,
               double ox, double inv_q, intp_t nq, double oy, double inv_s, intp_t ns, int n_threads):
    """Bin boxes into strips sorted by column; return a dict of arrays.

    Axis 0 (``x``) is the sweep axis and axis 1 (``y``) the strip axis, swapped with
    ``transpose``. Returns ``start`` (ns + 1,) intp, ``index`` (m,) uint32 (original box
    index), ``q1``/``q2`` (m,) int32 (columns of x1/x2), ``coords`` (4, m) in the
    sweep frame (x1, y1, x2, y2), ``giants`` (g,) intp ascending, ``reach`` (max
    q2 - q1 over the small boxes).
    """
    cdef intp_t n = boxes.shape[0], i, s1, s2, key, p, m, g, passes, bits, total_bits, b
    cdef intp_t giant_key = ns * nq, discard_key = ns * nq + 1, reach = 0, r
    cdef int t0 = 1 if transpose else 0, t1 = 0 if transpose else 1, shift
    if discard_key >= (<intp_t> 1) << 32 or n >= (<intp_t> 1) << 32:
        raise ValueError("too many cells or boxes for the strip join")
    keys_array = np.empty(n, dtype=np.uint64)
    tmp_array = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] keys = keys_array
    cdef uint64_t[::1] tmp = tmp_array
    cdef uint64_t* src
    cdef uint64_t* dst
    cdef uint64_t* swap
    start_array = np.zeros(ns + 2, dtype=np.intp)
    cdef intp_t[::1] start = start_array
    cdef intp_t* count
    cdef coord_t x1, y1, x2, y2
    with nogil:
        for i in range(n):
            x1 = boxes[i, t0]
            y1 = boxes[i, t1]
            x2 = boxes[i, t0 + 2]
            y2 = boxes[i, t1 + 2]
            if skip_empty and not (x1 < x2 and y1 < y2):
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
    passes = (total_bits + 10) // 11
    bits = (total_bits + passes - 1) // passes
    count = <intp_t*> malloc(((<intp_t> 1) << bits) * sizeof(intp_t))
    if count == NULL:
        raise MemoryError()
    with nogil:
        src = &keys[0] if n else NULL
        dst = &tmp[0] if n else NULL
        shift = 32
        for p in range(passes):
            radix_pass(src, dst, n, shift, bits, count)
            shift += bits
            swap = src
            src = dst
            dst = swap
        for i in range(ns):
            start[i + 1] += start[i]
    free(count)
    sorted_array = keys_array if passes % 2 == 0 else tmp_array
    cdef const uint64_t[::1] ordered = sorted_array
    m = start[ns]
    g = 0
    while m + g < n and (ordered[m + g] >> 32) == <uint64_t> giant_key:
        g += 1
    index_array = np.empty(m, dtype=np.uint32)
    q1_array = np.empty(m, dtype=np.int32)
    q2_array = np.empty(m, dtype=np.int32)
    coords_array = np.empty((4, m), dtype=np.asarray(boxes).dtype)
    giants_array = np.empty(g, dtype=np.intp)
    cdef uint32_t[::1] index = index_array
    cdef int32_t[::1] q1 = q1_array
    cdef int32_t[::1] q2 = q2_array
    cdef coord_t[:, ::1] coords = coords_array
    cdef intp_t[::1] giants = giants_array
    with nogil:
        for p in prange(m, schedule="static", num_threads=n_threads):
            if p + 16 < m:
                __builtin_prefetch(&boxes[<intp_t> (<uint32_t> ordered[p + 16]), 0])
            i = <intp_t> (<uint32_t> ordered[p])
            index[p] = <uint32_t> i
            q1[p] = <int32_t> cell_of(boxes[i, t0], ox, inv_q, nq)
            q2[p] = <int32_t> cell_of(boxes[i, t0 + 2], ox, inv_q, nq)
            coords[0, p] = boxes[i, t0]
            coords[1, p] = boxes[i, t1]
            coords[2, p] = boxes[i, t0 + 2]
            coords[3, p] = boxes[i, t1 + 2]
        for p in range(m):
            r = q2[p] - q1[p]
            if r > reach:
                reach = r
        for p in range(g):
            giants[p] = <intp_t> (<uint32_t> ordered[m + p])
    return {"start": start_array[:ns + 1], "index": index_array, "q1": q1_array, "q2": q2_array,
            "coords": coords_array, "giants": giants_array, "reach": reach}


cdef struct Strips:
    const intp_t* start
    const uint32_t* index
    const int32_t* q1
    const int32_t* q2
    intp_t m
    intp_t ns
    intp_t reach


cdef Strips strips_of(dict bins):
    cdef Strips s
    cdef const intp_t[::1] start = bins["start"]
    cdef const uint32_t[::1] index = bins["index"]
    cdef const int32_t[::1] q1 = bins["q1"]
    cdef const int32_t[::1] q2 = bins["q2"]
    s.start = &start[0]
    s.m = index.shape[0]
    s.index = &index[0] if s.m else NULL
    s.q1 = &q1[0] if s.m else NULL
    s.q2 = &q2[0] if s.m else NULL
    s.ns = start.shape[0] - 1
    s.reach = bins["reach"]
    return s


cdef inline bint emit(PackBuf* buf, uint64_t i, uint64_t j, bint ordered) noexcept nogil:
    return pack_push(buf, pack(i, j, ordered))


cdef void strip_self(Strips s, const coord_t* c, intp_t m, intp_t lo, intp_t hi, bint touching,
                     PackBuf* buf) noexcept nogil:
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
        if not pack_reserve(buf, hi - p):
            return
        data = buf.data
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
                      bint touching, bint ordered, PackBuf* buf) noexcept nogil:
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
        if not pack_reserve(buf, hi2 - q):
            return
        data = buf.data
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
        if not pack_reserve(buf, hi1 - q):
            return
        data = buf.data
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
                      bint touching, bint ordered, PackBuf* buf) noexcept nogil:
    """Pairs of one giant ``box`` (input frame) with the small boxes of ``s``."""
    cdef coord_t g[4]
    frame(box, transpose, g)
    cdef intp_t m = s.m, strip, first, last, lo, hi, mid, r
    cdef intp_t qlo = cell_of(g[0], ox, inv_q, nq) - s.reach
    cdef intp_t qhi = cell_of(g[2], ox, inv_q, nq)
    cdef uint64_t other
    cdef bint ok
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
        while r < hi and s.q1[r] <= qhi:
            if hit(g[0], g[1], g[2], g[3], c[r], c[m + r], c[2 * m + r], c[3 * m + r], touching):
                other = s.index[r]
                if giant_first:
                    ok = emit(buf, <uint64_t> gi, other, ordered)
                else:
                    ok = emit(buf, other, <uint64_t> gi, ordered)
                if not ok:
                    return
            r += 1


def strip_join(const coord_t[:, ::1] boxes1, dict bins1, const coord_t[:, ::1] coords1,
               const coord_t[:, ::1] boxes2, dict bins2, const coord_t[:, ::1] coords2,
               bint self_join, bint transpose, double ox, double inv_q, intp_t nq, double oy, double inv_s,
               bint touching, int n_threads):
    """Join binned sets; return the unsorted pairs as PairChunks (giant-giant pairs excluded).

    With ``self_join`` the two sets are one (pairs (min, max), i != j); otherwise
    pairs are (index in set 1, index in set 2) (the sets may be the same object).
    """
    cdef Strips s1 = strips_of(bins1)
    cdef Strips s2 = strips_of(bins2)
    cdef const intp_t[::1] giants1 = bins1["giants"]
    cdef const intp_t[::1] giants2 = bins2["giants"]
    cdef intp_t ns = s1.ns, g1 = giants1.shape[0], g2 = giants2.shape[0]
    cdef intp_t gc1 = (g1 + GIANT_CHUNK - 1) // GIANT_CHUNK
    cdef intp_t gc2 = 0 if self_join else (g2 + GIANT_CHUNK - 1) // GIANT_CHUNK
    cdef intp_t items = ns + gc1 + gc2, item, j, k, t, gi
    cdef const coord_t* c = &coords1[0, 0] if s1.m else NULL
    cdef const coord_t* d = &coords2[0, 0] if s2.m else NULL
    cdef PairChunks chunks = PairChunks(items)
    cdef PackBuf* bufs = chunks.bufs
    with nogil:
        for item in prange(items, schedule="dynamic", num_threads=n_threads):
            if item < ns:
                j = item
                if self_join:
                    strip_self(s1, c, s1.m, s1.start[j], s1.start[j + 1], touching, &bufs[item])
                    if j + 1 < ns:
                        strip_cross(s1, c, s1.m, s1.start[j], s1.start[j + 1],
                                    s1, c, s1.m, s1.start[j + 1], s1.start[j + 2],
                                    touching, True, &bufs[item])
                else:
                    for k in range(max(j - 1, 0), min(j + 2, ns)):
                        strip_cross(s1, c, s1.m, s1.start[j], s1.start[j + 1],
                                    s2, d, s2.m, s2.start[k], s2.start[k + 1],
                                    touching, False, &bufs[item])
            elif item < ns + gc1:
                for t in range((item - ns) * GIANT_CHUNK, min((item - ns + 1) * GIANT_CHUNK, g1)):
                    gi = giants1[t]
                    giant_query(&boxes1[gi, 0], transpose, gi, True, s2, d, ox, inv_q, nq, oy, inv_s, touching, self_join,
                                &bufs[item])
            else:
                for t in range((item - ns - gc1) * GIANT_CHUNK, min((item - ns - gc1 + 1) * GIANT_CHUNK, g2)):
                    gi = giants2[t]
                    giant_query(&boxes2[gi, 0], transpose, gi, False, s1, c, ox, inv_q, nq, oy, inv_s, touching, False,
                                &bufs[item])
    return chunks


def sort_pairs(PairChunks chunks, const uint64_t[::1] extra, intp_t n_rows, int n_threads, bint mirror=False,
               const uint8_t[::1] diagonal=None):
    """Return the packed pairs of ``chunks`` and ``extra`` as a lexicographically sorted (2, k) intp array.

    With ``mirror`` every pair of ``chunks`` also comes out swapped (not those of ``extra``);
    with ``diagonal`` (one flag per row) the pairs (r, r) of the flagged rows are added.
    """
    cdef intp_t inputs = chunks.total() + extra.shape[0]
    cdef intp_t n_diagonal = 0, r
    cdef const uint8_t* own = NULL
    if diagonal is not None:
        if diagonal.shape[0] != n_rows:
            raise ValueError(f"diagonal: expected {n_rows} flags, got {diagonal.shape[0]}")
        own = &diagonal[0] if n_rows else NULL
        for r in range(diagonal.shape[0]):
            n_diagonal += diagonal[r] != 0
    cdef intp_t k = inputs + (inputs - extra.shape[0] if mirror else 0) + n_diagonal
    cdef intp_t mirrored = chunks.count if mirror else 0
    out = np.empty((2, k), dtype=np.intp)
    if k == 0:
        return out
    cdef intp_t nseg = chunks.count + 1, shift = 0, nb, t, T = max(1, min(n_threads, 8)), largest = 0
    while (n_rows - 1) >> shift >= 2048:
        shift += 1
    nb = ((n_rows - 1) >> shift) + 1
    offsets_array = np.zeros((T, nb), dtype=np.intp)
    diagonal_counts_array = np.zeros(nb, dtype=np.intp)
    cdef intp_t[::1] diagonal_counts = diagonal_counts_array
    if own != NULL:
        for r in range(diagonal.shape[0]):
            diagonal_counts[r >> shift] += own[r] != 0
    bucket_start_array = np.zeros(nb + 1, dtype=np.intp)
    local_array = np.empty((T, ((<intp_t> 1) << shift) + 1), dtype=np.intp)
    cdef intp_t[:, ::1] offsets = offsets_array
    cdef intp_t[::1] bucket_start = bucket_start_array
    cdef intp_t[:, ::1] local = local_array
    cdef intp_t[:, ::1] result = out
    # The bucket pass writes into row 0 of the result (k slots of 8 bytes); each bucket
    # is then copied to a small per-thread buffer and counting-sorted into both rows.
    cdef uint64_t* staged = <uint64_t*> &result[0, 0]
    cdef const uint64_t** seg = <const uint64_t**> malloc(nseg * sizeof(uint64_t*))
    cdef intp_t* seglen = <intp_t*> malloc((nseg + 1) * sizeof(intp_t))
    cdef uint64_t* copies = NULL
    cdef intp_t s, b, running, c, i
    if seg == NULL or seglen == NULL:
        free(seg)
        free(seglen)
        raise MemoryError()
    for s in range(chunks.count):
        seg[s] = chunks.bufs[s].data
        seglen[s] = chunks.bufs[s].size
    seg[chunks.count] = &extra[0] if extra.shape[0] else NULL
    seglen[chunks.count] = extra.shape[0]
    with nogil:
        for t in prange(T, schedule="static", num_threads=T):
            _hist_range(seg, seglen, nseg, mirrored, inputs * t // T, inputs * (t + 1) // T, shift, &offsets[t, 0])
        running = 0
        for b in range(nb):
            bucket_start[b] = running
            for t in range(T):
                c = offsets[t, b]
                offsets[t, b] = running
                running += c
            running += diagonal_counts[b]  # the bucket's last slots, filled by _sort_bucket
            if running - bucket_start[b] > largest:
                largest = running - bucket_start[b]
        bucket_start[nb] = running
        copies = <uint64_t*> malloc(T * largest * sizeof(uint64_t))
        if copies != NULL:
            for t in prange(T, schedule="static", num_threads=T):
                _scatter_range(seg, seglen, nseg, mirrored, inputs * t // T, inputs * (t + 1) // T, shift,
                               &offsets[t, 0], staged)
            for b in prange(nb, schedule="dynamic", num_threads=T):
                _sort_bucket(staged, bucket_start[b], bucket_start[b + 1] - diagonal_counts[b], shift, b << shift,
                             own, n_rows, &local[threadid(), 0], copies + threadid() * largest, &result[0, 0], &result[1, 0])
    free(seg)
    free(seglen)
    if copies == NULL:
        raise MemoryError()
    free(copies)
    return out


cdef inline uint64_t swapped(uint64_t v) noexcept nogil:
    return (v << 32) | (v >> 32)


cdef void _hist_range(const uint64_t** seg, const intp_t* seglen, intp_t nseg, intp_t mirrored, intp_t lo,
                      intp_t hi, intp_t shift, intp_t* hist) noexcept nogil:
    """Bucket counts of inputs [lo, hi); inputs of the first ``mirrored`` segments count twice."""
    cdef intp_t s, base = 0, a, z, i
    for s in range(nseg):
        a = max(lo, base) - base
        z = min(hi, base + seglen[s]) - base
        for i in range(a, z):
            hist[(seg[s][i] >> 32) >> shift] += 1
            if s < mirrored:
                hist[(<uint32_t> seg[s][i]) >> shift] += 1
        base += seglen[s]


cdef void _scatter_range(const uint64_t** seg, const intp_t* seglen, intp_t nseg, intp_t mirrored, intp_t lo,
                         intp_t hi, intp_t shift, intp_t* cursor, uint64_t* dst) noexcept nogil:
    """Scatter inputs [lo, hi) into their buckets; those of the first ``mirrored`` segments also swapped."""
    cdef intp_t s, base = 0, a, z, i, b
    cdef uint64_t v
    for s in range(nseg):
        a = max(lo, base) - base
        z = min(hi, base + seglen[s]) - base
        for i in range(a, z):
            v = seg[s][i]
            b = (v >> 32) >> shift
            dst[cursor[b]] = v
            cursor[b] += 1
            if s < mirrored:
                v = swapped(v)
                b = (v >> 32) >> shift
                dst[cursor[b]] = v
                cursor[b] += 1
        base += seglen[s]


cdef void sort_row(intp_t* v, intp_t n) noexcept nogil:
    """Sort v[:n] ascending: insertion sort for short runs, quicksort (median of 3) otherwise."""
    cdef intp_t stack_lo[64]
    cdef intp_t stack_hi[64]
    cdef intp_t top = 0, lo, hi, i, j, mid, x, pivot
    stack_lo[0] = 0
    stack_hi[0] = n - 1
    top = 1
    while top > 0:
        top -= 1
        lo = stack_lo[top]
        hi = stack_hi[top]
        while hi - lo > 32:
            mid = lo + (hi - lo) // 2
            if v[mid] < v[lo]:
                v[mid], v[lo] = v[lo], v[mid]
            if v[hi] < v[lo]:
                v[hi], v[lo] = v[lo], v[hi]
            if v[hi] < v[mid]:
                v[hi], v[mid] = v[mid], v[hi]
            pivot = v[mid]
            i = lo
            j = hi
            while i <= j:
                while v[i] < pivot:
                    i += 1
                while v[j] > pivot:
                    j -= 1
                if i <= j:
                    v[i], v[j] = v[j], v[i]
                    i += 1
                    j -= 1
            # push the larger part, loop on the smaller (stack depth <= log2 n)
            if j - lo > hi - i:
                stack_lo[top] = lo
                stack_hi[top] = j
                top += 1
                lo = i
            else:
                stack_lo[top] = i
                stack_hi[top] = hi
                top += 1
                hi = j
        for i in range(lo + 1, hi + 1):
            x = v[i]
            j = i - 1
            while j >= lo and v[j] > x:
                v[j + 1] = v[j]
                j -= 1
            v[j + 1] = x


cdef void _sort_bucket(const uint64_t* staged, intp_t lo, intp_t hi, intp_t shift, intp_t row_base,
                       const uint8_t* own, intp_t n_rows, intp_t* count, uint64_t* src, intp_t* out0, intp_t* out1) noexcept nogil:
    """Counting-sort staged[lo:hi] by row0 (rows row_base + [0, 2**shift)) into out, then sort runs by row1.

    ``staged`` aliases ``out0``: the bucket is first copied to ``src`` (hi - lo slots). Rows
    flagged in ``own`` (if not NULL) also get their pair (r, r), in slots after ``hi``.
    """
    cdef intp_t rows = (<intp_t> 1) << shift, i, r, total = lo, c, j, run
    cdef uint64_t v
    cdef uint64_t mask = <uint64_t> (rows - 1)
    cdef intp_t value
    memcpy(src, staged + lo, (hi - lo) * sizeof(uint64_t))
    src -= lo
    memset(count, 0, (rows + 1) * sizeof(intp_t))
    for i in range(lo, hi):
        count[(src[i] >> 32) & mask] += 1
    for r in range(rows):
        if own != NULL and row_base + r < n_rows and own[row_base + r] != 0:
            out0[total] = row_base + r  # first in its run, which is sorted below
            out1[total] = row_base + r
            total += 1
        c = count[r]
        count[r] = total
        total += c
    for i in range(lo, hi):
        v = src[i]
        r = (v >> 32) & mask
        j = count[r]
        count[r] = j + 1
        out0[j] = row_base + r
        out1[j] = <intp_t> (<uint32_t> v)
    # count[r] is now the end of row r's run; sort each run by row1
    j = lo
    for r in range(rows):
        run = count[r] - j
        if run > 1:
            sort_row(out1 + j, run)
        j = count[r]


def box_extent(const coord_t[:, ::1] boxes):
    """Return (min x1, min y1, max x2, max y2) of all ``boxes`` as floats."""
    cdef intp_t n = boxes.shape[0], i
    cdef coord_t x0, y0, x1, y1
    if n == 0:
        return (0.0, 0.0, 0.0, 0.0)
    x0 = boxes[0, 0]
    y0 = boxes[0, 1]
    x1 = boxes[0, 2]
    y1 = boxes[0, 3]
    with nogil:
        for i in range(1, n):
            if boxes[i, 0] < x0:
                x0 = boxes[i, 0]
            if boxes[i, 1] < y0:
                y0 = boxes[i, 1]
            if boxes[i, 2] > x1:
                x1 = boxes[i, 2]
            if boxes[i, 3] > y1:
                y1 = boxes[i, 3]
    return (<double> x0, <double> y0, <double> x1, <double> y1)


def brute_pairs(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, bint self_join, bint touching):
    """All-pairs test for small inputs; return the (2, k) intp pairs already sorted lexicographically.

    With ``self_join`` the sets are one and only pairs i < j are reported. Under the
    strict rule zero-area boxes never pair. Both arrays have one dtype.
    """
    cdef int kind = box_kind(boxes1)
    if box_kind(boxes2) != kind:
        raise TypeError(f"expected boxes of one dtype, got {boxes1.dtype} and {boxes2.dtype}")
    if kind == 0:
        return brute_typed[int32_t](boxes1, boxes2, self_join, touching)
    if kind == 1:
        return brute_typed[int64_t](boxes1, boxes2, self_join, touching)
    if kind == 2:
        return brute_typed[float32_t](boxes1, boxes2, self_join, touching)
    return brute_typed[float64_t](boxes1, boxes2, self_join, touching)


cdef object brute_typed(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, bint self_join, bint touching):
    """``brute_pairs`` for one coordinate type: per box of ``boxes1``, one flag per box of
    ``boxes2`` from its coordinates column by column (a loop the compiler vectorises),
    then the flagged indices listed without branches."""
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0], i, j, c, j0, size = 0
    cdef cnp.npy_intp dims[2]
    cdef coord_t* columns = <coord_t*> malloc((4 * n2 + 1) * sizeof(coord_t))
    cdef uint8_t* usable = <uint8_t*> malloc(n2 + 1)  # may pair at all: any box if touching, else positive area
    cdef uint8_t* flags = <uint8_t*> malloc(n2 + 1)
    cdef intp_t* found = <intp_t*> malloc((n1 * n2 + 1) * sizeof(intp_t))  # per pair: j, in row order
    cdef intp_t* row_end = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))
    cdef const coord_t* x1 = columns
    cdef const coord_t* y1 = columns + n2
    cdef const coord_t* x2 = columns + 2 * n2
    cdef const coord_t* y2 = columns + 3 * n2
    cdef coord_t a0, a1, a2, a3
    cdef intp_t* out
    try:
        if columns == NULL or usable == NULL or flags == NULL or found == NULL or row_end == NULL:
            raise MemoryError()
        for j in range(n2):
            for c in range(4):
                columns[c * n2 + j] = boxes2[j, c]
            usable[j] = touching or (boxes2[j, 0] < boxes2[j, 2] and boxes2[j, 1] < boxes2[j, 3])
        for i in range(n1):
            a0 = boxes1[i, 0]
            a1 = boxes1[i, 1]
            a2 = boxes1[i, 2]
            a3 = boxes1[i, 3]
            j0 = i + 1 if self_join else 0
            if touching:
                for j in range(j0, n2):
                    flags[j] = (x1[j] <= a2) & (a0 <= x2[j]) & (y1[j] <= a3) & (a1 <= y2[j])
            elif a0 < a2 and a1 < a3:
                for j in range(j0, n2):
                    flags[j] = (x1[j] < a2) & (a0 < x2[j]) & (y1[j] < a3) & (a1 < y2[j]) & usable[j]
            else:
                j0 = n2
            for j in range(j0, n2):
                found[size] = j
                size += flags[j]
            row_end[i] = size
        dims[0] = 2
        dims[1] = size
        result = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INTP, 0)
        out = <intp_t*> cnp.PyArray_DATA(result)
        j = 0
        for i in range(n1):
            while j < row_end[i]:
                out[j] = i
                j += 1
        memcpy(out + size, found, size * sizeof(intp_t))
        return result
    finally:
        free(columns)
        free(usable)
        free(flags)
        free(found)
        free(row_end)

