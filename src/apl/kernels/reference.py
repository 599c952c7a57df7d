"""Float64 NumPy/SciPy twins of the Numba kernels (independent code, same contracts).

They use scipy.sparse products instead of explicit loops; tests check the kernels against
them, and ``compute_apl(..., engine="reference")`` runs on them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _matrix(indptr: I64, indices: I64, weights: F64, n_supply: int) -> sp.csr_array:
    return sp.csr_array((weights, indices, indptr), shape=(len(indptr) - 1, n_supply))


def catchment_demand(indptr: I64, indices: I64, weights: F64, population: F64, n_supply: int) -> F64:
    """D = Wᵀ P."""
    return np.asarray(_matrix(indptr, indices, weights, n_supply).T @ population, dtype=np.float64)


def supply_ratio(supply: F64, demand: F64) -> F64:
    """R = S / D where D > 0, else 0."""
    out = np.zeros_like(supply, dtype=np.float64)
    np.divide(supply, demand, out=out, where=demand > 0)
    return out


def accessibility(indptr: I64, indices: I64, weights: F64, ratio: F64) -> F64:
    """APL = W R."""
    return np.asarray(_matrix(indptr, indices, weights, len(ratio)) @ ratio, dtype=np.float64)


def accessibility_many(indptr: I64, indices: I64, weights: F64, ratios: F64) -> F64:
    """APL = W R for R of shape (n_supply, K)."""
    return np.asarray(_matrix(indptr, indices, weights, ratios.shape[0]) @ ratios, dtype=np.float64)


def two_step(indptr: I64, indices: I64, weights: F64, population: F64, supply: F64) -> tuple[F64, F64]:
    """Both steps with scipy.sparse: returns (APL, D)."""
    demand = catchment_demand(indptr, indices, weights, population, len(supply))
    return accessibility(indptr, indices, weights, supply_ratio(supply, demand)), demand


def find_duplicate_pair(origin: I64, destination: I64, n_origins: int, n_destinations: int) -> int:
    """Earliest row repeating an earlier (origin, destination) pair, or -1 (via np.unique)."""
    key = origin.astype(np.int64) * np.int64(n_destinations) + destination
    _, first_rows = np.unique(key, return_index=True)
    repeated = np.ones(key.shape[0], dtype=bool)
    repeated[first_rows] = False
    rows = np.flatnonzero(repeated)
    return int(rows[0]) if rows.size else -1
