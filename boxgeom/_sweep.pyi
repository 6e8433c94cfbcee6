import numpy as np
import numpy.typing as npt

def sweep_pairs(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    order1: npt.NDArray[np.intp],  # const intp_t[::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    order2: npt.NDArray[np.intp],  # const intp_t[::1]
    self_join: bool,
    touching: bool,
    skip_empty: bool,
    n_threads: int,
) -> npt.NDArray[np.intp]: ...
