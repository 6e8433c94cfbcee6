"""Bounding boxes of binary masks (``masks_to_boxes``): one pass over each mask.

Each mask (H, W) is read row by row; a row's first and last nonzero pixel widen the
box, and the first and last rows with any set the y-extent. Masks are independent and
split between threads; an empty mask gives the zero box (as torchvision's
``masks_to_boxes`` does for a mask without pixels).
"""

from cython.parallel cimport prange

cimport numpy as cnp
import numpy as np

from boxgeom._types cimport intp_t, uint8_t

cnp.import_array()


def masks_to_boxes(const uint8_t[:, :, ::1] masks, *, int n_threads):
    """Return the (n, 4) float64 ``[x_min, y_min, x_max, y_max]`` (pixel indices) of the
    nonzero pixels of each mask of ``masks`` (n, H, W), zeros for an empty mask."""
    cdef intp_t n = masks.shape[0], i
    out_array = np.zeros((n, 4), dtype=np.float64)
    cdef double[:, ::1] out = out_array
    with nogil:
        for i in prange(n, schedule="dynamic", num_threads=n_threads):
            mask_box(masks, i, &out[i, 0])
    return out_array


cdef void mask_box(const uint8_t[:, :, ::1] masks, intp_t i, double* box) noexcept nogil:
    """The box of mask i into ``box`` (left untouched, 0, when the mask is empty)."""
    cdef intp_t height = masks.shape[1], width = masks.shape[2], y, x, left = width, right = -1
    cdef intp_t top = -1, bottom = -1, first, last
    cdef const uint8_t* row
    for y in range(height):
        row = &masks[i, y, 0]
        first = 0
        while first < width and row[first] == 0:
            first += 1
        if first == width:
            continue
        last = width - 1
        while row[last] == 0:
            last -= 1
        if top < 0:
            top = y
        bottom = y
        if first < left:
            left = first
        if last > right:
            right = last
    if top >= 0:
        box[0] = left
        box[1] = top
        box[2] = right
        box[3] = bottom
