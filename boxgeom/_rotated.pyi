import numpy as np
import numpy.typing as npt

# Inputs: C-contiguous int32, int64, float32 or float64 (one fused type for both
# arrays); rows of 5 columns are rotated boxes, rows of 8 columns convex quads.

def first_invalid(
    boxes: npt.NDArray[np.float64],  # const double[:, ::1] (n, 5)
    limit: float,
) -> int: ...
def corners(
    boxes: npt.NDArray[np.generic],  # const coord_t[:, ::1] (n, 5)
    degrees: bool,
    flip: bool,
    out: npt.NDArray[np.float64],  # double[:, :, ::1] (n, 4, 2)
    n_threads: int,
) -> None: ...
def bounds(
    boxes: npt.NDArray[np.generic],  # const coord_t[:, ::1] (n, 5)
    degrees: bool,
    flip: bool,
    out: npt.NDArray[np.float64],  # double[:, ::1] (n, 4)
    n_threads: int,
) -> None: ...
def pairwise(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    degrees: bool,
    flip: bool,
    iou: bool,
    out: npt.NDArray[np.float64],  # double[:, ::1] (n, m)
    n_threads: int,
) -> None: ...
def aligned(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    degrees: bool,
    flip: bool,
    iou: bool,
    out: npt.NDArray[np.float64],  # double[::1] (n,)
    n_threads: int,
) -> None: ...
def on_pairs(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1] (2, k)
    same: bool,
    degrees: bool,
    flip: bool,
    iou: bool,
    out: npt.NDArray[np.float64],  # double[::1] (k,)
    n_threads: int,
) -> None: ...
