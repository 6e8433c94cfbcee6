"""Overlap measures of axis-aligned boxes (IoU, iof, ioa, ios, GIoU, DIoU, CIoU): dense
matrices, row by row, and sparse pair lists."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from boxgeom import _iou
from boxgeom._threads import kernel_threads
from boxgeom._validate import as_pairs, check_flag, check_same_length
from boxgeom.formats import as_box_pair
from boxgeom._tensors import returns_tensors

__all__ = ["MODES", "box_iou", "box_iou_pairs"]

#: The overlap measures ``mode=`` accepts (see :func:`box_iou`).
MODES = ("iou", "iof", "ioa", "ios", "giou", "diou", "ciou")


def check_mode(mode: object, modes: tuple[str, ...] = MODES, name: str = "mode") -> str:
    """Return ``mode`` if it is one of ``modes`` (default :data:`MODES`), else ValueError naming ``name``."""
    if not isinstance(mode, str) or mode not in modes:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, modes))}, got {mode!r}")
    return mode


@returns_tensors
def box_iou(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    mode: str = "iou",
    aligned: bool = False,
    n_threads: int | None = None,
) -> np.ndarray:
    """Return an overlap measure (IoU by default) of every box of ``boxes1`` with every box of ``boxes2``.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 4)
    boxes2 : array_like of shape (m, 4)
        Boxes in ``fmt``, non-negative width and height.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    mode : {"iou", "iof", "ioa", "ios", "giou", "diou", "ciou"}, default "iou"
        With ``I`` the intersection area, ``A`` and ``B`` the areas of the box of
        ``boxes1`` and of ``boxes2``, ``U = A + B - I``, ``C`` the area of the smallest
        enclosing box, ``c2`` its squared diagonal and ``rho2`` the squared distance of
        the centres: ``iou = I / U``; ``iof = I / A`` (mmcv); ``ioa = I / B``
        (detectron2's ``pairwise_ioa``); ``ios = I / min(A, B)`` (SAHI, supervision);
        ``giou = iou - (C - U) / C``; ``diou = iou - rho2 / c2``; ``ciou = diou - alpha * v``
        with ``v = (4 / pi**2) (atan2(wb, hb) - atan2(wa, ha))**2`` and
        ``alpha = v / (1 - iou + v)`` (torchvision's definitions without its ``eps``).
        Every ratio whose denominator is 0 is taken as 0.
    aligned : bool, default False
        True: the measure of ``boxes1[i]`` with ``boxes2[i]`` only (same lengths).
    n_threads : int, optional
        OpenMP threads over the rows.

    Returns
    -------
    ndarray of shape (n, m), or (n,) with ``aligned``, float64
        Never NaN: 0 where a ratio's denominator is 0 (where torchvision's
        ``inter / union`` gives NaN). Touching boxes have IoU 0.

    Raises
    ------
    ValueError
        Bad boxes, an unknown ``mode``, or ``aligned`` with different lengths.

    See Also
    --------
    box_iou_pairs : the measure of listed pairs only, for sparse problems.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 4, 2]])
    array([[0.14285714, 1.        , 0.        ]])
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [4, 0, 6, 2]], mode="giou").round(4)
    array([[-0.0794, -0.3333]])
    >>> box_iou([[0, 0, 2, 2], [0, 0, 4, 4]], [[1, 1, 3, 3], [1, 1, 2, 2]], mode="ios", aligned=True)
    array([0.25, 1.  ])
    """
    code = _iou.MODE_CODES[check_mode(mode)]
    aligned = check_flag(aligned, "aligned")
    first, second = as_box_pair(boxes1, boxes2, fmt, strided=True)
    if aligned:
        check_same_length(first, second, "boxes1", "boxes2")
        return _iou.measure_aligned(first, second, mode=code, n_threads=kernel_threads(n_threads, len(first), "iou"))
    threads = kernel_threads(n_threads, len(first) * len(second), "iou")
    if mode == "iou":
        return _iou.iou_matrix(first, second, n_threads=threads)
    return _iou.measure_matrix(first, second, mode=code, n_threads=threads)


@returns_tensors
def box_iou_pairs(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    mode: str = "iou",
    n_threads: int | None = None,
) -> np.ndarray:
    """Return an overlap measure (IoU by default) of the listed pairs ``(boxes1[pairs[0]], boxes2[pairs[1]])``.

    Parameters
    ----------
    boxes1, boxes2 : array_like of shape (n, 4) and (m, 4)
        Boxes in ``fmt``. For pairs of one set, pass the same array twice.
    pairs : array_like of shape (2, k), integer
        Row 0 indexes ``boxes1``, row 1 ``boxes2`` (as from :func:`find_pairs_between`).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    mode : {"iou", "iof", "ioa", "ios", "giou", "diou", "ciou"}, default "iou"
        As in :func:`box_iou`.
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
    code = _iou.MODE_CODES[check_mode(mode)]
    first, second = as_box_pair(boxes1, boxes2, fmt, strided=True)
    checked = as_pairs(pairs, len(first), len(second))
    threads = kernel_threads(n_threads, checked.shape[1], "iou")
    if mode == "iou":
        return _iou.iou_pairs(first, second, checked, n_threads=threads)
    return _iou.measure_pairs(first, second, checked, mode=code, n_threads=threads)
