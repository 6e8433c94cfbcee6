"""box-intersect-lib's detection functions, with its names, arguments and results.

Re-exported by :mod:`boxgeom.compat`. Boxes are ``(x, y, width, height)`` with
positive width and height (int32 like the peer; int64, float and lists also work).
Where the peer's output depends on its tree's internal order (ties), the rule is:
NMS ties in score go to the lower index; matching ties in IoU go to the lower
``idx2``, then the lower ``idx1``; coverage ties in ``(x, y)`` go to the lower index.
Adjacency results are ascending where the peer's follow its tree order.
"""

from __future__ import annotations

import numbers

import numpy as np
import numpy.typing as npt

from boxgeom import _checks, _compat_index, _cover, _match, _nms
from boxgeom._threads import kernel_threads
from boxgeom._compat_checks import InvalidBoxesError, as_compat_boxes, check_size_int, compat_tile_error
from boxgeom._validate import INT64_LIMIT, as_numpy, as_scores, common_dtype
from boxgeom.formats import as_float64_boxes

__all__ = ["BoxIntersector", "efficient_coverage", "find_best_matches", "find_non_max_suppressed"]

COMPAT_LENGTH = "Length of boxes list must match length of scores list"


def _threshold(value, name: str) -> float:
    """A float64 threshold as the peer takes it: any real number, NaN included."""
    if type(value) is float:  # the common case, without the ABC checks
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a float, got {type(value).__name__}")
    return float(value)


def find_non_max_suppressed(
    boxes_array: npt.ArrayLike, scores: npt.ArrayLike, iou_threshold: float, overlap_threshold: float
) -> np.ndarray:
    """Greedy NMS as box-intersect-lib does it; return the mask of kept boxes.

    Parameters
    ----------
    boxes_array : array_like of shape (n, 4)
        ``(x, y, width, height)`` boxes, width and height > 0.
    scores : array_like of shape (n,)
        Scores (NaN is a ValueError; the peer gives arbitrary results).
    iou_threshold, overlap_threshold : float
        Suppress box b (lower score) when ``inter > union * iou_threshold`` or
        ``inter > area(b) * overlap_threshold`` (both strict; a threshold >= 1 or NaN
        disables its test).

    Returns
    -------
    ndarray of shape (n,), bool
        True = kept (a local maximum). Equal scores: the lower index is visited first.

    Raises
    ------
    InvalidBoxesError
        Bad boxes or a length mismatch (the peer's AssertionError messages).

    Examples
    --------
    >>> find_non_max_suppressed([[0, 0, 10, 10], [1, 1, 10, 10], [2, 2, 3, 3]], [0.9, 0.8, 0.7], 0.5, 0.9)
    array([ True, False, False])
    """
    xyxy = as_compat_boxes(boxes_array)
    values = as_numpy(scores)
    if values.ndim == 1 and values.shape[0] != len(xyxy):
        raise InvalidBoxesError(f"{COMPAT_LENGTH}; scores: expected length {len(xyxy)}, got {values.shape[0]}")
    values = as_scores(values, len(xyxy), boxes_name="boxes_array")
    iou_t = _threshold(iou_threshold, "iou_threshold")
    overlap_t = _threshold(overlap_threshold, "overlap_threshold")
    return _nms.greedy_nms(xyxy, values, None, iou_threshold=iou_t, overlap_threshold=overlap_t, peer_rule=True,
                           n_threads=kernel_threads(None, len(xyxy), "nms"), as_mask=True)


def find_best_matches(
    boxes_array_1: npt.ArrayLike, boxes_array_2: npt.ArrayLike, iou_threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy one-to-one matching by IoU, as box-intersect-lib does it.

    Parameters
    ----------
    boxes_array_1, boxes_array_2 : array_like of shape (n, 4) and (m, 4)
        ``(x, y, width, height)`` boxes, width and height > 0.
    iou_threshold : float
        Inclusive: a strictly intersecting pair is a candidate when
        ``union * iou_threshold <= inter`` (NaN or > 1: no matches).

    Returns
    -------
    matches : ndarray of shape (k, 2), uint32
        ``[idx1, idx2]`` rows in acceptance order (decreasing IoU; ties: lower idx2,
        then lower idx1).
    remaining_1, remaining_2 : ndarray of uint32
        Unmatched indices, ascending.

    Examples
    --------
    >>> m, r1, r2 = find_best_matches([[0, 0, 10, 10], [3, 0, 10, 10]], [[1, 0, 10, 10], [-3, 0, 10, 10]], 0.1)
    >>> m.tolist(), r1.tolist(), r2.tolist()
    ([[0, 0], [1, 1]], [], [])
    """
    first = as_compat_boxes(boxes_array_1, "boxes_array_1")
    if boxes_array_2 is boxes_array_1:  # one set matched with itself: validate it once
        second = first
    else:
        first, second = common_dtype(first, as_compat_boxes(boxes_array_2, "boxes_array_2"))
    threshold = _threshold(iou_threshold, "iou_threshold")
    return _match.greedy_matching(first, second, iou_threshold=threshold, peer_rule=True, by_second=True,
                                  n_threads=kernel_threads(None, len(first), "matching"), as_uint32=True)


def efficient_coverage(boxes_array: npt.ArrayLike, tile_width: int, tile_height: int) -> list:
    """box-intersect-lib's tile cover heuristic, with its exact output.

    Parameters
    ----------
    boxes_array : array_like of shape (n, 4)
        ``(x, y, width, height)`` boxes, width and height > 0.
    tile_width, tile_height : int
        Non-negative tile size (a box of exactly the tile's size fits).

    Returns
    -------
    list of ((x, y), ndarray of uint32)
        Tiles in creation order (non-decreasing x) with their boxes in sweep order
        (by x, then y, then index). ``x`` is the tile's minimum box x; ``y`` is
        ``max(y + h) - tile_height``.

    Raises
    ------
    InvalidBoxesError
        A box larger than the tile: "Box has size: (w, h), could not fit in tile of
        size: (W, H)", naming the first such box.

    See Also
    --------
    boxgeom.tile_cover : usually fewer tiles.

    Examples
    --------
    >>> efficient_coverage([[1, 1, 1, 2], [0, 0, 5, 5], [2, 3, 2, 6]], 10, 10)
    [((0, -1), array([1, 0, 2], dtype=uint32))]
    """
    valid = _checks.valid_boxes(boxes_array, _checks.ORDER_SIZES, INT64_LIMIT)
    if valid is not None and type(tile_width) is int and type(tile_height) is int and min(tile_width, tile_height) >= 0:
        coverage = _cover.peer_one_tile(valid, tile_width, tile_height)  # one tile, from the xywh rows as they are
        if coverage is not None:
            return coverage
    xyxy = as_compat_boxes(boxes_array, valid=valid)
    width = check_size_int(tile_width, "tile_width")
    height = check_size_int(tile_height, "tile_height")
    bad, coverage = _cover.peer_cover(xyxy, width, height)
    if bad >= 0:
        w, h = (xyxy[bad, 2:] - xyxy[bad, :2]).tolist()
        raise compat_tile_error(w, h, width, height)
    assert coverage is not None
    return coverage


class BoxIntersector(_compat_index.BoxIntersectorBase):
    """A static index of ``(x, y, width, height)`` boxes (box-intersect-lib's class).

    Parameters
    ----------
    boxes_arr : array_like of shape (n, 4)
        Width and height > 0.

    Notes
    -----
    ``find_intersections(x1, y1, width, height)`` (compiled, in
    :mod:`boxgeom._compat_index`) returns the uint32 indices, ascending, of the stored
    boxes that strictly intersect the query box. Python ints and numpy integer scalars
    (the rows of an int32 array) are read without Python code; other integral values
    also work, floats and bools raise TypeError, negative sizes ValueError.

    Examples
    --------
    >>> index = BoxIntersector([[1, 1, 1, 2], [0, 0, 5, 5], [2, 3, 2, 6]])
    >>> index.find_intersections(0, 0, 2, 2)
    array([0, 1], dtype=uint32)
    >>> index.find_intersections(1, 1, 0, 0)  # a point: boxes whose open interior holds it
    array([1], dtype=uint32)
    """

    __slots__ = ()

    def __init__(self, boxes_arr: npt.ArrayLike) -> None:
        xyxy = as_compat_boxes(boxes_arr, "boxes_arr")
        if self._build(xyxy) >= 0:
            as_float64_boxes(xyxy, "boxes_arr")  # raises: an int64 coordinate beyond 2**53
            raise AssertionError("as_float64_boxes accepted a coordinate the index kernel rejected")  # pragma: no cover
