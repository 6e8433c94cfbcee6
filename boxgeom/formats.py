"""Box formats: their names, columns and compiled codes, validation into ``xyxy``,
conversion between ``xyxy``, ``xywh`` and ``cxcywh`` and the rotated ``cxcywhr`` and
``xyxyxyxy`` (with the minimum-area rectangle of a convex quad), box areas, and the
chain rule of gradients back to a format. Every piece of box-format knowledge of boxgeom
lives here; the format-free checks (dtypes, finiteness, thresholds) are in ``_validate``."""

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
    as_quads,
    as_rotated,
    check_angle_unit,
    check_convention,
    check_finite,
    check_magnitude,
    common_dtype,
    negative_size_message,
)
from boxgeom._tensors import returns_tensors

__all__ = ["FORMATS", "ROTATED_FORMATS", "box_area", "box_convert"]

#: The axis-aligned formats, which every ``fmt=`` accepts.
FORMATS = ("xyxy", "xywh", "cxcywh")
#: The rotated formats, which only :func:`box_convert` converts: a rotated box
#: ``(cx, cy, w, h, angle)`` and its four corners ``(x0, y0, ..., x3, y3)``.
ROTATED_FORMATS = ("cxcywhr", "xyxyxyxy")
#: The column names of each format, in the order of a box's values.
FORMAT_COLUMNS = {"xyxy": ("x1", "y1", "x2", "y2"), "xywh": ("x", "y", "w", "h"), "cxcywh": ("cx", "cy", "w", "h")}
#: The column names of a rotated box ``(cx, cy, w, h, angle)``.
ROTATED_COLUMNS = ("cx", "cy", "w", "h", "angle")
#: The column names of a quad's four corners, ``xyxyxyxy``.
CORNER_COLUMNS = tuple(f"{axis}{k}" for k in range(4) for axis in "xy")
# The compiled layer's code of each format name (``_checks.BoxFormat``), mapped by name.
FORMAT_CODES = {"xyxy": BoxFormat.XYXY, "xywh": BoxFormat.XYWH, "cxcywh": BoxFormat.CXCYWH}


def check_fmt(fmt: Any, name: str = "fmt", choices: tuple[str, ...] = FORMATS) -> str:
    """Return ``fmt`` if it is one of ``choices`` (default :data:`FORMATS`), else raise ValueError."""
    if not isinstance(fmt, str) or fmt not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {fmt!r}")
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
def box_convert(
    boxes: npt.ArrayLike, in_fmt: str, out_fmt: str, *, angle_unit: str = "deg", convention: str = "opencv"
) -> np.ndarray:
    """Convert boxes between formats, axis-aligned and rotated.

    Parameters
    ----------
    boxes : array_like of shape (n, 4), (n, 5) or (n, 8)
        Boxes in ``in_fmt``; ``xyxyxyxy`` also takes corners of shape (n, 4, 2).
    in_fmt, out_fmt : {"xyxy", "xywh", "cxcywh", "cxcywhr", "xyxyxyxy"}
        ``xyxy`` is (x1, y1, x2, y2), ``xywh`` is (x1, y1, width, height), ``cxcywh``
        is (centre x, centre y, width, height); ``cxcywhr`` is a rotated box
        (cx, cy, w, h, angle) and ``xyxyxyxy`` its four corners (x0, y0, ..., x3, y3),
        a convex quad, as :func:`boxgeom.polygon_iou` takes them.
    angle_unit : {"deg", "rad"}, default "deg"
    convention : {"opencv", "torchvision"}, default "opencv"
        How to read and write the angle of ``cxcywhr`` (see :func:`boxgeom.rotated_corners`).

    Returns
    -------
    ndarray of shape (n, 4), (n, 5) or (n, 8)
        A new array (never a view of ``boxes``). Between axis-aligned formats, float
        input keeps its dtype and integer input stays integer (int64, so ``x + w``
        cannot wrap) unless ``cxcywh`` is involved, which gives float64. With a rotated
        format on either side the result is float64:

        - axis-aligned to ``cxcywhr``: angle 0; to ``xyxyxyxy``: the corners
          (x1, y1), (x2, y1), (x2, y2), (x1, y2), the order of
          :func:`boxgeom.rotated_corners` at angle 0;
        - ``cxcywhr`` to ``xyxyxyxy``: :func:`boxgeom.rotated_corners`, flattened;
        - rotated to axis-aligned: the axis-aligned bounding box of the corners;
        - ``xyxyxyxy`` to ``cxcywhr``: the minimum-area enclosing rectangle (rotating
          calipers), so a rectangle gives back that rectangle. The quad edge (corner k
          to k + 1) that the smallest rectangle lies on gives ``w`` and, by its
          direction, the angle, turned into (-90, 90] degrees ((-pi/2, pi/2] radians);
          areas equal up to rounding go to the first edge, so an exact rectangle gets
          ``w`` from edge 0 (a thin one whose corners were rounded may get ``w`` and
          ``h`` swapped and the angle turned by 90 degrees: the same rectangle).
          Zero-length edges are skipped; a quad whose corners all coincide gives
          ``w = h = 0`` and angle 0;
        - ``cxcywhr`` to ``cxcywhr``, ``xyxyxyxy`` to ``xyxyxyxy``: a float64 copy.

    Raises
    ------
    ValueError
        Unknown format (naming ``in_fmt`` or ``out_fmt``), wrong shape (``cxcywhr``
        needs 5 columns, ``xyxyxyxy`` 8 or (4, 2)), NaN/inf, a negative width or
        height, a non-convex quad, unknown ``angle_unit``/``convention``, or, with a
        rotated format, a coordinate beyond 1e150.

    Examples
    --------
    >>> box_convert([[0, 0, 4, 2]], "xyxy", "cxcywh")
    array([[2., 1., 4., 2.]])
    >>> box_convert([[1, 1, 2, 3]], "xywh", "xyxy")
    array([[1, 1, 3, 4]])
    >>> box_convert([[0, 0, 4, 2]], "xyxy", "xyxyxyxy")
    array([[0., 0., 4., 0., 4., 2., 0., 2.]])
    >>> box_convert([[10, 20, 4, 2, 90]], "cxcywhr", "xyxy")
    array([[ 9., 18., 11., 22.]])
    >>> box_convert([[0, 0, 4, 2, 90]], "cxcywhr", "xyxyxyxy")
    array([[ 1., -2.,  1.,  2., -1.,  2., -1., -2.]])
    >>> corners = box_convert([[5, 5, 4, 2, 120]], "cxcywhr", "xyxyxyxy")
    >>> box_convert(corners, "xyxyxyxy", "cxcywhr").round(9)  # the same rectangle, angle in (-90, 90]
    array([[  5.,   5.,   4.,   2., -60.]])
    >>> box_convert([[[0, 0], [2, 0], [3, 1], [1, 1]]], "xyxyxyxy", "cxcywhr")  # a parallelogram
    array([[1.5, 0.5, 3. , 1. , 0. ]])
    """
    every = FORMATS + ROTATED_FORMATS
    check_fmt(in_fmt, "in_fmt", every)
    check_fmt(out_fmt, "out_fmt", every)
    degrees, flip = check_angle_unit(angle_unit), check_convention(convention)
    if in_fmt in FORMATS:
        xyxy = as_boxes(boxes, "boxes", in_fmt)
        if out_fmt in FORMATS:
            return _from_xyxy(xyxy, out_fmt)
        xyxy = xyxy.astype(np.float64)
        check_magnitude(xyxy, "boxes", slice(0, 4))
        if out_fmt == "cxcywhr":
            return np.hstack([_from_xyxy(xyxy, "cxcywh"), np.zeros((len(xyxy), 1))])
        return xyxy[:, [0, 1, 2, 1, 2, 3, 0, 3]]
    if in_fmt == "cxcywhr":
        rotated = as_rotated(boxes)
        if out_fmt == "cxcywhr":
            return rotated.astype(np.float64)  # astype copies
        from boxgeom.rotated import rotated_corners  # boxgeom.rotated imports this module

        corners = rotated_corners(rotated, angle_unit=angle_unit, convention=convention)
    else:
        corners = as_quads(boxes, "boxes").reshape(-1, 4, 2).astype(np.float64)
        if out_fmt == "cxcywhr":
            return quads_to_rotated(corners, degrees, flip)
    if out_fmt == "xyxyxyxy":
        return corners.reshape(-1, 8)
    return _from_xyxy(np.hstack([corners.min(axis=1), corners.max(axis=1)]), out_fmt)


def _from_xyxy(xyxy: np.ndarray, out_fmt: str) -> np.ndarray:
    """Validated ``xyxy`` boxes as a new array in the axis-aligned ``out_fmt`` (int32 widened to int64)."""
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


# Areas within this many ulps of 1 of the smallest one, in the scaled frame of
# quads_to_rotated (largest coordinate in [0.5, 1)), are ties: the first edge wins.
_TIE_ULPS = 16


def quads_to_rotated(corners: np.ndarray, degrees: bool, flip: bool) -> np.ndarray:
    """The minimum-area enclosing rectangles of validated convex quads, as ``(n, 5)`` rotated boxes.

    Rotating calipers: the smallest rectangle around a convex polygon has a side on one
    of its edges, so each of the four edges (zero-length ones skipped) is tried with
    the corners projected on its direction ``u`` and on the normal ``v = (-uy, ux)``.
    The corners are first moved to their bounding box's centre and scaled by a power of
    two (exact) to a largest coordinate in [0.5, 1): no overflow or underflow for huge
    or tiny quads. ``corners`` is (n, 4, 2) float64; ``degrees``/``flip`` as
    ``check_angle_unit``/``check_convention`` return them.
    """
    n = corners.shape[0]
    xs, ys = (np.ascontiguousarray(corners[:, :, axis].T) for axis in (0, 1))  # (4, n): corner k in row k
    centre_x, centre_y = _lowest(xs) / 2 + _highest(xs) / 2, _lowest(ys) / 2 + _highest(ys) / 2
    xs -= centre_x
    ys -= centre_y
    _, exponent = np.frexp(np.maximum(_highest(np.abs(xs)), _highest(np.abs(ys))))
    xs, ys = np.ldexp(xs, -exponent), np.ldexp(ys, -exponent)
    usable = np.empty((4, n), dtype=bool)
    unit = np.empty((2, 4, n))  # the direction of edge k (0 for a zero-length edge)
    sizes = np.empty((2, 4, n))  # the extents along u and along v
    middles = np.empty((2, 4, n))  # the rectangle's centre along u and along v
    for k in range(4):
        j = (k + 1) % 4
        length = np.hypot(xs[j] - xs[k], ys[j] - ys[k])
        usable[k] = length > 0
        safe = np.where(usable[k], length, 1.0)
        ux, uy = unit[0, k], unit[1, k]
        np.divide(xs[j] - xs[k], safe, out=ux)
        np.divide(ys[j] - ys[k], safe, out=uy)
        for axis, projected in enumerate((ux * xs + uy * ys, ux * ys - uy * xs)):
            low, high = _lowest(projected), _highest(projected)
            sizes[axis, k] = high - low
            middles[axis, k] = low / 2 + high / 2
    area = np.where(usable, sizes[0] * sizes[1], np.inf)
    best = np.argmax(usable & (area <= _lowest(area) + _TIE_ULPS * np.finfo(np.float64).eps), axis=0)
    rows = np.arange(n)
    ux, uy = unit[0, best, rows], unit[1, best, rows]
    along, across = middles[0, best, rows], middles[1, best, rows]
    out = np.empty((n, 5))
    out[:, 0] = centre_x + np.ldexp(ux * along - uy * across, exponent)
    out[:, 1] = centre_y + np.ldexp(uy * along + ux * across, exponent)
    out[:, 2] = np.ldexp(sizes[0, best, rows], exponent)
    out[:, 3] = np.ldexp(sizes[1, best, rows], exponent)
    # the angle of u in the convention (torchvision: the sine negated), turned by 180
    # degrees (the same rectangle) into (-90, 90]
    cos, sin = ux, -uy if flip else uy
    turn = (cos < 0) | ((cos == 0) & (sin < 0))
    angle = np.arctan2(np.where(turn, -sin, sin), np.where(turn, -cos, cos))
    angle[~usable[best, rows]] = 0.0  # every corner the same point
    out[:, 4] = (np.degrees(angle) if degrees else angle) + 0.0  # + 0.0: no -0.0
    return out


def _lowest(rows: np.ndarray) -> np.ndarray:
    """The elementwise minimum of the four rows of a (4, n) array (faster than ``min(axis=0)``)."""
    return np.minimum(np.minimum(rows[0], rows[1]), np.minimum(rows[2], rows[3]))


def _highest(rows: np.ndarray) -> np.ndarray:
    """The elementwise maximum of the four rows of a (4, n) array."""
    return np.maximum(np.maximum(rows[0], rows[1]), np.maximum(rows[2], rows[3]))


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
