"""evaluate_detections against pycocotools' COCOeval (and faster-coco-eval) on generated sets.

Every comparison requires ``.precision``, ``.recall`` and ``.scores`` equal element by
element and the 12 stats within 1e-12 of pycocotools. The sets come from
``tests/evaluation_data.py`` (one knob per corner case of issue 17); rotated and polygon
sets are scored by pycocotools with a shapely ``computeIoU`` (see that module for why
its geometry keeps IoUs a margin away from the thresholds).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("pycocotools")

from evaluation_data import (  # noqa: E402
    AVOID_IOUS, MARGIN, cocoeval, faster_cocoeval, make_coco, rotated_quads, to_arrays,
)

from boxgeom.evaluation import DetectionEvaluation, evaluate_detections  # noqa: E402

COCO_IOUS = np.linspace(0.5, 0.95, 10)
EPS_PRECISION = 1 / (1 + np.spacing(1))  # pycocotools' precision of a lone first TP


def ours(gt, results, kind="box", drop=(), **options) -> DetectionEvaluation:
    arrays = {**to_arrays(gt, results, kind), **options}
    for key in drop:
        arrays.pop(key)
    return evaluate_detections(**arrays)


def where_differ(got: np.ndarray, expected: np.ndarray) -> str:
    differ = np.argwhere(got != expected)
    first = tuple(differ[0])
    return f"{len(differ)} entries differ, first at {first}: {got[first]!r} != {expected[first]!r}"


def assert_same(result: DetectionEvaluation, evaluator, stats: bool = True) -> None:
    """pycocotools' eval arrays element by element, and its stats within 1e-12."""
    for name in ("precision", "recall", "scores"):
        got, expected = getattr(result, name), evaluator.eval[name]
        assert got.dtype == np.float64, name
        assert got.shape == expected.shape, f"{name}: shape {got.shape} != {expected.shape}"
        assert np.array_equal(got, expected), f"{name}: {where_differ(got, expected)}"
    if stats:
        assert result.stats.shape == (12,)
        assert np.all(np.abs(result.stats - evaluator.stats) <= 1e-12), (result.stats, evaluator.stats)


def assert_params(result: DetectionEvaluation, evaluator) -> None:
    """The axes read as pycocotools' params after accumulate()."""
    p = evaluator.params
    assert np.array_equal(result.iou_thresholds, p.iouThrs)
    assert np.array_equal(result.recall_thresholds, p.recThrs)
    assert tuple(result.max_dets) == tuple(p.maxDets)
    assert np.array_equal(result.area_ranges, np.array(p.areaRng, dtype=np.float64).reshape(-1, 2))
    assert tuple(result.area_labels) == tuple(p.areaRngLbl)
    assert np.array_equal(result.categories, np.array(p.catIds, dtype=np.int64))
    assert np.array_equal(result.image_ids, np.array(p.imgIds, dtype=np.int64))


def summary_lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


# ---------------------------------------------------------------- many generated sets

CORNERS = {
    "defaults": {},
    "integer": {"grid": 1.0},
    "ties": {"grid": 1.0, "tied_scores": 0.9, "duplicates": 0.3, "duplicate_gt": 0.2},
    "lattice": {"grid": 1.0, "image_size": (12.0, 12.0), "max_size": 6.0, "tied_scores": 0.6},
    "gt ties": {"grid": 1.0, "tie_pairs": 0.7},
    "crowd": {"crowd": 0.4, "grid": 2.0},
    "areas": {"area_mismatch": 0.5, "boundary_areas": 0.3},
    "sparse": {"images_without_gt": 0.5, "images_without_dets": 0.4, "categories_without_gt": 3},
    "labels": {"undeclared_labels": 0.3, "wrong_labels": 0.4, "n_categories": 5},
    "degenerate": {"zero_size": 0.3, "past_border": 0.5, "grid": 1.0},
    "gt id 0": {"gt_id_zero": True, "grid": 1.0},
    "truncation": {"n_images": 3, "n_categories": 1, "gt_per_image": 30, "dets_per_image": 160, "grid": 1.0},
    "clean": {"crowd": 0, "area_mismatch": 0, "boundary_areas": 0, "images_without_gt": 0, "images_without_dets": 0,
              "undeclared_labels": 0, "wrong_labels": 0, "background": 0, "tied_scores": 0, "duplicates": 0,
              "duplicate_gt": 0, "zero_size": 0, "past_border": 0, "categories_without_gt": 0},
}


def generated(name: str, seed: int, kind: str = "box"):
    knobs = dict(CORNERS[name])
    size = {"n_images": knobs.pop("n_images", 12), "n_categories": knobs.pop("n_categories", 3)}
    return make_coco(np.random.default_rng([seed, len(name)]), kind=kind, **size, **knobs)


@pytest.mark.parametrize("use_categories", [True, False], ids=["useCats=1", "useCats=0"])
@pytest.mark.parametrize("name", list(CORNERS))
def test_matches_pycocotools(name, use_categories):
    for seed in range(3):
        gt, results = generated(name, seed)
        evaluator, text = cocoeval(gt, results, use_categories=use_categories)
        result = ours(gt, results, use_categories=use_categories)
        assert_same(result, evaluator)
        assert_params(result, evaluator)
        assert summary_lines(result.summary()) == summary_lines(text)


def corner_cases(gt, results) -> dict[str, bool]:
    anns = gt["annotations"]
    images = {i["id"] for i in gt["images"]}
    declared = {c["id"] for c in gt["categories"]}
    boxes = np.array([a["bbox"] for a in anns] + [r["bbox"] for r in results])
    scores = [r["score"] for r in results]
    return {
        "crowd": any(a["iscrowd"] for a in anns),
        "area != w*h": any(a["area"] != a["bbox"][2] * a["bbox"][3] for a in anns),
        "area on a bound": any(a["area"] in (32.0**2, 96.0**2) for a in anns),
        "image without gt": bool(images - {a["image_id"] for a in anns}),
        "image without detections": bool(images - {r["image_id"] for r in results}),
        "category without gt": bool(declared - {a["category_id"] for a in anns}),
        "undeclared label": bool({r["category_id"] for r in results} - declared),
        "tied scores": len(scores) - len(set(scores)) > 10,
        "zero size": bool(((boxes[:, 2] == 0) | (boxes[:, 3] == 0)).any()),
        "past the border": bool(((boxes[:, 0] < 0) | (boxes[:, 0] + boxes[:, 2] > 640)).any()),
        "duplicated detection": len({tuple(r["bbox"]) for r in results}) < len(results),
        "duplicated gt": len({tuple(a["bbox"]) for a in anns}) < len(anns),
        "gt id 0": 0 in {a["id"] for a in anns},
    }


def test_the_generator_produces_the_corner_cases():
    """Each corner case occurs in the default sets (so the comparisons above cover them)."""
    seen = {}
    for seed in range(3):
        for case, present in corner_cases(*generated("defaults", seed)).items():
            seen[case] = seen.get(case, False) or present
    seen["gt id 0"] = corner_cases(*generated("gt id 0", 0))["gt id 0"]
    assert all(seen.values()), [case for case, present in seen.items() if not present]
    evaluator, _ = cocoeval(*generated("defaults", 0))
    assert evaluator.eval["precision"].max() > 0.5  # the sets are not trivially empty
    clean = corner_cases(*generated("clean", 0))
    assert not any(clean[case] for case in ("crowd", "area != w*h", "undeclared label", "zero size", "past the border",
                                            "duplicated detection", "gt id 0"))


def test_many_detections_per_image_are_truncated():
    gt, results = generated("truncation", 0)
    per_image = np.bincount([r["image_id"] for r in results])
    assert per_image.max() > 100
    for max_dets in [(1, 10, 100), (1, 10, 50), (5, 150, 200)]:
        evaluator, _ = cocoeval(gt, results, max_dets=max_dets)
        assert_same(ours(gt, results, max_dets=max_dets), evaluator)


# ---------------------------------------------------------------- custom params


@pytest.mark.parametrize(
    "params",
    [
        {"iou_thresholds": [0.0, 1 / 3, 0.5, 0.75, 1.0]},
        {"iou_thresholds": [0.1, 0.2, 0.3]},  # no 0.5 / 0.75: those stats are -1
        {"iou_thresholds": [0.5]},
        {"recall_thresholds": np.linspace(0, 1, 11)},
        {"recall_thresholds": [0.0, 0.35, 0.57, 1.0]},
        {"recall_thresholds": [0.5]},
        {"max_dets": (1, 5, 20)},  # stats[0] hard-codes maxDets=100: -1
        {"max_dets": (1, 10, 100, 300)},
        {"max_dets": (2, 3, 100)},
        {"area_ranges": [(0, 1e10), (0, 400), (400, 1e10)], "area_labels": ("all", "small", "medium")},
        {"area_ranges": [(0, 1e10), (0, 100), (100, 2500), (2500, 1e5)], "area_labels": ("all", "tiny", "mid", "huge")},
        {"area_ranges": [(0, 1e10)], "area_labels": ("all",)},
        {"area_ranges": [(400, 2500), (0, 1e10), (0, 400)], "area_labels": ("medium", "all", "small")},
        {"iou_thresholds": [0.0, 0.5, 0.75, 1.0], "recall_thresholds": [0.0, 0.5, 1.0], "max_dets": (1, 2, 3),
         "use_categories": False},
    ],
    ids=lambda p: ",".join(p),
)
def test_custom_params(params):
    for name, seed in [("integer", 0), ("ties", 1), ("crowd", 2), ("lattice", 3)]:
        gt, results = generated(name, seed)
        evaluator, text = cocoeval(gt, results, **params)
        result = ours(gt, results, **params)
        assert_same(result, evaluator)
        assert_params(result, evaluator)
        assert summary_lines(result.summary()) == summary_lines(text)


def test_exact_iou_thresholds_happen_in_the_integer_sets():
    """IoU exactly 1/3, 0.5 or 1.0 occurs, so `>=` versus `>` is tested above."""
    from pycocotools import mask

    hits = set()
    for seed in range(3):
        gt, results = generated("lattice", seed)
        g = [a["bbox"] for a in gt["annotations"]]
        d = [r["bbox"] for r in results]
        ious = np.asarray(mask.iou(d, g, [0] * len(g)))
        hits |= {t for t in (1 / 3, 0.5, 0.75, 1.0) if (ious == t).any()}
    assert {1 / 3, 0.5, 1.0} <= hits


def test_unsorted_max_dets_are_refused_pycocotools_sorts_them():
    gt, results = generated("integer", 0)
    evaluator, _ = cocoeval(gt, results, max_dets=[3, 1, 2])
    assert evaluator.params.maxDets == [1, 2, 3]
    assert_same(ours(gt, results, max_dets=(1, 2, 3)), evaluator)
    with pytest.raises(ValueError, match="max_dets"):
        ours(gt, results, max_dets=(3, 1, 2))


def test_two_max_dets():
    """pycocotools accumulates with two maxDets (its summarize() then raises IndexError)."""
    gt, results = generated("integer", 1)
    evaluator, _ = cocoeval(gt, results, max_dets=[1, 10], summarize=False)
    assert_same(ours(gt, results, max_dets=(1, 10)), evaluator, stats=False)


def test_declared_images_and_categories():
    """params.imgIds / catIds subsets (annotations elsewhere ignored) and categories without
    ground truth or detections (-1)."""
    gt, results = generated("labels", 0)
    images = sorted(i["id"] for i in gt["images"])
    categories = sorted(c["id"] for c in gt["categories"])
    undeclared = sorted({r["category_id"] for r in results} - set(categories))
    for params in [
        {"image_ids": images[::2]},
        {"image_ids": images[:1]},
        {"categories": categories[1:3]},
        {"categories": categories[:2] + undeclared[:1]},  # a category only detections have
        {"categories": categories + [max(categories + undeclared) + 7]},  # nobody has it
        {"image_ids": images[1::2], "categories": categories[::2], "use_categories": False},
    ]:
        evaluator, text = cocoeval(gt, results, **params)
        result = ours(gt, results, **params)
        assert_same(result, evaluator)
        assert_params(result, evaluator)
        assert summary_lines(result.summary()) == summary_lines(text)


def test_default_images_categories_and_areas():
    """Without image_ids / categories / gt_areas / gt_ids: the union of image ids, the
    sorted ground-truth labels, box areas and ids 1..n (pycocotools on the same data)."""
    gt, results = generated("clean", 3)
    gt = copy.deepcopy(gt)
    for index, annotation in enumerate(gt["annotations"]):
        annotation["id"] = index + 1
    used = {a["category_id"] for a in gt["annotations"]}
    gt["categories"] = [c for c in gt["categories"] if c["id"] in used]
    evaluator, _ = cocoeval(gt, results)
    result = ours(gt, results, drop=("image_ids", "categories", "gt_areas", "gt_ids", "gt_iscrowd"))
    assert_same(result, evaluator)
    assert np.array_equal(result.categories, evaluator.params.catIds)
    union = sorted({a["image_id"] for a in gt["annotations"]} | {r["image_id"] for r in results})
    assert np.array_equal(result.image_ids, union) and len(union) < len(gt["images"])


@pytest.mark.parametrize("fmt", ["xyxy", "cxcywh"])
def test_other_formats_and_dtypes_of_integer_boxes(fmt):
    """Integer boxes convert to xywh exactly, so any format and dtype that holds them (not
    integers for cxcywh's half-integer centres) gives the same arrays."""
    import boxgeom

    gt, results = generated("degenerate", 0)
    evaluator, _ = cocoeval(gt, results)
    arrays = to_arrays(gt, results)
    for dtype in (np.int32, np.int64, np.float32, np.float64)[2 if fmt == "cxcywh" else 0 :]:
        converted = dict(arrays, fmt=fmt)
        for key in ("gt_boxes", "dt_boxes"):
            converted[key] = boxgeom.box_convert(arrays[key], "xywh", fmt).astype(dtype)
        for key in ("gt_labels", "dt_labels", "gt_image_ids", "dt_image_ids"):
            converted[key] = arrays[key].astype(np.int32)
        assert_same(evaluate_detections(**converted), evaluator)


def test_detection_ids_of_zero():
    """A detection with id 0 never uses up its ground truth (0 is pycocotools' "no match").
    pycocotools keys annotations by id, so one zero per run, at several positions."""
    gt, results = generated("ties", 2)
    plain = cocoeval(gt, results)[0].eval["precision"]
    changed = 0
    for position in range(len(results)):
        dt_ids = np.arange(1, len(results) + 1)
        dt_ids[position] = 0
        evaluator, _ = cocoeval(gt, results, dt_ids=dt_ids, summarize=False)
        if np.array_equal(evaluator.eval["precision"], plain):
            continue  # this detection matched nothing, or nothing else wanted its ground truth
        assert_same(ours(gt, results, dt_ids=dt_ids), evaluator, stats=False)
        changed += 1
        if changed == 3:
            break
    assert changed == 3


def _areas_out_of_every_range(gt, results):
    for index, annotation in enumerate(gt["annotations"]):
        annotation["area"] = -annotation["area"] if index % 4 == 0 else 5e10 if index % 7 == 0 else annotation["area"]


def _scores_outside_0_1(gt, results):
    for index, result in enumerate(results):
        result["score"] = (-result["score"] if index % 3 == 0 else 10 * result["score"] if index % 5 == 0
                           else -0.0 if index % 11 == 0 else 0.0 if index % 13 == 0 else result["score"])


def _negative_gt_ids(gt, results):
    for annotation in gt["annotations"][::3]:
        annotation["id"] = -annotation["id"]


@pytest.mark.parametrize(
    "change, params",
    [
        (_areas_out_of_every_range, {}),
        (_scores_outside_0_1, {}),  # -0.0 ties with 0.0
        (_negative_gt_ids, {}),  # a negative ground-truth id is an ordinary one
        (None, {"iou_thresholds": [0.75, 0.5, 0.9, 0.5]}),  # unsorted, repeated: each on its own
        (None, {"recall_thresholds": [1.0, 0.2, 0.5, 0.0, 0.5]}),
        (None, {"area_ranges": [(0, 1e10), (5000, 10)], "area_labels": ("all", "small")}),  # lo > hi: empty
    ],
    ids=["areas out of every range", "scores outside [0, 1]", "negative gt ids", "unsorted iou thresholds",
         "unsorted recall thresholds", "empty area range"],
)
def test_unusual_values_pycocotools_accepts(change, params):
    gt, results = copy.deepcopy(generated("ties", 0))
    if change is not None:
        change(gt, results)
    evaluator, text = cocoeval(gt, results, **params)
    result = ours(gt, results, **params)
    assert_same(result, evaluator)
    assert summary_lines(result.summary()) == summary_lines(text)


def test_negative_detection_ids_never_use_up_their_match():
    gt, results = generated("ties", 2)
    dt_ids = np.arange(1, len(results) + 1)
    dt_ids[::4] *= -1
    evaluator, _ = cocoeval(gt, results, dt_ids=dt_ids)
    assert not np.array_equal(evaluator.eval["precision"], cocoeval(gt, results)[0].eval["precision"])
    assert_same(ours(gt, results, dt_ids=dt_ids), evaluator)


def test_n_threads_and_repeated_calls_are_identical_and_inputs_untouched():
    gt, results = generated("defaults", 4)
    arrays = to_arrays(gt, results)
    before = {k: v.copy() for k, v in arrays.items() if isinstance(v, np.ndarray)}
    first = evaluate_detections(**arrays, n_threads=1)
    second = evaluate_detections(**arrays, n_threads=2)
    for name in ("precision", "recall", "scores", "stats"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    for key, value in before.items():
        assert np.array_equal(arrays[key], value), key


# ---------------------------------------------------------------- outputs


def test_per_category_are_pycocotools_slices():
    for name, seed in [("defaults", 0), ("sparse", 1), ("crowd", 2)]:
        gt, results = generated(name, seed)
        evaluator, _ = cocoeval(gt, results)
        table = ours(gt, results).per_category()
        precision, recall = evaluator.eval["precision"], evaluator.eval["recall"]
        t50, t75 = np.flatnonzero(COCO_IOUS == 0.5)[0], np.flatnonzero(COCO_IOUS == 0.75)[0]

        def mean(values):
            values = values[values > -1]
            return float(np.mean(values)) if values.size else -1.0

        expected = {
            "ap": [mean(precision[:, :, k, 0, 2]) for k in range(precision.shape[2])],
            "ap50": [mean(precision[t50, :, k, 0, 2]) for k in range(precision.shape[2])],
            "ap75": [mean(precision[t75, :, k, 0, 2]) for k in range(precision.shape[2])],
            "ar100": [mean(recall[:, k, 0, 2]) for k in range(precision.shape[2])],
        }
        assert np.array_equal(table.categories, evaluator.params.catIds)
        for field, values in expected.items():
            got = np.asarray(getattr(table, field), dtype=np.float64)
            assert got.shape == (len(values),)
            assert np.all(np.abs(got - values) <= 1e-12), (field, got, values)
        assert len(str(table).splitlines()) >= len(values)  # printable, a row per category


def test_to_dict_is_json_with_the_stats():
    gt, results = generated("defaults", 5)
    result = ours(gt, results)
    data = json.loads(json.dumps(result.to_dict()))

    def number_dicts(value):
        if isinstance(value, dict):
            numbers = [v for v in value.values() if isinstance(v, (int, float))]
            if len(numbers) == 12:
                yield numbers
            for v in value.values():
                yield from number_dicts(v)

    assert any(np.array_equal(n, result.stats) for n in number_dicts(data))


# ---------------------------------------------------------------- faster-coco-eval


@pytest.mark.parametrize("name", ["defaults", "ties", "crowd", "sparse"])
def test_faster_coco_eval_agrees(name):
    """The second oracle (reference §10): recall and scores identical, precision identical
    except where pycocotools has 1 - 2**-52 and faster-coco-eval 1.0, stats within 1e-12."""
    pytest.importorskip("faster_coco_eval")
    for use_categories in (True, False):
        gt, results = generated(name, 7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            faster = faster_cocoeval(gt, results, use_categories=use_categories)
        result = ours(gt, results, use_categories=use_categories)
        assert np.array_equal(result.recall, faster.eval["recall"])
        assert np.array_equal(result.scores, faster.eval["scores"])
        differ = result.precision != faster.eval["precision"]
        assert np.all((result.precision[differ] == EPS_PRECISION) & (faster.eval["precision"][differ] == 1.0))
        assert np.all(np.abs(result.stats - faster.stats) <= 1e-12)


# ---------------------------------------------------------------- rotated and polygon


def test_the_oracle_corners_follow_boxgeom_convention():
    from boxgeom.rotated import rotated_corners

    boxes = np.random.default_rng(0).uniform([0, 0, 1, 1, -180], [50, 50, 20, 20, 180], (50, 5))
    assert np.allclose(rotated_quads(boxes), rotated_corners(boxes), atol=1e-12)


@pytest.mark.parametrize("kind", ["rotated", "polygon"])
@pytest.mark.parametrize("name", ["defaults", "integer", "ties", "crowd", "sparse", "degenerate"])
def test_rotated_and_polygon_match_pycocotools_with_shapely_iou(kind, name):
    for seed, use_categories in [(0, True), (1, False)]:
        gt, results = generated(name, seed, kind)
        evaluator, text = cocoeval(gt, results, kind=kind, use_categories=use_categories)
        result = ours(gt, results, kind, use_categories=use_categories)
        assert_same(result, evaluator)
        assert summary_lines(result.summary()) == summary_lines(text)


@pytest.mark.parametrize("kind", ["rotated", "polygon"])
def test_rotated_custom_thresholds_and_default_areas(kind):
    """Thresholds from the margin list (0 and 1.0 included); gt_areas=None means box areas."""
    params = {"iou_thresholds": [0.0, 1 / 3, 0.5, 0.75, 1.0], "max_dets": (1, 3, 100)}
    assert all(np.abs(AVOID_IOUS - t).min() <= MARGIN for t in params["iou_thresholds"][1:-1])
    gt, results = make_coco(np.random.default_rng(11), 12, 3, kind=kind, area_mismatch=0, boundary_areas=0)
    evaluator, _ = cocoeval(gt, results, kind=kind, **params)
    assert_same(ours(gt, results, kind, drop=("gt_areas",), **params), evaluator)


def test_rotated_units_conventions_and_quad_shapes():
    gt, results = generated("defaults", 3, "rotated")
    evaluator, _ = cocoeval(gt, results, kind="rotated")
    arrays = to_arrays(gt, results, "rotated")
    radians = dict(arrays)
    flipped = dict(arrays)
    for key in ("gt_boxes", "dt_boxes"):
        radians[key] = arrays[key].copy()
        radians[key][:, 4] = np.deg2rad(arrays[key][:, 4])
        flipped[key] = arrays[key].copy()
        flipped[key][:, 4] = -arrays[key][:, 4]
    assert_same(evaluate_detections(**radians, angle_unit="rad"), evaluator)
    assert_same(evaluate_detections(**flipped, convention="torchvision"), evaluator)

    gt, results = generated("defaults", 3, "polygon")
    evaluator, _ = cocoeval(gt, results, kind="polygon")
    arrays = to_arrays(gt, results, "polygon")
    shaped = dict(arrays, gt_boxes=arrays["gt_boxes"].reshape(-1, 4, 2), dt_boxes=arrays["dt_boxes"].reshape(-1, 4, 2))
    assert_same(evaluate_detections(**shaped), evaluator)


# ---------------------------------------------------------------- tiny sets (hypothesis)


@st.composite
def tiny_sets(draw):
    n_images = draw(st.integers(1, 3))
    images = draw(st.lists(st.integers(0, 9), min_size=n_images, max_size=n_images, unique=True))
    categories = [1, 2, 5][: draw(st.integers(1, 3))]
    coordinate, size = st.integers(0, 4), st.integers(0, 4)
    box = st.lists(coordinate, min_size=2, max_size=2).flatmap(
        lambda xy: st.lists(size, min_size=2, max_size=2).map(lambda wh: [float(v) for v in xy + wh]))
    annotations = []
    for index in range(draw(st.integers(0, 4))):
        bbox = draw(box)
        area = draw(st.sampled_from([bbox[2] * bbox[3], bbox[2] * bbox[3], 1024.0, 9216.0, 3000.0, 20000.0]))
        annotations.append({"id": index + 1, "image_id": draw(st.sampled_from(images)),
                            "category_id": draw(st.sampled_from(categories)), "bbox": bbox, "area": area,
                            "iscrowd": int(draw(st.integers(0, 4)) == 0)})
    if annotations and draw(st.booleans()):
        annotations[draw(st.integers(0, len(annotations) - 1))]["id"] = 0
    results = [{"image_id": draw(st.sampled_from(images)), "category_id": draw(st.sampled_from(categories + [7])),
                "bbox": draw(box), "score": draw(st.sampled_from([0.1, 0.5, 0.5, 0.9]))}
               for _ in range(draw(st.integers(0, 5)))]
    gt = {"images": [{"id": i} for i in images], "categories": [{"id": c} for c in categories],
          "annotations": annotations}
    params = draw(st.sampled_from([
        {},
        {"use_categories": False},
        {"iou_thresholds": [0.0, 1 / 3, 0.5, 0.75, 1.0]},
        {"max_dets": (1, 2, 3)},
        {"area_ranges": [(0, 1e10), (0, 4), (4, 1e10)], "area_labels": ("all", "small", "medium")},
    ]))
    return gt, results, params


@given(tiny_sets())
def test_hypothesis_tiny_sets(case):
    gt, results, params = case
    evaluator, text = cocoeval(gt, results, **params)
    result = ours(gt, results, **params)
    assert_same(result, evaluator)
    assert summary_lines(result.summary()) == summary_lines(text)


# ---------------------------------------------------------------- empty inputs


def test_no_detections():
    """pycocotools cannot load an empty results list; the oracle scores one detection of an
    undeclared category instead, which it drops. Semantics: 0 where there is ground truth."""
    gt, results = generated("defaults", 6)
    evaluator, text = cocoeval(gt, [])
    result = ours(gt, [])
    assert_same(result, evaluator)
    assert summary_lines(result.summary()) == summary_lines(text)
    assert set(np.unique(result.precision)) <= {-1.0, 0.0} and set(np.unique(result.recall)) <= {-1.0, 0.0}
    assert (result.recall == 0).any() and set(result.stats) <= {-1.0, 0.0}


def test_no_ground_truth():
    gt, results = generated("defaults", 6)
    gt = dict(gt, annotations=[])
    evaluator, text = cocoeval(gt, results)
    result = ours(gt, results)
    assert_same(result, evaluator)
    assert summary_lines(result.summary()) == summary_lines(text)
    assert np.all(result.precision == -1) and np.all(result.stats == -1)
    # without declared categories the K axis is empty
    result = ours(gt, results, drop=("categories",))
    assert result.precision.shape[2] == 0 and result.recall.shape[1] == 0 and np.all(result.stats == -1)


def test_nothing_at_all():
    gt, _ = generated("defaults", 6)
    empty = dict(gt, annotations=[])
    evaluator, _ = cocoeval(empty, [])
    assert_same(ours(empty, []), evaluator)
    arrays = to_arrays(empty, [])
    for key in ("categories", "image_ids"):
        arrays.pop(key)
    result = evaluate_detections(**arrays)
    assert result.precision.shape == (10, 101, 0, 4, 3) and result.recall.shape == (10, 0, 4, 3)
    assert np.all(result.stats == -1)
    assert len(result.categories) == 0 and len(result.image_ids) == 0


def test_only_crowd_ground_truth_gives_minus_one():
    gt, results = generated("defaults", 8)
    gt = copy.deepcopy(gt)
    for annotation in gt["annotations"]:
        annotation["iscrowd"] = 1
    evaluator, _ = cocoeval(gt, results)
    result = ours(gt, results)
    assert_same(result, evaluator)
    assert np.all(result.stats == -1)


# ---------------------------------------------------------------- images outside the ground truth


def test_detections_on_images_without_ground_truth():
    """Accepted as false positives (image_ids defaults to the union of image ids); pycocotools
    scores them once the images are declared. With declared image_ids they are ignored."""
    gt, results = make_coco(np.random.default_rng(5), 10, 3, foreign_images=2)
    gt_ids = {i["id"] for i in gt["images"]}
    foreign = sorted({r["image_id"] for r in results} - gt_ids)
    assert foreign
    declared = dict(gt, images=gt["images"] + [{"id": i} for i in foreign])
    evaluator, _ = cocoeval(declared, results)
    result = ours(gt, results, drop=("image_ids",))
    assert_same(result, evaluator)
    assert set(foreign) <= set(result.image_ids.tolist())
    inside = [r for r in results if r["image_id"] in gt_ids]
    assert_same(ours(gt, results), cocoeval(gt, inside)[0])  # image_ids = gt's images: the rest is ignored
    # strict: a detection on an image outside the ground truth raises, as loadRes does
    with pytest.raises(ValueError, match="image"):
        ours(gt, results, drop=("image_ids",), strict=True)
    with pytest.raises(ValueError, match="image"):
        ours(gt, results, strict=True)
    assert_same(ours(declared, results, strict=True), evaluator)
    with contextlib.redirect_stdout(io.StringIO()), pytest.raises(AssertionError):
        cocoeval(gt, results)


# ---------------------------------------------------------------- bad input


def _valid():
    gt, results = generated("integer", 9)
    return to_arrays(gt, results)


def _set(key, value):
    def change(arrays):
        arrays[key] = value(arrays[key]) if callable(value) else value
    return change


def _set_row(key, row, column, value):
    def change(arrays):
        array = np.array(arrays[key], dtype=np.float64)
        array[(row, column) if array.ndim == 2 else row] = value
        arrays[key] = array
    return change


BAD = [
    ("gt_boxes", _set_row("gt_boxes", 2, 0, np.nan)),
    ("gt_boxes", _set_row("gt_boxes", 1, 3, np.inf)),
    ("dt_boxes", _set_row("dt_boxes", 3, 1, np.nan)),
    ("dt_boxes", _set_row("dt_boxes", 0, 2, -np.inf)),
    ("dt_scores", _set_row("dt_scores", 4, 0, np.nan)),
    ("dt_scores", _set_row("dt_scores", 0, 0, np.inf)),
    ("gt_boxes", _set_row("gt_boxes", 0, 2, -1.0)),  # negative width
    ("dt_boxes", _set_row("dt_boxes", 1, 3, -0.5)),  # negative height
    ("gt_areas", _set_row("gt_areas", 0, 0, np.nan)),
    ("gt_boxes", _set("gt_boxes", lambda a: a[:, :3])),
    ("dt_boxes", _set("dt_boxes", lambda a: a[:-1])),
    ("dt_scores", _set("dt_scores", lambda a: a[:-1])),
    ("dt_labels", _set("dt_labels", lambda a: a[1:])),
    ("dt_image_ids", _set("dt_image_ids", lambda a: a[1:])),
    ("gt_labels", _set("gt_labels", lambda a: a[:-1])),
    ("gt_image_ids", _set("gt_image_ids", lambda a: np.r_[a, 1])),
    ("gt_iscrowd", _set("gt_iscrowd", lambda a: a[:-1])),
    ("gt_areas", _set("gt_areas", lambda a: a[1:])),
    ("gt_ids", _set("gt_ids", lambda a: a[1:])),
    ("gt_labels", _set("gt_labels", lambda a: a + 0.5)),
    ("dt_labels", _set("dt_labels", lambda a: a.astype(str))),
    ("gt_image_ids", _set("gt_image_ids", lambda a: a + 0.25)),
    ("dt_image_ids", _set("dt_image_ids", lambda a: np.where(np.arange(len(a)) == 0, 0.5, a))),
    ("gt_ids", _set("gt_ids", lambda a: a + 0.5)),
    ("dt_ids", _set("dt_ids", np.arange(1, 4))),
    ("categories", _set("categories", lambda a: a + 0.5)),
    ("image_ids", _set("image_ids", lambda a: a.astype(np.float64) + 0.5)),
    ("max_dets", _set("max_dets", (3, 1, 2))),
    ("max_dets", _set("max_dets", (1, 1, 100))),
    ("max_dets", _set("max_dets", (0, 10, 100))),
    ("max_dets", _set("max_dets", (1, 10.5, 100))),
    ("iou_thresholds", _set("iou_thresholds", [0.5, 1.5])),
    ("iou_thresholds", _set("iou_thresholds", [-0.1, 0.5])),
    ("iou_thresholds", _set("iou_thresholds", [0.5, np.nan])),
    ("recall_thresholds", _set("recall_thresholds", [0.0, 1.2])),
    ("kind", _set("kind", "mask")),
    ("fmt", _set("fmt", "yxyx")),
]


@pytest.mark.parametrize("argument, change", BAD, ids=[f"{a}-{i}" for i, (a, _) in enumerate(BAD)])
def test_bad_input_names_the_argument(argument, change):
    arrays = _valid()
    arrays.setdefault("max_dets", (1, 10, 100))
    arrays.setdefault("iou_thresholds", COCO_IOUS)
    arrays.setdefault("recall_thresholds", np.linspace(0, 1, 101))
    change(arrays)
    with pytest.raises((ValueError, TypeError), match=argument):
        evaluate_detections(**arrays)


def test_rotated_bad_input():
    gt, results = generated("defaults", 0, "rotated")
    arrays = to_arrays(gt, results, "rotated")
    negative = dict(arrays, dt_boxes=arrays["dt_boxes"].copy())
    negative["dt_boxes"][0, 2] = -3
    with pytest.raises(ValueError, match="dt_boxes"):
        evaluate_detections(**negative)
    with pytest.raises(ValueError, match="gt_boxes"):
        evaluate_detections(**dict(arrays, gt_boxes=arrays["gt_boxes"][:, :4]))
    with pytest.raises((ValueError, TypeError), match="angle_unit"):
        evaluate_detections(**arrays, angle_unit="grad")
    assert math.isfinite(evaluate_detections(**arrays).stats[0])
