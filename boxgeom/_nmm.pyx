"""Non-maximum merging: SAHI's ``nmm`` (transitive) and ``greedy_nmm``, and the merge of
each group into one box (SAHI's postprocess rule).

``groups`` sorts the boxes into SAHI's processing order -- category ascending (when
given), then score descending, then x1, y1, x2, y2 ascending, then index (stable radix
passes; the coordinates are read only inside runs of equal scores). A box's *rank* is
its place in that order. Both of SAHI's loops reduce to "the first earlier box that
matches" (metric >= threshold):

- transitive: SAHI visits each box in turn and hands its keeper the later boxes, not
  yet claimed, that it matches and dominates (a higher score, or an equal score and
  the same coordinates). So a box is claimed at the turn of the first box able to
  claim it: its *claimer* is the lowest-ranked earlier box that matches and dominates
  it, whatever the fate of that box, and it joins the claimer's keeper; a box without
  one is a keeper.
- greedy: a keeper absorbs the later boxes, not yet absorbed, that match it. So a box
  is absorbed by the lowest-ranked earlier *keeper* that matches it, or is a keeper.

Every box of positive area is filed in a hierarchical grid (``_hgrid.pxd``, one grid
per category), by rank within each cell, and scanned in space order (cache friendly;
chunks of slots over threads) for the first earlier box that matches it (and
dominates it, transitive): only nearby boxes with a positive-area overlap are tested,
the box's own cell first, and the scan of a cell stops at the best rank found so far.
The decisions are then taken in rank order: a claimer's keeper is already known; a
greedy box whose first match was itself absorbed looks again, among the keepers only.
A zero-area box matches nothing (metric 0) and is a keeper of its own.

Rows are built by stable counting sorts: ascending, or in SAHI's list order (greedy:
the processing order; transitive: by the claimer's rank, then by index, as SAHI
appends each claimer's batch in ascending order).

With threshold 0 (SAHI then matches every pair, disjoint ones included) nothing is
searched, and SAHI's closed form is applied per category: the first box absorbs every
other box (greedy), or every box of a lower score and its own duplicates, the other
boxes tied with it at the top score staying alone (transitive; SAHI's shortcut, which
its own loop would not give).

``merge`` folds each group into one box, members in row order: enclosing box, best
score, and SAHI's label rule (the higher-scoring side's, the member's on a tie),
optionally re-testing each member against the grown box first (SAHI discards the
members that fail).

Time O(n log n + t) for t tests of a box against a nearby filed box.
"""

from cython cimport view
from cython.parallel cimport prange
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp

import numpy as np

from boxgeom._bits cimport ctz32
from boxgeom._box cimport area, intersection, measure
from boxgeom._hgrid cimport (SLOT_BLOCK, Grid, Slots, cells_of, grid_free, grid_plan, level_columns, level_of,
                             overlap_mask, slot_box, slot_index, slot_key, slot_set, slots_alloc, slots_free)
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, box_kind
from boxgeom._sort cimport coord_key, float_key, int_key, radix_sort
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint64_t

cnp.import_array()

cdef enum:
    CHUNK_SLOTS = 4096  # tuning: one thread below 4 x this many filed boxes; never changes the result
    # which earlier box ``first_match`` looks for (besides matching)
    ANY = 0
    DOMINATED = 1  # one that dominates the query box (transitive claims)
    KEEPERS = 2  # a keeper (greedy absorption)


cdef struct Walk:
    # What the walk decides, per rank: the row of its keeper (its own row for a keeper)
    # and the rank of the box that absorbed it (-1 for a keeper); the keepers' ranks.
    intp_t* row_of
    intp_t* claimer
    intp_t* keep
    intp_t n_keep


cdef inline bint same_box(const coord_t* a, const coord_t* b) noexcept nogil:
    """The four coordinates are equal (-0.0 equals 0.0, as in SAHI's comparisons)."""
    return (a[0] == b[0]) & (a[1] == b[1]) & (a[2] == b[2]) & (a[3] == b[3])


cdef inline bint same_run(const double* scores, const int64_t* labels, intp_t i, intp_t j) noexcept nogil:
    return scores[i] == scores[j] and (labels == NULL or labels[i] == labels[j])


cdef bint processing_order(const coord_t[:, ::view.contiguous] boxes, const double* scores, const int64_t* labels,
                           intp_t* order) noexcept nogil:
    """``order``: the boxes by label ascending (with ``labels``), score descending, x1, y1,
    x2, y2 ascending, then index (SAHI's lexsort, per category); False when memory runs out."""
    cdef intp_t n = boxes.shape[0], i, j, t, c
    cdef uint64_t* keys = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef uint64_t* ktmp = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* vtmp = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef bint ok = keys != NULL and ktmp != NULL and vtmp != NULL
    if ok:
        for i in range(n):
            order[i] = i
            keys[i] = ~float_key(scores[i])  # descending; -0.0 and 0.0 alike
        radix_sort(keys, order, n, ktmp, vtmp)  # stable: equal scores stay in index order
        if labels != NULL:
            for i in range(n):
                keys[i] = int_key(labels[order[i]])
            radix_sort(keys, order, n, ktmp, vtmp)
        i = 0
        while i < n:  # runs of one score (and label): by y2, x2, y1, then x1, stable (LSD)
            j = i + 1
            while j < n and same_run(scores, labels, order[i], order[j]):
                j += 1
            if j - i > 1:
                for c in range(3, -1, -1):
                    for t in range(i, j):
                        keys[t] = coord_key(boxes[order[t], c])
                    radix_sort(keys + i, order + i, j - i, ktmp, vtmp)
            i = j
    free(keys)
    free(ktmp)
    free(vtmp)
    return ok


cdef inline intp_t first_in_cell(const coord_t* b, double area_b, uint64_t key_b, const Slots* slots, intp_t s,
                                 intp_t stop, intp_t bound, int mode, double threshold, int rule,
                                 const intp_t* claimer) noexcept nogil:
    """The first rank below ``bound`` among slots ``s``..``stop - 1`` whose box matches
    ``b`` and obeys ``rule``, or -1. The ranks increase along a cell: the scan stops at
    ``bound``."""
    cdef intp_t count, r, rank
    cdef unsigned int mask
    cdef const coord_t* a
    while s < stop and slot_index(slots, s) < bound:
        count = min(stop - s, <intp_t> SLOT_BLOCK)
        mask = overlap_mask(slots, NULL, 0, s, count, b)
        while mask:
            r = s + ctz32(mask)
            mask &= mask - 1
            rank = slot_index(slots, r)
            if rank >= bound:
                return -1
            if rule == KEEPERS and claimer[rank] >= 0:
                continue
            a = slot_box(slots, r, b[0])
            if (measure(a, b, area(a), area_b, mode) >= threshold
                    and (rule != DOMINATED or slot_key(slots, r) > key_b or same_box(a, b))):
                return rank
        s += count
    return -1


cdef intp_t first_match(const Grid* grid, const Slots* slots, intp_t g, const coord_t* b, intp_t bound,
                        uint64_t key_b, int mode, double threshold, int rule, const intp_t* claimer) noexcept nogil:
    """The lowest rank below ``bound`` among the boxes of group ``g`` that match ``b``
    and obey ``rule`` (ANY; DOMINATED: a higher score key than ``key_b``, or the same
    coordinates; KEEPERS: ``claimer[rank] < 0``), or -1."""
    cdef intp_t c[4]
    cdef intp_t row, level, columns, lo_x, hi_x, cy, cell, first, found, home, best = bound
    cdef double area_b = area(b)
    cells_of(b, grid, g, c)
    # The box's own cell first: its likeliest match there lowers the bound for the others.
    level = level_of(c)
    home = grid.first_cell[grid.base[g] + level] + (c[1] >> level) * level_columns(grid, g, level) + (c[0] >> level)
    found = first_in_cell(b, area_b, key_b, slots, grid.start[home], grid.start[home + 1], best, mode, threshold, rule,
                          claimer)
    if found >= 0:
        best = found
    for row in range(grid.base[g], grid.row_end[g]):
        if grid.used[row] == 0:
            continue
        level = row - grid.base[g]
        columns = level_columns(grid, g, level)
        lo_x = max((c[0] >> level) - 1, 0)
        hi_x = c[2] >> level
        for cy in range(max((c[1] >> level) - 1, 0), (c[3] >> level) + 1):
            first = grid.first_cell[row] + cy * columns
            for cell in range(first + lo_x, first + hi_x + 1):
                if cell != home:
                    found = first_in_cell(b, area_b, key_b, slots, grid.start[cell], grid.start[cell + 1], best, mode,
                                          threshold, rule, claimer)
                    if found >= 0:
                        best = found
    return best if best < bound else -1


cdef void scan_range(const Grid* grid, const Slots* slots, const intp_t* group_end, intp_t lo, intp_t hi, int mode,
                     double threshold, int rule, intp_t* first, coord_t kind) noexcept nogil:
    """``first[rank]`` for the boxes of slots ``lo``..``hi - 1``: the first box before it
    in processing order, in its group, that matches it and obeys ``rule`` (or -1)."""
    cdef intp_t u, g = 0
    cdef const coord_t* b
    while group_end[g] <= lo:
        g += 1
    for u in range(lo, hi):
        while group_end[g] <= u:
            g += 1
        b = slot_box(slots, u, kind)
        first[slot_index(slots, u)] = first_match(grid, slots, g, b, slot_index(slots, u), slot_key(slots, u), mode,
                                                  threshold, rule, NULL)


cdef bint walk_grid(const coord_t[:, ::view.contiguous] boxes, const double* scores, const intp_t* box_group,
                    intp_t n_groups, const intp_t* order, int mode, double threshold, bint greedy, int n_threads,
                    Walk* w) noexcept nogil:
    """The walk of the module docstring into ``w``: every box of positive area filed in a
    grid (by rank within a cell) and scanned in space order (in chunks over threads) for
    the first box before it that matches it (and dominates it, transitive); then the
    decisions in rank order. Greedy: a box whose first match was absorbed looks again
    for the first matching keeper. False when memory runs out."""
    cdef intp_t n = boxes.shape[0], v, i, key, t, c, n_slots = 0, n_chunks = 1, size, chunk
    cdef Grid grid
    cdef Slots slots
    cdef intp_t* key_of = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef intp_t* first = <intp_t*> malloc((n + 1) * sizeof(intp_t)) if greedy else w.claimer
    cdef intp_t* cursor = NULL
    cdef intp_t* group_end = NULL
    cdef int rule = ANY if greedy else DOMINATED
    cdef bint ok = False
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    if key_of != NULL and first != NULL and grid_plan(&grid, boxes, box_group, n_groups, key_of) == 0:
        n_slots = grid.start[grid.n_cells]
        cursor = <intp_t*> malloc((grid.n_cells + 1) * sizeof(intp_t))
        group_end = <intp_t*> malloc((n_groups + 1) * sizeof(intp_t))
        ok = cursor != NULL and group_end != NULL and slots_alloc(&slots, n_slots, True, boxes[0, 0])
    if ok:
        memcpy(cursor, grid.start, grid.n_cells * sizeof(intp_t))
        for v in range(n):  # file the boxes in processing order: ranks increase along a cell
            first[v] = -1
            i = order[v]
            key = key_of[i]
            if key >= 0:  # -1: zero area, which matches nothing (metric 0) and is never filed
                slot_set(&slots, cursor[key], &boxes[i, 0], v)
                (<uint64_t*> (slots.data + cursor[key] * slots.stride + slots.coord_bytes + 8))[0] = float_key(scores[i])
                cursor[key] += 1
        for c in range(n_groups):
            group_end[c] = grid.start[grid.first_cell[grid.base[c + 1]] if c + 1 < n_groups else grid.n_cells]
        if n_threads > 1 and n_slots >= 4 * CHUNK_SLOTS:
            n_chunks = 16 * n_threads
            size = (n_slots + n_chunks - 1) // n_chunks
            for chunk in prange(n_chunks, schedule="dynamic", num_threads=n_threads):
                scan_range(&grid, &slots, group_end, chunk * size, min(n_slots, (chunk + 1) * size), mode, threshold,
                           rule, first, boxes[0, 0])
        elif n_slots:
            scan_range(&grid, &slots, group_end, 0, n_slots, mode, threshold, rule, first, boxes[0, 0])
        for v in range(n):  # decisions in processing order
            t = first[v]
            if greedy and t >= 0 and w.claimer[t] >= 0:  # its first match was absorbed: the first matching keeper
                i = order[v]
                t = first_match(&grid, &slots, box_group[i] if box_group != NULL else 0, &boxes[i, 0], v, 0, mode,
                                threshold, KEEPERS, w.claimer)
            if t >= 0:
                w.row_of[v] = w.row_of[t]
                w.claimer[v] = t
            else:
                w.row_of[v] = w.n_keep
                w.claimer[v] = -1
                w.keep[w.n_keep] = v
                w.n_keep += 1
    grid_free(&grid)
    slots_free(&slots)
    free(key_of)
    if greedy:
        free(first)
    free(cursor)
    free(group_end)
    return ok


cdef void walk_all(const coord_t[:, ::view.contiguous] boxes, const double* scores, const intp_t* box_group,
                   const intp_t* order, bint greedy, Walk* w) noexcept nogil:
    """Every pair matches (threshold 0): SAHI's closed form, category by category."""
    cdef intp_t n = boxes.shape[0], top = 0, v, i, first
    while top < n:
        first = order[top]
        w.row_of[top] = w.n_keep
        w.claimer[top] = -1
        w.keep[w.n_keep] = top
        w.n_keep += 1
        v = top + 1
        while v < n and (box_group == NULL or box_group[order[v]] == box_group[first]):
            i = order[v]
            if greedy or scores[i] != scores[first] or same_box(&boxes[i, 0], &boxes[first, 0]):
                w.row_of[v] = w.row_of[top]
                w.claimer[v] = top
            else:
                w.row_of[v] = w.n_keep
                w.claimer[v] = -1
                w.keep[w.n_keep] = v
                w.n_keep += 1
            v += 1
        top = v


cdef bint build_rows(intp_t n, const intp_t* order, const intp_t* row_of, const intp_t* claimer, intp_t n_keep,
                     bint greedy, bint by_index, int64_t* indptr, intp_t* indices) noexcept nogil:
    """CSR rows of the absorbed boxes (``indptr`` zeroed, n_keep + 1), by stable counting
    sorts: ascending (``by_index``), else SAHI's order (greedy: the processing order;
    transitive: by the claimer's rank, then by index). ``row_of`` and ``claimer`` are
    indexed by box, ``claimer`` holds ranks; False when memory runs out."""
    cdef intp_t m = n - n_keep, i, v, t, r
    cdef intp_t* sequence = <intp_t*> malloc((m + 1) * sizeof(intp_t))
    cdef intp_t* bucket = NULL
    if sequence == NULL:
        return False
    t = 0
    if by_index:
        for i in range(n):
            if claimer[i] >= 0:
                sequence[t] = i
                t += 1
    elif greedy:
        for v in range(n):
            if claimer[order[v]] >= 0:
                sequence[t] = order[v]
                t += 1
    else:
        bucket = <intp_t*> calloc(n + 1, sizeof(intp_t))
        if bucket == NULL:
            free(sequence)
            return False
        for i in range(n):
            if claimer[i] >= 0:
                bucket[claimer[i] + 1] += 1
        for v in range(n):
            bucket[v + 1] += bucket[v]
        for i in range(n):
            if claimer[i] >= 0:
                sequence[bucket[claimer[i]]] = i
                bucket[claimer[i]] += 1
        free(bucket)
    for t in range(m):
        indptr[row_of[sequence[t]] + 1] += 1
    for r in range(n_keep):
        indptr[r + 1] += indptr[r]
    for t in range(m):  # indptr[r] is the cursor of row r, then the start of row r + 1
        r = row_of[sequence[t]]
        indices[indptr[r]] = sequence[t]
        indptr[r] += 1
    for r in range(n_keep, 0, -1):
        indptr[r] = indptr[r - 1]
    indptr[0] = 0
    free(sequence)
    return True


cdef object groups_of(const coord_t[:, ::view.contiguous] boxes, const double[::1] scores, const int64_t* labels,
                      int mode, double threshold, bint greedy, bint match_all, bint by_index, int n_threads):
    """``groups`` for one coordinate type."""
    cdef intp_t n = boxes.shape[0], v, n_groups = 1
    cdef const double* s = &scores[0] if n else NULL
    cdef Walk w
    cdef bint ok
    order_array = np.empty(n, dtype=np.intp)
    rank_row_array = np.empty(n, dtype=np.intp)
    rank_claimer_array = np.empty(n, dtype=np.intp)
    row_array = np.empty(n, dtype=np.intp)
    claimer_array = np.empty(n, dtype=np.intp)
    keep_array = np.empty(n, dtype=np.intp)
    cdef intp_t* order = <intp_t*> cnp.PyArray_DATA(order_array)
    cdef intp_t* row_of = <intp_t*> cnp.PyArray_DATA(row_array)
    cdef intp_t* claimer = <intp_t*> cnp.PyArray_DATA(claimer_array)
    cdef intp_t* box_group = NULL
    w.row_of = <intp_t*> cnp.PyArray_DATA(rank_row_array)
    w.claimer = <intp_t*> cnp.PyArray_DATA(rank_claimer_array)
    w.keep = <intp_t*> cnp.PyArray_DATA(keep_array)
    w.n_keep = 0
    with nogil:
        ok = processing_order(boxes, s, labels, order)
        if ok and labels != NULL:  # dense group ids, by label ascending
            box_group = <intp_t*> malloc((n + 1) * sizeof(intp_t))
            ok = box_group != NULL
            if ok:
                n_groups = 0
                for v in range(n):
                    if v and labels[order[v]] != labels[order[v - 1]]:
                        n_groups += 1
                    box_group[order[v]] = n_groups
                n_groups += 1
        if ok and match_all:
            walk_all(boxes, s, box_group, order, greedy, &w)
        elif ok and n:
            ok = walk_grid(boxes, s, box_group, n_groups, order, mode, threshold, greedy, n_threads, &w)
        free(box_group)
        if ok:  # from ranks back to box indices (claimers stay ranks)
            for v in range(w.n_keep):
                w.keep[v] = order[w.keep[v]]
            for v in range(n):
                row_of[order[v]] = w.row_of[v]
                claimer[order[v]] = w.claimer[v]
    if not ok:
        raise MemoryError()
    indptr_array = np.zeros(w.n_keep + 1, dtype=np.int64)
    indices_array = np.empty(n - w.n_keep, dtype=np.intp)
    cdef int64_t* indptr = <int64_t*> cnp.PyArray_DATA(indptr_array)
    cdef intp_t* indices = <intp_t*> cnp.PyArray_DATA(indices_array)
    with nogil:
        ok = build_rows(n, order, row_of, claimer, w.n_keep, greedy, by_index, indptr, indices)
    if not ok:
        raise MemoryError()
    return keep_array[:w.n_keep].copy(), indptr_array, indices_array


def groups(cnp.ndarray boxes not None, const double[::1] scores, labels, *, int mode, double threshold,
           bint greedy, bint by_index, int n_threads=1):
    """Return ``(keep intp, indptr int64, indices intp)``: SAHI's ``nmm`` (``greedy``
    False) or ``greedy_nmm`` groups, per label when ``labels`` (int64, or None) is given.

    ``boxes`` (n, 4) xyxy with contiguous rows (C-contiguous or row-strided), ``scores``
    (n,), ``mode`` the ``_box.Mode`` of the metric, ``threshold`` in [0, 1] (0: every
    pair matches). Rows ascending with ``by_index``, else in SAHI's list order.
    ``n_threads`` scan chunks of boxes in parallel; the result never depends on it.
    Inputs are trusted.
    """
    cdef int kind = box_kind(boxes, True)
    cdef const int64_t[::1] label_view
    cdef const int64_t* label_ptr = NULL
    cdef bint match_all = threshold <= 0
    if boxes.shape[0] != scores.shape[0]:
        raise ValueError("groups: expected one score per box")
    if labels is not None:
        label_view = labels
        if label_view.shape[0] != scores.shape[0]:
            raise ValueError("groups: expected one label per box")
        if label_view.shape[0]:
            label_ptr = &label_view[0]
    if kind == KIND_INT32:
        return groups_of[int32_t](boxes, scores, label_ptr, mode, threshold, greedy, match_all, by_index, n_threads)
    if kind == KIND_INT64:
        return groups_of[int64_t](boxes, scores, label_ptr, mode, threshold, greedy, match_all, by_index, n_threads)
    if kind == KIND_FLOAT32:
        return groups_of[float32_t](boxes, scores, label_ptr, mode, threshold, greedy, match_all, by_index, n_threads)
    return groups_of[float64_t](boxes, scores, label_ptr, mode, threshold, greedy, match_all, by_index, n_threads)


# --- merging each group into one box ---------------------------------------------------


cdef void merge_rows(const coord_t[:, ::view.contiguous] boxes, const double* scores, const int64_t* labels,
                     const intp_t* keep, intp_t m, const int64_t* indptr, const intp_t* indices, double threshold,
                     bint ios, bint retest, coord_t[:, ::1] out, double* out_scores, int64_t* out_labels) noexcept nogil:
    """Fold each row into its keeper (see ``merge``)."""
    cdef coord_t box[4]
    cdef const coord_t* b
    cdef intp_t r, t, j, c
    cdef double score, inter, area_box, area_b, den
    cdef int64_t label = 0
    for r in range(m):
        memcpy(box, &boxes[keep[r], 0], 4 * sizeof(coord_t))
        score = scores[keep[r]]
        if labels != NULL:
            label = labels[keep[r]]
        for t in range(indptr[r], indptr[r + 1]):
            j = indices[t]
            b = &boxes[j, 0]
            if retest:  # SAHI's has_match against the grown box; a zero denominator fails (NaN)
                inter = intersection(box, b)
                area_box = area(box)
                area_b = area(b)
                if ios:
                    den = area_box if area_box < area_b else area_b
                else:
                    den = area_box + area_b - inter
                if not (den > 0 and inter / den >= threshold):
                    continue
            for c in range(2):
                if b[c] < box[c]:
                    box[c] = b[c]
                if b[c + 2] > box[c + 2]:
                    box[c + 2] = b[c + 2]
            if labels != NULL and not score > scores[j]:
                label = labels[j]  # the member's label unless the group scores strictly higher
            if scores[j] > score:
                score = scores[j]
        memcpy(&out[r, 0], box, 4 * sizeof(coord_t))
        out_scores[r] = score
        if labels != NULL:
            out_labels[r] = label


cdef object merge_of(const coord_t[:, ::view.contiguous] boxes, const double[::1] scores, labels,
                     const intp_t[::1] keep, const int64_t[::1] indptr, const intp_t[::1] indices, double threshold,
                     bint ios, bint retest, coord_t[:, ::1] out):
    """``merge`` for one coordinate type, into ``out`` (m, 4)."""
    cdef intp_t m = keep.shape[0]
    cdef const int64_t[::1] label_view
    cdef const int64_t* label_ptr = NULL
    cdef int64_t* out_label_ptr = NULL
    score_array = np.empty(m, dtype=np.float64)
    label_array = None
    if labels is not None:
        label_view = labels
        label_array = np.empty(m, dtype=np.int64)
        if label_view.shape[0]:
            label_ptr = &label_view[0]
        out_label_ptr = <int64_t*> cnp.PyArray_DATA(label_array)
    cdef double* out_scores = <double*> cnp.PyArray_DATA(score_array)
    with nogil:
        merge_rows(boxes, &scores[0] if scores.shape[0] else NULL, label_ptr, &keep[0] if m else NULL, m, &indptr[0],
                   &indices[0] if indices.shape[0] else NULL, threshold, ios, retest, out, out_scores, out_label_ptr)
    return score_array, label_array


def merge(cnp.ndarray boxes not None, const double[::1] scores, labels, const intp_t[::1] keep,
          const int64_t[::1] indptr, const intp_t[::1] indices, *, double threshold, bint ios, bint retest):
    """Return ``(boxes (m, 4) of the input dtype, scores float64 (m,), labels int64 (m,) or None)``.

    Row ``r`` folds ``indices[indptr[r]:indptr[r + 1]]`` into ``keep[r]`` in row order:
    enclosing box, best score, and the label of the higher-scoring side (the member's
    on a tie). With ``retest``, a member is first tested against the grown box (IoS
    with ``ios``, else IoU) and skipped unless its denominator is positive and the
    ratio >= ``threshold``. ``boxes`` (n, 4) xyxy with contiguous rows; indices trusted.
    """
    cdef int kind = box_kind(boxes, True)
    if indptr.shape[0] != keep.shape[0] + 1 or boxes.shape[0] != scores.shape[0]:
        raise ValueError("merge: expected len(keep) + 1 row pointers and one score per box")
    out = np.empty((keep.shape[0], 4), dtype=boxes.dtype)
    if kind == KIND_INT32:
        merged = merge_of[int32_t](boxes, scores, labels, keep, indptr, indices, threshold, ios, retest, out)
    elif kind == KIND_INT64:
        merged = merge_of[int64_t](boxes, scores, labels, keep, indptr, indices, threshold, ios, retest, out)
    elif kind == KIND_FLOAT32:
        merged = merge_of[float32_t](boxes, scores, labels, keep, indptr, indices, threshold, ios, retest, out)
    else:
        merged = merge_of[float64_t](boxes, scores, labels, keep, indptr, indices, threshold, ios, retest, out)
    return out, merged[0], merged[1]
