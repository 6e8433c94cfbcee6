"""clip_boxes_to_image, remove_small_boxes and masks_to_boxes against numpy transcriptions of torchvision's rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

from boxgeom import box_convert, clip_boxes_to_image, masks_to_boxes, remove_small_boxes
from boxgeom.datasets import random_boxes


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_clip_matches_numpy(dtype):
    boxes = (random_boxes(200, 400, 120, seed=1) - 60).astype(dtype)
    got = clip_boxes_to_image(boxes, (250, 300))
    want = boxes.copy()
    want[:, 0::2] = np.clip(want[:, 0::2], 0, 300)
    want[:, 1::2] = np.clip(want[:, 1::2], 0, 250)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)
    assert not np.shares_memory(got, boxes)


def test_clip_integer_boxes_to_a_fractional_size_and_other_formats():
    np.testing.assert_array_equal(clip_boxes_to_image([[0, 0, 50, 50]], (10.5, 20.9)), [[0, 0, 20, 10]])
    xywh = np.array([[-2.0, 1.0, 5.0, 3.0]])
    got = clip_boxes_to_image(xywh, (3, 10), fmt="xywh")
    np.testing.assert_array_equal(got, box_convert(clip_boxes_to_image(box_convert(xywh, "xywh", "xyxy"), (3, 10)), "xyxy", "xywh"))
    np.testing.assert_array_equal(got, [[0.0, 1.0, 3.0, 2.0]])


def test_remove_small_boxes_matches_numpy():
    boxes = random_boxes(300, 400, 20, seed=2).astype(np.float64)
    for min_size in (0.0, 3.0, 7.5, 19.0, 100.0):
        sizes = boxes[:, 2:] - boxes[:, :2]
        want = np.flatnonzero((sizes[:, 0] >= min_size) & (sizes[:, 1] >= min_size))
        got = remove_small_boxes(boxes, min_size)
        assert got.dtype == np.intp
        np.testing.assert_array_equal(got, want)


def masks_oracle(masks):
    out = np.zeros((len(masks), 4))
    for i, mask in enumerate(masks):
        ys, xs = np.nonzero(mask)
        if len(xs):
            out[i] = [xs.min(), ys.min(), xs.max(), ys.max()]
    return out


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=3, max_dims=3, min_side=0, max_side=9)))
def test_masks_to_boxes_matches_numpy(masks):
    np.testing.assert_array_equal(masks_to_boxes(masks), masks_oracle(masks))


def test_masks_of_integers_views_and_threads():
    rng = np.random.default_rng(3)
    masks = (rng.random((40, 30, 50)) > 0.995).astype(np.int64) * rng.integers(-3, 4, (40, 30, 50))
    want = masks_oracle(masks)
    np.testing.assert_array_equal(masks_to_boxes(masks), want)
    np.testing.assert_array_equal(masks_to_boxes(masks.astype(bool)[:, ::-1][:, ::-1]), want)  # a non-contiguous view
    np.testing.assert_array_equal(masks_to_boxes(np.asfortranarray(masks != 0), n_threads=2), want)


def test_bad_input():
    boxes = [[0, 0, 1, 1]]
    for size in [(10,), (10, 20, 30), "ab", (-1, 5), (float("nan"), 5)]:
        with pytest.raises(ValueError, match="size"):
            clip_boxes_to_image(boxes, size)
    with pytest.raises(TypeError, match="size"):
        clip_boxes_to_image(boxes, (None, 3))
    with pytest.raises(ValueError, match="min_size"):
        remove_small_boxes(boxes, float("nan"))
    with pytest.raises(TypeError, match="min_size"):
        remove_small_boxes(boxes, "1")
    with pytest.raises(ValueError, match="masks"):
        masks_to_boxes(np.zeros((4, 4), dtype=bool))
    with pytest.raises(TypeError, match="masks"):
        masks_to_boxes(np.zeros((1, 4, 4)))
    with pytest.raises(ValueError, match="fmt"):
        clip_boxes_to_image(boxes, (3, 3), fmt="yxyx")


def test_empty_inputs():
    empty = np.zeros((0, 4))
    assert clip_boxes_to_image(empty, (10, 10)).shape == (0, 4)
    assert remove_small_boxes(empty, 1.0).shape == (0,)
    assert masks_to_boxes(np.zeros((0, 5, 5), dtype=bool)).shape == (0, 4)
    np.testing.assert_array_equal(masks_to_boxes(np.zeros((3, 0, 7), dtype=bool)), np.zeros((3, 4)))
