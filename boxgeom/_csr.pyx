"""Pair lists to compressed sparse rows (CSR), and CSR rows to per-box arrays.

A counting sort by row: O(k + n), stable, then each row sorted ascending (rows
that are already sorted, the common case, cost one pass).
"""

cimport numpy as cnp
from libc.string cimport memcpy

import numpy as np

from boxgeom._pairbuf cimport sort_intp
from boxgeom._types cimport int64_t, intp_t, uint32_t

cnp.import_array()


def build_csr(const intp_t[::1] first, const intp_t[::1] second, intp_t n_rows, bint symmetric):
    """Return ``(indptr int64 (n_rows + 1,), indices intp)`` with every row sorted ascending.

    Edge ``t`` puts ``second[t]`` in row ``first[t]`` (and, with ``symmetric``, also
    ``first[t]`` in row ``second[t]``). Indices must lie in [0, n_rows).
    """
    cdef intp_t k = first.shape[0], t, row, a, b
    indptr_array = np.zeros(n_rows + 1, dtype=np.int64)
    cdef int64_t[::1] indptr = indptr_array
    indices_array = np.empty(k * (2 if symmetric else 1), dtype=np.intp)
    cdef intp_t[::1] indices = indices_array
    cdef int64_t[::1] cursor
    with nogil:
        for t in range(k):
            indptr[first[t] + 1] += 1
            if symmetric:
                indptr[second[t] + 1] += 1
        for row in range(n_rows):
            indptr[row + 1] += indptr[row]
    cursor = indptr_array[:n_rows].copy()
    with nogil:
        for t in range(k):
            a = first[t]
            b = second[t]
            indices[cursor[a]] = b
            cursor[a] += 1
            if symmetric:
                indices[cursor[b]] = a
                cursor[b] += 1
        for row in range(n_rows):
            for t in range(indptr[row] + 1, indptr[row + 1]):
                if indices[t - 1] > indices[t]:
                    sort_intp(&indices[indptr[row]], indptr[row + 1] - indptr[row])
                    break
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
