"""The ``boxgeom`` command line (also ``python -m boxgeom``).

Each subcommand reads boxes from files (or, without one, uses a built-in seeded
sample and says so), runs one boxgeom function, optionally writes the result
(``-o``, format by extension) and a picture (``--plot``), and prints a one-line
summary. User errors print one line naming the file (and row) and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from boxgeom._io import BOX_COLUMNS, InputFileError, box_columns, read_table, write_table
from boxgeom._validate import as_rotated, as_scores
from boxgeom.formats import FORMATS, ROTATED_FORMATS, as_boxes

SAMPLE_SIZE = 100_000
SAMPLE_REGION = 12_650  # the peer benchmark's density (1M boxes in 40000 x 40000)
PLOT_BOXES = 300  # a --plot of more boxes shows a window holding about this many
DENSE_IOU_CELLS = 10_000_000
PICTURE_SUFFIXES = (".png", ".svg", ".pdf")  # `iou` writes a dense matrix up to this many entries


@dataclass
class Boxes:
    """Validated boxes from one source, in the format the library call takes."""

    boxes: np.ndarray
    source: str
    extra: dict[str, np.ndarray]


class Progress:
    """Stage-by-stage progress on stderr: a tqdm bar when stderr is a terminal, else silent."""

    def __init__(self, stages: int, quiet: bool, command: str) -> None:
        self.bar = None
        if not quiet and sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=stages, desc=command, file=sys.stderr, leave=False, unit="step")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.bar is not None:
            self.bar.set_postfix_str(name)
        yield
        if self.bar is not None:
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------- input


def _sample(args: argparse.Namespace, second: bool = False) -> Boxes:
    """The built-in sample: 100,000 seeded boxes (and, as a second set, a jittered copy)."""
    from boxgeom.datasets import random_boxes, random_rotated_boxes

    rng = np.random.default_rng(1)
    if getattr(args, "rotated", False):
        boxes = random_rotated_boxes(SAMPLE_SIZE, SAMPLE_REGION, 100, seed=0)
        jitter = np.hstack([rng.normal(0, 5, (SAMPLE_SIZE, 2)), np.zeros((SAMPLE_SIZE, 2)), rng.normal(0, 5, (SAMPLE_SIZE, 1))])
        kind = "rotated boxes (cx, cy, w, h, angle in degrees)"
    else:
        boxes = random_boxes(SAMPLE_SIZE, SAMPLE_REGION, 100, seed=0)
        shift = rng.integers(-8, 9, (SAMPLE_SIZE, 2))
        jitter = np.hstack([shift, shift])
        kind = "boxes"
    if second:
        boxes = boxes + jitter
    else:
        _say(args, f"no input file; using the built-in sample of {SAMPLE_SIZE:,} random {kind} "
             f"(seed 0, region {SAMPLE_REGION}, sizes < 100){'; second set: the same boxes jittered' if _two_sets(args) else ''}")
    extra = {"score": np.random.default_rng(2).random(SAMPLE_SIZE)}
    return Boxes(boxes, "sample" if not second else "sample (jittered)", extra)


def _two_sets(args: argparse.Namespace) -> bool:
    return args.command in ("match", "set-iou")


def _load(args: argparse.Namespace, path: str | None, extras: tuple[str, ...] = (), second: bool = False) -> Boxes:
    """Read and validate boxes from ``path`` (or the sample), naming the file in every error."""
    if path is None:
        return _sample(args, second)
    rotated = getattr(args, "rotated", False)
    table = read_table(path)
    boxes, named_fmt, extra = box_columns(table, rotated, extras)
    fmt = "xyxy" if rotated else args.fmt or named_fmt or "xyxy"
    try:
        boxes = as_rotated(boxes, path) if rotated else as_boxes(boxes, path, fmt)
        if "score" in extra:
            extra["score"] = as_scores(extra["score"], len(boxes), f"{path} (score column)", path)
    except (ValueError, TypeError) as error:
        raise InputFileError(str(error)) from None
    return Boxes(boxes, path, extra)


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"boxgeom: {message}", file=sys.stderr)


def _write(args: argparse.Namespace, columns: dict[str, np.ndarray], array: np.ndarray | None = None) -> str:
    if not args.output:
        return ""
    write_table(args.output, columns, array)
    return f", written to {args.output}"


# ---------------------------------------------------------------- plots


def _window(boxes: np.ndarray, rotated: bool) -> tuple[float, float, float, float] | None:
    """A square at the smallest x and y of the data (top-left in the y-down picture) holding about PLOT_BOXES boxes.

    None when all the boxes can be shown.
    """
    if len(boxes) <= PLOT_BOXES:
        return None
    if rotated:
        low, high = boxes[:, :2].min(axis=0), boxes[:, :2].max(axis=0)
    else:
        low, high = boxes[:, :2].min(axis=0), boxes[:, 2:].max(axis=0)
    low, high = low.astype(np.float64), high.astype(np.float64)  # no int16 overflow in the area below
    extent = high - low
    side = float(np.sqrt(max(extent[0] * extent[1], 1.0) * PLOT_BOXES / len(boxes)))
    return float(low[0]), float(low[1]), float(low[0]) + side, float(low[1]) + side


def _plot(args: argparse.Namespace, draw: str, *data: Any, boxes: np.ndarray, **options: Any) -> str:
    """Draw with ``boxgeom.plot.<draw>`` into ``args.plot``; returns the summary suffix."""
    if not args.plot:
        return ""
    from boxgeom import plot

    window = _window(boxes, boxes.shape[1] == 5)
    if window is not None:
        options["window"] = window
        _say(args, f"plot: showing the window x {window[0]:g}..{window[2]:g}, y {window[1]:g}..{window[3]:g}")
    axes = getattr(plot, draw)(*data, **options)
    plot.save_figure(axes, args.plot)
    return f", picture in {args.plot}"


# ---------------------------------------------------------------- subcommands


def _angle(args: argparse.Namespace) -> dict[str, str]:
    return {"angle_unit": args.angle_unit}


def _pairs(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.pairs import find_pairs
    from boxgeom.rotated import rotated_iou_pairs

    if args.dask:
        from boxgeom.dask import run_pairs_cli

        if args.file is None:
            raise InputFileError("--dask: expected a parquet file, directory or glob of boxes")
        return run_pairs_cli(args.file, args.output, args.scheduler, args.touching, args.fmt)
    with progress.stage("reading"):
        data = _load(args, args.file)
    start = time.perf_counter()
    with progress.stage("finding pairs"):
        if args.rotated:
            pairs, _ = rotated_iou_pairs(data.boxes, n_threads=args.threads, **_angle(args))
        else:
            pairs = find_pairs(data.boxes, touching=args.touching, n_threads=args.threads)
    seconds = time.perf_counter() - start
    with progress.stage("writing"):
        written = _write(args, {"i": pairs[0], "j": pairs[1]}, pairs)
        drawn = _plot(args, "plot_pairs", data.boxes, pairs, boxes=data.boxes, **_angle(args))
    kind = "rotated boxes" if args.rotated else "boxes"
    return f"pairs: {len(data.boxes):,} {kind}, {pairs.shape[1]:,} overlapping pairs in {seconds:.3f} s{written}{drawn}"


def _iou(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.iou import box_iou, box_iou_pairs
    from boxgeom.pairs import find_pairs, find_pairs_between
    from boxgeom.rotated import rotated_iou, rotated_iou_pairs

    with progress.stage("reading"):
        first = _load(args, args.file)
        second = _load(args, args.file2) if args.file2 else first
    n, m = len(first.boxes), len(second.boxes)
    dense = args.dense or (not args.sparse and n * m <= DENSE_IOU_CELLS)
    start = time.perf_counter()
    with progress.stage("computing IoU"):
        if dense:
            iou = (rotated_iou(first.boxes, second.boxes, n_threads=args.threads, **_angle(args)) if args.rotated
                   else box_iou(first.boxes, second.boxes, n_threads=args.threads))
        elif args.rotated:
            pairs, iou = rotated_iou_pairs(first.boxes, None if args.file2 is None else second.boxes,
                                           n_threads=args.threads, **_angle(args))
        else:
            pairs = (find_pairs(first.boxes, n_threads=args.threads) if args.file2 is None
                     else find_pairs_between(first.boxes, second.boxes, n_threads=args.threads))
            iou = box_iou_pairs(first.boxes, second.boxes, pairs, n_threads=args.threads)
    seconds = time.perf_counter() - start
    with progress.stage("writing"):
        if dense:
            written = _write(args, {f"b{j}": iou[:, j] for j in range(m)}, iou)
            what = f"dense {n:,} x {m:,} matrix, {int(np.count_nonzero(iou)):,} nonzero"
        else:
            written = _write(args, {"i": pairs[0], "j": pairs[1], "iou": iou})
            what = f"sparse, {len(iou):,} overlapping pairs" + (" (i < j)" if args.file2 is None else "")
    return f"iou: {n:,} x {m:,} boxes, {what} in {seconds:.3f} s{written}"


def _nms(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.detection import batched_nms, nms
    from boxgeom.rotated import rotated_nms

    with progress.stage("reading"):
        data = _load(args, args.file, ("score", "label?"))
    scores, labels = data.extra["score"], data.extra.get("label")
    start = time.perf_counter()
    with progress.stage("suppressing"):
        if args.rotated:
            if labels is not None or args.overlap_threshold is not None:
                raise InputFileError("nms --rotated: labels and --overlap-threshold are not supported for rotated boxes")
            keep = rotated_nms(data.boxes, scores, args.iou_threshold, n_threads=args.threads, **_angle(args))
        elif labels is not None:
            keep = batched_nms(data.boxes, scores, labels.astype(np.int64), args.iou_threshold,
                               overlap_threshold=args.overlap_threshold, n_threads=args.threads)
        else:
            keep = nms(data.boxes, scores, args.iou_threshold, overlap_threshold=args.overlap_threshold,
                       n_threads=args.threads)
    seconds = time.perf_counter() - start
    with progress.stage("writing"):
        written = _write(args, {"index": keep}, keep)
        drawn = _plot(args, "plot_nms", data.boxes, scores, keep, boxes=data.boxes, **_angle(args))
    per_class = f" in {len(np.unique(labels)):,} classes" if labels is not None else ""
    return (f"nms: {len(data.boxes):,} boxes{per_class}, kept {len(keep):,} (iou > {args.iou_threshold:g} suppresses) "
            f"in {seconds:.3f} s{written}{drawn}")


def _match(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.detection import match_greedy, match_optimal
    from boxgeom.iou import box_iou_pairs

    _need_both(args)
    with progress.stage("reading"):
        first = _load(args, args.file)
        second = _load(args, args.file2, second=True)
    start = time.perf_counter()
    with progress.stage("matching"):
        match = match_optimal if args.optimal else match_greedy
        matches, left1, left2 = match(first.boxes, second.boxes, args.iou_threshold, n_threads=args.threads)
    seconds = time.perf_counter() - start
    iou = box_iou_pairs(first.boxes, second.boxes, matches)
    with progress.stage("writing"):
        written = _write(args, {"i": matches[0], "j": matches[1], "iou": iou})
        drawn = _plot(args, "plot_matches", first.boxes, second.boxes, matches, boxes=first.boxes)
    kind = "optimal" if args.optimal else "greedy"
    return (f"match: {len(first.boxes):,} x {len(second.boxes):,} boxes, {matches.shape[1]:,} {kind} matches "
            f"(total IoU {iou.sum():.2f}), {len(left1):,} + {len(left2):,} unmatched in {seconds:.3f} s{written}{drawn}")


def _cover(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.detection import tile_cover

    width = args.tile_size[0]
    height = args.tile_size[1] if len(args.tile_size) > 1 else width
    with progress.stage("reading"):
        data = _load(args, args.file)
    start = time.perf_counter()
    with progress.stage("covering"):
        try:
            tiles, indptr, indices = tile_cover(data.boxes, width, height)
        except ValueError as error:
            raise InputFileError(f"{data.source}: {error}") from None
    seconds = time.perf_counter() - start
    tile_of = np.repeat(np.arange(len(tiles)), np.diff(indptr))
    with progress.stage("writing"):
        columns = {"box": indices, "tile": tile_of, "tile_x": tiles[tile_of, 0], "tile_y": tiles[tile_of, 1]}
        written = _write(args, columns)
        drawn = _plot(args, "plot_tile_cover", data.boxes, tiles, width, height, indptr, indices,
                      boxes=data.boxes)
    return f"cover: {len(data.boxes):,} boxes in {len(tiles):,} tiles of {width:g} x {height:g} in {seconds:.3f} s{written}{drawn}"


def _union(args: argparse.Namespace, progress: Progress) -> str:
    return _set_command(args, progress, iou=False)


def _set_iou(args: argparse.Namespace, progress: Progress) -> str:
    _need_both(args)
    return _set_command(args, progress, iou=True)


def _set_command(args: argparse.Namespace, progress: Progress, iou: bool) -> str:
    """``union`` (one set: its union area; two: the set areas) and ``set-iou`` (two sets)."""
    from boxgeom.setarea import set_areas, union_area

    with progress.stage("reading"):
        red = _load(args, args.file)
        blue = _load(args, args.file2, second=args.file2 is None) if iou or args.file2 else None
    start = time.perf_counter()
    with progress.stage("sweeping"):
        if blue is None:
            quantities = {"union": union_area(red.boxes)}
        else:
            areas = set_areas(red.boxes, blue.boxes)
            quantities = {name: getattr(areas, name) for name in ("red", "blue", "intersection", "union")}
            if iou:
                quantities["iou"] = areas.intersection / areas.union if areas.union > 0 else 0.0
    seconds = time.perf_counter() - start
    return _areas_summary(args, progress, args.command, red, blue, quantities, seconds)


def _areas_summary(args, progress, command, red, blue, quantities, seconds) -> str:
    with progress.stage("writing"):
        written = _write(args, {name: np.array([value]) for name, value in quantities.items()},
                         np.array(list(quantities.values())))
        drawn = ""
        if blue is not None:
            drawn = _plot(args, "plot_set_areas", red.boxes, blue.boxes, boxes=red.boxes)
    sets = f"{len(red.boxes):,}" + ("" if blue is None else f" + {len(blue.boxes):,}")
    values = ", ".join(f"{name} {value:.6g}" for name, value in quantities.items())
    return f"{command}: {sets} boxes, {values} in {seconds:.3f} s{written}{drawn}"


def _convert(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.formats import CORNER_COLUMNS, ROTATED_COLUMNS, box_convert

    if not args.output:
        raise InputFileError("convert: expected an output file (-o OUT.npy|.csv|.parquet)")
    with progress.stage("reading"):
        data = _load(args, args.file)
    out_fmt = "xyxyxyxy" if args.to == "corners" else args.to
    start = time.perf_counter()
    converted = box_convert(data.boxes, "cxcywhr" if args.rotated else "xyxy", out_fmt, **_angle(args))
    seconds = time.perf_counter() - start
    names = {"cxcywhr": ROTATED_COLUMNS, "xyxyxyxy": CORNER_COLUMNS}.get(out_fmt) or BOX_COLUMNS[out_fmt]
    with progress.stage("writing"):
        written = _write(args, {name: converted[:, k] for k, name in enumerate(names)}, converted)
    return f"convert: {len(data.boxes):,} boxes to {args.to} in {seconds:.3f} s{written}"


def _eval(args: argparse.Namespace, progress: Progress) -> str:
    from boxgeom.evaluation import evaluate_detections

    if (args.file is None) != (args.file2 is None):
        raise InputFileError("eval: expected two files (GT DETECTIONS), or none for the built-in sample")
    with progress.stage("reading"):
        if args.file is None:
            data, source = _eval_sample(args.kind), f"a built-in sample ({args.kind})"
            _say(args, f"eval: no files given, using {source}")
        elif args.kind != "box":
            data, source = _dota_files(args.file, args.file2, args.kind), f"{args.file} and {args.file2}"
        else:
            data, source = None, f"{args.file} and {args.file2}"
    with progress.stage("evaluating"):
        start = time.perf_counter()
        if data is None:
            result, n_gt, n_dt = _coco_evaluation(args.file, args.file2, args.threads)
        else:
            result = evaluate_detections(**data, kind=args.kind, n_threads=args.threads)
            n_gt, n_dt = len(data["gt_labels"]), len(data["dt_labels"])
        seconds = time.perf_counter() - start
    table = result.per_category()
    lines = [result.summary()]
    if args.per_category:
        lines.append(str(table))
    with progress.stage("writing"):
        written = ""
        if args.output:
            record = result.to_dict()
            record["per_category"] = {
                name: getattr(table, name).tolist() for name in ("categories", "ap", "ap50", "ap75", "ar")
            }
            Path(args.output).write_text(json.dumps(record, indent=2) + "\n")
            written = f", written to {args.output}"
        if args.plot:
            from boxgeom import plot

            plot.save_figure(plot.plot_precision_recall(result), args.plot)
            written += f", picture in {args.plot}"
    lines.append(
        f"eval: {n_gt:,} ground truth and {n_dt:,} detections of {len(result.image_ids):,} images and "
        f"{len(result.categories)} categories from {source}: AP {result.stats[0]:.3f} in {seconds:.3f} s{written}"
    )
    return "\n".join(lines)


def _eval_sample(kind: str) -> dict[str, Any]:
    """``evaluate_detections``' arguments for ``datasets.detection_sample`` (quads: the
    corners of its rotated boxes)."""
    from boxgeom.datasets import detection_sample
    from boxgeom.formats import box_convert

    data = detection_sample(500, 10, rotated=kind != "box")._asdict()
    if kind == "box":
        data["fmt"] = "xywh"
    elif kind == "polygon":
        for name in ("gt_boxes", "dt_boxes"):
            data[name] = box_convert(data[name], "cxcywhr", "xyxyxyxy")
    return data


def _coco_evaluation(gt_path: str, dt_path: str, n_threads: int | None) -> tuple[Any, int, int]:
    """(evaluation, ground truth, detections) of a COCO ground-truth file and a results
    file, through :class:`boxgeom.coco.COCOeval` (pycocotools' reading of both)."""
    from boxgeom.coco import COCO, COCOeval

    coco_gt = COCO(gt_path)
    coco_dt = coco_gt.loadRes(dt_path)
    evaluator = COCOeval(coco_gt, coco_dt, "bbox")
    evaluator.n_threads = n_threads
    evaluator.evaluate()
    return evaluator.evaluation, len(coco_gt.dataset.get("annotations", [])), len(coco_dt.dataset["annotations"])


def _dota_files(gt_path: str, dt_path: str, kind: str) -> dict[str, Any]:
    """``evaluate_detections``' arguments from DOTA label files and result files (quads;
    ``kind="rotated"`` fits each quad's rotated rectangle). Difficult objects count as
    crowds: a detection on one is neither a true nor a false positive."""
    from boxgeom.dota import read_dota
    from boxgeom.formats import box_convert

    gt = read_dota(gt_path)
    dt = read_dota(dt_path, detections=True, label_names=gt.label_names, image_names=gt.image_names)
    convert = (lambda quads: box_convert(quads, "xyxyxyxy", "cxcywhr")) if kind == "rotated" else (lambda quads: quads)
    return dict(
        gt_boxes=convert(gt.quads), gt_labels=gt.labels, gt_image_ids=gt.image_ids, gt_iscrowd=gt.difficult,
        dt_boxes=convert(dt.quads), dt_scores=dt.scores, dt_labels=dt.labels, dt_image_ids=dt.image_ids,
    )


def _bench(args: argparse.Namespace, progress: Progress) -> str:
    run = _bench_runner()
    start = time.perf_counter()
    run.main([*(["--quick"] if args.quick else []), *(["--list"] if args.list else []), *args.names], prog="boxgeom bench")
    return f"bench: done in {time.perf_counter() - start:.1f} s"


def _bench_runner() -> Any:
    """The benchmark runner, ``boxgeom.bench.run``: the project's ``bench/`` folder, which
    ``pip install`` ships as the subpackage ``boxgeom.bench``."""
    try:
        from boxgeom.bench import run
    except ImportError:
        raise InputFileError(
            "bench: the benchmark suite (boxgeom.bench) is not installed with this copy of boxgeom; "
            "install boxgeom with pip, or run `python -m bench.run` in a source checkout"
        ) from None
    return run


def _need_both(args: argparse.Namespace) -> None:
    if (args.file is None) != (args.file2 is None):
        raise InputFileError(f"{args.command}: expected two files (FILE1 FILE2), or none for the built-in sample")


# ---------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boxgeom", description="Fast, exact geometry for boxes.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    files = "a .npy, .csv or .parquet file of boxes (default: a built-in sample)"

    def command(name: str, run: Callable, help: str, n_files: int = 1, rotated: bool = True, plot: bool = True):
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("file", nargs="?", help=files)
        if n_files == 2:
            sub.add_argument("file2", nargs="?", help="the second set of boxes (same formats)")
        sub.add_argument("--fmt", choices=FORMATS, help="box format (default: from the column names, else xyxy)")
        if rotated:
            sub.add_argument("--rotated", action="store_true", help="rotated boxes (cx, cy, w, h, angle)")
            sub.add_argument("--angle-unit", choices=("deg", "rad"), default="deg", help="unit of the angle column")
        sub.add_argument("-o", "--output", help="write the result (.npy, .csv or .parquet, by extension)")
        if plot:
            sub.add_argument("--plot", metavar="PICTURE", help="draw the result into a .png, .svg or .pdf (y down)")
        sub.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all cores)")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
        sub.set_defaults(run=run, rotated=False, angle_unit="deg", plot=None)
        return sub

    pairs = command("pairs", _pairs, "find every pair of overlapping boxes")
    pairs.add_argument("--touching", action="store_true", help="also pair boxes that only share an edge or corner")
    pairs.add_argument("--dask", action="store_true", help="run on Dask (FILE: parquet file, directory or glob)")
    pairs.add_argument("--scheduler", help="with --dask: address of a distributed scheduler (default: local)")

    iou = command("iou", _iou, "IoU: a dense matrix for small inputs, overlapping pairs with their IoU otherwise",
                  n_files=2, plot=False)
    choice = iou.add_mutually_exclusive_group()
    choice.add_argument("--dense", action="store_true", help="always write the dense (n, m) matrix")
    choice.add_argument("--sparse", action="store_true", help="always write (i, j, iou) of the overlapping pairs")

    nms = command("nms", _nms, "non-maximum suppression (columns: box, score, optional label for per-class NMS)")
    nms.add_argument("--iou-threshold", type=float, default=0.5, help="suppress when IoU > this (default 0.5)")
    nms.add_argument("--overlap-threshold", type=float, default=None,
                     help="also suppress when intersection / area of the lower-scoring box > this")

    match = command("match", _match, "one-to-one matching of two sets by IoU", n_files=2, rotated=False)
    match.add_argument("--iou-threshold", type=float, default=0.5, help="match when IoU >= this (default 0.5)")
    match.add_argument("--optimal", action="store_true", help="maximum total IoU instead of greedy")

    cover = command("cover", _cover, "fixed-size tiles that each hold their boxes entirely", rotated=False)
    cover.add_argument("--tile-size", type=float, nargs="+", default=[500.0], metavar=("W", "H"),
                       help="tile width and height (default 500; one value: square)")

    command("union", _union, "area of the union of the boxes (two files: the set areas)", n_files=2, rotated=False)
    command("set-iou", _set_iou, "area IoU of two sets of boxes: |∪A ∩ ∪B| / |∪A ∪ ∪B|", n_files=2, rotated=False)

    convert = command("convert", _convert, "convert box formats (and file formats)", plot=False)
    convert.add_argument("--to", required=True, choices=(*FORMATS, *ROTATED_FORMATS, "corners"),
                         help="target box format (corners: xyxyxyxy; a rotated box's axis-aligned formats: its bounding box)")

    evaluate = commands.add_parser(
        "eval", help="COCO mAP of detections against ground truth (pycocotools' numbers)",
        description="COCO mAP of detections against ground truth, as pycocotools computes it. Boxes: a COCO "
                    "ground-truth JSON and a COCO results JSON; rotated and polygon: DOTA label files and result "
                    "files (a file or a directory each).",
    )
    evaluate.add_argument("file", nargs="?", help="ground truth (default: a built-in sample)")
    evaluate.add_argument("file2", nargs="?", help="detections")
    evaluate.add_argument("--kind", choices=("box", "rotated", "polygon"), default="box",
                          help="axis-aligned boxes (COCO JSON), or rotated boxes / quads (DOTA text files)")
    evaluate.add_argument("--per-category", action="store_true", help="also print AP, AP50, AP75 and AR per category")
    evaluate.add_argument("-o", "--output", help="write the stats, parameters and per-category results (.json)")
    evaluate.add_argument("--plot", metavar="PICTURE", help="draw precision-recall curves into a .png, .svg or .pdf")
    evaluate.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all cores)")
    evaluate.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes on stderr")
    evaluate.set_defaults(run=_eval)

    bench = commands.add_parser("bench", help="compare boxgeom with the installed peers (prints ratio tables)")
    bench.add_argument("--quick", action="store_true", help="skip the largest configurations")
    bench.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    bench.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    bench.set_defaults(run=_bench, quiet=True, command="bench")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 user error)."""
    args = _parser().parse_args(argv)
    if getattr(args, "threads", None) is not None and args.threads == 0:
        print("boxgeom: error: --threads: expected a non-zero thread count, got 0", file=sys.stderr)
        return 2
    if getattr(args, "plot", None) and Path(args.plot).suffix.lower() not in PICTURE_SUFFIXES:
        print(f"boxgeom: error: {args.plot}: expected a picture ending in .png, .svg or .pdf", file=sys.stderr)
        return 2
    run: Callable[[argparse.Namespace, Progress], str] = args.run
    progress = Progress(4, args.quiet, args.command)
    try:
        print(run(args, progress))
    except (ValueError, TypeError) as error:  # InputFileError, or bad options reported by the library
        print(f"boxgeom: error: {error}", file=sys.stderr)
        return 2
    finally:
        progress.close()
    return 0
