# Stable LSD radix sort on order-preserving uint64 keys, shared by the kernels that
# sort scores, IoUs or labels.

from libc.string cimport memcpy, memset

from boxgeom._types cimport int64_t, intp_t, uint64_t

cdef extern from *:
    """
    static inline int boxgeom_bit_length(unsigned long long v) { return v ? 64 - __builtin_clzll(v) : 0; }
    static inline int boxgeom_ctz64(unsigned long long v) { return v ? __builtin_ctzll(v) : 64; }
    """
    # Number of bits needed for v (0 for 0), as Python's int.bit_length.
    int bit_length "boxgeom_bit_length"(unsigned long long v) noexcept nogil
    # Number of trailing zero bits of v (64 for 0).
    int ctz64 "boxgeom_ctz64"(unsigned long long v) noexcept nogil


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
