import numpy as np
import numpy.typing as npt

def groups(
    boxes: npt.NDArray[np.generic],  # (n, 4) int32, int64, float32 or float64, rows contiguous
    scores: npt.NDArray[np.float64],  # const double[::1]
    labels: npt.NDArray[np.int64] | None,  # const int64_t[::1]
    *,
    mode: int,  # a value of _iou.MODE_CODES ("iou" or "ios")
    threshold: float,
    greedy: bool,
    by_index: bool,
    n_threads: int = 1,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
def merge(
    boxes: npt.NDArray[np.generic],  # (n, 4) int32, int64, float32 or float64, rows contiguous
    scores: npt.NDArray[np.float64],  # const double[::1]
    labels: npt.NDArray[np.int64] | None,  # const int64_t[::1]
    keep: npt.NDArray[np.intp],  # const intp_t[::1]
    indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    indices: npt.NDArray[np.intp],  # const intp_t[::1]
    *,
    threshold: float,
    ios: bool,
    retest: bool,
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.float64], npt.NDArray[np.int64] | None]: ...
