"""Weighted boxes fusion and non-maximum weighted (boxgeom.fusion), and the ensemble-boxes
drop-in (boxgeom.ensemble): against a float64 reference written here, against
ensemble-boxes itself (test extra), and on edge cases."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import lattice_boxes
from boxgeom import _fusion, box_convert, non_maximum_weighted, weighted_boxes_fusion
from boxgeom import ensemble
from boxgeom.fusion import CONF_TYPES

# --- a float64 reference of the semantics, O(n x clusters) -------------------------------------


def _iou(a, b) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def reference(boxes, scores, labels, models, n_models, weights=None, iou_threshold=0.55, skip_box_threshold=0.0,
              conf_type="avg", allows_overflow=False, heads=False):
    """The documented algorithm, one box and one cluster at a time, in Python floats."""
    boxes = [[float(v) for v in box] for box in np.asarray(boxes, dtype=np.float64).reshape(-1, 4)]
    weights = np.ones(n_models) if weights is None else np.asarray(weights, dtype=np.float64)
    factor = weights / weights.max() if heads else weights
    ws = [float(s) * float(factor[m]) for s, m in zip(scores, models)]
    order = sorted((i for i in range(len(boxes)) if not scores[i] < skip_box_threshold),
                   key=lambda i: (labels[i], -ws[i], i))
    clusters = []
    for i in order:
        best, best_iou = -1, iou_threshold
        for c, cluster in enumerate(clusters):
            if cluster["label"] == labels[i]:
                value = _iou(cluster["box"], boxes[i])
                if value > best_iou:
                    best, best_iou = c, value
        if best < 0:
            clusters.append({"label": labels[i], "members": [i], "box": list(boxes[i]), "acc": [ws[i] * c for c in boxes[i]],
                             "plain": list(boxes[i]), "weight": ws[i]})
            continue
        cluster = clusters[best]
        w = ws[i] * best_iou if heads else ws[i]
        cluster["members"].append(i)
        cluster["acc"] = [a + w * c for a, c in zip(cluster["acc"], boxes[i])]
        cluster["plain"] = [a + c for a, c in zip(cluster["plain"], boxes[i])]
        cluster["weight"] += w
        n = len(cluster["members"])
        fused = [a / cluster["weight"] if cluster["weight"] > 0 else p / n for a, p in zip(cluster["acc"], cluster["plain"])]
        if not heads:
            cluster["box"] = fused
        cluster["fused"] = fused
    total, out_boxes, out_scores, out_labels = float(weights.sum()), [], [], []
    for cluster in clusters:
        members = cluster["members"]
        n = len(members)
        mean = sum(ws[i] for i in members) / n
        member_weight = 0.0
        for i in members:
            member_weight += float(weights[models[i]])
        present = 0.0
        for m in sorted({models[i] for i in members}):
            present += float(weights[m])
        if heads:
            score = ws[members[0]]
        elif conf_type == "avg":
            score = mean * (n if allows_overflow else min(n_models, n)) / total
        elif conf_type == "max":
            score = ws[members[0]] / float(weights.max())
        elif conf_type == "box_and_model_avg":
            score = mean * n / member_weight * present / total
        else:
            score = mean * n / (member_weight + (total - present))
        out_boxes.append(cluster.get("fused", boxes[members[0]]))
        out_scores.append(score)
        out_labels.append(cluster["label"])
    rank = sorted(range(len(clusters)), key=lambda c: -out_scores[c])  # stable: older clusters first
    return (np.array([out_boxes[c] for c in rank]).reshape(-1, 4), np.array([out_scores[c] for c in rank]),
            np.array([out_labels[c] for c in rank], dtype=np.int64))


def assert_same(got, expected, atol=1e-12):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape, (g.shape, e.shape)
        np.testing.assert_allclose(g, e, rtol=0, atol=atol)


def detections(rng, n_models=3, n_objects=15, per_model=40, n_labels=3, region=1.0, jitter=0.02):
    """Boxes of several models around shared objects: (boxes, scores, labels, model ids)."""
    centre = rng.uniform(0.1, 0.9, (n_objects, 2)) * region
    size = rng.uniform(0.05, 0.2, (n_objects, 2)) * region
    label = rng.integers(0, n_labels, n_objects)
    pick = rng.integers(0, n_objects, n_models * per_model)
    c = centre[pick] + rng.normal(0, jitter * region, (len(pick), 2))
    s = size[pick] * rng.uniform(0.8, 1.25, (len(pick), 2))
    boxes = np.hstack([c - s / 2, c + s / 2])
    labels = np.where(rng.random(len(pick)) < 0.85, label[pick], rng.integers(0, n_labels, len(pick)))
    return boxes, rng.random(len(pick)), labels, np.repeat(np.arange(n_models), per_model)


# --- the flat API against the reference ---------------------------------------------------------


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("allows_overflow", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_boxes_fusion_matches_the_reference(conf_type, allows_overflow, weighted):
    rng = np.random.default_rng(1)
    for seed in range(4):
        boxes, scores, labels, models = detections(np.random.default_rng(seed), region=100.0)
        weights = rng.uniform(0.5, 3, 4) if weighted else None
        for thr, skip in [(0.55, 0.0), (0.3, 0.2), (0.8, 0.0)]:
            kwargs = dict(weights=weights, iou_threshold=thr, skip_box_threshold=skip, conf_type=conf_type,
                          allows_overflow=allows_overflow)
            got = weighted_boxes_fusion(boxes, scores, labels, models, n_models=4, **kwargs)
            assert_same(got, reference(boxes, scores, labels, models, 4, **kwargs))
            assert got[0].dtype == got[1].dtype == np.float64 and got[2].dtype == np.int64


@pytest.mark.parametrize("conf_type", ["box_and_model_avg", "absent_model_aware_avg"])
def test_many_models_match_the_reference(conf_type):
    # more models than boxes: the models present in each cluster are found by sorting
    boxes, scores, labels, _ = detections(np.random.default_rng(11), n_models=4, per_model=50)
    models = np.random.default_rng(12).integers(0, 1000, len(boxes))
    weights = np.random.default_rng(13).uniform(0.5, 2, 1000)
    kwargs = dict(weights=weights, iou_threshold=0.4, conf_type=conf_type)
    assert_same(weighted_boxes_fusion(boxes, scores, labels, models, **kwargs),
                reference(boxes, scores, labels, models, 1000, **kwargs))


@pytest.mark.parametrize("weighted", [False, True])
def test_non_maximum_weighted_matches_the_reference(weighted):
    for seed in range(4):
        boxes, scores, labels, models = detections(np.random.default_rng(seed), region=50.0)
        weights = np.array([1.0, 2.5, 0.7]) if weighted else None
        for thr, skip in [(0.55, 0.0), (0.3, 0.25), (0.7, 0.0)]:
            got = non_maximum_weighted(boxes, scores, labels, models, weights=weights, iou_threshold=thr,
                                       skip_box_threshold=skip)
            expected = reference(boxes, scores, labels, models, 3, weights, thr, skip, heads=True)
            assert_same(got, expected)


@st.composite
def lattice_detections(draw):
    """Integer boxes on a coarse lattice (equal IoUs, identical and zero-area boxes) with
    scores from a few values (equal scores), labels and models."""
    boxes = draw(lattice_boxes(max_n=25, span=draw(st.sampled_from([2, 6])), max_size=4))
    n = len(boxes)
    scores = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=n, max_size=n))
    labels = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    models = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return boxes, np.array(scores, dtype=np.float64), np.array(labels, dtype=np.int64), np.array(models, dtype=np.int64)


@given(lattice_detections(), st.sampled_from([0.0, 0.2, 0.5, 1 / 3, 1.0]), st.sampled_from(CONF_TYPES),
       st.booleans(), st.booleans())
def test_ties_identical_and_zero_area_boxes_follow_the_reference(data, thr, conf_type, overflow, heads):
    boxes, scores, labels, models = data
    if heads:
        got = non_maximum_weighted(boxes, scores, labels, models, n_models=3, iou_threshold=thr)
    else:
        got = weighted_boxes_fusion(boxes, scores, labels, models, n_models=3, iou_threshold=thr, conf_type=conf_type,
                                    allows_overflow=overflow)
    expected = reference(boxes, scores, labels, models, 3, None, thr, 0.0, conf_type, overflow, heads)
    assert_same(got, expected)
    np.testing.assert_array_equal(got[2], expected[2])
    assert np.isfinite(got[0]).all() and np.isfinite(got[1]).all()


def test_edge_cases():
    # one box: itself, scored by the model count
    fused, scores, labels = weighted_boxes_fusion([[1, 2, 3, 4]], [0.8], [5], [0], n_models=2)
    assert fused.tolist() == [[1, 2, 3, 4]] and scores.tolist() == [0.4] and labels.tolist() == [5]
    # identical boxes fuse into that box; zero-area boxes stay apart; score-0 boxes average plainly
    same = np.tile([[0.0, 0.0, 2.0, 2.0]], (3, 1))
    fused, scores, _ = weighted_boxes_fusion(same, [0.9, 0.6, 0.3], [0, 0, 0], [0, 1, 2])
    np.testing.assert_allclose(fused, same[:1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(scores, [0.6], rtol=0, atol=1e-15)
    flat_boxes = [[0, 0, 0, 5], [0, 0, 0, 5]]
    assert len(weighted_boxes_fusion(flat_boxes, [0.5, 0.5], [0, 0], [0, 1])[0]) == 2
    fused, scores, _ = weighted_boxes_fusion([[0, 0, 2, 2], [0, 0, 2, 3]], [0.0, 0.0], [0, 0], [0, 1])
    assert fused.tolist() == [[0.0, 0.0, 2.0, 2.5]] and scores.tolist() == [0.0]
    # equal IoU with two clusters: the older one wins
    tie = [[0, 0, 2, 1], [0, 1, 2, 2], [0, 0, 2, 2]]
    for function, y2 in ((weighted_boxes_fusion, (0.9 + 0.7 * 2) / 1.6), (non_maximum_weighted, (0.9 + 0.35 * 2) / 1.25)):
        for order in (slice(None), slice(None, None, -1)):
            fused, _, _ = function(tie[order], [0.9, 0.8, 0.7][order], [0, 0, 0], [0, 1, 2], iou_threshold=0.4)
            np.testing.assert_allclose(fused, [[0, 0, 2, y2], [0, 1, 2, 2]], rtol=0, atol=1e-15)
    # strict threshold: IoU exactly 0.5 does not merge at 0.5
    for function in (weighted_boxes_fusion, non_maximum_weighted):
        assert len(function([[0, 0, 2, 1], [0, 0, 1, 1]], [0.9, 0.8], [0, 0], [0, 1], iou_threshold=0.5)[0]) == 2
        assert len(function([[0, 0, 2, 1], [0, 0, 1, 1]], [0.9, 0.8], [0, 0], [0, 1], iou_threshold=0.4999)[0]) == 1


def test_box_formats_and_skip():
    boxes, scores, labels, models = detections(np.random.default_rng(3), region=10.0)
    expected = weighted_boxes_fusion(boxes, scores, labels, models, skip_box_threshold=0.3)
    for fmt in ("xywh", "cxcywh"):
        got = weighted_boxes_fusion(box_convert(boxes, "xyxy", fmt), scores, labels, models, skip_box_threshold=0.3,
                                    fmt=fmt)
        np.testing.assert_allclose(box_convert(got[0], fmt, "xyxy"), expected[0], rtol=0, atol=1e-12)
        np.testing.assert_array_equal(got[2], expected[2])
    fused, _, _ = weighted_boxes_fusion(boxes, scores, labels, models, skip_box_threshold=1.0)
    assert fused.shape == (0, 4)


def test_the_grid_finds_what_a_scan_of_every_cluster_finds():
    # many boxes of mixed sizes (several levels, and levels scanned cluster by cluster)
    rng = np.random.default_rng(5)
    parts = [detections(rng, n_models=5, n_objects=300, per_model=800, n_labels=2, region=1000.0, jitter=0.01)]
    big = rng.uniform(0, 1000, (300, 2))
    parts.append((np.hstack([big, big + rng.uniform(100, 400, (300, 2))]), rng.random(300), rng.integers(0, 2, 300),
                  rng.integers(0, 5, 300)))
    boxes, scores, labels, _ = (np.concatenate(p) for p in zip(*parts))
    keep = np.flatnonzero(scores > 0.05)
    for heads in (False, True):
        for float32_like in (False, True):
            for thr in (0.0, 0.3, 0.55, 0.9):
                kwargs = dict(iou_threshold=thr, heads=heads, float32_like=float32_like)
                grid = _fusion.cluster_boxes(boxes, scores, labels, keep, **kwargs)
                scan = _fusion.cluster_boxes(boxes, scores, labels, keep, brute=True, **kwargs)
                for a, b in zip(grid, scan):
                    np.testing.assert_array_equal(a, b)


def test_bad_input_is_named():
    boxes, scores, labels, models = [[0, 0, 1, 1]], [0.5], [0], [0]
    with pytest.raises(ValueError, match="boxes: expected finite"):
        weighted_boxes_fusion([[0, 0, np.nan, 1]], scores, labels, models)
    with pytest.raises(ValueError, match="scores: expected finite"):
        weighted_boxes_fusion(boxes, [np.inf], labels, models)
    with pytest.raises(ValueError, match="scores: expected length 1"):
        weighted_boxes_fusion(boxes, [0.5, 0.4], labels, models)
    with pytest.raises(ValueError, match="labels: expected length 1"):
        non_maximum_weighted(boxes, scores, [0, 1], models)
    with pytest.raises(ValueError, match="model_ids: expected values in \\[0, 2\\)"):
        weighted_boxes_fusion(boxes, scores, labels, [2], n_models=2)
    with pytest.raises(ValueError, match="weights: expected length 2"):
        weighted_boxes_fusion(boxes, scores, labels, models, n_models=2, weights=[1.0])
    with pytest.raises(ValueError, match="weights: expected positive"):
        weighted_boxes_fusion(boxes, scores, labels, models, weights=[0.0])
    with pytest.raises(ValueError, match="conf_type: expected one of"):
        weighted_boxes_fusion(boxes, scores, labels, models, conf_type="mean")
    with pytest.raises(ValueError, match="iou_threshold"):
        weighted_boxes_fusion(boxes, scores, labels, models, iou_threshold=1.5)
    with pytest.raises(ValueError, match="skip_box_threshold"):
        non_maximum_weighted(boxes, scores, labels, models, skip_box_threshold=-0.1)
    with pytest.raises(TypeError, match="labels"):
        weighted_boxes_fusion(boxes, scores, [0.5], models)
    with pytest.raises(TypeError, match="allows_overflow"):
        weighted_boxes_fusion(boxes, scores, labels, models, allows_overflow="yes")


def test_empty_input():
    for function in (weighted_boxes_fusion, non_maximum_weighted):
        fused, scores, labels = function(np.zeros((0, 4)), [], [], [])
        assert fused.shape == (0, 4) and scores.shape == (0,) and labels.shape == (0,)
        assert fused.dtype == scores.dtype == np.float64 and labels.dtype == np.int64


# --- the ensemble-boxes drop-in ------------------------------------------------------------------


@pytest.fixture(scope="module")
def eb():
    return pytest.importorskip("ensemble_boxes")


def model_lists(seed, n_models=3, per_model=30, n_labels=3, dtype=np.float64, n_objects=15):
    """Per-model lists in [0, 1], without exact score ties."""
    rng = np.random.default_rng(seed)
    boxes, scores, labels, models = detections(rng, n_models, n_objects, per_model, n_labels)
    split = lambda a: [a[models == m] for m in range(n_models)]  # noqa: E731
    return split(np.clip(boxes, 0, 1).astype(dtype)), split(scores.astype(dtype)), split(labels)


def assert_same_results(got, expected):
    assert len(got) == len(expected) == 3
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and g.shape == e.shape, (g.dtype, e.dtype, g.shape, e.shape)
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-6)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("allows_overflow", [False, True])
def test_weighted_boxes_fusion_drop_in(eb, conf_type, allows_overflow):
    for seed, n_models, n_labels in [(0, 1, 1), (1, 3, 3), (2, 4, 2)]:
        boxes, scores, labels = model_lists(seed, n_models, n_labels=n_labels)
        for weights in (None, list(np.linspace(1, 3, n_models))):
            for thr, skip in [(0.55, 0.0), (0.3, 0.3), (0.75, 0.1)]:
                kwargs = dict(weights=weights, iou_thr=thr, skip_box_thr=skip, conf_type=conf_type,
                              allows_overflow=allows_overflow)
                expected = eb.weighted_boxes_fusion(boxes, scores, labels, **kwargs)
                assert_same_results(ensemble.weighted_boxes_fusion(boxes, scores, labels, **kwargs), expected)


def test_dense_drop_in(eb):
    # 6 models x 300 boxes around 60 objects: long chains of merges and float32 rounding
    boxes, scores, labels = model_lists(9, n_models=6, per_model=300, n_labels=2, n_objects=60)
    for conf_type in ("avg", "box_and_model_avg"):
        assert_same_results(ensemble.weighted_boxes_fusion(boxes, scores, labels, conf_type=conf_type, iou_thr=0.5),
                            eb.weighted_boxes_fusion(boxes, scores, labels, conf_type=conf_type, iou_thr=0.5))
    assert_same_results(ensemble.non_maximum_weighted(boxes, scores, labels), eb.non_maximum_weighted(boxes, scores, labels))


def test_non_maximum_weighted_drop_in(eb):
    for seed, n_models in [(0, 1), (3, 3)]:
        boxes, scores, labels = model_lists(seed, n_models)
        for weights in (None, [2.0, 1.0, 0.5][:n_models]):
            for thr, skip in [(0.55, 0.0), (0.3, 0.2)]:
                kwargs = dict(weights=weights, iou_thr=thr, skip_box_thr=skip)
                expected = eb.non_maximum_weighted(boxes, scores, labels, **kwargs)
                assert_same_results(ensemble.non_maximum_weighted(boxes, scores, labels, **kwargs), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nms_drop_in(eb, dtype):
    for seed in range(3):
        boxes, scores, labels = model_lists(seed, dtype=dtype)
        for weights in (None, [1.0, 3.0, 2.0]):
            for thr in (0.3, 0.5, 0.7):
                expected = eb.nms(boxes, copy.deepcopy(scores), labels, iou_thr=thr, weights=weights)
                assert_same_results(ensemble.nms(boxes, scores, labels, iou_thr=thr, weights=weights), expected)


@pytest.mark.parametrize("method", [1, 2])
def test_soft_nms_drop_in(eb, method):
    for seed in range(3):
        boxes, scores, labels = model_lists(seed)
        for weights in (None, [1.0, 3.0, 2.0]):
            for thr, sigma, thresh in [(0.3, 0.5, 0.001), (0.5, 0.2, 0.1), (0.7, 1.0, 0.3)]:
                kwargs = dict(method=method, iou_thr=thr, sigma=sigma, thresh=thresh, weights=weights)
                expected = eb.soft_nms(boxes, copy.deepcopy(scores), labels, **kwargs)
                assert_same_results(ensemble.soft_nms(boxes, scores, labels, **kwargs), expected)
    with pytest.raises(ValueError, match="sigma"):
        ensemble.soft_nms(boxes, scores, labels, sigma=0)
    with pytest.raises(ValueError, match="thresh"):
        ensemble.soft_nms(boxes, scores, labels, thresh=1.5)


def test_nms_and_soft_nms_drop_in_with_wide_and_float_labels(eb):
    # labels spanning 2**16 values and more, and float labels: the output stays label by label
    boxes, scores, labels = model_lists(6, n_labels=4)
    for relabel in (lambda l: l * 40_000 - 7, lambda l: l + 0.5, lambda l: 3 - l):
        relabelled = [relabel(l) for l in labels]
        for method in (1, 2):
            assert_same_results(ensemble.soft_nms(boxes, scores, relabelled, method=method),
                                eb.soft_nms(boxes, copy.deepcopy(scores), relabelled, method=method))
        assert_same_results(ensemble.nms(boxes, scores, relabelled), eb.nms(boxes, copy.deepcopy(scores), relabelled))


def test_float32_and_list_inputs_drop_in(eb):
    boxes, scores, labels = model_lists(4, dtype=np.float32)
    for args in [(boxes, scores, labels), ([b.tolist() for b in boxes], [s.tolist() for s in scores],
                                           [l.astype(float).tolist() for l in labels])]:
        for skip in (0.0, float(scores[0][3])):  # a float32 score at the threshold is kept
            assert_same_results(ensemble.weighted_boxes_fusion(*args, skip_box_thr=skip),
                                eb.weighted_boxes_fusion(*args, skip_box_thr=skip))


def test_normalisation_drop_in(eb):
    boxes, scores, labels = model_lists(5)
    boxes[0][0] = [1.2, 0.1, 1.5, 0.3]  # outside: zero area after clipping
    boxes[1][1] = [0.6, 0.5, 0.4, 0.3]  # reversed corners
    boxes[2][2] = [-0.2, 0.3, 0.2, 1.4]  # clipped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [eb.weighted_boxes_fusion(boxes, scores, labels), eb.non_maximum_weighted(boxes, scores, labels),
                    eb.nms(boxes, scores, labels), eb.soft_nms(boxes, scores, labels)]
    with pytest.warns(UserWarning) as caught:
        got = [ensemble.weighted_boxes_fusion(boxes, scores, labels), ensemble.non_maximum_weighted(boxes, scores, labels),
               ensemble.nms(boxes, scores, labels), ensemble.soft_nms(boxes, scores, labels)]
    messages = " ".join(str(w.message) for w in caught)
    assert {w.filename for w in caught} == {__file__}  # attributed to the caller
    assert "swapped the corners of 1 boxes" in messages and "skipped 1 boxes of zero area" in messages
    assert "clipped" in messages
    for g, e in zip(got, expected):
        assert_same_results(g, e)


def test_the_inputs_are_not_modified():
    boxes, scores, labels = model_lists(6)
    boxes[0][0] = [0.6, 0.5, 0.4, 0.3]
    as_lists = ([b.tolist() for b in boxes], [s.tolist() for s in scores], [l.tolist() for l in labels])
    for inputs in [(boxes, scores, labels), as_lists]:
        before = copy.deepcopy(inputs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ensemble.weighted_boxes_fusion(*inputs, weights=[1, 2, 3])
            ensemble.non_maximum_weighted(*inputs, weights=[1, 2, 3])
            ensemble.nms(*inputs, weights=[1, 2, 3])
            ensemble.soft_nms(*inputs, weights=[1, 2, 3])
        for now, then in zip(inputs, before):
            for a, b in zip(now, then):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
                assert type(a) is type(b)
    flat = detections(np.random.default_rng(7))
    before = copy.deepcopy(flat)
    weighted_boxes_fusion(*flat)
    non_maximum_weighted(*flat)
    for a, b in zip(flat, before):
        np.testing.assert_array_equal(a, b)


def test_drop_in_bad_input_raises_instead_of_exiting():
    boxes, scores, labels = model_lists(8)
    with pytest.raises(ValueError, match=r"scores_list\[1\]: expected length 30 to match boxes_list\[1\], got 29"):
        ensemble.weighted_boxes_fusion(boxes, [scores[0], scores[1][:-1], scores[2]], labels)
    with pytest.raises(ValueError, match=r"labels_list: expected 3 models to match boxes_list, got 2"):
        ensemble.non_maximum_weighted(boxes, scores, labels[:2])
    with pytest.raises(ValueError, match="conf_type"):
        ensemble.weighted_boxes_fusion(boxes, scores, labels, conf_type="average")
    with pytest.raises(ValueError, match="weights: expected length 3"):
        ensemble.weighted_boxes_fusion(boxes, scores, labels, weights=[1, 2])
    with pytest.raises(ValueError, match="iou_thr"):
        ensemble.nms(boxes, scores, labels, iou_thr=2)
    with pytest.raises(ValueError, match=r"boxes_list\[0\]: expected finite"):
        ensemble.weighted_boxes_fusion([np.full((1, 4), np.nan)], [[0.5]], [[0]])
    with pytest.raises(ValueError, match=r"boxes_list\[0\]: expected shape \(n, 4\)"):
        ensemble.weighted_boxes_fusion([[[0, 0, 1]]], [[0.5]], [[0]])
    with pytest.raises(TypeError, match="boxes_list"):
        ensemble.weighted_boxes_fusion("boxes", scores, labels)
    with pytest.raises(ValueError, match="method"):
        ensemble.nms_method(boxes, scores, labels, method=4)


def test_drop_in_empty_input(eb):
    for function in (ensemble.weighted_boxes_fusion, ensemble.non_maximum_weighted):
        got = function([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0)])
        assert_same_results(got, (np.zeros((0, 4)), np.zeros(0), np.zeros(0)))
        assert_same_results(function([[[0.1, 0.1, 0.2, 0.2]]], [[0.1]], [[0]], skip_box_thr=0.5),
                            getattr(eb, function.__name__)([[[0.1, 0.1, 0.2, 0.2]]], [[0.1]], [[0]], skip_box_thr=0.5))
    for function in (ensemble.nms, ensemble.soft_nms):
        boxes, scores, labels = function([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, dtype=np.int64)])
        assert boxes.shape == (0, 4) and scores.shape == (0,) and labels.shape == (0,)
