"""The NMS family: soft-NMS against ensemble-boxes, soft-NMS on 1M boxes, rotated and
polygon NMS against a shapely greedy NMS.

Run ``python -m bench.bench_suppression`` (``--quick`` for smaller cases). Peers are
imported lazily and skipped with a note when missing. Each case checks that the peer
and boxgeom agree before timing them.

The detections are those of an ensemble, as ensemble-boxes users have them: in each
image (the unit square, normalised coordinates) 1,000 objects of sides 1-3% of the
image in 20 classes; each of 10 models reports every object once, its centre moved by
10% of the object's size and its sides scaled by up to 10%, with a random score and,
one time in ten, a wrong class. That is 10 models x 1,000 boxes per image (about 4
same-class overlapping pairs per box, 12 in all). The 1M-box case lays 100 such images
side by side, so its density is the same.
"""

from __future__ import annotations

import contextlib
import io
import sys

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import batched_rotated_nms, polygon_nms, rotated_corners, rotated_nms, soft_nms
from boxgeom._soft_nms import same_label_pairs
from boxgeom.pairs import find_pairs


def ensemble_detections(n_models=10, n_objects=1000, n_classes=20, tiles=1, seed=0):
    """Per-model lists of boxes (m, 4), scores (m,) and labels (m,) of ``tiles x tiles``
    images side by side (see the module docstring)."""
    rng = np.random.default_rng(seed)
    count = n_objects * tiles * tiles
    centre = rng.uniform(0, tiles, (count, 2))
    size = rng.uniform(0.01, 0.03, (count, 2))
    label = rng.integers(0, n_classes, count)
    boxes, scores, labels = [], [], []
    for _ in range(n_models):
        c = centre + rng.normal(0, 0.1, (count, 2)) * size
        s = size * np.exp(rng.normal(0, 0.1, (count, 2)))
        boxes.append(np.clip(np.hstack([c - s / 2, c + s / 2]), 0, tiles))
        scores.append(rng.uniform(0.05, 1.0, count))
        labels.append(np.where(rng.random(count) < 0.1, rng.integers(0, n_classes, count), label))
    return boxes, scores, labels


def by_label(keep, labels):
    """ensemble-boxes' output order: label by label (ascending), each in processing order."""
    return keep[np.argsort(labels[keep], kind="stable")]


def shapely_greedy_nms(shapely, polygons, scores, threshold, labels=None):
    """DOTA's ``py_cpu_nms_poly`` rule with shapely 2's vectorised intersection: the kept
    polygon against every remaining one, by decreasing score."""
    order = np.argsort(-scores, kind="stable")
    areas = shapely.area(polygons)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        inter = shapely.area(shapely.intersection(polygons[i], polygons[rest]))
        iou = inter / (areas[i] + areas[rest] - inter)
        suppressed = iou > threshold
        if labels is not None:
            suppressed &= labels[rest] == labels[i]
        order = rest[~suppressed]
    return np.array(keep, dtype=np.intp)


def rotated_scene(n_objects, copies, seed, region=1024.0):
    """DOTA-like rotated detections: objects of sides 10-60 px in a 1024 x 1024 image,
    each found ``copies`` times with jitter, 15 classes."""
    rng = np.random.default_rng(seed)
    objects = np.column_stack([rng.uniform(0, region, (n_objects, 2)), rng.uniform(10, 60, (n_objects, 2)),
                               rng.uniform(-90, 90, n_objects)])
    boxes = np.repeat(objects, copies, axis=0)
    boxes += rng.normal(0, 1, boxes.shape) * [2, 2, 2, 2, 5]
    boxes[:, 2:4] = np.abs(boxes[:, 2:4])
    labels = np.repeat(rng.integers(0, 15, n_objects), copies)
    return boxes, rng.random(len(boxes)), labels


def main(quick: bool = False) -> list[Row]:
    ensemble_boxes = optional("ensemble_boxes")
    ensemble = optional("boxgeom.ensemble")
    shapely = optional("shapely")
    rows: list[Row] = []

    # 1. soft-NMS of 10 models x 1,000 boxes: ensemble-boxes, with its own list input
    boxes_list, scores_list, labels_list = ensemble_detections()
    boxes, scores, labels = (np.concatenate(x) for x in (boxes_list, scores_list, labels_list))
    for method, name in ((2, "gaussian"), (1, "linear")):
        case = f"soft-NMS {name}, 10 models x 1,000 boxes"
        options = {"method": name, "sigma": 0.5, "iou_threshold": 0.5, "score_threshold": float(np.nextafter(0.001, 1))}
        ours = median_time(lambda: soft_nms(boxes, scores, idxs=labels, **options))
        if ensemble_boxes is None:
            rows.append(Row(case, "soft_nms (flat arrays)", ours, note="ensemble-boxes not installed"))
            continue

        def peer():
            with contextlib.redirect_stdout(io.StringIO()):
                return ensemble_boxes.soft_nms(boxes_list, scores_list, labels_list, method=method, iou_thr=0.5,
                                               sigma=0.5, thresh=0.001)

        expected = peer()
        keep = by_label(soft_nms(boxes, scores, idxs=labels, **options)[0], labels)
        assert np.array_equal(boxes[keep], expected[0]) and np.array_equal(scores[keep], expected[1])
        peer_s = median_time(peer, repeat=3)
        rows.append(Row(case, "soft_nms (flat arrays)", ours, "ensemble_boxes.soft_nms", peer_s,
                        f"{len(keep):,} kept, identical"))
        if ensemble is not None and hasattr(ensemble, "soft_nms"):
            drop_in = median_time(lambda: ensemble.soft_nms(boxes_list, scores_list, labels_list, method=method,
                                                            iou_thr=0.5, sigma=0.5, thresh=0.001))
            rows.append(Row(case, "ensemble.soft_nms (lists)", drop_in, "ensemble_boxes.soft_nms", peer_s))

    # 2. soft-NMS on 1M boxes (100 images of case 1 side by side: the same density)
    tiles = 3 if quick else 10
    boxes_list, scores_list, labels_list = ensemble_detections(tiles=tiles, seed=1)
    boxes, scores, labels = (np.concatenate(x) for x in (boxes_list, scores_list, labels_list))
    n = len(boxes)
    pairs = find_pairs(boxes)
    same = same_label_pairs(pairs, labels).shape[1]
    case = f"soft-NMS, {n:,} boxes"
    kept = len(soft_nms(boxes, scores, idxs=labels)[0])
    note = f"{same / n:.1f} same-class pairs per box, {kept:,} kept; target < 1 s at 1M"
    rows.append(Row(case, "soft_nms gaussian, idxs",
                    median_time(lambda: soft_nms(boxes, scores, idxs=labels), repeat=3), note=note))
    rows.append(Row(case, "soft_nms gaussian, idxs, n_threads=1",
                    median_time(lambda: soft_nms(boxes, scores, idxs=labels, n_threads=1), repeat=3)))
    rows.append(Row(case, "soft_nms linear, idxs",
                    median_time(lambda: soft_nms(boxes, scores, idxs=labels, method="linear"), repeat=3)))
    rows.append(Row(case, "soft_nms gaussian, no idxs", median_time(lambda: soft_nms(boxes, scores), repeat=3),
                    note=f"{pairs.shape[1] / n:.1f} overlapping pairs per box"))
    del pairs

    # 3. polygon NMS and per-class rotated NMS against shapely's greedy NMS
    n_objects = 300 if quick else 1000
    rotated, scores, labels = rotated_scene(n_objects, 3, seed=2)
    quads = rotated_corners(rotated).reshape(-1, 8)
    case = f"{len(quads):,} quads (DOTA-like, 1024 x 1024)"
    ours = median_time(lambda: polygon_nms(quads, scores, 0.3))
    batched = median_time(lambda: batched_rotated_nms(rotated, scores, labels, 0.3))

    def rotated_loop():
        out = [members[rotated_nms(rotated[members], scores[members], 0.3)]
               for members in (np.flatnonzero(labels == label) for label in np.unique(labels))]
        out = np.concatenate(out)
        return out[np.lexsort((out, -scores[out]))]

    assert np.array_equal(batched_rotated_nms(rotated, scores, labels, 0.3), rotated_loop())
    rows.append(Row(case, "batched_rotated_nms", batched, "loop of rotated_nms per class", median_time(rotated_loop),
                    "15 classes"))
    if shapely is None:
        rows.append(Row(case, "polygon_nms", ours, note="shapely not installed"))
    else:
        polygons = shapely.polygons(quads.reshape(-1, 4, 2))
        assert np.array_equal(polygon_nms(quads, scores, 0.3), shapely_greedy_nms(shapely, polygons, scores, 0.3))
        assert np.array_equal(batched_rotated_nms(rotated, scores, labels, 0.3),
                              shapely_greedy_nms(shapely, polygons, scores, 0.3, labels))
        peer = median_time(lambda: shapely_greedy_nms(shapely, polygons, scores, 0.3), repeat=3)
        peer_batched = median_time(lambda: shapely_greedy_nms(shapely, polygons, scores, 0.3, labels), repeat=3)
        rows.append(Row(case, "polygon_nms", ours, "shapely greedy (py_cpu_nms_poly rule)", peer,
                        "polygons prebuilt for the peer"))
        rows.append(Row(case, "batched_rotated_nms", batched, "shapely greedy, per class", peer_batched))

    print_table("The NMS family (median wall time; ratio = peer / boxgeom)", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
