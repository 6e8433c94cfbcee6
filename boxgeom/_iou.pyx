"""Axis-aligned intersection-over-union: dense (n, m) matrices and sparse pair lists.

Widths are differences taken exactly (int64 for integer boxes, float64 otherwise),
then products and ratios in float64. IoU is 0 where the union is 0 (where torchvision's formula gives NaN).
"""

from cython.parallel cimport prange

import numpy as np

from boxgeom._types cimport coord_t, int32_t, int64_t, intp_t


cdef inline double span(coord_t low, coord_t high) noexcept nogil:
    """``high - low`` without integer overflow, as float64."""
    if coord_t is int32_t or coord_t is int64_t:
        return <double> (<int64_t> high - <int64_t> low)
    else:
        return <double> high - <double> low


cdef inline double area_of(const coord_t* box) noexcept nogil:
    return span(box[0], box[2]) * span(box[1], box[3])


cdef inline double iou_of(const coord_t* a, const coord_t* b, double area_a, double area_b) noexcept nogil:
    cdef coord_t left = a[0] if a[0] > b[0] else b[0]
    cdef coord_t right = a[2] if a[2] < b[2] else b[2]
    cdef coord_t bottom = a[1] if a[1] > b[1] else b[1]
    cdef coord_t top = a[3] if a[3] < b[3] else b[3]
    cdef double inter, union
    if not (left < right and bottom < top):
        return 0.0
    inter = span(left, right) * span(bottom, top)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def iou_matrix(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, int n_threads):
    """Return the (n, m) float64 IoU of every box of ``boxes1`` with every box of ``boxes2``."""
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
            areas[j] = area_of(&boxes2[j, 0])
        for i in prange(n, schedule="static", num_threads=n_threads):
            area_i = area_of(&boxes1[i, 0])
            for j in range(m):
                out[i, j] = iou_of(&boxes1[i, 0], &boxes2[j, 0], area_i, areas[j])
    return out_array


def iou_pairs(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, const intp_t[:, ::1] pairs,
              int n_threads):
    """Return the (k,) float64 IoU of ``boxes1[pairs[0]]`` with ``boxes2[pairs[1]]``."""
    cdef intp_t k = pairs.shape[1], t
    out_array = np.empty(k, dtype=np.float64)
    cdef double[::1] out = out_array
    cdef const coord_t* a
    cdef const coord_t* b
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            a = &boxes1[pairs[0, t], 0]
            b = &boxes2[pairs[1, t], 0]
            out[t] = iou_of(a, b, area_of(a), area_of(b))
    return out_array
