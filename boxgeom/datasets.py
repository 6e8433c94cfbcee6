"""Seeded sample data: the box distribution of box-intersect-lib's own benchmark, the
clustered detections of sliced inference, and a COCO-shaped evaluation set.

Used by the command line (when no input file is given), the docs and ``bench/``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["DetectionSample", "clustered_detections", "detection_sample", "random_boxes", "random_rotated_boxes"]


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


class DetectionSample(NamedTuple):
    """Ground truth and detections as flat arrays, boxes in ``xywh`` (COCO's bbox)."""

    gt_boxes: np.ndarray  # (g, 4) float64
    gt_labels: np.ndarray  # (g,) int64
    gt_image_ids: np.ndarray  # (g,) int64
    dt_boxes: np.ndarray  # (d, 4) float64
    dt_scores: np.ndarray  # (d,) float64
    dt_labels: np.ndarray  # (d,) int64
    dt_image_ids: np.ndarray  # (d,) int64


def detection_sample(
    n_images: int = 500,
    n_categories: int = 10,
    *,
    objects_per_image: float = 7.4,
    detections_per_image: int = 100,
    image_size: float = 640,
    rotated: bool = False,
    seed: int = 0,
) -> DetectionSample:
    """Return a COCO-shaped evaluation set: objects and a detector's output for them.

    Each image holds a Poisson number of objects (mean ``objects_per_image``) of random
    categories (1..n_categories), sides log-normal around 50 pixels (COCO-like small,
    medium and large objects). The detector finds most objects: a found object gives
    one to three detections, its box jittered by a normal 10% of its size, a score that
    falls with the jitter, and now and then the wrong category; the rest of the
    ``detections_per_image`` are background false positives of low score. Image ids
    are 1..n_images. ``rotated``: boxes ``(cx, cy, w, h, angle)`` instead, objects at
    random angles (degrees) and their detections turned a few degrees more.

    Examples
    --------
    >>> sample = detection_sample(10, 3, seed=1)
    >>> sample.gt_boxes.shape[1], sample.dt_boxes.shape[0]
    (4, 1000)
    """
    rng = np.random.default_rng(seed)
    counts = rng.poisson(objects_per_image, n_images)
    gt_images = np.repeat(np.arange(1, n_images + 1), counts)
    n_gt = len(gt_images)
    sizes = np.clip(rng.lognormal(np.log(50), 0.9, (n_gt, 2)), 2, image_size / 2)
    corners = rng.uniform(0, 1, (n_gt, 2)) * (image_size - sizes)
    gt_boxes = np.hstack([corners, sizes])
    gt_labels = rng.integers(1, n_categories + 1, n_gt)
    # found objects: one to three detections each, near the object
    found = np.flatnonzero(rng.random(n_gt) < 0.85)
    source = np.repeat(found, rng.integers(1, 4, len(found)))
    jitter = rng.normal(0, 0.1, (len(source), 4))
    near = gt_boxes[source] + jitter * np.tile(gt_boxes[source, 2:], 2)
    near[:, 2:] = np.abs(near[:, 2:])
    near_scores = np.clip(0.95 - 2.5 * np.abs(jitter).mean(axis=1) + rng.normal(0, 0.05, len(source)), 0.01, 1.0)
    near_labels = np.where(rng.random(len(source)) < 0.9, gt_labels[source], rng.integers(1, n_categories + 1, len(source)))
    near_images = gt_images[source]
    # background: fill each image up to detections_per_image
    per_image = np.bincount(near_images - 1, minlength=n_images)[:n_images]
    room = np.maximum(detections_per_image - per_image, 0)
    # near_images ascends (objects are listed image by image): keep the first of each image
    rank = np.arange(len(near_images)) - np.searchsorted(near_images, near_images)
    keep = rank < detections_per_image
    bg_images = np.repeat(np.arange(1, n_images + 1), room)
    bg_sizes = np.clip(rng.lognormal(np.log(40), 0.9, (len(bg_images), 2)), 2, image_size / 2)
    bg_boxes = np.hstack([rng.uniform(0, 1, (len(bg_images), 2)) * (image_size - bg_sizes), bg_sizes])
    dt_boxes = np.vstack([near[keep], bg_boxes])
    if rotated:
        gt_angles = rng.uniform(-90, 90, n_gt)
        dt_angles = np.concatenate([gt_angles[source] + rng.normal(0, 3, len(source)), rng.uniform(-90, 90, len(bg_images))])
        gt_boxes, dt_boxes = (
            np.column_stack([b[:, :2] + b[:, 2:] / 2, b[:, 2:], a])
            for b, a in ((gt_boxes, gt_angles), (dt_boxes, np.concatenate([dt_angles[: len(source)][keep], dt_angles[len(source):]])))
        )
    return DetectionSample(
        gt_boxes=gt_boxes,
        gt_labels=gt_labels.astype(np.int64),
        gt_image_ids=gt_images.astype(np.int64),
        dt_boxes=dt_boxes,
        dt_scores=np.concatenate([near_scores[keep], rng.uniform(0, 0.3, len(bg_images)) ** 2]),
        dt_labels=np.concatenate([near_labels[keep], rng.integers(1, n_categories + 1, len(bg_images))]).astype(np.int64),
        dt_image_ids=np.concatenate([near_images[keep], bg_images]).astype(np.int64),
    )
