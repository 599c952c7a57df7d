"""A prepared 2SFCA model: demand and travel times fixed once, supply scenarios in milliseconds.

The weighted structure W and the catchment demand D_j = Σ_i w_ij P_i do not depend on
supply, so each scenario costs one ratio and one sparse product: APL = W (S / D).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from . import kernels, validation
from .accessibility import assemble_result, canonical_order, dropped_table
from .decay import Decay, StepDecay
from .errors import ValidationError
from .pairs import Diagonal, PairStructure, index_pairs, sorted_ids, weight_pairs
from .validation import IdKind

__all__ = ["AccessibilityModel"]

SupplyLike: TypeAlias = pd.DataFrame | pd.Series | Mapping[str, float]


class AccessibilityModel:
    """Demand and travel times prepared once; compute APL for any supply.

    Parameters
    ----------
    demand : pandas.DataFrame or pandas.Series
        As in :func:`apl.compute_apl`: ``commune``, ``population`` (standardised inhabitants).
    travel_times : pandas.DataFrame
        ``origin``, ``destination``, ``minutes``, as in :func:`apl.compute_apl`.
    decay : callable, optional
        Default :meth:`apl.StepDecay.drees`.
    supply_communes : sequence of str, optional
        Extra communes where supply may be placed. Every demand commune and every
        travel-time destination already is a possible supply commune.
    standardised : bool, optional
        Whether demand is age-standardised (reported only); default read from
        ``demand.attrs["standardised"]``.
    ids : {"cog", "any"}, optional
        As in :func:`apl.compute_apl`: COG commune codes, or ids of any unit (default
        ``"any"`` when demand is keyed by an ``id`` column, else ``"cog"``).
    diagonal : {"zero", "table"}, default "zero"
        As in :func:`apl.compute_apl`: a unit reaches itself in 0 minutes (DREES), or in
        the table's own time (a missing diagonal is then unreachable).

    Attributes
    ----------
    communes : pandas.Index
        Demand communes (rows of every result), in input order.
    supply_communes : pandas.Index
        Possible supply communes (rows of a `compute_many` supply matrix given as an array).
    catchment_demand : numpy.ndarray
        D_j, standardised inhabitants within reach of each supply commune.

    Examples
    --------
    >>> model = apl.AccessibilityModel(demand, travel_times)          # doctest: +SKIP
    >>> base = model.compute(supply)                                   # doctest: +SKIP
    >>> delta = model.what_if(supply, remove={"38185": 6000.0})        # doctest: +SKIP
    """

    def __init__(
        self,
        demand: pd.DataFrame | pd.Series,
        travel_times: pd.DataFrame,
        *,
        decay: Decay | None = None,
        supply_communes: list[str] | pd.Index | None = None,
        standardised: bool | None = None,
        ids: IdKind | None = None,
        diagonal: Diagonal = "zero",
    ) -> None:
        self.ids = validation.resolve_ids(ids, (demand, "demand"))
        self.diagonal = validation.check_diagonal(diagonal)
        self._key = validation.key_column(demand, "demand")
        codes, population = validation.as_keyed_table(
            demand, "demand", "population", unit=" standardised inhabitants", ids=self.ids
        )
        self.communes = pd.Index(codes.to_numpy(), dtype=object, name=self._key)
        self.population = population
        if standardised is None:
            standardised = bool(getattr(demand, "attrs", {}).get("standardised", False))
        self.standardised = standardised
        validation.require_columns(
            travel_times, ["origin", "destination", "minutes"], "travel_times"
        )
        extra = [] if supply_communes is None else list(supply_communes)
        # destinations in sorted order, so the columns do not depend on the table's row order
        destinations = sorted_ids(pd.unique(travel_times["destination"].to_numpy(dtype=object)))
        columns = pd.Index(self.communes).append(pd.Index(destinations, dtype=object))
        columns = columns.append(pd.Index(extra, dtype=object)).unique()
        self.supply_communes = pd.Index(columns, dtype=object, name=self._key)
        self._lookup: pd.Index | None = None
        self._pairs = index_pairs(
            travel_times, self.communes, self.supply_communes, diagonal=self.diagonal, ids=self.ids
        )
        # Sums in the sorted order of the codes (as compute_apl): the same inputs in any row
        # order give the same bits, and model.compute equals compute_apl bit for bit.
        self._row_order = canonical_order(self.communes)
        self._column_rank = np.empty(len(self.supply_communes), dtype=np.int64)
        self._column_rank[canonical_order(self.supply_communes)] = np.arange(
            len(self.supply_communes)
        )
        self._prepare(decay if decay is not None else StepDecay.drees())

    def _prepare(self, decay: Decay) -> None:
        self.decay = decay
        s = weight_pairs(self._pairs, decay)
        # each row's columns in the sorted order of the supply codes (step 2 sums that way)
        kernels.sort_rows_by_rank(s.indptr, s.indices, s.weights, self._column_rank)
        self._structure: PairStructure = s
        self._dropped = dropped_table(s)  # the same for every scenario
        # step 1 over the rows in the sorted order of the demand codes
        order = self._row_order
        lengths = np.diff(s.indptr)[order]
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        ks = np.repeat(s.indptr[order] - indptr[:-1], lengths) + np.arange(
            indptr[-1], dtype=np.int64
        )
        self.catchment_demand = kernels.catchment_demand(
            indptr, s.indices[ks], s.weights[ks], self.population[order], s.n_supply
        )
        # Wᵀ as CSR (columns → rows) for what_if: touches only rows near changed supply.
        wt = sp.csr_array(
            (s.weights, s.indices, s.indptr), shape=(len(self.communes), s.n_supply)
        ).T.tocsr()
        wt.sort_indices()
        self._t_indptr = wt.indptr.astype(np.int64)
        self._t_indices = wt.indices.astype(np.int64)
        self._t_weights = wt.data.astype(np.float64)

    def with_decay(self, decay: Decay) -> AccessibilityModel:
        """The same demand and travel times under another decay (no re-validation)."""
        other = object.__new__(AccessibilityModel)
        other.__dict__.update({k: v for k, v in self.__dict__.items() if not k.startswith("_t_")})
        other._prepare(decay)
        return other

    @property
    def n_pairs(self) -> int:
        """Stored (commune, supply commune) pairs with w > 0."""
        return self._structure.n_pairs

    @property
    def structure(self) -> PairStructure:
        """The CSR arrays of W (rows: communes, columns: supply communes; within a row the
        columns run in the sorted order of their codes, the order of the sums)."""
        return self._structure

    # --- supply ---------------------------------------------------------------------

    def supply_vector(
        self, supply: SupplyLike, *, table: str = "supply"
    ) -> tuple[np.ndarray, pd.Series]:
        """Acts per year aligned on :attr:`supply_communes`.

        Returns
        -------
        acts : numpy.ndarray, shape (n_supply_communes,)
        outside : pandas.Series
            Acts of supply communes the model does not know (no travel time, not a demand
            commune): unreachable, reported in diagnostics.
        """
        if isinstance(supply, Mapping) and not isinstance(supply, pd.Series):
            supply = pd.Series(dict(supply), dtype=float)
        fast = self._fast_supply_vector(supply)
        if fast is not None:
            return fast, pd.Series(
                [], dtype=float, name="acts", index=pd.Index([], dtype=object, name=self._key)
            )
        # full validation: detailed errors, and supply communes outside the model
        codes, acts = validation.as_keyed_table(
            supply, table, "acts", unit=" acts per year", ids=self.ids
        )
        # integer supply ids against text demand ids (or the reverse) would all be "outside"
        validation.check_key_kinds(
            ("demand", self._key, self.communes), (table, self._key, codes.to_numpy())
        )
        positions = self.supply_communes.get_indexer(codes.to_numpy())
        vector = np.zeros(len(self.supply_communes), dtype=np.float64)
        known = positions >= 0
        vector[positions[known]] = acts[known]
        outside = pd.Series(
            acts[~known], index=pd.Index(codes.to_numpy()[~known], name=self._key), name="acts"
        )
        return vector, outside

    def _fast_supply_vector(self, supply: pd.DataFrame | pd.Series) -> np.ndarray | None:
        """Scenario loops call compute() many times: when every code is a known supply
        commune (so already validated text), once each, with finite acts ≥ 0, skip the
        generic checks. Returns None when anything is off; the caller then validates fully."""
        if isinstance(supply, pd.Series):
            codes, values = supply.index, supply.to_numpy()
        elif isinstance(supply, pd.DataFrame) and {self._key, "acts"} <= set(supply.columns):
            codes, values = supply[self._key], supply["acts"].to_numpy()
        else:
            return None
        if not np.issubdtype(np.asarray(values).dtype, np.number):
            return None
        values = np.asarray(values, dtype=np.float64)
        positions = self._column_of(codes)
        if positions is None or not (np.isfinite(values).all() and (values >= 0).all()):
            return None
        if (np.bincount(positions, minlength=len(self.supply_communes)) > 1).any():
            return None
        vector = np.zeros(len(self.supply_communes), dtype=np.float64)
        vector[positions] = values
        return vector

    def _column_of(self, codes: pd.Index | pd.Series) -> np.ndarray | None:
        """Column of each code, or None if one is unknown (the Index's hash table is built
        once; anything that is not a known text code is not found)."""
        if self._lookup is None:
            # an Arrow-backed string Index hashes faster than an object one (text codes only)
            values = np.asarray(self.supply_communes, dtype=object)
            text = all(type(v) is str for v in values)
            self._lookup = pd.Index(values, dtype="str" if text else object)
        try:
            positions = self._lookup.get_indexer(codes)
        except (TypeError, ValueError):
            return None
        return None if (positions < 0).any() else positions.astype(np.int64)

    def _ratio(self, acts: np.ndarray) -> np.ndarray:
        return kernels.supply_ratio(acts, self.catchment_demand)

    # --- one scenario ---------------------------------------------------------------

    def compute(self, supply: SupplyLike, *, acts_per_fte: float | None = None) -> pd.DataFrame:
        """APL for one supply; the same table (and diagnostics) as :func:`apl.compute_apl`.

        Parameters
        ----------
        supply : DataFrame (``commune``, ``acts``), Series or dict commune → acts per year
        acts_per_fte : float, optional
            Acts per year of one full-time practitioner; adds ``fte_per_100k`` as in
            :func:`apl.compute_apl`.
        """
        acts, outside = self.supply_vector(supply)
        s = self._structure
        apl = kernels.accessibility(s.indptr, s.indices, s.weights, self._ratio(acts))
        return assemble_result(self.communes, self.population, apl, self.supply_communes, acts,
                       self.catchment_demand, s, decay=self.decay, standardised=self.standardised,
                       acts_per_fte=acts_per_fte, extra_unreachable=outside,
                       dropped=self._dropped)  # fmt: skip

    # --- many scenarios -------------------------------------------------------------

    def supply_matrix(self, supplies: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        """Supply scenarios (DataFrame indexed by commune, one column per scenario, acts per
        year) aligned on :attr:`supply_communes`: an array (n_supply_communes, K) and the
        rows of communes the model does not know (unreachable)."""
        if not isinstance(supplies, pd.DataFrame):
            raise ValidationError("supplies must be a DataFrame indexed by commune with one column per scenario.",
                                  table="supplies")  # fmt: skip
        codes = validation.check_codes(pd.Series(supplies.index, index=supplies.index), "supplies", "index",
                                       ids=self.ids)  # fmt: skip
        if not supplies.index.is_unique:
            dup = supplies.index[supplies.index.duplicated()][0]
            raise ValidationError(
                f"supplies: commune {validation.plain(dup)!r} appears twice in the index.",
                table="supplies",
                row=dup,
            )
        values = supplies.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            r, c = map(int, np.argwhere(bad)[0])
            msg = (f"supplies: commune {validation.plain(supplies.index[r])!r}, scenario {validation.plain(supplies.columns[c])!r}: "
                   f"found {validation.plain(values[r, c])!r}; expected a finite number of acts per year ≥ 0.")  # fmt: skip
            raise ValidationError(
                msg, table="supplies", column=str(supplies.columns[c]), row=supplies.index[r]
            )
        positions = self.supply_communes.get_indexer(codes.to_numpy())
        matrix = np.zeros((len(self.supply_communes), values.shape[1]), dtype=np.float64)
        known = positions >= 0
        matrix[positions[known]] = values[known]
        return matrix, supplies.loc[~known]

    def compute_many(self, supplies: pd.DataFrame | npt.NDArray[np.float64]) -> pd.DataFrame:
        """APL for K supply scenarios in one pass over the structure.

        Parameters
        ----------
        supplies : pandas.DataFrame or numpy.ndarray
            Acts per year: a DataFrame indexed by commune with one column per scenario, or
            an array of shape (n_supply_communes, K) aligned on :attr:`supply_communes`.

        Returns
        -------
        pandas.DataFrame
            APL, communes × scenarios (columns as in `supplies`, or 0..K-1).
            ``attrs["unreachable_supply"]`` (communes × scenarios, acts per year) lists
            the supply reaching nobody, as :class:`apl.Diagnostics` does for
            :func:`apl.compute_apl`: supply communes with acts but no demand within reach
            (D_j = 0), and communes the model does not know; ``attrs["lost_acts"]`` sums
            them per scenario.
        """
        if isinstance(supplies, pd.DataFrame):
            matrix, outside = self.supply_matrix(supplies)
            columns = supplies.columns
        else:
            matrix = np.asarray(supplies, dtype=np.float64)
            if matrix.ndim != 2 or matrix.shape[0] != len(self.supply_communes):
                raise ValidationError(f"supplies array must have shape ({len(self.supply_communes)}, K), "
                                      f"got {matrix.shape}.", table="supplies")  # fmt: skip
            if not np.all(np.isfinite(matrix)) or (matrix < 0).any():
                raise ValidationError("supplies array must be finite and ≥ 0.", table="supplies")
            outside, columns = pd.DataFrame(), pd.RangeIndex(matrix.shape[1])
        ratios = np.zeros_like(matrix)
        np.divide(
            matrix,
            self.catchment_demand[:, None],
            out=ratios,
            where=self.catchment_demand[:, None] > 0,
        )
        s = self._structure
        apl = kernels.accessibility_many(
            s.indptr, s.indices, s.weights, np.ascontiguousarray(ratios)
        )
        result = pd.DataFrame(apl, index=self.communes, columns=columns, copy=False)
        # as compute_apl: supply with acts > 0 that no demand commune reaches (D_j = 0), plus
        # supply communes the model does not know — acts per year lost, per scenario
        lost = (self.catchment_demand <= 0) & (matrix > 0).any(axis=1)
        unreached = pd.DataFrame(matrix[lost], index=pd.Index(self.supply_communes[lost], name="commune"),
                                 columns=columns)  # fmt: skip
        if len(outside):
            outside = outside.set_axis(columns, axis=1)
            unreached = pd.concat([unreached, outside]) if len(unreached) else outside
        result.attrs["unreachable_supply"] = unreached
        result.attrs["lost_acts"] = unreached.sum(axis=0).reindex(columns, fill_value=0.0)
        return result

    # --- local changes ----------------------------------------------------------------

    def what_if(
        self,
        supply: SupplyLike,
        *,
        add: SupplyLike | None = None,
        remove: SupplyLike | None = None,
    ) -> pd.DataFrame:
        """APL change when supply is added or removed somewhere, computed locally.

        Only the communes within reach of a changed supply commune are touched: ΔAPL_i =
        Σ_j w_ij ΔS_j / D_j over the changed j (demand, hence D, does not depend on supply).

        Parameters
        ----------
        supply : the baseline (DataFrame, Series or dict commune → acts per year)
        add, remove : dict / Series / DataFrame commune → acts per year, optional
            Acts added or removed (e.g. ``remove={"38185": 6000}`` for a GP retiring).

        Returns
        -------
        pandas.DataFrame
            Indexed by the affected communes (those whose APL changes), columns
            ``apl_before``, ``apl_after``, ``change`` (consultations/year/inhabitant),
            sorted by ``change``.
        """
        base, _ = self.supply_vector(supply)
        delta = np.zeros_like(base)
        for sign, change, name in ((1.0, add, "add"), (-1.0, remove, "remove")):
            if change is None:
                continue
            vector, outside = self.supply_vector(change, table=name)
            if len(outside):
                raise ValidationError(f"{name}: communes {outside.index[:5].tolist()} are not supply communes of this "
                                      "model (pass them as supply_communes= when building it).", table=name)  # fmt: skip
            delta += sign * vector
        after = base + delta
        if (after < 0).any():
            j = int(np.flatnonzero(after < 0)[0])
            msg = (f"remove: commune {validation.plain(self.supply_communes[j])!r} would have {after[j]:g} acts per year; "
                   f"its baseline supply is {base[j]:g}.")  # fmt: skip
            raise ValidationError(msg, table="remove", row=self.supply_communes[j])
        changed = np.flatnonzero(delta != 0)
        rows, change = _local_change(self._t_indptr, self._t_indices, self._t_weights, changed,
                                     self._ratio(delta))  # fmt: skip
        s = self._structure
        before = _rows_times(s.indptr, s.indices, s.weights, rows, self._ratio(base))
        out = pd.DataFrame({"apl_before": before, "apl_after": before + change, "change": change},
                           index=pd.Index(self.communes[rows], name=self._key))  # fmt: skip
        return out[out["change"] != 0].sort_values("change", kind="stable")


def _rows_times(indptr, indices, weights, rows, vector) -> np.ndarray:
    """(W vector) restricted to `rows`: Σ_j w_ij v_j for those rows only (NumPy)."""
    if rows.size == 0:
        return np.zeros(0)
    lengths = indptr[rows + 1] - indptr[rows]
    ks = np.concatenate([np.arange(indptr[i], indptr[i + 1]) for i in rows])
    owner = np.repeat(np.arange(rows.size), lengths)
    return np.bincount(owner, weights=weights[ks] * vector[indices[ks]], minlength=rows.size)


def _local_change(
    t_indptr, t_indices, t_weights, changed, delta_ratio
) -> tuple[np.ndarray, np.ndarray]:
    """Σ_j w_ij ΔR_j for the rows reached by the changed columns (NumPy, O(affected pairs))."""
    if changed.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    spans = [np.arange(t_indptr[j], t_indptr[j + 1]) for j in changed]
    ks = np.concatenate(spans)
    contrib = t_weights[ks] * np.repeat(delta_ratio[changed], [len(x) for x in spans])
    rows, inverse = np.unique(t_indices[ks], return_inverse=True)
    return rows, np.bincount(inverse, weights=contrib, minlength=rows.shape[0])
