# Pair lists to compressed sparse rows: the core of ``_csr.build_csr``, also the pair
# engine's fallback sort (``_pairs``) when pairs cannot be packed into 64 bits.

from boxgeom._types cimport int64_t, intp_t

cdef bint fill_csr(const intp_t* first, const intp_t* second, intp_t k, intp_t n_rows, bint symmetric,
                   int64_t* indptr, intp_t* indices) noexcept nogil
