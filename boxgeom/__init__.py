"""boxgeom: fast, exact geometry for boxes.

Pair finding, IoU (axis-aligned and rotated), NMS, matching, tile cover and
set-level areas, in Cython kernels that release the GIL.
"""

from boxgeom._threads import openmp_enabled
from boxgeom._validate import InvalidBoxesError
from boxgeom.formats import box_area, box_convert
from boxgeom.iou import box_iou, box_iou_pairs
from boxgeom.pairs import find_pairs, find_pairs_between, pairs_to_csr

__version__ = "0.1.0"

__all__ = [
    "InvalidBoxesError",
    "__version__",
    "box_area",
    "box_convert",
    "box_iou",
    "box_iou_pairs",
    "find_pairs",
    "find_pairs_between",
    "openmp_enabled",
    "pairs_to_csr",
]
