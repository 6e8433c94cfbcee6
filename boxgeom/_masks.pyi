import numpy as np
import numpy.typing as npt

def masks_to_boxes(
    masks: npt.NDArray[np.uint8],  # const uint8_t[:, :, ::1] (n, H, W), 0 or nonzero
    *,
    n_threads: int,
) -> npt.NDArray[np.float64]: ...
