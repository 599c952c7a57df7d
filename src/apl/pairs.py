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

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from . import kernels, validation
from .decay import Decay, evaluate_decay
from .errors import ValidationError
from .validation import IdKind

Diagonal = Literal["zero", "table"]

__all__ = [
    "Diagonal",
    "IndexedPairs",
    "PairStructure",
    "build_pair_structure",
    "decay_reach",
    "index_pairs",
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
    unknown_origins: npt.NDArray[np.object_] = field(default_factory=lambda: np.array([], dtype=object))
    rows_zero_weight: int = 0

    @property
    def n_pairs(self) -> int:
        """Stored pairs (w > 0), including the diagonal."""
        return int(self.weights.shape[0])


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


def sorted_ids(values: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Ids in a canonical order (natural order; by type name then text for mixed kinds)."""
    arr = np.asarray(values, dtype=object)
    try:
        order = np.argsort(arr, kind="stable")
    except TypeError:
        order = np.array(sorted(range(len(arr)), key=lambda k: (type(arr[k]).__name__, str(arr[k]))), dtype=np.int64)
    return arr[order]


def arrow_strings(column: pd.Series) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(UTF-8 bytes, offsets) of each chunk of an Arrow-backed string column, zero-copy.

    None when the column is not Arrow strings or holds a missing value (the general path
    then reports it).
    """
    dtype = column.dtype
    is_arrow = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype)
        and (pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype))
    )
    if not is_arrow:
        return None
    chunked = column.array.__arrow_array__()
    if isinstance(chunked, pa.Array):
        chunked = pa.chunked_array([chunked])
    out = []
    for chunk in chunked.chunks:
        if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return None
        _, offsets_buf, data_buf = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        out.append((data, offsets))
    return out


def cog_keys_of(column: pd.Series | pd.Index | np.ndarray) -> np.ndarray | None:
    """Integer COG keys of a column of codes (-1 where not COG-shaped), or None when the
    column is not all text (then only the general path can read it)."""
    chunks = arrow_strings(column) if isinstance(column, pd.Series) else None
    if chunks is None:
        if isinstance(column, pd.Series) and not (
            column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        ):
            return None
        try:
            array = pa.array(np.asarray(column, dtype=object), type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        chunks = arrow_strings(pd.Series(pd.arrays.ArrowStringArray(array)))
        if chunks is None:
            return None
    if not chunks:
        return np.zeros(0, dtype=np.int32)
    keys = [kernels.cog_keys(data, offsets) for data, offsets in chunks]
    return keys[0] if len(keys) == 1 else np.concatenate(keys)


def _fast_keys(travel_times: pd.DataFrame, demand_codes: pd.Index, supply_codes: pd.Index, ids: str):
    """(origin keys, destination keys, row_of_key, col_of_key, decode) or None."""
    origin, destination = travel_times["origin"], travel_times["destination"]
    if ids == "any" and all(pd.api.types.is_integer_dtype(c.dtype) for c in (origin, destination)):
        return _integer_keys(origin, destination, demand_codes, supply_codes)
    demand_keys = cog_keys_of(demand_codes)
    supply_keys = cog_keys_of(supply_codes)
    if demand_keys is None or supply_keys is None or (demand_keys < 0).any() or (supply_keys < 0).any():
        return None
    o = cog_keys_of(origin)
    d = cog_keys_of(destination) if o is not None else None
    if o is None or d is None:
        return None
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[demand_keys] = np.arange(len(demand_keys), dtype=np.int32)
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of[supply_keys] = np.arange(len(supply_keys), dtype=np.int32)
    return o, d, row_of, col_of, kernels.cog_code


_MAX_INTEGER_KEY = 1 << 24


def _integer_keys(origin: pd.Series, destination: pd.Series, demand_codes: pd.Index, supply_codes: pd.Index):
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
    return o, d, row_of, col_of, int


def index_pairs(
    travel_times: pd.DataFrame,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
    max_minutes: float = float("inf"),
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

    Raises
    ------
    apl.errors.ValidationError
        On missing columns, bad codes, negative/NaN/infinite minutes, duplicate pairs.
    """
    validation.check_diagonal(diagonal)
    ids = validation.resolve_ids(ids)
    validation.require_columns(travel_times, ["origin", "destination", "minutes"], TABLE)
    zero_diagonal = diagonal == "zero"
    # Demand row of each supply column (-1: not a demand unit): the diagonal pair (i, i).
    supply_row = np.asarray(demand_codes.get_indexer(supply_codes), dtype=np.int64)
    scanned = _scan_fast(travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal)
    if scanned is None:
        scanned = _scan_general(travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal)
    rows, cols, minutes, n_outside, n_diagonal, n_beyond, unknown = scanned
    diag_cols = np.flatnonzero(supply_row >= 0).astype(np.int64) if zero_diagonal else np.zeros(0, np.int64)
    return IndexedPairs(
        rows=rows,
        cols=cols,
        minutes=minutes,
        diagonal_rows=supply_row[diag_cols],
        diagonal_cols=diag_cols,
        n_demand=len(demand_codes),
        n_supply=len(supply_codes),
        rows_read=len(travel_times),
        rows_diagonal_replaced=n_diagonal,
        rows_outside=n_outside,
        unknown_origins=unknown,
        rows_beyond_reach=n_beyond,
        max_minutes=float(max_minutes),
        diagonal=diagonal,
        ids=ids,
    )


def _scan_fast(travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal):
    """The fast path, or None when the general path must read the table."""
    minutes_col = travel_times["minutes"]
    if not pd.api.types.is_numeric_dtype(minutes_col.dtype) or pd.api.types.is_bool_dtype(minutes_col.dtype):
        return None
    keyed = _fast_keys(travel_times, demand_codes, supply_codes, ids)
    if keyed is None:
        return None
    o, d, row_of, col_of, decode = keyed
    minutes = minutes_col.to_numpy(dtype=np.float64, na_value=np.nan)
    bad, rows, cols, kept, n_out, n_diag, n_beyond, unknown = kernels.scan_pairs(
        o, d, minutes, row_of, col_of, float(max_minutes), zero_diagonal
    )
    if bad >= 0:
        return None
    if kernels.has_duplicate_pair(o, d, len(row_of), len(row_of)):
        validation.check_unique(travel_times, ["origin", "destination"], TABLE)
    unknown_codes = sorted_ids([decode(k) for k in np.flatnonzero(unknown)])
    return rows, cols, kept, n_out, n_diag, n_beyond, unknown_codes


def _scan_general(travel_times, demand_codes, supply_codes, ids, max_minutes, zero_diagonal):
    """Validated factorisation of the code columns (exact errors), then the same scan."""
    o_pos, o_uniques = validation.factorize_codes(travel_times["origin"], TABLE, "origin", travel_times, ids=ids)
    d_pos, d_uniques = validation.factorize_codes(
        travel_times["destination"], TABLE, "destination", travel_times, ids=ids
    )
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
    return rows, cols, kept, n_out, n_diag, n_beyond, sorted_ids(unknown_codes)


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
    if np.isfinite(reach) and reach < pairs.max_minutes:
        within = np.flatnonzero(pairs.minutes <= reach)
        w = np.zeros(pairs.minutes.shape[0])
        w[within] = evaluate_decay(decay, pairs.minutes[within], max_weight=max_weight)
    else:
        w = evaluate_decay(decay, pairs.minutes, max_weight=max_weight)
    diag_w = evaluate_decay(decay, np.zeros(pairs.diagonal_cols.shape[0]), max_weight=max_weight)
    all_rows = np.concatenate([pairs.rows, pairs.diagonal_rows])
    all_cols = np.concatenate([pairs.cols, pairs.diagonal_cols])
    all_w = np.concatenate([w, diag_w])
    keep = all_w > 0
    indptr, indices, weights = kernels.csr_from_pairs(
        all_rows[keep], all_cols[keep], all_w[keep], pairs.n_demand, pairs.n_supply
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
        rows_zero_weight=pairs.rows_beyond_reach + int((w == 0).sum()),
    )


def build_pair_structure(
    travel_times: pd.DataFrame,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    decay: Decay,
    *,
    diagonal: Diagonal = "zero",
    ids: IdKind = "cog",
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
    """
    pairs = index_pairs(
        travel_times, demand_codes, supply_codes, diagonal=diagonal, ids=ids, max_minutes=decay_reach(decay)
    )
    return weight_pairs(pairs, decay)
