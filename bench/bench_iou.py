"""Axis-aligned IoU, its modes and NMS against the torch/numpy formulas torchvision users run.

Run: ``python -m bench.bench_iou [--quick]``. Ratios are peer time / boxgeom time
(> 1: boxgeom is faster). torchvision's ``box_iou``, ``generalized_box_iou``,
``distance_box_iou`` and ``complete_box_iou`` are a few lines of torch broadcasting;
with torchvision itself installed they and its ``nms`` are measured, else the same
formulas in plain torch (float32, as torchvision users run them; in numpy float64
without torch) stand in for them. Each peer's values are checked against boxgeom's
first. A second table times row-strided input (``dets[:, :4]``) against a C-contiguous
copy of it (ratio contiguous / strided: about 1 means the stride costs nothing).
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import box_iou, box_iou_pairs, find_pairs_between, nms
from boxgeom.datasets import random_boxes

# The modes timed against torchvision's functions of the same measure.
TORCHVISION_MODES = {"giou": "generalized_box_iou", "diou": "distance_box_iou", "ciou": "complete_box_iou"}


def formula(xp: Any, a: Any, b: Any, mode: str = "iou", eps: float = 1e-7) -> Any:
    """torchvision's ``box_iou`` (``mode="iou"``), ``generalized_box_iou``, ``distance_box_iou``
    and ``complete_box_iou`` (``"giou"``, ``"diou"``, ``"ciou"``, with its ``eps``) written with
    the array namespace ``xp`` (numpy or torch) in the dtype of ``a`` and ``b``."""
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    wh = xp.clip(xp.minimum(a[:, None, 2:], b[:, 2:]) - xp.maximum(a[:, None, :2], b[:, :2]), 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b - inter
    iou = inter / union
    if mode == "iou":
        return iou
    hull = xp.clip(xp.maximum(a[:, None, 2:], b[:, 2:]) - xp.minimum(a[:, None, :2], b[:, :2]), 0, None)
    if mode == "giou":
        enclosing = hull[..., 0] * hull[..., 1]
        return iou - (enclosing - union) / enclosing
    diagonal = hull[..., 0] ** 2 + hull[..., 1] ** 2 + eps
    centre_a, centre_b = (a[:, :2] + a[:, 2:]) / 2, (b[:, :2] + b[:, 2:]) / 2
    distance = (centre_a[:, None, 0] - centre_b[:, 0]) ** 2 + (centre_a[:, None, 1] - centre_b[:, 1]) ** 2
    diou = iou - distance / diagonal
    if mode == "diou":
        return diou
    aspect_a = xp.arctan((a[:, 2] - a[:, 0]) / (a[:, 3] - a[:, 1]))
    aspect_b = xp.arctan((b[:, 2] - b[:, 0]) / (b[:, 3] - b[:, 1]))
    v = (4 / xp.pi**2) * (aspect_a[:, None] - aspect_b) ** 2
    alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def deviation(ours: np.ndarray, peer: Any, atol: float) -> str:
    """Check that a peer's values match boxgeom's within ``atol`` and describe the deviation."""
    peer = np.asarray(peer, dtype=np.float64)
    worst = float(np.abs(ours - peer).max())
    assert ours.shape == peer.shape and worst <= atol, (ours.shape, peer.shape, worst)
    return f"max abs diff {worst:.0e}"


def torchvision_peer(torch: Any, torchvision_ops: Any, mode: str) -> tuple[str, Callable[[Any, Any], Any]]:
    """The name and the function of torchvision's measure ``mode``: torchvision's own when
    installed, else its formula in torch."""
    name = "box_iou" if mode == "iou" else TORCHVISION_MODES[mode]
    if torchvision_ops is not None:
        return f"torchvision.ops.{name}", getattr(torchvision_ops, name)
    return f"torchvision's {name} formula in torch", lambda a, b: formula(torch, a, b, mode)


def dense_rows(n: int, torch: Any, torchvision_ops: Any) -> list[Row]:
    """boxgeom's dense IoU and its modes at ``n`` x ``n`` against numpy broadcasting and torchvision."""
    a, b = random_boxes(n, 4000, 100, seed=1), random_boxes(n, 4000, 100, seed=2)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    case = f"{n} x {n} dense"
    ours = median_time(lambda: box_iou(a, b))
    note = deviation(box_iou(a, b), formula(np, a64, b64), 1e-12)
    rows = [Row(case, "box_iou", ours, "numpy broadcasting (float64)", median_time(lambda: formula(np, a64, b64)), note)]
    if torch is None:
        rows.append(Row(case, "box_iou", ours, note="torch not installed: torchvision's formulas in numpy stand in"))
    else:
        # the same float32 tensors go to both; boxgeom returns float64, torch float32
        ta, tb = torch.from_numpy(a.astype(np.float32)), torch.from_numpy(b.astype(np.float32))
    for mode in ("iou", *TORCHVISION_MODES):
        label = "box_iou" if mode == "iou" else f"box_iou(mode={mode!r})"
        if torch is not None:
            name, peer = torchvision_peer(torch, torchvision_ops, mode)
            note = deviation(np.asarray(box_iou(ta, tb, mode=mode)), peer(ta, tb), 1e-5)
            rows.append(Row(case, label + " (float32 tensors)", median_time(lambda: box_iou(ta, tb, mode=mode)),
                            name + " (float32)", median_time(lambda: peer(ta, tb)), note))
        elif mode != "iou":
            # float64: the differences are those of torchvision's eps (1e-7)
            note = deviation(box_iou(a, b, mode=mode), formula(np, a64, b64, mode), 1e-6)
            rows.append(Row(case, label, median_time(lambda: box_iou(a, b, mode=mode)),
                            f"torchvision's {TORCHVISION_MODES[mode]} formula in numpy (float64)",
                            median_time(lambda: formula(np, a64, b64, mode)), note))
    # the sparse route: pairs first, then IoU of the pairs only
    sparse = median_time(lambda: box_iou_pairs(a, b, find_pairs_between(a, b)))
    rows.append(Row(case, "find_pairs_between + box_iou_pairs", sparse, "numpy broadcasting (float64)",
                    rows[0].peer_s, "sparse result: only overlapping pairs"))
    return rows


def detections(n: int, region: int, seed: int) -> np.ndarray:
    """A float32 ``(n, 5)`` detections array: ``random_boxes`` in columns 0-3, scores in column 4."""
    scores = np.random.default_rng(seed).random(n)
    return np.column_stack([random_boxes(n, region, 100, seed=seed), scores]).astype(np.float32)


def stride_row(case: str, name: str, run: Callable[..., Any], strided: tuple[Any, ...], copy: Callable[[Any], Any]) -> Row:
    """``run(*strided)`` (ours) against ``run`` on C-contiguous copies (peer): same values, and a
    ratio contiguous time / strided time."""
    contiguous = tuple(map(copy, strided))
    assert np.array_equal(np.asarray(run(*strided)), np.asarray(run(*contiguous)))
    return Row(case, f"{name}, strided", median_time(lambda: run(*strided)),
               f"{name}, C-contiguous copy", median_time(lambda: run(*contiguous)))


def strided_rows(quick: bool, torch: Any) -> list[Row]:
    """The dense IoU (and ciou) and NMS of ``dets[:, :4]`` (numpy, and a torch tensor when torch is
    installed) against the same on C-contiguous copies."""
    dense = detections(1000, 4000, 1)
    nms_cases = [(n, detections(n, 4 * int(np.sqrt(n)) * 10, 3)) for n in ([10_000] if quick else [10_000, 100_000])]
    kinds: dict[str, tuple[Callable[[np.ndarray], Any], Callable[[Any], Any]]] = {
        "numpy": (lambda d: d, np.ascontiguousarray)}
    if torch is not None:
        kinds["torch"] = (torch.from_numpy, lambda t: t.contiguous())
    rows = []
    for kind, (wrap, copy) in kinds.items():
        boxes = wrap(dense)[:, :4]
        for mode in ("iou", "ciou"):
            rows.append(stride_row(f"1000 x 1000 dense, {kind} float32 (n, 5)[:, :4]", f"box_iou(mode={mode!r})",
                                   lambda x, mode=mode: box_iou(x, x, mode=mode), (boxes,), copy))
        for n, array in nms_cases:
            dets = wrap(array)
            rows.append(stride_row(f"NMS {n} boxes, iou 0.5, {kind} float32 (n, 5)[:, :4]", "nms(boxes, scores, 0.5)",
                                   lambda x, s: nms(x, s, 0.5), (dets[:, :4], dets[:, 4]), copy))
    if torch is None:
        rows.append(Row("torch tensor t[:, :4]", "-", float("nan"), note="torch not installed"))
    return rows


def main(quick: bool = False) -> list[Row]:
    """Print and return the comparison tables (``quick``: smaller inputs)."""
    torch = optional("torch")
    torchvision_ops = optional("torchvision.ops")
    rows = []
    for n in [100, 1000] if quick else [100, 1000, 4000]:
        rows += dense_rows(n, torch, torchvision_ops)
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
    print_table("Axis-aligned IoU, its modes and NMS (torchvision-style peers)", rows)
    strided = strided_rows(quick, torch)
    print_table("Row-strided input: boxgeom on dets[:, :4] against a C-contiguous copy "
                "(ratio = contiguous time / strided time; about 1.0: the stride costs nothing)", strided)
    return rows + strided


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
