# Convex clipping without epsilons, shared by every polygon kernel of boxgeom.
#
# | function                                  | convention                                                    |
# |-------------------------------------------|---------------------------------------------------------------|
# | clip_halfplane(src, side, n, dst, p, e)   | keeps the points with side >= 0 (on the line is inside); a crossing point only between endpoints strictly on opposite sides |
# | clip_by_quad(poly, n, quad, work, &clip)  | clips by a counter-clockwise convex quad; 0 points once the polygon lies on or outside an edge line (zero area); ``clip`` False: ``poly`` is unchanged |
# | polygon_area(poly, n)                     | signed shoelace area (CCW positive) relative to the first vertex; 0 below 3 points |
#
# Points are float64, x and y interleaved; no test has an epsilon (see below).
#
# ``clip_by_quad`` is Sutherland-Hodgman: the subject polygon is clipped in turn by
# the four half-planes to the left of a counter-clockwise convex quad's edges. The
# side of a point is the sign of ``cross(q - p, x - p)`` with no epsilon: a point on
# the line counts as inside, and an intersection is computed only when the two
# endpoints of an edge lie strictly on opposite sides (from the nearer endpoint, and
# exactly on the line when it is axis-parallel). The output stays an ordered
# polygon, so duplicated or collinear vertices are harmless for the shoelace area.
#
# Buffers hold ``CLIP_MAX_VERTICES`` points (x, y interleaved). One clip step emits
# at most two points per input vertex, so four steps on a quad can never exceed
# 4 * 2**4 = 64 points, even when rounding makes the polygon slightly non-convex.

from libc.math cimport fabs


cdef enum:
    CLIP_MAX_VERTICES = 64


cdef inline int clip_halfplane(const double* src, const double* side, int n, double* dst,
                               double px, double py, double ex, double ey) noexcept nogil:
    """Keep the part of polygon ``src`` (n points) left of the line through p along e.

    ``side[k]`` is the signed side of point k (>= 0: inside). Writes the result to
    ``dst`` and returns its number of points.
    """
    cdef int i, k = 0
    cdef double ax, ay, bx, by, da, db, t, x, y
    bx = src[2 * n - 2]
    by = src[2 * n - 1]
    db = side[n - 1]
    for i in range(n):
        ax = bx
        ay = by
        da = db
        bx = src[2 * i]
        by = src[2 * i + 1]
        db = side[i]
        # edge a -> b: emit the crossing point, then b if it is inside
        if (da < 0.0 and db > 0.0) or (da > 0.0 and db < 0.0):
            # interpolate from the endpoint nearer the line (smaller rounding), and
            # put the point exactly on an axis-parallel line
            if fabs(da) <= fabs(db):
                t = da / (da - db)
                x = ax + t * (bx - ax)
                y = ay + t * (by - ay)
            else:
                t = db / (db - da)
                x = bx + t * (ax - bx)
                y = by + t * (ay - by)
            if ey == 0.0:
                y = py
            elif ex == 0.0:
                x = px
            dst[2 * k] = x
            dst[2 * k + 1] = y
            k += 1
        if db >= 0.0:
            dst[2 * k] = bx
            dst[2 * k + 1] = by
            k += 1
    return k


cdef inline int clip_by_quad(double* poly, int n, const double* quad, double* work,
                             bint* clipped) noexcept nogil:
    """Clip ``poly`` (n points, buffer of CLIP_MAX_VERTICES) by the CCW convex ``quad``.

    The result is left in ``poly``; ``work`` is scratch of the same size. Returns the
    number of points (0 as soon as the polygon lies on the outer side of an edge line,
    where the intersection has zero area). ``clipped[0]`` is False when no vertex lay
    strictly outside any half-plane: then ``poly`` is the subject, unchanged.
    """
    cdef int j, k, outside, inside
    cdef double px, py, ex, ey
    cdef double side[CLIP_MAX_VERTICES]
    cdef double* src = poly
    cdef double* dst = work
    cdef double* swap
    clipped[0] = False
    for j in range(4):
        px = quad[2 * j]
        py = quad[2 * j + 1]
        ex = quad[(2 * j + 2) % 8] - px
        ey = quad[(2 * j + 3) % 8] - py
        outside = 0
        inside = 0
        for k in range(n):
            side[k] = ex * (src[2 * k + 1] - py) - ey * (src[2 * k] - px)
            outside += side[k] < 0.0
            inside += side[k] > 0.0
        if outside == 0:
            continue          # nothing to cut: keep the polygon as it is
        clipped[0] = True
        if inside == 0:
            return 0          # on or outside the line: no area left
        n = clip_halfplane(src, side, n, dst, px, py, ex, ey)
        swap = src
        src = dst
        dst = swap
    if src != poly:
        for j in range(2 * n):
            poly[j] = src[j]
    return n


cdef inline double polygon_area(const double* poly, int n) noexcept nogil:
    """Signed shoelace area of ``poly`` (positive when CCW), relative to its first vertex."""
    cdef int i
    cdef double x0, y0, ax, ay, bx, by, twice = 0.0
    if n < 3:
        return 0.0
    x0 = poly[0]
    y0 = poly[1]
    bx = poly[2] - x0
    by = poly[3] - y0
    for i in range(2, n):
        ax = bx
        ay = by
        bx = poly[2 * i] - x0
        by = poly[2 * i + 1] - y0
        twice += ax * by - ay * bx
    return 0.5 * twice
