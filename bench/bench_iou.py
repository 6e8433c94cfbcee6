"""Axis-aligned IoU and NMS against the torch/numpy formulas torchvision users run.

Run: ``python -m bench.bench_iou [--quick]``. Ratios are peer time / boxgeom time
(> 1: boxgeom is faster). torchvision's ``box_iou`` is a few lines of torch
broadcasting; with torchvision itself installed its ``box_iou`` and ``nms`` are
measured, else the same formula in plain torch (and numpy) stands in for it.
"""

from __future__ import annotations

import argparse

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import box_iou, box_iou_pairs, find_pairs_between, nms
from boxgeom.datasets import random_boxes


def numpy_box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """torchvision's formula with numpy broadcasting (float64)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    low = np.maximum(a[:, None, :2], b[None, :, :2])
    high = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(high - low, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def torch_box_iou(torch, a, b):
    """torchvision.ops.box_iou's formula in torch (what it runs on CPU)."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    low = torch.max(a[:, None, :2], b[:, :2])
    high = torch.min(a[:, None, 2:], b[:, 2:])
    wh = (high - low).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (area_a[:, None] + area_b - inter)


def numpy_giou_ciou(a: np.ndarray, b: np.ndarray, complete: bool) -> np.ndarray:
    """torchvision's ``generalized_box_iou`` (``complete``: ``complete_box_iou``) formula with
    numpy broadcasting in float64 (eps as torchvision's, 1e-7)."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    iou = numpy_box_iou(a, b)
    low = np.minimum(a[:, None, :2], b[None, :, :2])
    high = np.maximum(a[:, None, 2:], b[None, :, 2:])
    wh = high - low
    if not complete:
        area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
        area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        low_i = np.maximum(a[:, None, :2], b[None, :, :2])
        high_i = np.minimum(a[:, None, 2:], b[None, :, 2:])
        inter = np.prod(np.clip(high_i - low_i, 0, None), axis=-1)
        union = area_a[:, None] + area_b[None, :] - inter
        enclosing = wh[..., 0] * wh[..., 1]
        return iou - (enclosing - union) / enclosing
    diagonal = (wh**2).sum(-1) + 1e-7
    centre = ((a[:, None, :2] + a[:, None, 2:]) / 2 - (b[None, :, :2] + b[None, :, 2:]) / 2) ** 2
    diou = iou - centre.sum(-1) / diagonal
    wa, ha = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    wb, hb = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    v = (4 / np.pi**2) * (np.arctan(wa / ha)[:, None] - np.arctan(wb / hb)[None, :]) ** 2
    alpha = v / (1 - iou + v + 1e-7)
    return diou - alpha * v


def main(quick: bool = False) -> list[Row]:
    """Print and return the comparison table (``quick``: smaller inputs)."""
    torch = optional("torch")
    torchvision_ops = optional("torchvision.ops")
    peer_name = "torchvision.ops.box_iou" if torchvision_ops else "torchvision's box_iou formula in torch"
    rows = []
    for n in [100, 1000] if quick else [100, 1000, 4000]:
        a, b = random_boxes(n, 4000, 100, seed=1), random_boxes(n, 4000, 100, seed=2)
        case = f"{n} x {n} dense"
        ours = median_time(lambda: box_iou(a, b))
        assert np.allclose(box_iou(a, b), numpy_box_iou(a, b), rtol=1e-12, atol=0)
        rows.append(Row(case, "box_iou", ours, "numpy broadcasting", median_time(lambda: numpy_box_iou(a, b))))
        if torch is not None:
            ta, tb = torch.from_numpy(a.astype(np.float32)), torch.from_numpy(b.astype(np.float32))
            run = (lambda: torchvision_ops.box_iou(ta, tb)) if torchvision_ops else (lambda: torch_box_iou(torch, ta, tb))
            rows.append(Row(case, "box_iou", ours, f"{peer_name} (float32)", median_time(run)))
        else:
            rows.append(Row(case, "box_iou", ours, note="torch not installed"))
        for mode in ("giou", "ciou"):
            ours_mode = median_time(lambda: box_iou(a, b, mode=mode))
            peer_mode = median_time(lambda: numpy_giou_ciou(a, b, mode == "ciou"))
            rows.append(Row(case, f"box_iou(mode={mode!r})", ours_mode, f"torchvision's {mode} formula in numpy", peer_mode))
        # the sparse route: pairs first, then IoU of the pairs only
        sparse = median_time(lambda: box_iou_pairs(a, b, find_pairs_between(a, b)))
        rows.append(Row(case, "find_pairs_between + box_iou_pairs", sparse, "numpy broadcasting",
                        median_time(lambda: numpy_box_iou(a, b)), "sparse result: only overlapping pairs"))
    for n in [1000, 10_000] if quick else [1000, 10_000, 100_000]:
        boxes = random_boxes(n, 4 * int(np.sqrt(n)) * 10, 100, seed=3)
        scores = np.random.default_rng(4).random(n)
        case = f"NMS {n} boxes, iou 0.5"
        ours = median_time(lambda: nms(boxes, scores, 0.5))
        if torchvision_ops is not None:
            tb, ts = torch.from_numpy(boxes.astype(np.float32)), torch.from_numpy(scores)
            rows.append(Row(case, "nms", ours, "torchvision.ops.nms", median_time(lambda: torchvision_ops.nms(tb, ts, 0.5))))
        else:
            rows.append(Row(case, "nms", ours, note="torchvision not installed (see bench_detection for a numpy NMS)"))
    print_table("Axis-aligned IoU and NMS (torchvision-style peers)", rows)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
