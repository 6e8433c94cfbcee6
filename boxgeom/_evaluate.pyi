import numpy as np
import numpy.typing as npt
from typing import Any

RECORD: np.dtype  # box (4 float64: x, y, w, h, or bounds), area, value (score or crowd flag), id (int64)

def group_rows(
    group: npt.NDArray[np.intp],  # const intp_t[::1] (n,): the group of every row
    order: npt.NDArray[np.intp],  # const intp_t[::1]: the rows to group, in this order
    n_groups: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...  # (indptr, rows)
def gather_records(
    rows: npt.NDArray[np.intp],  # const intp_t[::1]: the rows, in record order
    boxes: npt.NDArray[np.float64],  # const float64_t[:, ::1] (n, 4)
    areas: npt.NDArray[np.float64],  # const float64_t[::1]
    values: npt.NDArray[np.float64],  # const float64_t[::1]: scores, or crowd flags (0.0 / 1.0)
    ids: npt.NDArray[np.int64],  # const int64_t[::1]
) -> np.ndarray: ...  # RECORD
def rank_detections(
    indptr: npt.NDArray[np.int64],  # int64_t[::1] (n_groups + 1,), rewritten in place
    records: np.ndarray,  # RECORD, grouped; ranked, cut and packed in place
    max_det: int,
) -> npt.NDArray[np.intp]: ...  # the positions kept
def group_pairs(
    gt_records: np.ndarray,  # RECORD, box = bounds x1, y1, x2, y2
    dt_records: np.ndarray,  # RECORD
    gt_indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    dt_indptr: npt.NDArray[np.int64],  # const int64_t[::1]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...  # (indptr over detections, local gt position)
def evaluate(
    gt_records: np.ndarray,
    dt_records: np.ndarray,
    gt_indptr: npt.NDArray[np.int64],
    dt_indptr: npt.NDArray[np.int64],
    pairs: Any,  # None, or (indptr, local, iou) for listed IoU
    n_categories: int,
    n_images: int,
    iou_thresholds: npt.NDArray[np.float64],
    recall_thresholds: npt.NDArray[np.float64],
    max_dets: npt.NDArray[np.intp],
    area_ranges: npt.NDArray[np.float64],  # (A, 2)
    n_threads: int = 1,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...  # precision, recall, scores
