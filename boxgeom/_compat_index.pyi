import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

from boxgeom._index import StaticIndex

@disjoint_base
class BoxIntersectorBase:
    def _attach(self, index: StaticIndex) -> None: ...
    def find_intersections(self, x1: int, y1: int, width: int, height: int) -> npt.NDArray[np.uint32]: ...
    def _find_general(self, x1: int, y1: int, width: int, height: int) -> npt.NDArray[np.uint32]: ...
