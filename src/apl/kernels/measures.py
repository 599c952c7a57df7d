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

__all__ = ["normalise_columns", "normalise_rows", "nth_closest_cost", "unique_in_order"]


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
def nth_closest_cost(
    rows: I64,
    cols: I64,
    minutes: F64,
    diagonal_rows: I64,
    diagonal_cols: I64,
    supply: F64,
    n_rows: int,
    n: float,
) -> F64:
    """Per row, the least t (minutes) with Σ_{pairs of the row with minutes ≤ t} S_col ≥ n.

    Pairs are given unsorted (``rows[k]``, ``cols[k]``, ``minutes[k]``), plus diagonal
    pairs at 0 minutes (``diagonal_rows``, ``diagonal_cols``); only columns with
    ``supply > 0`` count. ``inf`` where the row's reachable supply is below n.

    When every positive supply is ≥ n (e.g. n = 1 and supply in acts or whole GPs), the
    answer is the nearest column with supply: one pass, no sort. Otherwise a counting sort
    groups the pairs by row in O(pairs + rows), then each row is sorted by minutes and its
    supply accumulated.
    """
    out = np.full(n_rows, np.inf)
    smallest = np.inf
    for j in range(supply.shape[0]):
        if 0.0 < supply[j] < smallest:
            smallest = supply[j]
    if smallest >= n:
        for k in range(rows.shape[0]):
            if supply[cols[k]] > 0.0 and minutes[k] < out[rows[k]]:
                out[rows[k]] = minutes[k]
        for k in range(diagonal_rows.shape[0]):
            if supply[diagonal_cols[k]] > 0.0:
                out[diagonal_rows[k]] = 0.0
        return out
    start = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(rows.shape[0]):
        if supply[cols[k]] > 0.0:
            start[rows[k] + 1] += 1
    for k in range(diagonal_rows.shape[0]):
        if supply[diagonal_cols[k]] > 0.0:
            start[diagonal_rows[k] + 1] += 1
    for i in range(n_rows):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    t_sorted = np.empty(start[n_rows], dtype=np.float64)
    a_sorted = np.empty(start[n_rows], dtype=np.float64)
    for k in range(rows.shape[0]):
        amount = supply[cols[k]]
        if amount > 0.0:
            p = fill[rows[k]]
            t_sorted[p] = minutes[k]
            a_sorted[p] = amount
            fill[rows[k]] += 1
    for k in range(diagonal_rows.shape[0]):
        amount = supply[diagonal_cols[k]]
        if amount > 0.0:
            p = fill[diagonal_rows[k]]
            t_sorted[p] = 0.0
            a_sorted[p] = amount
            fill[diagonal_rows[k]] += 1
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


@numba.njit(**NUMBA_OPTIONS)
def unique_in_order(keys: npt.NDArray[np.int32], key_space: int) -> I64:
    """Distinct integer keys (each in [0, key_space)) in order of first appearance, O(n)."""
    seen = np.zeros(key_space, dtype=np.bool_)
    out = np.empty(keys.shape[0], dtype=np.int64)
    m = 0
    for k in range(keys.shape[0]):
        key = keys[k]
        if not seen[key]:
            seen[key] = True
            out[m] = key
            m += 1
    return out[:m]
