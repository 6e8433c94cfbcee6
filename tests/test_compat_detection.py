"""The detection half of boxgeom.compat against box-intersect-lib-py and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import lattice_boxes, row_strided
from hypothesis import given
from hypothesis import strategies as st
from oracles import overlap_matrix

from boxgeom import InvalidBoxesError, _nms
from boxgeom._compat_detection import BoxIntersector, efficient_coverage, find_best_matches, find_non_max_suppressed
from boxgeom.datasets import random_boxes

CONFIGS = [(100, 400), (2000, 4000), (20000, 4000)]
# tile cover: one tile; open tiles scanned in full (anchors within 4 tile heights); bucketed
COVER_CONFIGS = [(100, 400), (300, 1500), (2000, 4000), (20000, 4000)]


@pytest.fixture(scope="module")
def peer():
    return pytest.importorskip("box_intersect_lib_py")


def to_xywh(xyxy: np.ndarray) -> np.ndarray:
    return np.hstack([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]])


def ref_peer_nms(xywh, scores, iou_t, overlap_t):
    """The peer's rule in numpy: strict products, overlap over the lower box's area."""
    b = np.asarray(xywh, dtype=np.int64)
    xyxy = np.hstack([b[:, :2], b[:, :2] + b[:, 2:]]).astype(np.float64)
    w = np.clip(np.minimum(xyxy[:, None, 2], xyxy[None, :, 2]) - np.maximum(xyxy[:, None, 0], xyxy[None, :, 0]), 0, None)
    h = np.clip(np.minimum(xyxy[:, None, 3], xyxy[None, :, 3]) - np.maximum(xyxy[:, None, 1], xyxy[None, :, 1]), 0, None)
    inter = w * h
    area = (b[:, 2] * b[:, 3]).astype(np.float64)
    union = area[:, None] + area[None, :] - inter
    hit = (inter > 0) & ((inter > union * iou_t) | (inter > area[None, :] * overlap_t))
    kept = np.zeros(len(b), dtype=bool)
    removed = np.zeros(len(b), dtype=bool)
    for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable"):
        if not removed[i]:
            kept[i] = True
            removed |= hit[i]
    return kept


@pytest.mark.parametrize("n, region", CONFIGS)
def test_nms_parity(peer, n, region):
    boxes = random_boxes(n, region, 100, seed=n, fmt="xywh")
    scores = np.random.default_rng(n).random(n)  # distinct: no ties
    for iou_t, overlap_t in [(0.1, 0.3), (0.5, 1.0), (1.0, 0.0)]:
        got = find_non_max_suppressed(boxes, scores, iou_t, overlap_t)
        assert got.dtype == bool
        assert np.array_equal(got, peer.find_non_max_suppressed(boxes, scores, iou_t, overlap_t))


def test_nms_parity_space_order_path(peer):
    # Beyond 200000 boxes the kernel decides boxes in space order (and on several threads).
    boxes = random_boxes(250_000, 20000, 100, seed=3, fmt="xywh")
    scores = np.random.default_rng(3).random(len(boxes))
    got = find_non_max_suppressed(boxes, scores, 0.1, 0.3)
    assert np.array_equal(got, peer.find_non_max_suppressed(boxes, scores, 0.1, 0.3))


@pytest.mark.parametrize("method", [1, 2, 3])
def test_nms_peer_rule_every_path(method):
    xywh = random_boxes(600, 500, 80, seed=method, fmt="xywh").astype(np.int64)
    xyxy = np.hstack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]])
    scores = np.random.default_rng(method).integers(0, 5, len(xywh)).astype(np.float64)
    for iou_t, overlap_t in [(0.1, 0.3), (-1.0, float("nan")), (float("nan"), 0.5), (1.0, 1.0)]:
        keep = _nms.greedy_nms(xyxy, scores, None, iou_threshold=iou_t, overlap_threshold=overlap_t, peer_rule=True,
                               n_threads=1, method=method)
        mask = np.zeros(len(xywh), dtype=bool)
        mask[keep] = True
        assert np.array_equal(mask, ref_peer_nms(xywh, scores, iou_t, overlap_t))


def test_matches_one_set_with_itself(peer):
    boxes = random_boxes(3000, 2000, 100, seed=5, fmt="xywh")
    got = find_best_matches(boxes, boxes, 0.1)  # the same object: validated once
    for g, c, w in zip(got, find_best_matches(boxes, boxes.copy(), 0.1), peer.find_best_matches(boxes, boxes, 0.1)):
        assert g.dtype == np.uint32 and np.array_equal(g, c) and np.array_equal(g, w)


@pytest.mark.parametrize("n, region", CONFIGS)
def test_matches_parity(peer, n, region):
    first = random_boxes(n, region, 100, seed=n, fmt="xywh")
    second = random_boxes(n, region, 100, seed=n + 1, fmt="xywh")
    for threshold in (0.1, 0.5):
        got = find_best_matches(first, second, threshold)
        want = peer.find_best_matches(first, second, threshold)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype == np.uint32 and g.shape == w.shape
            assert np.array_equal(g, w)


def assert_same_coverage(xywh: np.ndarray, got: list, want: list) -> None:
    """Equal tiles and members; members in the same order unless two boxes share (x, y)."""
    assert len(got) == len(want)
    keys = xywh[:, 0].astype(np.int64) * 2**32 + xywh[:, 1]
    ties = len(np.unique(keys)) < len(keys)
    for (xy, members), (peer_xy, peer_members) in zip(got, want):
        assert xy == peer_xy and all(type(v) is int for v in xy)
        assert members.dtype == np.uint32
        if ties:  # the peer's unstable sort orders equal (x, y) arbitrarily
            assert sorted(members.tolist()) == sorted(peer_members.tolist())
        else:
            assert np.array_equal(members, peer_members)


@pytest.mark.parametrize("n, region", COVER_CONFIGS)
def test_coverage_parity(peer, n, region):
    boxes = random_boxes(n, region, 100, seed=n, fmt="xywh")
    assert_same_coverage(boxes, efficient_coverage(boxes, 500, 500), peer.efficient_coverage(boxes, 500, 500))


@pytest.mark.parametrize("extent", [499, 500, 501])
def test_coverage_parity_around_one_tile(peer, extent):
    """Boxes whose joint extent is just below, at, or just above the tile's size."""
    rng = np.random.default_rng(extent)
    corner = rng.integers(-50, extent - 110, (200, 2))  # every box ends before extent - 50
    xywh = np.hstack([corner, rng.integers(1, 60, (200, 2))]).astype(np.int32)
    xywh[0] = [-50, -50, 10, 10]
    xywh[1, :2] = extent - 50 - xywh[1, 2:]  # one box ends at the far corner of the extent
    got = efficient_coverage(xywh, 500, 500)
    assert_same_coverage(xywh, got, peer.efficient_coverage(xywh, 500, 500))
    assert (len(got) == 1) == (extent <= 500)


@given(lattice_boxes(max_n=40, allow_empty=False), st.integers(6, 30), st.integers(6, 30))
def test_coverage_hypothesis_parity(peer, xyxy, width, height):
    xywh = to_xywh(xyxy).astype(np.int32)
    if (xywh[:, 2:] > 0).all() and (xywh[:, 2] <= width).all() and (xywh[:, 3] <= height).all():
        assert_same_coverage(xywh, efficient_coverage(xywh, width, height), peer.efficient_coverage(xywh, width, height))


@pytest.mark.parametrize("n, region", CONFIGS[:2])
def test_intersector_parity(peer, n, region):
    boxes = random_boxes(n, region, 100, seed=n, fmt="xywh")
    queries = random_boxes(100, region, 100, seed=n + 2, fmt="xywh")
    ours, theirs = BoxIntersector(boxes), peer.BoxIntersector(boxes)
    for x, y, w, h in queries.tolist():
        for size in ((w, h), (0, 0), (w, 0)):
            got = ours.find_intersections(x, y, *size)
            assert got.dtype == np.uint32
            assert np.array_equal(got, np.sort(theirs.find_intersections(x, y, *size)))


def test_readme_examples():
    boxes = np.array([[1, 1, 1, 2], [0, 0, 5, 5], [2, 3, 2, 6]], np.int32)
    index = BoxIntersector(boxes)
    assert index.find_intersections(0, 0, 2, 2).tolist() == [0, 1]
    assert index.find_intersections(1, 1, 0, 0).tolist() == [1]
    assert index.find_intersections(0, 0, 0, 0).tolist() == []
    cover = efficient_coverage(boxes, 10, 10)
    assert [(xy, m.tolist()) for xy, m in cover] == [((0, -1), [1, 0, 2])]


@given(lattice_boxes(max_n=30, allow_empty=False), st.data())
def test_nms_hypothesis_against_peer_rule(xyxy, data):
    n = len(xyxy)
    xywh = to_xywh(xyxy)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=n, max_size=n)))
    iou_t = data.draw(st.sampled_from([-1.0, 0.0, 0.3, 1.0, float("nan")]))
    overlap_t = data.draw(st.sampled_from([0.0, 0.5, 1.0, float("nan")]))
    got = find_non_max_suppressed(xywh, scores, iou_t, overlap_t)
    assert np.array_equal(got, ref_peer_nms(xywh, scores, iou_t, overlap_t))


@given(lattice_boxes(max_n=8, allow_empty=False), lattice_boxes(max_n=8, allow_empty=False),
       st.sampled_from([0.0, 0.25, 0.5, 1.0]))
def test_matches_hypothesis_small_sets_equal_peer(boxes1, boxes2, threshold):
    peer = pytest.importorskip("box_intersect_lib_py")
    first, second = to_xywh(boxes1).astype(np.int32), to_xywh(boxes2).astype(np.int32)
    got = find_best_matches(first, second, threshold)
    want = peer.find_best_matches(first, second, threshold)
    for g, w in zip(got, want):  # <= 8 boxes in list 1: the peer's ties are by index too
        assert np.array_equal(g, w)


@given(lattice_boxes(max_n=40, allow_empty=False), st.integers(6, 12), st.integers(6, 12))
def test_coverage_hypothesis_valid(xyxy, width, height):
    xywh = to_xywh(xyxy)
    cover = efficient_coverage(xywh, width, height)
    seen = np.concatenate([m for _, m in cover]) if cover else np.empty(0, np.uint32)
    assert np.array_equal(np.sort(seen), np.arange(len(xyxy)))
    for (x, y), members in cover:
        b = xyxy[members]
        assert (b[:, 0] >= x).all() and (b[:, 2] <= x + width).all()
        assert (b[:, 1] >= y).all() and (b[:, 3] <= y + height).all()


def test_other_input_types():
    boxes = [[0, 0, 10, 10], [1, 1, 10, 10]]
    assert find_non_max_suppressed(boxes, [0.9, 0.8], 0.5, 1.0).tolist() == [True, False]
    assert find_non_max_suppressed(np.array(boxes, np.float32), [0.9, 0.8], 0.5, 1.0).tolist() == [True, False]
    m, r1, r2 = find_best_matches(np.array(boxes, np.int64), boxes[:1], 0.5)
    assert m.tolist() == [[0, 0]] and r1.tolist() == [1] and r2.tolist() == []
    assert BoxIntersector(np.array(boxes, np.float64)).find_intersections(5, 5, 1, 1).tolist() == [0, 1]
    assert BoxIntersector(boxes).find_intersections(np.int32(5), np.int64(5), np.uint32(1), 1).tolist() == [0, 1]


def test_empty_inputs():
    empty = np.empty((0, 4), np.int32)
    assert find_non_max_suppressed(empty, np.empty(0), 0.5, 0.5).shape == (0,)
    m, r1, r2 = find_best_matches(empty, [[0, 0, 1, 1]], 0.5)
    assert m.shape == (0, 2) and m.dtype == np.uint32 and r1.shape == (0,) and r2.tolist() == [0]
    assert efficient_coverage(empty, 0, 0) == []
    assert BoxIntersector(empty).find_intersections(0, 0, 1, 1).shape == (0,)


def test_errors():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10]], np.int32)
    with pytest.raises(InvalidBoxesError, match="Length of boxes list must match length of scores list"):
        find_non_max_suppressed(boxes, [0.5], 0.5, 0.5)
    with pytest.raises(ValueError, match="scores: expected no NaN"):
        find_non_max_suppressed(boxes, [0.5, np.nan], 0.5, 0.5)
    with pytest.raises(AssertionError, match="Expects width and hight"):
        find_non_max_suppressed([[0, 0, 0, 1]], [1.0], 0.5, 0.5)
    with pytest.raises(AssertionError, match="Expects 2nd dimension"):
        find_best_matches(np.zeros((2, 3), np.int32), boxes, 0.5)
    with pytest.raises(InvalidBoxesError, match=r"^Box has size: \(10, 10\), could not fit in tile of size: \(5, 50\)$"):
        efficient_coverage([[0, 0, 2, 2], [1, 1, 10, 10], [0, 0, 20, 20]], 5, 50)
    with pytest.raises(InvalidBoxesError, match="could not fit"):
        efficient_coverage(boxes, 0, 0)
    with pytest.raises(ValueError, match="tile_width: expected a non-negative int"):
        efficient_coverage(boxes, -5, 5)
    with pytest.raises(TypeError, match="tile_height"):
        efficient_coverage(boxes, 5, 5.0)
    index = BoxIntersector(boxes)
    with pytest.raises(ValueError, match="width: expected a non-negative int"):
        index.find_intersections(0, 0, -1, 1)
    with pytest.raises(TypeError, match="x1"):
        index.find_intersections(0.5, 0, 1, 1)
    with pytest.raises(TypeError, match="iou_threshold"):
        find_best_matches(boxes, boxes, "0.5")


def test_find_best_matches_acceptance_order_from_peer_tests():
    # box-intersect-lib's own unit test (match_boxes.rs), in (x, y, w, h)
    rects1 = [[1, 3, 3, 3], [1, 2, 3, 3], [1, 1, 3, 3]]
    rects2 = [[1, 0, 4, 4], [1, 4, 4, 4]]
    m, r1, r2 = find_best_matches(rects1, rects2, 0.1)
    assert m.tolist() == [[2, 0], [0, 1]] and r1.tolist() == [1] and r2.tolist() == []
    m, r1, r2 = find_best_matches(rects2, rects1, 0.1)
    assert m.tolist() == [[0, 2], [1, 0]] and r1.tolist() == [] and r2.tolist() == [1]


def test_overlap_uses_the_lower_score_box():
    big, small = [0, 0, 10, 10], [2, 2, 2, 2]
    assert find_non_max_suppressed([big, small], [1.0, 0.5], 1.0, 0.5).tolist() == [True, False]
    assert find_non_max_suppressed([small, big], [1.0, 0.5], 1.0, 0.5).tolist() == [True, True]
    assert find_non_max_suppressed([small, big], [1.0, 0.5], 1.0, 0.03).tolist() == [True, False]
    assert overlap_matrix(np.array([[0, 0, 1, 1]]), np.array([[1, 0, 2, 1]])).sum() == 0
    assert find_non_max_suppressed([[0, 0, 1, 1], [1, 0, 1, 1]], [1.0, 0.5], -1.0, -1.0).tolist() == [True, True]


def test_intersector_fast_and_general_paths_agree():
    boxes = random_boxes(3000, 2000, 100, seed=5, fmt="xywh")
    index = BoxIntersector(boxes)
    xyxy = np.hstack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]]).astype(np.int64)
    for x, y, w, h in random_boxes(50, 2000, 100, seed=6, fmt="xywh").tolist():
        for size in ((w, h), (0, 0), (w, 0)):
            fast = index.find_intersections(x, y, *size)  # Python ints
            general = index.find_intersections(np.int64(x), np.int32(y), np.uint32(size[0]), np.int64(size[1]))
            assert fast.dtype == general.dtype == np.uint32 and np.array_equal(fast, general)
            q = np.array([[x, y, x + size[0], y + size[1]]])
            want = np.flatnonzero((xyxy[:, 0] < q[0, 2]) & (q[0, 0] < xyxy[:, 2]) & (xyxy[:, 1] < q[0, 3]) & (q[0, 1] < xyxy[:, 3]))
            assert np.array_equal(fast, want)
    # beyond the fast path's range (corners past 2**53): the general path
    assert index.find_intersections(2**60, 0, 1, 1).tolist() == []
    assert index.find_intersections(-(2**70), -(2**70), 2**71, 2**71).tolist() == list(range(len(boxes)))


SIGNED_SCALARS = [np.int8, np.int16, np.int32, np.int64, np.intc, np.longlong]
UNSIGNED_SCALARS = [np.uint8, np.uint16, np.uint32, np.uint64, np.uintc, np.ulonglong]


def _outcome(call, *args):
    """(result, None) or (None, (exception type, message)) of ``call(*args)``."""
    try:
        return call(*args), None
    except Exception as error:  # noqa: BLE001 - the error itself is compared
        return None, (type(error), str(error))


def _same_outcome(index, *args):
    """find_intersections(*args) gives what the general path gives: the same ids or the same error."""
    fast, fast_error = _outcome(index.find_intersections, *args)
    general, general_error = _outcome(index._find_general, *args)
    assert fast_error == general_error, args
    if general_error is None:
        assert fast.dtype == general.dtype == np.uint32 and np.array_equal(fast, general), args
    return fast_error


def _as(kind, value):
    """``value`` as a numpy scalar of ``kind`` when it fits, else as a Python int."""
    info = np.iinfo(kind)
    return kind(value) if info.min <= value <= info.max else value


def test_intersector_numpy_scalars_equal_the_general_path(monkeypatch):
    from boxgeom import _compat_index

    boxes = random_boxes(2000, 1000, 100, seed=7, fmt="xywh")
    boxes[:, :2] -= 200  # some negative corners
    index = BoxIntersector(boxes)
    xyxy = np.hstack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]]).astype(np.int64)
    queries = random_boxes(40, 1000, 100, seed=8, fmt="xywh").astype(np.int64)
    queries[:, :2] -= 200
    for x, y, w, h in queries.tolist():
        for size in ((w, h), (0, 0), (w, 0), (0, h)):
            want = np.flatnonzero((xyxy[:, 0] < x + size[0]) & (x < xyxy[:, 2]) & (xyxy[:, 1] < y + size[1])
                                  & (y < xyxy[:, 3]))
            for kind in SIGNED_SCALARS + UNSIGNED_SCALARS:
                args = (_as(kind, x), _as(kind, y), _as(kind, size[0]), _as(kind, size[1]))
                assert _same_outcome(index, *args) is None
                assert np.array_equal(index.find_intersections(*args), want)
    # the rows of an int32 array, as the peer's benchmark passes them
    for row in boxes[:50]:
        assert _same_outcome(index, *row) is None
    # bools, floats and negative sizes: the general path's errors, wherever they appear
    bad_values = [np.True_, np.False_, True, np.float64(1.0), 1.0, np.int32(-1), np.int64(-5), -1, "1", None]
    for position in range(4):
        for bad in bad_values:
            args = [np.int32(10), np.int32(10), np.int32(5), np.int32(5)]
            args[position] = bad
            error = _same_outcome(index, *args)
            if isinstance(bad, (int, np.integer)) and not isinstance(bad, (bool, np.bool_)) and (bad >= 0 or position < 2):
                assert error is None
            else:
                assert error is not None and error[0] in (TypeError, ValueError)
    # values around and beyond 2**53 (the fast path's limit), and beyond the long long range
    top = 2**53
    for value in (top - 1, top, top + 1, top + 2, 2**60, 2**63 - 1, 2**63, 2**64 - 1, -top, -top - 1, -(2**63)):
        for kind in (int, np.int64, np.uint64):
            if kind is not int and not np.iinfo(kind).min <= value <= np.iinfo(kind).max:
                continue
            v = kind(value)
            for args in ((v, 0, 1, 1), (0, v, 1, 1), (0, 0, v, 1), (0, 0, 1, v), (-value, 0, v, 1), (v, v, v, v)):
                _same_outcome(index, *args)
    # numpy scalars never reach the general path's Python code; Python ints beyond 2**53 do
    def general_path(*args):
        raise RuntimeError("general path")

    monkeypatch.setattr(_compat_index, "check_size_int", general_path)
    x, y, w, h = (kind(v) for kind, v in zip((np.int32, np.int64, np.uint32, np.uint64), (10, 20, 30, 40)))
    assert np.array_equal(index.find_intersections(x, y, w, h), index.find_intersections(10, 20, 30, 40))
    with pytest.raises(RuntimeError, match="general path"):
        index.find_intersections(2**60, 0, 1, 1)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_coverage_one_tile_from_xywh_rows_equals_general_path(dtype):
    # the one-tile path reads the xywh rows as they are: x + w is summed in int64 (here beyond int32)
    from boxgeom import _checks, _cover
    from boxgeom._compat_checks import as_compat_boxes
    from boxgeom._validate import INT64_LIMIT

    top = np.iinfo(np.int32).max
    xywh = np.array([[top - 30, top - 40, 20, 25], [top - 25, top - 40, 25, 10], [top - 30, top - 45, 5, 5],
                     [top - 30, top - 44, 15, 30]], dtype=dtype)
    valid = _checks.valid_boxes(xywh, _checks.ORDER_SIZES, INT64_LIMIT)
    fast = _cover.peer_one_tile(valid, 40, 50)
    assert fast is not None
    general = _cover.peer_cover(as_compat_boxes(xywh), 40, 50)[1]
    assert [(xy, m.tolist()) for xy, m in fast] == [(xy, m.tolist()) for xy, m in general]
    assert [(xy, m.tolist()) for xy, m in fast] == [((top - 30, top - 14 - 50), [2, 3, 0, 1])]
    assert _cover.peer_one_tile(valid, 27, 50) is None  # two tiles: the general path
    assert len(efficient_coverage(xywh, 27, 50)) == 2
    assert _cover.peer_one_tile(valid.astype(np.float64), 40, 50) is None
    zero = xywh.copy()
    zero[2, 3] = 0
    assert _cover.peer_one_tile(zero, 40, 50) is None
    with pytest.raises(InvalidBoxesError):
        efficient_coverage(zero, 40, 50)
    with pytest.raises(ValueError, match="tile_width"):
        efficient_coverage(xywh, -1, 50)
    with pytest.raises(TypeError, match="tile_height"):
        efficient_coverage(xywh, 40, 50.0)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_coverage_of_row_strided_views(peer, dtype):
    # dets[:, :4] and dets[::2, :4] of xywh rows: the one-tile path reads them in place
    xywh = random_boxes(300, 400, 100, seed=29, fmt="xywh").astype(dtype)
    for width in (500, 300):  # one tile, several
        expected = peer.efficient_coverage(xywh.astype(np.int32), width, width)
        for every in (1, 2):
            assert_same_coverage(xywh, efficient_coverage(row_strided(xywh, every), width, width), expected)


def test_coverage_kernel_rejects_the_first_box_too_large_exactly():
    big = 2**40
    boxes = np.array([[0, 0, big, 5], [0, 0, big + 1, 5]], dtype=np.int64)
    assert [xy for xy, _ in efficient_coverage(boxes[:1], big, 5)] == [(0, 0)]  # a box of exactly the tile's size
    with pytest.raises(InvalidBoxesError, match=rf"^Box has size: \({big + 1}, 5\)"):
        efficient_coverage(boxes, big, 5)
