"""boxgeom: fast, exact geometry for boxes.

Pair finding, IoU (axis-aligned and rotated), NMS, matching, tile cover and
set-level areas, in Cython kernels that release the GIL.

Map of the compiled layer: each public function validates its input once
(``_validate``, ``formats``), then calls a kernel in a private module.

- find_pairs, find_pairs_between -> _pairs (a cost plan, then _brute, _sweep or
  _strips); pairs_to_csr -> _csr
- box_iou, box_iou_pairs -> _iou (every mode: _box.measure)
- clip_boxes_to_image, remove_small_boxes -> numpy, after the checks; masks_to_boxes -> _masks
- nms, batched_nms -> _nms (a hierarchical grid, _hgrid.pxd)
- match_greedy -> _match (_hgrid.pxd); match_optimal -> _pairs, _iou, _assign
- weighted_boxes_fusion, non_maximum_weighted -> _fusion (a hierarchical grid of the
  clusters); boxgeom.ensemble (ensemble-boxes' drop-in) -> _fusion and _nms
- tile_cover -> _cover
- evaluate_detections -> _evaluate (grouping, then matching and accumulation per category;
  rotated boxes and quads bring their IoU from _rotated)
- nmm, merge_groups -> _nmm (the hierarchical grid, _hgrid.pxd); slice_grid -> Python
- BoxIndex -> _index
- rotated_corners, rotated_intersection_area, rotated_iou, polygon_iou -> _rotated
  (clipping in _clip.pxd)
- rotated_iou_pairs, rotated_nms -> _rotated and _pairs; rotated_nms then _nms
- soft_nms, rotated_soft_nms -> _soft_nms (order), _pairs, _iou or _rotated, then _soft_nms (the walk);
  batched_rotated_nms, polygon_nms -> _pairs, _soft_nms (label filter), _rotated, then _nms
- union_area, set_areas, set_iou, set_area_grads -> _setarea
- box_area, box_convert -> numpy, after the checks in _checks; rotated_box_area -> numpy
- openmp_enabled -> _openmp
- boxgeom.compat -> _pairs and _csr, _nms, _match, _cover, _compat_index
- boxgeom.dask -> the functions above, once per partition
- voc_ap -> _pairs (one band per image and category), _iou or _rotated, then numpy; read_dota,
  write_dota -> Python

Shared headers: _box.pxd (box algebra), _cells.pxd, _sort.pxd, _buffer.pxd,
_bits.pxd, _kinds.pxd (dtype dispatch), _types.pxd. Full map: docs/architecture.md.
"""

from boxgeom._threads import openmp_enabled
from boxgeom._compat_checks import InvalidBoxesError
from boxgeom.evaluation import DetectionEvaluation, evaluate_detections
from boxgeom.detection import batched_nms, match_greedy, match_optimal, nms, tile_cover
from boxgeom.formats import box_area, box_convert
from boxgeom.fusion import non_maximum_weighted, weighted_boxes_fusion
from boxgeom.index import BoxIndex
from boxgeom.iou import box_iou, box_iou_pairs
from boxgeom.merging import merge_groups, nmm, slice_grid
from boxgeom.ops import clip_boxes_to_image, masks_to_boxes, remove_small_boxes
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
from boxgeom.suppression import batched_rotated_nms, polygon_nms, rotated_soft_nms, soft_nms
from boxgeom.dota import DotaData, read_dota, write_dota
from boxgeom.voc import VocResult, voc_ap

__version__ = "0.1.0"

__all__ = [
    "BoxIndex",
    "InvalidBoxesError",
    "__version__",
    "box_area",
    "box_convert",
    "box_iou",
    "batched_nms",
    "batched_rotated_nms",
    "box_iou_pairs",
    "clip_boxes_to_image",
    "DetectionEvaluation",
    "evaluate_detections",
    "find_pairs",
    "find_pairs_between",
    "match_greedy",
    "masks_to_boxes",
    "match_optimal",
    "merge_groups",
    "nmm",
    "nms",
    "non_maximum_weighted",
    "openmp_enabled",
    "pairs_to_csr",
    "polygon_iou",
    "polygon_nms",
    "remove_small_boxes",
    "rotated_box_area",
    "rotated_corners",
    "rotated_intersection_area",
    "rotated_iou",
    "rotated_iou_pairs",
    "rotated_nms",
    "rotated_soft_nms",
    "SetAreas",
    "set_area_grads",
    "set_areas",
    "set_iou",
    "soft_nms",
    "slice_grid",
    "union_area",
    "tile_cover",
    "weighted_boxes_fusion",
    "DotaData",
    "VocResult",
    "read_dota",
    "voc_ap",
    "write_dota",
]
