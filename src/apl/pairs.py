"""Travel times: from an (origin, destination, minutes) table to the weighted sparse structure.

Rules (methodology §1): t_ij is patient commune i → practice commune j, in minutes; a pair
absent from the table is unreachable (w = 0); inside a commune the time is 0 whatever the
table says (``diagonal="zero"``, DREES) — or the table's own unit-to-itself time, a missing
one being unreachable (``diagonal="table"``, as IPEA and PySAL do); the table may be
asymmetric.

Two paths give the same arrays. The fast path keys COG-shaped text codes straight from
Arrow string buffers (or small non-negative integer ids) and classifies every row in one
Numba pass (:func:`apl.kernels.scan_pairs`). Anything it cannot key — free-form codes,
object columns, a NaN, a negative time — sends the table through the general path
(pandas factorisation and the validation checks), which accepts it or raises the exact
:mod:`apl.errors` exception. The CSR is built by counting sorts
(:func:`apl.kernels.csr_from_pairs`): columns ascending within each row whatever the
order of the table's rows.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from . import kernels, validation
from .decay import Decay, StepDecay, evaluate_decay
from .errors import DataWarning, ValidationError
from .io.travel_times import (
    MINUTES_SAMPLE,
    SUSPICIOUS_MEDIAN_MINUTES,
    check_plausible_minutes,
    sampled_median_minutes,
    warn_implausible_minutes,
)
from .validation import IdKind, arrow_buffers, cog_keys_of, string_chunks

Diagonal = Literal["zero", "table"]

__all__ = [
    "Diagonal",
    "IndexedPairs",
    "PairStructure",
    "build_pair_structure",
    "decay_reach",
    "index_pairs",
    "is_pair_source",
    "stream_index_pairs",
    "stream_pair_structure",
    "weight_pairs",
]

TABLE = "travel_times"


@dataclass(frozen=True)
class PairStructure:
    """The weighted commune × supply structure W as CSR arrays, plus what was left out.

    Attributes
    ----------
    indptr, indices, weights : numpy.ndarray
        CSR arrays of W, shape (n_communes, n_supply); only pairs with w(t) > 0 are stored.
    n_supply : int
        Number of supply columns.
    rows_read : int
        Rows of the travel-time table.
    rows_diagonal_replaced : int
        Rows with origin == destination, replaced by t = 0 (within-commune time); 0 with
        ``diagonal="table"``.
    rows_outside : int
        Rows whose origin is not a demand commune or whose destination is not a supply
        commune: they carry no demand or no supply, so they cannot change any APL.
    unknown_origins : numpy.ndarray of str
        Origin codes that are not demand communes (travel times from communes without a
        population row), sorted.
    rows_zero_weight : int
        Rows inside the table whose time gets weight 0 (beyond the decay's reach).
    """

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]
    n_supply: int
    rows_read: int = 0
    rows_diagonal_replaced: int = 0
    rows_outside: int = 0
    unknown_origins: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.array([], dtype=object)
    )
    rows_zero_weight: int = 0
    #: A check of the table still running on other threads (``defer_checks=True``):
    #: :meth:`settle` waits for it and raises what it found.
    pending: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @property
    def n_pairs(self) -> int:
        """Stored pairs (w > 0), including the diagonal."""
        return int(self.weights.shape[0])

    def settle(self) -> None:
        """Wait for the deferred checks of the table (if any); raise what they found."""
        if self.pending is not None:
            self.pending()


@dataclass(frozen=True)
class IndexedPairs:
    """Validated travel times mapped to integer rows (demand) and columns (supply).

    Holds every pair with a demand origin and a supply destination (off the diagonal with
    ``diagonal="zero"``) and minutes ≤ `max_minutes`, plus the diagonal (row, column)
    pairs at 0 minutes with ``diagonal="zero"``; re-weighting under another decay whose
    reach is within `max_minutes` needs no new validation (:func:`weight_pairs`).

    Attributes
    ----------
    rows, cols : numpy.ndarray of int64
        Demand row and supply column of each kept pair, in table order.
    minutes : numpy.ndarray of float64
        Travel time of each kept pair, minutes.
    diagonal_rows, diagonal_cols : numpy.ndarray of int64
        (row, column) of the units that are both demand and supply (``diagonal="zero"``;
        empty with ``diagonal="table"``).
    rows_beyond_reach : int
        Rows left out because their minutes exceed `max_minutes` (weight 0).
    max_minutes : float
        Pairs beyond this many minutes were not kept (``inf``: all kept).
    diagonal : {"zero", "table"}
    ids : {"cog", "any"}
    """

    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    minutes: npt.NDArray[np.float64]
    diagonal_rows: npt.NDArray[np.int64]
    diagonal_cols: npt.NDArray[np.int64]
    n_demand: int
    n_supply: int
    rows_read: int
    rows_diagonal_replaced: int
    rows_outside: int
    unknown_origins: npt.NDArray[np.object_]
    rows_beyond_reach: int = 0
    max_minutes: float = float("inf")
    diagonal: Diagonal = "zero"
    ids: IdKind = "cog"
    #: See :attr:`PairStructure.pending`.
    pending: Callable[[], None] | None = field(default=None, repr=False, compare=False)


def sorted_ids(values: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Ids in a canonical order (natural order; by type name then text for mixed kinds)."""
    arr = np.asarray(values, dtype=object)
    try:
        order = np.argsort(arr, kind="stable")
    except TypeError:
        order = np.array(
            sorted(range(len(arr)), key=lambda k: (type(arr[k]).__name__, str(arr[k]))),
            dtype=np.int64,
        )
    return arr[order]


def cog_tables(
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    unit_keys: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Demand row and supply column of every COG key (-1: not one), or None when a demand or
    supply code is not COG-shaped text (the general path then handles every code).
    `unit_keys`: the keys of the demand and supply codes when already known."""
    demand_keys: np.ndarray | None
    supply_keys: np.ndarray | None
    if unit_keys is not None:
        demand_keys, supply_keys = unit_keys
    else:
        demand_keys = cog_keys_of(demand_codes)
        supply_keys = cog_keys_of(supply_codes)
    if (
        demand_keys is None
        or supply_keys is None
        or (demand_keys < 0).any()
        or (supply_keys < 0).any()
    ):
        return None
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[demand_keys] = np.arange(len(demand_keys), dtype=np.int32)
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of[supply_keys] = np.arange(len(supply_keys), dtype=np.int32)
    return row_of, col_of


_MAX_INTEGER_KEY = 1 << 24


def _integer_keys(
    origin: pd.Series, destination: pd.Series, demand_codes: pd.Index, supply_codes: pd.Index
):
    """Integer ids used as keys directly, when they are small and non-negative."""
    if origin.hasnans or destination.hasnans:
        return None
    units = []
    for codes in (demand_codes, supply_codes):
        if len(codes) and pd.Index(codes).inferred_type != "integer":
            return None
        values = np.asarray(codes, dtype=np.int64) if len(codes) else np.zeros(0, np.int64)
        if values.size and (values.min() < 0 or values.max() >= _MAX_INTEGER_KEY):
            return None
        units.append(values)
    o = origin.to_numpy(dtype=np.int64)
    d = destination.to_numpy(dtype=np.int64)
    high = max([int(a.max()) for a in (*units, o, d) if a.size] + [0]) + 1
    if (o.size and o.min() < 0) or (d.size and d.min() < 0) or high > _MAX_INTEGER_KEY:
        return None
    row_of = np.full(high, -1, dtype=np.int32)
    row_of[units[0]] = np.arange(len(units[0]), dtype=np.int32)
    col_of = np.full(high, -1, dtype=np.int32)
    col_of[units[1]] = np.arange(len(units[1]), dtype=np.int32)
    return o, d, row_of, col_of


def index_pairs(
    travel_times: pd.DataFrame,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
    max_minutes: float = float("inf"),
    unit_keys: tuple[np.ndarray, np.ndarray] | None = None,
    defer_checks: bool = False,
) -> IndexedPairs:
    """Validate a travel-time table and map its codes to rows and columns of W.

    Parameters
    ----------
    travel_times : pandas.DataFrame
        Columns ``origin``, ``destination``, ``minutes`` (minutes ≥ 0, finite).
    demand_codes, supply_codes : pandas.Index
        Demand units (rows of W) and supply units (columns), in this order.
    diagonal : {"zero", "table"}, default "zero"
        ``"zero"``: a unit reaches itself in 0 minutes whatever the table says (DREES);
        ``"table"``: the table's own unit-to-itself time is used, a missing one is
        unreachable (IPEA, PySAL).
    ids : {"cog", "any"}, default "cog"
        ``"cog"``: codes are checked as COG commune codes (text, no lost leading zero);
        ``"any"``: ids of any hashable kind.
    max_minutes : float, default inf
        Pairs beyond this many minutes are counted but not kept (a decay's reach).
    unit_keys : (numpy.ndarray, numpy.ndarray), optional
        The COG keys (:func:`apl.kernels.cog_keys`) of `demand_codes` and `supply_codes`,
        when the caller already has them (saves keying the codes again).
    defer_checks : bool, default False
        Let the check for repeated pairs of a table not grouped by origin finish on other
        threads while the caller goes on: the result's ``pending`` (see
        :meth:`PairStructure.settle`) must then be called before any number is used.

    Raises
    ------
    apl.errors.ValidationError
        On missing columns, bad codes, negative/NaN/infinite minutes, duplicate pairs.
    """
    validation.check_diagonal(diagonal)
    ids = validation.resolve_ids(ids)
    validation.require_columns(travel_times, ["origin", "destination", "minutes"], TABLE)
    zero_diagonal = diagonal == "zero"
    scanned = _scan_fast(
        travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal, unit_keys,
        defer_checks,
    )  # fmt: skip
    if scanned is None:
        scanned = _scan_general(
            travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal
        )
    rows, cols, minutes, n_outside, n_diagonal, n_beyond, unknown, pending, supply_row = scanned
    indexed = _indexed_pairs(rows, cols, minutes, demand_codes, supply_codes, len(travel_times),
                             n_diagonal, n_outside, unknown, n_beyond, max_minutes, diagonal, ids,
                             supply_row)  # fmt: skip
    if pending is not None:
        indexed = dataclasses.replace(indexed, pending=pending)
    return indexed


def _indexed_pairs(rows, cols, minutes, demand_codes: pd.Index, supply_codes: pd.Index, rows_read: int,
                   n_diagonal: int, n_outside: int, unknown, n_beyond: int, max_minutes: float,
                   diagonal: Diagonal, ids: IdKind, supply_row=None) -> IndexedPairs:  # fmt: skip
    """The IndexedPairs of the scanned pairs, with the diagonal pairs (i, i) at 0 minutes of
    every supply column that is also a demand unit when ``diagonal == "zero"``."""
    # Demand row of each supply column (-1: not a demand unit): the diagonal pair (i, i).
    if supply_row is None:
        supply_row = np.asarray(demand_codes.get_indexer(supply_codes), dtype=np.int64)
    diag_cols = (
        np.flatnonzero(supply_row >= 0).astype(np.int64)
        if diagonal == "zero"
        else np.zeros(0, np.int64)
    )
    return IndexedPairs(
        rows=rows,
        cols=cols,
        minutes=minutes,
        diagonal_rows=supply_row[diag_cols],
        diagonal_cols=diag_cols,
        n_demand=len(demand_codes),
        n_supply=len(supply_codes),
        rows_read=rows_read,
        rows_diagonal_replaced=n_diagonal,
        rows_outside=n_outside,
        unknown_origins=unknown,
        rows_beyond_reach=n_beyond,
        max_minutes=float(max_minutes),
        diagonal=diagonal,
        ids=ids,
    )


def _scan_fast(
    travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal, unit_keys=None,
    defer_checks=False,
):  # fmt: skip
    """The fast path, or None when the general path must read the table."""
    minutes_col = travel_times["minutes"]
    if not pd.api.types.is_numeric_dtype(minutes_col.dtype) or pd.api.types.is_bool_dtype(
        minutes_col.dtype
    ):
        return None
    origin, destination = travel_times["origin"], travel_times["destination"]
    minutes = minutes_col.to_numpy(dtype=np.float64, na_value=np.nan)
    if ids == "any" and all(pd.api.types.is_integer_dtype(c.dtype) for c in (origin, destination)):
        keyed = _integer_keys(origin, destination, demand_codes, supply_codes)
        if keyed is None:
            return None
        o, d, row_of, col_of = keyed
        bad, rows, cols, kept, n_out, n_diag, n_beyond, unknown = kernels.scan_pairs(
            o, d, minutes, row_of, col_of, float(max_minutes), zero_diagonal
        )
        duplicate = bad < 0 and kernels.has_duplicate_pair(o, d, len(row_of), len(row_of))
        decode: Callable[[int], object] = int
        supply_row = None
    else:
        tables = cog_tables(demand_codes, supply_codes, unit_keys)
        if tables is None:
            return None
        o_chunks = string_chunks(origin)
        d_chunks = string_chunks(destination) if o_chunks is not None else None
        if o_chunks is None or d_chunks is None:
            return None
        row_of, col_of = tables
        # the demand row of each supply unit from the key table, when the keys were given
        # (no hashing of the codes; otherwise _indexed_pairs looks them up)
        supply_row = None if unit_keys is None else row_of[unit_keys[1]].astype(np.int64)
        bad, rows, cols, kept, n_out, n_diag, n_beyond, unknown, duplicate = (
            kernels.scan_cog_chunks(
                o_chunks,
                d_chunks,
                minutes,
                row_of,
                col_of,
                float(max_minutes),
                zero_diagonal,
                defer_duplicate=defer_checks,
            )
        )
        decode = kernels.cog_code
    if bad >= 0:
        return None
    pending = None
    if callable(duplicate):  # still being checked on other threads
        found = duplicate

        def pending() -> None:
            if found():
                validation.check_unique(travel_times, ["origin", "destination"], TABLE)

    elif duplicate:
        validation.check_unique(travel_times, ["origin", "destination"], TABLE)
    unknown_codes = sorted_ids(
        np.array([decode(int(k)) for k in np.flatnonzero(unknown)], dtype=object)
    )
    return rows, cols, kept, n_out, n_diag, n_beyond, unknown_codes, pending, supply_row


def _scan_general(travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal):
    """Validated factorisation of the code columns (exact errors), then the same scan."""
    o_pos, o_uniques = validation.factorize_codes(
        travel_times["origin"], TABLE, "origin", travel_times, ids=ids
    )
    d_pos, d_uniques = validation.factorize_codes(
        travel_times["destination"], TABLE, "destination", travel_times, ids=ids
    )
    # Integer ids against text ids share no unit: every APL would silently be 0.
    key = demand_codes.name if isinstance(demand_codes.name, str) else "id"
    validation.check_key_kinds(
        ("demand", key, demand_codes), ("supply", key, supply_codes),
        (TABLE, "origin", o_uniques), (TABLE, "destination", d_uniques),
    )  # fmt: skip
    minutes = validation.check_values(
        travel_times["minutes"], TABLE, "minutes", travel_times,
        keys=["origin", "destination"], unit=" minutes",
    )  # fmt: skip
    # Duplicate pairs: an O(n) kernel on the integer codes, not a hash of two columns.
    if kernels.find_duplicate_pair(o_pos, d_pos, len(o_uniques), len(d_uniques)) >= 0:
        validation.check_unique(travel_times, ["origin", "destination"], TABLE)
    # One key space for both columns, so that origin == destination is key equality.
    both = pd.Index(o_uniques, dtype=object).append(pd.Index(d_uniques, dtype=object))
    codes, unique_codes = pd.factorize(both)
    o_keys = np.asarray(codes[: len(o_uniques)], dtype=np.int64)[o_pos]
    d_keys = np.asarray(codes[len(o_uniques) :], dtype=np.int64)[d_pos]
    unique_index = pd.Index(unique_codes, dtype=object)
    row_of = np.asarray(demand_codes.get_indexer(unique_index), dtype=np.int64)
    col_of = np.asarray(supply_codes.get_indexer(unique_index), dtype=np.int64)
    _, rows, cols, kept, n_out, n_diag, n_beyond, unknown = kernels.scan_pairs(
        o_keys, d_keys, minutes, row_of, col_of, float(max_minutes), zero_diagonal
    )
    unknown_codes = np.asarray(unique_codes, dtype=object)[unknown]
    if ids == "cog":
        unknown_codes = unknown_codes.astype(str)
    return rows, cols, kept, n_out, n_diag, n_beyond, sorted_ids(unknown_codes), None, None


def warn_seconds_as_minutes(
    travel_times: pd.DataFrame, *, stacklevel: int = 3, median: float | None = None
) -> None:
    """The loaders' seconds-as-minutes warning for a table built in memory: when the median
    time between distinct units, over ≤ 4,096 evenly spaced rows
    (:func:`apl.io.travel_times.sampled_median_minutes`), exceeds 300 minutes, an
    :class:`apl.errors.DataWarning`. A table read by :mod:`apl.io` was checked whole when
    read and records its sampled median (``attrs["minutes_checked"]``): it is not warned
    about again while that median is unchanged. `median`: that sampled median, when the
    caller has already taken it."""
    if median is None:
        median = sampled_median_minutes(travel_times)
    if median is None or median <= SUSPICIOUS_MEDIAN_MINUTES:
        return
    if travel_times.attrs.get("minutes_checked") == median:
        return
    msg = (f"travel_times: the median travel time between distinct units is {median:,.0f} "
           f"minutes (> {SUSPICIOUS_MEDIAN_MINUTES:g}, over ≤ {MINUTES_SAMPLE:,} rows sampled): are "
           "these minutes really seconds? Divide the column by 60 (or read the file with "
           "apl.io.read_travel_times, which takes a 'seconds' column).")  # fmt: skip
    warnings.warn(msg, DataWarning, stacklevel=stacklevel)


def decay_reach(decay: Decay) -> float:
    """Minutes beyond which `decay` is 0 (its ``max_minutes``), or ``inf``."""
    return float(getattr(decay, "max_minutes", np.inf))


def weight_pairs(pairs: IndexedPairs, decay: Decay, *, max_weight: float = 1.0) -> PairStructure:
    """Weight indexed pairs with `decay` (t = 0 on the diagonal) into CSR arrays of W.

    `max_weight` is the largest weight accepted: 1, except for the gravity measures
    (:func:`apl.measures.gravity` passes ``inf``).
    """
    reach = decay_reach(decay)
    if reach > pairs.max_minutes:
        msg = (
            f"weight_pairs: these pairs were kept up to {pairs.max_minutes:g} minutes only, but "
            f"decay {decay!r} reaches {reach:g} minutes; index the table again with "
            "max_minutes=inf."
        )
        raise ValidationError(msg, table="decay")
    # A decay that declares a reach (max_minutes) is 0 beyond it: evaluate only the pairs
    # within reach (on a national table, about one in nine).
    if type(decay) is StepDecay:
        # the DREES decay: a Numba pass instead of a binary search per pair (same numbers;
        # its weights were checked in [0, 1] when it was built)
        w = kernels.step_weights(pairs.minutes, decay.bounds, decay.weights, decay.closed == "left")
    elif np.isfinite(reach) and reach < pairs.max_minutes:
        within = np.flatnonzero(pairs.minutes <= reach)
        w = np.zeros(pairs.minutes.shape[0])
        w[within] = evaluate_decay(decay, pairs.minutes[within], max_weight=max_weight)
    else:
        w = evaluate_decay(decay, pairs.minutes, max_weight=max_weight)
    diag_w = evaluate_decay(decay, np.zeros(pairs.diagonal_cols.shape[0]), max_weight=max_weight)
    indptr, indices, weights, n_zero = kernels.csr_from_weighted(
        pairs.rows,
        pairs.cols,
        w,
        pairs.diagonal_rows,
        pairs.diagonal_cols,
        diag_w,
        pairs.n_demand,
        pairs.n_supply,
    )
    return PairStructure(
        indptr=indptr,
        indices=indices,
        weights=weights,
        n_supply=pairs.n_supply,
        rows_read=pairs.rows_read,
        rows_diagonal_replaced=pairs.rows_diagonal_replaced,
        rows_outside=pairs.rows_outside,
        unknown_origins=pairs.unknown_origins,
        rows_zero_weight=pairs.rows_beyond_reach + int(n_zero),
        pending=pairs.pending,
    )


def build_pair_structure(
    travel_times: pd.DataFrame,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    decay: Decay,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
    unit_keys: tuple[np.ndarray, np.ndarray] | None = None,
    defer_checks: bool = False,
) -> PairStructure:
    """Validate a travel-time table and weight it into CSR arrays.

    Parameters
    ----------
    travel_times : pandas.DataFrame
        Columns ``origin`` (patient unit), ``destination`` (practice unit), ``minutes``.
    demand_codes : pandas.Index
        Demand units, rows of W in this order.
    supply_codes : pandas.Index
        Supply units, columns of W in this order.
    decay : callable
        Minutes → weight.
    diagonal : {"zero", "table"}, default "zero"
        See :func:`index_pairs`.
    ids : {"cog", "any"}, default "cog"
        See :func:`index_pairs`.
    unit_keys : (numpy.ndarray, numpy.ndarray), optional
        See :func:`index_pairs`.
    defer_checks : bool, default False
        See :func:`index_pairs`; call :meth:`PairStructure.settle` before using W.
    """
    pairs = index_pairs(
        travel_times,
        demand_codes,
        supply_codes,
        diagonal=diagonal,
        ids=ids,
        max_minutes=decay_reach(decay),
        unit_keys=unit_keys,
        defer_checks=defer_checks,
    )
    return weight_pairs(pairs, decay)


# --- streamed travel-time tables (Parquet files or pyarrow datasets) ---------------------


def is_pair_source(travel_times: object) -> bool:
    """Whether `travel_times` is a file path or a pyarrow dataset to stream, not a table."""
    import os

    if isinstance(travel_times, str | os.PathLike):
        return True
    try:
        import pyarrow.dataset as ds
    except ImportError:  # pragma: no cover - pyarrow is a core dependency
        return False
    return isinstance(travel_times, ds.Dataset)


def open_pair_source(source: object, *, dictionary: bool = False):  # -> pyarrow.dataset.Dataset
    """The pyarrow dataset of a path (a Parquet file or a folder of them) or a dataset.

    With `dictionary`, a path's code columns are read as dictionaries (faster to decode
    and to key, the distinct codes once per batch)."""
    import os

    import pyarrow.dataset as ds

    if isinstance(source, ds.Dataset):
        dataset = source
    else:
        path = os.fspath(source)  # type: ignore[call-overload]
        if not os.path.exists(path):
            from .errors import DataFormatError

            raise DataFormatError(f"travel_times: no such file or folder {path!r}.", path=path)
        try:
            options = ds.ParquetReadOptions(
                dictionary_columns=["origin", "destination"] if dictionary else []
            )
            dataset = ds.dataset(path, format=ds.ParquetFileFormat(read_options=options))
        except (pa.ArrowInvalid, OSError) as exc:
            from .errors import DataFormatError

            msg = (f"travel_times: cannot read {path!r} as Parquet ({exc}). Pass a Parquet file or "
                   "folder, a pyarrow.dataset, or a DataFrame (apl.io.read_travel_times reads CSV).")  # fmt: skip
            raise DataFormatError(msg, path=path) from exc
    names = dataset.schema.names
    missing = [c for c in ("origin", "destination", "minutes") if c not in names]
    if missing:
        from .errors import MissingColumnError

        msg = (f"{TABLE} is missing column(s) {missing}; expected ['origin', 'destination', "
               f"'minutes'], found {names}.")  # fmt: skip
        raise MissingColumnError(msg, table=TABLE, column=missing[0])
    return dataset


STREAM_BATCH_ROWS = 1 << 21
#: Rows per batch sampled (strided) for the median check of the streamed path.
SAMPLE_PER_BATCH = 1 << 14


def source_name(source: object) -> str:
    """The path of a streamed travel-time source, or ``travel_times`` for a dataset."""
    import os

    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return TABLE


def stream_index_pairs(
    source: object,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
    max_minutes: float = float("inf"),
    batch_rows: int = STREAM_BATCH_ROWS,
) -> IndexedPairs | None:
    """:func:`index_pairs` on a Parquet file or pyarrow dataset read batch by batch.

    Only the pairs within `max_minutes` of a demand origin and a supply destination are
    kept (about one row in nine under the DREES decay), plus two int32 keys per row for
    the final duplicate check when the file is not grouped by origin, so memory holds far
    less than the table. Code columns are read as Parquet dictionaries where the file has
    them: the few distinct codes of a batch are keyed once, each row carries an index.
    The numbers are the same as :func:`index_pairs` on the whole table read into memory:
    the same pairs are kept, and the CSR built from them does not depend on their order.

    Returns None when a batch cannot take the fast path (codes that are not COG-shaped
    text, missing values, times that are not finite numbers ≥ 0, or a repeated pair): the
    caller then reads the whole table and the general path accepts it or raises the exact
    error.
    """
    validation.check_diagonal(diagonal)
    dataset = open_pair_source(source, dictionary=True)
    tables = cog_tables(demand_codes, supply_codes)
    if tables is None:
        return None
    row_of, col_of = tables
    n_keys = len(row_of)
    state = kernels.new_scan_state(n_keys)
    flags = state[0]
    zero_diagonal = diagonal == "zero"
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    keys: list[tuple[np.ndarray, np.ndarray]] = []
    samples: list[np.ndarray] = []
    n_read = n_outside = n_diagonal = n_beyond = 0
    # buffers reused from batch to batch: reading the file allocates nothing per row
    buffers = _StreamBuffers(0)
    for batch in _batches(dataset, batch_rows):
        m = batch.num_rows
        buffers.reserve(m)
        o_keys = batch_keys(batch.column("origin"), buffers.o_keys[:m])
        d_keys = (
            batch_keys(batch.column("destination"), buffers.d_keys[:m])
            if o_keys is not None
            else None
        )
        minutes_arr = batch.column("minutes")
        if (
            o_keys is None
            or d_keys is None
            or minutes_arr.null_count
            or not (pa.types.is_floating(minutes_arr.type) or pa.types.is_integer(minutes_arr.type))
        ):
            return None
        minutes = minutes_arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        # a strided sample of the times between distinct units, for the seconds-as-minutes
        # warning (the median of ≤ SAMPLE_PER_BATCH rows per batch; no second pass)
        step = max(1, m // SAMPLE_PER_BATCH)
        sampled = minutes[::step]
        samples.append(sampled[o_keys[::step] != d_keys[::step]].copy())
        bad, kept, out, diag, beyond = kernels.scan_key_chunk(
            o_keys, d_keys, minutes, row_of, col_of, float(max_minutes), zero_diagonal, *state,
            buffers.rows, buffers.cols, buffers.times,
        )  # fmt: skip
        if bad >= 0 or flags[3] == 1:
            return None
        if flags[2] == 0:
            # While the rows are grouped by origin the in-pass check is complete; once they
            # are not, the final check needs every key (earlier batches are read again).
            keys.append((o_keys.copy(), d_keys.copy()))
        pieces.append(
            (buffers.rows[:kept].copy(), buffers.cols[:kept].copy(), buffers.times[:kept].copy())
        )
        n_read += m
        n_outside += out
        n_diagonal += diag
        n_beyond += beyond
    del buffers
    if flags[2] == 0:
        if len(keys) < len(pieces):  # grouping broke after earlier batches were dropped
            keys = [(batch_keys(b.column("origin")), batch_keys(b.column("destination")))  # type: ignore[misc]
                    for b in _batches(dataset, batch_rows)]  # fmt: skip
        o_all = np.concatenate([k[0] for k in keys]).astype(np.int32, copy=False)
        d_all = np.concatenate([k[1] for k in keys]).astype(np.int32, copy=False)
        keys.clear()
        if kernels.duplicate_in_buckets(o_all, d_all, state[3], n_keys):
            return None
        del o_all, d_all
    keys.clear()
    warn_implausible_minutes(np.concatenate(samples) if samples else np.zeros(0),
                             source_name(source), stacklevel=5)  # fmt: skip
    unknown = sorted_ids(
        np.array([kernels.cog_code(int(k)) for k in np.flatnonzero(state[4])], dtype=object)
    )
    return _indexed_pairs(
        np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0, np.int64),
        np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, np.int64),
        np.concatenate([p[2] for p in pieces]) if pieces else np.zeros(0),
        demand_codes, supply_codes, n_read, n_diagonal, n_outside, unknown, n_beyond, max_minutes, diagonal, ids,
    )  # fmt: skip


class _StreamBuffers:
    """Per-batch work arrays of :func:`stream_index_pairs`, grown as needed, reused."""

    def __init__(self, capacity: int) -> None:
        self.capacity = -1
        self.reserve(capacity)

    def reserve(self, rows: int) -> None:
        if rows <= self.capacity:
            return
        self.capacity = rows
        self.o_keys = np.empty(rows, dtype=np.int32)
        self.d_keys = np.empty(rows, dtype=np.int32)
        self.rows = np.empty(rows, dtype=np.int64)
        self.cols = np.empty(rows, dtype=np.int64)
        self.times = np.empty(rows, dtype=np.float64)


def _batches(dataset, batch_rows: int):
    """Record batches of the three columns, reading ahead little (memory stays bounded)."""
    import pyarrow.dataset as ds

    options = {}
    if isinstance(getattr(dataset, "format", None), ds.ParquetFileFormat):
        # no pre-buffering of whole row groups: memory follows the batch, not the file
        options["fragment_scan_options"] = ds.ParquetFragmentScanOptions(pre_buffer=False)
    return dataset.to_batches(columns=["origin", "destination", "minutes"], batch_size=batch_rows,
                              batch_readahead=1, fragment_readahead=1, **options)  # fmt: skip


def batch_keys(column: pa.Array, out: np.ndarray | None = None) -> np.ndarray | None:
    """COG keys of a batch's code column (-1 where not COG-shaped), written to `out` when
    given; None when it is not text, has missing values, or is a type the fast path does
    not read."""
    if column.null_count:
        return None
    if pa.types.is_dictionary(column.type):
        buffers = arrow_buffers(column.dictionary)
        if buffers is None:
            return None
        dict_keys = kernels.cog_keys(*buffers)
        indices = column.indices.to_numpy(zero_copy_only=False)
        return np.take(dict_keys, indices, out=out) if out is not None else dict_keys[indices]
    buffers = arrow_buffers(column)
    if buffers is None:
        return None
    keys = kernels.cog_keys(*buffers)
    if out is not None:
        out[:] = keys
        return out
    return keys


def read_pair_source(source: object) -> pd.DataFrame:
    """The whole travel-time table of a Parquet file or dataset, as a DataFrame."""
    return (
        open_pair_source(source).to_table(columns=["origin", "destination", "minutes"]).to_pandas()
    )


def stream_pair_structure(
    source: object,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    decay: Decay,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
) -> PairStructure:
    """:func:`build_pair_structure` on a Parquet file or pyarrow dataset, streamed by batches
    (falls back to reading it whole where :func:`stream_index_pairs` cannot stream)."""
    pairs = stream_index_pairs(
        source,
        demand_codes,
        supply_codes,
        diagonal=diagonal,
        ids=ids,
        max_minutes=decay_reach(decay),
    )
    if pairs is None:
        table = read_pair_source(source)
        structure = build_pair_structure(table, demand_codes, supply_codes, decay,
                                         diagonal=diagonal, ids=ids)  # fmt: skip
        check_plausible_minutes(table, source_name(source), stacklevel=4)
        return structure
    return weight_pairs(pairs, decay)
