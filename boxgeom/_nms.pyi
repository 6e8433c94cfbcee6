import numpy as np
import numpy.typing as npt

def suppress_edges(
    boxes: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    rank: npt.NDArray[np.intp],  # const intp_t[::1]
    iou_threshold: float,
    overlap_threshold: float,
    use_overlap: bool,
    peer_rule: bool,
    n_threads: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]: ...
def pair_overlaps(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    pairs: npt.NDArray[np.intp],  # const intp_t[:, ::1]
    n_threads: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def greedy_match(
    order: npt.NDArray[np.intp],  # const intp_t[::1]
    first: npt.NDArray[np.intp],  # const intp_t[::1]
    second: npt.NDArray[np.intp],  # const intp_t[::1]
    n1: int,
    n2: int,
) -> npt.NDArray[np.intp]: ...
