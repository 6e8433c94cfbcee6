"""Kernels of the detection utilities: suppression edges for NMS, overlaps of pair
lists, and the greedy one-to-one matching walk.

The greedy suppression walk itself is ``boxgeom._suppress.greedy_suppress``; this
module only decides which candidate pairs become "keeper -> suppressed" edges.

Areas and intersections are exact differences (int64 for integer boxes) turned
into float64, so integer boxes within +-2**26 give exact areas, as in the peer.
"""

from cython.parallel cimport prange

import numpy as np

from boxgeom._types cimport coord_t, int32_t, int64_t, intp_t, uint8_t


cdef inline double span(coord_t low, coord_t high) noexcept nogil:
    """``high - low`` without integer overflow, as float64 (0 when negative)."""
    cdef double d
    if coord_t is int32_t or coord_t is int64_t:
        d = <double> (<int64_t> high - <int64_t> low)
    else:
        d = <double> high - <double> low
    return d if d > 0 else 0.0


cdef inline double inter_of(const coord_t* a, const coord_t* b) noexcept nogil:
    cdef coord_t left = a[0] if a[0] > b[0] else b[0]
    cdef coord_t right = a[2] if a[2] < b[2] else b[2]
    cdef coord_t bottom = a[1] if a[1] > b[1] else b[1]
    cdef coord_t top = a[3] if a[3] < b[3] else b[3]
    if not (left < right and bottom < top):
        return 0.0
    return span(left, right) * span(bottom, top)


cdef inline double area_of(const coord_t* box) noexcept nogil:
    return span(box[0], box[2]) * span(box[1], box[3])


cdef inline bint suppresses(double inter, double union, double area_b, double iou_threshold,
                            double overlap_threshold, bint use_overlap, bint peer_rule) noexcept nogil:
    """The NMS criterion. Modern: IoU > t or inter / area_b > o (ratios, as box_iou
    computes them). Peer: inter > union * t or inter > area_b * o (products; a NaN
    threshold disables its test)."""
    if inter <= 0:
        return False
    if peer_rule:
        return inter > union * iou_threshold or inter > area_b * overlap_threshold
    if union > 0 and inter / union > iou_threshold:
        return True
    return use_overlap and area_b > 0 and inter / area_b > overlap_threshold


def suppress_edges(const coord_t[:, ::1] boxes, const intp_t[:, ::1] pairs, const intp_t[::1] rank,
                   double iou_threshold, double overlap_threshold, bint use_overlap, bint peer_rule,
                   int n_threads):
    """Return ``(keepers, targets)`` (intp, same length): the candidate pairs meeting the
    NMS criterion, each directed from the box visited first (lower ``rank``) to the
    other. ``pairs`` is (2, k) over ``boxes``; order of the output follows ``pairs``."""
    cdef intp_t k = pairs.shape[1], t, a, b, s, count = 0
    mask_array = np.empty(k, dtype=np.uint8)
    cdef uint8_t[::1] mask = mask_array
    cdef const coord_t* pa
    cdef const coord_t* pb
    cdef double inter, union, area_a, area_b
    with nogil:
        for t in prange(k, schedule="static", num_threads=n_threads):
            a = pairs[0, t]
            b = pairs[1, t]
            if rank[a] > rank[b]:
                s = a
                a = b
                b = s
            pa = &boxes[a, 0]
            pb = &boxes[b, 0]
            inter = inter_of(pa, pb)
            area_a = area_of(pa)
            area_b = area_of(pb)
            union = area_a + area_b - inter
            mask[t] = suppresses(inter, union, area_b, iou_threshold, overlap_threshold, use_overlap, peer_rule)
        for t in range(k):
            count = count + mask[t]
    keepers_array = np.empty(count, dtype=np.intp)
    targets_array = np.empty(count, dtype=np.intp)
    cdef intp_t[::1] keepers = keepers_array
    cdef intp_t[::1] targets = targets_array
    count = 0
    with nogil:
        for t in range(k):
            if mask[t]:
                a = pairs[0, t]
                b = pairs[1, t]
                if rank[a] > rank[b]:
                    s = a
                    a = b
                    b = s
                keepers[count] = a
                targets[count] = b
                count = count + 1
    return keepers_array, targets_array


def pair_overlaps(const coord_t[:, ::1] boxes1, const coord_t[:, ::1] boxes2, const intp_t[:, ::1] pairs,
                  int n_threads):
    """Return ``(inter, union)``, float64 (k,) each, of ``boxes1[pairs[0]]`` and ``boxes2[pairs[1]]``."""
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
            value = inter_of(pa, pb)
            inter[t] = value
            union[t] = area_of(pa) + area_of(pb) - value
    return inter_array, union_array


def greedy_match(const intp_t[::1] order, const intp_t[::1] first, const intp_t[::1] second,
                 intp_t n1, intp_t n2):
    """Walk candidates ``t`` in ``order`` and accept ``(first[t], second[t])`` when both ends
    are still free. Return the accepted candidate positions (intp) in acceptance order."""
    cdef intp_t k = order.shape[0], v, t, count = 0
    used1_array = np.zeros(max(n1, 1), dtype=np.uint8)
    used2_array = np.zeros(max(n2, 1), dtype=np.uint8)
    accepted_array = np.empty(min(k, min(n1, n2)), dtype=np.intp)
    cdef uint8_t[::1] used1 = used1_array
    cdef uint8_t[::1] used2 = used2_array
    cdef intp_t[::1] accepted = accepted_array
    cdef intp_t limit = accepted.shape[0]
    with nogil:
        for v in range(k):
            if count == limit:
                break
            t = order[v]
            if used1[first[t]] or used2[second[t]]:
                continue
            used1[first[t]] = 1
            used2[second[t]] = 1
            accepted[count] = t
            count = count + 1
    return accepted_array[:count]
