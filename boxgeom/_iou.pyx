"""Axis-aligned intersection over union: dense (n, m) matrices (``iou_matrix``), listed
pairs (``iou_pairs``), and the intersections and unions of listed pairs
(``pair_overlaps``, for ``match_optimal``); every other overlap measure (``_box.Mode``:
iof, ioa, ios, giou, diou, ciou) dense, row by row or on listed pairs
(``measure_matrix``, ``measure_aligned``, ``measure_pairs``), one ``_box.measure`` per cell.

Everything goes through ``_box.pxd``: widths are differences taken exactly (int64 for
integer boxes, float64 otherwise), then products and ratios in float64. IoU is 0 where
the boxes do not overlap with positive area, and where the union is 0 (where
torchvision's formula gives NaN). A dense row tests a block of ``boxes2`` at a time
(``open_overlap`` on its coordinates column by column: one flag byte per box, a loop
the compiler vectorises), then computes the IoU of the flagged boxes only; the other
cells stay 0. For int64 boxes, whose 64-bit integer compares do not vectorise under
the baseline x86-64 target (SSE2), a row tests box by box instead (``open_overlap``,
then ``intersect``), which is faster there. Rows (dense) and pairs (sparse) are split
between threads statically; every value is computed alike whatever the thread count.
"""

from cython cimport view
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._bits cimport ctz64
from boxgeom._box cimport (MODE_CIOU, MODE_DIOU, MODE_GIOU, MODE_IOA, MODE_IOF, MODE_IOS, MODE_IOU, area, aspect,
                           ciou_turned, finite_or_zero, intersect, intersection, iou, measure, open_overlap)
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, same_kind
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint64_t

cnp.import_array()

# The compiled code of each overlap measure's name (``_box.Mode``), mapped by name.
MODE_CODES = {"iou": MODE_IOU, "iof": MODE_IOF, "ioa": MODE_IOA, "ios": MODE_IOS, "giou": MODE_GIOU,
              "diou": MODE_DIOU, "ciou": MODE_CIOU}

cdef enum:
    ROW_BLOCK = 256  # boxes of boxes2 a dense row tests together (a flag byte each, on the stack)


cdef inline double iou_of(const coord_t* a, const coord_t* b, double area_a, double area_b) noexcept nogil:
    """IoU of two boxes of areas ``area_a`` and ``area_b``; 0 unless they overlap with
    positive area (one predictable branch: most pairs of a dense matrix are apart)."""
    cdef double inter
    if not intersect(a, b, &inter):
        return 0.0
    return iou(inter, area_a, area_b)


# --- dense ---------------------------------------------------------------------------------


def iou_matrix(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, *, int n_threads):
    """Return the (n, m) float64 IoU of every box of ``boxes1`` with every box of
    ``boxes2`` (C-contiguous (n, 4) and (m, 4) arrays of one dtype); threads over rows."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return dense[int32_t](boxes1, boxes2, n_threads)
    if kind == KIND_INT64:
        return dense[int64_t](boxes1, boxes2, n_threads)
    if kind == KIND_FLOAT32:
        return dense[float32_t](boxes1, boxes2, n_threads)
    return dense[float64_t](boxes1, boxes2, n_threads)


cdef void dense_row(const coord_t* a, intp_t m, const coord_t* columns, const double* areas,
                    double* out) noexcept nogil:
    """Write the nonzero IoU of box ``a`` with the m boxes of ``columns`` (their x1, y1,
    x2, y2, one coordinate after the other; ``areas``: theirs) into ``out`` (a zeroed
    row): ROW_BLOCK boxes at a time, one ``open_overlap`` flag each, then the IoU of the
    flagged boxes, read 8 flags at a time."""
    cdef intp_t lo = 0, hi, j, s
    cdef const coord_t* x1 = columns
    cdef const coord_t* y1 = columns + m
    cdef const coord_t* x2 = columns + 2 * m
    cdef const coord_t* y2 = columns + 3 * m
    cdef coord_t ax1 = a[0], ay1 = a[1], ax2 = a[2], ay2 = a[3]
    cdef double area_a = area(a), inter
    cdef coord_t b[4]
    cdef uint8_t flags[ROW_BLOCK + 8]
    cdef uint64_t word
    while lo < m:
        hi = min(lo + <intp_t> ROW_BLOCK, m)
        for j in range(lo, hi):
            flags[j - lo] = open_overlap(x1[j], y1[j], x2[j], y2[j], ax1, ay1, ax2, ay2)
        memset(flags + (hi - lo), 0, 8)
        for s in range(lo, hi, 8):
            memcpy(&word, flags + (s - lo), 8)
            while word:  # flag bytes are 0 or 1: the lowest set bit is 8k for flag k
                j = s + (ctz64(word) >> 3)
                word &= word - 1
                b[0] = x1[j]
                b[1] = y1[j]
                b[2] = x2[j]
                b[3] = y2[j]
                if intersect(a, b, &inter):
                    out[j] = iou(inter, area_a, areas[j])
        lo = hi


cdef void dense_row_scalar(const coord_t* a, const coord_t[:, ::view.contiguous] boxes2, const double* areas,
                           double* out) noexcept nogil:
    """``dense_row`` box by box, for coordinates whose flag loop would not vectorise:
    ``open_overlap``, and only then ``intersect``."""
    cdef intp_t j
    cdef coord_t ax1 = a[0], ay1 = a[1], ax2 = a[2], ay2 = a[3]
    cdef double area_a = area(a), inter
    cdef const coord_t* b
    for j in range(boxes2.shape[0]):
        b = &boxes2[j, 0]
        if open_overlap(b[0], b[1], b[2], b[3], ax1, ay1, ax2, ay2) and intersect(a, b, &inter):
            out[j] = iou(inter, area_a, areas[j])


cdef object dense(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, int n_threads):
    """``iou_matrix`` for one coordinate type."""
    cdef intp_t n = boxes1.shape[0], m = boxes2.shape[0], i, j, c
    out_array = np.zeros((n, m), dtype=np.float64)
    cdef double[:, ::1] out = out_array
    if n == 0 or m == 0:
        return out_array
    cdef double* areas = <double*> malloc(m * sizeof(double))
    cdef coord_t* columns = <coord_t*> malloc(4 * m * sizeof(coord_t))
    if areas == NULL or columns == NULL:
        free(areas)
        free(columns)
        raise MemoryError()
    with nogil:
        for j in range(m):
            areas[j] = area(&boxes2[j, 0])
            if coord_t is not int64_t:  # the flag loop's coordinates (dense_row_scalar reads boxes2)
                for c in range(4):
                    columns[c * m + j] = boxes2[j, c]
        for i in prange(n, schedule="static", num_threads=n_threads):
            if coord_t is int64_t:
                dense_row_scalar(&boxes1[i, 0], boxes2, areas, &out[i, 0])
            else:
                dense_row(&boxes1[i, 0], m, columns, areas, &out[i, 0])
    free(areas)
    free(columns)
    return out_array


# --- listed pairs -----------------------------------------------------------------------------


def iou_pairs(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, const intp_t[:, ::1] pairs, *,
              int n_threads):
    """Return the (k,) float64 IoU of ``boxes1[pairs[0]]`` with ``boxes2[pairs[1]]``
    (indices trusted: within range)."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return sparse[int32_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_INT64:
        return sparse[int64_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_FLOAT32:
        return sparse[float32_t](boxes1, boxes2, pairs, n_threads)
    return sparse[float64_t](boxes1, boxes2, pairs, n_threads)


cdef object sparse(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, const intp_t[:, ::1] pairs,
                   int n_threads):
    """``iou_pairs`` for one coordinate type."""
    cdef intp_t k = pairs.shape[1], t
    out_array = np.empty(k, dtype=np.float64)
    cdef double[::1] out = out_array
    cdef const coord_t* a
    cdef const coord_t* b
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            a = &boxes1[pairs[0, t], 0]
            b = &boxes2[pairs[1, t], 0]
            out[t] = iou_of(a, b, area(a), area(b))
    return out_array


def pair_overlaps(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, const intp_t[:, ::1] pairs, *,
                  int n_threads):
    """Return ``(inter, union)``, float64 (k,) each, of ``boxes1[pairs[0]]`` and
    ``boxes2[pairs[1]]``: the area of a positive-area overlap (else 0), and
    ``area_a + area_b - inter``."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return overlaps[int32_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_INT64:
        return overlaps[int64_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_FLOAT32:
        return overlaps[float32_t](boxes1, boxes2, pairs, n_threads)
    return overlaps[float64_t](boxes1, boxes2, pairs, n_threads)


cdef object overlaps(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, const intp_t[:, ::1] pairs,
                     int n_threads):
    """``pair_overlaps`` for one coordinate type."""
    cdef intp_t k = pairs.shape[1], t
    inter_array = np.empty(k, dtype=np.float64)
    union_array = np.empty(k, dtype=np.float64)
    cdef double[::1] inter = inter_array
    cdef double[::1] union = union_array
    cdef const coord_t* pa
    cdef const coord_t* pb
    cdef double value
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            pa = &boxes1[pairs[0, t], 0]
            pb = &boxes2[pairs[1, t], 0]
            value = 0.0
            intersect(pa, pb, &value)
            inter[t] = value
            union[t] = area(pa) + area(pb) - value
    return inter_array, union_array


# --- other overlap measures (``_box.Mode``) ----------------------------------------------------


def measure_matrix(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, *, int mode, int n_threads):
    """Return the (n, m) float64 measure ``mode`` of every box of ``boxes1`` with every
    box of ``boxes2`` (C-contiguous, one dtype); threads over rows."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return measure_dense[int32_t](boxes1, boxes2, mode, n_threads)
    if kind == KIND_INT64:
        return measure_dense[int64_t](boxes1, boxes2, mode, n_threads)
    if kind == KIND_FLOAT32:
        return measure_dense[float32_t](boxes1, boxes2, mode, n_threads)
    return measure_dense[float64_t](boxes1, boxes2, mode, n_threads)


cdef object measure_dense(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, int mode, int n_threads):
    """``measure_matrix`` for one coordinate type. CIoU takes each box's aspect angle
    from a table (one ``atan2`` per box, not two per cell)."""
    cdef intp_t n = boxes1.shape[0], m = boxes2.shape[0], i, j
    out_array = np.empty((n, m), dtype=np.float64)
    cdef double[:, ::1] out = out_array
    if n == 0 or m == 0:
        return out_array
    cdef double* areas = <double*> malloc(2 * m * sizeof(double))
    cdef double* aspects
    cdef double area_a, aspect_a
    cdef const coord_t* a
    cdef const coord_t* b
    if areas == NULL:
        raise MemoryError()
    aspects = areas + m
    with nogil:
        for j in range(m):
            areas[j] = area(&boxes2[j, 0])
            aspects[j] = aspect(&boxes2[j, 0])
        for i in prange(n, schedule="static", num_threads=n_threads):
            a = &boxes1[i, 0]
            area_a = area(a)
            if mode == MODE_CIOU:
                aspect_a = aspect(a)
                for j in range(m):
                    b = &boxes2[j, 0]
                    out[i, j] = finite_or_zero(ciou_turned(a, b, intersection(a, b), area_a, areas[j],
                                                           aspects[j] - aspect_a))
            else:
                for j in range(m):
                    out[i, j] = measure(a, &boxes2[j, 0], area_a, areas[j], mode)
    free(areas)
    return out_array


def measure_aligned(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, *, int mode, int n_threads):
    """Return the (n,) float64 measure ``mode`` of ``boxes1[i]`` with ``boxes2[i]`` (two
    C-contiguous (n, 4) arrays of one dtype and length)."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if boxes1.shape[0] != boxes2.shape[0]:
        raise ValueError(f"boxes2: expected length {boxes1.shape[0]} to match boxes1, got {boxes2.shape[0]}")
    if kind == KIND_INT32:
        return measure_rows[int32_t](boxes1, boxes2, mode, n_threads)
    if kind == KIND_INT64:
        return measure_rows[int64_t](boxes1, boxes2, mode, n_threads)
    if kind == KIND_FLOAT32:
        return measure_rows[float32_t](boxes1, boxes2, mode, n_threads)
    return measure_rows[float64_t](boxes1, boxes2, mode, n_threads)


cdef object measure_rows(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, int mode, int n_threads):
    """``measure_aligned`` for one coordinate type."""
    cdef intp_t n = boxes1.shape[0], i
    out_array = np.empty(n, dtype=np.float64)
    cdef double[::1] out = out_array
    cdef const coord_t* a
    cdef const coord_t* b
    with nogil:
        for i in prange(n, schedule="static", num_threads=n_threads):
            a = &boxes1[i, 0]
            b = &boxes2[i, 0]
            out[i] = measure(a, b, area(a), area(b), mode)
    return out_array


def measure_pairs(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, const intp_t[:, ::1] pairs, *,
                  int mode, int n_threads):
    """Return the (k,) float64 measure ``mode`` of ``boxes1[pairs[0]]`` with
    ``boxes2[pairs[1]]`` (indices trusted: within range)."""
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return measure_listed[int32_t](boxes1, boxes2, pairs, mode, n_threads)
    if kind == KIND_INT64:
        return measure_listed[int64_t](boxes1, boxes2, pairs, mode, n_threads)
    if kind == KIND_FLOAT32:
        return measure_listed[float32_t](boxes1, boxes2, pairs, mode, n_threads)
    return measure_listed[float64_t](boxes1, boxes2, pairs, mode, n_threads)


cdef object measure_listed(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, const intp_t[:, ::1] pairs,
                           int mode, int n_threads):
    """``measure_pairs`` for one coordinate type."""
    cdef intp_t k = pairs.shape[1], t
    out_array = np.empty(k, dtype=np.float64)
    cdef double[::1] out = out_array
    cdef const coord_t* a
    cdef const coord_t* b
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            a = &boxes1[pairs[0, t], 0]
            b = &boxes2[pairs[1, t], 0]
            out[t] = measure(a, b, area(a), area(b), mode)
    return out_array

