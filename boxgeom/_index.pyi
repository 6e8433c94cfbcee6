import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

@disjoint_base
class GridView:
    def __init__(self, grid: object) -> None: ...  # a boxgeom._grid.TileGrid over float64 boxes
    def query(self, x1: float, y1: float, x2: float, y2: float, touching: bool) -> npt.NDArray[np.intp]: ...
