"""Thread-count semantics shared by every parallel function (scikit-learn's)."""

from __future__ import annotations

import functools
import os

from boxgeom._openmp import max_threads, openmp_enabled
from boxgeom._validate import check_n_threads

__all__ = ["effective_n_threads", "openmp_enabled"]


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


# Below this many elements of work a parallel region costs more than it saves (waking a
# second thread takes tens of microseconds, milliseconds on a loaded machine).
PARALLEL_WORK = 200_000


def threads_for(work: int, threads: int, minimum: int = PARALLEL_WORK) -> int:
    """Return ``threads``, or 1 when ``work`` is below ``minimum``.

    Examples
    --------
    >>> threads_for(1_000, 8), threads_for(10**6, 8)
    (1, 8)
    """
    return threads if work >= minimum else 1
