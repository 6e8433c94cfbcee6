"""Detection evaluation: COCO's mAP exactly as pycocotools computes it, on flat arrays,
for axis-aligned boxes, rotated boxes and convex quads.

:func:`evaluate_detections` reproduces ``COCOeval(..., iouType="bbox")``'s
``evaluate()``, ``accumulate()`` and ``summarize()``: the same ``precision``,
``recall`` and ``scores`` arrays element by element and the same 12 stats, with
pycocotools' corner cases (crowd ground truth, ``area`` fields that differ from the
boxes, ties, ids of 0, images or categories without ground truth). One pass over flat
arrays, in a compiled kernel that runs the categories in parallel: no Python object
per box. :mod:`boxgeom.coco` is the drop-in for ``COCOeval`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from boxgeom import _checks, _evaluate
from boxgeom._threads import kernel_threads
from boxgeom._validate import as_array, as_labels, as_numpy, as_quads, as_rotated, as_scores, check_flag, check_finite
from boxgeom.formats import box_convert, check_fmt

__all__ = ["COCO_AREA_LABELS", "COCO_AREA_RANGES", "KINDS", "CategoryTable", "DetectionEvaluation", "evaluate_detections"]

#: The kinds of boxes :func:`evaluate_detections` scores.
KINDS = ("box", "rotated", "polygon")
#: COCO's area ranges (pycocotools' ``areaRng``), closed intervals of box area.
COCO_AREA_RANGES = ((0.0**2, 1e5**2), (0.0**2, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
#: The labels of :data:`COCO_AREA_RANGES` (pycocotools' ``areaRngLbl``).
COCO_AREA_LABELS = ("all", "small", "medium", "large")


def _coco_iou_thresholds() -> np.ndarray:
    return np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)


def _coco_recall_thresholds() -> np.ndarray:
    return np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


def mean_found(values: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """The mean over ``axis`` of the entries > -1 (pycocotools' -1: nothing to find),
    -1 where there are none."""
    found = values > -1
    counts = found.sum(axis=axis)
    total = np.where(found, values, 0.0).sum(axis=axis)
    return np.where(counts > 0, total / np.maximum(counts, 1), -1.0)


@dataclass(frozen=True)
class CategoryTable:
    """Per-category results: AP (IoU 0.50:0.95), AP50, AP75 and AR at the largest
    ``max_dets``, all over the first area range; -1 for a category without ground
    truth (as pycocotools). ``str(table)`` is a printable table."""

    categories: np.ndarray
    ap: np.ndarray
    ap50: np.ndarray
    ap75: np.ndarray
    ar: np.ndarray
    max_det: int

    @property
    def ar100(self) -> np.ndarray:
        """``ar`` (named after COCO's default largest ``max_dets``, 100)."""
        return self.ar

    def __str__(self) -> str:
        columns = ("category", "AP", "AP50", "AP75", f"AR{self.max_det}")
        rows = [columns] + [
            (str(c), *("-" if v < 0 else f"{v:.3f}" for v in values))
            for c, *values in zip(self.categories.tolist(), self.ap, self.ap50, self.ap75, self.ar)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
        return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows)


@dataclass(frozen=True, eq=False)
class DetectionEvaluation:
    """The result of :func:`evaluate_detections`, as pycocotools' ``COCOeval.eval``.

    ``precision`` and ``scores`` have shape (T, R, K, A, M) and ``recall`` (T, K, A, M)
    for T IoU thresholds, R recall thresholds, K categories, A area ranges and M
    ``max_dets``; -1 where there is no ground truth to find (pycocotools' -1).
    ``stats`` are the 12 numbers of ``COCOeval.stats``.
    """

    precision: np.ndarray
    recall: np.ndarray
    scores: np.ndarray
    iou_thresholds: np.ndarray
    recall_thresholds: np.ndarray
    max_dets: tuple[int, ...]
    area_ranges: np.ndarray
    area_labels: tuple[str, ...]
    categories: np.ndarray
    image_ids: np.ndarray

    @property
    def stats(self) -> np.ndarray:
        """The 12 stats of ``COCOeval.summarize()``: AP, AP50, AP75, AP small/medium/large,
        AR at each of the three ``max_dets``, AR small/medium/large. A stat whose area
        label, IoU threshold or ``max_dets`` entry is missing is -1."""
        return np.array([value for _, value in self._lines()])

    def summary(self) -> str:
        """The text ``COCOeval.summarize()`` prints (one line per stat; lines that need a
        fourth-or-later missing ``max_dets`` entry are left out).

        Examples
        --------
        >>> result = evaluate_detections([[0, 0, 10, 10]], [1], [1], [[0, 0, 10, 10]], [0.9], [1], [1])
        >>> print(result.summary().splitlines()[0])
         Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000
        """
        return "\n".join(line for line, _ in self._lines() if line is not None)

    def _lines(self) -> list[tuple[str | None, float]]:
        """(summary line or None, stat) for the 12 stats, as pycocotools' ``_summarizeDets``."""
        m = self.max_dets
        third = m[2] if len(m) > 2 else None
        specs = [
            (True, None, "all", 100), (True, 0.5, "all", third), (True, 0.75, "all", third),
            (True, None, "small", third), (True, None, "medium", third), (True, None, "large", third),
            (False, None, "all", m[0]), (False, None, "all", m[1] if len(m) > 1 else None),
            (False, None, "all", third), (False, None, "small", third), (False, None, "medium", third),
            (False, None, "large", third),
        ]
        return [self._summarize(*spec) for spec in specs]

    def _summarize(self, ap: bool, iou: float | None, area: str, max_det: int | None) -> tuple[str | None, float]:
        if max_det is None:
            return None, -1.0
        a = [i for i, label in enumerate(self.area_labels) if label == area]
        m = [i for i, value in enumerate(self.max_dets) if value == max_det]
        values = self.precision if ap else self.recall
        if iou is not None:
            values = values[np.where(iou == self.iou_thresholds)[0]]
        values = values[:, :, :, a, m] if ap else values[:, :, a, m]
        found = values[values > -1]
        mean = float(np.mean(found)) if len(found) else -1.0
        thresholds = f"{self.iou_thresholds[0]:0.2f}:{self.iou_thresholds[-1]:0.2f}" if iou is None else f"{iou:0.2f}"
        title, kind = ("Average Precision", "(AP)") if ap else ("Average Recall", "(AR)")
        return f" {title:<18} {kind} @[ IoU={thresholds:<9} | area={area:>6s} | maxDets={max_det:>3d} ] = {mean:0.3f}", mean

    def per_category(self) -> CategoryTable:
        """AP, AP50, AP75 and AR per category (first area range, largest ``max_dets``).

        Examples
        --------
        >>> result = evaluate_detections([[0, 0, 10, 10], [20, 0, 30, 10]], [1, 2], [1, 1],
        ...                              [[0, 0, 10, 10]], [0.9], [1], [1])
        >>> print(result.per_category())
        category     AP   AP50   AP75  AR100
               1  1.000  1.000  1.000  1.000
               2  0.000  0.000  0.000  0.000
        """
        precision = self.precision[:, :, :, 0, -1]  # (T, R, K)
        at = {t: self.iou_thresholds == t for t in (0.5, 0.75)}
        return CategoryTable(
            categories=self.categories,
            ap=mean_found(precision, (0, 1)),
            ap50=mean_found(precision[at[0.5]], (0, 1)),
            ap75=mean_found(precision[at[0.75]], (0, 1)),
            ar=mean_found(self.recall[:, :, 0, -1], 0),
            max_det=self.max_dets[-1],
        )

    def to_dict(self) -> dict[str, Any]:
        """The stats by name and the parameters, as plain Python values (for JSON).

        Examples
        --------
        >>> result = evaluate_detections([[0, 0, 10, 10]], [1], [1], [[0, 0, 10, 10]], [0.9], [1], [1])
        >>> round(result.to_dict()["stats"]["AP50"], 6)
        1.0
        """
        m = self.max_dets
        names = ["AP", "AP50", "AP75", "APs", "APm", "APl", *(f"AR{v}" for v in (m + (None, None))[:3]), "ARs", "ARm", "ARl"]
        return {
            "stats": dict(zip(names, self.stats.tolist())),
            "iou_thresholds": self.iou_thresholds.tolist(),
            "recall_thresholds": self.recall_thresholds.tolist(),
            "max_dets": list(self.max_dets),
            "area_ranges": dict(zip(self.area_labels, self.area_ranges.tolist())),
            "categories": self.categories.tolist(),
            "n_images": int(len(self.image_ids)),
        }


def _boxes(boxes: Any, name: str, kind: str, fmt: str, degrees: bool, flip: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(rows, areas, bounds) in float64: ``(x, y, w, h)`` rows for "box" (no bounds),
    rotated rows or (n, 8) quads with their axis-aligned bounds."""
    if kind == "box":
        order = _checks.ORDER_CORNERS if fmt == "xyxy" else _checks.ORDER_SIZES
        array = as_array(boxes, name, 4, order).astype(np.float64, copy=False)
        xywh = np.ascontiguousarray(box_convert(array, fmt, "xywh") if fmt != "xywh" else array)
        return xywh, xywh[:, 2] * xywh[:, 3], None
    if kind == "rotated":
        from boxgeom import rotated

        array = np.ascontiguousarray(as_rotated(boxes, name), dtype=np.float64)
        return array, array[:, 2] * array[:, 3], rotated._bounds(array, degrees, flip, 1)
    quads = np.ascontiguousarray(as_quads(boxes, name), dtype=np.float64)
    x, y = quads[:, 0::2], quads[:, 1::2]
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1))
    bounds = np.ascontiguousarray(np.stack([x.min(axis=1), y.min(axis=1), x.max(axis=1), y.max(axis=1)], axis=1))
    return quads, area, bounds


def _thresholds(values: Any, default: np.ndarray, name: str) -> np.ndarray:
    if values is None:
        return default
    array = as_numpy(values)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected numbers, got dtype {array.dtype}")
    array = np.atleast_1d(array).astype(np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D sequence, got shape {array.shape}")
    if not (np.isfinite(array).all() and (array >= 0).all() and (array <= 1).all()):
        raise ValueError(f"{name}: expected values in [0, 1], got {array[~((array >= 0) & (array <= 1))][0]!r}")
    return np.ascontiguousarray(array)


def _max_dets(values: Any) -> tuple[int, ...]:
    array = np.atleast_1d(as_numpy(values))
    if array.dtype.kind not in "iu":
        raise TypeError(f"max_dets: expected integers, got dtype {array.dtype}")
    if array.ndim != 1 or len(array) == 0 or (array < 1).any() or (np.diff(array) <= 0).any():
        raise ValueError(f"max_dets: expected strictly increasing positive integers, got {array.tolist()}")
    return tuple(int(v) for v in array)


def _area_ranges(values: Any, labels: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(values, str):
        if values != "coco":
            raise ValueError(f"area_ranges: expected 'coco' or a sequence of (lo, hi), got {values!r}")
        ranges = np.array(COCO_AREA_RANGES)
        default: tuple[str, ...] = COCO_AREA_LABELS
    else:
        ranges = np.asarray(as_numpy(values), dtype=np.float64) if len(values) else np.empty((0, 2))
        if ranges.ndim != 2 or ranges.shape[1] != 2 or len(ranges) == 0:
            raise ValueError(f"area_ranges: expected a sequence of (lo, hi) pairs, got shape {ranges.shape}")
        if np.isnan(ranges).any():
            raise ValueError("area_ranges: expected numbers, got NaN")
        default = tuple(f"{lo:g}-{hi:g}" for lo, hi in ranges.tolist())
    if labels is None:
        labels = default
    labels = tuple(labels)
    if len(labels) != len(ranges) or not all(isinstance(label, str) for label in labels):
        raise ValueError(f"area_labels: expected {len(ranges)} strings, one per area range, got {labels!r}")
    return np.ascontiguousarray(ranges), labels


def _id_list(values: Any, name: str) -> np.ndarray:
    """A 1-D sequence of integer ids, sorted and without repeats (pycocotools' np.unique)."""
    array = np.atleast_1d(as_numpy(values))
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of integers, got shape {array.shape}")
    return np.unique(as_labels(array, len(array), name, name))


def _ids(values: Any, n: int, name: str, boxes_name: str) -> np.ndarray:
    return np.arange(1, n + 1, dtype=np.int64) if values is None else as_labels(values, n, name, boxes_name)


def _dense_span(*arrays: np.ndarray) -> tuple[int, int] | None:
    """(low, high) of the values when a lookup table over them is small, else None."""
    filled = [a for a in arrays if len(a)]
    if not filled:
        return None
    low, high = min(int(a.min()) for a in filled), max(int(a.max()) for a in filled)
    return (low, high) if high - low <= 4 * sum(map(len, filled)) + (1 << 16) else None


def _distinct(*arrays: np.ndarray) -> np.ndarray:
    """The sorted distinct values of the int64 arrays."""
    span = _dense_span(*arrays)
    if span is None:
        return np.unique(np.concatenate(arrays))
    present = np.zeros(span[1] - span[0] + 1, dtype=bool)
    for values in arrays:
        present[values - span[0]] = True
    return np.flatnonzero(present) + span[0]


def _index_in(values: np.ndarray, sorted_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The position of each value in ``sorted_ids`` (distinct) and whether it is there."""
    span = _dense_span(values, sorted_ids)
    if span is not None and len(sorted_ids):  # a lookup table
        table = np.full(span[1] - span[0] + 1, -1, dtype=np.intp)
        table[sorted_ids - span[0]] = np.arange(len(sorted_ids))
        at = table[values - span[0]]
        return at, at >= 0
    at = np.searchsorted(sorted_ids, values)
    found = at < len(sorted_ids)
    found[found] = sorted_ids[at[found]] == values[found]
    return at, found


def _group(labels: np.ndarray, images: np.ndarray, categories: np.ndarray, image_ids: np.ndarray,
           use_categories: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(indptr, rows)``: the rows of known categories and images, group by group
    (``k * n_images + i``; one group per image without categories, its categories in
    order), each group in input order."""
    k, k_found = _index_in(labels, categories)
    i, i_found = _index_in(images, image_ids)
    order = np.flatnonzero(k_found & i_found)
    if use_categories:
        group = k * len(image_ids) + i
    else:
        group = i
        order = order[np.argsort(k[order], kind="stable")]
    del k_found, i_found
    n_groups = (len(categories) if use_categories else 1) * len(image_ids)
    return _evaluate.group_rows(np.ascontiguousarray(group, dtype=np.intp), order.astype(np.intp, copy=False), n_groups)


def evaluate_detections(
    gt_boxes: npt.ArrayLike,
    gt_labels: npt.ArrayLike,
    gt_image_ids: npt.ArrayLike,
    dt_boxes: npt.ArrayLike,
    dt_scores: npt.ArrayLike,
    dt_labels: npt.ArrayLike,
    dt_image_ids: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    kind: str = "box",
    angle_unit: str = "deg",
    convention: str = "opencv",
    gt_iscrowd: npt.ArrayLike | None = None,
    gt_areas: npt.ArrayLike | None = None,
    categories: npt.ArrayLike | None = None,
    image_ids: npt.ArrayLike | None = None,
    iou_thresholds: npt.ArrayLike | None = None,
    recall_thresholds: npt.ArrayLike | None = None,
    max_dets: npt.ArrayLike = (1, 10, 100),
    area_ranges: Any = "coco",
    area_labels: Any = None,
    use_categories: bool = True,
    strict: bool = False,
    gt_ids: npt.ArrayLike | None = None,
    dt_ids: npt.ArrayLike | None = None,
    n_threads: int | None = None,
) -> DetectionEvaluation:
    """Evaluate detections against ground truth as COCO does (pycocotools' ``COCOeval``).

    Within each image and category, detections by decreasing score (ties: input order)
    each take the best-matching unused ground truth at every IoU threshold; precision
    and recall are then accumulated over the images per category, area range and
    ``max_dets``, exactly as pycocotools' ``evaluate()`` and ``accumulate()``.

    Parameters
    ----------
    gt_boxes, dt_boxes : array_like
        Ground truth and detections, one row per box: (n, 4) in ``fmt`` (``kind="box"``),
        (n, 5) ``(cx, cy, w, h, angle)`` (``"rotated"``) or convex quads (n, 8) or
        (n, 4, 2) (``"polygon"``). Axis-aligned boxes are scored in float64 ``(x, y, w,
        h)`` with pycocotools' IoU formula, the others with boxgeom's exact IoU.
    gt_labels, gt_image_ids, dt_labels, dt_image_ids : array_like of int
        Category and image of each box.
    dt_scores : array_like of float
        Detection scores (finite).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    kind : {"box", "rotated", "polygon"}, default "box"
    angle_unit, convention
        Of rotated boxes, as in :func:`boxgeom.rotated_iou`.
    gt_iscrowd : array_like of bool, optional
        Crowd regions: never used up, matched by intersection over the detection's area,
        and their matches ignored.
    gt_areas : array_like of float, optional
        What the area ranges test (COCO's annotation ``area``); default: the boxes' areas.
        Detections are tested by their box areas.
    categories : array_like of int, optional
        The K axis (default: the sorted distinct ``gt_labels``). Boxes of other labels are
        left out; a category without ground truth gives -1.
    image_ids : array_like of int, optional
        The images evaluated (pycocotools' ``imgIds``; default: every image of a box).
        Boxes of other images are left out.
    iou_thresholds, recall_thresholds : array_like of float, optional
        Default COCO's: 0.50:0.05:0.95 and 0:0.01:1 (pycocotools' exact values).
    max_dets : sequence of int, default (1, 10, 100)
        Strictly increasing: the detections kept per image and category.
    area_ranges : "coco" or sequence of (lo, hi), default "coco"
        Closed ranges; ``area_labels`` names them (COCO's: all, small, medium, large).
        ``stats`` look the ranges up by those labels.
    use_categories : bool, default True
        False: pycocotools' ``useCats=0``, one category of every box (``categories``
        still selects which), so a detection may match ground truth of another label.
    strict : bool, default False
        True: a detection of an image without ground truth (not in ``image_ids`` when
        given) is a ValueError, as in pycocotools' ``loadRes``; else its detections count
        as false positives.
    gt_ids, dt_ids : array_like of int, optional
        Annotation ids (default 1..n). As in pycocotools, ground truth of id 0 never
        gives a true positive, and a detection of id <= 0 never uses up its match.
    n_threads : int, optional
        OpenMP threads (None: all available); the result does not depend on it.

    Returns
    -------
    DetectionEvaluation
        ``.stats``, ``.precision``, ``.recall``, ``.scores``, ``.summary()``,
        ``.per_category()``.

    Raises
    ------
    ValueError
        NaN/inf or negative sizes (naming the row), length mismatches, thresholds outside
        [0, 1], ``max_dets`` not increasing, unknown ``kind``/``fmt``, ``strict`` misses.
    TypeError
        Non-integer labels, image ids or ids.

    Examples
    --------
    >>> gt = [[0, 0, 10, 10], [20, 20, 30, 30]]
    >>> dt = [[1, 0, 10, 10], [50, 50, 60, 60]]
    >>> result = evaluate_detections(gt, [1, 1], [7, 7], dt, [0.9, 0.8], [1, 1], [7, 7])
    >>> result.stats[:3].round(4)
    array([0.4545, 0.505 , 0.505 ])
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    check_fmt(fmt)
    degrees = flip = False
    if kind == "rotated":
        from boxgeom.rotated import _options

        degrees, flip = _options(angle_unit, convention)
    gt, gt_box_areas, gt_bounds = _boxes(gt_boxes, "gt_boxes", kind, fmt, degrees, flip)
    dt, dt_areas, dt_bounds = _boxes(dt_boxes, "dt_boxes", kind, fmt, degrees, flip)
    n_gt, n_dt = len(gt), len(dt)
    gt_labels = as_labels(gt_labels, n_gt, "gt_labels", "gt_boxes")
    gt_images = as_labels(gt_image_ids, n_gt, "gt_image_ids", "gt_boxes")
    dt_labels = as_labels(dt_labels, n_dt, "dt_labels", "dt_boxes")
    dt_images = as_labels(dt_image_ids, n_dt, "dt_image_ids", "dt_boxes")
    scores = as_scores(dt_scores, n_dt, "dt_scores", "dt_boxes")
    check_finite(scores, "dt_scores")
    scores = scores + 0.0  # -0.0 ties with 0.0, as in numpy's sort
    if gt_iscrowd is None:
        crowd = np.zeros(n_gt)
    else:
        flags = as_numpy(gt_iscrowd)
        if flags.dtype.kind not in "biu":
            raise TypeError(f"gt_iscrowd: expected booleans or integers, got dtype {flags.dtype}")
        crowd = (as_labels(flags.astype(np.int64), n_gt, "gt_iscrowd", "gt_boxes") != 0).astype(np.float64)
    if gt_areas is None:
        areas = gt_box_areas
    else:
        areas = as_scores(gt_areas, n_gt, "gt_areas", "gt_boxes")
        check_finite(areas, "gt_areas")
    gt_id_values = _ids(gt_ids, n_gt, "gt_ids", "gt_boxes")
    dt_id_values = _ids(dt_ids, n_dt, "dt_ids", "dt_boxes")
    ious = _thresholds(iou_thresholds, _coco_iou_thresholds(), "iou_thresholds")
    recalls = _thresholds(recall_thresholds, _coco_recall_thresholds(), "recall_thresholds")
    dets = _max_dets(max_dets)
    ranges, labels = _area_ranges(area_ranges, area_labels)
    use_categories = check_flag(use_categories, "use_categories")
    strict = check_flag(strict, "strict")

    cats = _distinct(gt_labels) if categories is None else _id_list(categories, "categories")
    given_images = image_ids is not None
    images = _id_list(image_ids, "image_ids") if given_images else _distinct(gt_images, dt_images)
    if strict:
        known = images if given_images else _distinct(gt_images)
        _, found = _index_in(dt_images, known)
        if not found.all():
            row = int(np.flatnonzero(~found)[0])
            raise ValueError(f"dt_image_ids: image {dt_images[row]} of row {row} has no ground truth (strict=True)")

    n_images = len(images)
    n_categories = len(cats) if use_categories else 1
    gt_indptr, gt_rows = _group(gt_labels, gt_images, cats, images, use_categories)
    dt_indptr, dt_rows = _group(dt_labels, dt_images, cats, images, use_categories)
    # the kernel reads records laid out group by group, in sequence
    gt_records = _evaluate.gather_records(gt_rows, gt if gt_bounds is None else gt_bounds, areas, crowd, gt_id_values)
    dt_records = _evaluate.gather_records(dt_rows, dt if dt_bounds is None else dt_bounds, dt_areas, scores, dt_id_values)
    kept = _evaluate.rank_detections(dt_indptr, dt_records, dets[-1])
    dt_records = dt_records[: len(kept)]
    threads = kernel_threads(n_threads, len(kept), "evaluation")
    pairs = None
    if kind != "box":
        pairs = _listed_iou(gt[gt_rows], dt[dt_rows[kept]], gt_records, dt_records, gt_indptr, dt_indptr, degrees,
                            flip, threads)
    precision, recall, score_values = _evaluate.evaluate(
        gt_records, dt_records, gt_indptr, dt_indptr, pairs, n_categories, n_images, ious, recalls,
        np.array(dets, dtype=np.intp), ranges, n_threads=threads,
    )
    return DetectionEvaluation(
        precision=precision, recall=recall, scores=score_values, iou_thresholds=ious, recall_thresholds=recalls,
        max_dets=dets, area_ranges=ranges, area_labels=labels,
        categories=cats.astype(np.int64) if use_categories else np.array([-1], dtype=np.int64), image_ids=images,
    )


def _listed_iou(gt, dt, gt_records, dt_records, gt_indptr, dt_indptr, degrees, flip, threads):
    """The exact IoU of the candidate pairs of every group (bounds that meet), over the
    detection's area for a crowd: ``(indptr, local, iou)`` for the kernel. ``gt``/``dt``
    are the rotated boxes or quads of the records."""
    from boxgeom.rotated import _rotated

    indptr, local = _evaluate.group_pairs(gt_records, dt_records, gt_indptr, dt_indptr)
    d = np.repeat(np.arange(len(dt_records)), np.diff(indptr))
    group = np.repeat(np.arange(len(dt_indptr) - 1), np.diff(dt_indptr))  # of each detection
    g = gt_indptr[group[d]] + local
    crowd = gt_records["value"][g] != 0  # a ground truth's value is its crowd flag
    iou = np.empty(len(d))
    for value, rows in (("iou", ~crowd), ("iof", crowd)):  # iof: over the detection's area
        if rows.any():
            out = np.empty(int(rows.sum()))
            _rotated.aligned(np.ascontiguousarray(dt[d[rows]]), np.ascontiguousarray(gt[g[rows]]),
                             degrees=degrees, flip=flip, value=_rotated.VALUE_CODES[value], out=out, n_threads=threads)
            iou[rows] = out
    return indptr, local, iou

