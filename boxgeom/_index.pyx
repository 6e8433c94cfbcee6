"""Single-box queries of a built tile grid (``boxgeom._grid.TileGrid`` over float64
boxes), with the query passed as four C doubles: no array is made for the query,
no fused-type dispatch, so a Python-level call costs about a microsecond.

The grid is only read; any number of threads may query one view at once.
"""

cimport numpy as cnp
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from boxgeom._pairbuf cimport sort_intp
from boxgeom._cells cimport cell_of
from boxgeom._types cimport intp_t

cnp.import_array()


cdef class GridView:
    """Read-only view of a float64 ``TileGrid`` for fast single queries."""

    cdef const intp_t[::1] starts
    cdef const intp_t[::1] entries
    cdef const double[:, ::1] coords
    cdef double ox, oy, inverse
    cdef intp_t nx, ny

    def __init__(self, grid):
        self.starts = grid.cell_start
        self.entries = grid.entries
        self.coords = grid.coords
        self.ox = grid.origin_x
        self.oy = grid.origin_y
        self.inverse = 1.0 / grid.cell_size
        self.nx = grid.nx
        self.ny = grid.ny

    def query(self, double x1, double y1, double x2, double y2, bint touching):
        """Return the sorted (n,) intp indices of the stored boxes overlapping the box
        (strict: open inequalities; touching: closed ones). No check of the box."""
        cdef intp_t cx0, cx1, cy0, cy1, cx, cy, cell, e, size = 0, capacity = 64
        cdef intp_t* found = <intp_t*> malloc(capacity * sizeof(intp_t))
        cdef intp_t* grown
        cdef const double* b
        cdef double rx, ry
        cdef bint hit, failed = False
        cdef cnp.npy_intp length
        if found == NULL:
            raise MemoryError()
        with nogil:
            cx0 = cell_of(x1, self.ox, self.inverse, self.nx)
            cx1 = cell_of(x2, self.ox, self.inverse, self.nx)
            cy0 = cell_of(y1, self.oy, self.inverse, self.ny)
            cy1 = cell_of(y2, self.oy, self.inverse, self.ny)
            for cy in range(cy0, cy1 + 1):
                for cx in range(cx0, cx1 + 1):
                    cell = cy * self.nx + cx
                    for e in range(self.starts[cell], self.starts[cell + 1]):
                        b = &self.coords[e, 0]
                        if touching:
                            hit = x1 <= b[2] and b[0] <= x2 and y1 <= b[3] and b[1] <= y2
                        else:
                            hit = x1 < b[2] and b[0] < x2 and y1 < b[3] and b[1] < y2
                        if not hit:
                            continue
                        # report each box once: from the cell holding (max x1, max y1)
                        rx = x1 if x1 > b[0] else b[0]
                        ry = y1 if y1 > b[1] else b[1]
                        if cell_of(rx, self.ox, self.inverse, self.nx) != cx or \
                                cell_of(ry, self.oy, self.inverse, self.ny) != cy:
                            continue
                        if size == capacity:
                            grown = <intp_t*> realloc(found, 2 * capacity * sizeof(intp_t))
                            if grown == NULL:
                                failed = True
                                break
                            found = grown
                            capacity = 2 * capacity
                        found[size] = self.entries[e]
                        size += 1
            sort_intp(found, size)
        try:
            if failed:
                raise MemoryError()
            length = size
            out = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_INTP)
            if size:
                memcpy(cnp.PyArray_DATA(out), found, size * sizeof(intp_t))
            return out
        finally:
            free(found)
