import numpy as np
import numpy.typing as npt

def greedy_suppress(
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    indices: npt.NDArray[np.intp],  # const intp_t[::1]
    keep: npt.NDArray[np.intp],  # intp_t[::1]
) -> int: ...
