"""The .pyi stubs of the compiled modules must match what the modules export (mypy.stubtest)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import boxgeom

pytest.importorskip("mypy")

PACKAGE = Path(boxgeom.__file__).parent
COMPILED = sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if (PACKAGE / f"{m.name}.pyx").exists())


def test_every_compiled_module_has_a_stub():
    assert COMPILED, "no compiled modules found"
    missing = [name for name in COMPILED if not (PACKAGE / f"{name}.pyi").exists()]
    assert not missing


def test_stubs_match_the_compiled_modules():
    allowlist = Path(__file__).with_name("stubtest_allowlist.txt")
    command = [sys.executable, "-m", "mypy.stubtest", "--allowlist", str(allowlist), "--ignore-missing-stub", "--ignore-unused-allowlist"]
    command += [f"boxgeom.{name}" for name in COMPILED]
    result = subprocess.run(command, capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
