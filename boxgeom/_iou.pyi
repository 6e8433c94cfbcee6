import numpy as np
import numpy.typing as npt

def iou_matrix(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
def iou_pairs(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
