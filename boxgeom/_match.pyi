import numpy as np
import numpy.typing as npt

def greedy_matching(
    boxes1: npt.NDArray[np.generic],  # (n, 4) rows contiguous (C-contiguous or row-strided), int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    *,
    iou_threshold: float,
    peer_rule: bool = False,
    by_second: bool = False,
    n_threads: int = 1,
    method: int = 0,
    as_uint32: bool = False,
) -> tuple[npt.NDArray[np.intp | np.uint32], npt.NDArray[np.intp | np.uint32], npt.NDArray[np.intp | np.uint32]]: ...
