"""boxgeom: fast, exact geometry for boxes.

Pair finding, IoU (axis-aligned and rotated), NMS, matching, tile cover and
set-level areas, in Cython kernels that release the GIL.
"""

from boxgeom._threads import openmp_enabled
from boxgeom._validate import InvalidBoxesError
from boxgeom.detection import batched_nms, match_greedy, match_optimal, nms, tile_cover
from boxgeom.formats import box_area, box_convert
from boxgeom.index import BoxIndex
from boxgeom.iou import box_iou, box_iou_pairs
from boxgeom.pairs import find_pairs, find_pairs_between, pairs_to_csr
from boxgeom.rotated import (
    polygon_iou,
    rotated_box_area,
    rotated_corners,
    rotated_intersection_area,
    rotated_iou,
    rotated_iou_pairs,
    rotated_nms,
)
from boxgeom.setarea import SetAreas, set_area_grads, set_areas, set_iou, union_area

__version__ = "0.1.0"

__all__ = [
    "BoxIndex",
    "InvalidBoxesError",
    "__version__",
    "box_area",
    "box_convert",
    "box_iou",
    "batched_nms",
    "box_iou_pairs",
    "find_pairs",
    "find_pairs_between",
    "match_greedy",
    "match_optimal",
    "nms",
    "openmp_enabled",
    "pairs_to_csr",
    "polygon_iou",
    "rotated_box_area",
    "rotated_corners",
    "rotated_intersection_area",
    "rotated_iou",
    "rotated_iou_pairs",
    "rotated_nms",
    "SetAreas",
    "set_area_grads",
    "set_areas",
    "set_iou",
    "union_area",
    "tile_cover",
]
