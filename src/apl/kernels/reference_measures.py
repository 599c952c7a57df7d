"""Float64 NumPy/SciPy twins of :mod:`apl.kernels.measures` (independent code, same contracts).

Tests compare the Numba kernels with these on random inputs; ``engine="reference"`` in
:mod:`apl.measures` runs on them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

__all__ = ["normalise_columns", "normalise_rows", "nth_closest_cost", "unique_in_order"]


def normalise_rows(indptr: I64, weights: F64) -> F64:
    """w_ij / Σ_k w_ik, with the row of each stored pair from np.repeat and sums from bincount."""
    n_rows = len(indptr) - 1
    row = np.repeat(np.arange(n_rows), np.diff(indptr))
    totals = np.bincount(row, weights=weights, minlength=n_rows)
    return np.asarray(weights / totals[row], dtype=np.float64)


def normalise_columns(indices: I64, weights: F64, n_columns: int) -> F64:
    """w_ij / Σ_k w_kj, with column sums from bincount."""
    totals = np.bincount(indices, weights=weights, minlength=n_columns)
    return np.asarray(weights / totals[indices], dtype=np.float64)


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
    """Least t with cumulated supply ≥ n, one row at a time on (rows, minutes)-sorted pairs."""
    all_rows = np.concatenate([rows, diagonal_rows])
    all_cols = np.concatenate([cols, diagonal_cols])
    all_minutes = np.concatenate([minutes, np.zeros(diagonal_rows.shape[0])])
    keep = supply[all_cols] > 0
    all_rows, all_minutes, amounts = all_rows[keep], all_minutes[keep], supply[all_cols[keep]]
    out = np.full(n_rows, np.inf)
    order = np.lexsort((all_minutes, all_rows))
    rows_s, t_s, a_s = all_rows[order], all_minutes[order], amounts[order]
    bounds = np.searchsorted(rows_s, np.arange(n_rows + 1))
    for i in range(n_rows):
        cum = np.cumsum(a_s[bounds[i] : bounds[i + 1]])
        hit = np.flatnonzero(cum >= n)
        if hit.size:
            out[i] = t_s[bounds[i] + hit[0]]
    return out


def unique_in_order(keys: npt.NDArray[np.int32], key_space: int) -> I64:
    """Distinct keys in order of first appearance, with np.unique (sorting)."""
    unique, first = np.unique(keys, return_index=True)
    return np.asarray(unique[np.argsort(first)], dtype=np.int64)
