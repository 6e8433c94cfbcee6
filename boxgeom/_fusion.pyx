"""Box fusion: the clusters of weighted boxes fusion (WBF) and non-maximum weighted
(NMW), built without comparing every box with every cluster (``cluster_boxes``).

The boxes come in a processing order, one group (label) after the other. Each box is
compared by IoU with the clusters of its group: with a cluster's current fused box
(WBF) or with its first box, the head (NMW). It joins the cluster of the highest IoU
strictly above the threshold (ties: the cluster created first), or starts a cluster.
A member of weight ``w`` (its score; NMW: score x IoU with the head) adds ``w x c`` to
the cluster's sums, and the fused box is ``sum(w c) / sum(w)`` (the plain mean of the
members when every weight is 0); a cluster of one box is that box.

``float32_like`` reproduces ensemble-boxes' storage: the sums of ``w x c`` are kept in
float32 (each addition rounded, as its ``np.float32`` accumulator is) and a fused box
of two or more members (NMW: of every cluster) is rounded to float32, which changes
the IoU of the later comparisons. The sums of weights stay float64.

The filing: a cluster is filed in a hierarchical grid of its group (level-0 cells of
about the boxes' typical size; level l merges 2**l x 2**l cells), in the cell of the
lower corner of the range of cells it has covered so far, at the first level where
that range spans at most two cells per axis. Every fused box a cluster takes is added
to its range (which only grows), so its current box always lies within it; when the
range moves the filing cell, the cluster moves (doubly linked lists per cell and per
level). A box can only reach an IoU > t >= 0 with a box that meets it shrunk by about
t x its size (``query_range``), so a query visits, at each level, the cells
``[(lo >> l) - 1, hi >> l]`` of that shrunk box's range: every cluster that can match
is found, whatever the cell size (the cell rule is monotonic, ``_cells.pxd``). A level
whose window holds more cells than that level has clusters is scanned cluster by
cluster instead, so a large box never costs more than the clusters filed. Zero-area
boxes are never filed and never match (their IoU is 0).

The processing order (label, decreasing score, index) comes from two stable radix
sorts (``_sort.pxd``).
"""

from libc.math cimport INFINITY, exp, fabs, log, sqrt
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport numpy as cnp
import numpy as np

from boxgeom._box cimport area, has_area, intersect, iou, span
from boxgeom._cells cimport cell_of
from boxgeom._sort cimport float_key, int_key, sort_by_key
from boxgeom._types cimport float64_t, int64_t, intp_t, uint64_t

cnp.import_array()

cdef enum:
    # Tuning constants: they change the speed, never the result.
    CELL_SCALE_PERCENT = 100  # level-0 cell side / geometric mean of the boxes' longer sides, in percent
    CELLS_PER_BOX = 2  # at most this many level-0 cells per box of the group
    SMALL_GROUP = 8  # groups up to this size get a single cell
    MAX_LEVELS = 64


cdef struct Hot:
    # what a query reads of a cluster, apart from the rest (cache)
    double box[4]  # what new boxes are compared with: the fused box (WBF) or the head (NMW)
    double area
    intp_t next_in_cell  # the next cluster in its cell's list, -1: none


cdef struct Cluster:
    double acc[4]  # sum of w x c (float32 values with float32_like)
    double plain[4]  # sum of c: the fused box when every weight is 0
    double weight  # sum of w
    intp_t size
    intp_t first  # index of the head (its first box)
    intp_t cells[4]  # level-0 cell range covered so far: columns cells[0]..cells[2], rows cells[1]..cells[3]
    # its filing: the cell (-1: not filed) and level, and its neighbours in the lists
    # of that cell and of that level (-1: none; the next in its cell is in ``Hot``)
    intp_t key
    intp_t level
    intp_t prev_in_cell
    intp_t prev_in_level
    intp_t next_in_level


cdef struct Grid:
    double ox, oy, inv  # origin and inverse cell side (inv 0: one cell)
    intp_t nx, ny, levels
    intp_t first_cell[MAX_LEVELS]  # key of each level's cell (0, 0)
    intp_t level_head[MAX_LEVELS]  # first cluster filed at each level, -1 when none
    intp_t level_count[MAX_LEVELS]  # clusters filed at each level
    intp_t* head  # per cell: its first cluster, -1 when empty


cdef inline intp_t columns(const Grid* grid, intp_t level) noexcept nogil:
    return ((grid.nx - 1) >> level) + 1


cdef int grid_plan(Grid* grid, const double[:, ::1] boxes, const intp_t* order, intp_t m, bint brute) noexcept nogil:
    """Size the grid over the ``m`` boxes ``order[:m]`` (cells as ``_hgrid.grid_plan``
    sizes them) and empty it. Return -1 when memory runs out."""
    cdef intp_t i, level, total = 0, count = 0
    cdef const double* b
    cdef double xmax = -INFINITY, ymax = -INFINITY, logsum = 0, w, h, width, height, side, budget
    grid.ox = grid.oy = INFINITY
    grid.inv = 0.0
    grid.nx = grid.ny = 1
    if not brute and m > SMALL_GROUP:
        for i in range(m):
            b = &boxes[order[i], 0]
            if not has_area(b):
                continue
            grid.ox = min(grid.ox, b[0])
            grid.oy = min(grid.oy, b[1])
            xmax = max(xmax, b[2])
            ymax = max(ymax, b[3])
            w = span(b[0], b[2])
            h = span(b[1], b[3])
            logsum += log(w if w > h else h)
            count += 1
    if count:
        width = xmax - grid.ox
        height = ymax - grid.oy
        budget = <double> CELLS_PER_BOX * count
        side = (<double> CELL_SCALE_PERCENT / 100) * exp(logsum / count)
        side = max(side, sqrt(width) * sqrt(height / budget), max(width, height) / budget)
        if side > 0 and side < INFINITY and 1.0 / side < INFINITY:  # else one cell
            grid.inv = 1.0 / side
            grid.nx = 1 + <intp_t> min(width * grid.inv, budget)
            grid.ny = 1 + <intp_t> min(height * grid.inv, budget)
    else:
        grid.ox = grid.oy = 0.0
    level = 0
    while True:
        grid.first_cell[level] = total
        grid.level_head[level] = -1
        grid.level_count[level] = 0
        total += columns(grid, level) * (((grid.ny - 1) >> level) + 1)
        level += 1
        if ((grid.nx - 1) >> (level - 1)) == 0 and ((grid.ny - 1) >> (level - 1)) == 0:
            break
    grid.levels = level
    grid.head = <intp_t*> malloc(total * sizeof(intp_t))
    if grid.head == NULL:
        return -1
    for i in range(total):
        grid.head[i] = -1
    return 0


cdef inline void cells_of(const double* box, const Grid* grid, intp_t* c) noexcept nogil:
    c[0] = cell_of(box[0], grid.ox, grid.inv, grid.nx)
    c[1] = cell_of(box[1], grid.oy, grid.inv, grid.ny)
    c[2] = cell_of(box[2], grid.ox, grid.inv, grid.nx)
    c[3] = cell_of(box[3], grid.oy, grid.inv, grid.ny)


cdef inline void file_cluster(Grid* grid, Cluster* clusters, Hot* hot, intp_t id) noexcept nogil:
    """(Re)file cluster ``id`` by its cell range: moved to its new cell when that changes."""
    cdef Cluster* cl = &clusters[id]
    cdef intp_t level = 0, key
    while (cl.cells[2] >> level) - (cl.cells[0] >> level) > 1 or (cl.cells[3] >> level) - (cl.cells[1] >> level) > 1:
        level += 1
    key = grid.first_cell[level] + (cl.cells[1] >> level) * columns(grid, level) + (cl.cells[0] >> level)
    if key == cl.key:
        return
    if cl.key >= 0:  # unlink it from its old cell and level
        if cl.prev_in_cell >= 0:
            hot[cl.prev_in_cell].next_in_cell = hot[id].next_in_cell
        else:
            grid.head[cl.key] = hot[id].next_in_cell
        if hot[id].next_in_cell >= 0:
            clusters[hot[id].next_in_cell].prev_in_cell = cl.prev_in_cell
        if cl.prev_in_level >= 0:
            clusters[cl.prev_in_level].next_in_level = cl.next_in_level
        else:
            grid.level_head[cl.level] = cl.next_in_level
        if cl.next_in_level >= 0:
            clusters[cl.next_in_level].prev_in_level = cl.prev_in_level
        grid.level_count[cl.level] -= 1
    cl.key = key
    cl.level = level
    cl.prev_in_cell = -1
    hot[id].next_in_cell = grid.head[key]
    if hot[id].next_in_cell >= 0:
        clusters[hot[id].next_in_cell].prev_in_cell = id
    grid.head[key] = id
    cl.prev_in_level = -1
    cl.next_in_level = grid.level_head[level]
    if cl.next_in_level >= 0:
        clusters[cl.next_in_level].prev_in_level = id
    grid.level_head[level] = id
    grid.level_count[level] += 1


cdef inline void consider(const Hot* hot, intp_t id, const double* b, double area_b, double threshold,
                          intp_t* best, double* best_iou) noexcept nogil:
    """Make cluster ``id`` the best match of ``b`` if its IoU beats the best so far (ties: lower id)."""
    cdef double inter, value
    if not intersect(b, hot[id].box, &inter):
        return
    value = iou(inter, hot[id].area, area_b)
    if value > threshold and (value > best_iou[0] or value == best_iou[0] and id < best[0]):
        best[0] = id
        best_iou[0] = value


cdef inline void query_range(const double* b, double threshold, double* q) noexcept nogil:
    """A box ``q`` that every box of IoU > ``threshold`` with ``b`` meets (closed).

    IoU > t needs an overlap wider than t x the width of ``b`` (the overlap's height is
    at most b's, the union at least b's area): such a box F has F.x2 > b.x1 + t w and
    F.x1 < b.x2 - t w, so it meets ``b`` shrunk by t w on each side (for t >= 1/2, a
    sliver around b's centre); the same in y. The shrink is taken 1e-9 smaller, less
    1e-15 of the coordinates' magnitude: that covers the rounding of the computed IoU
    (a few ulps, while every quantity in it is a normal float64: t >= 1e-6 and sides
    within 1e-150 .. 1e150) and of ``q`` itself. Otherwise ``q = b``: a computed IoU > 0
    already needs a positive-area overlap.
    """
    cdef double w = b[2] - b[0], h = b[3] - b[1], t = min(threshold, 0.5) * (1 - 1e-9), dx = 0.0, dy = 0.0
    if threshold >= 1e-6 and 1e-150 < w < 1e150 and 1e-150 < h < 1e150:
        dx = max(t * w - 1e-15 * (fabs(b[0]) + fabs(b[2])), 0.0)
        dy = max(t * h - 1e-15 * (fabs(b[1]) + fabs(b[3])), 0.0)
    q[0] = b[0] + dx
    q[1] = b[1] + dy
    q[2] = max(b[2] - dx, q[0])
    q[3] = max(b[3] - dy, q[1])


cdef intp_t best_cluster(const Grid* grid, const Cluster* clusters, const Hot* hot, const double* b,
                         double threshold, double* best_iou) noexcept nogil:
    """The cluster of the highest IoU > ``threshold`` with ``b`` (ties: the lowest id), or -1."""
    cdef intp_t best = -1, level, x1, x2, y1, y2, x, y, e, row
    cdef intp_t c[4]
    cdef double q[4]
    cdef double area_b
    best_iou[0] = -1.0
    if not has_area(b):
        return -1
    area_b = area(b)
    query_range(b, threshold, q)
    cells_of(q, grid, c)
    for level in range(grid.levels):
        if grid.level_count[level] == 0:
            continue
        x1 = max((c[0] >> level) - 1, 0)
        y1 = max((c[1] >> level) - 1, 0)
        x2 = c[2] >> level
        y2 = c[3] >> level
        if (x2 - x1 + 1) * (y2 - y1 + 1) > grid.level_count[level]:
            e = grid.level_head[level]
            while e >= 0:
                consider(hot, e, b, area_b, threshold, &best, best_iou)
                e = clusters[e].next_in_level
            continue
        for y in range(y1, y2 + 1):
            row = grid.first_cell[level] + y * columns(grid, level)
            for x in range(x1, x2 + 1):
                e = grid.head[row + x]
                while e >= 0:
                    consider(hot, e, b, area_b, threshold, &best, best_iou)
                    e = hot[e].next_in_cell
    return best


cdef inline double fused_value(const Cluster* cl, intp_t k, bint float32_like) noexcept nogil:
    """Coordinate k of the fused box: sum(w c) / sum(w), or the mean when sum(w) is 0."""
    cdef double value = cl.acc[k] / cl.weight if cl.weight > 0 else cl.plain[k] / cl.size
    return <double> <float> value if float32_like else value


cdef inline double add(double acc, double term, bint float32_like) noexcept nogil:
    return <double> <float> (acc + term) if float32_like else acc + term


cdef inline void start_cluster(Cluster* cl, Hot* h, const double* b, double w, intp_t index,
                               bint float32_like) noexcept nogil:
    cdef intp_t k
    for k in range(4):
        h.box[k] = b[k]
        cl.acc[k] = add(0.0, w * b[k], float32_like)
        cl.plain[k] = b[k]
    h.area = area(b)
    cl.weight = w
    cl.size = 1
    cl.first = index
    cl.key = -1


cdef inline void join(Cluster* cl, const double* b, double w, bint float32_like) noexcept nogil:
    cdef intp_t k
    for k in range(4):
        cl.acc[k] = add(cl.acc[k], w * b[k], float32_like)
        cl.plain[k] += b[k]
    cl.weight += w
    cl.size += 1


cdef intp_t processing_order(const double[::1] scores, const int64_t[::1] labels, const intp_t[::1] keep,
                             bint first_seen, intp_t* order, intp_t* group_end) noexcept nogil:
    """Sort ``keep`` (ascending indices) into ``order``: by label, then decreasing score,
    then index (two stable radix sorts); with ``first_seen`` the labels go in the order of
    their first box in ``keep`` instead of ascending. ``group_end``: where each label's
    run ends. Return the number of groups, or -1 when memory runs out."""
    cdef intp_t m = keep.shape[0], j, g, n_groups = 0, r, r0
    cdef uint64_t* keys = <uint64_t*> malloc((m + 1) * sizeof(uint64_t))
    cdef intp_t* runs = NULL
    cdef intp_t* start = NULL
    if keys == NULL:
        return -1
    for j in range(m):
        order[j] = keep[j]
        keys[j] = ~float_key(scores[keep[j]])
    if sort_by_key(keys, order, m) < 0:
        free(keys)
        return -1
    for j in range(m):
        keys[j] = int_key(labels[order[j]])
    if sort_by_key(keys, order, m) < 0:
        free(keys)
        return -1
    for j in range(m):
        if j + 1 == m or labels[order[j + 1]] != labels[order[j]]:
            group_end[n_groups] = j + 1
            n_groups += 1
    if first_seen and n_groups > 1:
        # each run's smallest index is its first box in keep; runs reordered by it
        runs = <intp_t*> malloc(n_groups * sizeof(intp_t))
        start = <intp_t*> malloc((m + 1) * sizeof(intp_t))
        if runs == NULL or start == NULL:
            n_groups = -1
        else:
            r = 0
            for g in range(n_groups):
                keys[g] = <uint64_t> m
                for j in range(r, group_end[g]):
                    keys[g] = min(keys[g], <uint64_t> order[j])
                runs[g] = g
                r = group_end[g]
            if sort_by_key(keys, runs, n_groups) < 0:
                n_groups = -1
            else:
                for j in range(m):
                    start[j] = order[j]
                r = 0
                for g in range(n_groups):
                    j = runs[g]
                    r0 = group_end[j - 1] if j > 0 else 0
                    memcpy(&order[r], &start[r0], (group_end[j] - r0) * sizeof(intp_t))
                    r += group_end[j] - r0
                    keys[g] = <uint64_t> r
                for g in range(n_groups):
                    group_end[g] = <intp_t> keys[g]
        free(runs)
        free(start)
    free(keys)
    return n_groups


cdef intp_t cluster_groups(const double[:, ::1] boxes, const double[::1] scores, const intp_t* order,
                           const intp_t* group_end, intp_t n_groups, double threshold, bint heads,
                           bint float32_like, bint brute, intp_t[::1] cluster_of, Cluster* clusters,
                           Hot* hot) noexcept nogil:
    """Cluster every group; return the number of clusters, or -1 when memory runs out."""
    cdef Grid grid
    cdef intp_t g, start = 0, stop, j, i, id, n_clusters = 0, k
    cdef intp_t c[4]
    cdef double best_iou, w
    cdef const double* b
    cdef Cluster* cl
    cdef Hot* h
    for g in range(n_groups):
        stop = group_end[g]
        if grid_plan(&grid, boxes, &order[start], stop - start, brute) < 0:
            return -1
        for j in range(start, stop):
            i = order[j]
            b = &boxes[i, 0]
            id = best_cluster(&grid, clusters, hot, b, threshold, &best_iou)
            if id < 0:
                id = n_clusters
                n_clusters += 1
                cl = &clusters[id]
                start_cluster(cl, &hot[id], b, scores[i], i, float32_like)
                if has_area(b):
                    cells_of(b, &grid, cl.cells)
                    file_cluster(&grid, clusters, hot, id)
            else:
                cl = &clusters[id]
                w = scores[i] * best_iou if heads else scores[i]
                join(cl, b, w, float32_like)
                if not heads:  # WBF: compare with the new fused box from now on
                    h = &hot[id]
                    for k in range(4):
                        h.box[k] = fused_value(cl, k, float32_like)
                    h.area = area(h.box)
                    cells_of(h.box, &grid, c)
                    cl.cells[0] = min(cl.cells[0], c[0])
                    cl.cells[1] = min(cl.cells[1], c[1])
                    cl.cells[2] = max(cl.cells[2], c[2])
                    cl.cells[3] = max(cl.cells[3], c[3])
                    file_cluster(&grid, clusters, hot, id)
            cluster_of[i] = id
        free(grid.head)
        start = stop
    return n_clusters


def cluster_boxes(const float64_t[:, ::1] boxes, const float64_t[::1] scores, const int64_t[::1] labels,
                  const intp_t[::1] keep, *, double iou_threshold, bint heads, bint float32_like,
                  bint first_seen=False, bint brute=False):
    """Cluster the boxes ``keep`` (ascending indices), label by label.

    Labels go in ascending order (``first_seen``: in the order of their first box in
    ``keep``); within a label the boxes go by decreasing ``scores`` (the boxes'
    weights, e.g. weighted scores), ties by lower index. ``heads`` selects NMW (compare
    with the head; weights x IoU with it), else WBF. ``brute`` puts every cluster in
    one cell (tests). Return ``(order, cluster_of, fused, size, weight, first)``: the
    processing order, the cluster of every box (-1 for the boxes not in ``keep``), and
    per cluster in creation order its fused box, member count, sum of member weights
    and head index.
    """
    cdef intp_t n = boxes.shape[0], m = keep.shape[0], k = 0, i, c, n_groups
    order_array = np.empty(m, dtype=np.intp)
    cluster_of_array = np.full(n, -1, dtype=np.intp)
    cdef intp_t[::1] order = order_array
    cdef intp_t[::1] cluster_of = cluster_of_array
    cdef Cluster* clusters = <Cluster*> malloc(max(m, 1) * sizeof(Cluster))
    cdef Hot* hot = <Hot*> malloc(max(m, 1) * sizeof(Hot))
    cdef intp_t* group_end = <intp_t*> malloc(max(m, 1) * sizeof(intp_t))
    if clusters == NULL or hot == NULL or group_end == NULL:
        free(clusters)
        free(hot)
        free(group_end)
        raise MemoryError()
    with nogil:
        n_groups = processing_order(scores, labels, keep, first_seen, &order[0] if m else NULL, group_end)
        if n_groups >= 0:
            k = cluster_groups(boxes, scores, &order[0] if m else NULL, group_end, n_groups, iou_threshold, heads,
                               float32_like, brute, cluster_of, clusters, hot)
    free(group_end)
    free(hot)
    if n_groups < 0 or k < 0:
        free(clusters)
        raise MemoryError()
    fused_array = np.empty((k, 4), dtype=np.float64)
    size_array = np.empty(k, dtype=np.int64)
    weight_array = np.empty(k, dtype=np.float64)
    first_array = np.empty(k, dtype=np.intp)
    cdef double[:, ::1] fused = fused_array
    cdef int64_t[::1] size = size_array
    cdef double[::1] weight = weight_array
    cdef intp_t[::1] first = first_array
    for c in range(k):
        for i in range(4):
            if clusters[c].size > 1 or heads and float32_like:
                fused[c, i] = fused_value(&clusters[c], i, float32_like)
            else:
                fused[c, i] = clusters[c].plain[i]
        size[c] = clusters[c].size
        weight[c] = clusters[c].weight
        first[c] = clusters[c].first
    free(clusters)
    return order_array, cluster_of_array, fused_array, size_array, weight_array, first_array
