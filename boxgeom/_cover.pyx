"""Tile cover: fixed-size tiles such that every box lies inside the tile it is assigned to.

Two sweeps over boxes sorted by x1:

* ``peer_cover`` is box-intersect-lib's left-to-right heuristic, step for step: each
  open tile keeps a feasible region, a box joins the first (lowest-x) open tile
  whose region contains it, else opens a new one.
* ``strip_cover`` opens a vertical strip ``[x0, x0 + W]`` at the leftmost unassigned
  box, takes every unassigned box that fits in the strip, and covers their y-ranges
  with the fewest tiles (greedy interval stabbing, optimal in one dimension).

Both return ``(tiles (t, 2), indptr int64 (t + 1,), indices intp)``. Sorting is an
LSD radix sort on order-preserving uint64 keys (stable).
"""

from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

import numpy as np

from boxgeom._pairbuf cimport sort_intp
from boxgeom._types cimport float64_t, int64_t, intp_t, uint8_t, uint64_t

ctypedef fused num_t:
    int64_t
    float64_t



cdef inline uint64_t sort_key(num_t value) noexcept nogil:
    """Order-preserving map of a coordinate to uint64 (finite values)."""
    cdef uint64_t bits
    cdef uint64_t SIGN = (<uint64_t> 1) << 63
    if num_t is int64_t:
        return (<uint64_t> value) ^ SIGN
    else:
        value = value + 0.0  # -0.0 -> +0.0
        memcpy(&bits, &value, 8)
        return ~bits if bits & SIGN else bits | SIGN


cdef void radix_sort(uint64_t* keys, intp_t* vals, intp_t n, uint64_t* ktmp, intp_t* vtmp) noexcept nogil:
    """Sort ``vals[:n]`` by ``keys[:n]`` in place, stable (byte-wise LSD, constant bytes skipped)."""
    cdef intp_t counts[8][256]
    cdef intp_t i, j, d, total, c
    cdef uint64_t key
    cdef uint64_t* ksrc = keys
    cdef uint64_t* kdst = ktmp
    cdef intp_t* vsrc = vals
    cdef intp_t* vdst = vtmp
    cdef uint64_t* kswap
    cdef intp_t* vswap
    cdef intp_t value
    if n < 48:
        for i in range(1, n):
            key = keys[i]
            value = vals[i]
            j = i - 1
            while j >= 0 and keys[j] > key:
                keys[j + 1] = keys[j]
                vals[j + 1] = vals[j]
                j -= 1
            keys[j + 1] = key
            vals[j + 1] = value
        return
    memset(counts, 0, sizeof(counts))
    for i in range(n):
        key = keys[i]
        for d in range(8):
            counts[d][(key >> (8 * d)) & 255] += 1
    for d in range(8):
        if counts[d][(keys[0] >> (8 * d)) & 255] == n:
            continue
        total = 0
        for j in range(256):
            c = counts[d][j]
            counts[d][j] = total
            total += c
        for i in range(n):
            j = (ksrc[i] >> (8 * d)) & 255
            kdst[counts[d][j]] = ksrc[i]
            vdst[counts[d][j]] = vsrc[i]
            counts[d][j] += 1
        kswap = ksrc
        ksrc = kdst
        kdst = kswap
        vswap = vsrc
        vsrc = vdst
        vdst = vswap
    if ksrc != keys:
        memcpy(keys, ksrc, n * sizeof(uint64_t))
        memcpy(vals, vsrc, n * sizeof(intp_t))


def radix_argsort(const uint64_t[::1] keys):
    """Return the stable ascending argsort (intp) of uint64 ``keys``."""
    cdef intp_t n = keys.shape[0], i
    order_array = np.arange(n, dtype=np.intp)
    cdef intp_t[::1] order = order_array
    cdef uint64_t* kbuf
    cdef uint64_t* ktmp
    cdef intp_t* vtmp
    if n < 2:
        return order_array
    kbuf = <uint64_t*> malloc(n * sizeof(uint64_t))
    ktmp = <uint64_t*> malloc(n * sizeof(uint64_t))
    vtmp = <intp_t*> malloc(n * sizeof(intp_t))
    if kbuf == NULL or ktmp == NULL or vtmp == NULL:
        free(kbuf)
        free(ktmp)
        free(vtmp)
        raise MemoryError()
    with nogil:
        memcpy(kbuf, &keys[0], n * sizeof(uint64_t))
        radix_sort(kbuf, &order[0], n, ktmp, vtmp)
    free(kbuf)
    free(ktmp)
    free(vtmp)
    return order_array


def peer_cover(const num_t[:, ::1] boxes, const intp_t[::1] order, num_t width, num_t height):
    """box-intersect-lib's sweep over xyxy ``boxes`` visited in ``order`` (by x1, then y1).

    Tile corners are ``(region x1, region y1)`` as the peer reports them; members of a
    tile are listed in sweep order.
    """
    cdef intp_t n = boxes.shape[0], p, r, start = 0, count = 0, i, best
    cdef num_t bx1, by1, bx2, by2, min_y, max_y
    regions_array = np.empty((max(n, 1), 4), dtype=np.int64 if num_t is int64_t else np.float64)
    tile_of_array = np.empty(max(n, 1), dtype=np.intp)
    cdef num_t[:, ::1] regions = regions_array
    cdef intp_t[::1] tile_of = tile_of_array
    with nogil:
        for p in range(n):
            i = order[p]
            bx1 = boxes[i, 0]
            by1 = boxes[i, 1]
            bx2 = boxes[i, 2]
            by2 = boxes[i, 3]
            while start < count and regions[start, 2] < bx1:
                start += 1
            best = count
            for r in range(start, count):
                if bx1 >= regions[r, 0] and by1 >= regions[r, 1] and regions[r, 2] >= bx2 and regions[r, 3] >= by2:
                    best = r
                    break
            if best == count:
                regions[count, 0] = bx1
                regions[count, 1] = by2 - height
                regions[count, 2] = bx1 + width
                regions[count, 3] = by1 + height
                count += 1
            else:
                min_y = regions[best, 3] - height
                max_y = regions[best, 1] + height
                if by1 < min_y:
                    min_y = by1
                if by2 > max_y:
                    max_y = by2
                regions[best, 1] = max_y - height
                regions[best, 3] = min_y + height
            tile_of[p] = best
    tiles = np.ascontiguousarray(regions_array[:count, :2])
    indptr, indices = _group(tile_of_array[:n], order, count)
    return tiles, indptr, indices


def strip_cover(const num_t[:, ::1] boxes, const intp_t[::1] order, num_t width, num_t height):
    """Strip sweep over xyxy ``boxes`` visited in ``order`` (by x1). Tile corners are
    (min x1, min y1) of their members; members are listed in ascending index order."""
    cdef intp_t n = boxes.shape[0], p = 0, q, c, k, i, count = 0, current
    cdef num_t x0, limit, top = 0
    tiles_array = np.empty((max(n, 1), 2), dtype=np.int64 if num_t is int64_t else np.float64)
    tile_of_array = np.empty(max(n, 1), dtype=np.intp)
    cdef num_t[:, ::1] tiles = tiles_array
    cdef intp_t[::1] tile_of = tile_of_array
    cdef uint8_t* assigned = <uint8_t*> calloc(max(n, 1), 1)
    cdef intp_t* cand = <intp_t*> malloc(max(n, 1) * sizeof(intp_t))
    cdef intp_t* vtmp = <intp_t*> malloc(max(n, 1) * sizeof(intp_t))
    cdef uint64_t* keys = <uint64_t*> malloc(max(n, 1) * sizeof(uint64_t))
    cdef uint64_t* ktmp = <uint64_t*> malloc(max(n, 1) * sizeof(uint64_t))
    try:
        if assigned == NULL or cand == NULL or vtmp == NULL or keys == NULL or ktmp == NULL:
            raise MemoryError()
        with nogil:
            while True:
                while p < n and assigned[order[p]]:
                    p += 1
                if p >= n:
                    break
                x0 = boxes[order[p], 0]
                limit = x0 + width
                c = 0
                q = p
                while q < n and boxes[order[q], 0] <= limit:
                    i = order[q]
                    if not assigned[i] and boxes[i, 2] <= limit:
                        cand[c] = i
                        keys[c] = sort_key(boxes[i, 1])
                        c += 1
                    q += 1
                radix_sort(keys, cand, c, ktmp, vtmp)
                current = -1
                for k in range(c):
                    i = cand[k]
                    if current < 0 or boxes[i, 3] > top + height:
                        current = count
                        count += 1
                        top = boxes[i, 1]
                        tiles[current, 0] = boxes[i, 0]
                        tiles[current, 1] = top
                    elif boxes[i, 0] < tiles[current, 0]:
                        tiles[current, 0] = boxes[i, 0]
                    tile_of[i] = current
                    assigned[i] = 1
    finally:
        free(assigned)
        free(cand)
        free(vtmp)
        free(keys)
        free(ktmp)
    indptr, indices = _group(tile_of_array[:n], None, count)
    return np.ascontiguousarray(tiles_array[:count]), indptr, indices


cdef _group(const intp_t[::1] tile_of, order, intp_t count):
    """CSR of members per tile. ``tile_of[p]`` is the tile of box ``order[p]`` (or of box
    ``p`` when ``order`` is None); members keep the order of ``p``."""
    cdef intp_t n = tile_of.shape[0], p, t
    indptr_array = np.zeros(count + 1, dtype=np.int64)
    indices_array = np.empty(n, dtype=np.intp)
    cdef int64_t[::1] indptr = indptr_array
    cdef intp_t[::1] indices = indices_array
    cdef const intp_t[::1] visit = order if order is not None else tile_of
    cdef bint identity = order is None
    cdef int64_t[::1] cursor
    with nogil:
        for p in range(n):
            indptr[tile_of[p] + 1] += 1
        for t in range(count):
            indptr[t + 1] += indptr[t]
    cursor = indptr_array[:count].copy() if count else np.zeros(1, dtype=np.int64)
    with nogil:
        for p in range(n):
            t = tile_of[p]
            indices[cursor[t]] = p if identity else visit[p]
            cursor[t] += 1
    return indptr_array, indices_array
