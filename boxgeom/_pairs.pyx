"""The pair engine: every overlapping pair of one set of boxes, or of two, in one call.

``find_pairs`` makes every decision of a pair search and returns the pairs as one
lexicographically sorted (2, k) intp array, identical whatever the method and thread count:

- ``auto`` tests every pair (``_brute``) up to ``BRUTE`` tests, and up to ``BRUTE_DENSE``
  when the boxes are dense (``overlap_odds``: the chance that two boxes overlap, from the
  mean sizes of a sample and the joint extent); otherwise it runs the line search
  (``_sweep``) while each box meets fewer than ``SWEEP_CANDIDATES`` boxes in x, or below
  ``SMALL`` boxes, and the strip join (``_strips``) beyond. ``sweep`` and ``grid`` force
  the line search and the strip join (``grid`` is the strip join's historical name).
- The strip join's plan (orientation, strips, columns: ``plan_strips``) is the least
  estimated cost over both orientations and five quantiles of the box sizes; the plan sets
  the speed, never the result. Its giants (boxes spanning 3 strips or more) are paired
  with each other by a line search.
- ``find_pairs_between(X, X)`` (both sets the same array) joins X once as a self-join, then
  emits every pair in both orders (``mirror``) plus the diagonal (i, i) of the boxes that
  pair with themselves.
- Below ``PARALLEL_FROM["pairs"]`` boxes (both sets; ``boxgeom._threads``, read at
  import) everything runs on one thread, and so does the giants' line search below that
  many giants.
- The joins pack pairs as ``row1 << 32 | row2`` in one buffer per work item; the sort
  (``sort_pairs``) is an MSD radix pass on the high bits of row1 into the result's first
  row, then per bucket a counting sort by row1 and a sort of each run by row2
  (``_sort.sort_intp``). With 2**32 boxes or more in a set the pairs are not packed: the
  line search runs and the pairs are sorted as compressed sparse rows (``_csr``).
"""

cimport numpy as cnp
from cython.parallel cimport prange, threadid
from libc.math cimport ceil, floor, fmod, isfinite, pow
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy, memset

from boxgeom._box cimport has_area
from boxgeom._brute cimport brute_pairs
from boxgeom._buffer cimport Buffer, buffer_free, buffers_total
from boxgeom._csr cimport fill_csr
from boxgeom._kinds cimport KIND_FLOAT32, KIND_INT32, KIND_INT64, row_step, same_kind
from boxgeom._sort cimport float_key, float_unkey, radix_sort, sort_intp
from boxgeom._strips cimport StripBins, StripPlan, bin_strips, join_items, join_strips
from boxgeom._sweep cimport sweep_pairs
from boxgeom._types cimport coord_t, float32_t, float64_t, int32_t, int64_t, intp_t, uint8_t, uint32_t, uint64_t

from boxgeom._threads import PARALLEL_FROM

cnp.import_array()


cdef enum Method:
    METHOD_AUTO = 0
    METHOD_SWEEP = 1
    METHOD_GRID = 2

# The methods by name (``boxgeom.pairs`` maps its ``method`` argument through this).
METHOD_CODES = {"auto": METHOD_AUTO, "sweep": METHOD_SWEEP, "grid": METHOD_GRID}

cdef enum:
    SMALL = 256               # below this many boxes the sweep always wins: no planning
    BRUTE = 20000             # "auto" tests every pair (output sorted as it comes) up to this many pairs
    # ... and up to this many when pairs are dense (at least DENSE of the tested pairs
    # overlap, from the mean sizes): a vectorised test costs about 1.5 ns, the joins about
    # 50 ns per pair found plus their planning
    BRUTE_DENSE = 250000
    # The line search wins while each box meets fewer than this many boxes overlapping it
    # in x (its candidates; the strip join's planning and binning cost more below that)
    SWEEP_CANDIDATES = 20
    SAMPLE = 4096             # sizes are sampled from at most about this many evenly spaced boxes
    PACKED_BITS = 32          # pairs are packed as row1 << 32 | row2: up to 2**32 boxes a set
    QUANTILES = 5             # box sizes tried as the strip height (see plan_strips)
    MAX_SORT_THREADS = 8

# Boxes (both sets) from which the engine runs in parallel (the one table of cut-offs).
cdef intp_t parallel_from = PARALLEL_FROM["pairs"]


def find_pairs(cnp.ndarray query not None, cnp.ndarray index not None, *, bint self_join, bint touching,
               int n_threads, int method=METHOD_AUTO):
    """Return the sorted (2, k) intp pairs of overlapping boxes of ``query`` and ``index``.

    Both are validated (n, 4) xyxy boxes of one dtype (int32, int64, float32 or float64),
    C-contiguous or row-strided (``_kinds.has_rows``; read in place). With ``self_join``
    they are one set (pass it twice): each unordered pair once, as (i, j) with i < j.
    Otherwise (row of ``query``, row of ``index``). ``touching`` also pairs boxes that
    share only an edge or a corner; ``n_threads`` is the caller's effective thread count;
    ``method`` a value of ``METHOD_CODES``.
    """
    cdef int kind = same_kind(query, index, 4, True)
    cdef bint identical = query is index
    cdef intp_t n_query = cnp.PyArray_DIM(query, 0), n_index = cnp.PyArray_DIM(index, 0)
    cdef intp_t query_step = row_step(query), index_step = row_step(index)
    cdef void* query_data = cnp.PyArray_DATA(query)
    cdef void* index_data = cnp.PyArray_DATA(index)
    if kind == KIND_INT32:
        return engine(<const int32_t*> query_data, n_query, query_step, <const int32_t*> index_data, n_index,
                      index_step, identical, self_join, touching, n_threads, method)
    if kind == KIND_INT64:
        return engine(<const int64_t*> query_data, n_query, query_step, <const int64_t*> index_data, n_index,
                      index_step, identical, self_join, touching, n_threads, method)
    if kind == KIND_FLOAT32:
        return engine(<const float32_t*> query_data, n_query, query_step, <const float32_t*> index_data, n_index,
                      index_step, identical, self_join, touching, n_threads, method)
    return engine(<const float64_t*> query_data, n_query, query_step, <const float64_t*> index_data, n_index,
                  index_step, identical, self_join, touching, n_threads, method)


cdef inline object no_pairs():
    cdef cnp.npy_intp dims[2]
    dims[0] = 2
    dims[1] = 0
    return cnp.PyArray_EMPTY(2, dims, cnp.NPY_INTP, 0)


cdef object engine(const coord_t* query, intp_t n_query, intp_t query_step, const coord_t* index, intp_t n_index,
                   intp_t index_step, bint identical, bint self_join, bint touching, int n_threads, int method):
    """``find_pairs`` on raw boxes (box i of a set at ``step * i`` values from its first);
    ``identical``: both arguments were the same array."""
    cdef intp_t n_total = n_query if self_join else n_query + n_index
    cdef intp_t limit = (<intp_t> 1) << PACKED_BITS
    cdef uint64_t tests
    cdef bint sweep
    cdef Sizes sizes
    cdef double in_x = 1.0, in_both = 1.0
    cdef bint same = self_join or identical, measured = False
    cdef double extents[8]  # ``set_extents``: the query set's, then that of both sets
    if n_query == 0 or n_index == 0:
        return no_pairs()
    sizes.widths = NULL
    try:
        if max(n_query, n_index) >= limit:
            sweep = True  # the strip join cannot pack the pairs, and there are too many tests for brute force
        else:
            tests = (<uint64_t> n_query) * <uint64_t> (n_query - 1) // 2 if self_join \
                else (<uint64_t> n_query) * <uint64_t> n_index
            sweep = method == METHOD_SWEEP
            if method == METHOD_AUTO and tests <= BRUTE:
                return brute_pairs(query, n_query, query_step, index, n_index, index_step, self_join, touching)
            if method == METHOD_AUTO and n_total >= SMALL:
                sample_sizes(query, n_query, query_step, index, n_index, index_step, identical, &sizes)
                set_extents(query, n_query, query_step, index, n_index, index_step, same, extents)
                measured = True
                overlap_odds(&sizes, extents + 4, &in_x, &in_both)
                if tests <= BRUTE_DENSE and in_both >= 0.01:  # DENSE
                    return brute_pairs(query, n_query, query_step, index, n_index, index_step, self_join, touching)
                sweep = sweep or <double> tests * in_x < <double> (SWEEP_CANDIDATES * n_total)
            elif method == METHOD_AUTO:
                sweep = True
        if n_total < parallel_from:
            n_threads = 1  # a parallel region costs more than the work
        if sweep:
            return sweep_path(query, n_query, query_step, index, n_index, index_step, self_join, touching,
                              n_threads, n_query < limit and n_index < limit)
        if sizes.widths == NULL:
            sample_sizes(query, n_query, query_step, index, n_index, index_step, identical, &sizes)
        if not measured:
            set_extents(query, n_query, query_step, index, n_index, index_step, same, extents)
        return strip_path(query, n_query, query_step, index, n_index, index_step, identical, self_join, touching,
                          n_threads, &sizes, extents + (0 if same else 4))
    finally:
        free(sizes.widths)


# ---------------------------------------------------------------------------------------
# Planning: the odds of an overlap and the strip join's plan, from sampled box sizes.
# ---------------------------------------------------------------------------------------

cdef struct Sizes:
    # Widths and heights (float64) of evenly spaced boxes of each set: those of the query
    # set first (n1 of them), then those of the index set (n2; 0 if both are one array).
    double* widths
    double* heights
    intp_t n1
    intp_t n2


cdef inline intp_t sample_count(intp_t n) noexcept nogil:
    """Boxes ``boxes[::max(1, n // SAMPLE)]`` holds."""
    cdef intp_t step = max(1, n // SAMPLE)
    return (n + step - 1) // step


cdef inline void sizes_of(const coord_t* boxes, intp_t step, intp_t count, double* widths,
                          double* heights) noexcept nogil:
    """Widths and heights (float64 coordinates subtracted) of ``count`` boxes, ``step`` values apart."""
    cdef intp_t i
    for i in range(count):
        widths[i] = <double> boxes[step * i + 2] - <double> boxes[step * i]
        heights[i] = <double> boxes[step * i + 3] - <double> boxes[step * i + 1]


cdef void sample_of(const coord_t* boxes, intp_t step, intp_t n, double* widths, double* heights) noexcept nogil:
    """Widths and heights (``sizes_of``) of ``boxes[::max(1, n // SAMPLE)]`` (box i at ``boxes + step * i``)."""
    cdef intp_t every = max(1, n // SAMPLE)
    if step * every == 4:  # C-contiguous rows, all sampled: a constant step, which the compiler vectorises
        sizes_of(boxes, 4, sample_count(n), widths, heights)
    else:
        sizes_of(boxes, step * every, sample_count(n), widths, heights)


cdef int sample_sizes(const coord_t* query, intp_t n_query, intp_t query_step, const coord_t* index, intp_t n_index,
                      intp_t index_step, bint identical, Sizes* sizes) except -1:
    """Sample the sizes of both sets (of the query set only if ``identical``)."""
    sizes.n1 = sample_count(n_query)
    sizes.n2 = 0 if identical else sample_count(n_index)
    sizes.widths = <double*> malloc(2 * (sizes.n1 + sizes.n2) * sizeof(double))
    if sizes.widths == NULL:
        raise MemoryError()
    sizes.heights = sizes.widths + sizes.n1 + sizes.n2
    sample_of(query, query_step, n_query, sizes.widths, sizes.heights)
    if not identical:
        sample_of(index, index_step, n_index, sizes.widths + sizes.n1, sizes.heights + sizes.n1)
    return 0


cdef double pairwise_sum(const double* a, intp_t n) noexcept nogil:
    """numpy's float64 sum (``np.add.reduce``), term for term: blocks of 128 by 8 partial
    sums, larger runs halved at a multiple of 8."""
    cdef intp_t i, half
    cdef double r[8]
    cdef double total
    if n < 8:
        total = -0.0
        for i in range(n):
            total += a[i]
        return total
    if n <= 128:
        for i in range(8):
            r[i] = a[i]
        i = 8
        while i < n - n % 8:
            r[0] += a[i]
            r[1] += a[i + 1]
            r[2] += a[i + 2]
            r[3] += a[i + 3]
            r[4] += a[i + 4]
            r[5] += a[i + 5]
            r[6] += a[i + 6]
            r[7] += a[i + 7]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            total += a[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(a, half) + pairwise_sum(a + half, n - half)


cdef inline double mean(const double* a, intp_t n) noexcept nogil:
    """numpy's ``a.mean()``: the sum (from 0.0) over n."""
    return (0.0 + pairwise_sum(a, n)) / <double> n


cdef inline void extent_of(const coord_t* boxes, intp_t step, intp_t n, double* extent) noexcept nogil:
    """``box_extent``'s scan (inlined, so that a constant ``step`` reaches the loop)."""
    cdef intp_t i
    cdef coord_t x0 = boxes[0], y0 = boxes[1], x1 = boxes[2], y1 = boxes[3]
    cdef const coord_t* box
    for i in range(1, n):
        box = boxes + step * i
        if box[0] < x0:
            x0 = box[0]
        if box[1] < y0:
            y0 = box[1]
        if box[2] > x1:
            x1 = box[2]
        if box[3] > y1:
            y1 = box[3]
    extent[0] = <double> x0
    extent[1] = <double> y0
    extent[2] = <double> x1
    extent[3] = <double> y1


cdef void box_extent(const coord_t* boxes, intp_t step, intp_t n, double* extent) noexcept nogil:
    """(min x1, min y1, max x2, max y2) of n >= 1 boxes (box i at ``boxes + step * i``), as float64."""
    if step == 4:  # C-contiguous rows: a constant step, which the compiler vectorises
        extent_of(boxes, 4, n, extent)
    else:
        extent_of(boxes, step, n, extent)


cdef void set_extents(const coord_t* query, intp_t n_query, intp_t query_step, const coord_t* index, intp_t n_index,
                      intp_t index_step, bint one, double* extents) noexcept nogil:
    """``extents[:4]``: the ``box_extent`` of the query set; ``extents[4:]``: that of both
    sets together (the same with ``one``: the two are one set). One scan of each set."""
    cdef double* extent = extents + 4
    cdef double other[4]
    box_extent(query, query_step, n_query, extents)
    memcpy(extent, extents, 4 * sizeof(double))
    if one:
        return
    box_extent(index, index_step, n_index, other)
    extent[0] = other[0] if other[0] < extent[0] else extent[0]
    extent[1] = other[1] if other[1] < extent[1] else extent[1]
    extent[2] = other[2] if other[2] > extent[2] else extent[2]
    extent[3] = other[3] if other[3] > extent[3] else extent[3]


cdef void overlap_odds(const Sizes* sizes, const double* extent, double* in_x, double* in_both) noexcept nogil:
    """Chances that a pair of boxes overlaps in x, and in both axes, for boxes spread evenly
    over the joint ``extent`` of both sets: (w1 + w2) / extent width, times (h1 + h2) /
    extent height (mean sizes of the samples)."""
    cdef double w1 = mean(sizes.widths, sizes.n1), h1 = mean(sizes.heights, sizes.n1), w2 = w1, h2 = h1
    cdef double x, y
    if sizes.n2:
        w2 = mean(sizes.widths + sizes.n1, sizes.n2)
        h2 = mean(sizes.heights + sizes.n1, sizes.n2)
    x = 1.0
    if extent[2] > extent[0]:
        x = (w1 + w2) / (extent[2] - extent[0])
        x = x if x < 1.0 else 1.0
    y = 1.0
    if extent[3] > extent[1]:
        y = (h1 + h2) / (extent[3] - extent[1])
        y = y if y < 1.0 else 1.0
    in_x[0] = x
    in_both[0] = x * y


cdef inline double at_least(double value, double floor_value) noexcept nogil:
    """Python's ``max(value, floor_value)``."""
    return floor_value if floor_value > value else value


cdef double floor_divide(double a, double b) noexcept nogil:
    """Python's ``a // b`` for floats a, b > 0."""
    cdef double remainder = fmod(a, b)
    cdef double quotient = (a - remainder) / b
    cdef double result
    if quotient == 0:
        return 0.0
    result = floor(quotient)
    if quotient - result > 0.5:
        result += 1.0
    return result


cdef intp_t strip_count(double extent, double side, intp_t n_total) noexcept nogil:
    """Strips of height about ``side`` over ``extent``: 1 to n_total // 2."""
    cdef intp_t limit = max(1, n_total // 2)
    cdef double count
    if not (extent > 0 and isfinite(extent)):
        return 1
    if not (side > 0):
        return limit
    count = floor_divide(extent, side)
    count = count if count < <double> limit else <double> limit
    return <intp_t> (count if count > 1 else 1.0)


cdef inline double inverse(intp_t count, double extent) noexcept nogil:
    """``count / extent`` (0 for one cell, an empty extent or an infinite quotient)."""
    cdef double value
    if count <= 1 or not (extent > 0):
        return 0.0
    value = count / extent
    return value if isfinite(value) else 0.0


cdef bint sorted_sizes(const double* values, intp_t n, double* ranked) noexcept nogil:
    """``ranked`` = ``values[:n]`` ascending; False when memory runs out."""
    cdef intp_t i
    cdef uint64_t* keys = <uint64_t*> malloc(2 * n * sizeof(uint64_t))
    cdef intp_t* rows = <intp_t*> malloc(2 * n * sizeof(intp_t))
    if keys == NULL or rows == NULL:
        free(keys)
        free(rows)
        return False
    for i in range(n):
        keys[i] = float_key(values[i])
        rows[i] = i
    radix_sort(keys, rows, n, keys + n, rows + n)
    for i in range(n):
        ranked[i] = float_unkey(keys[i])
    free(keys)
    free(rows)
    return True


cdef inline intp_t count_at_most(const double* ranked, intp_t n, double value) noexcept nogil:
    """numpy's ``searchsorted(ranked, value, side="right")``: how many are <= value."""
    cdef intp_t low = 0, high = n, mid
    while low < high:
        mid = (low + high) // 2
        if value < ranked[mid]:
            high = mid
        else:
            low = mid + 1
    return low


cdef int plan_strips(const Sizes* sizes, bint one, const double* extent, intp_t n_total, StripPlan* plan) except -1:
    """The orientation, strips and columns of least estimated cost (``plan`` never affects
    the result). ``one``: the join has one set (the sizes of the query set only)."""
    cdef double quantiles[QUANTILES]
    cdef intp_t count = sizes.n1 if one else sizes.n1 + sizes.n2
    cdef double width = extent[2] - extent[0], height = extent[3] - extent[1]
    cdef double sweep_extent, strip_extent, mean_along, max_along, side, strip, column, giants, density
    cdef double small, giant, cost, best_cost = 0.0, best_column = 0.0, total = <double> n_total, columns
    cdef intp_t ns, best_ns = 0, budget, nq, i, t, k
    cdef bint transpose, best_transpose = False, found = False
    cdef const double* along
    cdef const double* across
    cdef double* ranked = <double*> malloc(count * sizeof(double))
    if ranked == NULL:
        raise MemoryError()
    quantiles[0] = 1.0
    quantiles[1] = 0.999
    quantiles[2] = 0.99
    quantiles[3] = 0.95
    quantiles[4] = 0.9
    try:
        for t in range(2):
            transpose = t == 1
            sweep_extent = height if transpose else width
            strip_extent = width if transpose else height
            along = sizes.heights if transpose else sizes.widths
            across = sizes.widths if transpose else sizes.heights
            mean_along = mean(along, count)
            max_along = along[0]
            for i in range(1, count):
                if along[i] > max_along:
                    max_along = along[i]
            if not sorted_sizes(across, count, ranked):
                raise MemoryError()
            for k in range(QUANTILES):
                side = ranked[<intp_t> (quantiles[k] * <double> (count - 1))]
                ns = strip_count(strip_extent, side, n_total)
                strip = strip_extent / ns if ns > 1 else strip_extent
                column = strip / 4 if ns > 1 else at_least(sweep_extent / <double> max(n_total, 1), 0.0)
                giants = 1.0 - <double> count_at_most(ranked, count, strip) / <double> count
                density = total / at_least(sweep_extent, 1e-300) / at_least(strip_extent, 1e-300)
                small = total * density * 3 * strip * (2 * mean_along + column)
                giant = total * giants * (total * (mean_along + max_along) / at_least(sweep_extent, 1e-300) + ns)
                cost = small + giant
                if not isfinite(cost):
                    cost = pow(total, 2.0)
                if not found or cost < best_cost:
                    found = True
                    best_cost = cost
                    best_transpose = transpose
                    best_ns = ns
                    best_column = column
    finally:
        free(ranked)
    sweep_extent = height if best_transpose else width
    strip_extent = width if best_transpose else height
    budget = max(4 * n_total, SAMPLE)
    nq = budget // best_ns
    if best_column > 0 and isfinite(sweep_extent / best_column):
        columns = ceil(sweep_extent / best_column)
        if columns < <double> nq:
            nq = <intp_t> columns
    else:
        nq = min(nq, 1)
    plan.transpose = best_transpose
    plan.ox = extent[1] if best_transpose else extent[0]
    plan.oy = extent[0] if best_transpose else extent[1]
    plan.nq = max(1, nq)
    plan.ns = best_ns
    plan.inv_q = inverse(plan.nq, sweep_extent)
    plan.inv_s = inverse(best_ns, strip_extent)
    return 0


# ---------------------------------------------------------------------------------------
# The two joins
# ---------------------------------------------------------------------------------------

cdef void free_buffers(Buffer* bufs, intp_t count) noexcept nogil:
    cdef intp_t c
    if bufs == NULL:
        return
    for c in range(count):
        buffer_free(&bufs[c])
    free(bufs)


cdef object sweep_path(const coord_t* query, intp_t n_query, intp_t query_step, const coord_t* index, intp_t n_index,
                       intp_t index_step, bint self_join, bint touching, int n_threads, bint packed):
    """The line search, then the sort (of packed pairs, else as compressed sparse rows)."""
    cdef Buffer* bufs = NULL
    cdef intp_t count = 0
    cdef bint ok
    with nogil:
        ok = sweep_pairs(query, query_step, NULL, n_query, index, index_step, NULL, n_index, self_join, touching,
                         packed, n_threads, &bufs, &count)
    if not ok:
        raise MemoryError()
    try:
        if packed:
            return sort_pairs(bufs, count, NULL, 0, False, n_query, n_threads, NULL)
        return sort_unpacked(bufs, count, n_query)
    finally:
        free_buffers(bufs, count)


cdef object strip_path(const coord_t* query, intp_t n_query, intp_t query_step, const coord_t* index, intp_t n_index,
                       intp_t index_step, bint identical, bint self_join, bint touching, int n_threads,
                       const Sizes* sizes, const double* extent):
    """Plan, bin each set once, join, pair the giants by a line search, sort. ``extent``:
    that of the set, or of both sets unless they are one (``set_extents``)."""
    cdef bint same = self_join or identical
    # One set against itself (``find_pairs_between(X, X)``): join it once as a self-join,
    # then emit every pair in both orders plus the diagonal (i, i).
    cdef bint mirror = same and not self_join
    cdef bint one = self_join or mirror
    cdef StripPlan plan
    cdef StripBins bins1, bins2
    cdef Buffer* bufs = NULL
    cdef Buffer* giant_bufs = NULL
    cdef intp_t items = 0, giant_count = 0, g1, g2, r
    cdef int giant_threads
    cdef bint ok = True
    cdef uint8_t* diagonal = NULL
    plan_strips(sizes, same, extent, n_query if same else n_query + n_index, &plan)
    bins1 = bin_strips(query, query_step, n_query, plan, not touching, n_threads)
    bins2 = bins1 if same else bin_strips(index, index_step, n_index, plan, not touching, n_threads)
    try:
        items = join_items(&bins1.strips, &bins2.strips, one)
        bufs = <Buffer*> calloc(items + 1, sizeof(Buffer))
        if bufs == NULL:
            raise MemoryError()
        g1 = bins1.strips.g
        g2 = bins2.strips.g
        giant_threads = 1 if g1 < parallel_from else n_threads
        with nogil:
            join_strips(query, query_step, &bins1.strips, index, index_step, &bins2.strips, plan, one, touching,
                        n_threads, bufs)
            # the pairs of two giants, which the strip join leaves out
            if g1 and g2 and not (one and g1 < 2):
                ok = sweep_pairs(query, query_step, bins1.strips.giants, g1, index, index_step, bins2.strips.giants,
                                 g2, one, touching, True, giant_threads, &giant_bufs, &giant_count)
        if not ok:
            raise MemoryError()
        bins1 = bins2 = None  # free the bins before the sort
        if mirror:
            diagonal = <uint8_t*> malloc(n_query + 1)
            if diagonal == NULL:
                raise MemoryError()
            for r in range(n_query):
                diagonal[r] = touching or has_area(query + query_step * r)
        return sort_pairs(bufs, items, giant_bufs, giant_count, mirror, n_query, n_threads, diagonal)
    finally:
        free_buffers(bufs, items)
        free_buffers(giant_bufs, giant_count)
        free(diagonal)


# ---------------------------------------------------------------------------------------
# The sort of packed pairs
# ---------------------------------------------------------------------------------------

cdef object sort_pairs(const Buffer* first, intp_t n_first, const Buffer* second, intp_t n_second, bint mirror,
                       intp_t n_rows, int n_threads, const uint8_t* diagonal):
    """Return the packed pairs (``row1 << 32 | row2``) of the buffers ``first`` and ``second``
    as a lexicographically sorted (2, k) intp array.

    With ``mirror`` every pair also comes out swapped; with ``diagonal`` (one flag per row,
    or NULL) the pairs (r, r) of the flagged rows are added.
    """
    cdef intp_t nseg = n_first + n_second, s, inputs = 0, n_diagonal = 0, r, k, shift = 0, nb, t, largest = 0
    cdef intp_t running, c, b
    cdef intp_t T = max(1, min(n_threads, MAX_SORT_THREADS))
    cdef cnp.npy_intp dims[2]
    if buffers_total(first, n_first) < 0 or buffers_total(second, n_second) < 0:
        raise MemoryError()
    if diagonal != NULL:
        for r in range(n_rows):
            n_diagonal += diagonal[r] != 0
    cdef const uint64_t** seg = <const uint64_t**> malloc((nseg + 1) * sizeof(uint64_t*))
    cdef intp_t* seglen = <intp_t*> malloc((nseg + 1) * sizeof(intp_t))
    if seg == NULL or seglen == NULL:
        free(seg)
        free(seglen)
        raise MemoryError()
    for s in range(nseg):
        seg[s] = <const uint64_t*> (first[s].data if s < n_first else second[s - n_first].data)
        seglen[s] = first[s].size if s < n_first else second[s - n_first].size
        inputs += seglen[s]
    k = (2 * inputs if mirror else inputs) + n_diagonal
    dims[0] = 2
    dims[1] = k
    out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INTP, 0)
    if k == 0:
        free(seg)
        free(seglen)
        return out
    while (n_rows - 1) >> shift >= 2048:
        shift += 1
    nb = ((n_rows - 1) >> shift) + 1
    cdef intp_t* result = <intp_t*> cnp.PyArray_DATA(out)
    # The bucket pass writes into row 0 of the result (k slots of 8 bytes); each bucket
    # is then copied to a small per-thread buffer and counting-sorted into both rows.
    cdef uint64_t* staged = <uint64_t*> result
    cdef intp_t* offsets = <intp_t*> calloc(T * nb, sizeof(intp_t))
    cdef intp_t* diagonal_counts = <intp_t*> calloc(nb, sizeof(intp_t))
    cdef intp_t* bucket_start = <intp_t*> calloc(nb + 1, sizeof(intp_t))
    cdef intp_t local_size = ((<intp_t> 1) << shift) + 1
    cdef intp_t* local = <intp_t*> malloc(T * local_size * sizeof(intp_t))
    cdef uint64_t* copies = NULL
    cdef intp_t mirrored = nseg if mirror else 0
    try:
        if offsets == NULL or diagonal_counts == NULL or bucket_start == NULL or local == NULL:
            raise MemoryError()
        if diagonal != NULL:
            for r in range(n_rows):
                diagonal_counts[r >> shift] += diagonal[r] != 0
        with nogil:
            for t in prange(T, schedule="static", num_threads=T):
                _hist_range(seg, seglen, nseg, mirrored, inputs * t // T, inputs * (t + 1) // T, shift,
                            offsets + t * nb)
            running = 0
            for b in range(nb):
                bucket_start[b] = running
                for t in range(T):
                    c = offsets[t * nb + b]
                    offsets[t * nb + b] = running
                    running += c
                running += diagonal_counts[b]  # the bucket's last slots, filled by _sort_bucket
                if running - bucket_start[b] > largest:
                    largest = running - bucket_start[b]
            bucket_start[nb] = running
            copies = <uint64_t*> malloc(T * largest * sizeof(uint64_t))
            if copies != NULL:
                for t in prange(T, schedule="static", num_threads=T):
                    _scatter_range(seg, seglen, nseg, mirrored, inputs * t // T, inputs * (t + 1) // T, shift,
                                   offsets + t * nb, staged)
                for b in prange(nb, schedule="dynamic", num_threads=T):
                    _sort_bucket(staged, bucket_start[b], bucket_start[b + 1] - diagonal_counts[b], shift, b << shift,
                                 diagonal, n_rows, local + threadid() * local_size, copies + threadid() * largest,
                                 result, result + k)
        if copies == NULL:
            raise MemoryError()
        return out
    finally:
        free(seg)
        free(seglen)
        free(offsets)
        free(diagonal_counts)
        free(bucket_start)
        free(local)
        free(copies)


cdef inline uint64_t swapped(uint64_t v) noexcept nogil:
    return (v << 32) | (v >> 32)


cdef void _hist_range(const uint64_t** seg, const intp_t* seglen, intp_t nseg, intp_t mirrored, intp_t lo,
                      intp_t hi, intp_t shift, intp_t* hist) noexcept nogil:
    """Bucket counts of inputs [lo, hi); inputs of the first ``mirrored`` segments count twice."""
    cdef intp_t s, base = 0, a, z, i
    for s in range(nseg):
        a = max(lo, base) - base
        z = min(hi, base + seglen[s]) - base
        for i in range(a, z):
            hist[(seg[s][i] >> 32) >> shift] += 1
            if s < mirrored:
                hist[(<uint32_t> seg[s][i]) >> shift] += 1
        base += seglen[s]


cdef void _scatter_range(const uint64_t** seg, const intp_t* seglen, intp_t nseg, intp_t mirrored, intp_t lo,
                         intp_t hi, intp_t shift, intp_t* cursor, uint64_t* dst) noexcept nogil:
    """Scatter inputs [lo, hi) into their buckets; those of the first ``mirrored`` segments also swapped."""
    cdef intp_t s, base = 0, a, z, i, b
    cdef uint64_t v
    for s in range(nseg):
        a = max(lo, base) - base
        z = min(hi, base + seglen[s]) - base
        for i in range(a, z):
            v = seg[s][i]
            b = (v >> 32) >> shift
            dst[cursor[b]] = v
            cursor[b] += 1
            if s < mirrored:
                v = swapped(v)
                b = (v >> 32) >> shift
                dst[cursor[b]] = v
                cursor[b] += 1
        base += seglen[s]


cdef void _sort_bucket(const uint64_t* staged, intp_t lo, intp_t hi, intp_t shift, intp_t row_base,
                       const uint8_t* own, intp_t n_rows, intp_t* count, uint64_t* src, intp_t* out0,
                       intp_t* out1) noexcept nogil:
    """Counting-sort staged[lo:hi] by row0 (rows row_base + [0, 2**shift)) into out, then sort runs by row1.

    ``staged`` aliases ``out0``: the bucket is first copied to ``src`` (hi - lo slots). Rows
    flagged in ``own`` (if not NULL) also get their pair (r, r), in slots after ``hi``.
    """
    cdef intp_t rows = (<intp_t> 1) << shift, i, r, total = lo, c, j, run
    cdef uint64_t v
    cdef uint64_t mask = <uint64_t> (rows - 1)
    memcpy(src, staged + lo, (hi - lo) * sizeof(uint64_t))
    src -= lo
    memset(count, 0, (rows + 1) * sizeof(intp_t))
    for i in range(lo, hi):
        count[(src[i] >> 32) & mask] += 1
    for r in range(rows):
        if own != NULL and row_base + r < n_rows and own[row_base + r] != 0:
            out0[total] = row_base + r  # first in its run, which is sorted below
            out1[total] = row_base + r
            total += 1
        c = count[r]
        count[r] = total
        total += c
    for i in range(lo, hi):
        v = src[i]
        r = (v >> 32) & mask
        j = count[r]
        count[r] = j + 1
        out0[j] = row_base + r
        out1[j] = <intp_t> (<uint32_t> v)
    # count[r] is now the end of row r's run; sort each run by row1
    j = lo
    for r in range(rows):
        run = count[r] - j
        if run > 1:
            sort_intp(out1 + j, run)
        j = count[r]


cdef object sort_unpacked(const Buffer* bufs, intp_t count, intp_t n_rows):
    """Sort pairs held as two intp (sets of 2**32 boxes or more) through compressed sparse
    rows: row 0 of the result repeats each row index over its row's length."""
    cdef intp_t total = buffers_total(bufs, count), c, i, offset = 0, row
    cdef cnp.npy_intp dims[2]
    cdef const intp_t* pair
    cdef bint ok
    if total < 0:
        raise MemoryError()
    cdef intp_t* first = <intp_t*> malloc((2 * total + 1) * sizeof(intp_t))
    cdef int64_t* indptr = <int64_t*> malloc((n_rows + 1) * sizeof(int64_t))
    dims[0] = 2
    dims[1] = total
    out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_INTP, 0)
    cdef intp_t* result = <intp_t*> cnp.PyArray_DATA(out)
    try:
        if first == NULL or indptr == NULL:
            raise MemoryError()
        with nogil:
            for c in range(count):
                pair = <const intp_t*> bufs[c].data
                for i in range(bufs[c].size):
                    first[offset] = pair[2 * i]
                    first[total + offset] = pair[2 * i + 1]
                    offset += 1
            ok = fill_csr(first, first + total, total, n_rows, False, indptr, result + total)
            if ok:
                for row in range(n_rows):
                    for i in range(indptr[row], indptr[row + 1]):
                        result[i] = row
        if not ok:
            raise MemoryError()
        return out
    finally:
        free(first)
        free(indptr)
