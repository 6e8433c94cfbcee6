"""Thread-count semantics shared by every parallel function (scikit-learn's)."""

from __future__ import annotations

import functools
import os

from boxgeom._openmp import max_threads, openmp_enabled
from boxgeom._validate import check_n_threads

__all__ = ["PARALLEL_FROM", "effective_n_threads", "kernel_threads", "openmp_enabled"]


def effective_n_threads(n_threads: int | None = None) -> int:
    """Return the number of OpenMP threads a kernel call should use.

    ``None`` means ``omp_get_max_threads()`` (so ``OMP_NUM_THREADS`` and threadpoolctl
    apply), capped by the CPU count unless ``OMP_NUM_THREADS`` is set. A negative value
    counts back from the CPU count (``-1`` = all CPUs). Zero is an error. Without OpenMP
    the answer is always 1.

    Examples
    --------
    >>> effective_n_threads(1)
    1
    >>> effective_n_threads(-1) >= 1
    True
    """
    check_n_threads(n_threads)
    if not openmp_enabled():
        return 1
    cpus = _cpu_count()
    if n_threads is None:
        threads = max_threads()
        return threads if "OMP_NUM_THREADS" in os.environ else min(threads, cpus)
    if n_threads < 0:
        return max(cpus + 1 + n_threads, 1)
    return int(n_threads)


@functools.cache
def _cpu_count() -> int:
    return os.cpu_count() or 1


# The one table of parallel cut-offs: below this much work a kernel call runs on one
# thread, because waking a second thread costs more than it saves (tens of microseconds,
# milliseconds on a loaded machine). Results never depend on the thread count.
PARALLEL_FROM = {
    "pairs": 20_000,  # boxes given to the pair engine (both sets)
    "iou": 200_000,  # IoU values: dense matrix cells, listed pairs
    "nms": 20_000,  # boxes of an NMS
    "merging": 20_000,  # boxes of a non-maximum merging (nmm's scan in space order)
    "matching": 20_000,  # rows (boxes of boxes1) of a greedy matching
    "cover": 10_000,  # boxes of a tile cover (its two sweeps run on two threads)
    "queries": 20_000,  # query boxes of a batch query of an index
    "rotated_cells": 1 << 20,  # rotated boxes' corners, cells of a rotated IoU matrix
    "rotated_pairs": 20_000,  # clipped pairs of rotated boxes (elementwise, sparse)
    "rotated_boxes": 50_000,  # rotated boxes given to the pair engine
    "masks": 1 << 20,  # mask pixels read by masks_to_boxes
    "evaluation": 20_000,  # detections evaluated (the categories run in parallel)
    "soft_nms": 200_000,  # listed pairs of a soft-NMS (their decay weights; the walk over its components)
    "soft_nms_boxes": 20_000,  # boxes of an axis-aligned soft-NMS (its pair search; the walk over its components)
}


def kernel_threads(n_threads: int | None, work: int, kind: str) -> int:
    """Return the threads of a kernel call doing ``work`` units of ``kind`` (a key of
    :data:`PARALLEL_FROM`): 1 below its cut-off (``n_threads`` is still validated), else
    :func:`effective_n_threads`.

    Examples
    --------
    >>> kernel_threads(None, 1_000, "nms"), kernel_threads(1, 10**6, "nms")
    (1, 1)
    """
    if work < PARALLEL_FROM[kind]:
        check_n_threads(n_threads)
        return 1
    return effective_n_threads(n_threads)

