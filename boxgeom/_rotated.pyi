import numpy as np
import numpy.typing as npt

# Inputs: rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64 (one dtype for both arrays);
# rows of 5 columns are rotated boxes (cx, cy, w, h, angle), rows of 8 columns convex
# quads. The kernels read them as const coord_t[:, ::1].
VALUE_CODES: dict[str, int]

_Boxes = npt.NDArray[np.int32] | npt.NDArray[np.int64] | npt.NDArray[np.float32] | npt.NDArray[np.float64]

def first_invalid(
    boxes: npt.NDArray[np.float64],  # const double[:, ::1] (n, 5)
    limit: float,
) -> int: ...
def corners(
    boxes: _Boxes,  # const coord_t[:, ::1] (n, 5)
    degrees: bool,
    flip: bool,
    out: npt.NDArray[np.float64],  # double[:, :, ::1] (n, 4, 2)
    n_threads: int,
) -> None: ...
def bounds(
    boxes: _Boxes,  # const coord_t[:, ::1] (n, 5)
    degrees: bool,
    flip: bool,
    out: npt.NDArray[np.float64],  # double[:, ::1] (n, 4)
    n_threads: int,
) -> None: ...
def pairwise(
    boxes1: _Boxes,  # const coord_t[:, ::1] (n, 5) or (n, 8)
    boxes2: _Boxes,  # const coord_t[:, ::1] (m, 5) or (m, 8)
    degrees: bool,
    flip: bool,
    value: int,  # a code of VALUE_CODES
    out: npt.NDArray[np.float64],  # double[:, ::1] (n, m)
    n_threads: int,
) -> None: ...
def aligned(
    boxes1: _Boxes,  # const coord_t[:, ::1] (n, 5) or (n, 8)
    boxes2: _Boxes,  # const coord_t[:, ::1] (n, 5) or (n, 8)
    degrees: bool,
    flip: bool,
    value: int,  # a code of VALUE_CODES
    out: npt.NDArray[np.float64],  # double[::1] (n,)
    n_threads: int,
) -> None: ...
def on_pairs(
    boxes1: _Boxes,  # const coord_t[:, ::1] (n, 5) or (n, 8)
    boxes2: _Boxes,  # const coord_t[:, ::1] (m, 5) or (m, 8)
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1] (2, k)
    same: bool,
    degrees: bool,
    flip: bool,
    value: int,  # a code of VALUE_CODES
    out: npt.NDArray[np.float64],  # double[::1] (k,)
    n_threads: int,
) -> None: ...
