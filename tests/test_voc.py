"""VOC / DOTA average precision (boxgeom.voc) against a reference written here (DOTA's
``voc_eval`` rule, one detection and one ground truth at a time, with shapely polygon
IoU for rotated boxes and quads and numpy for axis-aligned boxes), and DOTA's text
files (boxgeom.dota)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from conftest import lattice_boxes
import boxgeom
from boxgeom import voc as voc_module
from boxgeom.dota import DOTA_V1_CLASSES, read_dota, write_dota
from boxgeom.voc import OUTCOMES, voc_ap

# --- the reference: DOTA's voc_eval per category, in plain Python ------------------------------


def box_iou_one(a, b) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def corners(boxes, degrees=True, flip=False) -> np.ndarray:
    """(n, 8) corners of rotated boxes: w-axis (cos a, sin a) (opencv) or (cos a, -sin a) (flip)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 5)
    cx, cy, w, h, a = boxes.T
    a = np.radians(a) if degrees else a
    s = -np.sin(a) if flip else np.sin(a)
    ux, uy = np.cos(a) * w / 2, s * w / 2  # half the w-axis
    vx, vy = -s * h / 2, np.cos(a) * h / 2  # half the h-axis
    out = [cx - ux - vx, cy - uy - vy, cx + ux - vx, cy + uy - vy, cx + ux + vx, cy + uy + vy, cx - ux + vx, cy - uy + vy]
    return np.stack(out, axis=1)


def polygon_iou_one(p, q) -> float:
    a, b = shapely.Polygon(np.reshape(p, (4, 2))), shapely.Polygon(np.reshape(q, (4, 2)))
    inter = a.intersection(b).area
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def dota_ap(rec, prec, use_07_metric):
    """DOTA's voc_ap, as loops."""
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            above = [p for r, p in zip(rec, prec) if r >= t]
            ap = ap + (max(above) if above else 0.0) / 11.0
        return ap
    mrec = [0.0, *rec, 1.0]
    mpre = [0.0, *prec, 0.0]
    for i in range(len(mpre) - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    return float(np.sum([(mrec[i + 1] - mrec[i]) * mpre[i + 1] for i in range(len(mrec) - 1) if mrec[i + 1] != mrec[i]]))


def reference(gt, gt_labels, gt_images, dt, scores, dt_labels, dt_images, iou, difficult=None, iou_threshold=0.5,
              use_07_metric=False, categories=None):
    """Per category: AP (-1 without positives), rec, prec, and each detection's outcome."""
    n, m = len(gt_labels), len(dt_labels)
    difficult = [False] * n if difficult is None else [bool(x) for x in difficult]
    categories = sorted(set(int(c) for c in gt_labels)) if categories is None else list(categories)
    outcome = [OUTCOMES["not_evaluated"]] * m
    aps, recs, precs = [], [], []
    for c in categories:
        truth: dict[int, list[int]] = {}
        npos = 0
        for g in range(n):
            if gt_labels[g] == c:
                truth.setdefault(int(gt_images[g]), []).append(g)
                npos += not difficult[g]
        dets = sorted((d for d in range(m) if dt_labels[d] == c), key=lambda d: -scores[d])  # stable
        used = set()
        tp, fp = [], []
        for d in dets:
            best, best_g = -math.inf, -1
            for g in truth.get(int(dt_images[d]), []):
                o = iou(g, d)
                if o > best:
                    best, best_g = o, g
            t = f = 0
            if best > iou_threshold:
                if not difficult[best_g]:
                    if best_g in used:
                        f = 1
                    else:
                        t = 1
                        used.add(best_g)
            else:
                f = 1
            outcome[d] = OUTCOMES["true_positive"] if t else OUTCOMES["false_positive"] if f else OUTCOMES["ignored"]
            tp.append(t)
            fp.append(f)
        ctp, cfp = np.cumsum(tp, dtype=float), np.cumsum(fp, dtype=float)
        rec = list(ctp / npos) if npos else [0.0] * len(dets)
        prec = list(ctp / np.maximum(ctp + cfp, np.finfo(np.float64).eps))
        aps.append(dota_ap(rec, prec, use_07_metric) if npos else -1.0)
        recs.append(rec)
        precs.append(prec)
    return np.array(aps), recs, precs, np.array(outcome, dtype=np.int8)


def iou_of(kind, gt, dt, **options):
    if kind == "box":
        gt, dt = np.asarray(gt, dtype=np.float64), np.asarray(dt, dtype=np.float64)
        return lambda g, d: box_iou_one(gt[g], dt[d])
    if kind == "rotated":
        degrees = options.get("angle_unit", "deg") == "deg"
        flip = options.get("convention", "opencv") == "torchvision"
        gt, dt = corners(gt, degrees, flip), corners(dt, degrees, flip)
    else:
        gt, dt = np.reshape(gt, (-1, 8)), np.reshape(dt, (-1, 8))
    gt_polys, dt_polys = list(map(shapely.Polygon, gt.reshape(-1, 4, 2))), list(map(shapely.Polygon, dt.reshape(-1, 4, 2)))

    def one(g, d):
        a, b = gt_polys[g], dt_polys[d]
        inter = a.intersection(b).area
        union = a.area + b.area - inter
        return inter / union if union > 0 else 0.0

    return one


def check_against_reference(gt, gt_labels, gt_images, dt, scores, dt_labels, dt_images, *, kind="box", difficult=None,
                            iou_threshold=0.5, use_07_metric=False, categories=None, **options):
    result = voc_ap(gt, gt_labels, gt_images, dt, scores, dt_labels, dt_images, kind=kind, gt_difficult=difficult,
                    iou_threshold=iou_threshold, use_07_metric=use_07_metric, categories=categories, **options)
    iou = iou_of(kind, gt, dt, **options)
    aps, recs, precs, outcome = reference(gt, gt_labels, gt_images, dt, scores, dt_labels, dt_images, iou, difficult,
                                          iou_threshold, use_07_metric, categories)
    np.testing.assert_array_equal(result.dt_outcome, outcome)
    np.testing.assert_allclose(result.ap, aps, rtol=0, atol=1e-12)
    assert len(result.recall) == len(recs)
    for mine, theirs in zip(result.recall, recs):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    for mine, theirs in zip(result.precision, precs):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    valid = aps[aps >= 0]
    assert result.map == (pytest.approx(valid.mean(), abs=1e-12) if len(valid) else -1.0)
    return result


# --- DOTA-like data ---------------------------------------------------------------------------


def dota_like(rng, n_images=20, n_classes=5, per_image=30, size=1000.0, kind="rotated", tie_scores=False):
    """Rotated ground truth on a few images, detections near most of it (jittered, some
    duplicates, some on other images' places), false positives, difficult flags, and a
    label outside the categories."""
    gts, gl, gi, dts, ds, dl, di = [], [], [], [], [], [], []
    for image in range(n_images):
        k = rng.integers(0, per_image + 1)
        centre = rng.uniform(0, size, (k, 2))
        wh = rng.uniform(8, 80, (k, 2))
        angle = rng.uniform(-90, 90, (k, 1))
        boxes = np.hstack([centre, wh, angle])
        labels = rng.integers(0, n_classes, k)
        gts.append(boxes)
        gl.append(labels)
        gi.append(np.full(k, image))
        found = rng.random(k) < 0.8
        copies = np.repeat(np.flatnonzero(found), 1 + (rng.random(found.sum()) < 0.25))
        jitter = boxes[copies] + rng.normal(0, 1, (len(copies), 5)) * np.array([4, 4, 6, 6, 8])
        jitter[:, 2:4] = np.abs(jitter[:, 2:4])
        noise = np.hstack([rng.uniform(0, size, (k // 2, 2)), rng.uniform(8, 80, (k // 2, 2)), rng.uniform(-90, 90, (k // 2, 1))])
        boxes_dt = np.vstack([jitter, noise])
        labels_dt = np.concatenate([labels[copies], rng.integers(0, n_classes + 1, k // 2)])  # n_classes: not evaluated
        dts.append(boxes_dt)
        dl.append(labels_dt)
        di.append(np.full(len(boxes_dt), image))
    scores = rng.random(sum(map(len, dts)))
    if tie_scores:
        scores = np.round(scores, 1)
    gt = np.vstack(gts)
    difficult = rng.random(len(gt)) < 0.15
    dt = np.vstack(dts)
    if kind == "box":
        gt = np.hstack([gt[:, :2] - gt[:, 2:4] / 2, gt[:, :2] + gt[:, 2:4] / 2])
        dt = np.hstack([dt[:, :2] - dt[:, 2:4] / 2, dt[:, :2] + dt[:, 2:4] / 2])
    elif kind == "polygon":
        gt, dt = _shuffled_corners(rng, corners(gt)), _shuffled_corners(rng, corners(dt))
    return (gt, np.concatenate(gl), np.concatenate(gi), dt, scores, np.concatenate(dl), np.concatenate(di)), difficult


def _shuffled_corners(rng, quads):
    """The same quads starting at a random corner, half of them running the other way round."""
    points = quads.reshape(-1, 4, 2)
    start = rng.integers(0, 4, len(points))
    order = (start[:, None] + np.arange(4)) % 4
    backwards = rng.random(len(points)) < 0.5
    order[backwards] = order[backwards][:, ::-1]
    return np.take_along_axis(points, order[:, :, None], axis=1).reshape(-1, 8)


@pytest.mark.parametrize("kind", ["box", "rotated", "polygon"])
@pytest.mark.parametrize("use_07_metric", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_reference_on_dota_like_sets(kind, use_07_metric, seed):
    rng = np.random.default_rng(seed)
    data, difficult = dota_like(rng, n_images=12, kind=kind, tie_scores=seed == 2)
    check_against_reference(*data, kind=kind, difficult=difficult, use_07_metric=use_07_metric)


@pytest.mark.parametrize("iou_threshold", [0.0, 0.3, 0.7, 1.0])
def test_other_thresholds(iou_threshold):
    data, difficult = dota_like(np.random.default_rng(5), n_images=8, kind="rotated")
    check_against_reference(*data, kind="rotated", difficult=difficult, iou_threshold=iou_threshold)


def test_rotated_options_match_the_reference():
    data, difficult = dota_like(np.random.default_rng(6), n_images=6, kind="rotated")
    gt, gl, gi, dt, s, dl, di = data
    radians = [np.column_stack([b[:, :4], np.radians(b[:, 4])]) for b in (gt, dt)]
    check_against_reference(radians[0], gl, gi, radians[1], s, dl, di, kind="rotated", difficult=difficult,
                            angle_unit="rad", convention="torchvision")


@given(
    gt=lattice_boxes(max_n=12, span=5, max_size=4),
    dt=lattice_boxes(max_n=12, span=5, max_size=4),
    data=st.data(),
    use_07_metric=st.booleans(),
)
def test_tiny_lattice_sets(gt, dt, data, use_07_metric):
    """Integer boxes (exact IoU, many ties at exactly the threshold), two images, two labels, few distinct scores."""
    n, m = len(gt), len(dt)
    ints = lambda k, hi: np.array(data.draw(st.lists(st.integers(0, hi), min_size=k, max_size=k)), dtype=np.int64)
    scores = ints(m, 3) / 4.0
    difficult = ints(n, 1).astype(bool)
    check_against_reference(gt, ints(n, 1), ints(n, 1), dt, scores, ints(m, 2), ints(m, 1), difficult=difficult,
                            use_07_metric=use_07_metric)


# --- the rule, case by case -------------------------------------------------------------------


def one_image(gt, dt, scores, **kwargs):
    return voc_ap(gt, np.zeros(len(gt), dtype=int), np.zeros(len(gt), dtype=int), dt, scores,
                  np.zeros(len(dt), dtype=int), np.zeros(len(dt), dtype=int), **kwargs)


def test_a_matched_ground_truth_makes_a_false_positive_even_if_another_is_free():
    gt = [[0, 0, 10, 10], [2, 0, 12, 10]]
    dt = [[0, 0, 10, 10], [1, 0, 11, 10]]  # the second overlaps both, the first one (IoU 0.9 vs 0.9: lower row)
    result = one_image(gt, dt, [0.9, 0.8])
    np.testing.assert_array_equal(result.dt_outcome, [1, 0])
    np.testing.assert_array_equal(result.dt_match, [0, 0])


def test_difficult_ground_truth_is_neither_and_not_counted():
    gt = [[0, 0, 10, 10], [20, 0, 30, 10]]
    dt = [[0, 0, 10, 10], [0, 0, 10, 10], [20, 0, 30, 10]]
    result = one_image(gt, dt, [0.9, 0.8, 0.7], gt_difficult=[True, False])
    np.testing.assert_array_equal(result.dt_outcome, [-1, -1, 1])
    assert result.n_positives.tolist() == [1]
    np.testing.assert_array_equal(result.precision[0], [0.0, 0.0, 1.0])  # tp / max(0, eps) = 0 at first
    np.testing.assert_array_equal(result.recall[0], [0.0, 0.0, 1.0])
    assert result.ap.tolist() == [1.0]


def test_ties_in_iou_go_to_the_lower_ground_truth_row():
    box = [0, 0, 10, 10]
    assert one_image([box, box], [box], [1.0], gt_difficult=[1, 0]).dt_outcome.tolist() == [-1]
    assert one_image([box, box], [box], [1.0], gt_difficult=[0, 1]).dt_outcome.tolist() == [1]


def test_ties_in_score_keep_the_input_order():
    box = [0, 0, 10, 10]
    result = one_image([box], [box, [0, 0, 10, 9]], [0.5, 0.5])
    assert result.dt_outcome.tolist() == [1, 0]
    result = one_image([box], [[0, 0, 10, 9], box], [0.5, 0.5])
    assert result.dt_outcome.tolist() == [1, 0]
    np.testing.assert_array_equal(result.dt_match, [0, 0])


def test_the_threshold_is_strict():
    # IoU exactly 0.5
    assert one_image([[0, 0, 2, 1]], [[0, 0, 1, 1]], [1.0]).dt_outcome.tolist() == [0]
    assert one_image([[0, 0, 2, 1]], [[0, 0, 1, 1]], [1.0], iou_threshold=0.49).dt_outcome.tolist() == [1]
    # iou_threshold=1: nothing matches, not even the same box
    assert one_image([[0, 0, 2, 1]], [[0, 0, 2, 1]], [1.0], iou_threshold=1.0).ap.tolist() == [0.0]


def test_eleven_point_and_all_point_values():
    # recall 1/2 at precision 1, then a false positive, then recall 1 at precision 2/3
    gt = [[0, 0, 10, 10], [20, 0, 30, 10]]
    dt = [[0, 0, 10, 10], [50, 50, 60, 60], [20, 0, 30, 10]]
    all_point = one_image(gt, dt, [0.9, 0.8, 0.7])
    assert all_point.ap[0] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3, abs=1e-15)
    eleven = one_image(gt, dt, [0.9, 0.8, 0.7], use_07_metric=True)
    assert eleven.ap[0] == pytest.approx((6 * 1 + 5 * 2 / 3) / 11, abs=1e-15)


def test_categories_without_positives_get_minus_one_and_stay_out_of_the_mean():
    gt = [[0, 0, 10, 10], [0, 0, 10, 10]]
    dt = [[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 5, 5]]
    result = voc_ap(gt, [0, 1], [0, 0], dt, [0.9, 0.8, 0.7], [0, 1, 2], [0, 0, 0], gt_difficult=[0, 1],
                    categories=[2, 1, 0, 3])
    assert result.categories.tolist() == [2, 1, 0, 3]
    assert result.ap.tolist() == [-1.0, -1.0, 1.0, -1.0]
    assert result.n_positives.tolist() == [0, 0, 1, 0]
    assert result.map == 1.0
    np.testing.assert_array_equal(result.recall[0], [0.0])  # no positives: recall 0, not NaN
    np.testing.assert_array_equal(result.precision[0], [0.0])
    assert [len(s) for s in result.scores] == [1, 1, 1, 0]
    assert result.dt_outcome.tolist() == [1, -1, 0]
    nothing = voc_ap(gt, [0, 1], [0, 0], dt, [0.9, 0.8, 0.7], [0, 1, 2], [0, 0, 0], categories=[5])
    assert nothing.ap.tolist() == [-1.0] and nothing.map == -1.0
    assert nothing.dt_outcome.tolist() == [-2, -2, -2]


def test_default_categories_and_ignored_labels():
    result = voc_ap([[0, 0, 1, 1]], [4], [0], [[0, 0, 1, 1], [0, 0, 1, 1]], [0.5, 0.9], [4, 9], [0, 0])
    assert result.categories.tolist() == [4]
    assert result.categories.dtype == np.int64
    assert result.dt_outcome.tolist() == [1, -2]
    np.testing.assert_array_equal(result.scores[0], [0.5])


def test_detections_on_images_without_ground_truth_are_false_positives():
    result = voc_ap([[0, 0, 1, 1]], [0], [0], [[0, 0, 1, 1], [0, 0, 1, 1]], [0.9, 0.5], [0, 0], [3, 0])
    assert result.dt_outcome.tolist() == [0, 1]
    assert result.ap[0] == pytest.approx(0.5)


def test_empty_inputs():
    empty = voc_ap(np.empty((0, 4)), [], [], np.empty((0, 4)), [], [], [])
    assert empty.categories.shape == (0,) and empty.ap.shape == (0,) and empty.map == -1.0
    assert empty.dt_outcome.shape == (0,) and empty.dt_match.shape == (0,)
    no_detections = voc_ap([[0, 0, 1, 1]], [3], [0], [], [], [], [], use_07_metric=True)
    assert no_detections.ap.tolist() == [0.0] and no_detections.map == 0.0
    assert no_detections.recall[0].shape == (0,)
    for kind, columns in (("rotated", 5), ("polygon", 8)):
        result = voc_ap(np.empty((0, columns)), [], [], np.empty((0, columns)), [], [], [], kind=kind, categories=[1])
        assert result.ap.tolist() == [-1.0]


def test_kinds_agree_on_axis_aligned_boxes():
    data, difficult = dota_like(np.random.default_rng(3), n_images=10, kind="box")
    gt, gl, gi, dt, s, dl, di = data
    as_box = voc_ap(gt, gl, gi, dt, s, dl, di, gt_difficult=difficult)

    def rotated(b):
        return np.column_stack([(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2], np.zeros(len(b))])

    def quads(b):
        return b[:, [0, 1, 2, 1, 2, 3, 0, 3]]

    def xywh(b):
        return np.column_stack([b[:, :2], b[:, 2:] - b[:, :2]])

    others = [
        voc_ap(rotated(gt), gl, gi, rotated(dt), s, dl, di, gt_difficult=difficult, kind="rotated"),
        voc_ap(quads(gt), gl, gi, quads(dt), s, dl, di, gt_difficult=difficult, kind="polygon"),
        voc_ap(quads(gt).reshape(-1, 4, 2), gl, gi, quads(dt).reshape(-1, 4, 2), s, dl, di, gt_difficult=difficult,
               kind="polygon"),
        voc_ap(xywh(gt), gl, gi, xywh(dt), s, dl, di, gt_difficult=difficult, fmt="xywh"),
    ]
    for other in others:
        np.testing.assert_array_equal(other.dt_outcome, as_box.dt_outcome)
        np.testing.assert_allclose(other.ap, as_box.ap, rtol=0, atol=1e-12)


def test_dtypes_and_layouts(dtype, layout):
    from conftest import with_layout

    rng = np.random.default_rng(4)
    data, difficult = dota_like(rng, n_images=6, kind="box")
    gt, gl, gi, dt, s, dl, di = data
    gt, dt = np.round(gt).astype(dtype), np.round(dt).astype(dtype)
    expected = voc_ap(gt.astype(np.float64), gl, gi, dt.astype(np.float64), s, dl, di, gt_difficult=difficult)
    got = voc_ap(with_layout(gt, layout), gl, gi, with_layout(dt, layout), s, dl, di, gt_difficult=difficult)
    np.testing.assert_array_equal(got.dt_outcome, expected.dt_outcome)
    np.testing.assert_array_equal(got.ap, expected.ap)


def test_inputs_are_not_modified_and_read_only_input_works():
    data, difficult = dota_like(np.random.default_rng(7), n_images=5, kind="rotated")
    arrays = [np.array(a) for a in (*data, difficult)]
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.setflags(write=False)
    *boxes, flags = arrays
    voc_ap(*boxes, kind="rotated", gt_difficult=flags)
    for a, b in zip(arrays, copies):
        np.testing.assert_array_equal(a, b)


def test_the_result_does_not_depend_on_threads():
    data, difficult = dota_like(np.random.default_rng(8), n_images=1000, per_image=60, kind="rotated")
    one = voc_ap(*data, kind="rotated", gt_difficult=difficult, n_threads=1)
    two = voc_ap(*data, kind="rotated", gt_difficult=difficult, n_threads=2)
    assert len(data[0]) + len(data[3]) > 50_000  # above the kernels' parallel cut-offs
    np.testing.assert_array_equal(one.dt_outcome, two.dt_outcome)
    np.testing.assert_array_equal(one.ap, two.ap)


def test_extents_too_large_for_bands(monkeypatch):
    """Coordinates near the float64 limit leave no room for one band per image: one pair search, then a filter."""
    calls = []
    bands = voc_module._category_bands

    def spy(bounds, ranks):
        calls.append(bands(bounds, ranks))
        return calls[-1]

    monkeypatch.setattr(voc_module, "_category_bands", spy)
    far = -5e307
    gt = [[0, 0, 10, 10], [far, 0, far + 1e293, 10], [0, 0, 10, 10]]
    dt = [[0, 0, 10, 10], [far, 0, far + 1e293, 10], [0, 0, 10, 10]]
    result = voc_ap(gt, [0, 0, 0], [0, 1, 2], dt, [0.9, 0.8, 0.7], [0, 0, 0], [1, 1, 2])
    assert calls == [None]
    assert result.dt_outcome.tolist() == [0, 1, 1]  # the first is on image 1, where the box is far away
    np.testing.assert_array_equal(result.dt_match, [-1, 1, 2])


def test_summary_and_repr():
    result = voc_ap([[0, 0, 1, 1], [0, 0, 1, 1]], [0, 1], [0, 0], [[0, 0, 1, 1]], [0.9], [0], [0])
    text = result.summary(["plane", "ship"])
    lines = text.splitlines()
    assert lines[0].split() == ["category", "positives", "detections", "AP"]
    assert lines[1].split() == ["plane", "1", "1", "1.0000"]
    assert lines[2].split() == ["ship", "1", "0", "0.0000"]
    assert lines[3].split() == ["mAP", "0.5000"]
    assert "map=0.5" in repr(result)
    assert result.summary().splitlines()[1].split()[0] == "0"


def test_exported():
    assert boxgeom.voc_ap is voc_ap
    assert boxgeom.read_dota is read_dota and boxgeom.write_dota is write_dota
    assert {"voc_ap", "VocResult", "read_dota", "write_dota", "DotaData"} <= set(boxgeom.__all__)


# --- bad input --------------------------------------------------------------------------------

GOOD = dict(gt_boxes=[[0, 0, 1, 1]], gt_labels=[0], gt_image_ids=[0], dt_boxes=[[0, 0, 1, 1]], dt_scores=[0.5],
            dt_labels=[0], dt_image_ids=[0])


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(gt_boxes=[[0, 0, np.nan, 1]]), ValueError, "gt_boxes: expected finite"),
        (dict(dt_boxes=[[0, 0, -1, 1]]), ValueError, "dt_boxes: expected boxes with non-negative size"),
        (dict(dt_boxes=[[0, 0, 1]]), ValueError, r"dt_boxes: expected shape \(n, 4\)"),
        (dict(dt_scores=[np.inf]), ValueError, "dt_scores: expected finite"),
        (dict(dt_scores=[np.nan]), ValueError, "dt_scores"),
        (dict(dt_scores=[0.5, 0.4]), ValueError, "dt_scores: expected length 1 to match dt_boxes"),
        (dict(gt_labels=[0, 1]), ValueError, "gt_labels: expected length 1 to match gt_boxes"),
        (dict(gt_labels=[0.5]), TypeError, "gt_labels: expected an integer array"),
        (dict(dt_image_ids=["a"]), TypeError, "dt_image_ids"),
        (dict(gt_difficult=[0, 1]), ValueError, "gt_difficult: expected length 1"),
        (dict(gt_difficult=[0.5]), TypeError, "gt_difficult"),
        (dict(iou_threshold=1.5), ValueError, "iou_threshold"),
        (dict(iou_threshold=math.nan), ValueError, "iou_threshold"),
        (dict(use_07_metric=1), TypeError, "use_07_metric"),
        (dict(categories=[0, 1, 0]), ValueError, "categories: expected distinct values, got 0"),
        (dict(categories=[[0]]), ValueError, "categories: expected shape"),
        (dict(categories=[0.0]), TypeError, "categories"),
        (dict(kind="obb"), ValueError, "kind: expected one of"),
        (dict(fmt="xywhr"), ValueError, "fmt"),
        (dict(kind="rotated", fmt="xywh", gt_boxes=[[0, 0, 1, 1, 0]], dt_boxes=[[0, 0, 1, 1, 0]]), ValueError, "fmt"),
        (dict(kind="rotated"), ValueError, r"gt_boxes: expected shape \(n, 5\)"),
        (dict(kind="rotated", gt_boxes=[[0, 0, -1, 1, 0]], dt_boxes=[[0, 0, 1, 1, 0]]), ValueError, "gt_boxes"),
        (dict(kind="polygon", gt_boxes=[[0, 0, 2, 0, 0, 2, 2, 2]], dt_boxes=[[0, 0, 1, 0, 1, 1, 0, 1]]), ValueError,
         "gt_boxes: expected convex"),
        (dict(angle_unit="grad"), ValueError, "angle_unit"),
        (dict(convention="cv2"), ValueError, "convention"),
        (dict(n_threads=0), ValueError, "n_threads"),
    ],
)
def test_bad_input(change, error, match):
    with pytest.raises(error, match=match):
        voc_ap(**{**GOOD, **change})


# --- DOTA text files --------------------------------------------------------------------------


def test_read_labels_with_headers_and_short_lines(tmp_path):
    (tmp_path / "P0002.txt").write_text(
        "\ufeffimagesource:GoogleEarth\ngsd:0.146343590398\n"
        "10 10 50 10 50 30 10 30 plane 0\n\n"
        "1.5 2 3 2 3 4 1.5 4 small-vehicle 1\n"
        "0 0 1 0 1 1 0 1 plane\n",
        encoding="utf-8",
    )
    (tmp_path / "P0001.txt").write_text("5 5 6 5 6 6 5 6 ship 2\n")
    (tmp_path / "P0003.txt").write_text("")
    (tmp_path / "notes.md").write_text("not a label file")
    data = read_dota(tmp_path)
    assert data.image_names == ("P0001", "P0002", "P0003")
    assert data.label_names == ("plane", "ship", "small-vehicle")
    np.testing.assert_array_equal(data.quads[2], [1.5, 2, 3, 2, 3, 4, 1.5, 4])
    assert data.quads.dtype == np.float64 and data.quads.shape == (4, 8)
    assert data.labels.tolist() == [1, 0, 2, 0]
    assert data.image_ids.tolist() == [0, 1, 1, 1]
    assert data.difficult.tolist() == [True, False, True, False]
    assert data.scores is None
    assert "labels, objects=4" in repr(data)
    # fixed codes first, new names after them, sorted
    fixed = read_dota(tmp_path / "P0002.txt", label_names=DOTA_V1_CLASSES, image_names=["P0009"])
    assert fixed.label_names == DOTA_V1_CLASSES
    assert fixed.labels.tolist() == [0, 4, 0]
    assert fixed.image_names == ("P0009", "P0002") and fixed.image_ids.tolist() == [1, 1, 1]
    listed = read_dota([tmp_path / "P0003.txt", tmp_path / "P0001.txt"])
    assert listed.image_names == ("P0001", "P0003") and len(listed.quads) == 1


@pytest.mark.parametrize(
    "text, detections, match",
    [
        ("1 2 3 4 5 6 7 plane 0\n", False, r"P0001\.txt, line 1: expected 'x1 y1 x2 y2 x3 y3 x4 y4 class \[difficult\]'"),
        ("0 0 1 0 1 1 0 1 plane 0\n0 0 1 0 1 1 0 x plane 0\n", False, r"line 2: expected .* finite numbers"),
        ("0 0 1 0 1 1 0 nan plane 0\n", False, "line 1: expected .* finite numbers"),
        ("0 0 1 0 1 1 0 1 plane yes\n", False, "line 1: expected an integer difficult flag"),
        ("0 0 1 0 1 1 0 1 plane 0 extra\n", False, "line 1"),
        ("gsd:0.1\n", True, "line 1: expected 'x1 y1 x2 y2 x3 y3 x4 y4 class score'"),
        ("0 0 1 0 1 1 0 1 plane\n", True, "line 1: expected 'x1 y1 x2 y2 x3 y3 x4 y4 class score'"),
        ("0 0 1 0 1 1 0 1 plane inf\n", True, "line 1: expected .* finite"),
    ],
)
def test_malformed_lines_name_the_file_and_line(tmp_path, text, detections, match):
    (tmp_path / "P0001.txt").write_text(text)
    with pytest.raises(ValueError, match=match):
        read_dota(tmp_path, detections=detections)


def test_malformed_task1_lines(tmp_path):
    (tmp_path / "Task1_plane.txt").write_text("P0001 0.9 0 0 1 0 1 1 0 1\nP0001 0 0 1 0 1 1 0\n")
    with pytest.raises(ValueError, match=r"Task1_plane\.txt, line 2: expected 'image score x1 y1"):
        read_dota(tmp_path, detections=True)


def test_read_errors(tmp_path):
    with pytest.raises(ValueError, match="path: .*not found"):
        read_dota(tmp_path / "missing")
    with pytest.raises(ValueError, match="path: .*not a file"):
        read_dota([tmp_path / "missing.txt"])
    with pytest.raises(TypeError, match="path"):
        read_dota(3)
    with pytest.raises(TypeError, match="detections"):
        read_dota(tmp_path, detections="yes")
    with pytest.raises(ValueError, match="label_names: expected distinct names"):
        read_dota(tmp_path, label_names=["a", "a"])
    with pytest.raises(TypeError, match="label_names"):
        read_dota(tmp_path, label_names="plane")


def _random_objects(rng, n, n_labels, n_images):
    quads = _shuffled_corners(rng, corners(np.column_stack([rng.uniform(0, 500, (n, 2)), rng.uniform(1, 50, (n, 2)),
                                                           rng.uniform(-90, 90, n)])))
    return quads, rng.integers(0, n_labels, n), rng.integers(0, n_images, n)


@pytest.mark.parametrize("layout", ["task1", "images"])
def test_detections_round_trip(tmp_path, layout):
    rng = np.random.default_rng(9)
    quads, labels, images = _random_objects(rng, 200, 4, 7)
    scores = rng.random(200)
    names = ("plane", "ship", "harbor", "bridge")
    image_names = tuple(f"P{i:04d}" for i in range(7))
    files = write_dota(tmp_path, quads, labels, images, scores=scores, label_names=names, image_names=image_names,
                       layout=layout)
    assert [f.name for f in files] == ([f"Task1_{n}.txt" for n in names] if layout == "task1"
                                       else [f"{n}.txt" for n in image_names])
    back = read_dota(tmp_path, detections=True, label_names=names, image_names=image_names)
    assert back.label_names == names and back.image_names == image_names and back.difficult is None
    # files are read sorted by name, lines in their order: rows come back grouped by file
    key = labels if layout == "task1" else images
    file_rank = np.argsort(np.argsort([f.name for f in files]))
    order = np.lexsort((np.arange(200), file_rank[key]))
    np.testing.assert_array_equal(back.quads, quads[order])  # the same float64 values
    np.testing.assert_array_equal(back.scores, scores[order])
    np.testing.assert_array_equal(back.labels, labels[order])
    np.testing.assert_array_equal(back.image_ids, images[order])


def test_labels_round_trip_and_evaluation_from_files(tmp_path):
    rng = np.random.default_rng(10)
    data, difficult = dota_like(rng, n_images=6, kind="polygon")
    gt, gl, gi, dt, s, dl, di = data
    names = DOTA_V1_CLASSES[:6]
    image_names = tuple(f"P{i:04d}" for i in range(6))
    write_dota(tmp_path / "labelTxt", gt, gl, gi, difficult=difficult.astype(int),
               label_names=names[:5], image_names=image_names)
    write_dota(tmp_path / "results", dt, dl, di, scores=s, label_names=names, image_names=image_names)
    truth = read_dota(tmp_path / "labelTxt")
    assert truth.image_names == image_names
    order = np.argsort(gi, kind="stable")
    np.testing.assert_array_equal(truth.quads, gt[order])
    np.testing.assert_array_equal(truth.difficult, difficult[order])
    found = read_dota(tmp_path / "results", detections=True, label_names=truth.label_names,
                      image_names=truth.image_names)
    from_files = voc_ap(truth.quads, truth.labels, truth.image_ids, found.quads, found.scores, found.labels,
                        found.image_ids, kind="polygon", gt_difficult=truth.difficult, use_07_metric=True)
    codes = np.array([truth.label_names.index(n) for n in names[:5]])  # the truth's codes of names[:5]
    direct = voc_ap(gt, codes[gl], gi, dt, s, np.append(codes, 99)[dl], di, kind="polygon", gt_difficult=difficult,
                    use_07_metric=True)
    np.testing.assert_array_equal(from_files.ap, direct.ap)
    assert from_files.map == direct.map
    assert "plane" in from_files.summary(truth.label_names)


def test_write_errors(tmp_path):
    quads = [[0, 0, 1, 0, 1, 1, 0, 1]]
    base = dict(label_names=["plane"], image_names=["P1"])
    with pytest.raises(ValueError, match="label_names: expected names without whitespace"):
        write_dota(tmp_path, quads, [0], [0], label_names=["small vehicle"], image_names=["P1"])
    with pytest.raises(ValueError, match="image_names: expected names without whitespace or slashes"):
        write_dota(tmp_path, quads, [0], [0], label_names=["plane"], image_names=["../P1"])
    with pytest.raises(ValueError, match="labels: expected indices within"):
        write_dota(tmp_path, quads, [1], [0], **base)
    with pytest.raises(ValueError, match="image_ids: expected length 1"):
        write_dota(tmp_path, quads, [0], [0, 0], **base)
    with pytest.raises(ValueError, match="difficult: expected None with scores"):
        write_dota(tmp_path, quads, [0], [0], scores=[0.5], difficult=[0], **base)
    with pytest.raises(ValueError, match="layout: expected one of 'images'"):
        write_dota(tmp_path, quads, [0], [0], layout="task1", **base)
    with pytest.raises(ValueError, match="layout"):
        write_dota(tmp_path, quads, [0], [0], scores=[0.5], layout="csv", **base)
    with pytest.raises(ValueError, match="scores: expected finite"):
        write_dota(tmp_path, quads, [0], [0], scores=[-np.inf], **base)
    with pytest.raises(ValueError, match="quads: expected finite"):
        write_dota(tmp_path, [[0, 0, 1, 0, 1, 1, 0, np.inf]], [0], [0], **base)
    with pytest.raises(ValueError, match=r"quads: expected shape \(n, 8\)"):
        write_dota(tmp_path, [[0, 0, 1, 0]], [0], [0], **base)
    with pytest.raises(TypeError, match="difficult"):
        write_dota(tmp_path, quads, [0], [0], difficult=[0.5], **base)
    assert list(tmp_path.iterdir()) == []
    written = write_dota(tmp_path, np.array(quads).reshape(1, 4, 2), [0], [0], difficult=[True], **base)
    assert written[0].read_text() == "0.0 0.0 1.0 0.0 1.0 1.0 0.0 1.0 plane 1\n"


def test_sparse_category_and_image_codes():
    """Labels and image ids far apart (no lookup table, no combined sort key) give the same result as dense ones."""
    data, difficult = dota_like(np.random.default_rng(11), n_images=5, n_classes=3, kind="box")
    gt, gl, gi, dt, s, dl, di = data
    dense = voc_ap(gt, gl, gi, dt, s, dl, di, gt_difficult=difficult, categories=[2, 0, 1])
    labels = np.array([-(10**15), 7, 10**15, 3])  # code 3: outside the categories
    images = np.array([-(2**62), -1, 0, 2**62, 5])
    sparse = voc_ap(gt, labels[gl], images[gi], dt, s, labels[dl], images[di], gt_difficult=difficult,
                    categories=labels[[2, 0, 1]])
    np.testing.assert_array_equal(sparse.dt_outcome, dense.dt_outcome)
    np.testing.assert_array_equal(sparse.ap, dense.ap)
    assert sparse.categories.tolist() == labels[[2, 0, 1]].tolist()
