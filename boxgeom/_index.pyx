"""A static box index: boxes binned by their lower-left corner into uniform grids.

Each box is stored once, in the cell of its corner ``(x1, y1)``. A query box ``q``
can only meet boxes whose corner lies in ``[q.x1 - max width, q.x2] x [q.y1 - max
height, q.y2]``; cells are numbered column by column, so the candidates of one grid
column form one contiguous run of the cell-ordered rows, found with two lookups.

Boxes of very different sizes would make "max width" useless, so boxes are grouped
by size first: *bands* of a factor 4 in their larger side, then adjacent bands are
merged into *levels* while the extra candidates a merge costs stay small (a few per
query). Each level has its own grid, sized to its boxes. Below ``SMALL`` boxes
there is one level with one cell: a brute-force scan.

Build: three passes over the boxes (size band, cell, scatter) and a counting sort;
no Python-level loops. Queries: ``cdef ... nogil`` searches; a batch runs in chunks
of queries over OpenMP threads, each chunk into its own buffer, copied out in
chunk order, so the result never depends on the thread count. The index is
immutable after construction: any number of threads may query it at once.
"""

from cython.parallel cimport prange
from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.list cimport PyList_CheckExact, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_CheckExact
from cpython.tuple cimport PyTuple_CheckExact, PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.math cimport ceil, floor, ilogb, isfinite, sqrt
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._radix cimport bit_length
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint32_t

cnp.import_array()

# Storage types of the rows.
ctypedef fused store_t:
    int32_t
    float32_t
    float64_t

DEF STORE_INT32 = 0
DEF STORE_FLOAT32 = 1
DEF STORE_FLOAT64 = 2
DEF SMALL = 128           # up to this many boxes: one cell, a brute-force scan
DEF BANDS = 1100          # size bands: 0 for points, 1.. by the exponent of the larger side
DEF MERGE_COST = 16.0     # extra candidates per query a merge of bands may cost
DEF CELLS_PER_BOX = 2.0   # a level has at most about this many cells per box
DEF RUN_COST = 8.0        # cost of reading one more run of cells, in candidate tests
DEF CHUNK = 256           # queries per chunk of a batch
DEF ROW = 4               # slots per stored row: x1, y1, x2, y2
DEF EXACT = 9007199254740992.0  # 2**53: integers up to here are exact in float64

# The answer of a search when memory ran out.
DEF FAILED = -1


cdef struct Level:
    double ox, oy            # corner of cell (0, 0)
    double inv_x, inv_y      # 1 / cell width, 1 / cell height (0: one cell)
    intp_t nx, ny, base      # cells; cell (cx, cy) is starts[base + cx * ny + cy]
    double reach_x, reach_y  # at least the widest / tallest box (rounded up)
    double x_lo, y_lo, x_hi, y_hi  # smallest x1, y1 and largest x2, y2 of the level's boxes


cdef struct Hits:
    intp_t* data
    intp_t size, capacity
    bint failed
    bint borrowed   # data is the caller's buffer (not to be reallocated or freed)


cdef bint hits_grow(Hits* h, intp_t need) noexcept nogil:
    """Capacity for ``need`` hits in all (at least doubling); False (and ``failed``) when
    memory runs out."""
    cdef intp_t capacity = h.capacity * 2 if h.capacity >= 32 else 64
    cdef intp_t* grown
    while capacity < need:
        capacity *= 2
    if h.borrowed:
        grown = <intp_t*> malloc(capacity * sizeof(intp_t))
        if grown != NULL and h.size:
            memcpy(grown, h.data, h.size * sizeof(intp_t))
    else:
        grown = <intp_t*> realloc(h.data, capacity * sizeof(intp_t))
    if grown == NULL:
        h.failed = True
        return False
    h.data = grown
    h.capacity = capacity
    h.borrowed = False
    return True


cdef inline void hits_free(Hits* h) noexcept nogil:
    if not h.borrowed:
        free(h.data)


cdef inline intp_t cell(double value, double origin, double inverse, intp_t count) noexcept nogil:
    """Cell holding ``value``: ``(value - origin) * inverse`` truncated, clamped to
    [0, count); monotonic in ``value`` (so a range of values maps to a range of cells)."""
    cdef double t = (value - origin) * inverse
    if not (t > 0):
        return 0
    if t >= count:
        return count - 1
    return <intp_t> t


cdef inline void insertion_sort(intp_t* a, intp_t k) noexcept nogil:
    cdef intp_t i, j, value
    for i in range(1, k):
        value = a[i]
        j = i - 1
        while j >= 0 and a[j] > value:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = value


cdef void quick_sort(intp_t* a, intp_t k) noexcept nogil:
    """Ascending sort of distinct values: quicksort (median of three, smaller side first
    on an explicit stack), insertion sort below 24 values."""
    cdef intp_t lo_stack[64]
    cdef intp_t hi_stack[64]
    cdef intp_t top = 0, lo, hi, i, j, mid, pivot, t
    lo_stack[0] = 0
    hi_stack[0] = k - 1
    top = 1
    while top:
        top -= 1
        lo = lo_stack[top]
        hi = hi_stack[top]
        while hi - lo >= 24:
            mid = lo + (hi - lo) // 2
            if a[mid] < a[lo]:
                t = a[mid]; a[mid] = a[lo]; a[lo] = t
            if a[hi] < a[lo]:
                t = a[hi]; a[hi] = a[lo]; a[lo] = t
            if a[hi] < a[mid]:
                t = a[hi]; a[hi] = a[mid]; a[mid] = t
            pivot = a[mid]
            i = lo
            j = hi
            while i <= j:
                while a[i] < pivot:
                    i += 1
                while a[j] > pivot:
                    j -= 1
                if i <= j:
                    t = a[i]; a[i] = a[j]; a[j] = t
                    i += 1
                    j -= 1
            # push the larger side, loop on the smaller one
            if j - lo > hi - i:
                lo_stack[top] = lo
                hi_stack[top] = j
                top += 1
                lo = i
            else:
                lo_stack[top] = i
                hi_stack[top] = hi
                top += 1
                hi = j
        insertion_sort(a + lo, hi - lo + 1)


cdef void sort_ids(intp_t* a, intp_t k, intp_t n, intp_t* tmp) noexcept nogil:
    """Sort the distinct ids ``a[:k]`` (all below ``n``) ascending; ``tmp`` holds k ids
    when k > 4096 (an LSD radix sort then), else it may be NULL."""
    cdef intp_t i, j, total, c, counts[2048]
    cdef int shift, bits
    cdef intp_t* src = a
    cdef intp_t* dst = tmp
    cdef intp_t* swap
    if k <= 4096:
        if k <= 24:
            insertion_sort(a, k)
        else:
            quick_sort(a, k)
        return
    bits = bit_length(<unsigned long long> (n - 1 if n > 1 else 1))
    shift = 0
    while shift < bits:
        memset(counts, 0, sizeof(counts))
        for i in range(k):
            counts[(src[i] >> shift) & 2047] += 1
        total = 0
        for j in range(2048):
            c = counts[j]
            counts[j] = total
            total += c
        for i in range(k):
            j = (src[i] >> shift) & 2047
            dst[counts[j]] = src[i]
            counts[j] += 1
        swap = src
        src = dst
        dst = swap
        shift += 11
    if src != a:
        memcpy(a, src, k * sizeof(intp_t))


cdef inline bint hits_reserve(Hits* h, intp_t extra) noexcept nogil:
    """Room for ``extra`` more hits; False (and ``failed``) when memory runs out."""
    return h.size + extra <= h.capacity or hits_grow(h, h.size + extra)


cdef inline int64_t below(double value, bint strict) noexcept nogil:
    """The largest integer < value (strict) or <= value, clamped to +-2**40 (beyond int32)."""
    cdef double t = ceil(value) - 1 if strict else floor(value)
    return <int64_t> (t if t < 1099511627776.0 else 1099511627776.0) if t > -1099511627776.0 \
        else -1099511627776


cdef inline int64_t above(double value, bint strict) noexcept nogil:
    """The smallest integer > value (strict) or >= value, clamped to +-2**40."""
    return -below(-value, strict)


cdef void search(const store_t* rows, const intp_t* starts, const Level* levels,
                 intp_t n_levels, double qx1, double qy1, double qx2, double qy2, bint touching,
                 Hits* out) noexcept nogil:
    """Append the positions of the rows overlapping the query to ``out`` (unsorted).

    Strict: the four open inequalities and a stored box of positive area (so the
    overlap has positive area; a zero-area query yields the boxes whose open interior
    holds it). Touching: the closed inequalities. Integer rows are compared with the
    query's integer bounds (exactly equivalent), without branches: every candidate is
    written, and the write position advances only for a hit.
    """
    cdef intp_t l, cx, cx0, cx1, cy0, cy1, e, stop, column, size
    cdef const Level* level
    cdef const store_t* r
    cdef intp_t* data
    cdef bint strict = not touching, keep
    # integer rows: hit iff x1 <= x1_max, x2 >= x2_min, y1 <= y1_max, y2 >= y2_min
    cdef int64_t x1_max = below(qx2, strict), x2_min = above(qx1, strict)
    cdef int64_t y1_max = below(qy2, strict), y2_min = above(qy1, strict)
    for l in range(n_levels):
        level = &levels[l]
        if touching:
            if qx2 < level.x_lo or qx1 > level.x_hi or qy2 < level.y_lo or qy1 > level.y_hi:
                continue
        elif qx2 <= level.x_lo or qx1 >= level.x_hi or qy2 <= level.y_lo or qy1 >= level.y_hi:
            continue
        cx0 = cell(qx1 - level.reach_x, level.ox, level.inv_x, level.nx)
        cx1 = cell(qx2, level.ox, level.inv_x, level.nx)
        cy0 = cell(qy1 - level.reach_y, level.oy, level.inv_y, level.ny)
        cy1 = cell(qy2, level.oy, level.inv_y, level.ny)
        for cx in range(cx0, cx1 + 1):
            column = level.base + cx * level.ny
            e = starts[column + cy0]
            stop = starts[column + cy1 + 1]
            if e >= stop:
                continue
            if not hits_reserve(out, stop - e):
                return
            r = rows + ROW * e
            data = out.data
            size = out.size
            while e < stop:
                if store_t is int32_t:
                    keep = (r[0] <= x1_max) & (r[2] >= x2_min) & (r[1] <= y1_max) & (r[3] >= y2_min)
                    if strict:
                        keep = keep & (r[0] < r[2]) & (r[1] < r[3])
                elif touching:
                    keep = (r[0] <= qx2) & (qx1 <= r[2]) & (r[1] <= qy2) & (qy1 <= r[3])
                else:
                    keep = (r[0] < qx2) & (qx1 < r[2]) & (r[1] < qy2) & (qy1 < r[3]) & (r[0] < r[2]) & (r[1] < r[3])
                data[size] = e
                size += keep
                e += 1
                r += ROW
            out.size = size


cdef inline int band_of(double side) noexcept nogil:
    """Size band of a box's larger side: 0 for 0, then one band per factor 4, inf last."""
    if side == 0:
        return 0
    if not isfinite(side):
        return BANDS - 1
    return (ilogb(side) + 1076) // 2 + 1


cdef struct Band:
    intp_t count
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
    """Boxes in cell order with their grids; built by :func:`build`, read by the queries."""

    cdef intp_t n, n_levels
    cdef int kind
    cdef void* rows       # (n, 4) xyxy rows in cell order, in the storage type
    cdef intp_t* ids      # (n,) the input index of each row
    cdef intp_t* starts   # (cells + 1,) first row of each cell
    cdef Level* levels

    def __dealloc__(self):
        free(self.rows)
        free(self.ids)
        free(self.starts)
        free(self.levels)

    def __len__(self):
        return self.n

    cdef intp_t _search(self, double x1, double y1, double x2, double y2, bint touching, Hits* out) noexcept nogil:
        """Append the input indices of the boxes overlapping the box to ``out`` (unsorted);
        return the new size, or FAILED when memory ran out."""
        cdef intp_t before = out.size, j
        if self.kind == STORE_INT32:
            search(<const int32_t*> self.rows, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        elif self.kind == STORE_FLOAT32:
            search(<const float32_t*> self.rows, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        else:
            search(<const float64_t*> self.rows, self.starts, self.levels, self.n_levels,
                   x1, y1, x2, y2, touching, out)
        for j in range(before, out.size):
            out.data[j] = self.ids[out.data[j]]
        return FAILED if out.failed else out.size

    cdef object _found(self, double x1, double y1, double x2, double y2, bint touching, bint as_uint32):
        """The sorted ids overlapping one box, as a new intp (or uint32) array."""
        cdef Hits hits
        cdef intp_t k, i
        cdef cnp.npy_intp length
        cdef intp_t* tmp = NULL
        cdef uint32_t* small
        cdef intp_t first[128]
        memset(&hits, 0, sizeof(Hits))
        hits.data = first
        hits.capacity = 128
        hits.borrowed = True
        with nogil:
            k = self._search(x1, y1, x2, y2, touching, &hits)
            if k > 4096:
                tmp = <intp_t*> malloc(k * sizeof(intp_t))
                if tmp == NULL:
                    k = FAILED
                else:
                    sort_ids(hits.data, k, self.n, tmp)
            elif k > 1:
                sort_ids(hits.data, k, self.n, NULL)
        free(tmp)
        if k == FAILED:
            hits_free(&hits)
            raise MemoryError()
        length = k
        if as_uint32:
            out = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_UINT32)
            small = <uint32_t*> cnp.PyArray_DATA(out)
            for i in range(k):
                small[i] = <uint32_t> hits.data[i]
        else:
            out = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_INTP)
            if k:
                memcpy(cnp.PyArray_DATA(out), hits.data, k * sizeof(intp_t))
        hits_free(&hits)
        return out

    def stored_boxes(self):
        """The stored xyxy boxes as an (n, 4) array in input order, in the storage dtype
        (int32, float32 or float64): building from it gives the same index."""
        cdef Py_ssize_t itemsize = 4 if self.kind != STORE_FLOAT64 else 8
        cdef intp_t r
        cdef char* dst
        out = np.empty((self.n, 4), dtype=np.int32 if self.kind == STORE_INT32 else
                       np.float32 if self.kind == STORE_FLOAT32 else np.float64)
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

    def query_box(self, box, touching, int fmt):
        """The sorted (k,) intp ids of the stored boxes overlapping one box, or None when
        ``box`` is not a plain box: a list/tuple of 4 Python ints/floats or a 1-D numpy
        array of 4 int32/int64/float32/float64, finite, integers within +-2**53, not
        inverted, with ``touching`` True or False (the caller then validates it and
        raises, or takes the general path). ``fmt``: 0 xyxy, 1 xywh, 2 cxcywh. A
        zero-area box finds nothing unless ``touching``."""
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

    def query_open(self, x, y, width, height):
        """box-intersect-lib's query: the sorted uint32 ids of the boxes strictly meeting the
        ``(x, y, width, height)`` box (a zero-size box: the boxes whose open interior holds
        the point), or None unless all four are Python ints with the sizes >= 0 and the
        corners within +-2**53."""
        cdef long long x0, y0, w, h
        if not (PyLong_CheckExact(x) and PyLong_CheckExact(y) and PyLong_CheckExact(width)
                and PyLong_CheckExact(height)):
            return None
        if not (exact_int(x, &x0) and exact_int(y, &y0) and exact_int(width, &w) and exact_int(height, &h)):
            return None
        if w < 0 or h < 0 or x0 + w > EXACT or y0 + h > EXACT:
            return None
        return self._found(<double> x0, <double> y0, <double> (x0 + w), <double> (y0 + h), False, True)

    def query_many(self, cnp.ndarray queries not None, bint touching, int n_threads):
        """The (2, k) intp pairs (query, stored id), sorted lexicographically, of validated
        xyxy ``queries``; an int ``row`` instead when an int64 query lies beyond +-2**53.
        A zero-area query finds nothing unless ``touching``.

        Queries are visited in the grid order of their corners (so consecutive searches
        read neighbouring memory), in chunks of CHUNK over ``n_threads`` threads; each
        chunk keeps its hits in its own buffer, and the copy into the result puts every
        query's hits at the place its index gives, so the thread count never matters.
        """
        cdef int kind = kind_of(queries)
        cdef intp_t m = cnp.PyArray_DIM(queries, 0)
        cdef void* data = cnp.PyArray_DATA(queries)
        if kind == 0:
            return self._query_many(<const int32_t*> data, m, touching, n_threads)
        if kind == 1:
            return self._query_many(<const int64_t*> data, m, touching, n_threads)
        if kind == 2:
            return self._query_many(<const float32_t*> data, m, touching, n_threads)
        return self._query_many(<const float64_t*> data, m, touching, n_threads)

    cdef object _query_many(self, const coord_t* queries, intp_t m, bint touching, int n_threads):
        cdef intp_t chunks = (m + CHUNK - 1) // CHUNK, c, p, q, total = 0
        cdef intp_t bad = first_inexact(queries, m)
        cdef Hits* buffers
        cdef intp_t* order        # visit order: position -> query
        cdef double* visit        # the queries in visit order, xyxy
        cdef intp_t* found        # per position: hits; then per query: offset into the result
        cdef intp_t* offsets
        cdef bint failed = False
        if bad >= 0:
            return bad
        buffers = <Hits*> calloc(max(chunks, 1), sizeof(Hits))
        order = <intp_t*> malloc(max(m, 1) * sizeof(intp_t))
        visit = <double*> malloc(max(m, 1) * 4 * sizeof(double))
        found = <intp_t*> malloc(max(m, 1) * sizeof(intp_t))
        offsets = <intp_t*> malloc((m + 1) * sizeof(intp_t))
        try:
            if buffers == NULL or order == NULL or visit == NULL or found == NULL or offsets == NULL:
                raise MemoryError()
            with nogil:
                failed = not self._visit_order(queries, m, order, visit)
                if not failed:
                    for c in prange(chunks, schedule="dynamic", num_threads=n_threads):
                        self._query_chunk(visit, m, c, touching, &buffers[c], found)
                    for c in range(chunks):
                        failed = failed or buffers[c].failed
                if not failed:
                    for p in range(m):
                        offsets[order[p]] = found[p]
                    for q in range(m):
                        c = offsets[q]
                        offsets[q] = total
                        total = total + c
                    offsets[m] = total
            if failed:
                raise MemoryError()
            out = np.empty((2, total), dtype=np.intp)
            self._copy_out(out, buffers, order, offsets, chunks, m, n_threads)
            return out
        finally:
            if buffers != NULL:
                for c in range(chunks):
                    free(buffers[c].data)
            free(buffers)
            free(order)
            free(visit)
            free(found)
            free(offsets)

    cdef bint _visit_order(self, const coord_t* queries, intp_t m, intp_t* order, double* visit) noexcept nogil:
        """Fill ``order`` with the queries sorted (stably) by the grid cell of their corner in
        the largest level, rows coarsened to at most one key per query (a counting sort),
        and ``visit`` with the queries in that order. Identity order for few queries or a
        brute-force index. False when out of memory."""
        cdef intp_t p, q, l, main = 0, step, rows, keys, k
        cdef const Level* level
        cdef intp_t* start = NULL
        cdef intp_t* key = NULL
        if m >= 2 * CHUNK and self.n > SMALL and self.n_levels > 0:
            for l in range(1, self.n_levels):
                if self.level_size(l) > self.level_size(main):
                    main = l
            level = &self.levels[main]
            step = (level.nx * level.ny + m - 1) // m
            step = step if step > 1 else 1
            rows = (level.ny + step - 1) // step
            keys = level.nx * rows
            start = <intp_t*> calloc(keys + 1, sizeof(intp_t))
            key = <intp_t*> malloc(m * sizeof(intp_t))
            if start == NULL or key == NULL:
                free(start)
                free(key)
                return False
            for q in range(m):
                k = cell(<double> queries[4 * q + 0], level.ox, level.inv_x, level.nx) * rows + \
                    cell(<double> queries[4 * q + 1], level.oy, level.inv_y, level.ny) // step
                key[q] = k
                start[k + 1] += 1
            for k in range(keys):
                start[k + 1] += start[k]
            for q in range(m):
                p = start[key[q]]
                start[key[q]] = p + 1
                order[p] = q
                visit[4 * p] = queries[4 * q + 0]
                visit[4 * p + 1] = queries[4 * q + 1]
                visit[4 * p + 2] = queries[4 * q + 2]
                visit[4 * p + 3] = queries[4 * q + 3]
            free(start)
            free(key)
            return True
        for q in range(m):
            order[q] = q
            visit[4 * q] = queries[4 * q + 0]
            visit[4 * q + 1] = queries[4 * q + 1]
            visit[4 * q + 2] = queries[4 * q + 2]
            visit[4 * q + 3] = queries[4 * q + 3]
        return True

    cdef inline intp_t level_size(self, intp_t l) noexcept nogil:
        return self.starts[self.levels[l].base + self.levels[l].nx * self.levels[l].ny] - self.starts[self.levels[l].base]

    cdef void _query_chunk(self, const double* visit, intp_t m, intp_t c, bint touching, Hits* buffer,
                           intp_t* found) noexcept nogil:
        """The queries at positions ``c * CHUNK:`` of ``visit`` (up to CHUNK of them): their
        sorted ids appended to ``buffer``, their counts into ``found``; ``buffer.failed``
        when memory runs out."""
        cdef intp_t p, k, before, stop = min((c + 1) * CHUNK, m)
        cdef intp_t* tmp = NULL
        cdef intp_t* grown
        cdef intp_t room = 0
        cdef const double* q
        for p in range(c * CHUNK, stop):
            q = visit + 4 * p
            before = buffer.size
            if touching or (q[0] < q[2] and q[1] < q[3]):
                self._search(q[0], q[1], q[2], q[3], touching, buffer)
            if buffer.failed:
                break
            k = buffer.size - before
            if k > 4096 and k > room:
                grown = <intp_t*> realloc(tmp, k * sizeof(intp_t))
                if grown == NULL:
                    buffer.failed = True
                    break
                tmp = grown
                room = k
            if k > 1:
                sort_ids(buffer.data + before, k, self.n, tmp)
            found[p] = k
        free(tmp)

    cdef void _copy_out(self, intp_t[:, ::1] out, const Hits* buffers, const intp_t* order, const intp_t* offsets,
                        intp_t chunks, intp_t m, int n_threads) noexcept:
        """Each query's hits (its chunk's buffer holds them in visit order) to
        ``out[1, offsets[q]:offsets[q + 1]]``, its index to ``out[0]`` alongside."""
        cdef intp_t c, p, q, j, k, at, stop, total = offsets[m]
        cdef intp_t* first = &out[0, 0] if total else NULL
        cdef intp_t* second = &out[1, 0] if total else NULL
        with nogil:
            for c in prange(chunks, schedule="static", num_threads=n_threads):
                at = 0
                stop = min((c + 1) * CHUNK, m)
                for p in range(c * CHUNK, stop):
                    q = order[p]
                    k = offsets[q + 1] - offsets[q]
                    if k:
                        memcpy(second + offsets[q], buffers[c].data + at, k * sizeof(intp_t))
                        for j in range(k):
                            first[offsets[q] + j] = q
                        at = at + k


cdef inline bint hits_append(Hits* h, const intp_t* values, intp_t k) noexcept nogil:
    if not hits_reserve(h, k):
        return False
    if k:
        memcpy(h.data + h.size, values, k * sizeof(intp_t))
    h.size += k
    return True


cdef intp_t first_inexact(const coord_t* boxes, intp_t n) noexcept nogil:
    """First row of int64 ``boxes`` with a coordinate beyond +-2**53 (not exact in
    float64), or -1 (always -1 for the other types)."""
    cdef intp_t i, c
    cdef int64_t limit = <int64_t> EXACT
    if coord_t is int64_t:
        for i in range(n):
            for c in range(4):
                if boxes[4 * i + c] > limit or boxes[4 * i + c] < -limit:
                    return i
    return -1


cdef inline bint exact_int(object value, long long* out):
    """Read a Python int within +-2**53 into ``out``; False if it is beyond."""
    cdef int overflow
    out[0] = PyLong_AsLongLongAndOverflow(value, &overflow)
    return not overflow and -EXACT <= out[0] <= EXACT


cdef bint fits_int32(const int64_t* boxes, intp_t n) noexcept nogil:
    """True if every coordinate fits in int32 (the rows are then stored as int32)."""
    cdef intp_t i
    cdef int c
    for i in range(n):
        for c in range(4):
            if boxes[4 * i + c] > 2147483647 or boxes[4 * i + c] < -2147483648:
                return False
    return True


cdef bint read_box(object box, int fmt, double* v):
    """Read a plain box (see ``query_box``) into ``v`` as float64 xyxy; False if it is not one."""
    cdef long long ints[4]
    cdef double values[4]
    cdef bint all_int = True
    cdef int k, overflow
    cdef object item
    cdef cnp.ndarray array
    cdef char* data
    cdef cnp.npy_intp stride
    cdef int typenum
    if PyList_CheckExact(box) or PyTuple_CheckExact(box):
        if (PyList_GET_SIZE(box) if PyList_CheckExact(box) else PyTuple_GET_SIZE(box)) != 4:
            return False
        for k in range(4):
            item = <object> (PyList_GET_ITEM(box, k) if PyList_CheckExact(box) else PyTuple_GET_ITEM(box, k))
            if PyFloat_CheckExact(item):
                all_int = False
                values[k] = PyFloat_AS_DOUBLE(item)
            elif PyLong_CheckExact(item):
                ints[k] = PyLong_AsLongLongAndOverflow(item, &overflow)
                if overflow or not (-EXACT <= ints[k] <= EXACT):
                    return False
                values[k] = <double> ints[k]
            else:
                return False
    elif type(box) is np.ndarray:
        array = <cnp.ndarray> box
        if cnp.PyArray_NDIM(array) != 1 or cnp.PyArray_DIM(array, 0) != 4 or not cnp.PyArray_ISNOTSWAPPED(array):
            return False
        typenum = cnp.PyArray_TYPE(array)
        data = <char*> cnp.PyArray_DATA(array)
        stride = cnp.PyArray_STRIDE(array, 0)
        for k in range(4):
            if typenum == cnp.NPY_FLOAT64:
                values[k] = (<double*> (data + k * stride))[0]
                all_int = False
            elif typenum == cnp.NPY_FLOAT32:
                values[k] = (<float*> (data + k * stride))[0]
                all_int = False
            elif typenum == cnp.NPY_INT64:
                ints[k] = (<int64_t*> (data + k * stride))[0]
                if not (-EXACT <= ints[k] <= EXACT):
                    return False
                values[k] = <double> ints[k]
            elif typenum == cnp.NPY_INT32:
                ints[k] = (<int32_t*> (data + k * stride))[0]
                values[k] = <double> ints[k]
            else:
                return False
    else:
        return False
    for k in range(4):
        if not isfinite(values[k]):
            return False
    if fmt == 0:
        v[0] = values[0]
        v[1] = values[1]
        v[2] = values[2]
        v[3] = values[3]
        return v[0] <= v[2] and v[1] <= v[3]
    if values[2] < 0 or values[3] < 0:
        return False
    if fmt == 1:
        v[0] = values[0]
        v[1] = values[1]
        if all_int:  # numpy adds in int64 (exact), then converts
            if ints[0] + ints[2] > EXACT or ints[1] + ints[3] > EXACT:
                return False
            v[2] = <double> (ints[0] + ints[2])
            v[3] = <double> (ints[1] + ints[3])
        else:
            v[2] = values[0] + values[2]
            v[3] = values[1] + values[3]
    else:
        v[0] = values[0] - values[2] / 2
        v[1] = values[1] - values[3] / 2
        v[2] = values[0] + values[2] / 2
        v[3] = values[1] + values[3] / 2
    for k in range(4):
        if not isfinite(v[k]):
            return False
    return True


cdef int kind_of(cnp.ndarray array) except -1:
    """0, 1, 2, 3 for a C-contiguous (n, 4) array of int32, int64, float32, float64."""
    cdef int size = cnp.PyArray_ITEMSIZE(array)
    if cnp.PyArray_NDIM(array) != 2 or cnp.PyArray_DIM(array, 1) != 4 or not cnp.PyArray_IS_C_CONTIGUOUS(array) \
            or not cnp.PyArray_ISNOTSWAPPED(array):
        raise TypeError("expected a C-contiguous array of shape (n, 4)")
    if cnp.PyArray_ISINTEGER(array) and cnp.PyArray_ISSIGNED(array) and (size == 4 or size == 8):
        return 0 if size == 4 else 1
    if cnp.PyArray_ISFLOAT(array) and (size == 4 or size == 8):
        return 2 if size == 4 else 3
    raise TypeError(f"expected int32, int64, float32 or float64 boxes, got {array.dtype}")


def build(cnp.ndarray boxes not None):
    """Index validated xyxy ``boxes`` (a C-contiguous (n, 4) array of int32, int64, float32
    or float64); return the StaticIndex, or the int row of the first int64 box with a
    coordinate beyond +-2**53."""
    cdef int kind = kind_of(boxes)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0)
    cdef void* data = cnp.PyArray_DATA(boxes)
    if kind == 0:
        return _build(<const int32_t*> data, n)
    if kind == 1:
        return _build(<const int64_t*> data, n)
    if kind == 2:
        return _build(<const float32_t*> data, n)
    return _build(<const float64_t*> data, n)


cdef object _build(const coord_t* boxes, intp_t n):
    cdef intp_t i, k, cells = 1, bad
    cdef StaticIndex index = StaticIndex.__new__(StaticIndex)
    cdef uint32_t* band = NULL
    cdef intp_t* key = NULL
    cdef bint failed = False
    cdef size_t item = sizeof(int32_t) if coord_t is int32_t else (sizeof(float32_t) if coord_t is float32_t
                                                                     else sizeof(float64_t))
    cdef bint small_ints = False
    with nogil:
        bad = first_inexact(boxes, n)
        if coord_t is int64_t:
            small_ints = fits_int32(boxes, n)
    if bad >= 0:
        return bad
    index.n = n
    if coord_t is int32_t or small_ints:
        index.kind = STORE_INT32
        item = sizeof(int32_t)
    else:
        index.kind = STORE_FLOAT32 if coord_t is float32_t else STORE_FLOAT64
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
                failed = not build_small(boxes, n, index)
            else:
                band = <uint32_t*> malloc(n * sizeof(uint32_t))
                key = <intp_t*> malloc(n * sizeof(intp_t))
                failed = band == NULL or key == NULL or not build_grid(boxes, n, index, band, key)
        if failed:
            raise MemoryError()
        return index
    finally:
        free(band)
        free(key)


cdef inline void store_row(void* rows, int kind, intp_t p, const coord_t* boxes, intp_t i) noexcept nogil:
    """Row i of ``boxes`` into row p of ``rows``, in the storage type."""
    cdef int c
    if kind == STORE_INT32:
        for c in range(4):
            (<int32_t*> rows)[ROW * p + c] = <int32_t> boxes[4 * i + c]
    elif kind == STORE_FLOAT32:
        for c in range(4):
            (<float32_t*> rows)[ROW * p + c] = <float32_t> boxes[4 * i + c]
    else:
        for c in range(4):
            (<float64_t*> rows)[ROW * p + c] = <float64_t> boxes[4 * i + c]


cdef bint build_small(const coord_t* boxes, intp_t n, StaticIndex index) noexcept nogil:
    """One level, one cell: the rows in input order."""
    cdef intp_t i
    cdef Band b
    memset(&b, 0, sizeof(Band))
    index.starts = <intp_t*> malloc(2 * sizeof(intp_t))
    if index.starts == NULL:
        return False
    index.starts[0] = 0
    index.starts[1] = n
    for i in range(n):
        band_add(&b, <double> boxes[4 * i + 0], <double> boxes[4 * i + 1], <double> boxes[4 * i + 2], <double> boxes[4 * i + 3])
        store_row(index.rows, index.kind, i, boxes, i)
        index.ids[i] = i
    index.n_levels = 1
    index.levels[0].nx = index.levels[0].ny = 1
    index.levels[0].x_lo = b.x1_lo
    index.levels[0].y_lo = b.y1_lo
    index.levels[0].x_hi = b.x2_hi
    index.levels[0].y_hi = b.y2_hi
    return True


cdef bint build_grid(const coord_t* boxes, intp_t n, StaticIndex index, uint32_t* band, intp_t* key) noexcept nogil:
    """Size bands, levels, cells, then a counting sort of the rows by cell."""
    cdef intp_t i, c, cells = 0, p, low = BANDS, high = -1, used = 0
    cdef double x1, y1, x2, y2
    cdef const Level* level
    cdef intp_t* starts
    cdef Level* levels
    cdef Band* bands
    cdef uint32_t* level_of
    for i in range(n):
        x1 = boxes[4 * i]
        y1 = boxes[4 * i + 1]
        x2 = boxes[4 * i + 2]
        y2 = boxes[4 * i + 3]
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
        band_add(&bands[band[i]], <double> boxes[4 * i], <double> boxes[4 * i + 1], <double> boxes[4 * i + 2],
                 <double> boxes[4 * i + 3])
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
        key[i] = level.base + cell(<double> boxes[4 * i + 0], level.ox, level.inv_x, level.nx) * level.ny \
            + cell(<double> boxes[4 * i + 1], level.oy, level.inv_y, level.ny)
        starts[key[i] + 1] += 1
    free(level_of)
    for c in range(cells):
        starts[c + 1] += starts[c]
    # scatter, using starts as cursors, then shift it back
    for i in range(n):
        p = starts[key[i]]
        starts[key[i]] = p + 1
        store_row(index.rows, index.kind, p, boxes, i)
        index.ids[p] = i
    for c in range(cells, 0, -1):
        starts[c] = starts[c - 1]
    starts[0] = 0
    return True
