"""box-intersect-lib's own benchmark, run for box_intersect_lib_py and boxgeom.compat side by side.

The peer's ``benchmark/run_benchmark.py`` times eight statements on one data set: int32
``(x, y, w, h)`` rows drawn with ``np.random.randint`` (corners in
``[0, region - max size)``, sizes in ``[1, max size)``) and uniform float64 scores.
This module runs those statements, unchanged, on the same data for both modules, on
the configurations of the peer's README (boxes / region / max size), and prints one
table: column, config, peer time, compat time, ratio (peer / compat: > 1 means
``boxgeom.compat`` is faster). The "query sequentially" column is, as in the peer's
script, one build plus one ``find_intersections(*row)`` per row of the first tenth of
the array (numpy int32 scalars), scaled by 10.

Run ``python -m bench.bench_compat`` (``--quick`` skips the 1,000,000-box configuration,
``--rounds N`` alternates the two modules N times and keeps the best median of each).
``PeerBenchmark`` is the same thing as an asv class (``params``, ``setup``, ``time_*``).
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable

import numpy as np

from .harness import Row, format_seconds, median_time, optional

# (boxes, region, max size): the peer README's configurations, in its order of size
CONFIGS = [(100, 400, 100), (500, 400, 100), (10_000, 4000, 100), (50_000, 4000, 100), (1_000_000, 40_000, 100)]
QUICK = CONFIGS[:-1]
MODULES = ("box_intersect_lib_py", "boxgeom.compat")
# the peer's column names (its table header), in its order
COLUMNS = {
    "find_intersecting_boxes_t": "time_find_intersecting_boxes",
    "find_non_max_suppressed_t": "time_find_non_max_suppressed",
    "find_intersecting_boxes_linesearch_t": "time_find_intersecting_boxes_linesearch",
    "find_intersecting_boxes_asym_t": "time_find_intersecting_boxes_asym",
    "find_best_matches_t": "time_find_best_matches",
    "find_rect_cover_t": "time_find_rect_cover",
    "BoxIntersector build": "time_build_intersector",
    "BoxIntersector query sequentially": "time_build_query_intersector",
}
# the peer's script reports the sequential queries of a tenth of the boxes, times 10
SCALE = {"BoxIntersector query sequentially": 10.0}


def _case(n: int, region: int, size: int) -> str:
    return f"{n}/{region}/{size}"


def generate_data(num_boxes: int, region_size: int, max_box_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The peer's data: int32 xywh boxes and float64 scores from the global numpy generator
    (seeded here, so that both modules and every run see the same boxes)."""
    np.random.seed(seed)
    positions = np.random.randint(low=0, high=region_size - max_box_size, size=(num_boxes, 2), dtype="int32")
    sizes = np.random.randint(low=1, high=max_box_size, size=(num_boxes, 2), dtype="int32")
    boxes = np.concatenate([positions, sizes], axis=1)
    scores = np.random.uniform(size=num_boxes)
    return boxes, scores


class PeerBenchmark:
    """The peer's eight timed statements, for one module on one configuration."""

    params = ([_case(*config) for config in CONFIGS], list(MODULES))
    param_names = ["config", "module"]

    def setup(self, config: str, module: str) -> None:
        lib = optional(module)
        if lib is None:
            raise NotImplementedError(f"{module} is not installed")  # asv's way to skip a case
        n, region, size = (int(part) for part in config.split("/"))
        self.lib = lib
        self.data, self.float_data = generate_data(n, region, size)

    def time_find_intersecting_boxes(self, config: str, module: str) -> None:
        self.lib.find_intersecting_boxes(self.data)

    def time_find_non_max_suppressed(self, config: str, module: str) -> None:
        self.lib.find_non_max_suppressed(self.data, self.float_data, 0.1, 0.3)

    def time_find_intersecting_boxes_linesearch(self, config: str, module: str) -> None:
        self.lib.find_intersecting_boxes_linesearch(self.data)

    def time_find_intersecting_boxes_asym(self, config: str, module: str) -> None:
        self.lib.find_intersecting_boxes_asym(self.data, self.data)

    def time_find_best_matches(self, config: str, module: str) -> None:
        self.lib.find_best_matches(self.data, self.data, 0.1)

    def time_find_rect_cover(self, config: str, module: str) -> None:
        self.lib.efficient_coverage(self.data, 500, 500)

    def time_build_intersector(self, config: str, module: str) -> None:
        self.lib.BoxIntersector(self.data)

    def time_build_query_intersector(self, config: str, module: str) -> None:
        data = self.data
        detect = self.lib.BoxIntersector(data)
        for b in data[: len(data) // 10]:
            detect.find_intersections(*b)


def _timer(bench: PeerBenchmark, method: str, config: str, module: str) -> Callable[[], Any]:
    function = getattr(bench, method)
    return lambda: function(config, module)


def compare(configs, rounds: int = 1) -> list[Row]:
    """One Row per (column, config): compat's time against the peer's (best median of ``rounds``)."""
    rows = []
    for config in [_case(*c) for c in configs]:
        benches = {}
        for module in MODULES:
            benches[module] = PeerBenchmark()
            benches[module].setup(config, module)
        data = benches["boxgeom.compat"].data
        pairs = sum(len(row) for row in benches["boxgeom.compat"].lib.find_intersecting_boxes(data))
        slow = len(data) >= 1_000_000
        for column, method in COLUMNS.items():
            best = {module: float("inf") for module in MODULES}
            for _ in range(rounds):
                for module in MODULES:  # alternated, so that both see the same machine
                    seconds = median_time(_timer(benches[module], method, config, module), repeat=3 if slow else 5)
                    best[module] = min(best[module], seconds * SCALE.get(column, 1.0))
            rows.append(Row(config, column, best["boxgeom.compat"], "box_intersect_lib_py", best["box_intersect_lib_py"],
                            f"{pairs} intersections"))
    return rows


def print_rows(rows: list[Row]) -> None:
    """The table: column, config, peer time, compat time, ratio (peer / compat)."""
    print("\n### box-intersect-lib's benchmark: box_intersect_lib_py vs boxgeom.compat\n")
    print("| column | config | peer | compat | ratio |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row.ours} | {row.case} | {format_seconds(row.peer_s)} | {format_seconds(row.ours_s)} | {row.ratio:.2f}x |")
    slower = [row for row in rows if row.ratio < 1]
    print(f"\n{len(rows) - len(slower)} of {len(rows)} columns at least as fast as the peer"
          + (": slower on " + ", ".join(f"{row.ours} {row.case} ({row.ratio:.2f}x)" for row in slower) if slower else ""))


def main(quick: bool = False, rounds: int = 1) -> list[Row]:
    if optional("box_intersect_lib_py") is None:
        print("\nbox_intersect_lib_py is not installed: the peer's benchmark is skipped")
        return []
    start = time.perf_counter()
    rows = compare(QUICK if quick else CONFIGS, rounds)
    print_rows(rows)
    print(f"\n(total {time.perf_counter() - start:.1f} s)")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 1,000,000-box configuration")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the two modules this many times (best median)")
    arguments = parser.parse_args()
    main(arguments.quick, arguments.rounds)
