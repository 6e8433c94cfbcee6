# Which of the four coordinate types a box array holds, for the kernels' entry points:
# a def taking typed memoryviews of a fused type pays a few microseconds per call to
# find its specialisation; these entry points take the array, ask ``box_kind`` and
# call the specialisation themselves.

cimport numpy as cnp


cdef inline int dtype_kind(cnp.ndarray array) noexcept:
    """0, 1, 2, 3 for native int32, int64, float32, float64 values, else -1."""
    cdef int size = cnp.PyArray_ITEMSIZE(array)
    if not cnp.PyArray_ISNOTSWAPPED(array) or (size != 4 and size != 8):
        return -1
    if cnp.PyArray_ISINTEGER(array) and cnp.PyArray_ISSIGNED(array):
        return 0 if size == 4 else 1
    if cnp.PyArray_ISFLOAT(array):
        return 2 if size == 4 else 3
    return -1


cdef inline int box_kind(cnp.ndarray array) except -1:
    """``dtype_kind`` of a C-contiguous (n, 4) array; TypeError for anything else."""
    cdef int kind
    if cnp.PyArray_NDIM(array) != 2 or cnp.PyArray_DIM(array, 1) != 4 or not cnp.PyArray_IS_C_CONTIGUOUS(array) \
            or not cnp.PyArray_ISNOTSWAPPED(array):
        raise TypeError("expected a C-contiguous array of shape (n, 4)")
    kind = dtype_kind(array)
    if kind < 0:
        raise TypeError(f"expected int32, int64, float32 or float64 boxes, got {array.dtype}")
    return kind
