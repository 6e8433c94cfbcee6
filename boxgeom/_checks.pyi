from typing import Any

OK: int
NOT_FINITE: int
OUT_OF_RANGE: int
NEGATIVE_SIZE: int
ORDER_NONE: int
ORDER_CORNERS: int
ORDER_SIZES: int

def first_bad_row(array: Any, order: int, limit: int) -> tuple[int, int]: ...
def valid_boxes(values: Any, order: int, limit: int) -> Any: ...
def xywh_to_xyxy(array: Any, strict: bool) -> tuple[Any, int, int]: ...
def first_nan(values: Any) -> int: ...
