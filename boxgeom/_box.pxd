# Box algebra: the one definition of every axis-aligned box primitive, shared by every
# kernel (pair finding, IoU, NMS, matching, the index), so that all of them agree bit
# for bit.
#
# A box is (x1, y1, x2, y2), validated by the caller: finite, x1 <= x2, y1 <= y2,
# int64 coordinates within +-2**61. ``coord_t`` is int32, int64, float32 or float64.
#
# | primitive                   | convention                                                            |
# |-----------------------------|-----------------------------------------------------------------------|
# | span(low, high)             | high - low, exact in int64 for integers, then float64; not clamped    |
# | area(box)                   | span(x1, x2) * span(y1, y2) in float64 (exact for integer sides below 2**26) |
# | has_area(box)               | x1 < x2 and y1 < y2: a zero-area box overlaps nothing under the strict rule |
# | open_overlap(a, b)          | the four strict inequalities; true for overlapping boxes of positive area, and also for a zero-area box inside the other's open interior (box-intersect-lib's point query) |
# | closed_overlap(a, b)        | the four non-strict ones: shared edges and corners count (shapely's ``intersects``) |
# | overlap(a, b, touching)     | closed_overlap if touching, else open_overlap                         |
# | intersect(a, b, &inter)     | True when a & b has positive width and height, and then its area      |
# | intersection(a, b)          | the same area, 0 when disjoint or touching, without a branch         |
# | iou(inter, area_a, area_b)  | inter / (area_a + area_b - inter), 0 when that union is 0 (never NaN) |
# | ratio(num, den)             | num / den, 0 when den is 0: every other overlap measure is one more function of these |
# | iof, ioa, ios               | inter over area_a, area_b, min(area_a, area_b); 0 when that area is 0  |
# | giou, diou, ciou            | torchvision's formulas without eps; every 0 denominator gives 0 for its term; centre and enclosing-box differences exact in int64 |
# | Mode, measure(a, b, ...)    | the overlap measure ``mode`` (MODE_IOU .. MODE_CIOU) of a and b     |
# | Criterion, suppresses(...)  | the NMS test of a keeper against a lower-ranked box                   |
# | meets(a, b)                 | intersect's test (a & b of positive width and height), without a branch |
#
# All tests are branch-free (``&`` of comparisons), so they vectorise in the callers'
# loops. Differences of integers are taken in int64 before the conversion, so nothing
# wraps; a float64 area of integer boxes is exact while the product stays below 2**53.

from libc.math cimport INFINITY, atan2

from boxgeom._types cimport coord_t, int32_t, int64_t


cdef inline double span(coord_t low, coord_t high) noexcept nogil:
    """``high - low`` as float64, the difference exact in int64 for integers."""
    if coord_t is int32_t or coord_t is int64_t:
        return <double> (<int64_t> high - <int64_t> low)
    else:
        return <double> high - <double> low


cdef inline double area(const coord_t* box) noexcept nogil:
    """Area of a valid box (x1, y1, x2, y2)."""
    return span(box[0], box[2]) * span(box[1], box[3])


cdef inline bint has_area(const coord_t* box) noexcept nogil:
    """x1 < x2 and y1 < y2."""
    return (box[0] < box[2]) & (box[1] < box[3])


cdef inline bint open_overlap(coord_t ax1, coord_t ay1, coord_t ax2, coord_t ay2,
                              coord_t bx1, coord_t by1, coord_t bx2, coord_t by2) noexcept nogil:
    """The strict test: the four open inequalities, without a branch."""
    return (ax1 < bx2) & (bx1 < ax2) & (ay1 < by2) & (by1 < ay2)


cdef inline bint closed_overlap(coord_t ax1, coord_t ay1, coord_t ax2, coord_t ay2,
                                coord_t bx1, coord_t by1, coord_t bx2, coord_t by2) noexcept nogil:
    """The touching test: the four closed inequalities, without a branch."""
    return (ax1 <= bx2) & (bx1 <= ax2) & (ay1 <= by2) & (by1 <= ay2)


cdef inline bint overlap(const coord_t* a, const coord_t* b, bint touching) noexcept nogil:
    """``closed_overlap`` of two boxes if ``touching``, else ``open_overlap``."""
    if touching:
        return closed_overlap(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])
    return open_overlap(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3])


cdef inline bint intersect(const coord_t* a, const coord_t* b, double* inter) noexcept nogil:
    """True when a & b has positive width and height; ``inter`` is then its area (else
    untouched). One predictable branch: for loops where most pairs are apart."""
    cdef coord_t left = a[0] if a[0] > b[0] else b[0]
    cdef coord_t right = a[2] if a[2] < b[2] else b[2]
    cdef coord_t bottom = a[1] if a[1] > b[1] else b[1]
    cdef coord_t top = a[3] if a[3] < b[3] else b[3]
    if not ((left < right) & (bottom < top)):
        return False
    inter[0] = span(left, right) * span(bottom, top)
    return True


cdef inline double intersection(const coord_t* a, const coord_t* b) noexcept nogil:
    """The area of a & b (0 when they are apart or only touch), without a branch: for
    loops whose pairs mostly overlap."""
    cdef double width = span(a[0] if a[0] > b[0] else b[0], a[2] if a[2] < b[2] else b[2])
    cdef double height = span(a[1] if a[1] > b[1] else b[1], a[3] if a[3] < b[3] else b[3])
    return (width if width > 0 else 0.0) * (height if height > 0 else 0.0)


cdef inline double ratio(double num, double den) noexcept nogil:
    """``num / den``, 0 when ``den`` is 0 (areas are never negative)."""
    return num / den if den > 0 else 0.0


cdef inline double iou(double inter, double area_a, double area_b) noexcept nogil:
    """Intersection over union, 0 when the union is 0."""
    return ratio(inter, area_a + area_b - inter)


cdef struct Criterion:
    # When a kept box suppresses another (see ``suppresses``).
    double iou_threshold
    double overlap_threshold
    bint use_overlap      # test inter / area(other) > overlap_threshold too
    bint peer_rule        # box-intersect-lib's products instead of ratios


cdef inline bint suppresses(double inter, double union, double area_b, Criterion c) noexcept nogil:
    """The NMS criterion for a keeper and a box b with ``inter > 0`` overlap. Modern: IoU
    > t or, with ``use_overlap``, inter / area_b > o (ratios, as box_iou computes them).
    Peer: inter > union * t or inter > area_b * o (products; a NaN threshold disables its
    test). Only overlapping pairs (inter > 0) qualify. No branch on the data: a division
    by zero gives inf or NaN, which the accompanying test rules out. ``c`` is passed by
    value, so that its fields stay loop invariants of the inlined caller."""
    if c.peer_rule:
        return (inter > 0) & ((inter > union * c.iou_threshold) | (inter > area_b * c.overlap_threshold))
    return (inter > 0) & (((union > 0) & (inter / union > c.iou_threshold))
                          | (c.use_overlap & (area_b > 0) & (inter / area_b > c.overlap_threshold)))


cdef inline bint meets(const coord_t* a, const coord_t* b) noexcept nogil:
    """True when a & b has positive width and height (``intersect``'s test), without a
    branch: for loops that need the test and ``intersection`` together (the compiler
    shares their clipped bounds)."""
    return (((a[0] if a[0] > b[0] else b[0]) < (a[2] if a[2] < b[2] else b[2]))
            & ((a[1] if a[1] > b[1] else b[1]) < (a[3] if a[3] < b[3] else b[3])))


# --- overlap measures: one function each, and ``measure`` to pick one by ``Mode`` ---------

cdef enum Mode:
    MODE_IOU = 0
    MODE_IOF = 1    # over the area of a (boxes1): mmcv's iof
    MODE_IOA = 2    # over the area of b (boxes2): detectron2's pairwise_ioa
    MODE_IOS = 3    # over the smaller area: SAHI's and supervision's IoS
    MODE_GIOU = 4
    MODE_DIOU = 5
    MODE_CIOU = 6


cdef inline double ios(double inter, double area_a, double area_b) noexcept nogil:
    """Intersection over the smaller area, 0 when that area is 0."""
    return ratio(inter, area_a if area_a < area_b else area_b)


cdef inline double enclosing_area(const coord_t* a, const coord_t* b) noexcept nogil:
    """Area of the smallest box holding a and b."""
    return (span(a[0] if a[0] < b[0] else b[0], a[2] if a[2] > b[2] else b[2])
            * span(a[1] if a[1] < b[1] else b[1], a[3] if a[3] > b[3] else b[3]))


cdef inline double centre_penalty(const coord_t* a, const coord_t* b) noexcept nogil:
    """DIoU's penalty rho2 / c2: squared distance of the centres over the squared
    diagonal of the enclosing box (0 when that diagonal is 0). Each centre difference is
    (x1a - x1b + x2a - x2b) / 2, from two exact differences. When the squares overflow,
    all four lengths are first scaled by the enclosing box's longer side (never above it)."""
    cdef double dx = 0.5 * (span(b[0], a[0]) + span(b[2], a[2]))
    cdef double dy = 0.5 * (span(b[1], a[1]) + span(b[3], a[3]))
    cdef double cw = span(a[0] if a[0] < b[0] else b[0], a[2] if a[2] > b[2] else b[2])
    cdef double ch = span(a[1] if a[1] < b[1] else b[1], a[3] if a[3] > b[3] else b[3])
    cdef double diagonal = cw * cw + ch * ch, scale
    if diagonal < INFINITY:  # the common case; rho2 <= c2, so the numerator is finite too
        return ratio(dx * dx + dy * dy, diagonal)
    scale = cw if cw > ch else ch
    dx /= scale
    dy /= scale
    cw /= scale
    ch /= scale
    return (dx * dx + dy * dy) / (cw * cw + ch * ch)


cdef inline double giou(const coord_t* a, const coord_t* b, double inter, double area_a, double area_b) noexcept nogil:
    """IoU - (C - U) / C, with C the enclosing box's area (written 1 - U / C, which stays
    finite when C overflows); IoU when C is 0."""
    cdef double union = area_a + area_b - inter
    cdef double enclosing = enclosing_area(a, b)
    if not enclosing > 0:
        return ratio(inter, union)
    return ratio(inter, union) - (1.0 - union / enclosing)


cdef inline double diou(const coord_t* a, const coord_t* b, double inter, double area_a, double area_b) noexcept nogil:
    """IoU - rho2 / c2."""
    return iou(inter, area_a, area_b) - centre_penalty(a, b)


cdef inline double aspect(const coord_t* box) noexcept nogil:
    """atan2(width, height): CIoU's aspect angle of a box (defined for a zero height)."""
    return atan2(span(box[0], box[2]), span(box[1], box[3]))


cdef inline double ciou_turned(const coord_t* a, const coord_t* b, double inter, double area_a, double area_b,
                               double turn) noexcept nogil:
    """CIoU given ``turn = aspect(b) - aspect(a)`` (kernels that compute each box's
    aspect once pass it in)."""
    cdef double value = iou(inter, area_a, area_b)
    cdef double v = 0.40528473456935108578 * turn * turn  # 4 / pi**2
    return value - centre_penalty(a, b) - ratio(v, 1.0 - value + v) * v


cdef inline double ciou(const coord_t* a, const coord_t* b, double inter, double area_a, double area_b) noexcept nogil:
    """DIoU - alpha * v, v = (4 / pi**2) (atan2(wb, hb) - atan2(wa, ha))**2 and
    alpha = v / (1 - IoU + v) (0 when that is 0)."""
    return ciou_turned(a, b, inter, area_a, area_b, aspect(b) - aspect(a))


cdef inline double finite_or_zero(double value) noexcept nogil:
    """``value``, or 0 for NaN (inf / inf where float64 areas overflow)."""
    return value if value == value else 0.0


cdef inline double measure(const coord_t* a, const coord_t* b, double area_a, double area_b, int mode) noexcept nogil:
    """The overlap measure ``mode`` of boxes a and b of areas ``area_a`` and ``area_b``;
    0 where float64 overflows (areas beyond about 1e308: inf / inf), as ``iou`` gives."""
    cdef double inter = intersection(a, b), value
    if mode == MODE_IOU:
        value = iou(inter, area_a, area_b)
    elif mode == MODE_IOF:
        value = ratio(inter, area_a)
    elif mode == MODE_IOA:
        value = ratio(inter, area_b)
    elif mode == MODE_IOS:
        value = ios(inter, area_a, area_b)
    elif mode == MODE_GIOU:
        value = giou(a, b, inter, area_a, area_b)
    elif mode == MODE_DIOU:
        value = diou(a, b, inter, area_a, area_b)
    else:
        value = ciou(a, b, inter, area_a, area_b)
    return finite_or_zero(value)
