import numpy as np
import numpy.typing as npt

def greedy_nms(
    boxes: npt.NDArray[np.generic],  # C-contiguous (n, 4) int32, int64, float32 or float64
    scores: npt.NDArray[np.float64],  # const double[::1]
    labels: npt.NDArray[np.int64] | None,  # const int64_t[::1]
    iou_threshold: float,
    overlap_threshold: float,
    use_overlap: bool,
    peer_rule: bool,
    n_threads: int,
    method: int = 0,
    as_mask: bool = False,
) -> npt.NDArray[np.intp] | npt.NDArray[np.bool_]: ...
def greedy_matching(
    boxes1: npt.NDArray[np.generic],  # C-contiguous (n, 4) int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    threshold: float,
    peer_rule: bool,
    by_second: bool,
    n_threads: int,
    method: int = 0,
    as_uint32: bool = False,
) -> tuple[npt.NDArray[np.intp | np.uint32], npt.NDArray[np.intp | np.uint32], npt.NDArray[np.intp | np.uint32]]: ...
def pair_overlaps(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    n_threads: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
