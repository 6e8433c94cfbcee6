"""Set areas and their one-sided gradients against an exact oracle, shapely and finite differences."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import setarea_oracle as oracle
from boxgeom.setarea import SetAreas, set_area_grads, set_areas, set_iou, union_area
from conftest import lattice_boxes, random_float_boxes, with_layout

NAMES = ("red", "blue", "intersection", "union", "iou")
FMTS = ("xyxy", "xywh", "cxcywh")


def expected_grads(exact, side):
    """The oracle's partials for ``side`` (mid = the average of both sides) as float arrays."""
    out = {}
    for name in NAMES:
        pair = []
        for colour in range(2):
            minus, plus = exact["minus"][name][colour], exact["plus"][name][colour]
            rows = minus if side == "minus" else plus if side == "plus" else [
                [(a + b) / 2 for a, b in zip(r1, r2)] for r1, r2 in zip(minus, plus)
            ]
            pair.append(np.array([[float(v) for v in row] for row in rows], dtype=np.float64).reshape(-1, 4))
        out[name] = pair
    return out


def check_against_oracle(red, blue, fmt="xyxy"):
    """Areas exactly, and every gradient on every side, equal the exact oracle's."""
    red_f, blue_f = oracle.as_fractions(red), oracle.as_fractions(blue)
    want = oracle.areas(red_f, blue_f, fmt)
    got = set_areas(red, blue, fmt=fmt)
    assert [Fraction(v) for v in got[:4]] == list(want)
    exact = oracle.one_sided(red_f, blue_f, fmt)
    for side in ("minus", "plus", "mid"):
        grads = set_area_grads(red, blue, fmt=fmt, side=side)
        want_grads = expected_grads(exact, side)
        for name in NAMES:
            for colour in range(2):
                np.testing.assert_allclose(
                    grads[name][colour], want_grads[name][colour], rtol=1e-12, atol=1e-15,
                    err_msg=f"{name} {('red', 'blue')[colour]} side={side} fmt={fmt}",
                )


# --- the exact oracle on hand-made tie cases ------------------------------------------

CASES = {
    "overlap": ([[0, 0, 2, 2]], [[1, 0, 3, 2]]),
    "duplicates": ([[0, 0, 2, 2], [0, 0, 2, 2]], [[0, 0, 2, 2]]),
    "nested": ([[0, 0, 4, 4], [1, 1, 3, 3]], [[1, 1, 3, 3], [0, 0, 2, 4]]),
    "shared edges": ([[0, 0, 1, 1], [1, 0, 2, 1], [0, 1, 1, 2]], [[1, 1, 2, 2], [0, 0, 2, 1]]),
    "thin hole": ([[0, 0, 3, 5], [4, 0, 7, 5]], [[1, 1, 6, 4]]),
    "zero area and inverted": ([[0, 0, 0, 2], [1, 1, 3, 1], [4, 4, 2, 6], [0, 0, 2, 2]], [[2, 0, 2, 2], [1, 1, 1, 1]]),
    "zero width alone": ([[1, 0, 1, 2]], []),
    "empty red": ([], [[0, 0, 2, 3], [1, 1, 4, 2]]),
    "both empty": ([], []),
    "crossing": ([[0, 1, 4, 2]], [[1, 0, 2, 4], [1, 0, 2, 4]]),
}


@pytest.mark.parametrize("fmt", FMTS)
@pytest.mark.parametrize("name", list(CASES))
def test_hand_cases_match_exact_oracle(name, fmt):
    red, blue = (np.array(boxes, dtype=np.int64).reshape(-1, 4) for boxes in CASES[name])
    if fmt != "xyxy":  # the same geometry, written in fmt
        red, blue = (to_fmt(boxes, fmt) for boxes in (red, blue))
    check_against_oracle(red, blue, fmt)


def to_fmt(xyxy, fmt):
    size = xyxy[:, 2:] - xyxy[:, :2]
    if fmt == "xywh":
        return np.hstack([xyxy[:, :2], size])
    return np.hstack([(xyxy[:, :2] + xyxy[:, 2:]) / 2, size])


def lattice(rng, n, span=5):
    boxes = rng.integers(0, span, (n, 4))
    if rng.random() < 0.75:  # mostly ordered; the rest keeps inverted and zero-area boxes
        boxes = np.hstack([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])])
    if n and rng.random() < 0.3:
        boxes = np.vstack([boxes, boxes[:1]])  # a duplicate
    return boxes


@pytest.mark.parametrize("seed", range(4))
def test_random_tie_heavy_lattices_match_exact_oracle(seed):
    rng = np.random.default_rng(seed)
    for case in range(12):
        red, blue = lattice(rng, int(rng.integers(0, 6))), lattice(rng, int(rng.integers(0, 6)))
        check_against_oracle(red, blue, FMTS[case % 3])


@settings(max_examples=40)
@given(lattice_boxes(max_n=5, span=3, max_size=3), lattice_boxes(max_n=5, span=3, max_size=3), st.sampled_from(FMTS))
def test_hypothesis_lattices_match_exact_oracle(red, blue, fmt):
    if fmt != "xyxy":
        red, blue = to_fmt(red, fmt), to_fmt(blue, fmt)
    check_against_oracle(red, blue, fmt)


def test_identical_boxes_share_the_edge_at_mid():
    grads = set_area_grads([[0, 0, 2, 3], [0, 0, 2, 3]], [])["red"][0]
    np.testing.assert_array_equal(grads, [[-1.5, -1, 1.5, 1], [-1.5, -1, 1.5, 1]])
    minus = set_area_grads([[0, 0, 2, 3], [0, 0, 2, 3]], [], side="minus")["red"][0]
    np.testing.assert_array_equal(minus, [[-3, -2, 0, 0], [-3, -2, 0, 0]])


# --- shapely, finite differences and properties on random float sets -------------------


def shapely_areas(red, blue):
    union_red = shapely.union_all(shapely.box(*red.T)) if len(red) else shapely.Polygon()
    union_blue = shapely.union_all(shapely.box(*blue.T)) if len(blue) else shapely.Polygon()
    return (union_red.area, union_blue.area, union_red.intersection(union_blue).area,
            union_red.union(union_blue).area), (union_red, union_blue)


@pytest.mark.parametrize("seed", range(5))
def test_areas_match_shapely_on_random_floats(seed):
    rng = np.random.default_rng(seed)
    red, blue = random_float_boxes(rng, 200), random_float_boxes(rng, 150)
    want, _ = shapely_areas(red, blue)
    got = set_areas(red, blue)
    np.testing.assert_allclose(got[:4], want, rtol=1e-9)
    assert got.iou == pytest.approx(want[2] / want[3], rel=1e-9)
    assert union_area(red) == pytest.approx(want[0], rel=1e-9)


def generic(rng, n):
    """Random float boxes whose coordinates are at least 1e-3 apart on each axis (no kinks nearby)."""
    while True:
        boxes = random_float_boxes(rng, n, region=20.0, max_size=15.0)
        gaps = [np.diff(np.sort(boxes[:, [axis, axis + 2]].ravel())).min() for axis in (0, 1)]
        if min(gaps) > 1e-3:
            return boxes


@pytest.mark.parametrize("fmt", FMTS)
def test_gradients_match_central_differences(fmt):
    rng = np.random.default_rng(7)
    red, blue = to_fmt(generic(rng, 12), fmt), to_fmt(generic(rng, 9), fmt)
    grads = set_area_grads(red, blue, fmt=fmt)
    h = 1e-6
    for colour, boxes in enumerate((red, blue)):
        for k in range(len(boxes)):
            for c in range(4):
                moved = [red.copy(), blue.copy()]
                moved[colour][k, c] += h
                up = set_areas(*moved, fmt=fmt)
                moved[colour][k, c] -= 2 * h
                down = set_areas(*moved, fmt=fmt)
                for i, name in enumerate(NAMES):
                    numeric = (up[i] - down[i]) / (2 * h)
                    tolerance = 1e-8 if name == "iou" else 1e-5  # rounding of the differences
                    assert grads[name][colour][k, c] == pytest.approx(numeric, abs=tolerance), name


@pytest.mark.parametrize("seed", range(3))
def test_translation_invariance_and_perimeter(seed):
    rng = np.random.default_rng(seed)
    red, blue = generic(rng, 40), generic(rng, 30)
    grads = set_area_grads(red, blue)
    for name in NAMES:
        total = grads[name][0].sum(axis=0) + grads[name][1].sum(axis=0)
        scale = np.abs(grads[name][0]).sum() + np.abs(grads[name][1]).sum() + 1e-300
        # moving every box by the same amount changes nothing
        assert abs(total[0] + total[2]) <= 1e-9 * scale and abs(total[1] + total[3]) <= 1e-9 * scale
    _, (union_red, union_blue) = shapely_areas(red, blue)
    assert np.abs(grads["red"][0]).sum() == pytest.approx(union_red.length, rel=1e-9)
    assert np.abs(grads["blue"][1]).sum() == pytest.approx(union_blue.length, rel=1e-9)
    both = np.abs(grads["union"][0]).sum() + np.abs(grads["union"][1]).sum()
    assert both == pytest.approx(union_red.union(union_blue).length, rel=1e-9)
    inter = np.abs(grads["intersection"][0]).sum() + np.abs(grads["intersection"][1]).sum()
    assert inter == pytest.approx(union_red.intersection(union_blue).length, rel=1e-9)


# --- contract details -------------------------------------------------------------------


def test_empty_sets():
    assert set_areas([], []) == SetAreas(0.0, 0.0, 0.0, 0.0, 0.0)
    assert union_area(np.empty((0, 4))) == 0.0
    grads = set_area_grads([], [[0, 0, 1, 1]])
    assert set(grads) == set(NAMES)
    assert grads["iou"][0].shape == (0, 4) and grads["iou"][1].shape == (1, 4)
    np.testing.assert_array_equal(grads["blue"][1], [[-1, -1, 1, 1]])
    np.testing.assert_array_equal(grads["iou"][1], [[0, 0, 0, 0]])  # intersection stays 0


def test_empty_union_gives_zero_iou_and_zero_iou_gradients():
    red, blue = [[0, 0, 0, 2]], [[3, 3, 5, 3]]  # zero width, zero height
    assert set_areas(red, blue).union == 0.0
    grads = set_area_grads(red, blue, side="plus")
    assert grads["union"][0][0, 2] == 2.0  # the union grows when x2 moves right...
    assert not grads["iou"][0].any() and not grads["iou"][1].any()  # ...but iou is defined 0
    assert set_iou(red, blue) == 0.0


def test_set_iou_matches_set_areas_and_grads():
    rng = np.random.default_rng(3)
    red, blue = random_float_boxes(rng, 30), random_float_boxes(rng, 20)
    iou, (grad_red, grad_blue) = set_iou(red, blue, fmt="xywh", return_grad=True, side="plus")
    assert iou == set_iou(red, blue, fmt="xywh") == set_areas(red, blue, fmt="xywh").iou
    grads = set_area_grads(red, blue, fmt="xywh", side="plus")["iou"]
    np.testing.assert_array_equal(grad_red, grads[0])
    np.testing.assert_array_equal(grad_blue, grads[1])


def test_union_is_measured_not_derived():
    rng = np.random.default_rng(4)
    red, blue = random_float_boxes(rng, 100), random_float_boxes(rng, 100)
    areas = set_areas(red, blue)
    assert areas.red + areas.blue - areas.intersection == pytest.approx(areas.union, rel=1e-12)


def test_every_dtype_and_layout_gives_the_same_result(dtype, layout):
    rng = np.random.default_rng(5)
    red, blue = lattice(rng, 20, span=30), lattice(rng, 15, span=30)
    want_areas, want_grads = set_areas(red, blue), set_area_grads(red, blue)
    red_in, blue_in = with_layout(red.astype(dtype), layout), with_layout(blue.astype(dtype), layout)
    assert set_areas(red_in, blue_in) == want_areas
    grads = set_area_grads(red_in, blue_in)
    for name in NAMES:
        np.testing.assert_array_equal(grads[name][0], want_grads[name][0])
        np.testing.assert_array_equal(grads[name][1], want_grads[name][1])


def test_negative_zero_equals_zero():
    plain = set_area_grads([[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 2.0, 1.0]], side="minus")
    signed = set_area_grads([[-0.0, -0.0, 1.0, 1.0]], [[0.0, 0.0, 2.0, 1.0]], side="minus")
    for name in NAMES:
        np.testing.assert_array_equal(plain[name][0], signed[name][0])


def test_result_does_not_depend_on_threads_and_releases_the_gil():
    rng = np.random.default_rng(6)
    red, blue = random_float_boxes(rng, 3000), random_float_boxes(rng, 2000)
    one = set_area_grads(red, blue, n_threads=1)
    two = set_area_grads(red, blue, n_threads=2)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: set_area_grads(red, blue), range(2)))
    for other in (two, *runs):
        for name in NAMES:
            np.testing.assert_array_equal(one[name][0], other[name][0])
            np.testing.assert_array_equal(one[name][1], other[name][1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: set_areas([[0, 0, np.nan, 1]], []), "red: expected finite values"),
        (lambda: set_areas([], [[0, 0, np.inf, 1]]), "blue: expected finite values"),
        (lambda: set_areas([[0, 0, 1]], []), r"red: expected shape \(n, 4\), got \(1, 3\)"),
        (lambda: union_area(np.zeros((2, 4, 1))), r"boxes: expected shape \(n, 4\)"),
        (lambda: set_area_grads([], [], side="left"), "side: expected one of 'mid', 'minus', 'plus', got 'left'"),
        (lambda: set_iou([], [], side="both"), "side: expected one of"),
        (lambda: set_areas([], [], fmt="xyzw"), "fmt: expected one of"),
        (lambda: set_areas(np.array([[0, 0, 2**60, 1]]), []), "red: expected integer coordinates within"),
        (lambda: set_areas(np.array([[0, 0, 3e308, 1]]), [], fmt="xywh"), "red: expected finite values"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="red"):
        set_areas(np.array([[True, False, True, True]]), [])
    with pytest.raises(TypeError, match="return_grad"):
        set_iou([], [], return_grad="yes")


# --- optional extras --------------------------------------------------------------------


def test_torch_loss_backward_matches_iou_gradient():
    torch = pytest.importorskip("torch")
    from boxgeom.torch import set_iou_loss

    rng = np.random.default_rng(8)
    red, blue = random_float_boxes(rng, 10), random_float_boxes(rng, 8)
    red_t = torch.tensor(red, requires_grad=True)
    blue_t = torch.tensor(blue, requires_grad=True)
    loss = set_iou_loss(red_t, blue_t)
    loss.backward()
    iou, (grad_red, grad_blue) = set_iou(red, blue, return_grad=True)
    assert loss.item() == pytest.approx(1 - iou)
    np.testing.assert_allclose(red_t.grad.numpy(), -grad_red)
    np.testing.assert_allclose(blue_t.grad.numpy(), -grad_blue)
    assert torch.autograd.gradcheck(
        set_iou_loss, (torch.tensor(generic(rng, 4), requires_grad=True), torch.tensor(generic(rng, 3))),
        eps=1e-7, atol=1e-5,
    )


def test_svg_picture(tmp_path):
    from boxgeom.svg import set_decomposition_svg

    path = tmp_path / "cells.svg"
    text = set_decomposition_svg([[0, 0, 2, 2]], [[1, 0, 3, 2]], path=path)
    assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
    assert path.read_text() == text
    assert text.count("<rect") >= 3  # red only, both, blue only
    assert "+2" in text  # the right edge of red grows the intersection by its length
