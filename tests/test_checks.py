"""The one-call input checks (``boxgeom._checks``) and the fast paths built on them."""

import numpy as np
import pytest

from boxgeom import _checks
from boxgeom._compat_checks import InvalidBoxesError, as_compat_boxes
from boxgeom._validate import INT64_LIMIT, as_scores
from boxgeom.formats import as_boxes

DTYPES = [np.int32, np.int64, np.float32, np.float64]
BOXES = [[0, 0, 2, 3], [1, 1, 1, 1], [-4, 2, 5, 9]]


@pytest.mark.parametrize("dtype", DTYPES)
def test_valid_boxes_returns_ready_arrays_themselves(dtype):
    boxes = np.array(BOXES, dtype=dtype)
    assert _checks.valid_boxes(boxes, _checks.ORDER_CORNERS, INT64_LIMIT) is boxes
    assert as_boxes(boxes) is boxes
    boxes.setflags(write=False)  # read-only arrays are used as they are too
    assert as_boxes(boxes) is boxes


@pytest.mark.parametrize(
    "values",
    [
        BOXES,  # a list
        np.array(BOXES, dtype=np.int16),  # not a kernel dtype
        np.array(BOXES, dtype=np.float64, order="F"),  # not C-contiguous
        np.array(BOXES, dtype=np.float64)[:, ::-1],  # columns reversed
        np.array(BOXES, dtype=np.float64)[::-1],  # rows backwards
        np.array(BOXES, dtype=">f8"),  # byte-swapped
        np.array(BOXES, dtype=np.float64).reshape(-1),  # wrong shape
        np.ma.masked_array(np.array(BOXES, dtype=np.float64)),  # a subclass
        np.array([[0, 0, 2, 3], [0, 0, np.nan, 1]]),  # a bad row
        np.array([[0, 0, 2, 3], [5, 0, 4, 1]]),  # x2 < x1
        np.array([[0, 0, 2, 3], [2**62, 0, 2**62, 1]], dtype=np.int64),  # beyond 2**61
    ],
)
def test_valid_boxes_declines_everything_else(values):
    assert _checks.valid_boxes(values, _checks.ORDER_CORNERS, INT64_LIMIT) is None


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_strided_views_are_read_in_place(dtype):
    dets = np.array([[0, 0, 2, 3, 9, 1], [1, 1, 4, 4, 8, 2], [5, 0, 6, 1, 7, 3]], dtype=dtype)
    for view in (dets[:, :4], dets[::2, :4], dets[1:, :4]):
        assert _checks.valid_boxes(view, _checks.ORDER_CORNERS, INT64_LIMIT) is view
        assert as_boxes(view, strided=True) is view
        copy = as_boxes(view)  # kernels that need C-contiguous rows get one copy
        assert copy.flags.c_contiguous and np.array_equal(copy, view)
    assert _checks.valid_boxes(dets[:, 2:6], _checks.ORDER_CORNERS, INT64_LIMIT) is None  # y2 < ... : a bad row
    with pytest.raises(ValueError, match="row 1"):
        as_boxes(np.array([[0, 0, 1, 1, 0], [0, 0, -1, 1, 0]], dtype=dtype)[:, :4], strided=True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_and_full_paths_agree(dtype):
    ready = np.array(BOXES, dtype=dtype)
    for other in (ready.tolist(), np.asfortranarray(ready), ready.astype(ready.dtype.newbyteorder())):
        converted = as_boxes(other)
        assert converted.dtype == np.dtype(dtype).newbyteorder("=") or isinstance(other, list)
        assert np.array_equal(converted, ready)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bad_rows_are_still_named(dtype):
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [0, np.inf, 1, 1]], dtype=dtype)
    with pytest.raises(ValueError, match="row 2"):
        as_boxes(boxes)
    with pytest.raises(ValueError, match="row 1"):
        as_boxes(np.array([[0, 0, 1, 1], [3, 0, 1, 1]], dtype=dtype))


def test_valid_scores():
    scores = np.array([0.5, -np.inf, 2.0])
    assert _checks.valid_scores(scores, 3)
    assert as_scores(scores, 3) is scores
    assert not _checks.valid_scores(scores, 2)  # length
    assert not _checks.valid_scores(scores.astype(np.float32), 3)
    assert not _checks.valid_scores(np.array([0.5, np.nan, 1.0]), 3)
    assert not _checks.valid_scores(np.array([[0.5, 1.0, 2.0]]), 3)
    assert not _checks.valid_scores([0.5, 1.0, 2.0], 3)
    with pytest.raises(ValueError, match="NaN at index 1"):
        as_scores(np.array([0.5, np.nan, 1.0]), 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_xywh_to_xyxy_every_dtype(dtype):
    xywh = np.array([[1, 2, 3, 4], [-5, 0, 1, 1]], dtype=dtype)
    xyxy, row, reason = _checks.xywh_to_xyxy(xywh, True)
    assert xyxy.dtype == xywh.dtype and (row, reason) == (-1, _checks.OK)
    assert xyxy.tolist() == [[1, 2, 4, 6], [-5, 0, -4, 1]]
    assert np.array_equal(as_compat_boxes(xywh), xyxy)


def test_xywh_to_xyxy_widens_int32_sums_that_overflow():
    xywh = np.array([[2**31 - 2, 0, 5, 1]], dtype=np.int32)
    xyxy = _checks.xywh_to_xyxy(xywh, False)[0]
    assert xyxy.dtype == np.int64 and xyxy[0, 2] == 2**31 + 3


def test_xywh_to_xyxy_reports_sizes_and_overflow():
    assert _checks.xywh_to_xyxy(np.array([[0, 0, 1, 1], [0, 0, 0, 1]], dtype=np.int32), True)[1:] == (
        1,
        _checks.NEGATIVE_SIZE,
    )
    assert _checks.xywh_to_xyxy(np.array([[1e308, 0, 1e308, 1]]), False)[1:] == (0, _checks.NOT_FINITE)
    with pytest.raises(InvalidBoxesError, match="row 1"):
        as_compat_boxes(np.array([[0, 0, 1, 1], [0, 0, 0, 1]], dtype=np.int32))
    with pytest.raises(TypeError):
        _checks.xywh_to_xyxy(np.zeros((2, 4), dtype=np.int16), True)


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_inputs_take_the_fast_paths(dtype):
    empty = np.empty((0, 4), dtype=dtype)
    assert _checks.valid_boxes(empty, _checks.ORDER_CORNERS, INT64_LIMIT) is empty
    assert _checks.xywh_to_xyxy(empty, True)[0].shape == (0, 4)
    assert _checks.valid_scores(np.empty(0), 0)
    assert as_compat_boxes(empty).shape == (0, 4)


def test_box_formats_map_to_the_compiled_enum_by_name():
    from boxgeom.formats import FORMAT_CODES, FORMATS

    assert list(FORMAT_CODES) == list(FORMATS)
    assert all(code is _checks.BoxFormat[name.upper()] for name, code in FORMAT_CODES.items())
    assert [int(code) for code in _checks.BoxFormat] == [0, 1, 2]
