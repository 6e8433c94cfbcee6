"""Set-level areas of two box sets and their exact gradients.

For red boxes ``R`` (say predictions) and blue boxes ``B`` (ground truth) these
functions measure the *unions* of the sets: ``|∪R|``, ``|∪B|``, ``|∪R ∩ ∪B|``,
``|∪R ∪ ∪B|`` and the set IoU, with an O(n log n) two-colour Bentley sweep, and
give the exact partial derivative of each with respect to every coordinate.

Conventions
-----------
* Coordinates are continuous (no ``+1`` pixel rule). A box is the rectangle
  ``[x1, x2] x [y1, y2]``; open or closed makes no difference to an area.
* A box with zero or negative width or height is valid and **empty**. Its
  derivatives follow from the clamp ``width = max(0, x2 - x1)``: a zero-width box
  gains area when ``x2`` moves right or ``x1`` moves left, and nothing otherwise.
* If the union is empty, the IoU is 0 and so are its gradients.
* The areas are piecewise linear in each coordinate. At a kink (an edge on the
  line of another edge) ``side="minus"`` and ``side="plus"`` give the exact
  one-sided derivatives and ``side="mid"`` (default) their average, which is the
  derivative wherever it exists and treats coincident boxes symmetrically.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from boxgeom import _setarea
from boxgeom._threads import effective_n_threads
from boxgeom._validate import check_flag, check_side
from boxgeom.formats import as_float64_boxes, grads_to_fmt
from boxgeom._tensors import returns_tensors

__all__ = ["SetAreas", "set_area_grads", "set_areas", "set_iou", "union_area"]

NAMES = ("red", "blue", "intersection", "union", "iou")


class SetAreas(NamedTuple):
    """Areas of two box sets: ``|∪R|``, ``|∪B|``, ``|∪R ∩ ∪B|``, ``|∪R ∪ ∪B|`` and their IoU."""

    red: float
    blue: float
    intersection: float
    union: float
    iou: float


@returns_tensors
def union_area(boxes: npt.ArrayLike, *, fmt: str = "xyxy") -> float:
    """Return the area of the union of boxes (Klee's measure problem in 2-D).

    Parameters
    ----------
    boxes : array_like of shape (n, 4)
        Boxes in ``fmt``; ``n`` may be 0. Boxes with zero or negative width or
        height are empty.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    float
        Computed in float64: exact for integer coordinates while the area stays
        below 2**53.

    Raises
    ------
    ValueError
        Wrong shape, NaN or inf, or an unknown ``fmt``.

    See Also
    --------
    set_areas : the areas of two sets and of their intersection and union.

    Notes
    -----
    Bentley's sweep with a segment tree over the compressed y coordinates:
    O(n log n) time, O(n) memory. The input is converted to float64 once.

    Examples
    --------
    >>> union_area([[0, 0, 2, 2], [1, 1, 3, 3]])
    7.0
    >>> union_area([[0, 0, 2, 2], [0, 0, 2, 2], [5, 5, 4, 9]])  # duplicates count once, inverted boxes not at all
    4.0
    """
    xyxy = as_float64_boxes(boxes, "boxes", fmt)
    return _setarea.set_areas(xyxy, np.empty((0, 4)))[0]


@returns_tensors
def set_areas(red: npt.ArrayLike, blue: npt.ArrayLike, *, fmt: str = "xyxy") -> SetAreas:
    """Return the areas of two box sets, of their intersection and union, and their IoU.

    Parameters
    ----------
    red, blue : array_like of shape (n, 4) and (m, 4)
        The two sets, in ``fmt``; either may be empty. Boxes with zero or negative
        width or height are empty.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"

    Returns
    -------
    SetAreas
        ``(red, blue, intersection, union, iou)``: ``|∪R|``, ``|∪B|``,
        ``|∪R ∩ ∪B|``, ``|∪R ∪ ∪B|`` and ``intersection / union`` (0 when the
        union is 0). The intersection and the union are each measured directly
        from the sweep, so ``red + blue - intersection == union`` is a check, not
        a definition.

    Raises
    ------
    ValueError
        Wrong shape, NaN or inf, or an unknown ``fmt``.

    Notes
    -----
    One two-colour Bentley sweep: O((n + m) log(n + m)) time, O(n + m) memory.

    Examples
    --------
    >>> set_areas([[0, 0, 2, 2]], [[1, 0, 3, 2]])
    SetAreas(red=4.0, blue=4.0, intersection=2.0, union=6.0, iou=0.3333333333333333)
    >>> set_areas([], [[0, 0, 1, 1]]).iou
    0.0
    """
    red_xyxy = as_float64_boxes(red, "red", fmt)
    blue_xyxy = as_float64_boxes(blue, "blue", fmt)
    area_red, area_blue, inter, union = _setarea.set_areas(red_xyxy, blue_xyxy)
    return SetAreas(area_red, area_blue, inter, union, inter / union if union > 0 else 0.0)


@returns_tensors
def set_area_grads(
    red: npt.ArrayLike,
    blue: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    side: str = "mid",
    n_threads: int | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return the partial derivatives of every set area with respect to every coordinate.

    Parameters
    ----------
    red, blue : array_like of shape (n, 4) and (m, 4)
        The two sets, in ``fmt``; either may be empty.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        The gradients are with respect to the coordinates in this format.
    side : {"mid", "minus", "plus"}, default "mid"
        At a kink, ``"minus"`` gives the exact left derivative (the coordinate
        decreasing), ``"plus"`` the right one, ``"mid"`` their average.
    n_threads : int, optional
        OpenMP threads (the x and the y sweep run in parallel, so at most 2 are
        used). The result does not depend on it.

    Returns
    -------
    dict
        ``{name: (grad_red, grad_blue)}`` for ``name`` in ``"red"``, ``"blue"``,
        ``"intersection"``, ``"union"``, ``"iou"`` (the fields of
        :class:`SetAreas`); float64 arrays of shape (n, 4) and (m, 4).

    Raises
    ------
    ValueError
        Wrong shape, NaN or inf, or an unknown ``fmt`` or ``side``.

    Notes
    -----
    The partial with respect to a vertical edge is the signed length of the part
    of the edge where moving it changes the quantity, judged on the coverage by
    the other boxes just left or right of the edge. Two sweeps (x, and y on the
    transposed boxes) answer 8 range queries per box: O(n log n) time, O(n)
    memory. The iou row is the quotient rule applied to the intersection and
    union rows of the same side, which is exact.

    Examples
    --------
    >>> g = set_area_grads([[0, 0, 2, 2]], [[1, 0, 3, 2]])
    >>> g["intersection"][0]  # red x2 grows the overlap; red y1 sits on blue's y1
    array([[ 0. , -0.5,  2. ,  0.5]])
    >>> set_area_grads([[0, 0, 2, 2]], [[1, 0, 3, 2]], side="plus")["intersection"][0]
    array([[ 0., -1.,  2.,  0.]])
    >>> set_area_grads([[0, 0, 2, 2]], [], fmt="xywh")["red"][0]  # d/dx = 0: translation
    array([[0., 0., 2., 2.]])
    """
    check_side(side)
    red_xyxy = as_float64_boxes(red, "red", fmt)
    blue_xyxy = as_float64_boxes(blue, "blue", fmt)
    return _grads(red_xyxy, blue_xyxy, fmt, side, n_threads)[1]


def _grads(
    red_xyxy: np.ndarray, blue_xyxy: np.ndarray, fmt: str, side: str, n_threads: int | None
) -> tuple[SetAreas, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Areas and gradients of validated float64 xyxy sets, the gradients in ``fmt``."""
    threads = effective_n_threads(n_threads)
    (area_red, area_blue, inter, union), raw = _setarea.set_area_grads(red_xyxy, blue_xyxy, n_threads=threads)
    areas = SetAreas(area_red, area_blue, inter, union, inter / union if union > 0 else 0.0)
    n_red = red_xyxy.shape[0]
    # grads[side, name, box, coordinate]: sides (minus, plus), names as NAMES
    grads = np.zeros((2, 5) + raw.shape[2:])
    grads[:, 0, :n_red] = raw[:, 0, :n_red]
    grads[:, 1, n_red:] = raw[:, 0, n_red:]
    grads[:, 2:4] = raw[:, 1:3]
    if union > 0:
        grads[:, 4] = (raw[:, 1] * union - inter * raw[:, 2]) / (union * union)
    grads = grads_to_fmt(grads, np.concatenate([red_xyxy, blue_xyxy]), fmt)
    if side == "mid":
        chosen = 0.5 * (grads[0] + grads[1])
    else:
        chosen = grads[0 if side == "minus" else 1]
    return areas, {name: (chosen[i, :n_red], chosen[i, n_red:]) for i, name in enumerate(NAMES)}


@returns_tensors
def set_iou(
    red: npt.ArrayLike,
    blue: npt.ArrayLike,
    *,
    fmt: str = "xyxy",
    return_grad: bool = False,
    side: str = "mid",
    n_threads: int | None = None,
) -> float | tuple[float, tuple[np.ndarray, np.ndarray]]:
    """Return the IoU of the unions of two box sets, and optionally its gradient.

    Parameters
    ----------
    red, blue : array_like of shape (n, 4) and (m, 4)
        The two sets, in ``fmt``; either may be empty.
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
    return_grad : bool, default False
        Also return ``(grad_red, grad_blue)``, as in :func:`set_area_grads`.
    side : {"mid", "minus", "plus"}, default "mid"
        Which derivative to return at a kink (see :func:`set_area_grads`).
    n_threads : int, optional
        OpenMP threads for the gradient sweeps.

    Returns
    -------
    iou : float
        ``|∪R ∩ ∪B| / |∪R ∪ ∪B|``, 0 when the union is empty.
    (grad_red, grad_blue) : tuple of ndarray, only if ``return_grad``
        Float64 arrays of shape (n, 4) and (m, 4).

    Examples
    --------
    >>> set_iou([[0, 0, 2, 2]], [[1, 0, 3, 2]])
    0.3333333333333333
    >>> iou, (grad_red, grad_blue) = set_iou([[0, 0, 2, 2]], [[0, 0, 2, 4]], return_grad=True)
    >>> iou, grad_red.tolist()  # red's left, bottom and right edges lie on blue's
    (0.5, [[-0.0625, -0.0625, 0.0625, 0.25]])
    """
    return_grad = check_flag(return_grad, "return_grad")
    check_side(side)
    red_xyxy = as_float64_boxes(red, "red", fmt)
    blue_xyxy = as_float64_boxes(blue, "blue", fmt)
    if not return_grad:
        _, _, inter, union = _setarea.set_areas(red_xyxy, blue_xyxy)
        return inter / union if union > 0 else 0.0
    areas, grads = _grads(red_xyxy, blue_xyxy, fmt, side, n_threads)
    return areas.iou, grads["iou"]
