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


cdef inline void radix_sort(uint64_t* keys, intp_t* vals, intp_t n, uint64_t* ktmp, intp_t* vtmp) noexcept nogil:
    """Sort ``vals[:n]`` by ``keys[:n]`` in place, stable: byte-wise LSD, bytes equal in
    all keys skipped (a merge sort below 1024 keys, where the counting passes cost
    more). ``ktmp`` and ``vtmp`` are scratch buffers of ``n`` elements."""
    cdef intp_t counts[8][256]
    cdef intp_t i, j, d, total, c
    cdef uint64_t key
    cdef uint64_t* ksrc = keys
    cdef uint64_t* kdst = ktmp
    cdef intp_t* vsrc = vals
    cdef intp_t* vdst = vtmp
    cdef uint64_t* kswap
    cdef intp_t* vswap
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
