"""boxgeom.coco: the COCO loader (against a per-annotation reference written here), the
COCO stand-in and COCOeval (against pycocotools itself, test extra), and bad input."""

from __future__ import annotations

import contextlib
import copy
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boxgeom.coco import COCO, COCOeval, CocoArrays, Params, load_coco

# --- generated COCO-shaped sets ------------------------------------------------------------------


def make_dataset(seed: int, n_images: int = 14, n_categories: int = 4, crowd: float = 0.1,
                 zero_id: bool = False) -> tuple[dict, list]:
    """A ground truth and results with pycocotools' corner cases: crowd regions, ``area``
    fields that differ from the boxes, images without ground truth or without detections,
    a declared category without ground truth, detections of an undeclared category, tied
    scores, duplicated and zero-size boxes, boxes past the border, ids in shuffled order."""
    rng = np.random.default_rng(seed)
    image_ids = rng.permutation(np.arange(1, n_images + 1) * 3).tolist()
    categories = [{"id": c, "name": f"c{c}", "supercategory": "even" if c % 2 == 0 else "odd"}
                  for c in range(1, n_categories + 2)]  # the last one never has ground truth
    annotations = []
    for image in image_ids[: n_images - 2]:  # the last two images have no ground truth
        for _ in range(rng.integers(0, 8)):
            x, y = (rng.integers(-2, 20, 2) * 8).tolist()
            w, h = (rng.integers(0, 16, 2) * 8).tolist()
            area = w * h if rng.random() < 0.75 else float(rng.uniform(0, 12000))
            annotations.append({"image_id": image, "category_id": int(rng.integers(1, n_categories + 1)),
                                "bbox": [x, y, w, h], "area": area, "iscrowd": int(rng.random() < crowd)})
    ids = rng.permutation(len(annotations)) + (0 if zero_id else 1)
    for annotation, id_ in zip(annotations, ids.tolist()):
        annotation["id"] = id_
    results = []
    for image in image_ids[2:]:  # the first two images have no detections
        own = [a for a in annotations if a["image_id"] == image]
        for _ in range(rng.integers(0, 12)):
            if own and rng.random() < 0.7:
                source = own[rng.integers(len(own))]
                x, y, w, h = source["bbox"]
                jitter = rng.integers(-1, 2, 4) * 4 if rng.random() < 0.8 else np.zeros(4, int)
                box = [x + jitter[0], y + jitter[1], max(w + jitter[2], 0), max(h + jitter[3], 0)]
                category = source["category_id"] if rng.random() < 0.85 else int(rng.integers(1, n_categories + 1))
            else:
                box = (rng.integers(-2, 20, 4) * 8).tolist()
                box[2:] = [abs(v) for v in box[2:]]
                category = int(rng.integers(1, n_categories + 1)) if rng.random() < 0.9 else 99
            results.append({"image_id": image, "category_id": category, "bbox": [float(v) for v in box],
                            "score": float(rng.integers(1, 10)) / 10})
    annotations.append({"id": len(annotations) + 1, "image_id": 10**6, "category_id": 1, "bbox": [0, 0, 8, 8],
                        "area": 64, "iscrowd": 0})  # of an image that is not declared: never evaluated
    dataset = {"info": {"seed": seed}, "images": [{"id": i, "file_name": f"{i}.jpg"} for i in image_ids],
               "annotations": annotations, "categories": categories}
    return dataset, results


def _quiet(function, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args)


def run_pycocotools(dataset: dict, results: list, configure=None):
    """pycocotools' evaluation (on copies: it writes into the dicts) and its printed summary."""
    pycoco = pytest.importorskip("pycocotools.coco")
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    gt = pycoco.COCO()
    gt.dataset = copy.deepcopy(dataset)
    _quiet(gt.createIndex)
    dt = _quiet(gt.loadRes, copy.deepcopy(results))
    evaluator = cocoeval.COCOeval(gt, dt, "bbox")
    if configure:
        configure(evaluator.params)
    _quiet(evaluator.evaluate)
    _quiet(evaluator.accumulate)
    text = io.StringIO()
    if len(evaluator.params.maxDets) >= 3:
        with contextlib.redirect_stdout(text):
            evaluator.summarize()
    return evaluator, text.getvalue()


def run_boxgeom(gt, dt, configure=None):
    evaluator = COCOeval(gt, dt, "bbox")
    if configure:
        configure(evaluator.params)
    evaluator.evaluate()
    evaluator.accumulate()
    text = io.StringIO()
    if len(evaluator.params.maxDets) >= 3:
        with contextlib.redirect_stdout(text):
            evaluator.summarize()
    return evaluator, text.getvalue()


def assert_same_evaluation(ours, theirs) -> None:
    (mine, my_text), (ref, ref_text) = ours, theirs
    for key in ("precision", "recall", "scores"):
        assert mine.eval[key].shape == ref.eval[key].shape, key
        np.testing.assert_array_equal(mine.eval[key], ref.eval[key], err_msg=key)
    assert mine.eval["counts"] == ref.eval["counts"]
    for key in ("imgIds", "catIds", "maxDets", "useCats"):
        assert list(np.atleast_1d(getattr(mine.params, key))) == list(np.atleast_1d(getattr(ref.params, key))), key
    if ref_text:
        np.testing.assert_allclose(mine.stats, ref.stats, rtol=0, atol=1e-12)
        assert my_text == ref_text


def compare(dataset: dict, results: list, configure=None) -> COCOeval:
    """Our COCOeval over our COCO equals pycocotools'; returns ours."""
    theirs = run_pycocotools(dataset, results, configure)
    gt = COCO(dataset)
    ours = run_boxgeom(gt, gt.loadRes(results), configure)
    assert_same_evaluation(ours, theirs)
    return ours[0]


# --- COCOeval against pycocotools ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_cocoeval_equals_pycocotools(seed):
    dataset, results = make_dataset(seed, crowd=0.1 if seed % 3 else 0.3)
    ours = compare(dataset, results)
    assert (ours.eval["precision"] > 0).any() and (ours.eval["precision"] == -1).any()  # not a trivial set


def test_cocoeval_on_pycocotools_objects():
    """pycocotools' COCO objects as input (what existing code passes), both roles and mixed."""
    pycoco = pytest.importorskip("pycocotools.coco")
    dataset, results = make_dataset(3)
    theirs = run_pycocotools(dataset, results)
    gt = pycoco.COCO()
    gt.dataset = copy.deepcopy(dataset)
    _quiet(gt.createIndex)
    dt = _quiet(gt.loadRes, copy.deepcopy(results))
    assert_same_evaluation(run_boxgeom(gt, dt), theirs)
    own = COCO(dataset)
    assert_same_evaluation(run_boxgeom(own, dt), theirs)
    assert_same_evaluation(run_boxgeom(gt, own.loadRes(results)), theirs)


def test_cocoeval_on_faster_coco_eval_objects():
    faster = pytest.importorskip("faster_coco_eval")
    dataset, results = make_dataset(4)
    theirs = run_pycocotools(dataset, results)
    gt = _quiet(faster.COCO, copy.deepcopy(dataset))
    dt = _quiet(gt.loadRes, copy.deepcopy(results))
    assert_same_evaluation(run_boxgeom(gt, dt), theirs)


def _custom(params):
    params.iouThrs = np.array([0.3, 0.5, 0.75, 0.9])
    params.recThrs = np.linspace(0, 1, 11)
    params.maxDets = [5, 1, 3]  # sorted by evaluate()
    params.areaRng = [[0, 1e10], [0, 2000], [2000, 1e10]]
    params.areaRngLbl = ["all", "small", "big"]


def _subsets(params):
    params.imgIds = [params.imgIds[5], params.imgIds[1], params.imgIds[5], params.imgIds[9], 999]
    params.catIds = [3, 1, 3, 5]


def _edges(params):
    params.iouThrs = np.array([0.0, 1.0])
    params.areaRng = [[0, 1e10]]
    params.areaRngLbl = ["all"]


def _no_images(params):
    params.imgIds = []


def _no_categories(params):
    params.catIds = []


def _unknown_category(params):
    params.catIds = [77]


@pytest.mark.parametrize("configure", [_custom, _subsets, _edges, _no_images, _no_categories, _unknown_category])
@pytest.mark.parametrize("seed", range(3))
def test_cocoeval_custom_params(seed, configure):
    compare(*make_dataset(seed + 20), configure)


@pytest.mark.parametrize("cat_ids", [None, [3, 1, 2], [2, 2, 1, 5], []], ids=["all", "unsorted", "repeated", "none"])
@pytest.mark.parametrize("seed", range(3))
def test_cocoeval_use_cats_0(seed, cat_ids):
    def configure(params):
        params.useCats = 0
        if cat_ids is not None:
            params.catIds = list(cat_ids)

    ours = compare(*make_dataset(seed + 30), configure)
    assert ours.params.catIds == [-1] and ours.eval["counts"][2] == 1


@pytest.mark.parametrize("seed", range(3))
def test_cocoeval_ground_truth_id_0(seed):
    dataset, results = make_dataset(seed + 40, zero_id=True)
    assert min(a["id"] for a in dataset["annotations"]) == 0
    compare(dataset, results)


@pytest.mark.parametrize("use_cats", [1, 0])
def test_cocoeval_repeated_ground_truth_ids(use_cats):
    """pycocotools reads annotations through its ``anns`` dict: an id that repeats gives the
    last annotation with that id, grouped by that one's image and category."""
    dataset, results = make_dataset(50)
    annotations = dataset["annotations"]
    for index in range(0, len(annotations) - 9, 9):
        annotations[index]["id"] = annotations[index + 7]["id"]
    compare(dataset, results, lambda p: setattr(p, "useCats", use_cats))


def test_cocoeval_detections_not_from_loadres():
    """A results COCO built by hand: its own ids (0 and negative ones never use up their
    match in pycocotools) are read from the annotations."""
    pycoco = pytest.importorskip("pycocotools.coco")
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    dataset, results = make_dataset(60)
    rng = np.random.default_rng(0)
    for result, id_ in zip(results, rng.integers(-3, 4, len(results)).tolist()):
        result.update(id=id_, area=result["bbox"][2] * result["bbox"][3], iscrowd=0)
    gt = pycoco.COCO()
    gt.dataset = copy.deepcopy(dataset)
    _quiet(gt.createIndex)
    dt = pycoco.COCO()
    dt.dataset = {"images": dataset["images"], "categories": dataset["categories"], "annotations": copy.deepcopy(results)}
    _quiet(dt.createIndex)
    reference = cocoeval.COCOeval(gt, dt, "bbox")
    for step in (reference.evaluate, reference.accumulate, reference.summarize):
        _quiet(step)
    own_dt = COCO({"images": dataset["images"], "categories": dataset["categories"], "annotations": results})
    for detections in (dt, own_dt):
        ours = run_boxgeom(COCO(dataset), detections)[0]
        np.testing.assert_array_equal(ours.eval["precision"], reference.eval["precision"])
        np.testing.assert_allclose(ours.stats, reference.stats, rtol=0, atol=1e-12)


def test_cocoeval_fewer_than_three_max_dets():
    dataset, results = make_dataset(70)
    ours = compare(dataset, results, lambda p: setattr(p, "maxDets", [10, 2]))
    with pytest.raises(ValueError, match="maxDets"):
        ours.summarize()


def test_cocoeval_crowd_only_ground_truth():
    dataset, results = make_dataset(71)
    for annotation in dataset["annotations"]:
        annotation["iscrowd"] = 1
    ours = compare(dataset, results)
    assert (ours.stats == -1).all()


def test_cocoeval_empty_results_score_zero():
    """Empty results (pycocotools' loadRes raises IndexError) score as results of an
    undeclared category only, which pycocotools drops."""
    dataset, _ = make_dataset(72)
    image = dataset["images"][0]["id"]
    theirs = run_pycocotools(dataset, [{"image_id": image, "category_id": 99, "bbox": [0, 0, 1, 1], "score": 1.0}])
    gt = COCO(dataset)
    assert_same_evaluation(run_boxgeom(gt, gt.loadRes([])), theirs)


def test_cocoeval_prints_only_in_summarize(capsys):
    dataset, results = make_dataset(5)
    gt = COCO(dataset)
    evaluator = COCOeval(gt, gt.loadRes(results))
    evaluator.evaluate()
    evaluator.accumulate()
    assert capsys.readouterr().out == ""
    evaluator.summarize()
    assert capsys.readouterr().out.count("\n") == 12


def test_cocoeval_leaves_inputs_unmodified():
    dataset, results = make_dataset(6)
    before = copy.deepcopy((dataset, results))
    gt = COCO(dataset)
    run_boxgeom(gt, gt.loadRes(results))
    assert (dataset, results) == before


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 3), st.sampled_from([0.0, 0.3]))
def test_cocoeval_tiny_sets_equal_pycocotools(seed, n_images, n_categories, crowd):
    dataset, results = make_dataset(seed, n_images=n_images + 2, n_categories=n_categories, crowd=crowd)
    if not results:
        return
    compare(dataset, results)


def test_cocoeval_params_and_errors():
    dataset, results = make_dataset(7)
    gt = COCO(dataset)
    evaluator = COCOeval(gt, gt.loadRes(results))
    assert evaluator.params.imgIds == sorted(img["id"] for img in dataset["images"])
    assert evaluator.params.catIds == [c["id"] for c in dataset["categories"]]
    with pytest.raises(RuntimeError, match="evaluate"):
        evaluator.accumulate()
    with pytest.raises(RuntimeError, match="accumulate"):
        evaluator.summarize()
    evaluator.evaluate()
    evaluator.params.recThrs = np.linspace(0, 1, 11)
    with pytest.raises(ValueError, match="recThrs changed since evaluate"):
        evaluator.accumulate()
    with pytest.raises(ValueError, match="iouType"):
        COCOeval(gt, gt, "segm")
    with pytest.raises(ValueError, match="iouType"):
        Params("keypoints")
    evaluator = COCOeval(gt, gt.loadRes(results))
    evaluator.params.useSegm = 1
    with pytest.raises(ValueError, match="iouType"):
        evaluator.evaluate()
    evaluator = COCOeval(gt, gt.loadRes(results))
    evaluator.params.useCats = 2
    with pytest.raises(ValueError, match="useCats"):
        evaluator.evaluate()
    with pytest.raises(ValueError, match="cocoDt"):
        COCOeval(gt).evaluate()
    bad = copy.deepcopy(dataset)
    del bad["annotations"][3]["area"]
    with pytest.raises(ValueError, match=r"annotations\[3\]: missing 'area'"):
        COCOeval(COCO(bad), gt.loadRes(results)).evaluate()


def test_params_defaults_equal_pycocotools():
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    ours, theirs = Params(), cocoeval.Params("bbox")
    assert vars(ours).keys() == vars(theirs).keys()
    for key, value in vars(theirs).items():
        if isinstance(value, np.ndarray):
            assert getattr(ours, key).dtype == value.dtype
            np.testing.assert_array_equal(getattr(ours, key), value)
        else:
            assert getattr(ours, key) == value and type(getattr(ours, key)) is type(value), key


# --- the loader ----------------------------------------------------------------------------------


def reference_arrays(dataset: dict) -> dict:
    """The fields of each annotation, one at a time."""
    annotations = dataset["annotations"]
    return {
        "boxes": np.array([[float(v) for v in a["bbox"]] for a in annotations]).reshape(-1, 4),
        "labels": np.array([a["category_id"] for a in annotations], dtype=np.int64),
        "image_ids": np.array([a["image_id"] for a in annotations], dtype=np.int64),
        "iscrowd": np.array([a["iscrowd"] != 0 for a in annotations], dtype=bool),
        "areas": np.array([float(a["area"]) for a in annotations]),
        "ids": np.array([a["id"] for a in annotations], dtype=np.int64),
        "image_ids_declared": np.array(sorted({i["id"] for i in dataset["images"]}), dtype=np.int64),
        "categories": np.array(sorted({c["id"] for c in dataset["categories"]}), dtype=np.int64),
    }


def assert_arrays(arrays: CocoArrays, expected: dict) -> None:
    for key, value in expected.items():
        got = getattr(arrays, key)
        assert got.dtype == value.dtype and got.shape == value.shape, key
        np.testing.assert_array_equal(got, value, err_msg=key)


@pytest.mark.parametrize("seed", range(3))
def test_load_coco_dataset(seed, tmp_path):
    dataset, _ = make_dataset(seed)
    dataset["categories"].append({"id": 2, "name": "again"})  # a repeated id: the last name wins
    dataset["images"].append(dict(dataset["images"][0]))
    before = copy.deepcopy(dataset)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(dataset))
    for source in (dataset, path, str(path)):
        arrays = load_coco(source)
        assert_arrays(arrays, reference_arrays(dataset))
        assert arrays.scores is None and len(arrays) == len(dataset["annotations"])
        assert arrays.category_names == {c["id"]: c["name"] for c in dataset["categories"]}
    assert dataset == before
    assert not arrays.boxes.flags.writeable and not arrays.ids.flags.writeable


def test_load_coco_results(tmp_path):
    _, results = make_dataset(1)
    results[0] = {**results[0], "id": 77, "area": -5.0, "iscrowd": 1}  # replaced, as by loadRes
    before = copy.deepcopy(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    for source in (results, path):
        arrays = load_coco(source)
        boxes = np.array([r["bbox"] for r in results], dtype=np.float64)
        np.testing.assert_array_equal(arrays.boxes, boxes)
        np.testing.assert_array_equal(arrays.scores, [r["score"] for r in results])
        np.testing.assert_array_equal(arrays.labels, [r["category_id"] for r in results])
        np.testing.assert_array_equal(arrays.image_ids, [r["image_id"] for r in results])
        np.testing.assert_array_equal(arrays.ids, np.arange(1, len(results) + 1))
        np.testing.assert_array_equal(arrays.areas, boxes[:, 2] * boxes[:, 3])
        assert not arrays.iscrowd.any() and arrays.iscrowd.dtype == bool
        assert len(arrays.image_ids_declared) == len(arrays.categories) == 0 and arrays.category_names == {}
    assert results == before
    empty = load_coco([])
    assert empty.boxes.shape == (0, 4) and empty.scores.shape == (0,)


def test_load_coco_accepts_numpy_values():
    dataset = {"images": [{"id": np.int64(3)}], "categories": [{"id": np.int32(1)}],
               "annotations": [{"id": np.int64(9), "image_id": np.int64(3), "category_id": np.uint8(1),
                                "bbox": np.array([1.0, 2.0, 3.0, 4.0], np.float32), "area": np.float32(12.0),
                                "iscrowd": np.bool_(True)},
                               {"id": 10, "image_id": 3, "category_id": 1, "bbox": (1, 2, 3, 4), "area": 12,
                                "iscrowd": False}]}
    arrays = load_coco(dataset)
    assert arrays.boxes.tolist() == [[1, 2, 3, 4]] * 2 and arrays.iscrowd.tolist() == [True, False]
    assert arrays.ids.tolist() == [9, 10] and arrays.areas.tolist() == [12.0, 12.0]
    _, results = make_dataset(0)
    typed = [{"image_id": np.int64(r["image_id"]), "category_id": np.int32(r["category_id"]),
              "bbox": [np.float32(v) if i % 2 else np.float64(v) for i, v in enumerate(r["bbox"])],
              "score": np.float32(r["score"])} for r in results]
    plain, numpy_typed = load_coco(results), load_coco(typed)
    for key in ("boxes", "labels", "image_ids", "areas"):
        np.testing.assert_array_equal(getattr(numpy_typed, key), getattr(plain, key))
    np.testing.assert_array_equal(numpy_typed.scores, np.float32([r["score"] for r in results]))


GT_FIELDS = ("id", "image_id", "category_id", "bbox", "area", "iscrowd")
RESULT_FIELDS = ("image_id", "category_id", "bbox", "score")


@pytest.mark.parametrize("field", GT_FIELDS)
def test_load_coco_missing_ground_truth_field(field, tmp_path):
    dataset, _ = make_dataset(2)
    del dataset["annotations"][5][field]
    with pytest.raises(ValueError, match=rf"^annotations\[5\]: missing '{field}'$"):
        load_coco(dataset)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(dataset))
    with pytest.raises(ValueError, match=rf"gt.json: annotations\[5\]: missing '{field}'$"):
        load_coco(path)


@pytest.mark.parametrize("field", RESULT_FIELDS)
def test_load_coco_missing_result_field(field):
    _, results = make_dataset(2)
    del results[4][field]
    with pytest.raises(ValueError, match=rf"^results\[4\]: missing '{field}'$"):
        load_coco(results)
    gt = COCO(make_dataset(2)[0])
    with pytest.raises(ValueError, match=rf"^results\[4\]: missing '{field}'$"):
        gt.loadRes(results)


@pytest.mark.parametrize("field, value", [
    ("id", 1.5), ("id", "7"), ("id", None), ("id", True), ("id", 2.0), ("id", 2**63),
    ("image_id", 3.0), ("image_id", [3]), ("category_id", "1"), ("category_id", float("nan")),
    ("bbox", [1, 2, 3]), ("bbox", [1, 2, 3, "4"]), ("bbox", None), ("bbox", [1, 2, 3, None]), ("bbox", [[1, 2], [3, 4]]),
    ("bbox", [1, 2, 3, True]), ("bbox", "1234"), ("bbox", [1, 2, 3, 10**400]),
    ("area", "12"), ("area", None), ("area", True),
    ("iscrowd", 0.0), ("iscrowd", "0"), ("iscrowd", None),
])  # fmt: skip
def test_load_coco_malformed_field(field, value):
    dataset, _ = make_dataset(3)
    dataset["annotations"][2][field] = value
    with pytest.raises(ValueError, match=rf"^annotations\[2\]: expected .*'?{field}'?"):
        load_coco(dataset)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["ok", "missing", "float", "string"]), min_size=1, max_size=30),
       st.sampled_from(GT_FIELDS))
def test_load_coco_names_the_first_bad_annotation(kinds, field):
    annotations = []
    for index, kind in enumerate(kinds):
        annotation = {"id": index + 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1, "iscrowd": 0}
        if kind == "missing":
            del annotation[field]
        elif kind == "float":
            annotation[field] = 0.5 if field != "bbox" else [0, 0, 0.5]
        elif kind == "string":
            annotation[field] = "x"
        annotations.append(annotation)
    dataset = {"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": annotations}
    bad = [i for i, kind in enumerate(kinds) if kind == "missing" or kind == "string"
           or (kind == "float" and field not in ("area",))]
    if not bad:
        assert len(load_coco(dataset)) == len(kinds)
        return
    with pytest.raises(ValueError, match=rf"^annotations\[{bad[0]}\]: "):
        load_coco(dataset)


def test_load_coco_bad_structure(tmp_path):
    with pytest.raises(ValueError, match="^dataset: missing 'images'$"):
        load_coco({"annotations": [], "categories": []})
    with pytest.raises(ValueError, match="^dataset: missing 'categories'$"):
        load_coco({"annotations": [], "images": []})
    assert len(load_coco({"images": [{"id": 1}], "categories": []})) == 0  # an image list without annotations
    with pytest.raises(ValueError, match="^annotations: expected a list, got dict"):
        load_coco({"annotations": {}, "images": [], "categories": []})
    with pytest.raises(ValueError, match=r"^annotations\[1\]: expected a dict, got list"):
        load_coco({"annotations": [make_dataset(0)[0]["annotations"][0], []], "images": [], "categories": []})
    with pytest.raises(ValueError, match=r"^images\[0\]: expected an integer 'id', got 'a'"):
        load_coco({"annotations": [], "images": [{"id": "a"}], "categories": []})
    with pytest.raises(ValueError, match=r"^categories\[0\]: missing 'id'"):
        load_coco({"annotations": [], "images": [], "categories": [{"name": "x"}]})
    with pytest.raises(TypeError, match="^source: expected a path"):
        load_coco(5)
    path = tmp_path / "number.json"
    path.write_text("5")
    with pytest.raises(ValueError, match="number.json: expected a COCO dataset"):
        load_coco(path)


# --- the COCO stand-in ---------------------------------------------------------------------------


def test_coco_ids_equal_pycocotools():
    pycoco = pytest.importorskip("pycocotools.coco")
    dataset, _ = make_dataset(8)
    dataset["images"].append({"id": dataset["images"][2]["id"]})
    dataset["categories"].append(dict(dataset["categories"][0]))
    theirs = pycoco.COCO()
    theirs.dataset = copy.deepcopy(dataset)
    _quiet(theirs.createIndex)
    ours = COCO(dataset)
    assert ours.getImgIds() == theirs.getImgIds()
    assert ours.getCatIds() == theirs.getCatIds()
    some = [i["id"] for i in dataset["images"][:6]]
    for kwargs in ({"catIds": [1]}, {"catIds": [1, 2]}, {"imgIds": some}, {"imgIds": some, "catIds": 2},
                   {"imgIds": some[0]}, {"catIds": [99]}):
        assert sorted(ours.getImgIds(**kwargs)) == sorted(theirs.getImgIds(**kwargs)), kwargs
    for kwargs in ({"catNms": ["c1", "c3"]}, {"supNms": "even"}, {"catIds": [2, 3]}, {"catNms": "c2", "catIds": [1, 2]}):
        assert ours.getCatIds(**kwargs) == theirs.getCatIds(**kwargs), kwargs


@pytest.mark.parametrize("form", ["list", "path", "ndarray"])
def test_coco_load_res_equals_pycocotools(form, tmp_path):
    pycoco = pytest.importorskip("pycocotools.coco")
    dataset, results = make_dataset(9)
    if form == "path":
        source = tmp_path / "results.json"
        source.write_text(json.dumps(results))
        source = str(source)
    elif form == "ndarray":
        source = np.array([[r["image_id"], *r["bbox"], r["score"], r["category_id"]] for r in results])
    else:
        source = results
    before = copy.deepcopy(results)
    theirs = pycoco.COCO()
    theirs.dataset = copy.deepcopy(dataset)
    _quiet(theirs.createIndex)
    reference = _quiet(theirs.loadRes, copy.deepcopy(source))
    res = COCO(dataset).loadRes(source)
    assert results == before
    assert res.dataset["images"] == reference.dataset["images"]
    assert res.dataset["categories"] == reference.dataset["categories"]
    assert res.dataset["info"] == reference.dataset["info"]
    assert len(res.dataset["annotations"]) == len(reference.dataset["annotations"])
    for mine, ref in zip(res.dataset["annotations"], reference.dataset["annotations"]):
        assert {k: v for k, v in ref.items() if k != "segmentation"} == mine
    assert res.getImgIds() == theirs.getImgIds() and res.getCatIds() == theirs.getCatIds()
    np.testing.assert_array_equal(res.arrays.image_ids_declared, sorted(theirs.getImgIds()))
    np.testing.assert_array_equal(res.arrays.ids, np.arange(1, len(results) + 1))


def test_coco_load_res_errors(tmp_path):
    pycoco = pytest.importorskip("pycocotools.coco")
    dataset, results = make_dataset(10)
    results[6] = {**results[6], "image_id": 12345}
    theirs = pycoco.COCO()
    theirs.dataset = copy.deepcopy(dataset)
    _quiet(theirs.createIndex)
    with pytest.raises(AssertionError, match="Results do not correspond to current coco set"):
        _quiet(theirs.loadRes, copy.deepcopy(results))
    gt = COCO(dataset)
    with pytest.raises(ValueError, match=r"^Results do not correspond to current coco set: results\[6\] has image_id 12345"):
        gt.loadRes(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps([{k: v for k, v in r.items() if k != "score"} for r in results]))
    with pytest.raises(ValueError, match=r"results.json: results\[0\]: missing 'score'"):
        gt.loadRes(path)
    with pytest.raises(ValueError, match="resFile: expected a list"):
        gt.loadRes({"annotations": []})
    with pytest.raises(ValueError, match=r"resFile: expected an array of shape \(n, 7\)"):
        gt.loadRes(np.zeros((3, 6)))
    rows = np.array([[dataset["images"][0]["id"], 0, 0, 1, 1, 0.5, 1.5]])
    with pytest.raises(ValueError, match=r"resFile\[0\]: expected an integer category_id"):
        gt.loadRes(rows)


def test_coco_construction(tmp_path):
    dataset, results = make_dataset(11)
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(dataset))
    assert COCO(path).dataset == dataset and COCO(str(path)).getImgIds() == COCO(dataset).getImgIds()
    empty = COCO()
    assert empty.dataset == {} and empty.getImgIds() == []
    empty.dataset = dataset
    empty.createIndex()
    assert_arrays(empty.arrays, reference_arrays(dataset))
    dataset["annotations"] = dataset["annotations"][:3]
    empty.createIndex()  # the arrays are read again
    assert len(empty.arrays) == 3
    with pytest.raises(TypeError, match="annotation_file"):
        COCO(5)
    listed = tmp_path / "results.json"
    listed.write_text(json.dumps(results))
    with pytest.raises(ValueError, match="results.json: expected a COCO dataset"):
        COCO(listed)
