"""Rotated rectangles: corners, areas, intersection, IoU (dense, aligned, sparse), NMS.

shapely is the oracle for intersection areas (polygons built from ``rotated_corners``);
errors are measured relative to the smaller box's area, since shapely itself is off by
about 1e-10 on aspect-1e6 boxes.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boxgeom import _nms, _threads
from boxgeom.datasets import random_rotated_boxes
from boxgeom.rotated import (
    polygon_iou,
    rotated_box_area,
    rotated_corners,
    rotated_intersection_area,
    rotated_iou,
    rotated_iou_pairs,
    rotated_nms,
)

TOL = 1e-9  # intersection error relative to the smaller box's area
DTYPES = [np.int32, np.int64, np.float32, np.float64]
HYPOTHESIS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers


def oracle_inter(boxes1, boxes2, **options):
    """shapely's intersection area of row i with row i (polygons from our corners).

    Both boxes are first moved by box 1's centre, so that shapely's own rounding of
    absolute corners (~1e-16 of the coordinates) does not swamp small boxes.
    """
    boxes1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 5)
    boxes2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 5)
    offset = np.zeros_like(boxes1)
    offset[:, :2] = boxes1[:, :2]
    p1 = shapely.polygons(rotated_corners(boxes1 - offset, **options))
    p2 = shapely.polygons(rotated_corners(boxes2 - offset, **options))
    return shapely.area(shapely.intersection(p1, p2))


def oracle_inter_local(box1, box2):
    """shapely's intersection area in the frame of ``box1`` (degrees, OpenCV convention).

    For needles whose absolute corners cannot be represented: ``box1`` becomes the exact
    axis-aligned rectangle (+-w/2, +-h/2).
    """
    cx, cy, w, h, angle = box1
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    dx, dy = box2[0] - cx, box2[1] - cy
    local = [c * dx + s * dy, c * dy - s * dx, box2[2], box2[3], box2[4] - angle]
    first = shapely.box(-w / 2, -h / 2, w / 2, h / 2)
    second = shapely.polygons(rotated_corners([local])[0])
    return shapely.area(shapely.intersection(first, second))


def assert_matches_oracle(boxes1, boxes2, **options):
    """Aligned intersection areas agree with shapely within TOL of the smaller area."""
    boxes1 = np.asarray(boxes1, dtype=np.float64).reshape(-1, 5)
    boxes2 = np.asarray(boxes2, dtype=np.float64).reshape(-1, 5)
    ours = rotated_intersection_area(boxes1, boxes2, aligned=True, **options)
    smaller = np.minimum(boxes1[:, 2] * boxes1[:, 3], boxes2[:, 2] * boxes2[:, 3])
    assert np.all(ours >= 0) and np.all(ours <= smaller)
    zero = smaller == 0
    assert np.all(ours[zero] == 0)
    expected = oracle_inter(boxes1[~zero], boxes2[~zero], **options)  # shapely warns on degenerate ones
    error = np.abs(ours[~zero] - expected) / smaller[~zero]
    assert error.max(initial=0.0) <= TOL, (error.max(), boxes1[~zero][error.argmax()], boxes2[~zero][error.argmax()])
    iou = rotated_iou(boxes1, boxes2, aligned=True, **options)
    assert np.all((iou >= 0) & (iou <= 1)) and not np.isnan(iou).any()
    return ours


def reference_nms(boxes, scores, threshold):
    """Textbook greedy NMS on the dense IoU matrix."""
    iou = rotated_iou(boxes, boxes)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    removed = np.zeros(len(order), dtype=bool)
    keep = []
    for i in order:
        if removed[i]:
            continue
        keep.append(i)
        removed |= iou[i] > threshold
    return np.array(keep, dtype=np.intp)


def scene(n, seed, region=200.0, max_size=40.0):
    return random_rotated_boxes(n, region, max_size, seed=seed)


# --------------------------------------------------------------------------- convention


def test_corners_worked_example_opencv():
    # w-axis (cos 30, sin 30) of length 4, h-axis (-sin 30, cos 30) of length 2
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    expected = np.array([[-2 * c + s, -2 * s - c], [2 * c + s, 2 * s - c], [2 * c - s, 2 * s + c], [-2 * c - s, -2 * s + c]])
    np.testing.assert_allclose(rotated_corners([[0, 0, 4, 2, 30]])[0], expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rotated_corners([[0, 0, 4, 2, math.pi / 6]], angle_unit="rad")[0], expected, atol=1e-15)


def test_corners_torchvision_is_opencv_with_negated_angle():
    boxes = scene(50, 1)
    flipped = boxes * [1, 1, 1, 1, -1]
    np.testing.assert_array_equal(rotated_corners(boxes, convention="torchvision"), rotated_corners(flipped))
    np.testing.assert_array_equal(
        rotated_iou(boxes, boxes, convention="torchvision"), rotated_iou(flipped, flipped)
    )


def test_corners_match_shapely_rotate():
    from shapely import affinity

    boxes = scene(20, 2)
    corners = rotated_corners(boxes)
    for box, quad in zip(boxes, corners):
        cx, cy, w, h, angle = box
        expected = affinity.rotate(shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), angle, origin=(cx, cy))
        assert shapely.Polygon(quad).symmetric_difference(expected).area <= 1e-9 * w * h


def test_corners_match_opencv_box_points():
    cv2 = pytest.importorskip("cv2")
    boxes = scene(20, 3)
    corners = rotated_corners(boxes)
    for box, quad in zip(boxes, corners):
        points = cv2.boxPoints(((box[0], box[1]), (box[2], box[3]), box[4]))
        # same set of corners (OpenCV starts elsewhere and works in float32)
        distance = np.abs(points[:, None, :] - quad[None, :, :]).max(axis=2)
        assert distance.min(axis=1).max() < 1e-3


def test_corners_are_exact_at_multiples_of_90_degrees():
    corners = rotated_corners([[0, 0, 4, 2, angle] for angle in (0, 90, 180, 270, -90, 360, 450, -720)])
    assert set(np.abs(corners).ravel().tolist()) == {1.0, 2.0}
    np.testing.assert_array_equal(corners[1], corners[4][[2, 3, 0, 1]])
    np.testing.assert_array_equal(corners[0], corners[5])


def test_area():
    np.testing.assert_array_equal(rotated_box_area([[1, 2, 3, 4, 50], [0, 0, 0, 5, 0]]), [12.0, 0.0])
    assert rotated_box_area(np.zeros((0, 5))).shape == (0,)


# --------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("angle_unit", ["deg", "rad"])
@pytest.mark.parametrize("convention", ["opencv", "torchvision"])
def test_random_scene_matches_shapely(angle_unit, convention):
    boxes = scene(120, 4)
    if angle_unit == "rad":
        boxes[:, 4] = np.radians(boxes[:, 4])
    i, j = np.triu_indices(len(boxes), 1)
    assert_matches_oracle(boxes[i], boxes[j], angle_unit=angle_unit, convention=convention)


def test_dense_matches_aligned_and_is_symmetric():
    boxes = scene(80, 5)
    dense = rotated_iou(boxes, boxes)
    np.testing.assert_array_equal(dense, dense.T)
    np.testing.assert_array_equal(np.diag(dense), 1.0)
    i, j = np.triu_indices(len(boxes), 1)
    np.testing.assert_array_equal(rotated_iou(boxes[i], boxes[j], aligned=True), dense[i, j])
    area = rotated_intersection_area(boxes, boxes)
    areas = boxes[:, 2] * boxes[:, 3]
    union = areas[:, None] + areas[None, :] - area
    np.testing.assert_allclose(dense, area / union, rtol=1e-14)


def test_few_rows_take_the_lazy_path_with_identical_results():
    boxes = scene(300, 18)
    full = rotated_iou(boxes, boxes)  # > 64 rows: every column prepared
    for rows in (1, 5, 64):
        np.testing.assert_array_equal(rotated_iou(boxes[:rows], boxes), full[:rows])


# --------------------------------------------------------------------------- hypothesis

coordinate = st.floats(-1e3, 1e3, allow_nan=False)
size = st.one_of(st.floats(1e-3, 1e3), st.just(0.0))
angle = st.floats(-1e4, 1e4, allow_nan=False)
box = st.tuples(coordinate, coordinate, size, size, angle)


@st.composite
def nearby_pair(draw):
    """Two boxes that often overlap: the second is the first, perturbed."""
    a = draw(box)
    kind = draw(st.sampled_from(["free", "shift", "rotate", "scale"]))
    if kind == "free":
        return a, draw(box)
    scale = max(a[2], a[3], 1e-3)
    shift = draw(st.floats(-1, 1)) * scale, draw(st.floats(-1, 1)) * scale
    b = list(a)
    if kind == "shift":
        b[0] += shift[0]
        b[1] += shift[1]
    elif kind == "rotate":
        b[4] += draw(st.sampled_from([1e-9, 1e-6, 1e-3, 1.0, 45.0, 90.0, 180.0])) * draw(st.sampled_from([-1, 1]))
    else:
        b[2] *= draw(st.floats(0.5, 2))
        b[3] *= draw(st.floats(0.5, 2))
    return a, tuple(b)


@HYPOTHESIS
@given(nearby_pair())
def test_hypothesis_matches_shapely(pair):
    a, b = pair
    assert_matches_oracle([a], [b])


@HYPOTHESIS
@given(nearby_pair())
def test_hypothesis_symmetric_and_bounded(pair):
    a, b = pair
    ab = rotated_iou([a], [b])[0, 0]
    ba = rotated_iou([b], [a])[0, 0]
    assert ab == ba
    assert 0.0 <= ab <= 1.0
    assert rotated_intersection_area([a], [b])[0, 0] == rotated_intersection_area([b], [a])[0, 0]


@HYPOTHESIS
@given(box)
def test_hypothesis_self_iou_is_one(a):
    iou = rotated_iou([a], [a])[0, 0]
    assert iou == (1.0 if a[2] * a[3] > 0 else 0.0)


@HYPOTHESIS
@given(nearby_pair(), st.floats(-500, 500), st.floats(-500, 500), st.floats(-180, 180))
def test_hypothesis_rigid_motion_invariance(pair, tx, ty, turn):
    a, b = np.array(pair, dtype=np.float64)
    before = rotated_intersection_area([a], [b])[0, 0]
    c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))

    def move(row):
        x, y = row[0], row[1]
        return [c * x - s * y + tx, s * x + c * y + ty, row[2], row[3], row[4] + turn]

    after = rotated_intersection_area([move(a)], [move(b)])[0, 0]
    smaller = min(a[2] * a[3], b[2] * b[3])
    # moving the centres rounds them by ~1e-16 of their magnitude (up to ~1e3)
    extent = 2e3 + max(a[2], a[3], b[2], b[3])
    assert abs(after - before) <= TOL * smaller + 1e-12 * extent * max(a[2], a[3], b[2], b[3])


# --------------------------------------------------------------------------- anchor failures


def test_identical_boxes_detectron2_2154_mmcv_2621_rrpn_44_rotated_maskrcnn_46():
    boxes = np.array(
        [
            [296.6620178222656, 458.73883056640625, 23.515729904174805, 47.677001953125, 0.08795166015625],
            [0.0, 0.0, 180.6422271729, 136.3633728027, 0.9559648633 * 180 / math.pi],
            [46.83, 44.03, 3.9, 1.63, 0.0],
            [672.4067, 290.7776, 791.0275, 38.9333, 34.1454],
            [0.0, 0.0, 2.0, 2.0, 45.0],
            [1e6, -1e6, 1e-6, 1.0, 33.0],
        ]
    )
    for dtype in (np.float32, np.float64):
        cast = boxes.astype(dtype)
        np.testing.assert_array_equal(rotated_iou(cast, cast, aligned=True), 1.0)
        np.testing.assert_array_equal(np.diag(rotated_iou(cast, cast)), 1.0)
    np.testing.assert_array_equal(rotated_iou(boxes, boxes, aligned=True, angle_unit="rad"), 1.0)


def test_nearly_identical_boxes_detectron2_2154_2167():
    # detectron2 gave 0.600 and 0.585 where the answer is 1 to ~1e-6 (torchvision convention, degrees)
    boxes1 = [
        [296.6620178222656, 458.73883056640625, 23.515729904174805, 47.677001953125, 0.08795166015625],
        [2563.74462890625, 1436.7901611328125, 2174.703369140625, 214.09500122070312, 115.11834716796875],
    ]
    boxes2 = [
        [296.66201, 458.73882000000003, 23.51573, 47.67702, 0.087951],
        [2563.74462890625, 1436.7902832031250, 2174.702880859375, 214.09495544433594, 115.11835479736328],
    ]
    options = dict(convention="torchvision")
    assert_matches_oracle(boxes1, boxes2, **options)
    assert np.all(rotated_iou(boxes1, boxes2, aligned=True, **options) > 0.9999)


def test_equivalent_descriptions_rrpn_44():
    # RRPN scored 1.35 for these (radians): a swapped-size box at 1.45 rad, not quite 90 degrees
    a, b = [46.83, 44.03, 3.9, 1.63, 0.0], [46.83, 44.03, 1.63, 3.9, 1.45]
    assert_matches_oracle([a], [b], angle_unit="rad")
    base = np.array([[10.0, 20.0, 30.0, 7.0, 37.3], [0.5, -0.25, 1e-3, 2.0, -123.0]])
    same = np.vstack(
        [
            base[:, [0, 1, 3, 2, 4]] + [0, 0, 0, 0, 90],
            base + [0, 0, 0, 0, 180],
            base + [0, 0, 0, 0, -360],
            base[:, [0, 1, 3, 2, 4]] + [0, 0, 0, 0, -270],
        ]
    )
    iou = rotated_iou(np.tile(base, (4, 1)), same, aligned=True)
    assert np.all(np.abs(iou - 1.0) <= 1e-9)


def test_thin_boxes_never_negative_or_huge_detectron2_350_mmcv_2952():
    # mmcv gave -12128368 and 6.05 (radians, mmcv's default convention = ours)
    needle = [1.3507e02, 4.0672e02, 7.9445e-7, 1.9711e3, 1.7708]
    longer = [1.3507e02, 4.0672e02, 7.9445e-7, 1.9711e10, 1.7708]
    other = [151.0080, 436.2173, 302.0159, 313.7347, 3.1184]
    inter = rotated_intersection_area([needle, longer], [other, other], aligned=True, angle_unit="rad")
    # the needle's absolute corners are rounded by ~1e-13, a 1e-7 part of its width:
    # the oracle works in the needle's frame, where it is exact
    in_degrees = [np.r_[row[:4], math.degrees(row[4])] for row in (needle, other)]
    expected = oracle_inter_local(*in_degrees)
    assert abs(inter[0] - expected) <= TOL * needle[2] * needle[3]
    # both needles cross the other box along the same chord
    assert inter[0] > 0 and abs(inter[1] - inter[0]) <= 1e-6 * inter[0]
    iou = rotated_iou([needle, longer], [other, other], aligned=True, angle_unit="rad")
    assert np.all((iou >= 0) & (iou <= 1e-6))
    # mmrotate #26: tiny predictions against large ground truth
    tiny = [[903.34, 1034.4, 1.81e-7, 1e-7, -0.312]]
    gt = [[215.25, 75.75, 33.204, 12.649, 0.32175], [852.5, 702.5, 761.81, 382.0, -1.3984]]
    iou = rotated_iou(tiny, gt, angle_unit="rad")
    assert np.all((iou >= 0) & (iou <= 1e-12))


def test_disjoint_boxes_score_zero_detectron2_1207():
    # detectron2's CUDA kernel gave 0.2655: the IoU of these boxes in the *other* convention
    boxes1 = [[160.0, 153.0, 230.0, 23.0, -37.0]]
    boxes2 = [[190.0, 127.0, 80.0, 21.0, -46.0]]
    assert oracle_inter(boxes1, boxes2, convention="torchvision")[0] == 0
    assert rotated_iou(boxes1, boxes2, convention="torchvision")[0, 0] == 0.0
    assert_matches_oracle(boxes1, boxes2)
    assert rotated_iou(boxes1, boxes2)[0, 0] > 0.2


def test_convention_decides_overlap_detectron2_4961():
    # reported as disjoint (drawn in OpenCV's convention); in detectron2's own
    # convention they do overlap, and detectron2's 0.3688 is right
    boxes1 = [[1010.5, 860.00012207, 12.20655537, 48.82622528, 55.00798035]]
    boxes2 = [[1022, 870.49993896, 10.81665134, 43.26660919, 56.30992889]]
    assert rotated_iou(boxes1, boxes2)[0, 0] == 0.0
    assert_matches_oracle(boxes1, boxes2, convention="torchvision")
    assert abs(rotated_iou(boxes1, boxes2, convention="torchvision")[0, 0] - 0.3688) < 1e-4


def test_collinear_edges_full_area_opencv_23546():
    a = [824.6421183672817, 280.28737007069833, 565.0, 140.0, -177.80506896972656]
    b = [567.3310438828003, 270.42527355719545, 275.0, 50.0, 92.19493103027344]
    area = assert_matches_oracle([a], [b])[0]
    assert 6900 < area < 7100  # OpenCV 4.7 returned about half


def test_far_from_origin_opencv_19824():
    box1 = np.array([246805.033, 4002326.94, 26.40587, 6.20026, -62.10156])
    box2 = np.array([246805.122, 4002326.59, 27.4821, 8.5361, -56.33761])
    offset = np.array([246805.0, 4002326.0, 0, 0, 0])  # exact subtraction (Sterbenz)
    near = rotated_intersection_area([box1 - offset], [box2 - offset])[0, 0]
    far = rotated_intersection_area([box1], [box2])[0, 0]
    assert abs(far - near) <= TOL * min(box1[2] * box1[3], box2[2] * box2[3])
    assert_matches_oracle([box1 - offset], [box2 - offset])


@pytest.mark.parametrize("offset", [1e6, -3e7, 2.0**40])
def test_translation_to_large_offsets_is_exact_enough(offset):
    boxes = scene(60, 6)
    boxes[:, :2] = np.round(boxes[:, :2] * 1024) / 1024  # exactly representable after the shift
    shifted = boxes + [offset, -offset, 0, 0, 0]
    areas = boxes[:, 2] * boxes[:, 3]
    near = rotated_intersection_area(boxes, boxes)
    far = rotated_intersection_area(shifted, shifted)
    assert np.all(np.abs(far - near) <= TOL * np.minimum.outer(areas, areas))


def test_zero_size_boxes_opencv_18520():
    boxes1 = [[2, 2, 0, 0, 0], [50, 50, 0, 4, 0], [50, 50, 4, -0.0, 30], [50, 50, 0, 0, 0]]
    boxes2 = [[50, 50, 4, 4, 0]] * 4
    np.testing.assert_array_equal(rotated_iou(boxes1, boxes2, aligned=True), 0.0)
    np.testing.assert_array_equal(rotated_intersection_area(boxes1, boxes2, aligned=True), 0.0)
    np.testing.assert_array_equal(rotated_iou(boxes1, boxes1, aligned=True), 0.0)
    pairs, iou = rotated_iou_pairs(boxes1 + boxes2)
    assert pairs.shape == (2, 6) and np.all(pairs[1] >= 4)  # only the 4x4 boxes pair up


@pytest.mark.parametrize("delta", [1e-9, 1e-7, 1e-6, 1e-5, 1e-4])
def test_tiny_relative_rotations(delta):
    base = np.array([[0.0, 0.0, 10.0, 4.0, 0.3], [5.0, 5.0, 1e3, 1.0, -1.2], [0.0, 0.0, 1.0, 1.0, 0.7]])
    turned = base + [0, 0, 0, 0, delta]
    assert_matches_oracle(base, turned, angle_unit="rad")
    assert_matches_oracle(base, base - [0, 0, 0, 0, delta], angle_unit="rad")
    iou = rotated_iou(base, turned, aligned=True, angle_unit="rad")
    assert np.all(iou < 1.0) and np.all(iou > 1 - 1e3 * delta)


@pytest.mark.parametrize("theta", [0.0, 30.0, 45.0, 90.0, 123.4])
def test_shared_edges_and_corner_touching(theta):
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    a = [3.0, -2.0, 4.0, 2.0, theta]
    right = [3.0 + 4 * c, -2.0 + 4 * s, 4.0, 2.0, theta]  # shares the right edge
    above = [3.0 - 2 * s, -2.0 + 2 * c, 4.0, 2.0, theta]  # shares the top edge
    corner = [3.0 + 4 * c - 2 * s, -2.0 + 4 * s + 2 * c, 4.0, 2.0, theta]  # touches at a corner
    half = [3.0 + 2 * c, -2.0 + 2 * s, 4.0, 2.0, theta]  # overlaps half, collinear edges
    ours = assert_matches_oracle([a] * 4, [right, above, corner, half])
    assert np.all(ours[:3] <= TOL * 8)
    assert abs(ours[3] - 4.0) <= TOL * 8


def test_containment():
    outer = [0.0, 0.0, 100.0, 50.0, 20.0]
    inner = [[0.0, 0.0, 1.0, 2.0, a] for a in (0.0, 33.0, 90.0, -170.0)]
    inner += [[40.0, 0.0, 1e-3, 1e-3, 5.0], [0.0, 0.0, 100.0, 50.0 * (1 - 1e-12), 20.0]]
    ours = assert_matches_oracle([outer] * len(inner), inner)
    np.testing.assert_array_equal(ours, [r[2] * r[3] for r in inner])  # the subject is returned whole
    np.testing.assert_array_equal(rotated_intersection_area(inner, [outer] * len(inner), aligned=True), ours)


def test_aspect_one_million():
    thin = [0.0, 0.0, 1e6, 1.0, 10.0]
    others = [
        [0.0, 0.0, 1e6, 1.0, 10.0 + 1e-7],  # almost parallel
        [3e5, 5e4, 1e6, 1.0, 10.0],  # same line, shifted along it
        [0.0, 0.0, 1e6, 1.0, 100.0],  # crossing
        [0.0, 0.5, 1e6, 1.0, 10.0],  # shifted across by half its width
        [1.0, 1.0, 1.0, 1e6, 80.0],  # crossing at 70 degrees
    ]
    assert_matches_oracle([thin] * len(others), others)
    tiny = [[0.0, 0.0, 1e-3, 1e-9, 10.0]] * 2
    assert_matches_oracle(tiny, [[0, 0, 1e-3, 1e-9, 10.0 + 1e-6], [0, 0, 1e-9, 1e-3, 45.0]])


def test_angles_beyond_two_pi():
    rng = np.random.default_rng(7)
    base = scene(40, 7)
    base[:, 4] = np.round(base[:, 4] * 64) / 64  # so that adding 360 k is exact
    turns = rng.integers(-1000, 1000, size=40)
    degrees = base + np.c_[np.zeros((40, 4)), 360.0 * turns]
    i, j = np.triu_indices(40, 1)
    # in degrees the reduction is exact: the same IoU bit for bit
    np.testing.assert_array_equal(rotated_iou(degrees, degrees), rotated_iou(base, base))
    radians = base.copy()
    radians[:, 4] = np.radians(base[:, 4]) + 2 * np.pi * turns
    assert_matches_oracle(radians[i], radians[j], angle_unit="rad")
    np.testing.assert_allclose(rotated_iou(radians, radians, angle_unit="rad"), rotated_iou(base, base), atol=1e-9)
    huge = base.copy()
    huge[:, 4] = rng.uniform(-1e12, 1e12, size=40)
    assert_matches_oracle(huge[i], huge[j])
    assert_matches_oracle(huge[i], huge[j], angle_unit="rad")


def adversarial(kind, n, seed):
    """Pairs of boxes from one family of hard cases (sizes 1e-3 to 1e3, aspect to 1e6)."""
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(-100, 100, n), rng.uniform(-100, 100, n)
    w = 10 ** rng.uniform(-3, 3, n)
    h = w * 10 ** rng.uniform(-6 if kind == "thin" else -1, 0, n)
    a = rng.uniform(-400, 400, n)
    first = np.c_[cx, cy, w, h, a]
    if kind == "near":  # tiny shifts and rotations (1e-12 to 0.1 degree)
        turn = 10 ** rng.uniform(-12, -1, n) * rng.choice([-1, 1], n)
        second = first + np.c_[rng.normal(0, 1e-6, (n, 2)) * w[:, None], np.zeros((n, 2)), turn]
    elif kind == "equivalent":  # the same box, described with w and h swapped and +90 k
        k = rng.integers(0, 4, n)
        second = first.copy()
        odd = k % 2 == 1
        second[odd, 2], second[odd, 3] = first[odd, 3], first[odd, 2]
        second[:, 4] += 90 * k
    elif kind == "thin":  # needles crossing at shallow angles
        second = np.c_[
            cx + rng.uniform(-0.5, 0.5, n) * w,
            cy + rng.uniform(-0.5, 0.5, n) * w,
            w * rng.uniform(0.5, 2, n),
            h * rng.uniform(0.5, 2, n),
            a + rng.uniform(-90, 90, n) * 10 ** rng.uniform(-8, 0, n),
        ]
    elif kind == "edge":  # neighbours sharing an edge
        c, s = np.cos(np.radians(a)), np.sin(np.radians(a))
        second = np.c_[cx + w * c, cy + w * s, w, h * rng.uniform(0.5, 2, n), a]
    else:  # "scale": sizes differing by up to 1e4, containment
        second = np.c_[
            cx + rng.uniform(-1, 1, n) * w,
            cy + rng.uniform(-1, 1, n) * w,
            w * 10 ** rng.uniform(-3, 1, n),
            h * 10 ** rng.uniform(-3, 1, n),
            rng.uniform(-400, 400, n),
        ]
    return first, second


@pytest.mark.parametrize("kind", ["near", "equivalent", "thin", "edge", "scale"])
def test_adversarial_families_match_shapely(kind):
    first, second = adversarial(kind, 3000, seed=len(kind))
    assert_matches_oracle(first, second)
    if kind == "equivalent":
        assert np.all(np.abs(rotated_iou(first, second, aligned=True) - 1) <= 1e-9)


# --------------------------------------------------------------------------- dtypes and layouts


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes(dtype):
    boxes = np.round(scene(40, 8)).astype(dtype)
    as_float = boxes.astype(np.float64)
    np.testing.assert_array_equal(rotated_iou(boxes, boxes), rotated_iou(as_float, as_float))
    np.testing.assert_array_equal(rotated_iou(boxes, as_float), rotated_iou(as_float, as_float))
    np.testing.assert_array_equal(rotated_corners(boxes), rotated_corners(as_float))
    pairs, iou = rotated_iou_pairs(boxes)
    expected_pairs, expected_iou = rotated_iou_pairs(as_float)
    np.testing.assert_array_equal(pairs, expected_pairs)
    np.testing.assert_array_equal(iou, expected_iou)
    np.testing.assert_array_equal(rotated_nms(boxes, np.arange(40.0), 0.3), rotated_nms(as_float, np.arange(40.0), 0.3))


def test_small_integer_types_are_widened():
    boxes = np.array([[10, 10, 4, 2, 30], [11, 10, 4, 2, -30]], dtype=np.int16)
    np.testing.assert_array_equal(rotated_iou(boxes, boxes), rotated_iou(boxes.astype(float), boxes.astype(float)))


def test_layouts_fortran_strided_read_only():
    boxes = scene(60, 9)
    expected = rotated_iou(boxes, boxes)
    fortran = np.asfortranarray(boxes)
    strided = np.repeat(boxes, 2, axis=0)[::2]
    read_only = boxes.copy()
    read_only.flags.writeable = False
    for variant in (fortran, strided, read_only, boxes.tolist()):
        np.testing.assert_array_equal(rotated_iou(variant, variant), expected)
        np.testing.assert_array_equal(rotated_iou_pairs(variant)[1], rotated_iou_pairs(boxes)[1])


# --------------------------------------------------------------------------- sparse pairs


@pytest.mark.parametrize("min_iou", [0.0, 0.1, 0.5, 1.0])
def test_pairs_self_join_equals_dense(min_iou):
    boxes = scene(300, 10)
    boxes[5] = boxes[4]  # an identical pair
    dense = rotated_iou(boxes, boxes)
    i, j = np.nonzero(np.triu(dense > min_iou, 1))
    pairs, iou = rotated_iou_pairs(boxes, min_iou=min_iou)
    assert pairs.dtype == np.intp and pairs.shape == (2, len(i))
    np.testing.assert_array_equal(pairs, np.vstack([i, j]))
    np.testing.assert_array_equal(iou, dense[i, j])


@pytest.mark.parametrize("min_iou", [0.0, 0.3])
def test_pairs_between_equals_dense(min_iou):
    boxes1, boxes2 = scene(200, 11), scene(150, 12)
    dense = rotated_iou(boxes1, boxes2)
    i, j = np.nonzero(dense > min_iou)
    pairs, iou = rotated_iou_pairs(boxes1, boxes2, min_iou=min_iou)
    np.testing.assert_array_equal(pairs, np.vstack([i, j]))
    np.testing.assert_array_equal(iou, dense[i, j])
    # a set against itself keeps (i, i)
    assert np.all(np.isin(np.arange(200), rotated_iou_pairs(boxes1, boxes1)[0][0]))


def test_pairs_torchvision_radians():
    boxes = scene(150, 13)
    boxes[:, 4] = np.radians(boxes[:, 4])
    options = dict(angle_unit="rad", convention="torchvision")
    dense = rotated_iou(boxes, boxes, **options)
    i, j = np.nonzero(np.triu(dense > 0, 1))
    pairs, iou = rotated_iou_pairs(boxes, **options)
    np.testing.assert_array_equal(pairs, np.vstack([i, j]))


# --------------------------------------------------------------------------- NMS


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_nms_matches_reference(threshold):
    boxes = scene(250, 14, region=150)
    rng = np.random.default_rng(int(threshold * 10))
    scores = rng.integers(0, 20, size=250).astype(np.float64)  # many ties
    keep = rotated_nms(boxes, scores, threshold)
    assert keep.dtype == np.intp
    np.testing.assert_array_equal(keep, reference_nms(boxes, scores, threshold))


def test_nms_semantics():
    boxes = [[0, 0, 4, 2, 0], [0, 0, 4, 2, 0], [0, 0, 4, 2, 0], [20, 20, 1, 1, 0]]
    # ties by lower index; identical boxes (IoU 1) are not suppressed at threshold 1
    np.testing.assert_array_equal(rotated_nms(boxes, [1, 1, 1, 0], 0.5), [0, 3])
    np.testing.assert_array_equal(rotated_nms(boxes, [1, 1, 1, 0], 1.0), [0, 1, 2, 3])
    np.testing.assert_array_equal(rotated_nms(boxes, [0, 2, 1, -np.inf], 0.99), [1, 3])
    # suppression only by kept boxes: 0 suppresses 1, so 1 cannot suppress 2
    chain = [[0, 0, 2, 2, 0], [1.2, 0, 2, 2, 0], [2.4, 0, 2, 2, 0]]
    np.testing.assert_array_equal(rotated_nms(chain, [3, 2, 1], 0.2), [0, 2])
    assert rotated_nms(np.zeros((0, 5)), [], 0.5).shape == (0,)


def test_suppress_kernel_generic_graph():
    # 0 -> 2, 1 -> 0, 3 -> (none); visiting order 1, 0, 2, 3
    indptr = np.array([0, 1, 2, 2, 2], dtype=np.int64)
    indices = np.array([2, 0], dtype=np.intp)
    keep = np.empty(4, dtype=np.intp)
    count = _nms.greedy_suppress(np.array([1, 0, 2, 3], dtype=np.intp), indptr, indices, keep)
    np.testing.assert_array_equal(keep[:count], [1, 2, 3])
    count = _nms.greedy_suppress(np.array([0, 1, 2, 3], dtype=np.intp), indptr, indices, keep)
    np.testing.assert_array_equal(keep[:count], [0, 1, 3])


# --------------------------------------------------------------------------- threads


def test_thread_count_does_not_change_results(monkeypatch):
    # small inputs run on one thread whatever n_threads says: lower the thresholds
    for name in ("rotated_pairs", "rotated_cells", "rotated_boxes"):
        monkeypatch.setitem(_threads.PARALLEL_FROM, name, 0)
    boxes = scene(400, 15)
    scores = np.random.default_rng(0).random(400)
    for n_threads in (2, -1):
        np.testing.assert_array_equal(rotated_iou(boxes, boxes, n_threads=n_threads), rotated_iou(boxes, boxes, n_threads=1))
        for got, want in zip(rotated_iou_pairs(boxes, n_threads=n_threads), rotated_iou_pairs(boxes, n_threads=1)):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(rotated_nms(boxes, scores, 0.3, n_threads=n_threads), rotated_nms(boxes, scores, 0.3, n_threads=1))


def test_concurrent_python_threads():
    boxes = scene(300, 16)
    expected = rotated_iou(boxes, boxes, n_threads=1)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: rotated_iou(boxes, boxes, n_threads=1), range(8)))
    for result in results:
        np.testing.assert_array_equal(result, expected)


# --------------------------------------------------------------------------- polygons


def test_polygon_iou_matches_rotated_iou():
    boxes = scene(60, 17)
    quads = rotated_corners(boxes).reshape(-1, 8)
    np.testing.assert_allclose(polygon_iou(quads, quads), rotated_iou(boxes, boxes), rtol=0, atol=1e-12)
    clockwise = quads.reshape(-1, 4, 2)[:, [0, 3, 2, 1]].reshape(-1, 8)
    np.testing.assert_array_equal(polygon_iou(clockwise, quads), polygon_iou(quads, quads))
    np.testing.assert_array_equal(polygon_iou(quads, quads[::-1], aligned=True), np.diag(polygon_iou(quads, quads[::-1])))


def test_polygon_iou_general_quads_against_shapely():
    quads = np.array([[0, 0, 4, 0, 5, 3, 1, 2], [1, 1, 3, 0, 3, 3, 2, 4], [0, 0, 4, 0, 4, 0, 0, 3]], dtype=np.float64)
    ours = polygon_iou(quads, quads)
    polygons = shapely.polygons(quads.reshape(-1, 4, 2))
    inter = shapely.area(shapely.intersection(polygons[:, None], polygons[None, :]))
    union = shapely.area(polygons)[:, None] + shapely.area(polygons)[None, :] - inter
    np.testing.assert_allclose(ours, inter / union, rtol=0, atol=1e-12)


def test_polygon_iou_rejects_non_convex():
    with pytest.raises(ValueError, match=r"quads2: .*row 1"):
        polygon_iou([[0, 0, 1, 0, 1, 1, 0, 1]], [[0, 0, 1, 0, 1, 1, 0, 1], [0, 0, 2, 0, 0.5, 0.5, 0, 2]])
    with pytest.raises(ValueError, match="quads1"):
        polygon_iou([[0, 0, 1, 1, 1, 0, 0, 1]], [[0, 0, 1, 0, 1, 1, 0, 1]])  # bow tie
    with pytest.raises(ValueError, match="quads1"):
        polygon_iou([[0, 0, 1, 0]], [[0, 0, 1, 0, 1, 1, 0, 1]])


def test_polygon_iou_accepts_rounded_collinear_quads():
    # a segment with a rounded midpoint: every turn is rounding noise, of both signs
    first, last = np.array([0.0, -1e149]), np.array([1e149, -2e149])
    middle = first / 2 + last / 2
    segment = np.array([[first, middle, last, middle]])
    assert polygon_iou(segment, segment).tolist() == [[0.0]]
    assert polygon_iou(segment.reshape(1, 8), [[0, 0, 1, 0, 1, 1, 0, 1]]).tolist() == [[0.0]]
    with pytest.raises(ValueError, match="quads1: expected convex"):  # a dent far from the origin is still one
        polygon_iou(np.array([[0, 0, 2, 0, 0.5, 0.5, 0, 2]]) * 1e140 + 1e145, [[0, 0, 1, 0, 1, 1, 0, 1]])


# --------------------------------------------------------------------------- bad and empty input


@pytest.mark.parametrize(
    "boxes, match",
    [
        ([[0, 0, 1, 1, np.nan]], r"boxes1: .*row 0"),
        ([[0, 0, 1, 1, 0], [0, np.inf, 1, 1, 0]], r"boxes1: .*row 1"),
        ([[0, 0, 1, 1, 0], [0, 0, 1, 1, 0], [0, 0, -1, 1, 0]], r"boxes1: .*negative.*row 2"),
        ([[0, 0, 1, -1e-300, 0]], r"boxes1: .*negative.*row 0"),
        ([[0, 0, 1, 1]], r"boxes1: expected shape \(n, 5\)"),
        ([[[0, 0, 1, 1, 0]]], r"boxes1: expected shape"),
        ([[1e200, 0, 1, 1, 0]], r"boxes1: .*row 0"),
    ],
)
def test_bad_boxes(boxes, match):
    with pytest.raises(ValueError, match=match):
        rotated_iou(boxes, [[0, 0, 1, 1, 0]])
    with pytest.raises(ValueError, match=match):
        rotated_iou_pairs(boxes)
    with pytest.raises(ValueError, match=match.replace("boxes1", "boxes")):
        rotated_nms(boxes, np.zeros(len(boxes)), 0.5)


def test_bad_arguments():
    ok = [[0, 0, 1, 1, 0]]
    with pytest.raises(ValueError, match="boxes2: expected length 1 to match boxes1, got 2"):
        rotated_iou(ok, ok * 2, aligned=True)
    with pytest.raises(ValueError, match="angle_unit"):
        rotated_iou(ok, ok, angle_unit="degrees")
    with pytest.raises(ValueError, match="convention"):
        rotated_corners(ok, convention="mmcv")
    with pytest.raises(TypeError, match="aligned"):
        rotated_iou(ok, ok, aligned="yes")
    with pytest.raises(TypeError, match="boxes1"):
        rotated_iou(np.array(ok, dtype=object), ok)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="min_iou"):
            rotated_iou_pairs(ok, min_iou=bad)
        with pytest.raises(ValueError, match="iou_threshold"):
            rotated_nms(ok, [1.0], bad)
    with pytest.raises(ValueError, match="scores"):
        rotated_nms(ok, [np.nan], 0.5)
    with pytest.raises(ValueError, match="scores: expected length 1"):
        rotated_nms(ok, [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="n_threads"):
        rotated_iou(ok, ok, n_threads=0)


def test_empty_inputs():
    empty = np.zeros((0, 5))
    one = [[0, 0, 1, 1, 0]]
    assert rotated_iou(empty, one).shape == (0, 1)
    assert rotated_iou(one, []).shape == (1, 0)
    assert rotated_intersection_area(empty, empty, aligned=True).shape == (0,)
    assert rotated_corners([]).shape == (0, 4, 2)
    pairs, iou = rotated_iou_pairs(empty)
    assert pairs.shape == (2, 0) and pairs.dtype == np.intp and iou.shape == (0,)
    pairs, iou = rotated_iou_pairs(one, empty)
    assert pairs.shape == (2, 0) and iou.shape == (0,)
    assert polygon_iou(np.zeros((0, 8)), np.zeros((2, 8))).shape == (0, 2)
