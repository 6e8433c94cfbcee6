"""The sparse maximum-weight matching kernel behind ``match_optimal``, against scipy's dense solver."""

from __future__ import annotations

import numpy as np
import pytest

from boxgeom._assign import max_weight_matching


def csr(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, cols = np.nonzero(weight)
    indptr = np.zeros(len(weight) + 1, dtype=np.intp)
    np.cumsum(np.bincount(rows, minlength=len(weight)), out=indptr[1:])
    return indptr, cols.astype(np.intp), weight[rows, cols].astype(np.float64)


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_reach_the_dense_optimum(seed):
    linear_sum_assignment = pytest.importorskip("scipy.optimize").linear_sum_assignment
    rng = np.random.default_rng(seed)
    for _ in range(300):
        n1, n2 = rng.integers(0, 10, 2)
        present = rng.random((n1, n2)) < rng.random()
        # half the cases with heavily tied weights
        values = rng.choice([0.1, 0.5, 1.0], (n1, n2)) if rng.random() < 0.5 else rng.uniform(1e-9, 1, (n1, n2))
        weight = np.where(present, values, 0.0)
        indptr, cols, weights = csr(weight)
        edges = max_weight_matching(indptr, cols, weights, n2)
        matched = np.flatnonzero(edges >= 0)
        picked_cols = cols[edges[matched]]
        assert len(set(picked_cols.tolist())) == len(picked_cols)  # one-to-one
        assert (edges[matched] >= indptr[matched]).all() and (edges[matched] < indptr[matched + 1]).all()
        rows, best_cols = linear_sum_assignment(weight, maximize=True) if n1 and n2 else ([], [])
        assert weight[matched, picked_cols].sum() == pytest.approx(weight[rows, best_cols].sum(), abs=1e-12)


def test_the_last_row_reroutes_a_long_chain():
    # row r reaches columns r and r + 1 and prefers r + 1; the last row reaches only its own
    # column, so its augmenting path shifts the whole chain back onto the diagonal
    n = 2000
    weight = np.zeros((n, n))
    weight[np.arange(n), np.arange(n)] = 0.5
    weight[np.arange(n - 1), np.arange(1, n)] = 0.5 + 1e-6
    indptr, cols, weights = csr(weight)
    edges = max_weight_matching(indptr, cols, weights, n)
    assert (cols[edges] == np.arange(n)).all()


def test_empty_and_inconsistent_input():
    assert max_weight_matching(np.zeros(1, np.intp), np.zeros(0, np.intp), np.zeros(0), 0).shape == (0,)
    assert max_weight_matching(np.zeros(4, np.intp), np.zeros(0, np.intp), np.zeros(0), 5).tolist() == [-1, -1, -1]
    with pytest.raises(ValueError, match="inconsistent"):
        max_weight_matching(np.array([0, 2], np.intp), np.zeros(1, np.intp), np.zeros(1), 1)
