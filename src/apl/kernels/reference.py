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


def catchment_demand(
    indptr: I64, indices: I64, weights: F64, population: F64, n_supply: int
) -> F64:
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


def two_step(
    indptr: I64, indices: I64, weights: F64, population: F64, supply: F64
) -> tuple[F64, F64]:
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


def has_duplicate_pair(
    origin_keys: npt.ArrayLike,
    destination_keys: npt.ArrayLike,
    n_origin_keys: int,
    n_destination_keys: int,
) -> bool:
    """Whether a (origin, destination) key pair repeats (via np.unique on a combined key)."""
    key = np.asarray(origin_keys, dtype=np.int64) * np.int64(n_destination_keys) + np.asarray(
        destination_keys
    )
    return bool(np.unique(key).shape[0] < key.shape[0])


# departments ranked in text order: 00–29, 2A, 2B, 30–99
_DEPARTMENT_RANKS = (
    [f"{d:02d}" for d in range(30)] + ["2A", "2B"] + [f"{d:02d}" for d in range(30, 100)]
)


def cog_keys(data: npt.NDArray[np.uint8], offsets: I64) -> npt.NDArray[np.int32]:
    """COG code → key, -1 when not COG-shaped (plain Python on decoded strings)."""
    out = np.empty(len(offsets) - 1, dtype=np.int32)
    raw = bytes(np.asarray(data, dtype=np.uint8))
    for k in range(len(out)):
        code = raw[int(offsets[k]) : int(offsets[k + 1])].decode("utf-8", errors="replace")
        ok = len(code) == 5 and code[2:].isascii() and code[2:].isdigit()
        head = code[:2]
        if ok and head in _DEPARTMENT_RANKS:
            out[k] = _DEPARTMENT_RANKS.index(head) * 1000 + int(code[2:])
        else:
            out[k] = -1
    return out


def scan_pairs(
    origin_keys, destination_keys, minutes, row_of_key, col_of_key, reach, zero_diagonal
):
    """Twin of :func:`apl.kernels.scan_pairs` with boolean masks."""
    o = np.asarray(origin_keys, dtype=np.int64)
    d = np.asarray(destination_keys, dtype=np.int64)
    t = np.asarray(minutes, dtype=np.float64)
    bad = (o < 0) | (d < 0) | ~np.isfinite(t) | (t < 0)
    unknown = np.zeros(len(row_of_key), dtype=bool)
    if bad.any():
        empty = np.zeros(0, dtype=np.int64)
        return int(np.flatnonzero(bad)[0]), empty, empty.copy(), np.zeros(0), 0, 0, 0, unknown
    r = np.asarray(row_of_key, dtype=np.int64)[o]
    c = np.asarray(col_of_key, dtype=np.int64)[d]
    unknown[o[r < 0]] = True
    outside = (r < 0) | (c < 0)
    diagonal = ~outside & (o == d) if zero_diagonal else np.zeros(len(o), dtype=bool)
    beyond = ~outside & ~diagonal & (t > reach)
    keep = ~outside & ~diagonal & ~beyond
    return (-1, r[keep], c[keep], t[keep], int(outside.sum()), int(diagonal.sum()),
            int(beyond.sum()), unknown)  # fmt: skip


def csr_from_pairs(
    rows: I64, cols: I64, weights: F64, n_rows: int, n_cols: int
) -> tuple[I64, I64, F64]:
    """CSR arrays via scipy (COO → CSR, indices sorted)."""
    m = sp.csr_array((weights, (rows, cols)), shape=(n_rows, n_cols))
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(np.float64)


def scan_cog_pairs(origin_data, origin_offsets, destination_data, destination_offsets, minutes,
                   row_of_key, col_of_key, reach, zero_diagonal):  # fmt: skip
    """Twin of :func:`apl.kernels.scan_cog_pairs`: key, scan and duplicate check in turn."""
    o = cog_keys(origin_data, origin_offsets)
    d = cog_keys(destination_data, destination_offsets)
    out = scan_pairs(o, d, minutes, row_of_key, col_of_key, reach, zero_diagonal)
    duplicate = out[0] < 0 and has_duplicate_pair(o, d, len(row_of_key), len(row_of_key))
    return (*out, bool(duplicate))


def step_weights(minutes: F64, bounds: F64, weights: F64, left_closed: bool) -> F64:
    """Step weights by binary search (as :class:`apl.StepDecay` does)."""
    return np.asarray(weights)[
        np.searchsorted(bounds, minutes, side="right" if left_closed else "left")
    ]


def csr_from_weighted(rows, cols, w, diagonal_rows, diagonal_cols, diagonal_w, n_rows, n_cols):
    """Concatenate, drop weight 0, build with scipy; n_zero = off-diagonal zero weights."""
    all_w = np.concatenate([w, diagonal_w])
    keep = all_w > 0
    indptr, indices, data = csr_from_pairs(
        np.concatenate([rows, diagonal_rows])[keep],
        np.concatenate([cols, diagonal_cols])[keep],
        all_w[keep],
        n_rows,
        n_cols,
    )
    return indptr, indices, data, int((np.asarray(w) <= 0).sum())


def sort_rows_by_rank(indptr: I64, indices: I64, data: F64, rank: I64) -> None:
    """Sort each row in place by rank[column], with NumPy (stable argsort per row)."""
    for i in range(len(indptr) - 1):
        lo, hi = int(indptr[i]), int(indptr[i + 1])
        order = np.argsort(np.asarray(rank)[indices[lo:hi]], kind="stable")
        indices[lo:hi] = indices[lo:hi][order]
        data[lo:hi] = data[lo:hi][order]
