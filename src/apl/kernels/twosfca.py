"""Numba kernels of the two-step floating catchment area (methodology §5)."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@numba.njit(**NUMBA_OPTIONS)
def catchment_demand(
    indptr: I64, indices: I64, weights: F64, population: F64, n_supply: int
) -> F64:
    """Step 1 denominator: D_j = Σ_i w_ij P_i (standardised inhabitants), shape (n_supply,).

    Parameters
    ----------
    indptr, indices, weights : CSR arrays of W, shape (n_communes, n_supply)
    population : float64 array, shape (n_communes,), standardised inhabitants
    n_supply : int, number of supply columns
    """
    demand = np.zeros(n_supply, dtype=np.float64)
    for i in range(indptr.shape[0] - 1):
        p = population[i]
        if p == 0.0:
            continue
        for k in range(indptr[i], indptr[i + 1]):
            demand[indices[k]] += weights[k] * p
    return demand


@numba.njit(**NUMBA_OPTIONS)
def supply_ratio(supply: F64, demand: F64) -> F64:
    """R_j = S_j / D_j, and 0 where D_j = 0 (nobody can reach j). Acts/year/inhabitant."""
    ratio = np.zeros(supply.shape[0], dtype=np.float64)
    for j in range(supply.shape[0]):
        if demand[j] > 0.0:
            ratio[j] = supply[j] / demand[j]
    return ratio


@numba.njit(**NUMBA_OPTIONS)
def accessibility(indptr: I64, indices: I64, weights: F64, ratio: F64) -> F64:
    """Step 2: APL_i = Σ_j w_ij R_j, shape (n_communes,), consultations/year/inhabitant."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.float64)
    for i in range(n):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += weights[k] * ratio[indices[k]]
        out[i] = acc
    return out


@numba.njit(parallel=True, **NUMBA_OPTIONS)
def accessibility_many(indptr: I64, indices: I64, weights: F64, ratios: F64) -> F64:
    """Step 2 for K scenarios at once: ratios (n_supply, K) → APL (n_communes, K).

    Reads the pair structure once for all K columns; rows are split across threads
    (each row is summed by one thread in a fixed order, so results are deterministic).
    """
    n = indptr.shape[0] - 1
    n_scenarios = ratios.shape[1]
    out = np.zeros((n, n_scenarios), dtype=np.float64)
    for i in numba.prange(n):
        row = out[i]
        for k in range(indptr[i], indptr[i + 1]):
            w = weights[k]
            r = ratios[indices[k]]
            for s in range(n_scenarios):
                row[s] += w * r[s]
    return out


@numba.njit(**NUMBA_OPTIONS)
def two_step(
    indptr: I64, indices: I64, weights: F64, population: F64, supply: F64
) -> tuple[F64, F64]:
    """Both steps: returns (APL per commune, D_j per supply column).

    Parameters
    ----------
    indptr, indices, weights : CSR arrays of W, shape (n_communes, n_supply)
    population : float64 array, shape (n_communes,), standardised inhabitants
    supply : float64 array, shape (n_supply,), retained acts per year

    Returns
    -------
    apl : float64 array, shape (n_communes,), consultations per year per standardised inhabitant
    demand : float64 array, shape (n_supply,), standardised inhabitants within reach of j
    """
    demand = catchment_demand(indptr, indices, weights, population, supply.shape[0])
    ratio = supply_ratio(supply, demand)
    return accessibility(indptr, indices, weights, ratio), demand
