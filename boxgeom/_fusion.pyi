import numpy as np
import numpy.typing as npt

def cluster_boxes(
    boxes: npt.NDArray[np.float64],  # const float64_t[:, ::1] (n, 4) xyxy
    scores: npt.NDArray[np.float64],  # const float64_t[::1] (n,): the weights of the boxes
    labels: npt.NDArray[np.int64],  # const int64_t[::1] (n,)
    keep: npt.NDArray[np.intp],  # const intp_t[::1]: the boxes to cluster, ascending
    *,
    iou_threshold: float,
    heads: bool,
    float32_like: bool,
    first_seen: bool = False,
    brute: bool = False,
) -> tuple[
    npt.NDArray[np.intp],  # processing order
    npt.NDArray[np.intp],  # cluster of every box, -1 when not in keep
    npt.NDArray[np.float64],  # (k, 4) fused boxes
    npt.NDArray[np.int64],  # (k,) member counts
    npt.NDArray[np.float64],  # (k,) sums of member weights
    npt.NDArray[np.intp],  # (k,) head indices
]: ...
