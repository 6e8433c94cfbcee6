import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

@disjoint_base
class TileGrid:
    origin_x: float
    origin_y: float
    cell_size: float
    nx: int
    ny: int
    skip_empty: bool
    cell_start: npt.NDArray[np.intp]
    entries: npt.NDArray[np.intp]
    coords: npt.NDArray[np.generic]
    flags: npt.NDArray[np.uint8]
    def __init__(
        self,
        boxes: npt.NDArray[np.generic],
        origin_x: float,
        origin_y: float,
        cell_size: float,
        nx: int,
        ny: int,
        skip_empty: bool,
    ) -> None: ...
    def same_cells(self, other: TileGrid) -> bool: ...

def join_self(
    grid: TileGrid, coords: npt.NDArray[np.generic], touching: bool, n_threads: int
) -> npt.NDArray[np.intp]: ...
def join_between(
    grid1: TileGrid,
    coords1: npt.NDArray[np.generic],
    grid2: TileGrid,
    coords2: npt.NDArray[np.generic],
    touching: bool,
    n_threads: int,
) -> npt.NDArray[np.intp]: ...
def query_one(grid: TileGrid, box: npt.NDArray[np.generic], touching: bool) -> npt.NDArray[np.intp]: ...
