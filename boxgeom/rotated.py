"""Rotated rectangles: corners, areas, exact intersection area, IoU and NMS.

A rotated box is a row ``(cx, cy, w, h, angle)``. Every function takes two
orthogonal keywords (see ``docs/rotated.md`` for a picture and worked corners):

- ``angle_unit="deg"`` (default) or ``"rad"``;
- ``convention="opencv"`` (default): the box's w-axis is ``(cos a, sin a)``, the
  convention of OpenCV's ``boxPoints``, mmcv's default and shapely's ``rotate``
  (clockwise on a y-down screen for a positive angle); ``convention="torchvision"``:
  the w-axis is ``(cos a, -sin a)``, as torchvision's ``cxcywhr`` and detectron2.

Intersections are exact up to float64 rounding: each pair is clipped in the frame of
one of its boxes (Sutherland-Hodgman, no epsilon), the area is clamped to
``[0, smaller area]`` and IoU to ``[0, 1]``; a box against itself gives IoU 1 exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _nms, _pairs, _rotated, _soft_nms
from boxgeom._threads import kernel_threads
from boxgeom._validate import (
    as_quads,
    as_rotated,
    as_scores,
    check_angle_unit,
    check_convention,
    check_flag,
    check_same_length,
    check_threshold,
    common_dtype,
)
from boxgeom.iou import check_mode
from boxgeom._tensors import returns_tensors

__all__ = [
    "polygon_iou",
    "rotated_box_area",
    "rotated_corners",
    "rotated_intersection_area",
    "rotated_iou",
    "rotated_iou_pairs",
    "rotated_nms",
]

# Thread counts come from _threads.kernel_threads with the keys "rotated_cells" (corners,
# matrix cells), "rotated_pairs" (clipped pairs: elementwise, sparse) and "rotated_boxes"
# (boxes handed to the pair engine); results never depend on them.


#: The overlap measures ``mode=`` accepts for rotated boxes and quads (as in :func:`boxgeom.box_iou`).
ROTATED_MODES = ("iou", "iof", "ioa", "ios")


def _options(angle_unit: Any, convention: Any) -> tuple[bool, bool]:
    return check_angle_unit(angle_unit), check_convention(convention)


@returns_tensors
def rotated_corners(
    boxes: npt.ArrayLike, *, angle_unit: str = "deg", convention: str = "opencv", n_threads: int | None = None
) -> np.ndarray:
    """Return the four corners of every rotated box.

    Parameters
    ----------
    boxes : array_like of shape (n, 5)
        Rotated boxes ``(cx, cy, w, h, angle)`` with ``w >= 0`` and ``h >= 0``.
    angle_unit : {"deg", "rad"}, default "deg"
    convention : {"opencv", "torchvision"}, default "opencv"
        w-axis ``(cos a, sin a)`` or ``(cos a, -sin a)``.
    n_threads : int, optional
        OpenMP threads (None: all available).

    Returns
    -------
    ndarray of shape (n, 4, 2), float64
        Corner k is ``centre + R @ (sx * w/2, sy * h/2)`` with ``(sx, sy)`` =
        (-1, -1), (1, -1), (1, 1), (-1, 1): counter-clockwise in a y-up frame.
        Multiples of 90 degrees are exact.

    Examples
    --------
    >>> rotated_corners([[10, 20, 4, 2, 90]])
    array([[[11., 18.],
            [11., 22.],
            [ 9., 22.],
            [ 9., 18.]]])
    >>> rotated_corners([[10, 20, 4, 2, 90]], convention="torchvision")[0, 0]
    array([ 9., 22.])
    """
    degrees, flip = _options(angle_unit, convention)
    array = as_rotated(boxes)
    out = np.empty((array.shape[0], 4, 2))
    threads = kernel_threads(n_threads, array.shape[0], "rotated_cells")
    _rotated.corners(array, degrees=degrees, flip=flip, out=out, n_threads=threads)
    return out


@returns_tensors
def rotated_box_area(boxes: npt.ArrayLike, *, angle_unit: str = "deg", convention: str = "opencv") -> np.ndarray:
    """Return the area ``w * h`` of every rotated box as float64.

    ``angle_unit`` and ``convention`` are accepted (and checked) for symmetry with the
    other rotated functions; the area does not depend on them.

    Examples
    --------
    >>> rotated_box_area([[0, 0, 4, 2, 30], [5, 5, 0, 3, 0]])
    array([8., 0.])
    """
    _options(angle_unit, convention)
    array = as_rotated(boxes)
    return array[:, 2].astype(np.float64) * array[:, 3]


def _overlap(boxes1, boxes2, aligned, angle_unit, convention, n_threads, value, quads=False) -> np.ndarray:
    """The matrix (or, ``aligned``, the rows) of ``value`` (a name of ``_rotated.VALUE_CODES``)."""
    code = _rotated.VALUE_CODES[value]
    aligned = check_flag(aligned, "aligned")
    if quads:
        degrees = flip = False
        first, second = common_dtype(as_quads(boxes1, "quads1"), as_quads(boxes2, "quads2"))
        names = ("quads1", "quads2")
    else:
        degrees, flip = _options(angle_unit, convention)
        first, second = common_dtype(as_rotated(boxes1, "boxes1"), as_rotated(boxes2, "boxes2"))
        names = ("boxes1", "boxes2")
    n, m = first.shape[0], second.shape[0]
    if aligned:
        check_same_length(first, second, *names)
        out = np.empty(n)
        threads = kernel_threads(n_threads, n, "rotated_pairs")
        _rotated.aligned(first, second, degrees=degrees, flip=flip, value=code, out=out, n_threads=threads)
    else:
        out = np.empty((n, m))
        threads = kernel_threads(n_threads, n * m, "rotated_cells")
        _rotated.pairwise(first, second, degrees=degrees, flip=flip, value=code, out=out, n_threads=threads)
    return out


@returns_tensors
def rotated_intersection_area(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    *,
    aligned: bool = False,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> np.ndarray:
    """Return the exact intersection area of rotated boxes, all pairs or row by row.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 5)
    boxes2 : array_like of shape (m, 5)
        Rotated boxes ``(cx, cy, w, h, angle)``; any of int32, int64, float32 or float64
        (computed in float64). Zero ``w`` or ``h`` is valid and gives 0.
    aligned : bool, default False
        False: the (n, m) matrix of all pairs. True: row i of ``boxes1`` with row i of
        ``boxes2`` only (mmcv's ``aligned``), which needs ``m == n``.
    angle_unit : {"deg", "rad"}, default "deg"
    convention : {"opencv", "torchvision"}, default "opencv"
    n_threads : int, optional
        OpenMP threads (None: all available); the result does not depend on it.

    Returns
    -------
    ndarray of shape (n, m), or (n,) when ``aligned``, float64
        Within ``[0, min(area1, area2)]``; the error is a few ulps of the boxes'
        extent times their size.

    Raises
    ------
    ValueError
        Shape other than (n, 5), NaN/inf, negative size (the message names the row),
        ``aligned=True`` with different lengths, unknown ``angle_unit``/``convention``.

    See Also
    --------
    rotated_iou, rotated_iou_pairs

    Examples
    --------
    >>> rotated_intersection_area([[0, 0, 2, 2, 0]], [[1, 1, 2, 2, 0], [0, 0, 2, 2, 45]])
    array([[1.       , 3.3137085]])
    """
    return _overlap(boxes1, boxes2, aligned, angle_unit, convention, n_threads, "area")


@returns_tensors
def rotated_iou(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    *,
    mode: str = "iou",
    aligned: bool = False,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> np.ndarray:
    """Return the IoU of rotated boxes, all pairs or row by row.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 5)
    boxes2 : array_like of shape (m, 5)
        Rotated boxes ``(cx, cy, w, h, angle)``.
    mode : {"iou", "iof", "ioa", "ios"}, default "iou"
        The intersection ``I`` over the union, over the area of the box of ``boxes1``
        (iof), of ``boxes2`` (ioa), or over the smaller area (ios), as in
        :func:`boxgeom.box_iou`.
    aligned : bool, default False
        False: the (n, m) matrix. True: row i with row i (needs ``m == n``).
    angle_unit, convention, n_threads
        As in :func:`rotated_intersection_area`.

    Returns
    -------
    ndarray of shape (n, m), or (n,) when ``aligned``, float64
        Always within ``[0, 1]``; 0 when either box has zero area; exactly 1 for a
        box against itself (bitwise-equal rows).

    Raises
    ------
    ValueError
        As in :func:`rotated_intersection_area`.

    See Also
    --------
    rotated_iou_pairs : only the overlapping pairs, for many boxes.

    Examples
    --------
    >>> rotated_iou([[0, 0, 4, 2, 0]], [[0, 0, 4, 2, 0], [0, 0, 2, 4, 90], [0, 0, 4, 2, 90]])
    array([[1.        , 1.        , 0.33333333]])
    >>> rotated_iou([[0, 0, 4, 2, 0]], [[0, 0, 4, 2, 0.5]], aligned=True, angle_unit="rad").round(6)
    array([0.633711])
    >>> rotated_iou([[0, 0, 2, 2, 0]], [[0, 0, 4, 4, 45]], mode="iof")
    array([[1.]])
    """
    return _overlap(boxes1, boxes2, aligned, angle_unit, convention, n_threads, check_mode(mode, ROTATED_MODES))


def _bounds(boxes: np.ndarray, degrees: bool, flip: bool, threads: int) -> np.ndarray:
    """Padded axis-aligned bounds (n, 4) of rotated boxes, containing them despite rounding."""
    out = np.empty((boxes.shape[0], 4))
    _rotated.bounds(boxes, degrees=degrees, flip=flip, out=out, n_threads=threads)
    return out


def _candidates(first: np.ndarray, second: np.ndarray | None, degrees: bool, flip: bool, threads: int) -> np.ndarray:
    """Pairs whose padded axis-aligned bounds overlap, from the pair engine (strict overlap)."""
    bounds1 = _bounds(first, degrees, flip, threads)
    if second is None:
        return _pairs.find_pairs(bounds1, bounds1, self_join=True, touching=False, n_threads=threads)
    bounds2 = _bounds(second, degrees, flip, threads)
    return _pairs.find_pairs(bounds1, bounds2, self_join=False, touching=False, n_threads=threads)


def _self_iou(
    array: np.ndarray, bounds: np.ndarray, degrees: bool, flip: bool, threads: int, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of a self-join of rotated boxes or quads ``array`` (``bounds``
    overlapping, and ``labels`` equal when given) and their exact IoU: what the NMS
    walks over (:func:`rotated_nms`, ``boxgeom.suppression``)."""
    pairs = _pairs.find_pairs(bounds, bounds, self_join=True, touching=False, n_threads=threads)
    if labels is not None:
        pairs = _soft_nms.same_label_pairs(pairs, labels)
    return pairs, _pair_iou(array, pairs, degrees, flip, threads)


def _pair_iou(array: np.ndarray, pairs: np.ndarray, degrees: bool, flip: bool, threads: int) -> np.ndarray:
    """The exact IoU of the listed pairs (2, k) of rotated boxes or quads ``array``."""
    iou = np.empty(pairs.shape[1])
    _rotated.on_pairs(array, array, pairs, same=True, degrees=degrees, flip=flip, value=_rotated.VALUE_CODES["iou"],
                      out=iou, n_threads=kernel_threads(threads, pairs.shape[1], "rotated_pairs"))
    return iou


@returns_tensors
def rotated_iou_pairs(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike | None = None,
    *,
    mode: str = "iou",
    min_iou: float = 0.0,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs of rotated boxes whose IoU exceeds ``min_iou``, with their IoU.

    Candidates come from the pair engine (:func:`boxgeom.find_pairs`) on the boxes'
    axis-aligned bounds, so the cost grows with the number of nearby pairs, not n * m.

    Parameters
    ----------
    boxes1 : array_like of shape (n, 5)
    boxes2 : array_like of shape (m, 5), optional
        Rotated boxes ``(cx, cy, w, h, angle)``. Without ``boxes2``, pairs within
        ``boxes1`` (a self-join).
    mode : {"iou", "iof", "ioa", "ios"}, default "iou"
        The intersection ``I`` over the union, over the area of the box of ``boxes1``
        (iof), of ``boxes2`` (ioa), or over the smaller area (ios), as in
        :func:`boxgeom.box_iou`.
    min_iou : float in [0, 1], default 0.0
        Keep pairs whose IoU (or ``mode``'s measure) is strictly greater than this (0:
        every pair that overlaps with positive area).
    angle_unit, convention, n_threads
        As in :func:`rotated_intersection_area`.

    Returns
    -------
    pairs : ndarray of shape (2, k), intp
        Row 0 indexes ``boxes1``, row 1 ``boxes2`` (or ``boxes1`` with
        ``pairs[0] < pairs[1]`` in a self-join); sorted lexicographically.
    iou : ndarray of shape (k,), float64
        The IoU (or ``mode``'s measure) of each pair, the same values as :func:`rotated_iou`.

    Raises
    ------
    ValueError
        As in :func:`rotated_intersection_area`, or ``min_iou`` outside [0, 1] or NaN.

    Examples
    --------
    >>> boxes = [[0, 0, 4, 2, 0], [1, 0, 4, 2, 90], [50, 50, 4, 2, 0], [0, 0, 4, 2, 0]]
    >>> pairs, iou = rotated_iou_pairs(boxes)
    >>> pairs
    array([[0, 0, 1],
           [1, 3, 3]])
    >>> iou.round(4)
    array([0.3333, 1.    , 0.3333])
    >>> rotated_iou_pairs(boxes, min_iou=0.5)[0]
    array([[0],
           [3]])
    """
    code = _rotated.VALUE_CODES[check_mode(mode, ROTATED_MODES)]
    min_iou = check_threshold(min_iou, "min_iou")
    degrees, flip = _options(angle_unit, convention)
    if boxes2 is None:
        first = second = as_rotated(boxes1, "boxes1")
        other = None
    else:
        first, second = common_dtype(as_rotated(boxes1, "boxes1"), as_rotated(boxes2, "boxes2"))
        other = second
    threads = kernel_threads(n_threads, first.shape[0] + (0 if other is None else second.shape[0]), "rotated_boxes")
    pairs = _candidates(first, other, degrees, flip, threads)
    iou = np.empty(pairs.shape[1])
    work_threads = kernel_threads(threads, pairs.shape[1], "rotated_pairs")
    _rotated.on_pairs(first, second, pairs, same=other is None, degrees=degrees, flip=flip, value=code, out=iou,
                      n_threads=work_threads)
    keep = iou > min_iou
    if keep.all():
        return pairs, iou
    return np.ascontiguousarray(pairs[:, keep]), iou[keep]


@returns_tensors
def rotated_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    iou_threshold: float,
    *,
    angle_unit: str = "deg",
    convention: str = "opencv",
    n_threads: int | None = None,
) -> np.ndarray:
    """Greedy non-maximum suppression of rotated boxes, with torchvision ``nms`` semantics.

    Visit the boxes by decreasing score (ties: lower index first); keep a box unless a
    kept box overlaps it with IoU strictly greater than ``iou_threshold``.

    Parameters
    ----------
    boxes : array_like of shape (n, 5)
        Rotated boxes ``(cx, cy, w, h, angle)``.
    scores : array_like of shape (n,)
        Scores (NaN is an error; +-inf are ordinary values).
    iou_threshold : float in [0, 1]
        Suppress when IoU > iou_threshold.
    angle_unit, convention, n_threads
        As in :func:`rotated_intersection_area`.

    Returns
    -------
    ndarray of shape (k,), intp
        Indices of the kept boxes, by decreasing score.

    Raises
    ------
    ValueError
        Bad boxes (as in :func:`rotated_iou`), NaN scores or a length mismatch,
        ``iou_threshold`` outside [0, 1] or NaN.

    Notes
    -----
    IoU is computed only for pairs whose axis-aligned bounds overlap (from the pair
    engine); ``boxgeom._nms.suppress_pairs`` then walks the score order over the pairs
    of IoU > ``iou_threshold``.

    Examples
    --------
    >>> boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 10], [10, 10, 4, 2, 0], [0, 0, 2, 4, 0]]
    >>> rotated_nms(boxes, [0.9, 0.8, 0.7, 0.95], 0.5)
    array([3, 0, 2])
    """
    degrees, flip = _options(angle_unit, convention)
    array = as_rotated(boxes)
    n = array.shape[0]
    values = as_scores(scores, n)
    threshold = check_threshold(iou_threshold, "iou_threshold")
    threads = kernel_threads(n_threads, n, "rotated_boxes")
    order = np.argsort(-values, kind="stable")
    pairs, iou = _self_iou(array, _bounds(array, degrees, flip, threads), degrees, flip, threads)
    return _nms.suppress_pairs(order, pairs, iou, iou_threshold=threshold)


@returns_tensors
def polygon_iou(
    quads1: npt.ArrayLike,
    quads2: npt.ArrayLike,
    *,
    mode: str = "iou",
    aligned: bool = False,
    n_threads: int | None = None,
) -> np.ndarray:
    """Return the IoU of convex quadrilaterals (DOTA's ``x1 y1 x2 y2 x3 y3 x4 y4``).

    The same exact clipping as :func:`rotated_iou`; corners may run either way round.

    Parameters
    ----------
    quads1 : array_like of shape (n, 8)
    quads2 : array_like of shape (m, 8)
        Convex quadrilaterals (collinear or repeated corners allowed).
    mode : {"iou", "iof", "ioa", "ios"}, default "iou"
        The intersection ``I`` over the union, over the area of the box of ``quads1``
        (iof), of ``quads2`` (ioa), or over the smaller area (ios), as in
        :func:`boxgeom.box_iou`.
    aligned : bool, default False
        False: the (n, m) matrix; True: row i with row i.
    n_threads : int, optional
        OpenMP threads (None: all available).

    Returns
    -------
    ndarray of shape (n, m), or (n,) when ``aligned``, float64 in [0, 1]

    Raises
    ------
    ValueError
        Shape other than (n, 8), NaN/inf, a non-convex or self-crossing quad (the
        message names the row), ``aligned=True`` with different lengths.

    Examples
    --------
    >>> polygon_iou([[0, 0, 2, 0, 2, 2, 0, 2]], [[1, 0, 3, 0, 3, 2, 1, 2], [0, 2, 2, 2, 2, 0, 0, 0]])
    array([[0.33333333, 1.        ]])
    """
    return _overlap(quads1, quads2, aligned, None, None, n_threads, check_mode(mode, ROTATED_MODES), quads=True)
