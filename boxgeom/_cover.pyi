import numpy as np
import numpy.typing as npt

def radix_argsort(
    keys: npt.NDArray[np.uint64],  # const uint64_t[::1]
) -> npt.NDArray[np.intp]: ...
def peer_cover(
    boxes: npt.NDArray[np.int64] | npt.NDArray[np.float64],  # const num_t[:, ::1] (int64 or float64)
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    width: float,
    height: float,
) -> tuple[npt.NDArray[np.int64] | npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
def strip_cover(
    boxes: npt.NDArray[np.int64] | npt.NDArray[np.float64],  # const num_t[:, ::1] (int64 or float64)
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    width: float,
    height: float,
) -> tuple[npt.NDArray[np.int64] | npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
