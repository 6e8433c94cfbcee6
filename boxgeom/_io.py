"""Reading box files (.npy, .csv) and writing results (.npy, .csv) for the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

# Header names that fix the box format of a CSV file.
NAMED_COLUMNS = {
    ("x1", "y1", "x2", "y2"): "xyxy",
    ("x", "y", "w", "h"): "xywh",
    ("cx", "cy", "w", "h"): "cxcywh",
}


class InputFileError(ValueError):
    """A box file that cannot be read: missing, unreadable or malformed."""


def read_boxes(path: str | Path, columns: int = 4) -> tuple[np.ndarray, str | None]:
    """Read an ``(n, columns)`` array from ``.npy`` or ``.csv`` (header optional).

    Returns the array and the format named by the CSV header, if any.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False), None
        if suffix in (".csv", ".txt"):
            return _read_csv(path, columns)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: {error}") from None
    raise InputFileError(f"{path}: expected a .npy or .csv file, got {suffix or 'no extension'}")


def _read_csv(path: Path, columns: int) -> tuple[np.ndarray, str | None]:
    with path.open(newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    fmt = None
    if rows and not _is_number(rows[0][0]):
        header = tuple(cell.strip().lower() for cell in rows[0])
        rows = rows[1:]
        for names, named_fmt in NAMED_COLUMNS.items():
            if set(names) <= set(header):
                fmt = named_fmt
                order = [header.index(name) for name in names] + list(range(4, columns))
                rows = [[row[i] for i in order] for row in rows]
                break
    values = np.empty((len(rows), columns), dtype=np.float64)
    for line, row in enumerate(rows):
        if len(row) != columns:
            raise ValueError(f"expected {columns} columns, got {len(row)} in data row {line}")
        try:
            values[line] = [float(cell) for cell in row]
        except ValueError:
            raise ValueError(f"expected numbers, got {row} in data row {line}") from None
    if values.size and np.all(values == np.round(values)) and np.abs(values).max() < 2**31:
        values = values.astype(np.int64)
    return values, fmt


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_array(path: str | Path, array: np.ndarray, header: list[str]) -> None:
    """Write ``array`` to ``.npy`` as is, or to ``.csv`` one row per record with ``header``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        np.save(path, array)
    elif suffix in (".csv", ".txt"):
        rows = array.T if array.ndim == 2 and array.shape[0] == len(header) and array.shape[1] != len(header) else array
        np.savetxt(path, rows, delimiter=",", header=",".join(header), comments="", fmt="%.17g")
    else:
        raise InputFileError(f"{path}: expected an output ending in .npy or .csv, got {suffix or 'no extension'}")
