"""Travel times: from an (origin, destination, minutes) table to the weighted sparse structure.

Rules (methodology §1): t_ij is patient commune i → practice commune j, in minutes; a pair
absent from the table is unreachable (w = 0); inside a commune the time is 0 whatever the
table says; the table may be asymmetric.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from . import validation, kernels
from .decay import Decay, evaluate_decay

__all__ = ["IndexedPairs", "PairStructure", "build_pair_structure", "index_pairs", "weight_pairs"]

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
        Rows with origin == destination, replaced by t = 0 (within-commune time).
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

    Holds every pair with a demand origin and a supply destination, off the diagonal, with
    its minutes, plus the diagonal (row, column) pairs; re-weighting under another decay
    needs no new validation (:func:`weight_pairs`).
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


def index_pairs(travel_times: pd.DataFrame, demand_codes: pd.Index, supply_codes: pd.Index) -> IndexedPairs:
    """Validate a travel-time table and map its codes to rows and columns of W.

    Raises
    ------
    apl.errors.ValidationError
        On missing columns, bad codes, negative/NaN/infinite minutes, duplicate pairs.
    """
    validation.require_columns(travel_times, ["origin", "destination", "minutes"], TABLE)
    o_pos, o_uniques = validation.factorize_codes(travel_times["origin"], TABLE, "origin", travel_times)
    d_pos, d_uniques = validation.factorize_codes(
        travel_times["destination"], TABLE, "destination", travel_times
    )
    minutes = validation.check_values(
        travel_times["minutes"], TABLE, "minutes", travel_times,
        keys=["origin", "destination"], unit=" minutes",
    )  # fmt: skip
    # Duplicate pairs: an O(n) kernel on the integer codes, not a hash of two string columns.
    if kernels.find_duplicate_pair(o_pos, d_pos, len(o_uniques), len(d_uniques)) >= 0:
        validation.check_unique(travel_times, ["origin", "destination"], TABLE)

    o_map = demand_codes.get_indexer(pd.Index(o_uniques, dtype=object))
    d_map = supply_codes.get_indexer(pd.Index(d_uniques, dtype=object))
    rows = o_map[o_pos]
    cols = d_map[d_pos]
    # A supply commune's row, if it is also a demand commune: the diagonal pair (i, i).
    supply_row = demand_codes.get_indexer(supply_codes)
    # cols == -1 (not a supply commune) picks the appended -2, which never equals a row.
    is_diagonal = (rows >= 0) & (np.append(supply_row, -2)[cols] == rows)
    inside = (rows >= 0) & (cols >= 0) & ~is_diagonal
    diag_cols = np.flatnonzero(supply_row >= 0).astype(np.int64)
    return IndexedPairs(
        rows=rows[inside].astype(np.int64),
        cols=cols[inside].astype(np.int64),
        minutes=minutes[inside],
        diagonal_rows=supply_row[diag_cols].astype(np.int64),
        diagonal_cols=diag_cols,
        n_demand=len(demand_codes),
        n_supply=len(supply_codes),
        rows_read=len(travel_times),
        rows_diagonal_replaced=int(is_diagonal.sum()),
        rows_outside=int(((rows < 0) | (cols < 0)).sum()),
        unknown_origins=np.sort(o_uniques[o_map < 0].astype(str)).astype(object),
    )


def weight_pairs(pairs: IndexedPairs, decay: Decay) -> PairStructure:
    """Weight indexed pairs with `decay` (t = 0 on the diagonal) into CSR arrays of W."""
    # A decay that declares a reach (max_minutes) is 0 beyond it: evaluate only the pairs
    # within reach (on a national table, about one in nine).
    reach = float(getattr(decay, "max_minutes", np.inf))
    if np.isfinite(reach):
        within = np.flatnonzero(pairs.minutes <= reach)
        w = np.zeros(pairs.minutes.shape[0])
        w[within] = evaluate_decay(decay, pairs.minutes[within])
    else:
        w = evaluate_decay(decay, pairs.minutes)
    diag_w = evaluate_decay(decay, np.zeros(pairs.diagonal_cols.shape[0]))
    all_rows = np.concatenate([pairs.rows, pairs.diagonal_rows])
    all_cols = np.concatenate([pairs.cols, pairs.diagonal_cols])
    all_w = np.concatenate([w, diag_w])
    keep = all_w > 0
    matrix = sp.csr_array(
        (all_w[keep], (all_rows[keep], all_cols[keep])), shape=(pairs.n_demand, pairs.n_supply)
    )
    matrix.sort_indices()
    return PairStructure(
        indptr=matrix.indptr.astype(np.int64),
        indices=matrix.indices.astype(np.int64),
        weights=matrix.data.astype(np.float64),
        n_supply=pairs.n_supply,
        rows_read=pairs.rows_read,
        rows_diagonal_replaced=pairs.rows_diagonal_replaced,
        rows_outside=pairs.rows_outside,
        unknown_origins=pairs.unknown_origins,
        rows_zero_weight=int((w == 0).sum()),
    )


def build_pair_structure(
    travel_times: pd.DataFrame,
    demand_codes: pd.Index,
    supply_codes: pd.Index,
    decay: Decay,
) -> PairStructure:
    """Validate a travel-time table and weight it into CSR arrays.

    Parameters
    ----------
    travel_times : pandas.DataFrame
        Columns ``origin`` (patient commune), ``destination`` (practice commune), ``minutes``.
    demand_codes : pandas.Index of str
        Demand communes, rows of W in this order.
    supply_codes : pandas.Index of str
        Supply communes, columns of W in this order.
    decay : callable
        Minutes → weight.
    """
    return weight_pairs(index_pairs(travel_times, demand_codes, supply_codes), decay)
