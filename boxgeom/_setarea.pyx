"""Set-level areas of two box sets by a two-colour Bentley sweep, with exact gradients.

One routine, :c:func:`sweep`, serves every entry point. It sweeps a vertical line
over x, keeping a segment tree over the compressed y coordinates. Each node stores
canonical cover counts ``cR``/``cB`` (never pushed down) and the thresholded
lengths ``L[a][b]``: the length of its range where the red count is at least ``a``
and the blue count at least ``b`` (``a, b <= K``; ``K = 1`` for areas, ``K = 2``
for gradients), plus the length covered by either colour. With one colour (a
union area) the node holds just its covered length.

Gradients of the x-edges come from the same sweep. Events with equal x form one
group: the tree before the group describes the strip just left of that x, the tree
after it the strip just right of it, so every edge at that x is queried on both
sides around the group's updates. The y-edges come from the same sweep run on
transposed boxes. Boxes with zero or negative width or height are never inserted
(they are empty); their one-sided derivatives follow the clamp rule.

Both sorts of the sweep (the y edges into ranks, then the events by x) are
``record_sort``: an LSD radix sort of (key, Event) records on 11-bit digits. Not
``_sort.radix_sort``: that one sorts intp values on 8-bit digits, so the events would
need one more pass (4 instead of 3 on integer coordinates, whose low key bytes are
constant) and a gather of their ranks. Measured on steps 1-2 of the sweep
(``datasets.random_boxes``, red + blue; radix_sort's time / record_sort's): 1.23 at
1e3 + 1e3 boxes, 1.22 at 1e4 + 1e4, 0.82 at 1e5 + 1e5, 0.99 at 1e6 + 1e6. The extra
pass costs more than the smaller records save until the sort leaves the caches, and
bench_setarea times 1e4 boxes.

Keys are ``_sort.float_key`` (order-preserving, -0.0 as 0.0) and ``float_unkey``.
All input is float64 xyxy; the caller validated it. Nothing here raises: the
sweep returns -1 when it runs out of memory and the ``def`` turns that into
``MemoryError``.
"""

from cython.parallel cimport prange
from libc.stdlib cimport free, malloc
from libc.string cimport memset

import numpy as np

from boxgeom._bits cimport bit_length
from boxgeom._sort cimport float_key, float_unkey
from boxgeom._types cimport float64_t, int32_t, int64_t, intp_t, uint64_t


# Number of quantities per (box, coordinate, side): the box's own colour area, the
# intersection and the union.
cdef enum:
    NQ = 3

cdef enum:
    # record_sort's digits: 6 passes of 11 bits cover the 64-bit keys.
    RADIX_BITS = 11
    RADIX = 2048
    RADIX_PASSES = 6


cdef enum:
    MODE_ONE = 0     # one colour, areas only: fields L[0], L[1]
    MODE_TWO = 1     # two colours, areas only: L[a][b] for a, b <= 1, and "either"
    MODE_GRAD = 2    # two colours, gradients: L[a][b] for a, b <= 2, and "either"
    MAX_WIDTH = 10
    MAX_DEPTH = 64
    MAX_REUSE_GROUP = 64  # groups of equal x up to this size look for skippable queries


cdef struct Tree:
    # An iterative segment tree (node v has children 2v and 2v+1, leaves n..2n-1,
    # root 1) over the n elementary y-intervals. Node fields: L[a][b] at index
    # a * (kb + 1) + b is the length of the node's leaves where the red count is
    # >= a and the blue count >= b, counting only counts stored at the node and
    # below (L[0][0] is the node's length); the last field (two colours) is the
    # length where either colour is present.
    intp_t n
    int kr               # largest red threshold
    int kb               # largest blue threshold
    int width            # fields per node
    int stride           # doubles per node: the two counts (as two int32), then the fields
    double* nodes        # (2n) x stride
    # shift[(sr * (kb + 1) + sb) * width + f]: the field of a node that gives field f
    # of its parent when the parent stores counts (sr, sb) (capped at kr, kb)
    int shift[(2 + 1) * (2 + 1) * MAX_WIDTH]


cdef enum:
    # Event.tag = box << TAG_SHIFT | flags
    HIGH_EDGE = 1    # the box's high edge (else its low edge, or its only edge at zero width)
    NON_EMPTY = 2    # the box has positive width and height: it enters the tree
    BLUE_BOX = 4
    TAG_SHIFT = 3


cdef struct Event:
    # What the sweep needs of one box edge, so that it reads memory in order.
    int32_t lo       # first elementary y-interval of the box
    int32_t hi       # one past its last
    int64_t tag


cdef int record_sort(uint64_t* keys, Event* values, uint64_t* tmp_keys, Event* tmp_values,
                     Py_ssize_t n, Py_ssize_t* hist) noexcept nogil:
    """Stable LSD radix sort of (keys, values) on 11-bit digits, skipping the digits all
    keys share; returns 1 if the result is in the tmp buffers (see the module docstring
    for why it is not ``_sort.radix_sort``)."""
    cdef Py_ssize_t i, p, total, c
    cdef int in_tmp = 0
    cdef uint64_t* ks
    cdef uint64_t* kd
    cdef Event* vs
    cdef Event* vd
    cdef uint64_t digit
    if n == 0:
        return 0
    memset(hist, 0, RADIX_PASSES * RADIX * sizeof(Py_ssize_t))
    for i in range(n):
        for p in range(RADIX_PASSES):
            hist[p * RADIX + ((keys[i] >> (p * RADIX_BITS)) & (RADIX - 1))] += 1
    for p in range(RADIX_PASSES):
        if hist[p * RADIX + ((keys[0] >> (p * RADIX_BITS)) & (RADIX - 1))] == n:
            continue  # every key shares this digit
        total = 0
        for i in range(RADIX):
            c = hist[p * RADIX + i]
            hist[p * RADIX + i] = total
            total += c
        if in_tmp:
            ks, vs, kd, vd = tmp_keys, tmp_values, keys, values
        else:
            ks, vs, kd, vd = keys, values, tmp_keys, tmp_values
        for i in range(n):
            digit = (ks[i] >> (p * RADIX_BITS)) & (RADIX - 1)
            c = hist[p * RADIX + digit]
            hist[p * RADIX + digit] = c + 1
            kd[c] = ks[i]
            vd[c] = vs[i]
        in_tmp = 1 - in_tmp
    return in_tmp


cdef inline int depth(intp_t v) noexcept nogil:
    """Depth of node v >= 1 of the tree (floor(log2(v))). ``| 1`` changes nothing for
    v >= 1 and tells the compiler that ``bit_length``'s argument is not 0."""
    return bit_length((<uint64_t> v) | 1) - 1


cdef inline int32_t* node_counts(Tree* t, intp_t v) noexcept nogil:
    """Node v's red and blue cover counts (kept beside its fields: one cache line)."""
    return <int32_t*>(t.nodes + v * t.stride)


cdef inline double* node_fields(Tree* t, intp_t v) noexcept nogil:
    return t.nodes + v * t.stride + 1


cdef void tree_init(Tree* t, intp_t n, int mode, const double* ys, double* nodes) noexcept nogil:
    """Lay out the tree over the intervals [ys[i], ys[i + 1]), i < n, with zero counts."""
    cdef int sr, sb, a, b, f, either
    cdef intp_t v
    t.n = n
    t.kr = 1 if mode == MODE_ONE else mode
    t.kb = 0 if mode == MODE_ONE else mode
    t.width = (t.kr + 1) * (t.kb + 1) + (0 if mode == MODE_ONE else 1)
    t.stride = t.width + 1
    t.nodes = nodes
    either = t.width - 1
    for sr in range(t.kr + 1):
        for sb in range(t.kb + 1):
            for a in range(t.kr + 1):
                for b in range(t.kb + 1):
                    t.shift[(sr * (t.kb + 1) + sb) * t.width + a * (t.kb + 1) + b] = (
                        (a - sr if a > sr else 0) * (t.kb + 1) + (b - sb if b > sb else 0))
            if mode != MODE_ONE:
                t.shift[(sr * (t.kb + 1) + sb) * t.width + either] = 0 if sr > 0 or sb > 0 else either
    if n <= 0:
        return
    memset(nodes, 0, <size_t>(2 * n * t.stride) * sizeof(double))  # zero counts, zero lengths
    for v in range(n):
        node_fields(t, n + v)[0] = ys[v + 1] - ys[v]
    for v in range(n - 1, 0, -1):
        node_fields(t, v)[0] = node_fields(t, 2 * v)[0] + node_fields(t, 2 * v + 1)[0]


cdef inline void pull_fields(double* node, const double* left, const double* right, const int* shift,
                             int width) noexcept nogil:
    # inlined with a constant width, so the loop unrolls
    cdef int f
    for f in range(1, width):
        node[f] = left[shift[f]] + right[shift[f]]


cdef inline void tree_pull(Tree* t, intp_t v) noexcept nogil:
    """Recompute node v's thresholded lengths from its counts and its children."""
    cdef int width = t.width, f
    cdef int32_t* counts = node_counts(t, v)
    cdef int cr = counts[0], cb = counts[1]
    cdef double* node = node_fields(t, v)
    cdef double* left
    cdef const int* shift
    if cr > t.kr:
        cr = t.kr
    if cb > t.kb:
        cb = t.kb
    shift = t.shift + (cr * (t.kb + 1) + cb) * width
    if v >= t.n:
        for f in range(1, width):
            node[f] = node[0] if shift[f] == 0 else 0.0
        return
    # a node's length is the sum of its children's, so field 0 needs no branch
    left = node_fields(t, 2 * v)
    if width == 2:
        pull_fields(node, left, left + 3, shift, 2)
    elif width == 5:
        pull_fields(node, left, left + 6, shift, 5)
    else:
        pull_fields(node, left, left + MAX_WIDTH + 1, shift, MAX_WIDTH)


cdef void tree_update(Tree* t, intp_t lo, intp_t hi, int d_red, int d_blue) noexcept nogil:
    """Add (d_red, d_blue) to the cover counts of leaves [lo, hi), then fix the ancestors."""
    cdef intp_t a = lo + t.n, b = hi + t.n
    while a < b:
        if a & 1:
            node_counts(t, a)[0] += d_red
            node_counts(t, a)[1] += d_blue
            tree_pull(t, a)
            a += 1
        if b & 1:
            b -= 1
            node_counts(t, b)[0] += d_red
            node_counts(t, b)[1] += d_blue
            tree_pull(t, b)
        a >>= 1
        b >>= 1
    # Every ancestor of a changed node lies on the path of the first or the last
    # leaf; pull them deepest first (leaves differ in depth by at most one).
    a = lo + t.n
    b = hi - 1 + t.n
    cdef int depth_a = depth(a), depth_b = depth(b)
    while depth_b > depth_a:
        b >>= 1
        depth_b -= 1
        tree_pull(t, b)
    while a > 1:
        a >>= 1
        b >>= 1
        tree_pull(t, a)
        if b != a:
            tree_pull(t, b)


cdef inline void path_counts(Tree* t, intp_t leaf, int* above_red, int* above_blue) noexcept nogil:
    """above_*[j] = the counts stored at the ancestors of ``leaf`` from level j up to the root."""
    cdef intp_t v = leaf
    cdef int depth = 0, j
    while v >= 1 and depth < MAX_DEPTH:
        above_red[depth] = node_counts(t, v)[0]
        above_blue[depth] = node_counts(t, v)[1]
        v >>= 1
        depth += 1
    above_red[depth] = 0
    above_blue[depth] = 0
    for j in range(depth - 1, -1, -1):
        above_red[j] += above_red[j + 1]
        above_blue[j] += above_blue[j + 1]


cdef inline void add_node(Tree* t, intp_t v, int above_red, int above_blue, const int* fields,
                          double* out) noexcept nogil:
    """out[i] += node v's field fields[i] (i < 4), its thresholds lowered by the counts above it."""
    cdef int i, width = t.width
    cdef double* node = node_fields(t, v)
    cdef const int* shift
    if above_red > t.kr:
        above_red = t.kr
    if above_blue > t.kb:
        above_blue = t.kb
    shift = t.shift + (above_red * (t.kb + 1) + above_blue) * width
    for i in range(4):
        out[i] += node[shift[fields[i]]]


cdef void tree_query(Tree* t, intp_t lo, intp_t hi, const int* fields, double* out) noexcept nogil:
    """out[i] += the length of leaves [lo, hi) counted by field fields[i] (i < 4)."""
    cdef int left_red[MAX_DEPTH + 2]
    cdef int left_blue[MAX_DEPTH + 2]
    cdef int right_red[MAX_DEPTH + 2]
    cdef int right_blue[MAX_DEPTH + 2]
    cdef intp_t a = lo + t.n, b = hi + t.n, last = hi - 1 + t.n
    cdef int level = 0, i, j = 0, shift = depth(last) - depth(a)
    # A node taken on the left at level j has (lo + n) >> (j + 1) as its parent; one
    # taken on the right has (hi - 1 + n) >> (j + 1). left_*[j] / right_*[j] sum the
    # counts from those path nodes up to the root. The right path is walked only
    # until it joins the left one (the last leaf is at most one level deeper).
    path_counts(t, a, left_red, left_blue)
    while not (j >= shift and (last >> j) == (a >> (j - shift))):
        right_red[j] = node_counts(t, last >> j)[0]
        right_blue[j] = node_counts(t, last >> j)[1]
        j += 1
    # from the junction up (the junction itself may be a taken node's parent's child)
    for i in range(j, depth(a) + 2 + shift):
        right_red[i] = left_red[i - shift]
        right_blue[i] = left_blue[i - shift]
    while j > 0:
        j -= 1
        right_red[j] += right_red[j + 1]
        right_blue[j] += right_blue[j + 1]
    while a < b:
        if a & 1:
            add_node(t, a, left_red[level + 1], left_blue[level + 1], fields, out)
            a += 1
        if b & 1:
            b -= 1
            add_node(t, b, right_red[level + 1], right_blue[level + 1], fields, out)
        a >>= 1
        b >>= 1
        level += 1


cdef inline void edge_partials(Tree* t, intp_t lo, intp_t hi, int blue, int counted, double sign,
                               double* out, Py_ssize_t stride) noexcept nogil:
    """Write sign * (own area, intersection, union) integrands of one box edge to out[0], out[stride], ...

    The integrand is 1 where adding the box changes the quantity, judged on the
    coverage by the *other* boxes: the box's own colour threshold is 2 when the
    box is counted in the current tree state, else 1.
    """
    # fields of L[a][b] (index a * 3 + b): the whole length, "own colour covered by
    # others", "other colour covered", both
    cdef int fields[4]
    cdef double q[4]
    cdef int own = 1 + counted
    cdef double length, own_cov, other_cov, both
    fields[0] = 0
    if blue:
        fields[1] = own          # L[0][own]
        fields[2] = 3            # L[1][0]
        fields[3] = 3 + own      # L[1][own]
    else:
        fields[1] = own * 3      # L[own][0]
        fields[2] = 1            # L[0][1]
        fields[3] = own * 3 + 1  # L[own][1]
    q[0] = q[1] = q[2] = q[3] = 0.0
    tree_query(t, lo, hi, fields, q)
    length = q[0]
    own_cov = q[1]
    other_cov = q[2]
    both = q[3]
    out[0] = sign * (length - own_cov) + 0.0
    out[stride] = sign * (other_cov - both) + 0.0
    out[2 * stride] = sign * (length - own_cov - other_cov + both) + 0.0


cdef inline void copy_partials(const double* source, double sign, double* out, Py_ssize_t stride) noexcept nogil:
    """out[i * stride] = sign * source[i * stride] for the NQ quantities (0.0 - x keeps zeros positive)."""
    cdef int q
    for q in range(NQ):
        out[q * stride] = sign * source[q * stride] if sign > 0 else 0.0 - source[q * stride]


cdef inline double coord(const double* red, intp_t n_red, const double* blue, intp_t k, int c) noexcept nogil:
    if k < n_red:
        return red[k * 4 + c]
    return blue[(k - n_red) * 4 + c]


cdef struct Work:
    Py_ssize_t* hist
    uint64_t* keys
    uint64_t* tmp_keys
    Event* values
    Event* tmp_values
    int32_t* rank
    double* ys
    double* nodes


cdef int sweep(const double* red, intp_t n_red, const double* blue, intp_t n_blue, int axis, int mode,
               double* areas, double* grads) noexcept nogil:
    """Sweep along ``axis`` (0: x, 1: y on transposed boxes); return 0, or -1 when out of memory.

    ``areas`` (4 doubles) receives |R|, |B|, |R & B|, |R | B|. If ``grads`` is not
    NULL (then ``mode`` must be MODE_GRAD) it is a (2 sides, NQ, n, 4) array and
    receives the one-sided partials with respect to the coordinates swept along
    ``axis``. Memory: O(n), about 100 (areas) or 400 (gradients) bytes per box.
    """
    cdef intp_t n = n_red + n_blue
    cdef int width = 2 if mode == MODE_ONE else (5 if mode == MODE_TWO else MAX_WIDTH)
    cdef Work w
    cdef int status = -1
    areas[0] = areas[1] = areas[2] = areas[3] = 0.0
    if n == 0:
        return 0
    w.hist = <Py_ssize_t*>malloc(RADIX_PASSES * RADIX * sizeof(Py_ssize_t))
    w.keys = <uint64_t*>malloc(2 * n * sizeof(uint64_t))
    w.tmp_keys = <uint64_t*>malloc(2 * n * sizeof(uint64_t))
    w.values = <Event*>malloc(2 * n * sizeof(Event))
    w.tmp_values = <Event*>malloc(2 * n * sizeof(Event))
    w.rank = <int32_t*>malloc(2 * n * sizeof(int32_t))
    w.ys = <double*>malloc(2 * n * sizeof(double))
    # at most 2n distinct values: 2n - 1 intervals, 4n - 2 nodes
    w.nodes = <double*>malloc(4 * n * (width + 1) * sizeof(double))
    if (w.hist != NULL and w.keys != NULL and w.tmp_keys != NULL and w.values != NULL and w.tmp_values != NULL
            and w.rank != NULL and w.ys != NULL and w.nodes != NULL):
        sweep_body(red, n_red, blue, n_blue, axis, mode, areas, grads, &w)
        status = 0
    free(w.hist)
    free(w.keys)
    free(w.tmp_keys)
    free(w.values)
    free(w.tmp_values)
    free(w.rank)
    free(w.ys)
    free(w.nodes)
    return status


cdef void sweep_body(const double* red, intp_t n_red, const double* blue, intp_t n_blue, int axis, int mode,
                     double* areas, double* grads, Work* w) noexcept nogil:
    """The sweep of :c:func:`sweep`, in buffers it allocated."""
    cdef intp_t n = n_red + n_blue, k, i, j, g, e, n_events = 0, n_ys = 0
    cdef int32_t m
    cdef int cx0 = axis, cy0 = 1 - axis, cx1 = 2 + axis, cy1 = 3 - axis
    cdef double x0, x1, y0, y1, dx, prev = 0.0, here
    cdef bint with_grads = grads != NULL
    cdef int64_t tag
    cdef bint reuse
    cdef int f_red, f_blue, f_both, f_either, d
    cdef Py_ssize_t side_stride = NQ * n * 4, q_stride = n * 4
    cdef double* root
    cdef double* out
    cdef Tree t
    cdef uint64_t* keys = w.keys
    cdef Event* values = w.values
    cdef uint64_t* ek
    cdef Event* ev

    # 1. Compress the y coordinates of every box that can matter: non-empty boxes,
    #    and (for gradients) zero-width boxes with a positive height.
    for k in range(n):
        x0 = coord(red, n_red, blue, k, cx0)
        x1 = coord(red, n_red, blue, k, cx1)
        y0 = coord(red, n_red, blue, k, cy0)
        y1 = coord(red, n_red, blue, k, cy1)
        if y0 < y1 and (x0 < x1 or (with_grads and x0 == x1)):
            keys[n_ys] = float_key(y0)
            values[n_ys].tag = 2 * k
            keys[n_ys + 1] = float_key(y1)
            values[n_ys + 1].tag = 2 * k + 1
            n_ys += 2
    if n_ys == 0:
        return
    if record_sort(keys, values, w.tmp_keys, w.tmp_values, n_ys, w.hist):
        ek, ev = w.tmp_keys, w.tmp_values
    else:
        ek, ev = keys, values
    m = -1
    for i in range(n_ys):
        if i == 0 or ek[i] != ek[i - 1]:
            m += 1
            w.ys[m] = float_unkey(ek[i])
        w.rank[ev[i].tag] = m  # rank[2k] and rank[2k + 1]: box k's y-range in intervals
    tree_init(&t, m, mode, w.ys, w.nodes)  # m + 1 distinct values, m >= 1 intervals
    f_red = t.kb + 1                              # L[1][0]
    f_blue = 1 if mode != MODE_ONE else 0         # L[0][1] (unused with one colour)
    f_both = t.kb + 2 if mode != MODE_ONE else 0  # L[1][1] (unused with one colour)
    f_either = t.width - 1

    # 2. Events, in box order, then sorted by x.
    for k in range(n):
        x0 = coord(red, n_red, blue, k, cx0)
        x1 = coord(red, n_red, blue, k, cx1)
        y0 = coord(red, n_red, blue, k, cy0)
        y1 = coord(red, n_red, blue, k, cy1)
        if y0 < y1 and (x0 < x1 or (with_grads and x0 == x1)):
            tag = (k << TAG_SHIFT) | (BLUE_BOX if k >= n_red else 0) | (NON_EMPTY if x0 < x1 else 0)
            keys[n_events] = float_key(x0)
            values[n_events].lo = w.rank[2 * k]
            values[n_events].hi = w.rank[2 * k + 1]
            values[n_events].tag = tag
            n_events += 1
            if x0 < x1:
                keys[n_events] = float_key(x1)
                values[n_events].lo = w.rank[2 * k]
                values[n_events].hi = w.rank[2 * k + 1]
                values[n_events].tag = tag | HIGH_EDGE
                n_events += 1
    if record_sort(keys, values, w.tmp_keys, w.tmp_values, n_events, w.hist):
        ek, ev = w.tmp_keys, w.tmp_values
    else:
        ek, ev = keys, values

    # 3. Sweep the groups of equal x.
    root = node_fields(&t, 1)
    g = 0
    while g < n_events:
        e = g
        while e < n_events and ek[e] == ek[g]:
            e += 1
        here = float_unkey(ek[g])
        if g > 0:
            dx = here - prev
            areas[0] += dx * root[f_red]
            areas[3] += dx * root[f_either]
            if mode != MODE_ONE:
                areas[1] += dx * root[f_blue]
                areas[2] += dx * root[f_both]
        prev = here
        if with_grads:
            # Left strip: the tree does not yet hold this group's changes. A high
            # edge's box is counted there; a low edge's is not (a zero-width box
            # never is, and its high edge's left derivative stays 0).
            for j in range(g, e):
                tag = ev[j].tag
                k = tag >> TAG_SHIFT
                if tag & HIGH_EDGE:
                    out = grads + k * 4 + cx1
                    edge_partials(&t, ev[j].lo, ev[j].hi, tag & BLUE_BOX, 1, 1.0, out, q_stride)
                else:
                    out = grads + k * 4 + cx0
                    edge_partials(&t, ev[j].lo, ev[j].hi, tag & BLUE_BOX, 0, -1.0, out, q_stride)
        for j in range(g, e):
            tag = ev[j].tag
            if tag & NON_EMPTY:
                d = -1 if tag & HIGH_EDGE else 1
                if tag & BLUE_BOX:
                    tree_update(&t, ev[j].lo, ev[j].hi, 0, d)
                else:
                    tree_update(&t, ev[j].lo, ev[j].hi, d, 0)
        if with_grads:
            # Right strip: the tree holds this group's changes. If no other box of
            # the group changed the counts on this edge's y-range, the right side
            # equals the left side (the box's own change is exactly undone by its
            # threshold moving between 1 and 2), so the query is skipped.
            for j in range(g, e):
                tag = ev[j].tag
                k = tag >> TAG_SHIFT
                reuse = e - g <= MAX_REUSE_GROUP
                if reuse:
                    for i in range(g, e):
                        if (i != j and ev[i].tag & NON_EMPTY and ev[i].lo < ev[j].hi and ev[j].lo < ev[i].hi):
                            reuse = False
                            break
                if tag & HIGH_EDGE:
                    out = grads + side_stride + k * 4 + cx1
                    if reuse:
                        copy_partials(grads + k * 4 + cx1, 1.0, out, q_stride)
                    else:
                        edge_partials(&t, ev[j].lo, ev[j].hi, tag & BLUE_BOX, 0, 1.0, out, q_stride)
                elif tag & NON_EMPTY:
                    out = grads + side_stride + k * 4 + cx0
                    if reuse:
                        copy_partials(grads + k * 4 + cx0, 1.0, out, q_stride)
                    else:
                        edge_partials(&t, ev[j].lo, ev[j].hi, tag & BLUE_BOX, 1, -1.0, out, q_stride)
                else:
                    # zero width: the high edge moving right adds area; the low
                    # edge moving right keeps the box empty (right derivative 0)
                    out = grads + side_stride + k * 4 + cx1
                    if reuse:
                        copy_partials(grads + k * 4 + cx0, -1.0, out, q_stride)
                    else:
                        edge_partials(&t, ev[j].lo, ev[j].hi, tag & BLUE_BOX, 0, 1.0, out, q_stride)
        g = e


def set_areas(const float64_t[:, ::1] red not None, const float64_t[:, ::1] blue not None):
    """Return (|R|, |B|, |R & B|, |R | B|) of two float64 xyxy box sets (no gradients)."""
    cdef double areas[4]
    cdef int status
    cdef intp_t n_red = red.shape[0], n_blue = blue.shape[0]
    cdef const double* red_ptr = &red[0, 0] if n_red else NULL
    cdef const double* blue_ptr = &blue[0, 0] if n_blue else NULL
    with nogil:
        if n_blue == 0:
            status = sweep(red_ptr, n_red, NULL, 0, 0, MODE_ONE, areas, NULL)
        elif n_red == 0:  # the blue set alone, swept as the one colour
            status = sweep(blue_ptr, n_blue, NULL, 0, 0, MODE_ONE, areas, NULL)
            areas[1] = areas[0]
            areas[0] = 0.0
        else:
            status = sweep(red_ptr, n_red, blue_ptr, n_blue, 0, MODE_TWO, areas, NULL)
    if status != 0:
        raise MemoryError("set_areas: out of memory")
    return areas[0], areas[1], areas[2], areas[3]


def set_area_grads(const float64_t[:, ::1] red not None, const float64_t[:, ::1] blue not None, int n_threads=1):
    """Return the areas and the one-sided partials of two float64 xyxy box sets.

    The partials are a float64 array of shape (2, 3, n_red + n_blue, 4): side
    (0 = left/minus, 1 = right/plus), quantity (own-colour area, intersection,
    union), box (red first), xyxy coordinate. The x and y sweeps run on up to two
    OpenMP threads; the result does not depend on the thread count.
    """
    cdef intp_t n_red = red.shape[0], n_blue = blue.shape[0]
    out = np.zeros((2, NQ, n_red + n_blue, 4), dtype=np.float64)
    cdef float64_t[:, :, :, ::1] grads = out
    cdef double* grads_ptr = &grads[0, 0, 0, 0] if n_red + n_blue else NULL
    cdef double areas[8]
    cdef int status[2]
    cdef int axis
    cdef const double* red_ptr = &red[0, 0] if n_red else NULL
    cdef const double* blue_ptr = &blue[0, 0] if n_blue else NULL
    cdef int threads = 2 if n_threads >= 2 else 1
    status[0] = status[1] = 0
    for axis in prange(2, nogil=True, num_threads=threads, schedule="static", chunksize=1):
        status[axis] = sweep(red_ptr, n_red, blue_ptr, n_blue, axis, MODE_GRAD, areas + 4 * axis, grads_ptr)
    if status[0] != 0 or status[1] != 0:
        raise MemoryError("set_area_grads: out of memory")
    return (areas[0], areas[1], areas[2], areas[3]), out
