"""find_pairs, find_pairs_between and pairs_to_csr against brute force."""

from __future__ import annotations

import functools
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from boxgeom import find_pairs, find_pairs_between, pairs_to_csr
from boxgeom.datasets import random_boxes
from conftest import lattice_boxes, random_float_boxes, row_strided, with_layout
from oracles import pairs_between, pairs_self

METHODS = ["sweep", "grid", "auto"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("touching", [False, True])
@pytest.mark.parametrize("n, region", [(50, 400), (600, 400), (600, 40000), (3000, 4000)])
def test_random_sets_match_brute_force(n, region, touching, method):
    boxes = random_boxes(n, region, 100, seed=n)
    other = random_boxes(n // 3 + 1, region, 100, seed=n + 1)
    assert np.array_equal(find_pairs(boxes, touching=touching, method=method), pairs_self(boxes, touching))
    assert np.array_equal(
        find_pairs_between(boxes, other, touching=touching, method=method), pairs_between(boxes, other, touching)
    )


@pytest.mark.parametrize("method", METHODS)
def test_all_dtypes_and_layouts(dtype, layout, method):
    boxes = random_boxes(400, 300, 60, seed=7).astype(dtype)
    expected = pairs_self(boxes)
    result = find_pairs(with_layout(boxes, layout), method=method)
    assert result.dtype == np.intp and result.shape[0] == 2
    assert np.array_equal(result, expected)
    assert np.array_equal(find_pairs_between(boxes, with_layout(boxes, layout), method=method), pairs_between(boxes, boxes))


@given(lattice_boxes(), st.sampled_from(METHODS), st.booleans())
def test_lattice_edge_cases(boxes, method, touching):
    # Shared edges, corners, duplicates, nesting and zero-area boxes on a coarse lattice.
    assert np.array_equal(find_pairs(boxes, touching=touching, method=method), pairs_self(boxes, touching))


@given(lattice_boxes(max_n=20), lattice_boxes(max_n=20), st.sampled_from(METHODS), st.booleans())
def test_lattice_between(boxes1, boxes2, method, touching):
    expected = pairs_between(boxes1, boxes2, touching)
    assert np.array_equal(find_pairs_between(boxes1, boxes2, touching=touching, method=method), expected)


def test_shapely_semantics():
    rng = np.random.default_rng(3)
    boxes = np.round(random_float_boxes(rng, 300, 50, 15))  # rounding creates touching edges
    polygons = shapely.box(*boxes.T)
    strict = find_pairs(boxes)
    closed = find_pairs(boxes, touching=True)
    tree = shapely.STRtree(polygons)
    hits = tree.query(polygons, predicate="intersects")
    hits = hits[:, hits[0] < hits[1]]
    assert {tuple(p) for p in closed.T} == {tuple(p) for p in hits.T}
    areas = shapely.area(shapely.intersection(polygons[hits[0]], polygons[hits[1]]))
    assert {tuple(p) for p in strict.T} == {tuple(p) for p in hits[:, areas > 0].T}


def test_identical_nested_and_zero_area():
    boxes = np.array([[0, 0, 4, 4], [0, 0, 4, 4], [1, 1, 2, 2], [2, 2, 2, 3], [4, 0, 6, 4]])
    assert find_pairs(boxes).tolist() == [[0, 0, 1], [1, 2, 2]]
    # Touching adds the zero-area box (inside both) and the edge neighbour.
    assert find_pairs(boxes, touching=True).T.tolist() == [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [1, 3], [1, 4], [2, 3]]


@pytest.mark.parametrize("method", METHODS)
def test_huge_coordinates_are_exact(method):
    top = 2**31 - 1
    int32_boxes = np.array([[top - 10, 0, top, 10], [top - 3, 5, top, 6], [-(2**31), 0, -(2**31) + 1, 1]], np.int32)
    assert find_pairs(int32_boxes, method=method).tolist() == [[0], [1]]
    big = 2**61
    int64_boxes = np.array([[big - 2, 0, big, 2], [big - 1, 0, big, 1], [big - 4, 0, big - 2, 2]], np.int64)
    # The third box touches the first: exact integer comparison, not through float64.
    assert find_pairs(int64_boxes, method=method).tolist() == [[0], [1]]
    assert find_pairs(int64_boxes, touching=True, method=method).tolist() == [[0, 0], [1, 2]]


def test_one_giant_box_among_small_ones():
    boxes = random_boxes(2000, 4000, 50, seed=5)
    boxes = np.vstack([boxes, [[-10, -10, 5000, 5000]]]).astype(np.int32)
    for method in METHODS:
        assert np.array_equal(find_pairs(boxes, method=method), pairs_self(boxes))


def test_empty_inputs():
    empty = np.empty((0, 4))
    assert find_pairs(empty).shape == (2, 0)
    assert find_pairs([]).shape == (2, 0)
    assert find_pairs_between(empty, [[0, 0, 1, 1]]).shape == (2, 0)
    assert find_pairs_between([[0, 0, 1, 1]], empty).shape == (2, 0)
    assert find_pairs([[0, 0, 1, 1]]).shape == (2, 0)


def test_formats_give_the_same_pairs():
    xyxy = random_boxes(500, 400, 60, seed=11).astype(np.float64)
    xywh = np.hstack([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]])
    cxcywh = np.hstack([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]])
    expected = find_pairs(xyxy)
    assert np.array_equal(find_pairs(xywh, fmt="xywh"), expected)
    assert np.array_equal(find_pairs(cxcywh, fmt="cxcywh"), expected)


def test_mixed_dtypes_are_promoted():
    ints = random_boxes(300, 300, 50, seed=2)
    floats = ints.astype(np.float32) + 0.5
    assert np.array_equal(find_pairs_between(ints, floats), pairs_between(ints.astype(float), floats.astype(float)))


@pytest.mark.parametrize("method", ["sweep", "grid"])
def test_thread_count_does_not_change_the_output(method):
    boxes = random_boxes(20000, 3000, 60, seed=4)
    single = find_pairs(boxes, n_threads=1, method=method)
    assert np.array_equal(find_pairs(boxes, n_threads=2, method=method), single)
    assert np.array_equal(find_pairs(boxes, n_threads=-1, method=method), single)
    assert np.array_equal(find_pairs_between(boxes, boxes[::3], n_threads=2, method=method),
                          find_pairs_between(boxes, boxes[::3], n_threads=1, method=method))


def test_python_threads_get_identical_results():
    # The kernels release the GIL; concurrent calls must not interfere.
    sets = [random_boxes(5000, 2000, 60, seed=s) for s in range(4)]
    expected = [find_pairs(b, n_threads=1) for b in sets]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda b: find_pairs(b, n_threads=1), sets * 2))
    for got, want in zip(results, expected * 2):
        assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "boxes, error, match",
    [
        (np.zeros((3, 5)), ValueError, r"boxes: expected shape \(n, 4\), got \(3, 5\)"),
        (np.zeros(4), ValueError, r"boxes: expected shape \(n, 4\)"),
        ([[0, 0, np.nan, 1]], ValueError, "boxes: expected finite values.*row 0"),
        ([[0, 0, 1, 1], [0, 0, np.inf, 1]], ValueError, "row 1"),
        ([[0, 0, 1, 1], [2, 0, 1, 1]], ValueError, "boxes: .*x2 < x1.*row 1"),
        (np.zeros((2, 4), dtype=bool), TypeError, "boxes: expected an integer or floating dtype"),
        (np.zeros((2, 4), dtype=complex), TypeError, "boxes"),
        (np.zeros((2, 4), dtype=object), TypeError, "boxes"),
        (np.zeros((2, 4), dtype=np.uint64), TypeError, "boxes"),
        ("boxes", TypeError, "boxes"),
        (np.array([[0, 0, 2**62, 1]], np.int64), ValueError, r"int64 coordinates within"),
    ],
)
def test_bad_boxes(boxes, error, match):
    with pytest.raises(error, match=match):
        find_pairs(boxes)


def test_bad_arguments():
    boxes = [[0, 0, 1, 1]]
    with pytest.raises(ValueError, match="n_threads"):
        find_pairs(boxes, n_threads=0)
    with pytest.raises(TypeError, match="n_threads"):
        find_pairs(boxes, n_threads=1.5)
    with pytest.raises(ValueError, match="fmt"):
        find_pairs(boxes, fmt="yxyx")
    with pytest.raises(ValueError, match="method"):
        find_pairs(boxes, method="quadtree")
    with pytest.raises(TypeError, match="touching"):
        find_pairs(boxes, touching="yes")
    with pytest.raises(ValueError, match="boxes2"):
        find_pairs_between(boxes, [[0, 0, -1, 1]], fmt="xywh")


def test_small_dtypes_are_widened():
    boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3]], dtype=np.uint8)
    assert find_pairs(boxes).tolist() == [[0], [1]]
    assert find_pairs(boxes.astype(np.float16)).tolist() == [[0], [1]]


def test_pairs_to_csr_round_trip():
    boxes = random_boxes(1000, 500, 60, seed=9)
    pairs = find_pairs(boxes)
    indptr, indices = pairs_to_csr(pairs, len(boxes))
    assert indptr.dtype == np.int64 and indices.dtype == np.intp
    matrix = np.zeros((len(boxes), len(boxes)), bool)
    matrix[pairs[0], pairs[1]] = matrix[pairs[1], pairs[0]] = True
    for row in range(len(boxes)):
        assert indices[indptr[row]:indptr[row + 1]].tolist() == np.flatnonzero(matrix[row]).tolist()
    directed_ptr, directed = pairs_to_csr(pairs, len(boxes), symmetric=False)
    assert np.array_equal(np.repeat(np.arange(len(boxes)), np.diff(directed_ptr)), pairs[0])
    assert np.array_equal(directed, pairs[1])


def test_pairs_to_csr_sorts_unsorted_input_and_checks_it():
    indptr, indices = pairs_to_csr([[2, 0, 2], [0, 1, 1]], 3, symmetric=False)
    assert indptr.tolist() == [0, 1, 1, 3] and indices.tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match=r"pairs: expected row 1 within \[0, 3\)"):
        pairs_to_csr([[0], [3]], 3)
    with pytest.raises(ValueError, match=r"pairs: expected shape \(2, k\)"):
        pairs_to_csr(np.zeros((3, 2), int), 3)
    with pytest.raises(ValueError, match="n: expected a non-negative int"):
        pairs_to_csr([[0], [1]], -1)
    assert pairs_to_csr(np.empty((2, 0), int), 2)[0].tolist() == [0, 0, 0]


@pytest.mark.parametrize("touching", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_one_set_against_itself(touching, threads):
    # find_pairs_between(X, X) with the very same array takes the mirrored self-join path.
    boxes = random_boxes(3000, 1500, 60, seed=12).astype(np.int64)
    boxes[::97, 2] = boxes[::97, 0]                      # zero-width boxes
    boxes[1::89] = boxes[2::89][: len(boxes[1::89])]     # duplicates
    boxes[5] = [-50, -50, 1600, 40]                      # giants, one wide, one tall
    boxes[6] = [700, -20, 730, 1600]
    expected = pairs_between(boxes, boxes, touching)
    for method in ("grid", "auto", "sweep"):
        result = find_pairs_between(boxes, boxes, touching=touching, method=method, n_threads=threads)
        assert np.array_equal(result, expected), method
    assert np.array_equal(find_pairs_between(boxes, boxes.copy(), touching=touching, method="grid"), expected)


@functools.cache
def strided_test_sets():
    """Two sets with giants (one tall and one wide box in each) and a small one (int64), and
    their pairs from the oracles (computed once)."""
    boxes = random_boxes(2000, 3000, 80, seed=21)
    other = random_boxes(600, 3000, 200, seed=22)
    boxes[3], boxes[4] = [100, -10, 130, 2900], [-10, 500, 2900, 540]
    other[5], other[6] = [1500, 0, 1520, 3000], [0, 1500, 3000, 1510]
    small = boxes[:100]
    expected = {
        "self": pairs_self(boxes),
        "small": pairs_self(small),
        "between": pairs_between(boxes, other),
        "touching": pairs_between(other, boxes, True),
        "mirror": pairs_between(boxes, boxes),
    }
    return boxes, other, small, expected


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("threads", [1, 2])
def test_row_strided_views_give_the_pairs_of_the_values(dtype, method, threads):
    # The engine reads dets[:, :4] and dets[::2, :4] through their row step (brute force on
    # the small set, the line search, the strip join with its giants, X against X mirrored).
    boxes, other, small, expected = strided_test_sets()
    kw = {"method": method, "n_threads": threads}
    for every in (1, 2):
        view, other_view = row_strided(boxes.astype(dtype), every), row_strided(other.astype(dtype), every)
        assert np.array_equal(find_pairs(view, **kw), expected["self"])
        assert np.array_equal(find_pairs(row_strided(small.astype(dtype), every), **kw), expected["small"])
        assert np.array_equal(find_pairs_between(view, other_view, **kw), expected["between"])
        assert np.array_equal(find_pairs_between(other_view, view, touching=True, **kw), expected["touching"])
        assert np.array_equal(find_pairs_between(view, view, **kw), expected["mirror"])
        assert np.array_equal(find_pairs_between(view, boxes.astype(dtype), **kw), expected["mirror"])


def traced_peak(call) -> int:
    """Peak bytes traced by tracemalloc during ``call()`` (numpy arrays and Python objects)."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("method", ["auto", "sweep"])
def test_row_strided_input_is_not_copied(method):
    # 100k sparse boxes, few pairs: a copy of the input would be the largest traced block
    # (the engine's own buffers are malloc'ed, not traced). A Fortran array is copied.
    boxes = random_boxes(100_000, 10_000_000, 10, seed=23).astype(np.float64)
    view = row_strided(boxes)
    other = row_strided(random_boxes(100_000, 10_000_000, 10, seed=24).astype(np.float64), 2)
    assert traced_peak(lambda: find_pairs(view, method=method)) < view.nbytes // 4
    assert traced_peak(lambda: find_pairs_between(view, other, method=method)) < view.nbytes // 4
    assert traced_peak(lambda: find_pairs(np.asfortranarray(boxes), method=method)) >= view.nbytes
