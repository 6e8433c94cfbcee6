"""Merging the predictions of sliced inference: SAHI's non-maximum merging (``nmm``),
the merge of each group into one box (``merge_groups``) and SAHI's slice grid
(``slice_grid``).

``nmm`` and ``merge_groups`` run in ``boxgeom._nmm``: the boxes are filed in a
hierarchical grid and each one is tested only against the nearby boxes it overlaps,
O(n log n + k) for k overlapping pairs, never the n x n matrix of SAHI's dense path.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _iou, _nmm
from boxgeom._tensors import returns_tensors
from boxgeom._threads import kernel_threads
from boxgeom._validate import (
    as_indices,
    as_indptr,
    as_labels,
    as_scores,
    check_flag,
    check_threshold,
)
from boxgeom.formats import as_boxes, box_convert, check_fmt
from boxgeom.iou import check_mode

__all__ = ["METRICS", "merge_groups", "nmm", "slice_grid"]

#: The match metrics of :func:`nmm` and :func:`merge_groups`: SAHI's ``"IOU"`` and ``"IOS"``.
METRICS = ("iou", "ios")
MEMBER_ORDERS = ("index", "merge")


@returns_tensors
def nmm(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    threshold: float,
    *,
    metric: str = "iou",
    greedy: bool = False,
    idxs: npt.ArrayLike | None = None,
    member_order: str = "index",
    fmt: str = "xyxy",
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Non-maximum merging: SAHI's ``nmm`` (``greedy=False``) and ``greedy_nmm`` (``greedy=True``).

    Two boxes match when their ``metric`` is **>=** ``threshold`` (SAHI's inclusive
    test). The boxes are visited in SAHI's processing order: decreasing score, then
    ``x1, y1, x2, y2`` ascending, then index.

    - Greedy: a box not yet absorbed becomes a keeper and absorbs every later box,
      not yet absorbed, that matches it (chains do not propagate).
    - Transitive (default): a box not yet absorbed becomes a keeper; then every box,
      keeper or absorbed, hands its keeper the boxes not yet absorbed that it matches
      and dominates, so chains A~B~C merge into A. A box dominates another of a lower
      score, or of an equal score and the same coordinates: **boxes of equal scores
      and different coordinates never merge** (SAHI's rule; the greedy variant merges
      them).

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    scores : array_like of shape (n,)
        NaN is an error; +-inf are ordinary scores.
    threshold : float in [0, 1]
        0 matches every pair, disjoint ones included, as in SAHI (see Notes).
    metric : {"iou", "ios"}, default "iou"
        IoU, or the intersection over the smaller area (SAHI's IOS); a ratio whose
        denominator is 0 is 0, so zero-area boxes never match above threshold 0.
    greedy : bool, default False
    idxs : array_like of shape (n,), integer, optional
        Categories: each one is merged on its own, as in SAHI's ``batched_nmm`` and
        ``batched_greedy_nmm``.
    member_order : {"index", "merge"}, default "index"
        Order within each row: ascending, or the order the boxes were absorbed in,
        which is SAHI's list order (greedy: the processing order; transitive: absorber
        by absorber in processing order, each absorber's boxes ascending) and the
        order in which SAHI's ``NMMPostprocess`` merges them (see
        :func:`merge_groups`).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    n_threads : int, optional
        OpenMP threads of the neighbour search, used from 20,000 boxes; the result
        never depends on it.

    Returns
    -------
    keep : ndarray of shape (m,), intp
        The keepers: categories ascending, then in processing order (the key order of
        SAHI's dict).
    indptr : ndarray of shape (m + 1,), int64
    indices : ndarray of shape (n - m,), intp
        Row ``r``, ``indices[indptr[r]:indptr[r + 1]]``, lists the boxes merged into
        ``keep[r]``, itself excluded. Every box is a keeper or in exactly one row, so
        ``dict(zip(keep, rows))`` is SAHI's dict (with ``member_order="merge"``, list
        for list; otherwise up to the order within each list).

    Raises
    ------
    ValueError
        Bad boxes, NaN scores, a length mismatch, an unknown ``metric`` or
        ``member_order``, ``threshold`` outside [0, 1] or NaN.

    See Also
    --------
    merge_groups : one box per group.
    slice_grid : the slices of sliced inference.

    Notes
    -----
    Comparisons are exact in float64. SAHI rounds the metric to float32 first in
    its numpy backend below 2,000 boxes (per category) and in its numba ``nmm``, so
    a pair whose metric lies within about 1e-7 of ``threshold`` (relatively) can match
    there and not here, or the reverse; elsewhere SAHI compares float64 values
    computed as here, and the groups are identical.

    At threshold 0 SAHI does not compute the metric: greedy, the first box of each
    category absorbs all the others; transitive, the first box absorbs every box of a
    lower score and its exact duplicates, and the other boxes tied with it at the top
    score are keepers with empty rows. That is SAHI's shortcut, reproduced here (its
    general loop would give such a box its own duplicates), in O(n log n).

    Above 0, only pairs with a positive-area overlap can match. Both of SAHI's loops
    come down to "the first box in processing order, before this one, that matches it"
    (greedy: the first such keeper; transitive: the first that also dominates it, whose
    keeper it joins), which is found for every box among its neighbours in a
    hierarchical grid; the metric is :func:`boxgeom.box_iou_pairs`'s, bit for bit.
    Time O(n log n + k) for k overlapping pairs, memory O(n).

    Examples
    --------
    >>> boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [2, 2, 12, 12], [50, 50, 60, 60]]
    >>> scores = [0.9, 0.8, 0.7, 0.6]
    >>> keep, indptr, indices = nmm(boxes, scores, 0.5)  # IoU 0.68 of neighbours, 0.47 of boxes 0 and 2
    >>> keep, indptr, indices
    (array([0, 3]), array([0, 2, 2]), array([1, 2]))
    >>> dict(zip(keep.tolist(), np.split(indices, indptr[1:-1])))
    {0: array([1, 2]), 3: array([], dtype=int64)}
    >>> nmm(boxes, scores, 0.5, greedy=True)[0]  # box 2 does not match box 0
    array([0, 2, 3])
    >>> nmm(boxes, scores, 0.5, idxs=[0, 1, 1, 0])[0]
    array([0, 3, 1])
    """
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    values = as_scores(scores, len(xyxy))
    labels = None if idxs is None else as_labels(idxs, len(xyxy))
    limit = check_threshold(threshold, "threshold")
    code = _iou.MODE_CODES[check_mode(metric, METRICS, "metric")]
    greedy = check_flag(greedy, "greedy")
    by_index = _check_member_order(member_order) == "index"
    threads = kernel_threads(n_threads, len(xyxy), "merging")
    return _nmm.groups(xyxy, values, labels, mode=code, threshold=limit, greedy=greedy, by_index=by_index,
                       n_threads=threads)


def _check_member_order(value: Any) -> str:
    if not isinstance(value, str) or value not in MEMBER_ORDERS:
        raise ValueError(f"member_order: expected one of {', '.join(map(repr, MEMBER_ORDERS))}, got {value!r}")
    return value


@returns_tensors
def merge_groups(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    keep: npt.ArrayLike,
    indptr: npt.ArrayLike,
    indices: npt.ArrayLike,
    *,
    threshold: float | None = None,
    metric: str = "iou",
    labels: npt.ArrayLike | None = None,
    fmt: str = "xyxy",
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge each group of :func:`nmm` into one box: SAHI's postprocess rule.

    Row ``r`` is folded into ``keep[r]`` member by member, in row order: the box
    becomes the **enclosing box** (min x1, y1; max x2, y2) and the score the **best
    score** (the maximum). With ``labels``, the label is the higher-scoring side's,
    the member's on a tie (SAHI's ``get_merged_category``).

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``.
    scores : array_like of shape (n,)
    keep : array_like of shape (m,), integer
    indptr : array_like of shape (m + 1,), integer
    indices : array_like of shape (k,), integer
        Groups as :func:`nmm` returns them (any CSR rows of box indices will do).
    threshold : float in [0, 1], optional
        None (default): every member is merged. A number: SAHI's ``NMMPostprocess``
        and ``GreedyNMMPostprocess`` rule: each member is first re-tested against the
        **grown** box, ``metric >= threshold``, and a member that fails is
        **discarded** (neither merged nor returned, as SAHI does); a pair whose
        denominator is 0 always fails (SAHI's NaN). The order of the rows matters
        then: ``nmm(..., member_order="merge")`` gives SAHI's.
    metric : {"iou", "ios"}, default "iou"
        The metric of that re-test.
    labels : array_like of shape (n,), integer, optional
        Categories; their merged values are returned too.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        The format of ``boxes`` and of the merged boxes.

    Returns
    -------
    merged_boxes : ndarray of shape (m, 4)
        In ``fmt``; xyxy keeps the kernel dtype of ``boxes``, other formats as
        :func:`boxgeom.box_convert` gives them.
    merged_scores : ndarray of shape (m,), float64
    merged_labels : ndarray of shape (m,), int64
        Only with ``labels``.

    Raises
    ------
    ValueError
        Bad boxes or scores, indices outside [0, n), row pointers that do not run
        from 0 to ``len(indices)`` without decreasing, an unknown ``metric``,
        ``threshold`` outside [0, 1].

    Examples
    --------
    >>> boxes = [[3, 0, 13, 10], [6, 0, 16, 10], [0, 0, 10, 10]]  # IoU 0.54 of 0 with 1 and 2
    >>> groups = nmm(boxes, [0.9, 0.8, 0.7], 0.5, member_order="merge")
    >>> groups
    (array([0]), array([0, 2]), array([1, 2]))
    >>> merge_groups(boxes, [0.9, 0.8, 0.7], *groups)
    (array([[ 0,  0, 16, 10]]), array([0.9]))
    >>> merge_groups(boxes, [0.9, 0.8, 0.7], *groups, threshold=0.5)  # SAHI: box 2 is lost
    (array([[ 3,  0, 16, 10]]), array([0.9]))
    """
    check_fmt(fmt)
    xyxy = as_boxes(boxes, "boxes", fmt, strided=True)
    n = len(xyxy)
    values = as_scores(scores, n)
    keepers = as_indices(keep, n, "keep")
    members = as_indices(indices, n, "indices")
    pointers = as_indptr(indptr, len(keepers), len(members))
    categories = None if labels is None else as_labels(labels, n, "labels")
    retest = threshold is not None
    limit = check_threshold(threshold, "threshold") if retest else 0.0
    ios = check_mode(metric, METRICS, "metric") == "ios"
    merged, merged_scores, merged_labels = _nmm.merge(
        xyxy, values, categories, keepers, pointers, members, threshold=limit, ios=ios, retest=retest
    )
    if fmt != "xyxy":
        merged = box_convert(merged, "xyxy", fmt)
    if merged_labels is None:
        return merged, merged_scores
    return merged, merged_scores, merged_labels


def _check_size(value: Any, name: str, low: int) -> int:
    """``value`` as an int >= ``low`` (0 or 1), else TypeError/ValueError."""
    what = "a positive int" if low else "a non-negative int"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name}: expected {what}, got {value}")
    return int(value)


def _check_ratio(value: Any, name: str) -> float:
    """An overlap ratio in [0, 1)."""
    ratio = check_threshold(value, name)
    if ratio == 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return ratio


def _spans(image: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """SAHI's steps along one axis: windows of ``size`` advancing by ``size - overlap``,
    the last one moved back to end at ``image`` (starting at 0 if the image is smaller)."""
    spans = []
    low = high = 0
    while high < image:
        high = low + size
        if high > image:
            high = image
            low = max(0, image - size)
        spans.append((low, high))
        low = high - overlap
    return spans


@returns_tensors
def slice_grid(
    image_height: int,
    image_width: int,
    slice_height: int,
    slice_width: int,
    *,
    overlap_height_ratio: float = 0.2,
    overlap_width_ratio: float = 0.2,
) -> np.ndarray:
    """The slices of sliced inference, as SAHI's ``get_slice_bboxes`` gives them.

    Slices of ``slice_height x slice_width`` overlap by ``int(ratio * size)`` pixels
    (truncated, as SAHI does); the last row and column are moved back to end at the
    image's border, so every slice has the full size unless the image is smaller.

    Parameters
    ----------
    image_height, image_width : int
        Non-negative; an empty image has no slices.
    slice_height, slice_width : int
        Positive.
    overlap_height_ratio, overlap_width_ratio : float in [0, 1), default 0.2

    Returns
    -------
    ndarray of shape (s, 4), int64
        ``(x_min, y_min, x_max, y_max)`` of each slice, row by row from the top left
        (SAHI's order).

    Examples
    --------
    >>> slice_grid(100, 150, 64, 64)  # overlap int(0.2 * 64) = 12
    array([[  0,   0,  64,  64],
           [ 52,   0, 116,  64],
           [ 86,   0, 150,  64],
           [  0,  36,  64, 100],
           [ 52,  36, 116, 100],
           [ 86,  36, 150, 100]])
    """
    height = _check_size(image_height, "image_height", 0)
    width = _check_size(image_width, "image_width", 0)
    size_y = _check_size(slice_height, "slice_height", 1)
    size_x = _check_size(slice_width, "slice_width", 1)
    overlap_y = int(_check_ratio(overlap_height_ratio, "overlap_height_ratio") * size_y)
    overlap_x = int(_check_ratio(overlap_width_ratio, "overlap_width_ratio") * size_x)
    rows = _spans(height, size_y, overlap_y) if width else []
    columns = _spans(width, size_x, overlap_x)
    out = np.empty((len(rows) * len(columns), 4), dtype=np.int64)
    if len(out):
        ys = np.repeat(np.array(rows, dtype=np.int64), len(columns), axis=0)
        xs = np.tile(np.array(columns, dtype=np.int64), (len(rows), 1))
        out[:, 0::2] = xs
        out[:, 1::2] = ys
    return out
