"""Box formats: their names, columns and compiled codes, validation into ``xyxy``,
conversion between ``xyxy``, ``xywh`` and ``cxcywh``, box areas, and the chain rule of
gradients back to a format. Every piece of box-format knowledge of boxgeom lives here;
the format-free checks (dtypes, finiteness, thresholds) are in ``_validate``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _checks
from boxgeom._checks import BoxFormat
from boxgeom._validate import (
    FLOAT64_EXACT,
    INT64_LIMIT,
    as_array,
    as_numpy,
    check_finite,
    common_dtype,
    negative_size_message,
)
from boxgeom._tensors import returns_tensors

__all__ = ["FORMATS", "box_area", "box_convert"]

FORMATS = ("xyxy", "xywh", "cxcywh")
#: The column names of each format, in the order of a box's values.
FORMAT_COLUMNS = {"xyxy": ("x1", "y1", "x2", "y2"), "xywh": ("x", "y", "w", "h"), "cxcywh": ("cx", "cy", "w", "h")}
#: The column names of a rotated box ``(cx, cy, w, h, angle)``.
ROTATED_COLUMNS = ("cx", "cy", "w", "h", "angle")
# The compiled layer's code of each format name (``_checks.BoxFormat``), mapped by name.
FORMAT_CODES = {"xyxy": BoxFormat.XYXY, "xywh": BoxFormat.XYWH, "cxcywh": BoxFormat.CXCYWH}


def check_fmt(fmt: Any, name: str = "fmt") -> str:
    """Return ``fmt`` if it is one of :data:`FORMATS`, else raise ValueError."""
    if fmt not in FORMATS:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, FORMATS))}, got {fmt!r}")
    return fmt


def to_xyxy(array: np.ndarray, fmt: str, name: str) -> np.ndarray:
    """Convert checked ``(n, 4)`` boxes in ``fmt`` to ``xyxy``; xyxy input is returned as is.

    Integer ``xywh`` keeps int32 when every ``x + w`` fits, else becomes int64 (it
    never wraps); integer ``cxcywh`` becomes float64 (the half-sizes need not be
    integers).
    """
    if fmt == "xyxy":
        return array
    if fmt == "xywh":
        return xywh_to_xyxy(array, name)
    else:  # cxcywh
        if array.dtype.kind == "i":
            array = array.astype(np.float64)
        half = array[:, 2:] / 2
        out = np.empty_like(array)
        np.subtract(array[:, :2], half, out=out[:, :2])
        np.add(array[:, :2], half, out=out[:, 2:])
    if out.dtype.kind == "f":
        check_finite(out, name)  # x + w can overflow to inf
    return out


def xywh_to_xyxy(array: np.ndarray, name: str) -> np.ndarray:
    """Checked ``(n, 4)`` ``xywh`` boxes as ``xyxy`` (``_checks.xywh_to_xyxy``), or the overflow error."""
    out, row, _ = _checks.xywh_to_xyxy(array, strict=False)
    if out is None:
        raise sum_overflow_error(array, row, name)
    return out


def sum_overflow_error(array: np.ndarray, row: int, name: str) -> ValueError:
    """The error for a floating ``xywh`` box whose ``x + w`` or ``y + h`` is inf."""
    return ValueError(f"{name}: expected finite values, got NaN or inf in row {row}: x + w overflows {array[row].tolist()}")


def check_ordered(xyxy: np.ndarray, name: str, fmt: str = "xyxy") -> None:
    """Raise ValueError naming the first box with ``x2 < x1`` or ``y2 < y1`` (negative w/h)."""
    bad = (xyxy[:, 2] < xyxy[:, 0]) | (xyxy[:, 3] < xyxy[:, 1])
    if bad.any():
        order = _checks.ORDER_CORNERS if fmt == "xyxy" else _checks.ORDER_SIZES
        raise ValueError(negative_size_message(name, order, int(np.flatnonzero(bad)[0])))


def as_boxes(boxes: Any, name: str = "boxes", fmt: str = "xyxy", strided: bool = False) -> np.ndarray:
    """Return validated ``(n, 4)`` boxes in ``xyxy``, in a kernel dtype.

    The result is C-contiguous, or with ``strided`` (for kernels that read rows through
    their stride) possibly a row-strided view of ``boxes`` such as ``dets[:, :4]``:
    ``xyxy`` input with contiguous rows is then never copied.

    Examples
    --------
    >>> as_boxes([[0, 0, 2, 2]]).dtype
    dtype('int64')
    >>> as_boxes([[0, 0, 2, 2]], fmt="xywh").tolist()
    [[0, 0, 2, 2]]
    >>> dets = np.array([[0.0, 0, 2, 2, 0.9, 3]])
    >>> as_boxes(dets[:, :4], strided=True).base is dets
    True
    """
    if fmt == "xyxy":
        valid = _checks.valid_boxes(boxes, _checks.ORDER_CORNERS, INT64_LIMIT)  # the common case, in one call
        if valid is not None:
            return valid if strided or valid.flags.c_contiguous else np.ascontiguousarray(valid)
    check_fmt(fmt)
    order = _checks.ORDER_CORNERS if fmt == "xyxy" else _checks.ORDER_SIZES
    return to_xyxy(as_array(boxes, name, 4, order, strided), fmt, name)


def as_box_pair(boxes1: Any, boxes2: Any, fmt: str = "xyxy", strided: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate two box arrays (:func:`as_boxes`) and bring them to one common kernel dtype (``np.result_type``)."""
    return common_dtype(as_boxes(boxes1, "boxes1", fmt, strided), as_boxes(boxes2, "boxes2", fmt, strided))


def as_float64_boxes(boxes: Any, name: str = "boxes", fmt: str = "xyxy") -> np.ndarray:
    """Return finite ``(n, 4)`` boxes as C-contiguous float64 ``xyxy``, without the order check.

    For set areas an inverted or zero-area box is valid: it is empty. Integer
    coordinates must be exact in float64 (within +-2**53).
    """
    check_fmt(fmt)
    array = to_xyxy(as_array(boxes, name, 4), fmt, name)
    if array.dtype.kind == "i" and array.size:
        outside = np.abs(array) > FLOAT64_EXACT
        if outside.any():
            row = int(np.flatnonzero(outside.any(axis=1))[0])
            raise ValueError(f"{name}: expected integer coordinates within +-2**53 (exact in float64), got row {row}")
    return np.ascontiguousarray(array, dtype=np.float64)


def as_float64_box(box: Any, name: str = "box", fmt: str = "xyxy") -> tuple[float, float, float, float]:
    """Return one box (a length-4 sequence) as a float64 xyxy tuple ``(x1, y1, x2, y2)``.

    Same rules as :func:`as_float64_boxes` plus the order check; a list or tuple of
    four Python numbers in xyxy takes a fast path (single queries of an index).
    """
    if fmt == "xyxy" and type(box) in (tuple, list) and len(box) == 4 and all(type(v) in (int, float) for v in box):
        x1, y1, x2, y2 = box
        if (
            all(math.isfinite(v) and -FLOAT64_EXACT <= v <= FLOAT64_EXACT for v in box)
            and x1 <= x2
            and y1 <= y2
        ):
            return float(x1), float(y1), float(x2), float(y2)
    array = as_numpy(box)
    if array.dtype.kind in "iuf" and array.shape != (4,):
        raise ValueError(f"{name}: expected shape (4,), got {array.shape}")
    out = as_float64_boxes(array.reshape(1, 4) if array.shape == (4,) else array, name, fmt)
    check_ordered(out, name, fmt)
    x1, y1, x2, y2 = out[0].tolist()
    return x1, y1, x2, y2


@returns_tensors
def box_convert(boxes: npt.ArrayLike, in_fmt: str, out_fmt: str) -> np.ndarray:
    """Convert boxes between the ``"xyxy"``, ``"xywh"`` and ``"cxcywh"`` formats.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``in_fmt``.
    in_fmt, out_fmt : {"xyxy", "xywh", "cxcywh"}
        ``xyxy`` is (x1, y1, x2, y2), ``xywh`` is (x1, y1, width, height) and ``cxcywh``
        is (centre x, centre y, width, height).

    Returns
    -------
    ndarray of shape (n, 4)
        A new array (never a view of ``boxes``). Float input keeps its dtype; integer
        input stays integer (int64, so ``x + w`` cannot wrap) unless ``cxcywh`` is
        involved, which gives float64.

    Raises
    ------
    ValueError
        Unknown format, wrong shape, NaN/inf, or a negative width or height.

    Examples
    --------
    >>> box_convert([[0, 0, 4, 2]], "xyxy", "cxcywh")
    array([[2., 1., 4., 2.]])
    >>> box_convert([[1, 1, 2, 3]], "xywh", "xyxy")
    array([[1, 1, 3, 4]])
    """
    check_fmt(in_fmt, "in_fmt")
    check_fmt(out_fmt, "out_fmt")
    xyxy = as_boxes(boxes, "boxes", in_fmt)
    if out_fmt == "cxcywh" and xyxy.dtype.kind == "i":
        xyxy = xyxy.astype(np.float64)
    elif xyxy.dtype == np.int32:
        xyxy = xyxy.astype(np.int64)
    out = np.array(xyxy, copy=True)
    if out_fmt == "xywh":
        out[:, 2:] -= out[:, :2]
    elif out_fmt == "cxcywh":
        out[:, 2:] -= out[:, :2]
        out[:, :2] += out[:, 2:] / 2
    return out


@returns_tensors
def box_area(boxes: npt.ArrayLike, *, fmt: str = "xyxy") -> np.ndarray:
    """Return the area of every box.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``, with non-negative width and height.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    ndarray of shape (n,)
        int64 for integer input (exact), float64 for floating input.

    Raises
    ------
    OverflowError
        An integer box whose area does not fit in int64 (only beyond about 3e9 x 3e9).

    Examples
    --------
    >>> box_area([[0, 0, 4, 2], [1, 1, 1, 5]])
    array([8, 0])
    >>> box_area([[0.5, 0.5, 2.0, 4.0]], fmt="cxcywh")
    array([8.])
    """
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    if xyxy.dtype.kind == "f":
        xyxy = xyxy.astype(np.float64, copy=False)
        return (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    width = xyxy[:, 2].astype(np.int64) - xyxy[:, 0]
    height = xyxy[:, 3].astype(np.int64) - xyxy[:, 1]
    too_big = width.astype(np.float64) * height.astype(np.float64) >= 2.0**63
    if too_big.any():
        row = int(np.flatnonzero(too_big)[0])
        raise OverflowError(f"boxes: the area of row {row} does not fit in int64; pass float64 boxes")
    return width * height


def grads_to_fmt(grads: np.ndarray, xyxy: np.ndarray, fmt: str) -> np.ndarray:
    """Turn xyxy one-sided partials (sides first, boxes and coordinates last) into ``fmt``'s.

    Every coordinate of a box with positive width moves an edge that no other
    coordinate of the box moves, so the one-sided partials add. A ``cxcywh``
    width grows the box on both sides: its right derivative takes the left
    derivative of ``x1``. Moving a zero-width box keeps it empty: 0.
    """
    if fmt == "xyxy":
        return grads
    out = np.empty_like(grads)
    position = grads[..., :2] + grads[..., 2:]
    position[..., (xyxy[:, :2] == xyxy[:, 2:])] = 0.0
    out[..., :2] = position
    if fmt == "xywh":
        out[..., 2:] = grads[..., 2:]
    else:  # cxcywh: x1 = cx - w / 2, x2 = cx + w / 2; the opposite side of x1
        out[..., 2:] = 0.5 * (grads[..., 2:] - grads[::-1, ..., :2])
    return out
