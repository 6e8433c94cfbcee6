"""Pair lists to compressed sparse rows (CSR), and CSR rows to per-box arrays.

A counting sort by row: O(k + n), stable, then each row sorted ascending (rows
that are already sorted, the common case, cost one pass).
"""

cimport numpy as cnp
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

import numpy as np

from boxgeom._sort cimport sort_intp
from boxgeom._types cimport int64_t, intp_t, uint32_t

cnp.import_array()


cdef bint fill_csr(const intp_t* first, const intp_t* second, intp_t k, intp_t n_rows, bint symmetric,
                   int64_t* indptr, intp_t* indices) noexcept nogil:
    """Fill ``indptr`` (n_rows + 1) and ``indices`` (k, or 2k with ``symmetric``) from the
    edges (first[t], second[t]), every row sorted ascending; False when memory runs out.
    Indices must lie in [0, n_rows)."""
    cdef intp_t t, row, a, b
    cdef int64_t* cursor = <int64_t*> malloc((n_rows + 1) * sizeof(int64_t))
    if cursor == NULL:
        return False
    memset(indptr, 0, (n_rows + 1) * sizeof(int64_t))
    for t in range(k):
        indptr[first[t] + 1] += 1
        if symmetric:
            indptr[second[t] + 1] += 1
    for row in range(n_rows):
        indptr[row + 1] += indptr[row]
    memcpy(cursor, indptr, n_rows * sizeof(int64_t))
    for t in range(k):
        a = first[t]
        b = second[t]
        indices[cursor[a]] = b
        cursor[a] += 1
        if symmetric:
            indices[cursor[b]] = a
            cursor[b] += 1
    free(cursor)
    for row in range(n_rows):
        for t in range(indptr[row] + 1, indptr[row + 1]):
            if indices[t - 1] > indices[t]:
                sort_intp(&indices[indptr[row]], indptr[row + 1] - indptr[row])
                break
    return True


def build_csr(const intp_t[::1] first, const intp_t[::1] second, intp_t n_rows, bint symmetric):
    """Return ``(indptr int64 (n_rows + 1,), indices intp)`` with every row sorted ascending.

    Edge ``t`` puts ``second[t]`` in row ``first[t]`` (and, with ``symmetric``, also
    ``first[t]`` in row ``second[t]``). Indices must lie in [0, n_rows).
    """
    cdef intp_t k = first.shape[0]
    cdef bint ok
    indptr_array = np.empty(n_rows + 1, dtype=np.int64)
    indices_array = np.empty(k * (2 if symmetric else 1), dtype=np.intp)
    cdef int64_t* indptr = <int64_t*> cnp.PyArray_DATA(indptr_array)
    cdef intp_t* indices = <intp_t*> cnp.PyArray_DATA(indices_array)
    cdef const intp_t* a = &first[0] if k else NULL
    cdef const intp_t* b = &second[0] if k else NULL
    with nogil:
        ok = fill_csr(a, b, k, n_rows, symmetric, indptr, indices)
    if not ok:
        raise MemoryError()
    return indptr_array, indices_array


def rows_to_arrays(const int64_t[::1] indptr, const uint32_t[::1] indices):
    """Return a list with one new uint32 array per CSR row (box-intersect-lib's result shape)."""
    cdef intp_t n = indptr.shape[0] - 1, row
    cdef cnp.npy_intp length
    cdef list rows = [None] * n
    cdef cnp.ndarray array
    for row in range(n):
        length = indptr[row + 1] - indptr[row]
        array = cnp.PyArray_SimpleNew(1, &length, cnp.NPY_UINT32)
        if length:
            memcpy(cnp.PyArray_DATA(array), &indices[indptr[row]], length * sizeof(uint32_t))
        rows[row] = array
    return rows
