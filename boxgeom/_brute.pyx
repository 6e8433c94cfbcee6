"""Brute-force pair finder: test every pair, for small inputs.

Per box of the first set, one overlap flag per box of the second set, computed from the
second set's coordinates laid out column by column (a loop the compiler vectorises);
the flagged indices are then listed without branches. Rows come out in order and each
row's indices ascending, so the (2, k) result is already sorted lexicographically.

Used by the pair engine (``_pairs.find_pairs``) below a few hundred thousand pair tests.
Runs with the GIL held, as its inputs are small.
"""

cimport numpy as cnp
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

from boxgeom._box cimport closed_overlap, has_area, open_overlap
from boxgeom._types cimport coord_t, intp_t, uint8_t

cnp.import_array()


cdef inline void fill_columns(const coord_t* boxes, intp_t step, intp_t n, bint touching, coord_t* columns,
                              uint8_t* usable) noexcept nogil:
    """The n boxes (box j at ``boxes + step * j``) as four columns x1, y1, x2, y2, and
    whether each may pair at all (``usable``: any box if touching, else positive area)."""
    cdef intp_t j, c
    for j in range(n):
        for c in range(4):
            columns[c * n + j] = boxes[step * j + c]
        usable[j] = touching or has_area(boxes + step * j)


cdef object brute_pairs(const coord_t* boxes1, intp_t n1, intp_t step1, const coord_t* boxes2, intp_t n2,
                        intp_t step2, bint self_join, bint touching):
    """Return the (2, k) intp pairs (row of set 1, row of set 2) of overlapping boxes, sorted.

    Box i of a set starts ``step * i`` values after its first (``step`` is 4 for
    C-contiguous boxes). With ``self_join`` the two sets are one and only the pairs i < j
    are reported. Under the strict rule zero-area boxes never pair.
    """
    cdef intp_t i, j, j0, size = 0
    cdef cnp.npy_intp dims[2]
    cdef coord_t* columns = <coord_t*> malloc((4 * n2 + 1) * sizeof(coord_t))
    cdef uint8_t* usable = <uint8_t*> malloc(n2 + 1)
    cdef uint8_t* flags = <uint8_t*> malloc(n2 + 1)
    cdef intp_t* found = <intp_t*> malloc((n1 * n2 + 1) * sizeof(intp_t))  # per pair: j, in row order
    cdef intp_t* row_end = <intp_t*> malloc((n1 + 1) * sizeof(intp_t))
    cdef const coord_t* x1 = columns
    cdef const coord_t* y1 = columns + n2
    cdef const coord_t* x2 = columns + 2 * n2
    cdef const coord_t* y2 = columns + 3 * n2
    cdef coord_t a0, a1, a2, a3
    cdef intp_t* out
    try:
        if columns == NULL or usable == NULL or flags == NULL or found == NULL or row_end == NULL:
            raise MemoryError()
        if step2 == 4:  # C-contiguous rows: a constant step, which the compiler vectorises
            fill_columns(boxes2, 4, n2, touching, columns, usable)
        else:
            fill_columns(boxes2, step2, n2, touching, columns, usable)
        for i in range(n1):
            a0 = boxes1[step1 * i]
            a1 = boxes1[step1 * i + 1]
            a2 = boxes1[step1 * i + 2]
            a3 = boxes1[step1 * i + 3]
            j0 = i + 1 if self_join else 0
            if touching:
                for j in range(j0, n2):
                    flags[j] = closed_overlap(a0, a1, a2, a3, x1[j], y1[j], x2[j], y2[j])
            elif has_area(boxes1 + step1 * i):
                for j in range(j0, n2):
                    flags[j] = open_overlap(a0, a1, a2, a3, x1[j], y1[j], x2[j], y2[j]) & usable[j]
            else:
                j0 = n2
            for j in range(j0, n2):
                found[size] = j
                size += flags[j]
            row_end[i] = size
        dims[0] = 2
        dims[1] = size
        result = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INTP, 0)
        out = <intp_t*> cnp.PyArray_DATA(result)
        j = 0
        for i in range(n1):
            while j < row_end[i]:
                out[j] = i
                j += 1
        memcpy(out + size, found, size * sizeof(intp_t))
        return result
    finally:
        free(columns)
        free(usable)
        free(flags)
        free(found)
        free(row_end)
