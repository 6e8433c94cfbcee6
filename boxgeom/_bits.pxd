# Bit tricks, prefetch and relaxed atomics: the one portable header for them.
#
# | function               | GCC / Clang                  | MSVC                          | elsewhere          |
# |------------------------|------------------------------|-------------------------------|--------------------|
# | ctz32(v), ctz64(v)     | __builtin_ctz, __builtin_ctzll | _BitScanForward(64)         | a loop             |
# | bit_length(v)          | __builtin_clzll              | _BitScanReverse64             | a loop             |
# | prefetch(base, offset) | __builtin_prefetch           | _mm_prefetch (x86, x64)       | nothing            |
# | load_relaxed/store_relaxed | __atomic_*_n, relaxed    | a volatile byte access        | a volatile access  |
#
# ``ctz32(0)`` is 32, ``ctz64(0)`` 64 and ``bit_length(0)`` 0 (Python's int.bit_length);
# a prefetch is a hint that never faults, so its address may lie past the end of an
# array (it is computed as an integer). ``select`` is a branch-free choice between two
# doubles, for values whose condition comes from a division nothing should wait on.

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #if defined(_MSC_VER) && !defined(__clang__)
    #include <intrin.h>
    static __inline int boxgeom_ctz32(unsigned int v) {
        unsigned long i;
        return _BitScanForward(&i, v) ? (int) i : 32;
    }
    static __inline int boxgeom_ctz64(unsigned long long v) {
    #if defined(_M_X64) || defined(_M_ARM64)
        unsigned long i;
        return _BitScanForward64(&i, v) ? (int) i : 64;
    #else
        unsigned long i;
        if (_BitScanForward(&i, (unsigned long) v)) return (int) i;
        return _BitScanForward(&i, (unsigned long) (v >> 32)) ? (int) i + 32 : 64;
    #endif
    }
    static __inline int boxgeom_bit_length(unsigned long long v) {
    #if defined(_M_X64) || defined(_M_ARM64)
        unsigned long i;
        return _BitScanReverse64(&i, v) ? (int) i + 1 : 0;
    #else
        unsigned long i;
        if (_BitScanReverse(&i, (unsigned long) (v >> 32))) return (int) i + 33;
        return _BitScanReverse(&i, (unsigned long) v) ? (int) i + 1 : 0;
    #endif
    }
    #if defined(_M_X64) || defined(_M_IX86)
    #include <xmmintrin.h>
    #define boxgeom_prefetch(base, offset) _mm_prefetch((const char*) ((uintptr_t) (base) + (offset)), _MM_HINT_T0)
    #else
    #define boxgeom_prefetch(base, offset) ((void) (base), (void) (offset))
    #endif
    static __inline unsigned char boxgeom_load_relaxed(const unsigned char* p) { return *(volatile const unsigned char*) p; }
    static __inline void boxgeom_store_relaxed(unsigned char* p, unsigned char v) { *(volatile unsigned char*) p = v; }
    #elif defined(__GNUC__) || defined(__clang__)
    static inline int boxgeom_ctz32(unsigned int v) { return v ? __builtin_ctz(v) : 32; }
    static inline int boxgeom_ctz64(unsigned long long v) { return v ? __builtin_ctzll(v) : 64; }
    static inline int boxgeom_bit_length(unsigned long long v) { return v ? 64 - __builtin_clzll(v) : 0; }
    #define boxgeom_prefetch(base, offset) __builtin_prefetch((const void*) ((uintptr_t) (base) + (offset)))
    static inline unsigned char boxgeom_load_relaxed(const unsigned char* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
    static inline void boxgeom_store_relaxed(unsigned char* p, unsigned char v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
    #else
    static int boxgeom_ctz32(unsigned int v) { int n = 0; if (!v) return 32; while (!(v & 1u)) { v >>= 1; ++n; } return n; }
    static int boxgeom_ctz64(unsigned long long v) { int n = 0; if (!v) return 64; while (!(v & 1u)) { v >>= 1; ++n; } return n; }
    static int boxgeom_bit_length(unsigned long long v) { int n = 0; while (v) { v >>= 1; ++n; } return n; }
    #define boxgeom_prefetch(base, offset) ((void) (base), (void) (offset))
    static unsigned char boxgeom_load_relaxed(const unsigned char* p) { return *(volatile const unsigned char*) p; }
    static void boxgeom_store_relaxed(unsigned char* p, unsigned char v) { *(volatile unsigned char*) p = v; }
    #endif
    """
    # Number of trailing zero bits of v (32 or 64 for 0).
    int ctz32 "boxgeom_ctz32"(unsigned int v) noexcept nogil
    int ctz64 "boxgeom_ctz64"(unsigned long long v) noexcept nogil
    # Number of bits needed for v (0 for 0), as Python's int.bit_length.
    int bit_length "boxgeom_bit_length"(unsigned long long v) noexcept nogil
    # A hint to fetch the cache line ``offset`` bytes from ``base`` (never faults).
    void prefetch "boxgeom_prefetch"(const void* base, Py_ssize_t offset) noexcept nogil
    # A byte shared between threads without ordering (NMS fates).
    uint8_t load_relaxed "boxgeom_load_relaxed"(const uint8_t* p) noexcept nogil
    void store_relaxed "boxgeom_store_relaxed"(uint8_t* p, uint8_t value) noexcept nogil


cdef inline double select(bint condition, double if_true, double if_false) noexcept nogil:
    """``if_true if condition else if_false`` by bit masks: no branch, so nothing waits
    on a mispredicted ``condition``."""
    cdef uint64_t t, f, mask = -(<uint64_t> condition)
    memcpy(&t, &if_true, 8)
    memcpy(&f, &if_false, 8)
    t = (t & mask) | (f & ~mask)
    memcpy(&if_true, &t, 8)
    return if_true
