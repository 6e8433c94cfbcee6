"""The input checks of ``boxgeom.compat`` (box-intersect-lib's rules and messages).

box-intersect-lib takes ``xywh`` boxes with w > 0 and h > 0 and raises
``AssertionError``; :class:`InvalidBoxesError` is a ``ValueError`` that
``except AssertionError`` also catches.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from boxgeom import _checks
from boxgeom._validate import INT64_LIMIT, as_array, as_numpy
from boxgeom.formats import sum_overflow_error


class InvalidBoxesError(ValueError, AssertionError):
    """Bad box input: a ``ValueError`` that ``except AssertionError`` also catches.

    ``boxgeom.compat`` raises it where box-intersect-lib raises ``AssertionError``.
    """


# box-intersect-lib's messages, verbatim (typo included), for boxgeom.compat.
COMPAT_SHAPE = "Expects 2nd dimension of box array to be size 4 (x, y, width, height)"
COMPAT_SIZE = "Expects width and hight of boxes to be greater than 0"
COMPAT_BOX = "Expects box array to be size 4 (x, y, width, height)"


def as_compat_boxes(boxes: Any, name: str = "boxes_array", valid: np.ndarray | None = None) -> np.ndarray:
    """Validate box-intersect-lib input (xywh, w > 0, h > 0) and return it as xyxy.

    Shape and size errors raise :class:`InvalidBoxesError` with the peer's message
    (plus the argument and row); int64, float and list input are accepted. ``valid``:
    what ``_checks.valid_boxes(boxes, ORDER_SIZES, INT64_LIMIT)`` already gave, if not
    None (that scan is then skipped).
    """
    if valid is None:  # the common case, in two calls
        valid = _checks.valid_boxes(boxes, _checks.ORDER_SIZES, INT64_LIMIT)
    if valid is not None:
        xyxy = _checks.xywh_to_xyxy(valid, strict=True)[0]
        if xyxy is not None:
            return xyxy
    array = as_numpy(boxes)
    if array.dtype.kind in "iuf" and (array.ndim != 2 or array.shape[1] != 4):
        raise InvalidBoxesError(f"{COMPAT_SHAPE}; {name}: got shape {array.shape}")
    return strict_xyxy(as_array(array, name, 4), name)


def as_compat_box(box: Any, name: str = "box1") -> np.ndarray:
    """Validate one box-intersect-lib box (length 4, xywh, w > 0, h > 0); return it as a (1, 4) xyxy array."""
    array = as_numpy(box)
    if array.dtype.kind in "iuf" and array.shape != (4,):
        raise InvalidBoxesError(f"{COMPAT_BOX}; {name}: got shape {array.shape}")
    return as_compat_boxes(array.reshape(1, 4), name)


def check_size_int(value: Any, name: str) -> int:
    """Return ``value`` as a non-negative int (box-intersect-lib's u32 sizes), else raise."""
    if type(value) is int and value >= 0:  # the common case, without the ABC checks
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a non-negative int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {value}")
    return int(value)


def compat_tile_error(width: Any, height: Any, tile_width: int, tile_height: int) -> InvalidBoxesError:
    """box-intersect-lib's error for a box that does not fit its tile, verbatim."""
    return InvalidBoxesError(
        f"Box has size: ({width}, {height}), could not fit in tile of size: ({tile_width}, {tile_height})"
    )


def strict_xyxy(array: np.ndarray, name: str) -> np.ndarray:
    """Checked ``xywh`` boxes as ``xyxy`` under box-intersect-lib's rule (w > 0 and h > 0)."""
    out, row, reason = _checks.xywh_to_xyxy(array, strict=True)
    if out is not None:
        return out
    if reason == _checks.NEGATIVE_SIZE:
        raise InvalidBoxesError(f"{COMPAT_SIZE}; {name}: row {row} is {array[row].tolist()}")
    raise sum_overflow_error(array, row, name)
