"""An independent exact oracle for set areas and their one-sided derivatives.

Cell decomposition (the construction of math.stackexchange q/2282427): the distinct
x and y values split the plane into cells; each cell is red if a red box holds it,
blue if a blue box does. Every area is a sum of cell areas. Coordinates are exact
rationals (``fractions.Fraction``; a float converts exactly) and are scaled to
integers so that the cell sums run in numpy int64 without rounding.

One-sided derivatives come from exact differences ``(f(c + h) - f(c)) / h`` with
``h`` below every gap between distinct coordinates, where ``f`` is piecewise
linear and so the difference is exact. The perturbation is applied to the
caller's coordinate (xyxy, xywh or cxcywh), which checks the chain rule and the
clamp rule for degenerate boxes too. The iou derivative is the quotient rule of
the exact one-sided derivatives of the intersection and the union.

Meant for small sets (a few dozen boxes): the cost is O(n^3) per evaluation.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

NAMES = ("red", "blue", "intersection", "union")


def _to_xyxy(box, fmt):
    a, b, c, d = box
    if fmt == "xyxy":
        return a, b, c, d
    if fmt == "xywh":
        return a, b, a + c, b + d
    return a - c / 2, b - d / 2, a + c / 2, b + d / 2  # cxcywh


def areas(red, blue, fmt="xyxy"):
    """Exact (|R|, |B|, |R & B|, |R | B|) as Fractions of two lists of Fraction boxes."""
    boxes = [_to_xyxy(b, fmt) for b in list(red) + list(blue)]
    n_red = len(red)
    if not boxes:
        return (Fraction(0),) * 4
    scale = 1
    for box in boxes:
        for value in box:
            scale = math.lcm(scale, value.denominator)
    ints = np.array([[int(v * scale) for v in box] for box in boxes], dtype=np.int64)
    xs = np.unique(ints[:, [0, 2]])
    ys = np.unique(ints[:, [1, 3]])
    if len(xs) < 2 or len(ys) < 2:
        return (Fraction(0),) * 4
    # cover[k, i, j]: box k holds cell [xs[i], xs[i+1]] x [ys[j], ys[j+1]]
    in_x = (ints[:, 0, None] <= xs[None, :-1]) & (xs[None, 1:] <= ints[:, 2, None])
    in_y = (ints[:, 1, None] <= ys[None, :-1]) & (ys[None, 1:] <= ints[:, 3, None])
    cover = in_x[:, :, None] & in_y[:, None, :]
    is_red = cover[:n_red].any(axis=0)
    is_blue = cover[n_red:].any(axis=0)
    cell = np.diff(xs)[:, None] * np.diff(ys)[None, :]
    sums = [int((cell * mask).sum()) for mask in (is_red, is_blue, is_red & is_blue, is_red | is_blue)]
    return tuple(Fraction(s, scale * scale) for s in sums)


def as_fractions(boxes):
    """Rows of an array-like as tuples of exact Fractions (a float converts exactly)."""
    return [tuple(Fraction(v) for v in row) for row in np.asarray(boxes).reshape(-1, 4).tolist()]


def step(red, blue, fmt="xyxy"):
    """Half the smallest positive gap between distinct coordinates of either axis (xyxy)."""
    boxes = [_to_xyxy(b, fmt) for b in list(red) + list(blue)]
    gaps = []
    for axis in (0, 1):
        values = sorted({v for box in boxes for v in (box[axis], box[axis + 2])})
        gaps += [b - a for a, b in zip(values, values[1:])]
    return min(gaps, default=Fraction(1)) / 2


def one_sided(red, blue, fmt="xyxy"):
    """Exact one-sided partials: {side: {name: (grad_red, grad_blue)}} as lists of lists of Fractions.

    ``side`` is "minus" or "plus"; ``name`` is one of red, blue, intersection,
    union, iou.
    """
    red = [tuple(b) for b in red]
    blue = [tuple(b) for b in blue]
    h = step(red, blue, fmt)
    base = areas(red, blue, fmt)
    out = {}
    for side, sign in (("minus", -1), ("plus", 1)):
        grads = {name: ([[Fraction(0)] * 4 for _ in red], [[Fraction(0)] * 4 for _ in blue]) for name in NAMES + ("iou",)}
        for colour, boxes in enumerate((red, blue)):
            for k in range(len(boxes)):
                for c in range(4):
                    moved = list(boxes[k])
                    moved[c] += sign * h
                    sets = [list(red), list(blue)]
                    sets[colour][k] = tuple(moved)
                    after = areas(sets[0], sets[1], fmt)
                    d = [(a - b) / (sign * h) for a, b in zip(after, base)]
                    for name, value in zip(NAMES, d):
                        grads[name][colour][k][c] = value
                    inter, union = base[2], base[3]
                    iou_d = (d[2] * union - inter * d[3]) / (union * union) if union else Fraction(0)
                    grads["iou"][colour][k][c] = iou_d
        out[side] = grads
    return out

