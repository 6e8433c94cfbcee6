"""BoxIndex: single and batch queries against brute force, touching, threads, bad input."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import lattice_boxes, random_float_boxes, with_layout
from hypothesis import given
from hypothesis import strategies as st
from oracles import overlap_matrix, pairs_between

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
