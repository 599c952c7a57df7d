"""Numba kernel on the pair table: duplicate (origin, destination) detection in O(n)."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

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

    :func:`bucket_has_duplicate` over the whole origin key range: destinations scattered
    into one bucket per origin (counting sort), then a marker array over destinations
    finds a repeat inside a bucket. O(n + key spaces), no hashing, and no array of row
    numbers (only whether a repeat exists; the caller finds the offending row with pandas
    on the rare failure).
    """
    return bucket_has_duplicate(origin_keys, destination_keys, 0, n_origin_keys, n_destination_keys)


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


#: Kinds of travel-time rows (:func:`row_kind`).
KEPT, OUTSIDE, DIAGONAL, BEYOND = 0, 1, 2, 3


@numba.njit(inline="always", **NUMBA_OPTIONS)
def row_kind(
    row: int, col: int, same_unit: bool, minutes: float, reach: float, zero_diagonal: bool
) -> int:
    """What a travel-time row is: ``OUTSIDE`` (its origin is not a demand row or its
    destination not a supply column), ``DIAGONAL`` (a unit to itself, replaced by 0
    minutes when `zero_diagonal`), ``BEYOND`` (minutes > `reach`: weight 0) or ``KEPT``."""
    if row < 0 or col < 0:
        return OUTSIDE
    if zero_diagonal and same_unit:
        return DIAGONAL
    if minutes > reach:
        return BEYOND
    return KEPT


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
    parts: int | None = None,
):
    """:func:`scan_pairs` with the keying of COG codes and the duplicate check, on code
    columns held in one Arrow buffer each: :func:`scan_cog_chunks` with one chunk."""
    return scan_cog_chunks(
        [(origin_data, origin_offsets)], [(destination_data, destination_offsets)], minutes,
        row_of_key, col_of_key, reach, zero_diagonal, parts,
    )  # fmt: skip


def scan_cog_chunks(
    origin_chunks: list[tuple[np.ndarray, np.ndarray]],
    destination_chunks: list[tuple[np.ndarray, np.ndarray]],
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
    parts: int | None = None,
    defer_duplicate: bool = False,
):
    """:func:`scan_pairs` with the keying of COG codes and the duplicate check.

    The code columns are read where they lie, chunk by chunk (pandas reads a CSV file into
    several Arrow chunks; nothing is concatenated). The table's rows are cut into
    ``parts`` consecutive ranges, each read by :func:`scan_cog_part` on its own thread
    (the kernels release the GIL), and the ranges' summaries are joined.

    Duplicates: a destination repeated within a run of same-origin rows is found during
    the reading pass. When the table is grouped by origin (as many runs as origins, as
    routing engines write tables) that settles it, except for an origin whose run crosses
    from one piece into the next, checked on its own (:func:`run_has_duplicate`);
    otherwise the keys are bucketed by origin (:func:`bucket_has_duplicate`, one range of
    origin keys per thread).

    Parameters
    ----------
    origin_chunks, destination_chunks : list of (uint8 array, int array)
        Arrow string buffers (UTF-8 bytes, offsets shifted by the chunk's offset) of the
        chunks of each code column, in row order; their lengths add up to ``len(minutes)``.
    minutes, row_of_key, col_of_key, reach, zero_diagonal
        As in :func:`scan_pairs` (keys from :func:`apl.kernels.cog_keys`).
    parts : int, optional
        Number of row ranges (threads). Default: one per ``MIN_PART_ROWS`` rows, at most
        ``numba.config.NUMBA_NUM_THREADS``. The result does not depend on it.
    defer_duplicate : bool, default False
        When the bucket check is needed, start it on the pool's threads and return at
        once: ``has_duplicate`` is then a function that waits for it.

    Returns
    -------
    The outputs of :func:`scan_pairs`, then ``has_duplicate`` (bool, or a function
    returning it with `defer_duplicate`).
    """
    n = minutes.shape[0]
    n_keys = row_of_key.shape[0]
    if parts is None:
        parts = min(max_threads(), max(1, n // MIN_PART_ROWS))
    parts = max(1, min(int(parts), max(n, 1)))
    cuts = [n * p // parts for p in range(parts + 1)]
    pieces = _pieces(origin_chunks, destination_chunks, cuts)
    o_keys = np.empty(n, dtype=np.int32)
    d_keys = np.empty(n, dtype=np.int32)
    # capacity n; each thread writes its kept pairs from its first row on, and pages never
    # reached are never touched (no resident memory)
    rows = np.empty(n, dtype=np.int64)
    cols = np.empty(n, dtype=np.int64)
    times = np.empty(n, dtype=np.float64)
    # 32-bit counters where they cannot overflow: the per-key arrays then fit in the
    # processor's cache together with the key tables
    small = np.int32 if n < 2**31 - 1 else np.int64
    seen = np.zeros((parts, n_keys), dtype=np.uint8)
    marker = np.full((parts, n_keys), -1, dtype=small)
    unknown_parts = np.zeros((parts, n_keys), dtype=np.uint8)
    info = np.zeros((len(pieces), INFO_SIZE), dtype=np.int64)
    kept = [0] * parts  # kept pairs of each thread

    def read_part(p: int) -> None:
        # the thread's kept pairs go one after another from its first row's position: the
        # pages they touch are few (NumPy backs big arrays with 2 MiB pages, and every
        # page touched is a page the kernel must zero)
        run_base, previous, grouped, out_at = 0, -1, True, cuts[p]
        for i, (lo, hi, od, oo, dd, do) in enumerate(pieces):
            if cuts[p] <= lo < cuts[p + 1]:
                scan_cog_part(od, oo, dd, do, minutes, row_of_key, col_of_key, reach,
                              zero_diagonal, lo, hi, out_at, run_base, previous, grouped,
                              o_keys, d_keys, rows, cols, times, seen[p], marker[p],
                              unknown_parts[p], info[i])  # fmt: skip
                if info[i, INFO_BAD] >= 0:
                    return
                out_at += int(info[i, INFO_KEPT])
                run_base += int(info[i, INFO_RUNS])
                previous = int(info[i, INFO_LAST_ORIGIN])
                grouped = bool(info[i, INFO_GROUPED])
        kept[p] = out_at - cuts[p]

    run_parallel(read_part, [(p,) for p in range(parts)])
    bad = info[:, INFO_BAD]
    if (bad >= 0).any():
        empty_i = np.zeros(0, dtype=np.int64)
        unknown = np.zeros(n_keys, dtype=np.bool_)
        first_bad = int(bad[bad >= 0][0])  # pieces are in row order
        return first_bad, empty_i, empty_i.copy(), np.zeros(0), 0, 0, 0, unknown, False
    starts = [piece[0] for piece in pieces]
    # the duplicate check first: deferred, it then runs while the rest is gathered here
    duplicate: bool | Callable[[], bool] = bool(info[:, INFO_DUPLICATE].any())
    if not duplicate:
        duplicate = _duplicate_across_runs(
            o_keys, d_keys, info, starts, set(cuts[1:-1]), seen.any(axis=0), n_keys,
            defer_duplicate,
        )  # fmt: skip
    at = 0
    for p in range(parts):  # move each thread's kept pairs after the previous one's
        lo, k = cuts[p], kept[p]
        if lo != at and k:
            rows[at : at + k], cols[at : at + k], times[at : at + k] = (
                rows[lo : lo + k], cols[lo : lo + k], times[lo : lo + k],
            )  # fmt: skip
        at += k
    rows, cols, times = rows[:at], cols[:at], times[:at]
    unknown = np.asarray(unknown_parts.any(axis=0))
    return (-1, rows, cols, times, int(info[:, INFO_OUTSIDE].sum()),
            int(info[:, INFO_DIAGONAL].sum()), int(info[:, INFO_BEYOND].sum()), unknown,
            duplicate)  # fmt: skip


def _pieces(origin_chunks, destination_chunks, cuts: list[int]) -> list[tuple]:
    """Row ranges (lo, hi, origin data, origin offsets, destination data, destination
    offsets) that lie in one chunk of each column and do not straddle a cut; the offsets
    are sliced so that row ``lo`` is at position 0."""

    def starts(chunks) -> list[int]:
        out = [0]
        for _, offsets in chunks:
            out.append(out[-1] + offsets.shape[0] - 1)
        if out[-1] != cuts[-1]:
            raise ValueError(f"code chunks hold {out[-1]} rows, minutes {cuts[-1]}")
        return out

    o_starts, d_starts = starts(origin_chunks), starts(destination_chunks)
    bounds = sorted(set(o_starts) | set(d_starts) | set(cuts))
    pieces = []
    oc = dc = 0
    for lo, hi in itertools.pairwise(bounds):
        while o_starts[oc + 1] <= lo:
            oc += 1
        while d_starts[dc + 1] <= lo:
            dc += 1
        od, oo = origin_chunks[oc]
        dd, do = destination_chunks[dc]
        a, b = lo - o_starts[oc], lo - d_starts[dc]
        pieces.append((lo, hi, od, oo[a : a + hi - lo + 1], dd, do[b : b + hi - lo + 1]))
    return pieces


#: Fewest rows per part (thread) of :func:`scan_cog_pairs`: below, a thread costs more
#: than it saves.
MIN_PART_ROWS = 500_000


def _duplicate_across_runs(
    o_keys, d_keys, info, starts, thread_starts, origins, n_keys: int, defer: bool = False
) -> bool | Callable[[], bool]:
    """The duplicate check of :func:`scan_cog_chunks` once every run is known to hold
    distinct destinations. ``starts``: first row of each piece; ``thread_starts``: first
    rows of the threads but the first (a run that crosses from one thread's rows into the
    next one's was counted by both); ``origins``: the origin keys met."""
    joined = [
        q
        for q in range(1, len(starts))
        if starts[q] in thread_starts
        and info[q - 1, INFO_LAST_ORIGIN] == info[q, INFO_FIRST_ORIGIN]
    ]
    runs = int(info[:, INFO_RUNS].sum()) - len(joined)
    if runs == int(np.count_nonzero(origins)):  # grouped by origin: one run per origin
        return any(run_has_duplicate(o_keys, d_keys, starts[q], n_keys) for q in joined)
    # deferred, one thread: the caller's thread goes on with its own work meanwhile, and a
    # second bucket thread would only compete with it (each re-reads every row's keys)
    threads = 1 if defer else min(max_threads(), max(1, o_keys.shape[0] // MIN_PART_ROWS))
    # key ranges holding about as many origins each (one thread each)
    met = np.cumsum(origins, dtype=np.int64)
    cuts = np.searchsorted(met, [met[-1] * p // threads for p in range(threads + 1)])
    cuts[0], cuts[-1] = 0, n_keys
    calls = [(o_keys, d_keys, int(cuts[p]), int(cuts[p + 1]), n_keys) for p in range(threads)]
    if defer:
        futures = submit_parallel(bucket_has_duplicate, calls)
        return lambda: any([f.result() for f in futures])  # wait for all, then decide
    return any(run_parallel(bucket_has_duplicate, calls))


def max_threads() -> int:
    """Threads apl's reading pass may use: ``NUMBA_NUM_THREADS`` (by default the number of
    cores). Read from Numba's configuration, not ``numba.get_num_threads()``, which would
    start Numba's own threading layer (OpenMP is not safe in a process that forks later);
    the reading pass uses plain Python threads."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


_POOL: dict[int, ThreadPoolExecutor] = {}
_POOL_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has none of its parent's threads: it makes its own pool (and lock:
    the parent's may have been held by another thread at the fork)."""
    global _POOL_LOCK
    _POOL.clear()
    _POOL_LOCK = threading.Lock()


# keyed by PID as well, for children of processes that fork without this hook running
os.register_at_fork(after_in_child=_after_fork_in_child)


def run_parallel(kernel: Callable[..., Any], calls: list[tuple]) -> list:
    """Results of ``kernel(*args)`` for each tuple of ``calls``, run on a shared pool of
    threads (the kernels are compiled with ``nogil``); a single call runs inline."""
    if len(calls) <= 1:
        return [kernel(*args) for args in calls]
    return [f.result() for f in submit_parallel(kernel, calls)]


def submit_parallel(kernel: Callable[..., Any], calls: list[tuple]) -> list[Future]:
    """``kernel(*args)`` for each tuple of ``calls`` started on the shared pool of threads;
    returns their futures."""
    pid = os.getpid()  # a forked child (multiprocessing, Dask) gets its own pool: the
    with _POOL_LOCK:  # parent's threads do not exist in it
        pool = _POOL.get(pid)
        if pool is None:
            _POOL.clear()
            pool = _POOL[pid] = ThreadPoolExecutor(
                max_workers=max_threads(), thread_name_prefix="apl"
            )
    return [pool.submit(kernel, *args) for args in calls]


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
        kind = row_kind(r, c, o == d, t, reach, zero_diagonal)
        if kind == KEPT:
            rows_out[kept] = r
            cols_out[kept] = c
            times_out[kept] = t
            kept += 1
        elif kind == OUTSIDE:
            n_outside += 1
        elif kind == DIAGONAL:
            n_diagonal += 1
        else:
            n_beyond += 1
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

    Two stable counting sorts, by column then by row (a radix sort on the two indices):
    rows come out with their columns ascending without any comparison, whatever the order
    of the pairs (a per-row insertion sort costs more on a table in no particular order).

    Returns (indptr, indices, data, n_zero) where n_zero counts the off-diagonal pairs of
    weight 0 (beyond the decay's reach), reported in the diagnostics.
    """
    m = rows.shape[0]
    md = diagonal_rows.shape[0]
    col_start = np.zeros(n_cols + 1, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    n_zero = 0
    for k in range(m):
        if w[k] > 0.0:
            col_start[cols[k] + 1] += 1
            indptr[rows[k] + 1] += 1
        else:
            n_zero += 1
    for k in range(md):
        if diagonal_w[k] > 0.0:
            col_start[diagonal_cols[k] + 1] += 1
            indptr[diagonal_rows[k] + 1] += 1
    for j in range(n_cols):
        col_start[j + 1] += col_start[j]
    for i in range(n_rows):
        indptr[i + 1] += indptr[i]
    total = indptr[n_rows]
    # pass 1: pairs in column order
    by_col_row = np.empty(total, dtype=np.int64)
    by_col_w = np.empty(total, dtype=np.float64)
    fill = col_start[:-1].copy()
    for k in range(m):
        if w[k] > 0.0:
            j = cols[k]
            q = fill[j]
            by_col_row[q] = rows[k]
            by_col_w[q] = w[k]
            fill[j] = q + 1
    for k in range(md):
        if diagonal_w[k] > 0.0:
            j = diagonal_cols[k]
            q = fill[j]
            by_col_row[q] = diagonal_rows[k]
            by_col_w[q] = diagonal_w[k]
            fill[j] = q + 1
    # pass 2: stable by row, so each row receives its columns in ascending order
    indices = np.empty(total, dtype=np.int64)
    data = np.empty(total, dtype=np.float64)
    row_fill = indptr[:-1].copy()
    for j in range(n_cols):
        for q in range(col_start[j], col_start[j + 1]):
            i = by_col_row[q]
            p = row_fill[i]
            indices[p] = j
            data[p] = by_col_w[q]
            row_fill[i] = p + 1
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


# --- the reading pass of a whole in-memory table, in parts that may run on separate threads

#: Slots of the per-part summary written by :func:`scan_cog_part`.
INFO_BAD, INFO_KEPT, INFO_OUTSIDE, INFO_DIAGONAL, INFO_BEYOND = 0, 1, 2, 3, 4
INFO_RUNS, INFO_FIRST_ORIGIN, INFO_LAST_ORIGIN, INFO_DUPLICATE, INFO_GROUPED = 5, 6, 7, 8, 9
INFO_SIZE = 10


@numba.njit(**NUMBA_OPTIONS)
def scan_cog_part(
    origin_data,
    origin_offsets,
    destination_data,
    destination_offsets,
    minutes,
    row_of_key,
    col_of_key,
    reach: float,
    zero_diagonal: bool,
    lo: int,
    hi: int,
    out_at: int,
    run_base: int,
    previous: int,
    grouped: bool,
    o_keys,
    d_keys,
    rows_out,
    cols_out,
    times_out,
    seen,
    marker,
    unknown,
    info,
) -> None:
    """The reading pass over rows ``lo`` to ``hi - 1`` of a table: one piece of
    :func:`scan_cog_chunks` (pieces given separate state arrays are independent: each may
    run on its own thread).

    The code columns' buffers are the Arrow chunks holding these rows: the codes of row
    ``k`` are at ``origin_offsets[k - lo]`` to ``origin_offsets[k - lo + 1]`` of
    ``origin_data`` (the same for destinations). Each row's codes are keyed (:func:`apl.kernels.cog_key`, written to ``o_keys`` /
    ``d_keys``), its minutes checked, and the row classified as in :func:`scan_pairs`;
    kept pairs are written from position ``out_at`` (≤ ``lo``) of ``rows_out``, ``cols_out``,
    ``times_out``. ``seen`` (origin keys met: all 0 initially), ``marker`` (all -1 initially, one
    slot per destination key) and ``unknown`` are this part's own arrays over the key
    space, shared by the pieces that one thread reads in turn (in row order): ``previous``
    is the origin key of the row before ``lo`` read on these arrays (-1: none), runs of
    consecutive rows with the same origin are numbered on from ``run_base`` (the runs
    already numbered), and ``grouped`` says whether every origin met so far on these arrays
    had a single run. While it does, a destination repeated inside one run is a duplicate
    pair (the markers); once an origin comes back in a new run the markers stop (the
    caller's bucket check then decides).

    ``info`` receives, at the ``INFO_*`` slots: the first bad row or -1 (a code that is
    not COG-shaped, minutes NaN, infinite or negative: the piece stops there), the numbers
    of kept / outside / diagonal / beyond-reach rows, the number of runs started, the
    first and last origin keys, whether a duplicate was seen, and ``grouped`` at the end.
    """
    kept = 0
    n_outside = 0
    n_diagonal = 0
    n_beyond = 0
    runs = run_base
    first = -1
    duplicate = 0
    bad = -1
    for k in range(lo, hi):
        j = k - lo
        o = cog_key(origin_data, origin_offsets[j], origin_offsets[j + 1])
        d = cog_key(destination_data, destination_offsets[j], destination_offsets[j + 1])
        o_keys[k] = o
        d_keys[k] = d
        t = minutes[k]
        if o < 0 or d < 0 or not (t >= 0.0 and t < np.inf):
            bad = k
            break
        # unsigned indices: keys are known non-negative here, and the compiler then drops
        # the negative-index wrap-around test of every table lookup
        uo = np.uint32(o)
        ud = np.uint32(d)
        if o != previous:
            if first < 0:
                first = o
            if seen[uo]:  # this origin had an earlier run: not grouped by origin, so the
                grouped = False  # markers are of no use (the buckets will decide)
            seen[uo] = 1
            runs += 1
            previous = o
        if grouped:
            if marker[ud] == runs:
                duplicate = 1
            marker[ud] = runs
        r = row_of_key[uo]
        c = col_of_key[ud]
        if r < 0:
            unknown[uo] = 1
        kind = row_kind(r, c, o == d, t, reach, zero_diagonal)
        if kind == KEPT:
            q = out_at + kept
            rows_out[q] = r
            cols_out[q] = c
            times_out[q] = t
            kept += 1
        elif kind == OUTSIDE:
            n_outside += 1
        elif kind == DIAGONAL:
            n_diagonal += 1
        else:
            n_beyond += 1
    info[INFO_BAD] = bad
    info[INFO_KEPT] = kept
    info[INFO_OUTSIDE] = n_outside
    info[INFO_DIAGONAL] = n_diagonal
    info[INFO_BEYOND] = n_beyond
    info[INFO_RUNS] = runs - run_base
    info[INFO_FIRST_ORIGIN] = first
    info[INFO_LAST_ORIGIN] = previous
    info[INFO_DUPLICATE] = duplicate
    info[INFO_GROUPED] = 1 if grouped else 0


@numba.njit(**NUMBA_OPTIONS)
def run_has_duplicate(origin_keys, destination_keys, k: int, n_destination_keys: int) -> bool:
    """Whether the run of consecutive rows with the origin of row ``k`` (the run that
    contains ``k``) repeats a destination."""
    o = origin_keys[k]
    lo = k
    while lo > 0 and origin_keys[lo - 1] == o:
        lo -= 1
    hi = k + 1
    n = origin_keys.shape[0]
    while hi < n and origin_keys[hi] == o:
        hi += 1
    seen = np.zeros(n_destination_keys, dtype=np.bool_)
    for q in range(lo, hi):
        d = destination_keys[q]
        if seen[d]:
            return True
        seen[d] = True
    return False


@numba.njit(**NUMBA_OPTIONS)
def bucket_has_duplicate(
    origin_keys, destination_keys, key_lo: int, key_hi: int, n_destination_keys: int
) -> bool:
    """Whether a (origin, destination) pair repeats among the rows whose origin key is in
    ``[key_lo, key_hi)``: those rows are counted per origin, their destinations scattered
    into one bucket per origin (a counting sort), then a marker over destinations finds a
    repeat inside a bucket. Threads given disjoint key ranges are independent."""
    span = np.uint32(key_hi - key_lo)
    start = np.zeros(key_hi - key_lo + 1, dtype=np.int64)
    for k in range(origin_keys.shape[0]):
        at = np.uint32(origin_keys[k] - key_lo)  # out of range: wraps above the range
        if at < span:
            start[at + 1] += 1
    for o in range(key_hi - key_lo):
        start[o + 1] += start[o]
    fill = start[:-1].copy()
    buffer = np.empty(start[-1], dtype=np.int32)
    for k in range(origin_keys.shape[0]):
        at = np.uint32(origin_keys[k] - key_lo)
        if at < span:
            q = fill[at]
            buffer[q] = destination_keys[k]
            fill[at] = q + 1
    marker = np.full(n_destination_keys, -1, dtype=np.int64)
    for o in range(key_hi - key_lo):
        for q in range(start[o], start[o + 1]):
            d = np.uint32(buffer[q])
            if marker[d] == o:
                return True
            marker[d] = o
    return False
