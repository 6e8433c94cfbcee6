"""The command line, through a subprocess as a user runs it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from boxgeom import find_pairs


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "boxgeom", *args], capture_output=True, text=True, timeout=300)


def test_sample_run_says_so_and_summarises():
    result = run("pairs")
    assert result.returncode == 0, result.stderr
    assert "built-in sample" in result.stderr
    assert result.stdout.startswith("pairs: 100,000 boxes,") and result.stdout.rstrip().endswith(" s")


@pytest.mark.parametrize("suffix", [".npy", ".csv"])
def test_round_trip_through_files(tmp_path, suffix):
    rng = np.random.default_rng(0)
    corner = rng.integers(0, 200, (300, 2))
    boxes = np.hstack([corner, corner + rng.integers(1, 30, (300, 2))])
    source = tmp_path / f"boxes{suffix}"
    if suffix == ".npy":
        np.save(source, boxes)
    else:
        np.savetxt(source, boxes, delimiter=",", fmt="%d")
    output = tmp_path / f"pairs{suffix}"
    result = run("pairs", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    expected = find_pairs(boxes)
    written = np.load(output) if suffix == ".npy" else np.loadtxt(output, delimiter=",", skiprows=1, dtype=int).T
    assert np.array_equal(written.reshape(2, -1), expected)
    assert f"{expected.shape[1]:,} overlapping pairs" in result.stdout


def test_named_csv_columns_set_the_format(tmp_path):
    source = tmp_path / "boxes.csv"
    source.write_text("w,h,x,y\n2,2,0,0\n2,2,1,1\n2,2,5,5\n")
    result = run("pairs", str(source), "-o", str(tmp_path / "out.npy"))
    assert result.returncode == 0, result.stderr
    assert np.load(tmp_path / "out.npy").tolist() == [[0], [1]]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("0,0,1\n", "expected 4 columns, got 3 in data row 0"),
        ("0,0,1,1\n0,0,nan,1\n", "expected finite values, got NaN or inf in row 1"),
        ("0,0,1,1\n3,0,1,1\n", "row 1"),
        ("a,b,c,d\n0,0,x,1\n", "expected numbers"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path, content, message):
    source = tmp_path / "boxes.csv"
    if content is not None:
        source.write_text(content)
    result = run("pairs", str(source))
    assert result.returncode == 2
    assert message in result.stderr and str(source) in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_output_extension(tmp_path):
    result = run("pairs", "-o", str(tmp_path / "pairs.parquet"))
    assert result.returncode == 2 and "expected an output ending in .npy or .csv" in result.stderr


def test_dask_pairs_from_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(1)
    corner = rng.integers(0, 500, (2000, 2))
    boxes = np.hstack([corner, corner + rng.integers(1, 30, (2000, 2))])
    pd.DataFrame(boxes, columns=["x1", "y1", "x2", "y2"]).to_parquet(tmp_path / "boxes.parquet")
    result = run("pairs", str(tmp_path / "boxes.parquet"), "--dask", "-o", str(tmp_path / "pairs"))
    assert result.returncode == 0, result.stderr
    written = pd.read_parquet(tmp_path / "pairs").sort_values(["i", "j"])
    assert np.array_equal(written[["i", "j"]].to_numpy().T, find_pairs(boxes))
    assert f"{find_pairs(boxes).shape[1]:,}" in result.stdout


def test_dask_needs_a_file():
    result = run("pairs", "--dask")
    assert result.returncode == 2 and "--dask" in result.stderr
