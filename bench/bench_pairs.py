"""Axis-aligned pair finding: boxgeom against box-intersect-lib and shapely's STRtree.

Run: ``python -m bench.bench_pairs [--quick]``. Ratios are peer time / boxgeom time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


from .harness import PEAK_RSS_EXPRESSION, Row, median_time, optional, peak_rss_mb, print_table
from boxgeom import compat, find_pairs, find_pairs_between
from boxgeom.datasets import random_boxes

# The peer benchmark's configurations: (n, region, max box size).
CONFIGS = [(100, 400, 100), (500, 400, 100), (10_000, 4000, 100), (50_000, 4000, 100), (1_000_000, 40_000, 100)]


def _case(n: int, region: int, size: int) -> str:
    return f"{n}/{region}/{size}"


def compare(n: int, region: int, size: int) -> list[Row]:
    """All comparisons on one configuration."""
    xyxy = random_boxes(n, region, size, seed=1)
    xywh = random_boxes(n, region, size, seed=1, fmt="xywh")
    repeat = 5 if n >= 1_000_000 else 15
    case = _case(n, region, size)
    peer = optional("box_intersect_lib_py")
    shapely = optional("shapely")
    rows = []
    ours = median_time(lambda: find_pairs(xyxy), repeat)
    ours_1 = median_time(lambda: find_pairs(xyxy, n_threads=1), repeat)
    between = median_time(lambda: find_pairs_between(xyxy, xyxy), repeat)
    compat_t = median_time(lambda: compat.find_intersecting_boxes(xywh), repeat)
    if peer is not None:
        peer_all = median_time(lambda: peer.find_intersecting_boxes(xywh), repeat)
        peer_asym = median_time(lambda: peer.find_intersecting_boxes_asym(xywh, xywh), repeat)
        rows += [
            Row(case, "find_pairs", ours, "bil.find_intersecting_boxes", peer_all),
            Row(case, "find_pairs n_threads=1", ours_1, "bil.find_intersecting_boxes", peer_all),
            Row(case, "find_pairs_between(X, X)", between, "bil.find_intersecting_boxes_asym", peer_asym),
            Row(case, "compat.find_intersecting_boxes", compat_t, "bil.find_intersecting_boxes", peer_all),
        ]
    else:
        rows.append(Row(case, "find_pairs", ours, note="box-intersect-lib-py not installed"))
    if shapely is not None and n <= 50_000:
        polygons = shapely.box(*xyxy.T)
        tree = shapely.STRtree(polygons)
        closed = median_time(lambda: find_pairs(xyxy, touching=True), repeat)
        strtree = median_time(lambda: tree.query(polygons, predicate="intersects"), max(3, repeat // 3))
        rows.append(Row(case, "find_pairs touching=True", closed, "shapely STRtree.query(intersects)", strtree,
                        "tree prebuilt; shapely returns both orders"))
    return rows


def rss(function: str, n: int = 1_000_000) -> float:
    """Peak RSS (MiB) of a fresh process that makes the data and runs ``function`` once."""
    code = (
        "import sys; from boxgeom.datasets import random_boxes; "
        f"b = random_boxes({n}, 40000, 100, seed=1, fmt={'xyxy' if function == 'find_pairs' else 'xywh'!r}); "
        + {
            "find_pairs": "import boxgeom; boxgeom.find_pairs(b)",
            "compat": "from boxgeom import compat; compat.find_intersecting_boxes(b)",
            "bil": "import box_intersect_lib_py as p; p.find_intersecting_boxes(b)",
        }[function]
        + f"; print({PEAK_RSS_EXPRESSION})"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


def main(quick: bool = False) -> None:
    configs = CONFIGS[:-1] if quick else CONFIGS
    rows = [row for config in configs for row in compare(*config)]
    print_table("Pair finding (median wall time; ratio = peer / boxgeom)", rows)
    if not quick:
        print("\nPeak RSS at 1M/40000/100, fresh process each (MiB, includes numpy and the input):")
        for function in ("find_pairs", "compat", "bil"):
            try:
                print(f"- {function}: {rss(function):.0f}")
            except subprocess.CalledProcessError as error:
                print(f"- {function}: not measured ({error.stderr.strip().splitlines()[-1]})")
    print(f"\n(this process peaked at {peak_rss_mb():.0f} MiB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 1M configuration")
    main(parser.parse_args().quick)
