"""Kernels of the detection utilities: greedy NMS, greedy one-to-one matching, and the
overlaps of pair lists (for ``match_optimal``).

Neither greedy kernel builds the graph of all overlapping pairs:

* ``greedy_nms`` has three paths, all giving the classic greedy walk's result
  (a box is kept exactly when no box earlier in the score order -- decreasing
  score, ties by lower index -- is kept and meets the criterion with it):

  - up to ``NMS_BRUTE`` boxes, the walk in score order against every kept box;
  - up to ``NMS_WALK`` boxes, the same walk against the kept boxes filed nearby in
    a grid (the grid stays in cache, so the random order costs nothing);
  - beyond, the boxes are decided in space order (cell by cell, so the memory they
    touch stays in cache) by scanning their grid neighbours: an undecided earlier
    neighbour that would suppress the box is decided first (an explicit stack;
    the score order strictly decreases along it), and a box found kept at once
    suppresses the later neighbours it would suppress, so those are never
    scanned. Threads take chunks of boxes and share the decisions.

* ``greedy_matching`` lists the candidates of every box of the first set, in space
  order (from a grid of the second set; for small inputs both sets sorted by x1, a
  box testing the boxes in its x-window, one vectorised flag each; threads take
  chunks of boxes), sorts each list by preference (IoU desc, index asc) and
  lets the boxes of the first set propose down their lists, each box of the second
  set keeping the proposal it prefers (Gale-Shapley). All boxes rank their
  partners by the same IoU with the same tie rule, so the only stable matching is
  the greedy one: the greedy matching without a global sort of the candidates;
  only the accepted pairs are sorted into acceptance order. The per-box orders
  are the same under both tie rules ((i, j) or (j, i) ascending), so the two rules
  accept the same pairs and differ only in that final order.

The grid: each group (all boxes, or one label of ``batched_nms``) gets square
level-0 cells sized from its boxes (``cell_index``, monotonic); level ``l``
merges 2**l x 2**l level-0 cells. A box covering level-0 cells [gx1, gx2] x
[gy1, gy2] is filed once, in the cell of its lower corner at the first level
where it spans at most two cells per axis; a query at level ``l`` scans cells
[(gx1 >> l) - 1, gx2 >> l] (same in y). Monotonic cells make this exact for any
coordinates; the cell size only changes the speed. Filed boxes are copied to
"slots" in cell order, and a block of slots is tested against a box before the
first branch on the data.

Areas and intersections are exact differences (int64 for integer boxes) turned
into float64, so integer boxes within +-2**26 give exact areas, as in the peer.
"""

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY, exp, fabs, log, sqrt
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._kinds cimport box_kind
from boxgeom._radix cimport float_key, int_key, radix_sort
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint32_t, uint64_t

cnp.import_array()

# Tuning constants: they change the speed, never the result.
cdef intp_t NMS_BRUTE = 256  # up to this many boxes, NMS tests every kept box
cdef intp_t NMS_WALK = 200_000  # up to this many, NMS walks the score order (the grid stays in cache)

# ``method`` of the kernels (the Python layer passes AUTO; tests force each path)
cdef enum:
    AUTO = 0
    BRUTE = 1  # every box against every box (matching) or every kept box (NMS)
    WALK = 2  # NMS: the score order, kept boxes in a grid; matching: the grid
    SPACE = 3  # NMS: space order (for inputs larger than the cache)
cdef intp_t MATCH_BRUTE = 16384  # up to this many box pairs, matching tests every pair
cdef double CELL_SCALE = 1.5  # level-0 cell side / geometric mean of the box sides
cdef double CELLS_PER_BOX = 2.0  # at most this many level-0 cells per box
cdef intp_t CHUNK_ROWS = 4096  # rows of boxes1 per parallel task (fixed: results never depend on threads)
cdef intp_t SHORT_LIST = 32  # adjacency lists up to this length are insertion sorted


cdef extern from *:
    """
    static inline int boxgeom_ctz(unsigned int x) {
    #if defined(__GNUC__) || defined(__clang__)
        return __builtin_ctz(x);
    #else
        int n = 0;
        while (!(x & 1u)) { x >>= 1; ++n; }
        return n;
    #endif
    }
    /* NMS fates are shared by the threads of one call: relaxed atomic bytes. */
    static inline unsigned char boxgeom_fate_get(const unsigned char* p) {
    #if defined(__GNUC__) || defined(__clang__)
        return __atomic_load_n(p, __ATOMIC_RELAXED);
    #else
        return *(volatile const unsigned char*) p;
    #endif
    }
    static inline void boxgeom_fate_set(unsigned char* p, unsigned char value) {
    #if defined(__GNUC__) || defined(__clang__)
        __atomic_store_n(p, value, __ATOMIC_RELAXED);
    #else
        *(volatile unsigned char*) p = value;
    #endif
    }
    """
    int ctz "boxgeom_ctz"(unsigned int x) noexcept nogil
    uint8_t fate_get "boxgeom_fate_get"(const uint8_t* p) noexcept nogil
    void fate_set "boxgeom_fate_set"(uint8_t* p, uint8_t value) noexcept nogil


# --- overlap arithmetic (shared by every kernel here, so all paths agree bit for bit) ---


cdef inline double span(coord_t low, coord_t high) noexcept nogil:
    """``high - low`` without integer overflow, as float64 (0 when negative)."""
    cdef double d
    if coord_t is int32_t or coord_t is int64_t:
        d = <double> (<int64_t> high - <int64_t> low)
    else:
        d = <double> high - <double> low
    return d if d > 0 else 0.0


cdef inline bint intersect(const coord_t* a, const coord_t* b, double* inter) noexcept nogil:
    """True when ``a`` and ``b`` overlap with positive extent on both axes; ``inter`` is then the area."""
    cdef coord_t left = a[0] if a[0] > b[0] else b[0]
    cdef coord_t right = a[2] if a[2] < b[2] else b[2]
    cdef coord_t bottom = a[1] if a[1] > b[1] else b[1]
    cdef coord_t top = a[3] if a[3] < b[3] else b[3]
    if not (left < right and bottom < top):
        return False
    inter[0] = span(left, right) * span(bottom, top)
    return True


cdef inline double area_of(const coord_t* box) noexcept nogil:
    return span(box[0], box[2]) * span(box[1], box[3])


cdef inline bint has_area(const coord_t* box) noexcept nogil:
    return box[0] < box[2] and box[1] < box[3]


cdef inline bint suppresses(double inter, double union, double area_b, double iou_threshold,
                            double overlap_threshold, bint use_overlap, bint peer_rule) noexcept nogil:
    """The NMS criterion for a keeper and a box b. Modern: IoU > t or inter / area_b > o
    (ratios, as box_iou computes them). Peer: inter > union * t or inter > area_b * o
    (products; a NaN threshold disables its test). Only overlapping pairs (inter > 0)
    qualify. No branch on the data: a division by zero gives inf or NaN, which the
    accompanying test rules out."""
    if peer_rule:
        return (inter > 0) & ((inter > union * iou_threshold) | (inter > area_b * overlap_threshold))
    return (inter > 0) & (((union > 0) & (inter / union > iou_threshold))
                          | (use_overlap & (area_b > 0) & (inter / area_b > overlap_threshold)))


# --- the hierarchical grid ---------------------------------------------------------------


cdef struct Grid:
    intp_t n_groups
    double* ox  # per group: origin and inverse cell side (0: one cell)
    double* oy
    double* inv
    intp_t* nx  # per group: level-0 columns and rows
    intp_t* ny
    intp_t* base  # (n_groups + 1,): group g owns rows base[g] .. base[g + 1] - 1, one per level
    intp_t* row_end  # per group: 1 + its last row holding a box
    intp_t* first_cell  # per row (group, level): key of the level's cell (0, 0)
    intp_t* used  # per row: boxes filed at that level
    intp_t* start  # (n_cells + 1,): first slot of each cell
    intp_t n_cells


cdef void grid_free(Grid* grid) noexcept nogil:
    free(grid.ox)
    free(grid.oy)
    free(grid.inv)
    free(grid.nx)
    free(grid.ny)
    free(grid.base)
    free(grid.row_end)
    free(grid.first_cell)
    free(grid.used)
    free(grid.start)
    memset(grid, 0, sizeof(Grid))


cdef inline intp_t cell_index(double value, double origin, double inverse, intp_t count) noexcept nogil:
    """Cell of ``value``, clamped to [0, count): monotonic in ``value``. The same cells
    as ``_cells.cell_of``, by truncation (floor() is a libm call without SSE4.1)."""
    cdef double t = (value - origin) * inverse
    if not (t >= 0):  # also NaN (inf * 0)
        return 0
    if t >= count:
        return count - 1
    return <intp_t> t


cdef inline void cells_of(const coord_t* box, const Grid* grid, intp_t g, intp_t* c) noexcept nogil:
    """Level-0 cell range of ``box`` in group ``g``: columns c[0]..c[2], rows c[1]..c[3]."""
    c[0] = cell_index(<double> box[0], grid.ox[g], grid.inv[g], grid.nx[g])
    c[1] = cell_index(<double> box[1], grid.oy[g], grid.inv[g], grid.ny[g])
    c[2] = cell_index(<double> box[2], grid.ox[g], grid.inv[g], grid.nx[g])
    c[3] = cell_index(<double> box[3], grid.oy[g], grid.inv[g], grid.ny[g])


cdef inline intp_t level_of(const intp_t* c) noexcept nogil:
    """First level at which the cell range spans at most two cells per axis."""
    cdef intp_t level = 0
    while (c[2] >> level) - (c[0] >> level) > 1 or (c[3] >> level) - (c[1] >> level) > 1:
        level += 1
    return level


cdef inline intp_t level_columns(const Grid* grid, intp_t g, intp_t level) noexcept nogil:
    return ((grid.nx[g] - 1) >> level) + 1


cdef int grid_plan(Grid* grid, const coord_t[:, ::1] boxes, const intp_t* group, intp_t n_groups,
                   intp_t* key_of) noexcept nogil:
    """Size the grid of each group over its boxes of positive area, and give every box
    its cell (``key_of``; -1 for a zero-area box, which is never filed). Every level
    up to a single cell exists (empty ones cost a few cells); ``grid.start`` holds the
    first slot of each cell. ``group`` NULL: one group. Return -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], i, g, level, row, total = 0
    cdef intp_t c[4]
    cdef const coord_t* b
    cdef double w, h, width, height, side, budget, ratio
    cdef double* xmax = <double*> malloc(n_groups * sizeof(double))
    cdef double* ymax = <double*> malloc(n_groups * sizeof(double))
    cdef double* logsum = <double*> calloc(n_groups, sizeof(double))
    cdef intp_t* count = <intp_t*> calloc(n_groups, sizeof(intp_t))
    memset(grid, 0, sizeof(Grid))
    grid.n_groups = n_groups
    grid.ox = <double*> malloc(n_groups * sizeof(double))
    grid.oy = <double*> malloc(n_groups * sizeof(double))
    grid.inv = <double*> malloc(n_groups * sizeof(double))
    grid.nx = <intp_t*> malloc(n_groups * sizeof(intp_t))
    grid.ny = <intp_t*> malloc(n_groups * sizeof(intp_t))
    grid.base = <intp_t*> malloc((n_groups + 1) * sizeof(intp_t))
    grid.row_end = <intp_t*> malloc(n_groups * sizeof(intp_t))
    if (xmax == NULL or ymax == NULL or logsum == NULL or count == NULL or grid.ox == NULL or grid.oy == NULL
            or grid.inv == NULL or grid.nx == NULL or grid.ny == NULL or grid.base == NULL or grid.row_end == NULL):
        total = -1
    if total == 0:
        for g in range(n_groups):
            grid.ox[g] = grid.oy[g] = INFINITY
            xmax[g] = ymax[g] = -INFINITY
        for i in range(n):
            b = &boxes[i, 0]
            if not has_area(b):
                key_of[i] = -1
                continue
            key_of[i] = 0
            g = group[i] if group != NULL else 0
            if <double> b[0] < grid.ox[g]:
                grid.ox[g] = <double> b[0]
            if <double> b[1] < grid.oy[g]:
                grid.oy[g] = <double> b[1]
            if <double> b[2] > xmax[g]:
                xmax[g] = <double> b[2]
            if <double> b[3] > ymax[g]:
                ymax[g] = <double> b[3]
            w = span(b[0], b[2])
            h = span(b[1], b[3])
            logsum[g] += log(w if w > h else h)
            count[g] += 1
        grid.base[0] = 0
        for g in range(n_groups):
            grid.inv[g] = 0.0
            grid.nx[g] = grid.ny[g] = 1
            if count[g] == 0:
                grid.ox[g] = grid.oy[g] = 0.0
            else:
                width = xmax[g] - grid.ox[g]
                height = ymax[g] - grid.oy[g]
                budget = CELLS_PER_BOX * count[g]
                side = CELL_SCALE * exp(logsum[g] / count[g])
                side = max(side, sqrt(width) * sqrt(height / budget), max(width, height) / budget)
                if side > 0 and side < INFINITY and 1.0 / side < INFINITY:  # else one cell
                    grid.inv[g] = 1.0 / side
                    ratio = width * grid.inv[g]
                    grid.nx[g] = 1 + <intp_t> min(ratio, budget)
                    ratio = height * grid.inv[g]
                    grid.ny[g] = 1 + <intp_t> min(ratio, budget)
            level = 1
            while ((grid.nx[g] - 1) >> (level - 1)) > 0 or ((grid.ny[g] - 1) >> (level - 1)) > 0:
                level += 1  # levels 0 .. level - 1; the last is a single cell
            grid.base[g + 1] = grid.base[g] + level
        grid.first_cell = <intp_t*> malloc((grid.base[n_groups] + 1) * sizeof(intp_t))
        grid.used = <intp_t*> calloc(grid.base[n_groups] + 1, sizeof(intp_t))
        if grid.first_cell == NULL or grid.used == NULL:
            total = -1
    if total == 0:
        for g in range(n_groups):
            for row in range(grid.base[g], grid.base[g + 1]):
                level = row - grid.base[g]
                grid.first_cell[row] = total
                total += level_columns(grid, g, level) * (((grid.ny[g] - 1) >> level) + 1)
        grid.n_cells = total
        grid.start = <intp_t*> calloc(total + 1, sizeof(intp_t))
        if grid.start == NULL:
            total = -1
    if total >= 0:
        for i in range(n):
            if key_of[i] < 0:
                continue
            g = group[i] if group != NULL else 0
            cells_of(&boxes[i, 0], grid, g, c)
            level = level_of(c)
            row = grid.base[g] + level
            key_of[i] = grid.first_cell[row] + (c[1] >> level) * level_columns(grid, g, level) + (c[0] >> level)
            grid.start[key_of[i] + 1] += 1
            grid.used[row] += 1
        for i in range(grid.n_cells):
            grid.start[i + 1] += grid.start[i]
        for g in range(n_groups):
            row = grid.base[g + 1]
            while row > grid.base[g] and grid.used[row - 1] == 0:
                row -= 1
            grid.row_end[g] = row
    free(xmax)
    free(ymax)
    free(logsum)
    free(count)
    return 0 if total >= 0 else -1


cdef struct Scan:
    intp_t c[4]  # level-0 cell range of the query box
    intp_t g  # its group
    intp_t row  # current (group, level) row
    intp_t row_end
    intp_t cy  # current cell row, and the last one at this level
    intp_t hi_y
    intp_t s  # next slot to test, and the end of the current run of slots
    intp_t stop


cdef inline void scan_begin(Scan* it, const Grid* grid, const coord_t* box, intp_t g) noexcept nogil:
    """Start a query: ``scan_next`` then yields the runs of slots that may overlap ``box``."""
    cells_of(box, grid, g, it.c)
    it.g = g
    it.row = grid.base[g] - 1
    it.row_end = grid.row_end[g]
    it.cy = 0
    it.hi_y = -1
    it.s = 0
    it.stop = 0


cdef inline bint scan_next(Scan* it, const Grid* grid) noexcept nogil:
    """Move to the next non-empty run of slots (``it.s`` .. ``it.stop - 1``); False when done.

    Slots of consecutive cells are consecutive, so each cell row of the window is one run.
    """
    cdef intp_t level, first
    while True:
        it.cy += 1
        if it.cy > it.hi_y:
            it.row += 1
            while it.row < it.row_end and grid.used[it.row] == 0:
                it.row += 1
            if it.row >= it.row_end:
                return False
            level = it.row - grid.base[it.g]
            it.cy = (it.c[1] >> level) - 1
            if it.cy < 0:
                it.cy = 0
            it.hi_y = it.c[3] >> level
        level = it.row - grid.base[it.g]
        first = grid.first_cell[it.row] + it.cy * level_columns(grid, it.g, level)
        it.s = (it.c[0] >> level) - 1
        if it.s < 0:
            it.s = 0
        it.s = grid.start[first + it.s]
        it.stop = grid.start[first + (it.c[2] >> level) + 1]
        if it.s < it.stop:
            return True


# --- slots: the filed boxes in cell order ---------------------------------------------------


cdef struct Slots:
    # n records of ``stride`` bytes: the 4 coordinates (``coord_bytes``), the box index
    # (intp) and, for NMS, the score key (uint64). One record per box keeps the scatter
    # into cell order to one cache line per box.
    char* data
    intp_t n
    intp_t stride
    intp_t coord_bytes


cdef inline const coord_t* slot_box(const Slots* slots, intp_t s, coord_t kind) noexcept nogil:
    """The coordinates of slot ``s`` (``kind`` only selects the coordinate type)."""
    return <const coord_t*> (slots.data + s * slots.stride)


cdef inline intp_t slot_index(const Slots* slots, intp_t s) noexcept nogil:
    """The index of the box in slot ``s``."""
    return (<const intp_t*> (slots.data + s * slots.stride + slots.coord_bytes))[0]


cdef inline uint64_t slot_key(const Slots* slots, intp_t s) noexcept nogil:
    """The score key of the box in slot ``s`` (NMS)."""
    return (<const uint64_t*> (slots.data + s * slots.stride + slots.coord_bytes + 8))[0]


cdef bint slots_alloc(Slots* slots, intp_t n, bint with_key, coord_t kind) noexcept nogil:
    slots.n = n
    slots.coord_bytes = 4 * sizeof(coord_t)
    slots.stride = slots.coord_bytes + sizeof(intp_t) + (sizeof(uint64_t) if with_key else 0)
    slots.data = <char*> malloc((n + 1) * slots.stride)
    return slots.data != NULL


cdef void slots_free(Slots* slots) noexcept nogil:
    free(slots.data)
    memset(slots, 0, sizeof(Slots))


cdef inline void slot_set(Slots* slots, intp_t s, const coord_t* box, intp_t index) noexcept nogil:
    cdef char* record = slots.data + s * slots.stride
    cdef coord_t* c = <coord_t*> record
    c[0] = box[0]
    c[1] = box[1]
    c[2] = box[2]
    c[3] = box[3]
    (<intp_t*> (record + slots.coord_bytes))[0] = index


cdef int slots_fill(Slots* slots, const Grid* grid, const coord_t[:, ::1] boxes, const intp_t* key_of,
                    const uint64_t* box_key) noexcept nogil:
    """Copy every filed box to its slot (cell order; by index within a cell): its
    coordinates, its index and (``box_key`` not NULL) its key. Return -1 when memory
    runs out."""
    cdef intp_t i, s, key
    cdef intp_t* cursor = <intp_t*> malloc((grid.n_cells + 1) * sizeof(intp_t))
    if not slots_alloc(slots, grid.start[grid.n_cells], box_key != NULL, boxes[0, 0]) or cursor == NULL:
        free(cursor)
        return -1
    for key in range(grid.n_cells):
        cursor[key] = grid.start[key]
    for i in range(boxes.shape[0]):
        key = key_of[i]
        if key < 0:
            continue
        s = cursor[key]
        cursor[key] = s + 1
        slot_set(slots, s, &boxes[i, 0], i)
        if box_key != NULL:
            (<uint64_t*> (slots.data + s * slots.stride + slots.coord_bytes + 8))[0] = box_key[i]
    free(cursor)
    return 0


cdef inline uint64_t coord_key(coord_t value) noexcept nogil:
    """Order-preserving uint64 key of a coordinate."""
    if coord_t is int32_t or coord_t is int64_t:
        return int_key(<int64_t> value)
    else:
        return float_key(<double> value)


cdef int sort_by_x1(const coord_t[:, ::1] boxes, intp_t* order, double* reach) noexcept nogil:
    """``order``: the boxes by x1, ties by index. ``reach``: the largest width in float64,
    raised past the rounding of the coordinates, so that a box overlapping ``[a, b)`` in
    x has a float64 x1 above ``a - reach`` (and below ``a + reach`` for the widest
    box's x2 - x1). Return -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], i
    cdef double width, magnitude = 0
    cdef uint64_t* keys = <uint64_t*> malloc(2 * n * sizeof(uint64_t))
    cdef intp_t* scratch = <intp_t*> malloc(n * sizeof(intp_t))
    if keys == NULL or scratch == NULL:
        free(keys)
        free(scratch)
        return -1
    reach[0] = 0
    for i in range(n):
        keys[i] = coord_key(boxes[i, 0])
        order[i] = i
        width = <double> boxes[i, 2] - <double> boxes[i, 0]
        reach[0] = width if width > reach[0] else reach[0]
        magnitude = max(magnitude, fabs(<double> boxes[i, 0]), fabs(<double> boxes[i, 2]))
    reach[0] += (reach[0] + 2 * magnitude) * 1e-15
    radix_sort(keys, order, n, keys + n, scratch)
    free(keys)
    free(scratch)
    return 0


cdef int slots_by_x1(Slots* slots, const coord_t[:, ::1] boxes, coord_t* columns, double* areas,
                     double* reach) noexcept nogil:
    """Every box in its own slot, by x1 (``sort_by_x1``, which sets ``reach``), for the
    brute force; also ``columns``: the slots' x1, y1, x2, y2, one coordinate after the
    other, and their ``areas``. Return -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], i, s, c
    cdef intp_t* order = <intp_t*> malloc(n * sizeof(intp_t))
    cdef int status = -1
    if order != NULL and sort_by_x1(boxes, order, reach) == 0 and slots_alloc(slots, n, False, boxes[0, 0]):
        for s in range(n):
            i = order[s]
            slot_set(slots, s, &boxes[i, 0], i)
            for c in range(4):
                columns[c * n + s] = boxes[i, c]
            areas[s] = area_of(&boxes[i, 0])
        status = 0
    free(order)
    return status


cdef int rows_by_x1(const coord_t[:, ::1] boxes, intp_t* row_of, coord_t* rows, double* reach) noexcept nogil:
    """The rows of the brute force: box ``row_of[p]`` (by x1, ``sort_by_x1``, which sets
    ``reach``) copied to ``rows[4p:4p + 4]``. Return -1 when memory runs out."""
    cdef intp_t p, c
    if sort_by_x1(boxes, row_of, reach) < 0:
        return -1
    for p in range(boxes.shape[0]):
        for c in range(4):
            rows[4 * p + c] = boxes[row_of[p], c]
    return 0


cdef enum:
    BLOCK = 8  # slots tested together before the first branch on the data
    UNDECIDED = 0  # NMS fates
    KEPT = 1
    SUPPRESSED = 2


cdef inline unsigned int overlap_mask(const Slots* slots, const uint8_t* fate, intp_t t, intp_t count,
                                      const coord_t* b) noexcept nogil:
    """Bit k set when slot t + k (k < count <= BLOCK) overlaps ``b`` with positive extent
    (for slots and ``b`` of positive area) and, with ``fate``, is not suppressed. No
    branch on the data."""
    cdef const coord_t* a
    cdef unsigned int mask = 0
    cdef intp_t k
    cdef coord_t x1 = b[0], y1 = b[1], x2 = b[2], y2 = b[3]
    if fate == NULL:
        for k in range(count):
            a = slot_box(slots, t + k, x1)
            mask |= (<unsigned int> ((a[0] < x2) & (x1 < a[2]) & (a[1] < y2) & (y1 < a[3]))) << k
    else:
        for k in range(count):
            a = slot_box(slots, t + k, x1)
            mask |= (<unsigned int> ((a[0] < x2) & (x1 < a[2]) & (a[1] < y2) & (y1 < a[3])
                                     & (fate_get(fate + t + k) != SUPPRESSED))) << k
    return mask


# --- NMS -----------------------------------------------------------------------------------


cdef struct Frame:
    intp_t u  # the slot being decided
    intp_t marks  # where its marks start on the mark stack
    Scan scan


cdef struct MarkStack:
    intp_t* data
    intp_t size
    intp_t capacity
    bint failed


cdef bint mark_reserve(MarkStack* marks) noexcept nogil:
    """Double the capacity; False (and ``failed``) when memory runs out."""
    cdef intp_t* grown = <intp_t*> realloc(marks.data, 2 * marks.capacity * sizeof(intp_t))
    if grown == NULL:
        marks.failed = True
        return False
    marks.data = grown
    marks.capacity *= 2
    return True


cdef intp_t nms_scan(Frame* f, const Grid* grid, const Slots* slots, const uint8_t* fate, MarkStack* marks,
                     double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                     coord_t kind) noexcept nogil:
    """Go on with the neighbours of ``f.u``: return -1 when a kept earlier box suppresses
    it, -2 when none can, or the slot of an undecided earlier box that would suppress
    it if kept (the scan resumes at that slot). Undecided later boxes that ``f.u``
    suppresses if kept go on ``marks``. Earlier: lower key, ties by lower index."""
    cdef intp_t u = f.u, t, r, stop, count, box_u = slot_index(slots, u)
    cdef uint64_t key_u = slot_key(slots, u), key_r
    cdef const coord_t* a
    cdef const coord_t* b = slot_box(slots, u, kind)
    cdef double area_b = area_of(b), area_a, inter = 0.0
    cdef unsigned int mask
    cdef bint earlier, crit
    cdef intp_t hits, q
    cdef intp_t hit_slot[BLOCK]
    cdef int hit_kind[BLOCK]
    while True:
        t = f.scan.s
        stop = f.scan.stop
        while t < stop:
            count = min(stop - t, <intp_t> BLOCK)
            mask = overlap_mask(slots, fate, t, count, b)
            if u >= t and u < t + count:
                mask &= ~((<unsigned int> 1) << (u - t))
            if marks.size + BLOCK > marks.capacity and not mark_reserve(marks):
                return -2
            # First the criterion for every overlapping slot (independent, so the
            # divisions overlap), then the decisions in slot order.
            hits = 0
            while mask:
                r = t + ctz(mask)
                mask &= mask - 1
                a = slot_box(slots, r, kind)
                intersect(a, b, &inter)  # true: both have positive area, so the mask means overlap
                area_a = area_of(a)
                key_r = slot_key(slots, r)
                earlier = (key_r < key_u) | ((key_r == key_u) & (slot_index(slots, r) < box_u))
                # the keeper is the earlier box; the overlap is over the other one's area
                crit = suppresses(inter, area_a + area_b - inter, area_b if earlier else area_a, iou_threshold,
                                  overlap_threshold, use_overlap, peer_rule)
                hit_slot[hits] = r
                hit_kind[hits] = crit * (1 + earlier)  # 0: nothing, 1: u suppresses r, 2: r suppresses u
                hits += 1
            for q in range(hits):
                r = hit_slot[q]
                if hit_kind[q] == 2:
                    f.scan.s = r
                    return -1 if fate_get(fate + r) == KEPT else r
                # a later, undecided box this one would suppress: mark it (no branch)
                marks.data[marks.size] = r
                marks.size += (hit_kind[q] == 1) & (fate_get(fate + r) == UNDECIDED)
            t += count
        f.scan.s = t
        if not scan_next(&f.scan, grid):
            return -2


cdef struct Walker:
    # one thread's stacks
    Frame* stack
    intp_t capacity
    MarkStack marks


cdef void nms_range(Walker* w, intp_t lo, intp_t hi, const Grid* grid, const Slots* slots,
                    const intp_t* box_group, uint8_t* fate, double iou_threshold, double overlap_threshold,
                    bint use_overlap, bint peer_rule, coord_t kind) noexcept nogil:
    """Decide the slots ``lo``..``hi - 1`` (and whatever they depend on), in slot order.
    A failed allocation sets ``w.marks.failed``."""
    cdef intp_t s0, t, m, top
    cdef Frame* grown
    cdef Frame* f
    for s0 in range(lo, hi):
        if fate_get(fate + s0) != UNDECIDED:
            continue
        t = s0
        top = 0
        while True:
            if t >= 0:  # push slot t
                if top == w.capacity:
                    grown = <Frame*> realloc(w.stack, 2 * w.capacity * sizeof(Frame))
                    if grown == NULL:
                        w.marks.failed = True
                        return
                    w.stack = grown
                    w.capacity *= 2
                f = &w.stack[top]
                f.u = t
                f.marks = w.marks.size
                scan_begin(&f.scan, grid, slot_box(slots, t, kind),
                           box_group[slot_index(slots, t)] if box_group != NULL else 0)
                top += 1
            f = &w.stack[top - 1]
            if fate_get(fate + f.u) != UNDECIDED:  # decided meanwhile (marks, or another thread)
                t = -3
            else:
                t = nms_scan(f, grid, slots, fate, &w.marks, iou_threshold, overlap_threshold, use_overlap,
                             peer_rule, kind)
            if w.marks.failed:
                return
            if t < 0:
                if t == -2:
                    fate_set(fate + f.u, KEPT)
                    for m in range(f.marks, w.marks.size):
                        fate_set(fate + w.marks.data[m], SUPPRESSED)
                elif t == -1:
                    fate_set(fate + f.u, SUPPRESSED)
                w.marks.size = f.marks
                top -= 1
                if top == 0:
                    break


cdef int space_decide(const Grid* grid, const Slots* slots, const intp_t* box_group, uint8_t* fate,
                     double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                     int n_threads, coord_t kind) noexcept nogil:
    """Decide every slot, in slot (space) order; a kept box at once suppresses the later
    boxes it marked, so they are never scanned. Return -1 when memory runs out.

    Why marks are right: a marked box t is later than the box u marking it, so t is
    suppressed as soon as u is kept. Threads take chunks of slots and share ``fate``:
    a fate, once written, is the box's true fate, and a box seen undecided is decided
    on the spot, so two threads can at worst decide the same box twice, alike; the
    result never depends on the threads."""
    cdef intp_t n = slots.n, n_chunks = 1, size, chunk, i
    cdef int status = 0
    cdef Walker* walkers
    if n_threads < 1 or n < 4 * CHUNK_ROWS:
        n_threads = 1
    walkers = <Walker*> calloc(n_threads, sizeof(Walker))
    if walkers == NULL:
        return -1
    for i in range(n_threads):
        walkers[i].capacity = 64
        walkers[i].stack = <Frame*> malloc(64 * sizeof(Frame))
        walkers[i].marks.capacity = 256
        walkers[i].marks.data = <intp_t*> malloc(256 * sizeof(intp_t))
        if walkers[i].stack == NULL or walkers[i].marks.data == NULL:
            status = -1
    memset(fate, UNDECIDED, n)
    if status == 0:
        if n_threads > 1:
            n_chunks = 16 * n_threads
            size = (n + n_chunks - 1) // n_chunks
            for chunk in prange(n_chunks, schedule="dynamic", num_threads=n_threads):
                nms_range(&walkers[threadid()], chunk * size, min(n, (chunk + 1) * size), grid, slots, box_group,
                          fate, iou_threshold, overlap_threshold, use_overlap, peer_rule, kind)
        else:
            nms_range(&walkers[0], 0, n, grid, slots, box_group, fate, iou_threshold, overlap_threshold,
                      use_overlap, peer_rule, kind)
    for i in range(n_threads):
        if walkers[i].marks.failed:
            status = -1
        free(walkers[i].stack)
        free(walkers[i].marks.data)
    free(walkers)
    return status


cdef int label_groups(const int64_t* labels, intp_t n, intp_t* group, intp_t* n_groups) noexcept nogil:
    """Dense group ids (0, 1, ... by increasing label) of ``labels``. Return -1 when memory runs out."""
    cdef uint64_t* keys = <uint64_t*> malloc(n * sizeof(uint64_t))
    cdef intp_t* order = <intp_t*> malloc(n * sizeof(intp_t))
    cdef intp_t i, g = 0
    if keys == NULL or order == NULL:
        g = -1
    else:
        for i in range(n):
            keys[i] = int_key(labels[i])
            order[i] = i
        if sort_by_key(keys, order, n) < 0:
            g = -1
    if g == 0:
        for i in range(n):
            if i and keys[i] != keys[i - 1]:
                g += 1
            group[order[i]] = g
        n_groups[0] = g + 1
    free(keys)
    free(order)
    return 0 if g >= 0 else -1


cdef intp_t sort_by_key(uint64_t* keys, intp_t* vals, intp_t n) noexcept nogil:
    """Stable sort of ``vals[:n]`` (and ``keys[:n]``) by ``keys``; return n, or -1 when
    memory runs out."""
    cdef uint64_t* ktmp = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* vtmp = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if ktmp == NULL or vtmp == NULL:
        n = -1
    else:
        radix_sort(keys, vals, n, ktmp, vtmp)
    free(ktmp)
    free(vtmp)
    return n


cdef bint kept_run_hit(const coord_t* b, double area_b, const int64_t* labels, intp_t i, const Slots* slots,
                       intp_t s, intp_t stop, double iou_threshold, double overlap_threshold, bint use_overlap,
                       bint peer_rule) noexcept nogil:
    """Whether a kept box in slots ``s``..``stop - 1`` suppresses box ``b`` (index i;
    ``labels``: only a kept box of its label)."""
    cdef intp_t count, r
    cdef unsigned int mask
    cdef const coord_t* a
    cdef double inter = 0.0
    while s < stop:
        count = min(stop - s, <intp_t> BLOCK)
        mask = overlap_mask(slots, NULL, s, count, b)
        while mask:
            r = s + ctz(mask)
            mask &= mask - 1
            if labels != NULL and labels[slot_index(slots, r)] != labels[i]:
                continue
            a = slot_box(slots, r, b[0])
            intersect(a, b, &inter)  # true: both have positive area
            if suppresses(inter, area_of(a) + area_b - inter, area_b, iou_threshold, overlap_threshold,
                          use_overlap, peer_rule):
                return True
        s += count
    return False


cdef bint kept_hit(const coord_t* b, double area_b, intp_t g, const Grid* grid, const intp_t* fill,
                   const intp_t* kept_rows, const Slots* slots, double iou_threshold, double overlap_threshold,
                   bint use_overlap, bint peer_rule) noexcept nogil:
    """Whether a kept box filed so far (cell c holds slots start[c] .. start[c] + fill[c] - 1)
    suppresses ``b``."""
    cdef intp_t c[4]
    cdef intp_t row, level, columns, lo_x, hi_x, cy, cell, first
    cells_of(b, grid, g, c)
    for row in range(grid.base[g], grid.row_end[g]):
        if kept_rows[row] == 0:
            continue
        level = row - grid.base[g]
        columns = level_columns(grid, g, level)
        lo_x = max((c[0] >> level) - 1, 0)
        hi_x = c[2] >> level
        for cy in range(max((c[1] >> level) - 1, 0), (c[3] >> level) + 1):
            first = grid.first_cell[row] + cy * columns
            for cell in range(first + lo_x, first + hi_x + 1):
                if fill[cell] and kept_run_hit(b, area_b, NULL, 0, slots, grid.start[cell],
                                               grid.start[cell] + fill[cell], iou_threshold, overlap_threshold,
                                               use_overlap, peer_rule):
                    return True
    return False


cdef intp_t nms_walk(const coord_t[:, ::1] boxes, uint64_t* box_key, const int64_t* labels, intp_t* keep,
                     double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                     bint use_grid) noexcept nogil:
    """The greedy walk in score order; each box is tested against the boxes kept so far
    (all of them, or with ``use_grid`` those filed nearby in the grid: the fastest
    while the grid stays in cache). Return the number kept (in ``keep``, score order),
    -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], n_groups = 1, v, i, g, key, count = -1
    cdef intp_t c[4]
    cdef intp_t* order = <intp_t*> malloc(n * sizeof(intp_t))
    cdef const coord_t* b
    cdef double area_b
    cdef Grid grid
    cdef Slots slots
    cdef intp_t* group = NULL
    cdef intp_t* key_of = NULL
    cdef intp_t* fill = NULL
    cdef intp_t* kept_rows = NULL
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    if order != NULL:
        for i in range(n):
            order[i] = i
        if sort_by_key(box_key, order, n) >= 0:
            count = 0
    if count == 0 and not use_grid:
        if not slots_alloc(&slots, n, False, boxes[0, 0]):  # the kept boxes, in order
            count = -1
        slots.n = 0
    elif count == 0:
        key_of = <intp_t*> malloc(n * sizeof(intp_t))
        if labels != NULL:
            group = <intp_t*> malloc(n * sizeof(intp_t))
        if (key_of == NULL or (labels != NULL and (group == NULL or label_groups(labels, n, group, &n_groups) != 0))
                or grid_plan(&grid, boxes, group, n_groups, key_of) != 0
                or not slots_alloc(&slots, n, False, boxes[0, 0])):
            count = -1
        else:
            fill = <intp_t*> calloc(grid.n_cells + 1, sizeof(intp_t))
            kept_rows = <intp_t*> calloc(grid.base[n_groups] + 1, sizeof(intp_t))
            if fill == NULL or kept_rows == NULL:
                count = -1
    if count == 0:
        for v in range(n):
            i = order[v]
            b = &boxes[i, 0]
            area_b = area_of(b)
            if use_grid:
                key = key_of[i]
                if key >= 0:  # a zero-area box overlaps nothing: kept, and never filed
                    g = group[i] if group != NULL else 0
                    if kept_hit(b, area_b, g, &grid, fill, kept_rows, &slots, iou_threshold, overlap_threshold,
                                use_overlap, peer_rule):
                        continue
                    slot_set(&slots, grid.start[key] + fill[key], b, i)
                    fill[key] += 1
                    cells_of(b, &grid, g, c)
                    kept_rows[grid.base[g] + level_of(c)] += 1
            elif has_area(b):  # a zero-area box overlaps nothing: kept, and never compared
                if kept_run_hit(b, area_b, labels, i, &slots, 0, slots.n, iou_threshold, overlap_threshold,
                                use_overlap, peer_rule):
                    continue
                slot_set(&slots, slots.n, b, i)
                slots.n += 1
            keep[count] = i
            count += 1
    free(order)
    grid_free(&grid)
    slots_free(&slots)
    free(group)
    free(key_of)
    free(fill)
    free(kept_rows)
    return count


cdef intp_t nms_space(const coord_t[:, ::1] boxes, const uint64_t* box_key, const int64_t* labels, intp_t* keep,
                      double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                      int n_threads) noexcept nogil:
    """Greedy NMS in space order (``space_decide``). Return the number kept (in
    ``keep``, score order), -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], n_groups = 1, i, s, count = -1
    cdef Grid grid
    cdef Slots slots
    cdef intp_t* group = NULL
    cdef intp_t* key_of = <intp_t*> malloc(n * sizeof(intp_t))
    cdef uint8_t* fate = <uint8_t*> malloc(n * sizeof(uint8_t))
    cdef uint8_t* kept = <uint8_t*> calloc(n, sizeof(uint8_t))
    cdef uint64_t* kept_key = NULL
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    if labels != NULL:
        group = <intp_t*> malloc(n * sizeof(intp_t))
    if (key_of != NULL and fate != NULL and kept != NULL
            and (labels == NULL or (group != NULL and label_groups(labels, n, group, &n_groups) == 0))
            and grid_plan(&grid, boxes, group, n_groups, key_of) == 0
            and slots_fill(&slots, &grid, boxes, key_of, box_key) == 0
            and space_decide(&grid, &slots, group, fate, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                            n_threads, boxes[0, 0]) == 0):
        for s in range(slots.n):
            if fate[s] == KEPT:
                kept[slot_index(&slots, s)] = 1
        count = 0
        for i in range(n):
            if kept[i] or key_of[i] < 0:  # zero area: overlaps nothing, so kept, suppressing nothing
                keep[count] = i
                count += 1
        kept_key = <uint64_t*> malloc((count + 1) * sizeof(uint64_t))
        if kept_key == NULL:
            count = -1
        else:
            for i in range(count):
                kept_key[i] = box_key[keep[i]]
            count = sort_by_key(kept_key, keep, count)
    grid_free(&grid)
    slots_free(&slots)
    free(group)
    free(key_of)
    free(fate)
    free(kept)
    free(kept_key)
    return count


def greedy_nms(cnp.ndarray boxes not None, const double[::1] scores, const int64_t[::1] labels,
               double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule, int n_threads,
               int method=AUTO, bint as_mask=False):
    """Greedy NMS; return the kept boxes (intp) in visiting order (decreasing score,
    ties by lower index), or with ``as_mask`` a bool mask (True = kept). ``labels``
    (or None): boxes of different labels never suppress each other. Thresholds and
    the rule are those of ``suppresses``. ``n_threads`` decide boxes in parallel
    (``SPACE``); the result never depends on it, nor on ``method`` (0 auto, 1 brute
    force, 2 score-order walk, 3 space order)."""
    cdef int kind = box_kind(boxes)
    if kind == 0:
        return nms_boxes[int32_t](boxes, scores, labels, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                                  n_threads, method, as_mask)
    if kind == 1:
        return nms_boxes[int64_t](boxes, scores, labels, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                                  n_threads, method, as_mask)
    if kind == 2:
        return nms_boxes[float32_t](boxes, scores, labels, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                                    n_threads, method, as_mask)
    return nms_boxes[float64_t](boxes, scores, labels, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                                n_threads, method, as_mask)


cdef object nms_boxes(const coord_t[:, ::1] boxes, const double[::1] scores, const int64_t[::1] labels,
                      double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule, int n_threads,
                      int method, bint as_mask):
    """``greedy_nms`` for one coordinate type."""
    cdef intp_t n = boxes.shape[0], count = -1, i
    cdef uint8_t* mask
    cdef cnp.npy_intp length
    cdef const int64_t* label_ptr = &labels[0] if labels is not None and n else NULL
    cdef uint64_t* box_key = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* keep = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if box_key != NULL and keep != NULL:
        if method == AUTO:
            method = BRUTE if n <= NMS_BRUTE else (WALK if n <= NMS_WALK else SPACE)
        if method == BRUTE:  # small: keeping the GIL costs less than releasing it
            count = nms_run(boxes, scores, label_ptr, box_key, keep, iou_threshold, overlap_threshold, use_overlap,
                            peer_rule, n_threads, method)
        else:
            with nogil:
                count = nms_run(boxes, scores, label_ptr, box_key, keep, iou_threshold, overlap_threshold,
                                use_overlap, peer_rule, n_threads, method)
    free(box_key)
    if count < 0:
        free(keep)
        raise MemoryError()
    if as_mask:
        length = n
        result = cnp.PyArray_ZEROS(1, &length, cnp.NPY_BOOL, 0)
        mask = <uint8_t*> cnp.PyArray_DATA(result)
        for i in range(count):
            mask[keep[i]] = 1
    else:
        length = count
        result = cnp.PyArray_EMPTY(1, &length, cnp.NPY_INTP, 0)
        if count:
            memcpy(cnp.PyArray_DATA(result), keep, count * sizeof(intp_t))
    free(keep)
    return result


cdef intp_t nms_run(const coord_t[:, ::1] boxes, const double[::1] scores, const int64_t* labels, uint64_t* box_key,
                    intp_t* keep, double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                    int n_threads, int method) noexcept nogil:
    """The score keys, then the walk (BRUTE, WALK) or the space-order decisions (SPACE);
    the number of kept boxes written to ``keep``, or -1 when memory runs out."""
    cdef intp_t i, n = boxes.shape[0]
    if n == 0:
        return 0
    for i in range(n):
        box_key[i] = ~float_key(scores[i])  # ascending key = decreasing score
    if method != SPACE:
        return nms_walk(boxes, box_key, labels, keep, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                        method == WALK)
    return nms_space(boxes, box_key, labels, keep, iou_threshold, overlap_threshold, use_overlap, peer_rule,
                     n_threads)


# --- greedy matching --------------------------------------------------------------------------


cdef struct Edge:
    double w  # IoU
    intp_t v  # the box at the other end (a position of that side)


cdef struct EdgeBuffer:
    Edge* data
    intp_t size
    intp_t capacity
    bint failed


cdef inline bint edge_reserve(EdgeBuffer* buf, intp_t extra) noexcept nogil:
    """Make room for ``extra`` more edges; False (and ``failed``) when memory runs out."""
    cdef intp_t capacity = buf.capacity if buf.capacity >= 64 else 64
    cdef Edge* data
    if buf.size + extra <= buf.capacity:
        return True
    while capacity < buf.size + extra:
        capacity *= 2
    data = <Edge*> realloc(buf.data, capacity * sizeof(Edge))
    if data == NULL:
        buf.failed = True
        return False
    buf.data = data
    buf.capacity = capacity
    return True


cdef struct Ident:
    # The box index of position v: ``*(intp_t*)(base + v * stride)``; base NULL: v itself.
    const char* base
    intp_t stride


cdef inline intp_t ident_of(const Ident* ident, intp_t v) noexcept nogil:
    if ident.base == NULL:
        return v
    return (<const intp_t*> (ident.base + v * ident.stride))[0]


cdef inline bint before(const Edge* x, const Edge* y, const Ident* ident) noexcept nogil:
    """The per-box preference: higher IoU first, then the lower box index."""
    if x.w != y.w:
        return x.w > y.w
    return ident_of(ident, x.v) < ident_of(ident, y.v)


cdef void insertion_sort_edges(Edge* edges, intp_t n, const Ident* ident) noexcept nogil:
    cdef intp_t i, j
    cdef Edge value
    for i in range(1, n):
        value = edges[i]
        j = i - 1
        while j >= 0 and before(&value, &edges[j], ident):
            edges[j + 1] = edges[j]
            j -= 1
        edges[j + 1] = value


cdef void merge_sort_edges(Edge* edges, intp_t n, Edge* tmp, const Ident* ident) noexcept nogil:
    """Sort by preference (top-down merge sort through ``tmp``, insertion sort below SHORT_LIST)."""
    cdef intp_t half = n // 2, i = 0, j, k = 0
    if n <= SHORT_LIST:
        insertion_sort_edges(edges, n, ident)
        return
    merge_sort_edges(edges, half, tmp, ident)
    merge_sort_edges(edges + half, n - half, tmp, ident)
    j = half
    while i < half and j < n:
        if before(&edges[j], &edges[i], ident):
            tmp[k] = edges[j]
            j += 1
        else:
            tmp[k] = edges[i]
            i += 1
        k += 1
    while i < half:
        tmp[k] = edges[i]
        i += 1
        k += 1
    while j < n:
        tmp[k] = edges[j]
        j += 1
        k += 1
    for k in range(n):
        edges[k] = tmp[k]


cdef bint sort_edges(Edge* edges, intp_t n, const Ident* ident) noexcept nogil:
    """Sort an adjacency list by preference; False when memory runs out."""
    cdef Edge* tmp
    if n <= SHORT_LIST:
        insertion_sort_edges(edges, n, ident)
        return True
    tmp = <Edge*> malloc(n * sizeof(Edge))
    if tmp == NULL:
        return False
    merge_sort_edges(edges, n, tmp, ident)
    free(tmp)
    return True


cdef inline double select(bint condition, double if_true, double if_false) noexcept nogil:
    """``if_true if condition else if_false`` by bit masks: no branch, so nothing waits
    on a mispredicted ``condition`` (here the outcome of a division)."""
    cdef uint64_t t, f, mask = -(<uint64_t> condition)
    memcpy(&t, &if_true, 8)
    memcpy(&f, &if_false, 8)
    t = (t & mask) | (f & ~mask)
    memcpy(&if_true, &t, 8)
    return if_true


cdef inline void edge_of(const coord_t* a, double area_a, const coord_t* b, double area_b, intp_t r,
                         double threshold, bint peer_rule, Edge* e) noexcept nogil:
    """The edge from box ``a`` to box ``b`` (slot ``r``): its IoU (inter / union) when it
    is a candidate (a positive overlap, union > 0, and IoU >= t (modern) or union * t
    <= inter (peer; a NaN threshold matches nothing)), else -1, which ``drop_rejected``
    removes. The intersection is ``intersect``'s, without its branch: nothing waits on
    a comparison or on the outcome of the division."""
    cdef coord_t left = a[0] if a[0] > b[0] else b[0]
    cdef coord_t right = a[2] if a[2] < b[2] else b[2]
    cdef coord_t bottom = a[1] if a[1] > b[1] else b[1]
    cdef coord_t top = a[3] if a[3] < b[3] else b[3]
    cdef double inter = span(left, right) * span(bottom, top)
    cdef double union = area_a + area_b - inter
    cdef double iou = inter / union
    cdef bint take = (left < right) & (bottom < top)
    if peer_rule:
        take &= (union > 0) & (union * threshold <= inter)
    else:
        take &= (union > 0) & (iou >= threshold)
    e.w = select(take, iou, -1.0)
    e.v = r


cdef inline void append_hits(const coord_t* a, double area_a, const Slots* slots, const double* areas, intp_t s,
                             unsigned int mask, double threshold, bint peer_rule, EdgeBuffer* buf) noexcept nogil:
    """Append ``edge_of`` each slot ``s + k`` for the bits k of ``mask`` (at most BLOCK;
    room reserved). ``areas``: the slots' areas, or NULL to compute them."""
    cdef Edge* e = buf.data + buf.size
    cdef intp_t r
    cdef const coord_t* b
    while mask:
        r = s + ctz(mask)
        b = slot_box(slots, r, a[0])
        edge_of(a, area_a, b, areas[r] if areas != NULL else area_of(b), r, threshold, peer_rule, e)
        mask &= mask - 1
        e += 1
    buf.size = e - buf.data


cdef inline intp_t drop_rejected(Edge* edges, intp_t n) noexcept nogil:
    """Remove the edges of IoU -1 (``append_hits``), keeping the order; the new count."""
    cdef intp_t j, k = 0
    cdef double w
    for j in range(n):
        # field by field: a 16-byte copy of an edge just written as two 8-byte fields
        # would wait for both stores to retire (no store-to-load forwarding)
        w = edges[j].w
        edges[k].v = edges[j].v
        edges[k].w = w
        k += w >= 0
    return k


cdef void candidate_run(const coord_t* a, double area_a, const Slots* slots, intp_t s, intp_t stop,
                        double threshold, bint peer_rule, EdgeBuffer* buf) noexcept nogil:
    """Append the candidates of box ``a`` among slots ``s``..``stop - 1`` (``append_hits``)."""
    cdef intp_t count
    cdef unsigned int mask
    while s < stop:
        count = min(stop - s, <intp_t> BLOCK)
        mask = overlap_mask(slots, NULL, s, count, a)
        if mask:
            if not edge_reserve(buf, BLOCK):
                return
            append_hits(a, area_a, slots, NULL, s, mask, threshold, peer_rule, buf)
        s += count


cdef void candidate_all(const coord_t* a, double area_a, const Slots* slots, const coord_t* columns,
                        const double* columns_area, intp_t start, intp_t stop, uint8_t* flags, double threshold,
                        bint peer_rule, EdgeBuffer* buf) noexcept nogil:
    """Append ``edge_of`` every slot in ``start``..``stop - 1`` overlapping box ``a``: one
    overlap flag per slot from ``columns`` (``slots_by_x1``; a loop the compiler
    vectorises), then the flags read 8 at a time (``flags`` has room for n + 8).
    ``columns_area``: the slots' areas."""
    cdef intp_t n = slots.n, k, s
    cdef const coord_t* x1 = columns
    cdef const coord_t* y1 = columns + n
    cdef const coord_t* x2 = columns + 2 * n
    cdef const coord_t* y2 = columns + 3 * n
    cdef coord_t ax1 = a[0], ay1 = a[1], ax2 = a[2], ay2 = a[3]
    cdef uint64_t word
    for k in range(start, stop):
        flags[k - start] = (x1[k] < ax2) & (ax1 < x2[k]) & (y1[k] < ay2) & (ay1 < y2[k])
    memset(flags + (stop - start), 0, 8)
    for s in range(start, stop, 8):
        memcpy(&word, flags + (s - start), 8)
        if word:
            if not edge_reserve(buf, BLOCK):
                return
            # one bit per flag byte (each 0 or 1): bit k = byte k
            append_hits(a, area_a, slots, columns_area, s,
                        <unsigned int> ((word * <uint64_t> 0x0102040810204080) >> 56), threshold, peer_rule, buf)


cdef void candidate_rows(const coord_t* rows, intp_t lo, intp_t hi, const Grid* grid, const Slots* slots,
                         const coord_t* columns, const double* areas, double reach, double row_reach,
                         double threshold, bint peer_rule, EdgeBuffer* buf, intp_t* degree) noexcept nogil:
    """Candidates of the rows ``lo``..``hi - 1`` (box ``rows[4p:4p + 4]``), each row sorted
    by preference, appended to ``buf``; ``degree[p]`` = their number. ``grid`` NULL: the
    brute force, rows and slots both by x1 (``rows_by_x1``, ``slots_by_x1``): a row
    tests the slots with x1 in ``(x1 - reach, x1 + row_reach]`` (in float64, widened
    past its rounding), a window that only moves forward."""
    cdef intp_t p, first, start = 0, stop = 0, n = slots.n
    cdef Scan it
    cdef const coord_t* a
    cdef double area_a, x, low, high
    cdef Ident ident  # candidates are slots
    cdef uint8_t* flags = NULL
    ident.base = slots.data + slots.coord_bytes
    ident.stride = slots.stride
    if grid == NULL:
        flags = <uint8_t*> malloc(n + 8)
        if flags == NULL:
            buf.failed = True
            return
    for p in range(lo, hi):
        first = buf.size
        a = rows + 4 * p
        if has_area(a):
            area_a = area_of(a)
            if grid == NULL:
                x = <double> a[0]
                low = x - reach
                low -= (fabs(low) + fabs(x)) * 1e-15
                high = x + row_reach
                high += (fabs(high) + fabs(x)) * 1e-15
                while start < n and <double> columns[start] <= low:
                    start += 1
                stop = stop if stop > start else start
                while stop < n and <double> columns[stop] <= high:
                    stop += 1
                candidate_all(a, area_a, slots, columns, areas, start, stop, flags, threshold, peer_rule, buf)
            else:
                scan_begin(&it, grid, a, 0)
                while scan_next(&it, grid):
                    candidate_run(a, area_a, slots, it.s, it.stop, threshold, peer_rule, buf)
            buf.size = first + drop_rejected(buf.data + first, buf.size - first)
            if buf.failed or not sort_edges(buf.data + first, buf.size - first, &ident):
                buf.failed = True
                break
        degree[p] = buf.size - first
    free(flags)


cdef int space_order(const coord_t[:, ::1] boxes, const Grid* grid, intp_t* row_of, coord_t* rows) noexcept nogil:
    """Order the boxes by the level-0 cell of their lower corner in ``grid`` (a counting
    sort; by index within a cell): row p is box ``row_of[p]``, copied to ``rows[4p:4p + 4]``.
    Return -1 when memory runs out."""
    cdef intp_t cells = grid.nx[0] * grid.ny[0], i, key, p
    cdef intp_t* count = <intp_t*> calloc(cells + 1, sizeof(intp_t))
    cdef intp_t* key_of = <intp_t*> malloc((boxes.shape[0] + 1) * sizeof(intp_t))
    if count == NULL or key_of == NULL:
        free(count)
        free(key_of)
        return -1
    for i in range(boxes.shape[0]):
        key_of[i] = (cell_index(<double> boxes[i, 1], grid.oy[0], grid.inv[0], grid.ny[0]) * grid.nx[0]
                     + cell_index(<double> boxes[i, 0], grid.ox[0], grid.inv[0], grid.nx[0]))
        count[key_of[i] + 1] += 1
    for key in range(cells):
        count[key + 1] += count[key]
    for i in range(boxes.shape[0]):
        p = count[key_of[i]]
        count[key_of[i]] = p + 1
        row_of[p] = i
        rows[4 * p] = boxes[i, 0]
        rows[4 * p + 1] = boxes[i, 1]
        rows[4 * p + 2] = boxes[i, 2]
        rows[4 * p + 3] = boxes[i, 3]
    free(count)
    free(key_of)
    return 0


cdef struct Matching:
    # side 1: rows (boxes of boxes1, in ``row_of`` order), with their candidate lists;
    # side 2: slots (filed boxes of boxes2)
    intp_t n1
    intp_t n2
    intp_t* row_of  # NULL: row p is box p
    Slots slots
    EdgeBuffer* bufs  # the candidate lists, one buffer per chunk of rows
    intp_t n_chunks
    Edge** cursor  # per row: its next candidate to propose to, and the end of its list
    Edge** stop
    intp_t* suitor  # per slot: the row holding it (-1: none), and their IoU
    double* suitor_w


cdef void matching_free(Matching* m) noexcept nogil:
    cdef intp_t c
    free(m.row_of)
    slots_free(&m.slots)
    if m.bufs != NULL:
        for c in range(m.n_chunks):
            free(m.bufs[c].data)
    free(m.bufs)
    free(m.cursor)
    free(m.stop)
    free(m.suitor)
    free(m.suitor_w)
    memset(m, 0, sizeof(Matching))


cdef int match_candidates(Matching* m, const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2,
                          double threshold, bint peer_rule, int n_threads, bint brute) noexcept nogil:
    """Fill the rows of ``m``: each row's candidates, by preference (``brute``: every
    box of ``boxes2`` tested, else those near in a grid). Return -1 when memory runs out."""
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0], chunk, p, lo, hi
    cdef Grid grid
    cdef Grid* grid_ptr = NULL
    cdef Slots slots
    cdef intp_t* key_of = NULL
    cdef intp_t* degree = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))
    cdef coord_t* rows = NULL
    cdef coord_t* columns = NULL  # brute force: the coordinates of boxes2, column by column
    cdef double* areas = NULL  # brute force: the areas of boxes2, in slot order
    cdef double reach = 0, row_reach = 0  # brute force: the largest widths in boxes2, boxes1
    cdef const coord_t* row_ptr = &boxes1[0, 0]
    cdef Edge* e
    cdef int status = -1
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    m.n1 = n1
    m.n_chunks = (n1 + CHUNK_ROWS - 1) // CHUNK_ROWS
    m.bufs = <EdgeBuffer*> calloc(m.n_chunks, sizeof(EdgeBuffer))
    m.cursor = <Edge**> malloc((n1 + 1) * sizeof(Edge*))
    m.stop = <Edge**> malloc((n1 + 1) * sizeof(Edge*))
    if degree != NULL and m.bufs != NULL and m.cursor != NULL and m.stop != NULL:
        if brute:  # rows and slots by x1
            columns = <coord_t*> malloc(4 * n2 * sizeof(coord_t))
            areas = <double*> malloc(n2 * sizeof(double))
            m.row_of = <intp_t*> malloc(n1 * sizeof(intp_t))
            rows = <coord_t*> malloc(4 * n1 * sizeof(coord_t))
            if (columns != NULL and areas != NULL and m.row_of != NULL and rows != NULL
                    and slots_by_x1(&slots, boxes2, columns, areas, &reach) == 0
                    and rows_by_x1(boxes1, m.row_of, rows, &row_reach) == 0):
                row_ptr = rows
                status = 0
        else:
            key_of = <intp_t*> malloc(n2 * sizeof(intp_t))
            m.row_of = <intp_t*> malloc(n1 * sizeof(intp_t))
            rows = <coord_t*> malloc(4 * n1 * sizeof(coord_t))
            if (key_of != NULL and m.row_of != NULL and rows != NULL
                    and grid_plan(&grid, boxes2, NULL, 1, key_of) == 0
                    and slots_fill(&slots, &grid, boxes2, key_of, NULL) == 0
                    and space_order(boxes1, &grid, m.row_of, rows) == 0):
                grid_ptr = &grid
                row_ptr = rows
                status = 0
    if status == 0:
        if n_threads > 1 and m.n_chunks > 1:
            for chunk in prange(m.n_chunks, schedule="dynamic", num_threads=n_threads):
                candidate_rows(row_ptr, chunk * CHUNK_ROWS, min(n1, (chunk + 1) * CHUNK_ROWS), grid_ptr, &slots,
                               columns, areas, reach, row_reach, threshold, peer_rule, &m.bufs[chunk], degree)
        else:
            for chunk in range(m.n_chunks):
                candidate_rows(row_ptr, chunk * CHUNK_ROWS, min(n1, (chunk + 1) * CHUNK_ROWS), grid_ptr, &slots,
                               columns, areas, reach, row_reach, threshold, peer_rule, &m.bufs[chunk], degree)
        for chunk in range(m.n_chunks):
            if m.bufs[chunk].failed:
                status = -1
                break
            lo = chunk * CHUNK_ROWS
            hi = min(n1, lo + CHUNK_ROWS)
            e = m.bufs[chunk].data
            for p in range(lo, hi):
                m.cursor[p] = e
                e += degree[p]
                m.stop[p] = e
        m.n2 = slots.n
        m.slots = slots  # now owned by ``m``
        memset(&slots, 0, sizeof(Slots))
    grid_free(&grid)
    slots_free(&slots)
    free(key_of)
    free(degree)
    free(rows)
    free(columns)
    free(areas)
    return status


cdef inline bint prefers(double w, intp_t p, double w_old, intp_t p_old, const intp_t* row_of) noexcept nogil:
    """Whether a box prefers row p (IoU w) to row p_old (IoU w_old): higher IoU, then lower index."""
    if w != w_old:
        return w > w_old
    if row_of == NULL:
        return p < p_old
    return row_of[p] < row_of[p_old]


cdef intp_t propose(Matching* m) noexcept nogil:
    """Rows propose down their lists; a box keeps the row it prefers (Gale-Shapley).
    Every box ranks by IoU, ties by the lower index, as every row does, so the only
    stable matching is the greedy one (its best pair must be matched together, and so
    on), and this finds it. Return the number of matches, or -1 when memory runs out."""
    cdef intp_t p, r, v, held, count = 0
    cdef Edge* e
    m.suitor = <intp_t*> malloc((m.n2 + 1) * sizeof(intp_t))
    m.suitor_w = <double*> malloc((m.n2 + 1) * sizeof(double))
    if m.suitor == NULL or m.suitor_w == NULL:
        return -1
    for v in range(m.n2):
        m.suitor[v] = -1
    for p in range(m.n1):
        r = p
        while r >= 0:  # r is free: it proposes to its next candidate
            e = m.cursor[r]
            if e == m.stop[r]:
                break  # r stays unmatched
            m.cursor[r] = e + 1
            v = e.v
            held = m.suitor[v]
            if held < 0:
                m.suitor[v] = r
                m.suitor_w[v] = e.w
                count += 1
                r = -1
            elif prefers(e.w, r, m.suitor_w[v], held, m.row_of):
                m.suitor[v] = r
                m.suitor_w[v] = e.w
                r = held  # displaced: it proposes further down its list
    return count


cdef int acceptance_order(const Matching* m, intp_t n1, intp_t n2, intp_t count, bint by_second,
                          intp_t* first, intp_t* second, intp_t* unmatched1, intp_t* unmatched2) noexcept nogil:
    """Write the matches by IoU desc (ties: lower index in boxes1, or in boxes2 with
    ``by_second``) and the unmatched boxes, ascending. Return -1 when memory runs out."""
    cdef intp_t* partner1 = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))  # by box: matched box, or -1
    cdef intp_t* partner2 = <intp_t*> malloc((n2 + 1) * sizeof(intp_t))
    cdef double* weight = <double*> malloc((n1 + 1) * sizeof(double))
    cdef uint64_t* keys = <uint64_t*> malloc((count + 1) * sizeof(uint64_t))
    cdef intp_t* vals = <intp_t*> malloc((count + 1) * sizeof(intp_t))
    cdef intp_t v, i, j, t = 0, u1 = 0, u2 = 0
    cdef int status = 0
    if partner1 == NULL or partner2 == NULL or weight == NULL or keys == NULL or vals == NULL:
        status = -1
    else:
        for i in range(n1):
            partner1[i] = -1
        for j in range(n2):
            partner2[j] = -1
        for v in range(m.n2):
            if m.suitor[v] >= 0:
                i = m.row_of[m.suitor[v]] if m.row_of != NULL else m.suitor[v]
                j = slot_index(&m.slots, v)
                partner1[i] = j
                partner2[j] = i
                weight[i] = m.suitor_w[v]
        for i in range(n1):
            if partner1[i] < 0:
                unmatched1[u1] = i
                u1 += 1
            elif not by_second:
                vals[t] = i
                keys[t] = ~float_key(weight[i])
                t += 1
        for j in range(n2):
            if partner2[j] < 0:
                unmatched2[u2] = j
                u2 += 1
            elif by_second:
                vals[t] = partner2[j]
                keys[t] = ~float_key(weight[partner2[j]])
                t += 1
        if sort_by_key(keys, vals, count) < 0:
            status = -1
        else:
            for t in range(count):
                first[t] = vals[t]
                second[t] = partner1[vals[t]]
    free(partner1)
    free(partner2)
    free(weight)
    free(keys)
    free(vals)
    return status


def greedy_matching(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, double threshold, bint peer_rule,
                    bint by_second, int n_threads, int method=AUTO, bint as_uint32=False):
    """Greedy one-to-one matching by decreasing IoU over the candidates of ``append_hits``.

    Return ``(matches, unmatched1, unmatched2)``: matches (2, m) intp in acceptance
    order (IoU desc, ties by the lower index in ``boxes1``, or in ``boxes2`` with
    ``by_second``), unmatched indices ascending. ``n_threads`` runs the candidate
    search in parallel; the result never depends on it, nor on ``method`` (0 auto,
    1 every pair, 2 a grid of ``boxes2``). Both arrays have one dtype. ``as_uint32``:
    box-intersect-lib's layout instead, matches (m, 2) and every array uint32.
    """
    cdef int kind = box_kind(boxes1)
    if box_kind(boxes2) != kind:
        raise TypeError(f"expected boxes of one dtype, got {boxes1.dtype} and {boxes2.dtype}")
    if kind == 0:
        return match_boxes[int32_t](boxes1, boxes2, threshold, peer_rule, by_second, n_threads, method, as_uint32)
    if kind == 1:
        return match_boxes[int64_t](boxes1, boxes2, threshold, peer_rule, by_second, n_threads, method, as_uint32)
    if kind == 2:
        return match_boxes[float32_t](boxes1, boxes2, threshold, peer_rule, by_second, n_threads, method, as_uint32)
    return match_boxes[float64_t](boxes1, boxes2, threshold, peer_rule, by_second, n_threads, method, as_uint32)


cdef object match_boxes(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, double threshold,
                        bint peer_rule, bint by_second, int n_threads, int method, bint as_uint32):
    """``greedy_matching`` for one coordinate type."""
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0], count = -1, t
    cdef int status = -1
    cdef Matching m
    cdef intp_t* found  # the matches (2 x count), then the unmatched boxes of each side
    memset(&m, 0, sizeof(Matching))
    if n1 and n2:
        if method == AUTO:
            method = BRUTE if n1 * n2 <= MATCH_BRUTE else WALK
        if method == BRUTE:  # small: keeping the GIL costs less than releasing it
            count = candidates_and_proposals(&m, boxes1, boxes2, threshold, peer_rule, n_threads, True)
        else:
            with nogil:
                count = candidates_and_proposals(&m, boxes1, boxes2, threshold, peer_rule, n_threads, False)
    else:
        count = 0
    found = <intp_t*> malloc((n1 + n2 + 1) * sizeof(intp_t))
    if count < 0 or found == NULL:
        matching_free(&m)
        free(found)
        raise MemoryError()
    if n1 and n2:
        if method == BRUTE:
            status = acceptance_order(&m, n1, n2, count, by_second, found, found + count, found + 2 * count,
                                      found + n1 + count)
        else:
            with nogil:
                status = acceptance_order(&m, n1, n2, count, by_second, found, found + count, found + 2 * count,
                                          found + n1 + count)
    else:  # nothing to match: every box is unmatched
        status = 0
        for t in range(n1 + n2):
            found[t] = t if t < n1 else t - n1
    matching_free(&m)
    if status != 0:
        free(found)
        raise MemoryError()
    try:
        return match_arrays(found, count, n1, n2, as_uint32)
    finally:
        free(found)


cdef object match_arrays(const intp_t* found, intp_t count, intp_t n1, intp_t n2, bint as_uint32):
    """``(matches, unmatched1, unmatched2)`` from ``found`` (first boxes, second boxes,
    unmatched of side 1, of side 2): (2, count) intp and intp, or with ``as_uint32``
    (count, 2) and uint32."""
    cdef cnp.npy_intp dims[2]
    cdef intp_t t
    cdef uint32_t* out
    dims[0] = count if as_uint32 else 2
    dims[1] = 2 if as_uint32 else count
    matches = cnp.PyArray_EMPTY(2, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    dims[0] = n1 - count
    unmatched1 = cnp.PyArray_EMPTY(1, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    dims[0] = n2 - count
    unmatched2 = cnp.PyArray_EMPTY(1, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    if not as_uint32:
        memcpy(cnp.PyArray_DATA(matches), found, 2 * count * sizeof(intp_t))
        memcpy(cnp.PyArray_DATA(unmatched1), found + 2 * count, (n1 - count) * sizeof(intp_t))
        memcpy(cnp.PyArray_DATA(unmatched2), found + n1 + count, (n2 - count) * sizeof(intp_t))
        return matches, unmatched1, unmatched2
    out = <uint32_t*> cnp.PyArray_DATA(matches)
    for t in range(count):
        out[2 * t] = <uint32_t> found[t]
        out[2 * t + 1] = <uint32_t> found[count + t]
    out = <uint32_t*> cnp.PyArray_DATA(unmatched1)
    for t in range(n1 - count):
        out[t] = <uint32_t> found[2 * count + t]
    out = <uint32_t*> cnp.PyArray_DATA(unmatched2)
    for t in range(n2 - count):
        out[t] = <uint32_t> found[n1 + count + t]
    return matches, unmatched1, unmatched2


cdef intp_t candidates_and_proposals(Matching* m, const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2,
                                     double threshold, bint peer_rule, int n_threads, bint brute) noexcept nogil:
    """``match_candidates`` then ``propose``: the number of matches, or -1 when memory runs out."""
    if match_candidates(m, boxes1, boxes2, threshold, peer_rule, n_threads, brute) < 0:
        return -1
    return propose(m)


def pair_overlaps(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, const intp_t[:, ::1] pairs,
                  int n_threads):
    """Return ``(inter, union)``, float64 (k,) each, of ``boxes1[pairs[0]]`` and ``boxes2[pairs[1]]``."""
    cdef intp_t k = pairs.shape[1], t
    inter_array = np.empty(k, dtype=np.float64)
    union_array = np.empty(k, dtype=np.float64)
    cdef double[::1] inter = inter_array
    cdef double[::1] union = union_array
    cdef const coord_t* pa
    cdef const coord_t* pb
    cdef double value
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            pa = &boxes1[pairs[0, t], 0]
            pb = &boxes2[pairs[1, t], 0]
            value = 0.0
            intersect(pa, pb, &value)
            inter[t] = value
            union[t] = area_of(pa) + area_of(pb) - value
    return inter_array, union_array
