"""BoxIndex: single and batch queries against brute force, touching, threads, bad input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import lattice_boxes, random_float_boxes, row_strided, with_layout
from hypothesis import given
from hypothesis import strategies as st
from oracles import overlap_matrix, pairs_between

import boxgeom
from boxgeom import BoxIndex
from boxgeom.datasets import random_boxes


@given(lattice_boxes(max_n=30), lattice_boxes(max_n=10), st.booleans())
def test_query_matches_brute_force(stored, queries, touching):
    index = BoxIndex(stored)
    assert len(index) == len(stored)
    assert np.array_equal(index.query(queries, touching=touching), pairs_between(queries, stored, touching))
    matrix = overlap_matrix(queries, stored, touching) if len(stored) else np.zeros((len(queries), 0), bool)
    for q, row in zip(queries, matrix):
        assert np.array_equal(index.query(q, touching=touching), np.flatnonzero(row))
        assert np.array_equal(index.query(q.tolist(), touching=touching), np.flatnonzero(row))


def test_query_dtypes_layouts_and_far_queries(dtype, layout):
    stored = random_boxes(2000, 1000, 50, seed=1).astype(dtype)
    queries = random_boxes(300, 1400, 80, seed=2).astype(dtype) - 200  # partly outside the index
    index = BoxIndex(with_layout(stored, layout))
    got = index.query(with_layout(queries, layout), n_threads=2)
    assert got.dtype == np.intp
    assert np.array_equal(got, pairs_between(queries, stored))
    assert np.array_equal(index.query(queries[7]), np.flatnonzero(overlap_matrix(queries[7:8], stored)[0]))


def test_float_queries_on_integer_index_are_exact():
    index = BoxIndex([[0, 0, 10, 10]])
    assert index.query([9.5, 9.5, 12.0, 12.0]).tolist() == [0]
    assert index.query([10.0, 0.0, 12.0, 1.0]).tolist() == []
    assert index.query([10.0, 0.0, 12.0, 1.0], touching=True).tolist() == [0]
    assert index.query(np.array([[-1.5, -1.5, 0.5, 0.5]], np.float32)).tolist() == [[0], [0]]


def test_zero_area_boxes_and_queries():
    index = BoxIndex([[0, 0, 4, 4], [2, 2, 2, 2], [1, 0, 1, 4]])
    assert index.query([2, 2, 2, 2]).tolist() == []
    assert index.query([2, 2, 2, 2], touching=True).tolist() == [0, 1]
    assert index.query([0, 0, 4, 4]).tolist() == [0]
    assert index.query([[0, 0, 4, 4]], touching=True).tolist() == [[0, 0, 0], [0, 1, 2]]


def test_formats():
    stored = random_boxes(200, 300, 40, seed=4, fmt="xywh")
    queries = random_boxes(50, 300, 40, seed=5, fmt="xywh")
    as_xyxy = lambda b: np.hstack([b[:, :2], b[:, :2] + b[:, 2:]])  # noqa: E731
    index = BoxIndex(stored, fmt="xywh")
    assert np.array_equal(index.query(queries), pairs_between(as_xyxy(queries), as_xyxy(stored)))
    assert np.array_equal(index.query(queries[3]), np.flatnonzero(overlap_matrix(as_xyxy(queries[3:4]), as_xyxy(stored))[0]))


def test_float_boxes():
    rng = np.random.default_rng(6)
    stored, queries = random_float_boxes(rng, 500), random_float_boxes(rng, 100)
    assert np.array_equal(BoxIndex(stored).query(queries), pairs_between(queries, stored))


def test_index_is_a_copy():
    boxes = np.array([[0, 0, 2, 2]], dtype=np.float64)
    index = BoxIndex(boxes)
    boxes[0] = [10, 10, 12, 12]
    assert index.query([1, 1, 3, 3]).tolist() == [0]


def test_row_strided_views_are_read_in_place(dtype):
    # dets[:, :4] and dets[::2, :4]: built and queried through their row step, never kept
    # (the index stores its own rows); the brute-force index too (up to 128 boxes).
    stored = random_boxes(3000, 2000, 60, seed=24)
    queries = random_boxes(800, 2200, 80, seed=25) - 100
    if dtype == np.int64:
        stored, queries = stored.astype(np.int64) * 2**33, queries.astype(np.int64) * 2**33  # stored as float64
    for every in (1, 2):
        for boxes in (stored, stored[:100]):
            expected = pairs_between(queries, boxes)
            view = row_strided(boxes.astype(dtype), every)
            index = BoxIndex(view)
            assert np.array_equal(index.query(row_strided(queries.astype(dtype), every), n_threads=2), expected)
            view[:] = view[::-1]
            assert np.array_equal(index.query(queries.astype(dtype), n_threads=1), expected)


def test_row_strided_coordinates_beyond_2_53_are_an_error():
    rows = row_strided(np.array([[0, 0, 1, 1], [0, 0, 2**60, 1]], dtype=np.int64), 2)
    with pytest.raises(ValueError, match=r"boxes: expected integer coordinates within \+-2\*\*53"):
        BoxIndex(rows)
    with pytest.raises(ValueError, match=r"row 1"):
        BoxIndex([[0, 0, 1, 1]]).query(rows)


def test_thread_safety():
    stored = random_boxes(20000, 4000, 100, seed=7)
    queries = random_boxes(4000, 4000, 100, seed=8)
    index = BoxIndex(stored)
    expected_batch = pairs_between(queries[:500], stored)
    expected_single = [index.query(q) for q in queries]

    def work(part: int):
        singles = [index.query(q) for q in queries[part::4]]
        return part, singles, index.query(queries[:500], n_threads=1)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(8)))
    for part, singles, batch in results:
        assert np.array_equal(batch, expected_batch)
        for got, want in zip(singles, expected_single[part::4]):
            assert np.array_equal(got, want)


def test_empty():
    index = BoxIndex(np.empty((0, 4)))
    assert len(index) == 0
    assert index.query([0, 0, 1, 1]).shape == (0,)
    assert index.query(np.empty((0, 4))).shape == (2, 0)
    assert BoxIndex([[0, 0, 1, 1]]).query(np.empty((0, 4))).shape == (2, 0)


@pytest.mark.parametrize(
    "query, match",
    [
        ([0, 0, 1], r"boxes: expected shape \(4,\)"),
        ([2, 0, 1, 1], "boxes: expected boxes with non-negative size"),
        ([0, float("nan"), 1, 1], "boxes: expected finite values"),
        ([[0, 0, 1]], r"boxes: expected shape \(n, 4\)"),
    ],
)
def test_bad_queries(query, match):
    with pytest.raises(ValueError, match=match):
        BoxIndex([[0, 0, 1, 1]]).query(query)


def test_bad_build_input():
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size"):
        BoxIndex([[0, 0, -1, 1]])
    with pytest.raises(ValueError, match="fmt"):
        BoxIndex([[0, 0, 1, 1]], fmt="yxyx")
    with pytest.raises(TypeError, match="touching"):
        BoxIndex([[0, 0, 1, 1]]).query([0, 0, 1, 1], touching=1)


# --- the grid paths: many boxes, sizes of several classes, batches of more than 512 queries -------------


def _size_mix(kind: str, n: int, seed: int) -> np.ndarray:
    """Float boxes whose sizes exercise the size levels: uniform, log-uniform, a few giants, lines, points."""
    rng = np.random.default_rng(seed)
    corner = rng.uniform(-500, 500, (n, 2))
    if kind == "uniform":
        size = rng.uniform(0, 40, (n, 2))
    elif kind == "log-uniform":
        size = np.exp(rng.uniform(-4, np.log(900), (n, 2)))
    elif kind == "giants":
        size = rng.uniform(0, 4, (n, 2))
        size[::97] = rng.uniform(200, 2000, (len(size[::97]), 2))
    elif kind == "lines":
        size = np.column_stack([rng.uniform(0, 60, n), np.zeros(n)])
    else:  # points and duplicates
        size = np.zeros((n, 2))
        corner[::3] = corner[0]
    return np.hstack([corner, corner + size])


@pytest.mark.parametrize("kind", ["uniform", "log-uniform", "giants", "lines", "points"])
def test_grid_batches_match_brute_force(kind):
    stored = _size_mix(kind, 3000, seed=20)
    queries = _size_mix(kind, 1500, seed=21)  # > 512 queries: visited in grid order
    index = BoxIndex(stored)
    for touching in (False, True):
        want = pairs_between(queries, stored, touching)
        assert np.array_equal(index.query(queries, touching=touching, n_threads=1), want)
        assert np.array_equal(index.query(queries, touching=touching, n_threads=2), want)
        matrix = overlap_matrix(queries[:40], stored, touching)
        for q, row in zip(queries[:40], matrix):
            assert np.array_equal(index.query(q, touching=touching), np.flatnonzero(row))


@given(st.integers(0, 2**32 - 1), st.integers(129, 400), st.sampled_from([2, 8, 40]), st.booleans())
def test_grid_hypothesis_integer_lattice(seed, n, size, touching):
    # more boxes than the brute-force cut-off, on a lattice: shared edges, duplicates, zero area
    rng = np.random.default_rng(seed)
    corner = rng.integers(-60, 60, (n, 2))
    stored = np.hstack([corner, corner + rng.integers(0, size + 1, (n, 2))])
    corner = rng.integers(-70, 70, (600, 2))
    queries = np.hstack([corner, corner + rng.integers(0, size + 1, (600, 2))])
    got = BoxIndex(stored).query(queries, touching=touching)
    assert np.array_equal(got, pairs_between(queries, stored, touching))


def test_large_index_dtypes_match_brute_force(dtype):
    stored = random_boxes(20000, 2000, 60, seed=9).astype(dtype)
    queries = random_boxes(700, 2000, 60, seed=10).astype(dtype)
    index = BoxIndex(stored)
    assert np.array_equal(index.query(queries), pairs_between(queries, stored))
    assert np.array_equal(index.query(queries[3]), np.flatnonzero(overlap_matrix(queries[3:4], stored)[0]))


def test_result_independent_of_threads_and_chunks():
    stored = random_boxes(50000, 4000, 100, seed=11)
    queries = random_boxes(30000, 4000, 100, seed=12)  # above the parallel threshold
    index = BoxIndex(stored)
    one = index.query(queries, n_threads=1)
    assert np.array_equal(one, index.query(queries, n_threads=2))
    assert np.array_equal(one, index.query(queries, n_threads=-1))
    # the first 2000 queries against brute force
    head = one[:, one[0] < 2000]
    assert np.array_equal(head, pairs_between(queries[:2000], stored))


def test_int64_storage_both_ranges():
    small = np.array([[0, 0, 10, 10], [5, 5, 20, 20]], dtype=np.int64)
    big = small + 2**40  # beyond int32: held as float64, still exact
    for boxes in (small, big):
        index = BoxIndex(np.repeat(boxes, 100, axis=0))
        q = boxes[1] - [0, 0, 5, 5]
        assert index.query(q).tolist() == list(range(0, 200))
        assert index.query(q.tolist()).tolist() == list(range(0, 200))


def test_integer_coordinates_beyond_2_53_are_an_error():
    with pytest.raises(ValueError, match=r"boxes: expected integer coordinates within \+-2\*\*53"):
        BoxIndex(np.array([[0, 0, 1, 1], [0, 0, 2**60, 1]], dtype=np.int64))
    index = BoxIndex([[0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"row 1"):
        index.query(np.array([[0, 0, 1, 1], [0, 0, 2**60, 1]], dtype=np.int64))
    with pytest.raises(ValueError, match=r"boxes: expected integer coordinates within"):
        index.query([0, 0, 2**60, 1])


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_single_query_fast_path_equals_general_path(fmt):
    rng = np.random.default_rng(13)
    stored = rng.integers(0, 50, (300, 4))
    stored[:, 2:] = stored[:, 2:] // 3 + (stored[:, :2] if fmt == "xyxy" else 0)
    index = BoxIndex(stored, fmt=fmt)
    for row in stored[:30]:
        want = index.query(row[None, :])[1]  # the batch path
        for box in (row.tolist(), tuple(row.tolist()), row, row.astype(np.int32), row.astype(np.float32),
                    row.astype(np.float64), [float(v) for v in row], [int(row[0]), float(row[1]), int(row[2]), row[3].item()]):
            assert np.array_equal(index.query(box), want), box
        # not plain numbers: numpy scalars, a non-contiguous row, a 2-D row take the general path
        assert np.array_equal(index.query([np.int64(v) for v in row]), want)
        assert np.array_equal(index.query(np.repeat(row, 2)[::2]), want)


def test_bad_single_queries_raise_like_the_general_path():
    index = BoxIndex(random_boxes(500, 400, 50, seed=14), fmt="xywh")
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size"):
        index.query([0, 0, -1, 1])
    with pytest.raises(ValueError, match="boxes: expected finite values"):
        index.query([0.0, float("inf"), 1.0, 1.0])
    with pytest.raises(TypeError, match="boxes"):
        index.query([True, False, True, True])
    with pytest.raises(TypeError, match="touching"):
        index.query([0, 0, 1, 1], touching=None)


def test_grids_diagnostic_splits_size_classes():
    grids = BoxIndex(_size_mix("log-uniform", 5000, seed=15))._core.grids()
    assert len(grids) > 1 and sum(g["boxes"] for g in grids) == 5000
    assert len(BoxIndex(random_boxes(5000, 4000, 100, seed=16))._core.grids()) == 1
    assert BoxIndex(random_boxes(50, 400, 100, seed=16))._core.grids()[0]["cells"] == (1, 1)  # brute force


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
@pytest.mark.parametrize("fmt", ["xyxy", "xywh"])
def test_pickle_round_trip_answers_the_same(dtype, fmt):
    import pickle

    xyxy = random_boxes(3000, 1000, 60, seed=11)
    boxes = boxgeom.box_convert(xyxy, "xyxy", fmt).astype(dtype)
    index = BoxIndex(boxes, fmt=fmt)
    copy = pickle.loads(pickle.dumps(index))
    queries = boxgeom.box_convert(random_boxes(500, 1000, 60, seed=12), "xyxy", fmt).astype(dtype)
    assert len(copy) == len(index) and repr(copy) == repr(index)
    assert np.array_equal(copy.query(queries), index.query(queries))
    assert np.array_equal(copy.query(queries[0].tolist(), touching=True), index.query(queries[0].tolist(), touching=True))


# --- the batch kernel's pieces: per-query sorts of every size, int32 bounds, flat levels -------------------


@pytest.mark.parametrize("threads", [1, 2])
def test_hits_sorted_for_every_count(threads):
    # queries of growing size over a dense index: hit counts from 0 to about 6000 cover one sorting network
    # (up to 8 ids), one block of 16, merges of 2, 3, 4 ... blocks (odd and even numbers of passes), the radix sort
    rng = np.random.default_rng(30)
    stored = random_boxes(6000, 400, 20, seed=31)
    side = np.concatenate([np.arange(0, 60), np.geomspace(60, 420, 140)]).astype(np.int32)
    corner = rng.integers(-10, 400, (len(side), 2)).astype(np.int32)
    queries = np.hstack([corner, corner + side[:, None]])
    queries = np.concatenate([queries] * 3)  # more than 512 queries: the grid-ordered batch path
    index = BoxIndex(stored)
    got = index.query(queries, n_threads=threads)
    want = pairs_between(queries, stored)
    assert np.array_equal(got, want)
    counts = np.bincount(want[0], minlength=len(queries))
    assert counts.min() == 0 and counts.max() > 4096 and len(np.unique(counts)) > 150
    for q in queries[:: len(side) // 20][:20]:
        assert np.array_equal(index.query(q), np.flatnonzero(overlap_matrix(q[None, :], stored)[0]))


@pytest.mark.parametrize("threads", [1, 2])
def test_batch_of_several_copy_blocks_matches_brute_force(threads):
    # 20,000 queries: the result is copied in blocks of 8,192 queries, ids a network's width at a time,
    # exactly near each block's end; hit counts 0 to about 150 put every kind of query at the block ends
    rng = np.random.default_rng(32)
    stored = random_boxes(4000, 300, 30, seed=33)
    corner = rng.integers(-20, 300, (20000, 2))
    queries = np.hstack([corner, corner + rng.integers(0, 70, (20000, 2))])
    got = BoxIndex(stored).query(queries, n_threads=threads)
    want = np.hstack([pairs_between(queries[i : i + 2000], stored) + [[i], [0]] for i in range(0, 20000, 2000)])
    assert np.array_equal(got, want)
    counts = np.bincount(want[0], minlength=len(queries))
    assert counts.min() == 0 and counts.max() > 60


def test_int32_index_with_queries_beyond_int32():
    edge = np.array([[-(2**31), -(2**31), -(2**31) + 5, -(2**31) + 5], [2**31 - 6, 2**31 - 6, 2**31 - 1, 2**31 - 1]])
    stored = np.concatenate([edge, random_boxes(500, 1000, 50, seed=32)]).astype(np.int32)  # a grid, stored as int32
    index = BoxIndex(stored)
    queries = np.array(
        [
            [-1e12, -1e12, 1e12, 1e12],  # everything
            [-3e9, -3e9, -(2**31), -(2**31)],  # touches the first box's corner only
            [2**31 - 1, 2**31 - 1, 5e9, 5e9],  # touches the second box's corner only
            [-4e9, -4e9, -3e9, -3e9],  # below int32
            [3e9, 3e9, 4e9, 4e9],  # above int32
            [-(2**31) + 4.5, -1e10, 0.0, -(2**31) + 0.5],
        ]
    )
    for touching in (False, True):
        want = pairs_between(queries, stored.astype(np.float64), touching)
        assert np.array_equal(index.query(queries, touching=touching), want)
        for i, q in enumerate(queries):
            assert np.array_equal(index.query(q, touching=touching), want[1, want[0] == i])


@pytest.mark.parametrize("dtype", [np.int32, np.float64])
def test_zero_area_boxes_in_grids(dtype):
    # levels holding zero-area boxes among others: strict queries must skip them, touching ones keep them
    stored = random_boxes(3000, 1000, 40, seed=33).astype(dtype)
    stored[::5, 2] = stored[::5, 0]  # vertical segments
    stored[1::7, 3] = stored[1::7, 1]  # horizontal segments
    stored[2::11, 2:] = stored[2::11, :2]  # points
    queries = random_boxes(800, 1000, 60, seed=34).astype(dtype)
    index = BoxIndex(stored)
    for touching in (False, True):
        assert np.array_equal(index.query(queries, touching=touching), pairs_between(queries, stored, touching))
