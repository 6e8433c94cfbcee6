# The one cell rule of every grid, strip, bucket and block in the kernels.
#
# | case                          | cell                                     |
# |-------------------------------|------------------------------------------|
# | 0 < t < count                 | floor(t), t = (value - origin) * inverse |
# | t <= 0, or NaN (inf * 0)      | 0                                        |
# | t >= count                    | count - 1                                |
#
# Monotonic in ``value`` (every step rounds monotonically), which is all a grid needs to
# be exact: a range of values maps to a range of cells, so correctness never depends on
# the cell size, only the speed does. ``inverse`` 0 means a single cell. floor() is
# taken by truncation, valid for t > 0 (floor is a libm call without SSE4.1).

from boxgeom._types cimport intp_t


cdef inline intp_t cell_of(double value, double origin, double inverse, intp_t count) noexcept nogil:
    """Index of the cell holding ``value``, clamped to [0, count)."""
    cdef double t = (value - origin) * inverse
    if not (t > 0):
        return 0
    if t >= count:
        return count - 1
    return <intp_t> t
