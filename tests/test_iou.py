"""box_iou and box_iou_pairs against a float64 reference and shapely."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import shapely
from hypothesis import given

from boxgeom import box_iou, box_iou_pairs, find_pairs, find_pairs_between
from boxgeom.datasets import random_boxes
from conftest import lattice_boxes, random_float_boxes, with_layout
from oracles import iou_matrix


def test_matches_reference_for_every_dtype_and_layout(dtype, layout):
    boxes1 = random_boxes(60, 200, 60, seed=1).astype(dtype)
    boxes2 = random_boxes(40, 200, 60, seed=2).astype(dtype)
    result = box_iou(with_layout(boxes1, layout), boxes2)
    assert result.shape == (60, 40) and result.dtype == np.float64
    np.testing.assert_allclose(result, iou_matrix(boxes1, boxes2), rtol=1e-12, atol=0)


def test_matches_shapely():
    rng = np.random.default_rng(0)
    boxes1, boxes2 = random_float_boxes(rng, 50), random_float_boxes(rng, 30)
    p1, p2 = shapely.box(*boxes1.T), shapely.box(*boxes2.T)
    inter = shapely.area(shapely.intersection(p1[:, None], p2[None, :]))
    union = shapely.area(shapely.union(p1[:, None], p2[None, :]))
    np.testing.assert_allclose(box_iou(boxes1, boxes2), np.where(union > 0, inter / union, 0), rtol=1e-9, atol=1e-12)


@given(lattice_boxes(max_n=15), lattice_boxes(max_n=15))
def test_properties_on_the_lattice(boxes1, boxes2):
    iou = box_iou(boxes1, boxes2)
    assert iou.shape == (len(boxes1), len(boxes2))
    assert ((iou >= 0) & (iou <= 1)).all()
    np.testing.assert_array_equal(iou, box_iou(boxes2, boxes1).T)
    np.testing.assert_allclose(iou, iou_matrix(boxes1, boxes2), rtol=1e-15)
    areas = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    np.testing.assert_array_equal(np.diag(box_iou(boxes1, boxes1)), np.where(areas > 0, 1.0, 0.0))


def test_touching_zero_area_and_identical():
    boxes = [[0, 0, 2, 2], [2, 0, 4, 2], [1, 1, 1, 1], [0, 0, 2, 2]]
    iou = box_iou(boxes, boxes)
    assert iou[0, 1] == 0 and iou[2, 2] == 0 and iou[0, 3] == 1.0


def test_no_overflow_at_int32_limits():
    top = 2**31 - 1
    boxes = np.array([[-(2**31), -(2**31), top, top], [0, 0, top, top]], np.int32)
    expected = float(Fraction(top**2, (2**32 - 1) ** 2))
    np.testing.assert_allclose(box_iou(boxes, boxes)[0, 1], expected, rtol=1e-12)


def test_pairs_agree_with_the_matrix():
    boxes = random_boxes(800, 400, 60, seed=3)
    pairs = find_pairs(boxes)
    np.testing.assert_array_equal(box_iou_pairs(boxes, boxes, pairs), box_iou(boxes, boxes)[pairs[0], pairs[1]])
    others = random_boxes(300, 400, 60, seed=4).astype(np.float32)
    between = find_pairs_between(boxes, others)
    dense = box_iou(boxes, others)
    np.testing.assert_array_equal(box_iou_pairs(boxes, others, between), dense[between[0], between[1]])
    assert (dense[between[0], between[1]] > 0).all()
    assert np.count_nonzero(dense) == between.shape[1]


def test_formats_and_empty():
    assert box_iou(np.empty((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    assert box_iou_pairs([[0, 0, 1, 1]], [[0, 0, 1, 1]], np.empty((2, 0), int)).shape == (0,)
    np.testing.assert_array_equal(box_iou([[1, 1, 2, 2]], [[1, 1, 2, 2]], fmt="cxcywh"), [[1.0]])


def test_bad_input():
    with pytest.raises(ValueError, match="boxes2"):
        box_iou([[0, 0, 1, 1]], [[0, 0, 1]])
    with pytest.raises(ValueError, match=r"pairs: expected row 0 within \[0, 1\)"):
        box_iou_pairs([[0, 0, 1, 1]], [[0, 0, 1, 1]], [[1], [0]])
    with pytest.raises(TypeError, match="pairs"):
        box_iou_pairs([[0, 0, 1, 1]], [[0, 0, 1, 1]], [[0.0], [0.0]])
