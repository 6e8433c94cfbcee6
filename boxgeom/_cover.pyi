import numpy as np
import numpy.typing as npt

_Boxes = npt.NDArray[np.int32] | npt.NDArray[np.int64] | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Tiles = npt.NDArray[np.int64] | npt.NDArray[np.float64]

def tile_cover(
    boxes: _Boxes,  # const coord_t[:, ::1], xyxy
    width: float,
    height: float,
    both: bool,
    n_threads: int,
) -> tuple[int, _Tiles, npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
def peer_cover(
    boxes: _Boxes,  # const coord_t[:, ::1], xyxy
    width: int,
    height: int,
) -> tuple[int, _Tiles, npt.NDArray[np.int64], npt.NDArray[np.intp]]: ...
def coverage_list(
    tiles: _Tiles,
    indptr: npt.NDArray[np.int64],  # const int64_t[::1]
    indices: npt.NDArray[np.intp],  # const intp_t[::1]
) -> list[tuple[tuple[int | float, int | float], npt.NDArray[np.uint32]]]: ...
