from typing import Any

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

from boxgeom._checks import BoxFormat

_Boxes = npt.NDArray[np.int32] | npt.NDArray[np.int64] | npt.NDArray[np.float32] | npt.NDArray[np.float64]

@disjoint_base
class StaticIndex:
    def __len__(self) -> int: ...
    def stored_boxes(self) -> npt.NDArray[Any]: ...
    def grids(self) -> list[dict[str, Any]]: ...
    def query_box(self, box: object, touching: object, fmt: BoxFormat | int) -> npt.NDArray[np.intp] | None: ...
    def query_xyxy(
        self, x1: float, y1: float, x2: float, y2: float, touching: bool, as_uint32: bool
    ) -> npt.NDArray[np.intp] | npt.NDArray[np.uint32]: ...
    def query_many(
        self,
        queries: _Boxes,  # (m, 4) xyxy, C-contiguous or row-strided, read through a raw pointer
        touching: bool,
        n_threads: int,
    ) -> npt.NDArray[np.intp] | int: ...

def build(boxes: _Boxes) -> StaticIndex | int: ...  # (n, 4) xyxy, C-contiguous or row-strided, copied
