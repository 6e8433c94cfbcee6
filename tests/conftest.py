"""Shared fixtures and hypothesis strategies for boxgeom's tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")

DTYPES = [np.int32, np.int64, np.float32, np.float64]
LAYOUTS = ["c", "fortran", "strided", "readonly"]


@pytest.fixture(params=DTYPES, ids=lambda d: np.dtype(d).name)
def dtype(request):
    """Each of the four kernel dtypes."""
    return np.dtype(request.param)


def with_layout(array: np.ndarray, layout: str) -> np.ndarray:
    """The same values as ``array`` in a C, Fortran, strided or read-only array."""
    if layout == "fortran":
        return np.asfortranarray(array)
    if layout == "strided":
        wide = np.zeros((array.shape[0], array.shape[1] * 2), dtype=array.dtype)
        wide[:, ::2] = array
        return wide[:, ::2]
    if layout == "readonly":
        array = array.copy()
        array.setflags(write=False)
        return array
    return np.ascontiguousarray(array)


@pytest.fixture(params=LAYOUTS)
def layout(request):
    return request.param


def row_strided(array: np.ndarray, every: int = 1) -> np.ndarray:
    """The values of an (n, 4) ``array`` in a row-strided view, as detections carry them:
    ``dets[:, :4]`` of an (n, 6) array (``every=1``) or ``dets[::every, :4]`` of a taller one."""
    dets = np.full((len(array) * every, 6), 7, dtype=array.dtype)
    dets[::every, :4] = array
    view = dets[::every, :4]
    assert view.base is dets and (len(array) < 2 or not view.flags.c_contiguous)
    return view


@st.composite
def lattice_boxes(draw, max_n: int = 30, span: int = 12, max_size: int = 6, allow_empty: bool = True):
    """Small integer boxes on a coarse lattice: many shared edges, duplicates, nesting, zero area."""
    n = draw(st.integers(0, max_n))
    low = 0 if allow_empty else 1
    corners = draw(st.lists(st.tuples(st.integers(-span, span), st.integers(-span, span)), min_size=n, max_size=n))
    sizes = draw(st.lists(st.tuples(st.integers(low, max_size), st.integers(low, max_size)), min_size=n, max_size=n))
    boxes = np.array([[x, y, x + w, y + h] for (x, y), (w, h) in zip(corners, sizes)], dtype=np.int64)
    return boxes.reshape(-1, 4)


def random_float_boxes(rng: np.random.Generator, n: int, region: float = 100.0, max_size: float = 20.0) -> np.ndarray:
    corner = rng.uniform(-region, region, size=(n, 2))
    size = rng.uniform(0, max_size, size=(n, 2))
    return np.hstack([corner, corner + size])
