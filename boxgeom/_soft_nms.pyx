"""Soft-NMS over listed pairs (``soft_nms``); and the helpers of its callers: pairs
restricted to one label (``same_label_pairs``), and an order of the boxes by label and
place (``locality_order``).

The rule (``boxgeom.soft_nms``): the boxes with a score of at least
``score_threshold`` are alive; repeatedly the alive box of highest current score (ties:
lower id) is kept with that score, and every other alive box j it overlaps has its
score multiplied by ``w(IoU)`` (linear, gaussian or hard); a box whose score falls below
``score_threshold`` is dropped. A pair of IoU 0 has ``w = 1`` under every method, so
only the listed pairs (the overlapping ones) can change a score, and only those of
``w < 1``: they are the edges of the graph the walk runs on.

A box's fate depends only on the boxes of its connected component of that graph, and
each component sees the global rule's steps restricted to it, so the walk runs per
component:

1. the weight of every pair (threads over the pairs);
2. a symmetric CSR graph of the pairs of ``w < 1`` between alive boxes (counting sort);
3. the components, by a breadth-first search from each alive box not yet listed, in
   order: an isolated box is kept as it is; the members of each larger component are
   listed together;
4. each component on its own (threads over the components, which share no box): up to
   ``SMALL`` members on local copies, the next box found by a scan; larger ones in a
   binary heap keyed by (current score desc, id asc) with positions, so that a decayed
   box sifts down and a dropped box leaves;
5. the kept boxes sorted by (kept score desc, id asc): a stable radix sort of the
   boxes listed in id order.

That order is the order in which the global rule keeps them: kept scores never
increase along it, and a tie goes to the lower id. The ids (``ids``) let a caller
renumber the boxes (for memory locality) without changing the result. Time
O((n + k) log m) for k pairs and components of at most m boxes; the result does not
depend on the thread count.
"""

from cython.parallel cimport prange
from libc.math cimport INFINITY, exp
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from boxgeom._box cimport span
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
    SMALL = 32  # components up to this size: local copies and a scan instead of a heap
    PARALLEL_COMPONENTS = 1024  # fewer components than this: one thread
    CELL_LIMIT = (1 << 21) - 1  # the last column (and row) of the locality order's grid

# The compiled code of each ``method`` name.
METHOD_CODES = {"linear": LINEAR, "gaussian": GAUSSIAN, "hard": HARD}


cdef inline double weight(double iou, int method, double sigma, double iou_threshold) noexcept nogil:
    """The factor a kept box applies to the score of a box it overlaps with ``iou``
    (HARD: 0, read as "removed")."""
    if method == GAUSSIAN:
        return exp(-(iou * iou) / sigma)
    if iou > iou_threshold:
        return 0.0 if method == HARD else 1.0 - iou
    return 1.0


cdef inline bint before(double score_a, intp_t id_a, double score_b, intp_t id_b) noexcept nogil:
    """Whether a box is taken before another: higher score, ties by lower id."""
    return score_a > score_b or (score_a == score_b and id_a < id_b)


cdef struct Edge:
    intp_t other  # the box at the other end
    double weight


cdef struct Walk:
    # What every component's walk reads and writes (the boxes of one component only).
    # The graph: pair t = (first[t], second[t]) of weight w[t] is an edge when w[t] < 1.
    # The pairs are sorted by first, so they are also the rows "up" (row i: the pairs t in
    # [up[i], up[i + 1]), the other end second[t]); the edges are copied by second too,
    # as the rows "down" (row j: down_edges[e] for e in [down[j], down[j + 1]), the other
    # end first[t]).
    double* score  # (n,) current score; the kept score once kept
    uint8_t* fate  # (n,) ALIVE, KEPT or DROPPED
    intp_t* pos  # (n,) local index (small components) or heap position (large ones)
    const intp_t* ids  # (n,) tie-breaking ids
    const intp_t* first
    const intp_t* second
    const double* w
    const int64_t* up  # (n + 1,)
    const int64_t* down  # (n + 1,)
    const Edge* down_edges
    bint hard
    double score_threshold


# --- small components: local copies, a scan for the next box --------------------------------


cdef inline void small_decay(const Walk* g, double* score, intp_t j, double w, intp_t* left) noexcept nogil:
    """Box j (of local score ``score[g.pos[j]]``) meets a kept box by an edge of weight ``w``."""
    cdef intp_t v
    if g.fate[j] != ALIVE:  # kept, dropped, or dropped at the start (never a member)
        return
    v = g.pos[j]
    if not g.hard:
        score[v] *= w
    if g.hard or score[v] < g.score_threshold:
        g.fate[j] = DROPPED
        left[0] -= 1


cdef void walk_small(const Walk* g, const intp_t* members, intp_t size) noexcept nogil:
    """Run the rule on a component of at most SMALL members."""
    cdef double score[SMALL]
    cdef intp_t ids[SMALL]
    cdef intp_t u, best, i, t, left = size
    cdef int64_t e
    for u in range(size):
        i = members[u]
        g.pos[i] = u
        score[u] = g.score[i]
        ids[u] = g.ids[i]
    while left > 0:
        best = -1
        for u in range(size):
            if g.fate[members[u]] == ALIVE and (best < 0 or before(score[u], ids[u], score[best], ids[best])):
                best = u
        left -= 1
        i = members[best]
        g.fate[i] = KEPT
        g.score[i] = score[best]
        for t in range(g.up[i], g.up[i + 1]):
            if g.w[t] < 1.0:
                small_decay(g, score, g.second[t], g.w[t], &left)
        for e in range(g.down[i], g.down[i + 1]):
            small_decay(g, score, g.down_edges[e].other, g.down_edges[e].weight, &left)


# --- large components: a heap of (current score, box) by (score desc, id asc) ---------------


cdef struct Entry:
    double score  # the box's current score (the heap's copy: read without a detour)
    intp_t box


cdef inline bint entry_before(const Walk* g, const Entry* a, const Entry* b) noexcept nogil:
    return a.score > b.score or (a.score == b.score and g.ids[a.box] < g.ids[b.box])


cdef inline void sift_up(const Walk* g, Entry* heap, intp_t p) noexcept nogil:
    cdef Entry v = heap[p]
    cdef intp_t parent
    while p > 0:
        parent = (p - 1) >> 1
        if not entry_before(g, &v, &heap[parent]):
            break
        heap[p] = heap[parent]
        g.pos[heap[p].box] = p
        p = parent
    heap[p] = v
    g.pos[v.box] = p


cdef inline void sift_down(const Walk* g, Entry* heap, intp_t size, intp_t p) noexcept nogil:
    cdef Entry v = heap[p]
    cdef intp_t child
    while True:
        child = 2 * p + 1
        if child >= size:
            break
        if child + 1 < size and entry_before(g, &heap[child + 1], &heap[child]):
            child += 1
        if not entry_before(g, &heap[child], &v):
            break
        heap[p] = heap[child]
        g.pos[heap[p].box] = p
        p = child
    heap[p] = v
    g.pos[v.box] = p


cdef inline void heap_remove(const Walk* g, Entry* heap, intp_t size, intp_t p) noexcept nogil:
    """Remove the entry at position ``p`` of a heap of ``size`` entries (then size - 1)."""
    cdef intp_t last = heap[size - 1].box
    if p == size - 1:
        return
    heap[p] = heap[size - 1]
    g.pos[last] = p
    sift_down(g, heap, size - 1, p)
    if heap[p].box == last:
        sift_up(g, heap, p)


cdef inline void heap_decay(const Walk* g, Entry* heap, intp_t* size, intp_t j, double w) noexcept nogil:
    """Box j meets a kept box by an edge of weight ``w``."""
    cdef intp_t p
    if g.fate[j] != ALIVE:
        return
    p = g.pos[j]
    if not g.hard:
        heap[p].score *= w
    if g.hard or heap[p].score < g.score_threshold:
        g.fate[j] = DROPPED
        heap_remove(g, heap, size[0], p)
        size[0] -= 1
    else:
        sift_down(g, heap, size[0], p)


cdef void walk_heap(const Walk* g, const intp_t* members, intp_t size, Entry* heap) noexcept nogil:
    """Run the rule on a component of members ``members[:size]``, in ``heap`` (room for size)."""
    cdef intp_t p, i, t
    cdef int64_t e
    for p in range(size):
        heap[p].box = members[p]
        heap[p].score = g.score[members[p]]
        g.pos[members[p]] = p
    for p in range(size // 2 - 1, -1, -1):
        sift_down(g, heap, size, p)
    while size > 0:
        i = heap[0].box
        g.score[i] = heap[0].score
        g.fate[i] = KEPT
        heap_remove(g, heap, size, 0)
        size -= 1
        for t in range(g.up[i], g.up[i + 1]):
            if g.w[t] < 1.0:
                heap_decay(g, heap, &size, g.second[t], g.w[t])
        for e in range(g.down[i], g.down[i + 1]):
            heap_decay(g, heap, &size, g.down_edges[e].other, g.down_edges[e].weight)


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
    uint8_t* fate
    uint8_t* seen  # (n,) listed in a component
    int64_t* up  # (n + 1,)
    int64_t* down  # (n + 2,)
    Edge* down_edges
    intp_t* members  # (n,) the members of each component, together
    intp_t* starts  # (n + 1,) where each component's members start
    intp_t* pos
    Entry* heap  # (n,) the heaps of the large components, each at its members' place


cdef void scratch_free(Scratch* m) noexcept nogil:
    free(m.fate)
    free(m.seen)
    free(m.up)
    free(m.down)
    free(m.down_edges)
    free(m.members)
    free(m.starts)
    free(m.pos)
    free(m.heap)


cdef inline void list_member(const Walk* g, uint8_t* seen, intp_t* members, intp_t* filled, intp_t j) noexcept nogil:
    if g.fate[j] == ALIVE and not seen[j]:
        seen[j] = 1
        members[filled[0]] = j
        filled[0] += 1


cdef intp_t soft_walk(intp_t n, double* score, const intp_t* ids, const intp_t* first, const intp_t* second,
                      double* w, intp_t k, int method, double sigma, double iou_threshold, double score_threshold,
                      int n_threads, intp_t* keep, double* kept_score, Scratch* m) noexcept nogil:
    """The rule over ``n`` boxes of current scores ``score`` (overwritten) and ids ``ids``
    (a permutation of ``range(n)``), and the pairs (first[t], second[t]), sorted by first,
    of IoU ``w[t]`` (overwritten by their weights); fill ``keep`` (ids) and ``kept_score``
    in output order and return their count, or -1 when memory runs out (``m``: the
    caller frees it)."""
    cdef intp_t t, i, s, head, filled = 0, n_components = 0, count = 0, c, size
    cdef int64_t e
    cdef uint8_t* fate
    cdef int64_t* down
    cdef Walk g
    m.fate = fate = <uint8_t*> malloc((n + 1) * sizeof(uint8_t))
    m.seen = <uint8_t*> calloc(n + 1, sizeof(uint8_t))
    m.up = <int64_t*> calloc(n + 1, sizeof(int64_t))
    m.down = down = <int64_t*> calloc(n + 2, sizeof(int64_t))
    m.members = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    m.starts = <intp_t*> malloc((n + 2) * sizeof(intp_t))
    m.pos = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    m.heap = <Entry*> malloc((n + 1) * sizeof(Entry))
    if (fate == NULL or m.seen == NULL or m.up == NULL or down == NULL or m.members == NULL or m.starts == NULL
            or m.pos == NULL or m.heap == NULL):
        return -1
    for i in range(n):
        fate[i] = ALIVE if score[i] >= score_threshold else DROPPED
    for t in prange(k, schedule="static", num_threads=n_threads):
        w[t] = weight(w[t], method, sigma, iou_threshold)
    # the rows: up from the order of the pairs; down by a counting sort of the edges
    # (down[j + 2] counts row j first, then down[j + 1] is its cursor, then its end)
    for t in range(k):
        m.up[first[t] + 1] += 1
        if w[t] < 1.0 and fate[first[t]] == ALIVE and fate[second[t]] == ALIVE:
            down[second[t] + 2] += 1
        else:
            w[t] = 1.0  # not an edge
    for i in range(n):
        m.up[i + 1] += m.up[i]
        down[i + 2] += down[i + 1]
    m.down_edges = <Edge*> malloc((down[n + 1] + 1) * sizeof(Edge))
    if m.down_edges == NULL:
        return -1
    for t in range(k):
        if w[t] < 1.0:
            e = down[second[t] + 1]
            m.down_edges[e].other = first[t]
            m.down_edges[e].weight = w[t]
            down[second[t] + 1] = e + 1
    g.score = score
    g.fate = fate
    g.pos = m.pos
    g.ids = ids
    g.first = first
    g.second = second
    g.w = w
    g.up = m.up
    g.down = down
    g.down_edges = m.down_edges
    g.hard = method == HARD
    g.score_threshold = score_threshold
    # the components, breadth first: an isolated box is kept as it is, the members of
    # the others listed together
    for s in range(n):
        if fate[s] != ALIVE or m.seen[s]:
            continue
        m.starts[n_components] = head = filled
        list_member(&g, m.seen, m.members, &filled, s)
        while head < filled:
            i = m.members[head]
            head += 1
            for t in range(g.up[i], g.up[i + 1]):
                if w[t] < 1.0:
                    list_member(&g, m.seen, m.members, &filled, second[t])
            for e in range(down[i], down[i + 1]):
                list_member(&g, m.seen, m.members, &filled, m.down_edges[e].other)
        if filled - m.starts[n_components] == 1:
            fate[s] = KEPT
            filled -= 1
        else:
            n_components += 1
    m.starts[n_components] = filled
    if n_components < PARALLEL_COMPONENTS:
        n_threads = 1
    for c in prange(n_components, schedule="dynamic", chunksize=64, num_threads=n_threads):
        size = m.starts[c + 1] - m.starts[c]
        if size <= SMALL:
            walk_small(&g, &m.members[m.starts[c]], size)
        else:
            walk_heap(&g, &m.members[m.starts[c]], size, &m.heap[m.starts[c]])
    # the output order, in scratch the walk is done with
    sort_kept(fate, score, ids, n, keep, kept_score, &count, <uint64_t*> m.heap, <uint64_t*> m.up, m.members,
              m.pos, <uint64_t*> down, m.starts)
    return count


def soft_nms(const double[::1] scores, const intp_t[:, ::1] pairs, double[::1] iou, const intp_t[::1] ids, *,
             int method, double sigma, double iou_threshold, double score_threshold, int n_threads):
    """Return ``(keep intp, kept_scores float64)`` of the soft-NMS rule (module docstring).

    ``scores`` (n,) finite; ``pairs`` (2, k) with indices in [0, n), row 0 ascending
    (as the pair engine lists them), each unordered pair at most once (pairs of IoU 0
    may be listed or not); ``iou`` (k,) their IoU, **overwritten** (by the weights);
    ``ids`` (n,) a permutation of ``range(n)``: box i is ``ids[i]`` in ties and in
    ``keep``; ``method`` a value of ``METHOD_CODES``, ``sigma > 0``; all validated by
    the caller.
    """
    cdef intp_t n = scores.shape[0], k = pairs.shape[1], count, t
    cdef Scratch scratch
    if iou.shape[0] != k:
        raise ValueError(f"iou: expected length {k}, got {iou.shape[0]}")
    if ids.shape[0] != n:
        raise ValueError(f"ids: expected length {n}, got {ids.shape[0]}")
    if method not in (LINEAR, GAUSSIAN, HARD):
        raise ValueError(f"method: expected a value of METHOD_CODES, got {method}")
    for t in range(1, k):
        if pairs[0, t] < pairs[0, t - 1]:
            raise ValueError("pairs: expected row 0 in ascending order")
    current = np.array(scores, dtype=np.float64)
    keep = np.empty(n, dtype=np.intp)
    kept_scores = np.empty(n, dtype=np.float64)
    cdef double[::1] score_view = current
    cdef intp_t[::1] keep_view = keep
    cdef double[::1] kept_view = kept_scores
    memset(&scratch, 0, sizeof(Scratch))
    with nogil:
        count = soft_walk(n, &score_view[0] if n else NULL, &ids[0] if n else NULL, &pairs[0, 0] if k else NULL,
                          &pairs[1, 0] if k else NULL, &iou[0] if k else NULL, k, method, sigma, iou_threshold,
                          score_threshold, n_threads, &keep_view[0] if n else NULL,
                          &kept_view[0] if n else NULL, &scratch)
        scratch_free(&scratch)
    if count < 0:
        raise MemoryError()
    return keep[:count].copy(), kept_scores[:count].copy()


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
