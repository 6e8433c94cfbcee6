# Keys and sorts: the one header for every sort of the kernels.
#
# | function                       | what it sorts                            | how                                   |
# |--------------------------------|------------------------------------------|---------------------------------------|
# | float_key, int_key, coord_key  | -                                        | order-preserving uint64 keys (-0.0 and 0.0 alike); float_unkey inverts float_key |
# | insertion_sort(a, n)           | a[:n] of intp or uint64, ascending        | insertion: short runs                 |
# | sort_intp(v, n)                | v[:n] intp, ascending                    | quicksort, insertion below 33 values  |
# | sort_ids(a, k, n, scratch)     | distinct ids below n, ascending          | sorting networks and branchless merges, sort_words beyond 4096 |
# | sort_words(a, tmp, n, lo, hi)  | distinct uint64 words by bits [lo, hi)   | LSD radix on the bits that vary       |
# | merge_sort(keys, vals, ...)    | vals by uint64 keys, stable              | bottom-up merge, runs of 8 by insertion |
# | radix_sort(keys, vals, ...)    | vals by uint64 keys, stable              | packed words when they fit, else byte-wise LSD (merge sort below 1024) |
# | sort_by_key(keys, vals, n)     | as radix_sort, with its own scratch      | returns -1 when memory runs out       |
# | sort_key_ties(a, n, tmp)      | KeyTie pairs by (key, tie), stable       | top-down merge, insertion up to 32; True when two keys are equal |
#
# Every sort is deterministic: stable where values are ranked by keys, and the others
# sort values that are distinct or interchangeable.

from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
from cpython.pyport cimport PY_SSIZE_T_MAX

from boxgeom._bits cimport bit_length, ctz64
from boxgeom._types cimport coord_t, int32_t, int64_t, intp_t, uint64_t

cdef enum:
    LEAF = 8              # ids sorted by one sorting network
    BLOCK = 16            # ids sorted by two networks and a merging network
    RADIX_FROM = 4096     # more ids than this: sort_words


cdef inline uint64_t float_key(double value) noexcept nogil:
    """Order-preserving map of a non-NaN float64 to uint64 (-0.0 and 0.0 map alike)."""
    cdef uint64_t bits
    cdef uint64_t SIGN = (<uint64_t> 1) << 63
    value = value + 0.0  # -0.0 -> +0.0
    memcpy(&bits, &value, 8)
    return ~bits if bits & SIGN else bits | SIGN


cdef inline uint64_t int_key(int64_t value) noexcept nogil:
    """Order-preserving map of an int64 to uint64."""
    return (<uint64_t> value) ^ ((<uint64_t> 1) << 63)


cdef inline double float_unkey(uint64_t key) noexcept nogil:
    """The float64 of a ``float_key`` (0.0 for the key of -0.0)."""
    cdef double value
    key = key & ~((<uint64_t> 1) << 63) if key >> 63 else ~key
    memcpy(&value, &key, 8)
    return value


cdef inline uint64_t coord_key(coord_t value) noexcept nogil:
    """Order-preserving uint64 key of a coordinate."""
    if coord_t is int32_t or coord_t is int64_t:
        return int_key(<int64_t> value)
    else:
        return float_key(<double> value)


cdef inline void merge_sort(uint64_t* keys, intp_t* vals, intp_t n, uint64_t* ktmp, intp_t* vtmp) noexcept nogil:
    """Stable bottom-up merge sort of ``vals`` by ``keys`` (runs of 8 insertion sorted)."""
    cdef intp_t i, j, k, lo, mid, hi, width
    cdef uint64_t key
    cdef intp_t value
    cdef uint64_t* ksrc = keys
    cdef uint64_t* kdst = ktmp
    cdef intp_t* vsrc = vals
    cdef intp_t* vdst = vtmp
    cdef uint64_t* kswap
    cdef intp_t* vswap
    lo = 0
    while lo < n:
        hi = min(lo + 8, n)
        for i in range(lo + 1, hi):
            key = keys[i]
            value = vals[i]
            j = i - 1
            while j >= lo and keys[j] > key:
                keys[j + 1] = keys[j]
                vals[j + 1] = vals[j]
                j -= 1
            keys[j + 1] = key
            vals[j + 1] = value
        lo += 8
    width = 8
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if ksrc[j] < ksrc[i]:
                    kdst[k] = ksrc[j]
                    vdst[k] = vsrc[j]
                    j += 1
                else:
                    kdst[k] = ksrc[i]
                    vdst[k] = vsrc[i]
                    i += 1
                k += 1
            while i < mid:
                kdst[k] = ksrc[i]
                vdst[k] = vsrc[i]
                i += 1
                k += 1
            while j < hi:
                kdst[k] = ksrc[j]
                vdst[k] = vsrc[j]
                j += 1
                k += 1
            lo += 2 * width
        kswap = ksrc
        ksrc = kdst
        kdst = kswap
        vswap = vsrc
        vsrc = vdst
        vdst = vswap
        width *= 2
    if ksrc != keys:
        memcpy(keys, ksrc, n * sizeof(uint64_t))
        memcpy(vals, vsrc, n * sizeof(intp_t))


ctypedef fused sortable_t:
    intp_t
    uint64_t


cdef inline void insertion_sort(sortable_t* a, intp_t n) noexcept nogil:
    """Sort ``a[:n]`` ascending in place (for short runs)."""
    cdef intp_t i, j
    cdef sortable_t value
    for i in range(1, n):
        value = a[i]
        j = i - 1
        while j >= 0 and a[j] > value:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = value


cdef inline int digit_bits(intp_t n) noexcept nogil:
    """Bits per radix digit for n words: about log2(2n) (no more buckets than about 2n), 4 to 11."""
    return min(11, max(4, bit_length(<uint64_t> n)))


cdef inline bint top_digit_then_insertion(uint64_t* a, uint64_t* tmp, intp_t n, int shift, int width) noexcept nogil:
    """``sort_words``' short cut for a few hundred words: scatter ``a`` into ``tmp`` by the
    digit of ``width`` bits at ``shift`` (the highest that vary), then insertion sort the
    whole words and copy them back. Returns False, having changed nothing, when the
    buckets are too large for the insertion sort to be cheap."""
    cdef intp_t counts[2048]
    cdef intp_t buckets = (<intp_t> 1) << width, i, j, c, total = 0, squares = 0
    cdef uint64_t mask = <uint64_t> (buckets - 1), value
    memset(counts, 0, buckets * sizeof(intp_t))
    for i in range(n):
        counts[(a[i] >> shift) & mask] += 1
    for j in range(buckets):
        c = counts[j]
        squares += c * c
        counts[j] = total
        total += c
    if squares > 3 * n:
        return False
    for i in range(n):
        value = a[i]
        j = (value >> shift) & mask
        tmp[counts[j]] = value
        counts[j] += 1
    insertion_sort(tmp, n)
    memcpy(a, tmp, n * sizeof(uint64_t))
    return True


cdef inline void sort_words(uint64_t* a, uint64_t* tmp, intp_t n, int lo, int hi) noexcept nogil:
    """Sort the distinct words ``a[:n]`` whose bits from ``hi`` up are zero (``tmp``:
    scratch for n): LSD radix on the bits ``[lo, hi)`` that vary, as few digits of at
    most 11 bits (and about log2(2n)) as cover them. Stable on those bits, so when the
    bits below ``lo`` ascend with the position, the words end fully sorted; below 32
    words an insertion sort of the whole words does the same. Below 512 words that
    need more than one pass, one pass on the top digit comes first: when it leaves
    small buckets (the sum of their squared sizes at most 3n), an insertion sort of
    the whole words finishes in about n steps, at half the cost of the passes."""
    cdef intp_t counts[2048]
    cdef int width, shift, passes
    cdef intp_t buckets, i, j, total, c
    cdef uint64_t mask, varying = 0, value
    cdef uint64_t* src = a
    cdef uint64_t* dst = tmp
    cdef uint64_t* swap
    if n < 32:
        insertion_sort(a, n)
        return
    for i in range(n):
        varying |= a[i] ^ a[0]
    varying >>= lo
    if hi - lo < 64:
        varying &= ((<uint64_t> 1) << (hi - lo)) - 1
    if varying == 0:
        return
    shift = lo + ctz64(varying)  # the digits start at the lowest varying bit
    width = digit_bits(n)
    passes = (lo + bit_length(varying) - shift + width - 1) // width
    if passes > 1 and n < 512 and top_digit_then_insertion(a, tmp, n, lo + bit_length(varying) - width, width):
        return
    width = (lo + bit_length(varying) - shift + passes - 1) // passes
    buckets = (<intp_t> 1) << width
    mask = <uint64_t> (buckets - 1)
    while passes:
        memset(counts, 0, buckets * sizeof(intp_t))
        for i in range(n):
            counts[(src[i] >> shift) & mask] += 1
        total = 0
        for j in range(buckets):
            c = counts[j]
            counts[j] = total
            total += c
        for i in range(n):
            value = src[i]
            j = (value >> shift) & mask
            dst[counts[j]] = value
            counts[j] += 1
        swap = src
        src = dst
        dst = swap
        shift += width
        passes -= 1
    if src != a:
        memcpy(a, src, n * sizeof(uint64_t))


cdef inline void radix_sort(uint64_t* keys, intp_t* vals, intp_t n, uint64_t* ktmp, intp_t* vtmp) noexcept nogil:
    """Sort ``vals[:n]`` by ``keys[:n]`` in place (both), stable. ``ktmp`` and ``vtmp``
    are scratch buffers of ``n`` elements.

    When the range of the keys and the positions fit in one word together, the words
    ``(key - min) << position bits | position`` are sorted by ``sort_words`` on the
    bits that vary (below 1024 keys only when its passes cost less than a merge sort).
    Otherwise byte-wise LSD, bytes equal in all keys skipped (a merge sort below 1024
    keys, where the counting passes cost more).
    """
    cdef intp_t counts[8][256]
    cdef intp_t i, j, d, total, c
    cdef uint64_t key
    cdef uint64_t* ksrc = keys
    cdef uint64_t* kdst = ktmp
    cdef intp_t* vsrc = vals
    cdef intp_t* vdst = vtmp
    cdef uint64_t* kswap
    cdef intp_t* vswap
    cdef uint64_t low, high, positions
    cdef int shift, bits, width
    if n < 2:
        return
    low = high = keys[0]
    for i in range(n):
        low = keys[i] if keys[i] < low else low
        high = keys[i] if keys[i] > high else high
    shift = bit_length(<uint64_t> (n - 1))
    bits = bit_length(high - low)
    width = digit_bits(n)
    # packed, unless a merge sort costs less (few keys over a wide range: many passes)
    if bits + shift <= 64 and (n >= 1024 or (bits + width - 1) // width * (2 * n + (1 << width)) < 3 * n * shift):
        positions = ((<uint64_t> 1) << shift) - 1
        for i in range(n):
            ktmp[i] = ((keys[i] - low) << shift) | <uint64_t> i
        sort_words(ktmp, keys, n, shift, shift + bits)
        for i in range(n):
            vtmp[i] = vals[ktmp[i] & positions]
            keys[i] = low + (ktmp[i] >> shift)
        memcpy(vals, vtmp, n * sizeof(intp_t))
        return
    if n < 1024:
        merge_sort(keys, vals, n, ktmp, vtmp)
        return
    memset(counts, 0, sizeof(counts))
    for i in range(n):
        key = keys[i]
        for d in range(8):
            counts[d][(key >> (8 * d)) & 255] += 1
    for d in range(8):
        if counts[d][(keys[0] >> (8 * d)) & 255] == n:
            continue  # keys[0] is one of the keys, whichever buffer holds it now
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


cdef inline void sort_intp(intp_t* v, intp_t n) noexcept nogil:
    """Sort ``v[:n]`` ascending: quicksort (median of 3, the smaller part first, so the
    stack stays below 64 levels), runs of up to 32 values by insertion."""
    cdef intp_t stack_lo[64]
    cdef intp_t stack_hi[64]
    cdef intp_t top = 0, lo, hi, i, j, mid, x, pivot
    stack_lo[0] = 0
    stack_hi[0] = n - 1
    top = 1
    while top > 0:
        top -= 1
        lo = stack_lo[top]
        hi = stack_hi[top]
        while hi - lo > 32:
            mid = lo + (hi - lo) // 2
            if v[mid] < v[lo]:
                v[mid], v[lo] = v[lo], v[mid]
            if v[hi] < v[lo]:
                v[hi], v[lo] = v[lo], v[hi]
            if v[hi] < v[mid]:
                v[hi], v[mid] = v[mid], v[hi]
            pivot = v[mid]
            i = lo
            j = hi
            while i <= j:
                while v[i] < pivot:
                    i += 1
                while v[j] > pivot:
                    j -= 1
                if i <= j:
                    v[i], v[j] = v[j], v[i]
                    i += 1
                    j -= 1
            # push the larger part, loop on the smaller (stack depth <= log2 n)
            if j - lo > hi - i:
                stack_lo[top] = lo
                stack_hi[top] = j
                top += 1
                lo = i
            else:
                stack_lo[top] = i
                stack_hi[top] = hi
                top += 1
                hi = j
        for i in range(lo + 1, hi + 1):
            x = v[i]
            j = i - 1
            while j >= lo and v[j] > x:
                v[j + 1] = v[j]
                j -= 1
            v[j + 1] = x


cdef inline void order_pair(intp_t* v, int i, int j) noexcept nogil:
    """``v[i], v[j] = min, max``: a compare and two conditional moves, no branch."""
    cdef intp_t a = v[i], b = v[j]
    v[i] = b if b < a else a
    v[j] = a if b < a else b


cdef inline void sort_leaf(intp_t* v) noexcept nogil:
    """Sort ``v[:LEAF]`` (8 values) with the 19-comparator network of depth 6 (Knuth,
    TAOCP 5.3.4); no data-dependent branch."""
    order_pair(v, 0, 2); order_pair(v, 1, 3); order_pair(v, 4, 6); order_pair(v, 5, 7)
    order_pair(v, 0, 4); order_pair(v, 1, 5); order_pair(v, 2, 6); order_pair(v, 3, 7)
    order_pair(v, 0, 1); order_pair(v, 2, 3); order_pair(v, 4, 5); order_pair(v, 6, 7)
    order_pair(v, 2, 4); order_pair(v, 3, 5)
    order_pair(v, 1, 4); order_pair(v, 3, 6)
    order_pair(v, 1, 2); order_pair(v, 3, 4); order_pair(v, 5, 6)


cdef inline void sort_block(const intp_t* src, intp_t* dst) noexcept nogil:
    """Sort the BLOCK (16) values at ``src`` into ``dst`` (which may be ``src``): a network
    on each half, then a bitonic merge (8 comparators across the halves, then three
    layers of 8 within quarters, eighths, pairs). Unrolled on a local copy the compiler
    keeps in registers; no data-dependent branch."""
    cdef intp_t v[BLOCK]
    cdef int i, j
    for i in range(BLOCK):
        v[i] = src[i]
    sort_leaf(v)
    sort_leaf(v + LEAF)
    for i in range(LEAF):  # both halves ascending: compare mirror images
        order_pair(v, i, BLOCK - 1 - i)
    for j in range(LEAF):  # then half-cleaners of width 4, 2, 1
        i = j // 4 * 8 + j % 4
        order_pair(v, i, i + 4)
    for j in range(LEAF):
        i = j // 2 * 4 + j % 2
        order_pair(v, i, i + 2)
    for j in range(LEAF):
        order_pair(v, 2 * j, 2 * j + 1)
    for i in range(BLOCK):
        dst[i] = v[i]


cdef inline void merge_runs(const intp_t* left, intp_t n_left, const intp_t* right, intp_t n_right,
                            intp_t* out, intp_t count) noexcept nogil:
    """The ``count`` smallest values of two non-empty ascending runs, merged into ``out``.
    Every step takes the smaller head with conditional moves (an exhausted run's head
    is read clamped, and loses): no data-dependent branch, no tail to copy."""
    cdef intp_t i = 0, j = 0, o, x, y
    cdef bint right_first
    for o in range(count):
        x = left[i if i < n_left else n_left - 1]
        y = right[j if j < n_right else n_right - 1]
        right_first = (j < n_right) & ((i >= n_left) | (y < x))
        out[o] = y if right_first else x
        j += right_first
        i += not right_first


cdef inline intp_t sort_room(intp_t k) noexcept nogil:
    """Ids :func:`sort_ids` may write to (at least ``k``): ``k`` rounded up to LEAF, or
    to BLOCK above LEAF."""
    return LEAF if k <= LEAF else (k + BLOCK - 1) // BLOCK * BLOCK


cdef inline void sort_ids(intp_t* a, intp_t k, intp_t n, intp_t* scratch) noexcept nogil:
    """Sort the distinct ids ``a[:k]`` (all below ``n``) ascending. ``a`` has room for
    ``sort_room(k)`` ids (the ones past ``k`` are overwritten); ``scratch`` holds
    ``sort_room(k)`` ids when k > BLOCK (else it may be NULL).

    Padded with the largest intp: up to LEAF ids, one network; up to RADIX_FROM, blocks
    of BLOCK ids sorted by networks, then merged pairwise (branchless; the blocks start
    in whichever buffer makes the last merge land in ``a``). Beyond: ``sort_words``, the LSD radix
    sort of distinct words (non-negative intp ids are such words)."""
    cdef intp_t i, width, lo, padded = sort_room(k), passes = 0
    cdef intp_t* src = a
    cdef intp_t* dst = scratch
    cdef intp_t* swap
    if k <= 1:
        return
    if k <= LEAF:  # a fixed loop: no branch on k
        for i in range(LEAF):
            a[i] = a[i] if i < k else PY_SSIZE_T_MAX
        sort_leaf(a)
        return
    if k <= RADIX_FROM:
        for i in range(k, padded):
            a[i] = PY_SSIZE_T_MAX
        width = BLOCK
        while width < padded:
            passes += 1
            width *= 2
        if passes % 2:
            src = scratch
            dst = a
        for i in range(padded // BLOCK):  # (a range with a named step would be a Python loop)
            sort_block(a + i * BLOCK, src + i * BLOCK)
        width = BLOCK
        while width < padded:
            lo = 0
            while lo < padded:
                if lo + width >= padded:
                    memcpy(dst + lo, src + lo, (padded - lo) * sizeof(intp_t))
                elif 2 * width >= padded:  # the last pass: the k ids, not the padding
                    merge_runs(src, width, src + width, padded - width, dst, k)
                else:
                    merge_runs(src + lo, width, src + lo + width, min(width, padded - lo - width), dst + lo,
                               min(2 * width, padded - lo))
                lo += 2 * width
            swap = src
            src = dst
            dst = swap
            width *= 2
        return
    sort_words(<uint64_t*> a, <uint64_t*> scratch, k, 0, bit_length(<uint64_t> n))


cdef inline intp_t sort_by_key(uint64_t* keys, intp_t* vals, intp_t n) noexcept nogil:
    """``radix_sort`` with scratch of its own; return n, or -1 when memory runs out."""
    cdef uint64_t* ktmp = <uint64_t*> malloc((n + 1) * sizeof(uint64_t))
    cdef intp_t* vtmp = <intp_t*> malloc((n + 1) * sizeof(intp_t))
    if ktmp == NULL or vtmp == NULL:
        n = -1
    else:
        radix_sort(keys, vals, n, ktmp, vtmp)
    free(ktmp)
    free(vtmp)
    return n


cdef struct KeyTie:
    # A (key, tie) pair, ordered by key, then by tie: for example an edge ranked by
    # IoU desc, then by index asc, as (~float_key(iou), index).
    uint64_t key
    intp_t tie


cdef inline bint sort_key_ties(KeyTie* a, intp_t n, KeyTie* tmp) noexcept nogil:
    """Sort the pairs ``a[:n]`` by (key, tie), stable: a top-down merge sort through
    ``tmp`` (room for n pairs; NULL is fine up to 32 pairs), runs of up to 32 pairs by
    insertion. Return True when two pairs have equal keys, so that a caller ranking
    ties by something else can skip the lists without ties. Equal neighbours are
    always compared, and a comparison reads the ties only when the keys are equal,
    which is where it notes them: no cost on the common path."""
    cdef intp_t half = n // 2, i, j, k = 0
    cdef KeyTie value
    cdef bint tied = False, right_first
    if n <= 32:
        for i in range(1, n):
            value = a[i]
            j = i - 1
            while j >= 0:  # shift the pairs after value
                if a[j].key != value.key:
                    if a[j].key < value.key:
                        break
                else:
                    tied = True
                    if a[j].tie <= value.tie:
                        break
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = value
        return tied
    tied = sort_key_ties(a, half, tmp)
    tied |= sort_key_ties(a + half, n - half, tmp)
    i = 0
    j = half
    while i < half and j < n:
        if a[i].key != a[j].key:
            right_first = a[j].key < a[i].key
        else:
            tied = True
            right_first = a[j].tie < a[i].tie
        if right_first:
            tmp[k] = a[j]
            j += 1
        else:
            tmp[k] = a[i]
            i += 1
        k += 1
    while i < half:
        tmp[k] = a[i]
        i += 1
        k += 1
    while j < n:
        tmp[k] = a[j]
        j += 1
        k += 1
    for k in range(n):
        a[k] = tmp[k]
    return tied
