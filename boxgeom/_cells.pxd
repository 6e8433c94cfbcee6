# The tile grid's cell rule, shared by every module that bins or looks up boxes.

from libc.math cimport floor

from boxgeom._types cimport intp_t


cdef inline intp_t cell_of(double value, double origin, double inverse, intp_t count) noexcept nogil:
    """Index of the cell holding ``value``: floor, clamped to [0, count); monotonic in ``value``.

    ``inverse`` may be 0 (a single cell); a NaN product (inf * 0) also maps to cell 0.
    """
    cdef double t = floor((value - origin) * inverse)
    if not (t >= 0):
        return 0
    if t >= count:
        return count - 1
    return <intp_t> t
