import numpy as np
import numpy.typing as npt

MODE_CODES: dict[str, int]

def iou_matrix(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    *,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def iou_pairs(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    *,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def pair_overlaps(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    *,
    n_threads: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def measure_matrix(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    *,
    mode: int,  # a value of MODE_CODES
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def measure_aligned(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype and length
    *,
    mode: int,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def measure_pairs(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    *,
    mode: int,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
