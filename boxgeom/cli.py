"""The ``boxgeom`` command line (also ``python -m boxgeom``).

Each subcommand reads boxes from a file (or, without one, uses a built-in seeded
sample and says so), runs one boxgeom function, optionally writes the result, and
prints a one-line summary. User errors print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Callable, Sequence

import numpy as np

from boxgeom._io import InputFileError, read_boxes, write_array
from boxgeom._validate import FORMATS

SAMPLE_SIZE = 100_000
SAMPLE_REGION = 12_650  # the peer benchmark's density (1M boxes in 40000 x 40000)


def _sample() -> np.ndarray:
    from boxgeom.datasets import random_boxes

    return random_boxes(SAMPLE_SIZE, SAMPLE_REGION, 100, seed=0)


def _load(args: argparse.Namespace) -> tuple[np.ndarray, str, str]:
    """Boxes, their format and a description of where they came from."""
    if args.file is None:
        print(
            f"boxgeom: no input file; using the built-in sample of {SAMPLE_SIZE:,} random boxes "
            f"(seed 0, region {SAMPLE_REGION}, sizes < 100)",
            file=sys.stderr,
        )
        return _sample(), "xyxy", "sample"
    boxes, named_fmt = read_boxes(args.file)
    return boxes, args.fmt or named_fmt or "xyxy", args.file


def _pairs(args: argparse.Namespace) -> str:
    from boxgeom.pairs import find_pairs

    if args.dask:
        from boxgeom.dask import run_pairs_cli

        if args.file is None:
            raise InputFileError("--dask: expected a parquet file, directory or glob of boxes")
        return run_pairs_cli(args.file, args.output, args.scheduler, args.touching, args.fmt)
    boxes, fmt, source = _load(args)
    start = time.perf_counter()
    try:
        pairs = find_pairs(boxes, fmt=fmt, touching=args.touching, n_threads=args.threads)
    except (ValueError, TypeError) as error:
        raise InputFileError(f"{source}: {error}") from None
    seconds = time.perf_counter() - start
    if args.output:
        write_array(args.output, pairs.T.copy() if args.output.endswith(".csv") else pairs, ["i", "j"])
    written = f", written to {args.output}" if args.output else ""
    return f"pairs: {len(boxes):,} boxes, {pairs.shape[1]:,} overlapping pairs in {seconds:.3f} s{written}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boxgeom", description="Fast, exact geometry for boxes.")
    commands = parser.add_subparsers(dest="command", required=True)
    pairs = commands.add_parser("pairs", help="find every pair of overlapping boxes")
    pairs.add_argument("file", nargs="?", help=".npy or .csv of boxes (default: a built-in sample)")
    pairs.add_argument("--fmt", choices=FORMATS, help="box format (default: from the CSV header, else xyxy)")
    pairs.add_argument("--touching", action="store_true", help="also pair boxes that only share an edge or corner")
    pairs.add_argument("-o", "--output", help="write the pairs to this .npy ((2, k) array) or .csv (i,j rows)")
    pairs.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    pairs.add_argument("--dask", action="store_true", help="run on Dask (FILE: parquet file, directory or glob)")
    pairs.add_argument("--scheduler", help="with --dask: address of a distributed scheduler (default: local)")
    pairs.set_defaults(run=_pairs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 user error)."""
    parser = _parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], str] = args.run
    try:
        print(run(args))
    except InputFileError as error:
        print(f"boxgeom: error: {error}", file=sys.stderr)
        return 2
    return 0
