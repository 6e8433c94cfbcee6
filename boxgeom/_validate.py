"""The input checks that several modules share, and their error messages.

Checks tied to box formats are in ``formats`` (``as_boxes``: boxes into ``xyxy``);
checks used by one module live beside it (``_compat_checks``, ``dask``, ``plot``).
Public functions call them once, at the top, and hand the kernels arrays that need
no further checking: C-contiguous, one of the four kernel dtypes (int32,
int64, float32, float64), finite, ``x1 <= x2`` and ``y1 <= y2``.

Messages follow one template: ``"{argument}: expected {what}, got {actual}"``.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

import numpy as np

from boxgeom import _checks

KERNEL_DTYPES = (np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64))
# Small types are widened (with one copy) before they reach a kernel.
_WIDEN: dict[np.dtype, np.dtype] = {
    np.dtype(np.int8): np.dtype(np.int32),
    np.dtype(np.int16): np.dtype(np.int32),
    np.dtype(np.uint8): np.dtype(np.int32),
    np.dtype(np.uint16): np.dtype(np.int32),
    np.dtype(np.uint32): np.dtype(np.int64),
    np.dtype(np.float16): np.dtype(np.float32),
}
# int64 coordinates must stay this far from the int64 limits so that x + w and
# x2 - x1 can never wrap, whatever the format.
INT64_LIMIT = 2**61


def check_flag(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (numpy bools included), else raise TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_n_threads(n_threads: Any) -> None:
    """Raise unless ``n_threads`` is None or a non-zero int (scikit-learn semantics)."""
    if n_threads is None:
        return
    if isinstance(n_threads, (bool, np.bool_)) or not isinstance(n_threads, numbers.Integral):
        raise TypeError(f"n_threads: expected an int or None, got {type(n_threads).__name__}")
    if n_threads == 0:
        raise ValueError("n_threads: expected a non-zero int or None, got 0")


def check_threshold(value: Any, name: str, low: float = 0.0, high: float = 1.0) -> float:
    """Return ``value`` as a float in ``[low, high]``; NaN and out-of-range raise ValueError."""
    if type(value) is float and low <= value <= high:  # the common case, without the ABC checks
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number in [{low:g}, {high:g}], got {type(value).__name__}")
    value = float(value)
    if not low <= value <= high:  # also catches NaN
        raise ValueError(f"{name}: expected a number in [{low:g}, {high:g}], got {value!r}")
    return value


def check_positive(value: Any, name: str) -> float:
    """Return ``value`` as a float that is finite and > 0, else raise."""
    if type(value) is int and value > 0 or type(value) is float and 0 < value < math.inf:  # the common case
        return float(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {type(value).__name__}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return number


def kernel_dtype(dtype: np.dtype, name: str) -> np.dtype:
    """Map an input dtype to the kernel dtype it is computed in, or raise TypeError."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iuf" and dtype.byteorder not in ("=", "|"):
        dtype = dtype.newbyteorder("=")
    if dtype in KERNEL_DTYPES:
        return dtype
    if dtype in _WIDEN:
        return _WIDEN[dtype]
    raise TypeError(
        f"{name}: expected an integer or floating dtype (int8-int64, uint8-uint32, float16-float64), got {dtype}"
    )


def as_array(values: Any, name: str, columns: int, order: int = _checks.ORDER_NONE, strided: bool = False) -> np.ndarray:
    """Return ``values`` as a 2-D array of shape ``(n, columns)`` in a kernel dtype.

    Lists, tuples, torch tensors and objects with ``__array__`` or ``__dlpack__`` are
    accepted (:func:`as_numpy`); an empty sequence becomes ``(0, columns)``. The result
    is C-contiguous, or with ``strided`` it may also be a view whose rows are contiguous
    and evenly spaced (``dets[:, :4]``, :func:`has_rows`); an input that already is so,
    in a kernel dtype, is not copied.
    Floating input must be finite, int64 input within +-2**61, and with ``order``
    (``_checks.ORDER_CORNERS``/``ORDER_SIZES``) columns 2, 3 must not be below
    columns 0, 1 / below 0.
    """
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name}: expected an array of shape (n, {columns}), got {type(values).__name__}")
    array = as_numpy(values)
    if array.size == 0 and array.ndim == 1:
        array = array.reshape(0, columns)
    if array.dtype.kind in "OUSVMmcb" or array.dtype == np.uint64:
        raise TypeError(
            f"{name}: expected an integer or floating dtype (int8-int64, uint8-uint32, float16-float64), "
            f"got {array.dtype}"
        )
    if array.ndim != 2 or array.shape[1] != columns:
        raise ValueError(f"{name}: expected shape (n, {columns}), got {array.shape}")
    array = array.astype(kernel_dtype(array.dtype, name), copy=False)
    if not (strided and has_rows(array)):
        array = np.ascontiguousarray(array)
    row, reason = _checks.first_bad_row(array, order, INT64_LIMIT)
    if reason == _checks.NOT_FINITE:
        raise ValueError(f"{name}: expected finite values, got NaN or inf in row {row}: {array[row].tolist()}")
    if reason == _checks.OUT_OF_RANGE:
        raise ValueError(f"{name}: expected int64 coordinates within +-2**61, got row {row}: {array[row].tolist()}")
    if reason == _checks.NEGATIVE_SIZE:
        raise ValueError(negative_size_message(name, order, row))
    return array


def has_rows(array: np.ndarray) -> bool:
    """Whether a 2-D native array has contiguous, aligned rows evenly spaced forward in
    memory: C-contiguous, or row-strided like ``dets[:, :4]`` of an ``(n, 6)`` array
    (what the kernels over ``coord_t[:, ::view.contiguous]`` read without a copy)."""
    if array.flags.c_contiguous:
        return True
    size = array.itemsize
    return (
        array.flags.aligned
        and array.dtype.isnative
        and array.strides[1] == size
        and array.strides[0] >= array.shape[1] * size
        and array.strides[0] % size == 0
    )


def as_numpy(values: Any) -> np.ndarray:
    """``values`` as a numpy array, sharing memory where it can.

    A torch tensor is detached (so one that requires grad is accepted) and read
    through ``Tensor.numpy()``: a CPU tensor is not copied, a tensor on another device
    is copied to the host, and bfloat16 (which numpy lacks) becomes float32. Objects
    with ``__array__`` go through ``np.asarray``; others with ``__dlpack__`` through
    ``np.from_dlpack``. torch is never imported here: a tensor exists only once it is.
    """
    if type(values) is np.ndarray:
        return values
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(values, torch.Tensor):
        tensor = values.detach()
        if tensor.device.type != "cpu":
            tensor = tensor.cpu()
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        return tensor.resolve_conj().resolve_neg().numpy()
    if not hasattr(values, "__array__") and hasattr(values, "__dlpack__"):
        return np.from_dlpack(values)
    return np.asarray(values)


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ValueError naming the first row of ``array`` holding NaN or inf."""
    finite = np.isfinite(array)
    if not finite.all():
        row = int(np.flatnonzero(~finite.all(axis=tuple(range(1, array.ndim))))[0])
        raise ValueError(f"{name}: expected finite values, got NaN or inf in row {row}: {array[row].tolist()}")


def negative_size_message(name: str, order: int, row: int) -> str:
    what = "x2 < x1 or y2 < y1" if order == _checks.ORDER_CORNERS else "a negative width or height"
    return f"{name}: expected boxes with non-negative size, got {what} in row {row}"


def as_pairs(pairs: Any, n1: int, n2: int, name: str = "pairs") -> np.ndarray:
    """Return ``pairs`` as a C-contiguous ``(2, k)`` intp array with row 0 < n1 and row 1 < n2."""
    array = as_numpy(pairs)
    if array.size == 0:
        array = array.reshape(2, 0)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected an integer array of shape (2, k), got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] != 2:
        raise ValueError(f"{name}: expected shape (2, k), got {array.shape}")
    if array.shape[1]:
        for row, bound in enumerate((n1, n2)):
            low, high = array[row].min(), array[row].max()
            if low < 0 or high >= bound:
                raise ValueError(f"{name}: expected row {row} within [0, {bound}), got values in [{low}, {high}]")
    return np.ascontiguousarray(array, dtype=np.intp)


def as_indices(values: Any, bound: int, name: str) -> np.ndarray:
    """Return ``values`` as a C-contiguous intp ``(k,)`` array with every value in ``[0, bound)``."""
    array = as_numpy(values)
    if array.size == 0 and array.ndim == 1:
        array = array.astype(np.intp)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected an integer array, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (k,), got {array.shape}")
    if array.size:
        low, high = array.min(), array.max()
        if low < 0 or high >= bound:
            raise ValueError(f"{name}: expected indices within [0, {bound}), got values in [{low}, {high}]")
    return np.ascontiguousarray(array, dtype=np.intp)


def as_indptr(indptr: Any, rows: int, total: int, name: str = "indptr") -> np.ndarray:
    """Return CSR row pointers as a C-contiguous int64 ``(rows + 1,)`` array that starts at 0,
    never decreases and ends at ``total`` (the length of the matching ``indices``)."""
    array = as_numpy(indptr)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected an integer array, got dtype {array.dtype}")
    if array.shape != (rows + 1,):
        raise ValueError(f"{name}: expected shape ({rows + 1},), one more than the rows, got {array.shape}")
    if array[0] != 0 or array[-1] != total:
        raise ValueError(
            f"{name}: expected row pointers from 0 to {total} (the length of indices), got {array[0]} to {array[-1]}"
        )
    drops = np.flatnonzero(array[1:] < array[:-1])
    if drops.size:
        raise ValueError(f"{name}: expected non-decreasing row pointers, got a decrease at index {drops[0] + 1}")
    return np.ascontiguousarray(array, dtype=np.int64)


def as_scores(scores: Any, n: int, name: str = "scores", boxes_name: str = "boxes") -> np.ndarray:
    """Return ``scores`` as a C-contiguous float64 ``(n,)`` array without NaN."""
    if _checks.valid_scores(scores, n):  # the common case, in one call
        return scores
    array = as_numpy(scores)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected a numeric array, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (n,), got {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name}: expected length {n} to match {boxes_name}, got {array.shape[0]}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    index = _checks.first_nan(array)
    if index >= 0:
        raise ValueError(f"{name}: expected no NaN, got NaN at index {index}")
    return array


SIDES = ("mid", "minus", "plus")
FLOAT64_EXACT = 2**53


def check_side(side: Any, name: str = "side") -> str:
    """Return ``side`` if it is one of :data:`SIDES`, else raise ValueError."""
    if side not in SIDES:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, SIDES))}, got {side!r}")
    return side


ANGLE_UNITS = ("deg", "rad")
CONVENTIONS = ("opencv", "torchvision")
# Rotated boxes and quads: coordinates and sizes below this keep areas, sums of
# areas and extents finite in float64.
ROTATED_LIMIT = 1e150


def check_angle_unit(value: Any, name: str = "angle_unit") -> bool:
    """Return True for ``"deg"`` and False for ``"rad"``, else raise ValueError."""
    if value not in ANGLE_UNITS:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, ANGLE_UNITS))}, got {value!r}")
    return value == "deg"


def check_convention(value: Any, name: str = "convention") -> bool:
    """Return False for ``"opencv"`` and True for ``"torchvision"`` (the sine is negated)."""
    if value not in CONVENTIONS:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, CONVENTIONS))}, got {value!r}")
    return value == "torchvision"


def check_magnitude(array: np.ndarray, name: str, columns: slice) -> None:
    """Raise ValueError naming the first row with a coordinate or size beyond ROTATED_LIMIT."""
    if array.dtype == np.float64 and array.size:  # float32 and integers cannot exceed it
        big = np.abs(array[:, columns]).max(axis=1) > ROTATED_LIMIT
        if big.any():
            row = int(np.flatnonzero(big)[0])
            raise ValueError(f"{name}: expected coordinates and sizes within +-{ROTATED_LIMIT:g}, got row {row}")


def _plain_rotated(boxes: Any) -> bool:
    """Fast path of :func:`as_rotated`: True for a valid float64 array with contiguous rows (no copy).

    One compiled scan decides it; anything else (including every invalid input) takes
    the full path and its messages.
    """
    if not (
        type(boxes) is np.ndarray
        and boxes.dtype == np.float64
        and boxes.ndim == 2
        and boxes.shape[1] == 5
        and has_rows(boxes)
    ):
        return False
    from boxgeom._rotated import first_invalid

    return first_invalid(boxes, ROTATED_LIMIT) < 0


def as_rotated(boxes: Any, name: str = "boxes") -> np.ndarray:
    """Return validated rotated boxes ``(n, 5)`` = (cx, cy, w, h, angle) in a kernel dtype.

    Finite values, ``w >= 0`` and ``h >= 0`` (zero and -0.0 are valid), coordinates and
    sizes within +-1e150. An input in a kernel dtype whose rows are contiguous
    (C-contiguous, or a view such as ``dets[:, :5]``: :func:`has_rows`) is not copied.

    Examples
    --------
    >>> as_rotated([[0, 0, 2, 1, 30]]).shape
    (1, 5)
    """
    if _plain_rotated(boxes):
        return boxes
    array = as_array(boxes, name, 5, strided=True)
    if array.size:
        negative = (array[:, 2] < 0) | (array[:, 3] < 0)
        if negative.any():
            row = int(np.flatnonzero(negative)[0])
            raise ValueError(f"{name}: expected boxes with non-negative size, got a negative width or height in row {row}")
        check_magnitude(array, name, slice(0, 4))
    return array


def common_dtype(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bring two validated arrays to one kernel dtype (``np.result_type``), copying only the one that differs."""
    if first.dtype == second.dtype:
        return first, second
    common = kernel_dtype(np.result_type(first.dtype, second.dtype), "boxes")
    return first.astype(common, copy=False), second.astype(common, copy=False)


def check_same_length(first: np.ndarray, second: np.ndarray, name1: str, name2: str) -> None:
    """Raise ValueError unless both arrays have the same number of rows (elementwise calls)."""
    if first.shape[0] != second.shape[0]:
        raise ValueError(f"{name2}: expected length {first.shape[0]} to match {name1}, got {second.shape[0]}")


def as_quads(quads: Any, name: str = "quads") -> np.ndarray:
    """Return validated convex quadrilaterals ``(n, 8)`` = (x1, y1, ..., x4, y4).

    ``(n, 4, 2)`` corners are accepted too (and flattened). The corners may run either
    way round; a quad must be convex (collinear or repeated corners are allowed; a
    self-crossing or dented quad is a ValueError naming the row).

    Examples
    --------
    >>> as_quads([[0, 0, 2, 0, 2, 1, 0, 1]]).shape
    (1, 8)
    >>> as_quads([[[0, 0], [2, 0], [2, 1], [0, 1]]]).shape
    (1, 8)
    """
    if not isinstance(quads, (str, bytes)):
        shaped = as_numpy(quads)
        if shaped.dtype.kind in "iuf" and not (shaped.size == 0 and shaped.ndim == 1):
            if shaped.ndim == 3 and shaped.shape[1:] == (4, 2):
                quads = shaped.reshape(shaped.shape[0], 8)
            elif shaped.ndim != 2 or shaped.shape[1] != 8:
                raise ValueError(f"{name}: expected shape (n, 8) or (n, 4, 2), got {shaped.shape}")
    array = as_array(quads, name, 8, strided=True)
    if array.size:
        check_magnitude(array, name, slice(0, 8))
        points = array.reshape(-1, 4, 2).astype(np.float64)
        edges = np.roll(points, -1, axis=1) - points
        turns = edges[:, :, 0] * np.roll(edges[:, :, 1], -1, axis=1) - edges[:, :, 1] * np.roll(edges[:, :, 0], -1, axis=1)
        # rounding of nearly collinear corners is tolerated: relative to the row's largest turn, and
        # turns within the rounding of the corners (a few ulps of the largest coordinate times the
        # two edges' lengths), which a zero-area quad's turns all are
        spans = np.abs(edges).sum(axis=2)
        rounding = 8 * np.finfo(np.float64).eps * np.abs(points).max(axis=(1, 2))[:, None] * (spans + np.roll(spans, -1, axis=1))
        tol = np.maximum(1e-12 * np.abs(turns).max(axis=1, keepdims=True), rounding)
        dented = (turns > tol).any(axis=1) & (turns < -tol).any(axis=1)
        if dented.any():
            row = int(np.flatnonzero(dented)[0])
            raise ValueError(f"{name}: expected convex quadrilaterals, got a non-convex or self-crossing one in row {row}")
    return array


def check_n_rows(n: Any, name: str = "n") -> int:
    """Return ``n`` as a non-negative int, else raise."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}: expected a non-negative int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {n}")
    return int(n)


def as_labels(labels: Any, n: int, name: str = "idxs", boxes_name: str = "boxes") -> np.ndarray:
    """Return category labels as a C-contiguous int64 ``(n,)`` array (integer dtypes only)."""
    array = as_numpy(labels)
    if array.size == 0 and array.ndim == 1:
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu" or array.dtype == np.uint64:
        raise TypeError(f"{name}: expected an integer array, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected shape (n,), got {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name}: expected length {n} to match {boxes_name}, got {array.shape[0]}")
    return np.ascontiguousarray(array, dtype=np.int64)


def check_fits_tile(xyxy: np.ndarray, width: float, height: float, name: str = "boxes") -> None:
    """Raise ValueError naming the first box wider than ``width`` or taller than ``height``."""
    if not len(xyxy):
        return
    sizes = xyxy[:, 2:].astype(np.float64) - xyxy[:, :2]
    big = (sizes[:, 0] > width) | (sizes[:, 1] > height)
    if big.any():
        row = int(np.flatnonzero(big)[0])
        raise ValueError(
            f"{name}: expected boxes that fit in a {width:g} x {height:g} tile, "
            f"got row {row} of size {sizes[row, 0]:g} x {sizes[row, 1]:g}"
        )


