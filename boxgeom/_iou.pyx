"""Axis-aligned intersection over union: dense (n, m) matrices (``iou_matrix``), listed
pairs (``iou_pairs``), and the intersections and unions of listed pairs
(``pair_overlaps``, for ``match_optimal``).

Everything goes through ``_box.pxd``: widths are differences taken exactly (int64 for
integer boxes, float64 otherwise), then products and ratios in float64. IoU is 0 where
the boxes do not overlap with positive area, and where the union is 0 (where
torchvision's formula gives NaN). Rows (dense) and pairs (sparse) are split between
threads statically; every value is computed alike whatever the thread count.
"""

from cython.parallel cimport prange

cimport numpy as cnp
import numpy as np

from boxgeom._box cimport area, intersect, iou
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, same_kind
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t

cnp.import_array()


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
    cdef int kind = same_kind(boxes1, boxes2, 4)
    if kind == KIND_INT32:
        return dense[int32_t](boxes1, boxes2, n_threads)
    if kind == KIND_INT64:
        return dense[int64_t](boxes1, boxes2, n_threads)
    if kind == KIND_FLOAT32:
        return dense[float32_t](boxes1, boxes2, n_threads)
    return dense[float64_t](boxes1, boxes2, n_threads)


cdef object dense(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, int n_threads):
    """``iou_matrix`` for one coordinate type."""
    cdef intp_t n = boxes1.shape[0], m = boxes2.shape[0], i, j
    out_array = np.zeros((n, m), dtype=np.float64)
    cdef double[:, ::1] out = out_array
    areas_array = np.empty(m, dtype=np.float64)
    cdef double[::1] areas = areas_array
    cdef double area_i
    if n == 0 or m == 0:
        return out_array
    with nogil:
        for j in range(m):
            areas[j] = area(&boxes2[j, 0])
        for i in prange(n, schedule="static", num_threads=n_threads):
            area_i = area(&boxes1[i, 0])
            for j in range(m):
                out[i, j] = iou_of(&boxes1[i, 0], &boxes2[j, 0], area_i, areas[j])
    return out_array


# --- listed pairs -----------------------------------------------------------------------------


def iou_pairs(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, const intp_t[:, ::1] pairs, *,
              int n_threads):
    """Return the (k,) float64 IoU of ``boxes1[pairs[0]]`` with ``boxes2[pairs[1]]``
    (indices trusted: within range)."""
    cdef int kind = same_kind(boxes1, boxes2, 4)
    if kind == KIND_INT32:
        return sparse[int32_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_INT64:
        return sparse[int64_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_FLOAT32:
        return sparse[float32_t](boxes1, boxes2, pairs, n_threads)
    return sparse[float64_t](boxes1, boxes2, pairs, n_threads)


cdef object sparse(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, const intp_t[:, ::1] pairs,
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
    cdef int kind = same_kind(boxes1, boxes2, 4)
    if kind == KIND_INT32:
        return overlaps[int32_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_INT64:
        return overlaps[int64_t](boxes1, boxes2, pairs, n_threads)
    if kind == KIND_FLOAT32:
        return overlaps[float32_t](boxes1, boxes2, pairs, n_threads)
    return overlaps[float64_t](boxes1, boxes2, pairs, n_threads)


cdef object overlaps(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, const intp_t[:, ::1] pairs,
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
