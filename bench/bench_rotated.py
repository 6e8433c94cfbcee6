"""Rotated rectangles: boxgeom against shapely (vectorised, STRtree) and OpenCV.

Run ``python -m bench.bench_rotated`` (``--quick`` for smaller cases). Peers are
imported lazily and skipped with a note when missing. Each case checks that the
peers and boxgeom agree before timing them.
"""

from __future__ import annotations

import sys

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom.datasets import random_rotated_boxes
from boxgeom.rotated import rotated_corners, rotated_iou, rotated_iou_pairs


def _polygons(shapely, boxes):
    return shapely.polygons(rotated_corners(boxes))


def shapely_iou_aligned(shapely, boxes1, boxes2):
    p1, p2 = _polygons(shapely, boxes1), _polygons(shapely, boxes2)
    inter = shapely.area(shapely.intersection(p1, p2))
    return inter / (shapely.area(p1) + shapely.area(p2) - inter)


def shapely_iou_dense(shapely, boxes1, boxes2):
    p1, p2 = _polygons(shapely, boxes1), _polygons(shapely, boxes2)
    inter = shapely.area(shapely.intersection(p1[:, None], p2[None, :]))
    return inter / (shapely.area(p1)[:, None] + shapely.area(p2)[None, :] - inter)


def shapely_iou_tree(shapely, boxes1, boxes2):
    """STRtree candidates, then exact intersections: the sparse shapely way."""
    p1, p2 = _polygons(shapely, boxes1), _polygons(shapely, boxes2)
    pairs = shapely.STRtree(p2).query(p1, predicate="intersects")
    a, b = p1[pairs[0]], p2[pairs[1]]
    inter = shapely.area(shapely.intersection(a, b))
    iou = inter / (shapely.area(a) + shapely.area(b) - inter)
    keep = iou > 0
    return pairs[:, keep], iou[keep]


def opencv_iou_loop(cv2, rects1, rects2):
    """OpenCV's rotatedRectangleIntersection + contourArea, one pair at a time."""
    out = []
    for r1, r2 in zip(rects1, rects2):
        status, points = cv2.rotatedRectangleIntersection(r1, r2)
        inter = cv2.contourArea(points) if points is not None and len(points) > 2 else 0.0
        a1 = r1[1][0] * r1[1][1]
        a2 = r2[1][0] * r2[1][1]
        out.append(inter / (a1 + a2 - inter) if a1 + a2 - inter > 0 else 0.0)
    return np.array(out)


def _rects(boxes):
    return [((b[0], b[1]), (b[2], b[3]), b[4]) for b in boxes.tolist()]


def _perturbed(boxes, seed):
    """Predictions near the ground truth: the elementwise case overlaps (as in training)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, boxes.shape) * [3, 3, 2, 2, 10]
    out = boxes + noise
    out[:, 2:4] = np.abs(out[:, 2:4]) + 1
    return out


def main(quick: bool = False) -> list[Row]:
    shapely = optional("shapely")
    cv2 = optional("cv2")
    rows: list[Row] = []
    missing_shapely = "shapely not installed"
    missing_cv2 = "opencv-python-headless not installed"

    # 1. elementwise (aligned) IoU of n pairs
    n = 10_000 if quick else 100_000
    boxes1 = random_rotated_boxes(n, seed=0)
    boxes2 = _perturbed(boxes1, 1)
    ours = median_time(lambda: rotated_iou(boxes1, boxes2, aligned=True))
    case = f"elementwise IoU, {n:,} pairs"
    expected = rotated_iou(boxes1, boxes2, aligned=True)
    if shapely is not None:
        assert np.allclose(shapely_iou_aligned(shapely, boxes1, boxes2), expected, atol=1e-9)
        peer = median_time(lambda: shapely_iou_aligned(shapely, boxes1, boxes2), repeat=3)
        rows.append(Row(case, "rotated_iou(aligned=True)", ours, "shapely vectorised", peer))
    else:
        rows.append(Row(case, "rotated_iou(aligned=True)", ours, note=missing_shapely))
    if cv2 is not None:
        rects1, rects2 = _rects(boxes1), _rects(boxes2)
        assert np.allclose(opencv_iou_loop(cv2, rects1[:500], rects2[:500]), expected[:500], atol=1e-3)
        peer = median_time(lambda: opencv_iou_loop(cv2, rects1, rects2), repeat=3)
        rows.append(Row(case, "rotated_iou(aligned=True)", ours, "OpenCV loop (tuples prebuilt)", peer, "float32"))
    else:
        rows.append(Row(case, "rotated_iou(aligned=True)", ours, note=missing_cv2))

    # 2. dense matrix
    n = 300 if quick else 1000
    boxes1, boxes2 = random_rotated_boxes(n, seed=2), random_rotated_boxes(n, seed=3)
    ours = median_time(lambda: rotated_iou(boxes1, boxes2))
    case = f"dense IoU, {n} x {n}"
    if shapely is not None:
        assert np.allclose(shapely_iou_dense(shapely, boxes1[:50], boxes2), rotated_iou(boxes1[:50], boxes2), atol=1e-9)
        peer = median_time(lambda: shapely_iou_dense(shapely, boxes1, boxes2), repeat=3)
        rows.append(Row(case, "rotated_iou", ours, "shapely dense", peer))
    else:
        rows.append(Row(case, "rotated_iou", ours, note=missing_shapely))

    # 3. sparse: only the overlapping pairs
    case = f"sparse IoU, {n} x {n}"
    ours = median_time(lambda: rotated_iou_pairs(boxes1, boxes2))
    if shapely is not None:
        pairs, iou = rotated_iou_pairs(boxes1, boxes2)
        peer_pairs, peer_iou = shapely_iou_tree(shapely, boxes1, boxes2)
        order = np.lexsort(peer_pairs[::-1])
        assert np.array_equal(pairs, peer_pairs[:, order]) and np.allclose(iou, peer_iou[order], atol=1e-9)
        peer = median_time(lambda: shapely_iou_tree(shapely, boxes1, boxes2), repeat=3)
        rows.append(Row(case, "rotated_iou_pairs", ours, "shapely STRtree + intersection", peer))
    else:
        rows.append(Row(case, "rotated_iou_pairs", ours, note=missing_shapely))

    # 4. the seed: 756 rotated boxes in a 768 x 768 image against 5 anchors
    boxes = random_rotated_boxes(756, seed=4)
    anchors = random_rotated_boxes(5, seed=5)
    case = "seed: 5 anchors x 756 boxes (768 x 768)"
    dense = median_time(lambda: rotated_iou(anchors, boxes), repeat=201)
    sparse = median_time(lambda: rotated_iou_pairs(anchors, boxes), repeat=201)
    if shapely is not None:
        peer = median_time(lambda: shapely_iou_tree(shapely, anchors, boxes), repeat=51)
        rows.append(Row(case, "rotated_iou (dense 5 x 756)", dense, "shapely STRtree + intersection", peer, "target < 70 us"))
        rows.append(Row(case, "rotated_iou_pairs", sparse, "shapely STRtree + intersection", peer))
    else:
        rows.append(Row(case, "rotated_iou (dense 5 x 756)", dense, note=missing_shapely))

    # 5. many boxes at the pair benchmark's density (region 40000, sizes below 100)
    n = 100_000 if quick else 1_000_000
    boxes = random_rotated_boxes(n, 40000, 100, seed=6)
    pairs, _ = rotated_iou_pairs(boxes)
    ours = median_time(lambda: rotated_iou_pairs(boxes), repeat=3)
    rows.append(Row(f"self-join, {n:,} boxes", "rotated_iou_pairs", ours, note=f"{pairs.shape[1]:,} pairs; target < 2 s at 1e6"))

    print_table("Rotated rectangles (median wall time; ratio = peer / boxgeom)", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
