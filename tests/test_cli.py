"""The command line, through a subprocess as a user runs it: every subcommand, every
input format, ``-o`` round trips and every bad-file case."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import boxgeom
from boxgeom.datasets import random_boxes, random_rotated_boxes

COMMANDS = ["pairs", "iou", "nms", "match", "cover", "union", "set-iou", "convert"]


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "boxgeom", *args], capture_output=True, text=True, timeout=300, **kwargs)


def ok(*args: str) -> subprocess.CompletedProcess:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1  # the one-line summary
    return result


def user_error(*args: str, message: str) -> str:
    result = run(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr, result.stderr
    return result.stderr


def save(path, array, header=None):
    """Write ``array`` to .npy, .csv (``header`` optional) or .parquet (``header`` required)."""
    path = str(path)
    if path.endswith(".npy"):
        np.save(path, array)
    elif path.endswith(".csv"):
        np.savetxt(path, array, delimiter=",", fmt="%.17g", header=",".join(header or []), comments="")
    else:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        pd.DataFrame(array, columns=header).to_parquet(path)
    return path


def load(path) -> np.ndarray:
    path = str(path)
    if path.endswith(".npy"):
        return np.load(path)
    if path.endswith(".csv"):
        return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    pd = pytest.importorskip("pandas")
    return pd.read_parquet(path).to_numpy()


@pytest.fixture(scope="module")
def boxes():
    return random_boxes(400, 300, 40, seed=3)


# ---------------------------------------------------------------- built-in sample


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_runs_on_the_sample_and_says_so(tmp_path, command):
    extra = ["--to", "xywh", "-o", str(tmp_path / "out.npy")] if command == "convert" else []
    result = ok(command, *extra)
    assert "built-in sample of 100,000" in result.stderr
    assert result.stdout.startswith(f"{command}: ") and " s" in result.stdout


@pytest.mark.parametrize("command", ["pairs", "iou", "nms"])
def test_rotated_sample(command):
    result = ok(command, "--rotated")
    assert "rotated boxes" in result.stderr


def test_quiet_prints_only_the_summary(tmp_path, boxes):
    result = ok("pairs", save(tmp_path / "b.npy", boxes), "--quiet")
    assert result.stderr == ""


def test_progress_bar_on_a_terminal(tmp_path, boxes):
    pytest.importorskip("tqdm")
    pty = pytest.importorskip("pty")
    fcntl, termios = pytest.importorskip("fcntl"), pytest.importorskip("termios")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a terminal 80 wide
    try:
        result = subprocess.run([sys.executable, "-m", "boxgeom", "pairs", save(tmp_path / "b.npy", boxes)],
                                stdout=subprocess.PIPE, stderr=follower, timeout=300)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert result.returncode == 0
    assert b"pairs" in shown and b"step" in shown  # tqdm's bar: "pairs: ... step"


# ---------------------------------------------------------------- input formats and -o


@pytest.mark.parametrize("suffix", [".npy", ".csv", ".parquet"])
def test_pairs_round_trip_through_every_format(tmp_path, boxes, suffix):
    header = ["x1", "y1", "x2", "y2"] if suffix == ".parquet" else None
    source = save(tmp_path / f"boxes{suffix}", boxes, header)
    output = tmp_path / f"pairs{suffix}"
    result = ok("pairs", source, "-o", str(output))
    expected = boxgeom.find_pairs(boxes)
    written = load(output)
    assert np.array_equal(written if suffix == ".npy" else written.T, expected)
    assert f"{expected.shape[1]:,} overlapping pairs" in result.stdout


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_named_columns_set_the_format(tmp_path, boxes, fmt):
    converted = boxgeom.box_convert(boxes, "xyxy", fmt)
    names = {"xyxy": ["y2", "x1", "x2", "y1"], "xywh": ["w", "h", "x", "y"], "cxcywh": ["w", "cx", "cy", "h"]}[fmt]
    order = {"x1": 0, "y1": 1, "x2": 2, "y2": 3, "x": 0, "y": 1, "cx": 0, "cy": 1, "w": 2, "h": 3}
    shuffled = converted[:, [order[name] for name in names]]
    for suffix in (".csv", ".parquet"):
        source = save(tmp_path / f"boxes{suffix}", shuffled, names)
        ok("pairs", source, "-o", str(tmp_path / "out.npy"))
        assert np.array_equal(np.load(tmp_path / "out.npy"), boxgeom.find_pairs(converted, fmt=fmt))


def test_fmt_option_for_unnamed_files(tmp_path, boxes):
    xywh = boxgeom.box_convert(boxes, "xyxy", "xywh")
    ok("pairs", save(tmp_path / "b.csv", xywh), "--fmt", "xywh", "-o", str(tmp_path / "out.npy"))
    assert np.array_equal(np.load(tmp_path / "out.npy"), boxgeom.find_pairs(boxes))


def test_iou_dense_and_sparse(tmp_path, boxes):
    first, second = save(tmp_path / "a.npy", boxes[:150]), save(tmp_path / "b.csv", boxes[100:])
    ok("iou", first, second, "-o", str(tmp_path / "dense.npy"))
    assert np.array_equal(np.load(tmp_path / "dense.npy"), boxgeom.box_iou(boxes[:150], boxes[100:]))
    result = ok("iou", first, second, "--sparse", "-o", str(tmp_path / "sparse.csv"))
    pairs = boxgeom.find_pairs_between(boxes[:150], boxes[100:])
    written = load(tmp_path / "sparse.csv")
    assert np.array_equal(written[:, :2].T, pairs)
    assert np.array_equal(written[:, 2], boxgeom.box_iou_pairs(boxes[:150], boxes[100:], pairs))
    assert "sparse" in result.stdout


def test_iou_of_one_file_is_the_self_join(tmp_path, boxes):
    ok("iou", save(tmp_path / "a.npy", boxes), "--sparse", "-o", str(tmp_path / "out.npy"))
    written = np.load(tmp_path / "out.npy")
    assert np.array_equal(written[:, :2].T.astype(np.intp), boxgeom.find_pairs(boxes))


def test_rotated_iou_and_pairs(tmp_path):
    rotated = random_rotated_boxes(200, 300, 40, seed=4)
    source = save(tmp_path / "r.csv", rotated, ["cx", "cy", "w", "h", "angle"])
    ok("iou", source, "--rotated", "-o", str(tmp_path / "dense.npy"))
    assert np.allclose(np.load(tmp_path / "dense.npy"), boxgeom.rotated_iou(rotated, rotated), rtol=0, atol=1e-15)
    radians = rotated.copy()
    radians[:, 4] = np.deg2rad(radians[:, 4])
    ok("pairs", save(tmp_path / "rad.npy", radians), "--rotated", "--angle-unit", "rad", "-o", str(tmp_path / "p.npy"))
    assert np.array_equal(np.load(tmp_path / "p.npy"), boxgeom.rotated_iou_pairs(rotated)[0])


def test_nms_by_position_and_by_name(tmp_path, boxes):
    scores = np.random.default_rng(5).random(len(boxes))
    labels = np.arange(len(boxes)) % 3
    ok("nms", save(tmp_path / "a.npy", np.column_stack([boxes, scores])), "--iou-threshold", "0.3",
       "--overlap-threshold", "0.6", "-o", str(tmp_path / "keep.npy"))
    expected = boxgeom.nms(boxes, scores, 0.3, overlap_threshold=0.6)
    assert np.array_equal(np.load(tmp_path / "keep.npy"), expected)
    table = np.column_stack([labels, scores, boxes])
    result = ok("nms", save(tmp_path / "b.csv", table, ["class", "score", "x1", "y1", "x2", "y2"]),
                "-o", str(tmp_path / "keep.csv"))
    assert np.array_equal(load(tmp_path / "keep.csv")[:, 0], boxgeom.batched_nms(boxes, scores, labels, 0.5))
    assert "in 3 classes" in result.stdout


def test_rotated_nms(tmp_path):
    rotated = random_rotated_boxes(300, 300, 40, seed=6)
    scores = np.random.default_rng(7).random(len(rotated))
    ok("nms", save(tmp_path / "r.npy", np.column_stack([rotated, scores])), "--rotated", "-o", str(tmp_path / "k.npy"))
    assert np.array_equal(np.load(tmp_path / "k.npy"), boxgeom.rotated_nms(rotated, scores, 0.5))


@pytest.mark.parametrize("optimal", [False, True])
def test_match(tmp_path, boxes, optimal):
    predicted = boxes + np.random.default_rng(8).integers(-6, 7, boxes.shape).clip(-6, 6) * [1, 1, 1, 1]
    predicted[:, 2:] = np.maximum(predicted[:, 2:], predicted[:, :2])
    args = ["--optimal"] if optimal else []
    ok("match", save(tmp_path / "gt.npy", boxes), save(tmp_path / "pred.parquet", predicted, list("abcd")),
       "--iou-threshold", "0.4", *args, "-o", str(tmp_path / "m.csv"))
    function = boxgeom.match_optimal if optimal else boxgeom.match_greedy
    matches = function(boxes, predicted, 0.4)[0]
    written = load(tmp_path / "m.csv")
    assert np.array_equal(written[:, :2].T, matches)
    assert np.array_equal(written[:, 2], boxgeom.box_iou_pairs(boxes, predicted, matches))


def test_cover(tmp_path, boxes):
    ok("cover", save(tmp_path / "b.npy", boxes), "--tile-size", "80", "60", "-o", str(tmp_path / "t.csv"))
    tiles, indptr, indices = boxgeom.tile_cover(boxes, 80, 60)
    written = load(tmp_path / "t.csv")
    tile_of = np.repeat(np.arange(len(tiles)), np.diff(indptr))
    assert np.array_equal(written[:, 0], indices) and np.array_equal(written[:, 1], tile_of)
    assert np.array_equal(written[:, 2:], tiles[tile_of])


def test_union_and_set_iou(tmp_path, boxes):
    red, blue = save(tmp_path / "r.npy", boxes[:200]), save(tmp_path / "b.npy", boxes[200:])
    result = ok("union", red, "-o", str(tmp_path / "u.csv"))
    assert load(tmp_path / "u.csv")[0, 0] == boxgeom.union_area(boxes[:200])
    assert f"union {boxgeom.union_area(boxes[:200]):.6g}" in result.stdout
    ok("union", red, blue, "-o", str(tmp_path / "s.npy"))
    areas = boxgeom.set_areas(boxes[:200], boxes[200:])
    assert np.load(tmp_path / "s.npy").tolist() == [areas.red, areas.blue, areas.intersection, areas.union]
    result = ok("set-iou", red, blue, "-o", str(tmp_path / "i.parquet"))
    assert load(tmp_path / "i.parquet")[0, -1] == pytest.approx(boxgeom.set_iou(boxes[:200], boxes[200:]), rel=1e-15)


@pytest.mark.parametrize("target", ["xywh", "cxcywh"])
def test_convert_round_trips_through_named_columns(tmp_path, boxes, target):
    ok("convert", save(tmp_path / "b.npy", boxes), "--to", target, "-o", str(tmp_path / "c.csv"))
    assert np.array_equal(load(tmp_path / "c.csv"), boxgeom.box_convert(boxes, "xyxy", target))
    ok("pairs", str(tmp_path / "c.csv"), "-o", str(tmp_path / "p.npy"))  # the header names the format
    assert np.array_equal(np.load(tmp_path / "p.npy"), boxgeom.find_pairs(boxes))


def test_convert_rotated_to_corners(tmp_path):
    rotated = random_rotated_boxes(20, seed=9)
    ok("convert", save(tmp_path / "r.npy", rotated), "--rotated", "--to", "corners", "-o", str(tmp_path / "c.npy"))
    assert np.array_equal(np.load(tmp_path / "c.npy"), boxgeom.rotated_corners(rotated).reshape(20, 8))


@pytest.mark.parametrize("target", ["cxcywhr", "xyxyxyxy", "xyxy", "cxcywh"])
def test_convert_rotated_formats(tmp_path, boxes, target):
    rotated = random_rotated_boxes(20, seed=9)
    radians = np.column_stack([rotated[:, :4], np.deg2rad(rotated[:, 4])])
    ok("convert", save(tmp_path / "r.npy", radians), "--rotated", "--angle-unit", "rad", "--to", target,
       "-o", str(tmp_path / "c.csv"))
    assert np.allclose(load(tmp_path / "c.csv"), boxgeom.box_convert(radians, "cxcywhr", target, angle_unit="rad"),
                       rtol=1e-15, atol=0)
    ok("convert", save(tmp_path / "b.npy", boxes), "--to", target, "-o", str(tmp_path / "a.npy"))
    assert np.array_equal(np.load(tmp_path / "a.npy"), boxgeom.box_convert(boxes, "xyxy", target))
    if target == "cxcywhr":  # the header names the rotated columns
        ok("pairs", str(tmp_path / "c.csv"), "--rotated", "--angle-unit", "rad", "-o", str(tmp_path / "p.npy"))
        assert np.array_equal(np.load(tmp_path / "p.npy"), boxgeom.rotated_iou_pairs(radians, angle_unit="rad")[0])


def test_bench_lists_the_benchmarks():
    result = run("bench", "--list")
    assert result.returncode == 0, result.stderr
    assert {"pairs", "detection", "rotated", "setarea"} <= set(result.stdout.split())


# ---------------------------------------------------------------- bad files and options


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("boxes.csv", None, "no such file"),
        ("boxes.csv", "0,0,1\n", "expected 4 columns (box), got 3"),
        ("boxes.csv", "0,0,1,1\n0,0,nan,1\n", "expected finite values, got NaN or inf in row 1"),
        ("boxes.csv", "0,0,1,1\n3,0,1,1\n", "x2 < x1 or y2 < y1 in row 1"),
        ("boxes.csv", "x,y,w,h\n0,0,1,1\n0,0,-1,1\n", "negative width or height in row 1"),
        ("boxes.csv", "a,b,c,d\n0,0,x,1\n", "could not convert"),
        ("boxes.csv", "x1,y1,x2,y2\n0,0,1\n", "columns"),
        ("boxes.npy", b"not a numpy file", "boxes.npy"),
        ("boxes.json", "{}", "expected a .npy, .csv or .parquet file"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path, name, content, message):
    source = tmp_path / name
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content)
    stderr = user_error("pairs", str(source), message=message)
    assert str(source) in stderr


def test_bad_npy_shapes(tmp_path):
    user_error("pairs", save(tmp_path / "b.npy", np.zeros((3, 3))), message="expected 4 columns (box), got 3")
    np.save(tmp_path / "flat.npy", np.zeros(8))
    user_error("pairs", str(tmp_path / "flat.npy"), message="expected a 2-D table")
    np.save(tmp_path / "text.npy", np.array([["a", "b", "c", "d"]]))
    user_error("pairs", str(tmp_path / "text.npy"), message="expected numbers")


def test_bad_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pd.DataFrame({"x1": [0], "y1": [0], "x2": [1], "y2": ["a"]}).to_parquet(tmp_path / "b.parquet")
    user_error("pairs", str(tmp_path / "b.parquet"), message="expected numeric columns, got column 'y2'")


def test_bad_files_of_the_other_subcommands(tmp_path, boxes):
    good = save(tmp_path / "good.npy", boxes)
    user_error("nms", good, message="expected 5 to 6 columns (box, score, [label]), got 4")
    user_error("nms", save(tmp_path / "n.csv", boxes, ["x1", "y1", "x2", "y2"]), message="expected a score")
    scored = np.column_stack([boxes, np.full(len(boxes), np.nan)])
    user_error("nms", save(tmp_path / "nan.npy", scored), message="score column): expected no NaN")
    user_error("match", good, message="expected two files")
    user_error("match", good, save(tmp_path / "bad.csv", boxes[:, :3]), message="bad.csv: expected 4 columns")
    user_error("set-iou", good, str(tmp_path / "missing.npy"), message="missing.npy: no such file")
    user_error("cover", good, "--tile-size", "10", message="expected boxes that fit in a 10 x 10 tile, got row 0")
    user_error("convert", good, "--to", "xywh", message="expected an output file")
    user_error("convert", good, "--to", "xywh", "-o", str(tmp_path / "x.txt2"), message="expected an output ending in")


def test_bad_options_exit_2(tmp_path, boxes):
    good = save(tmp_path / "good.npy", np.column_stack([boxes, np.ones(len(boxes))]))
    user_error("nms", good, "--iou-threshold", "2", message="iou_threshold: expected")
    user_error("pairs", "--threads", "0", message="--threads")
    user_error("pairs", "--dask", message="--dask")


def test_dask_pairs_from_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    corner = rng.integers(0, 500, (2000, 2))
    boxes = np.hstack([corner, corner + rng.integers(1, 30, (2000, 2))])
    pd.DataFrame(boxes, columns=["x1", "y1", "x2", "y2"]).to_parquet(tmp_path / "boxes.parquet")
    result = ok("pairs", str(tmp_path / "boxes.parquet"), "--dask", "-o", str(tmp_path / "pairs"))
    written = pd.read_parquet(tmp_path / "pairs").sort_values(["i", "j"])
    assert np.array_equal(written[["i", "j"]].to_numpy().T, boxgeom.find_pairs(boxes))
    assert f"{boxgeom.find_pairs(boxes).shape[1]:,}" in result.stdout


# ---------------------------------------------------------------- pictures


@pytest.mark.parametrize(
    "command, extra",
    [("pairs", []), ("pairs", ["--rotated"]), ("nms", []), ("match", []), ("cover", []), ("set-iou", [])],
)
def test_plot_writes_a_picture(tmp_path, command, extra):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "picture.png"
    result = ok(command, *extra, "--plot", str(picture))
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 1000
    assert "plot: showing the window" in result.stderr  # 100,000 sample boxes: a window of them


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32])
def test_plot_window_does_not_depend_on_the_dtype(dtype):
    from boxgeom.cli import PLOT_BOXES, _window

    boxes = random_boxes(50 * PLOT_BOXES, region=12_650, seed=3).astype(dtype)  # an area beyond int16 and float32
    window = _window(boxes, rotated=False)
    assert window == _window(boxes.astype(np.float64), rotated=False)
    x1, y1, x2, y2 = window
    low, high = boxes[:, :2].astype(np.float64).min(axis=0), boxes[:, 2:].astype(np.float64).max(axis=0)
    assert (x1, y1) == tuple(low) and np.isclose((x2 - x1) ** 2, np.prod(high - low) / 50)


def test_plot_needs_a_picture_extension(tmp_path):
    user_error("pairs", "--plot", str(tmp_path / "p.txt"), message="expected a picture ending in .png, .svg or .pdf")
