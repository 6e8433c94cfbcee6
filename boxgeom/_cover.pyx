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

The search for "the first open tile that holds the box" looks only at tiles whose
anchor (the y1 of a box they held when opened) lies within ``[y2 - H, y1 + H]``: open
tiles sit in buckets of height H by anchor, each bucket a list in opening order, so a
box checks two or three buckets instead of every open tile. Sorting is a radix sort
(least significant digit first, on packed ``key << bits | index`` words when they fit in
64 bits, else on key/value pairs), stable.

The ``def`` functions return ``(bad_row, tiles, indptr, indices)``, where ``bad_row >= 0``
names the first box larger than the tile (and nothing else is computed: no tiles).
"""

from cython.parallel cimport prange
from libc.math cimport floor
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._kinds cimport box_kind
from boxgeom._radix cimport bit_length, float_key, int_key, radix_sort
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint32_t, uint64_t

cnp.import_array()

# The arithmetic of a sweep: int64 for integer boxes, float64 for floating ones.
ctypedef fused num_t:
    int64_t
    float64_t

# Integer tiles wider than this hold any box (int64 coordinates stay within +-2**61).
DEF INT_TILE_LIMIT = 4611686018427387904  # 2**62
# Buckets a search may visit before it falls back to scanning every open tile.
DEF MAX_BUCKETS = 8
DEF MAX_SLOTS = 16384
DEF SERIAL_WITH_GIL = 4096  # below this many boxes the GIL is kept (releasing it costs more)
# Fields of one tile in Tiles.data.
DEF LIMIT = 0
DEF TOP = 1
DEF BOTTOM = 2
DEF HIGH = 3
# Which sweeps run.
DEF PEER = 0
DEF BANDED = 1
DEF BOTH = 2


# --- keys and radix sorts --------------------------------------------------------------------


cdef inline uint64_t ukey(num_t value) noexcept nogil:
    """Order-preserving map to uint64 (finite values; -0.0 and 0.0 share a key)."""
    if num_t is int64_t:
        return int_key(value)
    else:
        return float_key(value)


cdef inline uint64_t coord_key(coord_t value) noexcept nogil:
    if coord_t is int32_t or coord_t is int64_t:
        return ukey(<int64_t> value)
    else:
        return ukey(<double> value)


# --- tiles -----------------------------------------------------------------------------------


cdef struct Slot:
    # The open tiles whose anchors fall in one bucket, oldest first.
    intp_t* ids
    intp_t size, capacity


cdef struct Tiles:
    # The tiles of one sweep (num_t values behind void*).
    intp_t count
    void* data       # 4 per tile: LIMIT (left edge + width), TOP (min member y1),
                     # BOTTOM (max member y2), HIGH (TOP + height: the largest y2 a member may have)
    void* corner_x   # left edge
    Slot* slots      # bucket lists, n_slots of them (a power of two)
    intp_t n_slots
    intp_t start     # tiles below this one are closed (for the scan of every open tile)
    bint failed


cdef bint tiles_init(Tiles* t, intp_t capacity, intp_t slots, size_t item) noexcept nogil:
    """Room for ``capacity`` tiles (at most one per box); False when out of memory."""
    memset(t, 0, sizeof(Tiles))
    capacity = capacity if capacity > 0 else 1
    t.n_slots = slots
    t.data = malloc(capacity * 4 * item)
    t.corner_x = malloc(capacity * item)
    t.slots = <Slot*> calloc(slots, sizeof(Slot))
    return t.data != NULL and t.corner_x != NULL and t.slots != NULL


cdef void tiles_free(Tiles* t) noexcept nogil:
    cdef intp_t k
    if t.slots != NULL:
        for k in range(t.n_slots):
            free(t.slots[k].ids)
    free(t.slots)
    free(t.data)
    free(t.corner_x)
    memset(t, 0, sizeof(Tiles))


cdef inline int64_t bucket_of(num_t value, double base, double inverse) noexcept nogil:
    """Bucket ``floor((value - base) * inverse)`` in float64, clamped to [0, 4e18]: monotonic
    in ``value``, which is all the bucket lists need (every step rounds monotonically)."""
    cdef double t = (<double> value - base) * inverse
    if not (t > 0):
        return 0
    if not (t < 4.0e18):
        return 4000000000000000000
    return <int64_t> t  # truncation is floor for t > 0


cdef inline void tiles_open(Tiles* t, num_t limit, num_t top, num_t bottom, num_t height, num_t cx,
                            double base, double inverse) noexcept nogil:
    """Append a tile and list it in the bucket of its anchor ``top`` (a member's y1: every
    later member has ``y2 - H <= top <= y1 + H``). Sets ``failed`` when out of memory."""
    cdef intp_t r = t.count
    cdef Slot* slot = &t.slots[bucket_of(top, base, inverse) & (t.n_slots - 1)]
    cdef num_t* d = (<num_t*> t.data) + 4 * r
    cdef intp_t* grown
    d[LIMIT] = limit
    d[TOP] = top
    d[BOTTOM] = bottom
    d[HIGH] = top + height
    (<num_t*> t.corner_x)[r] = cx
    t.count += 1
    if slot.size == slot.capacity:
        grown = <intp_t*> realloc(slot.ids, (2 * slot.capacity + 4) * sizeof(intp_t))
        if grown == NULL:
            t.failed = True
            return
        slot.ids = grown
        slot.capacity = 2 * slot.capacity + 4
    slot.ids[slot.size] = r
    slot.size += 1


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


cdef inline intp_t tiles_find(Tiles* t, num_t x1, num_t y1, num_t x2, num_t y2, num_t height,
                              double base, double inverse) noexcept nogil:
    """The oldest tile that can take the box, or -1.

    A tile whose limit is below x1 is closed for good (boxes come by increasing x1); the
    scan of a bucket drops those as it goes.
    """
    cdef const num_t* data = <const num_t*> t.data
    cdef num_t high = y1 + height, lo_value, hi_value, slack
    cdef int64_t lo, hi, b
    cdef intp_t best = t.count, r, j, kept, mask = t.n_slots - 1
    cdef Slot* slot
    cdef intp_t* ids
    cdef bint fit
    if num_t is int64_t:
        lo_value = y2 - height
        hi_value = high
    else:
        # widen by a few ulps: the anchor bound holds exactly, its float evaluation may round
        slack = ((y1 if y1 >= 0 else -y1) + (y2 if y2 >= 0 else -y2) + height) * 1e-15
        lo_value = (y2 - height) - slack
        hi_value = high + slack
    lo = bucket_of(lo_value, base, inverse)
    hi = bucket_of(hi_value, base, inverse)
    if hi - lo >= MAX_BUCKETS or hi - lo >= t.n_slots:
        while t.start < t.count and data[4 * t.start + LIMIT] < x1:
            t.start += 1
        for r in range(t.start, t.count):
            if holds(data + 4 * r, y1, x2, y2, high):
                return r
        return -1
    for b in range(lo, hi + 1):
        slot = &t.slots[b & mask]
        ids = slot.ids
        kept = 0
        for j in range(slot.size):
            r = ids[j]
            fit = holds(data + 4 * r, y1, x2, y2, high)
            best = r if fit & (r < best) else best
            ids[kept] = r
            kept += data[4 * r + LIMIT] >= x1
        slot.size = kept
    return best if best < t.count else -1


cdef intp_t slots_for(double span) noexcept nogil:
    """Bucket lists for anchors spanning ``span`` buckets: a power of two in [4, MAX_SLOTS]
    (beyond that, far-apart buckets share a list)."""
    cdef intp_t slots = 4
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
    cdef intp_t* wait = <intp_t*> malloc(n * sizeof(intp_t))
    cdef intp_t* vtmp = <intp_t*> malloc(n * sizeof(intp_t))
    cdef uint64_t* keys = <uint64_t*> malloc(n * sizeof(uint64_t))
    cdef uint64_t* ktmp = <uint64_t*> malloc(n * sizeof(uint64_t))
    if wait == NULL or vtmp == NULL or keys == NULL or ktmp == NULL or not tiles_init(t, n, slots, sizeof(num_t)):
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
    free(vtmp)
    free(keys)
    free(ktmp)
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
        keys[k] = ukey(<num_t> s[4 * wait[k] + 1])
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


cdef intp_t first_too_big(const coord_t* boxes, intp_t n, double width, double height, int64_t w_int,
                          int64_t h_int, bint exact) noexcept nogil:
    """First row whose size exceeds the tile: ``x2 - x1 > width`` in float64 (``check_fits_tile``'s
    rule), or in exact integers with ``exact`` (box-intersect-lib's rule). -1 if none."""
    cdef intp_t i
    for i in range(n):
        if (coord_t is int32_t or coord_t is int64_t) and exact:
            if <int64_t> boxes[4 * i + 2] - <int64_t> boxes[4 * i + 0] > w_int or \
                    <int64_t> boxes[4 * i + 3] - <int64_t> boxes[4 * i + 1] > h_int:
                return i
        elif <double> boxes[4 * i + 2] - <double> boxes[4 * i + 0] > width or <double> boxes[4 * i + 3] - <double> boxes[4 * i + 1] > height:
            return i
    return -1


cdef inline intp_t block_of(double x, double low, double scale, intp_t blocks) noexcept nogil:
    """Block of x1 value ``x``: ``(x - low) * scale`` truncated, within [0, blocks); monotonic."""
    cdef double t = (x - low) * scale
    if not (t > 0):
        return 0
    if not (t < blocks):
        return blocks - 1
    return <intp_t> t


cdef intp_t prepare(const coord_t* boxes, intp_t n, intp_t* order, coord_t* s, int n_threads) noexcept nogil:
    """Copy the rows into ``s`` sorted by (x1, y1), ties by index, and their indices into
    ``order``. Return -1 when out of memory.

    Two levels, so that main memory is streamed rather than read at random: the rows
    are scattered into blocks of consecutive x1 ranges (about 4096 rows each), then
    each block is sorted in cache (radix sort on packed ``x key | y key | position``
    words when they fit in 64 bits, else on y1 then x1).
    """
    cdef intp_t i, b, p, lo, hi, m, largest = 0, blocks = 1
    cdef uint64_t xmin = <uint64_t> -1, ymin = <uint64_t> -1, xmax = 0, ymax = 0, kx, ky
    cdef double low = <double> boxes[0], high = low, scale = 0, x
    cdef int xbits, ybits
    cdef intp_t* starts
    cdef intp_t* failures
    cdef intp_t status = 0
    cdef uint64_t* keys
    cdef uint64_t* ktmp
    cdef intp_t* local
    cdef intp_t* vtmp
    cdef coord_t* rows
    for i in range(n):
        kx = coord_key(boxes[4 * i + 0])
        ky = coord_key(boxes[4 * i + 1])
        xmin = kx if kx < xmin else xmin
        xmax = kx if kx > xmax else xmax
        ymin = ky if ky < ymin else ymin
        ymax = ky if ky > ymax else ymax
        x = <double> boxes[4 * i + 0]
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
    starts = <intp_t*> calloc(blocks + 1, sizeof(intp_t))
    if starts == NULL:
        return -1
    if blocks == 1:  # one block: the rows as they are
        memcpy(s, boxes, 4 * n * sizeof(coord_t))
        for i in range(n):
            order[i] = i
        starts[0] = largest = n
    else:
        for i in range(n):
            starts[block_of(<double> boxes[4 * i + 0], low, scale, blocks) + 1] += 1
        for b in range(blocks):
            starts[b + 1] += starts[b]
            largest = starts[b + 1] - starts[b] if starts[b + 1] - starts[b] > largest else largest
        for i in range(n):
            b = block_of(<double> boxes[4 * i + 0], low, scale, blocks)
            p = starts[b]
            starts[b] += 1
            s[4 * p] = boxes[4 * i + 0]
            s[4 * p + 1] = boxes[4 * i + 1]
            s[4 * p + 2] = boxes[4 * i + 2]
            s[4 * p + 3] = boxes[4 * i + 3]
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
    keys = <uint64_t*> malloc(largest * sizeof(uint64_t))
    ktmp = <uint64_t*> malloc(largest * sizeof(uint64_t))
    local = <intp_t*> malloc(largest * sizeof(intp_t))
    vtmp = <intp_t*> malloc(largest * sizeof(intp_t))
    rows = <coord_t*> malloc(largest * 4 * sizeof(coord_t))
    if keys == NULL or ktmp == NULL or local == NULL or vtmp == NULL or rows == NULL:
        status = -1
    lo = 0
    for b in range(blocks):
        if status < 0:
            break
        hi = starts[b]
        m = hi - lo
        if m > 1:
            sort_block(s + 4 * lo, order + lo, m, xmin, xbits, ymin, ybits, keys, ktmp, local, vtmp, rows)
        lo = hi
    free(starts)
    free(keys)
    free(ktmp)
    free(local)
    free(vtmp)
    free(rows)
    return status


cdef intp_t sort_own_block(coord_t* s, intp_t* order, intp_t lo, intp_t hi, uint64_t xmin, int xbits,
                           uint64_t ymin, int ybits) noexcept nogil:
    """``sort_block`` on rows ``lo:hi`` with scratch of its own (for one thread of many)."""
    cdef intp_t m = hi - lo, status = -1
    cdef uint64_t* keys
    cdef uint64_t* ktmp
    cdef intp_t* local
    cdef intp_t* vtmp
    cdef coord_t* rows
    if m < 2:
        return 0
    keys = <uint64_t*> malloc(m * sizeof(uint64_t))
    ktmp = <uint64_t*> malloc(m * sizeof(uint64_t))
    local = <intp_t*> malloc(m * sizeof(intp_t))
    vtmp = <intp_t*> malloc(m * sizeof(intp_t))
    rows = <coord_t*> malloc(m * 4 * sizeof(coord_t))
    if keys != NULL and ktmp != NULL and local != NULL and vtmp != NULL and rows != NULL:
        sort_block(s + 4 * lo, order + lo, m, xmin, xbits, ymin, ybits, keys, ktmp, local, vtmp, rows)
        status = 0
    free(keys)
    free(ktmp)
    free(local)
    free(vtmp)
    free(rows)
    return status


cdef void sort_block(coord_t* s, intp_t* order, intp_t m, uint64_t xmin, int xbits, uint64_t ymin, int ybits,
                     uint64_t* keys, uint64_t* ktmp, intp_t* local, intp_t* vtmp, coord_t* rows) noexcept nogil:
    """Sort the ``m`` rows of a block (and their indices) by (x1, y1), stable. The last five
    arguments are scratch for ``m`` entries."""
    cdef intp_t k, j
    for k in range(m):
        local[k] = k
    if xbits + ybits <= 64:
        for k in range(m):
            keys[k] = (((coord_key(s[4 * k]) - xmin) << ybits) if ybits < 64 else 0) | (coord_key(s[4 * k + 1]) - ymin)
        radix_sort(keys, local, m, ktmp, vtmp)
    else:
        for k in range(m):
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


cdef int sort_and_sweep(const coord_t* boxes, intp_t n, num_t width, num_t height, int sweeps, int n_threads,
                        intp_t* order, coord_t* s, intp_t* tile_of, Tiles* tiles, intp_t* counts) noexcept nogil:
    """Sort the rows into ``order`` and ``s``, then run the sweeps (``run``); -1 when out of memory."""
    cdef double base = 0, inverse = 1
    cdef intp_t slots, k
    if prepare(boxes, n, order, s, n_threads) < 0:
        return -1
    slots = slot_count(s, n, &base, &inverse, <double> height)
    if sweeps == BOTH and n_threads > 1:
        for k in prange(2, num_threads=2, schedule="static", chunksize=1):
            if k == 0:
                counts[0] = sweep_peer(s, n, width, height, base, inverse, slots, &tiles[0], tile_of)
            else:
                counts[1] = sweep_banded(s, n, width, height, base, inverse, slots, &tiles[1], tile_of + n)
    else:
        if sweeps != BANDED:
            counts[0] = sweep_peer(s, n, width, height, base, inverse, slots, &tiles[0], tile_of)
        if sweeps != PEER:
            counts[1] = sweep_banded(s, n, width, height, base, inverse, slots, &tiles[1], tile_of + n)
    return 0


cdef object run(const coord_t* boxes, intp_t n, num_t width, num_t height, int sweeps, int n_threads):
    """Sort, sweep and return ``(tiles, indptr, indices)``.

    ``sweeps``: PEER (box-intersect-lib's output: its corners, members in sweep order),
    BANDED, or BOTH (the one with fewer tiles, ties to the banded one); tile_cover's
    output has members by ascending index. With BOTH and ``n_threads > 1`` the two
    sweeps run at once.
    """
    cdef intp_t k, count, chosen
    cdef intp_t* order = <intp_t*> malloc(max(n, 1) * sizeof(intp_t))
    cdef coord_t* s = <coord_t*> malloc(max(n, 1) * 4 * sizeof(coord_t))
    cdef intp_t* tile_of = <intp_t*> malloc(max(n, 1) * 2 * sizeof(intp_t))
    cdef Tiles tiles[2]
    cdef intp_t counts[2]
    cdef cnp.npy_intp dims[2]
    cdef bint failed = order == NULL or s == NULL or tile_of == NULL
    cdef num_t* view
    cdef const num_t* xs
    cdef const num_t* data
    memset(tiles, 0, sizeof(tiles))
    counts[0] = counts[1] = 0
    try:
        if not failed and n:
            if n >= SERIAL_WITH_GIL:
                with nogil:
                    failed = sort_and_sweep(boxes, n, width, height, sweeps, n_threads, order, s, tile_of, tiles,
                                            counts) < 0
            else:
                failed = sort_and_sweep(boxes, n, width, height, sweeps, n_threads, order, s, tile_of, tiles,
                                        counts) < 0
        if failed or counts[0] < 0 or counts[1] < 0:
            raise MemoryError()
        chosen = 0 if sweeps == PEER or (sweeps == BOTH and counts[0] < counts[1]) else 1
        count = counts[chosen]
        dims[0] = count
        dims[1] = 2
        corners = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INT64 if num_t is int64_t else cnp.NPY_FLOAT64, 0)
        view = <num_t*> cnp.PyArray_DATA(corners)
        xs = <const num_t*> tiles[chosen].corner_x
        data = <const num_t*> tiles[chosen].data
        for k in range(count):
            view[2 * k] = xs[k]
            # tile_cover: the top of the highest member; the peer: pushed up to its lowest member
            view[2 * k + 1] = data[4 * k + BOTTOM] - height if sweeps == PEER else data[4 * k + TOP]
        # the other sweep's half of tile_of is free now
        indptr, indices = group(tile_of + chosen * n, order, n, count, sweeps == PEER, tile_of + (1 - chosen) * n,
                                n_threads)
        return corners, indptr, indices
    finally:
        free(order)
        free(s)
        free(tile_of)
        for k in range(2):
            tiles_free(&tiles[k])


cdef void fill_groups(const intp_t* tile_of, const intp_t* order, intp_t n, intp_t count, bint sweep_order,
                      intp_t* by_index, int n_threads, int64_t* indptr, intp_t* indices, int64_t* cursor) noexcept nogil:
    """The body of ``group``: ``indptr`` (zeroed, count + 1) and ``indices`` (n); ``cursor`` is scratch."""
    cdef intp_t p, t, i
    for p in range(n):
        indptr[tile_of[p] + 1] += 1
    for t in range(count):
        indptr[t + 1] += indptr[t]
        cursor[t] = indptr[t]
    if sweep_order:
        for p in range(n):
            t = tile_of[p]
            indices[cursor[t]] = order[p]
            cursor[t] += 1
    else:
        if n_threads > 1:
            for p in prange(n, schedule="static", num_threads=n_threads):
                by_index[order[p]] = tile_of[p]
        else:
            for p in range(n):
                by_index[order[p]] = tile_of[p]
        for i in range(n):
            t = by_index[i]
            indices[cursor[t]] = i
            cursor[t] += 1


cdef object group(const intp_t* tile_of, const intp_t* order, intp_t n, intp_t count, bint sweep_order,
                  intp_t* by_index, int n_threads):
    """CSR of the members of each tile. ``tile_of[p]`` is the tile of box ``order[p]``.
    Members are listed in sweep order (``sweep_order``) or by ascending index (then
    ``by_index``, room for n entries, is scratch)."""
    cdef cnp.npy_intp length = count + 1
    indptr_array = cnp.PyArray_ZEROS(1, &length, cnp.NPY_INT64, 0)
    length = n
    indices_array = cnp.PyArray_EMPTY(1, &length, cnp.NPY_INTP, 0)
    cdef int64_t* indptr = <int64_t*> cnp.PyArray_DATA(indptr_array)
    cdef intp_t* indices = <intp_t*> cnp.PyArray_DATA(indices_array)
    cdef int64_t* cursor = <int64_t*> malloc(max(count, 1) * sizeof(int64_t))
    if cursor == NULL:
        raise MemoryError()
    if n >= SERIAL_WITH_GIL:
        with nogil:
            fill_groups(tile_of, order, n, count, sweep_order, by_index, n_threads, indptr, indices, cursor)
    else:
        fill_groups(tile_of, order, n, count, sweep_order, by_index, n_threads, indptr, indices, cursor)
    free(cursor)
    return indptr_array, indices_array


def tile_cover(cnp.ndarray boxes not None, double width, double height, bint both, int n_threads):
    """Cover xyxy ``boxes`` (a C-contiguous (n, 4) array of int32, int64, float32 or
    float64) with ``width x height`` tiles by the banded sweep, or with ``both`` by the
    better of the two sweeps (on two threads when ``n_threads > 1``).

    Returns ``(bad_row, tiles, indptr, indices)``: ``bad_row`` is the first box whose
    float64 size exceeds the tile (``check_fits_tile``'s rule) or -1. Tiles are int64
    corners of ``floor(width) x floor(height)`` tiles for integer boxes, float64 corners
    for floating ones; members are listed by ascending index.
    """
    cdef int kind = box_kind(boxes)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0)
    cdef void* data = cnp.PyArray_DATA(boxes)
    cdef int sweeps = BOTH if both else BANDED
    cdef int64_t w_int = <int64_t> min(floor(width), <double> INT_TILE_LIMIT)
    cdef int64_t h_int = <int64_t> min(floor(height), <double> INT_TILE_LIMIT)
    if kind == 0:
        return cover(<const int32_t*> data, n, width, height, w_int, h_int, sweeps, n_threads, False)
    if kind == 1:
        return cover(<const int64_t*> data, n, width, height, w_int, h_int, sweeps, n_threads, False)
    if kind == 2:
        return cover(<const float32_t*> data, n, width, height, w_int, h_int, sweeps, n_threads, False)
    return cover(<const float64_t*> data, n, width, height, w_int, h_int, sweeps, n_threads, False)


def peer_cover(cnp.ndarray boxes not None, width, height):
    """box-intersect-lib's ``efficient_coverage`` sweep over xyxy ``boxes``.

    ``width`` and ``height`` are non-negative ints. Returns ``(bad_row, tiles, indptr,
    indices)``: ``bad_row`` is the first box with ``x2 - x1 > width`` or ``y2 - y1 >
    height`` (exact for integers) or -1; tiles are the peer's corners (int64, float64
    for floating boxes) in opening order; members are listed in sweep order.
    """
    cdef int kind = box_kind(boxes)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0)
    cdef void* data = cnp.PyArray_DATA(boxes)
    cdef int64_t w_int = min(width, INT_TILE_LIMIT)
    cdef int64_t h_int = min(height, INT_TILE_LIMIT)
    cdef double w = w_int, h = h_int
    if kind == 0:
        return cover(<const int32_t*> data, n, w, h, w_int, h_int, PEER, 1, True)
    if kind == 1:
        return cover(<const int64_t*> data, n, w, h, w_int, h_int, PEER, 1, True)
    if kind == 2:
        return cover(<const float32_t*> data, n, w, h, w_int, h_int, PEER, 1, True)
    return cover(<const float64_t*> data, n, w, h, w_int, h_int, PEER, 1, True)


cdef object cover(const coord_t* boxes, intp_t n, double width, double height, int64_t w_int, int64_t h_int,
                  int sweeps, int n_threads, bint exact):
    """The size check (float64, or exact integers with ``exact``), then the sweeps in the
    boxes' arithmetic (int64 tiles of ``w_int x h_int`` for integers)."""
    cdef intp_t bad
    if n >= SERIAL_WITH_GIL:
        with nogil:
            bad = first_too_big(boxes, n, width, height, w_int, h_int, exact)
    else:
        bad = first_too_big(boxes, n, width, height, w_int, h_int, exact)
    if bad >= 0:
        return bad, np.empty((0, 2), dtype=np.int64), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.intp)
    if coord_t is int32_t or coord_t is int64_t:
        return (-1, *run(boxes, n, w_int, h_int, sweeps, n_threads))
    else:
        return (-1, *run(boxes, n, width, height, sweeps, n_threads))


def coverage_list(tiles, const int64_t[::1] indptr, const intp_t[::1] indices):
    """box-intersect-lib's output: a list of ``((x, y), members)`` with ``members`` a new
    uint32 array per tile, from the CSR of ``peer_cover``."""
    cdef intp_t t, k, count = indptr.shape[0] - 1
    cdef cnp.npy_intp length
    cdef uint32_t* out
    corners = tiles.tolist()
    result = [None] * count
    for t in range(count):
        length = indptr[t + 1] - indptr[t]
        members = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_UINT32)
        out = <uint32_t*> cnp.PyArray_DATA(members)
        for k in range(length):
            out[k] = <uint32_t> indices[indptr[t] + k]
        xy = corners[t]
        result[t] = ((xy[0], xy[1]), members)
    return result
