"""Maximum-weight bipartite matching on a sparse graph (boxes may stay unmatched).

Shortest augmenting paths (Jonker-Volgenant with Dijkstra on the sparse graph, as in
LAPMOD): every row gets a private stand-in column meaning "unmatched", cost 1; a
candidate edge of weight w costs 1 - w. A row-perfect assignment of least total cost
then has the greatest total weight (cost = n_rows - total weight). Each augmentation
only explores the columns closer than the nearest free one, so on geometric graphs
the work stays local however large the connected component. The frontier is a binary
heap of (distance, column), ties by column, and rows are augmented in index order, so
the result is deterministic.
"""

from libc.math cimport INFINITY
from libc.stdlib cimport free, malloc

import numpy as np

from boxgeom._types cimport float64_t, intp_t

cdef enum:
    # What ``augment_all`` returns.
    DONE = 0
    OUT_OF_MEMORY = -1
    NO_PATH = -2          # no augmenting path: cannot happen (every row reaches its stand-in)


cdef inline void heap_push(float64_t* keys, intp_t* items, intp_t* size, float64_t key, intp_t item) noexcept nogil:
    """Add (key, item) to the heap ``keys``/``items`` of ``size[0]`` entries (sifted up)."""
    cdef intp_t at = size[0], parent
    size[0] += 1
    while at > 0:
        parent = (at - 1) >> 1
        if keys[parent] < key or (keys[parent] == key and items[parent] <= item):
            break
        keys[at] = keys[parent]
        items[at] = items[parent]
        at = parent
    keys[at] = key
    items[at] = item


cdef inline void heap_pop(float64_t* keys, intp_t* items, intp_t* size) noexcept nogil:
    """Remove the least (key, item); the caller read it from keys[0], items[0]."""
    cdef intp_t n = size[0] - 1, at = 0, child
    cdef float64_t key = keys[n]
    cdef intp_t item = items[n]
    size[0] = n
    while True:
        child = 2 * at + 1
        if child >= n:
            break
        if child + 1 < n and (keys[child + 1] < keys[child] or
                              (keys[child + 1] == keys[child] and items[child + 1] < items[child])):
            child += 1
        if key < keys[child] or (key == keys[child] and item <= items[child]):
            break
        keys[at] = keys[child]
        items[at] = items[child]
        at = child
    keys[at] = key
    items[at] = item


cdef inline float64_t edge_cost(const float64_t[::1] weights, intp_t e) noexcept nogil:
    """1 - weight of edge e; 1 for a stand-in (e = -1)."""
    return 1.0 if e < 0 else 1.0 - weights[e]


cdef int augment_all(const intp_t[::1] indptr, const intp_t[::1] indices, const float64_t[::1] weights,
                     intp_t n_cols, intp_t[::1] edge_of_row) noexcept nogil:
    """Assign every row to an edge or (-1) its stand-in column n_cols + row; DONE, or
    OUT_OF_MEMORY."""
    cdef intp_t n_rows = indptr.shape[0] - 1, total_cols = n_cols + n_rows, capacity
    cdef intp_t row, start, i, e, j, k, end_col, heap_size, n_touched, n_scanned, r
    cdef float64_t h, d, d_end, cost
    capacity = indices.shape[0] + 2 * n_rows + 1
    cdef float64_t* price = <float64_t*> malloc(total_cols * sizeof(float64_t))  # column potentials v
    cdef float64_t* dist = <float64_t*> malloc(total_cols * sizeof(float64_t))
    cdef intp_t* row_of_col = <intp_t*> malloc(total_cols * sizeof(intp_t))
    cdef intp_t* col_of_row = <intp_t*> malloc(n_rows * sizeof(intp_t) + 1)
    cdef intp_t* pred = <intp_t*> malloc(total_cols * sizeof(intp_t))
    cdef intp_t* pred_edge = <intp_t*> malloc(total_cols * sizeof(intp_t))  # edge (pred[k], k); -1: stand-in
    cdef char* scanned = <char*> malloc(total_cols)
    cdef intp_t* touched = <intp_t*> malloc(total_cols * sizeof(intp_t))
    cdef intp_t* scanned_list = <intp_t*> malloc(total_cols * sizeof(intp_t))
    cdef float64_t* heap_keys = <float64_t*> malloc(capacity * sizeof(float64_t))
    cdef intp_t* heap_items = <intp_t*> malloc(capacity * sizeof(intp_t))
    cdef int status = DONE
    if (price == NULL or dist == NULL or row_of_col == NULL or col_of_row == NULL or pred == NULL or pred_edge == NULL
            or scanned == NULL or touched == NULL or scanned_list == NULL
            or heap_keys == NULL or heap_items == NULL):
        status = OUT_OF_MEMORY
    else:
        for j in range(total_cols):
            price[j] = 0.0
            dist[j] = INFINITY
            row_of_col[j] = -1
            scanned[j] = 0
        for row in range(n_rows):
            col_of_row[row] = -1
        for row in range(n_rows):
            # Dijkstra from the free row over columns, in reduced costs (all >= 0)
            heap_size = 0
            n_touched = 0
            n_scanned = 0
            end_col = -1
            i = row
            h = 0.0
            while True:
                # relax the edges of row i (its candidates and its stand-in)
                for e in range(indptr[i], indptr[i + 1] + 1):
                    if e < indptr[i + 1]:
                        k = indices[e]
                    else:
                        k = n_cols + i
                        e = -1
                    cost = edge_cost(weights, e)
                    d = h + cost - price[k]
                    if scanned[k] or d >= dist[k]:
                        continue
                    if dist[k] == INFINITY:
                        touched[n_touched] = k
                        n_touched += 1
                    dist[k] = d
                    pred[k] = i
                    pred_edge[k] = e
                    heap_push(heap_keys, heap_items, &heap_size, d, k)
                # the nearest unscanned column
                j = -1
                while heap_size > 0:
                    j = heap_items[0]
                    d = heap_keys[0]
                    heap_pop(heap_keys, heap_items, &heap_size)
                    if not scanned[j] and d == dist[j]:
                        break
                    j = -1
                if j < 0:
                    status = NO_PATH  # cannot happen: the stand-in of `row` is always reachable
                    break
                scanned[j] = 1
                scanned_list[n_scanned] = j
                n_scanned += 1
                if row_of_col[j] < 0:
                    end_col = j
                    break
                i = row_of_col[j]
                # the edge (i, j) is tight: continue from row i at distance dist[j] - (c(i, j) - price[j])
                h = dist[j] - (edge_cost(weights, edge_of_row[i]) - price[j])
            if end_col < 0:
                break
            # potentials: every scanned column moves by its distance short of the end
            d_end = dist[end_col]
            for r in range(n_scanned):
                k = scanned_list[r]
                price[k] += dist[k] - d_end
                scanned[k] = 0
            for r in range(n_touched):
                dist[touched[r]] = INFINITY
            # flip the path
            j = end_col
            while True:
                i = pred[j]
                row_of_col[j] = i
                k = col_of_row[i]
                col_of_row[i] = j
                edge_of_row[i] = pred_edge[j]
                if i == row:
                    break
                j = k
    free(price)
    free(dist)
    free(row_of_col)
    free(col_of_row)
    free(pred)
    free(pred_edge)
    free(scanned)
    free(touched)
    free(scanned_list)
    free(heap_keys)
    free(heap_items)
    return status


def max_weight_matching(const intp_t[::1] indptr, const intp_t[::1] indices, const float64_t[::1] weights,
                        intp_t n_cols):
    """The edge matched to each row (-1: unmatched) in a maximum-total-weight matching.

    The graph is in CSR form: the edges of row r are ``indices[indptr[r]:indptr[r + 1]]``
    (columns below ``n_cols``) with ``weights`` in (0, 1]. Rows are augmented in order,
    so the result is deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> indptr = np.array([0, 2, 3]); indices = np.array([0, 1, 0]); weights = np.array([0.9, 0.8, 0.85])
    >>> max_weight_matching(indptr, indices, weights, 2)  # edges 1 and 2: 0.8 + 0.85 beats 0.9
    array([1, 2])
    """
    cdef intp_t n_rows = indptr.shape[0] - 1
    if n_rows < 0 or indices.shape[0] != weights.shape[0] or indptr[n_rows] != indices.shape[0]:
        raise ValueError("max_weight_matching: inconsistent CSR arrays")
    edge_of_row_array = np.full(n_rows, -1, dtype=np.intp)
    cdef intp_t[::1] edge_of_row = edge_of_row_array
    cdef int status
    with nogil:
        status = augment_all(indptr, indices, weights, n_cols, edge_of_row)
    if status == OUT_OF_MEMORY:
        raise MemoryError()
    if status != DONE:
        raise RuntimeError("max_weight_matching: no augmenting path (internal error)")
    return edge_of_row_array
