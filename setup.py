"""Build the compiled kernels of boxgeom (static metadata lives in pyproject.toml).

Every ``boxgeom/_*.pyx`` is one Extension. OpenMP is probed once; without it the
build still succeeds and the kernels run serially. ``BOXGEOM_CYTHON_DEBUG=1``
turns bounds and wraparound checks back on. ``BOXGEOM_EXTENSIONS=_a,_b`` limits
an in-place rebuild to those modules (a developer convenience). Cython and the C
compiler run on every core (``BOXGEOM_BUILD_JOBS=N`` sets how many).
"""

import os
import sys
import tempfile
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
DEBUG = os.environ.get("BOXGEOM_CYTHON_DEBUG", "0") == "1"
JOBS = int(os.environ.get("BOXGEOM_BUILD_JOBS", "0")) or os.cpu_count() or 1

# Modules whose float arithmetic must be evaluated as written (no fused multiply-add):
# _fusion reproduces numpy's separately rounded products and sums bit for bit, and _evaluate
# pycocotools' IoU (compiled without contraction) and precision.
NO_FP_CONTRACTION = {"boxgeom._fusion", "boxgeom._evaluate"}

DIRECTIVES = {
    "language_level": "3",
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "nonecheck": False,
    "embedsignature": True,
    "freethreading_compatible": True,
}


def has_openmp(compiler):
    """Return True if ``compiler`` compiles and links a tiny OpenMP program."""
    if os.environ.get("BOXGEOM_OPENMP", "probe") == "0":
        return False
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as handle:
            handle.write(source)
        try:
            objects = compiler.compile([path], output_dir=tmp, extra_postargs=["-fopenmp"])
            compiler.link_executable(objects, os.path.join(tmp, "probe"), extra_postargs=["-fopenmp"])
        except Exception:  # any compiler or linker failure means "no OpenMP"
            return False
    return True


class BuildExt(build_ext):
    """Add -O3 everywhere and -fopenmp when the probe succeeds; compile the extensions in parallel."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = JOBS

    def build_extensions(self):
        openmp = self.compiler.compiler_type == "unix" and has_openmp(self.compiler)
        if not openmp:
            print("boxgeom: OpenMP not found, kernels will run serially", file=sys.stderr)
        for ext in self.extensions:
            ext.extra_compile_args += ["-O3"] if self.compiler.compiler_type == "unix" else ["/O2"]
            if ext.name in NO_FP_CONTRACTION:
                ext.extra_compile_args.append("-ffp-contract=off" if self.compiler.compiler_type == "unix" else "/fp:precise")
            if openmp:
                ext.extra_compile_args.append("-fopenmp")
                ext.extra_link_args.append("-fopenmp")
        super().build_extensions()


def extensions():
    selected = os.environ.get("BOXGEOM_EXTENSIONS")
    # largest first: the parallel build then finishes with the small ones
    sources = sorted((HERE / "boxgeom").glob("_*.pyx"), key=lambda path: (-path.stat().st_size, path.name))
    names = [path.stem for path in sources]
    if selected:
        names = [name for name in names if name in selected.split(",")]
    return [
        Extension(
            f"boxgeom.{name}",
            [f"boxgeom/{name}.pyx"],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_25_API_VERSION")],
        )
        for name in names
    ]


setup(
    ext_modules=cythonize(extensions(), compiler_directives=DIRECTIVES, nthreads=JOBS),
    cmdclass={"build_ext": BuildExt},
)
