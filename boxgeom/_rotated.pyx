"""Rotated clipping: intersection areas and IoU of rotated rectangles and convex
quadrilaterals (private; see boxgeom.rotated).

Every pair is computed the same way, whichever entry point asks for it:

1. each box is prepared once in float64 (half sizes, cos/sin, area, padded bounds);
2. pairs whose padded axis-aligned bounds are disjoint get 0 without clipping;
3. the box with the larger extent (ties: area, then lexicographic) is the frame:
   the other box's corners are expressed relative to the frame box's centre and axes, so the frame
   box becomes the axis-aligned rectangle (+-w/2, +-h/2) and the half-plane tests
   of the clip are exact sign tests of exact differences;
4. ``_clip.clip_by_quad`` (Sutherland-Hodgman) and ``polygon_area`` give the area,
   clamped to [0, smaller area]; a subject that no half-plane clipped is returned as
   its exact area, and bitwise-equal boxes give their area exactly; the IoU (and
   iof, ioa, ios) is ``_box``'s ratio of that area, clamped to [0, 1].

The frame choice depends only on the two boxes, so results are symmetric bit for bit
and identical whatever the entry point or the thread count.

Entry points: ``corners`` and ``bounds`` of rotated boxes (n, 5); ``pairwise`` (the
matrix), ``aligned`` (row i with row i) and ``on_pairs`` (listed pairs) of rotated
boxes (n, 5) or convex quads (n, 8). Each takes its box arrays as ``cnp.ndarray``
and dispatches on ``_kinds.array_kind`` (the one dispatch idiom); flags are
passed by keyword (``degrees=``, ``flip=``, ``value=``: a code of ``VALUE_CODES``).
"""

from cython cimport view
from cython.parallel cimport prange
from libc.math cimport cos, fabs, fmod, sin, INFINITY, M_PI
from libc.stdlib cimport free, malloc

cimport numpy as cnp

from boxgeom cimport _box
from boxgeom._bits cimport prefetch
from boxgeom._clip cimport CLIP_MAX_VERTICES, clip_by_quad, polygon_area
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, array_kind, same_kind
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t

cnp.import_array()

cdef enum:
    AREA = -1  # a pair's entry holds its intersection area; else a ``_box.Mode`` of it

# The code of each value's name, mapped by name (the ``mode=`` of boxgeom.rotated, plus "area").
VALUE_CODES = {"area": AREA, "iou": _box.MODE_IOU, "iof": _box.MODE_IOF, "ioa": _box.MODE_IOA,
               "ios": _box.MODE_IOS}


cdef extern from *:
    # Bounds are widened by this relative amount so that rounding can never reject a pair
    # whose exact boxes overlap (the clip decides exactly afterwards). A double, so a C
    # constant rather than an enum; written as ``BOUNDS_PAD * magnitude`` where it is used
    # (an inline function around that product changes how GCC inlines the clip: 2% more
    # instructions in the pair loop).
    """
    #define BOXGEOM_BOUNDS_PAD 1e-12
    """
    const double BOUNDS_PAD "BOXGEOM_BOUNDS_PAD"


cdef struct RBox:          # 8 doubles: one cache line
    double cx, cy, hw, hh, c, s, area
    double ext              # max(hw, hh): the larger one is the frame of a pair


cdef struct QBox:
    double rx, ry          # reference point: the mean of the corners
    double q[8]            # corners relative to (rx, ry), counter-clockwise
    double area
    double ext             # largest |relative corner coordinate|
    double hx, hy          # half extents of the axis-aligned bounds around (rx, ry)


ctypedef fused shape_t:
    RBox
    QBox


cdef inline void sincos_deg(double deg, double* s, double* c) noexcept nogil:
    """sin and cos of an angle in degrees, exact at multiples of 90 degrees.

    fmod by 360 and the quadrant subtraction are exact in floating point, so the
    only rounding is that of sin/cos of the remainder in [-45, 45] degrees.
    """
    cdef double r = deg if fabs(deg) <= 360.0 else fmod(deg, 360.0)
    cdef int q = <int>(r / 90.0 + (0.5 if r >= 0.0 else -0.5))   # nearest, in [-4, 4]
    cdef double x = (r - q * 90.0) * (M_PI / 180.0)
    cdef double sx = sin(x)
    cdef double cx = cos(x)
    cdef int k = q & 3    # two's complement: -1 & 3 == 3
    if k == 0:
        s[0] = sx
        c[0] = cx
    elif k == 1:
        s[0] = cx
        c[0] = -sx
    elif k == 2:
        s[0] = -sx
        c[0] = -cx
    else:
        s[0] = -cx
        c[0] = sx


cdef inline void rotation(double angle, bint degrees, bint flip, double* s, double* c) noexcept nogil:
    """sin and cos of the box's w-axis angle: (c, s) is the w-axis direction."""
    if degrees:
        sincos_deg(angle, s, c)
    else:
        s[0] = sin(angle)
        c[0] = cos(angle)
    if flip:
        s[0] = -s[0]


cdef inline void half_extents(const shape_t* b, double* cx, double* cy, double* ex,
                              double* ey) noexcept nogil:
    """Centre and half extents of the axis-aligned bounds of a prepared shape."""
    if shape_t is RBox:
        cx[0] = b.cx
        cy[0] = b.cy
        ex[0] = fabs(b.c) * b.hw + fabs(b.s) * b.hh
        ey[0] = fabs(b.s) * b.hw + fabs(b.c) * b.hh
    else:
        cx[0] = b.rx
        cy[0] = b.ry
        ex[0] = b.hx
        ey[0] = b.hy


cdef inline void padded_bounds(const shape_t* b, double* out) noexcept nogil:
    """(x1, y1, x2, y2) of a prepared shape, widened by BOUNDS_PAD (relative)."""
    cdef double cx, cy, ex, ey, px, py
    half_extents(b, &cx, &cy, &ex, &ey)
    px = BOUNDS_PAD * (fabs(cx) + ex)
    py = BOUNDS_PAD * (fabs(cy) + ey)
    out[0] = cx - ex - px
    out[1] = cy - ey - py
    out[2] = cx + ex + px
    out[3] = cy + ey + py


cdef inline bint bounds_apart(const shape_t* a, const shape_t* b) noexcept nogil:
    """True if the padded bounds of a and b are disjoint (then the boxes are too).

    Written on centres and half extents, not as ``_box.open_overlap`` of two padded
    corner boxes: the shapes are prepared that way, and the rounding of this test is
    part of the results (it decides which pairs are clipped)."""
    cdef double ax, ay, aex, aey, bx, by, bex, bey
    half_extents(a, &ax, &ay, &aex, &aey)
    half_extents(b, &bx, &by, &bex, &bey)
    return (fabs(ax - bx) > (aex + bex) + BOUNDS_PAD * (fabs(ax) + fabs(bx) + aex + bex)
            or fabs(ay - by) > (aey + bey) + BOUNDS_PAD * (fabs(ay) + fabs(by) + aey + bey))


cdef inline void rbox_prep(double cx, double cy, double w, double h, double angle,
                           bint degrees, bint flip, RBox* b) noexcept nogil:
    cdef double c, s
    rotation(angle, degrees, flip, &s, &c)
    b.cx = cx
    b.cy = cy
    b.hw = 0.5 * w
    b.hh = 0.5 * h
    b.c = c
    b.s = s
    b.area = w * h
    b.ext = max(b.hw, b.hh)


cdef inline void quad_prep(const double* pts, QBox* b) noexcept nogil:
    cdef int k
    cdef double rx = 0.25 * ((pts[0] + pts[2]) + (pts[4] + pts[6]))
    cdef double ry = 0.25 * ((pts[1] + pts[3]) + (pts[5] + pts[7]))
    cdef double area, t, ex = 0.0, ey = 0.0
    b.rx = rx
    b.ry = ry
    for k in range(4):
        b.q[2 * k] = pts[2 * k] - rx
        b.q[2 * k + 1] = pts[2 * k + 1] - ry
        ex = max(ex, fabs(b.q[2 * k]))
        ey = max(ey, fabs(b.q[2 * k + 1]))
    area = polygon_area(b.q, 4)
    if area < 0.0:  # make it counter-clockwise: swap corners 1 and 3
        for k in range(2):
            t = b.q[2 + k]
            b.q[2 + k] = b.q[6 + k]
            b.q[6 + k] = t
        area = -area
    b.area = area
    b.ext = max(ex, ey)
    b.hx = ex
    b.hy = ey


cdef inline bint rbox_first(const RBox* a, const RBox* b) noexcept nogil:
    """True if ``a`` is the frame of the pair (a, b): larger extent, area, then lexicographic.

    The other box's corners are rounded relative to its own size and distance, so the
    box with the smaller extent is the better subject (a 1e-6 x 1e10 needle against a
    300 x 300 box is clipped in the needle's frame, where its edges are exact).
    """
    if a.ext != b.ext:
        return a.ext > b.ext
    if a.area != b.area:
        return a.area > b.area
    if a.cx != b.cx:
        return a.cx < b.cx
    if a.cy != b.cy:
        return a.cy < b.cy
    if a.hw != b.hw:
        return a.hw < b.hw
    if a.hh != b.hh:
        return a.hh < b.hh
    if a.c != b.c:
        return a.c < b.c
    return a.s <= b.s


cdef inline double rbox_inter(const RBox* a, const RBox* b) noexcept nogil:
    """Exact-as-float intersection area of two prepared rotated boxes (bounds overlap)."""
    cdef const RBox* f
    cdef const RBox* t
    cdef double poly[2 * CLIP_MAX_VERTICES]
    cdef double work[2 * CLIP_MAX_VERTICES]
    cdef double quad[8]
    cdef double dx, dy, px, py, cd, sd, ux, uy, vx, vy, area
    cdef bint clipped
    cdef int n
    if (a.cx == b.cx and a.cy == b.cy and a.hw == b.hw and a.hh == b.hh
            and a.c == b.c and a.s == b.s):
        return a.area
    if rbox_first(a, b):
        f = a
        t = b
    else:
        f = b
        t = a
    # centre and axes of t in the frame of f
    dx = t.cx - f.cx
    dy = t.cy - f.cy
    px = f.c * dx + f.s * dy
    py = f.c * dy - f.s * dx
    cd = t.c * f.c + t.s * f.s
    sd = t.s * f.c - t.c * f.s
    ux = cd * t.hw
    uy = sd * t.hw
    vx = -sd * t.hh
    vy = cd * t.hh
    poly[0] = (px - ux) - vx
    poly[1] = (py - uy) - vy
    poly[2] = (px + ux) - vx
    poly[3] = (py + uy) - vy
    poly[4] = (px + ux) + vx
    poly[5] = (py + uy) + vy
    poly[6] = (px - ux) + vx
    poly[7] = (py - uy) + vy
    quad[0] = -f.hw
    quad[1] = -f.hh
    quad[2] = f.hw
    quad[3] = -f.hh
    quad[4] = f.hw
    quad[5] = f.hh
    quad[6] = -f.hw
    quad[7] = f.hh
    n = clip_by_quad(poly, 4, quad, work, &clipped)
    if not clipped:
        return min(t.area, f.area)
    area = polygon_area(poly, n)
    if area < 0.0:
        return 0.0
    return min(area, t.area, f.area)


cdef inline bint quad_first(const QBox* a, const QBox* b) noexcept nogil:
    cdef int k
    if a.ext != b.ext:
        return a.ext > b.ext
    if a.area != b.area:
        return a.area > b.area
    if a.rx != b.rx:
        return a.rx < b.rx
    if a.ry != b.ry:
        return a.ry < b.ry
    for k in range(7):
        if a.q[k] != b.q[k]:
            return a.q[k] < b.q[k]
    return a.q[7] <= b.q[7]


cdef inline double quad_inter(const QBox* a, const QBox* b) noexcept nogil:
    """Intersection area of two prepared convex quads (bounds overlap)."""
    cdef const QBox* f
    cdef const QBox* t
    cdef double poly[2 * CLIP_MAX_VERTICES]
    cdef double work[2 * CLIP_MAX_VERTICES]
    cdef double dx, dy, area
    cdef bint clipped, same = a.rx == b.rx and a.ry == b.ry
    cdef int n, k
    for k in range(8):
        same = same and a.q[k] == b.q[k]
    if same:
        return a.area
    if quad_first(a, b):
        f = a
        t = b
    else:
        f = b
        t = a
    dx = t.rx - f.rx
    dy = t.ry - f.ry
    for k in range(4):
        poly[2 * k] = t.q[2 * k] + dx
        poly[2 * k + 1] = t.q[2 * k + 1] + dy
    n = clip_by_quad(poly, 4, f.q, work, &clipped)
    if not clipped:
        return min(t.area, f.area)
    area = polygon_area(poly, n)
    if area < 0.0:
        return 0.0
    return min(area, t.area, f.area)


cdef inline double overlap(const shape_t* a, const shape_t* b, int value) noexcept nogil:
    """The ``value`` of two prepared shapes: their intersection area (``AREA``), or its
    IoU, iof, ioa or ios (a ``_box.Mode``: ``_box``'s ratios, clamped to 1)."""
    cdef double inter, measured
    if a.area <= 0.0 or b.area <= 0.0:
        return 0.0
    if bounds_apart(a, b):
        return 0.0
    if shape_t is RBox:
        inter = rbox_inter(a, b)
    else:
        inter = quad_inter(a, b)
    if value == _box.MODE_IOU:
        measured = _box.iou(inter, a.area, b.area)
    elif value == AREA:
        return inter
    elif value == _box.MODE_IOF:
        measured = _box.ratio(inter, a.area)
    elif value == _box.MODE_IOA:
        measured = _box.ratio(inter, b.area)
    else:
        measured = _box.ios(inter, a.area, b.area)
    return measured if measured < 1.0 else 1.0


cdef inline void prep_row(const coord_t[:, ::view.contiguous] boxes, Py_ssize_t i, bint degrees, bint flip,
                          shape_t* out) noexcept nogil:
    cdef double pts[8]
    cdef int k
    if shape_t is RBox:
        rbox_prep(<double>boxes[i, 0], <double>boxes[i, 1], <double>boxes[i, 2],
                  <double>boxes[i, 3], <double>boxes[i, 4], degrees, flip, out)
    else:
        for k in range(8):
            pts[k] = <double>boxes[i, k]
        quad_prep(pts, out)


cdef void* aligned_malloc(size_t size, void** raw) noexcept nogil:
    """``size`` bytes aligned to 64 (a cache line); free ``raw[0]``. NULL if out of memory."""
    raw[0] = malloc(size + 64)
    if raw[0] == NULL:
        return NULL
    return <void*>((<size_t>raw[0] + 64) & ~(<size_t>63))


cdef shape_t* prep_all(const coord_t[:, ::view.contiguous] boxes, bint degrees, bint flip, int n_threads,
                       void** raw, shape_t* kind) noexcept nogil:
    """Prepare every row into a new cache-aligned array (free ``raw[0]``; ``kind`` only
    selects the shape type). NULL when out of memory."""
    cdef Py_ssize_t i, n = boxes.shape[0]
    cdef shape_t* out = <shape_t*>aligned_malloc(max(n, 1) * sizeof(shape_t), raw)
    if out == NULL:
        return NULL
    for i in prange(n, num_threads=n_threads, schedule="static"):
        prep_row(boxes, i, degrees, flip, &out[i])
    return out


cdef enum:
    LAZY_ROWS = 64  # with at most this many rows, only columns near a row are prepared


cdef inline bint near_any_row(const coord_t[:, ::view.contiguous] boxes2, Py_ssize_t j, const double* rows,
                              Py_ssize_t n) noexcept nogil:
    """Trig-free test: can column j (a rotated box) reach the padded bounds of some row?

    Its disc of radius (w + h) / 2 (padded) contains it whatever its angle. A
    prefilter, not an overlap measure, written with short-circuit ``and``s rather than
    the branch-free ``_box.closed_overlap``: most columns are far from every row and
    fail the first comparison (the branch-free test costs 23% more instructions on the
    5 x 756 seed case).
    """
    cdef double cx = <double>boxes2[j, 0]
    cdef double cy = <double>boxes2[j, 1]
    cdef double r = 0.5 * (<double>boxes2[j, 2] + <double>boxes2[j, 3])
    cdef double rx = r + BOUNDS_PAD * (fabs(cx) + r)
    cdef double ry = r + BOUNDS_PAD * (fabs(cy) + r)
    cdef Py_ssize_t i
    for i in range(n):
        if (rows[4 * i] <= cx + rx and cx - rx <= rows[4 * i + 2]
                and rows[4 * i + 1] <= cy + ry and cy - ry <= rows[4 * i + 3]):
            return True
    return False


cdef int matrix_loop(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, bint degrees,
                     bint flip, int value, double[:, ::1] out, int n_threads,
                     shape_t* kind) noexcept nogil:
    cdef Py_ssize_t i, j, n = boxes1.shape[0], m = boxes2.shape[0]
    cdef void* raw_a = NULL
    cdef void* raw_b = NULL
    cdef shape_t* a = prep_all(boxes1, degrees, flip, n_threads, &raw_a, kind)
    cdef shape_t* b
    # padded bounds: rows (4 per box) and columns as four compact arrays for the scan
    cdef double* rows = <double*>malloc(max(4 * n, 1) * sizeof(double))
    cdef double* cols = <double*>malloc(max(4 * m, 1) * sizeof(double))
    cdef double box[4]
    cdef bint lazy = shape_t is RBox and n <= LAZY_ROWS
    if lazy:  # few rows (anchors against an image's boxes): skip the sin/cos of far columns
        b = <shape_t*>aligned_malloc(max(m, 1) * sizeof(shape_t), &raw_b)
    else:
        b = prep_all(boxes2, degrees, flip, n_threads, &raw_b, kind)
    if a == NULL or b == NULL or rows == NULL or cols == NULL:
        free(raw_a)
        free(raw_b)
        free(rows)
        free(cols)
        return -1
    for i in range(n):
        padded_bounds(&a[i], &rows[4 * i])
    for j in range(m):
        if lazy and not near_any_row(boxes2, j, rows, n):
            box[0] = box[1] = INFINITY   # empty bounds: the scan never selects it
            box[2] = box[3] = -INFINITY
        else:
            if lazy:
                prep_row(boxes2, j, degrees, flip, &b[j])
            padded_bounds(&b[j], box)
        cols[j] = box[0]
        cols[m + j] = box[1]
        cols[2 * m + j] = box[2]
        cols[3 * m + j] = box[3]
    for i in prange(n, num_threads=n_threads, schedule="dynamic", chunksize=4):
        matrix_row(&a[i], &rows[4 * i], b, cols, m, value, &out[i, 0])
    free(raw_a)
    free(raw_b)
    free(rows)
    free(cols)
    return 0


cdef enum:
    ROW_CHUNK = 256


cdef inline void matrix_row(const shape_t* a, const double* bounds, const shape_t* b,
                            const double* cols, Py_ssize_t m, int value,
                            double* row) noexcept nogil:
    """One row of the matrix: a branch-free bounds scan, then the few candidates."""
    cdef Py_ssize_t start, j, stop
    cdef double x1 = bounds[0], y1 = bounds[1], x2 = bounds[2], y2 = bounds[3]
    cdef const double* bx1 = cols
    cdef const double* by1 = cols + m
    cdef const double* bx2 = cols + 2 * m
    cdef const double* by2 = cols + 3 * m
    cdef unsigned char hit[ROW_CHUNK]
    start = 0
    while start < m:
        stop = min(start + ROW_CHUNK, m)
        for j in range(start, stop):
            hit[j - start] = _box.closed_overlap(x1, y1, x2, y2, bx1[j], by1[j], bx2[j], by2[j])
            row[j] = 0.0
        for j in range(start, stop):
            if hit[j - start]:
                row[j] = overlap(a, &b[j], value)
        start = stop


cdef inline double aligned_one(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2,
                               Py_ssize_t i, bint degrees, bint flip, int value,
                               shape_t* kind) noexcept nogil:
    cdef shape_t a, b
    prep_row(boxes1, i, degrees, flip, &a)
    prep_row(boxes2, i, degrees, flip, &b)
    return overlap(&a, &b, value)


cdef void aligned_loop(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, bint degrees,
                       bint flip, int value, double[::1] out, int n_threads,
                       shape_t* kind) noexcept nogil:
    cdef Py_ssize_t i, n = boxes1.shape[0]
    for i in prange(n, num_threads=n_threads, schedule="static"):
        out[i] = aligned_one(boxes1, boxes2, i, degrees, flip, value, kind)


cdef int pairs_loop(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2,
                    const intp_t[:, ::1] pairs, bint same, bint degrees, bint flip, int value,
                    double[::1] out, int n_threads, shape_t* kind) noexcept nogil:
    cdef Py_ssize_t p, k = pairs.shape[1]
    cdef void* raw_a = NULL
    cdef void* raw_b = NULL
    cdef shape_t* a = prep_all(boxes1, degrees, flip, n_threads, &raw_a, kind)
    cdef shape_t* b = a if same else prep_all(boxes2, degrees, flip, n_threads, &raw_b, kind)
    if a == NULL or b == NULL:
        free(raw_a)
        free(raw_b)
        return -1
    for p in prange(k, num_threads=n_threads, schedule="static"):
        out[p] = pair_value(a, b, pairs, p, k, value)
    free(raw_a)
    free(raw_b)
    return 0


cdef inline double pair_value(const shape_t* a, const shape_t* b, const intp_t[:, ::1] pairs,
                              Py_ssize_t p, Py_ssize_t k, int value) noexcept nogil:
    """The value of pair p; prefetches the boxes of pair p + 16 (pairs hop around memory)."""
    if p + 16 < k:
        prefetch(a, pairs[0, p + 16] * sizeof(shape_t))
        prefetch(b, pairs[1, p + 16] * sizeof(shape_t))
    return overlap(&a[pairs[0, p]], &b[pairs[1, p]], value)


cdef inline void corners_row(const coord_t[:, ::view.contiguous] boxes, Py_ssize_t i, bint degrees, bint flip,
                             double[:, :, ::1] out) noexcept nogil:
    cdef double c, s, sx, sy
    cdef double cx = <double>boxes[i, 0]
    cdef double cy = <double>boxes[i, 1]
    cdef double hw = 0.5 * <double>boxes[i, 2]
    cdef double hh = 0.5 * <double>boxes[i, 3]
    cdef int k
    rotation(<double>boxes[i, 4], degrees, flip, &s, &c)
    for k in range(4):
        sx = hw if k == 1 or k == 2 else -hw
        sy = hh if k >= 2 else -hh
        out[i, k, 0] = cx + (c * sx - s * sy)
        out[i, k, 1] = cy + (s * sx + c * sy)


cdef inline void bounds_row(const coord_t[:, ::view.contiguous] boxes, Py_ssize_t i, bint degrees, bint flip,
                            double[:, ::1] out) noexcept nogil:
    cdef RBox b
    prep_row(boxes, i, degrees, flip, &b)
    padded_bounds(&b, &out[i, 0])


def first_invalid(const double[:, ::view.contiguous] boxes, double limit):
    """Return the first row with NaN/inf, a negative w or h, or |cx|, |cy|, w, h > limit; -1 if none.

    The fast check behind ``_validate.as_rotated`` (which words the error message).
    """
    cdef Py_ssize_t i, n = boxes.shape[0]
    cdef Py_ssize_t bad = -1
    cdef double a
    with nogil:
        for i in range(n):
            a = boxes[i, 4]
            if not (fabs(boxes[i, 0]) <= limit and fabs(boxes[i, 1]) <= limit
                    and 0.0 <= boxes[i, 2] <= limit and 0.0 <= boxes[i, 3] <= limit
                    and a - a == 0.0):
                bad = i
                break
    return bad


cdef void _corners(const coord_t[:, ::view.contiguous] boxes, bint degrees, bint flip, double[:, :, ::1] out,
                   int n_threads) noexcept:
    cdef Py_ssize_t i, n = boxes.shape[0]
    with nogil:
        for i in prange(n, num_threads=n_threads, schedule="static"):
            corners_row(boxes, i, degrees, flip, out)


cdef void _bounds(const coord_t[:, ::view.contiguous] boxes, bint degrees, bint flip, double[:, ::1] out,
                  int n_threads) noexcept:
    cdef Py_ssize_t i, n = boxes.shape[0]
    with nogil:
        for i in prange(n, num_threads=n_threads, schedule="static"):
            bounds_row(boxes, i, degrees, flip, out)


cdef int _pairwise(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, bint degrees,
                   bint flip, int value, double[:, ::1] out, int n_threads) noexcept:
    cdef int status
    cdef RBox* rkind = NULL
    cdef QBox* qkind = NULL
    with nogil:
        if boxes1.shape[1] == 5:
            status = matrix_loop(boxes1, boxes2, degrees, flip, value, out, n_threads, rkind)
        else:
            status = matrix_loop(boxes1, boxes2, degrees, flip, value, out, n_threads, qkind)
    return status


cdef void _aligned(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, bint degrees,
                   bint flip, int value, double[::1] out, int n_threads) noexcept:
    cdef RBox* rkind = NULL
    cdef QBox* qkind = NULL
    with nogil:
        if boxes1.shape[1] == 5:
            aligned_loop(boxes1, boxes2, degrees, flip, value, out, n_threads, rkind)
        else:
            aligned_loop(boxes1, boxes2, degrees, flip, value, out, n_threads, qkind)


cdef int _on_pairs(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2,
                   const intp_t[:, ::1] pairs, bint same, bint degrees, bint flip, int value,
                   double[::1] out, int n_threads) noexcept:
    cdef int status
    cdef RBox* rkind = NULL
    cdef QBox* qkind = NULL
    with nogil:
        if boxes1.shape[1] == 5:
            status = pairs_loop(boxes1, boxes2, pairs, same, degrees, flip, value, out,
                                n_threads, rkind)
        else:
            status = pairs_loop(boxes1, boxes2, pairs, same, degrees, flip, value, out,
                                n_threads, qkind)
    return status


cdef int shapes_kind(cnp.ndarray boxes1, cnp.ndarray boxes2) except -1:
    """``same_kind`` of two arrays of rotated boxes (n, 5), or of convex quads (n, 8) when
    ``boxes1`` has 8 columns; TypeError for anything else."""
    cdef Py_ssize_t columns = 8 if cnp.PyArray_NDIM(boxes1) == 2 and cnp.PyArray_DIM(boxes1, 1) == 8 else 5
    return same_kind(boxes1, boxes2, columns, True)


def corners(cnp.ndarray boxes not None, bint degrees, bint flip, double[:, :, ::1] out, int n_threads):
    """Write the 4 corners of every rotated box (n, 5) to ``out`` (n, 4, 2)."""
    cdef int kind = array_kind(boxes, 5, True)
    if kind == KIND_INT32:
        _corners[int32_t](boxes, degrees, flip, out, n_threads)
    elif kind == KIND_INT64:
        _corners[int64_t](boxes, degrees, flip, out, n_threads)
    elif kind == KIND_FLOAT32:
        _corners[float32_t](boxes, degrees, flip, out, n_threads)
    else:
        _corners[float64_t](boxes, degrees, flip, out, n_threads)


def bounds(cnp.ndarray boxes not None, bint degrees, bint flip, double[:, ::1] out, int n_threads):
    """Write padded axis-aligned bounds (x1, y1, x2, y2) of every rotated box (n, 5) to ``out``.

    The padding (relative 1e-12) makes the bounds contain the exact box despite rounding.
    """
    cdef int kind = array_kind(boxes, 5, True)
    if kind == KIND_INT32:
        _bounds[int32_t](boxes, degrees, flip, out, n_threads)
    elif kind == KIND_INT64:
        _bounds[int64_t](boxes, degrees, flip, out, n_threads)
    elif kind == KIND_FLOAT32:
        _bounds[float32_t](boxes, degrees, flip, out, n_threads)
    else:
        _bounds[float64_t](boxes, degrees, flip, out, n_threads)


def pairwise(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, bint degrees, bint flip, int value,
             double[:, ::1] out, int n_threads):
    """Fill ``out`` (n, m) with the intersection area or IoU of every pair.

    Both inputs share one dtype (int32, int64, float32 or float64) and are C-contiguous;
    rows of 5 columns are rotated boxes, rows of 8 columns convex quads. Raises
    MemoryError only if the per-box scratch cannot be allocated.
    """
    cdef int status, kind = shapes_kind(boxes1, boxes2)
    if kind == KIND_INT32:
        status = _pairwise[int32_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    elif kind == KIND_INT64:
        status = _pairwise[int64_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    elif kind == KIND_FLOAT32:
        status = _pairwise[float32_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    else:
        status = _pairwise[float64_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    if status:
        raise MemoryError()


def aligned(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, bint degrees, bint flip, int value,
            double[::1] out, int n_threads):
    """Fill ``out`` (n,) with the intersection area or IoU of row i of both inputs."""
    cdef int kind = shapes_kind(boxes1, boxes2)
    if kind == KIND_INT32:
        _aligned[int32_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    elif kind == KIND_INT64:
        _aligned[int64_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    elif kind == KIND_FLOAT32:
        _aligned[float32_t](boxes1, boxes2, degrees, flip, value, out, n_threads)
    else:
        _aligned[float64_t](boxes1, boxes2, degrees, flip, value, out, n_threads)


def on_pairs(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, const intp_t[:, ::1] pairs, bint same,
             bint degrees, bint flip, int value, double[::1] out, int n_threads):
    """Fill ``out`` (k,) for the pairs (2, k): row 0 indexes boxes1, row 1 boxes2.

    ``same`` means boxes2 is boxes1 (a self-join): the boxes are prepared once.
    Indices are trusted (validated by the caller).
    """
    cdef int status, kind = shapes_kind(boxes1, boxes2)
    if kind == KIND_INT32:
        status = _on_pairs[int32_t](boxes1, boxes2, pairs, same, degrees, flip, value, out, n_threads)
    elif kind == KIND_INT64:
        status = _on_pairs[int64_t](boxes1, boxes2, pairs, same, degrees, flip, value, out, n_threads)
    elif kind == KIND_FLOAT32:
        status = _on_pairs[float32_t](boxes1, boxes2, pairs, same, degrees, flip, value, out, n_threads)
    else:
        status = _on_pairs[float64_t](boxes1, boxes2, pairs, same, degrees, flip, value, out, n_threads)
    if status:
        raise MemoryError()
