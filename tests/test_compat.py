"""boxgeom.compat against box_intersect_lib_py: same results, types and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from boxgeom import compat
from boxgeom.datasets import random_boxes

peer = pytest.importorskip("box_intersect_lib_py")


def sorted_rows(rows):
    return [np.sort(row) for row in rows]


@pytest.mark.parametrize("n, region", [(0, 400), (1, 400), (8, 150), (100, 400), (500, 400), (5000, 4000)])
def test_find_intersecting_boxes_matches_the_peer(n, region):
    boxes = random_boxes(n, region, 100, seed=n, fmt="xywh")
    ours = compat.find_intersecting_boxes(boxes)
    theirs = peer.find_intersecting_boxes(boxes)
    assert isinstance(ours, list) and len(ours) == len(theirs)
    for mine, peers in zip(ours, sorted_rows(theirs)):
        assert mine.dtype == np.uint32 and mine.ndim == 1
        assert np.array_equal(mine, peers)
    assert compat.find_intersecting_boxes_rts is compat.find_intersecting_boxes
    assert compat.find_intersecting_boxes_linesearch is compat.find_intersecting_boxes


@pytest.mark.parametrize("n, m", [(0, 5), (5, 0), (300, 200), (2000, 3000)])
def test_asym_matches_the_peer(n, m):
    src = random_boxes(n, 1000, 100, seed=n, fmt="xywh")
    dest = random_boxes(m, 1000, 100, seed=m + 1, fmt="xywh")
    ours = compat.find_intersecting_boxes_asym(src, dest)
    theirs = peer.find_intersecting_boxes_asym(src, dest)
    assert len(ours) == len(theirs)
    for mine, peers in zip(ours, sorted_rows(theirs)):
        assert mine.dtype == np.uint32 and np.array_equal(mine, peers)


def test_asym_includes_self_hits():
    boxes = random_boxes(50, 200, 30, seed=1, fmt="xywh")
    rows = compat.find_intersecting_boxes_asym(boxes, boxes)
    assert all(i in row for i, row in enumerate(rows))


@given(st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.integers(1, 8), st.integers(1, 8)), max_size=40))
def test_touching_and_duplicates_match_the_peer(rows):
    boxes = np.array(rows, dtype=np.int32).reshape(-1, 4)
    for mine, peers in zip(compat.find_intersecting_boxes(boxes), sorted_rows(peer.find_intersecting_boxes(boxes))):
        assert np.array_equal(mine, peers)


def test_areas_match_the_peer():
    boxes = random_boxes(1000, 4000, 100, seed=3, fmt="xywh")
    assert compat.area(boxes).dtype == np.uint64
    assert np.array_equal(compat.area(boxes), peer.area(boxes))
    for i in (0, 17, 999):
        ours = compat.intersect_area(boxes[i], boxes)
        assert ours.dtype == np.uint64
        assert np.array_equal(ours, peer.intersect_area(boxes[i], boxes))
    huge = np.array([[0, 0, 2**31 - 1, 2**31 - 1]], np.int32)
    assert compat.area(huge)[0] == peer.area(huge)[0] == (2**31 - 1) ** 2


def test_no_int32_wrap_around():
    # The peer wraps x + w at int32 and misses this overlap; we compute x + w in int64.
    boxes = np.array([[2**31 - 6, 0, 10, 10], [2**31 - 9, 0, 10, 10]], np.int32)
    assert [row.tolist() for row in compat.find_intersecting_boxes(boxes)] == [[1], [0]]


def test_accepts_int64_floats_and_lists():
    boxes = [[0, 0, 2, 2], [1, 1, 2, 2]]
    expected = [[1], [0]]
    for value in (boxes, np.array(boxes, np.int64), np.array(boxes, np.float64) + 0.25):
        assert [row.tolist() for row in compat.find_intersecting_boxes(value)] == expected
    assert compat.area(np.array(boxes, np.float64) / 2).tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda: compat.find_intersecting_boxes(np.zeros((3, 5), np.int32)),
        lambda: compat.find_intersecting_boxes(np.zeros((0, 3), np.int32)),
        lambda: compat.find_intersecting_boxes(np.array([[0, 0, 0, 1]], np.int32)),
        lambda: compat.find_intersecting_boxes_asym([[0, 0, 1, 1]], [[0, 0, 1, -1]]),
        lambda: compat.area([[0, 0, 1, 0]]),
        lambda: compat.intersect_area([0, 0, 1], [[0, 0, 1, 1]]),
    ],
)
def test_errors_are_value_and_assertion_errors(call):
    with pytest.raises(compat.InvalidBoxesError) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, AssertionError)


def test_error_messages_keep_the_peers_words():
    with pytest.raises(AssertionError, match="Expects width and hight of boxes to be greater than 0.*row 1"):
        compat.find_intersecting_boxes(np.array([[0, 0, 1, 1], [0, 0, 0, 1]], np.int32))
    with pytest.raises(AssertionError, match=r"Expects 2nd dimension of box array to be size 4"):
        compat.find_intersecting_boxes(np.zeros((2, 3), np.int32))
    with pytest.raises(ValueError, match="finite"):
        compat.find_intersecting_boxes([[0, 0, np.nan, 1]])
