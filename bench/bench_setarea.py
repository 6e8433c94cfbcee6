"""Set areas: boxgeom's sweep against shapely's polygon union, and the cost of gradients.

Run: ``python -m bench.bench_setarea [--quick]``. Ratios are peer time / boxgeom
time (> 1: boxgeom is faster). For the gradient row the "peer" is boxgeom's own
``set_areas``, so its ratio is below 1 and ``1 / ratio`` is the cost of gradients.
"""

from __future__ import annotations

import argparse

from .harness import Row, median_time, optional, print_table
from boxgeom.datasets import random_boxes
from boxgeom.setarea import set_area_grads, set_areas, union_area


def shapely_set_iou(shapely, red_polygons, blue_polygons) -> float:
    """The set IoU the way a shapely user computes it: two unions, then their overlay."""
    union_red = shapely.union_all(red_polygons)
    union_blue = shapely.union_all(blue_polygons)
    union = shapely.union(union_red, union_blue).area
    return shapely.intersection(union_red, union_blue).area / union if union else 0.0


def main(quick: bool = False) -> list[Row]:
    """Print and return the comparison table (``quick``: smaller sets, fewer repeats)."""
    sizes = [1_000, 10_000] if quick else [10_000, 100_000]
    repeat = 3 if quick else 5
    shapely = optional("shapely")
    rows = []
    for n in sizes:
        # the peer benchmark's distribution (region 40000, sizes below 100), as in the issue
        red = random_boxes(n, seed=1)
        blue = random_boxes(n, seed=2)
        case = f"{n} + {n} boxes"
        ours_union = median_time(lambda: union_area(red), repeat)
        ours_sets = median_time(lambda: set_areas(red, blue), repeat)
        ours_grads = median_time(lambda: set_area_grads(red, blue), repeat)
        ours_grads_1 = median_time(lambda: set_area_grads(red, blue, n_threads=1), repeat)
        if shapely is not None:
            red_polygons, blue_polygons = shapely.box(*red.T), shapely.box(*blue.T)
            peer_union = median_time(lambda: shapely.union_all(red_polygons).area, 3, 30.0)
            peer_sets = median_time(lambda: shapely_set_iou(shapely, red_polygons, blue_polygons), 3, 30.0)
            rows += [
                Row(case, "union_area(red)", ours_union, "shapely.union_all(box).area", peer_union, "target >= 50x"),
                Row(case, "set_areas", ours_sets, "shapely set IoU", peer_sets, "target >= 50x"),
            ]
        else:
            rows += [
                Row(case, "union_area(red)", ours_union, note="shapely not installed"),
                Row(case, "set_areas", ours_sets, note="shapely not installed"),
            ]
        rows += [
            Row(case, "set_area_grads", ours_grads, "boxgeom set_areas", ours_sets,
                f"grads = {ours_grads / ours_sets:.1f}x set_areas; target < 10x"),
            Row(case, "set_area_grads n_threads=1", ours_grads_1, "boxgeom set_areas", ours_sets,
                f"grads = {ours_grads_1 / ours_sets:.1f}x set_areas"),
        ]
    print_table("Set areas (datasets.random_boxes: region 40000, sizes below 100)", rows)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sets, few repeats")
    main(quick=parser.parse_args().quick)
