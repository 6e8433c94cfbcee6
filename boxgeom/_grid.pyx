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

from cython.parallel cimport prange
from libc.math cimport floor
from libc.stdlib cimport calloc, free

import numpy as np

from boxgeom._pairbuf cimport (PairBuffer, pairbuf_push, pairbufs_copy_out, pairbufs_free,
                               pairbufs_total, sort_intp)
from boxgeom._types cimport coord_t, intp_t, uint8_t

# Cells per parallel chunk of a join.
DEF CHUNK = 256
DEF STARTS_COLUMN = 1
DEF STARTS_ROW = 2


cdef inline intp_t cell_of(double value, double origin, double inverse, intp_t count) noexcept nogil:
    """Index of the cell holding ``value``, clamped to [0, count): monotonic in ``value``."""
    cdef double t = floor((value - origin) * inverse)
    if t < 0:
        return 0
    if t >= count:
        return count - 1
    return <intp_t> t


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
        total = self.cell_start[-1]
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


def join_self(TileGrid grid, const coord_t[:, ::1] coords, bint touching, int n_threads):
    """Return the (2, k) intp pairs (i < j) of overlapping boxes within one grid, unsorted."""
    return _join(grid, coords, grid, coords, True, touching, n_threads)


def join_between(TileGrid grid1, const coord_t[:, ::1] coords1, TileGrid grid2, const coord_t[:, ::1] coords2,
                 bint touching, int n_threads):
    """Return the (2, k) intp pairs (index in set 1, index in set 2) of overlapping boxes, unsorted."""
    return _join(grid1, coords1, grid2, coords2, False, touching, n_threads)


cdef object _join(TileGrid grid1, const coord_t[:, ::1] coords1, TileGrid grid2, const coord_t[:, ::1] coords2,
                  bint self_join, bint touching, int n_threads):
    cdef intp_t cells = grid1.nx * grid1.ny
    cdef intp_t chunks = (cells + CHUNK - 1) // CHUNK, chunk, cell, total
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
        total = pairbufs_total(bufs, chunks)
    try:
        if total < 0:
            raise MemoryError()
        out = np.empty((2, total), dtype=np.intp)
        if total:
            _copy_out(bufs, chunks, out)
        return out
    finally:
        pairbufs_free(bufs, chunks)


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


cdef void _copy_out(PairBuffer* bufs, intp_t chunks, intp_t[:, ::1] out) noexcept:
    with nogil:
        pairbufs_copy_out(bufs, chunks, &out[0, 0], &out[1, 0])
