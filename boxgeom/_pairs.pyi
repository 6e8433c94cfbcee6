import numpy as np
import numpy.typing as npt

METHOD_CODES: dict[str, int]

def find_pairs(
    query: npt.NDArray[np.generic],  # (n, 4) int32, int64, float32 or float64, C-contiguous or row-strided
    index: npt.NDArray[np.generic],  # the same dtype (the same array with self_join)
    *,
    self_join: bool,
    touching: bool,
    n_threads: int,
    method: int = ...,  # a value of METHOD_CODES (default: "auto")
) -> npt.NDArray[np.intp]: ...
