"""Independent references: brute force in numpy (exact for integer and float boxes)."""

from __future__ import annotations

import numpy as np


def overlap_matrix(boxes1: np.ndarray, boxes2: np.ndarray, touching: bool = False) -> np.ndarray:
    """(n, m) bool: positive-area overlap (strict) or closed-box intersection (touching).

    Coordinates are compared in their own dtype, so int64 stays exact.
    """
    a = np.asarray(boxes1)
    b = np.asarray(boxes2)
    low_x = np.maximum(a[:, None, 0], b[None, :, 0])
    high_x = np.minimum(a[:, None, 2], b[None, :, 2])
    low_y = np.maximum(a[:, None, 1], b[None, :, 1])
    high_y = np.minimum(a[:, None, 3], b[None, :, 3])
    if touching:
        return (low_x <= high_x) & (low_y <= high_y)
    return (low_x < high_x) & (low_y < high_y)


def pairs_self(boxes: np.ndarray, touching: bool = False) -> np.ndarray:
    """Sorted (2, k) pairs i < j of one set."""
    if len(boxes) == 0:
        return np.empty((2, 0), dtype=np.intp)
    upper = np.triu(overlap_matrix(boxes, boxes, touching), 1)
    return np.stack(np.nonzero(upper)).astype(np.intp)


def pairs_between(boxes1: np.ndarray, boxes2: np.ndarray, touching: bool = False) -> np.ndarray:
    """Sorted (2, k) pairs (i in boxes1, j in boxes2)."""
    if len(boxes1) == 0 or len(boxes2) == 0:
        return np.empty((2, 0), dtype=np.intp)
    return np.stack(np.nonzero(overlap_matrix(boxes1, boxes2, touching))).astype(np.intp)


def iou_matrix(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU in float64 from exact (Python int / float64) widths; 0 where the union is 0."""
    a = np.asarray(boxes1, dtype=np.float64)
    b = np.asarray(boxes2, dtype=np.float64)
    width = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = width * height
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
