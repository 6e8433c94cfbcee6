"""DOTA's text files, read into and written from flat arrays (:func:`read_dota`, :func:`write_dota`).

Three layouts, each a set of ``.txt`` files with one object per line and fields
separated by spaces (``x1 y1 ... x4 y4`` are the four corners of a quad):

- **labels**, one file per image (``{image}.txt``, the image id is the file stem):
  ``x1 y1 x2 y2 x3 y3 x4 y4 class difficult``; ``difficult`` (an integer, non-zero:
  difficult) may be left out (0). The header lines ``imagesource:...`` and ``gsd:...``
  of DOTA v1.0 and blank lines are skipped.
- **detections per image** (``{image}.txt``): ``x1 y1 x2 y2 x3 y3 x4 y4 class score``.
- **detections per class**, DOTA's task 1 submission (``Task1_{class}.txt``):
  ``image score x1 y1 x2 y2 x3 y3 x4 y4``.

Names become integer codes: ``label_names[code]`` and ``image_names[code]``. To evaluate
detections against ground truth read separately, pass the ground truth's names when
reading the detections, so both share one coding (new names are appended):

    gt = read_dota("val/labelTxt")
    dt = read_dota("results", detections=True, label_names=gt.label_names, image_names=gt.image_names)
    result = voc_ap(gt.quads, gt.labels, gt.image_ids, dt.quads, dt.scores, dt.labels, dt.image_ids,
                    kind="polygon", gt_difficult=gt.difficult, use_07_metric=True)
    print(result.summary(gt.label_names))
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from boxgeom._validate import as_array, as_indices, as_numpy, as_scores, check_finite

__all__ = ["DOTA_V1_CLASSES", "DotaData", "read_dota", "write_dota"]

PathLike = Union[str, "os.PathLike[str]"]

#: The 15 categories of DOTA v1.0, in the order of its devkit.
DOTA_V1_CLASSES = (
    "plane", "baseball-diamond", "bridge", "ground-track-field", "small-vehicle", "large-vehicle", "ship",
    "tennis-court", "basketball-court", "storage-tank", "soccer-ball-field", "roundabout", "harbor",
    "swimming-pool", "helicopter",
)  # fmt: skip

_TASK1 = "Task1_"
_HEADERS = ("imagesource:", "gsd:")
_LABEL_LINE = "'x1 y1 x2 y2 x3 y3 x4 y4 class [difficult]'"
_IMAGE_DETECTION_LINE = "'x1 y1 x2 y2 x3 y3 x4 y4 class score'"
_CLASS_DETECTION_LINE = "'image score x1 y1 x2 y2 x3 y3 x4 y4'"


@dataclass(frozen=True, eq=False, repr=False)
class DotaData:
    """Objects of DOTA files as flat arrays, one row per object (in file order, files sorted by path).

    Attributes
    ----------
    quads : ndarray of shape (n, 8), float64
        Corners ``x1 y1 x2 y2 x3 y3 x4 y4``.
    labels : ndarray of shape (n,), int64
        Codes into ``label_names``.
    image_ids : ndarray of shape (n,), int64
        Codes into ``image_names``.
    label_names : tuple of str
    image_names : tuple of str
        Every image read (an image whose label file is empty is listed too).
    difficult : ndarray of shape (n,), bool, or None
        Labels: the difficult flags; None for detections.
    scores : ndarray of shape (n,), float64, or None
        Detections: the scores; None for labels.
    """

    quads: np.ndarray
    labels: np.ndarray
    image_ids: np.ndarray
    label_names: tuple[str, ...]
    image_names: tuple[str, ...]
    difficult: np.ndarray | None = None
    scores: np.ndarray | None = None

    def __repr__(self) -> str:
        what = "labels" if self.scores is None else "detections"
        return (
            f"DotaData({what}, objects={len(self.quads)}, categories={len(self.label_names)}, "
            f"images={len(self.image_names)})"
        )


class _Codes:
    """Names to integer codes: the given names first, new ones appended in sorted order."""

    def __init__(self, names: Any, argument: str) -> None:
        given = tuple(_check_names(() if names is None else names, argument))
        self.codes = {name: code for code, name in enumerate(given)}
        self.given = len(given)

    def code(self, name: str) -> int:
        code = self.codes.get(name)
        if code is None:
            code = self.codes[name] = len(self.codes)
        return code

    def finish(self, values: list[int]) -> tuple[np.ndarray, tuple[str, ...]]:
        """The codes of ``values`` renumbered so that the new names are sorted, and the names."""
        names = list(self.codes)
        new = sorted(range(self.given, len(names)), key=names.__getitem__)
        recode = np.arange(len(names), dtype=np.int64)
        recode[new] = np.arange(self.given, len(names))
        array = recode[np.asarray(values, dtype=np.int64)] if values else np.empty(0, dtype=np.int64)
        return array, tuple(names[: self.given]) + tuple(names[i] for i in new)


def _files(path: Any) -> list[Path]:
    """The ``.txt`` files of a directory (sorted), a file, or a sequence of files (in its order)."""
    if isinstance(path, (str, os.PathLike)):
        root = Path(path)
        if root.is_dir():
            return sorted(p for p in root.iterdir() if p.suffix == ".txt" and p.is_file())
        if root.is_file():
            return [root]
        raise ValueError(f"path: expected a DOTA .txt file or a directory of them, got {str(path)!r} (not found)")
    if isinstance(path, Iterable):
        files = [Path(p) for p in path]
        for file in files:
            if not file.is_file():
                raise ValueError(f"path: expected DOTA .txt files, got {str(file)!r} (not a file)")
        return files
    raise TypeError(f"path: expected a path or a sequence of paths, got {type(path).__name__}")


def _number(text: str, file: Path, line: int, raw: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{file}, line {line}: expected {expected} with finite numbers, got {raw!r}")
    return value


def read_dota(
    path: PathLike | Sequence[PathLike],
    *,
    detections: bool = False,
    label_names: Sequence[str] | None = None,
    image_names: Sequence[str] | None = None,
) -> DotaData:
    """Read DOTA label or detection files into flat arrays.

    Parameters
    ----------
    path : path or sequence of paths
        A ``.txt`` file, a directory (its ``.txt`` files, sorted by name) or a sequence
        of files. The layouts are in :mod:`boxgeom.dota`.
    detections : bool, default False
        False: label files (one per image). True: detection files, per class (files
        named ``Task1_{class}.txt``) or per image (any other name).
    label_names, image_names : sequence of str, optional
        Names whose codes are fixed (``names[code]``), such as another read's; names met
        that are not in them get the next codes, in sorted order.

    Returns
    -------
    DotaData
        ``difficult`` for labels, ``scores`` for detections.

    Raises
    ------
    ValueError
        A missing file or directory, or a malformed line (the message names the file and
        the line number): the wrong number of fields, a number that does not parse or is
        not finite, a difficult flag that is not an integer.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "P0001.txt").write_text("imagesource:GoogleEarth\\ngsd:0.15\\n"
    ...     "10 10 50 10 50 30 10 30 plane 0\\n60 60 70 60 70 90 60 90 ship 1\\n")
    >>> gt = read_dota(folder)
    >>> gt.quads.shape, gt.labels, gt.label_names, gt.image_names, gt.difficult
    ((2, 8), array([0, 1]), ('plane', 'ship'), ('P0001',), array([False,  True]))
    """
    if not isinstance(detections, (bool, np.bool_)):
        raise TypeError(f"detections: expected True or False, got {detections!r}")
    labels_codes = _Codes(label_names, "label_names")
    image_codes = _Codes(image_names, "image_names")
    quads: list[list[float]] = []
    labels: list[int] = []
    images: list[int] = []
    extra: list[float] = []  # scores, or difficult flags
    for file in _files(path):
        stem = file.stem
        per_class = detections and stem.startswith(_TASK1)
        image = label = -1
        if per_class:
            label = labels_codes.code(stem[len(_TASK1):])
        else:
            image = image_codes.code(stem)
        with open(file, encoding="utf-8-sig") as handle:
            for number, raw in enumerate(handle, start=1):
                fields = raw.split()
                if not fields:
                    continue
                if per_class:
                    if len(fields) != 10:
                        raise ValueError(f"{file}, line {number}: expected {_CLASS_DETECTION_LINE}, got {raw.rstrip()!r}")
                    images.append(image_codes.code(fields[0]))
                    extra.append(_number(fields[1], file, number, raw.rstrip(), _CLASS_DETECTION_LINE))
                    quads.append([_number(v, file, number, raw.rstrip(), _CLASS_DETECTION_LINE) for v in fields[2:]])
                    labels.append(label)
                    continue
                if not detections and raw.lstrip().startswith(_HEADERS):
                    continue
                expected = _IMAGE_DETECTION_LINE if detections else _LABEL_LINE
                if len(fields) != 10 and (detections or len(fields) != 9):
                    raise ValueError(f"{file}, line {number}: expected {expected}, got {raw.rstrip()!r}")
                quads.append([_number(v, file, number, raw.rstrip(), expected) for v in fields[:8]])
                labels.append(labels_codes.code(fields[8]))
                images.append(image)
                if detections:
                    extra.append(_number(fields[9], file, number, raw.rstrip(), expected))
                elif len(fields) == 10:
                    try:
                        extra.append(int(fields[9]) != 0)
                    except ValueError:
                        raise ValueError(
                            f"{file}, line {number}: expected an integer difficult flag in {_LABEL_LINE}, "
                            f"got {raw.rstrip()!r}"
                        ) from None
                else:
                    extra.append(False)
    label_array, label_tuple = labels_codes.finish(labels)
    image_array, image_tuple = image_codes.finish(images)
    quad_array = np.array(quads, dtype=np.float64).reshape(-1, 8)
    values = np.array(extra, dtype=np.float64 if detections else bool).reshape(-1)
    return DotaData(
        quads=quad_array,
        labels=label_array,
        image_ids=image_array,
        label_names=label_tuple,
        image_names=image_tuple,
        difficult=None if detections else values,
        scores=values if detections else None,
    )


def _check_names(names: Any, argument: str) -> list[str]:
    """Names usable in DOTA files and as file names: distinct non-empty str without whitespace or slashes."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise TypeError(f"{argument}: expected a sequence of str, got {type(names).__name__}")
    checked = list(names)
    seen: set[str] = set()
    for index, name in enumerate(checked):
        if not isinstance(name, str):
            raise TypeError(f"{argument}: expected a sequence of str, got {type(name).__name__} at index {index}")
        if not name or name.split() != [name] or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(
                f"{argument}: expected names without whitespace or slashes, got {name!r} at index {index}"
            )
        if name in seen:
            raise ValueError(f"{argument}: expected distinct names, got {name!r} more than once")
        seen.add(name)
    return checked


def _format(values: list[Any]) -> str:
    return " ".join(map(repr, values))


def write_dota(
    directory: PathLike,
    quads: npt.ArrayLike,
    labels: npt.ArrayLike,
    image_ids: npt.ArrayLike,
    *,
    label_names: Sequence[str],
    image_names: Sequence[str],
    scores: npt.ArrayLike | None = None,
    difficult: npt.ArrayLike | None = None,
    layout: str | None = None,
) -> list[Path]:
    """Write objects to DOTA text files (detections with ``scores``, else labels).

    Parameters
    ----------
    directory : path
        Created if missing; files of the same names are overwritten.
    quads : array_like of shape (n, 8) or (n, 4, 2)
        Corners ``x1 y1 ... x4 y4`` (finite; for rotated boxes,
        ``boxgeom.rotated_corners(boxes).reshape(-1, 8)``).
    labels, image_ids : array_like of shape (n,), integer
        Codes into ``label_names`` and ``image_names``.
    label_names, image_names : sequence of str
        Distinct names, without whitespace or slashes.
    scores : array_like of shape (n,), optional
        Detection scores (finite): write detections.
    difficult : array_like of shape (n,), bool or integer, optional
        Labels only (default all 0).
    layout : {"task1", "images"}, optional
        Detections: ``"task1"`` (the default; one ``Task1_{class}.txt`` per name of
        ``label_names``, empty ones included, lines ``image score x1 ... y4``) or
        ``"images"`` (one ``{image}.txt`` per name of ``image_names``, lines
        ``x1 ... y4 class score``). Labels: ``"images"`` only (lines
        ``x1 ... y4 class difficult``), which is the default.

    Returns
    -------
    list of pathlib.Path
        The files written, in order.

    Notes
    -----
    Numbers are written in the shortest form that reads back to the same float64
    (``repr``), so :func:`read_dota` gives back the same values. Rows keep their order
    within each file.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> files = write_dota(folder, [[0, 0, 4, 0, 4, 2, 0, 2.5]], [1], [0], scores=[0.75],
    ...                    label_names=("plane", "ship"), image_names=("P0001",))
    >>> [f.name for f in files], files[1].read_text()
    (['Task1_plane.txt', 'Task1_ship.txt'], 'P0001 0.75 0.0 0.0 4.0 0.0 4.0 2.0 0.0 2.5\\n')
    >>> read_dota(folder, detections=True).scores
    array([0.75])
    """
    shaped = as_numpy(quads)
    if shaped.ndim == 3 and shaped.shape[1:] == (4, 2):
        shaped = shaped.reshape(len(shaped), 8)
    array = as_array(shaped, "quads", 8).astype(np.float64)
    n = len(array)
    label_list = _check_names(label_names, "label_names")
    image_list = _check_names(image_names, "image_names")
    label_codes = _codes_of(labels, n, len(label_list), "labels")
    image_codes = _codes_of(image_ids, n, len(image_list), "image_ids")
    is_detection = scores is not None
    if is_detection and difficult is not None:
        raise ValueError("difficult: expected None with scores (detections have no difficult flag), got an array")
    choices = ("task1", "images") if is_detection else ("images",)
    if layout is None:
        layout = choices[0]
    if layout not in choices:
        raise ValueError(f"layout: expected one of {', '.join(map(repr, choices))}, got {layout!r}")
    if is_detection:
        values = as_scores(scores, n, "scores", "quads")
        check_finite(values, "scores")
        last = values.tolist()
    else:
        flags = np.zeros(n, dtype=np.int64) if difficult is None else as_numpy(difficult)
        if flags.dtype.kind not in "biu":
            raise TypeError(f"difficult: expected a bool or integer array, got dtype {flags.dtype}")
        if flags.shape != (n,):
            raise ValueError(f"difficult: expected shape ({n},) to match quads, got {flags.shape}")
        last = (flags != 0).astype(np.int64).tolist()
    rows = array.tolist()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    per_class = layout == "task1"
    keys = label_codes if per_class else image_codes
    names = label_list if per_class else image_list
    buckets: list[list[str]] = [[] for _ in names]
    for row, key, label, image, value in zip(rows, keys.tolist(), label_codes.tolist(), image_codes.tolist(), last):
        if per_class:
            buckets[key].append(f"{image_list[image]} {value!r} {_format(row)}\n")
        else:
            buckets[key].append(f"{_format(row)} {label_list[label]} {value!r}\n")
    written = []
    for name, lines in zip(names, buckets):
        file = out / (f"{_TASK1}{name}.txt" if per_class else f"{name}.txt")
        with open(file, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        written.append(file)
    return written


def _codes_of(values: Any, n: int, bound: int, name: str) -> np.ndarray:
    codes = as_indices(values, bound, name)
    if len(codes) != n:
        raise ValueError(f"{name}: expected length {n} to match quads, got {len(codes)}")
    return codes
