"""Greedy non-maximum suppression: of axis-aligned boxes (``greedy_nms``), and over a
given graph of who suppresses whom (``greedy_suppress``, ``suppress_pairs``: rotated NMS).

``greedy_nms`` never builds the graph of all overlapping pairs. It has three paths,
all giving the classic greedy walk's result (a box is kept exactly when no box
earlier in the score order -- decreasing score, ties by lower index -- is kept and
meets the criterion with it, ``_box.suppresses``):

- up to ``NMS_BRUTE`` boxes, the walk in score order against every kept box;
- up to ``NMS_WALK`` boxes, the same walk against the kept boxes filed nearby in a
  hierarchical grid (``_hgrid.pxd``; the grid stays in cache, so the random order
  costs nothing);
- beyond, the boxes are decided in space order (slot by slot, so the memory they
  touch stays in cache) by scanning their grid neighbours: an undecided earlier
  neighbour that would suppress the box is decided first (an explicit stack; the
  score order strictly decreases along it), and a box found kept at once suppresses
  the later neighbours it would suppress, so those are never scanned. Threads take
  chunks of slots and share the decisions (relaxed atomic bytes).

With labels (``batched_nms``) every label gets a grid of its own, so boxes of
different labels are never compared. Only pairs with a positive-area overlap are
candidates: zero-area boxes are kept and suppress nothing.

``greedy_suppress`` walks a visiting order over a CSR graph ("if i is kept, it
suppresses these boxes"): for i in order, unless suppressed, keep i and suppress its
targets. An edge towards a box visited earlier never changes the result (that box is
decided), so a graph directed from the better box to the worse is enough. O(n +
edges), serial by nature. ``suppress_pairs`` is the same walk over listed pairs and
their IoU (rotated NMS: the graph is built here, without a round trip through Python).
"""

from cython cimport view
from cython.parallel cimport prange, threadid
from libc.math cimport NAN
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp

from boxgeom._bits cimport ctz32, load_relaxed, store_relaxed
from boxgeom._box cimport Criterion, area, has_area, intersect, suppresses
from boxgeom._buffer cimport Buffer, buffer_free, buffer_init, buffer_reserve
from boxgeom._hgrid cimport (SLOT_BLOCK, Grid, Scan, Slots, cells_of, grid_free, grid_plan, label_groups,
                             level_columns, level_of, overlap_mask, scan_begin, scan_next, slot_box, slot_index,
                             slot_key, slot_set, slots_alloc, slots_fill, slots_free)
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, box_kind
from boxgeom._sort cimport float_key, sort_by_key
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint64_t

cnp.import_array()

cdef enum:
    # Tuning constants: they change the speed, never the result.
    NMS_BRUTE = 256  # up to this many boxes, NMS tests every kept box
    NMS_WALK = 200_000  # up to this many, NMS walks the score order (the grid stays in cache)
    CHUNK_SLOTS = 4096  # space order: one thread below 4 x this many slots
    # ``method`` (the Python layer passes AUTO; tests force each path)
    AUTO = 0
    BRUTE = 1  # the score-order walk against every kept box
    WALK = 2  # the score-order walk, kept boxes filed in a grid
    SPACE = 3  # space order (for inputs larger than the cache)
    # fates of the space-order decisions
    UNDECIDED = 0
    KEPT = 1
    SUPPRESSED = 2


# --- space order -------------------------------------------------------------------------


cdef struct Frame:
    intp_t u  # the slot being decided
    intp_t marks  # where its marks start on the mark stack
    Scan scan


cdef struct Walker:
    # one thread's stacks
    Buffer frames  # of Frame
    Buffer marks  # of intp_t: later boxes the frames' boxes suppress if kept


cdef intp_t nms_scan(Frame* f, const Grid* grid, const Slots* slots, const uint8_t* fate, Buffer* marks,
                     Criterion rule, coord_t kind) noexcept nogil:
    """Go on with the neighbours of ``f.u``: return -1 when a kept earlier box suppresses
    it, -2 when none can, or the slot of an undecided earlier box that would suppress
    it if kept (the scan resumes at that slot). Undecided later boxes that ``f.u``
    suppresses if kept go on ``marks``. Earlier: lower key, ties by lower index."""
    cdef intp_t u = f.u, t, r, stop, count, box_u = slot_index(slots, u)
    cdef uint64_t key_u = slot_key(slots, u), key_r
    cdef const coord_t* a
    cdef const coord_t* b = slot_box(slots, u, kind)
    cdef double area_b = area(b), area_a, inter = 0.0
    cdef unsigned int mask
    cdef bint earlier, crit
    cdef intp_t hits, q
    cdef intp_t hit_slot[SLOT_BLOCK]
    cdef int hit_kind[SLOT_BLOCK]
    while True:
        t = f.scan.s
        stop = f.scan.stop
        while t < stop:
            count = min(stop - t, <intp_t> SLOT_BLOCK)
            mask = overlap_mask(slots, fate, SUPPRESSED, t, count, b)
            if u >= t and u < t + count:
                mask &= ~((<unsigned int> 1) << (u - t))
            if not buffer_reserve(marks, SLOT_BLOCK):
                return -2
            # First the criterion for every overlapping slot (independent, so the
            # divisions overlap), then the decisions in slot order.
            hits = 0
            while mask:
                r = t + ctz32(mask)
                mask &= mask - 1
                a = slot_box(slots, r, kind)
                intersect(a, b, &inter)  # true: both have positive area, so the mask means overlap
                area_a = area(a)
                key_r = slot_key(slots, r)
                earlier = (key_r < key_u) | ((key_r == key_u) & (slot_index(slots, r) < box_u))
                # the keeper is the earlier box; the overlap is over the other one's area
                crit = suppresses(inter, area_a + area_b - inter, area_b if earlier else area_a, rule)
                hit_slot[hits] = r
                hit_kind[hits] = crit * (1 + earlier)  # 0: nothing, 1: u suppresses r, 2: r suppresses u
                hits += 1
            for q in range(hits):
                r = hit_slot[q]
                if hit_kind[q] == 2:
                    f.scan.s = r
                    return -1 if load_relaxed(fate + r) == KEPT else r
                # a later, undecided box this one would suppress: mark it (no branch)
                (<intp_t*> marks.data)[marks.size] = r
                marks.size += (hit_kind[q] == 1) & (load_relaxed(fate + r) == UNDECIDED)
            t += count
        f.scan.s = t
        if not scan_next(&f.scan, grid):
            return -2


cdef void nms_range(Walker* w, intp_t lo, intp_t hi, const Grid* grid, const Slots* slots,
                    const intp_t* box_group, uint8_t* fate, Criterion rule, coord_t kind) noexcept nogil:
    """Decide the slots ``lo``..``hi - 1`` (and whatever they depend on), in slot order.
    A failed allocation sets ``failed`` on one of ``w``'s buffers."""
    cdef intp_t s0, t, m
    cdef Frame* f
    cdef Buffer* frames = &w.frames
    cdef intp_t* marks
    for s0 in range(lo, hi):
        if load_relaxed(fate + s0) != UNDECIDED:
            continue
        t = s0
        while True:
            if t >= 0:  # push slot t
                if not buffer_reserve(frames, 1):
                    return
                f = (<Frame*> frames.data) + frames.size
                f.u = t
                f.marks = w.marks.size
                scan_begin(&f.scan, grid, slot_box(slots, t, kind),
                           box_group[slot_index(slots, t)] if box_group != NULL else 0)
                frames.size += 1
            f = (<Frame*> frames.data) + frames.size - 1
            if load_relaxed(fate + f.u) != UNDECIDED:  # decided meanwhile (marks, or another thread)
                t = -3
            else:
                t = nms_scan(f, grid, slots, fate, &w.marks, rule, kind)
            if w.marks.failed:
                return
            if t < 0:
                if t == -2:
                    store_relaxed(fate + f.u, KEPT)
                    marks = <intp_t*> w.marks.data
                    for m in range(f.marks, w.marks.size):
                        store_relaxed(fate + marks[m], SUPPRESSED)
                elif t == -1:
                    store_relaxed(fate + f.u, SUPPRESSED)
                w.marks.size = f.marks
                frames.size -= 1
                if frames.size == 0:
                    break


cdef int space_decide(const Grid* grid, const Slots* slots, const intp_t* box_group, uint8_t* fate, Criterion rule,
                      int n_threads, coord_t kind) noexcept nogil:
    """Decide every slot, in slot (space) order; a kept box at once suppresses the later
    boxes it marked, so they are never scanned. Return -1 when memory runs out.

    Why marks are right: a marked box t is later than the box u marking it, so t is
    suppressed as soon as u is kept. Threads take chunks of slots and share ``fate``:
    a fate, once written, is the box's true fate, and a box seen undecided is decided
    on the spot, so two threads can at worst decide the same box twice, alike; the
    result never depends on the threads."""
    cdef intp_t n = slots.n, n_chunks = 1, size, chunk, i
    cdef int status = 0
    cdef Walker* walkers
    if n_threads < 1 or n < 4 * CHUNK_SLOTS:
        n_threads = 1
    walkers = <Walker*> calloc(n_threads, sizeof(Walker))
    if walkers == NULL:
        return -1
    for i in range(n_threads):
        buffer_init(&walkers[i].frames, sizeof(Frame), 64)
        buffer_init(&walkers[i].marks, sizeof(intp_t), 256)
        if not buffer_reserve(&walkers[i].frames, 64) or not buffer_reserve(&walkers[i].marks, 256):
            status = -1
    memset(fate, UNDECIDED, n)
    if status == 0:
        if n_threads > 1:
            n_chunks = 16 * n_threads
            size = (n + n_chunks - 1) // n_chunks
            for chunk in prange(n_chunks, schedule="dynamic", num_threads=n_threads):
                nms_range(&walkers[threadid()], chunk * size, min(n, (chunk + 1) * size), grid, slots, box_group,
                          fate, rule, kind)
        else:
            nms_range(&walkers[0], 0, n, grid, slots, box_group, fate, rule, kind)
    for i in range(n_threads):
        if walkers[i].frames.failed or walkers[i].marks.failed:
            status = -1
        buffer_free(&walkers[i].frames)
        buffer_free(&walkers[i].marks)
    free(walkers)
    return status


# --- score order -------------------------------------------------------------------------


cdef bint kept_run_hit(const coord_t* b, double area_b, const int64_t* labels, intp_t i, const Slots* slots,
                       intp_t s, intp_t stop, Criterion rule) noexcept nogil:
    """Whether a kept box in slots ``s``..``stop - 1`` suppresses box ``b`` (index i;
    ``labels``: only a kept box of its label)."""
    cdef intp_t count, r
    cdef unsigned int mask
    cdef const coord_t* a
    cdef double inter = 0.0
    while s < stop:
        count = min(stop - s, <intp_t> SLOT_BLOCK)
        mask = overlap_mask(slots, NULL, 0, s, count, b)
        while mask:
            r = s + ctz32(mask)
            mask &= mask - 1
            if labels != NULL and labels[slot_index(slots, r)] != labels[i]:
                continue
            a = slot_box(slots, r, b[0])
            intersect(a, b, &inter)  # true: both have positive area
            if suppresses(inter, area(a) + area_b - inter, area_b, rule):
                return True
        s += count
    return False


cdef bint kept_hit(const coord_t* b, double area_b, intp_t g, const Grid* grid, const intp_t* fill,
                   const intp_t* kept_rows, const Slots* slots, Criterion rule) noexcept nogil:
    """Whether a kept box filed so far (cell c holds slots start[c] .. start[c] + fill[c] - 1)
    suppresses ``b``."""
    cdef intp_t c[4]
    cdef intp_t row, level, columns, lo_x, hi_x, cy, cell, first
    cells_of(b, grid, g, c)
    for row in range(grid.base[g], grid.row_end[g]):
        if kept_rows[row] == 0:
            continue
        level = row - grid.base[g]
        columns = level_columns(grid, g, level)
        lo_x = max((c[0] >> level) - 1, 0)
        hi_x = c[2] >> level
        for cy in range(max((c[1] >> level) - 1, 0), (c[3] >> level) + 1):
            first = grid.first_cell[row] + cy * columns
            for cell in range(first + lo_x, first + hi_x + 1):
                if fill[cell] and kept_run_hit(b, area_b, NULL, 0, slots, grid.start[cell],
                                               grid.start[cell] + fill[cell], rule):
                    return True
    return False


cdef intp_t nms_walk(const coord_t[:, ::view.contiguous] boxes, uint64_t* box_key, const int64_t* labels, intp_t* keep,
                     Criterion rule, bint use_grid) noexcept nogil:
    """The greedy walk in score order; each box is tested against the boxes kept so far
    (all of them, or with ``use_grid`` those filed nearby in the grid: the fastest
    while the grid stays in cache). Return the number kept (in ``keep``, score order),
    -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], n_groups = 1, v, i, g, key, count = -1
    cdef intp_t c[4]
    cdef intp_t* order = <intp_t*> malloc(n * sizeof(intp_t))
    cdef const coord_t* b
    cdef double area_b
    cdef Grid grid
    cdef Slots slots
    cdef intp_t* group = NULL
    cdef intp_t* key_of = NULL
    cdef intp_t* fill = NULL
    cdef intp_t* kept_rows = NULL
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    if order != NULL:
        for i in range(n):
            order[i] = i
        if sort_by_key(box_key, order, n) >= 0:
            count = 0
    if count == 0 and not use_grid:
        if not slots_alloc(&slots, n, False, boxes[0, 0]):  # the kept boxes, in order
            count = -1
        slots.n = 0
    elif count == 0:
        key_of = <intp_t*> malloc(n * sizeof(intp_t))
        if labels != NULL:
            group = <intp_t*> malloc(n * sizeof(intp_t))
        if (key_of == NULL or (labels != NULL and (group == NULL or label_groups(labels, n, group, &n_groups) != 0))
                or grid_plan(&grid, boxes, group, n_groups, key_of) != 0
                or not slots_alloc(&slots, n, False, boxes[0, 0])):
            count = -1
        else:
            fill = <intp_t*> calloc(grid.n_cells + 1, sizeof(intp_t))
            kept_rows = <intp_t*> calloc(grid.base[n_groups] + 1, sizeof(intp_t))
            if fill == NULL or kept_rows == NULL:
                count = -1
    if count == 0:
        for v in range(n):
            i = order[v]
            b = &boxes[i, 0]
            area_b = area(b)
            if use_grid:
                key = key_of[i]
                if key >= 0:  # a zero-area box overlaps nothing: kept, and never filed
                    g = group[i] if group != NULL else 0
                    if kept_hit(b, area_b, g, &grid, fill, kept_rows, &slots, rule):
                        continue
                    slot_set(&slots, grid.start[key] + fill[key], b, i)
                    fill[key] += 1
                    cells_of(b, &grid, g, c)
                    kept_rows[grid.base[g] + level_of(c)] += 1
            elif has_area(b):  # a zero-area box overlaps nothing: kept, and never compared
                if kept_run_hit(b, area_b, labels, i, &slots, 0, slots.n, rule):
                    continue
                slot_set(&slots, slots.n, b, i)
                slots.n += 1
            keep[count] = i
            count += 1
    free(order)
    grid_free(&grid)
    slots_free(&slots)
    free(group)
    free(key_of)
    free(fill)
    free(kept_rows)
    return count


cdef intp_t nms_space(const coord_t[:, ::view.contiguous] boxes, const uint64_t* box_key, const int64_t* labels, intp_t* keep,
                      Criterion rule, int n_threads) noexcept nogil:
    """Greedy NMS in space order (``space_decide``). Return the number kept (in
    ``keep``, score order), -1 when memory runs out."""
    cdef intp_t n = boxes.shape[0], n_groups = 1, i, s, count = -1
    cdef Grid grid
    cdef Slots slots
    cdef intp_t* group = NULL
    cdef intp_t* key_of = <intp_t*> malloc(n * sizeof(intp_t))
    cdef uint8_t* fate = <uint8_t*> malloc(n * sizeof(uint8_t))
    cdef uint8_t* kept = <uint8_t*> calloc(n, sizeof(uint8_t))
    cdef uint64_t* kept_key = NULL
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    if labels != NULL:
        group = <intp_t*> malloc(n * sizeof(intp_t))
    if (key_of != NULL and fate != NULL and kept != NULL
            and (labels == NULL or (group != NULL and label_groups(labels, n, group, &n_groups) == 0))
            and grid_plan(&grid, boxes, group, n_groups, key_of) == 0
            and slots_fill(&slots, &grid, boxes, key_of, box_key) == 0
            and space_decide(&grid, &slots, group, fate, rule, n_threads, boxes[0, 0]) == 0):
        for s in range(slots.n):
            if fate[s] == KEPT:
                kept[slot_index(&slots, s)] = 1
        count = 0
        for i in range(n):
            if kept[i] or key_of[i] < 0:  # zero area: overlaps nothing, so kept, suppressing nothing
                keep[count] = i
                count += 1
        kept_key = <uint64_t*> malloc((count + 1) * sizeof(uint64_t))
        if kept_key == NULL:
            count = -1
        else:
            for i in range(count):
                kept_key[i] = box_key[keep[i]]
            count = sort_by_key(kept_key, keep, count)
    grid_free(&grid)
    slots_free(&slots)
    free(group)
    free(key_of)
    free(fate)
    free(kept)
    free(kept_key)
    return count


# --- entry point -------------------------------------------------------------------------


def greedy_nms(cnp.ndarray boxes not None, const double[::1] scores, const int64_t[::1] labels, *,
               double iou_threshold, overlap_threshold=None, bint peer_rule=False, int n_threads=1,
               int method=AUTO, bint as_mask=False):
    """Greedy NMS; return the kept boxes (intp) in visiting order (decreasing score,
    ties by lower index), or with ``as_mask`` a bool mask (True = kept). ``labels``
    (or None): boxes of different labels never suppress each other. The criterion is
    ``_box.suppresses``: IoU > ``iou_threshold`` or, unless ``overlap_threshold`` is
    None, intersection / area of the lower box > ``overlap_threshold``; ratios, or with
    ``peer_rule`` box-intersect-lib's products (a NaN threshold disables its test).
    ``n_threads`` decide boxes in parallel (``SPACE``); the result never depends on it,
    nor on ``method`` (0 auto, 1 brute force, 2 score-order walk, 3 space order)."""
    cdef int kind = box_kind(boxes, True)
    cdef Criterion rule
    rule.iou_threshold = iou_threshold
    rule.use_overlap = overlap_threshold is not None
    rule.overlap_threshold = <double> overlap_threshold if rule.use_overlap else NAN
    rule.peer_rule = peer_rule
    if kind == KIND_INT32:
        return nms_boxes[int32_t](boxes, scores, labels, rule, n_threads, method, as_mask)
    if kind == KIND_INT64:
        return nms_boxes[int64_t](boxes, scores, labels, rule, n_threads, method, as_mask)
    if kind == KIND_FLOAT32:
        return nms_boxes[float32_t](boxes, scores, labels, rule, n_threads, method, as_mask)
    return nms_boxes[float64_t](boxes, scores, labels, rule, n_threads, method, as_mask)


cdef object nms_boxes(const coord_t[:, ::view.contiguous] boxes, const double[::1] scores, const int64_t[::1] labels,
                      Criterion rule, int n_threads, int method, bint as_mask):
    """``greedy_nms`` for one coordinate type."""
    cdef intp_t n = boxes.shape[0], count = -1
    cdef const int64_t* label_ptr = &labels[0] if labels is not None and n else NULL
    cdef uint64_t* box_key = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* keep = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if box_key != NULL and keep != NULL:
        if method == AUTO:
            method = BRUTE if n <= NMS_BRUTE else (WALK if n <= NMS_WALK else SPACE)
        if method == BRUTE:  # small: keeping the GIL costs less than releasing it
            count = nms_run(boxes, scores, label_ptr, box_key, keep, rule, n_threads, method)
        else:
            with nogil:
                count = nms_run(boxes, scores, label_ptr, box_key, keep, rule, n_threads, method)
    free(box_key)
    return kept_result(keep, count, n if as_mask else -1)


cdef object kept_result(intp_t* keep, intp_t count, intp_t mask_length):
    """The kept rows ``keep[:count]`` as an intp array, or as a bool mask of
    ``mask_length`` when that is >= 0; frees ``keep``. MemoryError when ``count < 0``."""
    cdef cnp.npy_intp length
    cdef uint8_t* mask
    cdef intp_t i
    if count < 0:
        free(keep)
        raise MemoryError()
    if mask_length >= 0:
        length = mask_length
        result = cnp.PyArray_ZEROS(1, &length, cnp.NPY_BOOL, 0)
        mask = <uint8_t*> cnp.PyArray_DATA(result)
        for i in range(count):
            mask[keep[i]] = 1
    else:
        length = count
        result = cnp.PyArray_EMPTY(1, &length, cnp.NPY_INTP, 0)
        if count:
            memcpy(cnp.PyArray_DATA(result), keep, count * sizeof(intp_t))
    free(keep)
    return result


cdef intp_t nms_run(const coord_t[:, ::view.contiguous] boxes, const double[::1] scores, const int64_t* labels, uint64_t* box_key,
                    intp_t* keep, Criterion rule, int n_threads, int method) noexcept nogil:
    """The score keys, then the walk (BRUTE, WALK) or the space-order decisions (SPACE);
    the number of kept boxes written to ``keep``, or -1 when memory runs out."""
    cdef intp_t i, n = boxes.shape[0]
    if n == 0:
        return 0
    for i in range(n):
        box_key[i] = ~float_key(scores[i])  # ascending key = decreasing score
    if method != SPACE:
        return nms_walk(boxes, box_key, labels, keep, rule, method == WALK)
    return nms_space(boxes, box_key, labels, keep, rule, n_threads)


# --- NMS over a given graph (rotated NMS) ----------------------------------------------------


cdef intp_t suppress_walk(const intp_t* order, intp_t n_order, const int64_t* indptr, const intp_t* indices,
                          intp_t* keep, uint8_t* removed) noexcept nogil:
    """The greedy walk of ``order`` over a CSR graph; the kept boxes go to ``keep``, in
    order; return their number."""
    cdef intp_t v, i, count = 0
    cdef int64_t e
    for v in range(n_order):
        i = order[v]
        if removed[i]:
            continue
        keep[count] = i
        count += 1
        for e in range(indptr[i], indptr[i + 1]):
            removed[indices[e]] = 1
    return count


def greedy_suppress(const intp_t[::1] order, const int64_t[::1] indptr, const intp_t[::1] indices, intp_t[::1] keep):
    """Walk ``order`` and return how many boxes were kept (written to ``keep[:count]``).

    Parameters
    ----------
    order : intp array of shape (v,)
        Boxes in visiting order (usually decreasing score, ties by lower index); a
        box absent from ``order`` is never kept but can still be a target.
    indptr : int64 array of shape (n + 1,)
    indices : intp array of shape (e,)
        CSR graph over ``n`` boxes: box ``i`` suppresses ``indices[indptr[i]:indptr[i+1]]``
        when kept. Indices are trusted: every value must be in ``[0, n)``.
    keep : intp array of shape (>= v,)
        Output: the kept boxes, in visiting order.

    Returns
    -------
    int
        The number of kept boxes.
    """
    cdef intp_t n = indptr.shape[0] - 1, count
    cdef uint8_t* removed
    if n < 0:
        raise ValueError("indptr: expected at least one element, got 0")
    removed = <uint8_t*> calloc(max(n, 1), 1)
    if removed == NULL:
        raise MemoryError()
    with nogil:
        count = suppress_walk(&order[0] if order.shape[0] else NULL, order.shape[0], &indptr[0],
                              &indices[0] if indices.shape[0] else NULL, &keep[0] if keep.shape[0] else NULL,
                              removed)
    free(removed)
    return count


cdef intp_t pairs_walk(const intp_t* order, intp_t n, const intp_t[:, ::1] pairs, const double* iou,
                       double iou_threshold, intp_t* keep) noexcept nogil:
    """``suppress_walk`` over the pairs of IoU > ``iou_threshold``, each directed from the
    box visited first (a counting sort into CSR rows); -1 when memory runs out."""
    cdef intp_t k = pairs.shape[1], v, t, a, b, count = -1
    cdef intp_t* rank = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef int64_t* indptr = <int64_t*> calloc(n + 2, sizeof(int64_t))
    cdef intp_t* indices = NULL
    cdef uint8_t* removed = <uint8_t*> calloc(n + 1, 1)
    if rank != NULL and indptr != NULL and removed != NULL:
        for v in range(n):
            rank[order[v]] = v
        for t in range(k):
            if iou[t] > iou_threshold:
                a = pairs[0, t]
                b = pairs[1, t]
                indptr[(a if rank[a] < rank[b] else b) + 2] += 1
        for v in range(n):
            indptr[v + 2] += indptr[v + 1]
        indices = <intp_t*> malloc((indptr[n + 1] + 1) * sizeof(intp_t))
        if indices != NULL:
            for t in range(k):  # indptr[i + 1] is the cursor of row i, then its end
                if iou[t] > iou_threshold:
                    a = pairs[0, t]
                    b = pairs[1, t]
                    if rank[a] > rank[b]:
                        a, b = b, a
                    indices[indptr[a + 1]] = b
                    indptr[a + 1] += 1
            count = suppress_walk(order, n, indptr, indices, keep, removed)
    free(rank)
    free(indptr)
    free(indices)
    free(removed)
    return count


def suppress_pairs(const intp_t[::1] order, const intp_t[:, ::1] pairs, const double[::1] iou, *,
                   double iou_threshold):
    """Greedy NMS over listed pairs: return the kept boxes (intp), in visiting order.

    ``order`` visits all n boxes (a permutation of ``range(n)``); ``pairs`` (2, k), with
    indices in ``[0, n)``, and their ``iou`` (k,): a kept box suppresses the boxes
    visited after it with which it has IoU > ``iou_threshold``. The same walk as
    ``greedy_suppress``, on the graph of those pairs.
    """
    cdef intp_t n = order.shape[0], count
    cdef intp_t* keep = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if pairs.shape[1] != iou.shape[0]:
        free(keep)
        raise ValueError(f"iou: expected length {pairs.shape[1]}, got {iou.shape[0]}")
    if keep == NULL:
        raise MemoryError()
    with nogil:
        count = pairs_walk(&order[0] if n else NULL, n, pairs, &iou[0] if iou.shape[0] else NULL, iou_threshold,
                           keep)
    return kept_result(keep, count, -1)
