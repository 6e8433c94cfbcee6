"""The documentation site builds in strict mode and its API reference lists every public name."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")
pytest.importorskip("mkdocstrings_handlers.python")

import boxgeom  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Public modules that are not API: the command line has its own page (docs/cli.md).
NOT_API = {"boxgeom.cli"}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    site = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300), site


@pytest.fixture(scope="module")
def anchors(build: tuple[subprocess.CompletedProcess[str], Path]) -> set[str]:
    """The ids of the objects rendered on the API pages (``boxgeom.pairs.find_pairs``)."""
    result, site = build
    if result.returncode != 0:
        pytest.fail("mkdocs build failed; see test_docs_build_strict")
    pages = list((site / "api").rglob("*.html"))
    assert pages, "no API pages were built"
    return {m for page in pages for m in re.findall(r'id="(boxgeom[\w.]*)"', page.read_text())}


def public_modules() -> list[str]:
    """``boxgeom``'s public submodules: every ``boxgeom/*.py`` without a leading underscore."""
    package = Path(boxgeom.__file__).parent
    return [f"boxgeom.{p.stem}" for p in sorted(package.glob("*.py")) if not p.stem.startswith("_")]


def exports(module: str) -> list[str]:
    return list(importlib.import_module(module).__all__)


def test_docs_build_strict(build: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, site = build
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    assert (site / "index.html").is_file()
    assert (site / "api" / "index.html").is_file()


@pytest.mark.parametrize("module", [m for m in public_modules() if m not in NOT_API])
def test_api_pages_list_every_name_of_each_module(module: str, anchors: set[str]) -> None:
    assert hasattr(importlib.import_module(module), "__all__"), f"{module} has no __all__"
    assert module in anchors, f"{module} has no `::: {module}` block in docs/api/"
    missing = [name for name in exports(module) if f"{module}.{name}" not in anchors]
    assert not missing, f"{module}: {missing} are in __all__ but not on the API pages (docstring missing?)"


def test_api_pages_list_every_name_of_boxgeom(anchors: set[str]) -> None:
    def documented(name: str) -> bool:
        obj = getattr(boxgeom, name)
        return f"boxgeom.{name}" in anchors or any(
            name in exports(module) and getattr(importlib.import_module(module), name) is obj
            for module in public_modules()
            if module not in NOT_API and f"{module}.{name}" in anchors
        )

    missing = [name for name in boxgeom.__all__ if not documented(name)]
    assert not missing, f"boxgeom.__all__: {missing} are not on the API pages"


def test_api_pages_leave_out_the_compiled_layer(anchors: set[str]) -> None:
    def private(part: str) -> bool:
        return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))

    leaked = sorted(a for a in anchors if any(private(part) for part in a.split(".")))
    assert not leaked, f"private objects on the API pages: {leaked}"
