"""An SVG picture of two box sets: the cell decomposition and the edge derivatives.

For checking set areas by eye: the distinct x and y values cut the plane into
cells, each filled by what covers it (red only, blue only, both); every box edge
that moves the intersection or the union is labelled with its derivative.
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from boxgeom.formats import as_float64_boxes
from boxgeom.setarea import set_area_grads

__all__ = ["set_decomposition_svg"]

FILL = {"red": "#f4a6a6", "blue": "#a6c8f4", "both": "#c9a6f4"}
STROKE = {"red": "#c0392b", "blue": "#1f5fa8"}


def _cover(boxes: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """cover[i, j]: some box of ``boxes`` holds the cell [xs[i], xs[i+1]] x [ys[j], ys[j+1]].

    ``xs`` and ``ys`` ascending. Box k holds the cells i0 <= i < i1, j0 <= j < j1 (first
    grid line at or after its low edge, last at or before its high edge); the counts
    come from a 2-D difference array: O(n log(cells) + cells) time, O(cells) memory.
    """
    i0, i1 = np.searchsorted(xs, boxes[:, 0], "left"), np.searchsorted(xs, boxes[:, 2], "right") - 1
    j0, j1 = np.searchsorted(ys, boxes[:, 1], "left"), np.searchsorted(ys, boxes[:, 3], "right") - 1
    some = (i0 < i1) & (j0 < j1)
    i0, i1, j0, j1 = i0[some], i1[some], j0[some], j1[some]
    count = np.zeros((len(xs), len(ys)), dtype=np.intp)
    for rows, columns, step in ((i0, j0, 1), (i1, j0, -1), (i0, j1, -1), (i1, j1, 1)):
        np.add.at(count, (rows, columns), step)
    return (count.cumsum(axis=0).cumsum(axis=1) > 0)[:-1, :-1]


def set_decomposition_svg(
    red: npt.ArrayLike, blue: npt.ArrayLike, path: str | os.PathLike[str] | None = None, *, size: int = 480
) -> str:
    """Return (and optionally write) an SVG drawing of the cell decomposition of two box sets.

    Cells covered by red only, blue only and both are filled in three colours; each
    box is outlined in its colour, and each edge whose move changes the
    intersection ``I`` or the union ``U`` is labelled ``dI/dU`` with the
    derivatives of :func:`boxgeom.set_area_grads` (``side="mid"``). The y axis
    points up.

    Parameters
    ----------
    red, blue : array_like of shape (n, 4) and (m, 4)
        Boxes in ``xyxy``. Meant for small sets: drawing costs O((n + m)^3).
    path : str or path-like, optional
        Also write the picture to this file.
    size : int, default 480
        Width and height of the drawing area, in pixels.

    Returns
    -------
    str
        The SVG document.

    Examples
    --------
    >>> svg = set_decomposition_svg([[0, 0, 2, 2]], [[1, 0, 3, 2]])
    >>> svg.startswith("<svg"), svg.count("<rect") >= 3
    (True, True)
    """
    red_xyxy = as_float64_boxes(red, "red")
    blue_xyxy = as_float64_boxes(blue, "blue")
    everything = np.concatenate([red_xyxy, blue_xyxy])
    margin = 40
    drawn = everything[(everything[:, 2] >= everything[:, 0]) & (everything[:, 3] >= everything[:, 1])]
    if not len(drawn):
        drawn = np.array([[0.0, 0.0, 1.0, 1.0]])
    x_low, y_low = drawn[:, :2].min(axis=0)
    x_high, y_high = drawn[:, 2:].max(axis=0)
    scale = size / max(x_high - x_low, y_high - y_low, 1e-300)

    def px(x: float) -> float:
        return margin + (x - x_low) * scale

    def py(y: float) -> float:
        return margin + (y_high - y) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 2 * margin}" height="{size + 2 * margin}" '
        f'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    solid = everything[(everything[:, 2] > everything[:, 0]) & (everything[:, 3] > everything[:, 1])]
    xs, ys = np.unique(solid[:, [0, 2]]), np.unique(solid[:, [1, 3]])
    if len(xs) > 1 and len(ys) > 1:
        is_red, is_blue = _cover(red_xyxy, xs, ys), _cover(blue_xyxy, xs, ys)
        for i, j in zip(*np.nonzero(is_red | is_blue)):
            kind = "both" if is_red[i, j] and is_blue[i, j] else "red" if is_red[i, j] else "blue"
            parts.append(
                f'<rect x="{px(xs[i]):.2f}" y="{py(ys[j + 1]):.2f}" width="{(xs[i + 1] - xs[i]) * scale:.2f}" '
                f'height="{(ys[j + 1] - ys[j]) * scale:.2f}" fill="{FILL[kind]}" stroke="white" '
                f'stroke-width="0.5"><title>{kind}</title></rect>'
            )
    grads = set_area_grads(red_xyxy, blue_xyxy)
    for colour, boxes in (("red", red_xyxy), ("blue", blue_xyxy)):
        d_inter, d_union = grads["intersection"][colour == "blue"], grads["union"][colour == "blue"]
        for k, (x1, y1, x2, y2) in enumerate(boxes):
            if x2 < x1 or y2 < y1:
                continue
            parts.append(
                f'<rect x="{px(x1):.2f}" y="{py(y2):.2f}" width="{(x2 - x1) * scale:.2f}" '
                f'height="{(y2 - y1) * scale:.2f}" fill="none" stroke="{STROKE[colour]}" stroke-width="1.5" '
                f'stroke-dasharray="{"6 3" if colour == "blue" else "none"}"/>'
            )
            # label each edge at its midpoint, just inside the box
            places = (
                (px(x1) + 3, py((y1 + y2) / 2), "start"),
                (px((x1 + x2) / 2), py(y1) - 4, "middle"),
                (px(x2) - 3, py((y1 + y2) / 2), "end"),
                (px((x1 + x2) / 2), py(y2) + 12, "middle"),
            )
            for c, (x, y, anchor) in enumerate(places):
                if d_inter[k, c] or d_union[k, c]:
                    parts.append(
                        f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}" fill="{STROKE[colour]}">'
                        f"{d_inter[k, c]:+g}/{d_union[k, c]:+g}</text>"
                    )
    parts.append(
        f'<text x="{margin}" y="{size + 2 * margin - 12}">cells: red only, blue only, both (purple); '
        "edge labels: dI/dU</text>"
    )
    parts.append("</svg>")
    text = "\n".join(parts) + "\n"
    if path is not None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    return text
