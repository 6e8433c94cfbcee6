"""The static index: boxes binned by their lower-left corner into uniform grids.

Each box is stored once, in the cell of its corner ``(x1, y1)``. A query box ``q``
can only meet boxes whose corner lies in ``[q.x1 - max width, q.x2] x [q.y1 - max
height, q.y2]``; cells are numbered column by column, so the candidates of one grid
column form one contiguous run of the cell-ordered rows, found with two lookups.

Boxes of very different sizes would make "max width" useless, so boxes are grouped
by size first: *bands* of a factor 4 in their larger side, then adjacent bands are
merged into *levels* while the extra candidates a merge costs stay small (a few per
query). Each level has its own grid, sized to its boxes (cells by the shared rule
``_cells.cell_of``). Below ``SMALL`` boxes there is one level with one cell: a
brute-force scan.

Build (:func:`build`): three passes over the boxes (size band, cell, scatter) and a
counting sort; no Python-level loops. Queries: ``cdef ... nogil`` searches that test
every candidate without a branch (an int32 row is one 16-byte vector compare, the
other rows the ``_box`` overlap tests), then sort each query's ids with the sorting
networks and branchless merges of ``_sort.sort_ids``. A batch (``query_many``)
visits its queries in grid order, in chunks over OpenMP threads, each chunk into its
own ``_buffer.Buffer``; a second parallel pass walks the queries in index order and
gathers each one's ids into the result, so the result never depends on the thread
count. Single queries: ``query_box`` (one plain box in a format, read by
``_checks.read_box``) and ``query_xyxy``. The index is immutable after
construction: any number of threads may query it at once. Other modules query it
from C through ``_index.pxd``.
"""

from cython.parallel cimport prange
from libc.math cimport ceil, floor, ilogb, isfinite, sqrt
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.stdint cimport UINT32_MAX
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._bits cimport prefetch
from boxgeom._box cimport closed_overlap, has_area, open_overlap
from boxgeom._buffer cimport Buffer, buffer_borrow, buffer_free, buffer_init, buffer_reserve
from boxgeom._cells cimport cell_of
from boxgeom._checks cimport EXACT, BoxFormat, read_box
from boxgeom._kinds cimport KIND_FLOAT32, KIND_FLOAT64, KIND_INT32, KIND_INT64, box_kind, row_step
from boxgeom._sort cimport BLOCK, LEAF, sort_ids, sort_room
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint32_t

cnp.import_array()

# Storage types of the rows (``StaticIndex.kind``: KIND_INT32, KIND_FLOAT32 or
# KIND_FLOAT64; int64 boxes are stored as int32 when they fit, else as float64).
ctypedef fused store_t:
    int32_t
    float32_t
    float64_t

cdef enum:
    SMALL = 128           # up to this many boxes: one cell, a brute-force scan
    BANDS = 1100          # size bands: 0 for points, 1.. by the exponent of the larger side
    MERGE_COST = 16       # extra candidates per query a merge of bands may cost
    CELLS_PER_BOX = 2     # a level has at most about this many cells per box
    RUN_COST = 8          # cost of reading one more run of cells, in candidate tests
    CHUNK = 256           # queries per chunk of a batch
    FILL = 8192           # queries per block of the copy into the result
    PREFETCH = 8          # queries read ahead in a chunk
    ROW = 4               # slots per stored row: x1, y1, x2, y2
# (LEAF and BLOCK, the widths of the sorting networks, come from _sort; FAILED, the
# answer of a search when memory ran out, from _index.pxd.)


cdef struct Found:
    const intp_t* ids     # a query's sorted ids, in its chunk's buffer
    intp_t start          # how many, then where its pairs start in the result


cdef inline int64_t below(double value, bint strict) noexcept nogil:
    """The largest integer < value (strict) or <= value, clamped to +-2**40 (beyond int32)."""
    cdef double t = ceil(value) - 1 if strict else floor(value)
    return <int64_t> (t if t < 1099511627776.0 else 1099511627776.0) if t > -1099511627776.0 \
        else -1099511627776


cdef inline int64_t above(double value, bint strict) noexcept nogil:
    """The smallest integer > value (strict) or >= value, clamped to +-2**40."""
    return -below(-value, strict)


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* The test of an int32 row (x1, y1, x2, y2): a hit iff lo <= row <= hi, lane by lane.
       With GCC/Clang vector extensions that is two compares of the 16-byte row and one
       mask test (SSE2 on x86-64, NEON on arm64: no -march needed); elsewhere four scalar
       compares. */
    #if defined(__GNUC__) || defined(__clang__)
    typedef int32_t boxgeom_i32x4 __attribute__((vector_size(16)));
    typedef int64_t boxgeom_i64x2 __attribute__((vector_size(16)));
    typedef struct { boxgeom_i32x4 lo, hi; } boxgeom_bounds32;
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #define BOXGEOM_ALL_CLEAR(v) (_mm_movemask_epi8((__m128i) (v)) == 0)
    #else
    #define BOXGEOM_ALL_CLEAR(v) ((((boxgeom_i64x2) (v))[0] | ((boxgeom_i64x2) (v))[1]) == 0)
    #endif
    static inline void boxgeom_bounds32_set(boxgeom_bounds32* b, int32_t x1_max, int32_t y1_max,
                                            int32_t x2_min, int32_t y2_min) {
        boxgeom_i32x4 lo = {INT32_MIN, INT32_MIN, x2_min, y2_min};
        boxgeom_i32x4 hi = {x1_max, y1_max, INT32_MAX, INT32_MAX};
        b->lo = lo;
        b->hi = hi;
    }
    static inline int boxgeom_row_in32(const int32_t* row, const boxgeom_bounds32* b) {
        boxgeom_i32x4 r;
        memcpy(&r, row, sizeof r);
        return BOXGEOM_ALL_CLEAR((r < b->lo) | (r > b->hi));
    }
    #else
    typedef struct { int32_t x1_max, y1_max, x2_min, y2_min; } boxgeom_bounds32;
    static inline void boxgeom_bounds32_set(boxgeom_bounds32* b, int32_t x1_max, int32_t y1_max,
                                            int32_t x2_min, int32_t y2_min) {
        b->x1_max = x1_max; b->y1_max = y1_max; b->x2_min = x2_min; b->y2_min = y2_min;
    }
    static inline int boxgeom_row_in32(const int32_t* row, const boxgeom_bounds32* b) {
        return (row[0] <= b->x1_max) & (row[1] <= b->y1_max) & (row[2] >= b->x2_min) & (row[3] >= b->y2_min);
    }
    #endif
    """
    ctypedef struct Bounds32 "boxgeom_bounds32":
        pass
    void bounds32_set "boxgeom_bounds32_set"(Bounds32* b, int32_t x1_max, int32_t y1_max, int32_t x2_min,
                                             int32_t y2_min) noexcept nogil
    bint row_in32 "boxgeom_row_in32"(const int32_t* row, const Bounds32* b) noexcept nogil


cdef inline int32_t clamp32(int64_t value) noexcept nogil:
    """``value`` clamped to the int32 range."""
    return <int32_t> (-2147483648 if value < -2147483648 else (2147483647 if value > 2147483647 else value))


cdef inline intp_t scan(const store_t* r, const intp_t* ids, intp_t count, const Bounds32* ints,
                        double qx1, double qy1, double qx2, double qy2, bint touching, bint flat,
                        intp_t* out) noexcept nogil:
    """Write the ids of the hits among ``count`` rows from ``r`` to ``out``; return their
    number. Branchless: every row's id is written, the position advances on a hit.

    int32 rows are tested against ``ints`` (the query's integer bounds, touching or
    not), others against the query (``_box.closed_overlap`` / ``open_overlap`` in
    float64). ``flat``: strict, and the rows may have zero area (which then never hit:
    ``_box.has_area``); inlined with constant flags, each case is its own loop."""
    cdef intp_t e, size = 0
    cdef bint keep
    for e in range(count):
        if store_t is int32_t:
            keep = row_in32(r, ints)
        elif touching:
            keep = closed_overlap(<double> r[0], <double> r[1], <double> r[2], <double> r[3], qx1, qy1, qx2, qy2)
        else:
            keep = open_overlap(<double> r[0], <double> r[1], <double> r[2], <double> r[3], qx1, qy1, qx2, qy2)
        if flat:
            keep = keep & has_area(r)
        out[size] = ids[e]
        size += keep
        r += ROW
    return size


cdef void search(const store_t* rows, const intp_t* ids, const intp_t* starts, const Level* levels,
                 intp_t n_levels, double qx1, double qy1, double qx2, double qy2, bint touching,
                 Buffer* out) noexcept nogil:
    """Append the ids of the rows overlapping the query to ``out`` (an intp Buffer; unsorted).

    Strict: the four open inequalities and a stored box of positive area (so the
    overlap has positive area; a zero-area query yields the boxes whose open interior
    holds it). Touching: the closed inequalities. Integer rows are compared with the
    query's integer bounds (exactly equivalent).
    """
    cdef intp_t l, cx, cx0, cx1, cy0, cy1, e, stop, column
    cdef const Level* level
    cdef bint strict = not touching
    # integer rows: hit iff x1 <= x1_max, x2 >= x2_min, y1 <= y1_max, y2 >= y2_min
    cdef int64_t x1_max = below(qx2, strict), x2_min = above(qx1, strict)
    cdef int64_t y1_max = below(qy2, strict), y2_min = above(qy1, strict)
    cdef Bounds32 ints
    if store_t is int32_t:
        if x1_max < -2147483648 or y1_max < -2147483648 or x2_min > 2147483647 or y2_min > 2147483647:
            return
        bounds32_set(&ints, clamp32(x1_max), clamp32(y1_max), clamp32(x2_min), clamp32(y2_min))
    for l in range(n_levels):
        level = &levels[l]
        # the query misses the extent of the level's boxes (tests that stop at the first
        # failing side: a branch per side, taken alike by neighbouring queries)
        if touching:
            if qx2 < level.x_lo or qx1 > level.x_hi or qy2 < level.y_lo or qy1 > level.y_hi:
                continue
        elif qx2 <= level.x_lo or qx1 >= level.x_hi or qy2 <= level.y_lo or qy1 >= level.y_hi:
            continue
        cx0 = cell_of(qx1 - level.reach_x, level.ox, level.inv_x, level.nx)
        cx1 = cell_of(qx2, level.ox, level.inv_x, level.nx)
        cy0 = cell_of(qy1 - level.reach_y, level.oy, level.inv_y, level.ny)
        cy1 = cell_of(qy2, level.oy, level.inv_y, level.ny)
        for cx in range(cx0, cx1 + 1):
            column = level.base + cx * level.ny
            e = starts[column + cy0]
            stop = starts[column + cy1 + 1]
            if e >= stop:
                continue
            if not buffer_reserve(out, stop - e):
                return
            if touching:
                out.size += scan(rows + ROW * e, ids + e, stop - e, &ints, qx1, qy1, qx2, qy2, True, False,
                                 <intp_t*> out.data + out.size)
            elif level.flat:
                out.size += scan(rows + ROW * e, ids + e, stop - e, &ints, qx1, qy1, qx2, qy2, False, True,
                                 <intp_t*> out.data + out.size)
            else:
                out.size += scan(rows + ROW * e, ids + e, stop - e, &ints, qx1, qy1, qx2, qy2, False, False,
                                 <intp_t*> out.data + out.size)
            # the next query of a batch (its neighbour in grid order) mostly reads on from here
            prefetch(rows, stop * ROW * <intp_t> sizeof(store_t))
            prefetch(rows, stop * ROW * <intp_t> sizeof(store_t) + 64)
            prefetch(ids, stop * <intp_t> sizeof(intp_t))


cdef inline int band_of(double side) noexcept nogil:
    """Size band of a box's larger side: 0 for 0, then one band per factor 4, inf last."""
    if side == 0:
        return 0
    if not isfinite(side):
        return BANDS - 1
    return (ilogb(side) + 1076) // 2 + 1


cdef struct Band:
    intp_t count
    intp_t flat                           # boxes of zero area
    double width, height                  # largest width and height
    double x1_lo, y1_lo, x1_hi, y1_hi     # range of the corners
    double x2_hi, y2_hi                   # largest x2, y2


cdef inline void band_add(Band* b, double x1, double y1, double x2, double y2) noexcept nogil:
    if b.count == 0:
        b.width = x2 - x1
        b.height = y2 - y1
        b.x1_lo = b.x1_hi = x1
        b.y1_lo = b.y1_hi = y1
        b.x2_hi = x2
        b.y2_hi = y2
    else:
        b.width = x2 - x1 if x2 - x1 > b.width else b.width
        b.height = y2 - y1 if y2 - y1 > b.height else b.height
        b.x1_lo = x1 if x1 < b.x1_lo else b.x1_lo
        b.x1_hi = x1 if x1 > b.x1_hi else b.x1_hi
        b.y1_lo = y1 if y1 < b.y1_lo else b.y1_lo
        b.y1_hi = y1 if y1 > b.y1_hi else b.y1_hi
        b.x2_hi = x2 if x2 > b.x2_hi else b.x2_hi
        b.y2_hi = y2 if y2 > b.y2_hi else b.y2_hi
    b.count += 1
    b.flat += not (x1 < x2 and y1 < y2)


cdef inline void band_merge(Band* into, const Band* b) noexcept nogil:
    if b.count == 0:
        return
    if into.count == 0:
        into[0] = b[0]
        return
    into.width = b.width if b.width > into.width else into.width
    into.height = b.height if b.height > into.height else into.height
    into.x1_lo = b.x1_lo if b.x1_lo < into.x1_lo else into.x1_lo
    into.x1_hi = b.x1_hi if b.x1_hi > into.x1_hi else into.x1_hi
    into.y1_lo = b.y1_lo if b.y1_lo < into.y1_lo else into.y1_lo
    into.y1_hi = b.y1_hi if b.y1_hi > into.y1_hi else into.y1_hi
    into.x2_hi = b.x2_hi if b.x2_hi > into.x2_hi else into.x2_hi
    into.y2_hi = b.y2_hi if b.y2_hi > into.y2_hi else into.y2_hi
    into.count += b.count
    into.flat += b.flat


cdef inline double reach(double size) noexcept nogil:
    """A bound at least the exact size, whose float64 difference may have rounded down."""
    return size + size * 1e-12 if size == size else size


cdef intp_t plan_level(Level* level, const Band* b, intp_t base) noexcept nogil:
    """Fill ``level`` for the boxes summarised by ``b``, its cells from ``base`` on;
    return the number of cells.

    A query about as large as the boxes reads ``(q + W) / w + 1`` runs (one per grid
    column of width w), each costing about RUN_COST candidate tests, and about
    ``density * (q + W + w) * (q + H + h)`` candidates: the cost is least for columns
    ``w = sqrt(RUN_COST / density)`` wide (kept within [W / 8, 4 W]); cells are half as
    tall, and never more than CELLS_PER_BOX per box.
    """
    cdef double span_x = b.x1_hi - b.x1_lo, span_y = b.y1_hi - b.y1_lo
    cdef double area = (b.x2_hi - b.x1_lo) * (b.y2_hi - b.y1_lo), side
    cdef double cw = 0, ch = 0, budget = CELLS_PER_BOX * b.count + 16, scale
    cdef double fx, fy
    if area > 0 and isfinite(area):
        side = sqrt(RUN_COST * area / b.count)
        cw = side if b.width == 0 else min(max(side, b.width / 8), 4 * b.width)
        ch = side / 2 if b.height == 0 else min(max(side / 2, b.height / 16), 2 * b.height)
    level.ox = b.x1_lo
    level.oy = b.y1_lo
    level.reach_x = reach(b.width)
    level.reach_y = reach(b.height)
    level.x_lo = b.x1_lo
    level.y_lo = b.y1_lo
    level.x_hi = b.x2_hi
    level.y_hi = b.y2_hi
    level.flat = b.flat > 0
    level.base = base
    if not (span_x > 0 and isfinite(span_x)):
        span_x = 0
    if not (span_y > 0 and isfinite(span_y)):
        span_y = 0
    # cells per side if cells were half a box (about sqrt(n) for points); then grow the
    # cells to fit the budget
    fx = (span_x / cw if cw > 0 else sqrt(<double> b.count)) if span_x > 0 else 0
    fy = (span_y / ch if ch > 0 else sqrt(<double> b.count)) if span_y > 0 else 0
    if not (fx < 1e9):
        fx = 1e9
    if not (fy < 1e9):
        fy = 1e9
    if span_x > 0 and fx < 1:
        fx = 1
    if span_y > 0 and fy < 1:
        fy = 1
    if (fx + 1) * (fy + 1) > budget:
        if fx < 1:
            fy = budget - 1
        elif fy < 1:
            fx = budget - 1
        else:
            scale = sqrt(budget / (fx * fy))
            fx = fx * scale
            fy = fy * scale
    level.nx = <intp_t> fx + 1 if span_x > 0 else 1
    level.ny = <intp_t> fy + 1 if span_y > 0 else 1
    level.inv_x = level.nx / span_x if span_x > 0 and level.nx > 1 else 0
    level.inv_y = level.ny / span_y if span_y > 0 and level.ny > 1 else 0
    if not isfinite(level.inv_x):
        level.inv_x = 0
        level.nx = 1
    if not isfinite(level.inv_y):
        level.inv_y = 0
        level.ny = 1
    return level.nx * level.ny


cdef intp_t plan(Band* bands, intp_t n_bands, Level* levels, uint32_t* level_of, intp_t* n_cells) noexcept nogil:
    """Merge adjacent non-empty bands into levels, from the largest boxes down: a smaller
    band joins the current level while the extra candidates it adds to a query (its
    density times the growth of its search area) stay below MERGE_COST. Fill
    ``level_of`` (band -> level) and return the number of levels."""
    cdef intp_t b, count = 0, cells = 0
    cdef Band current
    cdef double area, grown, own
    memset(&current, 0, sizeof(Band))
    b = n_bands - 1
    while b >= 0:
        if bands[b].count:
            if current.count:
                area = (current.x2_hi - current.x1_lo) * (current.y2_hi - current.y1_lo)
                grown = (current.width + current.width) * (current.height + current.height)
                own = (bands[b].width + current.width) * (bands[b].height + current.height)
                if not (area > 0 and bands[b].count * (grown - own) <= MERGE_COST * area):
                    cells += plan_level(&levels[count], &current, cells)
                    count += 1
                    memset(&current, 0, sizeof(Band))
            band_merge(&current, &bands[b])
            level_of[b] = count
        b -= 1
    if current.count:
        cells += plan_level(&levels[count], &current, cells)
        count += 1
    n_cells[0] = cells
    return count



cdef class StaticIndex:
    """Boxes in cell order with their grids; built by :func:`build`, read by the queries
    (its fields and C methods are declared in ``_index.pxd``)."""

    def __dealloc__(self):
        free(self.rows)
        free(self.ids)
        free(self.starts)
        free(self.levels)

    def __len__(self):
        return self.n

    cdef intp_t _search(self, double x1, double y1, double x2, double y2, bint touching, Buffer* out) noexcept nogil:
        """Append the input indices of the boxes overlapping the box to ``out`` (an intp
        Buffer; unsorted); return the new size, or FAILED when memory ran out."""
        if self.kind == KIND_INT32:
            search(<const int32_t*> self.rows, self.ids, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        elif self.kind == KIND_FLOAT32:
            search(<const float32_t*> self.rows, self.ids, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        else:
            search(<const float64_t*> self.rows, self.ids, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        return FAILED if out.failed else out.size

    cdef object _found(self, double x1, double y1, double x2, double y2, bint touching, bint as_uint32):
        """The sorted ids overlapping one box, as a new intp (or uint32) array (the first
        128 found in a buffer on the stack)."""
        cdef Buffer hits
        cdef intp_t k, i
        cdef cnp.npy_intp length
        cdef intp_t* tmp = NULL
        cdef uint32_t* small
        cdef intp_t first[128]
        cdef intp_t scratch[128]
        buffer_borrow(&hits, first, 128, sizeof(intp_t))
        with nogil:
            k = self._search(x1, y1, x2, y2, touching, &hits)
            if k > 128:
                tmp = <intp_t*> malloc(sort_room(k) * sizeof(intp_t))
                if tmp == NULL or not buffer_reserve(&hits, sort_room(k) - k):
                    k = FAILED
                else:
                    sort_ids(<intp_t*> hits.data, k, self.n, tmp)
            elif k > 1:
                sort_ids(<intp_t*> hits.data, k, self.n, scratch)  # sort_room(k) <= 128
        free(tmp)
        if k == FAILED:
            buffer_free(&hits)
            raise MemoryError()
        length = k
        if as_uint32:
            out = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_UINT32)
            small = <uint32_t*> cnp.PyArray_DATA(out)
            for i in range(k):
                small[i] = <uint32_t> (<intp_t*> hits.data)[i]
        else:
            out = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_INTP)
            if k:
                memcpy(cnp.PyArray_DATA(out), hits.data, k * sizeof(intp_t))
        if not hits.borrowed:  # (still on the stack, the common case: nothing to release)
            buffer_free(&hits)
        return out

    def stored_boxes(self):
        """The stored xyxy boxes as an (n, 4) array in input order, in the storage dtype
        (int32, float32 or float64): building from it gives the same index."""
        cdef Py_ssize_t itemsize = 4 if self.kind != KIND_FLOAT64 else 8
        cdef intp_t r
        cdef char* dst
        out = np.empty((self.n, 4), dtype=np.int32 if self.kind == KIND_INT32 else
                       np.float32 if self.kind == KIND_FLOAT32 else np.float64)
        dst = <char*> cnp.PyArray_DATA(out)
        for r in range(self.n):
            memcpy(dst + self.ids[r] * 4 * itemsize, <char*> self.rows + r * 4 * itemsize, 4 * itemsize)
        return out

    def grids(self):
        """The grids, one dict per level (a diagnostic): cells, cell size, reach, boxes."""
        cdef intp_t l
        cdef Level* v
        out = []
        for l in range(self.n_levels):
            v = &self.levels[l]
            out.append({
                "cells": (v.nx, v.ny),
                "cell_size": (1 / v.inv_x if v.inv_x else float("inf"), 1 / v.inv_y if v.inv_y else float("inf")),
                "reach": (v.reach_x, v.reach_y),
                "boxes": self.starts[v.base + v.nx * v.ny] - self.starts[v.base],
            })
        return out

    def query_box(self, box, touching, BoxFormat fmt):
        """The sorted (k,) intp ids of the stored boxes overlapping one box, or None when
        ``box`` is not a plain box: a list/tuple of 4 Python ints/floats or a 1-D numpy
        array of 4 int32/int64/float32/float64, finite, integers within +-2**53, not
        inverted (see ``_checks.read_box``), with ``touching`` True or False (the caller
        then validates it and raises, or takes the general path). ``fmt``: a
        ``_checks.BoxFormat``. A zero-area box finds nothing unless ``touching``."""
        cdef double v[4]
        cdef double x1, y1, x2, y2
        if touching is not True and touching is not False:
            return None
        if not read_box(box, fmt, v):
            return None
        x1, y1, x2, y2 = v[0], v[1], v[2], v[3]
        if touching is False and not (x1 < x2 and y1 < y2):
            return np.empty(0, dtype=np.intp)
        return self._found(x1, y1, x2, y2, touching is True, False)

    def query_xyxy(self, double x1, double y1, double x2, double y2, bint touching, bint as_uint32):
        """The sorted ids overlapping one xyxy box of floats (no checks; strict on a zero-area
        box: the boxes whose open interior holds it), as intp or uint32."""
        return self._found(x1, y1, x2, y2, touching, as_uint32)

    def query_many(self, cnp.ndarray queries not None, bint touching, int n_threads):
        """The (2, k) intp pairs (query, stored id), sorted lexicographically, of validated
        xyxy ``queries``; an int ``row`` instead when an int64 query lies beyond +-2**53.
        A zero-area query finds nothing unless ``touching``.

        Queries are visited in the grid order of their corners (so consecutive searches
        read neighbouring memory), in chunks of CHUNK over ``n_threads`` threads (guided:
        long runs of neighbouring chunks first, so a thread reuses the rows its previous
        chunk read, then shorter ones to balance the end); each chunk keeps its sorted
        hits in its own buffer and notes where each query's are (one scattered write per
        query); the copy into the result then reads the queries in index order, so the
        thread count never matters.
        """
        cdef int kind = box_kind(queries, True)
        cdef intp_t m = cnp.PyArray_DIM(queries, 0), step = row_step(queries)
        cdef void* data = cnp.PyArray_DATA(queries)
        if kind == KIND_INT32:
            return query_many(self, <const int32_t*> data, step, m, touching, n_threads)
        if kind == KIND_INT64:
            return query_many(self, <const int64_t*> data, step, m, touching, n_threads)
        if kind == KIND_FLOAT32:
            return query_many(self, <const float32_t*> data, step, m, touching, n_threads)
        return query_many(self, <const float64_t*> data, step, m, touching, n_threads)


cdef object query_many(StaticIndex index, const coord_t* queries, intp_t step, intp_t m, bint touching,
                       int n_threads):
    """``StaticIndex.query_many`` for one coordinate type (query q at ``queries + step * q``)."""
    cdef intp_t chunks = (m + CHUNK - 1) // CHUNK, c, q, k, total = 0
    cdef intp_t bad = first_inexact(queries, step, m)
    cdef Buffer* buffers
    cdef intp_t* order        # visit order: position -> query
    cdef Found* found         # per query, and a last one for the end of the result
    cdef intp_t* pairs
    cdef bint failed = False
    if bad >= 0:
        return bad
    buffers = <Buffer*> calloc(max(chunks, 1), sizeof(Buffer))
    if buffers != NULL:
        for c in range(chunks):
            buffer_init(&buffers[c], sizeof(intp_t), 64)
    order = <intp_t*> malloc(max(m, 1) * sizeof(intp_t))
    found = <Found*> malloc((m + 1) * sizeof(Found))
    try:
        if buffers == NULL or order == NULL or found == NULL:
            raise MemoryError()
        with nogil:
            failed = not visit_order(index, queries, step, m, order)
            if not failed:
                for c in prange(chunks, schedule="guided", num_threads=n_threads):
                    query_chunk(index, queries, step, order, m, c, touching, &buffers[c], found)
                for c in range(chunks):
                    failed = failed or buffers[c].failed
            if not failed:
                for q in range(m):
                    k = found[q].start
                    found[q].start = total
                    total = total + k
                found[m].start = total
        if failed:
            raise MemoryError()
        out = np.empty((2, total), dtype=np.intp)
        pairs = <intp_t*> cnp.PyArray_DATA(out)
        if total:
            with nogil:
                copy_out(pairs, total, found, m, n_threads)
        return out
    finally:
        if buffers != NULL:
            for c in range(chunks):
                buffer_free(&buffers[c])
        free(buffers)
        free(order)
        free(found)


cdef inline intp_t level_size(StaticIndex index, intp_t l) noexcept nogil:
    """Boxes in level ``l``."""
    return index.starts[index.levels[l].base + index.levels[l].nx * index.levels[l].ny] - index.starts[index.levels[l].base]


cdef bint visit_order(StaticIndex index, const coord_t* queries, intp_t step, intp_t m,
                      intp_t* order) noexcept nogil:
    """Fill ``order`` with the queries sorted (stably) by the grid cell of their corner in
    the largest level, its rows coarsened to at most about one key per query (a counting
    sort): consecutive searches then read neighbouring rows, mostly just past
    where the previous one stopped (which :func:`search` prefetches). The counts and
    keys are uint32 (half the memory to hop around in). Identity order for few queries,
    a brute-force index, or 2**32 queries or keys and more (query q at ``queries + step * q``).
    False when out of memory."""
    cdef intp_t p, q, l, main = 0, coarse, rows, keys = UINT32_MAX, k
    cdef double inv_rows
    cdef const Level* level
    cdef uint32_t* start = NULL
    cdef uint32_t* key = NULL
    if m >= 2 * CHUNK and m < UINT32_MAX and index.n > SMALL and index.n_levels > 0:
        for l in range(1, index.n_levels):
            if level_size(index, l) > level_size(index, main):
                main = l
        level = &index.levels[main]
        coarse = (level.nx * level.ny + m - 1) // m
        coarse = coarse if coarse > 1 else 1
        rows = (level.ny + coarse - 1) // coarse
        inv_rows = level.inv_y / coarse
        keys = level.nx * rows
    if keys >= UINT32_MAX:
        for q in range(m):
            order[q] = q
        return True
    start = <uint32_t*> calloc(keys + 1, sizeof(uint32_t))
    key = <uint32_t*> malloc(m * sizeof(uint32_t))
    if start == NULL or key == NULL:
        free(start)
        free(key)
        return False
    for q in range(m):
        k = cell_of(<double> queries[step * q + 0], level.ox, level.inv_x, level.nx) * rows + \
            cell_of(<double> queries[step * q + 1], level.oy, inv_rows, rows)
        key[q] = <uint32_t> k
        start[k + 1] += 1
    for k in range(keys):
        start[k + 1] += start[k]
    for q in range(m):
        p = start[key[q]]
        start[key[q]] = <uint32_t> (p + 1)
        order[p] = q
    free(start)
    free(key)
    return True


cdef void query_chunk(StaticIndex index, const coord_t* queries, intp_t step, const intp_t* order, intp_t m,
                      intp_t c, bint touching, Buffer* buffer, Found* found) noexcept nogil:
    """The queries at positions ``c * CHUNK:`` of ``order`` (up to CHUNK of them): their
    sorted ids appended to ``buffer`` (intp) and, once it is complete, where they are and
    how many to ``found[query]``; ``buffer.failed`` when memory runs out."""
    cdef intp_t p, q, k, before, first = c * CHUNK, stop = min((c + 1) * CHUNK, m)
    cdef intp_t at[CHUNK]     # where each query's ids start in the buffer
    cdef intp_t count[CHUNK]  # and how many there are
    cdef intp_t* tmp = NULL
    cdef intp_t* grown
    cdef intp_t room = 0
    cdef double x1, y1, x2, y2
    if not buffer_reserve(buffer, (stop - first) * LEAF):  # room for a few hits each, grown if need be
        return
    for p in range(first, stop):
        q = order[p]
        if p + PREFETCH < stop:
            prefetch(queries + step * order[p + PREFETCH], 0)
        x1 = <double> queries[step * q]
        y1 = <double> queries[step * q + 1]
        x2 = <double> queries[step * q + 2]
        y2 = <double> queries[step * q + 3]
        before = buffer.size
        if touching or (x1 < x2 and y1 < y2):
            index._search(x1, y1, x2, y2, touching, buffer)
        if buffer.failed:
            break
        k = buffer.size - before
        if k > BLOCK and sort_room(k) > room:
            room = sort_room(k)
            grown = <intp_t*> realloc(tmp, room * sizeof(intp_t))
            if grown == NULL:
                buffer.failed = True
                break
            tmp = grown
        if not buffer_reserve(buffer, sort_room(k) - k):
            break
        sort_ids(<intp_t*> buffer.data + before, k, index.n, tmp)
        at[p - first] = before
        count[p - first] = k
    free(tmp)
    if not buffer.failed:
        for p in range(first, stop):  # one write per query, in query order: the only scattered one
            found[order[p]].ids = <intp_t*> buffer.data + at[p - first]
            found[order[p]].start = count[p - first]


cdef void copy_out(intp_t* out, intp_t total, const Found* found, intp_t m, int n_threads) noexcept nogil:
    """Fill the (2, total) result ``out``: for each query ``q``, its index to
    ``out[0, found[q].start:found[q + 1].start]`` and its ids to ``out[1]`` alongside.
    Blocks of queries over the threads; each writes its part of both rows in order,
    gathering the ids."""
    cdef intp_t block, start, stop
    for block in prange((m + FILL - 1) // FILL, schedule="dynamic", num_threads=n_threads):
        start = block * FILL
        stop = min(start + FILL, m)
        copy_block(out + found[start].start, out + total + found[start].start, found, start, stop)


cdef inline void copy_block(intp_t* first, intp_t* second, const Found* found, intp_t start,
                            intp_t stop) noexcept nogil:
    """Queries [start, stop) into the result (``first`` and ``second`` point at the first
    query's place in its two rows). Ids are copied LEAF at a time, and a search leaves
    every query's ids room for that (see :func:`sort_room`): the copy may write past a
    query's place, which the next query then overwrites, except at the end of the block."""
    cdef intp_t q, i, j, k
    cdef intp_t* end = first + (found[stop].start - found[start].start)
    cdef const intp_t* src
    for q in range(start, stop):
        if q + PREFETCH < stop:
            prefetch(found[q + PREFETCH].ids, 0)
        src = found[q].ids
        k = found[q + 1].start - found[q].start
        if first + k + LEAF <= end:
            j = 0
            while j < k:  # (a range with a named step would be a Python loop)
                for i in range(LEAF):
                    first[j + i] = q
                    second[j + i] = src[j + i]
                j += LEAF
        else:
            for j in range(k):
                first[j] = q
                second[j] = src[j]
        first += k
        second += k


cdef intp_t first_inexact(const coord_t* boxes, intp_t step, intp_t n) noexcept nogil:
    """First row of int64 ``boxes`` (row i at ``boxes + step * i``) with a coordinate beyond
    +-2**53 (not exact in float64), or -1 (always -1 for the other types)."""
    cdef intp_t i, c
    cdef int64_t limit = <int64_t> EXACT
    if coord_t is int64_t:
        for i in range(n):
            for c in range(4):
                if boxes[step * i + c] > limit or boxes[step * i + c] < -limit:
                    return i
    return -1


cdef bint fits_int32(const int64_t* boxes, intp_t step, intp_t n) noexcept nogil:
    """True if every coordinate fits in int32 (the rows are then stored as int32)."""
    cdef intp_t i
    cdef int c
    for i in range(n):
        for c in range(4):
            if boxes[step * i + c] > 2147483647 or boxes[step * i + c] < -2147483648:
                return False
    return True


def build(cnp.ndarray boxes not None):
    """Index validated xyxy ``boxes`` (an (n, 4) array of int32, int64, float32 or float64,
    C-contiguous or row-strided: ``_kinds.has_rows``); return the StaticIndex, or the int
    row of the first int64 box with a coordinate beyond +-2**53. The index keeps its own
    copy of the rows, never a reference to ``boxes``."""
    cdef int kind = box_kind(boxes, True)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0), step = row_step(boxes)
    cdef void* data = cnp.PyArray_DATA(boxes)
    if kind == KIND_INT32:
        return _build(<const int32_t*> data, step, n)
    if kind == KIND_INT64:
        return _build(<const int64_t*> data, step, n)
    if kind == KIND_FLOAT32:
        return _build(<const float32_t*> data, step, n)
    return _build(<const float64_t*> data, step, n)


cdef object _build(const coord_t* boxes, intp_t step, intp_t n):
    cdef intp_t i, k, cells = 1, bad
    cdef StaticIndex index = StaticIndex.__new__(StaticIndex)
    cdef uint32_t* band = NULL
    cdef intp_t* key = NULL
    cdef bint failed = False
    cdef size_t item = sizeof(int32_t) if coord_t is int32_t else (sizeof(float32_t) if coord_t is float32_t
                                                                     else sizeof(float64_t))
    cdef bint small_ints = False
    with nogil:
        bad = first_inexact(boxes, step, n)
        if coord_t is int64_t:
            small_ints = fits_int32(boxes, step, n)
    if bad >= 0:
        return bad
    index.n = n
    if coord_t is int32_t or small_ints:
        index.kind = KIND_INT32
        item = sizeof(int32_t)
    else:
        index.kind = KIND_FLOAT32 if coord_t is float32_t else KIND_FLOAT64
    index.rows = malloc(max(n, 1) * ROW * item)
    index.ids = <intp_t*> malloc(max(n, 1) * sizeof(intp_t))
    index.levels = <Level*> calloc(1, sizeof(Level))
    if index.rows == NULL or index.ids == NULL or index.levels == NULL:
        raise MemoryError()
    if n == 0:
        index.starts = <intp_t*> calloc(2, sizeof(intp_t))
        if index.starts == NULL:
            raise MemoryError()
        return index
    try:
        with nogil:
            if n <= SMALL:
                failed = not build_small(boxes, step, n, index)
            else:
                band = <uint32_t*> malloc(n * sizeof(uint32_t))
                key = <intp_t*> malloc(n * sizeof(intp_t))
                failed = band == NULL or key == NULL or not build_grid(boxes, step, n, index, band, key)
        if failed:
            raise MemoryError()
        return index
    finally:
        free(band)
        free(key)


cdef inline void store_row(void* rows, int kind, intp_t p, const coord_t* box) noexcept nogil:
    """``box`` into row p of ``rows``, in the storage type."""
    cdef int c
    if kind == KIND_INT32:
        for c in range(4):
            (<int32_t*> rows)[ROW * p + c] = <int32_t> box[c]
    elif kind == KIND_FLOAT32:
        for c in range(4):
            (<float32_t*> rows)[ROW * p + c] = <float32_t> box[c]
    else:
        for c in range(4):
            (<float64_t*> rows)[ROW * p + c] = <float64_t> box[c]


cdef bint build_small(const coord_t* boxes, intp_t step, intp_t n, StaticIndex index) noexcept nogil:
    """One level, one cell: the rows in input order."""
    cdef intp_t i
    cdef Band b
    cdef const coord_t* box
    memset(&b, 0, sizeof(Band))
    index.starts = <intp_t*> malloc(2 * sizeof(intp_t))
    if index.starts == NULL:
        return False
    index.starts[0] = 0
    index.starts[1] = n
    for i in range(n):
        box = boxes + step * i
        band_add(&b, <double> box[0], <double> box[1], <double> box[2], <double> box[3])
        store_row(index.rows, index.kind, i, box)
        index.ids[i] = i
    index.n_levels = 1
    index.levels[0].nx = index.levels[0].ny = 1
    index.levels[0].x_lo = b.x1_lo
    index.levels[0].y_lo = b.y1_lo
    index.levels[0].x_hi = b.x2_hi
    index.levels[0].y_hi = b.y2_hi
    index.levels[0].flat = b.flat > 0
    return True


cdef bint build_grid(const coord_t* boxes, intp_t step, intp_t n, StaticIndex index, uint32_t* band,
                     intp_t* key) noexcept nogil:
    """Size bands, levels, cells, then a counting sort of the rows by cell (box i at
    ``boxes + step * i``)."""
    cdef intp_t i, c, cells = 0, p, low = BANDS, high = -1, used = 0
    cdef double x1, y1, x2, y2
    cdef const Level* level
    cdef intp_t* starts
    cdef Level* levels
    cdef Band* bands
    cdef uint32_t* level_of
    for i in range(n):
        x1 = boxes[step * i]
        y1 = boxes[step * i + 1]
        x2 = boxes[step * i + 2]
        y2 = boxes[step * i + 3]
        band[i] = band_of(x2 - x1 if x2 - x1 > y2 - y1 else y2 - y1)
        low = band[i] if band[i] < low else low
        high = band[i] if band[i] > high else high
    bands = <Band*> calloc(high - low + 1, sizeof(Band))
    level_of = <uint32_t*> malloc((high - low + 1) * sizeof(uint32_t))
    if bands == NULL or level_of == NULL:
        free(bands)
        free(level_of)
        return False
    for i in range(n):
        band[i] -= low
        band_add(&bands[band[i]], <double> boxes[step * i], <double> boxes[step * i + 1],
                 <double> boxes[step * i + 2], <double> boxes[step * i + 3])
    for c in range(high - low + 1):
        used += bands[c].count > 0
    levels = <Level*> calloc(used, sizeof(Level))
    if levels == NULL:
        free(bands)
        free(level_of)
        return False
    free(index.levels)
    index.levels = levels
    index.n_levels = plan(bands, high - low + 1, index.levels, level_of, &cells)
    free(bands)
    starts = <intp_t*> calloc(cells + 1, sizeof(intp_t))
    if starts == NULL:
        free(level_of)
        return False
    index.starts = starts
    for i in range(n):
        level = &index.levels[level_of[band[i]]]
        key[i] = level.base + cell_of(<double> boxes[step * i + 0], level.ox, level.inv_x, level.nx) * level.ny \
            + cell_of(<double> boxes[step * i + 1], level.oy, level.inv_y, level.ny)
        starts[key[i] + 1] += 1
    free(level_of)
    for c in range(cells):
        starts[c + 1] += starts[c]
    # scatter, using starts as cursors, then shift it back
    for i in range(n):
        p = starts[key[i]]
        starts[key[i]] = p + 1
        store_row(index.rows, index.kind, p, boxes + step * i)
        index.ids[p] = i
    for c in range(cells, 0, -1):
        starts[c] = starts[c - 1]
    starts[0] = 0
    return True

