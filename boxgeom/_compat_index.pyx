"""The compat fast path of ``compat.BoxIntersector``: box-intersect-lib's query of a static index.

``BoxIntersectorBase`` holds a :class:`boxgeom._index.StaticIndex` of xyxy boxes (validated
by its subclass, ``boxgeom._compat_detection.BoxIntersector``) and
answers the peer's query ``find_intersections(x1, y1, width, height)``: the sorted
uint32 ids of the stored boxes that strictly intersect the box (a zero-size box: the
boxes whose open interior holds the point).

Fast path, in C without a Python-level line: the four arguments are Python ints or
numpy integer scalars (int8 to uint64, exact types; not bools), the sizes are >= 0 and
the corners lie within +-2**53 (compared in float64). The peer's own benchmark calls
the method once per row of an int32 array, with numpy int32 scalars. The search is
``StaticIndex._found`` in float64, exact for such integers.

General path, for anything else: integral arguments other than bools (TypeError
otherwise), sizes >= 0 (ValueError otherwise), then the query of the float64 corners
``float(x1)`` and ``float(x1 + width)`` (the float of the exact sum, as the fast path
computes it). Its answers and errors are the reference the fast path must equal.
"""

import numbers

from boxgeom._checks cimport EXACT
from boxgeom._index cimport StaticIndex

from boxgeom._index import build
from boxgeom._compat_checks import check_size_int

cimport numpy as cnp

cnp.import_array()

cdef extern from *:
    """
    #include <limits.h>
    #include "numpy/arrayscalars.h"
    /* The value of a Python int or of a numpy integer scalar (exact types only: numpy's
       bool is not an integer here, and subclasses take the general path) as a long
       long; 1 when read, 0 for anything else or a value beyond the long long range. */
    static CYTHON_INLINE int boxgeom_read_integer(PyObject* value, long long* out) {
        PyTypeObject* type = Py_TYPE(value);
        int overflow;
        if (type == &PyLong_Type) {
            *out = PyLong_AsLongLongAndOverflow(value, &overflow);
            return !overflow;
        }
        if (type == &PyIntArrType_Type) { *out = PyArrayScalar_VAL(value, Int); return 1; }
        if (type == &PyLongArrType_Type) { *out = PyArrayScalar_VAL(value, Long); return 1; }
        if (type == &PyLongLongArrType_Type) { *out = PyArrayScalar_VAL(value, LongLong); return 1; }
        if (type == &PyShortArrType_Type) { *out = PyArrayScalar_VAL(value, Short); return 1; }
        if (type == &PyByteArrType_Type) { *out = PyArrayScalar_VAL(value, Byte); return 1; }
        if (type == &PyUIntArrType_Type) { *out = PyArrayScalar_VAL(value, UInt); return 1; }
        if (type == &PyUShortArrType_Type) { *out = PyArrayScalar_VAL(value, UShort); return 1; }
        if (type == &PyUByteArrType_Type) { *out = PyArrayScalar_VAL(value, UByte); return 1; }
        if (type == &PyULongArrType_Type) {
            npy_ulong u = PyArrayScalar_VAL(value, ULong);
            *out = (long long) u;
            return u <= (npy_ulong) LLONG_MAX;
        }
        if (type == &PyULongLongArrType_Type) {
            npy_ulonglong u = PyArrayScalar_VAL(value, ULongLong);
            *out = (long long) u;
            return u <= (npy_ulonglong) LLONG_MAX;
        }
        return 0;
    }
    """
    bint read_integer "boxgeom_read_integer"(object value, long long* out) noexcept


cdef inline bint exact_int(object value, long long* out) noexcept:
    """Read a Python int or numpy integer scalar within +-2**53 into ``out``; False for
    anything else."""
    return read_integer(value, out) and -EXACT <= out[0] <= EXACT


cdef class BoxIntersectorBase:
    """A StaticIndex answering box-intersect-lib's query (the compiled half of
    ``compat.BoxIntersector``, which validates the boxes and builds the index)."""

    cdef StaticIndex index

    def _build(self, boxes):
        """Index validated xyxy ``boxes`` (``_index.build``; the subclass's constructor
        calls it once); return -1, or (nothing built) the row of the first int64 box with
        a coordinate beyond +-2**53."""
        index = build(boxes)
        if type(index) is not StaticIndex:
            return index
        self.index = <StaticIndex> index
        return -1

    def find_intersections(self, x1, y1, width, height):
        """Indices (uint32, ascending) of the stored boxes that strictly intersect the
        ``(x1, y1, width, height)`` box.

        A zero width or height is allowed: a 0 x 0 query at p finds the boxes whose open
        interior contains p. Non-integral arguments and bools raise TypeError, negative
        sizes ValueError.
        """
        cdef long long x0, y0, w, h
        if self.index is None:
            raise TypeError(f"{type(self).__name__} is not initialised")
        if exact_int(x1, &x0) and exact_int(y1, &y0) and exact_int(width, &w) and exact_int(height, &h) \
                and w >= 0 and h >= 0 and x0 + w <= EXACT and y0 + h <= EXACT:
            return self.index._found(<double> x0, <double> y0, <double> (x0 + w), <double> (y0 + h), False, True)
        return self._general(x1, y1, width, height)

    def _find_general(self, x1, y1, width, height):
        """``find_intersections`` by the general path only (what the fast path must equal)."""
        if self.index is None:
            raise TypeError(f"{type(self).__name__} is not initialised")
        return self._general(x1, y1, width, height)

    cdef object _general(self, x1, y1, width, height):
        """Check any integral arguments, then query the float64 corners."""
        cdef double qx1, qy1, qx2, qy2
        x1 = int(x1) if isinstance(x1, numbers.Integral) and not isinstance(x1, bool) else bad_int(x1, "x1")
        y1 = int(y1) if isinstance(y1, numbers.Integral) and not isinstance(y1, bool) else bad_int(y1, "y1")
        width = check_size_int(width, "width")
        height = check_size_int(height, "height")
        qx1 = float(x1)
        qy1 = float(y1)
        qx2 = float(x1 + width)
        qy2 = float(y1 + height)
        return self.index._found(qx1, qy1, qx2, qy2, False, True)


cdef object bad_int(value, str name):
    raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
