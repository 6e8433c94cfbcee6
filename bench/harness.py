"""Timing and table helpers shared by every ``bench/bench_*.py`` module.

Each benchmark runs boxgeom and its peers in one process on the same data and
reports medians and ratios (peer time / boxgeom time: > 1 means boxgeom is faster).
Nothing here asserts a time.
"""

from __future__ import annotations

import gc
import importlib
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Row:
    """One measured comparison: boxgeom's function against one peer on one case."""

    case: str
    ours: str
    ours_s: float
    peer: str = ""
    peer_s: float = float("nan")
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.peer_s / self.ours_s if self.ours_s > 0 else float("nan")


def median_time(fn: Callable[[], Any], repeat: int = 5, budget_s: float = 10.0, min_sample_s: float = 0.02) -> float:
    """Median wall time of one ``fn()`` call over ``repeat`` samples (timeit-style).

    Fast calls are looped so that each sample lasts at least ``min_sample_s``
    (single-shot timings of microsecond calls measure cold caches, not the call);
    fewer samples are taken if the budget runs out.
    """
    gc.collect()
    start = time.perf_counter()
    fn()  # warm-up, and a first estimate of the cost of one call
    first = time.perf_counter() - start
    loops = max(1, int(min_sample_s / first)) if first > 0 else 1
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - start) / loops)
        if sum(times) * loops > budget_s:
            break
    return statistics.median(times)


def optional(module: str) -> Any:
    """Import a peer module, or return None (the caller notes it as not installed)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# An expression giving this process's peak RSS in MiB, for code run in a fresh process
# (``python -c``). It reads VmHWM: ``ru_maxrss`` of a process started by vfork + exec
# also counts its parent's peak, so it overstates what a fresh child used.
PEAK_RSS_EXPRESSION = "int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (VmHWM; ``ru_maxrss`` off Linux)."""
    try:
        return eval(PEAK_RSS_EXPRESSION)
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_seconds(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def print_table(title: str, rows: list[Row]) -> None:
    """Print rows as a Markdown table (case, boxgeom, time, peer, time, ratio, note)."""
    print(f"\n### {title}\n")
    print("| case | boxgeom | time | peer | time | ratio | note |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = f"{row.ratio:.1f}x" if row.peer else "-"
        print(
            f"| {row.case} | {row.ours} | {format_seconds(row.ours_s)} | {row.peer or '-'} | "
            f"{format_seconds(row.peer_s)} | {ratio} | {row.note} |"
        )
