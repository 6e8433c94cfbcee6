"""Tile cover: fixed-size tiles such that every box lies inside the tile it is assigned to.

Both sweeps visit the boxes sorted by ``(x1, y1)`` (ties by index) and keep open tiles,
each with a fixed right limit (its left edge plus the tile width) and the y-extent of
its members; a box joins the first (oldest) open tile that can still hold it.

* ``peer_cover`` is box-intersect-lib's ``efficient_coverage``, step for step: a box that
  fits no open tile opens one at its own corner.
* ``tile_cover`` runs that sweep and a *banded* one (both at once on two threads) and
  keeps the result with fewer tiles. In the banded sweep a box that fits no open tile
  waits in a band that starts at the first waiting box; when a box ends beyond the band
  (``x2 > band + width``) the waiting boxes get the fewest tiles that cover their
  y-ranges (greedy interval stabbing by y1, optimal in one dimension), and later boxes
  may join those tiles too.

When every box fits in one tile, that tile is the answer and neither sweep runs (one
tile is the fewest there can be; likewise the peer's sweep is skipped when the banded
one finds one tile).

The search for "the first open tile that holds the box" looks only at tiles whose
anchor (the y1 of a box they held when opened) lies within ``[y2 - H, y1 + H]``: open
tiles sit in buckets of height H by anchor, each bucket a list in opening order (a
``_buffer.Buffer`` of tile ids), so a box checks two or three buckets instead of every
open tile. When all anchors lie within four tile heights there are no buckets: the open
tiles are scanned in order. Buckets and the sort's blocks follow the one cell rule
(``_cells.cell_of``). Sorting is ``_sort.sort_words`` on packed ``x key | y key | index``
words when they fit in 64 bits, else ``_sort.radix_sort`` on key/value pairs: stable,
least significant digit first.

The ``def`` functions return ``(bad_row, result)``, where ``bad_row >= 0`` names the first
box larger than the tile (and nothing else is computed: the result is None).
"""

from cython.parallel cimport prange
from libc.math cimport floor
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memmove, memset

cimport numpy as cnp

from boxgeom._bits cimport bit_length
from boxgeom._buffer cimport Buffer, buffer_free, buffer_init, buffer_reserve
from boxgeom._cells cimport cell_of
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, box_kind, row_step
from boxgeom._sort cimport coord_key, radix_sort, sort_words
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint32_t, uint64_t

cnp.import_array()

# The arithmetic of a sweep: int64 for integer boxes, float64 for floating ones.
ctypedef fused num_t:
    int64_t
    float64_t

cdef enum:
    INT_TILE_BITS = 62        # integer tiles wider than 2**62 hold any box (int64 coordinates stay within +-2**61)
    MAX_BUCKETS = 8           # buckets a search may visit before it falls back to scanning every open tile
    MAX_SLOTS = 16384         # bucket lists at most (beyond, far-apart buckets share a list)
    SLOT_MINIMUM = 4          # the first capacity of a bucket list
    SERIAL_WITH_GIL = 4096    # below this many boxes the GIL is kept (releasing it costs more)

cdef enum:
    # Fields of one tile in Tiles.data.
    LIMIT = 0
    TOP = 1
    BOTTOM = 2
    HIGH = 3

cdef enum:
    # Which sweeps run.
    PEER = 0
    BANDED = 1
    BOTH = 2


cdef inline int64_t int_tile_floor(double size) noexcept nogil:
    """``floor(size)`` of a float tile size as an int64, clamped to 2**62 = ``1 << INT_TILE_BITS``
    (a larger integer tile holds any box all the same)."""
    return <int64_t> min(floor(size), <double> ((<int64_t> 1) << INT_TILE_BITS))


cdef inline int64_t int_tile_size(object size) except? -1:
    """A non-negative Python int tile size as an int64, clamped to 2**62 as ``int_tile_floor``
    does (the limit written out: Cython keeps it as one Python int, not one per call)."""
    return min(size, 4611686018427387904)


# --- tiles -----------------------------------------------------------------------------------


cdef struct Slot:
    # The tiles whose anchors fall in one bucket, oldest first: items first:size of
    # ``ids`` (intp tile ids; the ones before ``first`` are closed).
    intp_t first
    Buffer ids


cdef struct Tiles:
    # The tiles of one sweep (num_t values behind void*).
    intp_t count
    void* data       # 4 per tile: LIMIT (left edge + width), TOP (min member y1),
                     # BOTTOM (max member y2), HIGH (TOP + height: the largest y2 a member may have)
    void* corner_x   # left edge (in the block of data)
    Slot* slots      # bucket lists, n_slots of them (a power of two; none: scan every open tile)
    intp_t n_slots
    intp_t start     # tiles below this one are closed (for the scan of every open tile)
    bint failed


cdef bint tiles_init(Tiles* t, intp_t capacity, intp_t slots, size_t item) noexcept nogil:
    """Room for ``capacity`` tiles (at most one per box); False when out of memory."""
    cdef intp_t k
    memset(t, 0, sizeof(Tiles))
    capacity = capacity if capacity > 0 else 1
    t.n_slots = slots
    t.data = malloc(capacity * 5 * item)  # the fields, then the corners
    t.corner_x = (<char*> t.data) + capacity * 4 * item if t.data != NULL else NULL
    t.slots = <Slot*> calloc(slots, sizeof(Slot)) if slots else NULL
    if t.slots != NULL:
        for k in range(slots):
            buffer_init(&t.slots[k].ids, sizeof(intp_t), SLOT_MINIMUM)
    return t.data != NULL and (t.slots != NULL or not slots)


cdef void tiles_free(Tiles* t) noexcept nogil:
    cdef intp_t k
    if t.slots != NULL:
        for k in range(t.n_slots):
            buffer_free(&t.slots[k].ids)
    free(t.slots)
    free(t.data)
    memset(t, 0, sizeof(Tiles))


cdef inline int64_t bucket_of(double value, double base, double inverse) noexcept nogil:
    """The bucket of an anchor ``value``: ``cell_of`` with 4e18 + 1 cells, so buckets are
    not bounded in practice but always fit an int64 (bucket lists take them modulo their
    count)."""
    return cell_of(value, base, inverse, 4000000000000000001)


cdef inline void tiles_open(Tiles* t, num_t limit, num_t top, num_t bottom, num_t height, num_t cx,
                            double base, double inverse) noexcept nogil:
    """Append a tile and list it in the bucket of its anchor ``top`` (a member's y1: every
    later member has ``y2 - H <= top <= y1 + H``). Sets ``failed`` when out of memory."""
    cdef intp_t r = t.count
    cdef Slot* slot
    cdef Buffer* ids
    cdef num_t* d = (<num_t*> t.data) + 4 * r
    d[LIMIT] = limit
    d[TOP] = top
    d[BOTTOM] = bottom
    d[HIGH] = top + height
    (<num_t*> t.corner_x)[r] = cx
    t.count += 1
    if not t.n_slots:
        return
    slot = &t.slots[bucket_of(<double> top, base, inverse) & (t.n_slots - 1)]
    ids = &slot.ids
    if slot.first and ids.size == ids.capacity and slot.first * 2 >= ids.size:  # mostly closed: slide the rest down
        memmove(ids.data, (<intp_t*> ids.data) + slot.first, (ids.size - slot.first) * sizeof(intp_t))
        ids.size -= slot.first
        slot.first = 0
    if not buffer_reserve(ids, 1):
        t.failed = True
        return
    (<intp_t*> ids.data)[ids.size] = r
    ids.size += 1


cdef inline void tiles_join(Tiles* t, intp_t r, num_t y1, num_t y2, num_t height) noexcept nogil:
    cdef num_t* d = (<num_t*> t.data) + 4 * r
    if y1 < d[TOP]:
        d[TOP] = y1
        d[HIGH] = y1 + height
    if y2 > d[BOTTOM]:
        d[BOTTOM] = y2


cdef inline bint holds(const num_t* d, num_t y1, num_t x2, num_t y2, num_t high) noexcept nogil:
    """Can the tile with fields ``d`` take the box? ``high`` is the box's y1 + H.

    Written as the check a caller makes (every member's y2 <= corner y + H, in the
    coordinates' arithmetic), so float tiles hold their boxes after rounding; for
    integers it is exactly box-intersect-lib's feasible-region test. No branches: it
    runs on every open tile of a few buckets.
    """
    return (d[LIMIT] >= x2) & (((y1 >= d[TOP]) & (y2 <= d[HIGH])) |
                               ((y1 < d[TOP]) & (d[BOTTOM] <= high) & (y2 <= high)))


cdef inline intp_t tiles_scan(Tiles* t, num_t x1, num_t y1, num_t x2, num_t y2, num_t high) noexcept nogil:
    """The oldest tile that can take the box, or -1, by a scan of every tile from the
    first one still open (closed tiles further on fail ``holds``)."""
    cdef const num_t* data = <const num_t*> t.data
    cdef intp_t r
    while t.start < t.count and data[4 * t.start + LIMIT] < x1:
        t.start += 1
    for r in range(t.start, t.count):
        if holds(data + 4 * r, y1, x2, y2, high):
            return r
    return -1


cdef inline intp_t tiles_find(Tiles* t, num_t x1, num_t y1, num_t x2, num_t y2, num_t height,
                              double base, double inverse) noexcept nogil:
    """The oldest tile that can take the box, or -1.

    A tile whose limit is below x1 is closed for good (boxes come by increasing x1);
    each bucket drops the closed tiles at its front (for the peer's sweep, whose
    limits grow with the id, that is all of them; others fail ``holds``). The scan of
    a bucket stops at its first fit, or at a tile newer than the best so far.
    """
    cdef const num_t* data = <const num_t*> t.data
    cdef num_t high = y1 + height, lo_value, hi_value, slack
    cdef int64_t lo, hi, b
    cdef intp_t best = t.count, r, j, size, mask = t.n_slots - 1
    cdef Slot* slot
    cdef intp_t* ids
    if not t.n_slots:
        return tiles_scan(t, x1, y1, x2, y2, high)
    if num_t is int64_t:
        lo_value = y2 - height
        hi_value = high
    else:
        # widen by a few ulps: the anchor bound holds exactly, its float evaluation may round
        slack = ((y1 if y1 >= 0 else -y1) + (y2 if y2 >= 0 else -y2) + height) * 1e-15
        lo_value = (y2 - height) - slack
        hi_value = high + slack
    lo = bucket_of(<double> lo_value, base, inverse)
    hi = bucket_of(<double> hi_value, base, inverse)
    if hi - lo >= MAX_BUCKETS or hi - lo >= t.n_slots:
        return tiles_scan(t, x1, y1, x2, y2, high)
    for b in range(lo, hi + 1):
        slot = &t.slots[b & mask]
        ids = <intp_t*> slot.ids.data
        size = slot.ids.size
        j = slot.first
        while j < size and data[4 * ids[j] + LIMIT] < x1:
            j += 1
        slot.first = j
        while j < size and ids[j] < best:
            if holds(data + 4 * ids[j], y1, x2, y2, high):
                best = ids[j]
            else:
                j += 1
    return best if best < t.count else -1


cdef intp_t slots_for(double span) noexcept nogil:
    """Bucket lists for anchors spanning ``span`` buckets: none up to 4 buckets (a search
    would visit most of them: scanning the open tiles costs less), else a power of two
    in [8, MAX_SLOTS] (beyond that, far-apart buckets share a list)."""
    cdef intp_t slots = 8
    if span <= 4:
        return 0
    while slots < MAX_SLOTS and slots < span:
        slots *= 2
    return slots


# --- the two sweeps --------------------------------------------------------------------------


cdef intp_t sweep_peer(const coord_t* s, intp_t n, num_t width, num_t height, double base, double inverse,
                       intp_t slots, Tiles* t, intp_t* tile_of) noexcept nogil:
    """box-intersect-lib's sweep over the sorted rows ``s``; return the tile count or -1."""
    cdef intp_t p, r
    cdef num_t x1, y1, x2, y2
    if not tiles_init(t, n, slots, sizeof(num_t)):
        return -1
    for p in range(n):
        x1 = <num_t> s[4 * p]
        y1 = <num_t> s[4 * p + 1]
        x2 = <num_t> s[4 * p + 2]
        y2 = <num_t> s[4 * p + 3]
        r = tiles_find(t, x1, y1, x2, y2, height, base, inverse)
        if r < 0:
            r = t.count
            tiles_open(t, x1 + width, y1, y2, height, x1, base, inverse)
        else:
            tiles_join(t, r, y1, y2, height)
        tile_of[p] = r
    return -1 if t.failed else t.count


cdef intp_t sweep_banded(const coord_t* s, intp_t n, num_t width, num_t height, double base, double inverse,
                         intp_t slots, Tiles* t, intp_t* tile_of) noexcept nogil:
    """The banded sweep over the sorted rows ``s``; return the tile count or -1."""
    cdef intp_t p, r, waiting = 0, status = 0
    cdef num_t x1, y1, x2, y2, band = 0
    cdef intp_t* wait = <intp_t*> malloc(n * (2 * sizeof(intp_t) + 2 * sizeof(uint64_t)))
    cdef intp_t* vtmp = wait + n
    cdef uint64_t* keys = <uint64_t*> (vtmp + n)
    cdef uint64_t* ktmp = keys + n
    if wait == NULL or not tiles_init(t, n, slots, sizeof(num_t)):
        status = -1
    else:
        for p in range(n + 1):
            if p == n or (waiting and <num_t> s[4 * p + 2] > band + width):
                flush_band(s, wait, waiting, width, height, base, inverse, t, tile_of, keys, ktmp, vtmp)
                waiting = 0
            if p == n:
                break
            x1 = <num_t> s[4 * p]
            y1 = <num_t> s[4 * p + 1]
            x2 = <num_t> s[4 * p + 2]
            y2 = <num_t> s[4 * p + 3]
            r = tiles_find(t, x1, y1, x2, y2, height, base, inverse)
            if r < 0:
                if not waiting:
                    band = x1
                wait[waiting] = p
                waiting += 1
            else:
                tiles_join(t, r, y1, y2, height)
                tile_of[p] = r
    free(wait)
    return -1 if status < 0 or t.failed else t.count


cdef void flush_band(const coord_t* s, intp_t* wait, intp_t count, num_t width, num_t height, double base,
                     double inverse, Tiles* t, intp_t* tile_of, uint64_t* keys, uint64_t* ktmp,
                     intp_t* vtmp) noexcept nogil:
    """Cover the waiting rows (all within one band) with the fewest tiles in y: greedy by
    y1, a new tile when a box ends below top + H (``t.failed`` when out of memory)."""
    cdef intp_t k, p, members = 0
    cdef num_t top = 0, x_min = 0, y_max = 0
    if count == 0:
        return
    for k in range(count):
        keys[k] = coord_key(<num_t> s[4 * wait[k] + 1])
    radix_sort(keys, wait, count, ktmp, vtmp)
    for k in range(count + 1):
        p = wait[k] if k < count else -1
        if members and (p < 0 or <num_t> s[4 * p + 3] > top + height):
            tiles_open(t, x_min + width, top, y_max, height, x_min, base, inverse)
            members = 0
        if p < 0:
            break
        if members == 0:
            top = <num_t> s[4 * p + 1]
            x_min = <num_t> s[4 * p]
            y_max = <num_t> s[4 * p + 3]
        else:
            x_min = <num_t> s[4 * p] if <num_t> s[4 * p] < x_min else x_min
            y_max = <num_t> s[4 * p + 3] if <num_t> s[4 * p + 3] > y_max else y_max
        tile_of[p] = t.count
        members += 1


# --- entry points ----------------------------------------------------------------------------


cdef intp_t first_too_big(const coord_t* boxes, intp_t step, intp_t n, double width, double height, int64_t w_int,
                          int64_t h_int, bint exact) noexcept nogil:
    """First row whose size exceeds the tile: ``x2 - x1 > width`` in float64 (``check_fits_tile``'s
    rule), or in exact integers with ``exact`` (box-intersect-lib's rule). -1 if none."""
    cdef intp_t i
    cdef const coord_t* box
    for i in range(n):
        box = boxes + step * i
        if (coord_t is int32_t or coord_t is int64_t) and exact:
            if <int64_t> box[2] - <int64_t> box[0] > w_int or <int64_t> box[3] - <int64_t> box[1] > h_int:
                return i
        elif <double> box[2] - <double> box[0] > width or <double> box[3] - <double> box[1] > height:
            return i
    return -1


cdef intp_t prepare(const coord_t* boxes, intp_t step, intp_t n, intp_t* order, coord_t* s,
                    int n_threads) noexcept nogil:
    """Copy the rows (row i at ``boxes + step * i``) into ``s`` (4 values a row) sorted by
    (x1, y1), ties by index, and their indices into ``order``. Return -1 when out of memory.

    Two levels, so that main memory is streamed rather than read at random: the rows
    are scattered into blocks of consecutive x1 ranges (about 4096 rows each), then
    each block is sorted in cache (radix sort on packed ``x key | y key | position``
    words when they fit in 64 bits, else on y1 then x1). Blocks follow ``cell_of``.
    """
    cdef intp_t i, b, p, lo, hi, m, largest = 0, blocks = 1
    cdef uint64_t xmin = <uint64_t> -1, ymin = <uint64_t> -1, xmax = 0, ymax = 0, kx, ky
    cdef double low = <double> boxes[0], high = low, scale = 0, x
    cdef int xbits, ybits
    cdef intp_t one_block[2]
    cdef intp_t* starts = one_block
    cdef intp_t* failures
    cdef intp_t status = 0
    cdef void* scratch
    for i in range(n):
        kx = coord_key(boxes[step * i + 0])
        ky = coord_key(boxes[step * i + 1])
        xmin = kx if kx < xmin else xmin
        xmax = kx if kx > xmax else xmax
        ymin = ky if ky < ymin else ymin
        ymax = ky if ky > ymax else ymax
        x = <double> boxes[step * i + 0]
        low = x if x < low else low
        high = x if x > high else high
    xbits = bit_length(xmax - xmin)
    ybits = bit_length(ymax - ymin)
    while blocks < n // 4096 and blocks < 65536:
        blocks *= 2
    if high > low:
        scale = blocks / (high - low)
    if not (scale < 1e300):  # an infinite range of x1 (float64 extremes): one block
        scale = 0
    if blocks > 1:
        starts = <intp_t*> calloc(blocks + 1, sizeof(intp_t))
        if starts == NULL:
            return -1
    if blocks == 1:  # one block: the rows as they are
        for i in range(n):
            memcpy(s + 4 * i, boxes + step * i, 4 * sizeof(coord_t))
            order[i] = i
        starts[0] = largest = n
    else:
        for i in range(n):
            starts[cell_of(<double> boxes[step * i + 0], low, scale, blocks) + 1] += 1
        for b in range(blocks):
            starts[b + 1] += starts[b]
            largest = starts[b + 1] - starts[b] if starts[b + 1] - starts[b] > largest else largest
        for i in range(n):
            b = cell_of(<double> boxes[step * i + 0], low, scale, blocks)
            p = starts[b]
            starts[b] += 1
            memcpy(s + 4 * p, boxes + step * i, 4 * sizeof(coord_t))
            order[p] = i
    # starts[b] now ends block b
    if n_threads > 1 and blocks > 1:
        failures = <intp_t*> calloc(blocks, sizeof(intp_t))
        if failures == NULL:
            status = -1
        else:
            for b in prange(blocks, schedule="dynamic", num_threads=n_threads):
                failures[b] = sort_own_block(s, order, starts[b - 1] if b else 0, starts[b], xmin, xbits, ymin, ybits)
            for b in range(blocks):
                status = -1 if failures[b] < 0 else status
            free(failures)
        free(starts)
        return status
    scratch = malloc(largest * (4 * sizeof(uint64_t) + 4 * sizeof(coord_t)))
    if scratch == NULL:
        status = -1
    lo = 0
    for b in range(blocks):
        if status < 0:
            break
        hi = starts[b]
        m = hi - lo
        if m > 1:
            sort_block(s + 4 * lo, order + lo, m, xmin, xbits, ymin, ybits, scratch)
        lo = hi
    if starts != one_block:
        free(starts)
    free(scratch)
    return status


cdef intp_t sort_own_block(coord_t* s, intp_t* order, intp_t lo, intp_t hi, uint64_t xmin, int xbits,
                           uint64_t ymin, int ybits) noexcept nogil:
    """``sort_block`` on rows ``lo:hi`` with scratch of its own (for one thread of many)."""
    cdef intp_t m = hi - lo
    cdef void* scratch
    if m < 2:
        return 0
    scratch = malloc(m * (4 * sizeof(uint64_t) + 4 * sizeof(coord_t)))
    if scratch == NULL:
        return -1
    sort_block(s + 4 * lo, order + lo, m, xmin, xbits, ymin, ybits, scratch)
    free(scratch)
    return 0


cdef void sort_block(coord_t* s, intp_t* order, intp_t m, uint64_t xmin, int xbits, uint64_t ymin, int ybits,
                     void* scratch) noexcept nogil:
    """Sort the ``m`` rows of a block (and their indices) by (x1, y1), stable. ``scratch``
    holds ``m`` times 4 words and a row."""
    cdef uint64_t* keys = <uint64_t*> scratch
    cdef uint64_t* ktmp = keys + m
    cdef intp_t* local = <intp_t*> (ktmp + m)
    cdef intp_t* vtmp = local + m
    cdef coord_t* rows = <coord_t*> (vtmp + m)
    cdef intp_t k, j
    cdef int shift = bit_length(<uint64_t> (m - 1))
    cdef uint64_t positions = ((<uint64_t> 1) << shift) - 1
    if xbits + ybits + shift <= 64:  # x key | y key | position: distinct words, sorted on the key bits
        for k in range(m):
            keys[k] = (((coord_key(s[4 * k]) - xmin) << ybits | (coord_key(s[4 * k + 1]) - ymin)) << shift) | <uint64_t> k
        sort_words(keys, ktmp, m, shift, shift + xbits + ybits)
        for k in range(m):
            local[k] = <intp_t> (keys[k] & positions)
    elif xbits + ybits <= 64:
        for k in range(m):
            local[k] = k
            keys[k] = (((coord_key(s[4 * k]) - xmin) << ybits) if ybits < 64 else 0) | (coord_key(s[4 * k + 1]) - ymin)
        radix_sort(keys, local, m, ktmp, vtmp)
    else:
        for k in range(m):
            local[k] = k
            keys[k] = coord_key(s[4 * k + 1])
        radix_sort(keys, local, m, ktmp, vtmp)
        for k in range(m):
            keys[k] = coord_key(s[4 * local[k]])
        radix_sort(keys, local, m, ktmp, vtmp)
    memcpy(rows, s, m * 4 * sizeof(coord_t))
    memcpy(vtmp, order, m * sizeof(intp_t))
    for k in range(m):
        j = local[k]
        s[4 * k] = rows[4 * j]
        s[4 * k + 1] = rows[4 * j + 1]
        s[4 * k + 2] = rows[4 * j + 2]
        s[4 * k + 3] = rows[4 * j + 3]
        order[k] = vtmp[j]


cdef intp_t slot_count(const coord_t* s, intp_t n, double* base, double* inverse, double height) noexcept nogil:
    """Set the bucket origin (the lowest y1) and scale (1 / height, or 1 for a zero height);
    return the number of bucket lists (``slots_for`` the buckets the anchors span)."""
    cdef intp_t p
    cdef double low = s[1], top = s[1], value
    for p in range(n):
        value = s[4 * p + 1]
        low = value if value < low else low
        top = value if value > top else top
    base[0] = low
    inverse[0] = 1.0 / height if height > 0 else 1.0
    return slots_for(<double> bucket_of(top, low, inverse[0]) + 1)


cdef bint one_tile(const coord_t* boxes, intp_t step, intp_t n, num_t width, num_t height, bint peer, num_t* x_min,
                   num_t* y_min, num_t* y_max, bint sizes=False) noexcept nogil:
    """Do all the boxes fit in one tile at ``(x_min, y_min)`` (and, for the peer's corner, at
    ``(x_min, y_max - height)``)? Sets the extremes. The test is the one ``holds`` makes
    of every box; for floating boxes the peer's sweep may round differently, so
    ``peer`` asks this of integer boxes only. ``sizes``: the rows are (x, y, w, h). Row i
    starts at ``boxes + step * i``. Stops (False) at the first box that widens the extent
    beyond the tile."""
    cdef intp_t i
    cdef num_t x_high, x2, y2
    cdef const coord_t* box
    if peer and not num_t is int64_t:
        return False
    x_min[0] = x_high = <num_t> boxes[0]
    y_min[0] = <num_t> boxes[1]
    y_max[0] = <num_t> boxes[3] + (<num_t> boxes[1] if sizes else 0)
    for i in range(n):
        box = boxes + step * i
        x2 = <num_t> box[2] + (<num_t> box[0] if sizes else 0)
        y2 = <num_t> box[3] + (<num_t> box[1] if sizes else 0)
        x_min[0] = <num_t> box[0] if <num_t> box[0] < x_min[0] else x_min[0]
        y_min[0] = <num_t> box[1] if <num_t> box[1] < y_min[0] else y_min[0]
        x_high = x2 if x2 > x_high else x_high
        y_max[0] = y2 if y2 > y_max[0] else y_max[0]
        if not (x_min[0] + width >= x_high and y_min[0] + height >= y_max[0]):  # the final test: monotonic
            return False
    return x_min[0] + width >= x_high and y_min[0] + height >= y_max[0] and y_max[0] - height <= y_min[0]


cdef int sort_and_sweep(const coord_t* boxes, intp_t step, intp_t n, num_t width, num_t height, int sweeps,
                        int n_threads, intp_t* order, coord_t* s, intp_t* tile_of, Tiles* tiles,
                        intp_t* counts) noexcept nogil:
    """Sort the rows into ``order`` and ``s``, then run the sweeps (``run``); -1 when out of memory.

    When every box fits in one tile, that tile is the answer of either sweep: no sweep
    runs, and no sort unless the peer's member order is asked for."""
    cdef double base = 0, inverse = 1
    cdef intp_t slots, k, p
    cdef num_t x_min, y_min, y_max
    if one_tile(boxes, step, n, width, height, sweeps == PEER, &x_min, &y_min, &y_max):
        k = 0 if sweeps == PEER else 1
        if sweeps == PEER:
            if prepare(boxes, step, n, order, s, n_threads) < 0:
                return -1
        else:
            for p in range(n):
                order[p] = p
        if not tiles_init(&tiles[k], 1, 0, sizeof(num_t)):
            return -1
        tiles_open(&tiles[k], x_min + width, y_min, y_max, height, x_min, base, inverse)
        memset(tile_of + k * n, 0, n * sizeof(intp_t))
        counts[0] = counts[1] = 1
        return 0
    if prepare(boxes, step, n, order, s, n_threads) < 0:
        return -1
    slots = slot_count(s, n, &base, &inverse, <double> height)
    if sweeps == BOTH and n_threads > 1:
        for k in prange(2, num_threads=2, schedule="static", chunksize=1):
            if k == 0:
                counts[0] = sweep_peer(s, n, width, height, base, inverse, slots, &tiles[0], tile_of)
            else:
                counts[1] = sweep_banded(s, n, width, height, base, inverse, slots, &tiles[1], tile_of + n)
    else:
        if sweeps != PEER:
            counts[1] = sweep_banded(s, n, width, height, base, inverse, slots, &tiles[1], tile_of + n)
        if sweeps == PEER or (sweeps == BOTH and counts[1] > 1):  # one tile is the fewest there can be
            counts[0] = sweep_peer(s, n, width, height, base, inverse, slots, &tiles[0], tile_of)
        else:
            counts[0] = counts[1]
    return 0


cdef object run(const coord_t* boxes, intp_t step, intp_t n, num_t width, num_t height, int sweeps, int n_threads):
    """Sort, sweep and return ``(tiles, indptr, indices)``, or for PEER box-intersect-lib's
    list of ``((x, y), members)``.

    ``sweeps``: PEER (box-intersect-lib's output: its corners, members in sweep order),
    BANDED, or BOTH (the one with fewer tiles, ties to the banded one); tile_cover's
    output has members by ascending index. With BOTH and ``n_threads > 1`` the two
    sweeps run at once.
    """
    cdef intp_t k, chosen
    # three blocks, not one: glibc serves blocks of up to 32 MiB from its heap once
    # freed, while larger ones are mapped afresh (page faults) at every call
    cdef intp_t* order = <intp_t*> malloc(max(n, 1) * sizeof(intp_t))
    cdef intp_t* tile_of = <intp_t*> malloc(max(n, 1) * 2 * sizeof(intp_t))  # two halves: one per sweep
    cdef coord_t* s = <coord_t*> malloc(max(n, 1) * 4 * sizeof(coord_t))
    cdef Tiles tiles[2]
    cdef intp_t counts[2]
    cdef bint failed = order == NULL or tile_of == NULL or s == NULL
    memset(tiles, 0, sizeof(tiles))
    counts[0] = counts[1] = 0
    try:
        if not failed and n:
            if n >= SERIAL_WITH_GIL:
                with nogil:
                    failed = sort_and_sweep(boxes, step, n, width, height, sweeps, n_threads, order, s, tile_of,
                                            tiles, counts) < 0
            else:
                failed = sort_and_sweep(boxes, step, n, width, height, sweeps, n_threads, order, s, tile_of,
                                        tiles, counts) < 0
        if failed or counts[0] < 0 or counts[1] < 0:
            raise MemoryError()
        if sweeps == PEER:
            return coverage_list(<const num_t*> tiles[0].data, <const num_t*> tiles[0].corner_x, counts[0], tile_of,
                                 order, n, height, tile_of + n)
        chosen = 1 if sweeps == BANDED or counts[1] <= counts[0] else 0
        # the other sweep's half of tile_of is free now
        return tile_arrays(<const num_t*> tiles[chosen].data, <const num_t*> tiles[chosen].corner_x, counts[chosen],
                           tile_of + chosen * n, order, n, tile_of + (1 - chosen) * n, n_threads)
    finally:
        free(order)
        free(tile_of)
        free(s)
        for k in range(2):
            tiles_free(&tiles[k])


cdef void fill_groups(const intp_t* tile_of, const intp_t* order, intp_t n, intp_t count, intp_t* by_index,
                      int n_threads, int64_t* indptr, intp_t* indices) noexcept nogil:
    """``indptr`` (zeroed, count + 1) and ``indices`` (n) of the members of each tile by
    ascending index; ``by_index`` (n) is scratch."""
    cdef intp_t p, t, i
    for p in range(n):
        indptr[tile_of[p] + 1] += 1
    for t in range(count):
        indptr[t + 1] += indptr[t]
    if n_threads > 1:
        for p in prange(n, schedule="static", num_threads=n_threads):
            by_index[order[p]] = tile_of[p]
    else:
        for p in range(n):
            by_index[order[p]] = tile_of[p]
    for i in range(n):  # indptr[t] runs through tile t's slice, ending at the start of tile t + 1
        t = by_index[i]
        indices[indptr[t]] = i
        indptr[t] += 1
    for t in range(count, 0, -1):
        indptr[t] = indptr[t - 1]
    indptr[0] = 0


cdef object tile_arrays(const num_t* data, const num_t* xs, intp_t count, const intp_t* tile_of,
                        const intp_t* order, intp_t n, intp_t* by_index, int n_threads):
    """tile_cover's result from a sweep's ``count`` tiles (fields ``data``, corners ``xs``):
    corners ``(left edge, top)`` and the CSR of the members of each tile by ascending
    index (``tile_of[p]`` is the tile of box ``order[p]``; ``by_index``, room for n
    entries, is scratch)."""
    cdef intp_t k
    cdef cnp.npy_intp dims[2]
    cdef num_t* view
    cdef int64_t* indptr
    cdef intp_t* indices
    dims[0] = count
    dims[1] = 2
    corners = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INT64 if num_t is int64_t else cnp.NPY_FLOAT64, 0)
    view = <num_t*> cnp.PyArray_DATA(corners)
    for k in range(count):
        view[2 * k] = xs[k]
        view[2 * k + 1] = data[4 * k + TOP]  # the top of the highest member
    dims[0] = count + 1
    indptr_array = cnp.PyArray_ZEROS(1, dims, cnp.NPY_INT64, 0)
    dims[0] = n
    indices_array = cnp.PyArray_EMPTY(1, dims, cnp.NPY_INTP, 0)
    indptr = <int64_t*> cnp.PyArray_DATA(indptr_array)
    indices = <intp_t*> cnp.PyArray_DATA(indices_array)
    if n >= SERIAL_WITH_GIL:
        with nogil:
            fill_groups(tile_of, order, n, count, by_index, n_threads, indptr, indices)
    else:
        fill_groups(tile_of, order, n, count, by_index, n_threads, indptr, indices)
    return corners, indptr_array, indices_array


cdef list coverage_list(const num_t* data, const num_t* xs, intp_t count, const intp_t* tile_of,
                        const intp_t* order, intp_t n, num_t height, intp_t* cursor):
    """box-intersect-lib's output from the peer sweep's ``count`` tiles (fields ``data``,
    corners ``xs``): ``((x, y), members)`` per tile, with ``y`` pushed up to the lowest
    member and members a uint32 array in sweep order (``cursor``, room for n entries, is
    scratch)."""
    cdef intp_t k, p
    cdef cnp.npy_intp length
    cdef uint32_t** out = <uint32_t**> malloc(max(count, 1) * sizeof(uint32_t*))
    if out == NULL:
        raise MemoryError()
    try:
        memset(cursor, 0, count * sizeof(intp_t))
        for p in range(n):
            cursor[tile_of[p]] += 1
        result = [None] * count
        for k in range(count):
            length = cursor[k]
            members = cnp.PyArray_EMPTY(1, &length, cnp.NPY_UINT32, 0)
            out[k] = <uint32_t*> cnp.PyArray_DATA(members)
            result[k] = ((xs[k], data[4 * k + BOTTOM] - height), members)
        for p in range(n):
            out[tile_of[p]][0] = <uint32_t> order[p]
            out[tile_of[p]] += 1
        return result
    finally:
        free(out)


def tile_cover(cnp.ndarray boxes not None, double width, double height, bint both, int n_threads):
    """Cover xyxy ``boxes`` (an (n, 4) array of int32, int64, float32 or float64,
    C-contiguous or row-strided: ``_kinds.has_rows``) with ``width x height`` tiles by the
    banded sweep, or with ``both`` by the better of the two sweeps (on two threads when
    ``n_threads > 1``).

    Returns ``(bad_row, cover)``: ``bad_row`` is the first box whose float64 size exceeds
    the tile (``check_fits_tile``'s rule) or -1, and ``cover`` is None or ``(tiles, indptr,
    indices)``. Tiles are int64 corners of ``floor(width) x floor(height)`` tiles for
    integer boxes, float64 corners for floating ones; members are listed by ascending index.
    """
    cdef int kind = box_kind(boxes, True)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0), step = row_step(boxes)
    cdef void* data = cnp.PyArray_DATA(boxes)
    cdef int sweeps = BOTH if both else BANDED
    cdef int64_t w_int = int_tile_floor(width)
    cdef int64_t h_int = int_tile_floor(height)
    if kind == KIND_INT32:
        return cover(<const int32_t*> data, step, n, width, height, w_int, h_int, sweeps, n_threads, False)
    if kind == KIND_INT64:
        return cover(<const int64_t*> data, step, n, width, height, w_int, h_int, sweeps, n_threads, False)
    if kind == KIND_FLOAT32:
        return cover(<const float32_t*> data, step, n, width, height, w_int, h_int, sweeps, n_threads, False)
    return cover(<const float64_t*> data, step, n, width, height, w_int, h_int, sweeps, n_threads, False)


def peer_cover(cnp.ndarray boxes not None, width, height):
    """box-intersect-lib's ``efficient_coverage`` sweep over xyxy ``boxes``.

    ``width`` and ``height`` are non-negative ints. Returns ``(bad_row, coverage)``:
    ``bad_row`` is the first box with ``x2 - x1 > width`` or ``y2 - y1 > height`` (exact
    for integers) or -1, and ``coverage`` is None or the peer's list of ``((x, y),
    members)``: tiles in opening order, corners as Python ints (floats for floating
    boxes), members a uint32 array in sweep order.
    """
    cdef int kind = box_kind(boxes, True)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0), step = row_step(boxes)
    cdef void* data = cnp.PyArray_DATA(boxes)
    cdef int64_t w_int = int_tile_size(width)
    cdef int64_t h_int = int_tile_size(height)
    cdef double w = w_int, h = h_int
    if kind == KIND_INT32:
        return cover(<const int32_t*> data, step, n, w, h, w_int, h_int, PEER, 1, True)
    if kind == KIND_INT64:
        return cover(<const int64_t*> data, step, n, w, h, w_int, h_int, PEER, 1, True)
    if kind == KIND_FLOAT32:
        return cover(<const float32_t*> data, step, n, w, h, w_int, h_int, PEER, 1, True)
    return cover(<const float64_t*> data, step, n, w, h, w_int, h_int, PEER, 1, True)


def peer_one_tile(cnp.ndarray boxes not None, width, height):
    """box-intersect-lib's coverage of checked xywh ``boxes`` (an (n, 4) array of int32 or
    int64 with ``_kinds.has_rows``) when all fit in one ``width x height`` tile
    (non-negative ints), read as they are (no xyxy copy): ``[((x, y), members)]`` as
    :func:`peer_cover` gives.
    None for floating boxes, no boxes, a size <= 0 or more than one tile: the general
    path then answers, or raises."""
    cdef int kind = box_kind(boxes, True)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0), step = row_step(boxes)
    cdef void* data = cnp.PyArray_DATA(boxes)
    cdef int64_t w = int_tile_size(width), h = int_tile_size(height)
    if kind == KIND_INT32:
        return one_tile_sizes(<const int32_t*> data, step, n, w, h)
    if kind == KIND_INT64:
        return one_tile_sizes(<const int64_t*> data, step, n, w, h)
    return None


cdef object one_tile_sizes(const coord_t* boxes, intp_t step, intp_t n, int64_t width, int64_t height):
    """``peer_one_tile`` for integer rows (x, y, w, h): sizes checked, one tile tested, the
    members sorted by (x, y), ties by index, as the peer's sweep meets them."""
    cdef intp_t i
    cdef int64_t x_min, y_min, y_max
    cdef cnp.npy_intp length = n
    cdef uint32_t* view
    cdef intp_t* order
    cdef coord_t* s
    if n == 0 or not one_tile(boxes, step, n, width, height, True, &x_min, &y_min, &y_max, True):
        return None
    for i in range(n):
        if boxes[step * i + 2] <= 0 or boxes[step * i + 3] <= 0:
            return None
    order = <intp_t*> malloc(n * sizeof(intp_t))
    s = <coord_t*> malloc(n * 4 * sizeof(coord_t))
    try:
        if order == NULL or s == NULL or prepare(boxes, step, n, order, s, 1) < 0:  # (x, y) lead both layouts
            raise MemoryError()
        members = cnp.PyArray_EMPTY(1, &length, cnp.NPY_UINT32, 0)
        view = <uint32_t*> cnp.PyArray_DATA(members)
        for i in range(n):
            view[i] = <uint32_t> order[i]
        return [((x_min, y_max - height), members)]
    finally:
        free(order)
        free(s)


cdef object cover(const coord_t* boxes, intp_t step, intp_t n, double width, double height, int64_t w_int,
                  int64_t h_int, int sweeps, int n_threads, bint exact):
    """The size check (float64, or exact integers with ``exact``), then the sweeps in the
    boxes' arithmetic (int64 tiles of ``w_int x h_int`` for integers); box i at
    ``boxes + step * i``."""
    cdef intp_t bad
    if n >= SERIAL_WITH_GIL:
        with nogil:
            bad = first_too_big(boxes, step, n, width, height, w_int, h_int, exact)
    else:
        bad = first_too_big(boxes, step, n, width, height, w_int, h_int, exact)
    if bad >= 0:
        return bad, None
    if coord_t is int32_t or coord_t is int64_t:
        return -1, run(boxes, step, n, w_int, h_int, sweeps, n_threads)
    else:
        return -1, run(boxes, step, n, width, height, sweeps, n_threads)
