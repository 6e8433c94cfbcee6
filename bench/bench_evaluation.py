"""COCO detection evaluation: ``evaluate_detections`` against faster-coco-eval and pycocotools.

Run ``python -m bench.bench_evaluation`` (``--quick`` for smaller sets). The data is a
COCO-shaped set built once per size (``coco_like``, on ``boxgeom.datasets.detection_sample``):
80 classes, about 7.4 ground truths per image (37k on 5,000 images) of COCO-like small,
medium and large sizes, 1% crowd, mask-like ``area`` fields (smaller than the box), and
100 detections per image: one to three jittered detections per found object (scores
falling with the jitter, 10% with a confused class) and background false positives
filling up to 100.

Timings are in this process on prebuilt inputs: boxgeom gets the flat arrays, the peers
their prebuilt ``COCO`` objects (``loadRes`` done before timing), and the timed peer call
is ``evaluate() + accumulate() + summarize()`` with its prints suppressed. Each case
checks the stats against boxgeom's before reporting: the note says whether they are
identical. Memory: tracemalloc's peak and the peak RSS growth of the call (Linux: VmHWM
after resetting it). The rotated case scores 1,000 DOTA-like images (1024 x 1024, 15
classes, small rotated objects) against pycocotools with ``computeIoU`` replaced by a
shapely polygon IoU.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import tracemalloc

import numpy as np

from .harness import Row, format_seconds, median_time, optional, print_table
from boxgeom.datasets import detection_sample
from boxgeom.evaluation import evaluate_detections

COCO_CATEGORY_IDS = np.array([i for i in range(1, 91) if i not in {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}])


def coco_like(n_images: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``boxgeom.datasets.detection_sample`` on COCO's 80 category ids, with 1% crowd
    regions and mask-like ``area`` fields (smaller than the boxes, as COCO's)."""
    sample = detection_sample(n_images, len(COCO_CATEGORY_IDS), detections_per_image=100, seed=seed)._asdict()
    rng = np.random.default_rng([seed, 1])
    n_gt = len(sample["gt_boxes"])
    sample["gt_labels"] = COCO_CATEGORY_IDS[sample["gt_labels"] - 1]
    sample["dt_labels"] = COCO_CATEGORY_IDS[sample["dt_labels"] - 1]
    sample["gt_iscrowd"] = (rng.random(n_gt) < 0.01).astype(np.int64)
    sample["gt_areas"] = sample["gt_boxes"][:, 2] * sample["gt_boxes"][:, 3] * rng.uniform(0.45, 0.9, n_gt)
    return {**sample, "categories": COCO_CATEGORY_IDS.copy(), "image_ids": np.arange(1, n_images + 1)}


def dota_like(n_images: int, seed: int = 0) -> dict[str, np.ndarray]:
    """DOTA-like rotated boxes (cx, cy, w, h, angle deg): ``detection_sample`` on 1024 x
    1024 images, 15 classes, 40 objects and 100 detections per image."""
    sample = detection_sample(n_images, 15, objects_per_image=40, detections_per_image=100, image_size=1024,
                              rotated=True, seed=seed)._asdict()
    return {**sample, "categories": np.arange(1, 16), "image_ids": np.arange(1, n_images + 1)}


def first_images(data: dict[str, np.ndarray], n_images: int) -> dict[str, np.ndarray]:
    """The subset of a set on its first ``n_images`` images (ids 1..n_images)."""
    gt, dt = data["gt_image_ids"] <= n_images, data["dt_image_ids"] <= n_images
    out = {key: value[gt] if key.startswith("gt_") else value[dt] if key.startswith("dt_") else value
           for key, value in data.items()}
    out["image_ids"] = data["image_ids"][data["image_ids"] <= n_images]
    return out


# ---------------------------------------------------------------- the peers' inputs


def coco_dicts(data: dict[str, np.ndarray], geometry: str = "bbox") -> tuple[dict, list[dict]]:
    """COCO JSON structures (ground-truth dict, results list) of flat arrays. ``geometry``
    "rbox" stores rotated boxes in that field, with the enclosing box as ``bbox``."""
    def bbox(rows):
        if geometry == "bbox":
            return rows.tolist()
        return np.concatenate([rows[:, :2] - rows[:, 2:4] / 2, rows[:, 2:4]], axis=1).tolist()

    gt_rows = data["gt_boxes"]
    crowd = data.get("gt_iscrowd", np.zeros(len(gt_rows), dtype=np.int64)).tolist()
    areas = data.get("gt_areas", gt_rows[:, 2] * gt_rows[:, 3]).tolist()
    annotations = [
        {"id": i + 1, "image_id": image, "category_id": label, "bbox": box, "area": area, "iscrowd": c}
        for i, (image, label, box, area, c) in enumerate(
            zip(data["gt_image_ids"].tolist(), data["gt_labels"].tolist(), bbox(gt_rows), areas, crowd))
    ]
    results = [
        {"image_id": image, "category_id": label, "bbox": box, "score": score}
        for image, label, box, score in zip(data["dt_image_ids"].tolist(), data["dt_labels"].tolist(),
                                            bbox(data["dt_boxes"]), data["dt_scores"].tolist())
    ]
    if geometry != "bbox":
        for annotation, row in zip(annotations, gt_rows.tolist()):
            annotation[geometry] = row
        for result, row in zip(results, data["dt_boxes"].tolist()):
            result[geometry] = row
    gt = {
        "images": [{"id": int(i), "width": 640, "height": 480} for i in data["image_ids"]],
        "categories": [{"id": int(c), "name": str(c)} for c in data["categories"]],
        "annotations": annotations,
    }
    return gt, results


def load(module, gt: dict, results: list[dict]):
    """(cocoGt, cocoDt) of a peer's ``COCO`` class, prints suppressed (built before timing)."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = module.COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(results)
    return coco_gt, coco_dt


def run_pycocotools(evaluator_class, coco_gt, coco_dt):
    """evaluate + accumulate + summarize, silent; returns the evaluator."""
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator = evaluator_class(coco_gt, coco_dt, iouType="bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def run_faster(faster, coco_gt, coco_dt):
    evaluator = faster.COCOeval_faster(coco_gt, coco_dt, iouType="bbox", print_function=lambda *a, **k: None)
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    return evaluator


def shapely_rotated_cocoeval(cocoeval_module, shapely):
    """pycocotools' COCOeval scoring rotated boxes (the ``rbox`` field) with shapely IoU,
    as detectron2's RotatedCOCOeval does with its own kernel: only ``computeIoU`` changes."""

    def polygons(rows: np.ndarray):
        angle = np.deg2rad(rows[:, 4])
        u = np.stack([np.cos(angle), np.sin(angle)], axis=1) * rows[:, 2:3] / 2
        v = np.stack([-np.sin(angle), np.cos(angle)], axis=1) * rows[:, 3:4] / 2
        c = rows[:, :2]
        return shapely.polygons(np.stack([c - u - v, c + u - v, c + u + v, c - u + v], axis=1))

    class ShapelyRotatedCOCOeval(cocoeval_module.COCOeval):
        def computeIoU(self, imgId, catId):  # noqa: N802 (pycocotools' name)
            p = self.params
            cats = [catId] if p.useCats else p.catIds
            gts = [g for c in cats for g in self._gts[imgId, c]]
            dts = [d for c in cats for d in self._dts[imgId, c]]
            keep = np.argsort([-d["score"] for d in dts], kind="mergesort")[: p.maxDets[-1]]
            if not gts or not len(keep):
                return []
            p_d = polygons(np.array([dts[i]["rbox"] for i in keep]))
            p_g = polygons(np.array([g["rbox"] for g in gts]))
            inter = shapely.area(shapely.intersection(p_d[:, None], p_g[None, :]))
            a_d = shapely.area(p_d)[:, None]
            crowd = np.array([g["iscrowd"] for g in gts], dtype=bool)[None, :]
            return inter / np.where(crowd, a_d, a_d + shapely.area(p_g)[None, :] - inter)

    return ShapelyRotatedCOCOeval


# ---------------------------------------------------------------- comparisons


def agreement(ours, theirs, precision: bool = True) -> str:
    """The note: whether the stats (and the eval arrays) are identical."""
    diff = float(np.max(np.abs(np.asarray(ours.stats) - np.asarray(theirs.stats))))
    note = "stats identical" if diff == 0 else f"stats differ by up to {diff:.1e}"
    if precision:
        same = all(np.array_equal(getattr(ours, name), theirs.eval[name]) for name in ("precision", "recall", "scores"))
        note += ", precision/recall/scores identical" if same else ", precision/recall/scores differ"
    return note


def peak_memory(data: dict[str, np.ndarray], **options) -> tuple[float, float]:
    """(tracemalloc peak, peak RSS growth) in MiB of one ``evaluate_detections`` call."""
    tracemalloc.start()
    try:
        evaluate_detections(**data, **options)
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    def status(key: str) -> float:
        return int(open("/proc/self/status").read().split(key + ":")[1].split()[0]) / 1024

    try:
        before = status("VmRSS")
        with open("/proc/self/clear_refs", "w") as handle:  # resets VmHWM to the current RSS
            handle.write("5")
        evaluate_detections(**data, **options)
        rss = status("VmHWM") - before
    except (OSError, IndexError, ValueError):
        rss = float("nan")
    return traced / 2**20, rss


def main(quick: bool = False) -> list[Row]:
    pycocotools_cocoeval = optional("pycocotools.cocoeval")
    pycocotools_coco = optional("pycocotools.coco")
    faster = optional("faster_coco_eval")
    shapely = optional("shapely")
    rows: list[Row] = []
    n_large, n_small = (1000, 200) if quick else (5000, 1000)
    data = coco_like(n_large)
    summary = f"{n_large:,} images, {len(data['gt_boxes']):,} GT, {len(data['dt_boxes']):,} detections"
    ours = median_time(lambda: evaluate_detections(**data, fmt="xywh"), repeat=5)
    ours_1 = median_time(lambda: evaluate_detections(**data, fmt="xywh", n_threads=1), repeat=5)
    result = evaluate_detections(**data, fmt="xywh")
    if faster is None:
        rows.append(Row(summary, "evaluate_detections", ours, note="faster-coco-eval not installed"))
    else:
        coco_gt, coco_dt = load(faster, *coco_dicts(data))
        peer_s = median_time(lambda: run_faster(faster, coco_gt, coco_dt), repeat=3, budget_s=60)
        rows.append(Row(summary, "evaluate_detections", ours, "COCOeval_faster", peer_s,
                        agreement(result, run_faster(faster, coco_gt, coco_dt), precision=False)))
        rows.append(Row(summary, "evaluate_detections(n_threads=1)", ours_1, "COCOeval_faster", peer_s))
        del coco_gt, coco_dt

    subset = first_images(data, n_small)
    summary = f"{n_small:,} images, {len(subset['gt_boxes']):,} GT, {len(subset['dt_boxes']):,} detections"
    ours = median_time(lambda: evaluate_detections(**subset, fmt="xywh"), repeat=5)
    result = evaluate_detections(**subset, fmt="xywh")
    if pycocotools_cocoeval is None:
        rows.append(Row(summary, "evaluate_detections", ours, note="pycocotools not installed"))
    else:
        coco_gt, coco_dt = load(pycocotools_coco, *coco_dicts(subset))
        start = time.perf_counter()  # one run: it takes tens of seconds
        expected = run_pycocotools(pycocotools_cocoeval.COCOeval, coco_gt, coco_dt)
        rows.append(Row(summary, "evaluate_detections", ours, "pycocotools COCOeval", time.perf_counter() - start,
                        agreement(result, expected)))

    n_rotated = 200 if quick else 1000
    rotated = dota_like(n_rotated)
    summary = (f"rotated, {n_rotated:,} DOTA-like images, {len(rotated['gt_boxes']):,} GT, "
               f"{len(rotated['dt_boxes']):,} detections")
    ours = median_time(lambda: evaluate_detections(**rotated, kind="rotated"), repeat=5)
    result = evaluate_detections(**rotated, kind="rotated")
    if pycocotools_cocoeval is None or shapely is None:
        rows.append(Row(summary, 'evaluate_detections(kind="rotated")', ours, note="pycocotools or shapely missing"))
    else:
        coco_gt, coco_dt = load(pycocotools_coco, *coco_dicts(rotated, "rbox"))
        for annotation in coco_dt.dataset["annotations"]:
            annotation["area"] = annotation["rbox"][2] * annotation["rbox"][3]  # loadRes used the enclosing box
        start = time.perf_counter()
        expected = run_pycocotools(shapely_rotated_cocoeval(pycocotools_cocoeval, shapely), coco_gt, coco_dt)
        rows.append(Row(summary, 'evaluate_detections(kind="rotated")', ours, "pycocotools + shapely IoU",
                        time.perf_counter() - start, agreement(result, expected)))

    print_table("COCO evaluation (median wall time; ratio = peer / boxgeom)", rows)

    print("\nPeak memory of evaluate_detections (MiB; tracemalloc peak / peak RSS growth of the call):\n")
    print("| images | GT | detections | tracemalloc | RSS growth | time |")
    print("|---|---|---|---|---|---|")
    for n_images in (n_large, 10 * n_large):
        big = data if n_images == n_large else coco_like(n_images, seed=1)
        traced, rss = peak_memory(big, fmt="xywh")
        seconds = median_time(lambda: evaluate_detections(**big, fmt="xywh"), repeat=3)
        print(f"| {n_images:,} | {len(big['gt_boxes']):,} | {len(big['dt_boxes']):,} | {traced:.1f} | {rss:.1f} | "
              f"{format_seconds(seconds)} |")
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
