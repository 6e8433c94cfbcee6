"""Run every benchmark in bench/: ``python -m bench.run [--quick] [name ...]``.

Each ``bench/bench_<name>.py`` exposes ``main(quick)``; peers that are not installed
are skipped with a note. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path

import boxgeom


def available() -> list[str]:
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(Path(__file__).parent))
                  if m.name.startswith("bench_"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the largest configurations")
    parser.add_argument("names", nargs="*", choices=available() + [[]], help="benchmarks to run (default: all)")
    args = parser.parse_args()
    print(f"boxgeom {boxgeom.__version__}, OpenMP: {boxgeom.openmp_enabled()}")
    for name in args.names or available():
        importlib.import_module(f"bench.bench_{name}").main(quick=args.quick)


if __name__ == "__main__":
    main()
