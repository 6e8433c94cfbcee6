"""box_convert, box_area and the shared validation layer."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

import boxgeom
from boxgeom import box_area, box_convert
from boxgeom._threads import effective_n_threads
from conftest import lattice_boxes, with_layout

FMTS = ["xyxy", "xywh", "cxcywh"]


@given(lattice_boxes())
def test_round_trips(boxes):
    for fmt in FMTS:
        converted = box_convert(boxes, "xyxy", fmt)
        np.testing.assert_array_equal(box_convert(converted, fmt, "xyxy"), boxes)


def test_known_values_and_copies():
    boxes = np.array([[1.0, 2.0, 5.0, 8.0]])
    np.testing.assert_array_equal(box_convert(boxes, "xyxy", "xywh"), [[1, 2, 4, 6]])
    np.testing.assert_array_equal(box_convert(boxes, "xyxy", "cxcywh"), [[3, 5, 4, 6]])
    same = box_convert(boxes, "xyxy", "xyxy")
    assert same is not boxes and not np.shares_memory(same, boxes)
    assert box_convert(np.array([[0, 0, 1, 1]], np.int32), "xywh", "xyxy").dtype == np.int64
    assert box_convert(np.array([[0, 0, 1, 1]], np.float32), "xywh", "cxcywh").dtype == np.float32


def test_box_area(dtype):
    boxes = np.array([[0, 0, 4, 2], [1, 1, 1, 5]], dtype=dtype)
    area = box_area(boxes)
    assert area.dtype == (np.float64 if dtype.kind == "f" else np.int64)
    assert area.tolist() == [8, 0]
    top = 2**31 - 1
    assert box_area(np.array([[-(2**31), 0, top, 1]], np.int32))[0] == 2**32 - 1
    with pytest.raises(OverflowError, match="row 0"):
        box_area(np.array([[-(2**31), -(2**31), top, top]], np.int32))


def test_bad_formats():
    with pytest.raises(ValueError, match="in_fmt: expected one of"):
        box_convert([[0, 0, 1, 1]], "xyzw", "xyxy")
    with pytest.raises(ValueError, match="out_fmt"):
        box_convert([[0, 0, 1, 1]], "xyxy", "polar")
    with pytest.raises(ValueError, match="negative width or height in row 0"):
        box_area([[0, 0, -1, 1]], fmt="xywh")


def test_big_endian_input_is_accepted():
    boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3]], dtype=">i4")
    assert boxgeom.find_pairs(boxes).tolist() == [[0], [1]]


def test_thread_counts(monkeypatch):
    assert effective_n_threads(1) == 1
    assert effective_n_threads(None) >= 1
    assert effective_n_threads(-1) >= 1
    assert effective_n_threads(-1000) == 1
    if boxgeom.openmp_enabled():
        assert effective_n_threads(3) == 3
    with pytest.raises(ValueError, match="n_threads"):
        effective_n_threads(0)
    with pytest.raises(TypeError, match="n_threads"):
        effective_n_threads(True)


def test_public_api_is_exported():
    for name in boxgeom.__all__:
        assert hasattr(boxgeom, name), name
    assert isinstance(boxgeom.openmp_enabled(), bool)
    assert issubclass(boxgeom.InvalidBoxesError, ValueError) and issubclass(boxgeom.InvalidBoxesError, AssertionError)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_negative_sizes_are_found_before_conversion(dtype):
    # x + w == x in float64 when |x| >> |w|: the size itself must be checked, not x2 < x1
    boxes = np.array([[0, 0, 1, 1], [1e15 if np.dtype(dtype).kind == "f" else 7, 0, -1, 1]], dtype=dtype)
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size, got a negative width or height in row 1"):
        box_area(boxes, fmt="xywh")
    with pytest.raises(ValueError, match="row 1"):
        box_area(boxes, fmt="cxcywh")


def test_value_errors_come_before_order_errors():
    # a NaN anywhere is reported before an earlier reversed box (one message per array)
    boxes = np.array([[2.0, 0, 1, 1], [0, 0, np.nan, 1]])
    with pytest.raises(ValueError, match="finite values, got NaN or inf in row 1"):
        box_area(boxes)
    with pytest.raises(ValueError, match=r"x2 < x1 or y2 < y1 in row 0"):
        box_area(boxes[:1])


# --------------------------------------------------------------------------- rotated formats

ROTATED_CASES = [(unit, convention) for unit in ("deg", "rad") for convention in ("opencv", "torchvision")]


def w_axis(rotated: np.ndarray, angle_unit: str = "deg", convention: str = "opencv") -> np.ndarray:
    """The unit w-axis of each rotated box, from the conventions of docs/rotated.md."""
    angle = np.deg2rad(rotated[:, 4]) if angle_unit == "deg" else rotated[:, 4]
    sign = -1.0 if convention == "torchvision" else 1.0
    return np.column_stack([np.cos(angle), sign * np.sin(angle)])


def encloses(rotated: np.ndarray, corners: np.ndarray, tol: np.ndarray, **options) -> np.ndarray:
    """Whether every corner lies in its row's rotated box, within ``tol`` (projections on the box's axes)."""
    u = w_axis(rotated, **options)
    v = np.column_stack([-u[:, 1], u[:, 0]])
    offsets = corners - rotated[:, None, :2]
    along = np.abs(np.einsum("nkd,nd->nk", offsets, u)) - rotated[:, None, 2] / 2
    across = np.abs(np.einsum("nkd,nd->nk", offsets, v)) - rotated[:, None, 3] / 2
    return ((along <= tol[:, None]) & (across <= tol[:, None])).all(axis=1)


def same_corner_sets(first: np.ndarray, second: np.ndarray, tol: float) -> np.ndarray:
    """Whether two (n, 4, 2) corner arrays hold the same corners in the same cyclic order (any start)."""
    gaps = [np.abs(np.roll(second, k, axis=1) - first).max(axis=(1, 2), initial=0.0) for k in range(4)]
    return np.min(gaps, axis=0) <= tol


@st.composite
def convex_quads(draw, max_n: int = 20, span: float = 100.0):
    """Convex quads: four sorted angles on an ellipse, sheared and moved; near-degenerate ones included."""
    n = draw(st.integers(0, max_n))
    angle = st.floats(0, 2 * np.pi, exclude_max=True)
    angles = np.sort(np.array(draw(st.lists(st.tuples(angle, angle, angle, angle), min_size=n, max_size=n))).reshape(n, 4))
    shape = st.tuples(st.floats(0.01, 50), st.floats(0.01, 50), st.floats(-3, 3), st.floats(-span, span), st.floats(-span, span))
    params = np.array(draw(st.lists(shape, min_size=n, max_size=n))).reshape(n, 5)
    x = params[:, :1] * np.cos(angles) + params[:, 2:3] * params[:, 1:2] * np.sin(angles) + params[:, 3:4]
    y = params[:, 1:2] * np.sin(angles) + params[:, 4:5]
    return np.stack([x, y], axis=-1)


def random_rectangles(rng: np.random.Generator, n: int, region: float = 1e3, max_size: float = 100.0) -> np.ndarray:
    return np.column_stack([rng.uniform(-region, region, (n, 2)), rng.uniform(0, max_size, (n, 2)), rng.uniform(-720, 720, n)])


@given(lattice_boxes())
def test_axis_aligned_to_rotated_formats(boxes):
    for fmt in FMTS:
        given_boxes = box_convert(boxes, "xyxy", fmt)
        rotated = box_convert(given_boxes, fmt, "cxcywhr")
        assert rotated.dtype == np.float64 and rotated.shape == (len(boxes), 5)
        np.testing.assert_array_equal(rotated[:, :4], box_convert(boxes, "xyxy", "cxcywh"))
        assert not rotated[:, 4].any()
        corners = box_convert(given_boxes, fmt, "xyxyxyxy")
        for convention in ("opencv", "torchvision"):  # the same at angle 0
            np.testing.assert_array_equal(corners, boxgeom.rotated_corners(rotated, convention=convention).reshape(-1, 8))
        for rotated_fmt in ("cxcywhr", "xyxyxyxy"):  # back: the box itself
            converted = box_convert(given_boxes, fmt, rotated_fmt)
            np.testing.assert_array_equal(box_convert(converted, rotated_fmt, "xyxy"), boxes)


@pytest.mark.parametrize("angle_unit, convention", ROTATED_CASES)
def test_rotated_to_corners_and_bounding_boxes(angle_unit, convention):
    rotated = random_rectangles(np.random.default_rng(1), 300)
    if angle_unit == "rad":
        rotated[:, 4] = np.deg2rad(rotated[:, 4])
    options = {"angle_unit": angle_unit, "convention": convention}
    corners = box_convert(rotated, "cxcywhr", "xyxyxyxy", **options)
    np.testing.assert_array_equal(corners, boxgeom.rotated_corners(rotated, **options).reshape(-1, 8))
    # the bounding box: half-extents |w/2 cos a| + |h/2 sin a| and |w/2 sin a| + |h/2 cos a|
    cos, sin = np.abs(w_axis(rotated, **options)).T
    half = np.column_stack([rotated[:, 2] * cos + rotated[:, 3] * sin, rotated[:, 2] * sin + rotated[:, 3] * cos]) / 2
    want = np.hstack([rotated[:, :2] - half, rotated[:, :2] + half])
    for fmt in FMTS:
        for source, in_fmt in ((rotated, "cxcywhr"), (corners, "xyxyxyxy")):
            got = box_convert(source, in_fmt, fmt, **options)
            assert got.dtype == np.float64
            np.testing.assert_allclose(got, box_convert(want, "xyxy", fmt), rtol=0, atol=1e-9)


def test_torchvision_corner_order():
    # torchvision's cxcywhr -> xyxyxyxy (through its top-left corner), transcribed: the corner at
    # minus half of each side, then along w by (cos, -sin), then along h by (sin, cos), then back
    rotated = random_rectangles(np.random.default_rng(5), 200)
    cx, cy, w, h, degrees = rotated.T
    cos, sin = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    first = np.column_stack([cx - w / 2 * cos - h / 2 * sin, cy - h / 2 * cos + w / 2 * sin])
    second = first + (w * np.stack([cos, -sin])).T
    third = second + (h * np.stack([sin, cos])).T
    fourth = first + (h * np.stack([sin, cos])).T
    want = np.hstack([first, second, third, fourth])
    np.testing.assert_allclose(box_convert(rotated, "cxcywhr", "xyxyxyxy", convention="torchvision"), want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("angle_unit, convention", ROTATED_CASES)
def test_rectangles_come_back_from_their_corners(angle_unit, convention):
    rng = np.random.default_rng(2)
    rotated = random_rectangles(rng, 2000)
    rotated[:50, 2:4] = rng.uniform(0, 1e-3, (50, 2))  # tiny and thin ones
    rotated[50:60, 3] = 0.0  # segments
    if angle_unit == "rad":
        rotated[:, 4] = np.deg2rad(rotated[:, 4])
    options = {"angle_unit": angle_unit, "convention": convention}
    corners = box_convert(rotated, "cxcywhr", "xyxyxyxy", **options)
    back = box_convert(corners, "xyxyxyxy", "cxcywhr", **options)
    quarter = 90.0 if angle_unit == "deg" else np.pi / 2
    assert ((-quarter < back[:, 4]) & (back[:, 4] <= quarter)).all()
    np.testing.assert_allclose(back[:, :2], rotated[:, :2], rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.sort(back[:, 2:4], axis=1), np.sort(rotated[:, 2:4], axis=1), rtol=0, atol=1e-9)
    again = box_convert(back, "cxcywhr", "xyxyxyxy", **options).reshape(-1, 4, 2)
    assert same_corner_sets(corners.reshape(-1, 4, 2), again, 1e-9).all()
    # shapely's view of the rectangles of positive area: the same polygon (normalize picks the start
    # and the direction; an overlay of two near-identical polygons is not reliable in GEOS, so no
    # symmetric difference)
    first, second = (shapely.normalize(shapely.polygons(c[60:])) for c in (corners.reshape(-1, 4, 2), again))
    assert shapely.equals_exact(first, second, tolerance=1e-9).all()


@pytest.mark.parametrize("convention", ["opencv", "torchvision"])
@pytest.mark.parametrize("turn", [-360, -270, -180, -90, 0, 90, 180, 270, 450])
def test_exact_rectangles_keep_w_from_edge_0(convention, turn):
    rotated = np.array([[3.0, -5.0, 4.0, 2.0, turn], [0.0, 0.0, 6.0, 6.0, turn + 30.0]])
    corners = box_convert(rotated, "cxcywhr", "xyxyxyxy", convention=convention)
    back = box_convert(corners, "xyxyxyxy", "cxcywhr", convention=convention)
    np.testing.assert_array_equal(back[0], [3.0, -5.0, 4.0, 2.0, 0.0 if turn % 180 == 0 else 90.0])
    np.testing.assert_allclose(back[1], [0, 0, 6, 6, (turn + 30 + 90) % 180 - 90], rtol=0, atol=1e-12)
    # the parallelogram (0, 0), (2, 0), (3, 1), (1, 1): the smallest rectangle lies on its longest edge
    parallelogram = [[[0, 0], [2, 0], [3, 1], [1, 1]]]
    np.testing.assert_array_equal(box_convert(parallelogram, "xyxyxyxy", "cxcywhr", convention=convention), [[1.5, 0.5, 3, 1, 0]])


def test_convex_quads_against_shapely():
    rng = np.random.default_rng(3)
    n = 3000
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n, 4)), axis=1)
    radii = rng.uniform(0.1, 30, (n, 2))
    shear = rng.uniform(-2, 2, (n, 1))
    x = radii[:, :1] * np.cos(angles) + shear * np.sin(angles)
    quads = np.stack([x, radii[:, 1:] * np.sin(angles)], axis=-1) + rng.uniform(-100, 100, (n, 1, 2))
    for convention in ("opencv", "torchvision"):
        rotated = box_convert(quads, "xyxyxyxy", "cxcywhr", convention=convention)
        polygons = shapely.polygons(quads)
        want = shapely.area(shapely.minimum_rotated_rectangle(polygons))
        np.testing.assert_allclose(rotated[:, 2] * rotated[:, 3], want, rtol=1e-9, atol=0)
        rectangles = shapely.polygons(box_convert(rotated, "cxcywhr", "xyxyxyxy", convention=convention).reshape(-1, 4, 2))
        assert shapely.covers(shapely.buffer(rectangles, 1e-9), polygons).all()
        assert (-90 < rotated[:, 4]).all() and (rotated[:, 4] <= 90).all()
    # (n, 8) and (n, 4, 2) are the same quads
    np.testing.assert_array_equal(box_convert(quads.reshape(-1, 8), "xyxyxyxy", "cxcywhr"), box_convert(quads, "xyxyxyxy", "cxcywhr"))


def sampled_minimum_area(quads: np.ndarray, directions: int = 3600) -> np.ndarray:
    """The smallest area of the quads' bounding boxes in ``directions`` frames turned over 0..90 degrees."""
    theta = np.linspace(0, np.pi / 2, directions, endpoint=False)
    local = quads - quads.mean(axis=1, keepdims=True)
    s = local[..., None, 0] * np.cos(theta) + local[..., None, 1] * np.sin(theta)  # (n, 4, directions)
    t = local[..., None, 1] * np.cos(theta) - local[..., None, 0] * np.sin(theta)
    return (np.ptp(s, axis=1) * np.ptp(t, axis=1)).min(axis=1, initial=np.inf) if len(quads) else np.zeros(0)


def scale_of(quads: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(quads - quads.mean(axis=1, keepdims=True)).max(axis=(1, 2), initial=0.0), 1e-300)


@given(convex_quads())
def test_minimum_rectangle_properties(quads):
    rotated = box_convert(quads, "xyxyxyxy", "cxcywhr")
    assert np.isfinite(rotated).all() and (rotated[:, 2:4] >= 0).all()
    scale = scale_of(quads)
    assert encloses(rotated, quads, 1e-9 * scale + 1e-15 * np.abs(quads).max(axis=(1, 2), initial=0.0)).all()  # it holds the quad
    area = rotated[:, 2] * rotated[:, 3]
    polygons = shapely.polygons(quads)
    tol = 1e-9 * scale**2
    assert (area >= shapely.area(polygons) - tol).all()  # not smaller than the quad
    bounds = np.ptp(quads, axis=1) if len(quads) else np.zeros((0, 2))
    assert (area <= bounds[:, 0] * bounds[:, 1] + tol).all()  # not larger than the bounding box
    # the smallest: not above the smallest bounding box over 3600 directions, and shapely's, to
    # 1e-9 of its area or for slivers to the rounding of the corners (1e-12 of the size times the
    # largest coordinate); shapely fails on some slivers (an area below the quad's): skipped there
    slack = 1e-12 * scale * (scale + np.abs(quads).max(axis=(1, 2), initial=0.0))
    assert (area <= sampled_minimum_area(quads) + slack).all()
    with np.errstate(all="ignore"):
        want = shapely.area(shapely.minimum_rotated_rectangle(polygons))
    sane = np.isfinite(want) & (want >= shapely.area(polygons) - slack)
    assert (np.abs(area - want)[sane] <= (1e-9 * want + slack)[sane]).all()
    # the same corners in the other direction, or from another start: a rectangle of the same area
    for reordered in (quads[:, ::-1], np.roll(quads, 1, axis=1)):
        other = box_convert(reordered, "xyxyxyxy", "cxcywhr")
        assert (np.abs(other[:, 2] * other[:, 3] - area) <= 1e-9 * area + slack).all()


@given(convex_quads(max_n=8), st.integers(-900, 450))
def test_minimum_rectangle_scales_exactly(quads, exponent):
    # huge and tiny copies by a power of two: the same rectangle, scaled, bit for bit
    scaled = box_convert(np.ldexp(quads, exponent), "xyxyxyxy", "cxcywhr")
    want = box_convert(quads, "xyxyxyxy", "cxcywhr")
    want[:, :4] = np.ldexp(want[:, :4], exponent)
    np.testing.assert_array_equal(scaled, want)


@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=2), st.integers(0, 4),
       st.sampled_from([1.0, 1e-300, 1e149, 3e-320]))
def test_degenerate_quads_give_no_nan(points, pattern, scale):
    # repeated and collinear corners: a point (all four corners the same: w = h = 0) or a segment
    ends = np.array(points, dtype=np.float64) * scale
    first, last = ends[0], ends[-1]
    middle = first / 2 + last / 2
    corners = [[first, first, first, first], [first, first, last, last], [first, last, last, last],
               [first, middle, last, middle], [first, last, first, last]][pattern]
    quads = np.array(corners).reshape(1, 4, 2)
    rotated = box_convert(quads, "xyxyxyxy", "cxcywhr")
    assert np.isfinite(rotated).all()
    if pattern == 0 or (first == last).all():
        np.testing.assert_array_equal(rotated, [[*first, 0, 0, 0]])
    else:  # the segment, with a width of rounding (and of subnormal steps for the tiniest)
        length = np.hypot(*(last - first))
        rounding = 1e-12 * length + 1e-321
        assert abs(rotated[0, 2:4].max() - length) <= rounding and rotated[0, 2:4].min() <= rounding
        assert encloses(rotated, quads, np.array([rounding])).all()


def test_rotated_formats_are_new_float64_arrays():
    rotated = np.array([[1, 2, 3, 4, 30]], dtype=np.int32)
    for fmt in ("cxcywhr", "xyxyxyxy"):
        source = box_convert(rotated, "cxcywhr", fmt)
        out = box_convert(source, fmt, fmt)
        assert out.dtype == np.float64 and not np.shares_memory(out, source)
        np.testing.assert_array_equal(out, source)
    same = box_convert(rotated, "cxcywhr", "cxcywhr", angle_unit="rad", convention="torchvision")
    np.testing.assert_array_equal(same, rotated)  # no unit or convention change on the way
    quads = np.arange(8, dtype=np.float64).reshape(1, 8) * [1, 0, 1, 0, 1, 1, 0, 1]
    assert not np.shares_memory(box_convert(quads, "xyxyxyxy", "xyxyxyxy"), quads)
    assert box_convert(np.array([[0, 0, 1, 1]], np.int32), "xyxy", "xyxyxyxy").dtype == np.float64


def corners_with_layout(corners: np.ndarray, layout: str) -> np.ndarray:
    """The same (n, 4, 2) corners in a C, Fortran, strided or read-only array."""
    if layout == "strided":
        wide = np.zeros(corners.shape[:2] + (4,))
        wide[..., ::2] = corners
        return wide[..., ::2]
    if layout == "fortran":
        return np.asfortranarray(corners)
    return with_layout(corners.reshape(-1, 8), layout).reshape(-1, 4, 2)


def test_polygon_iou_takes_corner_arrays(layout):
    rng = np.random.default_rng(4)
    quads = boxgeom.rotated_corners(random_rectangles(rng, 40, region=20, max_size=10))
    flat = quads.reshape(-1, 8)
    corners = corners_with_layout(quads, layout)
    want = boxgeom.polygon_iou(flat, flat)
    np.testing.assert_array_equal(boxgeom.polygon_iou(with_layout(flat, layout), flat), want)
    np.testing.assert_array_equal(boxgeom.polygon_iou(corners, flat), want)
    np.testing.assert_array_equal(boxgeom.polygon_iou(flat, corners, mode="iof"), boxgeom.polygon_iou(flat, flat, mode="iof"))
    np.testing.assert_array_equal(boxgeom.polygon_iou(corners, corners, aligned=True), np.diag(want))
    assert boxgeom.polygon_iou(np.empty((0, 4, 2)), flat).shape == (0, 40)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: box_convert([[0, 0, 1, 1]], "cxcywhr", "xyxy"), ValueError, r"boxes: expected shape \(n, 5\), got \(1, 4\)"),
        (lambda: box_convert([[0, 0, 1, 1, 0, 0]], "xyxyxyxy", "cxcywhr"), ValueError,
         r"boxes: expected shape \(n, 8\) or \(n, 4, 2\), got \(1, 6\)"),
        (lambda: box_convert(np.zeros((3, 5, 2)), "xyxyxyxy", "xyxy"), ValueError,
         r"boxes: expected shape \(n, 8\) or \(n, 4, 2\), got \(3, 5, 2\)"),
        (lambda: boxgeom.polygon_iou(np.zeros((3, 4, 3)), np.zeros((1, 8))), ValueError, r"quads1: .*got \(3, 4, 3\)"),
        (lambda: boxgeom.polygon_iou(np.zeros((1, 8)), np.zeros((2, 2, 4, 2))), ValueError, r"quads2: .*got \(2, 2, 4, 2\)"),
        (lambda: box_convert([[0, 0, 1, 1]], "xyxy", "rotated"), ValueError, "out_fmt: expected one of .*'cxcywhr', 'xyxyxyxy'"),
        (lambda: box_convert([[0, 0, 1, 1]], "xyxyxyxyxy", "xyxy"), ValueError, "in_fmt: expected one of"),
        (lambda: box_convert([[0, 0, 1, 1]], "xyxy", "cxcywhr", angle_unit="grad"), ValueError, "angle_unit: expected one of"),
        (lambda: box_convert([[0, 0, 1, 1]], "xyxy", "xywh", convention="cv2"), ValueError, "convention: expected one of"),
        (lambda: box_convert([[0, 0, 1, 1, 0, 1, 1, 0]], "xyxyxyxy", "cxcywhr"), ValueError, "boxes: expected convex.*row 0"),
        (lambda: box_convert([[0, 0, 1, 1, 0], [0, 0, 1, np.nan, 0]], "cxcywhr", "xyxyxyxy"), ValueError, "boxes: .*row 1"),
        (lambda: box_convert([[0, 0, -1, 1, 0]], "cxcywhr", "xyxy"), ValueError, "boxes: .*negative.*row 0"),
        (lambda: box_convert([[0, 0, 1, 1], [0, 0, 1e200, 1]], "xyxy", "cxcywhr"), ValueError, r"boxes: .*1e\+150.*row 1"),
        (lambda: box_convert([[0, 0, 1, 1, 0, 1e200, 0, 0]], "xyxyxyxy", "cxcywhr"), ValueError, r"boxes: .*1e\+150.*row 0"),
        (lambda: box_convert(np.zeros((1, 4, 2), dtype=bool), "xyxyxyxy", "xyxy"), TypeError, "boxes: expected an integer"),
    ],
)
def test_rotated_format_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
