"""Run the benchmarks in bench/: ``python -m bench.run [--quick] [--list] [name ...]``.

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
    """Names of the benchmark modules (``bench_<name>.py``)."""
    folder = str(Path(__file__).parent)
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules([folder]) if m.name.startswith("bench_"))


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
    """Parse ``argv`` (default: ``sys.argv[1:]``) and run the chosen benchmarks."""
    names = available()
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the largest configurations")
    parser.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(names)})")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(names))
        return
    unknown = sorted(set(args.names) - set(names))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; expected some of {', '.join(names)}")
    print(f"boxgeom {boxgeom.__version__}, OpenMP: {boxgeom.openmp_enabled()}")
    for name in args.names or names:
        importlib.import_module(f".bench_{name}", __package__).main(quick=args.quick)


if __name__ == "__main__":
    main()
