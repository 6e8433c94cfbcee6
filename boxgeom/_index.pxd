# The static index, for the modules that query it from C (``_compat_index``).
#
# A StaticIndex is immutable once built (``_index.build``): its rows, ids, cells and
# levels are only read, so any number of threads may search it at once.
#
# | method                                   | what                                              |
# |------------------------------------------|---------------------------------------------------|
# | _search(x1, y1, x2, y2, touching, out)   | append the ids of the stored boxes overlapping the xyxy box to the intp Buffer ``out`` (unsorted; no GIL); its new size, or FAILED when memory ran out |
# | _found(x1, y1, x2, y2, touching, as_uint32) | the same ids, sorted, as a new intp (or uint32) array (raises MemoryError) |
#
# Overlap is strict (positive area; a zero-area query finds the boxes whose open
# interior holds it) unless ``touching`` (closed boxes).

from boxgeom._buffer cimport Buffer
from boxgeom._types cimport intp_t

cdef enum:
    FAILED = -1    # what a search answers when memory ran out


cdef struct Level:
    double ox, oy            # corner of cell (0, 0)
    double inv_x, inv_y      # 1 / cell width, 1 / cell height (0: one cell)
    intp_t nx, ny, base      # cells; cell (cx, cy) is starts[base + cx * ny + cy]
    double reach_x, reach_y  # at least the widest / tallest box (rounded up)
    double x_lo, y_lo, x_hi, y_hi  # smallest x1, y1 and largest x2, y2 of the level's boxes
    bint flat                # some of its boxes have zero area


cdef class StaticIndex:
    cdef intp_t n, n_levels
    cdef int kind          # storage type of the rows: KIND_INT32, KIND_FLOAT32 or KIND_FLOAT64
    cdef void* rows        # (n, 4) xyxy rows in cell order, in the storage type
    cdef intp_t* ids       # (n,) the input index of each row
    cdef intp_t* starts    # (cells + 1,) first row of each cell
    cdef Level* levels

    cdef intp_t _search(self, double x1, double y1, double x2, double y2, bint touching, Buffer* out) noexcept nogil
    cdef object _found(self, double x1, double y1, double x2, double y2, bint touching, bint as_uint32)
