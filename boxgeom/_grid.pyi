from typing import Any

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

def join_between(
    grid1: TileGrid,
    coords1: npt.NDArray[np.generic],
    grid2: TileGrid,
    coords2: npt.NDArray[np.generic],
    touching: bool,
    n_threads: int,
) -> npt.NDArray[np.intp]: ...
def query_one(grid: TileGrid, box: npt.NDArray[np.generic], touching: bool) -> npt.NDArray[np.intp]: ...

@disjoint_base
class PairChunks:
    def __new__(cls, count: int) -> PairChunks: ...
    def total(self) -> int: ...

def bin_strips(
    boxes: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    transpose: bool,
    skip_empty: bool,
    ox: float,
    inv_q: float,
    nq: int,
    oy: float,
    inv_s: float,
    ns: int,
    n_threads: int,
) -> dict[str, Any]: ...
def strip_join(
    boxes1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    bins1: dict[str, Any],
    coords1: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    boxes2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    bins2: dict[str, Any],
    coords2: npt.NDArray[np.generic],  # const coord_t[:, ::1]
    self_join: bool,
    transpose: bool,
    ox: float,
    inv_q: float,
    nq: int,
    oy: float,
    inv_s: float,
    touching: bool,
    n_threads: int,
) -> PairChunks: ...
def sort_pairs(
    chunks: PairChunks,
    extra: npt.NDArray[np.uint64],  # const uint64_t[::1]
    n_rows: int,
    n_threads: int,
    mirror: bool = ...,
    diagonal: npt.NDArray[np.uint8] | None = ...,  # const uint8_t[::1]
) -> npt.NDArray[np.intp]: ...
def box_extent(boxes: npt.NDArray[np.generic]) -> tuple[float, float, float, float]: ...
def brute_pairs(
    boxes1: npt.NDArray[np.generic],  # C-contiguous (n, 4) int32, int64, float32 or float64
    boxes2: npt.NDArray[np.generic],  # the same dtype
    self_join: bool,
    touching: bool,
) -> npt.NDArray[np.intp]: ...
