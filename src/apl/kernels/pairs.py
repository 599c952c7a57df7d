"""Numba kernel on the pair table: duplicate (origin, destination) detection in O(n)."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

I64 = npt.NDArray[np.int64]


@numba.njit(**NUMBA_OPTIONS)
def find_duplicate_pair(origin: I64, destination: I64, n_origins: int, n_destinations: int) -> int:
    """Row of the first repeated (origin, destination) pair, or -1 if all pairs are distinct.

    "First" is the earliest row that repeats a pair seen before it. Codes are integers in
    [0, n_origins) and [0, n_destinations). A counting sort groups rows by origin (stable),
    then a marker array over destinations finds repeats within each origin: O(n + n_origins
    + n_destinations) time, no hashing.
    """
    n = origin.shape[0]
    start = np.zeros(n_origins + 1, dtype=np.int64)
    for k in range(n):
        start[origin[k] + 1] += 1
    for o in range(n_origins):
        start[o + 1] += start[o]
    fill = start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for k in range(n):
        o = origin[k]
        order[fill[o]] = k
        fill[o] += 1
    seen = np.full(n_destinations, -1, dtype=np.int64)
    first = -1
    for o in range(n_origins):
        for p in range(start[o], start[o + 1]):
            k = order[p]
            d = destination[k]
            if seen[d] == o:
                if first == -1 or k < first:
                    first = k
            else:
                seen[d] = o
    return first


@numba.njit(**NUMBA_OPTIONS)
def has_duplicate_pair(origin_keys, destination_keys, n_origin_keys: int, n_destination_keys: int) -> bool:
    """Whether some (origin, destination) key pair appears twice; keys in [0, n_*_keys).

    Destinations are scattered into one bucket per origin (counting sort, stable), then a
    marker array over destinations finds a repeat inside a bucket: O(n + key spaces), no
    hashing, and no array of row numbers (only whether a repeat exists; the caller finds
    the offending row with pandas on the rare failure).
    """
    n = origin_keys.shape[0]
    start = np.zeros(n_origin_keys + 1, dtype=np.int64)
    for k in range(n):
        start[origin_keys[k] + 1] += 1
    for o in range(n_origin_keys):
        start[o + 1] += start[o]
    fill = start[:-1].copy()
    grouped = np.empty(n, dtype=np.int32)
    for k in range(n):
        o = origin_keys[k]
        grouped[fill[o]] = destination_keys[k]
        fill[o] += 1
    seen = np.full(n_destination_keys, -1, dtype=np.int64)
    for o in range(n_origin_keys):
        for p in range(start[o], start[o + 1]):
            d = grouped[p]
            if seen[d] == o:
                return True
            seen[d] = o
    return False


@numba.njit(**NUMBA_OPTIONS)
def scan_pairs(origin_keys, destination_keys, minutes, row_of_key, col_of_key, reach: float, zero_diagonal: bool):
    """Classify every travel-time row and keep the pairs that can carry a weight.

    Parameters
    ----------
    origin_keys, destination_keys : int arrays, shape (n,)
        Integer keys of the codes (-1: a code the fast path cannot key).
    minutes : float64 array, shape (n,)
        Travel times, minutes.
    row_of_key, col_of_key : int arrays over the key space
        Demand row / supply column of each key, -1 when the key is not one.
    reach : float
        Minutes beyond which the decay is 0 (``inf``: keep every time).
    zero_diagonal : bool
        True: a row with origin == destination is left out (the caller adds the diagonal
        at 0 minutes, DREES); False: it is an ordinary pair with the table's time.

    Returns
    -------
    bad_row : int
        First row with key -1 or minutes NaN, infinite or negative (-1 if none): the caller
        must then take the general path, which raises the exact error. Other outputs are
        empty in that case.
    rows, cols : int64 arrays, minutes_kept : float64 array
        Pairs with a demand origin and a supply destination, off the diagonal when
        `zero_diagonal`, with minutes ≤ `reach`, in table order.
    n_outside, n_diagonal, n_beyond : int
        Rows whose origin is not demand or destination not supply; diagonal rows left out;
        rows beyond `reach`.
    unknown_origin : bool array over the key space
        Origin keys that are not demand rows.
    """
    n = origin_keys.shape[0]
    n_keys = row_of_key.shape[0]
    unknown = np.zeros(n_keys, dtype=np.bool_)
    kept = 0
    n_outside = 0
    n_diagonal = 0
    n_beyond = 0
    for k in range(n):
        o = origin_keys[k]
        d = destination_keys[k]
        t = minutes[k]
        if o < 0 or d < 0 or not (t >= 0.0 and t < np.inf):
            empty_i = np.zeros(0, dtype=np.int64)
            return k, empty_i, empty_i.copy(), np.zeros(0), 0, 0, 0, unknown
        r = row_of_key[o]
        c = col_of_key[d]
        if r < 0:
            unknown[o] = True
        if r < 0 or c < 0:
            n_outside += 1
        elif zero_diagonal and o == d:
            n_diagonal += 1
        elif t > reach:
            n_beyond += 1
        else:
            kept += 1
    rows = np.empty(kept, dtype=np.int64)
    cols = np.empty(kept, dtype=np.int64)
    times = np.empty(kept, dtype=np.float64)
    p = 0
    for k in range(n):
        o = origin_keys[k]
        d = destination_keys[k]
        r = row_of_key[o]
        c = col_of_key[d]
        if r < 0 or c < 0 or (zero_diagonal and o == d) or minutes[k] > reach:
            continue
        rows[p] = r
        cols[p] = c
        times[p] = minutes[k]
        p += 1
    return -1, rows, cols, times, n_outside, n_diagonal, n_beyond, unknown


@numba.njit(**NUMBA_OPTIONS)
def csr_from_pairs(rows, cols, weights, n_rows: int, n_cols: int):
    """CSR arrays (indptr, indices, data) of distinct (row, col, weight) triples, columns
    ascending within each row, by two stable counting sorts (by column, then by row):
    O(n + n_rows + n_cols), no comparison sort. The result does not depend on the order
    of the triples, so any row order of the input table gives the same structure.
    """
    m = rows.shape[0]
    col_start = np.zeros(n_cols + 1, dtype=np.int64)
    for k in range(m):
        col_start[cols[k] + 1] += 1
    for j in range(n_cols):
        col_start[j + 1] += col_start[j]
    by_col = np.empty(m, dtype=np.int64)
    for k in range(m):
        j = cols[k]
        by_col[col_start[j]] = k
        col_start[j] += 1
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(m):
        indptr[rows[k] + 1] += 1
    for i in range(n_rows):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(m, dtype=np.int64)
    data = np.empty(m, dtype=np.float64)
    for q in range(m):
        k = by_col[q]
        i = rows[k]
        indices[fill[i]] = cols[k]
        data[fill[i]] = weights[k]
        fill[i] += 1
    return indptr, indices, data
