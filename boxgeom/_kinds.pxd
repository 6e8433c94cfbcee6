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
# A raw pointer to input boxes comes with their row step in values (``row_step``: 4 for
# C-contiguous boxes, more for a view such as ``dets[:, :4]``). A loop that the compiler
# vectorises only at a constant step is an inline function, called with a literal 4 when
# the step is 4 and with the step otherwise (``_pairs.box_extent``).

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


cdef inline bint has_rows(cnp.ndarray array, Py_ssize_t columns) noexcept:
    """Whether ``array`` is 2-D ``(n, columns)`` with each row's values contiguous and the
    rows evenly spaced forward in memory, aligned and native: C-contiguous, or a row-strided
    view such as ``dets[:, :4]`` of an ``(n, 6)`` array. Kernels declared over
    ``coord_t[:, ::view.contiguous]`` read such rows through their stride, without a copy."""
    cdef Py_ssize_t size = cnp.PyArray_ITEMSIZE(array)
    if cnp.PyArray_NDIM(array) != 2 or cnp.PyArray_DIM(array, 1) != columns \
            or not cnp.PyArray_ISNOTSWAPPED(array) or not cnp.PyArray_ISALIGNED(array):
        return False
    if cnp.PyArray_IS_C_CONTIGUOUS(array):
        return True
    return (cnp.PyArray_STRIDE(array, 1) == size or columns <= 1) and (
        cnp.PyArray_DIM(array, 0) <= 1
        or cnp.PyArray_STRIDE(array, 0) >= columns * size and cnp.PyArray_STRIDE(array, 0) % size == 0)


cdef inline int array_kind(cnp.ndarray array, Py_ssize_t columns, bint strided=False) except -1:
    """``dtype_kind`` of a C-contiguous (n, columns) array, or with ``strided`` of any array
    that ``has_rows``; TypeError for anything else."""
    cdef int kind
    if not (has_rows(array, columns) if strided else
            cnp.PyArray_NDIM(array) == 2 and cnp.PyArray_DIM(array, 1) == columns
            and cnp.PyArray_IS_C_CONTIGUOUS(array) and cnp.PyArray_ISNOTSWAPPED(array)):
        raise TypeError(f"expected a {'row-strided' if strided else 'C-contiguous'} array of shape (n, {columns})")
    kind = dtype_kind(array)
    if kind < 0:
        raise TypeError(f"expected int32, int64, float32 or float64 values, got {array.dtype}")
    return kind


cdef inline int box_kind(cnp.ndarray array, bint strided=False) except -1:
    """``array_kind`` of (n, 4) boxes."""
    return array_kind(array, 4, strided)


cdef inline int same_kind(cnp.ndarray first, cnp.ndarray second, Py_ssize_t columns, bint strided=False) except -1:
    """``array_kind`` of two arrays that must share their dtype; TypeError otherwise."""
    cdef int kind = array_kind(first, columns, strided)
    if array_kind(second, columns, strided) != kind:
        raise TypeError(f"expected arrays of one dtype, got {first.dtype} and {second.dtype}")
    return kind


cdef inline Py_ssize_t row_step(cnp.ndarray array) noexcept:
    """The distance between the rows of an array that ``has_rows``, in values (not bytes)."""
    if cnp.PyArray_DIM(array, 0) <= 1:
        return cnp.PyArray_DIM(array, 1)
    return cnp.PyArray_STRIDE(array, 0) // cnp.PyArray_ITEMSIZE(array)
