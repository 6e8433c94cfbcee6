from typing import Any

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

@disjoint_base
class BoxIntersectorBase:
    def _build(self, boxes: npt.NDArray[Any]) -> int: ...  # C-contiguous (n, 4) xyxy
    def find_intersections(self, x1: int, y1: int, width: int, height: int) -> npt.NDArray[np.uint32]: ...
    def _find_general(self, x1: int, y1: int, width: int, height: int) -> npt.NDArray[np.uint32]: ...
