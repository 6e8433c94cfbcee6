"""COCO-shaped test sets for ``boxgeom.evaluation`` and the pycocotools oracle that scores them.

``make_coco(rng, n_images, n_categories, ...)`` draws a ground-truth dict and a results
list in COCO JSON structure, with a knob for each corner case of issue 17's Exactness
paragraph. ``to_arrays(gt, results)`` flattens them into the keyword arguments of
``evaluate_detections``. ``cocoeval(gt, results, ...)`` runs pycocotools' ``COCOeval``
(prints captured) on copies of them, with ``computeIoU`` replaced by shapely for the
rotated and polygon kinds (``ShapelyCOCOeval``).

Rotated and polygon geometry lives in the extra annotation fields ``"rbox"`` (cx, cy, w,
h, angle in degrees, OpenCV convention) and ``"poly"`` (x1, y1, ..., x4, y4); ``"bbox"``
then holds the enclosing axis-aligned box, which no evaluation here reads. shapely and an
exact clipping kernel round differently (about 1e-16), which matters only where an IoU
sits on an IoU threshold, ties another IoU of the same detection, or an area sits on an
area-range bound. For those kinds the generator redraws any detection (and ground truth)
that comes within ``MARGIN`` of such a value, so the two sides must then agree exactly.
Axis-aligned sets need no margin: boxgeom computes pycocotools' own formula, and integer
coordinates (``grid=1``) deliberately produce IoUs exactly on thresholds.
"""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np

COCO_AREAS = ((0.0, 1e10), (0.0, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e10))
# IoUs and areas that rotated/polygon geometry keeps away from: the IoU thresholds the tests use
# and the area-range bounds. Two thresholds are handled apart: 0 (IoUs are exactly 0 or > MARGIN)
# and 1.0, which pycocotools clamps to 1 - 1e-10 (IoUs are within 1e-11 of 1, a detection inside a
# crowd region, or below 1 - 2e-9).
AVOID_IOUS = np.unique(np.r_[np.linspace(0.05, 0.95, 19), np.linspace(0.5, 0.95, 10), 1 / 3, 2 / 3, 0.45])
AVOID_AREAS = np.unique(np.r_[[b for r in COCO_AREAS for b in r], 100.0, 400.0, 2500.0, 1e5])
MARGIN = 1e-9
KINDS = ("box", "rotated", "polygon")
GEOMETRY_KEY = {"box": "bbox", "rotated": "rbox", "polygon": "poly"}


# ---------------------------------------------------------------- geometry


def rotated_quads(rboxes: np.ndarray) -> np.ndarray:
    """(n, 4, 2) corners of (cx, cy, w, h, angle deg) boxes, OpenCV convention: the w-axis
    is (cos a, sin a), the h-axis (-sin a, cos a). Written here, independently of boxgeom."""
    r = np.asarray(rboxes, dtype=np.float64).reshape(-1, 5)
    a = np.deg2rad(r[:, 4])
    u = np.stack([np.cos(a), np.sin(a)], axis=1) * (r[:, 2:3] / 2)
    v = np.stack([-np.sin(a), np.cos(a)], axis=1) * (r[:, 3:4] / 2)
    c = r[:, None, :2]
    return np.stack([c[:, 0] - u - v, c[:, 0] + u - v, c[:, 0] + u + v, c[:, 0] - u + v], axis=1)


def quads_of(geometry: np.ndarray, kind: str) -> np.ndarray:
    """(n, 4, 2) corners of rotated boxes or (n, 8) quads."""
    if kind == "rotated":
        return rotated_quads(geometry)
    return np.asarray(geometry, dtype=np.float64).reshape(-1, 4, 2)


def shoelace(quads: np.ndarray) -> np.ndarray:
    """Unsigned areas of (n, 4, 2) quads (relative to the first corner: exactly 0 for corners
    on one horizontal line)."""
    local = quads - quads[:, :1]
    x, y = local[..., 0], local[..., 1]
    return np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1)) / 2


def shapely_overlaps(dt_quads: np.ndarray, gt_quads: np.ndarray, iscrowd: np.ndarray) -> np.ndarray:
    """(D, G) IoU by shapely: intersection over union, or over the detection's area for a
    crowd ground truth (pycocotools' rule); 0 where the intersection (or the denominator) is 0."""
    import shapely

    d, g = len(dt_quads), len(gt_quads)
    out = np.zeros((d, g))
    if d == 0 or g == 0:
        return out
    dt_area, gt_area = shoelace(dt_quads), shoelace(gt_quads)
    dt_ok, gt_ok = np.flatnonzero(dt_area > 0), np.flatnonzero(gt_area > 0)  # shapely warns on degenerate ones
    if len(dt_ok) == 0 or len(gt_ok) == 0:
        return out
    p_d = shapely.polygons(dt_quads[dt_ok])
    p_g = shapely.polygons(gt_quads[gt_ok])
    inter = shapely.area(shapely.intersection(p_d[:, None], p_g[None, :]))
    a_d = shapely.area(p_d)[:, None]
    union = a_d + shapely.area(p_g)[None, :] - inter
    denominator = np.where(np.asarray(iscrowd, dtype=bool)[gt_ok][None, :], a_d, union)
    out[np.ix_(dt_ok, gt_ok)] = np.where(inter > 0, inter / np.where(inter > 0, denominator, 1.0), 0.0)
    return out


def _bad_rows(ious: np.ndarray, gt_keys: list) -> np.ndarray:
    """Detections (rows) whose shapely IoUs come within MARGIN of an avoided value, of 0,
    or of another ground truth's IoU (unless both are 0 or the ground truths are identical)."""
    if ious.size == 0:
        return np.zeros(len(ious), dtype=bool)
    near = (np.abs(ious[..., None] - AVOID_IOUS).min(axis=-1) <= MARGIN) | ((ious > 0) & (ious <= MARGIN))
    near |= (ious >= 1 - 2 * MARGIN) & (ious <= 1 - 1e-11)
    bad = near.any(axis=1)
    diff = np.abs(ious[:, :, None] - ious[:, None, :]) <= MARGIN
    both_zero = (ious[:, :, None] == 0) & (ious[:, None, :] == 0)
    same = np.array([[a == b for b in gt_keys] for a in gt_keys], dtype=bool)
    bad |= (diff & ~both_zero & ~same[None]).any(axis=(1, 2))
    return bad


def _near_bound(areas: np.ndarray) -> np.ndarray:
    return (np.abs(np.asarray(areas)[:, None] - AVOID_AREAS) <= MARGIN * np.maximum(1.0, AVOID_AREAS)).any(axis=1)


# ---------------------------------------------------------------- drawing objects


class _Shapes:
    """Draws and jitters the geometry of one kind; rows are kind-specific parameter vectors."""

    def __init__(self, rng: np.random.Generator, kind: str, width: float, height: float, grid: float | None,
                 max_size: float):
        self.rng, self.kind, self.grid, self.max_size = rng, kind, grid, max_size
        self.width, self.height = width, height

    def _q(self, values: np.ndarray) -> np.ndarray:
        return values if self.grid is None else np.round(values / self.grid) * self.grid

    def quantise(self, rows: np.ndarray) -> np.ndarray:
        """Round the coordinates of box rows and the centre and size of rotated rows to the grid
        (polygons are not rounded: rounding their corners could make them non-convex)."""
        rows = rows.copy()
        if self.kind == "box":
            return self._q(rows)
        if self.kind == "rotated":
            rows[:, :4] = self._q(rows[:, :4])
        return rows

    def draw(self, n: int, past_border: float) -> np.ndarray:
        """n random objects, sizes log-uniform from 2 to max_size (all three COCO area ranges)."""
        rng = self.rng
        w = np.exp(rng.uniform(np.log(2), np.log(self.max_size), n))
        h = np.clip(w * np.exp(rng.uniform(-0.8, 0.8, n)), 1, None)
        x = rng.uniform(0, np.maximum(self.width - w, 1))
        y = rng.uniform(0, np.maximum(self.height - h, 1))
        cross = rng.random(n) < past_border  # boxes past the left/top or right/bottom border
        side = rng.random(n) < 0.5
        x = np.where(cross & side, -w / 3, np.where(cross, self.width - 2 * w / 3, x))
        y = np.where(cross & ~side, self.height - h / 2, y)
        if self.kind == "box":
            return self._q(np.stack([x, y, w, h], axis=1))
        cx, cy = x + w / 2, y + h / 2
        if self.kind == "rotated":
            angle = rng.uniform(-180, 180, n)
            angle = np.where(rng.random(n) < 0.2, rng.integers(-2, 3, n) * 90.0, angle)
            return self.quantise(np.stack([cx, cy, w, h, angle], axis=1))
        # polygon: 4 points on a rotated ellipse, in angular order (convex), either way round
        phases = np.sort(rng.uniform(0, 2 * np.pi, (n, 4)), axis=1)
        phases = np.where((rng.random(n) < 0.5)[:, None], phases[:, ::-1], phases)
        return np.concatenate([np.stack([cx, cy, w / 1.4, h / 1.4, rng.uniform(0, np.pi, n)], axis=1), phases], axis=1)

    def jitter(self, rows: np.ndarray, spread: np.ndarray) -> np.ndarray:
        """Detections near ``rows``: relative noise ``spread`` (0 = the same object)."""
        rng, out = self.rng, rows.copy()
        s = spread[:, None]
        size = rows[:, 2:4]
        out[:, 0:2] = rows[:, 0:2] + rng.normal(0, 1, (len(rows), 2)) * s * size
        out[:, 2:4] = size * np.exp(rng.normal(0, 1, (len(rows), 2)) * s)
        if self.kind == "box":
            out[:, 0:2] += (size - out[:, 2:4]) / 2
            return self._q(out)
        if self.kind == "rotated":
            out[:, 4] = rows[:, 4] + rng.normal(0, 40, len(rows)) * spread
            return self.quantise(out)
        out[:, 4] = rows[:, 4] + rng.normal(0, 0.7, len(rows)) * spread
        phases = np.sort((rows[:, 5:] + rng.normal(0, 0.3, (len(rows), 4)) * s) % (2 * np.pi), axis=1)  # convex
        out[:, 5:] = np.where((rows[:, 5] > rows[:, 6])[:, None], phases[:, ::-1], phases)
        return out

    def zero_size(self, rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
        rows = rows.copy()
        which = 2 + (self.rng.random(len(rows)) < 0.5)
        rows[mask, which[mask]] = 0.0
        return rows

    def geometry(self, rows: np.ndarray) -> np.ndarray:
        """What the annotation stores: xywh, (cx, cy, w, h, angle) or (n, 8) quads."""
        if self.kind != "polygon":
            return rows
        cx, cy, a, b, rot = (rows[:, i : i + 1] for i in range(5))
        rot = np.where((a == 0) | (b == 0), 0.0, rot)  # zero-size quads exactly on a line (area exactly 0)
        px, py = a * np.cos(rows[:, 5:]), b * np.sin(rows[:, 5:])
        x = cx + px * np.cos(rot) - py * np.sin(rot)
        y = cy + px * np.sin(rot) + py * np.cos(rot)
        return np.stack([x, y], axis=2).reshape(-1, 8)

    def areas(self, geometry: np.ndarray) -> np.ndarray:
        """Box areas: w * h (box, rotated) or the shoelace area (polygon)."""
        if self.kind == "polygon":
            return shoelace(quads_of(geometry, "polygon"))
        return geometry[:, 2] * geometry[:, 3]


def _bbox_of(geometry: np.ndarray, kind: str) -> np.ndarray:
    if kind == "box":
        return geometry
    quads = quads_of(geometry, kind)
    low, high = quads.min(axis=1), quads.max(axis=1)
    return np.concatenate([low, high - low], axis=1)


# ---------------------------------------------------------------- the generator


def make_coco(
    rng: np.random.Generator,
    n_images: int = 12,
    n_categories: int = 3,
    *,
    kind: str = "box",
    gt_per_image: int = 8,
    dets_per_image: int = 12,
    crowd: float = 0.1,
    area_mismatch: float = 0.15,
    boundary_areas: float = 0.05,
    images_without_gt: float = 0.15,
    images_without_dets: float = 0.15,
    categories_without_gt: int = 1,
    undeclared_labels: float = 0.05,
    wrong_labels: float = 0.1,
    background: float = 0.3,
    tied_scores: float = 0.4,
    duplicates: float = 0.1,
    duplicate_gt: float = 0.05,
    zero_size: float = 0.05,
    past_border: float = 0.1,
    foreign_images: int = 0,
    gt_id_zero: bool = False,
    tie_pairs: float = 0.0,
    grid: float | None = None,
    image_size: tuple[float, float] = (640.0, 480.0),
    max_size: float = 250.0,
) -> tuple[dict, list[dict]]:
    """Draw a COCO ground-truth dict and a results list.

    Image and category ids are distinct, unsorted and not contiguous; annotations and
    results are shuffled across images (pycocotools groups them, keeping list order).

    Parameters (fractions are per image, per ground truth or per detection)
    ----------
    kind : "box" | "rotated" | "polygon"
        Geometry; see the module docstring for the fields. Rotated and polygon geometry is
        redrawn until it keeps ``MARGIN`` away from ``AVOID_IOUS`` / ``AVOID_AREAS``.
    gt_per_image, dets_per_image : int
        Upper bounds of the uniform counts per image.
    crowd : iscrowd=1 ground truths (drawn larger).
    area_mismatch : ground truths whose ``area`` is w*h times a factor in [0.3, 3].
    boundary_areas : ground truths whose ``area`` is exactly 32**2 or 96**2 (in two ranges).
    images_without_gt, images_without_dets : images forced empty on one side.
    categories_without_gt : extra declared categories that never get ground truth (they may
        get detections).
    undeclared_labels : detections labelled with a category that is not declared.
    wrong_labels : detections of an object labelled with another declared category.
    background : detections not near any object (false positives).
    tied_scores : detections whose score is one of four values (ties within and across images).
    duplicates, duplicate_gt : exact copies of a previous detection (same image; its score
        for half of them) or ground truth.
    zero_size : boxes (both sides) with width or height 0.
    past_border : boxes crossing the image border (negative coordinates or past width/height).
    foreign_images : detections on images that are not in ``gt["images"]`` (for
        ``strict``; pycocotools' ``loadRes`` rejects them).
    gt_id_zero : give one (non-crowd if possible) ground truth the annotation id 0.
    tie_pairs : images (box kind) that get a ground truth's twin shifted sideways, a
        detection halfway between them (the same IoU with both: the later ground truth
        in list order wins) and a lower-scored detection on one of them (a TP or a FP
        depending on that choice).
    grid : round coordinates to multiples of ``grid`` (1: integer boxes, exact IoU ties and
        IoUs exactly on thresholds).
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    width, height = image_size
    shapes = _Shapes(rng, kind, width, height, grid, max_size)
    n_declared = n_categories + categories_without_gt
    cat_ids = rng.choice(np.arange(1, 10 * n_declared + 10), n_declared, replace=False)
    gt_cats = cat_ids[:n_categories]
    undeclared = np.arange(cat_ids.max() + 1, cat_ids.max() + 4)
    image_ids = rng.choice(np.arange(0, 5 * n_images + 5), n_images + foreign_images, replace=False)
    foreign, image_ids = image_ids[n_images:], image_ids[:n_images]
    score_levels = np.array([0.25, 0.5, 0.75, 0.9])
    key = GEOMETRY_KEY[kind]

    annotations: list[dict] = []
    results: list[dict] = []
    for image_index, image_id in enumerate(np.r_[image_ids, foreign]):
        is_foreign = image_index >= n_images
        empty = is_foreign or rng.random() < images_without_gt or n_categories == 0
        n_gt = 0 if empty else rng.integers(0, gt_per_image + 1)
        n_dt = 0 if rng.random() < images_without_dets else rng.integers(0, dets_per_image + 1)
        for _attempt in range(100):
            gt_rows = shapes.draw(n_gt, past_border)
            is_crowd = rng.random(n_gt) < crowd
            gt_rows[is_crowd, 2:4] *= 2.5  # crowd regions are larger (columns 2:4 are sizes in every kind)
            gt_rows = shapes.quantise(gt_rows)
            gt_rows = shapes.zero_size(gt_rows, rng.random(n_gt) < zero_size)
            copies = np.flatnonzero(rng.random(n_gt) < duplicate_gt)
            if n_gt > 1:
                for i in copies:
                    j = rng.integers(0, n_gt)
                    gt_rows[i], is_crowd[i] = gt_rows[j], is_crowd[j]
            gt_labels = rng.choice(gt_cats, n_gt) if n_gt else np.zeros(0, dtype=np.int64)
            gt_geometry = shapes.geometry(gt_rows)
            gt_box_area = shapes.areas(gt_geometry)
            gt_area = gt_box_area.copy()
            mismatch = rng.random(n_gt) < area_mismatch
            gt_area[mismatch] = gt_box_area[mismatch] * rng.uniform(0.3, 3.0, int(mismatch.sum()))
            on_bound = rng.random(n_gt) < boundary_areas
            gt_area[on_bound] = rng.choice([32.0**2, 96.0**2], int(on_bound.sum()))
            if kind == "box" or not (_near_bound(gt_area[~on_bound]).any() or _near_bound(gt_box_area).any()):
                break

        # detections: near an object (jittered, score falls with the jitter) or background
        near = (rng.random(n_dt) >= background) & (n_gt > 0)
        source = rng.integers(0, max(n_gt, 1), n_dt)
        spread = 0.3 * rng.random(n_dt) ** 2
        dt_rows = shapes.draw(n_dt, past_border)
        if near.any():
            dt_rows[near] = shapes.jitter(gt_rows[source[near]], spread[near])
        labels = np.where(near, gt_labels[np.minimum(source, n_gt - 1)] if n_gt else 0, rng.choice(cat_ids, n_dt))
        relabel = rng.random(n_dt) < wrong_labels
        labels = np.where(relabel, rng.choice(cat_ids, n_dt), labels)
        labels = np.where(rng.random(n_dt) < undeclared_labels, rng.choice(undeclared, n_dt), labels)
        scores = np.where(near, 1 - 2.2 * spread, rng.uniform(0, 0.6, n_dt)) + rng.normal(0, 0.08, n_dt)
        scores = np.clip(scores, 0.001, 0.999)
        scores = np.where(rng.random(n_dt) < tied_scores, rng.choice(score_levels, n_dt), scores)
        dt_rows = shapes.zero_size(dt_rows, rng.random(n_dt) < zero_size)
        for i in range(1, n_dt):
            if rng.random() < duplicates:
                j = rng.integers(0, i)
                dt_rows[i], labels[i] = dt_rows[j], labels[j]
                if rng.random() < 0.5:
                    scores[i] = scores[j]
        dt_geometry = shapes.geometry(dt_rows)
        if kind == "box" and n_gt and tie_pairs and rng.random() < tie_pairs:
            g = gt_geometry[rng.integers(0, n_gt)]
            step = max(1.0, np.round(g[2] / 4))
            twin, middle = g + [2 * step, 0, 0, 0], g + [step, 0, 0, 0]
            label = gt_labels[np.flatnonzero((gt_geometry == g).all(axis=1))[0]]
            gt_geometry = np.vstack([gt_geometry, twin])
            gt_labels, is_crowd = np.r_[gt_labels, label], np.r_[is_crowd, False]
            gt_area = np.r_[gt_area, twin[2] * twin[3]]
            n_gt += 1
            dt_geometry = np.vstack([dt_geometry, middle, twin if rng.random() < 0.5 else g])
            labels, scores = np.r_[labels, label, label], np.r_[scores, 0.95, 0.6]
            n_dt += 2
        if kind != "box":  # keep shapely's and the exact kernel's decisions identical
            gt_quads = quads_of(gt_geometry, kind)
            gt_keys = [tuple(r) + (bool(c),) for r, c in zip(gt_geometry.tolist(), is_crowd)]
            for _attempt in range(200):
                ious = shapely_overlaps(quads_of(dt_geometry, kind), gt_quads, is_crowd)
                bad = _bad_rows(ious, gt_keys) | _near_bound(shapes.areas(dt_geometry))
                if not bad.any():
                    break
                dt_rows[bad] = shapes.draw(int(bad.sum()), past_border)
                dt_geometry = shapes.geometry(dt_rows)
            else:
                raise RuntimeError("could not keep the rotated IoUs away from the thresholds")

        for g in range(n_gt):
            annotations.append({
                "id": -1, "image_id": int(image_id), "category_id": int(gt_labels[g]),
                key: gt_geometry[g].tolist(), "bbox": _bbox_of(gt_geometry[g : g + 1], kind)[0].tolist(),
                "area": float(gt_area[g]), "iscrowd": int(is_crowd[g]),
            })
        for d in range(n_dt):
            results.append({
                "image_id": int(image_id), "category_id": int(labels[d]), key: dt_geometry[d].tolist(),
                "bbox": _bbox_of(dt_geometry[d : d + 1], kind)[0].tolist(), "score": float(scores[d]),
            })

    order = rng.permutation(len(annotations))
    annotations = [annotations[i] for i in order]
    ids = rng.choice(np.arange(1, 20 * len(annotations) + 2), len(annotations), replace=False)
    for annotation, annotation_id in zip(annotations, ids):
        annotation["id"] = int(annotation_id)
    if gt_id_zero and annotations:
        plain = [a for a in annotations if not a["iscrowd"]] or annotations
        plain[rng.integers(0, len(plain))]["id"] = 0
    results = [results[i] for i in rng.permutation(len(results))]
    images = [{"id": int(i), "width": width, "height": height, "file_name": f"{i}.jpg"}
              for i in rng.permutation(image_ids)]
    categories = [{"id": int(c), "name": f"class{c}"} for c in rng.permutation(cat_ids)]
    return {"images": images, "categories": categories, "annotations": annotations}, results


def to_arrays(gt: dict, results: list[dict], kind: str = "box") -> dict[str, Any]:
    """The keyword arguments of ``evaluate_detections`` for ``gt`` and ``results``.

    Annotation ids, crowd flags, areas, declared categories and declared images are all
    passed; drop keys to test the defaults. Box geometry is COCO's xywh (``fmt="xywh"``).
    """
    key = GEOMETRY_KEY[kind]
    width = {"box": 4, "rotated": 5, "polygon": 8}[kind]
    anns = gt["annotations"]

    def column(rows, name, dtype):
        return np.array([r[name] for r in rows], dtype=dtype)

    out = {
        "gt_boxes": np.array([a[key] for a in anns], dtype=np.float64).reshape(-1, width),
        "gt_labels": column(anns, "category_id", np.int64),
        "gt_image_ids": column(anns, "image_id", np.int64),
        "dt_boxes": np.array([r[key] for r in results], dtype=np.float64).reshape(-1, width),
        "dt_scores": column(results, "score", np.float64),
        "dt_labels": column(results, "category_id", np.int64),
        "dt_image_ids": column(results, "image_id", np.int64),
        "gt_iscrowd": column(anns, "iscrowd", np.int64),
        "gt_areas": column(anns, "area", np.float64),
        "gt_ids": column(anns, "id", np.int64),
        "categories": np.array(sorted(c["id"] for c in gt["categories"]), dtype=np.int64),
        "image_ids": np.array(sorted(i["id"] for i in gt["images"]), dtype=np.int64),
        "kind": kind,
    }
    if kind == "box":
        out["fmt"] = "xywh"
    return out


# ---------------------------------------------------------------- the pycocotools oracle


def _shapely_cocoeval_class():
    from pycocotools.cocoeval import COCOeval

    class ShapelyCOCOeval(COCOeval):
        """pycocotools' COCOeval with ``computeIoU`` replaced by shapely polygon IoU
        (crowd: intersection over the detection's area); ``kind`` picks the field."""

        kind = "rotated"

        def computeIoU(self, imgId, catId):  # noqa: N802 (pycocotools' name)
            p = self.params
            cats = [catId] if p.useCats else p.catIds
            gts = [g for c in cats for g in self._gts[imgId, c]]
            dts = [d for c in cats for d in self._dts[imgId, c]]
            order = np.argsort([-d["score"] for d in dts], kind="mergesort")[: p.maxDets[-1]]
            dts = [dts[i] for i in order]
            if not gts or not dts:
                return []
            key = GEOMETRY_KEY[self.kind]
            return shapely_overlaps(
                quads_of(np.array([d[key] for d in dts]), self.kind),
                quads_of(np.array([g[key] for g in gts]), self.kind),
                np.array([g["iscrowd"] for g in gts]),
            )

    return ShapelyCOCOeval


def coco_objects(gt: dict, results: list[dict], kind: str = "box", module: str = "pycocotools", dt_ids=None):
    """(cocoGt, cocoDt) of copies of ``gt`` and ``results`` (``loadRes`` mutates its input).

    An empty ``results`` (which ``loadRes`` rejects) is replaced by one detection of an
    undeclared category, which every evaluation drops. Rotated and polygon detections get
    their box area (``loadRes`` computed it from the enclosing ``bbox``). ``dt_ids``
    replaces the ids 1..N that ``loadRes`` gives the results.
    """
    if module == "pycocotools":
        from pycocotools.coco import COCO
    else:
        from faster_coco_eval import COCO
    results = copy.deepcopy(results)
    if not results:
        if not gt["images"]:
            raise ValueError("gt: no image to hold the placeholder detection")
        unused = max([c["id"] for c in gt["categories"]] + [0]) + 1000
        placeholder = {"box": [0.0, 0.0, 1.0, 1.0], "rotated": [0.5, 0.5, 1.0, 1.0, 0.0],
                       "polygon": [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]}[kind]
        results = [{"image_id": gt["images"][0]["id"], "category_id": unused, "bbox": [0.0, 0.0, 1.0, 1.0],
                    "score": 0.5, GEOMETRY_KEY[kind]: placeholder}]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
    if dt_ids is not None:
        for ann, dt_id in zip(coco_dt.dataset["annotations"], dt_ids):
            ann["id"] = int(dt_id)
        with contextlib.redirect_stdout(io.StringIO()):
            coco_dt.createIndex()
    if kind != "box":
        key = GEOMETRY_KEY[kind]
        for ann in coco_dt.dataset["annotations"]:
            geometry = np.array([ann[key]], dtype=np.float64)
            ann["area"] = float(geometry[0, 2] * geometry[0, 3]) if kind == "rotated" else float(
                shoelace(quads_of(geometry, kind))[0])
    return coco_gt, coco_dt


def set_params(params, *, image_ids=None, categories=None, iou_thresholds=None, recall_thresholds=None,
               max_dets=None, area_ranges=None, area_labels=None, use_categories=True) -> None:
    """Set COCOeval ``params`` fields from ``evaluate_detections``-style keywords (None: keep)."""
    if image_ids is not None:
        params.imgIds = [int(i) for i in image_ids]
    if categories is not None:
        params.catIds = [int(c) for c in categories]
    if iou_thresholds is not None:
        params.iouThrs = np.asarray(iou_thresholds, dtype=np.float64)
    if recall_thresholds is not None:
        params.recThrs = np.asarray(recall_thresholds, dtype=np.float64)
    if max_dets is not None:
        params.maxDets = list(max_dets)
    if area_ranges is not None:
        params.areaRng = [list(r) for r in area_ranges]
        params.areaRngLbl = list(area_labels)
    params.useCats = int(use_categories)


def cocoeval(gt: dict, results: list[dict], *, kind: str = "box", summarize: bool = True, dt_ids=None, **params):
    """Run pycocotools (evaluate, accumulate, and summarize unless told not to) with prints
    captured. Returns ``(evaluator, summary_text)``; ``params`` go through ``set_params``."""
    from pycocotools.cocoeval import COCOeval

    coco_gt, coco_dt = coco_objects(gt, results, kind, dt_ids=dt_ids)
    with contextlib.redirect_stdout(io.StringIO()):
        if kind == "box":
            evaluator = COCOeval(coco_gt, coco_dt, iouType="bbox")
        else:
            evaluator = _shapely_cocoeval_class()(coco_gt, coco_dt, iouType="bbox")
            evaluator.kind = kind
        set_params(evaluator.params, **params)
        evaluator.evaluate()
        evaluator.accumulate()
    text = ""
    if summarize:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            evaluator.summarize()
        text = printed.getvalue()
    return evaluator, text


def faster_cocoeval(gt: dict, results: list[dict], **params):
    """faster-coco-eval's COCOeval_faster (evaluate, accumulate, summarize), silent."""
    from faster_coco_eval import COCOeval_faster

    coco_gt, coco_dt = coco_objects(gt, results, module="faster_coco_eval")
    evaluator = COCOeval_faster(coco_gt, coco_dt, iouType="bbox", print_function=lambda *a, **k: None)
    set_params(evaluator.params, **params)
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator
