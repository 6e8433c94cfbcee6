"""Input checks of box arrays in one pass, without numpy temporaries, and the box formats.

``_validate.py`` and ``formats.py`` call :func:`first_bad_row` (or the one-call probe
:func:`valid_boxes`) once per box array and turn its answer into the error message; at small n this saves
the several microseconds that a chain of numpy reductions costs, and at large n it
reads the array once. :func:`xywh_to_xyxy` converts checked xywh boxes in the same
pass.

The module also holds the box-format enum of the compiled layer (``BoxFormat``) and,
in ``_checks.pxd``, ``read_box``, which reads one plain box in a format for the
single-query fast path of the static index (``_index.StaticIndex.query_box``).
"""

from libc.math cimport isfinite

cimport numpy as cnp
import numpy as np

from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, array_kind, box_kind, dtype_kind, has_rows, row_step
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t

cnp.import_array()

# The output type of ``xywh_write``, independent of its input's ``coord_t`` (int32 boxes
# may be written as int64).
ctypedef fused fused_out_t:
    int32_t
    int64_t
    float32_t
    float64_t

cdef enum:
    # What ``first_bad_row`` reports.
    REASON_OK = 0
    REASON_NOT_FINITE = 1
    REASON_OUT_OF_RANGE = 2
    REASON_NEGATIVE_SIZE = 3
    # Which columns must be ordered: none, x1 <= x2 and y1 <= y2 (xyxy), or w, h >= 0.
    RULE_NONE = 0
    RULE_CORNERS = 1
    RULE_SIZES = 2

OK, NOT_FINITE, OUT_OF_RANGE, NEGATIVE_SIZE = REASON_OK, REASON_NOT_FINITE, REASON_OUT_OF_RANGE, REASON_NEGATIVE_SIZE
ORDER_NONE, ORDER_CORNERS, ORDER_SIZES = RULE_NONE, RULE_CORNERS, RULE_SIZES


cdef (intp_t, int) scan(const coord_t* boxes, intp_t n, intp_t columns, intp_t step, int order,
                        int64_t limit) noexcept nogil:
    """(first bad row, reason) of ``n`` rows of ``columns`` values, ``step`` values apart;
    value checks over the whole array come before order checks."""
    cdef intp_t i, c
    cdef const coord_t* row
    if coord_t is float32_t or coord_t is float64_t:
        for i in range(n):
            row = boxes + i * step
            for c in range(columns):
                if not isfinite(row[c]):
                    return i, REASON_NOT_FINITE
    elif coord_t is int64_t:
        for i in range(n):
            row = boxes + i * step
            for c in range(columns):
                if row[c] > limit or row[c] < -limit:
                    return i, REASON_OUT_OF_RANGE
    if columns < 4:
        return -1, REASON_OK
    for i in range(n):
        row = boxes + i * step
        if order == RULE_CORNERS and (row[2] < row[0] or row[3] < row[1]):
            return i, REASON_NEGATIVE_SIZE
        if order == RULE_SIZES and (row[2] < 0 or row[3] < 0):
            return i, REASON_NEGATIVE_SIZE
    return -1, REASON_OK


cdef (intp_t, int) scan_array(cnp.ndarray array, int kind, int order, int64_t limit) noexcept:
    """``scan`` of a 2-D array of kind ``kind`` (see ``_kinds.dtype_kind``) that ``has_rows``."""
    cdef intp_t n = cnp.PyArray_DIM(array, 0), columns = cnp.PyArray_DIM(array, 1), step = row_step(array)
    cdef void* data = cnp.PyArray_DATA(array)
    cdef (intp_t, int) result
    with nogil:
        if kind == KIND_INT32:
            result = scan(<const int32_t*> data, n, columns, step, order, limit)
        elif kind == KIND_INT64:
            result = scan(<const int64_t*> data, n, columns, step, order, limit)
        elif kind == KIND_FLOAT32:
            result = scan(<const float32_t*> data, n, columns, step, order, limit)
        else:
            result = scan(<const float64_t*> data, n, columns, step, order, limit)
    return result


def valid_boxes(values, int order, int64_t limit):
    """``values`` itself when it is already what the kernels take and passes
    :func:`first_bad_row`: a native ``(n, 4)`` ndarray of int32, int64, float32 or float64
    whose rows are contiguous (C-contiguous, or a row-strided view such as ``dets[:, :4]``)
    with no bad row. Otherwise None: the caller's full path then converts it, or reports
    what is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> boxes = np.array([[0, 0, 1, 1]], dtype=np.int32)
    >>> valid_boxes(boxes, ORDER_CORNERS, 2**61) is boxes, valid_boxes([[0, 0, 1, 1]], ORDER_CORNERS, 2**61)
    (True, None)
    """
    cdef cnp.ndarray array
    cdef int kind
    if not cnp.PyArray_CheckExact(values):
        return None
    array = <cnp.ndarray> values
    if not has_rows(array, 4):
        return None
    kind = dtype_kind(array)
    if kind < 0 or scan_array(array, kind, order, limit)[0] >= 0:
        return None
    return array


def first_bad_row(cnp.ndarray array not None, int order, int64_t limit):
    """Return ``(row, reason)`` of the first row breaking the rules, or ``(-1, OK)``.

    ``array`` is 2-D in a kernel dtype, with contiguous rows (C-contiguous or
    row-strided). Reasons: ``NOT_FINITE`` (float NaN/inf), ``OUT_OF_RANGE`` (int64
    beyond +-``limit``), then ``NEGATIVE_SIZE`` under ``order`` (``ORDER_CORNERS``:
    columns 2, 3 below 0, 1; ``ORDER_SIZES``: columns 2, 3 negative; checked only when
    ``array`` has at least 4 columns).

    Examples
    --------
    >>> import numpy as np
    >>> first_bad_row(np.array([[0.0, 0, 1, 1], [0, 0, -1, 1]]), ORDER_CORNERS, 0)
    (1, 3)
    """
    if cnp.PyArray_NDIM(array) != 2:
        raise TypeError(f"first_bad_row: expected a 2-D array, got {cnp.PyArray_NDIM(array)} dimensions")
    return scan_array(array, array_kind(array, cnp.PyArray_DIM(array, 1), True), order, limit)


cdef (intp_t, int) xywh_scan(const coord_t* boxes, intp_t n, intp_t step, bint strict, bint* fits_int32) noexcept nogil:
    """First row with a non-positive size (``strict``) or a sum x + w overflowing to inf; int32 fit of the sums."""
    cdef intp_t i, c
    cdef double total
    cdef const coord_t* row
    fits_int32[0] = True
    for i in range(n):
        row = boxes + step * i
        if strict and (row[2] <= 0 or row[3] <= 0):
            return i, REASON_NEGATIVE_SIZE
        for c in range(2):
            if coord_t is int32_t:
                total = <double> (<int64_t> row[c] + <int64_t> row[c + 2])
                if total > 2147483647.0 or total < -2147483648.0:
                    fits_int32[0] = False
            elif coord_t is float32_t or coord_t is float64_t:
                if not isfinite(<coord_t> (row[c] + row[c + 2])):
                    return i, REASON_NOT_FINITE
    return -1, REASON_OK


cdef void xywh_write(const coord_t* boxes, intp_t n, intp_t step, fused_out_t* out) noexcept nogil:
    cdef intp_t i
    cdef const coord_t* row
    for i in range(n):
        row = boxes + step * i
        out[4 * i] = <fused_out_t> row[0]
        out[4 * i + 1] = <fused_out_t> row[1]
        out[4 * i + 2] = <fused_out_t> row[0] + <fused_out_t> row[2]
        out[4 * i + 3] = <fused_out_t> row[1] + <fused_out_t> row[3]


cdef object xywh_convert(const coord_t* boxes, intp_t n, intp_t step, bint strict, int out_type):
    """``xywh_to_xyxy`` for one coordinate type; ``out_type`` is its own numpy type number."""
    cdef (intp_t, int) found
    cdef bint fits = True
    cdef cnp.npy_intp dims[2]
    found = xywh_scan(boxes, n, step, strict, &fits)
    if found[0] >= 0:
        return None, found[0], found[1]
    dims[0] = n
    dims[1] = 4
    if coord_t is int32_t and not fits:
        out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INT64, 0)
        xywh_write(boxes, n, step, <int64_t*> cnp.PyArray_DATA(out))
    else:
        out = cnp.PyArray_EMPTY(2, dims, out_type, 0)
        xywh_write(boxes, n, step, <coord_t*> cnp.PyArray_DATA(out))
    return out, -1, REASON_OK


def xywh_to_xyxy(cnp.ndarray array not None, bint strict):
    """Return ``(xyxy, row, reason)`` for checked ``(n, 4)`` xywh boxes in a kernel dtype
    (C-contiguous or row-strided); ``xyxy`` is a new C-contiguous array.

    int32 stays int32 when every ``x + w`` and ``y + h`` fits, else becomes int64;
    int64 stays int64 (coordinates within +-2**61 cannot wrap); floats keep their
    dtype. ``row >= 0`` reports the first box with a size <= 0 (``strict``) or a sum
    that overflows to inf; ``xyxy`` is then None.

    Examples
    --------
    >>> import numpy as np
    >>> xywh_to_xyxy(np.array([[1, 2, 3, 4]], dtype=np.int32), True)[0]
    array([[1, 2, 4, 6]], dtype=int32)
    """
    cdef int kind = box_kind(array, True)
    cdef intp_t n = cnp.PyArray_DIM(array, 0), step = row_step(array)
    cdef void* data = cnp.PyArray_DATA(array)
    if kind == KIND_INT32:
        return xywh_convert(<const int32_t*> data, n, step, strict, cnp.NPY_INT32)
    if kind == KIND_INT64:
        return xywh_convert(<const int64_t*> data, n, step, strict, cnp.NPY_INT64)
    if kind == KIND_FLOAT32:
        return xywh_convert(<const float32_t*> data, n, step, strict, cnp.NPY_FLOAT32)
    return xywh_convert(<const float64_t*> data, n, step, strict, cnp.NPY_FLOAT64)


def valid_scores(values, intp_t n):
    """Whether ``values`` is already what the kernels take: a C-contiguous native
    float64 ndarray of shape ``(n,)`` without NaN.

    Examples
    --------
    >>> import numpy as np
    >>> valid_scores(np.array([0.5, 1.0]), 2), valid_scores(np.array([0.5, np.nan]), 2), valid_scores([0.5, 1.0], 2)
    (True, False, False)
    """
    cdef cnp.ndarray array
    cdef const double* data
    cdef intp_t i
    if not cnp.PyArray_CheckExact(values):
        return False
    array = <cnp.ndarray> values
    if cnp.PyArray_NDIM(array) != 1 or cnp.PyArray_DIM(array, 0) != n or not cnp.PyArray_IS_C_CONTIGUOUS(array) \
            or cnp.PyArray_TYPE(array) != cnp.NPY_FLOAT64 or not cnp.PyArray_ISNOTSWAPPED(array):
        return False
    data = <const double*> cnp.PyArray_DATA(array)
    for i in range(n):
        if data[i] != data[i]:
            return False
    return True


def first_nan(const float64_t[::1] values):
    """Index of the first NaN in ``values``, or -1.

    Examples
    --------
    >>> import numpy as np
    >>> first_nan(np.array([0.5, np.nan, np.nan])), first_nan(np.array([np.inf]))
    (1, -1)
    """
    cdef intp_t i, n = values.shape[0], found = -1
    with nogil:
        for i in range(n):
            if values[i] != values[i]:
                found = i
                break
    return found

