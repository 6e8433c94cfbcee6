"""nms, batched_nms, match_greedy, match_optimal and tile_cover against brute-force references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import lattice_boxes, random_float_boxes, row_strided, with_layout
from hypothesis import given
from hypothesis import strategies as st
from oracles import iou_matrix, overlap_matrix

from boxgeom import _match, _nms, batched_nms, match_greedy, match_optimal, nms, tile_cover
from boxgeom.datasets import random_boxes

# The kernels' ``method``: 1 brute force, 2 score-order walk / grid, 3 space order (NMS).
NMS_METHODS = [1, 2, 3]
MATCH_METHODS = [1, 2]


def inter_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    w = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    h = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    return w * h


def ref_nms(boxes, scores, threshold, overlap=None, labels=None) -> np.ndarray:
    """Textbook greedy NMS in numpy: stable order by decreasing score, O(n^2)."""
    boxes = np.asarray(boxes)
    n = len(boxes)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    iou = iou_matrix(boxes, boxes)
    inter = inter_matrix(boxes, boxes)
    area = np.diag(inter_matrix(boxes, boxes)) if n else np.zeros(0)
    strict = overlap_matrix(boxes, boxes)
    removed = np.zeros(n, dtype=bool)
    keep = []
    for i in order:
        if removed[i]:
            continue
        keep.append(i)
        hit = strict[i] & (iou[i] > threshold)
        if overlap is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                hit |= strict[i] & (area > 0) & (inter[i] / np.where(area > 0, area, 1) > overlap)
        if labels is not None:
            hit &= np.asarray(labels) == labels[i]
        removed |= hit
    return np.array(keep, dtype=np.intp)


def ref_match(boxes1, boxes2, threshold):
    """Greedy matching: candidates (strict overlap, IoU >= t) by (-IoU, i, j)."""
    iou = iou_matrix(boxes1, boxes2)
    ok = overlap_matrix(boxes1, boxes2) & (iou >= threshold) if len(boxes1) and len(boxes2) else np.zeros((0, 0), bool)
    cand = sorted((-iou[i, j], i, j) for i, j in zip(*np.nonzero(ok)))
    used1, used2, out = set(), set(), []
    for _, i, j in cand:
        if i not in used1 and j not in used2:
            used1.add(i)
            used2.add(j)
            out.append((i, j))
    return np.array(out, dtype=np.intp).reshape(-1, 2).T


def best_total(iou: np.ndarray, ok: np.ndarray) -> float:
    """Maximum total IoU of a one-to-one matching, by exhaustive search (tiny inputs)."""
    n, m = ok.shape
    best = 0.0
    for perm in itertools.permutations(range(m), min(n, m)) if n <= m else []:
        best = max(best, sum(iou[i, j] for i, j in enumerate(perm) if ok[i, j]))
    for perm in itertools.permutations(range(n), m) if n > m else []:
        best = max(best, sum(iou[i, j] for j, i in enumerate(perm) if ok[i, j]))
    return best


def check_cover(boxes: np.ndarray, tiles, indptr, indices, width, height) -> None:
    assert indptr[0] == 0 and indptr[-1] == len(boxes) == len(indices)
    assert np.array_equal(np.sort(indices), np.arange(len(boxes)))
    assert (np.diff(indptr) > 0).all()
    tile_of = np.repeat(np.arange(len(tiles)), np.diff(indptr))
    placed = np.asarray(tiles, dtype=np.float64)[tile_of]
    mine = np.asarray(boxes, dtype=np.float64)[indices]
    assert (placed[:, 0] <= mine[:, 0]).all() and (mine[:, 2] <= placed[:, 0] + width).all()
    assert (placed[:, 1] <= mine[:, 1]).all() and (mine[:, 3] <= placed[:, 1] + height).all()


# --- nms ---------------------------------------------------------------------------------


def test_nms_docstring_case_and_ties():
    boxes = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]]
    assert nms(boxes, [0.5, 0.5, 0.5], 0.5).tolist() == [0]
    assert nms(boxes, [0.1, 0.5, 0.5], 0.5).tolist() == [1]


def test_nms_ties_lower_index_first_at_large_n():
    boxes = random_boxes(3000, 400, 40, seed=5)
    scores = np.random.default_rng(5).integers(0, 3, 3000).astype(np.float64)
    assert np.array_equal(nms(boxes, scores, 0.3), ref_nms(boxes, scores, 0.3))


@pytest.mark.parametrize("overlap", [None, 0.0, 0.5])
def test_nms_matches_reference(dtype, layout, overlap):
    rng = np.random.default_rng(1)
    boxes = random_boxes(400, 300, 60, seed=2).astype(dtype)
    scores = rng.random(400)
    got = nms(with_layout(boxes, layout), scores, 0.3, overlap_threshold=overlap)
    assert np.array_equal(got, ref_nms(boxes, scores, 0.3, overlap))


def test_nms_iou_strict_and_overlap_uses_lower_box():
    a, b = [0, 0, 10, 10], [0, 0, 10, 5]  # IoU 0.5
    assert nms([a, b], [1, 0], 0.5).tolist() == [0, 1]
    assert nms([a, b], [1, 0], 0.49).tolist() == [0]
    small, big = [2, 2, 4, 4], [0, 0, 10, 10]
    assert nms([small, big], [1, 0], 0.9, overlap_threshold=0.5).tolist() == [0, 1]  # 4 / 100
    assert nms([big, small], [1, 0], 0.9, overlap_threshold=0.5).tolist() == [0]  # 4 / 4


def test_nms_touching_and_zero_area_never_suppress():
    boxes = [[0, 0, 1, 1], [1, 0, 2, 1], [0, 0, 0, 5], [0, 0, 1, 1]]
    assert nms(boxes, [3, 2, 1, 0], 0.0, overlap_threshold=0.0).tolist() == [0, 1, 2]


def test_nms_float_and_formats():
    rng = np.random.default_rng(3)
    boxes = random_float_boxes(rng, 300)
    scores = rng.random(300)
    assert np.array_equal(nms(boxes, scores, 0.2), ref_nms(boxes, scores, 0.2))
    xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
    converted = np.hstack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]])
    assert np.array_equal(nms(xywh, scores, 0.2, fmt="xywh"), nms(converted, scores, 0.2))


@given(lattice_boxes(max_n=25), st.data())
def test_nms_hypothesis_ties_and_duplicates(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, np.inf, -np.inf]), min_size=n, max_size=n)))
    threshold = data.draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    overlap = data.draw(st.sampled_from([None, 0.0, 0.6, 1.0]))
    got = nms(boxes, scores, threshold, overlap_threshold=overlap)
    assert np.array_equal(got, ref_nms(boxes, scores, threshold, overlap))


@given(lattice_boxes(max_n=25), st.data())
def test_batched_nms_hypothesis(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=n, max_size=n)))
    labels = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    got = batched_nms(boxes, scores, labels, 0.3)
    assert np.array_equal(got, ref_nms(boxes, scores, 0.3, labels=labels))


def test_batched_nms_large_coordinates_keep_precision():
    boxes = np.array([[1e15, 0, 1e15 + 10, 10], [1e15 + 1, 0, 1e15 + 11, 10], [1e15, 0, 1e15 + 10, 10]])
    assert batched_nms(boxes, [3, 2, 1], [0, 0, 1], 0.5).tolist() == [0, 2]


def test_nms_empty():
    assert nms(np.empty((0, 4)), [], 0.5).shape == (0,)
    assert batched_nms([], [], [], 0.5).dtype == np.intp


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scores": [1.0]}, "scores: expected length 2"),
        ({"scores": [1.0, np.nan]}, "scores: expected no NaN"),
        ({"iou_threshold": 1.5}, r"iou_threshold: expected a number in \[0, 1\]"),
        ({"iou_threshold": float("nan")}, "iou_threshold"),
        ({"overlap_threshold": -0.1}, "overlap_threshold"),
        ({"boxes": [[0, 0, 1]]}, r"boxes: expected shape \(n, 4\)"),
        ({"boxes": [[2, 0, 1, 1], [0, 0, 1, 1]]}, "boxes: expected boxes with non-negative size"),
    ],
)
def test_nms_bad_input(kwargs, match):
    args = {"boxes": [[0, 0, 1, 1], [0, 0, 2, 2]], "scores": [1.0, 0.5], "iou_threshold": 0.5} | kwargs
    with pytest.raises(ValueError, match=match):
        nms(**args)


def test_batched_nms_bad_idxs():
    with pytest.raises(ValueError, match="idxs: expected length 2"):
        batched_nms([[0, 0, 1, 1], [0, 0, 2, 2]], [1, 0], [0], 0.5)
    with pytest.raises(TypeError, match="idxs"):
        batched_nms([[0, 0, 1, 1]], [1], [0.5], 0.5)


def kernel_nms(boxes, scores, threshold, overlap=None, labels=None, method=0, n_threads=1):
    """``_nms.greedy_nms`` with the modern rule on validated arrays, one path forced."""
    boxes = np.ascontiguousarray(boxes)
    labels = None if labels is None else np.ascontiguousarray(labels, dtype=np.int64)
    return _nms.greedy_nms(boxes, np.asarray(scores, dtype=np.float64), labels, iou_threshold=threshold,
                           overlap_threshold=overlap, n_threads=n_threads, method=method)


@pytest.mark.parametrize("method", NMS_METHODS)
@pytest.mark.parametrize("overlap", [None, 0.3])
def test_nms_every_path_matches_reference(dtype, method, overlap):
    rng = np.random.default_rng(method)
    boxes = random_boxes(700, 500, 80, seed=method).astype(dtype)
    boxes[:40, 2:] = boxes[:40, :2]  # zero area: kept, suppress nothing
    boxes[40] = [0, 0, 500, 500]  # a box over all others (a high level of the grid)
    scores = rng.integers(0, 6, len(boxes)).astype(np.float64)  # heavy ties
    labels = rng.integers(-2, 2, len(boxes))
    assert np.array_equal(kernel_nms(boxes, scores, 0.3, overlap, method=method), ref_nms(boxes, scores, 0.3, overlap))
    assert np.array_equal(kernel_nms(boxes, scores, 0.3, overlap, labels, method),
                          ref_nms(boxes, scores, 0.3, overlap, labels))


@given(lattice_boxes(max_n=40), st.data())
def test_nms_paths_hypothesis(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, -np.inf]), min_size=n, max_size=n)))
    labels = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    threshold = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    overlap = data.draw(st.sampled_from([None, 0.0, 0.6]))
    want = ref_nms(boxes, scores, threshold, overlap)
    want_labels = ref_nms(boxes, scores, threshold, overlap, labels)
    for method in NMS_METHODS:
        assert np.array_equal(kernel_nms(boxes, scores, threshold, overlap, method=method), want)
        assert np.array_equal(kernel_nms(boxes, scores, threshold, overlap, labels, method), want_labels)


def test_nms_paths_and_threads_agree_at_scale():
    # Beyond the oracle's reach: the three paths and any thread count give one answer
    # (chunks of the space-order path run on several threads from 16384 boxes).
    boxes = random_boxes(60_000, 4000, 100, seed=21)
    scores = np.random.default_rng(21).integers(0, 50, len(boxes)).astype(np.float64)
    labels = np.random.default_rng(22).integers(0, 4, len(boxes))
    want = kernel_nms(boxes, scores, 0.1, 0.3, method=2)
    want_labels = kernel_nms(boxes, scores, 0.1, 0.3, labels, method=2)
    for threads in (1, 2, 3):
        assert np.array_equal(kernel_nms(boxes, scores, 0.1, 0.3, method=3, n_threads=threads), want)
        assert np.array_equal(kernel_nms(boxes, scores, 0.1, 0.3, labels, method=3, n_threads=threads), want_labels)
        assert np.array_equal(nms(boxes, scores, 0.1, overlap_threshold=0.3, n_threads=threads), want)


def test_nms_paths_extreme_coordinates():
    big = 2**60
    ints = np.array([[-big, -big, big, big], [0, 0, 1, 1], [0, 0, 2, 2], [big, big, big + 5, big + 5],
                     [-5, -5, 3, 3], [big - 3, big, big + 1, big + 4]] * 60, dtype=np.int64)
    floats = np.array([[-1e300, -1e300, 1e300, 1e300], [0, 0, 1e-300, 1e-300], [0, 0, 1, 1],
                       [5e-324, 0, 1e-323, 1], [1e15, 0, 1e15 + 10, 10], [1e15 + 1, 0, 1e15 + 11, 10]] * 60)
    scores = np.random.default_rng(3).random(len(ints))
    for boxes in (ints, floats):
        want = kernel_nms(boxes, scores, 0.3, 0.5, method=1)  # the textbook walk, exact arithmetic
        for method in (2, 3):
            assert np.array_equal(kernel_nms(boxes, scores, 0.3, 0.5, method=method), want)
    finite = floats[1:6]  # without the 1e300 box, whose area overflows in the oracle
    assert np.array_equal(kernel_nms(finite, scores[:5], 0.3, 0.5, method=1), ref_nms(finite, scores[:5], 0.3, 0.5))


def test_nms_releases_the_gil():
    from concurrent.futures import ThreadPoolExecutor

    boxes = random_boxes(30_000, 3000, 100, seed=4)
    scores = np.random.default_rng(4).random(len(boxes))
    want = nms(boxes, scores, 0.5)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: nms(boxes, scores, 0.5, n_threads=1), range(4)))
    assert all(np.array_equal(r, want) for r in results)


# --- matching --------------------------------------------------------------------------------


@given(lattice_boxes(max_n=12), lattice_boxes(max_n=12), st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_match_greedy_hypothesis(boxes1, boxes2, threshold):
    matches, left1, left2 = match_greedy(boxes1, boxes2, threshold)
    assert np.array_equal(matches, ref_match(boxes1, boxes2, threshold))
    assert np.array_equal(np.sort(np.concatenate([matches[0], left1])), np.arange(len(boxes1)))
    assert np.array_equal(np.sort(np.concatenate([matches[1], left2])), np.arange(len(boxes2)))


def test_match_greedy_threshold_inclusive_and_float(dtype):
    a = np.array([[0, 0, 10, 10]], dtype=dtype)
    b = np.array([[0, 0, 10, 5]], dtype=dtype)  # IoU exactly 0.5
    assert match_greedy(a, b, 0.5)[0].tolist() == [[0], [0]]
    assert match_greedy(a, b, 0.51)[0].shape == (2, 0)
    rng = np.random.default_rng(4)
    x, y = random_float_boxes(rng, 200), random_float_boxes(rng, 150)
    assert np.array_equal(match_greedy(x, y, 0.1)[0], ref_match(x, y, 0.1))


@pytest.mark.parametrize("method", MATCH_METHODS)
def test_match_greedy_every_path_matches_reference(dtype, method):
    first = random_boxes(300, 400, 80, seed=5).astype(dtype)
    second = random_boxes(250, 400, 80, seed=6).astype(dtype)
    first[:20, 2:] = first[:20, :2]  # zero area: never a candidate
    second[0] = [0, 0, 400, 400]
    for threshold in (0.0, 0.1, 0.5):
        matches, left1, left2 = _match.greedy_matching(first, second, iou_threshold=threshold, method=method)
        assert np.array_equal(matches, ref_match(first, second, threshold))
        assert np.array_equal(np.sort(np.concatenate([matches[0], left1])), np.arange(len(first)))
        assert np.array_equal(np.sort(np.concatenate([matches[1], left2])), np.arange(len(second)))


@given(lattice_boxes(max_n=14), lattice_boxes(max_n=14), st.sampled_from([0.0, 0.1, 0.5, 1.0]))
def test_match_greedy_paths_hypothesis(boxes1, boxes2, threshold):
    want = ref_match(boxes1, boxes2, threshold)
    for method in MATCH_METHODS:
        for by_second in (False, True):
            matches = _match.greedy_matching(np.ascontiguousarray(boxes1), np.ascontiguousarray(boxes2),
                                             iou_threshold=threshold, by_second=by_second, method=method)[0]
            # the tie rule only changes the acceptance order, never the pairs
            assert sorted(map(tuple, matches.T.tolist())) == sorted(map(tuple, want.T.tolist()))
            if not by_second:
                assert np.array_equal(matches, want)


def test_match_greedy_threads_and_paths_agree_at_scale():
    # Several chunks of 4096 rows: the same matching whatever the threads.
    first = random_boxes(9000, 3000, 100, seed=7)
    second = random_boxes(7000, 3000, 100, seed=8)
    want = _match.greedy_matching(first, second, iou_threshold=0.1, method=1)
    for threads in (1, 2, 3):
        got = _match.greedy_matching(first, second, iou_threshold=0.1, n_threads=threads, method=2)
        assert all(np.array_equal(g, w) for g, w in zip(got, want))
        assert all(np.array_equal(g, w) for g, w in zip(match_greedy(first, second, 0.1, n_threads=threads), want))


@pytest.mark.parametrize("offset", [2.0**52, -(2.0**60), 1e150])
def test_match_greedy_brute_force_x_window_large_floats(offset):
    # the brute force searches boxes2 by x1 in float64: rounding near the offset must not lose a pair
    rng = np.random.default_rng(7)
    corners = rng.integers(0, 40, (60, 2)).astype(np.float64) * (offset * 2.0**-50)
    sizes = rng.integers(1, 8, (60, 2)).astype(np.float64) * (offset * 2.0**-50)
    boxes = np.hstack([offset + corners, offset + corners + sizes])
    want = ref_match(boxes, boxes[::-1], 0.1)
    got = _match.greedy_matching(boxes, boxes[::-1].copy(), iou_threshold=0.1, method=1)[0]
    assert np.array_equal(got, want)


def test_match_greedy_extreme_coordinates():
    big = 2**60
    boxes = np.array([[-big, -big, big, big], [0, 0, 1, 1], [0, 0, 2, 2], [big, big, big + 5, big + 5],
                      [-5, -5, 3, 3]] * 40, dtype=np.int64)
    want = _match.greedy_matching(boxes, boxes[::-1].copy(), iou_threshold=0.0, method=1)
    got = _match.greedy_matching(boxes, boxes[::-1].copy(), iou_threshold=0.0, method=2)
    assert all(np.array_equal(g, w) for g, w in zip(got, want))


@given(lattice_boxes(max_n=6), lattice_boxes(max_n=6), st.sampled_from([0.0, 0.2]))
def test_match_optimal_is_optimal(boxes1, boxes2, threshold):
    matches, left1, left2 = match_optimal(boxes1, boxes2, threshold)
    iou = iou_matrix(boxes1, boxes2)
    ok = overlap_matrix(boxes1, boxes2) & (iou >= threshold) if len(boxes1) and len(boxes2) else np.zeros((len(boxes1), len(boxes2)), bool)
    assert ok[matches[0], matches[1]].all()
    assert len(set(matches[0].tolist())) == matches.shape[1] == len(set(matches[1].tolist()))
    assert iou[matches[0], matches[1]].sum() == pytest.approx(best_total(iou, ok))
    greedy = match_greedy(boxes1, boxes2, threshold)[0]
    assert iou[matches[0], matches[1]].sum() >= iou[greedy[0], greedy[1]].sum() - 1e-12
    assert len(left1) == len(boxes1) - matches.shape[1]


def test_match_optimal_beats_greedy_on_peer_example():
    a, b = [[0, 0, 10, 10], [3, 0, 13, 10]], [[1, 0, 11, 10], [-3, 0, 7, 10]]
    assert match_greedy(a, b, 0.1)[0].tolist() == [[0, 1], [0, 1]]
    assert match_optimal(a, b, 0.1)[0].tolist() == [[1, 0], [0, 1]]


def test_match_optimal_many_components():
    x = random_boxes(600, 600, 60, seed=8)
    y = random_boxes(600, 600, 60, seed=9)
    matches, _, _ = match_optimal(x, y, 0.1)
    greedy = match_greedy(x, y, 0.1)[0]
    iou = iou_matrix(x, y)
    assert (iou[matches[0], matches[1]] >= 0.1).all()
    assert iou[matches[0], matches[1]].sum() >= iou[greedy[0], greedy[1]].sum() - 1e-9


def test_match_optimal_row_strided_views(dtype):
    # The candidate search reads dets[:, :4] and dets[::2, :4] through their row step.
    x = random_boxes(1200, 1500, 80, seed=27)
    y = random_boxes(1000, 1500, 80, seed=28)
    expected = match_optimal(x, y, 0.2)
    iou = iou_matrix(x, y)
    assert (iou[expected[0][0], expected[0][1]] >= 0.2).all()
    for every in (1, 2):
        got = match_optimal(row_strided(x.astype(dtype), every), row_strided(y.astype(dtype)), 0.2)
        for a, b in zip(got, expected):
            assert np.array_equal(a, b)


def test_match_empty_and_bad_input():
    matches, left1, left2 = match_greedy(np.empty((0, 4)), [[0, 0, 1, 1]], 0.5)
    assert matches.shape == (2, 0) and left1.shape == (0,) and left2.tolist() == [0]
    with pytest.raises(ValueError, match="iou_threshold"):
        match_greedy([[0, 0, 1, 1]], [[0, 0, 1, 1]], -0.5)
    with pytest.raises(ValueError, match="boxes2: expected shape"):
        match_optimal([[0, 0, 1, 1]], [[0, 0, 1]], 0.5)


# --- tile_cover ------------------------------------------------------------------------------


@given(lattice_boxes(max_n=40, allow_empty=True), st.integers(6, 12), st.integers(6, 12))
def test_tile_cover_hypothesis(boxes, width, height):
    tiles, indptr, indices = tile_cover(boxes, width, height)
    check_cover(boxes, tiles, indptr, indices, width, height)
    for start, stop in zip(indptr[:-1], indptr[1:]):
        assert np.all(np.diff(indices[start:stop]) > 0)


def test_tile_cover_valid_and_not_worse_than_peer_sweep(dtype):
    from boxgeom import _compat_detection

    boxes = random_boxes(5000, 4000, 100, seed=11)
    tiles, indptr, indices = tile_cover(boxes.astype(dtype), 500, 500)
    check_cover(boxes, tiles, indptr, indices, 500, 500)
    xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
    assert len(tiles) <= len(_compat_detection.efficient_coverage(xywh, 500, 500))


def test_tile_cover_float_sizes_and_formats():
    rng = np.random.default_rng(12)
    boxes = random_float_boxes(rng, 500)
    tiles, indptr, indices = tile_cover(boxes, 33.3, 25.5)
    check_cover(boxes, tiles, indptr, indices, 33.3, 25.5)
    ints = random_boxes(300, 200, 20, seed=3)
    tiles, indptr, indices = tile_cover(ints, 20.7, 20)
    check_cover(ints, tiles, indptr, indices, 20, 20)  # integer corners: floor(20.7) is what fits


@pytest.mark.parametrize("extent", [40, 41])
def test_tile_cover_one_tile_when_everything_fits(dtype, extent):
    rng = np.random.default_rng(extent)
    corner = rng.integers(-20, extent - 30, (300, 2))
    boxes = np.hstack([corner, corner + rng.integers(0, 10, (300, 2))])
    boxes[0] = [-20, -20, -15, -15]
    boxes[1] = [extent - 25, extent - 25, extent - 20, extent - 20]  # the joint extent: `extent` in x and y
    boxes = boxes.astype(dtype)
    tiles, indptr, indices = tile_cover(boxes, 40, 40)
    check_cover(boxes, tiles, indptr, indices, 40, 40)
    if extent == 40:
        assert tiles.tolist() == [[-20, -20]] and indptr.tolist() == [0, 300]
        assert np.array_equal(indices, np.arange(300))
    else:
        assert len(tiles) >= 2


def test_tile_cover_exact_fit_and_empty():
    tiles, indptr, indices = tile_cover([[0, 0, 5, 5]], 5, 5)
    assert tiles.tolist() == [[0, 0]] and indices.tolist() == [0]
    tiles, indptr, indices = tile_cover(np.empty((0, 4)), 5, 5)
    assert tiles.shape == (0, 2) and indptr.tolist() == [0] and indices.shape == (0,)


@given(lattice_boxes(max_n=40, allow_empty=True), st.integers(6, 12), st.integers(6, 12))
def test_tile_cover_never_more_tiles_than_the_peer_sweep(boxes, width, height):
    from boxgeom import _compat_detection

    tiles, _, _ = tile_cover(boxes, width, height)
    xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]) if len(boxes) else np.empty((0, 4), np.int64)
    positive = (xywh[:, 2] > 0) & (xywh[:, 3] > 0)
    if positive.all():  # the compat layer takes boxes of positive size only
        assert len(tiles) <= len(_compat_detection.efficient_coverage(xywh, width, height))


@pytest.mark.parametrize("seed", range(4))
def test_tile_cover_each_sweep_is_valid(seed, dtype):
    from boxgeom import _cover

    rng = np.random.default_rng(seed)
    n = 3000
    corner = rng.uniform(-300, 300, (n, 2)) if dtype.kind == "f" else rng.integers(-300, 300, (n, 2))
    boxes = np.hstack([corner, corner + rng.uniform(0, 40, (n, 2)).astype(corner.dtype)]).astype(dtype)
    for width, height in ((40, 40), (55.5, 41.0), (400, 60)):
        for both in (False, True):
            bad, (tiles, indptr, indices) = _cover.tile_cover(boxes, width, height, both=both, n_threads=1)
            assert bad == -1
            w, h = (width, height) if dtype.kind == "f" else (int(width), int(height))
            check_cover(boxes, tiles, indptr, indices, w, h)


@pytest.mark.parametrize("n, side", [(300, 500), (300, 5000), (9000, 500)])
def test_tile_cover_row_strided_views(dtype, n, side):
    # dets[:, :4] and dets[::2, :4] read through their row step: one block of rows, several
    # (from 8192 boxes), one tile for all; both sweeps on one and on two threads.
    boxes = random_boxes(n, 4000, 100, seed=n)
    expected = tile_cover(boxes.astype(dtype), side, side, n_threads=1)
    check_cover(boxes, *expected, side, side)
    for every in (1, 2):
        for threads in (1, 2):
            got = tile_cover(row_strided(boxes.astype(dtype), every), side, side, n_threads=threads)
            for a, b in zip(got, expected):
                assert np.array_equal(a, b)


def test_tile_cover_threads_do_not_change_the_result():
    boxes = random_boxes(120_000, 20_000, 100, seed=13)  # above the two-thread threshold
    one = tile_cover(boxes, 500, 500, n_threads=1)
    two = tile_cover(boxes, 500, 500, n_threads=2)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
    check_cover(boxes, *one, 500, 500)
    with pytest.raises(ValueError, match="n_threads"):
        tile_cover(boxes[:10], 500, 500, n_threads=0)


def test_tile_cover_large_coordinates_and_sizes():
    big = 2**60
    boxes = np.array([[-big, -big, -big + 10, -big + 10], [big - 10, big - 10, big, big], [0, 0, 2**61, 1]], np.int64)
    tiles, indptr, indices = tile_cover(boxes, 2.0**62, 2.0**62)
    assert len(tiles) == 1 and indices.tolist() == [0, 1, 2]
    (x, y), = tiles.tolist()  # exact: Python ints
    assert all(x <= x1 and x2 <= x + 2**62 and y <= y1 and y2 <= y + 2**62 for x1, y1, x2, y2 in boxes.tolist())
    tiles, indptr, indices = tile_cover(boxes[:2], 10, 10)
    assert tiles.tolist() == [[-big, -big], [big - 10, big - 10]]


@pytest.mark.parametrize("width, height, match", [(0, 5, "tile_width"), (5, -1, "tile_height"),
                                                  (float("nan"), 5, "tile_width"), (5, 3, "row 1 of size 4 x 4")])
def test_tile_cover_bad_input(width, height, match):
    with pytest.raises(ValueError, match=match):
        tile_cover([[0, 0, 1, 1], [0, 0, 4, 4], [0, 0, 9, 9]], width, height)


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.5])
def test_match_optimal_on_one_giant_component_equals_the_dense_optimum(threshold):
    # dense boxes chain into one connected component; scipy's dense solver is the oracle
    linear_sum_assignment = pytest.importorskip("scipy.optimize").linear_sum_assignment
    first = random_boxes(500, 300, 60, seed=3)
    second = random_boxes(450, 300, 60, seed=4)
    matches, left1, left2 = match_optimal(first, second, threshold)
    iou = iou_matrix(first, second)
    weight = np.where(overlap_matrix(first, second) & (iou >= threshold), iou, 0.0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    assert weight[matches[0], matches[1]].min() > 0
    assert weight[matches[0], matches[1]].sum() == pytest.approx(weight[rows, cols].sum(), rel=1e-12)
    assert len(set(matches[0].tolist())) == matches.shape[1] == len(set(matches[1].tolist()))
    assert sorted(left1.tolist() + matches[0].tolist()) == list(range(len(first)))
    assert sorted(left2.tolist() + matches[1].tolist()) == list(range(len(second)))
