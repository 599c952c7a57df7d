"""Numba kernel on the pair table: duplicate (origin, destination) detection in O(n)."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .codes import cog_key
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
def has_duplicate_pair(
    origin_keys, destination_keys, n_origin_keys: int, n_destination_keys: int
) -> bool:
    """Whether some (origin, destination) key pair appears twice; keys in [0, n_*_keys).

    Destinations are scattered into one bucket per origin (counting sort, stable), then a
    marker array over destinations finds a repeat inside a bucket: O(n + key spaces), no
    hashing, and no array of row numbers (only whether a repeat exists; the caller finds
    the offending row with pandas on the rare failure).
    """
    counts = np.zeros(n_origin_keys, dtype=np.int64)
    for k in range(origin_keys.shape[0]):
        counts[origin_keys[k]] += 1
    return duplicate_in_buckets(origin_keys, destination_keys, counts, n_destination_keys)


@numba.njit(**NUMBA_OPTIONS)
def duplicate_in_buckets(origin_keys, destination_keys, counts, n_destination_keys: int) -> bool:
    """:func:`has_duplicate_pair` given the number of rows of each origin key (`counts`)."""
    n = origin_keys.shape[0]
    n_origin_keys = counts.shape[0]
    start = np.empty(n_origin_keys + 1, dtype=np.int64)
    start[0] = 0
    for o in range(n_origin_keys):
        start[o + 1] = start[o] + counts[o]
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
def scan_pairs(
    origin_keys,
    destination_keys,
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
):
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
    ascending within each row.

    A counting sort by row (O(n + n_rows), no comparison sort over the whole table), then
    each row sorted by column: insertion sort for the short rows of a travel-time table
    (a few dozen supply columns within reach), a quicksort for long ones. The result does
    not depend on the order of the triples, so any row order of the input table gives the
    same structure. `n_cols` is the number of columns (not needed by the sort; kept for the
    shape of the result).
    """
    m = rows.shape[0]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(m):
        indptr[rows[k] + 1] += 1
    for i in range(n_rows):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(m, dtype=np.int64)
    data = np.empty(m, dtype=np.float64)
    for k in range(m):
        i = rows[k]
        q = fill[i]
        indices[q] = cols[k]
        data[q] = weights[k]
        fill[i] = q + 1
    sort_rows(indptr, indices, data)
    return indptr, indices, data


@numba.njit(**NUMBA_OPTIONS)
def scan_cog_pairs(
    origin_data,
    origin_offsets,
    destination_data,
    destination_offsets,
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
):
    """:func:`scan_pairs` with the keying of COG codes and the duplicate check, in one kernel.

    A first loop keys both code columns straight from their Arrow buffers
    (:func:`apl.kernels.cog_key`); one pass of :func:`scan_key_chunk` over the keys then
    checks the minutes, classifies each row, keeps the pairs within reach and watches for
    a repeated (origin, destination) pair. While the table is
    grouped by origin (each origin in one run of rows, as routing engines write them) a
    marker array over destinations settles duplicates in that same pass; otherwise
    :func:`has_duplicate_pair` runs on the keys afterwards.

    Parameters
    ----------
    origin_data, origin_offsets, destination_data, destination_offsets : arrays
        Arrow string buffers (UTF-8 bytes, offsets) of the two code columns.
    minutes, row_of_key, col_of_key, reach, zero_diagonal
        As in :func:`scan_pairs` (keys from :func:`apl.kernels.cog_keys`).

    Returns
    -------
    The outputs of :func:`scan_pairs`, then ``has_duplicate`` (bool).
    """
    n = minutes.shape[0]
    n_keys = row_of_key.shape[0]
    state = new_scan_state(n_keys)
    o_keys = np.empty(n, dtype=np.int32)
    d_keys = np.empty(n, dtype=np.int32)
    bad, rows, cols, times, n_outside, n_diagonal, n_beyond = scan_cog_chunk(
        origin_data, origin_offsets, destination_data, destination_offsets, minutes, row_of_key,
        col_of_key, reach, zero_diagonal, state[0], state[1], state[2], state[3], state[4], o_keys, d_keys,
    )  # fmt: skip
    unknown = state[4] > 0
    if bad >= 0:
        return bad, rows, cols, times, 0, 0, 0, unknown, False
    flags = state[0]
    duplicate = flags[3] == 1
    if flags[2] == 0 and not duplicate:  # not grouped by origin: bucket the keys
        duplicate = duplicate_in_buckets(o_keys, d_keys, state[3], n_keys)
    return -1, rows, cols, times, n_outside, n_diagonal, n_beyond, unknown, duplicate


@numba.njit(**NUMBA_OPTIONS)
def new_scan_state(n_keys: int):
    """State carried by :func:`scan_cog_chunk` from one chunk of a table to the next:
    (flags = [run, previous origin, grouped, duplicate], last run of each origin key,
    destination marker, rows per origin key, unknown-origin flags)."""
    flags = np.array([-1, -1, 1, 0], dtype=np.int64)
    return (flags, np.full(n_keys, -1, dtype=np.int64), np.full(n_keys, -1, dtype=np.int64),
            np.zeros(n_keys, dtype=np.int64), np.zeros(n_keys, dtype=np.int64))  # fmt: skip


@numba.njit(**NUMBA_OPTIONS)
def scan_cog_chunk(
    origin_data,
    origin_offsets,
    destination_data,
    destination_offsets,
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
    flags,
    last_run,
    marker,
    counts,
    unknown,
    o_keys,
    d_keys,
):
    """One chunk of :func:`scan_cog_pairs` (a whole table, or one row group of a streamed
    file), updating the state arrays of :func:`new_scan_state` in place: the chunk's codes
    are keyed, then scanned by :func:`scan_key_chunk`.

    Keys are written to `o_keys` / `d_keys` when they have the chunk's length (pass
    empty arrays not to keep them). Returns (bad_row, rows, cols, minutes_kept,
    n_outside, n_diagonal, n_beyond) as :func:`scan_pairs`.
    """
    n = minutes.shape[0]
    record = o_keys.shape[0] == n
    if not record:
        o_keys = np.empty(n, dtype=np.int32)
        d_keys = np.empty(n, dtype=np.int32)
    for k in range(n):
        o_keys[k] = cog_key(origin_data, origin_offsets[k], origin_offsets[k + 1])
        d_keys[k] = cog_key(destination_data, destination_offsets[k], destination_offsets[k + 1])
    # capacity n; only the kept prefix is ever written (pages beyond it are never touched)
    rows = np.empty(n, dtype=np.int64)
    cols = np.empty(n, dtype=np.int64)
    times = np.empty(n, dtype=np.float64)
    bad, kept, n_outside, n_diagonal, n_beyond = scan_key_chunk(
        o_keys, d_keys, minutes, row_of_key, col_of_key, reach, zero_diagonal,
        flags, last_run, marker, counts, unknown, rows, cols, times,
    )  # fmt: skip
    if bad >= 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return bad, empty_i, empty_i.copy(), np.zeros(0), 0, 0, 0
    if 2 * kept < n:
        return (
            -1,
            rows[:kept].copy(),
            cols[:kept].copy(),
            times[:kept].copy(),
            n_outside,
            n_diagonal,
            n_beyond,
        )
    return -1, rows[:kept], cols[:kept], times[:kept], n_outside, n_diagonal, n_beyond


@numba.njit(**NUMBA_OPTIONS)
def scan_key_chunk(
    origin_keys,
    destination_keys,
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
    flags,
    last_run,
    marker,
    counts,
    unknown,
    rows_out,
    cols_out,
    times_out,
):
    """:func:`scan_cog_chunk` on keys already computed (e.g. from a Parquet dictionary
    page: the few distinct codes are keyed once, the rows carry their index). Keys -1
    (not COG-shaped) count as bad rows. Updates the state of :func:`new_scan_state`.

    The kept pairs are written to `rows_out`, `cols_out`, `times_out` (capacity ≥ the
    chunk's rows; a streamed file reuses them from batch to batch, so that reading it
    allocates nothing per row). Returns (bad_row, n_kept, n_outside, n_diagonal, n_beyond).
    """
    n = minutes.shape[0]
    run = flags[0]
    previous = flags[1]
    grouped = flags[2] == 1
    duplicate = flags[3] == 1
    kept = 0
    n_outside = 0
    n_diagonal = 0
    n_beyond = 0
    for k in range(n):
        o = origin_keys[k]
        d = destination_keys[k]
        t = minutes[k]
        if o < 0 or d < 0 or not (t >= 0.0 and t < np.inf):
            return k, 0, 0, 0, 0
        counts[o] += 1
        if o != previous:
            run += 1
            previous = o
            if last_run[o] >= 0:
                grouped = False
            last_run[o] = run
        if grouped:
            if marker[d] == run:
                duplicate = True
            marker[d] = run
        r = row_of_key[o]
        c = col_of_key[d]
        if r < 0:
            unknown[o] = 1
        if r < 0 or c < 0:
            n_outside += 1
        elif zero_diagonal and o == d:
            n_diagonal += 1
        elif t > reach:
            n_beyond += 1
        else:
            rows_out[kept] = r
            cols_out[kept] = c
            times_out[kept] = t
            kept += 1
    flags[0] = run
    flags[1] = previous
    flags[2] = 1 if grouped else 0
    flags[3] = 1 if duplicate else 0
    return -1, kept, n_outside, n_diagonal, n_beyond


@numba.njit(**NUMBA_OPTIONS)
def step_weights(minutes, bounds, weights, left_closed: bool):
    """Weights of a step decay: ``weights[k]`` where k is the number of band edges at or
    below t (``left_closed``: t on an edge takes the band above) or strictly below t.
    The same numbers as ``weights[np.searchsorted(bounds, t, side)]``, without the
    binary search (a travel-time decay has a handful of edges)."""
    n = minutes.shape[0]
    m = bounds.shape[0]
    out = np.empty(n, dtype=np.float64)
    for k in range(n):
        t = minutes[k]
        band = 0
        if left_closed:
            while band < m and bounds[band] <= t:
                band += 1
        else:
            while band < m and bounds[band] < t:
                band += 1
        out[k] = weights[band]
    return out


@numba.njit(**NUMBA_OPTIONS)
def csr_from_weighted(
    rows, cols, w, diagonal_rows, diagonal_cols, diagonal_w, n_rows: int, n_cols: int
):
    """:func:`csr_from_pairs` of the pairs with weight > 0 among (rows, cols, w) and the
    diagonal pairs, without building the concatenated, filtered copies first.

    Returns (indptr, indices, data, n_zero) where n_zero counts the off-diagonal pairs of
    weight 0 (beyond the decay's reach), reported in the diagnostics.
    """
    m = rows.shape[0]
    md = diagonal_rows.shape[0]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    n_zero = 0
    for k in range(m):
        if w[k] > 0.0:
            indptr[rows[k] + 1] += 1
        else:
            n_zero += 1
    for k in range(md):
        if diagonal_w[k] > 0.0:
            indptr[diagonal_rows[k] + 1] += 1
    for i in range(n_rows):
        indptr[i + 1] += indptr[i]
    total = indptr[n_rows]
    fill = indptr[:-1].copy()
    indices = np.empty(total, dtype=np.int64)
    data = np.empty(total, dtype=np.float64)
    for k in range(m):
        if w[k] > 0.0:
            i = rows[k]
            q = fill[i]
            indices[q] = cols[k]
            data[q] = w[k]
            fill[i] = q + 1
    for k in range(md):
        if diagonal_w[k] > 0.0:
            i = diagonal_rows[k]
            q = fill[i]
            indices[q] = diagonal_cols[k]
            data[q] = diagonal_w[k]
            fill[i] = q + 1
    sort_rows(indptr, indices, data)
    return indptr, indices, data, n_zero


@numba.njit(**NUMBA_OPTIONS)
def sort_rows(indptr, indices, data) -> None:
    """Sort each CSR row by column in place: insertion sort for short rows (a few dozen
    supply columns within reach), a quicksort for long ones."""
    for i in range(indptr.shape[0] - 1):
        lo = indptr[i]
        hi = indptr[i + 1]
        if hi - lo <= 32:
            for a in range(lo + 1, hi):
                c = indices[a]
                x = data[a]
                b = a - 1
                while b >= lo and indices[b] > c:
                    indices[b + 1] = indices[b]
                    data[b + 1] = data[b]
                    b -= 1
                indices[b + 1] = c
                data[b + 1] = x
        else:
            order = np.argsort(indices[lo:hi])
            indices[lo:hi] = indices[lo:hi][order]
            data[lo:hi] = data[lo:hi][order]


@numba.njit(**NUMBA_OPTIONS)
def sort_rows_by_rank(indptr, indices, data, rank) -> None:
    """Sort each CSR row in place by ``rank[column]`` (a canonical order of the columns
    that differs from their index order), so that the sum over a row runs in that order."""
    for i in range(indptr.shape[0] - 1):
        lo = indptr[i]
        hi = indptr[i + 1]
        if hi - lo <= 32:
            for a in range(lo + 1, hi):
                c = indices[a]
                key = rank[c]
                x = data[a]
                b = a - 1
                while b >= lo and rank[indices[b]] > key:
                    indices[b + 1] = indices[b]
                    data[b + 1] = data[b]
                    b -= 1
                indices[b + 1] = c
                data[b + 1] = x
        else:
            keys = np.empty(hi - lo, dtype=np.int64)
            for a in range(lo, hi):
                keys[a - lo] = rank[indices[a]]
            order = np.argsort(keys)
            indices[lo:hi] = indices[lo:hi][order]
            data[lo:hi] = data[lo:hi][order]
