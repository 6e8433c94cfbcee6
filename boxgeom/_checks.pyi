from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

class BoxFormat(IntEnum):
    XYXY = 0
    XYWH = 1
    CXCYWH = 2

OK: int
NOT_FINITE: int
OUT_OF_RANGE: int
NEGATIVE_SIZE: int
ORDER_NONE: int
ORDER_CORNERS: int
ORDER_SIZES: int

def first_bad_row(array: npt.NDArray[Any], order: int, limit: int) -> tuple[int, int]: ...  # C-contiguous 2-D, a kernel dtype
def valid_boxes(values: Any, order: int, limit: int) -> Any: ...
def xywh_to_xyxy(
    array: npt.NDArray[Any], strict: bool  # C-contiguous (n, 4), a kernel dtype
) -> tuple[npt.NDArray[Any] | None, int, int]: ...
def valid_scores(values: Any, n: int) -> bool: ...
def first_nan(values: Any) -> int: ...
