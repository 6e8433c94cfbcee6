"""Box formats: their names and columns, conversion between ``xyxy``, ``xywh`` and
``cxcywh``, and box areas. Every piece of box-format knowledge of boxgeom lives here."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boxgeom._checks import BoxFormat
from boxgeom._validate import FORMATS, as_boxes, check_fmt

__all__ = ["FORMATS", "box_area", "box_convert"]

#: The column names of each format, in the order of a box's values.
FORMAT_COLUMNS = {"xyxy": ("x1", "y1", "x2", "y2"), "xywh": ("x", "y", "w", "h"), "cxcywh": ("cx", "cy", "w", "h")}
#: The column names of a rotated box ``(cx, cy, w, h, angle)``.
ROTATED_COLUMNS = ("cx", "cy", "w", "h", "angle")
# The compiled layer's code of each format name (``_checks.BoxFormat``), mapped by name.
FORMAT_CODES = {"xyxy": BoxFormat.XYXY, "xywh": BoxFormat.XYWH, "cxcywh": BoxFormat.CXCYWH}


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
    xyxy = as_boxes(boxes, "boxes", fmt)
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
