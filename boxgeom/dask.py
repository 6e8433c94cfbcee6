"""Pair finding and IoU on Dask, for more boxes than one machine holds.

The pattern (``docs/scaling.md``): a uniform tile grid; every box is replicated into
each tile its extent overlaps (the halo); the rows are shuffled by tile, the tiles in
Hilbert order so that neighbouring tiles share a partition; boxgeom's own kernel runs
once per partition on the distinct boxes of its tiles; and a pair is kept only by the
partition that holds the tile of its reference point (the lower-left corner of the
two boxes' intersection), so every pair appears exactly once with no global
de-duplication. Boxes more than two tiles wide or tall go to a small "giants" table
that is broadcast to every partition.

Dask is imported inside the functions: ``import boxgeom`` never imports it.
Install it with ``pip install "boxgeom[dask]"``.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from boxgeom.formats import FORMAT_COLUMNS, ROTATED_COLUMNS
from boxgeom._validate import (
    as_rotated,
    check_angle_unit,
    check_convention,
    check_flag,
    check_n_threads,
    check_positive,
)
from boxgeom.formats import as_boxes, check_fmt

__all__ = ["FMT_COLUMNS", "ROTATED_COLUMNS", "find_pairs", "find_pairs_between", "run_pairs_cli"]

#: Default column names of each box format (``boxgeom.formats.FORMAT_COLUMNS``).
FMT_COLUMNS = FORMAT_COLUMNS

_BOUNDS = ("x1", "y1", "x2", "y2")  # axis-aligned xyxy (the rotated boxes' bounds), kernel dtype
_SIZE_FACTOR = 4.0  # tile side >= this many times the 95th percentile of box sides
_PER_TILE = 4096  # ... and near this many boxes per tile on average,
_TILES_PER_PARTITION = 16  # ... but at least this many tiles per output partition
_GIANT = 2.0  # boxes wider or taller than this many tiles go to the giants table
_SAMPLE = 1024  # rows sampled per input partition to plan the grid
_MAX_ORDER = 31  # Hilbert keys stay below 2**62


# --- argument checks of this module: lazy inputs (dask DataFrame, dask array, parquet
# path) are checked on their metadata; their values are checked per partition by
# as_boxes/as_rotated.


def dask_input_error(value: Any, columns: int, name: str = "boxes") -> TypeError:
    """The TypeError for an input that is not a dask DataFrame, dask array or parquet path."""
    return TypeError(
        f"{name}: expected a dask DataFrame, a dask array of shape (n, {columns}) or a parquet path, "
        f"got {type(value).__name__}"
    )


def check_lazy_shape(shape: tuple, columns: int, name: str = "boxes") -> None:
    """Raise ValueError unless a dask array's ``shape`` is ``(n, columns)`` (n may be unknown)."""
    if len(shape) != 2 or shape[1] != columns:
        raise ValueError(f"{name}: expected shape (n, {columns}), got {shape}")


def check_column_names(columns: Any, available: Any, count: int, name: str = "columns") -> list:
    """Return ``columns`` as a list of ``count`` distinct names, all among ``available``."""
    if isinstance(columns, (str, bytes)) or not hasattr(columns, "__iter__"):
        raise TypeError(f"{name}: expected a sequence of {count} column names, got {type(columns).__name__}")
    names = list(columns)
    if len(names) != count or len(set(names)) != count:
        raise ValueError(f"{name}: expected {count} distinct column names, got {names}")
    present = set(available)
    missing = [column for column in names if column not in present]
    if missing:
        raise ValueError(f"{name}: expected columns of the input {list(available)}, got missing {missing}")
    return names


def check_id_dtype(dtype: Any, name: str = "id_column") -> None:
    """Raise TypeError unless ``dtype`` (numpy or pandas) is a signed or unsigned integer below uint64."""
    kind = getattr(dtype, "kind", "O")
    if kind not in "iu" or str(dtype).lower() == "uint64":
        raise TypeError(f"{name}: expected integer ids, got dtype {dtype}")


def check_known_ids(known: bool, name: str = "boxes") -> None:
    """Raise ValueError for a DataFrame whose index cannot serve as ids (unknown divisions)."""
    if not known:
        raise ValueError(
            f"{name}: expected a DataFrame with known divisions (a sorted unique index) or an id_column, "
            "got unknown divisions"
        )


def check_not_both(first: bool, first_name: str, second: bool, second_name: str) -> None:
    """Raise ValueError when two options that exclude each other are both set."""
    if first and second:
        raise ValueError(f"{second_name}: expected False with {first_name}=True, got True")


def check_count(value: Any, name: str) -> int:
    """Return ``value`` as a positive int, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value}")
    return int(value)


def check_tile_order(order: int, limit: int, width: float, height: float, tile_size: float) -> None:
    """Raise ValueError when ``tile_size`` cuts a ``width`` x ``height`` extent into over ``2**limit`` tiles a side."""
    if order > limit:
        raise ValueError(
            f"tile_size: expected at most 2**{limit} tiles per side of the {width:g} x {height:g} extent, "
            f"got {tile_size!r}"
        )



@dataclass(frozen=True)
class _Options:
    fmt: str
    rotated: bool
    touching: bool
    iou: bool
    angle_unit: str
    convention: str
    n_threads: int | None


@dataclass(frozen=True)
class _Grid:
    """Square tiles of side ``size`` from ``(x0, y0)``, ``nx`` by ``ny``, keyed along a Hilbert curve."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    order: int

    def tile(self, values: np.ndarray, origin: float, count: int) -> np.ndarray:
        # one formula for the halo and for the reference point: monotone in the value,
        # so a point inside a box always falls in one of the box's tiles
        index = np.floor((np.asarray(values, dtype=np.float64) - origin) / self.size)
        return np.clip(index, 0, count - 1).astype(np.int64)

    def keys(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Hilbert keys of the tiles holding the points ``(x, y)``."""
        return hilbert_keys(self.tile(x, self.x0, self.nx), self.tile(y, self.y0, self.ny), self.order)

    @property
    def last_key(self) -> int:
        return 4**self.order - 1


def hilbert_keys(tx: np.ndarray, ty: np.ndarray, order: int) -> np.ndarray:
    """Position of the cells ``(tx, ty)`` along the Hilbert curve over a ``2**order`` square grid.

    Examples
    --------
    >>> hilbert_keys(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0]), 1)
    array([0, 1, 2, 3])
    """
    x = np.array(tx, dtype=np.int64)
    y = np.array(ty, dtype=np.int64)
    key = np.zeros(x.shape, dtype=np.int64)
    side = np.int64(1) << order
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        key += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x = np.where(flip, side - 1 - x, x)
        y = np.where(flip, side - 1 - y, y)
        swap = ~ry
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        s >>= 1
    return key


# ---------------------------------------------------------------- public API


def find_pairs(
    boxes: Any,
    *,
    tile_size: float | None = None,
    fmt: str = "xyxy",
    columns: Any = None,
    id_column: str | None = None,
    touching: bool = False,
    iou: bool = False,
    rotated: bool = False,
    angle_unit: str = "deg",
    convention: str = "opencv",
    npartitions: int | None = None,
    n_threads: int | None = 1,
) -> Any:
    """Find every pair of overlapping boxes of a dataset larger than memory, on Dask.

    Parameters
    ----------
    boxes : dask DataFrame, dask array of shape (n, 4) or (n, 5), or str
        A DataFrame with the columns ``columns``, an array, or a parquet path or glob.
    tile_size : float, optional
        Side of the square tiles. None: several times the 95th percentile of the box
        sides, and about 4096 boxes per tile (from a sample of every partition).
    fmt : {"xyxy", "xywh", "cxcywh"}, default "xyxy"
        Box format (axis-aligned boxes).
    columns : sequence of str, optional
        Coordinate columns, default :data:`FMT_COLUMNS` ``[fmt]`` (``("x1", "y1", "x2",
        "y2")`` for xyxy), or :data:`ROTATED_COLUMNS` with ``rotated=True``.
    id_column : str, optional
        Integer column of unique box ids. None: the DataFrame's index (which must have
        known divisions), or the global row position for an array or a parquet path.
    touching : bool, default False
        Also pair boxes that only share an edge or a corner (as :func:`boxgeom.find_pairs`).
    iou : bool, default False
        Add an ``iou`` column (float64).
    rotated : bool, default False
        Boxes are rotated ``(cx, cy, w, h, angle)``; pairs are those of positive IoU
        (:func:`boxgeom.rotated.rotated_iou_pairs`), tiled by their axis-aligned bounds.
    angle_unit, convention : str
        For ``rotated=True``, as in :mod:`boxgeom.rotated`.
    npartitions : int, optional
        Partitions of the shuffled boxes (default: as many as the input).
    n_threads : int, optional, default 1
        OpenMP threads of each task's kernel (dask already runs one task per worker thread).

    Returns
    -------
    dask DataFrame
        Columns ``i, j`` (int64 ids, ``i < j``) and ``iou`` if asked; every pair exactly
        once; the row order is not specified. Nothing is computed but a planning pass
        (extent, size and position sample of every partition).

    Raises
    ------
    ValueError, TypeError
        Bad arguments or metadata, at once; bad box values (NaN, ``x2 < x1``), when the
        result is computed.

    See Also
    --------
    boxgeom.find_pairs : the same on one machine.

    Notes
    -----
    Works with the default local scheduler and with any connected
    ``distributed.Client``. The input is read twice (planning pass, then the join).
    Ids must be unique. See ``docs/scaling.md``.
    """
    opts = _options(fmt, touching, iou, rotated, angle_unit, convention, n_threads)
    size = None if tile_size is None else check_positive(tile_size, "tile_size")
    parts = None if npartitions is None else check_count(npartitions, "npartitions")
    prepared = _prepare_input(boxes, "boxes", columns, id_column, opts)
    stats = _gather_stats([prepared])
    if stats[0]["n"] == 0:
        return _empty(opts)
    grid, divisions = _plan(stats, size, parts or prepared.npartitions)
    halo = prepared.map_partitions(_replicate, grid, None, meta=_replicate(prepared._meta, grid, None))
    giants = _giants_of(prepared, grid)
    shuffled = halo.set_index("key", divisions=divisions)
    meta = _result_meta(opts)
    pairs = shuffled.map_partitions(_join_self, giants, grid, opts, meta=meta, align_dataframes=False)
    giant_pairs = giants.map_partitions(_giants_self, opts, meta=meta)
    return _concat([pairs, giant_pairs])


def find_pairs_between(
    boxes1: Any,
    boxes2: Any,
    *,
    tile_size: float | None = None,
    fmt: str = "xyxy",
    columns: Any = None,
    id_column: str | None = None,
    touching: bool = False,
    iou: bool = False,
    rotated: bool = False,
    angle_unit: str = "deg",
    convention: str = "opencv",
    npartitions: int | None = None,
    n_threads: int | None = 1,
) -> Any:
    """Find every overlapping pair of a box of ``boxes1`` and a box of ``boxes2``, on Dask.

    Parameters
    ----------
    boxes1, boxes2 : dask DataFrame, dask array or str
        As ``boxes`` in :func:`find_pairs`; both use the same ``fmt``, ``columns`` and
        ``id_column``.
    tile_size, fmt, columns, id_column, touching, iou, rotated, angle_unit, convention, n_threads
        As in :func:`find_pairs`.
    npartitions : int, optional
        Partitions of the shuffled boxes (default: those of both inputs together).

    Returns
    -------
    dask DataFrame
        Columns ``i`` (id in ``boxes1``), ``j`` (id in ``boxes2``) and ``iou`` if asked,
        every pair exactly once.

    See Also
    --------
    boxgeom.find_pairs_between : the same on one machine.
    """
    opts = _options(fmt, touching, iou, rotated, angle_unit, convention, n_threads)
    size = None if tile_size is None else check_positive(tile_size, "tile_size")
    parts = None if npartitions is None else check_count(npartitions, "npartitions")
    first = _prepare_input(boxes1, "boxes1", columns, id_column, opts)
    second = _prepare_input(boxes2, "boxes2", columns, id_column, opts)
    first, second = _common_dtype(first, second)
    stats = _gather_stats([first, second])
    if stats[0]["n"] == 0 or stats[1]["n"] == 0:
        return _empty(opts)
    grid, divisions = _plan(stats, size, parts or first.npartitions + second.npartitions)
    halo1 = first.map_partitions(_replicate, grid, 0, meta=_replicate(first._meta, grid, 0))
    halo2 = second.map_partitions(_replicate, grid, 1, meta=_replicate(second._meta, grid, 1))
    giants1, giants2 = _giants_of(first, grid), _giants_of(second, grid)
    shuffled = _concat([halo1, halo2]).set_index("key", divisions=divisions)
    meta = _result_meta(opts)
    pairs = shuffled.map_partitions(_join_between, giants1, giants2, grid, opts, meta=meta, align_dataframes=False)
    giant_pairs = giants1.map_partitions(_giants_between, giants2, opts, meta=meta, align_dataframes=False)
    return _concat([pairs, giant_pairs])


def run_pairs_cli(
    path: str,
    output: str | None = None,
    scheduler: str | None = None,
    touching: bool = False,
    fmt: str | None = None,
) -> str:
    """Run ``boxgeom pairs PATH [-o OUTPUT] --dask [--scheduler ADDRESS]``; return its summary line.

    Parameters
    ----------
    path : str
        Parquet file, directory or glob of boxes. Without ``fmt`` the format comes from
        the column names (``x1, y1, x2, y2``; ``x, y, w, h``; ``cx, cy, w, h``).
    output : str, optional
        Directory to write the pairs to as parquet (columns ``i, j``); else only count them.
    scheduler : str, optional
        Address of a ``distributed`` scheduler; default: the local threaded scheduler.
    touching : bool
    fmt : {"xyxy", "xywh", "cxcywh"}, optional

    Returns
    -------
    str
        One line: boxes, pairs, seconds, where written. A progress bar goes to stderr.

    Raises
    ------
    boxgeom._io.InputFileError
        Unreadable input or bad boxes (the command line prints it and exits with 2).
    """
    import dask.dataframe as dd

    from boxgeom._io import InputFileError

    start = time.perf_counter()
    client = None
    try:
        if scheduler:
            from distributed import Client

            client = Client(scheduler)
        try:
            names = list(dd.read_parquet(path).columns)
            if fmt is None:
                fmt = next((f for f, cols in FORMAT_COLUMNS.items() if set(cols) <= set(names)), "xyxy")
            pairs = find_pairs(path, fmt=fmt, touching=touching)
            count = _run_with_progress(pairs, output, client)
        except (ValueError, TypeError, OSError) as error:
            raise InputFileError(f"{path}: {error}") from None
    finally:
        if client is not None:
            client.close()
    seconds = time.perf_counter() - start
    boxes = _count_rows(path)
    written = f", written to {output}" if output else ""
    where = f"scheduler {scheduler}" if scheduler else "local scheduler"
    return f"pairs (dask, {where}): {boxes:,} boxes, {count:,} overlapping pairs in {seconds:.3f} s{written}"


# ---------------------------------------------------------------- planning


def _options(fmt, touching, iou, rotated, angle_unit, convention, n_threads) -> _Options:
    check_fmt(fmt)
    touching = check_flag(touching, "touching")
    iou = check_flag(iou, "iou")
    rotated = check_flag(rotated, "rotated")
    check_angle_unit(angle_unit)
    check_convention(convention)
    check_n_threads(n_threads)
    check_not_both(rotated, "rotated", touching, "touching")
    return _Options(fmt, rotated, touching, iou, angle_unit, convention, n_threads)


def _prepare_input(boxes: Any, name: str, columns: Any, id_column: str | None, opts: _Options):
    """A lazy frame with columns ``id`` (int64) and the xyxy bounds (plus the rotated boxes)."""
    import dask.array as da
    import dask.dataframe as dd

    width = 5 if opts.rotated else 4
    default = ROTATED_COLUMNS if opts.rotated else FMT_COLUMNS[opts.fmt]
    positions = False
    if isinstance(boxes, (str, os.PathLike)):
        frame = dd.read_parquet(os.fspath(boxes))
        positions = id_column is None
    elif isinstance(boxes, da.Array):
        check_lazy_shape(boxes.shape, width, name)
        names = default if columns is None else check_column_names(columns, columns, width)
        frame = dd.from_dask_array(boxes, columns=list(names))
        positions = id_column is None and not frame.known_divisions
    elif isinstance(boxes, dd.DataFrame):
        frame = boxes
    else:
        raise dask_input_error(boxes, width, name)
    names = check_column_names(default if columns is None else columns, frame.columns, width)
    if id_column is not None:
        check_column_names([id_column], frame.columns, 1, "id_column")
        check_id_dtype(frame[id_column].dtype, "id_column")
        frame = frame[[*names, id_column]]
        source = id_column
    elif positions:
        frame = frame[names]
        ones = frame[names[0]].map_partitions(_ones, meta=_ones(frame[names[0]]._meta))
        frame = frame.assign(__position=ones.cumsum() - 1)
        source = "__position"
    else:
        check_known_ids(frame.known_divisions or frame.npartitions == 1, name)
        check_id_dtype(frame.index.dtype, f"{name} index")
        frame = frame[names]
        source = None
    meta = _prepare(frame._meta, names, source, opts, name)
    return frame.map_partitions(_prepare, names, source, opts, name, meta=meta)


def _ones(series):
    import pandas as pd

    return pd.Series(np.ones(len(series), dtype=np.int64), index=series.index)


def _prepare(part, names: list, source: str | None, opts: _Options, name: str):
    """Validate one partition; return ids and xyxy bounds (plus the rotated boxes)."""
    import pandas as pd

    values = part[names].to_numpy()
    ids = part.index.to_numpy() if source is None else part[source].to_numpy()
    data = {"id": np.asarray(ids, dtype=np.int64)}
    if opts.rotated:
        boxes = as_rotated(values, name)
        bounds = _rotated_bounds(boxes, opts)
        data.update(zip(ROTATED_COLUMNS, boxes.T))
    else:
        bounds = as_boxes(values, name, opts.fmt)
    data.update(zip(_BOUNDS, bounds.T))
    return pd.DataFrame(data)


def _rotated_bounds(boxes: np.ndarray, opts: _Options) -> np.ndarray:
    """Axis-aligned float64 bounds of rotated boxes, padded by a relative 1e-9 against rounding."""
    from boxgeom.rotated import rotated_corners

    corners = rotated_corners(boxes, angle_unit=opts.angle_unit, convention=opts.convention)
    values = boxes.astype(np.float64)
    pad = 1e-9 * (np.abs(values[:, :2]).max(axis=1, initial=0) + values[:, 2] + values[:, 3]) if len(boxes) else 0
    out = np.empty((len(boxes), 4))
    out[:, :2] = corners.min(axis=1, initial=np.inf) - np.reshape(pad, (-1, 1))
    out[:, 2:] = corners.max(axis=1, initial=-np.inf) + np.reshape(pad, (-1, 1))
    return out


def _common_dtype(first, second):
    """Bring both prepared frames to one coordinate dtype, as the single-machine join does."""
    columns = list(ROTATED_COLUMNS if "angle" in first.columns else _BOUNDS)
    kinds = (first._meta[columns[0]].dtype, second._meta[columns[0]].dtype)
    common = np.result_type(*kinds)
    if common == np.float16 or common.kind not in "if":
        common = np.dtype(np.float64)
    cast = {column: common for column in columns}
    if kinds[0] != common:
        first = first.astype(cast)
    if kinds[1] != common:
        second = second.astype(cast)
    return first, second


def _stats(part) -> dict:
    """Count, extent and a strided sample (box sides, lower-left corners) of one partition."""
    n = len(part)
    if n == 0:
        return {"n": 0}
    bounds = part[list(_BOUNDS)].to_numpy(dtype=np.float64)
    sample = bounds[:: max(1, n // _SAMPLE)]
    sides = np.maximum(sample[:, 2] - sample[:, 0], sample[:, 3] - sample[:, 1])
    return {
        "n": n,
        "low": bounds[:, :2].min(axis=0),
        "high": bounds[:, 2:].max(axis=0),
        "sides": sides,
        "corners": sample[:, :2],
        "weight": np.full(len(sample), n / len(sample)),
    }


def _gather_stats(frames: list) -> list[dict]:
    """One planning pass over every frame (on the current scheduler); stats merged per frame."""
    import dask

    delayed = [[dask.delayed(_stats)(block) for block in frame.to_delayed()] for frame in frames]
    computed = dask.compute(*delayed)
    merged = []
    for blocks in computed:
        blocks = [b for b in blocks if b["n"]]
        if not blocks:
            merged.append({"n": 0})
            continue
        merged.append({
            "n": sum(b["n"] for b in blocks),
            "low": np.min([b["low"] for b in blocks], axis=0),
            "high": np.max([b["high"] for b in blocks], axis=0),
            **{key: np.concatenate([b[key] for b in blocks]) for key in ("sides", "corners", "weight")},
        })
    return merged


def _plan(stats: list[dict], tile_size: float | None, parts: int) -> tuple[_Grid, list[int]]:
    """The tile grid and the Hilbert-key divisions that balance the sampled boxes over ``parts``."""
    n = sum(s["n"] for s in stats)
    low = np.min([s["low"] for s in stats], axis=0)
    high = np.max([s["high"] for s in stats], axis=0)
    width, height = high - low
    if tile_size is None:
        typical = float(np.percentile(np.concatenate([s["sides"] for s in stats]), 95))
        floor = _SIZE_FACTOR * typical
        area = max(width, floor, 1e-300) * max(height, floor, 1e-300)
        spread = math.sqrt(area * min(_PER_TILE / n, 1 / (_TILES_PER_PARTITION * parts)))
        tile_size = max(floor, spread)
        if not (math.isfinite(tile_size) and tile_size > 0):
            tile_size = 1.0
    nx, ny = int(width // tile_size) + 1, int(height // tile_size) + 1
    order = max(1, math.ceil(math.log2(max(nx, ny))))
    check_tile_order(order, _MAX_ORDER, width, height, tile_size)
    grid = _Grid(float(low[0]), float(low[1]), float(tile_size), nx, ny, order)
    corners = np.concatenate([s["corners"] for s in stats])
    weight = np.concatenate([s["weight"] for s in stats])
    keys = grid.keys(corners[:, 0], corners[:, 1])
    order_ = np.argsort(keys, kind="stable")
    cumulative = np.cumsum(weight[order_])
    targets = cumulative[-1] * np.arange(1, parts) / parts
    inner = keys[order_][np.minimum(np.searchsorted(cumulative, targets), len(keys) - 1)]
    divisions = sorted({0, grid.last_key, *(int(k) for k in inner if 0 < k < grid.last_key)})
    return grid, divisions


# ---------------------------------------------------------------- per-partition work


def _replicate(part, grid: _Grid, side: int | None):
    """Copy every non-giant box into each tile it overlaps; column ``key`` is the tile's Hilbert key."""
    import pandas as pd

    bounds = part[list(_BOUNDS)].to_numpy(dtype=np.float64)
    normal = ~_is_giant(bounds, grid)
    bounds = bounds[normal]
    tx1, tx2 = grid.tile(bounds[:, 0], grid.x0, grid.nx), grid.tile(bounds[:, 2], grid.x0, grid.nx)
    ty1, ty2 = grid.tile(bounds[:, 1], grid.y0, grid.ny), grid.tile(bounds[:, 3], grid.y0, grid.ny)
    across = tx2 - tx1 + 1
    counts = across * (ty2 - ty1 + 1)
    copy_of = np.repeat(np.arange(len(bounds)), counts)
    rank = np.arange(len(copy_of)) - np.repeat(np.cumsum(counts) - counts, counts)
    tx = tx1[copy_of] + rank % across[copy_of]
    ty = ty1[copy_of] + rank // across[copy_of]
    rows = np.flatnonzero(normal)[copy_of]
    out = pd.DataFrame({column: part[column].to_numpy()[rows] for column in part.columns})
    out["key"] = hilbert_keys(tx, ty, grid.order)
    if side is not None:
        out["side"] = np.full(len(out), side, dtype=np.int8)
    return out


def _is_giant(bounds: np.ndarray, grid: _Grid) -> np.ndarray:
    limit = _GIANT * grid.size
    return (bounds[:, 2] - bounds[:, 0] > limit) | (bounds[:, 3] - bounds[:, 1] > limit)


def _select_giants(part, grid: _Grid):
    bounds = part[list(_BOUNDS)].to_numpy(dtype=np.float64)
    return part[_is_giant(bounds, grid)].reset_index(drop=True)


def _giants_of(prepared, grid: _Grid):
    """The giants of every partition, gathered into one partition (broadcast to the join)."""
    giants = prepared.map_partitions(_select_giants, grid, meta=prepared._meta)
    return giants.repartition(npartitions=1)


def _distinct(part):
    """The distinct boxes of a partition (a box copied into several of its tiles counts once), by id."""
    ids = part["id"].to_numpy()
    _, first = np.unique(ids, return_index=True)
    return part.iloc[first]


def _pairs_of(first, second, self_join: bool, opts: _Options) -> tuple[np.ndarray, np.ndarray | None]:
    """The kernel: overlapping pairs (local indices) and, for rotated boxes, their IoU."""
    if opts.rotated:
        from boxgeom.rotated import rotated_iou_pairs

        one = first[list(ROTATED_COLUMNS)].to_numpy()
        other = None if self_join else second[list(ROTATED_COLUMNS)].to_numpy()
        return rotated_iou_pairs(one, other, angle_unit=opts.angle_unit, convention=opts.convention,
                                 n_threads=opts.n_threads)
    from boxgeom.pairs import find_pairs as _find, find_pairs_between as _between

    one = first[list(_BOUNDS)].to_numpy()
    if self_join:
        return _find(one, touching=opts.touching, n_threads=opts.n_threads), None
    other = second[list(_BOUNDS)].to_numpy()
    return _between(one, other, touching=opts.touching, n_threads=opts.n_threads), None


def _owned(first, second, pairs: np.ndarray, grid: _Grid, tiles: np.ndarray, giants: tuple) -> np.ndarray:
    """Mask of the pairs whose reference point (lower-left corner of the intersection) is in ``tiles``.

    A replicated box that lies in one tile only is in this partition through that tile,
    which holds the reference point of each of its pairs: those pairs need no test.
    """
    spans1 = _spans(first, grid, giants[0])
    spans2 = spans1 if second is first else _spans(second, grid, giants[1])
    test = np.flatnonzero(spans1[pairs[0]] & spans2[pairs[1]])
    keep = np.ones(pairs.shape[1], dtype=bool)
    if len(test):
        low1 = first[["x1", "y1"]].to_numpy(dtype=np.float64)
        low2 = second[["x1", "y1"]].to_numpy(dtype=np.float64)
        ref = np.maximum(low1[pairs[0, test]], low2[pairs[1, test]])
        keys = grid.keys(ref[:, 0], ref[:, 1])
        where = np.minimum(np.searchsorted(tiles, keys), len(tiles) - 1)
        keep[test] = tiles[where] == keys
    return keep


def _spans(boxes, grid: _Grid, giant: bool) -> np.ndarray:
    """Mask of the boxes that overlap more than one tile (all giants do)."""
    if giant:
        return np.ones(len(boxes), dtype=bool)
    bounds = boxes[list(_BOUNDS)].to_numpy(dtype=np.float64)
    return (grid.tile(bounds[:, 0], grid.x0, grid.nx) != grid.tile(bounds[:, 2], grid.x0, grid.nx)) | (
        grid.tile(bounds[:, 1], grid.y0, grid.ny) != grid.tile(bounds[:, 3], grid.y0, grid.ny)
    )


def _found(first, second, self_join: bool, grid: _Grid | None, tiles, opts: _Options, orient: bool,
           giants: tuple = (False, False)):
    """Owned pairs of ``first`` x ``second`` as (i, j, iou); ``orient`` puts the smaller id first.

    ``giants`` tells which side is the (not replicated) giants table.
    """
    if len(first) == 0 or len(second) == 0:
        return None
    pairs, values = _pairs_of(first, second, self_join, opts)
    if grid is not None and pairs.shape[1]:
        keep = _owned(first, second, pairs, grid, tiles, giants)
        pairs = pairs[:, keep]
        values = None if values is None else values[keep]
    if opts.iou and values is None:
        from boxgeom.iou import box_iou_pairs

        values = box_iou_pairs(first[list(_BOUNDS)].to_numpy(), second[list(_BOUNDS)].to_numpy(), pairs,
                               n_threads=opts.n_threads)
    i = first["id"].to_numpy()[pairs[0]]
    j = second["id"].to_numpy()[pairs[1]]
    if orient:
        i, j = np.minimum(i, j), np.maximum(i, j)
    return i, j, values


def _result(found: list, opts: _Options):
    import pandas as pd

    found = [f for f in found if f is not None]
    data = {
        "i": np.concatenate([f[0] for f in found] + [np.empty(0, np.int64)]).astype(np.int64, copy=False),
        "j": np.concatenate([f[1] for f in found] + [np.empty(0, np.int64)]).astype(np.int64, copy=False),
    }
    if opts.iou:
        data["iou"] = np.concatenate([f[2] for f in found] + [np.empty(0)]).astype(np.float64, copy=False)
    return pd.DataFrame(data)


def _result_meta(opts: _Options):
    return _result([], opts)


def _join_self(part, giants, grid: _Grid, opts: _Options):
    """One shuffled partition of a self-join: its pairs, and its boxes against the giants."""
    tiles = np.unique(part.index.to_numpy())
    boxes = _distinct(part.reset_index(drop=True))
    giants = _distinct(giants)
    return _result([
        _found(boxes, boxes, True, grid, tiles, opts, False),
        _found(giants, boxes, False, grid, tiles, opts, True, (True, False)),
    ], opts)


def _join_between(part, giants1, giants2, grid: _Grid, opts: _Options):
    """One shuffled partition of a two-set join (``side`` 0 is ``boxes1``)."""
    tiles = np.unique(part.index.to_numpy())
    part = part.reset_index(drop=True)
    side = part["side"].to_numpy()
    first, second = _distinct(part[side == 0]), _distinct(part[side == 1])
    return _result([
        _found(first, second, False, grid, tiles, opts, False),
        _found(giants1, second, False, grid, tiles, opts, False, (True, False)),
        _found(first, giants2, False, grid, tiles, opts, False, (False, True)),
    ], opts)


def _giants_self(giants, opts: _Options):
    """All pairs among the giants (one task; every giant is in it once)."""
    giants = _distinct(giants)
    return _result([_found(giants, giants, True, None, None, opts, False)], opts)


def _giants_between(giants1, giants2, opts: _Options):
    return _result([_found(giants1, giants2, False, None, None, opts, False)], opts)


def _empty(opts: _Options):
    import dask.dataframe as dd

    return dd.from_pandas(_result_meta(opts), npartitions=1)


def _concat(frames: list):
    import dask.dataframe as dd

    return dd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- command line helpers


def _run_with_progress(pairs, output: str | None, client) -> int:
    """Compute the pairs (writing them if ``output``) with a progress bar on stderr; return their count."""
    import dask

    work = pairs.to_parquet(output, write_index=False, compute=False) if output else pairs.shape[0]
    if client is not None:
        from distributed import progress

        future = client.compute(work)
        with contextlib.redirect_stdout(sys.stderr):  # the text bar writes to stdout
            progress(future)
        result = future.result()
    else:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            (result,) = dask.compute(work)
    return _count_rows(output) if output else int(result)


def _count_rows(path: str) -> int:
    """Rows of a parquet file, directory or glob, from the footers only."""
    import pyarrow.dataset as ds

    if any(ch in path for ch in "*?["):
        import glob

        path = sorted(glob.glob(path))
    return ds.dataset(path, format="parquet").count_rows()
