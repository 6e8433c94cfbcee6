# The one dispatch idiom of the compiled layer: how a ``def`` reaches the ``coord_t``
# specialisation of its kernel.
#
# Why not a fused ``def``: picking the specialisation of a ``def`` over fused typed
# memoryviews costs a few microseconds per call (it inspects every argument's buffer
# format), more than a whole kernel on a hundred boxes. So every entry point takes its
# arrays as ``cnp.ndarray``, asks ``array_kind`` (or ``box_kind``) once, and calls the
# specialisation itself, one line per kind:
#
#     kind = box_kind(boxes)
#     if kind == KIND_INT32:
#         return run[int32_t](...)
#     ...
#
# Kernels below the entry point take raw pointers or typed memoryviews of ``coord_t``.

cimport numpy as cnp

cdef enum:
    KIND_INT32 = 0
    KIND_INT64 = 1
    KIND_FLOAT32 = 2
    KIND_FLOAT64 = 3


cdef inline int dtype_kind(cnp.ndarray array) noexcept:
    """KIND_INT32, KIND_INT64, KIND_FLOAT32 or KIND_FLOAT64 for native values of those
    types, else -1."""
    cdef int size = cnp.PyArray_ITEMSIZE(array)
    if not cnp.PyArray_ISNOTSWAPPED(array) or (size != 4 and size != 8):
        return -1
    if cnp.PyArray_ISINTEGER(array) and cnp.PyArray_ISSIGNED(array):
        return KIND_INT32 if size == 4 else KIND_INT64
    if cnp.PyArray_ISFLOAT(array):
        return KIND_FLOAT32 if size == 4 else KIND_FLOAT64
    return -1


cdef inline int array_kind(cnp.ndarray array, Py_ssize_t columns) except -1:
    """``dtype_kind`` of a C-contiguous (n, columns) array; TypeError for anything else."""
    cdef int kind
    if cnp.PyArray_NDIM(array) != 2 or cnp.PyArray_DIM(array, 1) != columns or not cnp.PyArray_IS_C_CONTIGUOUS(array) \
            or not cnp.PyArray_ISNOTSWAPPED(array):
        raise TypeError(f"expected a C-contiguous array of shape (n, {columns})")
    kind = dtype_kind(array)
    if kind < 0:
        raise TypeError(f"expected int32, int64, float32 or float64 values, got {array.dtype}")
    return kind


cdef inline int box_kind(cnp.ndarray array) except -1:
    """``array_kind`` of (n, 4) boxes."""
    return array_kind(array, 4)


cdef inline int same_kind(cnp.ndarray first, cnp.ndarray second, Py_ssize_t columns) except -1:
    """``array_kind`` of two arrays that must share their dtype; TypeError otherwise."""
    cdef int kind = array_kind(first, columns)
    if array_kind(second, columns) != kind:
        raise TypeError(f"expected arrays of one dtype, got {first.dtype} and {second.dtype}")
    return kind
