"""Pair finding on Dask (``boxgeom.dask``) against single-machine ``boxgeom.find_pairs``.

Run: ``python -m bench.bench_dask [--quick]``. 1e6 boxes and, without ``--quick``, 1e7,
at the peer benchmark's density (1e6 boxes in 40000 x 40000, the region scaled with
sqrt(n)), stored as parquet in parts of 250,000 rows in a temporary directory.

- single machine: a fresh process reads the parquet, runs ``find_pairs`` (all cores)
  and writes the pairs to parquet; its peak RSS.
- Dask: a fresh ``distributed.LocalCluster`` of 2 worker processes x 1 thread runs
  ``boxgeom.dask.find_pairs(path).to_parquet(...)``; the peak RSS of each worker.

Ratios are single-machine time / Dask time (> 1: Dask faster). Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .harness import PEAK_RSS_EXPRESSION, Row, optional, peak_rss_mb, print_table
from boxgeom.datasets import random_boxes

CONFIGS = [1_000_000, 10_000_000]
PARTITION_ROWS = 250_000
WORKERS = 2
COLUMNS = ("x1", "y1", "x2", "y2")


def region(n: int) -> float:
    """Side of the square region that keeps the peer's density (1e6 boxes in 40000 x 40000)."""
    return 40_000 * math.sqrt(n / 1_000_000)


def write_input(n: int, directory: Path) -> Path:
    """Write ``n`` peer-distributed boxes as parquet parts of PARTITION_ROWS rows; return the directory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True)
    for part, start in enumerate(range(0, n, PARTITION_ROWS)):
        boxes = random_boxes(min(PARTITION_ROWS, n - start), region(n), 100, seed=part)
        table = pa.table({name: boxes[:, k] for k, name in enumerate(COLUMNS)})
        pq.write_table(table, directory / f"part.{part:05d}.parquet")
    return directory


_SINGLE = """
import json, sys, time
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
import boxgeom
start = time.perf_counter()
table = pq.read_table(sys.argv[1])
boxes = np.stack([table[c].to_numpy() for c in ("x1", "y1", "x2", "y2")], axis=1)
found = time.perf_counter()
pairs = boxgeom.find_pairs(boxes)
kernel = time.perf_counter() - found
pq.write_table(pa.table({"i": pairs[0].astype(np.int64), "j": pairs[1].astype(np.int64)}), sys.argv[2])
print(json.dumps({"total": time.perf_counter() - start, "kernel": kernel, "pairs": int(pairs.shape[1]),
                  "rss": PEAK_RSS}))
""".replace("PEAK_RSS", PEAK_RSS_EXPRESSION)


def single_machine(source: Path, output: Path) -> dict:
    """Read, find and write in a fresh process: times and peak RSS (MiB)."""
    done = subprocess.run([sys.executable, "-c", _SINGLE, str(source), str(output)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _worker_peak_mb() -> float:
    return peak_rss_mb()


def on_dask(source: Path, output: Path) -> dict:
    """boxgeom.dask.find_pairs on a fresh 2-process LocalCluster: time, pairs, peak RSS per worker (MiB)."""
    import distributed
    import pyarrow.dataset as ds

    from boxgeom import dask as bdask

    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                  dashboard_address=None, worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        idle = client.run(_worker_peak_mb)
        start = time.perf_counter()
        bdask.find_pairs(str(source)).to_parquet(str(output), write_index=False)
        seconds = time.perf_counter() - start
        peaks = client.run(_worker_peak_mb)
    return {
        "total": seconds,
        "pairs": ds.dataset(str(output), format="parquet").count_rows(),
        "rss": max(peaks.values()),
        "idle": max(idle.values()),
    }


def compare(n: int, directory: Path) -> list[Row]:
    source = write_input(n, directory / f"boxes_{n}")
    single = single_machine(source, directory / f"single_{n}.parquet")
    dask = on_dask(source, directory / f"pairs_{n}")
    case = f"{n:,} boxes, region {region(n):,.0f}"
    agree = "same count" if dask["pairs"] == single["pairs"] else f"COUNTS DIFFER ({single['pairs']:,})"
    memory = (f"peak RSS/worker {dask['rss']:,.0f} MiB (idle {dask['idle']:,.0f}) vs single process "
              f"{single['rss']:,.0f} MiB = {dask['rss'] / single['rss']:.2f}x")
    return [
        Row(case, f"dask.find_pairs -> parquet ({WORKERS} workers x 1 thread)", dask["total"],
            "find_pairs: read + find + write", single["total"], f"{dask['pairs']:,} pairs, {agree}; {memory}"),
        Row(case, f"dask.find_pairs -> parquet ({WORKERS} workers x 1 thread)", dask["total"],
            "find_pairs kernel only", single["kernel"], "single process, all cores"),
    ]


def main(quick: bool = False) -> None:
    if optional("distributed") is None or optional("pyarrow") is None:
        print("\n### Pair finding on Dask\n\nskipped: dask[dataframe], distributed and pyarrow are not installed")
        return
    configs = CONFIGS[:1] if quick else CONFIGS
    rows = []
    with tempfile.TemporaryDirectory(prefix="boxgeom-bench-dask-") as directory:
        for n in configs:
            rows += compare(n, Path(directory))
    print_table("Pair finding on Dask vs one process (wall time; ratio = single / dask)", rows)
    print(f"\n(this process peaked at {peak_rss_mb():.0f} MiB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1e6 boxes only")
    main(parser.parse_args().quick)
