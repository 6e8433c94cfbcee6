# The hierarchical grid and its slots: the spatial filing shared by greedy NMS
# (``_nms``), non-maximum merging (``_nmm``), greedy matching (``_match``) and soft-NMS
# (``_soft_nms``).
#
# | concept     | convention                                                                        |
# |-------------|-----------------------------------------------------------------------------------|
# | group       | all boxes, or one label (``label_groups``): each group has a grid of its own      |
# | level-0 cell| square, of side 1.5 x the geometric mean of the group's longer box sides (at      |
# |             | most CELLS_PER_BOX cells per box); cell of a coordinate: ``_cells.cell_of``       |
# | level l     | merges 2**l x 2**l level-0 cells; every level up to a single cell exists          |
# | filing      | a box covering level-0 cells [gx1, gx2] x [gy1, gy2] is filed once, in the cell   |
# |             | of its lower corner at the first level where it spans at most two cells per axis  |
# | query       | at level l, cells [(gx1 >> l) - 1, gx2 >> l] (same in y): every filed box that    |
# |             | may overlap the query box                                                         |
# | zero area   | never filed (``key_of`` -1): under the strict rule it overlaps nothing            |
# | slots       | the filed boxes copied in cell order (by index within a cell), one record each:   |
# |             | 4 coordinates, the box index, optionally a uint64 key (NMS: the score key)        |
# | runs        | the slots of consecutive cells are consecutive: a cell row of a query window is   |
# |             | one run, and a query yields its slots in increasing order                         |
#
# The cell rule is monotonic (``_cells.pxd``), so filing and queries are exact for any
# coordinates: the cell size only changes the speed. A block of SLOT_BLOCK slots is
# tested against a box (``overlap_mask``: ``_box.open_overlap``, one bit per slot)
# before the first branch on the data. ``slots_by_x1`` is the other layout of slots,
# for brute-force scans: every box by x1, with its coordinates also column by column.
#
# Memory: functions that allocate return -1 (or False) when memory runs out and leave
# what they allocated to ``grid_free`` / ``slots_free``.

from cython cimport view
from libc.math cimport INFINITY, exp, fabs, log, sqrt
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memset

from boxgeom._bits cimport load_relaxed
from boxgeom._box cimport area, has_area, open_overlap, span
from boxgeom._cells cimport cell_of
from boxgeom._sort cimport coord_key, int_key, radix_sort, sort_by_key
from boxgeom._types cimport coord_t, int64_t, intp_t, uint8_t, uint64_t

# Tuning constants: they change the speed, never the result.
cdef enum:
    CELL_SCALE_PERCENT = 150  # level-0 cell side / geometric mean of the box sides, in percent
    CELLS_PER_BOX = 2  # at most this many level-0 cells per box
    SLOT_BLOCK = 8  # slots tested together before the first branch on the data


# --- the grid ------------------------------------------------------------------------------


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


cdef inline void grid_free(Grid* grid) noexcept nogil:
    """Release the grid's arrays (and leave it zeroed)."""
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


cdef inline int label_groups(const int64_t* labels, intp_t n, intp_t* group, intp_t* n_groups) noexcept nogil:
    """Group ids in [0, n_groups) that increase with the label: ``label - min`` when the
    labels span at most n values (no sort: a few empty groups cost a few cells), else
    dense ranks. Return -1 when memory runs out."""
    cdef uint64_t* keys
    cdef intp_t* order
    cdef intp_t i, g = 0
    cdef int64_t low, high
    if n == 0:
        n_groups[0] = 1
        return 0
    low = high = labels[0]
    for i in range(1, n):
        low = labels[i] if labels[i] < low else low
        high = labels[i] if labels[i] > high else high
    if <uint64_t> high - <uint64_t> low < <uint64_t> n:
        for i in range(n):
            group[i] = <intp_t> (labels[i] - low)
        n_groups[0] = <intp_t> (high - low) + 1
        return 0
    keys = <uint64_t*> malloc(n * sizeof(uint64_t))
    order = <intp_t*> malloc(n * sizeof(intp_t))
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


cdef inline void cells_of(const coord_t* box, const Grid* grid, intp_t g, intp_t* c) noexcept nogil:
    """Level-0 cell range of ``box`` in group ``g``: columns c[0]..c[2], rows c[1]..c[3]."""
    c[0] = cell_of(<double> box[0], grid.ox[g], grid.inv[g], grid.nx[g])
    c[1] = cell_of(<double> box[1], grid.oy[g], grid.inv[g], grid.ny[g])
    c[2] = cell_of(<double> box[2], grid.ox[g], grid.inv[g], grid.nx[g])
    c[3] = cell_of(<double> box[3], grid.oy[g], grid.inv[g], grid.ny[g])


cdef inline intp_t level_of(const intp_t* c) noexcept nogil:
    """First level at which the cell range spans at most two cells per axis."""
    cdef intp_t level = 0
    while (c[2] >> level) - (c[0] >> level) > 1 or (c[3] >> level) - (c[1] >> level) > 1:
        level += 1
    return level


cdef inline intp_t level_columns(const Grid* grid, intp_t g, intp_t level) noexcept nogil:
    """Columns of group ``g``'s grid at ``level``."""
    return ((grid.nx[g] - 1) >> level) + 1


cdef inline int grid_plan(Grid* grid, const coord_t[:, ::view.contiguous] boxes, const intp_t* group, intp_t n_groups,
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
                budget = <double> CELLS_PER_BOX * count[g]
                side = (<double> CELL_SCALE_PERCENT / 100) * exp(logsum[g] / count[g])
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


# --- queries ----------------------------------------------------------------------------------


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
    """The key of the box in slot ``s`` (slots allocated ``with_key``)."""
    return (<const uint64_t*> (slots.data + s * slots.stride + slots.coord_bytes + 8))[0]


cdef inline bint slots_alloc(Slots* slots, intp_t n, bint with_key, coord_t kind) noexcept nogil:
    """Room for ``n`` records (with a key if ``with_key``); False when memory runs out."""
    slots.n = n
    slots.coord_bytes = 4 * sizeof(coord_t)
    slots.stride = slots.coord_bytes + sizeof(intp_t) + (sizeof(uint64_t) if with_key else 0)
    slots.data = <char*> malloc((n + 1) * slots.stride)
    return slots.data != NULL


cdef inline void slots_free(Slots* slots) noexcept nogil:
    """Release the records (and leave ``slots`` zeroed)."""
    free(slots.data)
    memset(slots, 0, sizeof(Slots))


cdef inline void slot_set(Slots* slots, intp_t s, const coord_t* box, intp_t index) noexcept nogil:
    """Write ``box`` and its ``index`` to slot ``s``."""
    cdef char* record = slots.data + s * slots.stride
    cdef coord_t* c = <coord_t*> record
    c[0] = box[0]
    c[1] = box[1]
    c[2] = box[2]
    c[3] = box[3]
    (<intp_t*> (record + slots.coord_bytes))[0] = index


cdef inline int slots_fill(Slots* slots, Grid* grid, const coord_t[:, ::view.contiguous] boxes, const intp_t* key_of,
                           const uint64_t* box_key) noexcept nogil:
    """Copy every filed box to its slot (cell order; by index within a cell): its
    coordinates, its index and (``box_key`` not NULL) its key. ``grid.start`` serves as
    the cursors (each cell's start moves to its end, then back). Return -1 when memory
    runs out."""
    cdef intp_t i, s, key
    if not slots_alloc(slots, grid.start[grid.n_cells], box_key != NULL, boxes[0, 0]):
        return -1
    for i in range(boxes.shape[0]):
        key = key_of[i]
        if key < 0:
            continue
        s = grid.start[key]
        grid.start[key] = s + 1
        slot_set(slots, s, &boxes[i, 0], i)
        if box_key != NULL:
            (<uint64_t*> (slots.data + s * slots.stride + slots.coord_bytes + 8))[0] = box_key[i]
    for key in range(grid.n_cells, 0, -1):  # a cell's end is the next one's start
        grid.start[key] = grid.start[key - 1]
    grid.start[0] = 0
    return 0


cdef inline unsigned int overlap_mask(const Slots* slots, const uint8_t* flags, uint8_t skip, intp_t t,
                                      intp_t count, const coord_t* b) noexcept nogil:
    """Bit k set when slot t + k (k < count <= SLOT_BLOCK) overlaps ``b`` with positive
    extent (``open_overlap``, for slots and ``b`` of positive area) and, with ``flags``
    (per slot, read relaxed: other threads may write them), its flag is not ``skip``.
    No branch on the data."""
    cdef const coord_t* a
    cdef unsigned int mask = 0
    cdef intp_t k
    cdef coord_t x1 = b[0], y1 = b[1], x2 = b[2], y2 = b[3]
    if flags == NULL:
        for k in range(count):
            a = slot_box(slots, t + k, x1)
            mask |= (<unsigned int> open_overlap(a[0], a[1], a[2], a[3], x1, y1, x2, y2)) << k
    else:
        for k in range(count):
            a = slot_box(slots, t + k, x1)
            mask |= (<unsigned int> (open_overlap(a[0], a[1], a[2], a[3], x1, y1, x2, y2)
                                     & (load_relaxed(flags + t + k) != skip))) << k
    return mask


# --- slots by x1: the layout of brute-force scans ---------------------------------------------


cdef inline int sort_by_x1(const coord_t[:, ::view.contiguous] boxes, intp_t* order, double* reach) noexcept nogil:
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


cdef inline int slots_by_x1(Slots* slots, const coord_t[:, ::view.contiguous] boxes, coord_t* columns, double* areas,
                            double* reach) noexcept nogil:
    """Every box in its own slot, by x1 (``sort_by_x1``, which sets ``reach``), for a
    brute-force scan; also ``columns``: the slots' x1, y1, x2, y2, one coordinate after
    the other, and their ``areas``. Return -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], i, s, c
    cdef intp_t* order = <intp_t*> malloc(n * sizeof(intp_t))
    cdef int status = -1
    if order != NULL and sort_by_x1(boxes, order, reach) == 0 and slots_alloc(slots, n, False, boxes[0, 0]):
        for s in range(n):
            i = order[s]
            slot_set(slots, s, &boxes[i, 0], i)
            for c in range(4):
                columns[c * n + s] = boxes[i, c]
            areas[s] = area(&boxes[i, 0])
        status = 0
    free(order)
    return status
