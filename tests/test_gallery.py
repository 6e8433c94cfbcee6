"""docs/make_gallery.py still runs and draws every picture of docs/gallery.md."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

DOCS = Path(__file__).resolve().parents[1] / "docs"
PICTURES = ["boxes", "image", "pairs", "rotated_pairs", "nms", "match", "tile_cover", "set_areas", "window"]
MAX_BYTES = 150 * 1024


def test_page_shows_the_expected_pictures():
    shown = re.findall(r"!\[[^\]]*\]\(gallery/([\w-]+)\.png\)", (DOCS / "gallery.md").read_text(encoding="utf-8"))
    assert shown == PICTURES


def test_committed_pictures_exist():
    for name in PICTURES:
        assert (DOCS / "gallery" / f"{name}.png").stat().st_size > 0, name


def test_script_draws_every_picture(tmp_path):
    result = subprocess.run(
        [sys.executable, str(DOCS / "make_gallery.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(path.stem for path in tmp_path.iterdir()) == sorted(PICTURES)
    for name in PICTURES:
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert 0 < len(data) < MAX_BYTES, (name, len(data))
