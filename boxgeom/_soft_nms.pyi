import numpy as np
import numpy.typing as npt

METHOD_CODES: dict[str, int]

def soft_nms_boxes(
    boxes: npt.NDArray[np.generic],  # const coord_t[:, ::view.contiguous] (n, 4), int32, int64, float32 or float64
    scores: npt.NDArray[np.float64],  # const double[::1] (n,)
    labels: npt.NDArray[np.int64] | None,  # const int64_t[::1] (n,)
    ids: npt.NDArray[np.intp] | None,  # const intp_t[::1] (n,), distinct
    *,
    method: int,  # a value of METHOD_CODES
    sigma: float,
    iou_threshold: float,
    score_threshold: float,
    n_threads: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]: ...
def soft_nms_pairs(
    scores: npt.NDArray[np.float64],  # const double[::1] (n,)
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1] (2, k), row 0 ascending
    iou: npt.NDArray[np.float64],  # double[::1] (k,), overwritten by the decay weights
    ids: npt.NDArray[np.intp],  # const intp_t[::1] (n,), distinct
    *,
    method: int,  # a value of METHOD_CODES
    sigma: float,
    iou_threshold: float,
    score_threshold: float,
    n_threads: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]: ...
def same_label_pairs(
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1] (2, k)
    labels: npt.NDArray[np.int64],  # const int64_t[::1] (n,)
) -> npt.NDArray[np.intp]: ...
def locality_order(
    boxes: npt.NDArray[np.generic],  # C-contiguous (n, 4) int32, int64, float32 or float64
    ranks: npt.NDArray[np.int64] | None,  # const int64_t[::1] (n,), non-negative
) -> npt.NDArray[np.intp]: ...
