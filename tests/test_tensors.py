"""torch tensors, ``__dlpack__``/``__array__`` objects and row-strided views in and out of every public function.

The torch round trips are skipped without torch; the view and no-copy tests always run.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import boxgeom
from boxgeom.datasets import random_boxes, random_rotated_boxes

RNG = np.random.default_rng(7)
BOXES = random_boxes(60, region=100, max_size=30, seed=1) + RNG.random((60, 1)) / 4  # float64
OTHER = random_boxes(50, region=100, max_size=30, seed=2).astype(np.float64)
SCORES = RNG.random(60)
LABELS = RNG.integers(0, 3, 60)
ROTATED = random_rotated_boxes(40, region=60, max_size=25, seed=3)
ROTATED_OTHER = random_rotated_boxes(30, region=60, max_size=25, seed=4)
QUADS = boxgeom.rotated_corners(ROTATED).reshape(-1, 8)
PAIRS = boxgeom.find_pairs_between(BOXES, OTHER)
MASKS = RNG.random((3, 9, 7)) > 0.7
GROUPS = boxgeom.nmm(BOXES, SCORES, 0.3, member_order="merge")
MODELS = np.arange(60) % 3

# (name, function, arguments): every public function that takes arrays. Array arguments are
# numpy here; the tests pass them as tensors, views or wrapper objects.
CALLS = [
    ("box_area", boxgeom.box_area, (BOXES,), {}),
    ("box_convert", boxgeom.box_convert, (BOXES, "xyxy", "cxcywh"), {}),
    ("box_convert corners", boxgeom.box_convert, (QUADS.reshape(-1, 4, 2), "xyxyxyxy", "cxcywhr"), {}),
    ("box_iou", boxgeom.box_iou, (BOXES, OTHER), {}),
    ("box_iou giou", boxgeom.box_iou, (BOXES, OTHER), {"mode": "giou"}),
    ("box_iou aligned", boxgeom.box_iou, (BOXES[:50], OTHER), {"mode": "ciou", "aligned": True}),
    ("box_iou_pairs", boxgeom.box_iou_pairs, (BOXES, OTHER, PAIRS), {"mode": "ios"}),
    ("find_pairs", boxgeom.find_pairs, (BOXES,), {}),
    ("find_pairs_between", boxgeom.find_pairs_between, (BOXES, OTHER), {}),
    ("pairs_to_csr", boxgeom.pairs_to_csr, (PAIRS, 60), {}),
    ("nms", boxgeom.nms, (BOXES, SCORES, 0.3), {}),
    ("batched_nms", boxgeom.batched_nms, (BOXES, SCORES, LABELS, 0.3), {}),
    ("nmm", boxgeom.nmm, (BOXES, SCORES, 0.3), {"metric": "ios", "idxs": LABELS}),
    ("merge_groups", boxgeom.merge_groups, (BOXES, SCORES, *GROUPS), {"threshold": 0.3, "labels": LABELS}),
    ("match_greedy", boxgeom.match_greedy, (BOXES, OTHER, 0.1), {}),
    ("match_optimal", boxgeom.match_optimal, (BOXES, OTHER, 0.1), {}),
    ("tile_cover", boxgeom.tile_cover, (BOXES, 40, 40), {}),
    ("clip_boxes_to_image", boxgeom.clip_boxes_to_image, (BOXES, (80, 90)), {}),
    ("remove_small_boxes", boxgeom.remove_small_boxes, (BOXES, 10), {}),
    ("masks_to_boxes", boxgeom.masks_to_boxes, (MASKS,), {}),
    ("rotated_box_area", boxgeom.rotated_box_area, (ROTATED,), {}),
    ("rotated_corners", boxgeom.rotated_corners, (ROTATED,), {}),
    ("rotated_iou", boxgeom.rotated_iou, (ROTATED, ROTATED_OTHER), {"mode": "iof"}),
    ("rotated_intersection_area", boxgeom.rotated_intersection_area, (ROTATED, ROTATED_OTHER), {}),
    ("rotated_iou_pairs", boxgeom.rotated_iou_pairs, (ROTATED,), {}),
    ("rotated_nms", boxgeom.rotated_nms, (ROTATED, SCORES[:40], 0.2), {}),
    ("polygon_iou", boxgeom.polygon_iou, (QUADS, QUADS[:7]), {}),
    ("soft_nms", boxgeom.soft_nms, (BOXES, SCORES), {"method": "linear"}),
    ("soft_nms idxs", boxgeom.soft_nms, (BOXES, SCORES), {"idxs": LABELS}),
    ("rotated_soft_nms", boxgeom.rotated_soft_nms, (ROTATED, SCORES[:40]), {}),
    ("batched_rotated_nms", boxgeom.batched_rotated_nms, (ROTATED, SCORES[:40], LABELS[:40], 0.2), {}),
    ("polygon_nms", boxgeom.polygon_nms, (QUADS, SCORES[:40], 0.2), {"idxs": LABELS[:40]}),
    ("set_area_grads", boxgeom.set_area_grads, (BOXES, OTHER), {}),
    ("set_areas", boxgeom.set_areas, (BOXES, OTHER), {}),
    ("set_iou", boxgeom.set_iou, (BOXES, OTHER), {}),
    ("union_area", boxgeom.union_area, (BOXES,), {}),
    ("weighted_boxes_fusion", boxgeom.weighted_boxes_fusion, (BOXES, SCORES, LABELS, MODELS), {"iou_threshold": 0.2}),
    ("non_maximum_weighted", boxgeom.non_maximum_weighted, (BOXES, SCORES, LABELS, MODELS), {"weights": np.ones(3)}),
    ("BoxIndex.query", lambda boxes, queries: boxgeom.BoxIndex(boxes).query(queries), (BOXES, OTHER), {}),
]
IDS = [name for name, *_ in CALLS]


def flat(result):
    """The arrays and plain values of a result, in order (tuples and lists unpacked)."""
    if isinstance(result, dict):
        return [key for key in result] + flat(list(result.values()))
    if isinstance(result, (tuple, list)):
        return [value for item in result for value in flat(item)]
    return [result]


def same(got, expected, torch=None) -> None:
    """``got`` (tensors or arrays) holds the values and dtypes of ``expected`` (numpy)."""
    got, expected = flat(got), flat(expected)
    assert len(got) == len(expected)
    for value, reference in zip(got, expected):
        if isinstance(reference, np.ndarray):
            if torch is not None:
                assert isinstance(value, torch.Tensor), type(value)
                value = value.numpy()
            assert isinstance(value, np.ndarray) and value.dtype == reference.dtype
            np.testing.assert_array_equal(value, reference)
        else:
            assert type(value) is type(reference) and value == reference


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name, function, args, kwargs", CALLS, ids=IDS)
def test_tensors_in_give_tensors_out(torch, name, function, args, kwargs):
    expected = function(*args, **kwargs)
    tensors = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
    same(function(*tensors, **kwargs), expected, torch)


@pytest.mark.parametrize("name, function, args, kwargs", CALLS, ids=IDS)
def test_tensors_that_require_grad_are_detached(torch, name, function, args, kwargs):
    expected = function(*args, **kwargs)
    tensors = [
        (torch.tensor(a, requires_grad=True) if a.dtype.kind == "f" else torch.from_numpy(a))
        if isinstance(a, np.ndarray)
        else a
        for a in args
    ]
    same(function(*tensors, **kwargs), expected, torch)


def test_one_tensor_argument_is_enough(torch):
    keep = boxgeom.nms(BOXES, torch.from_numpy(SCORES), 0.3)
    assert isinstance(keep, torch.Tensor) and keep.dtype == torch.int64
    np.testing.assert_array_equal(keep.numpy(), boxgeom.nms(BOXES, SCORES, 0.3))


def test_tensor_slices_and_dtypes(torch):
    dets = torch.from_numpy(np.concatenate([BOXES, SCORES[:, None], LABELS[:, None]], axis=1))
    for dtype in (torch.float32, torch.float64, torch.int32, torch.int64, torch.float16, torch.bfloat16):
        view = dets.to(dtype)[:, :4]
        expected = boxgeom.box_iou(view.float().numpy() if dtype == torch.bfloat16 else view.numpy(), OTHER)
        got = boxgeom.box_iou(view, OTHER)
        assert got.dtype == torch.float64
        np.testing.assert_array_equal(got.numpy(), expected)
    keep = boxgeom.batched_nms(dets[:, :4], dets[:, 4], dets[:, 5].long(), 0.3)
    np.testing.assert_array_equal(keep.numpy(), boxgeom.batched_nms(BOXES, SCORES, LABELS, 0.3))


def test_tensor_results_share_memory_with_the_numpy_result(torch):
    out = boxgeom.box_iou(torch.from_numpy(BOXES), OTHER)
    assert out.is_contiguous() and out.numpy().flags.writeable
    out.numpy()[0, 0] = -1.0  # the tensor is the numpy result itself (torch.from_numpy)
    assert out[0, 0].item() == -1.0


def test_non_array_results_are_unchanged(torch):
    assert type(boxgeom.union_area(torch.from_numpy(BOXES))) is float
    areas = boxgeom.set_areas(torch.from_numpy(BOXES), OTHER)
    assert type(areas) is boxgeom.SetAreas


def test_input_tensors_are_not_modified(torch):
    boxes = torch.from_numpy(BOXES.copy())
    scores = torch.from_numpy(SCORES.copy())
    boxgeom.nms(boxes, scores, 0.3)
    boxgeom.box_convert(boxes, "xyxy", "xywh")
    boxgeom.clip_boxes_to_image(boxes, (50, 50))
    assert torch.equal(boxes, torch.from_numpy(BOXES)) and torch.equal(scores, torch.from_numpy(SCORES))


def test_bad_tensors_are_named(torch):
    bad = torch.from_numpy(BOXES.copy())
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError, match="boxes1: .* row 3"):
        boxgeom.box_iou(bad, OTHER)
    with pytest.raises(ValueError, match=r"boxes: expected shape \(n, 4\)"):
        boxgeom.nms(torch.zeros(3, 5), torch.zeros(3), 0.5)
    with pytest.raises(TypeError, match="boxes"):
        boxgeom.box_area(torch.zeros(3, 4, dtype=torch.complex64))


class DLPackOnly:
    """An array that only speaks DLPack (as a jax or cupy CPU array would)."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


class ArrayLike:
    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def __array__(self, dtype=None, copy=None):
        return self._array if dtype is None else self._array.astype(dtype)


@pytest.mark.parametrize("wrap", [DLPackOnly, ArrayLike])
@pytest.mark.parametrize("name, function, args, kwargs", CALLS, ids=IDS)
def test_dlpack_and_array_objects(wrap, name, function, args, kwargs):
    expected = function(*args, **kwargs)
    wrapped = [wrap(a) if isinstance(a, np.ndarray) else a for a in args]
    same(function(*wrapped, **kwargs), expected)


def test_torch_is_never_imported_by_boxgeom():
    code = (
        "import sys, numpy as np, boxgeom\n"
        "b = np.array([[0, 0, 2, 2], [1, 1, 3, 3]])\n"
        "boxgeom.box_iou(b, b, mode='ciou'); boxgeom.nms(b, np.ones(2), 0.5); boxgeom.find_pairs(b)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- row-strided views, no copy

DTYPES = [np.int32, np.int64, np.float32, np.float64]


def detections(n: int, dtype) -> np.ndarray:
    """An (n, 6) [x1, y1, x2, y2, score, class] array, as detectors return."""
    boxes = random_boxes(n, region=1000, max_size=40, seed=n).astype(dtype)
    extra = np.stack([RNG.random(n), RNG.integers(0, 5, n)], axis=1).astype(dtype)
    return np.concatenate([boxes, extra], axis=1)


VIEW_CALLS = [
    lambda v, c: boxgeom.box_iou(v, c),
    lambda v, c: boxgeom.box_iou(c, v, mode="diou"),
    lambda v, c: boxgeom.box_iou(v, v[::-1], mode="ciou", aligned=True),
    lambda v, c: boxgeom.box_iou_pairs(v, c, boxgeom.find_pairs_between(c, c), mode="iof"),
    lambda v, c: boxgeom.nms(v, np.linspace(1, 0, len(v)), 0.2),
    lambda v, c: boxgeom.match_greedy(v, c[::-1], 0.3),
    lambda v, c: boxgeom.box_area(v),
    lambda v, c: boxgeom.clip_boxes_to_image(v, (500, 400)),
    lambda v, c: boxgeom.remove_small_boxes(v, 20),
    lambda v, c: boxgeom.find_pairs(v),
    lambda v, c: boxgeom.tile_cover(v, 100, 100),
    lambda v, c: boxgeom.soft_nms(v, np.linspace(1, 0, len(v)), idxs=np.arange(len(v)) % 3),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("call", range(len(VIEW_CALLS)))
def test_row_strided_views_give_the_contiguous_results(dtype, call):
    dets = detections(300, dtype)
    for view in (dets[:, :4], dets[::3, :4], dets[7:, :4]):
        same(VIEW_CALLS[call](view, np.ascontiguousarray(view)), VIEW_CALLS[call](np.ascontiguousarray(view), np.ascontiguousarray(view)))


def test_rotated_views_give_the_contiguous_results():
    rows = np.concatenate([ROTATED, SCORES[:40, None]], axis=1)
    view, copy = rows[:, :5], np.ascontiguousarray(rows[:, :5])
    same(boxgeom.rotated_iou(view, view[::2]), boxgeom.rotated_iou(copy, copy[::2]))
    same(boxgeom.rotated_nms(view, rows[:, 5], 0.2), boxgeom.rotated_nms(copy, rows[:, 5], 0.2))
    same(boxgeom.rotated_iou_pairs(view, mode="ios"), boxgeom.rotated_iou_pairs(copy, mode="ios"))
    labels = (np.arange(40) % 3).astype(np.int64)
    for threshold in (0.001, 0.5):  # all boxes alive (the view itself is read), or a subset
        same(boxgeom.rotated_soft_nms(view, rows[:, 5], score_threshold=threshold),
             boxgeom.rotated_soft_nms(copy, rows[:, 5], score_threshold=threshold))
    same(boxgeom.batched_rotated_nms(view, rows[:, 5], labels, 0.2),
         boxgeom.batched_rotated_nms(copy, rows[:, 5], labels, 0.2))


def peak_bytes(function) -> int:
    """Peak bytes traced (numpy allocations included) while ``function`` runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "call",
    [
        lambda v: boxgeom.box_iou(v, v, mode="giou", aligned=True),
        lambda v: boxgeom.nms(v, np.ones(len(v)), 0.5),
        lambda v: boxgeom.box_area(v),
        lambda v: boxgeom.remove_small_boxes(v, 3),
    ],
    ids=["box_iou aligned", "nms", "box_area", "remove_small_boxes"],
)
def test_strided_views_are_not_copied(call):
    dets = detections(200_000, np.float64)
    view = dets[:, :4]
    view_bytes = view.shape[0] * 4 * view.itemsize
    call(view)  # warm-up
    # results and scratch take at most 24 bytes per box; a copy of the input alone would take 32
    assert peak_bytes(lambda: call(view)) < view_bytes
