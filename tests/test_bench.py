"""The benchmark suite stays importable and runnable (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.run", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@pytest.mark.skipif(not (ROOT / "bench" / "run.py").exists(), reason="bench/ is not shipped with the package")
def test_every_benchmark_module_imports():
    listed = run("--list")
    assert listed.returncode == 0, listed.stderr
    names = listed.stdout.split()
    assert {"pairs", "rotated", "setarea", "detection", "dask", "suppression", "merging", "fusion",
            "evaluation"} <= set(names)
    imports = "; ".join(f"import bench.bench_{name}" for name in names)
    result = subprocess.run([sys.executable, "-c", imports], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    bad = run("nonexistent")
    assert bad.returncode == 2 and "unknown benchmark" in bad.stderr
