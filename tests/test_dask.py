"""boxgeom.dask against the single-machine pair engine: same pairs, each exactly once."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
pd = pytest.importorskip("pandas")

import boxgeom  # noqa: E402
from boxgeom import dask as bdask  # noqa: E402
from boxgeom.datasets import random_boxes, random_rotated_boxes  # noqa: E402

# dask's parquet reader still passes inplace= to pandas 3.1 (its deprecation, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame")

XYXY = ["x1", "y1", "x2", "y2"]


def as_pairs(frame, iou: bool = False):
    """Computed result -> lexsorted (2, k) int64 pairs (+ iou in the same order); asserts no pair repeats."""
    result = frame.compute() if hasattr(frame, "compute") else frame
    assert list(result.columns) == ["i", "j", "iou"][: 3 if iou else 2]
    assert result["i"].dtype == np.int64 and result["j"].dtype == np.int64
    order = np.lexsort((result["j"].to_numpy(), result["i"].to_numpy()))
    pairs = np.stack([result["i"].to_numpy()[order], result["j"].to_numpy()[order]])
    if pairs.shape[1]:
        assert not (np.diff(pairs[0]) == 0)[np.diff(pairs[1]) == 0].any(), "a pair appears twice"
    return (pairs, result["iou"].to_numpy()[order]) if iou else pairs


@pytest.fixture(scope="module")
def boxes():
    # 1e5 boxes at the peer benchmark's density (1e6 in 40000 x 40000)
    return random_boxes(100_000, 12_650, 100, seed=3)


@pytest.fixture(scope="module")
def expected(boxes):
    return boxgeom.find_pairs(boxes)


def frame_of(array, npartitions, columns=XYXY):
    return dd.from_pandas(pd.DataFrame(array, columns=columns), npartitions=npartitions)


@pytest.mark.parametrize(
    ("npartitions", "tile_size"),
    [(1, None), (7, None), (4, 150.0), (5, 37.0)],  # 37: a third of the boxes are giants
)
def test_matches_single_machine(boxes, expected, npartitions, tile_size):
    result = bdask.find_pairs(frame_of(boxes, npartitions), tile_size=tile_size)
    np.testing.assert_array_equal(as_pairs(result), expected)


def test_touching_and_iou(boxes):
    result = bdask.find_pairs(frame_of(boxes, 3), touching=True, iou=True, tile_size=60, npartitions=5)
    pairs, iou = as_pairs(result, iou=True)
    expected = boxgeom.find_pairs(boxes, touching=True)
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_array_equal(iou, boxgeom.box_iou_pairs(boxes, boxes, expected))


def lattice():
    """Boxes whose corners and edges lie on the corners and edges of 10 x 10 tiles, plus giants."""
    steps = range(0, 60, 5)
    small = [[x, y, x + w, y + h] for x in steps for y in steps for w in (0, 5, 10, 20) for h in (5, 10)]
    giants = [[0, 0, 60, 5], [5, 10, 25, 60], [0, 0, 70, 70], [30, 30, 30, 70], [20, 20, 45, 45]]
    return np.array(small + giants, dtype=np.int64)


@pytest.mark.parametrize("touching", [False, True])
def test_tile_corners_and_giants(touching):
    boxes = lattice()
    result = bdask.find_pairs(frame_of(boxes, 3), tile_size=10, touching=touching, npartitions=4)
    np.testing.assert_array_equal(as_pairs(result), boxgeom.find_pairs(boxes, touching=touching))


def test_giants_among_many(boxes, expected):
    rng = np.random.default_rng(5)
    corner = rng.integers(0, 10_000, size=(40, 2))
    giants = np.hstack([corner, corner + rng.integers(1_000, 3_000, size=(40, 2))]).astype(np.int32)
    both = np.concatenate([boxes[:50_000], giants])
    result = bdask.find_pairs(frame_of(both, 4), tile_size=200)
    np.testing.assert_array_equal(as_pairs(result), boxgeom.find_pairs(both))


def test_between_mixed_dtypes_and_iou(boxes):
    first = boxes[:60_000]
    second = random_boxes(40_000, 12_650, 100, seed=4).astype(np.float32) + np.float32(0.5)
    result = bdask.find_pairs_between(frame_of(first, 3), frame_of(second, 2), iou=True, tile_size=90)
    pairs, iou = as_pairs(result, iou=True)
    expected = boxgeom.find_pairs_between(first, second)
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_array_equal(iou, boxgeom.box_iou_pairs(first, second, expected))


def test_between_giants_and_touching():
    boxes = lattice()
    result = bdask.find_pairs_between(frame_of(boxes[::2], 2), frame_of(boxes[1::2], 3), tile_size=10, touching=True)
    np.testing.assert_array_equal(as_pairs(result), boxgeom.find_pairs_between(boxes[::2], boxes[1::2], touching=True))


def test_dask_arrays(boxes, expected):
    known = da.from_array(boxes, chunks=(30_000, 4))
    np.testing.assert_array_equal(as_pairs(bdask.find_pairs(known)), expected)
    unknown = known[known[:, 0] >= 0]  # chunk sizes unknown: ids are counted row positions
    assert np.isnan(unknown.shape[0])
    np.testing.assert_array_equal(as_pairs(bdask.find_pairs(unknown, tile_size=300)), expected)


def test_parquet_path_and_glob(boxes, expected, tmp_path):
    frame_of(boxes, 4).to_parquet(tmp_path / "boxes", write_index=False)
    np.testing.assert_array_equal(as_pairs(bdask.find_pairs(str(tmp_path / "boxes"))), expected)
    np.testing.assert_array_equal(as_pairs(bdask.find_pairs(str(tmp_path / "boxes" / "*.parquet"))), expected)


def test_id_column_and_format(boxes):
    sample = boxes[:30_000]
    xywh = boxgeom.box_convert(sample, "xyxy", "xywh")
    table = pd.DataFrame(xywh, columns=["left", "top", "width", "height"]).assign(box=np.arange(30_000) * 3 + 1)
    shuffled = dd.from_pandas(table.sample(frac=1, random_state=0), npartitions=3, sort=False)
    result = bdask.find_pairs(shuffled, fmt="xywh", columns=["left", "top", "width", "height"], id_column="box")
    np.testing.assert_array_equal(as_pairs(result), boxgeom.find_pairs(sample) * 3 + 1)


def test_rotated():
    rotated = pytest.importorskip("boxgeom.rotated")
    boxes = random_rotated_boxes(20_000, 4_000, 60, seed=6)
    boxes[:5, 2:4] = 900  # a few giants
    expected, expected_iou = rotated.rotated_iou_pairs(boxes)
    result = bdask.find_pairs(frame_of(boxes, 3, list(bdask.ROTATED_COLUMNS)), rotated=True, iou=True, tile_size=80)
    pairs, iou = as_pairs(result, iou=True)
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_allclose(iou, expected_iou, rtol=1e-12, atol=0)
    radians = boxes.copy()
    radians[:, 4] = np.deg2rad(radians[:, 4])
    between = bdask.find_pairs_between(
        frame_of(radians[:8_000], 2, list(bdask.ROTATED_COLUMNS)),
        frame_of(radians[8_000:], 2, list(bdask.ROTATED_COLUMNS)),
        rotated=True, angle_unit="rad", convention="torchvision",
    )
    np.testing.assert_array_equal(
        as_pairs(between),
        rotated.rotated_iou_pairs(radians[:8_000], radians[8_000:], angle_unit="rad", convention="torchvision")[0],
    )


def test_empty():
    empty = pd.DataFrame(np.empty((0, 4), dtype=np.int32), columns=XYXY)
    assert as_pairs(bdask.find_pairs(dd.from_pandas(empty, npartitions=1))).shape == (2, 0)
    pairs, iou = as_pairs(bdask.find_pairs(da.zeros((0, 4), chunks=1), iou=True), iou=True)
    assert pairs.shape == (2, 0) and iou.shape == (0,)
    one = frame_of(np.array([[0, 0, 1, 1]]), 1)
    assert as_pairs(bdask.find_pairs_between(one, dd.from_pandas(empty, npartitions=1))).shape == (2, 0)
    assert as_pairs(bdask.find_pairs(one)).shape == (2, 0)


def test_bad_arguments(boxes):
    frame = frame_of(boxes[:100], 2)
    with pytest.raises(TypeError, match="boxes: expected a dask DataFrame"):
        bdask.find_pairs(boxes)
    with pytest.raises(ValueError, match=r"boxes: expected shape \(n, 4\), got \(10, 5\)"):
        bdask.find_pairs(da.zeros((10, 5), chunks=5))
    with pytest.raises(ValueError, match="columns: expected columns of the input"):
        bdask.find_pairs(frame, fmt="xywh")
    with pytest.raises(ValueError, match="columns: expected 4 distinct column names"):
        bdask.find_pairs(frame, columns=["x1", "x1", "x2", "y2"])
    with pytest.raises(ValueError, match="tile_size: expected a positive number"):
        bdask.find_pairs(frame, tile_size=0)
    with pytest.raises(ValueError, match="fmt: expected one of"):
        bdask.find_pairs(frame, fmt="xxyy")
    with pytest.raises(ValueError, match="touching: expected False with rotated=True"):
        bdask.find_pairs(frame, rotated=True, touching=True)
    with pytest.raises(ValueError, match="npartitions: expected a positive int"):
        bdask.find_pairs(frame, npartitions=0)
    with pytest.raises(ValueError, match="boxes: expected a DataFrame with known divisions"):
        bdask.find_pairs(frame.reset_index(drop=True))
    with pytest.raises(TypeError, match="id_column: expected integer ids"):
        bdask.find_pairs(frame.assign(name=1.5), id_column="name")
    with pytest.raises(ValueError, match="tile_size: expected at most 2\\*\\*31 tiles"):
        bdask.find_pairs(frame, tile_size=1e-9)
    with pytest.raises(ValueError, match="boxes2: expected shape"):
        bdask.find_pairs_between(frame, da.zeros((3, 3), chunks=3))


def test_bad_values_raise_when_computed():
    nan = frame_of(np.array([[0, 0, 1, 1], [np.nan, 0, 1, 1]]), 1)
    with pytest.raises(ValueError, match="boxes: expected finite values"):
        bdask.find_pairs(nan).compute()
    inverted = frame_of(np.array([[0, 0, 1, 1], [2, 0, 1, 1]]), 1)
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size"):
        bdask.find_pairs(inverted).compute()


def test_hilbert_keys_walk_the_grid():
    x, y = np.meshgrid(np.arange(8), np.arange(8))
    keys = bdask.hilbert_keys(x.ravel(), y.ravel(), 3)
    assert sorted(keys.tolist()) == list(range(64))
    path = np.stack([x.ravel(), y.ravel()], axis=1)[np.argsort(keys)]
    assert (np.abs(np.diff(path, axis=0)).sum(axis=1) == 1).all()  # consecutive keys are neighbours


def test_cli_hook(boxes, tmp_path):
    from boxgeom._io import InputFileError

    sample = boxes[:20_000]
    frame_of(boxgeom.box_convert(sample, "xyxy", "xywh"), 2, ["x", "y", "w", "h"]).to_parquet(tmp_path / "in")
    summary = bdask.run_pairs_cli(str(tmp_path / "in"), str(tmp_path / "out"))
    written = as_pairs(dd.read_parquet(tmp_path / "out"))
    np.testing.assert_array_equal(written, boxgeom.find_pairs(sample))
    assert f"20,000 boxes, {written.shape[1]:,} overlapping pairs" in summary
    with pytest.raises(InputFileError, match="missing"):
        bdask.run_pairs_cli(str(tmp_path / "missing"), None)


def test_import_boxgeom_does_not_import_dask():
    code = "import sys, boxgeom, boxgeom.dask; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=boxgeom.__path__[0] + "/..")


def test_distributed_local_cluster(boxes, tmp_path):
    distributed = pytest.importorskip("distributed")
    sample = boxes[:30_000]
    frame_of(sample, 3).to_parquet(tmp_path / "in", write_index=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, worker_dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        result = bdask.find_pairs(frame_of(sample, 3), iou=True, npartitions=4)
        pairs, iou = as_pairs(result, iou=True)
        summary = bdask.run_pairs_cli(str(tmp_path / "in"), None, scheduler=cluster.scheduler_address)
    expected = boxgeom.find_pairs(sample)
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_array_equal(iou, boxgeom.box_iou_pairs(sample, sample, expected))
    assert f"{expected.shape[1]:,} overlapping pairs" in summary
