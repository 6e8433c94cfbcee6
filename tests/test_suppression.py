"""The NMS family: soft-NMS (axis-aligned and rotated), per-class rotated NMS, polygon NMS.

Oracles: the soft-NMS rule written out in O(n^2) over a dense IoU matrix (numpy's exact
formula for axis-aligned boxes, shapely's polygons for rotated ones), boxgeom's own
``nms``/``batched_nms``/``rotated_nms`` for the greedy rule, a shapely brute-force greedy
NMS for quads, and ensemble-boxes' ``soft_nms`` when it is installed.
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest
import shapely
from conftest import lattice_boxes, random_float_boxes
from hypothesis import given
from hypothesis import strategies as st
from oracles import iou_matrix

import boxgeom
from boxgeom import _threads, suppression
from boxgeom._validate import as_quads
from boxgeom.datasets import random_rotated_boxes
from boxgeom.suppression import batched_rotated_nms, polygon_nms, rotated_soft_nms, soft_nms

DTYPES = [np.int32, np.int64, np.float32, np.float64]
METHODS = ["gaussian", "linear", "hard"]


# --------------------------------------------------------------------------- references


def reference_soft_nms(iou, scores, method, sigma, iou_threshold, score_threshold, idxs=None):
    """The rule as the docs state it, on a dense (n, n) IoU matrix, in float64."""
    score = np.array(scores, dtype=np.float64)
    n = len(score)
    group = np.zeros(n, dtype=np.int64) if idxs is None else np.asarray(idxs)
    alive = score >= score_threshold
    keep, kept = [], []
    while alive.any():
        candidates = np.flatnonzero(alive)
        i = candidates[np.argmax(score[candidates])]  # the first maximum: ties by lower index
        keep.append(i)
        kept.append(score[i])
        alive[i] = False
        for j in np.flatnonzero(alive & (group == group[i])):
            o = iou[i, j]
            if method == "gaussian":
                score[j] *= math.exp(-(o * o) / sigma)
            elif o > iou_threshold:
                if method == "hard":
                    alive[j] = False
                    continue
                score[j] *= 1.0 - o
            if score[j] < score_threshold:
                alive[j] = False
    return np.array(keep, dtype=np.intp), np.array(kept, dtype=np.float64)


def shapely_polygons(quads):
    return shapely.polygons(np.asarray(quads, dtype=np.float64).reshape(-1, 4, 2))


def shapely_iou(polygons):
    """Dense IoU of shapely polygons (0 for zero-area unions)."""
    inter = shapely.area(shapely.intersection(polygons[:, None], polygons[None, :]))
    areas = shapely.area(polygons)
    union = areas[:, None] + areas[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def greedy_nms_dense(iou, scores, threshold, idxs=None):
    """Textbook greedy NMS over a dense IoU matrix (DOTA's ``py_cpu_nms_poly`` rule)."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    group = np.zeros(len(order), dtype=np.int64) if idxs is None else np.asarray(idxs)
    removed = np.zeros(len(order), dtype=bool)
    keep = []
    for i in order:
        if removed[i]:
            continue
        keep.append(i)
        removed |= (iou[i] > threshold) & (group == group[i])
    return np.array(keep, dtype=np.intp)


def random_quads(rng, n, region=60.0, size=12.0):
    """Convex quads: four points at sorted random angles on a random ellipse, either way round."""
    centre = rng.uniform(0, region, (n, 1, 2))
    radii = rng.uniform(0.5, size, (n, 1, 2))
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, 4)), axis=1)
    points = centre + radii * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    flip = rng.random(n) < 0.5
    points[flip] = points[flip, ::-1]
    return points.reshape(n, 8)


def assert_same(got, expected):
    keep, kept = got
    assert keep.dtype == np.intp and kept.dtype == np.float64
    np.testing.assert_array_equal(keep, expected[0])
    np.testing.assert_allclose(kept, expected[1], rtol=1e-12, atol=0)


@pytest.fixture(params=["as given", "place order"])
def box_order(request, monkeypatch):
    """Both orders in which soft_nms hands the kernel its boxes: as given, or (from
    ``_LOCALITY_FROM`` boxes on, here from the first) in place order, with their ids."""
    if request.param == "place order":
        monkeypatch.setattr(suppression, "_LOCALITY_FROM", 0)
    return request.param


@pytest.fixture(params=["bands", "filter"])
def pair_path(request, monkeypatch):
    """Both ways of finding the candidate pairs of each category of rotated boxes: the
    categories moved into bands of their own, or all pairs and a filter (for extents
    beyond float64)."""
    if request.param == "filter":
        monkeypatch.setattr(suppression, "_category_bands", lambda bounds, ranks: None)
    return request.param


# --------------------------------------------------------------------------- soft_nms


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("grouped", [False, True])
def test_soft_nms_matches_reference(method, grouped, box_order):
    rng = np.random.default_rng(METHODS.index(method) + 10 * grouped)
    for trial in range(12):
        n = int(rng.integers(1, 120))
        boxes = random_float_boxes(rng, n, region=40, max_size=25)
        scores = rng.random(n)
        if trial % 3 == 0:
            scores = np.round(scores, 1)  # ties
        idxs = rng.integers(-2, 2, n) if grouped else None
        sigma, iou_t, score_t = rng.uniform(0.1, 1), rng.uniform(0, 0.8), [0.0, 0.001, 0.2][trial % 3]
        got = soft_nms(boxes, scores, method=method, sigma=sigma, iou_threshold=iou_t, score_threshold=score_t,
                       idxs=idxs)
        assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, sigma, iou_t, score_t, idxs))


@given(
    lattice_boxes(max_n=25),
    st.sampled_from(DTYPES),
    st.sampled_from(METHODS),
    st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    st.sampled_from([0.0, 0.001, 0.3, 1.0]),
    st.sampled_from([0.05, 0.5, 3.0]),
    st.booleans(),
    st.data(),
)
def test_soft_nms_edge_cases(boxes, dtype, method, iou_t, score_t, sigma, grouped, data):
    # lattice boxes: identical boxes, shared edges, nesting, zero areas; scores with ties
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.2, 0.5, 1.0]), min_size=n, max_size=n)))
    idxs = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64) if grouped else None
    boxes = boxes.astype(dtype)
    got = soft_nms(boxes, scores, method=method, sigma=sigma, iou_threshold=iou_t, score_threshold=score_t, idxs=idxs)
    assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, sigma, iou_t, score_t, idxs))


def test_soft_nms_large_components_and_many_components(box_order):
    # one cluster of 150 boxes (the heap path), plus 300 small clusters (the scan path)
    rng = np.random.default_rng(3)
    cluster = np.hstack([rng.uniform(0, 10, (150, 2)), rng.uniform(10, 20, (150, 2))])
    centres = rng.uniform(100, 2000, (300, 1, 2)) + rng.normal(0, 2, (300, 3, 2))
    small = np.concatenate([centres - 5, centres + 5], axis=2).reshape(-1, 4)
    boxes = np.vstack([cluster, small])
    scores = rng.random(len(boxes))
    for method in METHODS:
        got = soft_nms(boxes, scores, method=method, iou_threshold=0.2, score_threshold=0.01)
        assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, 0.5, 0.2, 0.01))


def far_boxes(offset):
    """300 boxes on a lattice of 4 ulps far from the origin, 40 categories."""
    rng = np.random.default_rng(int(abs(offset)) % 97)
    step = abs(np.spacing(offset)) * 4
    corner = offset + rng.integers(0, 200, (300, 2)) * step
    boxes = np.hstack([corner, corner + rng.integers(0, 30, (300, 2)) * step])
    return boxes, rng.random(300), rng.integers(0, 40, 300)


def tiny_boxes():
    """200 tiny boxes in 30 categories and one far box that widens the extent."""
    rng = np.random.default_rng(21)
    corner = rng.integers(0, 100, (200, 2)) * 1e-9
    boxes = np.vstack([np.hstack([corner, corner + rng.integers(0, 20, (200, 2)) * 1e-9]), [[1e6, 0, 1e6 + 1, 1]]])
    return boxes, rng.random(201), rng.integers(0, 30, 201)


@pytest.mark.parametrize("offset", [1e15, -3e12, 2.0**60])
def test_soft_nms_far_from_the_origin(offset, box_order):
    boxes, scores, idxs = far_boxes(offset)
    for method in METHODS:
        got = soft_nms(boxes, scores, method=method, iou_threshold=0.2, idxs=idxs)
        assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, 0.5, 0.2, 0.001, idxs))


def test_soft_nms_tiny_boxes_in_a_wide_extent(box_order):
    boxes, scores, idxs = tiny_boxes()
    for method in METHODS:
        got = soft_nms(boxes, scores, method=method, iou_threshold=0.1, idxs=idxs)
        assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, 0.5, 0.1, 0.001, idxs))


@pytest.mark.parametrize("boxes, idxs", [far_boxes(1e15)[::2], far_boxes(2.0**60)[::2], tiny_boxes()[::2],
                                         (random_float_boxes(np.random.default_rng(1), 500, 100, 20),
                                          np.random.default_rng(2).integers(-3, 3, 500))])
def test_candidate_pairs_of_each_category(boxes, idxs, pair_path):
    # the candidates of rotated soft-NMS (on the boxes' bounds): the category bands move
    # float64 copies far along x, and their rounding must lose no overlapping pair (far
    # from the origin; tiny boxes in a wide extent, whose moved coordinates round
    # together: they then touch, candidates of IoU 0); the filter gives the same
    soft = suppression._Soft(len(boxes), np.ones(len(boxes)), idxs, "linear", 0.5, 0.3, 0.0, None)
    perm, ordered, pairs = soft.prepare(boxes)
    np.testing.assert_array_equal(ordered, boxes[perm])
    found = {tuple(sorted(pair)) for pair in perm[pairs].T}
    iou = iou_matrix(boxes, boxes)
    same = idxs[:, None] == idxs[None, :]
    expected = {(i, j) for i, j in zip(*np.nonzero(np.triu((iou > 0) & same, 1)))}
    assert expected <= found
    assert all(idxs[i] == idxs[j] for i, j in found)


def test_soft_nms_labels_of_any_range(box_order):
    # labels spanning more values than there are boxes are ranked (a sort), the others
    # offset from their minimum: both give the categories' own results
    rng = np.random.default_rng(13)
    boxes = random_float_boxes(rng, 300, region=60, max_size=20)
    scores = rng.random(300)
    wide = rng.choice(np.array([-(2**62), -5, 0, 7, 2**62]), 300)
    dense = np.unique(wide, return_inverse=True)[1].reshape(-1)
    for method in METHODS:
        got = soft_nms(boxes, scores, method=method, idxs=wide)
        assert_same(got, reference_soft_nms(iou_matrix(boxes, boxes), scores, method, 0.5, 0.3, 0.001, wide))
        assert_same(soft_nms(boxes, scores, method=method, idxs=dense), got)


def test_soft_nms_kernels_check_their_arguments():
    from boxgeom import _soft_nms

    boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3], [0, 0, 1, 1]], dtype=np.float64)
    scores = np.array([0.9, 0.8, 0.7])
    options = {"method": _soft_nms.METHOD_CODES["linear"], "sigma": 0.5, "iou_threshold": 0.0,
               "score_threshold": 0.0, "n_threads": 1}
    keep, kept = _soft_nms.soft_nms_boxes(boxes, scores, None, np.array([5, 3, 4]), **options)
    assert keep.tolist() == [5, 3, 4]  # the given ids
    np.testing.assert_allclose(kept, [0.9, 0.8 * (1 - 1 / 7), 0.7 * (1 - 1 / 4)])
    keep, _ = _soft_nms.soft_nms_boxes(boxes[1:], np.array([0.5, 0.5]), None, np.array([5, 3]), **options)
    assert keep.tolist() == [3, 5]  # a tie goes to the lower id
    with pytest.raises(ValueError, match="ids: expected length 3, got 2"):
        _soft_nms.soft_nms_boxes(boxes, scores, None, np.array([0, 1]), **options)
    with pytest.raises(ValueError, match="labels: expected length 3, got 1"):
        _soft_nms.soft_nms_boxes(boxes, scores, np.zeros(1, dtype=np.int64), None, **options)
    with pytest.raises(ValueError, match="method: expected a value of METHOD_CODES, got 7"):
        _soft_nms.soft_nms_boxes(boxes, scores, None, None, **{**options, "method": 7})
    pairs = np.array([[1, 0], [2, 1]], dtype=np.intp)
    with pytest.raises(ValueError, match="pairs: expected row 0 in ascending order"):
        _soft_nms.soft_nms_pairs(scores, pairs, np.array([0.5, 0.5]), np.arange(3), **options)


def test_locality_order():
    from boxgeom import _soft_nms

    boxes = np.array([[10, 10, 11, 11], [0, 0, 1, 1], [0, 10, 1, 11], [10, 0, 11, 1]], dtype=np.float64)
    # by rank, then grid row (y), then column (x), then index
    assert _soft_nms.locality_order(boxes, None).tolist() == [1, 3, 2, 0]
    assert _soft_nms.locality_order(boxes, np.array([0, 1, 0, 0])).tolist() == [3, 2, 0, 1]
    # ranks of 2**22 and more: by rank only (then index)
    assert _soft_nms.locality_order(boxes, np.array([2**22, 0, 5, 0])).tolist() == [1, 3, 2, 0]
    # extents beyond float64 and zero-area boxes: no grid, the index order
    huge = np.array([[-1e308, 0, 1e308, 1], [0, 0, 0, 0], [5, 5, 5, 5]])
    assert _soft_nms.locality_order(huge, None).tolist() == [0, 1, 2]
    assert _soft_nms.locality_order(np.zeros((3, 4)), None).tolist() == [0, 1, 2]


def test_soft_nms_semantics():
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [11, 0, 21, 10], [0, 0, 10, 10]]
    # IoU(0, 1) = 90/110; box 3 only touches box 1 (IoU 0: no decay); box 4 is a copy of box 0
    keep, kept = soft_nms(boxes, [0.9, 0.8, 0.7, 0.6, 0.5], method="linear", iou_threshold=0.5, score_threshold=0)
    np.testing.assert_array_equal(keep, [0, 2, 3, 1, 4])
    np.testing.assert_allclose(kept, [0.9, 0.7, 0.6, 0.8 * (1 - 90 / 110), 0.0])  # a copy decays to 0, still kept
    keep, kept = soft_nms(boxes, [0.9, 0.8, 0.7, 0.6, 0.5], method="gaussian", sigma=0.5)
    np.testing.assert_allclose(kept[keep == 1], 0.8 * math.exp(-((90 / 110) ** 2) / 0.5))
    # score_threshold is inclusive: a box exactly at it is kept, below it is dropped
    assert soft_nms(boxes[:1], [0.3], score_threshold=0.3)[0].tolist() == [0]
    assert soft_nms(boxes[:1], [0.3], score_threshold=0.31)[0].tolist() == []
    # hard removes, whatever the score threshold; equal scores: lower index first
    assert soft_nms(boxes, [0.5] * 5, method="hard", iou_threshold=0.5, score_threshold=0)[0].tolist() == [0, 2, 3]
    # categories never decay each other
    keep, kept = soft_nms(boxes, [0.9, 0.8, 0.7, 0.6, 0.5], idxs=[0, 1, 0, 0, 1], method="linear")
    np.testing.assert_array_equal(kept, [0.9, 0.8, 0.7, 0.6, 0.5 * (1 - 90 / 110)])


def test_soft_nms_single_and_empty():
    keep, kept = soft_nms([[0, 0, 1, 1]], [0.5])
    assert keep.tolist() == [0] and kept.tolist() == [0.5]
    for dtype in DTYPES:
        keep, kept = soft_nms(np.zeros((0, 4), dtype=dtype), np.zeros(0), idxs=np.zeros(0, dtype=np.int64))
        assert keep.shape == (0,) and keep.dtype == np.intp and kept.shape == (0,) and kept.dtype == np.float64
    keep, kept = soft_nms([[0, 0, 1, 1], [0, 0, 2, 2]], [0.1, 0.2], score_threshold=0.5)
    assert keep.shape == (0,) and kept.dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
def test_hard_soft_nms_is_nms(dtype, box_order):
    rng = np.random.default_rng(5)
    boxes = (random_float_boxes(rng, 400, region=200, max_size=40) * 4).astype(dtype)
    scores = rng.integers(0, 30, 400) / 30.0  # ties
    idxs = rng.integers(0, 4, 400)
    for threshold in (0.0, 0.3, 0.7):
        keep, kept = soft_nms(boxes, scores, method="hard", iou_threshold=threshold, score_threshold=0)
        np.testing.assert_array_equal(keep, boxgeom.nms(boxes, scores, threshold))
        np.testing.assert_array_equal(kept, scores[keep])
        keep, _ = soft_nms(boxes, scores, method="hard", iou_threshold=threshold, score_threshold=0, idxs=idxs)
        np.testing.assert_array_equal(keep, boxgeom.batched_nms(boxes, scores, idxs, threshold))


def test_soft_nms_formats_dtypes_and_order_invariance():
    rng = np.random.default_rng(8)
    boxes = random_float_boxes(rng, 3000, region=300, max_size=30)
    scores = rng.random(3000)  # distinct
    idxs = rng.integers(0, 5, 3000)
    keep, kept = soft_nms(boxes, scores, idxs=idxs)
    xywh = boxgeom.box_convert(boxes, "xyxy", "xywh")
    assert_same(soft_nms(xywh, scores, idxs=idxs, fmt="xywh"), (keep, kept))
    # relabelled input: the same boxes kept, with the same scores
    shuffle = rng.permutation(3000)
    keep2, kept2 = soft_nms(boxes[shuffle], scores[shuffle], idxs=idxs[shuffle])
    np.testing.assert_array_equal(shuffle[keep2], keep)
    np.testing.assert_array_equal(kept2, kept)
    np.testing.assert_array_equal(np.sort(kept)[::-1], kept)


def test_soft_nms_thread_count_does_not_matter(monkeypatch):
    # many components (so that the walk runs on threads), every cut-off lowered
    for kind in ("pairs", "iou", "soft_nms", "soft_nms_boxes", "rotated_boxes", "rotated_pairs"):
        monkeypatch.setitem(_threads.PARALLEL_FROM, kind, 0)
    rng = np.random.default_rng(4)
    centres = rng.uniform(0, 5000, (4000, 1, 2)) + rng.normal(0, 3, (4000, 4, 2))
    boxes = np.concatenate([centres - 5, centres + 5], axis=2).reshape(-1, 4)
    scores = rng.random(len(boxes))
    idxs = rng.integers(0, 3, len(boxes))
    single = soft_nms(boxes, scores, idxs=idxs, n_threads=1)
    assert len(single[0]) > 4000
    assert_same(soft_nms(boxes, scores, idxs=idxs, n_threads=2), single)
    n = len(boxes)
    rotated = np.hstack([(boxes[:, :2] + boxes[:, 2:]) / 2, np.full((n, 2), 10.0), rng.uniform(0, 90, (n, 1))])
    assert_same(rotated_soft_nms(rotated, scores, n_threads=2), rotated_soft_nms(rotated, scores, n_threads=1))


def test_soft_nms_leaves_its_input_alone():
    rng = np.random.default_rng(2)
    boxes = random_float_boxes(rng, 200)
    scores = rng.random(200)
    idxs = rng.integers(0, 3, 200)
    copies = boxes.copy(), scores.copy(), idxs.copy()
    soft_nms(boxes, scores, idxs=idxs, score_threshold=0.3)
    for array, copy in zip((boxes, scores, idxs), copies):
        np.testing.assert_array_equal(array, copy)


def test_soft_nms_bad_input():
    boxes = [[0, 0, 1, 1], [0, 0, 2, 2]]
    with pytest.raises(ValueError, match="method: expected one of 'linear', 'gaussian', 'hard', got 'soft'"):
        soft_nms(boxes, [0.5, 0.4], method="soft")
    with pytest.raises(ValueError, match="method"):
        soft_nms(boxes, [0.5, 0.4], method=2)
    for sigma in (0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="sigma: expected a positive number"):
            soft_nms(boxes, [0.5, 0.4], sigma=sigma)
    with pytest.raises(ValueError, match=r"iou_threshold: expected a number in \[0, 1\], got 1.5"):
        soft_nms(boxes, [0.5, 0.4], iou_threshold=1.5)
    with pytest.raises(ValueError, match="score_threshold"):
        soft_nms(boxes, [0.5, 0.4], score_threshold=-0.1)
    with pytest.raises(ValueError, match="score_threshold"):
        soft_nms(boxes, [0.5, 0.4], score_threshold=float("nan"))
    with pytest.raises(ValueError, match="scores: expected no NaN, got NaN at index 1"):
        soft_nms(boxes, [0.5, np.nan])
    with pytest.raises(ValueError, match="scores: expected finite values"):
        soft_nms(boxes, [np.inf, 0.5])
    with pytest.raises(ValueError, match="scores: expected length 2 to match boxes, got 3"):
        soft_nms(boxes, [0.5, 0.4, 0.3])
    with pytest.raises(ValueError, match="idxs: expected length 2 to match boxes, got 1"):
        soft_nms(boxes, [0.5, 0.4], idxs=[0])
    with pytest.raises(TypeError, match="idxs: expected an integer array"):
        soft_nms(boxes, [0.5, 0.4], idxs=[0.5, 1.0])
    with pytest.raises(ValueError, match="boxes: expected finite values, got NaN or inf in row 1"):
        soft_nms([[0, 0, 1, 1], [0, 0, np.nan, 1]], [0.5, 0.4])
    with pytest.raises(ValueError, match=r"boxes: expected shape \(n, 4\)"):
        soft_nms([[0, 0, 1]], [0.5])


# --------------------------------------------------------------------------- rotated soft-NMS


@pytest.mark.parametrize("method", METHODS)
def test_rotated_soft_nms_matches_reference_with_shapely_iou(method, pair_path):
    rng = np.random.default_rng(11 + METHODS.index(method))
    for trial in range(6):
        n = int(rng.integers(1, 80))
        boxes = random_rotated_boxes(n, region=120, max_size=35, seed=trial)
        scores = rng.random(n)
        idxs = rng.integers(0, 2, n) if trial % 2 else None
        options = {"angle_unit": "rad", "convention": "torchvision"} if trial % 3 == 2 else {}
        radians = boxes.copy()
        if options:
            radians[:, 4] = np.radians(boxes[:, 4])
        iou = shapely_iou(shapely_polygons(boxgeom.rotated_corners(boxes)))
        got = rotated_soft_nms(radians if options else boxes, scores, method=method, iou_threshold=0.2,
                               score_threshold=0.01, idxs=idxs, **options)
        if options:  # the torchvision convention turns the other way: IoU of the mirrored boxes
            mirrored = boxes * [1, 1, 1, 1, -1]
            iou = shapely_iou(shapely_polygons(boxgeom.rotated_corners(mirrored)))
        expected = reference_soft_nms(iou, scores, method, 0.5, 0.2, 0.01, idxs)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-9)


def test_rotated_soft_nms_hard_is_rotated_nms():
    boxes = random_rotated_boxes(300, region=150, max_size=30, seed=6)
    scores = np.random.default_rng(6).integers(0, 20, 300) / 20.0
    keep, kept = rotated_soft_nms(boxes, scores, method="hard", iou_threshold=0.3, score_threshold=0)
    np.testing.assert_array_equal(keep, boxgeom.rotated_nms(boxes, scores, 0.3))
    np.testing.assert_array_equal(kept, scores[keep])


def test_rotated_soft_nms_edge_cases():
    boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 0], [0, 0, 0, 2, 30], [10, 0, 4, 2, 90]]
    keep, kept = rotated_soft_nms(boxes, [0.5, 0.5, 0.9, 0.4], method="linear", iou_threshold=0.5, score_threshold=0)
    np.testing.assert_array_equal(keep, [2, 0, 3, 1])  # zero-area box 2 decays nothing; the copy decays to 0
    np.testing.assert_array_equal(kept, [0.9, 0.5, 0.4, 0.0])
    keep, kept = rotated_soft_nms(np.zeros((0, 5)), [])
    assert keep.dtype == np.intp and kept.dtype == np.float64 and keep.shape == kept.shape == (0,)
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size"):
        rotated_soft_nms([[0, 0, -1, 1, 0]], [0.5])
    with pytest.raises(ValueError, match="angle_unit"):
        rotated_soft_nms(boxes, [0.5] * 4, angle_unit="grad")
    with pytest.raises(ValueError, match="sigma"):
        rotated_soft_nms(boxes, [0.5] * 4, sigma=0)


# --------------------------------------------------------------------------- batched rotated NMS


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5])
def test_batched_rotated_nms_is_a_loop_of_rotated_nms(threshold):
    rng = np.random.default_rng(int(threshold * 10))
    boxes = random_rotated_boxes(400, region=150, max_size=30, seed=9)
    scores = rng.integers(0, 25, 400).astype(np.float64)  # ties, across classes too
    idxs = rng.integers(-1, 4, 400)
    loop = []
    for label in np.unique(idxs):
        members = np.flatnonzero(idxs == label)
        loop.append(members[boxgeom.rotated_nms(boxes[members], scores[members], threshold)])
    loop = np.concatenate(loop)
    loop = loop[np.lexsort((loop, -scores[loop]))]  # as nms: decreasing score, ties by lower index
    keep = batched_rotated_nms(boxes, scores, idxs, threshold)
    assert keep.dtype == np.intp
    np.testing.assert_array_equal(keep, loop)
    np.testing.assert_array_equal(batched_rotated_nms(boxes, scores, np.zeros(400, int), threshold),
                                  boxgeom.rotated_nms(boxes, scores, threshold))


def test_batched_rotated_nms_edge_cases():
    boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 0], [0, 0, 4, 2, 0]]
    np.testing.assert_array_equal(batched_rotated_nms(boxes, [1, 1, 1], [0, 1, 0], 0.5), [0, 1])
    np.testing.assert_array_equal(batched_rotated_nms(boxes, [1, 2, -np.inf], [0, 0, 1], 0.5), [1, 2])
    assert batched_rotated_nms(np.zeros((0, 5)), [], np.zeros(0, int), 0.5).shape == (0,)
    with pytest.raises(ValueError, match="idxs: expected length 3 to match boxes, got 2"):
        batched_rotated_nms(boxes, [1, 1, 1], [0, 1], 0.5)
    with pytest.raises(ValueError, match="iou_threshold"):
        batched_rotated_nms(boxes, [1, 1, 1], [0, 1, 0], 2)
    with pytest.raises(ValueError, match="scores: expected no NaN"):
        batched_rotated_nms(boxes, [1, np.nan, 1], [0, 1, 0], 0.5)


# --------------------------------------------------------------------------- polygon NMS


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.4, 0.8])
def test_polygon_nms_matches_shapely_greedy(threshold):
    rng = np.random.default_rng(int(threshold * 10) + 1)
    quads = random_quads(rng, 300)
    scores = rng.random(300)
    iou = shapely_iou(shapely_polygons(quads))
    np.testing.assert_array_equal(polygon_nms(quads, scores, threshold), greedy_nms_dense(iou, scores, threshold))
    idxs = rng.integers(0, 3, 300)
    np.testing.assert_array_equal(polygon_nms(quads, scores, threshold, idxs=idxs),
                                  greedy_nms_dense(iou, scores, threshold, idxs))


def test_polygon_nms_of_rotated_corners_is_rotated_nms():
    boxes = random_rotated_boxes(250, region=120, max_size=30, seed=12)
    scores = np.random.default_rng(12).integers(0, 10, 250).astype(np.float64)
    quads = boxgeom.rotated_corners(boxes).reshape(-1, 8)
    for dtype in (np.float32, np.float64):
        np.testing.assert_array_equal(polygon_nms(quads.astype(dtype), scores, 0.3),
                                      boxgeom.rotated_nms(quads_to_rotated(quads.astype(dtype)), scores, 0.3))


def quads_to_rotated(quads):
    """Rotated boxes (cx, cy, w, h, angle) of quads made by ``rotated_corners`` (float64)."""
    points = quads.astype(np.float64).reshape(-1, 4, 2)
    centre = points.mean(axis=1)
    w = np.hypot(*(points[:, 1] - points[:, 0]).T)
    h = np.hypot(*(points[:, 2] - points[:, 1]).T)
    angle = np.degrees(np.arctan2(*(points[:, 1] - points[:, 0])[:, ::-1].T))
    return np.column_stack([centre, w, h, angle])


def test_polygon_nms_takes_corner_arrays():
    quads = random_quads(np.random.default_rng(3), 100)
    scores = np.random.default_rng(4).random(100)
    try:
        as_quads(quads.reshape(-1, 4, 2))
    except ValueError:
        pytest.skip("as_quads takes (n, 8) quads only here")
    np.testing.assert_array_equal(polygon_nms(quads.reshape(-1, 4, 2), scores, 0.3), polygon_nms(quads, scores, 0.3))


def test_polygon_nms_edge_cases():
    square = [0, 0, 2, 0, 2, 2, 0, 2]
    reversed_square = [0, 2, 2, 2, 2, 0, 0, 0]
    for dtype in DTYPES:
        quads = np.array([square, reversed_square, [5, 5, 6, 5, 6, 6, 5, 6], [0, 0, 2, 0, 2, 0, 0, 0]], dtype=dtype)
        # quad 1 is quad 0 the other way round; the flat quad 3 (area 0) suppresses nothing
        np.testing.assert_array_equal(polygon_nms(quads, [0.5, 0.9, 0.1, 1.0], 0.5), [3, 1, 2])
    assert polygon_nms(np.zeros((0, 8)), [], 0.5).shape == (0,)
    with pytest.raises(ValueError, match="quads: expected convex quadrilaterals"):
        polygon_nms([[0, 0, 2, 2, 2, 0, 0, 2]], [0.5], 0.5)
    with pytest.raises(ValueError, match=r"quads: expected shape \(n, 8\)"):
        polygon_nms([[0, 0, 2, 0, 2, 2]], [0.5], 0.5)
    with pytest.raises(ValueError, match="scores: expected length 1 to match boxes, got 2"):
        polygon_nms([square], [0.5, 0.1], 0.5)


# --------------------------------------------------------------------------- ensemble-boxes


def ensemble_recipe(boxes_list, scores_list, labels_list, method, iou_thr, sigma, thresh):
    """ensemble-boxes' soft_nms from boxgeom.soft_nms: its input cleaning, per-label
    processing, ``decayed > thresh`` and original scores in processing order."""
    boxes = np.clip(np.concatenate([np.asarray(b, dtype=np.float64).reshape(-1, 4) for b in boxes_list]), 0, 1)
    boxes = np.column_stack([np.minimum(boxes[:, 0], boxes[:, 2]), np.minimum(boxes[:, 1], boxes[:, 3]),
                             np.maximum(boxes[:, 0], boxes[:, 2]), np.maximum(boxes[:, 1], boxes[:, 3])])
    scores = np.concatenate([np.asarray(s, dtype=np.float64) for s in scores_list])
    labels = np.concatenate([np.asarray(x) for x in labels_list])
    ok = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) > 0
    boxes, scores, labels = boxes[ok], scores[ok], labels[ok]
    rank = np.unique(labels, return_inverse=True)[1].reshape(-1)
    keep, _ = soft_nms(boxes, scores, method={1: "linear", 2: "gaussian"}[method], sigma=sigma,
                       iou_threshold=iou_thr, score_threshold=float(np.nextafter(thresh, np.inf)), idxs=rank)
    keep = keep[np.argsort(rank[keep], kind="stable")]
    return boxes[keep], scores[keep], labels[keep]


def test_soft_nms_reproduces_ensemble_boxes():
    ensemble_boxes = pytest.importorskip("ensemble_boxes")
    rng = np.random.default_rng(0)
    for trial in range(20):
        n_models, n = int(rng.integers(1, 5)), int(rng.integers(1, 150))
        centres, size = rng.uniform(-0.05, 1.05, (n, 2)), rng.uniform(0, 0.3, (n, 2))
        boxes_list, scores_list, labels_list = [], [], []
        for _ in range(n_models):
            c = centres + rng.normal(0, 0.02, (n, 2))
            boxes_list.append(np.hstack([c - size / 2, c + size / 2]).tolist())
            scores_list.append(rng.random(n).tolist())  # no ties
            labels_list.append(rng.integers(0, 3, n).tolist())
        method, iou_thr, sigma = 1 + trial % 2, rng.uniform(0.1, 0.8), rng.uniform(0.1, 1)
        thresh = [0.001, 0.1, 0.4][trial % 3]
        with contextlib.redirect_stdout(io.StringIO()):  # its warnings are prints
            expected = ensemble_boxes.soft_nms([list(b) for b in boxes_list], [list(s) for s in scores_list],
                                               [list(x) for x in labels_list], method=method, iou_thr=iou_thr,
                                               sigma=sigma, thresh=thresh)
        got = ensemble_recipe(boxes_list, scores_list, labels_list, method, iou_thr, sigma, thresh)
        for value, reference in zip(got, expected):
            np.testing.assert_array_equal(value, reference)
