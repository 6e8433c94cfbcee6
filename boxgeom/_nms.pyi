import numpy as np
import numpy.typing as npt

def greedy_nms(
    boxes: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    scores: npt.NDArray[np.float64],  # const double[::1]
    labels: npt.NDArray[np.int64] | None,  # const int64_t[::1]
    *,
    iou_threshold: float,
    overlap_threshold: float | None = None,
    peer_rule: bool = False,
    n_threads: int = 1,
    method: int = 0,
    as_mask: bool = False,
) -> npt.NDArray[np.intp] | npt.NDArray[np.bool_]: ...
def greedy_suppress(
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    indices: npt.NDArray[np.intp],  # const intp_t[::1]
    keep: npt.NDArray[np.intp],  # intp_t[::1]
) -> int: ...
def suppress_pairs(
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    iou: npt.NDArray[np.float64],  # const double[::1]
    *,
    iou_threshold: float,
) -> npt.NDArray[np.intp]: ...
