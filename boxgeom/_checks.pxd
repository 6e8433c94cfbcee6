# The box formats of the compiled layer, and reading one plain box in a format.
#
# | name                  | what                                                                 |
# |-----------------------|----------------------------------------------------------------------|
# | BoxFormat             | XYXY (x1, y1, x2, y2), XYWH (x1, y1, w, h), CXCYWH (cx, cy, w, h): the one box-format enum; ``formats.FORMAT_CODES`` maps the format names to it |
# | EXACT                 | 2**53 as a double: integers within +-EXACT are exact in float64      |
# | read_box(box, fmt, v) | one plain box (a list/tuple of 4 Python ints/floats, or a 1-D array of 4 int32/int64/float32/float64) as float64 xyxy, or False |
#
# ``read_box`` accepts a box only if it is finite, its integers lie within +-EXACT
# (compared as doubles), it is not inverted (xyxy) or has no negative size (xywh,
# cxcywh), and its xyxy corners are finite; anything else is the caller's general path.
# It is inline (here, not in _checks.pyx): a call across modules costs single queries
# of the index a few percent.

from cpython.float cimport PyFloat_AS_DOUBLE, PyFloat_CheckExact
from cpython.list cimport PyList_CheckExact, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_CheckExact
from cpython.tuple cimport PyTuple_CheckExact, PyTuple_GET_ITEM, PyTuple_GET_SIZE
from libc.math cimport isfinite

cimport numpy as cnp

from boxgeom._types cimport int32_t, int64_t

cpdef enum BoxFormat:
    XYXY = 0
    XYWH = 1
    CXCYWH = 2

cdef extern from *:
    """
    /* 2**53: integers up to here are exact in float64 (a double, so that comparisons
       with it are made in float64). */
    #define BOXGEOM_EXACT 9007199254740992.0
    """
    const double EXACT "BOXGEOM_EXACT"


cdef inline bint read_box(object box, BoxFormat fmt, double* v) except? -1:
    """Read a plain box into ``v`` as float64 xyxy; False if it is not one (the caller
    then takes its general path, which validates and raises)."""
    cdef long long ints[4]
    cdef double values[4]
    cdef bint all_int = True
    cdef int k, overflow
    cdef object item
    cdef cnp.ndarray array
    cdef char* data
    cdef cnp.npy_intp stride
    cdef int typenum
    if PyList_CheckExact(box) or PyTuple_CheckExact(box):
        if (PyList_GET_SIZE(box) if PyList_CheckExact(box) else PyTuple_GET_SIZE(box)) != 4:
            return False
        for k in range(4):
            item = <object> (PyList_GET_ITEM(box, k) if PyList_CheckExact(box) else PyTuple_GET_ITEM(box, k))
            if PyFloat_CheckExact(item):
                all_int = False
                values[k] = PyFloat_AS_DOUBLE(item)
            elif PyLong_CheckExact(item):
                ints[k] = PyLong_AsLongLongAndOverflow(item, &overflow)
                if overflow or not (-EXACT <= ints[k] <= EXACT):
                    return False
                values[k] = <double> ints[k]
            else:
                return False
    elif cnp.PyArray_CheckExact(box):
        array = <cnp.ndarray> box
        if cnp.PyArray_NDIM(array) != 1 or cnp.PyArray_DIM(array, 0) != 4 or not cnp.PyArray_ISNOTSWAPPED(array):
            return False
        typenum = cnp.PyArray_TYPE(array)
        data = <char*> cnp.PyArray_DATA(array)
        stride = cnp.PyArray_STRIDE(array, 0)
        for k in range(4):
            if typenum == cnp.NPY_FLOAT64:
                values[k] = (<double*> (data + k * stride))[0]
                all_int = False
            elif typenum == cnp.NPY_FLOAT32:
                values[k] = (<float*> (data + k * stride))[0]
                all_int = False
            elif typenum == cnp.NPY_INT64:
                ints[k] = (<int64_t*> (data + k * stride))[0]
                if not (-EXACT <= ints[k] <= EXACT):
                    return False
                values[k] = <double> ints[k]
            elif typenum == cnp.NPY_INT32:
                ints[k] = (<int32_t*> (data + k * stride))[0]
                values[k] = <double> ints[k]
            else:
                return False
    else:
        return False
    for k in range(4):
        if not isfinite(values[k]):
            return False
    if fmt == XYXY:
        v[0] = values[0]
        v[1] = values[1]
        v[2] = values[2]
        v[3] = values[3]
        return v[0] <= v[2] and v[1] <= v[3]
    if values[2] < 0 or values[3] < 0:
        return False
    if fmt == XYWH:
        v[0] = values[0]
        v[1] = values[1]
        if all_int:  # numpy adds in int64 (exact), then converts
            if ints[0] + ints[2] > EXACT or ints[1] + ints[3] > EXACT:
                return False
            v[2] = <double> (ints[0] + ints[2])
            v[3] = <double> (ints[1] + ints[3])
        else:
            v[2] = values[0] + values[2]
            v[3] = values[1] + values[3]
    else:
        v[0] = values[0] - values[2] / 2
        v[1] = values[1] - values[3] / 2
        v[2] = values[0] + values[2] / 2
        v[3] = values[1] + values[3] / 2
    for k in range(4):
        if not isfinite(v[k]):
            return False
    return True
