"""Box utilities as torchvision.ops has them: clip to an image, drop small boxes, boxes of masks."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _masks
from boxgeom._validate import as_numpy
from boxgeom._threads import kernel_threads
from boxgeom.formats import as_boxes, box_convert, check_fmt
from boxgeom._tensors import returns_tensors

__all__ = ["clip_boxes_to_image", "masks_to_boxes", "remove_small_boxes"]


def _finite_number(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return number


def _image_size(size: Any) -> tuple[float, float]:
    """``(height, width)``: two finite non-negative numbers."""
    if isinstance(size, (str, bytes)) or not hasattr(size, "__len__") or len(size) != 2:
        raise ValueError(f"size: expected (height, width), got {size!r}")
    height, width = (_finite_number(v, "size") for v in size)
    if height < 0 or width < 0:
        raise ValueError(f"size: expected non-negative (height, width), got {size!r}")
    return height, width


@returns_tensors
def clip_boxes_to_image(boxes: npt.ArrayLike, size: tuple[float, float], *, fmt: str = "xyxy") -> np.ndarray:
    """Clip boxes to an image: x into ``[0, width]``, y into ``[0, height]`` (torchvision's rule).

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    size : (height, width)
        The image size, two non-negative numbers (torchvision's order).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        The format of ``boxes`` and of the result.

    Returns
    -------
    ndarray of shape (n, 4)
        A new array in ``fmt``. xyxy keeps the kernel dtype of ``boxes`` (integer boxes
        are clipped to the largest integers inside a fractional size); other formats as
        :func:`boxgeom.box_convert` gives them. A box outside the image becomes a
        zero-width or zero-height box on its border.

    Examples
    --------
    >>> clip_boxes_to_image([[-5, 10, 30, 50], [90, 90, 120, 95]], (60, 100))
    array([[  0,  10,  30,  50],
           [ 90,  60, 100,  60]])
    """
    check_fmt(fmt)
    height, width = _image_size(size)
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    if xyxy.dtype.kind == "i":
        height, width = math.floor(height), math.floor(width)
    out = np.empty_like(xyxy)
    np.clip(xyxy[:, 0::2], 0, width, out=out[:, 0::2])
    np.clip(xyxy[:, 1::2], 0, height, out=out[:, 1::2])
    return out if fmt == "xyxy" else box_convert(out, "xyxy", fmt)


@returns_tensors
def remove_small_boxes(boxes: npt.ArrayLike, min_size: float, *, fmt: str = "xyxy") -> np.ndarray:
    """Return the indices of the boxes whose width and height are both at least ``min_size``.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    min_size : float
        The smallest width and height kept (torchvision's ``>=``).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    ndarray of shape (k,), intp
        Ascending indices of the kept boxes.

    Examples
    --------
    >>> remove_small_boxes([[0, 0, 10, 10], [0, 0, 10, 2], [5, 5, 7, 7]], 2)
    array([0, 1, 2])
    >>> remove_small_boxes([[0, 0, 10, 10], [0, 0, 10, 2], [5, 5, 7, 7]], 3)
    array([0])
    """
    minimum = _finite_number(min_size, "min_size")
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    wide = xyxy[:, 2].astype(np.float64) - xyxy[:, 0] >= minimum
    tall = xyxy[:, 3].astype(np.float64) - xyxy[:, 1] >= minimum
    return np.flatnonzero(wide & tall).astype(np.intp, copy=False)


@returns_tensors
def masks_to_boxes(masks: npt.ArrayLike, *, n_threads: int | None = None) -> np.ndarray:
    """Return the bounding box of the nonzero pixels of each mask (torchvision's ``masks_to_boxes``).

    Parameters
    ----------
    masks : array_like of shape (n, H, W), bool or integer
        A pixel belongs to the mask when it is nonzero.
    n_threads : int, optional
        OpenMP threads over the masks.

    Returns
    -------
    ndarray of shape (n, 4), float64
        ``[x_min, y_min, x_max, y_max]`` in pixel indices (column, row), as torchvision;
        zeros for a mask without pixels.

    Examples
    --------
    >>> masks = np.zeros((2, 4, 5), dtype=bool)
    >>> masks[0, 1:3, 2:5] = True
    >>> masks_to_boxes(masks)
    array([[2., 1., 4., 2.],
           [0., 0., 0., 0.]])
    """
    array = as_numpy(masks)
    if array.dtype.kind not in "biu":
        raise TypeError(f"masks: expected a bool or integer array, got dtype {array.dtype}")
    if array.ndim != 3:
        raise ValueError(f"masks: expected shape (n, H, W), got {array.shape}")
    if array.dtype == np.bool_ and array.flags.c_contiguous:
        flags = array.view(np.uint8)
    else:
        flags = np.ascontiguousarray(array != 0).view(np.uint8)
    return _masks.masks_to_boxes(flags, n_threads=kernel_threads(n_threads, array.size, "masks"))
