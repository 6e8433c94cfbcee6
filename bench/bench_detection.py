"""Detection utilities against box-intersect-lib-py (and a vectorized-numpy NMS).

Run ``python -m bench.bench_detection`` (``--quick`` for the small configs only).
Ratios are peer time / boxgeom time (> 1: boxgeom is faster). Tile counts are
reported next to the cover times.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import BoxIndex, match_greedy, match_optimal, nms, tile_cover
from boxgeom import _compat_detection as compat
from boxgeom.datasets import random_boxes

# (n, region, max size): box-intersect-lib's README configurations
CONFIGS = [(100, 400, 100), (500, 400, 100), (10_000, 4000, 100), (50_000, 4000, 100), (1_000_000, 40000, 100)]
QUICK = CONFIGS[:3]


def numpy_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """The usual vectorized NMS (torchvision/py-faster-rcnn style): one IoU row per kept box."""
    x1, y1, x2, y2 = (boxes[:, k].astype(np.float64) for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        iou = inter / (areas[i] + areas[rest] - inter)
        order = rest[iou <= threshold]
    return np.array(keep, dtype=np.intp)


def _case(n: int, region: int, size: int) -> str:
    return f"{n}/{region}/{size}"


def bench_nms(configs, peer) -> list[Row]:
    rows = []
    for n, region, size in configs:
        xyxy = random_boxes(n, region, size, seed=0)
        xywh = random_boxes(n, region, size, seed=0, fmt="xywh")
        scores = np.random.default_rng(1).random(n)
        ours = median_time(lambda: nms(xyxy, scores, 0.1, overlap_threshold=0.3))
        ours_compat = median_time(lambda: compat.find_non_max_suppressed(xywh, scores, 0.1, 0.3))
        peer_s = median_time(lambda: peer.find_non_max_suppressed(xywh, scores, 0.1, 0.3)) if peer else float("nan")
        kept = len(nms(xyxy, scores, 0.1, overlap_threshold=0.3))
        rows.append(Row(_case(n, region, size), "nms", ours, "peer NMS", peer_s, f"{kept} kept"))
        rows.append(Row(_case(n, region, size), "compat.find_non_max_suppressed", ours_compat, "peer NMS", peer_s))
        if n <= 50_000:
            iou_only = median_time(lambda: nms(xyxy, scores, 0.5))
            numpy_s = median_time(lambda: numpy_nms(xyxy, scores, 0.5), repeat=3, budget_s=20)
            rows.append(Row(_case(n, region, size), "nms (iou 0.5)", iou_only, "numpy NMS (iou 0.5)", numpy_s))
    return rows


def bench_matching(configs, peer) -> list[Row]:
    rows = []
    for n, region, size in configs:
        xyxy = random_boxes(n, region, size, seed=0)
        xywh = random_boxes(n, region, size, seed=0, fmt="xywh")
        ours = median_time(lambda: match_greedy(xyxy, xyxy, 0.1))
        ours_compat = median_time(lambda: compat.find_best_matches(xywh, xywh, 0.1))
        peer_s = median_time(lambda: peer.find_best_matches(xywh, xywh, 0.1)) if peer else float("nan")
        rows.append(Row(_case(n, region, size), "match_greedy(X, X)", ours, "peer find_best_matches", peer_s))
        rows.append(Row(_case(n, region, size), "compat.find_best_matches", ours_compat, "peer find_best_matches", peer_s))
    return rows


def bench_optimal(configs) -> list[Row]:
    """match_optimal vs match_greedy on two different sets (where they can differ)."""
    rows = []
    for n, region, size in configs:
        first = random_boxes(n, region, size, seed=0)
        second = random_boxes(n, region, size, seed=1)
        greedy_s = median_time(lambda: match_greedy(first, second, 0.1), repeat=3)
        optimal_s = median_time(lambda: match_optimal(first, second, 0.1), repeat=3)
        totals = []
        for fn in (match_greedy, match_optimal):
            matches = fn(first, second, 0.1)[0]
            a, b = first[matches[0]].astype(np.float64), second[matches[1]].astype(np.float64)
            w = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
            h = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
            inter = w * h
            union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
            totals.append((matches.shape[1], float((inter / union).sum())))
        note = (f"greedy {totals[0][0]} matches, total IoU {totals[0][1]:.2f}; "
                f"optimal {totals[1][0]} matches, total IoU {totals[1][1]:.2f}")
        rows.append(Row(_case(n, region, size), "match_optimal(X, Y)", optimal_s, "match_greedy(X, Y)", greedy_s, note))
    return rows


def bench_cover(configs, peer) -> list[Row]:
    rows = []
    for n, region, size in configs:
        xyxy = random_boxes(n, region, size, seed=0)
        xywh = random_boxes(n, region, size, seed=0, fmt="xywh")
        ours = median_time(lambda: tile_cover(xyxy, 500, 500))
        ours_compat = median_time(lambda: compat.efficient_coverage(xywh, 500, 500))
        peer_s = median_time(lambda: peer.efficient_coverage(xywh, 500, 500)) if peer else float("nan")
        count = len(tile_cover(xyxy, 500, 500)[0])
        peer_count = len(peer.efficient_coverage(xywh, 500, 500)) if peer else len(compat.efficient_coverage(xywh, 500, 500))
        note = f"tiles: {count} vs peer {peer_count}"
        rows.append(Row(_case(n, region, size), "tile_cover", ours, "peer efficient_coverage", peer_s, note))
        rows.append(Row(_case(n, region, size), "compat.efficient_coverage", ours_compat, "peer efficient_coverage", peer_s))
    return rows


def bench_index(configs, peer) -> list[Row]:
    rows = []
    for n, region, size in configs:
        xyxy = random_boxes(n, region, size, seed=0)
        xywh = random_boxes(n, region, size, seed=0, fmt="xywh")
        case = _case(n, region, size)
        build = median_time(lambda: BoxIndex(xyxy))
        build_compat = median_time(lambda: compat.BoxIntersector(xywh))
        peer_build = median_time(lambda: peer.BoxIntersector(xywh)) if peer else float("nan")
        rows.append(Row(case, "BoxIndex build", build, "peer BoxIntersector build", peer_build))
        rows.append(Row(case, "compat.BoxIntersector build", build_compat, "peer BoxIntersector build", peer_build))
        index = BoxIndex(xyxy)
        queries = xyxy[: min(n, 100_000)]
        batch = median_time(lambda: index.query(queries))
        m = len(queries)
        sample_rows = xywh[: min(m, 20_000)]
        sample = sample_rows.tolist()
        peer_one = peer.BoxIntersector(xywh) if peer else None

        def peer_loop():  # Python ints: the peer's fastest loop
            for b in sample:
                peer_one.find_intersections(*b)

        def peer_loop_rows():  # the rows of the array, as a loop over it gives them
            for b in sample_rows:
                peer_one.find_intersections(*b)

        peer_seq = median_time(peer_loop, repeat=3) * m / len(sample) if peer else float("nan")
        peer_seq_rows = median_time(peer_loop_rows, repeat=3) * m / len(sample) if peer else float("nan")
        rows.append(Row(case, f"BoxIndex.query({m} boxes)", batch, f"{m} sequential peer queries (lists)", peer_seq))
        rows.append(Row(case, f"BoxIndex.query({m} boxes)", batch, f"{m} sequential peer queries (array rows)",
                        peer_seq_rows))
        as_lists = xyxy[: len(sample)].tolist()

        def ours_loop():
            for b in as_lists:
                index.query(b)

        ours_one = median_time(ours_loop, repeat=3) / len(sample)
        compat_one = compat.BoxIntersector(xywh)

        def compat_loop():
            for b in sample:
                compat_one.find_intersections(*b)

        compat_s = median_time(compat_loop, repeat=3) / len(sample)
        peer_single = peer_seq / m if peer else float("nan")
        rows.append(Row(case, "BoxIndex.query(box) (one call)", ours_one, "peer find_intersections", peer_single))
        rows.append(Row(case, "compat find_intersections", compat_s, "peer find_intersections", peer_single))
    return rows


def main(quick: bool = False) -> None:
    peer = optional("box_intersect_lib_py")
    configs = QUICK if quick else CONFIGS
    if peer is None:
        print("box_intersect_lib_py is not installed: peer columns are empty")
    start = time.perf_counter()
    print_table("NMS (iou 0.1, overlap 0.3; numpy rows: iou 0.5 only)", bench_nms(configs, peer))
    print_table("Greedy matching of X with itself (iou 0.1)", bench_matching(configs, peer))
    print_table("Optimal vs greedy matching of X and Y (iou 0.1)", bench_optimal(configs))
    print_table("Tile cover (500 x 500)", bench_cover(configs, peer))
    print_table("Static index: build, batch query, single queries", bench_index(configs, peer))
    print(f"\n(total {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small configurations only")
    main(parser.parse_args().quick)
