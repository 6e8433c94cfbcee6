"""What the compiled kernels were built with: OpenMP or not, and its thread count."""

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int boxgeom_openmp_enabled(void) { return 1; }
    static int boxgeom_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int boxgeom_openmp_enabled(void) { return 0; }
    static int boxgeom_max_threads(void) { return 1; }
    #endif
    """
    int boxgeom_openmp_enabled() noexcept nogil
    int boxgeom_max_threads() noexcept nogil


def openmp_enabled():
    """Return True if the kernels were compiled with OpenMP support."""
    return bool(boxgeom_openmp_enabled())


def max_threads():
    """Return ``omp_get_max_threads()`` (1 without OpenMP)."""
    return boxgeom_max_threads()
