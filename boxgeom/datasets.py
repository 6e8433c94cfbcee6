"""Seeded sample data: the box distribution of box-intersect-lib's own benchmark, and
the clustered detections of sliced inference.

Used by the command line (when no input file is given), the docs and ``bench/``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["clustered_detections", "random_boxes", "random_rotated_boxes"]


def random_boxes(n: int, region: float = 40000, max_size: float = 100, *, seed: int = 0, fmt: str = "xyxy") -> np.ndarray:
    """Return ``n`` random int32 boxes: corners uniform in ``[0, region - max_size)``, sizes in ``[1, max_size)``.

    This is the peer benchmark's configuration (e.g. 1,000,000 boxes, region 40000,
    sizes below 100).

    Parameters
    ----------
    n : int
        Number of boxes.
    region, max_size : float
        Side of the square region and the exclusive upper bound of widths and heights.
    seed : int
        Seed of ``numpy.random.default_rng``.
    fmt : {"xyxy", "xywh"}
        Format of the result.

    Returns
    -------
    ndarray of shape (n, 4), int32

    Examples
    --------
    >>> boxes = random_boxes(3, 400, 100, seed=1)
    >>> boxes.shape, boxes.dtype
    ((3, 4), dtype('int32'))
    >>> bool((boxes[:, 2:] > boxes[:, :2]).all())
    True
    """
    rng = np.random.default_rng(seed)
    corner = rng.integers(0, int(region - max_size), size=(n, 2))
    size = rng.integers(1, int(max_size), size=(n, 2))
    second = size if fmt == "xywh" else corner + size
    return np.hstack([corner, second]).astype(np.int32)


def random_rotated_boxes(n: int, region: float = 768, max_size: float = 60, *, seed: int = 0) -> np.ndarray:
    """Return ``n`` random rotated boxes ``(cx, cy, w, h, angle_deg)`` as float64.

    Centres are uniform in ``[max_size, region - max_size)``, sizes in ``[1, max_size)``,
    angles in ``[-180, 180)`` degrees.

    Examples
    --------
    >>> random_rotated_boxes(2, seed=3).shape
    (2, 5)
    """
    rng = np.random.default_rng(seed)
    centre = rng.uniform(max_size, region - max_size, size=(n, 2))
    size = rng.uniform(1, max_size, size=(n, 2))
    angle = rng.uniform(-180, 180, size=(n, 1))
    return np.hstack([centre, size, angle])


def clustered_detections(
    n_objects: int,
    per_object: int = 11,
    region: float = 10000,
    *,
    min_size: float = 20,
    max_size: float = 120,
    jitter: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(boxes, scores)``: what sliced inference gives before merging, ``per_object``
    detections of each of ``n_objects`` objects, in random order.

    Objects have centres uniform in ``[0, region)`` and sides in ``[min_size, max_size)``;
    each detection moves the centre by a normal ``jitter`` x the object's size and scales
    each side by a factor in [0.85, 1.15). Boxes are float64 ``xyxy`` (they may cross
    the region's border), scores uniform in [0.2, 1).

    Examples
    --------
    >>> boxes, scores = clustered_detections(3, 4, seed=1)
    >>> boxes.shape, scores.shape
    ((12, 4), (12,))
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, region, (n_objects, 2))
    sizes = rng.uniform(min_size, max_size, (n_objects, 2))
    n = n_objects * per_object
    size = np.repeat(sizes, per_object, 0)
    centre = np.repeat(centres, per_object, 0) + rng.normal(0, jitter, (n, 2)) * size
    size = size * rng.uniform(0.85, 1.15, (n, 2))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], 1)
    order = rng.permutation(n)
    return boxes[order], rng.uniform(0.2, 1.0, n)
