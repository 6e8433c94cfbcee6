# The one growable array of the kernels: results of unknown size, built without the GIL.
#
# A Buffer holds ``size`` items of ``item`` bytes at ``data`` (cast it to the item type
# to read or write). ``buffer_reserve`` makes room for more items, doubling the capacity
# (at least ``minimum`` items), so appending n items costs O(n). When memory runs out it
# returns False and sets ``failed``: a kernel without the GIL stops, and its caller
# raises MemoryError with the GIL. A buffer may start on memory it does not own
# (``borrowed``: a stack array for the common small case); it then copies out on its
# first growth and never frees that memory.
#
# Kernels that run in parallel give each chunk of work its own buffer and concatenate
# them in chunk order, so the result never depends on the thread count.

from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset

from boxgeom._types cimport intp_t


cdef struct Buffer:
    char* data
    intp_t size       # items held
    intp_t capacity   # items there is room for
    intp_t item       # bytes per item
    intp_t minimum    # the first capacity
    bint failed
    bint borrowed     # ``data`` is the caller's: never reallocated or freed


cdef inline void buffer_init(Buffer* b, intp_t item, intp_t minimum) noexcept nogil:
    """An empty buffer of ``item``-byte items, first grown to ``minimum`` items."""
    memset(b, 0, sizeof(Buffer))
    b.item = item
    b.minimum = minimum if minimum > 0 else 1


cdef inline void buffer_borrow(Buffer* b, void* data, intp_t capacity, intp_t item) noexcept nogil:
    """An empty buffer on the caller's ``data`` (room for ``capacity`` items)."""
    buffer_init(b, item, capacity)
    b.data = <char*> data
    b.capacity = capacity
    b.borrowed = True


cdef inline bint buffer_grow(Buffer* b, intp_t need) noexcept nogil:
    """Room for ``need`` items in all; False (and ``failed``) when memory runs out."""
    cdef intp_t capacity = 2 * b.capacity if b.capacity >= b.minimum else b.minimum
    cdef char* grown
    if b.failed:
        return False
    while capacity < need:
        capacity *= 2
    if b.borrowed:
        grown = <char*> malloc(capacity * b.item)
        if grown != NULL and b.size:
            memcpy(grown, b.data, b.size * b.item)
    else:
        grown = <char*> realloc(b.data, capacity * b.item)
    if grown == NULL:
        b.failed = True
        return False
    b.data = grown
    b.capacity = capacity
    b.borrowed = False
    return True


cdef inline bint buffer_reserve(Buffer* b, intp_t extra) noexcept nogil:
    """Room for ``extra`` more items (appends without checks may follow); False (and
    ``failed``) when memory runs out."""
    return b.size + extra <= b.capacity or buffer_grow(b, b.size + extra)


cdef inline void buffer_free(Buffer* b) noexcept nogil:
    """Release the memory (unless borrowed) and leave an empty buffer of the same items."""
    if not b.borrowed:
        free(b.data)
    buffer_init(b, b.item, b.minimum)


cdef inline intp_t buffers_total(const Buffer* buffers, intp_t count) noexcept nogil:
    """Items in ``buffers[:count]``, or -1 if any of them failed."""
    cdef intp_t c, total = 0
    for c in range(count):
        if buffers[c].failed:
            return -1
        total += buffers[c].size
    return total
