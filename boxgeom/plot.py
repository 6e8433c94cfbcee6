"""Pictures of boxes and of boxgeom's results, drawn with matplotlib.

Install the extra with ``pip install "boxgeom[plot]"``; matplotlib is imported only
when a function here is called, never by ``import boxgeom``.

Every drawing function takes ``ax=None`` (a new 6 x 6 inch figure is created when it
is None), draws into it, and returns the :class:`matplotlib.axes.Axes`; the aspect is
equal. :func:`save_figure` writes and closes the figure.

Orientation: image coordinates by default, as detection viewers show boxes: x to the
right and **y down**, the origin at the top-left (the y axis is inverted).
``y_down=False`` draws the mathematical orientation instead, y up (matplotlib's
default). ``image=`` draws an ``(H, W)`` grayscale or ``(H, W, 3 | 4)`` RGB(A) array under
the boxes, pixel (row r, column c) covering ``[c, c + 1] x [r, r + 1]``: a box of pixel
edges ``(x1, y1, x2, y2)`` encloses the pixels of columns ``x1 .. x2 - 1`` and rows
``y1 .. y2 - 1``. With the default rotated convention (``docs/rotated.md``) the w-axis of
a box is ``(cos a, sin a)``: with y down a positive angle turns the box **clockwise** on
screen (its w-axis points right and down), with y up counter-clockwise.

Boxes are ``(n, 4)`` axis-aligned boxes in ``fmt`` or, where a function accepts
them, ``(n, 5)`` rotated boxes ``(cx, cy, w, h, angle)`` with the angle in
``angle_unit``. ``window=(x1, y1, x2, y2)`` draws only the boxes whose bounding
rectangle meets the window (edges included) and sets the axis limits to it: the way
to look at part of a large input. All boxes of one kind go into one
``PolyCollection``, so 100,000 boxes draw in about a second.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from boxgeom._validate import (
    as_array,
    as_indices,
    as_numpy,
    as_pairs,
    as_rotated,
    as_scores,
    check_angle_unit,
    check_flag,
    check_positive,
)
from boxgeom.evaluation import mean_found
from boxgeom.formats import as_boxes, as_float64_box, as_float64_boxes, check_fmt
from boxgeom.rotated import rotated_corners
from boxgeom.setarea import set_areas
from boxgeom.svg import FILL, STROKE, _cover

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PolyCollection

__all__ = [
    "plot_boxes",
    "plot_matches",
    "plot_nms",
    "plot_pairs",
    "plot_precision_recall",
    "plot_set_areas",
    "plot_tile_cover",
    "save_figure",
]

FIGSIZE = (6.0, 6.0)
FAINT = "0.72"
KEPT, SUPPRESSED = "tab:green", "tab:red"
SCORE_TEXT_LIMIT = 50  # scores are written next to the boxes when at most this many are drawn
TILE_COLOURS = "tab20"
LEGEND_ROOM = 0.14  # fraction of the data height added at the visual top for the legend
GREY_RANGE = {"f": 1.0, "b": 1.0, "i": 255.0, "u": 255.0}  # white of a grayscale image, by dtype kind

Window = tuple[float, float, float, float]


# ---------------------------------------------------------------- matplotlib and axes


# --- argument checks of the plots (used by this module only)


def as_csr(indptr: Any, indices: Any, n_rows: int, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate a CSR grouping (``tile_cover``'s ``indptr``, ``indices``) of ``n_rows`` rows over ``n`` items.

    Both None (no grouping) returns None; one of them None is a ValueError.
    """
    if indptr is None and indices is None:
        return None
    if indptr is None or indices is None:
        given, missing = ("indptr", "indices") if indices is None else ("indices", "indptr")
        raise ValueError(f"{missing}: expected an array together with {given}, got None")
    pointers = as_indices(indptr, np.iinfo(np.intp).max, "indptr")
    items = as_indices(indices, n, "indices")
    if len(pointers) != n_rows + 1:
        raise ValueError(f"indptr: expected length {n_rows + 1} (one more than the rows), got {len(pointers)}")
    if pointers[0] != 0 or pointers[-1] != len(items) or (np.diff(pointers) < 0).any():
        raise ValueError(
            f"indptr: expected non-decreasing values from 0 to len(indices) = {len(items)}, "
            f"got {pointers[0]} .. {pointers[-1]}"
        )
    return pointers, items


def as_window(window: Any, name: str = "window") -> tuple[float, float, float, float]:
    """Return a drawing window ``(x1, y1, x2, y2)`` as floats with ``x1 < x2`` and ``y1 < y2``."""
    x1, y1, x2, y2 = as_float64_box(window, name)
    if not (x1 < x2 and y1 < y2):
        raise ValueError(f"{name}: expected x1 < x2 and y1 < y2, got {[x1, y1, x2, y2]}")
    return x1, y1, x2, y2


def as_image(image: Any, name: str = "image") -> np.ndarray | None:
    """Return an image ``(H, W)`` or ``(H, W, 3 | 4)`` of numbers or bools as an array (None stays None)."""
    if image is None:
        return None
    array = as_numpy(image)
    if array.dtype.kind not in GREY_RANGE:
        raise TypeError(f"{name}: expected an array of numbers or bools, got dtype {array.dtype}")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))) or 0 in array.shape[:2]:
        raise ValueError(f"{name}: expected shape (H, W), (H, W, 3) or (H, W, 4) with H, W > 0, got {array.shape}")
    return array


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError('boxgeom.plot needs matplotlib: pip install "boxgeom[plot]"') from error
    return plt


def _axes(ax: Axes | None) -> Axes:
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE)
    return ax


def _start(ax: Axes | None, image: np.ndarray | None) -> Axes:
    """The axes to draw into (a new figure for None), with ``image`` under the boxes.

    Pixel (row r, column c) covers [c, c + 1] x [r, r + 1]; a grayscale image is drawn
    grey from 0 (black) to the white of its dtype (1 for floats and bools, 255 for integers).
    """
    ax = _axes(ax)
    if image is not None:
        height, width = image.shape[:2]
        grey: dict[str, Any] = {}
        if image.ndim == 2:
            grey = {"cmap": "gray", "vmin": 0.0, "vmax": GREY_RANGE[image.dtype.kind]}
        ax.imshow(image, extent=(0, width, height, 0), origin="upper", zorder=0, **grey)
    return ax


def _finish(
    ax: Axes,
    window: Window | None,
    y_down: bool,
    title: str | None = None,
    legend: bool = False,
    handles: list | None = None,
) -> Axes:
    """Limits (the window, else the data and image), y down or up, equal aspect, title and legend.

    The legend (of ``handles``, else of the labels) sits at the visual top, in a band of
    ``LEGEND_ROOM`` of the height added there when no window is given: beyond the largest
    y with y up, beyond the smallest y with y down.
    """
    if window is None:
        ax.autoscale_view()
        ax.yaxis.set_inverted(y_down)
    else:
        ax.set_xlim(window[0], window[2])
        ax.set_ylim(*((window[3], window[1]) if y_down else (window[1], window[3])))
    ax.set_aspect("equal")
    if title is not None:
        ax.set_title(title, fontsize="medium")
    if legend or handles is not None:
        # a fixed place (loc="best" would test every drawn path), in a band kept free at the top
        ax.legend(**({} if handles is None else {"handles": handles}), loc="upper center", ncols=3,
                  fontsize="x-small", framealpha=0.85)
        if window is None:
            low, high = sorted(ax.get_ylim())
            room = LEGEND_ROOM * (high - low)
            ax.set_ylim(*((high, low - room) if y_down else (low, high + room)))
    return ax


# ---------------------------------------------------------------- geometry


def _xyxy_corners(xyxy: np.ndarray) -> np.ndarray:
    """(n, 4, 2) corners of axis-aligned boxes from (x1, y1), in rotated_corners' order (counter-clockwise y up)."""
    x1, y1, x2, y2 = (xyxy[:, k] for k in range(4))
    return np.stack([np.stack(corner, axis=-1) for corner in ((x1, y1), (x2, y1), (x2, y2), (x1, y2))], axis=1)


def _corners(
    boxes: npt.ArrayLike, name: str, fmt: str, angle_unit: str, rotated_ok: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validated boxes as ((n, 4, 2) float64 corners, float64 xyxy or None for rotated boxes)."""
    check_fmt(fmt)
    check_angle_unit(angle_unit)
    array = as_numpy(boxes)
    if rotated_ok and array.ndim == 2 and array.shape[1] == 5:
        return rotated_corners(as_rotated(array, name), angle_unit=angle_unit), None
    xyxy = as_boxes(boxes, name, fmt).astype(np.float64, copy=False)
    return _xyxy_corners(xyxy), xyxy


def _meets(corners: np.ndarray, window: Window | None) -> np.ndarray:
    """Boolean mask of the shapes whose bounding rectangle meets ``window`` (all when None)."""
    if window is None:
        return np.ones(len(corners), dtype=bool)
    low, high = corners.min(axis=1), corners.max(axis=1)
    return (low[:, 0] <= window[2]) & (high[:, 0] >= window[0]) & (low[:, 1] <= window[3]) & (high[:, 1] >= window[1])


def _view(window: Any, image: Any, y_down: Any) -> tuple[Window | None, np.ndarray | None, bool]:
    """The validated ``window``, ``image`` and ``y_down`` of a drawing function."""
    return None if window is None else as_window(window), as_image(image), check_flag(y_down, "y_down")


# ---------------------------------------------------------------- drawing


def _draw(ax: Axes, corners: np.ndarray, **style: Any) -> PolyCollection:
    """Add one PolyCollection of the (k, 4, 2) ``corners``; outlines only unless a facecolor is given."""
    from matplotlib.collections import PolyCollection

    options = {"facecolor": "none", "linewidth": 1.0}
    options.update(style)
    collection = PolyCollection(corners, closed=True, **options)
    ax.add_collection(collection, autolim=True)
    return collection


def _texts(ax: Axes, points: np.ndarray, texts: list[str], colour: Any, **options: Any) -> None:
    for (x, y), text in zip(points.tolist(), texts):
        ax.text(x, y, text, color=colour, fontsize="x-small", clip_on=True, **options)


def _top_left(corners: np.ndarray, y_down: bool) -> np.ndarray:
    """The corner of each shape highest on screen (smallest y with y down, largest y up), the leftmost of a tie."""
    y = corners[:, :, 1]
    top = y.min(axis=1, keepdims=True) if y_down else y.max(axis=1, keepdims=True)
    x = np.where(y == top, corners[:, :, 0], np.inf)
    return np.stack([x.min(axis=1), top[:, 0]], axis=1)


# ---------------------------------------------------------------- public


def plot_boxes(
    boxes: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    color: Any = "C0",
    labels: bool = False,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
    angle_unit: str = "deg",
    **patch_kwargs: Any,
) -> Axes:
    """Draw boxes: axis-aligned ``(n, 4)`` or rotated ``(n, 5)``.

    Parameters
    ----------
    boxes : array_like of shape (n, 4) or (n, 5)
        Axis-aligned boxes in ``fmt`` (``x1 <= x2``, ``y1 <= y2``), or rotated boxes
        ``(cx, cy, w, h, angle)`` in the OpenCV convention (see ``docs/rotated.md``).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Format of ``(n, 4)`` boxes; not used for rotated boxes.
    ax : matplotlib.axes.Axes, optional
        Draw here; by default into a new figure.
    color : matplotlib colour, default "C0"
        Outline colour (and colour of the labels).
    labels : bool, default False
        Write each box's index at its centre (meant for a few hundred boxes at most).
    window : (x1, y1, x2, y2), optional
        Draw only the boxes whose bounding rectangle meets the window, and show just it.
    angle_unit : {"deg", "rad"}, default "deg"
        Unit of the angle of rotated boxes.
    image : array_like of shape (H, W), (H, W, 3) or (H, W, 4), optional
        Drawn under the boxes, as :meth:`matplotlib.axes.Axes.imshow` takes it
        (grayscale, RGB or RGBA; uint8 in 0..255 or floats in [0, 1]), pixel (row r,
        column c) covering ``[c, c + 1] x [r, r + 1]``: its extent is ``(0, W, H, 0)``.
        Grayscale is drawn from black at 0 to white at 255 (integers) or 1 (floats,
        bools). Without a window the view holds the whole image and the boxes.
    y_down : bool, default True
        Image coordinates: y grows downwards, the origin at the top-left (the y axis is
        inverted), and a positive angle turns a rotated box clockwise on screen. False
        draws y up, the mathematical orientation (the image then shows upside down).
    **patch_kwargs
        Passed to :class:`matplotlib.collections.PolyCollection` (``facecolor``,
        ``linestyle``, ``alpha``, ``label``...); they override the defaults.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        Bad boxes (wrong shape, NaN, negative size), an unknown ``fmt``, an empty
        or inverted ``window`` or an ``image`` of the wrong shape.
    TypeError
        An ``image`` that is not of numbers or bools, or a ``labels`` or ``y_down``
        that is not a bool.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_boxes([[0, 0, 4, 2], [1, 1, 3, 5]], labels=True)
    >>> type(ax).__name__, len(ax.collections[0].get_paths()), [t.get_text() for t in ax.texts]
    ('Axes', 2, ['0', '1'])
    >>> print(ax.yaxis_inverted(), plot_boxes([[0, 0, 4, 2]], y_down=False).yaxis_inverted())  # y down, y up
    True False
    >>> ax = plot_boxes([[0, 0, 4, 2, 30]], color="C3", linestyle="--")  # rotated
    >>> ax.collections[0].get_paths()[0].vertices[:4].round(3).tolist()
    [[-1.232, -1.866], [2.232, 0.134], [1.232, 1.866], [-2.232, -0.134]]
    >>> image = np.zeros((6, 8), dtype=np.uint8)
    >>> image[1:3, 2:5] = 255  # rows 1..2, columns 2..4: the box [2, 1, 5, 3]
    >>> ax = plot_boxes([[2, 1, 5, 3]], image=image)
    >>> ax.images[0].get_extent(), [float(v) for v in ax.get_xlim() + ax.get_ylim()]  # the image, y down
    ([0, 8, 6, 0], [0.0, 8.0, 6.0, 0.0])
    >>> plt.close("all")
    """
    corners, _ = _corners(boxes, "boxes", fmt, angle_unit)
    labels = check_flag(labels, "labels")
    area, picture, down = _view(window, image, y_down)
    ax = _start(ax, picture)
    from matplotlib import cbook
    from matplotlib.collections import PolyCollection

    shown = np.flatnonzero(_meets(corners, area))
    _draw(ax, corners[shown], **{"edgecolor": color, **cbook.normalize_kwargs(patch_kwargs, PolyCollection)})
    if labels:
        _texts(ax, corners[shown].mean(axis=1), [str(i) for i in shown], color, ha="center", va="center")
    return _finish(ax, area, down)


def plot_pairs(
    boxes: npt.ArrayLike,
    pairs: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
    angle_unit: str = "deg",
) -> Axes:
    """Draw boxes and their overlapping pairs.

    Boxes in no pair are faint grey, boxes in some pair are blue, and for
    axis-aligned boxes the intersection rectangle of each pair is filled red.

    Parameters
    ----------
    boxes : array_like of shape (n, 4) or (n, 5)
        As in :func:`plot_boxes`.
    pairs : array_like of shape (2, k), integer
        Pairs of indices into ``boxes``, as :func:`boxgeom.find_pairs` returns them.
    fmt, ax, window, angle_unit, image, y_down
        As in :func:`plot_boxes`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import boxgeom
    >>> boxes = [[0, 0, 4, 4], [2, 2, 6, 6], [8, 0, 9, 1]]
    >>> ax = plot_pairs(boxes, boxgeom.find_pairs(boxes))
    >>> ax.get_title()
    '1 pairs among 3 boxes'
    >>> ax.collections[2].get_paths()[0].vertices[:4].tolist()  # the filled intersection
    [[2.0, 2.0], [4.0, 2.0], [4.0, 4.0], [2.0, 4.0]]
    >>> plt.close("all")
    """
    corners, xyxy = _corners(boxes, "boxes", fmt, angle_unit)
    n = len(corners)
    pairs = as_pairs(pairs, n, n)
    area, picture, down = _view(window, image, y_down)
    ax = _start(ax, picture)
    shown = _meets(corners, area)
    paired = np.zeros(n, dtype=bool)
    paired[pairs.ravel()] = True
    _draw(ax, corners[shown & ~paired], edgecolor=FAINT, linewidth=0.7, label="box")
    _draw(ax, corners[shown & paired], edgecolor="C0", linewidth=1.3, label="in a pair")
    if xyxy is not None:
        first, second = xyxy[pairs[0]], xyxy[pairs[1]]
        overlap = _xyxy_corners(np.hstack([np.maximum(first[:, :2], second[:, :2]), np.minimum(first[:, 2:], second[:, 2:])]))
        _draw(ax, overlap[_meets(overlap, area)], facecolor="C3", edgecolor="none", alpha=0.45, label="intersection")
    return _finish(ax, area, down, f"{pairs.shape[1]:,} pairs among {n:,} boxes", legend=True)


def plot_nms(
    boxes: npt.ArrayLike,
    scores: npt.ArrayLike,
    keep: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
    angle_unit: str = "deg",
) -> Axes:
    """Draw the result of NMS: kept boxes solid green, suppressed boxes dashed red.

    When at most 50 boxes are drawn, each one's score is written above its corner
    highest on screen (the top-left one of an axis-aligned box).

    Parameters
    ----------
    boxes : array_like of shape (n, 4) or (n, 5)
        As in :func:`plot_boxes`.
    scores : array_like of shape (n,)
    keep : array_like of shape (k,), integer
        Indices of the kept boxes, as :func:`boxgeom.nms` and
        :func:`boxgeom.rotated_nms` return them.
    fmt, ax, window, angle_unit, image, y_down
        As in :func:`plot_boxes`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import boxgeom
    >>> boxes, scores = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 0, 30, 10]], [0.9, 0.8, 0.7]
    >>> ax = plot_nms(boxes, scores, boxgeom.nms(boxes, scores, 0.5))
    >>> ax.get_title(), [t.get_text() for t in ax.texts]
    ('NMS: 2 of 3 boxes kept', ['0.9', '0.8', '0.7'])
    >>> plt.close("all")
    """
    corners, _ = _corners(boxes, "boxes", fmt, angle_unit)
    n = len(corners)
    values = as_scores(scores, n)
    kept = np.zeros(n, dtype=bool)
    kept[as_indices(keep, n, "keep")] = True
    area, picture, down = _view(window, image, y_down)
    ax = _start(ax, picture)
    shown = _meets(corners, area)
    _draw(ax, corners[shown & ~kept], edgecolor=SUPPRESSED, linestyle="--", linewidth=0.9, alpha=0.75,
          label="suppressed")
    _draw(ax, corners[shown & kept], edgecolor=KEPT, linewidth=1.6, label="kept")
    drawn = np.flatnonzero(shown)
    if len(drawn) <= SCORE_TEXT_LIMIT:
        _texts(ax, _top_left(corners[drawn], down), [f"{values[i]:.3g}" for i in drawn], "0.15", ha="left", va="bottom")
    return _finish(ax, area, down, f"NMS: {int(kept.sum()):,} of {n:,} boxes kept", legend=True)


def plot_matches(
    boxes1: npt.ArrayLike,
    boxes2: npt.ArrayLike,
    matches: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
    angle_unit: str = "deg",
) -> Axes:
    """Draw a one-to-one matching: ``boxes1`` blue, ``boxes2`` orange, matched centres joined.

    Matched boxes are solid, unmatched ones dashed.

    Parameters
    ----------
    boxes1, boxes2 : array_like of shape (n, 4) or (n, 5), and (m, 4) or (m, 5)
        As in :func:`plot_boxes`.
    matches : array_like of shape (2, k), integer
        Row 0 indexes ``boxes1``, row 1 ``boxes2``, as :func:`boxgeom.match_greedy`
        and :func:`boxgeom.match_optimal` return them.
    fmt, ax, window, angle_unit, image, y_down
        As in :func:`plot_boxes`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import boxgeom
    >>> boxes1, boxes2 = [[0, 0, 10, 10], [30, 0, 40, 10]], [[1, 0, 11, 10]]
    >>> matches, _, _ = boxgeom.match_greedy(boxes1, boxes2, 0.5)
    >>> ax = plot_matches(boxes1, boxes2, matches)
    >>> ax.get_title(), ax.collections[-1].get_segments()[0].tolist()
    ('1 matches, 1 + 0 unmatched', [[5.0, 5.0], [6.0, 5.0]])
    >>> plt.close("all")
    """
    first, _ = _corners(boxes1, "boxes1", fmt, angle_unit)
    second, _ = _corners(boxes2, "boxes2", fmt, angle_unit)
    pairs = as_pairs(matches, len(first), len(second), "matches")
    area, picture, down = _view(window, image, y_down)
    ax = _start(ax, picture)
    from matplotlib.collections import LineCollection

    shown = []
    for corners, matched_rows, colour, name in ((first, pairs[0], "C0", "boxes1"), (second, pairs[1], "C1", "boxes2")):
        matched = np.zeros(len(corners), dtype=bool)
        matched[matched_rows] = True
        shown.append(_meets(corners, area))
        _draw(ax, corners[shown[-1] & matched], edgecolor=colour, linewidth=1.4, label=f"{name} matched")
        _draw(ax, corners[shown[-1] & ~matched], edgecolor=colour, linestyle="--", linewidth=0.9,
              label=f"{name} unmatched")
    linked = shown[0][pairs[0]] | shown[1][pairs[1]]
    segments = np.stack([first.mean(axis=1)[pairs[0]], second.mean(axis=1)[pairs[1]]], axis=1)[linked]
    ax.add_collection(LineCollection(segments, colors="0.2", linewidths=1.0, label="match"), autolim=True)
    k = pairs.shape[1]
    return _finish(ax, area, down, f"{k:,} matches, {len(first) - k:,} + {len(second) - k:,} unmatched", legend=True)


def plot_tile_cover(
    boxes: npt.ArrayLike,
    tiles: npt.ArrayLike,
    tile_width: float,
    tile_height: float,
    indptr: npt.ArrayLike | None = None,
    indices: npt.ArrayLike | None = None,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
) -> Axes:
    """Draw a tile cover: tiles as translucent rectangles, boxes coloured by their tile.

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Axis-aligned boxes in ``fmt``.
    tiles : array_like of shape (t, 2)
        Corners ``(x, y)`` of smallest coordinates of the tiles (top-left with y down), as
        :func:`boxgeom.tile_cover` returns them.
    tile_width, tile_height : float
        Positive tile size.
    indptr : array_like of shape (t + 1,), optional
    indices : array_like of shape (n,), optional
        The boxes of tile ``t`` are ``indices[indptr[t]:indptr[t + 1]]``; give both or
        neither. Without them the boxes are drawn in one colour; boxes in no tile are grey.
    fmt, ax, window, image, y_down
        As in :func:`plot_boxes`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import boxgeom
    >>> boxes = [[0, 0, 2, 2], [3, 1, 5, 4], [9, 9, 10, 10]]
    >>> tiles, indptr, indices = boxgeom.tile_cover(boxes, 5, 5)
    >>> ax = plot_tile_cover(boxes, tiles, 5, 5, indptr, indices)
    >>> ax.get_title(), len(ax.collections[0].get_paths())
    ('2 tiles of 5 x 5 cover 3 boxes', 2)
    >>> plt.close("all")
    """
    corners, _ = _corners(boxes, "boxes", fmt, "deg", rotated_ok=False)
    corners_of_tiles = as_array(tiles, "tiles", 2).astype(np.float64, copy=False)
    width = check_positive(tile_width, "tile_width")
    height = check_positive(tile_height, "tile_height")
    n, t = len(corners), len(corners_of_tiles)
    grouping = as_csr(indptr, indices, t, n)
    area, picture, down = _view(window, image, y_down)
    ax = _start(ax, picture)
    from matplotlib import colormaps

    palette = colormaps[TILE_COLOURS](np.arange(t) % colormaps[TILE_COLOURS].N)
    tile_corners = _xyxy_corners(np.hstack([corners_of_tiles, corners_of_tiles + (width, height)]))
    tile_shown = _meets(tile_corners, area)
    translucent = palette.copy()
    translucent[:, 3] = 0.18
    _draw(ax, tile_corners[tile_shown], facecolor=translucent[tile_shown], edgecolor=palette[tile_shown],
          linewidth=1.2)
    shown = _meets(corners, area)
    if grouping is None:
        colours: Any = "C0"
    else:
        tile_of = np.full(n, -1, dtype=np.intp)
        tile_of[grouping[1]] = np.repeat(np.arange(t), np.diff(grouping[0]))
        colours = np.tile([0.5, 0.5, 0.5, 1.0], (n, 1))  # grey: in no tile
        colours[tile_of >= 0] = palette[tile_of[tile_of >= 0]]
        colours = colours[shown]
    _draw(ax, corners[shown], edgecolor=colours, linewidth=1.0)
    return _finish(ax, area, down, f"{t:,} tiles of {width:g} x {height:g} cover {n:,} boxes")


def plot_set_areas(
    red: npt.ArrayLike,
    blue: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    ax: Axes | None = None,
    window: Any = None,
    image: Any = None,
    y_down: bool = True,
) -> Axes:
    """Draw the set decomposition of two box sets: ``∪R`` only, ``∪B`` only and both.

    The three regions are filled in three colours (those of
    :func:`boxgeom.svg.set_decomposition_svg`), red boxes are outlined solid and
    blue boxes dashed; the legend gives the area of each region and the title the
    IoU of the two sets, all from :func:`boxgeom.set_areas` over the whole input
    (also when a ``window`` shows part of it).

    Parameters
    ----------
    red, blue : array_like of shape (n, 4) and (m, 4)
        Boxes in ``fmt``. As in :func:`boxgeom.set_areas`, a box with zero or negative
        width or height is valid and empty.
    fmt, ax, window, image, y_down
        As in :func:`plot_boxes`.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    The distinct x and y edges cut the plane (or the window) into cells; each cell is
    coloured by the sets that cover it and the cells are drawn as one mesh. Time and
    memory grow with the number of cells, O((n + m)^2): meant for up to a few
    thousand boxes in view.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_set_areas([[0, 0, 2, 2]], [[1, 0, 3, 2]])
    >>> ax.get_title()
    'set IoU 0.3333: intersection 2 / union 6'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['red only: 2', 'blue only: 2', 'both: 2']
    >>> plt.close("all")
    """
    red_xyxy = as_float64_boxes(red, "red", fmt)
    blue_xyxy = as_float64_boxes(blue, "blue", fmt)
    area, picture, down = _view(window, image, y_down)
    totals = set_areas(red_xyxy, blue_xyxy)
    ax = _start(ax, picture)
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    def in_view(xyxy: np.ndarray) -> np.ndarray:
        if area is None:
            return xyxy
        return np.hstack([np.maximum(xyxy[:, :2], area[:2]), np.minimum(xyxy[:, 2:], area[2:])])

    red_view, blue_view = in_view(red_xyxy), in_view(blue_xyxy)
    everything = np.concatenate([red_view, blue_view])
    solid = everything[(everything[:, 2] > everything[:, 0]) & (everything[:, 3] > everything[:, 1])]
    xs, ys = np.unique(solid[:, [0, 2]]), np.unique(solid[:, [1, 3]])
    if len(xs) > 1 and len(ys) > 1:
        kind = _cover(red_view, xs, ys) * 1 + _cover(blue_view, xs, ys) * 2  # 1 red, 2 blue, 3 both
        cmap = ListedColormap([FILL["red"], FILL["blue"], FILL["both"]])
        mesh = ax.pcolormesh(xs, ys, np.ma.masked_equal(kind.T, 0), cmap=cmap, vmin=0.5, vmax=3.5, shading="flat",
                             antialiased=False, edgecolors="none")
        mesh.sticky_edges.x.clear()  # keep the usual margins around the data
        mesh.sticky_edges.y.clear()
    for xyxy, colour, style in ((red_xyxy, "red", "-"), (blue_xyxy, "blue", "--")):
        upright = xyxy[(xyxy[:, 2] >= xyxy[:, 0]) & (xyxy[:, 3] >= xyxy[:, 1])]
        outline = _xyxy_corners(upright)
        _draw(ax, outline[_meets(outline, area)], edgecolor=STROKE[colour], linestyle=style, linewidth=1.2)
    regions = (
        ("red only", FILL["red"], totals.red - totals.intersection),
        ("blue only", FILL["blue"], totals.blue - totals.intersection),
        ("both", FILL["both"], totals.intersection),
    )
    handles = [Patch(facecolor=fill, label=f"{name}: {value:g}") for name, fill, value in regions]
    title = f"set IoU {totals.iou:.4g}: intersection {totals.intersection:g} / union {totals.union:g}"
    return _finish(ax, area, down, title, handles=handles)


def plot_precision_recall(
    evaluation: Any,
    *,
    iou_thresholds: Any = (0.5, 0.75),
    category: int | None = None,
    area: str | None = None,
    max_det: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw precision against recall from :func:`boxgeom.evaluate_detections`.

    One curve per IoU threshold in ``iou_thresholds`` and one averaged over all the
    evaluation's thresholds, each the interpolated precision COCO integrates (its
    ``precision`` array at the recall thresholds), averaged over the categories that
    have ground truth unless ``category`` picks one. The legend gives each curve's AP.

    Parameters
    ----------
    evaluation : DetectionEvaluation
    iou_thresholds : sequence of float, default (0.5, 0.75)
        Thresholds of the evaluation to draw (each must be one of them).
    category : int, optional
        A category id of the evaluation (default: the mean over categories).
    area : str, optional
        An area label (default: the first, COCO's "all").
    max_det : int, optional
        One of the evaluation's ``max_dets`` (default: the largest).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from boxgeom import evaluate_detections
    >>> result = evaluate_detections([[0, 0, 10, 10]], [1], [1], [[0, 0, 10, 10]], [0.9], [1], [1])
    >>> [t.get_text() for t in plot_precision_recall(result).get_legend().get_texts()]
    ['IoU 0.50: AP 1.000', 'IoU 0.75: AP 1.000', 'IoU 0.50:0.95: AP 1.000']
    >>> plt.close("all")
    """
    labels = list(evaluation.area_labels)
    a = 0 if area is None else _position(labels, area, "area")
    m = len(evaluation.max_dets) - 1 if max_det is None else _position(list(evaluation.max_dets), max_det, "max_det")
    precision = evaluation.precision[:, :, :, a, m]  # (T, R, K)
    if category is not None:
        k = _position(evaluation.categories.tolist(), category, "category")
        precision = precision[:, :, k : k + 1]
    thresholds = evaluation.iou_thresholds.tolist()
    curves = [(f"IoU {t:0.2f}", precision[[_position(thresholds, t, "iou_thresholds")]]) for t in iou_thresholds]
    curves.append((f"IoU {thresholds[0]:0.2f}:{thresholds[-1]:0.2f}", precision))
    plt = _pyplot()
    if ax is None:
        ax = plt.figure(figsize=FIGSIZE).add_subplot()
    recall = evaluation.recall_thresholds
    for name, values in curves:
        found = values > -1
        if not found.any():
            continue
        ax.plot(recall, mean_found(values, (0, 2)), label=f"{name}: AP {values[found].mean():0.3f}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    which = "mean over categories" if category is None else f"category {category}"
    ax.set_title(f"precision-recall ({which}, area {labels[a]}, maxDets {evaluation.max_dets[m]})")
    ax.grid(True, color=FAINT, linewidth=0.5)
    if ax.get_lines():  # none when the categories drawn have no ground truth
        ax.legend(loc="lower left")
    return ax


def _position(values: list, value: Any, name: str) -> int:
    """The index of ``value`` in ``values``, else a ValueError naming ``name``."""
    if value not in values:
        raise ValueError(f"{name}: expected one of {values}, got {value!r}")
    return values.index(value)


def save_figure(ax: Axes, path: str | os.PathLike[str], *, dpi: float = 150) -> None:
    """Save the figure holding ``ax`` to ``path`` and close it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Any axes of the figure, as the drawing functions return it.
    path : str or path-like
        The format follows the extension: ``.png``, ``.svg``, ``.pdf`` (and the
        others matplotlib knows).
    dpi : float, default 150
        Pixels per inch: a default figure of this module is ``6 * dpi`` pixels square.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "boxes.png")
    >>> save_figure(plot_boxes([[0, 0, 2, 1]]), path, dpi=50)
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    plt = _pyplot()
    resolution = check_positive(dpi, "dpi")
    figure = ax.figure
    root = getattr(figure, "figure", None) or figure  # the top figure of a subfigure
    root.savefig(os.fspath(path), dpi=resolution)
    plt.close(root)
