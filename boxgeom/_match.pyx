"""Greedy one-to-one matching of two box sets by decreasing IoU (``greedy_matching``).

The kernel never sorts all candidate pairs. It lists the candidates of every box of
the first set (the rows), sorts each list by preference (IoU desc, box index asc)
and lets the rows propose down their lists, each box of the second set keeping the
proposal it prefers (Gale-Shapley). All boxes rank their partners by the same IoU
with the same tie rule, so the only stable matching is the greedy one: the greedy
matching without a global sort of the candidates; only the accepted pairs are
sorted into acceptance order. The per-box orders are the same under both tie rules
((i, j) or (j, i) ascending), so the two rules accept the same pairs and differ only
in that final order.

Candidates (``edge_of``): pairs with a positive-area overlap and union > 0, and IoU
>= t (modern rule) or union * t <= inter (the peer's rule; a NaN threshold matches
nothing). Two paths list them, with the same result:

- up to ``MATCH_BRUTE`` box pairs, both sets sorted by x1 (``_hgrid.slots_by_x1``):
  a row tests the boxes of the second set in its x-window, one vectorised overlap
  flag each;
- beyond, the second set is filed in a hierarchical grid (``_hgrid.pxd``) and the
  rows, in space order, query it; threads take fixed chunks of rows (the result
  never depends on the thread count).

An edge is a ``_sort.KeyTie`` (key ``~float_key(iou)``, tie: the slot of the box of
the second set), so the lists sort with ``_sort.sort_key_ties``; ties in IoU are then
ranked by box index (``rank_ties``).
"""

from cython cimport view
from cython.parallel cimport prange
from libc.math cimport fabs
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp

from boxgeom._bits cimport ctz32
from boxgeom._box cimport area, has_area, intersection, iou, meets, open_overlap
from boxgeom._buffer cimport Buffer, buffer_free, buffer_init, buffer_reserve
from boxgeom._cells cimport cell_of
from boxgeom._hgrid cimport (SLOT_BLOCK, Grid, Scan, Slots, grid_free, grid_plan, overlap_mask, scan_begin,
                             scan_next, slot_box, slot_index, slots_by_x1, slots_fill, slots_free, sort_by_x1)
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, same_kind
from boxgeom._sort cimport KeyTie, float_key, sort_by_key, sort_key_ties
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint32_t, uint64_t

cnp.import_array()

cdef enum:
    # Tuning constants: they change the speed, never the result.
    MATCH_BRUTE = 16384  # up to this many box pairs, every pair is tested (both sets by x1)
    CHUNK_ROWS = 4096  # rows of boxes1 per parallel task (fixed: results never depend on threads)
    SHORT_LIST = 32  # candidate lists up to this length are insertion sorted (by sort_key_ties, without scratch)
    # ``method`` (the Python layer passes AUTO; tests force each path)
    AUTO = 0
    BRUTE = 1  # every box pair, both sets by x1
    GRID = 2  # a grid of boxes2


# --- candidates -------------------------------------------------------------------------------


cdef inline void edge_of(const coord_t* a, double area_a, const coord_t* b, double area_b, intp_t r,
                         double threshold, bint peer_rule, KeyTie* e) noexcept nogil:
    """The edge from box ``a`` to box ``b`` (slot ``r``): key ``~float_key(IoU)``, tie
    ``r`` when it is a candidate (a positive overlap, ``meets``; union > 0, and IoU
    >= t (modern) or union * t <= inter (peer; a NaN threshold matches nothing)),
    else tie -1, which ``drop_rejected`` removes. Without a branch: nothing waits on
    a comparison or on the outcome of the division (``iou`` is never negative, so the
    sign test of ``float_key`` always goes one way)."""
    cdef double inter = intersection(a, b)
    cdef double union = area_a + area_b - inter
    cdef double value = iou(inter, area_a, area_b)
    cdef bint take = meets(a, b) & (union > 0)
    if peer_rule:
        take &= union * threshold <= inter
    else:
        take &= value >= threshold
    e.key = ~float_key(value)
    e.tie = (r + 1) * take - 1


cdef inline void append_hits(const coord_t* a, double area_a, const Slots* slots, const double* areas, intp_t s,
                             unsigned int mask, double threshold, bint peer_rule, Buffer* buf) noexcept nogil:
    """Append ``edge_of`` each slot ``s + k`` for the bits k of ``mask`` (at most
    SLOT_BLOCK; room reserved). ``areas``: the slots' areas, or NULL to compute them."""
    cdef KeyTie* e = (<KeyTie*> buf.data) + buf.size
    cdef intp_t r
    cdef const coord_t* b
    while mask:
        r = s + ctz32(mask)
        b = slot_box(slots, r, a[0])
        edge_of(a, area_a, b, areas[r] if areas != NULL else area(b), r, threshold, peer_rule, e)
        mask &= mask - 1
        e += 1
    buf.size = e - (<KeyTie*> buf.data)


cdef inline intp_t drop_rejected(KeyTie* edges, intp_t n) noexcept nogil:
    """Remove the rejected edges (tie -1, ``edge_of``), keeping the order; the new count."""
    cdef intp_t j, k = 0, tie
    for j in range(n):
        # field by field: a 16-byte copy of an edge just written as two 8-byte fields
        # would wait for both stores to retire (no store-to-load forwarding)
        tie = edges[j].tie
        edges[k].key = edges[j].key
        edges[k].tie = tie
        k += tie >= 0
    return k


cdef void rank_ties(KeyTie* edges, intp_t n, const Slots* slots, KeyTie* tmp) noexcept nogil:
    """Edges sorted by (key, slot): order each run of equal keys (IoU ties) by the box
    index of their slots instead (``tmp``: room for n pairs, or NULL up to 32)."""
    cdef intp_t i = 0, j, t
    cdef uint64_t key
    while i < n:
        key = edges[i].key
        j = i + 1
        while j < n and edges[j].key == key:
            j += 1
        if j - i > 1:
            for t in range(i, j):
                edges[t].key = <uint64_t> slot_index(slots, edges[t].tie)
            sort_key_ties(edges + i, j - i, tmp)
            for t in range(i, j):
                edges[t].key = key
        i = j


cdef bint sort_edges(KeyTie* edges, intp_t n, const Slots* slots) noexcept nogil:
    """Sort a candidate list by preference (IoU desc, box index asc); False when memory
    runs out."""
    cdef KeyTie* tmp = NULL
    if n > SHORT_LIST:
        tmp = <KeyTie*> malloc(n * sizeof(KeyTie))
        if tmp == NULL:
            return False
    if sort_key_ties(edges, n, tmp):  # by (key, slot); True: some IoU ties
        rank_ties(edges, n, slots, tmp)
    free(tmp)
    return True


cdef void candidate_run(const coord_t* a, double area_a, const Slots* slots, intp_t s, intp_t stop,
                        double threshold, bint peer_rule, Buffer* buf) noexcept nogil:
    """Append the candidates of box ``a`` among slots ``s``..``stop - 1`` (``append_hits``)."""
    cdef intp_t count
    cdef unsigned int mask
    while s < stop:
        count = min(stop - s, <intp_t> SLOT_BLOCK)
        mask = overlap_mask(slots, NULL, 0, s, count, a)
        if mask:
            if not buffer_reserve(buf, SLOT_BLOCK):
                return
            append_hits(a, area_a, slots, NULL, s, mask, threshold, peer_rule, buf)
        s += count


cdef void candidate_all(const coord_t* a, double area_a, const Slots* slots, const coord_t* columns,
                        const double* columns_area, intp_t start, intp_t stop, uint8_t* flags, double threshold,
                        bint peer_rule, Buffer* buf) noexcept nogil:
    """Append ``edge_of`` every slot in ``start``..``stop - 1`` overlapping box ``a``: one
    overlap flag per slot from ``columns`` (``slots_by_x1``; a loop the compiler
    vectorises), then the flags read 8 at a time (``flags`` has room for n + 8).
    ``columns_area``: the slots' areas."""
    cdef intp_t n = slots.n, k, s
    cdef const coord_t* x1 = columns
    cdef const coord_t* y1 = columns + n
    cdef const coord_t* x2 = columns + 2 * n
    cdef const coord_t* y2 = columns + 3 * n
    cdef coord_t ax1 = a[0], ay1 = a[1], ax2 = a[2], ay2 = a[3]
    cdef uint64_t word
    for k in range(start, stop):
        flags[k - start] = open_overlap(x1[k], y1[k], x2[k], y2[k], ax1, ay1, ax2, ay2)
    memset(flags + (stop - start), 0, 8)
    for s in range(start, stop, 8):
        memcpy(&word, flags + (s - start), 8)
        if word:
            if not buffer_reserve(buf, SLOT_BLOCK):
                return
            # one bit per flag byte (each 0 or 1): bit k = byte k
            append_hits(a, area_a, slots, columns_area, s,
                        <unsigned int> ((word * <uint64_t> 0x0102040810204080) >> 56), threshold, peer_rule, buf)


cdef void candidate_rows(const coord_t* rows, intp_t lo, intp_t hi, const Grid* grid, const Slots* slots,
                         const coord_t* columns, const double* areas, double reach, double row_reach,
                         double threshold, bint peer_rule, Buffer* buf, intp_t* degree) noexcept nogil:
    """Candidates of the rows ``lo``..``hi - 1`` (box ``rows[4p:4p + 4]``), each row sorted
    by preference, appended to ``buf``; ``degree[p]`` = their number. ``grid`` NULL: the
    brute force, rows and slots both by x1 (``rows_by_x1``, ``slots_by_x1``): a row
    tests the slots with x1 in ``(x1 - reach, x1 + row_reach]`` (in float64, widened
    past its rounding), a window that only moves forward."""
    cdef intp_t p, first, start = 0, stop = 0, n = slots.n
    cdef Scan it
    cdef const coord_t* a
    cdef double area_a, x, low, high
    cdef uint8_t* flags = NULL
    if grid == NULL:
        flags = <uint8_t*> malloc(n + 8)
        if flags == NULL:
            buf.failed = True
            return
    for p in range(lo, hi):
        first = buf.size
        a = rows + 4 * p
        if has_area(a):
            area_a = area(a)
            if grid == NULL:
                x = <double> a[0]
                low = x - reach
                low -= (fabs(low) + fabs(x)) * 1e-15
                high = x + row_reach
                high += (fabs(high) + fabs(x)) * 1e-15
                while start < n and <double> columns[start] <= low:
                    start += 1
                stop = stop if stop > start else start
                while stop < n and <double> columns[stop] <= high:
                    stop += 1
                candidate_all(a, area_a, slots, columns, areas, start, stop, flags, threshold, peer_rule, buf)
            else:
                scan_begin(&it, grid, a, 0)
                while scan_next(&it, grid):
                    candidate_run(a, area_a, slots, it.s, it.stop, threshold, peer_rule, buf)
            buf.size = first + drop_rejected((<KeyTie*> buf.data) + first, buf.size - first)
            if buf.failed or not sort_edges((<KeyTie*> buf.data) + first, buf.size - first, slots):
                buf.failed = True
                break
        degree[p] = buf.size - first
    free(flags)


cdef int rows_by_x1(const coord_t[:, ::view.contiguous] boxes, intp_t* row_of, coord_t* rows, double* reach) noexcept nogil:
    """The rows of the brute force: box ``row_of[p]`` (by x1, ``sort_by_x1``, which sets
    ``reach``) copied to ``rows[4p:4p + 4]``. Return -1 when memory runs out."""
    cdef intp_t p, c
    if sort_by_x1(boxes, row_of, reach) < 0:
        return -1
    for p in range(boxes.shape[0]):
        for c in range(4):
            rows[4 * p + c] = boxes[row_of[p], c]
    return 0


cdef int space_order(const coord_t[:, ::view.contiguous] boxes, const Grid* grid, intp_t* row_of, coord_t* rows) noexcept nogil:
    """Order the boxes by the level-0 cell of their lower corner in ``grid`` (a counting
    sort; by index within a cell): row p is box ``row_of[p]``, copied to ``rows[4p:4p + 4]``.
    Return -1 when memory runs out."""
    cdef intp_t cells = grid.nx[0] * grid.ny[0], i, key, p
    cdef intp_t* count = <intp_t*> calloc(cells + 1, sizeof(intp_t))
    cdef intp_t* key_of = <intp_t*> malloc((boxes.shape[0] + 1) * sizeof(intp_t))
    if count == NULL or key_of == NULL:
        free(count)
        free(key_of)
        return -1
    for i in range(boxes.shape[0]):
        key_of[i] = (cell_of(<double> boxes[i, 1], grid.oy[0], grid.inv[0], grid.ny[0]) * grid.nx[0]
                     + cell_of(<double> boxes[i, 0], grid.ox[0], grid.inv[0], grid.nx[0]))
        count[key_of[i] + 1] += 1
    for key in range(cells):
        count[key + 1] += count[key]
    for i in range(boxes.shape[0]):
        p = count[key_of[i]]
        count[key_of[i]] = p + 1
        row_of[p] = i
        rows[4 * p] = boxes[i, 0]
        rows[4 * p + 1] = boxes[i, 1]
        rows[4 * p + 2] = boxes[i, 2]
        rows[4 * p + 3] = boxes[i, 3]
    free(count)
    free(key_of)
    return 0


# --- proposals ----------------------------------------------------------------------------------


cdef struct Matching:
    # side 1: rows (boxes of boxes1, in ``row_of`` order), with their candidate lists;
    # side 2: slots (filed boxes of boxes2)
    intp_t n1
    intp_t n2
    intp_t* row_of  # NULL: row p is box p
    Slots slots
    Buffer* bufs  # the candidate lists (KeyTie edges), one buffer per chunk of rows
    intp_t n_chunks
    KeyTie** cursor  # per row: its next candidate to propose to, and the end of its list
    KeyTie** stop
    intp_t* suitor  # per slot: the row holding it (-1: none), and the key of their IoU
    uint64_t* suitor_key


cdef void matching_free(Matching* m) noexcept nogil:
    cdef intp_t c
    free(m.row_of)
    slots_free(&m.slots)
    if m.bufs != NULL:
        for c in range(m.n_chunks):
            buffer_free(&m.bufs[c])
    free(m.bufs)
    free(m.cursor)
    free(m.stop)
    free(m.suitor)
    free(m.suitor_key)
    memset(m, 0, sizeof(Matching))


cdef int match_candidates(Matching* m, const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2,
                          double threshold, bint peer_rule, int n_threads, bint brute) noexcept nogil:
    """Fill the rows of ``m``: each row's candidates, by preference (``brute``: every
    box of ``boxes2`` tested, else those near in a grid). Return -1 when memory runs out."""
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0], chunk, p, lo, hi
    cdef Grid grid
    cdef Grid* grid_ptr = NULL
    cdef Slots slots
    cdef intp_t* key_of = NULL
    cdef intp_t* degree = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))
    cdef coord_t* rows = NULL
    cdef coord_t* columns = NULL  # brute force: the coordinates of boxes2, column by column
    cdef double* areas = NULL  # brute force: the areas of boxes2, in slot order
    cdef double reach = 0, row_reach = 0  # brute force: the largest widths in boxes2, boxes1
    cdef const coord_t* row_ptr = &boxes1[0, 0]
    cdef KeyTie* e
    cdef int status = -1
    memset(&grid, 0, sizeof(Grid))
    memset(&slots, 0, sizeof(Slots))
    m.n1 = n1
    m.n_chunks = (n1 + CHUNK_ROWS - 1) // CHUNK_ROWS
    m.bufs = <Buffer*> calloc(m.n_chunks, sizeof(Buffer))
    m.cursor = <KeyTie**> malloc((n1 + 1) * sizeof(KeyTie*))
    m.stop = <KeyTie**> malloc((n1 + 1) * sizeof(KeyTie*))
    if degree != NULL and m.bufs != NULL and m.cursor != NULL and m.stop != NULL:
        for chunk in range(m.n_chunks):
            buffer_init(&m.bufs[chunk], sizeof(KeyTie), 64)
        if brute:  # rows and slots by x1
            columns = <coord_t*> malloc(4 * n2 * sizeof(coord_t))
            areas = <double*> malloc(n2 * sizeof(double))
            m.row_of = <intp_t*> malloc(n1 * sizeof(intp_t))
            rows = <coord_t*> malloc(4 * n1 * sizeof(coord_t))
            if (columns != NULL and areas != NULL and m.row_of != NULL and rows != NULL
                    and slots_by_x1(&slots, boxes2, columns, areas, &reach) == 0
                    and rows_by_x1(boxes1, m.row_of, rows, &row_reach) == 0):
                row_ptr = rows
                status = 0
        else:
            key_of = <intp_t*> malloc(n2 * sizeof(intp_t))
            m.row_of = <intp_t*> malloc(n1 * sizeof(intp_t))
            rows = <coord_t*> malloc(4 * n1 * sizeof(coord_t))
            if (key_of != NULL and m.row_of != NULL and rows != NULL
                    and grid_plan(&grid, boxes2, NULL, 1, key_of) == 0
                    and slots_fill(&slots, &grid, boxes2, key_of, NULL) == 0
                    and space_order(boxes1, &grid, m.row_of, rows) == 0):
                grid_ptr = &grid
                row_ptr = rows
                status = 0
    if status == 0:
        if n_threads > 1 and m.n_chunks > 1:
            for chunk in prange(m.n_chunks, schedule="dynamic", num_threads=n_threads):
                candidate_rows(row_ptr, chunk * CHUNK_ROWS, min(n1, (chunk + 1) * CHUNK_ROWS), grid_ptr, &slots,
                               columns, areas, reach, row_reach, threshold, peer_rule, &m.bufs[chunk], degree)
        else:
            for chunk in range(m.n_chunks):
                candidate_rows(row_ptr, chunk * CHUNK_ROWS, min(n1, (chunk + 1) * CHUNK_ROWS), grid_ptr, &slots,
                               columns, areas, reach, row_reach, threshold, peer_rule, &m.bufs[chunk], degree)
        for chunk in range(m.n_chunks):
            if m.bufs[chunk].failed:
                status = -1
                break
            lo = chunk * CHUNK_ROWS
            hi = min(n1, lo + CHUNK_ROWS)
            e = <KeyTie*> m.bufs[chunk].data
            for p in range(lo, hi):
                m.cursor[p] = e
                e += degree[p]
                m.stop[p] = e
        m.n2 = slots.n
        m.slots = slots  # now owned by ``m``
        memset(&slots, 0, sizeof(Slots))
    grid_free(&grid)
    slots_free(&slots)
    free(key_of)
    free(degree)
    free(rows)
    free(columns)
    free(areas)
    return status


cdef inline bint prefers(uint64_t key, intp_t p, uint64_t key_old, intp_t p_old, const intp_t* row_of) noexcept nogil:
    """Whether a box prefers row p (IoU key ``key``) to row p_old: higher IoU (lower
    key), then lower index."""
    if key != key_old:
        return key < key_old
    if row_of == NULL:
        return p < p_old
    return row_of[p] < row_of[p_old]


cdef intp_t propose(Matching* m) noexcept nogil:
    """Rows propose down their lists; a box keeps the row it prefers (Gale-Shapley).
    Every box ranks by IoU, ties by the lower index, as every row does, so the only
    stable matching is the greedy one (its best pair must be matched together, and so
    on), and this finds it. Return the number of matches, or -1 when memory runs out."""
    cdef intp_t p, r, v, held, count = 0
    cdef KeyTie* e
    m.suitor = <intp_t*> malloc((m.n2 + 1) * sizeof(intp_t))
    m.suitor_key = <uint64_t*> malloc((m.n2 + 1) * sizeof(uint64_t))
    if m.suitor == NULL or m.suitor_key == NULL:
        return -1
    for v in range(m.n2):
        m.suitor[v] = -1
    for p in range(m.n1):
        r = p
        while r >= 0:  # r is free: it proposes to its next candidate
            e = m.cursor[r]
            if e == m.stop[r]:
                break  # r stays unmatched
            m.cursor[r] = e + 1
            v = e.tie
            held = m.suitor[v]
            if held < 0:
                m.suitor[v] = r
                m.suitor_key[v] = e.key
                count += 1
                r = -1
            elif prefers(e.key, r, m.suitor_key[v], held, m.row_of):
                m.suitor[v] = r
                m.suitor_key[v] = e.key
                r = held  # displaced: it proposes further down its list
    return count


cdef int acceptance_order(const Matching* m, intp_t n1, intp_t n2, intp_t count, bint by_second,
                          intp_t* first, intp_t* second, intp_t* unmatched1, intp_t* unmatched2) noexcept nogil:
    """Write the matches by IoU desc (ties: lower index in boxes1, or in boxes2 with
    ``by_second``) and the unmatched boxes, ascending. Return -1 when memory runs out."""
    cdef intp_t* partner1 = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))  # by box: matched box, or -1
    cdef intp_t* partner2 = <intp_t*> malloc((n2 + 1) * sizeof(intp_t))
    cdef uint64_t* weight = <uint64_t*> malloc((n1 + 1) * sizeof(uint64_t))  # by box: the key of its IoU
    cdef uint64_t* keys = <uint64_t*> malloc((count + 1) * sizeof(uint64_t))
    cdef intp_t* vals = <intp_t*> malloc((count + 1) * sizeof(intp_t))
    cdef intp_t v, i, j, t = 0, u1 = 0, u2 = 0
    cdef int status = 0
    if partner1 == NULL or partner2 == NULL or weight == NULL or keys == NULL or vals == NULL:
        status = -1
    else:
        for i in range(n1):
            partner1[i] = -1
        for j in range(n2):
            partner2[j] = -1
        for v in range(m.n2):
            if m.suitor[v] >= 0:
                i = m.row_of[m.suitor[v]] if m.row_of != NULL else m.suitor[v]
                j = slot_index(&m.slots, v)
                partner1[i] = j
                partner2[j] = i
                weight[i] = m.suitor_key[v]
        for i in range(n1):
            if partner1[i] < 0:
                unmatched1[u1] = i
                u1 += 1
            elif not by_second:
                vals[t] = i
                keys[t] = weight[i]
                t += 1
        for j in range(n2):
            if partner2[j] < 0:
                unmatched2[u2] = j
                u2 += 1
            elif by_second:
                vals[t] = partner2[j]
                keys[t] = weight[partner2[j]]
                t += 1
        if sort_by_key(keys, vals, count) < 0:
            status = -1
        else:
            for t in range(count):
                first[t] = vals[t]
                second[t] = partner1[vals[t]]
    free(partner1)
    free(partner2)
    free(weight)
    free(keys)
    free(vals)
    return status


# --- entry point -------------------------------------------------------------------------------


def greedy_matching(cnp.ndarray boxes1 not None, cnp.ndarray boxes2 not None, *, double iou_threshold,
                    bint peer_rule=False, bint by_second=False, int n_threads=1, int method=AUTO,
                    bint as_uint32=False):
    """Greedy one-to-one matching by decreasing IoU over the candidates of ``edge_of``.

    Return ``(matches, unmatched1, unmatched2)``: matches (2, m) intp in acceptance
    order (IoU desc, ties by the lower index in ``boxes1``, or in ``boxes2`` with
    ``by_second``), unmatched indices ascending. ``iou_threshold`` and ``peer_rule``:
    the candidate rule of ``edge_of``. ``n_threads`` runs the candidate search in
    parallel; the result never depends on it, nor on ``method`` (0 auto, 1 every pair,
    2 a grid of ``boxes2``). Both arrays have one dtype. ``as_uint32``:
    box-intersect-lib's layout instead, matches (m, 2) and every array uint32.
    """
    cdef int kind = same_kind(boxes1, boxes2, 4, True)
    if kind == KIND_INT32:
        return match_boxes[int32_t](boxes1, boxes2, iou_threshold, peer_rule, by_second, n_threads, method, as_uint32)
    if kind == KIND_INT64:
        return match_boxes[int64_t](boxes1, boxes2, iou_threshold, peer_rule, by_second, n_threads, method, as_uint32)
    if kind == KIND_FLOAT32:
        return match_boxes[float32_t](boxes1, boxes2, iou_threshold, peer_rule, by_second, n_threads, method,
                                      as_uint32)
    return match_boxes[float64_t](boxes1, boxes2, iou_threshold, peer_rule, by_second, n_threads, method, as_uint32)


cdef object match_boxes(const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2, double threshold,
                        bint peer_rule, bint by_second, int n_threads, int method, bint as_uint32):
    """``greedy_matching`` for one coordinate type."""
    cdef intp_t n1 = boxes1.shape[0], n2 = boxes2.shape[0], count = -1, t
    cdef int status = -1
    cdef Matching m
    cdef intp_t* found  # the matches (2 x count), then the unmatched boxes of each side
    memset(&m, 0, sizeof(Matching))
    if n1 and n2:
        if method == AUTO:
            method = BRUTE if n1 * n2 <= MATCH_BRUTE else GRID
        if method == BRUTE:  # small: keeping the GIL costs less than releasing it
            count = candidates_and_proposals(&m, boxes1, boxes2, threshold, peer_rule, n_threads, True)
        else:
            with nogil:
                count = candidates_and_proposals(&m, boxes1, boxes2, threshold, peer_rule, n_threads, False)
    else:
        count = 0
    found = <intp_t*> malloc((n1 + n2 + 1) * sizeof(intp_t))
    if count < 0 or found == NULL:
        matching_free(&m)
        free(found)
        raise MemoryError()
    if n1 and n2:
        if method == BRUTE:
            status = acceptance_order(&m, n1, n2, count, by_second, found, found + count, found + 2 * count,
                                      found + n1 + count)
        else:
            with nogil:
                status = acceptance_order(&m, n1, n2, count, by_second, found, found + count, found + 2 * count,
                                          found + n1 + count)
    else:  # nothing to match: every box is unmatched
        status = 0
        for t in range(n1 + n2):
            found[t] = t if t < n1 else t - n1
    matching_free(&m)
    if status != 0:
        free(found)
        raise MemoryError()
    try:
        return match_arrays(found, count, n1, n2, as_uint32)
    finally:
        free(found)


cdef object match_arrays(const intp_t* found, intp_t count, intp_t n1, intp_t n2, bint as_uint32):
    """``(matches, unmatched1, unmatched2)`` from ``found`` (first boxes, second boxes,
    unmatched of side 1, of side 2): (2, count) intp and intp, or with ``as_uint32``
    (count, 2) and uint32."""
    cdef cnp.npy_intp dims[2]
    cdef intp_t t
    cdef uint32_t* out
    dims[0] = count if as_uint32 else 2
    dims[1] = 2 if as_uint32 else count
    matches = cnp.PyArray_EMPTY(2, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    dims[0] = n1 - count
    unmatched1 = cnp.PyArray_EMPTY(1, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    dims[0] = n2 - count
    unmatched2 = cnp.PyArray_EMPTY(1, dims, cnp.NPY_UINT32 if as_uint32 else cnp.NPY_INTP, 0)
    if not as_uint32:
        memcpy(cnp.PyArray_DATA(matches), found, 2 * count * sizeof(intp_t))
        memcpy(cnp.PyArray_DATA(unmatched1), found + 2 * count, (n1 - count) * sizeof(intp_t))
        memcpy(cnp.PyArray_DATA(unmatched2), found + n1 + count, (n2 - count) * sizeof(intp_t))
        return matches, unmatched1, unmatched2
    out = <uint32_t*> cnp.PyArray_DATA(matches)
    for t in range(count):
        out[2 * t] = <uint32_t> found[t]
        out[2 * t + 1] = <uint32_t> found[count + t]
    out = <uint32_t*> cnp.PyArray_DATA(unmatched1)
    for t in range(n1 - count):
        out[t] = <uint32_t> found[2 * count + t]
    out = <uint32_t*> cnp.PyArray_DATA(unmatched2)
    for t in range(n2 - count):
        out[t] = <uint32_t> found[n1 + count + t]
    return matches, unmatched1, unmatched2


cdef intp_t candidates_and_proposals(Matching* m, const coord_t[:, ::view.contiguous] boxes1, const coord_t[:, ::view.contiguous] boxes2,
                                     double threshold, bint peer_rule, int n_threads, bint brute) noexcept nogil:
    """``match_candidates`` then ``propose``: the number of matches, or -1 when memory runs out."""
    if match_candidates(m, boxes1, boxes2, threshold, peer_rule, n_threads, brute) < 0:
        return -1
    return propose(m)
