"""boxgeom.plot: every picture renders (Agg), draws the right shapes, honours the window and checks its input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection, QuadMesh  # noqa: E402

import boxgeom  # noqa: E402
import setarea_oracle  # noqa: E402
from boxgeom import plot  # noqa: E402
from boxgeom.datasets import random_boxes, random_rotated_boxes  # noqa: E402
from boxgeom.svg import _cover  # noqa: E402
from conftest import lattice_boxes  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DPI = 40
EMPTY_PAIRS = np.empty((2, 0), dtype=np.intp)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG signature and IHDR chunk; fails for anything else."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def rendered(ax, tmp_path: Path, name: str = "picture.png") -> tuple[int, int]:
    path = tmp_path / name
    plot.save_figure(ax, path, dpi=DPI)
    assert path.stat().st_size > 0
    return png_size(path)


def polys(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection) and not isinstance(c, QuadMesh)]


def drawn_corners(collection) -> np.ndarray:
    """(k, 4, 2) corners of a collection of quadrilaterals."""
    return np.array([path.vertices[:4] for path in collection.get_paths()]).reshape(-1, 4, 2)


def corners_oracle(boxes: np.ndarray, degrees: bool = True) -> np.ndarray:
    """Corners of (n, 4) xyxy boxes or (n, 5) rotated boxes (OpenCV convention), counter-clockwise from corner 0."""
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.shape[1] == 4:
        x1, y1, x2, y2 = boxes.T
        return np.stack([np.c_[x1, y1], np.c_[x2, y1], np.c_[x2, y2], np.c_[x1, y2]], axis=1)
    out = []
    for cx, cy, w, h, angle in boxes:
        a = np.deg2rad(angle) if degrees else angle
        axis_w, axis_h = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        out.append([(cx, cy) + sx * w / 2 * axis_w + sy * h / 2 * axis_h for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
    return np.array(out).reshape(-1, 4, 2)


def meets_window(corners: np.ndarray, window) -> np.ndarray:
    """Shapely oracle: the box's bounding rectangle meets the closed window."""
    frame = shapely.box(*window)
    return np.array([frame.intersects(shapely.MultiPoint(c).envelope) for c in corners], dtype=bool)


# ---------------------------------------------------------------- every function renders


def cover(boxes, side):
    """Arguments of plot_tile_cover after boxes: tiles, tile_width, tile_height, indptr, indices."""
    tiles, indptr, indices = boxgeom.tile_cover(boxes, side, side)
    return tiles, side, side, indptr, indices


def all_pictures(boxes=None):
    """Name -> a call drawing one picture of ``boxes`` (nothing is computed before the call); it passes on keywords."""
    boxes = random_boxes(30, 300, 60, seed=1) if boxes is None else boxes
    scores = np.linspace(0, 1, len(boxes))
    half = len(boxes) // 2
    return {
        "boxes": lambda **options: plot.plot_boxes(boxes, labels=True, **options),
        "rotated": lambda **options: plot.plot_boxes(random_rotated_boxes(30, 300, 60, seed=1), **options),
        "pairs": lambda **options: plot.plot_pairs(boxes, boxgeom.find_pairs(boxes), **options),
        "nms": lambda **options: plot.plot_nms(boxes, scores, boxgeom.nms(boxes, scores, 0.3), **options),
        "matches": lambda **options: plot.plot_matches(
            boxes, boxes + 3, boxgeom.match_greedy(boxes, boxes + 3, 0.5)[0], **options
        ),
        "tile_cover": lambda **options: plot.plot_tile_cover(boxes, *cover(boxes, 100), **options),
        "set_areas": lambda **options: plot.plot_set_areas(boxes[:half], boxes[half:], **options),
    }


WITH_LEGEND = ["pairs", "nms", "matches", "set_areas"]


@pytest.mark.parametrize("name", list(all_pictures()))
def test_renders_a_png_of_figsize_times_dpi(tmp_path, name):
    ax = all_pictures()[name]()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_aspect() == 1.0
    assert rendered(ax, tmp_path) == (round(plot.FIGSIZE[0] * DPI), round(plot.FIGSIZE[1] * DPI))


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_save_figure_picks_the_format_by_extension(tmp_path, suffix, magic):
    path = tmp_path / f"boxes{suffix}"
    plot.save_figure(plot.plot_boxes([[0, 0, 1, 1]]), path)
    assert path.read_bytes().startswith(magic)
    assert plt.get_fignums() == []  # closed


def test_draws_into_a_given_axes(tmp_path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2))
    assert plot.plot_boxes([[0, 0, 1, 1]], ax=right) is right
    assert rendered(right, tmp_path) == (4 * DPI, 2 * DPI)


def test_many_boxes_are_one_collection():
    boxes = random_boxes(20_000)
    ax = plot.plot_boxes(boxes)
    assert len(ax.collections) == 1 and len(ax.patches) == 0 and len(ax.texts) == 0
    assert len(ax.collections[0].get_paths()) == 20_000


# ---------------------------------------------------------------- orientation and image


def gradient_image(height: int, width: int, channels: int | None = 3) -> np.ndarray:
    """A float image in [0, 1] whose every pixel differs: (H, W) or (H, W, channels)."""
    rows, cols = np.mgrid[0:height, 0:width]
    grey = (rows * width + cols) / (height * width)
    if channels is None:
        return grey
    return np.dstack([grey, 1 - grey, np.full_like(grey, 0.5), np.ones_like(grey)][:channels])


def screen(ax, points: np.ndarray) -> np.ndarray:
    """Display coordinates (pixels, y up on screen) of data points, after the layout is done."""
    ax.figure.canvas.draw()
    return ax.transData.transform(points)


@pytest.mark.parametrize("name", list(all_pictures()))
def test_y_points_down_by_default_and_up_on_request(name):
    down, up = all_pictures()[name](), all_pictures()[name](y_down=False)
    assert down.yaxis_inverted() and not up.yaxis_inverted()
    assert not down.xaxis_inverted() and not up.xaxis_inverted()
    if name not in WITH_LEGEND:  # same view, mirrored
        assert down.get_ylim() == up.get_ylim()[::-1] and down.get_xlim() == up.get_xlim()


@pytest.mark.parametrize("name", WITH_LEGEND)
@pytest.mark.parametrize("y_down", [True, False])
def test_the_legend_has_its_room_at_the_top_of_the_picture(name, y_down):
    ax = all_pictures()[name](y_down=y_down)
    boxes = np.concatenate([drawn_corners(c).reshape(-1, 2) for c in polys(ax)])
    on_screen = screen(ax, boxes)
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 > on_screen[:, 1].max()  # above every box on screen
    frame = ax.get_window_extent()
    # no room below: the lowest box on screen sits within the usual margin of the frame's bottom
    assert on_screen[:, 1].min() - frame.y0 < 0.06 * frame.height


@pytest.mark.parametrize("y_down", [True, False])
def test_a_positive_angle_turns_clockwise_on_screen_with_y_down(y_down):
    ax = plot.plot_boxes([[0, 0, 4, 2, 30]], y_down=y_down)
    corners = screen(ax, drawn_corners(ax.collections[0])[0])
    w_axis = corners[1] - corners[0]
    angle_on_screen = np.degrees(np.arctan2(w_axis[1], w_axis[0]))  # counter-clockwise positive, y up on screen
    np.testing.assert_allclose(angle_on_screen, -30 if y_down else 30, atol=1e-6)
    x, y = corners.T
    signed_area = (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() / 2  # negative: clockwise on screen
    assert np.sign(signed_area) == (-1 if y_down else 1)


def test_rows_go_down_the_screen_with_y_down():
    image = gradient_image(4, 6, channels=None)
    ax = plot.plot_boxes([[0, 0, 1, 1]], image=image)
    top_left, bottom_left = screen(ax, np.array([[0.5, 0.5], [0.5, 3.5]]))  # centres of pixels (0, 0) and (3, 0)
    assert top_left[1] > bottom_left[1]


@pytest.mark.parametrize("name", list(all_pictures()))
@pytest.mark.parametrize("y_down", [True, False])
def test_image_is_drawn_under_the_boxes_at_pixel_edges(name, y_down):
    image = gradient_image(50, 80)
    before = image.copy()
    ax = all_pictures()[name](image=image, y_down=y_down)
    (drawn,) = ax.images
    assert isinstance(drawn, matplotlib.image.AxesImage)
    assert drawn.get_extent() == [0, 80, 50, 0]  # pixel (r, c) covers [c, c + 1] x [r, r + 1]
    assert drawn.origin == "upper"  # row 0 at y = 0
    np.testing.assert_array_equal(drawn.get_array(), image)
    np.testing.assert_array_equal(image, before)
    assert all(drawn.get_zorder() < c.get_zorder() for c in ax.collections)
    assert ax.yaxis_inverted() == y_down


@settings(max_examples=60)
@given(
    boxes=lattice_boxes(max_n=12),
    size=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    name=st.sampled_from(["boxes", "pairs", "nms", "tile_cover", "set_areas"]),
    y_down=st.booleans(),
)
def test_limits_cover_the_image_and_the_boxes(boxes, size, name, y_down):
    plt.close("all")
    height, width = size
    ax = all_pictures(boxes)[name](image=np.zeros(size, dtype=np.uint8), y_down=y_down)
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), sorted(ax.get_ylim())
    solid = boxes if len(boxes) else np.zeros((1, 4))
    assert x_low <= min(0, solid[:, 0].min()) and x_high >= max(width, solid[:, 2].max())
    assert y_low <= min(0, solid[:, 1].min()) and y_high >= max(height, solid[:, 3].max())


@pytest.mark.parametrize("name", list(all_pictures()))
@pytest.mark.parametrize("y_down", [True, False])
def test_window_wins_over_the_image(name, y_down):
    window = (40, 30, 90, 70)
    ax = all_pictures()[name](image=gradient_image(300, 400, 4), window=window, y_down=y_down)
    assert ax.get_xlim() == (40, 90)
    assert ax.get_ylim() == ((70, 30) if y_down else (30, 70))


@pytest.mark.parametrize(
    "image, white",
    [
        (np.arange(12, dtype=np.uint8).reshape(3, 4), 255),
        (np.arange(12, dtype=np.int64).reshape(3, 4), 255),
        (np.eye(3, dtype=bool), 1),
        (gradient_image(3, 4, channels=None).astype(np.float32), 1),
    ],
)
def test_grayscale_images_are_grey_from_black_to_the_white_of_their_dtype(image, white):
    (drawn,) = plot.plot_boxes(np.empty((0, 4)), image=image).images
    assert drawn.get_cmap().name == "gray" and drawn.get_clim() == (0, white)


def test_rgb_images_keep_their_colours():
    image = (gradient_image(5, 7) * 255).astype(np.uint8)
    (drawn,) = plot.plot_boxes(np.empty((0, 4)), image=image).images
    np.testing.assert_array_equal(drawn.get_array(), image)
    rgba = drawn.to_rgba(drawn.get_array(), bytes=True)
    np.testing.assert_array_equal(rgba[..., :3], image)


@pytest.mark.parametrize("name", list(all_pictures()))
@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"image": np.zeros((4, 5, 2))}, ValueError, r"image: expected shape \(H, W\), \(H, W, 3\) or \(H, W, 4\)"),
        ({"image": np.zeros(5)}, ValueError, "image: expected shape"),
        ({"image": np.zeros((2, 4, 5, 3))}, ValueError, "image: expected shape"),
        ({"image": np.zeros((0, 5))}, ValueError, "image: expected shape .* H, W > 0, got \\(0, 5\\)"),
        ({"image": np.full((2, 2), "a")}, TypeError, "image: expected an array of numbers or bools, got dtype <U1"),
        ({"image": np.zeros((2, 2), dtype=complex)}, TypeError, "image: expected an array of numbers or bools"),
        ({"image": [[object()]]}, TypeError, "image: expected an array of numbers or bools, got dtype object"),
        ({"y_down": "yes"}, TypeError, "y_down: expected True or False, got 'yes'"),
        ({"y_down": 1}, TypeError, "y_down: expected True or False, got 1"),
        ({"y_down": None}, TypeError, "y_down: expected True or False, got None"),
    ],
)
def test_bad_image_or_y_down_names_the_argument(name, options, error, match):
    with pytest.raises(error, match=match):
        all_pictures()[name](**options)
    assert plt.get_fignums() == []  # checked before a figure is made


# ---------------------------------------------------------------- geometry


@pytest.mark.parametrize("fmt", ["xyxy", "xywh", "cxcywh"])
def test_boxes_are_drawn_at_their_corners(fmt):
    xyxy = random_boxes(20, 200, 50, seed=2).astype(np.float64)
    ax = plot.plot_boxes(boxgeom.box_convert(xyxy, "xyxy", fmt), fmt=fmt)
    np.testing.assert_allclose(drawn_corners(ax.collections[0]), corners_oracle(xyxy))


@pytest.mark.parametrize("angle_unit", ["deg", "rad"])
def test_rotated_boxes_are_drawn_at_their_corners(angle_unit):
    rotated = random_rotated_boxes(20, seed=3)
    if angle_unit == "rad":
        rotated[:, 4] = np.deg2rad(rotated[:, 4])
    ax = plot.plot_boxes(rotated, angle_unit=angle_unit, labels=True)
    expected = corners_oracle(rotated, degrees=angle_unit == "deg")
    np.testing.assert_allclose(drawn_corners(ax.collections[0]), expected, atol=1e-9)
    centres = np.array([text.get_position() for text in ax.texts])
    np.testing.assert_allclose(centres, rotated[:, :2], atol=1e-9)


def test_patch_kwargs_override_the_defaults():
    ax = plot.plot_boxes([[0, 0, 2, 2]], color="C3", fc="yellow", ls="--", alpha=0.5)
    collection = ax.collections[0]
    assert matplotlib.colors.same_color(collection.get_facecolor()[0][:3], "yellow")
    assert matplotlib.colors.same_color(collection.get_edgecolor()[0][:3], "C3")
    assert collection.get_linestyle()[0][1] is not None  # dashed


@given(
    boxes=lattice_boxes(max_n=25),
    window=st.tuples(st.integers(-12, 8), st.integers(-12, 8), st.integers(1, 10), st.integers(1, 10)).map(
        lambda w: (w[0], w[1], w[0] + w[2], w[1] + w[3])
    ),
)
def test_window_keeps_exactly_the_boxes_meeting_it(boxes, window):
    plt.close("all")
    ax = plot.plot_boxes(boxes, window=window, labels=True)
    wanted = np.flatnonzero(meets_window(corners_oracle(boxes), window))
    assert len(ax.collections[0].get_paths()) == len(wanted)
    assert [int(text.get_text()) for text in ax.texts] == wanted.tolist()
    assert ax.get_xlim() == (window[0], window[2]) and ax.get_ylim() == (window[3], window[1])  # y down


def test_window_on_rotated_boxes_uses_their_bounding_rectangles():
    rotated = random_rotated_boxes(300, region=1000, seed=4)
    window = (100, 200, 400, 450)
    ax = plot.plot_boxes(rotated, window=window)
    expected = corners_oracle(rotated)[meets_window(corners_oracle(rotated), window)]
    np.testing.assert_allclose(drawn_corners(ax.collections[0]), expected, atol=1e-9)


# ---------------------------------------------------------------- pairs


def test_pairs_fill_the_intersections():
    boxes = random_boxes(80, 400, 80, seed=5)
    pairs = boxgeom.find_pairs(boxes)
    ax = plot.plot_pairs(boxes, pairs)
    faint, paired, overlaps = polys(ax)
    in_pair = np.zeros(len(boxes), dtype=bool)
    in_pair[pairs.ravel()] = True
    np.testing.assert_array_equal(drawn_corners(paired), corners_oracle(boxes[in_pair]))
    np.testing.assert_array_equal(drawn_corners(faint), corners_oracle(boxes[~in_pair]))
    want = [shapely.box(*boxes[i]).intersection(shapely.box(*boxes[j])).bounds for i, j in pairs.T]
    np.testing.assert_array_equal(drawn_corners(overlaps), corners_oracle(np.array(want).reshape(-1, 4)))
    assert ax.get_title() == f"{pairs.shape[1]} pairs among 80 boxes"


def test_pairs_in_a_window():
    boxes = random_boxes(20_000, 10_000, 100, seed=6)
    pairs = boxgeom.find_pairs(boxes)
    window = (1000, 1000, 2500, 2000)
    ax = plot.plot_pairs(boxes, pairs, window=window)
    shown = meets_window(corners_oracle(boxes), window)
    assert sum(len(c.get_paths()) for c in polys(ax)[:2]) == shown.sum()
    overlaps = drawn_corners(polys(ax)[2])
    assert len(overlaps) and meets_window(overlaps, window).all()


def test_rotated_pairs_highlight_the_boxes_only():
    rotated = random_rotated_boxes(40, region=300, seed=7)
    pairs, _ = boxgeom.rotated_iou_pairs(rotated)
    ax = plot.plot_pairs(rotated, pairs)
    assert len(polys(ax)) == 2
    assert len(polys(ax)[1].get_paths()) == len(np.unique(pairs))


# ---------------------------------------------------------------- nms


def test_nms_kept_solid_suppressed_dashed_with_scores():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 0, 30, 10], [21, 0, 31, 10]])
    scores = np.array([0.5, 0.9, 0.7, 0.6])
    keep = boxgeom.nms(boxes, scores, 0.5)
    ax = plot.plot_nms(boxes, scores, keep)
    suppressed, kept = polys(ax)
    np.testing.assert_array_equal(drawn_corners(kept), corners_oracle(boxes[np.sort(keep)]))
    assert len(suppressed.get_paths()) == 2 and suppressed.get_linestyle()[0][1] is not None
    assert kept.get_linestyle()[0][1] is None
    assert sorted(t.get_text() for t in ax.texts) == ["0.5", "0.6", "0.7", "0.9"]


@pytest.mark.parametrize("y_down, top", [(True, 1), (False, 3)])
def test_nms_scores_sit_at_the_top_left_corner_on_screen(y_down, top):
    boxes = np.array([[0, 0, 10, 10], [1, 2, 11, 13], [20, 0, 30, 10], [21, 1, 31, 9]])
    scores = np.array([0.5, 0.9, 0.7, 0.6])
    ax = plot.plot_nms(boxes, scores, boxgeom.nms(boxes, scores, 0.5), y_down=y_down)
    # x1 and, on screen, the upper edge: y1 with y down, y2 with y up; the text above it
    want = {f"{s:g}": (float(b[0]), float(b[top])) for b, s in zip(boxes, scores)}
    assert {t.get_text(): t.get_position() for t in ax.texts} == want
    assert {t.get_verticalalignment() for t in ax.texts} == {"bottom"}


def test_nms_score_of_a_rotated_box_at_its_corner_highest_on_screen():
    rotated = np.array([[0.0, 0.0, 4.0, 2.0, 30.0]])
    corners = corners_oracle(rotated)[0]
    for y_down, pick in ((True, np.argmin), (False, np.argmax)):
        ax = plot.plot_nms(rotated, [1.0], [0], y_down=y_down)
        np.testing.assert_allclose(ax.texts[0].get_position(), corners[pick(corners[:, 1])])


def test_nms_writes_scores_only_for_few_boxes():
    boxes = random_boxes(plot.SCORE_TEXT_LIMIT + 1, 300, 50, seed=8)
    scores = np.arange(len(boxes), dtype=float)
    keep = boxgeom.nms(boxes, scores, 0.5)
    assert len(plot.plot_nms(boxes, scores, keep).texts) == 0
    assert len(plot.plot_nms(boxes, scores, keep, window=(0, 0, 100, 100)).texts) > 0


# ---------------------------------------------------------------- matches


def test_matches_link_the_centres():
    first = np.array([[0, 0, 10, 10], [3, 0, 13, 10], [50, 50, 60, 60]])
    second = np.array([[1, 0, 11, 10], [-3, 0, 7, 10], [100, 100, 101, 101]])
    matches, left1, left2 = boxgeom.match_optimal(first, second, 0.1)
    ax = plot.plot_matches(first, second, matches)
    matched1, unmatched1, matched2, unmatched2 = polys(ax)
    assert len(matched1.get_paths()) == 2 and len(unmatched1.get_paths()) == len(left1) == 1
    assert len(matched2.get_paths()) == 2 and len(unmatched2.get_paths()) == len(left2) == 1
    assert unmatched1.get_linestyle()[0][1] is not None
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    centres1, centres2 = corners_oracle(first).mean(axis=1), corners_oracle(second).mean(axis=1)
    want = [np.array([centres1[i], centres2[j]]) for i, j in matches.T]
    np.testing.assert_allclose(lines.get_segments(), want)


def test_matches_of_rotated_boxes():
    rotated = random_rotated_boxes(10, seed=9)
    matches = np.array([[0, 1], [1, 0]])
    ax = plot.plot_matches(rotated, rotated[::-1], matches)
    assert len(ax.collections[-1].get_segments()) == 2


# ---------------------------------------------------------------- tile cover


def test_tile_cover_colours_boxes_by_tile():
    boxes = random_boxes(60, 500, 50, seed=10)
    tiles, indptr, indices = boxgeom.tile_cover(boxes, 120, 120)
    ax = plot.plot_tile_cover(boxes, tiles, 120, 120, indptr, indices)
    drawn_tiles, drawn_boxes = polys(ax)
    np.testing.assert_array_equal(drawn_corners(drawn_tiles), corners_oracle(np.hstack([tiles, tiles + 120])))
    tile_colours, box_colours = drawn_tiles.get_edgecolor(), drawn_boxes.get_edgecolor()
    for t in range(len(tiles)):
        for i in indices[indptr[t]:indptr[t + 1]]:
            np.testing.assert_array_equal(box_colours[i], tile_colours[t])
    assert (drawn_tiles.get_facecolor()[:, 3] < 0.5).all()  # translucent


def test_tile_cover_without_grouping_and_in_a_window():
    boxes = random_boxes(200, 2000, 50, seed=11)
    tiles, _, _ = boxgeom.tile_cover(boxes, 200, 200)
    window = (0, 0, 500, 500)
    ax = plot.plot_tile_cover(boxes, tiles, 200, 200, window=window)
    drawn_tiles, drawn_boxes = polys(ax)
    assert len(drawn_boxes.get_paths()) == meets_window(corners_oracle(boxes), window).sum()
    assert len(drawn_tiles.get_paths()) == meets_window(corners_oracle(np.hstack([tiles, tiles + 200])), window).sum()


# ---------------------------------------------------------------- set areas


def mesh_areas(ax) -> np.ndarray:
    """Area of the red-only, blue-only and both cells of the set decomposition mesh."""
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    if not meshes:
        return np.zeros(3)
    coordinates = meshes[0].get_coordinates()
    widths, heights = np.diff(coordinates[0, :, 0]), np.diff(coordinates[:, 0, 1])
    kind = np.ma.filled(meshes[0].get_array(), 0).reshape(len(heights), len(widths))
    cells = heights[:, None] * widths[None, :]
    return np.array([cells[kind == k].sum() for k in (1, 2, 3)])


def exact_regions(red, blue) -> np.ndarray:
    r, b, both, _ = setarea_oracle.areas(setarea_oracle.as_fractions(red), setarea_oracle.as_fractions(blue))
    return np.array([float(r - both), float(b - both), float(both)])


@given(red=lattice_boxes(max_n=12), blue=lattice_boxes(max_n=12))
def test_set_decomposition_covers_the_exact_regions(red, blue):
    plt.close("all")
    ax = plot.plot_set_areas(red, blue)
    np.testing.assert_allclose(mesh_areas(ax), exact_regions(red, blue), atol=1e-9)
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [f"{name}: {value:g}" for name, value in zip(("red only", "blue only", "both"), exact_regions(red, blue))]


@given(red=lattice_boxes(max_n=12), blue=lattice_boxes(max_n=12),
       window=st.tuples(st.integers(-10, 6), st.integers(-10, 6), st.integers(1, 8), st.integers(1, 8)))
def test_set_decomposition_in_a_window_is_the_clipped_one(red, blue, window):
    plt.close("all")
    x, y, w, h = window
    frame = (x, y, x + w, y + h)
    ax = plot.plot_set_areas(red, blue, window=frame)

    def clip(boxes):
        return np.hstack([np.maximum(boxes[:, :2], frame[:2]), np.minimum(boxes[:, 2:], frame[2:])])

    np.testing.assert_allclose(mesh_areas(ax), exact_regions(clip(red), clip(blue)), atol=1e-9)
    # the legend still gives the totals of the whole input
    assert ax.get_legend().get_texts()[2].get_text() == f"both: {float(exact_regions(red, blue)[2]):g}"


@given(boxes=lattice_boxes(max_n=15), data=st.data())
def test_cover_helper_matches_brute_force(boxes, data):
    xs = np.unique(data.draw(st.lists(st.integers(-14, 20), min_size=2, max_size=10))).astype(float)
    ys = np.unique(data.draw(st.lists(st.integers(-14, 20), min_size=2, max_size=10))).astype(float)
    brute = np.zeros((max(len(xs) - 1, 0), max(len(ys) - 1, 0)), dtype=bool)
    for x1, y1, x2, y2 in boxes.tolist():
        for i in range(len(xs) - 1):
            for j in range(len(ys) - 1):
                brute[i, j] |= x1 <= xs[i] and xs[i + 1] <= x2 and y1 <= ys[j] and ys[j + 1] <= y2
    np.testing.assert_array_equal(_cover(boxes.astype(float), xs, ys), brute)


def test_set_areas_title_and_fmt():
    red, blue = [[0, 0, 2, 2]], [[1, 0, 2, 2]]  # xywh: blue is [1, 0, 3, 2]
    ax = plot.plot_set_areas(red, blue, fmt="xywh")
    assert ax.get_title() == "set IoU 0.3333: intersection 2 / union 6"
    np.testing.assert_allclose(mesh_areas(ax), [2, 2, 2])


# ---------------------------------------------------------------- empty and bad input


@pytest.mark.parametrize(
    "draw",
    [
        lambda e: plot.plot_boxes(e, labels=True),
        lambda e: plot.plot_boxes(np.empty((0, 5))),
        lambda e: plot.plot_pairs(e, EMPTY_PAIRS),
        lambda e: plot.plot_nms(e, [], []),
        lambda e: plot.plot_matches(e, e, EMPTY_PAIRS),
        lambda e: plot.plot_tile_cover(e, np.empty((0, 2)), 5, 5, [0], []),
        lambda e: plot.plot_set_areas(e, e),
        lambda e: plot.plot_set_areas(e, [[0, 0, 1, 1]], window=(0, 0, 2, 2)),
    ],
    ids=["boxes", "rotated", "pairs", "nms", "matches", "tile_cover", "set_areas", "set_areas_window"],
)
def test_empty_inputs_render(tmp_path, draw):
    assert rendered(draw(np.empty((0, 4))), tmp_path) == (round(plot.FIGSIZE[0] * DPI), round(plot.FIGSIZE[1] * DPI))


BOXES = [[0, 0, 2, 2], [1, 1, 3, 3]]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: plot.plot_boxes([[0, 0, 1]]), ValueError, "boxes: expected shape"),
        (lambda: plot.plot_boxes([[0, 0, np.nan, 1]]), ValueError, "boxes: expected finite"),
        (lambda: plot.plot_boxes([[2, 0, 1, 1]]), ValueError, "boxes: expected boxes with non-negative size"),
        (lambda: plot.plot_boxes([[0, 0, -1, 1, 0]]), ValueError, "boxes: expected boxes with non-negative size"),
        (lambda: plot.plot_boxes(BOXES, fmt="yxyx"), ValueError, "fmt: expected one of"),
        (lambda: plot.plot_boxes(BOXES, window=(0, 0, 0, 1)), ValueError, "window: expected x1 < x2"),
        (lambda: plot.plot_boxes(BOXES, window=(0, 0, 1)), ValueError, "window: expected shape"),
        (lambda: plot.plot_boxes(BOXES, labels="yes"), TypeError, "labels: expected True or False"),
        (lambda: plot.plot_boxes([[0, 0, 2, 2, 0]], angle_unit="grad"), ValueError, "angle_unit: expected one of"),
        (lambda: plot.plot_pairs(BOXES, EMPTY_PAIRS, angle_unit="grad"), ValueError, "angle_unit: expected one of"),
        (lambda: plot.plot_pairs(BOXES, [[0], [2]]), ValueError, "pairs: expected row 1 within"),
        (lambda: plot.plot_pairs(BOXES, [0, 1]), ValueError, "pairs: expected shape"),
        (lambda: plot.plot_nms(BOXES, [1.0], [0]), ValueError, "scores: expected length 2"),
        (lambda: plot.plot_nms(BOXES, [1.0, 0.5], [2]), ValueError, "keep: expected indices within"),
        (lambda: plot.plot_nms(BOXES, [1.0, 0.5], [0.0]), TypeError, "keep: expected an integer array"),
        (lambda: plot.plot_matches(BOXES, [[0, 0, 1, 1]], [[1], [1]]), ValueError, "matches: expected row 1"),
        (lambda: plot.plot_matches(BOXES, [[0, 0, np.inf, 1]], EMPTY_PAIRS), ValueError, "boxes2: expected finite"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0]], -1, 5), ValueError, "tile_width: expected a positive"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0, 1]], 5, 5), ValueError, "tiles: expected shape"),
        (lambda: plot.plot_tile_cover([[0, 0, 2, 2, 9]], [[0, 0]], 5, 5), ValueError, "boxes: expected shape"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0]], 5, 5, [0, 2]), ValueError, "indices: expected an array"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0]], 5, 5, [0, 1, 2], [0, 1]), ValueError, "indptr: expected length 2"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0]], 5, 5, [0, 1], [0, 1]), ValueError, "indptr: expected non-decreasing"),
        (lambda: plot.plot_tile_cover(BOXES, [[0, 0]], 5, 5, [0, 2], [0, 5]), ValueError, "indices: expected indices within"),
        (lambda: plot.plot_set_areas(BOXES, [[0, 0, 1]]), ValueError, "blue: expected shape"),
        (lambda: plot.save_figure(plot.plot_boxes(BOXES), "x.png", dpi=0), ValueError, "dpi: expected a positive"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------- lazy import


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_boxgeom_does_not_import_matplotlib():
    result = run_python("import boxgeom, boxgeom.plot, sys; assert 'matplotlib' not in sys.modules")
    assert result.returncode == 0, result.stderr


def test_missing_matplotlib_says_how_to_install():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from boxgeom import plot\n"
        "try:\n    plot.plot_boxes([[0, 0, 1, 1]])\n"
        "except ImportError as error:\n    print(error)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert 'pip install "boxgeom[plot]"' in result.stdout
