"""Overlap modes of box_iou / box_iou_pairs against a float64 numpy transcription of their formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boxgeom import box_iou, box_iou_pairs, find_pairs_between
from boxgeom.iou import MODES


def ratio(num, den):
    """num / den elementwise, 0 where den is 0."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64))
    out = np.zeros(num.shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def oracle(a, b, mode):
    """The (n, m) measure ``mode`` of boxes a (n, 4) and b (m, 4), written from the formulas, in float64."""
    a = np.asarray(a, dtype=np.float64)[:, None, :]
    b = np.asarray(b, dtype=np.float64)[None, :, :]
    wa, ha = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
    wb, hb = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    area_a, area_b = wa * ha, wb * hb
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    union = area_a + area_b - inter
    iou = ratio(inter, union)
    if mode == "iou":
        return iou
    if mode == "iof":
        return ratio(inter, area_a)
    if mode == "ioa":
        return ratio(inter, area_b)
    if mode == "ios":
        return ratio(inter, np.minimum(area_a, area_b))
    cw = np.maximum(a[..., 2], b[..., 2]) - np.minimum(a[..., 0], b[..., 0])
    ch = np.maximum(a[..., 3], b[..., 3]) - np.minimum(a[..., 1], b[..., 1])
    if mode == "giou":
        enclosing = cw * ch
        return iou - ratio(enclosing - union, enclosing)
    dx = (a[..., 0] + a[..., 2]) / 2 - (b[..., 0] + b[..., 2]) / 2
    dy = (a[..., 1] + a[..., 3]) / 2 - (b[..., 1] + b[..., 3]) / 2
    diou = iou - ratio(dx**2 + dy**2, cw**2 + ch**2)
    if mode == "diou":
        return diou
    v = (4 / math.pi**2) * (np.arctan2(wb, hb) - np.arctan2(wa, ha)) ** 2
    return diou - ratio(v, 1 - iou + v) * v


# identical, nested, touching (edge and corner), disjoint, overlapping, zero-area (line, point), and far apart
ADVERSARIAL = np.array(
    [
        [0, 0, 4, 4],
        [0, 0, 4, 4],
        [1, 1, 2, 3],
        [4, 0, 6, 4],
        [4, 4, 5, 5],
        [10, 10, 12, 11],
        [2, 2, 6, 7],
        [3, 3, 3, 8],
        [2, 2, 2, 2],
        [0, 0, 0, 0],
        [-1000, -5, -999, 900],
    ]
)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_every_mode_matches_its_formula(mode, dtype):
    boxes = ADVERSARIAL.astype(dtype)
    want = oracle(boxes, boxes, mode)
    got = box_iou(boxes, boxes, mode=mode)
    assert got.dtype == np.float64 and got.shape == want.shape
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_aligned_and_pairs_are_the_matrix_cells(mode):
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 50, (60, 2))
    first = np.hstack([xy, xy + rng.uniform(0, 20, (60, 2))])
    xy = rng.uniform(0, 50, (60, 2))
    second = np.hstack([xy, xy + rng.uniform(0, 20, (60, 2))])
    matrix = box_iou(first, second, mode=mode)
    np.testing.assert_allclose(matrix, oracle(first, second, mode), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(box_iou(first, second, mode=mode, aligned=True), np.diag(matrix))
    pairs = find_pairs_between(first, second)
    np.testing.assert_array_equal(box_iou_pairs(first, second, pairs, mode=mode), matrix[pairs[0], pairs[1]])


def test_iou_mode_is_the_default():
    boxes = ADVERSARIAL
    np.testing.assert_array_equal(box_iou(boxes, boxes, mode="iou"), box_iou(boxes, boxes))
    np.testing.assert_array_equal(box_iou(boxes, boxes, mode="iou", aligned=True), np.diag(box_iou(boxes, boxes)))


def test_integer_differences_are_exact_at_large_coordinates():
    # float64 of x2 - x1 at 2**60 loses the unit width; the kernels difference in int64 first
    big = 2**60
    a = np.array([[big, big, big + 2, big + 2]], dtype=np.int64)
    b = np.array([[big + 1, big + 1, big + 3, big + 3]], dtype=np.int64)
    assert box_iou(a, b, mode="giou")[0, 0] == pytest.approx(1 / 7 - 2 / 9, abs=1e-12)
    assert box_iou(a, b, mode="diou")[0, 0] == pytest.approx(1 / 7 - 2 / 18, abs=1e-12)
    assert box_iou(a, b, mode="ios")[0, 0] == pytest.approx(0.25, abs=1e-12)


def test_huge_float_boxes_give_no_nan():
    # areas up to 1e300 are finite: the formulas hold; beyond, float64 overflows and the result is 0, never NaN
    boxes = np.array([[-1e150, -1e150, 1e150, 1e150], [0, 0, 1e150, 1e150], [1, 1, 2, 2]])
    for mode in MODES:
        np.testing.assert_allclose(box_iou(boxes, boxes, mode=mode), oracle(boxes, boxes, mode), rtol=1e-12, atol=1e-12)
    boxes = np.array([[-1e300, -1e300, 1e300, 1e300], [0, 0, 1e300, 1e300], [1, 1, 2, 2]])
    for mode in MODES:
        assert np.isfinite(box_iou(boxes, boxes, mode=mode)).all()


def test_iof_over_first_ioa_over_second():
    small, large = [[0, 0, 1, 1]], [[0, 0, 2, 2]]
    assert box_iou(small, large, mode="iof")[0, 0] == 1.0
    assert box_iou(small, large, mode="ioa")[0, 0] == 0.25
    assert box_iou(large, small, mode="ios")[0, 0] == 1.0


coordinate = st.integers(-50, 50)


@st.composite
def box_lists(draw, n=st.integers(1, 8)):
    count = draw(n)
    rows = []
    for _ in range(count):
        x, y = draw(coordinate), draw(coordinate)
        rows.append([x, y, x + draw(st.integers(0, 30)), y + draw(st.integers(0, 30))])
    return np.array(rows, dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(box_lists(), box_lists())
def test_mode_properties(first, second):
    iou = box_iou(first, second)
    giou = box_iou(first, second, mode="giou")
    diou = box_iou(first, second, mode="diou")
    ciou = box_iou(first, second, mode="ciou")
    np.testing.assert_array_equal(box_iou(first, second, mode="iof"), box_iou(second, first, mode="ioa").T)
    np.testing.assert_allclose(box_iou(first, second, mode="ios"), box_iou(second, first, mode="ios").T, atol=1e-15)
    assert (giou <= iou + 1e-15).all() and (giou >= -1 - 1e-15).all()
    assert (diou <= iou + 1e-15).all() and (diou >= -1 - 1e-15).all()
    assert (ciou <= diou + 1e-15).all()
    np.testing.assert_allclose(giou, box_iou(second, first, mode="giou").T, atol=1e-15)
    np.testing.assert_allclose(diou, box_iou(second, first, mode="diou").T, atol=1e-15)
    for mode in MODES:
        np.testing.assert_allclose(box_iou(first, second, mode=mode), oracle(first, second, mode), atol=1e-12)


def test_bad_mode_and_aligned_lengths():
    boxes = [[0, 0, 1, 1], [0, 0, 2, 2]]
    with pytest.raises(ValueError, match="mode"):
        box_iou(boxes, boxes, mode="dice")
    with pytest.raises(ValueError, match="mode"):
        box_iou_pairs(boxes, boxes, [[0], [1]], mode="IoU")
    with pytest.raises(ValueError, match="boxes2: expected length 2"):
        box_iou(boxes, boxes[:1], aligned=True)
    with pytest.raises(TypeError, match="aligned"):
        box_iou(boxes, boxes, aligned="yes")


def test_empty_inputs():
    empty = np.zeros((0, 4))
    for mode in MODES:
        assert box_iou(empty, [[0, 0, 1, 1]], mode=mode).shape == (0, 1)
        assert box_iou(empty, empty, mode=mode, aligned=True).shape == (0,)
        assert box_iou_pairs(empty, empty, np.zeros((2, 0), dtype=np.intp), mode=mode).shape == (0,)


# --------------------------------------------------------------------------- rotated boxes and quads

ROTATED_MODES = ("iou", "iof", "ioa", "ios")


def shapely_measures(corners1, corners2):
    """{mode: (n, m)} from shapely's intersection areas of the corner polygons."""
    import shapely

    first = shapely.polygons(corners1)
    second = shapely.polygons(corners2)
    inter = shapely.area(shapely.intersection(first[:, None], second[None, :]))
    area1, area2 = shapely.area(first)[:, None], shapely.area(second)[None, :]
    return {
        "iou": ratio(inter, area1 + area2 - inter),
        "iof": ratio(inter, np.broadcast_to(area1, inter.shape)),
        "ioa": ratio(inter, np.broadcast_to(area2, inter.shape)),
        "ios": ratio(inter, np.minimum(area1, area2)),
    }


@pytest.mark.parametrize("mode", ROTATED_MODES)
def test_rotated_modes_match_shapely(mode):
    from boxgeom import polygon_iou, rotated_corners, rotated_iou, rotated_iou_pairs
    from boxgeom.datasets import random_rotated_boxes

    first, second = random_rotated_boxes(40, 200, 80, seed=5), random_rotated_boxes(30, 200, 80, seed=6)
    first[:3] = second[:3]  # identical boxes
    first[3, 2:4] = first[3, 2:4] / 4  # a small box, likely nested
    corners1, corners2 = rotated_corners(first), rotated_corners(second)
    want = shapely_measures(corners1, corners2)[mode]
    got = rotated_iou(first, second, mode=mode)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert ((got >= 0) & (got <= 1)).all()
    np.testing.assert_array_equal(rotated_iou(first[:30], second, mode=mode, aligned=True), np.diag(got[:30]))
    quads1, quads2 = corners1.reshape(-1, 8), corners2.reshape(-1, 8)
    np.testing.assert_allclose(polygon_iou(quads1, quads2, mode=mode), want, rtol=0, atol=1e-9)
    pairs, values = rotated_iou_pairs(first, second, mode=mode)
    np.testing.assert_array_equal(values, got[pairs[0], pairs[1]])
    assert (got[pairs[0], pairs[1]] > 0).all() and np.count_nonzero(got) == pairs.shape[1]


def test_rotated_iof_and_ioa_swap():
    from boxgeom import rotated_iou
    from boxgeom.datasets import random_rotated_boxes

    first, second = random_rotated_boxes(25, 200, 60, seed=7), random_rotated_boxes(20, 200, 60, seed=8)
    np.testing.assert_array_equal(rotated_iou(first, second, mode="iof"), rotated_iou(second, first, mode="ioa").T)


def test_rotated_bad_mode():
    from boxgeom import polygon_iou, rotated_iou, rotated_iou_pairs

    box = [[0, 0, 2, 2, 0]]
    for call in (lambda: rotated_iou(box, box, mode="giou"), lambda: rotated_iou_pairs(box, mode="area"),
                 lambda: polygon_iou([[0, 0, 1, 0, 1, 1, 0, 1]], [[0, 0, 1, 0, 1, 1, 0, 1]], mode=None)):
        with pytest.raises(ValueError, match="mode"):
            call()
