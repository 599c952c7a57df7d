"""Numba kernels of the floating-catchment family beyond the 2SFCA (apl.measures).

Same CSR conventions as :mod:`apl.kernels.twosfca`: W is given by ``indptr`` (int64,
n_rows + 1), ``indices`` (int64, column of each stored pair) and ``weights`` (float64,
w(t_ij) > 0). The two steps themselves reuse :func:`apl.kernels.two_step`,
:func:`~apl.kernels.catchment_demand` and :func:`~apl.kernels.accessibility`; these
kernels only re-weight W (3SFCA, BFCA) or read costs (time to the n-th closest supply).
Their float64 NumPy twins are in :mod:`apl.kernels.reference_measures`.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

__all__ = ["normalise_columns", "normalise_rows", "nth_closest_cost"]


@numba.njit(**NUMBA_OPTIONS)
def normalise_rows(indptr: I64, weights: F64) -> F64:
    """w_ij / Σ_k w_ik: each row of W scaled to sum to 1 (rows without pairs stay empty).

    The selection weight G_ij of the 3SFCA and the origin-balanced weight of the BFCA.
    """
    out = np.empty_like(weights)
    for i in range(indptr.shape[0] - 1):
        total = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            total += weights[k]
        for k in range(indptr[i], indptr[i + 1]):
            out[k] = weights[k] / total
    return out


@numba.njit(**NUMBA_OPTIONS)
def normalise_columns(indices: I64, weights: F64, n_columns: int) -> F64:
    """w_ij / Σ_k w_kj: each column of W scaled to sum to 1 (the BFCA's destination balance)."""
    totals = np.zeros(n_columns, dtype=np.float64)
    for k in range(weights.shape[0]):
        totals[indices[k]] += weights[k]
    out = np.empty_like(weights)
    for k in range(weights.shape[0]):
        out[k] = weights[k] / totals[indices[k]]
    return out


@numba.njit(**NUMBA_OPTIONS)
def nth_closest_cost(rows: I64, minutes: F64, amounts: F64, n_rows: int, n: float) -> F64:
    """Per row, the least t (minutes) with Σ_{pairs of the row with minutes ≤ t} amount ≥ n.

    Pairs are given unsorted (``rows[k]``, ``minutes[k]``, ``amounts[k]`` > 0, the supply
    at the pair's destination). A counting sort groups them by row in O(pairs + rows); each
    row is then sorted by minutes and its amounts accumulated. ``inf`` where the row's
    total is below n (the n-th opportunity is out of reach).
    """
    start = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(rows.shape[0]):
        start[rows[k] + 1] += 1
    for i in range(n_rows):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    t_sorted = np.empty(rows.shape[0], dtype=np.float64)
    a_sorted = np.empty(rows.shape[0], dtype=np.float64)
    for k in range(rows.shape[0]):
        p = fill[rows[k]]
        t_sorted[p] = minutes[k]
        a_sorted[p] = amounts[k]
        fill[rows[k]] += 1
    out = np.full(n_rows, np.inf)
    for i in range(n_rows):
        lo, hi = start[i], start[i + 1]
        if lo == hi:
            continue
        order = np.argsort(t_sorted[lo:hi], kind="mergesort")
        total = 0.0
        for q in range(hi - lo):
            total += a_sorted[lo + order[q]]
            if total >= n:
                out[i] = t_sorted[lo + order[q]]
                break
    return out
