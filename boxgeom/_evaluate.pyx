"""Detection evaluation as pycocotools' ``COCOeval`` computes it (``evaluate`` then
``accumulate``), on flat arrays and one category per task.

The boxes are grouped by (category, image), category-major: ``group_rows`` lists
them group by group, ``gather_records`` gathers them into
packed records in that order (``RECORD``: everything after reads
memory in sequence), and
``rank_detections`` orders each group's detections by decreasing score (ties: the
order given) and cuts them to the largest ``maxDets``. A category is one task
(``evaluate_category``, run in parallel over categories):

1. Every group of the category is matched at every area range and IoU threshold, as
   ``evaluateImg`` does: the ground truth not ignored at that range comes first (in
   its order), then the ignored; a detection takes the eligible ground truth of the
   highest IoU >= min(t, 1 - 1e-10) (ties: the later one), never an ignored one once
   one not ignored is found, and a used one only when it is a crowd. Each detection
   ends true positive, false positive or ignored, for each (range, threshold): one
   bit per threshold in two masks.
2. The category's detections are ranked by decreasing score, ties by image, then by
   rank within the image (pycocotools' stable sort of the concatenated images), once:
   the detections kept at each ``maxDets`` are a subsequence of that ranking.
3. For each (maxDets, range) one pass counts true and false positives per threshold.
   Precision only rises at a true positive, so the precision envelope and the recall
   thresholds are read at the true positives only: the c-th true positive is where
   recall first reaches c / npig.

The IoU of axis-aligned boxes is pycocotools' (``bbIou`` in its ``maskApi.c``) on
``(x, y, w, h)`` float64 rows, operation for operation; the module is built without
floating-point contraction so that every value is rounded as there. Rotated boxes and
quads bring their IoU as listed pairs (``group_pairs`` lists the candidates from the
records' bounds).
"""

from cython.parallel cimport prange
from libc.math cimport fmax, fmin
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._bits cimport ctz64
from boxgeom._sort cimport KeyTie, float_key, float_unkey, sort_key_ties
from boxgeom._types cimport float64_t, int64_t, intp_t, uint8_t, uint64_t

cnp.import_array()

cdef double EPS = 2.220446049250313e-16  # np.spacing(1), added to tp + fp
cdef double BEST_CAP = 1.0 - 1e-10  # pycocotools' cap of the IoU threshold


cdef struct Record:
    # one ground truth or detection, as the kernel reads it
    double box[4]  # x, y, w, h; rotated boxes and quads: their bounds x1, y1, x2, y2
    double area  # what the area ranges test
    double value  # a detection's score; a ground truth's crowd flag (1.0: a crowd)
    int64_t id


#: numpy's view of a Record (the same layout)
RECORD = np.dtype([("box", np.float64, 4), ("area", np.float64), ("value", np.float64), ("id", np.int64)])
assert RECORD.itemsize == sizeof(Record)


def group_rows(const intp_t[::1] group, const intp_t[::1] order, intp_t n_groups):
    """Rows ``order`` counting-sorted by ``group`` (stable): ``(indptr, rows)``.
    ``group[r]`` must lie in [0, n_groups) for every r in ``order``."""
    cdef intp_t n = order.shape[0], r, g
    indptr_array = np.zeros(n_groups + 1, dtype=np.int64)
    rows_array = np.empty(n, dtype=np.intp)
    cdef int64_t[::1] indptr = indptr_array
    cdef intp_t[::1] rows = rows_array
    cdef int64_t* cursor = <int64_t*> malloc((n_groups + 1) * sizeof(int64_t))
    if cursor == NULL:
        raise MemoryError()
    with nogil:
        for r in range(n):
            indptr[group[order[r]] + 1] += 1
        for g in range(n_groups):
            indptr[g + 1] += indptr[g]
        memcpy(cursor, &indptr[0], (n_groups + 1) * sizeof(int64_t))
        for r in range(n):
            g = group[order[r]]
            rows[cursor[g]] = order[r]
            cursor[g] += 1
        free(cursor)
    return indptr_array, rows_array


def gather_records(const intp_t[::1] rows, const float64_t[:, ::1] boxes, const float64_t[::1] areas,
                   const float64_t[::1] values, const int64_t[::1] ids):
    """The RECORD records of the given rows, in that order (one pass, no temporaries)."""
    cdef intp_t n = rows.shape[0], q, r, c
    records = np.empty(n, dtype=RECORD)
    cdef Record* out = <Record*> cnp.PyArray_DATA(records)
    with nogil:
        for q in range(n):
            r = rows[q]
            for c in range(4):
                out[q].box[c] = boxes[r, c]
            out[q].area = areas[r]
            out[q].value = values[r]
            out[q].id = ids[r]
    return records


def rank_detections(int64_t[::1] indptr, cnp.ndarray records, intp_t max_det):
    """Order each group of ``records`` (RECORD, grouped by ``indptr``) by decreasing
    score, ties in their order, keep its first ``max_det`` and pack the groups, in place
    (``indptr`` too); return the positions kept (ascending within each group's new
    order: the record at position q came from ``kept[q]``)."""
    cdef intp_t n_groups = indptr.shape[0] - 1, g, j, size, start = 0, total = 0, largest = 0
    cdef Record* rec = <Record*> cnp.PyArray_DATA(records)
    for g in range(n_groups):
        largest = max(largest, <intp_t> (indptr[g + 1] - indptr[g]))
    kept_array = np.empty(indptr[n_groups], dtype=np.intp)
    cdef intp_t[::1] kept = kept_array
    cdef KeyTie* ties = <KeyTie*> malloc((largest + 1) * sizeof(KeyTie))
    cdef KeyTie* tmp = <KeyTie*> malloc((largest + 1) * sizeof(KeyTie))
    cdef Record* copy = <Record*> malloc((largest + 1) * sizeof(Record))
    if ties == NULL or tmp == NULL or copy == NULL:
        free(ties)
        free(tmp)
        free(copy)
        raise MemoryError()
    with nogil:
        for g in range(n_groups):
            size = indptr[g + 1] - start
            for j in range(size):
                ties[j].key = ~float_key(rec[start + j].value)
                ties[j].tie = j
            memcpy(copy, rec + start, size * sizeof(Record))
            sort_key_ties(ties, size, tmp)
            size = min(size, max_det)
            for j in range(size):
                rec[total + j] = copy[ties[j].tie]
                kept[total + j] = start + ties[j].tie
            start = indptr[g + 1]
            indptr[g] = total
            total += size
        indptr[n_groups] = total
        free(ties)
        free(tmp)
        free(copy)
    return kept_array[:total]


cdef intp_t list_pairs(const Record* gt, const Record* dt, const int64_t[::1] gt_indptr,
                       const int64_t[::1] dt_indptr, int64_t* indptr, intp_t* local) noexcept nogil:
    """Count the pairs of ``group_pairs`` (filling ``indptr``), and list each one's
    ground truth position within its group when ``local`` is not NULL."""
    cdef intp_t g, p, j, t = 0
    cdef const double* a
    cdef const double* b
    for g in range(gt_indptr.shape[0] - 1):
        for p in range(dt_indptr[g], dt_indptr[g + 1]):
            a = dt[p].box
            for j in range(gt_indptr[g + 1] - gt_indptr[g]):
                b = gt[gt_indptr[g] + j].box
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    if local != NULL:
                        local[t] = j
                    t += 1
            indptr[p + 1] = t
    return t


def group_pairs(cnp.ndarray gt_records, cnp.ndarray dt_records, const int64_t[::1] gt_indptr,
                const int64_t[::1] dt_indptr):
    """The (detection, ground truth) pairs of each group whose bounds (the records'
    ``box``: x1, y1, x2, y2) meet, touching included: ``(indptr, local)``, a CSR over
    the detections whose entries are the ground truth's position within the group."""
    cdef const Record* gt = <Record*> cnp.PyArray_DATA(gt_records)
    cdef const Record* dt = <Record*> cnp.PyArray_DATA(dt_records)
    indptr_array = np.zeros(len(dt_records) + 1, dtype=np.int64)
    cdef int64_t[::1] indptr = indptr_array
    cdef intp_t count
    with nogil:
        count = list_pairs(gt, dt, gt_indptr, dt_indptr, &indptr[0], NULL)
    local_array = np.empty(count, dtype=np.intp)
    cdef intp_t[::1] local = local_array
    if count:
        with nogil:
            list_pairs(gt, dt, gt_indptr, dt_indptr, &indptr[0], &local[0])
    return indptr_array, local_array


cdef struct Inputs:
    # the records, grouped (category-major), and the groups
    const Record* gt
    const Record* dt
    const int64_t* gt_indptr
    const int64_t* dt_indptr
    # the IoU as pairs (listed): a CSR over the detections, of (position in group, IoU)
    bint listed
    const int64_t* pair_indptr
    const intp_t* pair_local
    const double* pair_iou
    # the parameters
    intp_t n_images, n_categories, T, R, A, M
    intp_t W  # 64-bit words of one bit per threshold
    const uint64_t* all_bits  # (W,) the bits of the T thresholds
    const double* iou_thresholds
    const double* recall_thresholds
    const intp_t* max_dets
    const double* area_ranges  # (A, 2) lo, hi
    # the results, filled with -1 beforehand: (K, A, M, T, R), (K, A, M, T)
    double* precision
    double* scores
    double* recall


cdef inline double coco_iou(const double* d, const double* g, double d_area, double g_area, bint crowd) noexcept nogil:
    """pycocotools' IoU of (x, y, w, h) boxes; over the detection's area for a crowd."""
    cdef double w = fmin(d[2] + d[0], g[2] + g[0]) - fmax(d[0], g[0])
    cdef double h, inter
    if w <= 0:
        return 0.0
    h = fmin(d[3] + d[1], g[3] + g[1]) - fmax(d[1], g[1])
    if h <= 0:
        return 0.0
    inter = w * h
    return inter / (d_area if crowd else d_area + g_area - inter)


cdef void group_iou(const Inputs* s, intp_t gs, intp_t ng, intp_t ds, intp_t nd, double* iou) noexcept nogil:
    """The (nd, ng) IoU of a group's detections (records ds..) and ground truth (gs..)."""
    cdef intp_t p, j
    cdef int64_t e
    cdef const Record* d
    cdef const Record* g
    cdef double d_area
    if s.listed:
        memset(iou, 0, nd * ng * sizeof(double))
        for p in range(nd):
            for e in range(s.pair_indptr[ds + p], s.pair_indptr[ds + p + 1]):
                iou[p * ng + s.pair_local[e]] = s.pair_iou[e]
        return
    for p in range(nd):
        d = s.dt + ds + p
        d_area = d.box[2] * d.box[3]
        for j in range(ng):
            g = s.gt + gs + j
            iou[p * ng + j] = coco_iou(d.box, g.box, d_area, g.box[2] * g.box[3], g.value != 0)


cdef inline bint has_bit(const uint64_t* words, intp_t t) noexcept nogil:
    return (words[t >> 6] >> (t & 63)) & 1


cdef inline intp_t best_match(const double* iou_row, intp_t ng, const uint8_t* ignored, const uint8_t* crowd,
                              const uint64_t* used, intp_t W, intp_t t, double threshold) noexcept nogil:
    """The ground truth a detection matches at threshold t (-1: none), as ``evaluateImg``:
    first among the ground truth not ignored, then (only if none) among the ignored;
    ``used[j * W:]`` are ground truth j's used bits, one per threshold."""
    cdef double best = threshold if threshold < BEST_CAP else BEST_CAP
    cdef intp_t j, m = -1
    for j in range(ng):
        if ignored[j] or iou_row[j] < best or has_bit(used + j * W, t):
            continue
        best = iou_row[j]
        m = j
    if m >= 0:
        return m
    for j in range(ng):
        if not ignored[j] or iou_row[j] < best or (has_bit(used + j * W, t) and not crowd[j]):
            continue
        best = iou_row[j]
        m = j
    return m


cdef bint match_category(const Inputs* s, intp_t k, uint64_t* tp_bits, uint64_t* ig_bits, intp_t* rank,
                         intp_t* npig) noexcept nogil:
    """Match every group of category k. For each of its detections (positions from the
    category's first) and range a, ``tp_bits``/``ig_bits`` at ``(position * A + a) * W``
    hold one bit per threshold: true positive, ignored (neither: false positive). Also
    each detection's rank within its image, and the ground truth not ignored per range
    (``npig``). False when memory runs out."""
    cdef intp_t i, g, a, t, p, j, m, w, W = s.W, largest_g = 0, largest_d = 0
    cdef intp_t g0 = k * s.n_images, d0 = s.dt_indptr[g0], gs, ng, ds, nd
    cdef double lo, hi, lowest = BEST_CAP
    cdef bint outside
    cdef uint64_t bit
    cdef uint64_t* tp
    cdef uint64_t* ig
    cdef const Record* d
    for t in range(s.T):
        lowest = fmin(lowest, s.iou_thresholds[t])
    for i in range(s.n_images):
        largest_g = max(largest_g, <intp_t> (s.gt_indptr[g0 + i + 1] - s.gt_indptr[g0 + i]))
        largest_d = max(largest_d, <intp_t> (s.dt_indptr[g0 + i + 1] - s.dt_indptr[g0 + i]))
    cdef double* iou = <double*> malloc((largest_g * largest_d + largest_d + 1) * sizeof(double))
    cdef uint64_t* used = <uint64_t*> malloc((largest_g * W + 1) * sizeof(uint64_t))
    cdef uint8_t* flags = <uint8_t*> malloc(2 * largest_g + 1)  # ignored, crowd
    if iou == NULL or used == NULL or flags == NULL:
        free(iou)
        free(used)
        free(flags)
        return False
    cdef double* row_max = iou + largest_g * largest_d
    cdef uint8_t* ignored = flags
    cdef uint8_t* crowd = flags + largest_g
    for a in range(s.A):
        npig[a] = 0
    for i in range(s.n_images):
        g = g0 + i
        gs = s.gt_indptr[g]
        ng = s.gt_indptr[g + 1] - gs
        ds = s.dt_indptr[g]
        nd = s.dt_indptr[g + 1] - ds
        for j in range(ng):
            crowd[j] = s.gt[gs + j].value != 0
        if nd:
            group_iou(s, gs, ng, ds, nd, iou)
        for p in range(nd):
            rank[ds - d0 + p] = p
            row_max[p] = -1.0
            for j in range(ng):
                row_max[p] = fmax(row_max[p], iou[p * ng + j])
        for a in range(s.A):
            lo = s.area_ranges[2 * a]
            hi = s.area_ranges[2 * a + 1]
            for j in range(ng):
                ignored[j] = crowd[j] or s.gt[gs + j].area < lo or s.gt[gs + j].area > hi
                npig[a] += not ignored[j]
            memset(used, 0, ng * W * sizeof(uint64_t))
            for p in range(nd):
                d = s.dt + ds + p
                outside = d.area < lo or d.area > hi
                tp = tp_bits + ((ds - d0 + p) * s.A + a) * W
                ig = ig_bits + ((ds - d0 + p) * s.A + a) * W
                for w in range(W):  # unmatched: ignored when outside the range, else false positive
                    tp[w] = 0
                    ig[w] = s.all_bits[w] if outside else 0
                if row_max[p] < lowest:
                    continue  # no match at any threshold
                for t in range(s.T):
                    m = best_match(iou + p * ng, ng, ignored, crowd, used, W, t, s.iou_thresholds[t])
                    if m < 0:
                        continue
                    w = t >> 6
                    bit = (<uint64_t> 1) << (t & 63)
                    # pycocotools marks the ground truth with the detection's id, and > 0 reads as used
                    if d.id > 0:
                        used[m * W + w] |= bit
                    else:
                        used[m * W + w] &= ~bit
                    if ignored[m] or (outside and s.gt[gs + m].id == 0):
                        ig[w] |= bit
                    else:
                        ig[w] &= ~bit
                        if s.gt[gs + m].id != 0:  # an id of 0 reads as "unmatched"
                            tp[w] |= bit
    free(iou)
    free(used)
    free(flags)
    return True


cdef inline intp_t first_reaching(double threshold, intp_t npig) noexcept nogil:
    """The smallest count c >= 1 with c / npig >= threshold (as pycocotools' float
    recall ``tp / npig`` compares), for 0 < threshold <= 1."""
    cdef intp_t c = <intp_t> (threshold * npig)
    if c < 1:
        c = 1
    while c > 1 and (c - 1) / <double> npig >= threshold:
        c -= 1
    while c / <double> npig < threshold:
        c += 1
    return c


cdef void curves(const Inputs* s, intp_t k, intp_t a, intp_t m, intp_t npig, intp_t included,
                 const intp_t* tp, const double* first_score, double* event_pr, double* event_score,
                 intp_t room) noexcept nogil:
    """Fill precision, scores and recall of (category k, range a, maxDets m) from the true
    positives: ``event_pr[t * room + c]`` is the precision at the c-th true positive of
    threshold t, ``event_score`` its score."""
    cdef intp_t t, r, c, e, R = s.R, at = ((k * s.A + a) * s.M + m) * s.T
    cdef double* pr
    cdef double* sc
    cdef double* precision
    cdef double* scores
    cdef double value, score, threshold
    for t in range(s.T):
        s.recall[at + t] = tp[t] / <double> npig if included else 0.0
        pr = event_pr + t * room
        sc = event_score + t * room
        for e in range(tp[t] - 1, 0, -1):  # the envelope, right to left
            if pr[e + 1] > pr[e]:
                pr[e] = pr[e + 1]
        precision = s.precision + (at + t) * R
        scores = s.scores + (at + t) * R
        memset(precision, 0, R * sizeof(double))
        memset(scores, 0, R * sizeof(double))
        for r in range(R):
            if not included:
                break
            threshold = s.recall_thresholds[r]
            if threshold <= 0:  # reached at the first detection
                value = pr[1] if tp[t] else 0.0
                score = first_score[0]
            else:
                c = first_reaching(threshold, npig)
                if c > tp[t]:
                    break  # pycocotools stops at the first threshold out of reach
                value = pr[c]
                score = sc[c]
            precision[r] = value
            scores[r] = score


cdef bint evaluate_category(const Inputs* s, intp_t k) noexcept nogil:
    """Match and accumulate category k (see the module docstring); False when memory runs out."""
    cdef intp_t g0 = k * s.n_images, g1 = g0 + s.n_images
    cdef intp_t d0 = s.dt_indptr[g0], nd = s.dt_indptr[g1] - d0, n_gt = s.gt_indptr[g1] - s.gt_indptr[g0]
    cdef intp_t T = s.T, A = s.A, W = s.W, q, pos, t, w, a, m, included, room, max_det, seen, positives
    cdef bint ok = True, all_ids_positive = True, ignored_everywhere, ignored_somewhere
    cdef uint64_t word
    cdef const uint64_t* tp
    cdef const uint64_t* ig
    cdef double first_score = 0.0
    if nd == 0 and n_gt == 0:
        return True  # no evaluated image: everything stays -1
    for q in range(nd):
        if s.dt[d0 + q].id <= 0:
            all_ids_positive = False
    # every true positive uses up a ground truth, unless a detection's id is not positive
    room = (n_gt if all_ids_positive else nd) + 1
    cdef uint64_t* tp_bits = <uint64_t*> malloc((nd * A * W + 1) * sizeof(uint64_t))
    cdef uint64_t* ig_bits = <uint64_t*> malloc((nd * A * W + 1) * sizeof(uint64_t))
    cdef uint64_t* ranked_bits = <uint64_t*> malloc((2 * nd * A * W + 1) * sizeof(uint64_t))
    cdef intp_t* rank = <intp_t*> malloc((nd + 1) * sizeof(intp_t))
    cdef intp_t* npig = <intp_t*> malloc((A + 1) * sizeof(intp_t))
    # per threshold: true positives, and detections not ignored beyond those not ignored anywhere
    cdef intp_t* counts = <intp_t*> malloc((2 * T + 1) * sizeof(intp_t))
    cdef KeyTie* order = <KeyTie*> malloc((nd + 1) * sizeof(KeyTie))
    cdef KeyTie* tmp = <KeyTie*> malloc((nd + 1) * sizeof(KeyTie))
    cdef double* event_pr = <double*> malloc(T * room * sizeof(double))
    cdef double* event_score = <double*> malloc(T * room * sizeof(double))
    if (tp_bits == NULL or ig_bits == NULL or ranked_bits == NULL or rank == NULL or npig == NULL or counts == NULL or order == NULL
            or tmp == NULL or event_pr == NULL or event_score == NULL
            or not match_category(s, k, tp_bits, ig_bits, rank, npig)):
        ok = False
    else:
        # the category's detections by decreasing score; ties keep the image order
        for q in range(nd):
            order[q].key = ~float_key(s.dt[d0 + q].value)
            order[q].tie = q
        sort_key_ties(order, nd, tmp)
        # lay the verdicts out in that order: the passes below then read memory in sequence
        for q in range(nd):
            pos = order[q].tie
            for w in range(A * W):
                ranked_bits[2 * q * A * W + w] = tp_bits[pos * A * W + w]
                ranked_bits[(2 * q + 1) * A * W + w] = ig_bits[pos * A * W + w]
            order[q].tie = rank[pos]
        for m in range(s.M):
            max_det = s.max_dets[m]
            for a in range(A):
                if npig[a] == 0:
                    continue  # no ground truth to find: -1
                memset(counts, 0, 2 * T * sizeof(intp_t))
                included = 0
                seen = 0  # detections not ignored at any threshold
                for q in range(nd):
                    if order[q].tie >= max_det:  # its rank within its image
                        continue
                    if included == 0:
                        first_score = float_unkey(~order[q].key)
                    included += 1
                    tp = ranked_bits + (2 * q * A + a) * W
                    ig = ranked_bits + ((2 * q + 1) * A + a) * W
                    ignored_everywhere = True
                    ignored_somewhere = False
                    for w in range(W):
                        ignored_everywhere = ignored_everywhere and ig[w] == s.all_bits[w]
                        ignored_somewhere = ignored_somewhere or ig[w] != 0
                    if ignored_everywhere:
                        continue
                    if not ignored_somewhere:
                        seen += 1
                    else:  # ignored at some thresholds: count the others one by one
                        for w in range(W):
                            word = s.all_bits[w] & ~ig[w]
                            while word:
                                counts[T + 64 * w + ctz64(word)] += 1
                                word &= word - 1
                    for w in range(W):
                        word = tp[w]
                        while word:
                            t = 64 * w + ctz64(word)
                            word &= word - 1
                            counts[t] += 1
                            positives = counts[t]
                            # precision tp / (fp + tp + eps), fp = not ignored so far - tp
                            event_pr[t * room + positives] = positives / (
                                (<double> (seen + counts[T + t] - positives) + positives) + EPS)
                            event_score[t * room + positives] = float_unkey(~order[q].key)
                curves(s, k, a, m, npig[a], included, counts, &first_score, event_pr, event_score, room)
    free(tp_bits)
    free(ig_bits)
    free(ranked_bits)
    free(rank)
    free(npig)
    free(counts)
    free(order)
    free(tmp)
    free(event_pr)
    free(event_score)
    return ok


cdef inline void* data(cnp.ndarray array, object dtype, intp_t size, str name) except NULL:
    """The data of a C-contiguous ``array`` of ``dtype`` with ``size`` elements."""
    if array.dtype != dtype or not array.flags.c_contiguous or array.size != size:
        raise ValueError(f"{name}: expected {size} C-contiguous {np.dtype(dtype)} values")
    return cnp.PyArray_DATA(array) if size else <void*> &EPS  # never read when empty


def evaluate(gt_records, dt_records, gt_indptr, dt_indptr, pairs, intp_t n_categories, intp_t n_images,
             iou_thresholds, recall_thresholds, max_dets, area_ranges, int n_threads=1):
    """pycocotools' ``eval`` arrays: ``(precision, recall, scores)``.

    The records (RECORD) are grouped by ``gt_indptr``/``dt_indptr``
    (``k * n_images + i``), the detections of each group ranked and cut
    (``rank_detections``). ``pairs``: None (the IoU of the records' ``(x, y, w, h)``
    boxes), or ``(indptr, local, iou)``: ``group_pairs``' CSR with the pairs' IoU.
    """
    cdef intp_t n_groups = n_categories * n_images, k
    cdef Inputs s
    cdef bint failed = False
    memset(&s, 0, sizeof(Inputs))
    s.T = len(iou_thresholds)
    s.R = len(recall_thresholds)
    s.A = len(area_ranges)
    s.M = len(max_dets)
    s.n_categories = n_categories
    s.n_images = n_images
    s.W = (s.T + 63) // 64
    all_bits = np.full(s.W + 1, np.uint64(2**64 - 1), dtype=np.uint64)
    if s.T % 64:
        all_bits[s.W - 1] = np.uint64(2 ** (s.T % 64) - 1)
    s.all_bits = <uint64_t*> cnp.PyArray_DATA(all_bits)
    # each category fills its own block: (K, A, M, T, R) and (K, A, M, T)
    precision = np.full((n_categories, s.A, s.M, s.T, s.R), -1.0)
    scores = np.full((n_categories, s.A, s.M, s.T, s.R), -1.0)
    recall = np.full((n_categories, s.A, s.M, s.T), -1.0)
    s.precision = <double*> cnp.PyArray_DATA(precision)
    s.scores = <double*> cnp.PyArray_DATA(scores)
    s.recall = <double*> cnp.PyArray_DATA(recall)
    s.gt = <Record*> data(gt_records, RECORD, len(gt_records), "gt_records")
    s.dt = <Record*> data(dt_records, RECORD, len(dt_records), "dt_records")
    s.gt_indptr = <int64_t*> data(gt_indptr, np.int64, n_groups + 1, "gt_indptr")
    s.dt_indptr = <int64_t*> data(dt_indptr, np.int64, n_groups + 1, "dt_indptr")
    s.listed = pairs is not None
    if s.listed:
        pair_indptr, pair_local, pair_iou = pairs
        s.pair_indptr = <int64_t*> data(pair_indptr, np.int64, len(dt_records) + 1, "pairs")
        s.pair_local = <intp_t*> data(pair_local, np.intp, len(pair_iou), "pairs")
        s.pair_iou = <double*> data(pair_iou, np.float64, len(pair_local), "pairs")
    s.iou_thresholds = <double*> data(iou_thresholds, np.float64, s.T, "iou_thresholds")
    s.recall_thresholds = <double*> data(recall_thresholds, np.float64, s.R, "recall_thresholds")
    s.max_dets = <intp_t*> data(max_dets, np.intp, s.M, "max_dets")
    s.area_ranges = <double*> data(area_ranges, np.float64, 2 * s.A, "area_ranges")
    if precision.size and recall.size:
        for k in prange(n_categories, nogil=True, schedule="dynamic", chunksize=1, num_threads=n_threads):
            if not evaluate_category(&s, k):
                failed = True
    if failed:
        raise MemoryError()
    # pycocotools' layout: (T, R, K, A, M) and (T, K, A, M)
    return (np.ascontiguousarray(precision.transpose(3, 4, 0, 1, 2)), np.ascontiguousarray(recall.transpose(3, 0, 1, 2)),
            np.ascontiguousarray(scores.transpose(3, 4, 0, 1, 2)))
