# The brute-force all-pairs test of the pair engine (``_pairs``), for small inputs.

from boxgeom._types cimport coord_t, intp_t

cdef object brute_pairs(const coord_t* boxes1, intp_t n1, intp_t step1, const coord_t* boxes2, intp_t n2,
                        intp_t step2, bint self_join, bint touching)
