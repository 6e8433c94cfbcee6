import numpy as np
import numpy.typing as npt

def max_weight_matching(
    indptr: npt.NDArray[np.intp],  # const intp_t[::1]
    indices: npt.NDArray[np.intp],  # const intp_t[::1]
    weights: npt.NDArray[np.float64],  # const float64_t[::1]
    n_cols: int,
) -> npt.NDArray[np.intp]: ...
