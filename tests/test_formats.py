"""box_convert, box_area and the shared validation layer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import boxgeom
from boxgeom import box_area, box_convert
from boxgeom._threads import effective_n_threads
from conftest import lattice_boxes

FMTS = ["xyxy", "xywh", "cxcywh"]


@given(lattice_boxes())
def test_round_trips(boxes):
    for fmt in FMTS:
        converted = box_convert(boxes, "xyxy", fmt)
        np.testing.assert_array_equal(box_convert(converted, fmt, "xyxy"), boxes)


def test_known_values_and_copies():
    boxes = np.array([[1.0, 2.0, 5.0, 8.0]])
    np.testing.assert_array_equal(box_convert(boxes, "xyxy", "xywh"), [[1, 2, 4, 6]])
    np.testing.assert_array_equal(box_convert(boxes, "xyxy", "cxcywh"), [[3, 5, 4, 6]])
    same = box_convert(boxes, "xyxy", "xyxy")
    assert same is not boxes and not np.shares_memory(same, boxes)
    assert box_convert(np.array([[0, 0, 1, 1]], np.int32), "xywh", "xyxy").dtype == np.int64
    assert box_convert(np.array([[0, 0, 1, 1]], np.float32), "xywh", "cxcywh").dtype == np.float32


def test_box_area(dtype):
    boxes = np.array([[0, 0, 4, 2], [1, 1, 1, 5]], dtype=dtype)
    area = box_area(boxes)
    assert area.dtype == (np.float64 if dtype.kind == "f" else np.int64)
    assert area.tolist() == [8, 0]
    top = 2**31 - 1
    assert box_area(np.array([[-(2**31), 0, top, 1]], np.int32))[0] == 2**32 - 1
    with pytest.raises(OverflowError, match="row 0"):
        box_area(np.array([[-(2**31), -(2**31), top, top]], np.int32))


def test_bad_formats():
    with pytest.raises(ValueError, match="in_fmt: expected one of"):
        box_convert([[0, 0, 1, 1]], "xyzw", "xyxy")
    with pytest.raises(ValueError, match="out_fmt"):
        box_convert([[0, 0, 1, 1]], "xyxy", "polar")
    with pytest.raises(ValueError, match="negative width or height in row 0"):
        box_area([[0, 0, -1, 1]], fmt="xywh")


def test_big_endian_input_is_accepted():
    boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3]], dtype=">i4")
    assert boxgeom.find_pairs(boxes).tolist() == [[0], [1]]


def test_thread_counts(monkeypatch):
    assert effective_n_threads(1) == 1
    assert effective_n_threads(None) >= 1
    assert effective_n_threads(-1) >= 1
    assert effective_n_threads(-1000) == 1
    if boxgeom.openmp_enabled():
        assert effective_n_threads(3) == 3
    with pytest.raises(ValueError, match="n_threads"):
        effective_n_threads(0)
    with pytest.raises(TypeError, match="n_threads"):
        effective_n_threads(True)


def test_public_api_is_exported():
    for name in boxgeom.__all__:
        assert hasattr(boxgeom, name), name
    assert isinstance(boxgeom.openmp_enabled(), bool)
    assert issubclass(boxgeom.InvalidBoxesError, ValueError) and issubclass(boxgeom.InvalidBoxesError, AssertionError)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float32, np.float64])
def test_negative_sizes_are_found_before_conversion(dtype):
    # x + w == x in float64 when |x| >> |w|: the size itself must be checked, not x2 < x1
    boxes = np.array([[0, 0, 1, 1], [1e15 if np.dtype(dtype).kind == "f" else 7, 0, -1, 1]], dtype=dtype)
    with pytest.raises(ValueError, match="boxes: expected boxes with non-negative size, got a negative width or height in row 1"):
        box_area(boxes, fmt="xywh")
    with pytest.raises(ValueError, match="row 1"):
        box_area(boxes, fmt="cxcywh")


def test_value_errors_come_before_order_errors():
    # a NaN anywhere is reported before an earlier reversed box (one message per array)
    boxes = np.array([[2.0, 0, 1, 1], [0, 0, np.nan, 1]])
    with pytest.raises(ValueError, match="finite values, got NaN or inf in row 1"):
        box_area(boxes)
    with pytest.raises(ValueError, match=r"x2 < x1 or y2 < y1 in row 0"):
        box_area(boxes[:1])
