from typing import Any

import numpy as np
import numpy.typing as npt

def group_rows(
    group: npt.NDArray[np.intp],  # const intp_t[::1] (n,): the group of every row
    order: npt.NDArray[np.intp],  # const intp_t[::1]: the rows to group, in this order
    n_groups: int,
    scores: npt.NDArray[np.float64] | None = None,  # const float64_t[::1] (n,): rank each group by them
    max_det: int = -1,  # and keep this many of each (-1: all)
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...  # (indptr, rows)
def group_pairs(
    gt_bounds: npt.NDArray[np.float64],  # const float64_t[:, ::1] (G, 4) x1, y1, x2, y2
    dt_bounds: npt.NDArray[np.float64],  # const float64_t[:, ::1] (D, 4)
    gt_indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    gt_rows: npt.NDArray[np.intp],  # const intp_t[::1]
    dt_indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    dt_rows: npt.NDArray[np.intp],  # const intp_t[::1]
) -> tuple[
    npt.NDArray[np.int64],  # indptr over the positions in dt_rows
    npt.NDArray[np.intp],  # the ground truth's position in its group
    npt.NDArray[np.intp],  # detection (original index)
    npt.NDArray[np.intp],  # ground truth (original index)
]: ...
def evaluate(
    gt_boxes: npt.NDArray[np.float64] | None,  # (G, 4) x, y, w, h, or None with pairs
    gt_areas: npt.NDArray[np.float64],
    gt_crowd: npt.NDArray[np.uint8],
    gt_ids: npt.NDArray[np.int64],
    dt_boxes: npt.NDArray[np.float64] | None,
    dt_areas: npt.NDArray[np.float64],
    dt_scores: npt.NDArray[np.float64],
    dt_ids: npt.NDArray[np.int64],
    gt_indptr: npt.NDArray[np.int64],
    gt_rows: npt.NDArray[np.intp],
    dt_indptr: npt.NDArray[np.int64],
    dt_rows: npt.NDArray[np.intp],
    pairs: Any,  # None, or (indptr, local, iou) for listed IoU
    n_categories: int,
    n_images: int,
    iou_thresholds: npt.NDArray[np.float64],
    recall_thresholds: npt.NDArray[np.float64],
    max_dets: npt.NDArray[np.intp],
    area_ranges: npt.NDArray[np.float64],  # (A, 2)
    n_threads: int = 1,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...  # precision, recall, scores
