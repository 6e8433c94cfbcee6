# The line search of the pair engine (``_pairs``): sort by x1, then sweep.

from boxgeom._buffer cimport Buffer
from boxgeom._types cimport coord_t, intp_t

cdef bint sweep_pairs(const coord_t* boxes1, intp_t step1, const intp_t* rows1, intp_t n1,
                      const coord_t* boxes2, intp_t step2, const intp_t* rows2, intp_t n2,
                      bint self_join, bint touching, bint packed, int n_threads,
                      Buffer** buffers, intp_t* count) noexcept nogil
