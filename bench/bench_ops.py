"""torchvision's box utilities: masks_to_boxes against torchvision's algorithm in numpy (and in torch when installed).

Run: ``python -m bench.bench_ops [--quick]``. Ratio = peer time / boxgeom time. Nothing
here asserts a time.
"""

from __future__ import annotations

import argparse

import numpy as np

from .harness import Row, median_time, optional, print_table
from boxgeom import masks_to_boxes


def numpy_masks_to_boxes(masks: np.ndarray) -> np.ndarray:
    """torchvision's ``masks_to_boxes`` loop (nonzero, then min and max per mask) in numpy."""
    out = np.zeros((len(masks), 4))
    for i, mask in enumerate(masks):
        ys, xs = np.nonzero(mask)
        if len(xs):
            out[i] = [xs.min(), ys.min(), xs.max(), ys.max()]
    return out


def random_masks(n: int, side: int, seed: int) -> np.ndarray:
    """``n`` bool masks of ``side`` x ``side``, each a speckled rectangle somewhere inside."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, side, side), dtype=bool)
    for mask in masks:
        y, x = rng.integers(0, side - side // 5, 2)
        h, w = rng.integers(side // 50 + 1, side // 5, 2)
        mask[y : y + h, x : x + w] = rng.random((h, w)) > 0.3
    return masks


def main(quick: bool = False) -> list[Row]:
    """Print and return the comparison table (``quick``: smaller masks)."""
    torchvision_ops = optional("torchvision.ops")
    torch = optional("torch")
    rows = []
    for n, side in [(100, 256)] if quick else [(100, 256), (100, 512), (20, 2048)]:
        masks = random_masks(n, side, seed=0)
        case = f"masks_to_boxes, {n} masks of {side}x{side}"
        assert np.array_equal(masks_to_boxes(masks), numpy_masks_to_boxes(masks))
        ours = median_time(lambda: masks_to_boxes(masks))
        rows.append(Row(case, "masks_to_boxes", ours, "torchvision's algorithm in numpy",
                        median_time(lambda: numpy_masks_to_boxes(masks))))
        if torchvision_ops is not None:
            tensor = torch.from_numpy(masks)
            rows.append(Row(case, "masks_to_boxes", ours, "torchvision.ops.masks_to_boxes",
                            median_time(lambda: torchvision_ops.masks_to_boxes(tensor))))
    print_table("torchvision's box utilities", rows)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller masks only")
    main(parser.parse_args().quick)
