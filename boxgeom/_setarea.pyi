import numpy as np
import numpy.typing as npt

def set_areas(
    red: npt.NDArray[np.float64],  # const float64_t[:, ::1]
    blue: npt.NDArray[np.float64],  # const float64_t[:, ::1]
) -> tuple[float, float, float, float]: ...
def set_area_grads(
    red: npt.NDArray[np.float64],  # const float64_t[:, ::1]
    blue: npt.NDArray[np.float64],  # const float64_t[:, ::1]
    n_threads: int = 1,
) -> tuple[tuple[float, float, float, float], npt.NDArray[np.float64]]: ...
