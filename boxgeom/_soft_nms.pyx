"""Soft-NMS of boxes (``soft_nms_boxes``: it finds the overlapping pairs itself) or of
listed pairs and their IoU (``soft_nms_pairs``: rotated boxes); and the helpers of the
listed path's callers: pairs restricted to one label (``same_label_pairs``), and an order
of the boxes by label and place (``locality_order``).

The rule (``boxgeom.soft_nms``): the boxes with a score of at least
``score_threshold`` are alive; repeatedly the alive box of highest current score (ties:
lower id) is kept with that score, and every other alive box j it overlaps has its
score multiplied by ``w(IoU)`` (linear, gaussian or hard); a box whose score falls below
``score_threshold`` is dropped. A pair of IoU 0 has ``w = 1`` under every method, and so
has a linear or hard pair of IoU at most ``iou_threshold``: only the other pairs can
change a score. They are the edges of the graph the walk runs on, each listed once, in
the row of one of its ends (the half graph: row i holds the edges (i, later[e])). An
edge of weight 1 changes nothing (an alive box's score is at least
``score_threshold``), so the graph may hold some.

The graph of boxes (``box_graph``): every box of positive area is filed in a
hierarchical grid (``_hgrid.pxd``, one grid per label) and numbered in slot order
(space order, so that the walk's memory accesses stay nearby; the zero-area boxes,
which overlap nothing, come after); each slot's query lists the later slots of its grid
that overlap it (gaussian) or whose IoU with it exceeds ``iou_threshold`` (linear,
hard) as its row (threads over chunks of slots, the rows concatenated in slot order).
The walk weighs each edge once, from the boxes: the IoU is symmetric, bit for bit. The
graph of listed pairs (``pair_graph``): the weight of every pair (threads over the
pairs), each pair in the row of its first box; a pair of weight 1 is no edge.

A box's fate depends only on the boxes of its connected component of that graph, and
each component sees the global rule's steps restricted to it, so the walk
(``soft_walk``) runs per component:

1. the components, by union-find over the edges between alive boxes: an isolated box
   is kept as it is; the members of each larger component are listed together, in
   box order;
2. each component on its own (threads over the components, which share no box), its
   edges gathered from its members' rows and weighed: up to ``SMALL`` members on
   local copies (each member's neighbours one bit each), the next box found by a scan;
   larger ones in rows of their own and a binary heap keyed by (current score desc, id
   asc) with positions, so that a decayed box sifts down and a dropped box leaves;
3. the kept boxes sorted by (kept score desc, id asc): a stable radix sort of the
   boxes listed in box order.

That order is the order in which the global rule keeps them: kept scores never
increase along it, and a tie goes to the lower id. The ids (``ids``) let the walk
renumber the boxes (for memory locality) without changing the result. Time
O((n + k) log m) for k pairs and components of at most m boxes; the result does not
depend on the thread count, nor on the order of the edges.
"""

from cython cimport view
from cython.parallel cimport prange
from libc.math cimport INFINITY, exp
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._bits cimport ctz32, ctz64
from boxgeom._box cimport area, intersect, iou, span
from boxgeom._buffer cimport Buffer, buffer_free, buffer_init, buffer_reserve, buffers_total
from boxgeom._hgrid cimport (SLOT_BLOCK, Grid, Scan, Slots, grid_free, grid_plan, label_groups, overlap_mask,
                             scan_begin, scan_next, slot_box, slot_index, slots_fill, slots_free)
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, box_kind
from boxgeom._sort cimport float_key, float_unkey, radix_sort, sort_by_key
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint64_t

cnp.import_array()

cdef enum Method:
    LINEAR = 0
    GAUSSIAN = 1
    HARD = 2

cdef enum:
    # fates of a box during the walk
    ALIVE = 0
    KEPT = 1
    DROPPED = 2
    # tuning constants: they change the speed, never the result
    SMALL = 32  # components up to this size (at most 64): local copies and a scan instead of a heap
    PARALLEL_COMPONENTS = 1024  # fewer components than this: one thread
    CHUNKS_PER_THREAD = 16  # chunks of slots per thread in the parallel pair search
    EDGES_PER_BOX = 4  # the first room for a chunk's edges, per slot
    CELL_LIMIT = (1 << 21) - 1  # the last column (and row) of the locality order's grid
    PLACES = 0x7FFFFFFF  # the most boxes of one call: the graph's edges hold int32 places

# The compiled code of each ``method`` name.
METHOD_CODES = {"linear": LINEAR, "gaussian": GAUSSIAN, "hard": HARD}


cdef struct Decay:
    int method
    double sigma
    double iou_threshold


cdef inline double weight(double iou, const Decay* d) noexcept nogil:
    """The factor a kept box applies to the score of a box it overlaps with ``iou``
    (HARD: 0, read as "removed")."""
    if d.method == GAUSSIAN:
        return exp(-(iou * iou) / d.sigma)
    if iou > d.iou_threshold:
        return 0.0 if d.method == HARD else 1.0 - iou
    return 1.0


cdef inline bint before(double score_a, intp_t id_a, double score_b, intp_t id_b) noexcept nogil:
    """Whether a box is taken before another: higher score, ties by lower id."""
    return score_a > score_b or (score_a == score_b and id_a < id_b)


cdef struct Walk:
    # What every component's walk reads and writes (the boxes of one component only).
    double* score  # (n,) current score; the kept score once kept
    uint8_t* fate  # (n,) ALIVE, KEPT or DROPPED
    intp_t* pos  # (n,) a member's index in its component
    const intp_t* ids  # (n,) tie-breaking ids
    const int64_t* up  # (n + 1,) the half graph: box i's edges are (i, later[e]) for e in [up[i], up[i + 1])
    const int32_t* later  # int32: at most PLACES boxes
    const double* weights  # the weight of each edge (listed pairs), or NULL: weighed from ``slots``
    const Slots* slots  # the boxes, by place
    Decay decay
    double score_threshold


cdef inline bint is_edge(const Walk* g, int64_t e, intp_t j) noexcept nogil:
    """Whether edge e (of far end j) joins two alive boxes with a weight that may be
    below 1 (a box's neighbours are alive until its component's walk starts)."""
    return (g.weights == NULL or g.weights[e] < 1.0) and g.fate[j] == ALIVE


cdef inline double edge_weight(const Walk* g, intp_t i, intp_t j, int64_t e, coord_t kind) noexcept nogil:
    """The weight of edge e, between boxes i and j."""
    cdef const coord_t* a
    cdef const coord_t* b
    cdef double inter = 0.0
    if g.weights != NULL:
        return g.weights[e]
    if g.decay.method == HARD:
        return 0.0
    a = slot_box(g.slots, i, kind)
    b = slot_box(g.slots, j, kind)
    intersect(a, b, &inter)  # true: the boxes of an edge overlap
    return weight(iou(inter, area(a), area(b)), &g.decay)


# --- small components: local copies, a scan for the next box --------------------------------


cdef void walk_small(const Walk* g, const intp_t* members, intp_t size, coord_t kind) noexcept nogil:
    """Run the rule on a component of at most SMALL members, on local copies: their
    scores and ids, each member's neighbours (one bit each) and the weights of its
    edges; ``alive`` and ``kept`` hold one bit per member."""
    cdef double score[SMALL]
    cdef intp_t ids[SMALL]
    cdef uint64_t near[SMALL]
    cdef double w[SMALL][SMALL]
    cdef intp_t u, v, best, i, j
    cdef int64_t e
    cdef uint64_t alive = ((<uint64_t> 1) << size) - 1, kept = 0, bits
    for u in range(size):
        i = members[u]
        g.pos[i] = u
        score[u] = g.score[i]
        ids[u] = g.ids[i]
        near[u] = 0
    for u in range(size):
        i = members[u]
        for e in range(g.up[i], g.up[i + 1]):
            j = g.later[e]
            if is_edge(g, e, j):
                v = g.pos[j]
                near[u] |= (<uint64_t> 1) << v
                near[v] |= (<uint64_t> 1) << u
                w[u][v] = w[v][u] = edge_weight(g, i, j, e, kind)
    while alive:
        best = ctz64(alive)
        bits = alive & (alive - 1)
        while bits:
            u = ctz64(bits)
            bits &= bits - 1
            if before(score[u], ids[u], score[best], ids[best]):
                best = u
        alive &= ~((<uint64_t> 1) << best)
        kept |= (<uint64_t> 1) << best
        g.score[members[best]] = score[best]
        bits = near[best] & alive
        while bits:
            v = ctz64(bits)
            bits &= bits - 1
            if g.decay.method != HARD:
                score[v] *= w[best][v]
            if g.decay.method == HARD or score[v] < g.score_threshold:
                alive &= ~((<uint64_t> 1) << v)
    for u in range(size):
        g.fate[members[u]] = KEPT if (kept >> u) & 1 else DROPPED


# --- large components: rows of their own, a heap of (current score, member) -----------------


cdef struct Link:
    intp_t other  # the member at the other end (its index in the component)
    double weight


cdef struct Entry:
    double score  # the member's current score (the heap's copy: read without a detour)
    intp_t u


cdef struct Heap:
    Entry* entries
    intp_t* pos  # (size,) each member's position in ``entries``
    const intp_t* ids  # (size,) the members' ids
    intp_t size


cdef inline bint entry_before(const Heap* h, const Entry* a, const Entry* b) noexcept nogil:
    return a.score > b.score or (a.score == b.score and h.ids[a.u] < h.ids[b.u])


cdef inline void sift_up(Heap* h, intp_t p) noexcept nogil:
    cdef Entry v = h.entries[p]
    cdef intp_t parent
    while p > 0:
        parent = (p - 1) >> 1
        if not entry_before(h, &v, &h.entries[parent]):
            break
        h.entries[p] = h.entries[parent]
        h.pos[h.entries[p].u] = p
        p = parent
    h.entries[p] = v
    h.pos[v.u] = p


cdef inline void sift_down(Heap* h, intp_t p) noexcept nogil:
    cdef Entry v = h.entries[p]
    cdef intp_t child
    while True:
        child = 2 * p + 1
        if child >= h.size:
            break
        if child + 1 < h.size and entry_before(h, &h.entries[child + 1], &h.entries[child]):
            child += 1
        if not entry_before(h, &h.entries[child], &v):
            break
        h.entries[p] = h.entries[child]
        h.pos[h.entries[p].u] = p
        p = child
    h.entries[p] = v
    h.pos[v.u] = p


cdef inline void heap_remove(Heap* h, intp_t p) noexcept nogil:
    """Remove the entry at position ``p``."""
    cdef intp_t last = h.entries[h.size - 1].u
    h.size -= 1
    if p == h.size:
        return
    h.entries[p] = h.entries[h.size]
    h.pos[last] = p
    sift_down(h, p)
    if h.entries[p].u == last:
        sift_up(h, p)


cdef bint walk_large(const Walk* g, const intp_t* members, intp_t size, coord_t kind) noexcept nogil:
    """Run the rule on a component of more than SMALL members: its edges in rows of its
    own (a counting sort, each edge weighed once), a heap of its alive members. False
    when memory runs out."""
    cdef intp_t u, v, i, j, p
    cdef int64_t e, t
    cdef double wt
    cdef Heap h
    cdef int64_t* rows = <int64_t*> calloc(size + 2, sizeof(int64_t))
    cdef intp_t* ids = <intp_t*> malloc(size * sizeof(intp_t))
    cdef Link* links = NULL
    h.entries = <Entry*> malloc(size * sizeof(Entry))
    h.pos = <intp_t*> malloc(size * sizeof(intp_t))
    h.ids = ids
    h.size = size
    if rows == NULL or ids == NULL or h.entries == NULL or h.pos == NULL:
        free(rows)
        free(ids)
        free(h.entries)
        free(h.pos)
        return False
    for u in range(size):
        g.pos[members[u]] = u
    for u in range(size):  # rows[v + 2] counts row v, then rows[v + 1] is its cursor, then its end
        i = members[u]
        for e in range(g.up[i], g.up[i + 1]):
            j = g.later[e]
            if is_edge(g, e, j):
                rows[u + 2] += 1
                rows[g.pos[j] + 2] += 1
    for u in range(size):
        rows[u + 2] += rows[u + 1]
    links = <Link*> malloc((rows[size + 1] + 1) * sizeof(Link))
    if links != NULL:
        for u in range(size):
            i = members[u]
            for e in range(g.up[i], g.up[i + 1]):
                j = g.later[e]
                if is_edge(g, e, j):
                    v = g.pos[j]
                    wt = edge_weight(g, i, j, e, kind)
                    t = rows[u + 1]
                    links[t].other = v
                    links[t].weight = wt
                    rows[u + 1] = t + 1
                    t = rows[v + 1]
                    links[t].other = u
                    links[t].weight = wt
                    rows[v + 1] = t + 1
        for u in range(size):
            ids[u] = g.ids[members[u]]
            h.entries[u].score = g.score[members[u]]
            h.entries[u].u = u
            h.pos[u] = u
        for p in range(size // 2 - 1, -1, -1):
            sift_down(&h, p)
        while h.size > 0:
            u = h.entries[0].u
            i = members[u]
            g.score[i] = h.entries[0].score
            g.fate[i] = KEPT
            heap_remove(&h, 0)
            for t in range(rows[u], rows[u + 1]):
                v = links[t].other
                if g.fate[members[v]] != ALIVE:
                    continue
                p = h.pos[v]
                if g.decay.method != HARD:
                    h.entries[p].score *= links[t].weight
                if g.decay.method == HARD or h.entries[p].score < g.score_threshold:
                    g.fate[members[v]] = DROPPED
                    heap_remove(&h, p)
                else:
                    sift_down(&h, p)
    free(rows)
    free(ids)
    free(links)
    free(h.entries)
    free(h.pos)
    return links != NULL


# --- the output order ----------------------------------------------------------------------


cdef void sort_kept(const uint8_t* fate, const double* score, const intp_t* ids, intp_t n, intp_t* keep,
                    double* kept_score, intp_t* count, uint64_t* full, uint64_t* high, intp_t* order, intp_t* tie,
                    uint64_t* key_scratch, intp_t* value_scratch) noexcept nogil:
    """Fill ``keep`` (ids) and ``kept_score`` with the kept boxes by (score desc, id asc)
    and ``count`` with their number; the other pointers are scratch of n + 1 values.

    The kept boxes are listed in box order (one pass), then radix-sorted by the high 32
    bits of their keys (which pack with the positions into one word, a few passes);
    runs of equal high bits are then put in (key, id) order by insertion."""
    cdef intp_t i, t, a, b, u, v, c = 0
    for i in range(n):
        if fate[i] == KEPT:
            full[c] = ~float_key(score[i])
            high[c] = full[c] >> 32
            tie[c] = ids[i]
            order[c] = c
            c += 1
    radix_sort(high, order, c, key_scratch, value_scratch)
    a = 0
    while a < c:
        b = a + 1
        while b < c and high[b] == high[a]:
            b += 1
        for t in range(a + 1, b):  # insertion by (key, id)
            v = order[t]
            u = t
            while u > a and (full[order[u - 1]] > full[v]
                             or (full[order[u - 1]] == full[v] and tie[order[u - 1]] > tie[v])):
                order[u] = order[u - 1]
                u -= 1
            order[u] = v
        a = b
    for t in range(c):
        keep[t] = tie[order[t]]
        kept_score[t] = float_unkey(~full[order[t]])  # the score back (0.0 for -0.0)
    count[0] = c


# --- the walk ------------------------------------------------------------------------------


cdef struct Scratch:
    # the half graph, then the walk's arrays: ``scratch_free`` releases them all
    int64_t* up  # (n + 1,)
    int32_t* later
    uint8_t* fate  # (n,)
    intp_t* parent  # (n,) union-find, then scratch of the output sort
    intp_t* members  # (n,) the members of each component, together
    intp_t* starts  # (n + 1,) where each component's members start
    intp_t* pos  # (n,)
    uint64_t* keys  # (2n + 2,) scratch of the output sort


cdef void scratch_free(Scratch* m) noexcept nogil:
    free(m.up)
    free(m.later)
    free(m.fate)
    free(m.parent)
    free(m.members)
    free(m.starts)
    free(m.pos)
    free(m.keys)
    memset(m, 0, sizeof(Scratch))


cdef inline intp_t find(intp_t* parent, intp_t i) noexcept nogil:
    """The root of box i (path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


cdef intp_t soft_walk(intp_t n, double* score, const intp_t* ids, const double* weights, const Slots* slots,
                      const Decay* d, double score_threshold, int n_threads, Scratch* m, coord_t kind) noexcept nogil:
    """The rule over ``n`` boxes of current scores ``score`` (overwritten: the kept
    scores) and ids ``ids`` (distinct), along the half graph ``m.up``, ``m.later``
    (weights ``weights``, or weighed from the boxes ``slots``), into ``m.fate``; return
    the number of kept boxes, or -1 when memory runs out."""
    cdef intp_t i, j, a, b, r, c, size, n_components = 0, filled = 0, count = 0
    cdef int64_t e
    cdef uint8_t* fate
    cdef intp_t* parent
    cdef intp_t* first  # per root: its component's first place in ``members``, then the next free one
    cdef intp_t failures = 0
    cdef Walk g
    m.fate = fate = <uint8_t*> malloc((n + 1) * sizeof(uint8_t))
    m.parent = parent = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    m.members = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    m.starts = <intp_t*> malloc((n + 2) * sizeof(intp_t))
    m.pos = first = <intp_t*> calloc(n + 1, sizeof(intp_t))
    if fate == NULL or parent == NULL or m.members == NULL or m.starts == NULL or m.pos == NULL:
        return -1
    g.score = score
    g.fate = fate
    g.pos = m.pos
    g.ids = ids
    g.up = m.up
    g.later = m.later
    g.weights = weights
    g.slots = slots
    g.decay = d[0]
    g.score_threshold = score_threshold
    # the components: union-find (the lower root wins), then each root's members
    # together, in box order; an isolated box is kept as it is
    for i in range(n):
        fate[i] = ALIVE if score[i] >= score_threshold else DROPPED
        parent[i] = i
    for i in range(n):
        if fate[i] == ALIVE:
            for e in range(g.up[i], g.up[i + 1]):
                j = g.later[e]
                if is_edge(&g, e, j):
                    a = find(parent, i)
                    b = find(parent, j)
                    if a < b:
                        parent[b] = a
                    elif b < a:
                        parent[a] = b
    for i in range(n):
        if fate[i] == ALIVE:
            parent[i] = find(parent, i)
            first[parent[i]] += 1  # the size of each root's component, for now
    for r in range(n):
        if fate[r] == ALIVE and parent[r] == r:
            size = first[r]
            if size == 1:
                fate[r] = KEPT
            else:
                m.starts[n_components] = first[r] = filled
                n_components += 1
                filled += size
    m.starts[n_components] = filled
    for i in range(n):
        if fate[i] == ALIVE:
            r = parent[i]
            m.members[first[r]] = i
            first[r] += 1
    if n_components < PARALLEL_COMPONENTS:
        n_threads = 1
    for c in prange(n_components, schedule="dynamic", chunksize=64, num_threads=n_threads):
        size = m.starts[c + 1] - m.starts[c]
        if size <= SMALL:
            walk_small(&g, &m.members[m.starts[c]], size, kind)
        elif not walk_large(&g, &m.members[m.starts[c]], size, kind):
            failures += 1
    if failures:
        return -1
    for i in range(n):
        count += fate[i] == KEPT
    return count


cdef object walk_result(intp_t n, double* score, const intp_t* ids, const double* weights, Slots* slots,
                        const Decay* d, double score_threshold, int n_threads, Scratch* m, coord_t kind):
    """``(keep, kept_scores)`` of ``soft_walk`` on the half graph in ``m`` (freed, as
    ``slots`` when not NULL), sorted into the output arrays in memory the walk is done
    with; MemoryError when memory ran out, now or while building the graph (``m.up``
    NULL)."""
    cdef intp_t count = -1
    cdef cnp.npy_intp length
    cdef cnp.ndarray keep, kept
    try:
        if m.up != NULL:
            with nogil:
                count = soft_walk(n, score, ids, weights, slots, d, score_threshold, n_threads, m, kind)
                free(m.up)  # the graph and the boxes are done with: their memory for the sort's keys
                free(m.later)
                m.up = NULL
                m.later = NULL
                if slots != NULL:
                    slots_free(slots)
                if count >= 0:
                    m.keys = <uint64_t*> malloc((2 * n + 2) * sizeof(uint64_t))
                    if m.keys == NULL:
                        count = -1
        if count < 0:
            raise MemoryError()
        length = count
        keep = cnp.PyArray_EMPTY(1, &length, cnp.NPY_INTP, 0)
        kept = cnp.PyArray_EMPTY(1, &length, cnp.NPY_FLOAT64, 0)
        with nogil:
            sort_kept(m.fate, score, ids, n, <intp_t*> cnp.PyArray_DATA(keep), <double*> cnp.PyArray_DATA(kept),
                      &count, m.keys, <uint64_t*> m.parent, m.members, m.pos, m.keys + (n + 1), m.starts)
        return keep, kept
    finally:
        scratch_free(m)


cdef inline Decay decay_of(int method, double sigma, double iou_threshold) except *:
    cdef Decay d
    if method not in (LINEAR, GAUSSIAN, HARD):
        raise ValueError(f"method: expected a value of METHOD_CODES, got {method}")
    d.method = method
    d.sigma = sigma
    d.iou_threshold = iou_threshold
    return d


# --- the graph of boxes: a query per slot of the hierarchical grid ------------------------


cdef inline bint run_edges(const Slots* slots, intp_t s, const coord_t* b, double area_b, intp_t t, intp_t stop,
                          const Decay* d, Buffer* found) noexcept nogil:
    """Append to ``found`` (of int32) the slots of t..stop - 1 after s that overlap ``b``
    (slot s, of area ``area_b``): all of them (gaussian), or those whose IoU with it
    exceeds ``iou_threshold`` (linear, hard). False when memory runs out."""
    cdef intp_t count, r
    cdef unsigned int mask, bits
    cdef const coord_t* a
    cdef double inter = 0.0
    cdef int32_t* out
    if t <= s:
        t = s + 1
    while t < stop:
        count = min(stop - t, <intp_t> SLOT_BLOCK)
        mask = overlap_mask(slots, NULL, 0, t, count, b)
        if mask:
            if d.method != GAUSSIAN:  # the IoU tests first (independent, so the divisions overlap)
                bits = mask
                mask = 0
                while bits:
                    r = ctz32(bits)
                    bits &= bits - 1
                    a = slot_box(slots, t + r, b[0])
                    intersect(a, b, &inter)  # true: both have positive area, so the mask means overlap
                    mask |= (<unsigned int> (iou(inter, area(a), area_b) > d.iou_threshold)) << r
            if not buffer_reserve(found, SLOT_BLOCK):
                return False
            out = <int32_t*> found.data
            while mask:
                out[found.size] = <int32_t> (t + ctz32(mask))
                found.size += 1
                mask &= mask - 1
        t += count
    return True


cdef void search_range(const Grid* grid, const Slots* slots, const intp_t* group_end, intp_t lo, intp_t hi,
                       const Decay* d, int64_t* rows, Buffer* found, coord_t kind) noexcept nogil:
    """Rows ``lo``..``hi - 1`` of the half graph of the slots (``run_edges`` over the
    runs of the slot's grid query, in its group: each edge in the row of its first end),
    their lengths in ``rows[s + 1]``. A failed allocation sets ``found.failed``."""
    cdef Scan it
    cdef intp_t s, g = 0
    cdef int64_t size
    cdef const coord_t* b
    cdef double area_b
    if lo >= hi:
        return
    while group_end[g] <= lo:
        g += 1
    for s in range(lo, hi):
        while group_end[g] <= s:
            g += 1
        b = slot_box(slots, s, kind)
        area_b = area(b)
        size = found.size
        scan_begin(&it, grid, b, g)
        while scan_next(&it, grid):
            if it.stop > s + 1 and not run_edges(slots, s, b, area_b, it.s, it.stop, d, found):
                return
        rows[s + 1] = found.size - size


cdef int box_graph(const coord_t[:, ::view.contiguous] boxes, const int64_t* labels, const Decay* d, int n_threads,
                   intp_t* ids, Slots* slots, Scratch* m) noexcept nogil:
    """File the boxes in ``slots``, number them (``ids``: the box at each place; the
    slots first, then the zero-area boxes) and build their half graph into ``m.up`` and
    ``m.later``. Return 0, or -1 when memory runs out (``m.up`` left NULL; ``slots``
    for the caller to free)."""
    cdef intp_t n = boxes.shape[0], n_groups = 1, i, c, n_slots = 0, place, n_chunks = 1, size
    cdef int64_t total = 0
    cdef int status = -1
    cdef Grid grid
    cdef intp_t* group = NULL
    cdef intp_t* key_of = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    cdef intp_t* group_end = NULL
    cdef int64_t* rows = <int64_t*> calloc(n + 2, sizeof(int64_t))
    cdef Buffer* found = NULL
    memset(&grid, 0, sizeof(Grid))
    if labels != NULL:
        group = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if (key_of != NULL and rows != NULL
            and (labels == NULL or (group != NULL and label_groups(labels, n, group, &n_groups) == 0))
            and grid_plan(&grid, boxes, group, n_groups, key_of) == 0
            and slots_fill(slots, &grid, boxes, key_of, NULL) == 0):
        n_slots = slots.n
        if n_threads > 1:
            n_chunks = CHUNKS_PER_THREAD * n_threads
        group_end = <intp_t*> malloc((n_groups + 1) * sizeof(intp_t))
        found = <Buffer*> calloc(n_chunks, sizeof(Buffer))
        if group_end != NULL and found != NULL:
            status = 0
    if status == 0:
        for i in range(n_slots):
            ids[i] = slot_index(slots, i)
        place = n_slots
        for i in range(n):
            if key_of[i] < 0:  # zero area: overlaps nothing
                ids[place] = i
                place += 1
        for c in range(n_groups):
            group_end[c] = grid.start[grid.first_cell[grid.base[c + 1]] if c + 1 < n_groups else grid.n_cells]
        size = (n_slots + n_chunks - 1) // n_chunks
        for c in range(n_chunks):
            buffer_init(&found[c], sizeof(int32_t), EDGES_PER_BOX * size + SLOT_BLOCK)
        if n_chunks > 1:
            for c in prange(n_chunks, schedule="dynamic", num_threads=n_threads):
                search_range(&grid, slots, group_end, c * size, min(n_slots, (c + 1) * size), d, rows, &found[c],
                             boxes[0, 0])
        elif n_slots:
            search_range(&grid, slots, group_end, 0, n_slots, d, rows, &found[0], boxes[0, 0])
        total = buffers_total(found, n_chunks)
        if total < 0:
            status = -1
        elif n_chunks == 1:
            m.later = <int32_t*> found[0].data  # the only chunk's rows are the graph's
            found[0].data = NULL
        else:
            m.later = <int32_t*> malloc((total + 1) * sizeof(int32_t))
            if m.later == NULL:
                status = -1
            else:
                total = 0
                for c in range(n_chunks):
                    if found[c].size:
                        memcpy(&m.later[total], found[c].data, found[c].size * sizeof(int32_t))
                    total += found[c].size
    if status == 0:
        for i in range(n):
            rows[i + 1] += rows[i]
        m.up = rows
    else:
        free(rows)
    if found != NULL:
        for c in range(n_chunks):
            buffer_free(&found[c])
    free(found)
    free(group_end)
    grid_free(&grid)
    free(group)
    free(key_of)
    return status


cdef int pair_graph(intp_t n, const intp_t* first, const intp_t* second, double* w, intp_t k, const Decay* d,
                    int n_threads, Scratch* m) noexcept nogil:
    """The half graph of the pairs (first[t], second[t]), first ascending, of IoU ``w[t]``
    (overwritten by their weights) into ``m.up`` and ``m.later``: pair t in the row of
    its first box. Return 0, or -1 when memory runs out (``m.up`` left NULL)."""
    cdef intp_t t, i
    cdef int64_t* up = <int64_t*> calloc(n + 1, sizeof(int64_t))
    m.later = <int32_t*> malloc((k + 1) * sizeof(int32_t))
    if up == NULL or m.later == NULL:
        free(up)
        return -1
    for t in prange(k, schedule="static", num_threads=n_threads):
        w[t] = weight(w[t], d)
    for t in range(k):
        up[first[t] + 1] += 1
        m.later[t] = <int32_t> second[t]
    for i in range(n):
        up[i + 1] += up[i]
    m.up = up
    return 0


# --- entry points --------------------------------------------------------------------------


def soft_nms_boxes(cnp.ndarray boxes not None, const double[::1] scores, const int64_t[::1] labels,
                   const intp_t[::1] ids, *, int method, double sigma, double iou_threshold, double score_threshold,
                   int n_threads):
    """Return ``(keep intp, kept_scores float64)`` of the soft-NMS rule (module docstring)
    over ``boxes`` (n, 4) xyxy with contiguous rows (a kernel dtype, validated), of
    ``scores`` (n,) finite; ``labels`` (n,) or None: boxes of different labels never
    decay each other; ``ids`` (n,) distinct, or None (``range(n)``): box i is ``ids[i]``
    in ties and in ``keep``. ``method`` a value of ``METHOD_CODES``, ``sigma > 0``; all
    validated by the caller."""
    cdef int kind = box_kind(boxes, True)
    cdef Decay d = decay_of(method, sigma, iou_threshold)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0)
    if n > PLACES:
        raise ValueError(f"boxes: expected at most {PLACES} boxes, got {n}")
    if scores.shape[0] != n:
        raise ValueError(f"scores: expected length {n}, got {scores.shape[0]}")
    if labels is not None and labels.shape[0] != n:
        raise ValueError(f"labels: expected length {n}, got {labels.shape[0]}")
    if ids is not None and ids.shape[0] != n:
        raise ValueError(f"ids: expected length {n}, got {ids.shape[0]}")
    if n == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)
    if kind == KIND_INT32:
        return boxes_run[int32_t](boxes, scores, labels, ids, &d, score_threshold, n_threads)
    if kind == KIND_INT64:
        return boxes_run[int64_t](boxes, scores, labels, ids, &d, score_threshold, n_threads)
    if kind == KIND_FLOAT32:
        return boxes_run[float32_t](boxes, scores, labels, ids, &d, score_threshold, n_threads)
    return boxes_run[float64_t](boxes, scores, labels, ids, &d, score_threshold, n_threads)


cdef object boxes_run(const coord_t[:, ::view.contiguous] boxes, const double[::1] scores, const int64_t[::1] labels,
                      const intp_t[::1] box_ids, const Decay* d, double score_threshold, int n_threads):
    """``soft_nms_boxes`` for one coordinate type (n > 0)."""
    cdef intp_t n = boxes.shape[0], i
    cdef const int64_t* label_ptr = &labels[0] if labels is not None else NULL
    cdef intp_t* ids = <intp_t*> malloc((n + 1) * sizeof(intp_t))  # the row of each place, then its id
    cdef double* score = <double*> malloc((n + 1) * sizeof(double))
    cdef Slots slots
    cdef Scratch m
    memset(&slots, 0, sizeof(Slots))
    memset(&m, 0, sizeof(Scratch))
    if ids != NULL and score != NULL:
        with nogil:
            if box_graph(boxes, label_ptr, d, n_threads, ids, &slots, &m) == 0:
                for i in range(n):
                    score[i] = scores[ids[i]]
                if box_ids is not None:
                    for i in range(n):
                        ids[i] = box_ids[ids[i]]
    try:
        return walk_result(n, score, ids, NULL, &slots, d, score_threshold, n_threads, &m, boxes[0, 0])
    finally:
        slots_free(&slots)
        free(ids)
        free(score)


def soft_nms_pairs(const double[::1] scores, const intp_t[:, ::1] pairs, double[::1] iou, const intp_t[::1] ids, *,
                   int method, double sigma, double iou_threshold, double score_threshold, int n_threads):
    """Return ``(keep intp, kept_scores float64)`` of the soft-NMS rule (module docstring).

    ``scores`` (n,) finite; ``pairs`` (2, k) with indices in [0, n), row 0 ascending
    (as the pair engine lists them), each unordered pair at most once (pairs of IoU 0
    may be listed or not); ``iou`` (k,) their IoU,
    **overwritten** (by the weights); ``ids`` (n,) distinct: box i is ``ids[i]`` in
    ties and in ``keep``; ``method`` a value of ``METHOD_CODES``, ``sigma > 0``; all
    validated by the caller.
    """
    cdef intp_t n = scores.shape[0], k = pairs.shape[1], t
    cdef Decay d = decay_of(method, sigma, iou_threshold)
    cdef Scratch m
    cdef double kind = 0
    if iou.shape[0] != k:
        raise ValueError(f"iou: expected length {k}, got {iou.shape[0]}")
    if ids.shape[0] != n:
        raise ValueError(f"ids: expected length {n}, got {ids.shape[0]}")
    for t in range(1, k):
        if pairs[0, t] < pairs[0, t - 1]:
            raise ValueError("pairs: expected row 0 in ascending order")
    if n > PLACES:
        raise ValueError(f"scores: expected at most {PLACES} boxes, got {n}")
    current = np.array(scores, dtype=np.float64)
    cdef double[::1] score_view = current
    memset(&m, 0, sizeof(Scratch))
    with nogil:
        pair_graph(n, &pairs[0, 0] if k else NULL, &pairs[1, 0] if k else NULL, &iou[0] if k else NULL, k, &d,
                   n_threads, &m)
    return walk_result(n, &score_view[0] if n else NULL, &ids[0] if n else NULL, &iou[0] if k else NULL, NULL, &d,
                       score_threshold, n_threads, &m, kind)


def same_label_pairs(const intp_t[:, ::1] pairs, const int64_t[::1] labels):
    """Return the pairs (2, k) whose two boxes have the same label, in their order (a new
    C-contiguous intp array; indices are trusted)."""
    cdef intp_t k = pairs.shape[1], t, count = 0, a, b
    out = np.empty((2, k), dtype=np.intp)
    cdef intp_t[:, ::1] view = out
    with nogil:
        for t in range(k):
            a = pairs[0, t]
            b = pairs[1, t]
            if labels[a] == labels[b]:
                view[0, count] = a
                view[1, count] = b
                count += 1
    if count == k:
        return out
    return np.ascontiguousarray(out[:, :count])


cdef intp_t sort_by_place(const coord_t* boxes, intp_t n, const int64_t* ranks, intp_t* order) noexcept nogil:
    """Fill ``order`` with the boxes (n, 4) sorted by (rank, row-major cell of the centre
    in a grid of cells one mean box side wide, index); return n, or -1 when memory runs
    out. Ranks are non-negative (or ``ranks`` is NULL); with a rank of 2**22 or more the
    boxes are sorted by rank only."""
    cdef uint64_t* keys = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef double total = 0.0, low_x = INFINITY, low_y = INFINITY, side, x, y
    cdef intp_t i, status
    cdef int64_t top = 0
    cdef bint by_place
    if keys == NULL:
        return -1
    for i in range(n):
        total += span(boxes[4 * i], boxes[4 * i + 2]) + span(boxes[4 * i + 1], boxes[4 * i + 3])
        x = <double> boxes[4 * i] + <double> boxes[4 * i + 2]  # twice the centre
        y = <double> boxes[4 * i + 1] + <double> boxes[4 * i + 3]
        low_x = x if x < low_x else low_x
        low_y = y if y < low_y else low_y
        if ranks != NULL and ranks[i] > top:
            top = ranks[i]
    side = total / n  # mean w + h: about one side in units of twice the centre
    by_place = side > 0 and side < INFINITY and top < (<int64_t> 1) << 22
    for i in range(n):
        keys[i] = <uint64_t> ranks[i] if ranks != NULL else 0
        if by_place:
            x = ((<double> boxes[4 * i] + <double> boxes[4 * i + 2]) - low_x) / side
            y = ((<double> boxes[4 * i + 1] + <double> boxes[4 * i + 3]) - low_y) / side
            x = x if x < CELL_LIMIT else CELL_LIMIT
            y = y if y < CELL_LIMIT else CELL_LIMIT
            keys[i] = (keys[i] << 42) | ((<uint64_t> (y if y >= 0 else 0)) << 21) | <uint64_t> (x if x >= 0 else 0)
        order[i] = i
    status = sort_by_key(keys, order, n)
    free(keys)
    return status


def locality_order(cnp.ndarray boxes not None, const int64_t[::1] ranks):
    """Return the intp order of the boxes (C-contiguous (n, 4) xyxy, a kernel dtype) by
    (``ranks``, the grid cell of their centre, index): a stable radix sort that puts the
    boxes of one rank together and nearby boxes near each other. ``ranks`` (n,) are
    non-negative, or None (all 0)."""
    cdef int kind = box_kind(boxes)
    cdef intp_t n = cnp.PyArray_DIM(boxes, 0), status = 0
    cdef const int64_t* rank = NULL
    cdef void* data = cnp.PyArray_DATA(boxes)
    if ranks is not None:
        if ranks.shape[0] != n:
            raise ValueError(f"ranks: expected length {n}, got {ranks.shape[0]}")
        rank = &ranks[0] if n else NULL
    order = np.empty(n, dtype=np.intp)
    cdef intp_t[::1] view = order
    if n == 0:
        return order
    with nogil:
        if kind == KIND_INT32:
            status = sort_by_place(<const int32_t*> data, n, rank, &view[0])
        elif kind == KIND_INT64:
            status = sort_by_place(<const int64_t*> data, n, rank, &view[0])
        elif kind == KIND_FLOAT32:
            status = sort_by_place(<const float32_t*> data, n, rank, &view[0])
        else:
            status = sort_by_place(<const float64_t*> data, n, rank, &view[0])
    if status < 0:
        raise MemoryError()
    return order
