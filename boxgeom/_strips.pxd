# The strip join of the pair engine (``_pairs``): each box binned once into a strip.

from boxgeom._buffer cimport Buffer
from boxgeom._types cimport coord_t, int32_t, intp_t, uint32_t


cdef struct StripPlan:
    # Where boxes go: strips along the strip axis (y, or x with ``transpose``), columns
    # along the sweep axis; cells by ``_cells.cell_of``. Chosen by the pair engine's
    # cost model; it sets the speed, never the result.
    bint transpose
    double ox        # columns: cell_of(x1, ox, inv_q, nq) in the sweep frame
    double inv_q
    intp_t nq
    double oy        # strips: cell_of(y1, oy, inv_s, ns)
    double inv_s
    intp_t ns


cdef struct Strips:
    # One binned set (arrays owned by its StripBins).
    const intp_t* start     # (ns + 1,): the small boxes of strip s are [start[s], start[s + 1])
    const uint32_t* index   # (m,): box row of each small box, strip by strip, by column
    const int32_t* q1       # (m,): columns of x1 and x2 (sweep frame)
    const int32_t* q2
    const void* coords      # (4, m) coord_t: x1, y1, x2, y2 in the sweep frame
    const intp_t* giants    # (g,): rows of the boxes spanning 3 strips or more, ascending
    intp_t m
    intp_t g
    intp_t ns
    intp_t reach            # max q2 - q1 of the small boxes


cdef class StripBins:
    cdef Strips strips
    cdef object owners      # the numpy arrays behind ``strips``


cdef StripBins bin_strips(const coord_t* boxes, intp_t step, intp_t n, StripPlan plan, bint skip_empty,
                          int n_threads)
cdef intp_t join_items(const Strips* s1, const Strips* s2, bint self_join) noexcept nogil
cdef void join_strips(const coord_t* boxes1, intp_t step1, const Strips* s1, const coord_t* boxes2, intp_t step2,
                      const Strips* s2, StripPlan plan, bint self_join, bint touching, int n_threads,
                      Buffer* bufs) noexcept nogil
