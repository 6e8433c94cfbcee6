"""Intersection over union of axis-aligned boxes: dense matrices and sparse pair lists."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boxgeom import _iou
from boxgeom._threads import kernel_threads
from boxgeom._validate import as_pairs
from boxgeom.formats import as_box_pair

__all__ = ["box_iou", "box_iou_pairs"]


def box_iou(boxes1: npt.ArrayLike, boxes2: npt.ArrayLike, *, fmt: str = "xyxy", n_threads: int | None = None) -> np.ndarray:
    """Return the IoU of every box of ``boxes1`` with every box of ``boxes2``.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 4)
    boxes2 : array_like of shape (m, 4)
        Boxes in ``fmt``, non-negative width and height.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional
        OpenMP threads over the rows.

    Returns
    -------
    ndarray of shape (n, m), float64
        ``area(a & b) / area(a | b)``; 0 where the union is 0 (where torchvision's
        ``inter / union`` gives NaN).
        Touching boxes have IoU 0.

    See Also
    --------
    box_iou_pairs : the IoU of listed pairs only, for sparse problems.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 4, 2]])
    array([[0.14285714, 1.        , 0.        ]])
    """
    first, second = as_box_pair(boxes1, boxes2, fmt)
    return _iou.iou_matrix(first, second, n_threads=kernel_threads(n_threads, len(first) * len(second), "iou"))


def box_iou_pairs(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> np.ndarray:
    """Return the IoU of the listed pairs ``(boxes1[pairs[0]], boxes2[pairs[1]])``.

    Parameters
    ----------
    boxes1, boxes2 : array_like of shape (n, 4) and (m, 4)
        Boxes in ``fmt``. For pairs of one set, pass the same array twice.
    pairs : array_like of shape (2, k), integer
        Row 0 indexes ``boxes1``, row 1 ``boxes2`` (as from :func:`find_pairs_between`).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional

    Returns
    -------
    ndarray of shape (k,), float64

    Examples
    --------
    >>> from boxgeom import find_pairs
    >>> boxes = [[0, 0, 2, 2], [1, 1, 3, 3], [1, 0, 3, 2]]
    >>> pairs = find_pairs(boxes)
    >>> box_iou_pairs(boxes, boxes, pairs).round(3)
    array([0.143, 0.333, 0.333])
    """
    first, second = as_box_pair(boxes1, boxes2, fmt)
    checked = as_pairs(pairs, len(first), len(second))
    return _iou.iou_pairs(first, second, checked, n_threads=kernel_threads(n_threads, checked.shape[1], "iou"))
