# Shared C types of boxgeom's kernels.
#
# ``coord_t`` is the one fused family of coordinate types: every kernel that reads
# boxes is specialised for int32, int64, float32 and float64. Index arrays are
# ``intp_t`` (numpy's ``np.intp``).

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t

ctypedef Py_ssize_t intp_t
ctypedef float float32_t
ctypedef double float64_t

ctypedef fused coord_t:
    int32_t
    int64_t
    float32_t
    float64_t
