"""Reading box files and writing results for the command line.

Inputs: ``.npy`` (a 2-D numeric array), ``.csv``/``.txt`` (comma-separated, header
optional) and ``.parquet`` (needs pyarrow). Outputs: the same three, chosen by the
extension. Columns are found by name when the file names them, else by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boxgeom.formats import FORMAT_COLUMNS, ROTATED_COLUMNS

# Column names that fix the box format, in the order the kernels take them (rotated first:
# its names include those of cxcywh).
BOX_COLUMNS = {"rotated": ROTATED_COLUMNS, **FORMAT_COLUMNS}
# Accepted names of the extra columns, by role.
EXTRA_COLUMNS = {
    "score": ("score", "scores", "confidence"),
    "label": ("label", "labels", "class", "category", "idx"),
}
TABLE_SUFFIXES = (".npy", ".csv", ".txt", ".parquet")


class InputFileError(ValueError):
    """A file that cannot be used: missing, unreadable or malformed (one line, names the file)."""


@dataclass
class Table:
    """A numeric table read from a file: ``values`` (n, c) and lower-case column ``names`` if any."""

    values: np.ndarray
    names: tuple[str, ...] | None
    path: Path


def read_table(path: str | Path) -> Table:
    """Read a 2-D numeric table from ``.npy``, ``.csv``/``.txt`` or ``.parquet``."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputFileError(f"{path}: expected a .npy, .csv or .parquet file, got {suffix or 'no extension'}")
    try:
        if suffix == ".npy":
            values, names = np.load(path, allow_pickle=False), None
        elif suffix == ".parquet":
            values, names = _read_parquet(path)
        else:
            values, names = _read_csv(path)
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: {str(error).splitlines()[0]}") from None
    if values.ndim != 2:
        raise InputFileError(f"{path}: expected a 2-D table of numbers, got an array of shape {values.shape}")
    if values.dtype.kind not in "iuf":
        raise InputFileError(f"{path}: expected numbers, got dtype {values.dtype}")
    return Table(values, names, path)


def _read_csv(path: Path) -> tuple[np.ndarray, tuple[str, ...] | None]:
    with path.open() as handle:
        first = next((line for line in handle if line.strip()), "")
    cells = [cell.strip() for cell in first.split(",")]
    names = None if not first or _is_number(cells[0]) else tuple(cell.lower() for cell in cells)
    values = np.loadtxt(path, delimiter=",", skiprows=0 if names is None else _header_line(path) + 1, ndmin=2)
    if names is not None and values.size and values.shape[1] != len(names):
        raise ValueError(f"expected {len(names)} columns as in the header, got {values.shape[1]}")
    if values.size and np.all(values == np.round(values)) and np.abs(values).max() < 2**53:
        values = values.astype(np.int64)
    return values, names


def _header_line(path: Path) -> int:
    with path.open() as handle:
        return next(number for number, line in enumerate(handle) if line.strip())


def _read_parquet(path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    parquet = _pyarrow_parquet(path)
    table = parquet.read_table(path)
    columns = [np.asarray(column) for column in table.columns]
    bad = [name for name, column in zip(table.column_names, columns) if column.dtype.kind not in "iuf"]
    if bad:
        raise ValueError(f"expected numeric columns, got column {bad[0]!r}")
    values = np.column_stack(columns) if columns else np.empty((0, 0))
    return values, tuple(name.lower() for name in table.column_names)


def _pyarrow_parquet(path: Path):
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise InputFileError(f"{path}: reading or writing .parquet needs pyarrow (pip install pyarrow)") from None
    return parquet


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def box_columns(table: Table, rotated: bool, extras: tuple[str, ...] = ()) -> tuple[np.ndarray, str | None, dict]:
    """Split a table into boxes, the format its header names (if any) and extra columns.

    ``extras`` lists roles (``"score"``, ``"label"``); a role ending in ``"?"`` is
    optional. Named tables are searched by name; unnamed ones are read by position
    (boxes first, then the extras in order) and must have exactly that many columns.
    """
    width = 5 if rotated else 4
    required = [role for role in extras if not role.endswith("?")]
    optional = [role.rstrip("?") for role in extras if role.endswith("?")]
    if table.names is not None:
        found = _named_boxes(table, rotated)
        if found is not None:
            columns, fmt = found
            extra = {}
            for role in required + optional:
                index = next((table.names.index(name) for name in EXTRA_COLUMNS[role] if name in table.names), None)
                if index is None and role in required:
                    raise InputFileError(f"{table.path}: expected a {' or '.join(EXTRA_COLUMNS[role])!s} column")
                if index is not None:
                    extra[role] = table.values[:, index]
            return np.ascontiguousarray(table.values[:, columns]), fmt, extra
    count = table.values.shape[1]
    if not width + len(required) <= count <= width + len(required) + len(optional):
        expected = width + len(required)
        what = f"{expected}" if not optional else f"{expected} to {expected + len(optional)}"
        layout = ", ".join(["box"] * 1 + required + [f"[{role}]" for role in optional])
        raise InputFileError(f"{table.path}: expected {what} columns ({layout}), got {count}")
    extra = {role: table.values[:, width + k] for k, role in enumerate(required + optional) if width + k < count}
    return np.ascontiguousarray(table.values[:, :width]), None, extra


def _named_boxes(table: Table, rotated: bool) -> tuple[list[int], str | None] | None:
    names = table.names or ()
    for fmt, wanted in BOX_COLUMNS.items():
        if (fmt == "rotated") == rotated and set(wanted) <= set(names):
            return [names.index(name) for name in wanted], None if rotated else fmt
    return None


def write_table(path: str | Path, columns: dict[str, np.ndarray], array: np.ndarray | None = None) -> None:
    """Write named columns to ``.csv``/``.parquet``, or ``array`` (default: the stacked columns) to ``.npy``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputFileError(f"{path}: expected an output ending in .npy, .csv or .parquet, got {suffix or 'no extension'}")
    values = list(columns.values())
    try:
        if suffix == ".npy":
            np.save(path, array if array is not None else np.column_stack(values) if values else np.empty((0, 0)))
        elif suffix == ".parquet":
            parquet = _pyarrow_parquet(path)
            import pyarrow

            parquet.write_table(pyarrow.table({name: np.asarray(v) for name, v in columns.items()}), path)
        else:
            formats = ["%d" if np.asarray(v).dtype.kind in "iub" else "%.17g" for v in values]
            stacked = np.column_stack(values) if values and len(values[0]) else np.empty((0, len(values)))
            np.savetxt(path, stacked, delimiter=",", header=",".join(columns), comments="", fmt=formats)
    except OSError as error:
        raise InputFileError(f"{path}: {error.strerror or error}") from None
