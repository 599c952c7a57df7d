"""Each Numba kernel against its NumPy/SciPy twin and the dense naive loops."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from apl import kernels
from apl.kernels import reference

from naive import naive_two_step_dense

REL = 1e-12


@st.composite
def csr_problems(draw, max_n=9, max_m=7):
    """A random sparse W (with empty rows/columns), P (with zeros) and S (with zeros)."""
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    weight_values = st.sampled_from([0.0, 0.0, 1.0, 2.0 / 3.0, 1.0 / 3.0, 0.5, 0.123456789])
    dense = draw(arrays(np.float64, (n, m), elements=weight_values))
    population = draw(arrays(np.float64, n, elements=st.one_of(
        st.just(0.0), st.floats(0.5, 2e5, allow_nan=False, allow_infinity=False))))
    supply = draw(arrays(np.float64, m, elements=st.one_of(
        st.just(0.0), st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False))))
    matrix = sp.csr_array(dense)
    matrix.sort_indices()
    return (dense, matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64),
            matrix.data.astype(np.float64), population, supply)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=REL, atol=1e-12 * max(1.0, float(np.max(np.abs(b), initial=0))))


@given(csr_problems())
def test_two_step_matches_naive(problem):
    dense, indptr, indices, weights, population, supply = problem
    apl_fast, d_fast = kernels.two_step(indptr, indices, weights, population, supply)
    apl_ref, d_ref = reference.two_step(indptr, indices, weights, population, supply)
    apl_naive, d_naive = naive_two_step_dense(dense.tolist(), population.tolist(), supply.tolist())
    _close(apl_fast, apl_ref)
    _close(d_fast, d_ref)
    _close(apl_fast, np.array(apl_naive))
    _close(d_fast, np.array(d_naive))
    assert np.all(np.isfinite(apl_fast))


@given(csr_problems())
def test_catchment_demand_matches_reference(problem):
    _, indptr, indices, weights, population, supply = problem
    _close(kernels.catchment_demand(indptr, indices, weights, population, len(supply)),
           reference.catchment_demand(indptr, indices, weights, population, len(supply)))


@given(csr_problems(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_accessibility_many_matches_reference(problem, k, seed):
    _, indptr, indices, weights, _, supply = problem
    ratios = np.random.default_rng(seed).uniform(0, 10, size=(len(supply), k))
    fast = kernels.accessibility_many(indptr, indices, weights, ratios)
    _close(fast, reference.accessibility_many(indptr, indices, weights, ratios))
    # each column is the single-scenario kernel
    for s in range(k):
        _close(fast[:, s], kernels.accessibility(indptr, indices, weights, np.ascontiguousarray(ratios[:, s])))


def test_supply_ratio_zero_demand_is_zero_not_nan():
    # R_j = S_j / D_j: 10/0 → 0 (nobody within reach), 0/0 → 0, 6/3 = 2
    supply = np.array([10.0, 0.0, 6.0])
    demand = np.array([0.0, 0.0, 3.0])
    for impl in (kernels, reference):
        np.testing.assert_array_equal(impl.supply_ratio(supply, demand), [0.0, 0.0, 2.0])


def test_two_step_hand_case_csr():
    # W = [[1, 0.5], [0, 1]]: D_0 = 1*100 = 100, D_1 = 0.5*100 + 1*50 = 100
    # R = (1000/100, 500/100) = (10, 5); APL_0 = 1*10 + 0.5*5 = 12.5; APL_1 = 1*5 = 5
    indptr = np.array([0, 2, 3], dtype=np.int64)
    indices = np.array([0, 1, 1], dtype=np.int64)
    weights = np.array([1.0, 0.5, 1.0])
    pop = np.array([100.0, 50.0])
    acts = np.array([1000.0, 500.0])
    for impl in (kernels, reference):
        apl, d = impl.two_step(indptr, indices, weights, pop, acts)
        np.testing.assert_allclose(apl, [12.5, 5.0], rtol=1e-15)
        np.testing.assert_allclose(d, [100.0, 100.0], rtol=1e-15)


@pytest.mark.parametrize("impl", [kernels, reference])
def test_empty_structure(impl):
    # no pair at all: every APL is 0
    indptr = np.zeros(4, dtype=np.int64)
    empty_i = np.zeros(0, dtype=np.int64)
    empty_w = np.zeros(0)
    apl, d = impl.two_step(indptr, empty_i, empty_w, np.ones(3), np.ones(2))
    np.testing.assert_array_equal(apl, np.zeros(3))
    np.testing.assert_array_equal(d, np.zeros(2))


@given(st.integers(1, 6), st.integers(1, 6), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=40))
def test_find_duplicate_pair_matches_reference(n_o, n_d, pairs):
    pairs = [(o % n_o, d % n_d) for o, d in pairs]
    origin = np.array([p[0] for p in pairs], dtype=np.int64)
    dest = np.array([p[1] for p in pairs], dtype=np.int64)
    fast = kernels.find_duplicate_pair(origin, dest, n_o, n_d)
    assert fast == reference.find_duplicate_pair(origin, dest, n_o, n_d)
    # naive: the earliest row whose pair appeared before it
    seen, expected = set(), -1
    for k, p in enumerate(pairs):
        if p in seen:
            expected = k
            break
        seen.add(p)
    assert fast == expected


def test_find_duplicate_pair_hand_case():
    # rows: (0,1) (1,1) (0,2) (1,1) (0,1): row 3 repeats row 1 and comes before row 4
    origin = np.array([0, 1, 0, 1, 0], dtype=np.int64)
    dest = np.array([1, 1, 2, 1, 1], dtype=np.int64)
    assert kernels.find_duplicate_pair(origin, dest, 2, 3) == 3
    assert kernels.find_duplicate_pair(origin[:3], dest[:3], 2, 3) == -1
