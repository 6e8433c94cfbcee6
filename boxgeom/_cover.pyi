import numpy as np
import numpy.typing as npt

_Boxes = npt.NDArray[np.int32] | npt.NDArray[np.int64] | npt.NDArray[np.float32] | npt.NDArray[np.float64]
_Tiles = npt.NDArray[np.int64] | npt.NDArray[np.float64]

def tile_cover(
    boxes: _Boxes,  # (n, 4) xyxy, C-contiguous or row-strided
    width: float,
    height: float,
    both: bool,
    n_threads: int,
) -> tuple[int, tuple[_Tiles, npt.NDArray[np.int64], npt.NDArray[np.intp]] | None]: ...
def peer_cover(
    boxes: _Boxes,  # (n, 4) xyxy, C-contiguous or row-strided
    width: int,
    height: int,
) -> tuple[int, list[tuple[tuple[int | float, int | float], npt.NDArray[np.uint32]]] | None]: ...
def peer_one_tile(
    boxes: _Boxes,  # (n, 4) xywh, checked, C-contiguous or row-strided
    width: int,
    height: int,
) -> list[tuple[tuple[int, int], npt.NDArray[np.uint32]]] | None: ...
