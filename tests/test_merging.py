"""nmm, merge_groups and slice_grid against SAHI itself (``sahi``, a test extra) and short references.

SAHI rounds the metric to float32 in some paths before comparing it with the threshold
(``nmm``'s Notes); boxgeom compares exact float64 values. Every comparison with SAHI
therefore first checks that no pair lies where the two roundings disagree
(``assert_float32_agnostic``), so that SAHI's float32 cannot decide the outcome.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import lattice_boxes
from hypothesis import assume, given
from hypothesis import strategies as st

import boxgeom
from boxgeom import merge_groups, nmm, slice_grid
from boxgeom.datasets import clustered_detections

combine = pytest.importorskip("sahi.postprocess.combine")
from sahi.postprocess.backends import set_postprocess_backend  # noqa: E402

BACKENDS = ["numpy", "numba"]


# --- data ---------------------------------------------------------------------------------


def clustered(n_objects: int, per_object: int, seed: int, region: float = 1000.0, jitter: float = 0.05):
    """Sliced-inference-like detections: ``per_object`` jittered boxes around each object."""
    return clustered_detections(n_objects, per_object, region, min_size=10, max_size=60, jitter=jitter, seed=seed)


def scattered(n: int, seed: int, region: float = 300.0):
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, region, (n, 2))
    size = rng.uniform(1, 40, (n, 2))
    return np.concatenate([corner, corner + size], 1), rng.uniform(0, 1, n)


def tied(n: int, seed: int):
    """Integer boxes on a coarse lattice with scores from a few values: ties of scores,
    of coordinates, exact duplicates."""
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, 40, (n, 2))
    size = rng.integers(4, 12, (n, 2))
    boxes = np.concatenate([corner, corner + size], 1).astype(np.float64)
    duplicates = rng.integers(0, n, n // 5)
    boxes[rng.integers(0, n, n // 5)] = boxes[duplicates]
    return boxes, rng.choice([0.3, 0.5, 0.5, 0.7, 0.9], n)


DATASETS = {
    "clustered": lambda seed: clustered(30, 9, seed),
    "scattered": lambda seed: scattered(250, seed),
    "tied": lambda seed: tied(150, seed),
}


# --- references -----------------------------------------------------------------------------


def metric_matrix(boxes: np.ndarray, metric: str) -> np.ndarray:
    """SAHI's formula in float64 (0 where the denominator is 0)."""
    b = np.asarray(boxes, dtype=np.float64)
    areas = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    width = np.clip(np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1]), 0, None)
    inter = width * height
    if metric == "iou":
        den = areas[:, None] + areas[None, :] - inter
    else:
        den = np.minimum(areas[:, None], areas[None, :])
    return np.divide(inter, den, out=np.zeros_like(inter), where=den > 0)


def float32_agnostic(boxes, metric: str, threshold: float) -> bool:
    """No pair compares differently with the threshold after a float32 rounding, nor lies
    within 1e-6 of it (SAHI's float32 arithmetic on float32 arrays)."""
    values = metric_matrix(boxes, metric)
    same = (values >= threshold) == (values.astype(np.float32) >= threshold)
    far = (np.abs(values - threshold) > 1e-6) | (values == threshold) & (np.float32(threshold) == threshold)
    return bool(same.all() and far.all()) if threshold > 0 else True


def assert_float32_agnostic(boxes, metric: str, threshold: float) -> None:
    assert float32_agnostic(boxes, metric, threshold), "test data too close to the threshold for SAHI's float32"


def sahi_groups(boxes, scores, threshold, metric, greedy, idxs=None) -> dict:
    """SAHI's dict for these boxes (float64 predictions)."""
    n = len(boxes)
    predictions = np.zeros((n, 6))
    predictions[:, :4] = boxes
    predictions[:, 4] = scores
    if idxs is not None:
        predictions[:, 5] = idxs
    if idxs is None:
        function = combine.greedy_nmm if greedy else combine.nmm
    else:
        function = combine.batched_greedy_nmm if greedy else combine.batched_nmm
    return function(predictions, match_metric=metric.upper(), match_threshold=threshold)


def as_dict(result, sort: bool = False) -> dict:
    keep, indptr, indices = (np.asarray(a) for a in result)
    rows = (indices[indptr[r] : indptr[r + 1]].tolist() for r in range(len(keep)))
    return {int(k): sorted(row) if sort else row for k, row in zip(keep.tolist(), rows)}


def assert_same_as_sahi(boxes, scores, threshold, metric, greedy, idxs=None) -> None:
    expected = sahi_groups(boxes, scores, threshold, metric, greedy, idxs)
    merged = as_dict(nmm(boxes, scores, threshold, metric=metric, greedy=greedy, idxs=idxs, member_order="merge"))
    assert list(merged) == list(expected)  # keepers in SAHI's dict order
    assert merged == expected  # and every list in SAHI's order
    ascending = as_dict(nmm(boxes, scores, threshold, metric=metric, greedy=greedy, idxs=idxs))
    assert list(ascending) == list(expected)
    assert ascending == {k: sorted(v) for k, v in expected.items()}
    for row in ascending.values():
        assert row == sorted(row)


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "numba":
        pytest.importorskip("numba")
    set_postprocess_backend(request.param)
    yield request.param
    set_postprocess_backend("auto")


# --- nmm against SAHI -------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("metric", ["iou", "ios"])
@pytest.mark.parametrize("greedy", [False, True], ids=["nmm", "greedy"])
@pytest.mark.parametrize("categories", [None, 3])
def test_nmm_is_sahi(backend, dataset, metric, greedy, categories):
    for seed, threshold in [(0, 0.5), (1, 0.3137), (2, 0.7311)]:
        boxes, scores = DATASETS[dataset](seed)
        assert_float32_agnostic(boxes, metric, threshold)
        idxs = None if categories is None else np.random.default_rng(seed).integers(0, categories, len(boxes))
        assert_same_as_sahi(boxes, scores, threshold, metric, greedy, idxs)


@pytest.mark.parametrize("metric", ["iou", "ios"])
@pytest.mark.parametrize("greedy", [False, True], ids=["nmm", "greedy"])
def test_nmm_is_sahi_on_its_sparse_path(backend, metric, greedy):
    # from 2,000 boxes (per category) SAHI leaves its dense matrix for an STRtree
    boxes, scores = clustered(250, 10, seed=3, region=2000)
    assert_float32_agnostic(boxes, metric, 0.5)
    assert_same_as_sahi(boxes, scores, 0.5, metric, greedy)
    assert_same_as_sahi(boxes, scores, 0.5, metric, greedy, np.arange(len(boxes)) % 2)


@pytest.mark.parametrize("greedy", [False, True], ids=["nmm", "greedy"])
@pytest.mark.parametrize("categories", [None, 2])
def test_threshold_zero_matches_every_pair_as_sahi(backend, greedy, categories):
    boxes, scores = tied(60, seed=4)
    boxes[:5] += 1000  # far away: disjoint boxes still match at threshold 0
    idxs = None if categories is None else np.arange(60) % categories
    assert_same_as_sahi(boxes, scores, 0.0, "iou", greedy, idxs)
    # SAHI's shortcut: boxes tied at the top score stay apart, even from their own duplicates
    top = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [5, 5, 15, 15], [100, 100, 110, 110]], dtype=float)
    assert_same_as_sahi(top, [0.9, 0.9, 0.9, 0.5], 0.0, "ios", greedy)


def test_the_rules_of_the_reference(backend):
    # chains propagate in nmm only; a box matched by two keepers goes to the first
    chain = np.array([[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], dtype=float)  # IoU .43, .43; A-C .11
    assert_same_as_sahi(chain, [0.9, 0.8, 0.7], 0.4, "iou", greedy=False)
    assert_same_as_sahi(chain, [0.9, 0.8, 0.7], 0.4, "iou", greedy=True)
    assert as_dict(nmm(chain, [0.9, 0.8, 0.7], 0.4)) == {0: [1, 2]}
    assert as_dict(nmm(chain, [0.9, 0.8, 0.7], 0.4, greedy=True)) == {0: [1], 2: []}
    # not connected components: A(.9)~C(.7) and B(.8)~C, A !~ B
    vee = np.array([[0, 0, 10, 10], [8, 0, 18, 10], [4, 0, 14, 10]], dtype=float)
    assert_same_as_sahi(vee, [0.9, 0.8, 0.7], 0.4, "iou", greedy=False)
    # equal scores never merge in nmm unless the boxes are the same; greedy merges them
    ties = np.array([[0, 0, 10, 10], [0, 0, 10, 9], [0, 0, 10, 9], [50, 50, 60, 60]], dtype=float)
    for greedy in (False, True):
        assert_same_as_sahi(ties, [0.8, 0.8, 0.8, 0.8], 0.5, "iou", greedy)
    # the match test is inclusive: IoU exactly 0.5
    half = np.array([[0, 0, 4, 1], [0, 0, 2, 1]], dtype=float)
    for threshold in (0.5, np.nextafter(0.5, 1)):
        for greedy in (False, True):
            assert_same_as_sahi(half, [0.9, 0.8], threshold, "iou", greedy)
    assert len(nmm(half, [0.9, 0.8], 0.5)[0]) == 1 and len(nmm(half, [0.9, 0.8], np.nextafter(0.5, 1))[0]) == 2


def test_processing_order_breaks_score_ties_by_x1_first(backend):
    # equal scores: x1, then y1, x2, y2, then index (SAHI's lexsort, not its docstring's y2 first)
    boxes = np.array([[5, 0, 6, 9], [0, 5, 9, 6], [0, 1, 3, 2], [0, 1, 3, 2], [0, 1, 2, 3]], dtype=float)
    for greedy in (False, True):
        assert_same_as_sahi(boxes, np.full(5, 0.5), 0.5, "iou", greedy)
    assert nmm(boxes, np.full(5, 0.5), 0.5)[0].tolist() == [4, 2, 1, 0]


@given(lattice_boxes(max_n=25, span=8, max_size=5), st.data())
def test_nmm_is_sahi_on_lattices(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.25, 0.5, 0.75, 1.0]), min_size=n, max_size=n)))
    threshold = data.draw(st.sampled_from([0.0, 0.2, 0.5, 2 / 3, 1.0]))
    metric = data.draw(st.sampled_from(["iou", "ios"]))
    greedy = data.draw(st.booleans())
    idxs = np.array(data.draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n)), dtype=np.int64)
    assume(float32_agnostic(boxes, metric, threshold))
    set_postprocess_backend("numpy")
    try:
        assert_same_as_sahi(boxes.astype(np.float64), scores, threshold, metric, greedy)
        if n:  # SAHI's batched functions need at least one prediction
            assert_same_as_sahi(boxes.astype(np.float64), scores, threshold, metric, greedy, idxs)
    finally:
        set_postprocess_backend("auto")


# --- properties --------------------------------------------------------------------------------


@given(lattice_boxes(max_n=30), st.data())
def test_groups_partition_the_boxes_whatever_the_dtype(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([-np.inf, 0.0, 0.5, 1.0, np.inf]), min_size=n, max_size=n)))
    greedy = data.draw(st.booleans())
    metric = data.draw(st.sampled_from(["iou", "ios"]))
    threshold = data.draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    reference = nmm(boxes, scores, threshold, metric=metric, greedy=greedy)
    keep, indptr, indices = reference
    assert keep.dtype == np.intp and indptr.dtype == np.int64 and indices.dtype == np.intp
    assert np.array_equal(np.sort(np.concatenate([keep, indices])), np.arange(n))
    assert indptr[0] == 0 and indptr[-1] == len(indices) and np.all(np.diff(indptr) >= 0)
    zero_area = (boxes[:, 2] == boxes[:, 0]) | (boxes[:, 3] == boxes[:, 1])
    if threshold > 0:  # a zero-area box matches nothing: a keeper with an empty row
        rows = dict(zip(keep.tolist(), np.diff(indptr).tolist()))
        assert all(rows.get(i) == 0 for i in np.flatnonzero(zero_area))
    for dtype in (np.int16, np.int32, np.int64, np.float32, np.float64):
        got = nmm(boxes.astype(dtype), scores, threshold, metric=metric, greedy=greedy)
        assert all(np.array_equal(a, b) for a, b in zip(got, reference))


def test_identical_boxes_and_a_single_box():
    boxes = np.tile([[2.0, 3.0, 7.0, 9.0]], (500, 1))
    for greedy in (False, True):
        keep, indptr, indices = nmm(boxes, np.ones(500), 0.9, greedy=greedy)
        assert keep.tolist() == [0] and indices.tolist() == list(range(1, 500))
    # equal scores, the same box: merged by the transitive rule too; distinct scores: the best keeps
    keep, _, indices = nmm(boxes, np.arange(500.0), 1.0)
    assert keep.tolist() == [499] and indices.tolist() == list(range(499))
    for greedy in (False, True):
        assert as_dict(nmm([[0, 0, 1, 1]], [0.3], 0.5, greedy=greedy)) == {0: []}
        assert as_dict(nmm([[0, 0, 0, 1]], [0.3], 0.0, greedy=greedy)) == {0: []}


def test_many_boxes_threads_and_strided_input():
    boxes, scores = clustered(3000, 8, seed=5, region=20000)
    labels = np.random.default_rng(5).integers(0, 4, len(boxes))
    dets = np.concatenate([boxes, scores[:, None], labels[:, None]], 1)
    for greedy in (False, True):
        one = nmm(boxes, scores, 0.5, greedy=greedy, idxs=labels, n_threads=1)
        for threads in (2, -1):
            got = nmm(dets[:, :4], dets[:, 4], 0.5, greedy=greedy, idxs=labels, n_threads=threads)
            assert all(np.array_equal(a, b) for a, b in zip(got, one))


def test_formats_give_the_same_groups():
    boxes, scores = clustered(20, 6, seed=6)
    xywh = boxgeom.box_convert(boxes, "xyxy", "xywh")
    expected = nmm(boxes, scores, 0.5)
    got = nmm(xywh, scores, 0.5, fmt="xywh")
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


# --- merge_groups ------------------------------------------------------------------------------


def predictions(boxes, scores, labels):
    from sahi.prediction import ObjectPrediction

    return [
        ObjectPrediction(bbox=box.tolist(), score=float(score), category_id=int(label), category_name=str(label))
        for box, score, label in zip(boxes, scores, labels)
    ]


def float32_exact_detections(seed: int, n_objects: int = 40):
    """Clustered detections whose coordinates and scores are exact in float32 (SAHI's
    postprocess casts them), non-negative (ObjectPrediction clamps), of positive area."""
    boxes, scores = clustered(n_objects, 7, seed, jitter=0.12)
    boxes = np.round(np.clip(boxes, 0, None) * 4) / 4 + np.array([0, 0, 0.25, 0.25])
    return boxes, scores.astype(np.float32).astype(np.float64), np.random.default_rng(seed).integers(0, 3, len(boxes))


@pytest.mark.parametrize("metric", ["iou", "ios"])
@pytest.mark.parametrize("greedy", [False, True], ids=["nmm", "greedy"])
@pytest.mark.parametrize("class_agnostic", [True, False])
def test_merge_groups_is_sahis_postprocess(backend, metric, greedy, class_agnostic):
    from sahi.postprocess.combine import GreedyNMMPostprocess, NMMPostprocess

    postprocess_type = GreedyNMMPostprocess if greedy else NMMPostprocess
    for seed, threshold in [(7, 0.4913), (8, 0.6217)]:
        boxes, scores, labels = float32_exact_detections(seed)
        assert_float32_agnostic(boxes, metric, threshold)
        postprocess = postprocess_type(match_threshold=threshold, match_metric=metric.upper(),
                                       class_agnostic=class_agnostic)
        expected = postprocess(predictions(boxes, scores, labels))
        groups = nmm(boxes, scores, threshold, metric=metric, greedy=greedy,
                     idxs=None if class_agnostic else labels, member_order="merge")
        merged, merged_scores, merged_labels = merge_groups(boxes, scores, *groups, threshold=threshold, metric=metric,
                                                            labels=labels)
        assert len(expected) == len(merged)
        np.testing.assert_array_equal(merged, [p.bbox.to_xyxy() for p in expected])
        np.testing.assert_array_equal(merged_scores, [p.score.value for p in expected])
        np.testing.assert_array_equal(merged_labels, [p.category.id for p in expected])


def test_sahi_discards_the_members_that_fail_the_retest():
    boxes = np.array([[3, 0, 13, 10], [6, 0, 16, 10], [0, 0, 10, 10]])  # IoU 0.54 of box 0 with 1 and 2
    groups = nmm(boxes, [0.9, 0.8, 0.7], 0.5, member_order="merge")
    assert as_dict(groups) == {0: [1, 2]}
    assert merge_groups(boxes, [0.9, 0.8, 0.7], *groups)[0].tolist() == [[0, 0, 16, 10]]
    assert merge_groups(boxes, [0.9, 0.8, 0.7], *groups, threshold=0.5)[0].tolist() == [[3, 0, 16, 10]]


def merge_reference(boxes, scores, labels, keep, indptr, indices):
    """The fold of every member, in row order, in plain Python."""
    out_boxes, out_scores, out_labels = [], [], []
    for r, k in enumerate(keep):
        box, score, label = list(boxes[k]), scores[k], labels[k]
        for j in indices[indptr[r] : indptr[r + 1]]:
            box = [min(box[0], boxes[j][0]), min(box[1], boxes[j][1]), max(box[2], boxes[j][2]), max(box[3], boxes[j][3])]
            label = label if score > scores[j] else labels[j]
            score = max(score, scores[j])
        out_boxes.append(box)
        out_scores.append(score)
        out_labels.append(label)
    return out_boxes, out_scores, out_labels


@given(lattice_boxes(max_n=30), st.data())
def test_merge_groups_folds_every_member(boxes, data):
    n = len(boxes)
    scores = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=n, max_size=n)))
    labels = np.arange(n) % 4
    groups = nmm(boxes, scores, data.draw(st.sampled_from([0.0, 0.3])), greedy=data.draw(st.booleans()))
    expected = merge_reference(boxes.tolist(), scores.tolist(), labels.tolist(), *(g.tolist() for g in groups))
    for dtype in (np.int32, np.int64, np.float32, np.float64):
        merged, merged_scores, merged_labels = merge_groups(boxes.astype(dtype), scores, *groups, labels=labels)
        assert merged.dtype == dtype and merged.shape == (len(groups[0]), 4)
        assert merged.tolist() == expected[0] and merged_scores.tolist() == expected[1]
        assert merged_labels.tolist() == expected[2]
    if n:
        xywh = boxgeom.box_convert(boxes, "xyxy", "xywh")
        got = merge_groups(xywh, scores, *groups, fmt="xywh")[0]
        np.testing.assert_array_equal(got, boxgeom.box_convert(np.array(expected[0]).reshape(-1, 4), "xyxy", "xywh"))


def test_retest_with_a_zero_denominator_fails_at_every_threshold():
    boxes = np.array([[0, 0, 0, 5], [0, 0, 0, 5]])
    for metric in ("iou", "ios"):
        merged, _ = merge_groups(boxes, [0.9, 0.8], [0], [0, 1], [1], threshold=0.0, metric=metric)
        assert merged.tolist() == [[0, 0, 0, 5]]
        merged, _ = merge_groups(boxes + [0, 0, 1, 0], [0.9, 0.8], [0], [0, 1], [1], threshold=0.0, metric=metric)
        assert merged.tolist() == [[0, 0, 1, 5]]


# --- slice_grid ------------------------------------------------------------------------------------


@given(
    st.integers(0, 3000), st.integers(0, 3000), st.integers(1, 900), st.integers(1, 900),
    st.floats(0, 0.95), st.floats(0, 0.95),
)
def test_slice_grid_is_sahis(height, width, slice_height, slice_width, ratio_y, ratio_x):
    from sahi.slicing import get_slice_bboxes

    expected = get_slice_bboxes(height, width, slice_height, slice_width, overlap_height_ratio=ratio_y,
                                overlap_width_ratio=ratio_x) if height and width else []
    got = slice_grid(height, width, slice_height, slice_width, overlap_height_ratio=ratio_y, overlap_width_ratio=ratio_x)
    assert got.dtype == np.int64 and got.shape == (len(expected), 4)
    assert got.tolist() == expected


def test_sliced_inference_recovers_the_objects():
    # objects seen by several overlapping slices: one merged box each
    objects = np.array([[100, 100, 180, 160], [500, 40, 560, 120], [300, 300, 420, 380]], dtype=float)
    slices = slice_grid(480, 640, 256, 256)
    found, found_scores = [], []
    for x1, y1, x2, y2 in slices.tolist():
        inside = (objects[:, 0] >= x1) & (objects[:, 1] >= y1) & (objects[:, 2] <= x2) & (objects[:, 3] <= y2)
        local = objects[inside] - [x1, y1, x1, y1]  # what a detector sees in the slice
        found.append(local + [x1, y1, x1, y1])  # shifted back to image coordinates
        found_scores.append(np.full(inside.sum(), 0.9 - 0.01 * len(found)))
    boxes, scores = np.concatenate(found), np.concatenate(found_scores)
    assert len(boxes) > len(objects)
    merged, _ = merge_groups(boxes, scores, *nmm(boxes, scores, 0.5, metric="ios", greedy=True), threshold=0.5,
                             metric="ios")
    assert sorted(merged.tolist()) == sorted(objects.tolist())


# --- bad input -------------------------------------------------------------------------------------


def test_bad_arguments_are_named():
    boxes, scores = [[0, 0, 2, 2], [1, 1, 3, 3]], [0.9, 0.8]
    for metric in ("IOU", "giou", None):
        with pytest.raises(ValueError, match="metric: expected one of 'iou', 'ios'"):
            nmm(boxes, scores, 0.5, metric=metric)
        with pytest.raises(ValueError, match="metric"):
            merge_groups(boxes, scores, [0], [0, 0], [], metric=metric)
    for threshold in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="threshold: expected a number in \\[0, 1\\]"):
            nmm(boxes, scores, threshold)
        with pytest.raises(ValueError, match="threshold"):
            merge_groups(boxes, scores, [0], [0, 0], [], threshold=threshold)
    with pytest.raises(TypeError, match="threshold"):
        nmm(boxes, scores, "0.5")
    with pytest.raises(ValueError, match="member_order"):
        nmm(boxes, scores, 0.5, member_order="sahi")
    with pytest.raises(TypeError, match="greedy"):
        nmm(boxes, scores, 0.5, greedy=1)
    with pytest.raises(ValueError, match="boxes: expected finite values, got NaN or inf in row 1"):
        nmm([[0, 0, 2, 2], [0, 0, np.inf, 1]], scores, 0.5)
    with pytest.raises(ValueError, match="scores: expected no NaN"):
        nmm(boxes, [0.9, np.nan], 0.5)
    with pytest.raises(ValueError, match="scores: expected length 2 to match boxes, got 3"):
        nmm(boxes, [0.9, 0.8, 0.7], 0.5)
    with pytest.raises(ValueError, match="idxs: expected length 2"):
        nmm(boxes, scores, 0.5, idxs=[0])
    with pytest.raises(TypeError, match="idxs"):
        nmm(boxes, scores, 0.5, idxs=[0.0, 1.0])
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size"):
        nmm([[0, 0, 2, 2], [3, 0, 1, 1]], scores, 0.5)
    with pytest.raises(ValueError, match="n_threads"):
        nmm(boxes, scores, 0.5, n_threads=0)
    with pytest.raises(ValueError, match="fmt"):
        nmm(boxes, scores, 0.5, fmt="xy")


def test_bad_groups_are_named():
    boxes, scores = [[0, 0, 2, 2], [1, 1, 3, 3]], [0.9, 0.8]
    with pytest.raises(ValueError, match=r"keep: expected indices within \[0, 2\), got values in \[0, 2\]"):
        merge_groups(boxes, scores, [0, 2], [0, 0, 0], [])
    with pytest.raises(ValueError, match=r"indices: expected indices within \[0, 2\)"):
        merge_groups(boxes, scores, [0], [0, 1], [-1])
    with pytest.raises(ValueError, match=r"indptr: expected shape \(2,\)"):
        merge_groups(boxes, scores, [0], [0, 1, 1], [1])
    with pytest.raises(ValueError, match="indptr: expected row pointers from 0 to 1"):
        merge_groups(boxes, scores, [0], [0, 2], [1])
    with pytest.raises(ValueError, match="indptr: expected non-decreasing row pointers, got a decrease at index 1"):
        merge_groups(boxes, scores, [0, 1], [0, -1, 0], [])
    with pytest.raises(TypeError, match="keep"):
        merge_groups(boxes, scores, [0.5], [0, 0], [])
    with pytest.raises(ValueError, match="labels: expected length 2"):
        merge_groups(boxes, scores, [0], [0, 0], [], labels=[1])


def test_bad_slices_are_named():
    with pytest.raises(ValueError, match="image_height: expected a non-negative int, got -1"):
        slice_grid(-1, 10, 5, 5)
    with pytest.raises(ValueError, match="slice_width: expected a positive int, got 0"):
        slice_grid(10, 10, 5, 0)
    with pytest.raises(TypeError, match="slice_height: expected a positive int, got float"):
        slice_grid(10, 10, 5.0, 5)
    with pytest.raises(ValueError, match=r"overlap_width_ratio: expected a number in \[0, 1\), got 1.0"):
        slice_grid(10, 10, 5, 5, overlap_width_ratio=1.0)
    with pytest.raises(ValueError, match="overlap_height_ratio"):
        slice_grid(10, 10, 5, 5, overlap_height_ratio=-0.5)


def test_empty_input_gives_empty_results():
    for greedy in (False, True):
        for threshold in (0.0, 0.5):
            keep, indptr, indices = nmm(np.empty((0, 4)), [], threshold, greedy=greedy, idxs=[])
            assert keep.shape == (0,) and keep.dtype == np.intp
            assert indptr.tolist() == [0] and indptr.dtype == np.int64
            assert indices.shape == (0,) and indices.dtype == np.intp
    merged, merged_scores, merged_labels = merge_groups(np.empty((0, 4), np.float32), [], [], [0], [], labels=[])
    assert merged.shape == (0, 4) and merged.dtype == np.float32
    assert merged_scores.shape == (0,) and merged_scores.dtype == np.float64 and merged_labels.shape == (0,)
    assert slice_grid(0, 100, 10, 10).shape == (0, 4)


def test_inputs_are_not_modified():
    boxes, scores = clustered(10, 5, seed=9)
    labels = np.arange(len(boxes)) % 3
    copies = boxes.copy(), scores.copy(), labels.copy()
    groups = nmm(boxes, scores, 0.5, idxs=labels, member_order="merge")
    saved = [g.copy() for g in groups]
    merge_groups(boxes, scores, *groups, threshold=0.5, labels=labels)
    assert all(np.array_equal(a, b) for a, b in zip((boxes, scores, labels), copies))
    assert all(np.array_equal(a, b) for a, b in zip(groups, saved))
