"""Accessibility measures beyond the DREES APL: the floating-catchment family, gravity,
cumulative opportunities and the cost to the closest supply.

Every measure reads its inputs like :func:`apl.compute_apl` (demand and supply keyed by
``commune`` or ``id``, a travel-time table ``origin, destination, minutes``), builds the
same weighted pair structure (:mod:`apl.pairs`) and runs on the same kernels
(:mod:`apl.kernels`); only the weighting of W and the arithmetic of the two steps differ.
Notation: P_i demand at unit i (inhabitants), S_j supply at unit j (acts per year, or
practitioners), t_ij minutes from i to j, w_ij = f(t_ij) the decay weight.

Conventions shared with the peers (PySAL ``access``, IPEA ``accessibility``): a pair absent
from the table is unreachable; the columns of W are the units of `supply` (including
units with S_j = 0: they count in the normalisations of the 3SFCA and BFCA) and its rows
the units of `demand`. ``diagonal="zero"`` (default, DREES) sets t_ii = 0;
``diagonal="table"`` uses the table's own unit-to-itself time, as the peers do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import kernels, validation
from .accessibility import Diagnostics, canonical_order, dropped_table
from .decay import Decay, StepDecay
from .errors import ValidationError
from .kernels import measures as fca_kernels
from .kernels import reference_measures as fca_reference
from .pairs import (
    Diagonal,
    PairStructure,
    build_pair_structure,
    index_pairs,
    weight_pairs,
)
from .validation import IdKind

__all__ = [
    "METHODS",
    "MeasureDiagnostics",
    "cost_to_closest",
    "cumulative",
    "floating_catchment",
    "gravity",
    "luo_qi_decay",
    "wan_decay",
]

Method = Literal["2sfca", "e2sfca", "3sfca", "m2sfca", "bfca"]
#: The methods of :func:`floating_catchment`.
METHODS: tuple[str, ...] = ("2sfca", "e2sfca", "3sfca", "m2sfca", "bfca")
Engine = Literal["numba", "reference"]
F64 = npt.NDArray[np.float64]
TABLE = "travel_times"


def luo_qi_decay() -> StepDecay:
    """The E2SFCA bands of Luo & Qi (2009): weights 1, 0.68, 0.22 on 0–10, 10–20, 20–30 min.

    Right-closed bands (t = 10 → 1), 0 beyond 30 minutes: PySAL ``access``'s default
    ``step_fn({10: 1, 20: 0.68, 30: 0.22})``.
    """
    return StepDecay((10.0, 20.0, 30.0), (1.0, 0.68, 0.22, 0.0), closed="right")


def wan_decay() -> StepDecay:
    """The 3SFCA bands of Wan, Zou & Sternberg (2012): 0.962, 0.704, 0.377, 0.042 on
    0–10, 10–20, 20–30, 30–60 minutes (Gaussian weights by band), 0 beyond 60.

    Right-closed bands: PySAL ``access``'s default
    ``step_fn({10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042})``.
    """
    return StepDecay((10.0, 20.0, 30.0, 60.0), (0.962, 0.704, 0.377, 0.042, 0.0), closed="right")


@dataclass
class MeasureDiagnostics(Diagnostics):
    """:class:`apl.Diagnostics` of a measure, plus which measure and with which parameters.

    Found at ``result.attrs["diagnostics"]`` (also :func:`apl.get_diagnostics`). For a
    measure without demand (cumulative, cost to closest) ``n_communes`` counts the origins
    and ``no_reachable_supply`` lists those that reach no supply (value 0, or ``inf``
    minutes).
    """

    measure: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    has_demand: bool = True

    def summary(self) -> str:
        """A few lines of text for a notebook or a log."""
        params = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        rows = "demand units" if self.has_demand else "origins"
        lines = [
            f"measure {self.measure} ({params})",
            f"{self.n_communes} {rows}, {self.n_supply_communes} supply units, {self.n_pairs} "
            f"pairs (decay {self.decay})",
        ]
        if self.has_demand:
            lines.append(
                "demand "
                + (
                    "age-standardised"
                    if self.standardised
                    else "NOT standardised (raw inhabitants)"
                )
            )
        value = "inf minutes" if self.measure == "cost_to_closest" else "value 0"
        lines += [
            f"{len(self.no_reachable_supply)} {rows} with no reachable supply ({value})",
            f"{len(self.unreachable_supply)} supply units reached by nobody "
            f"({self.unreachable_supply.sum():g} {self.parameters.get('value', 'acts')} lost)",
        ]
        for row in self.dropped.itertuples(index=False):
            if row.count:
                lines.append(f"{row.table}: {row.count} row(s) left out: {row.reason}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class _Units:
    """Validated rows (demand) and columns (supply) of W, with the canonical orders."""

    demand_index: pd.Index
    population: F64
    supply_index: pd.Index
    acts: F64
    d_order: npt.NDArray[np.int64]
    s_order: npt.NDArray[np.int64]
    ids: IdKind

    def sorted_rows(self) -> pd.Index:
        return self.demand_index[self.d_order]

    def sorted_columns(self) -> pd.Index:
        return self.supply_index[self.s_order]


def _check_engine(engine: str, owner: str) -> None:
    if engine not in ("numba", "reference"):
        msg = f"{owner}: engine must be 'numba' or 'reference', got {engine!r}."
        raise ValidationError(msg, table="options", column="engine")


def _units(
    demand: pd.DataFrame | pd.Series | None,
    supply: pd.DataFrame | pd.Series,
    value: str,
    ids: IdKind | None,
    diagonal: str,
    *,
    origins_of: pd.DataFrame | None = None,
    origins: Any = None,
) -> _Units:
    """Validate demand (or the origins of `origins_of`) and supply, as compute_apl does."""
    tables: list[tuple[pd.DataFrame | pd.Series, str]] = [(supply, "supply")]
    if demand is not None:
        tables.insert(0, (demand, "demand"))
    kind: IdKind = validation.resolve_ids(ids, *tables)
    validation.check_diagonal(diagonal)
    s_codes, acts = validation.as_keyed_table(supply, "supply", value, unit=f" ({value})", ids=kind)
    key = validation.key_column(supply, "supply")
    if demand is not None:
        d_codes, population = validation.as_keyed_table(
            demand, "demand", "population", unit=" inhabitants", ids=kind
        )
        key = validation.key_column(demand, "demand")
        demand_index = pd.Index(d_codes.to_numpy(), dtype=object, name=key)
    else:
        demand_index = _origin_index(origins_of, origins, kind, key)
        population = np.zeros(len(demand_index))
    supply_index = pd.Index(s_codes.to_numpy(), dtype=object, name=key)
    return _Units(
        demand_index=demand_index,
        population=population,
        supply_index=supply_index,
        acts=acts,
        d_order=canonical_order(demand_index),
        s_order=canonical_order(supply_index),
        ids=kind,
    )


def _origin_index(
    travel_times: pd.DataFrame | None, origins: Any, kind: IdKind, key: str
) -> pd.Index:
    """The rows of a measure without demand: `origins` when given, else the table's origins."""
    if origins is not None:
        series = pd.Series(
            list(origins) if not isinstance(origins, pd.Series) else origins.to_numpy()
        )
        positions, uniques = validation.factorize_codes(series, "origins", key, ids=kind)
        if len(uniques) != len(series):
            first = int(np.flatnonzero(np.bincount(positions) > 1)[0])
            msg = f"origins: unit {uniques[first]!r} is listed twice; each origin must appear once."
            raise ValidationError(msg, table="origins", column=key)
        return pd.Index(uniques, dtype=object, name=key)
    assert travel_times is not None
    validation.require_columns(travel_times, ["origin", "destination", "minutes"], TABLE)
    if kind == "cog":
        # COG codes: integer keys straight from the string buffers (apl.pairs), unique keys
        # in order of first appearance; much cheaper than hashing millions of strings.
        keys = validation.cog_keys_of(travel_times["origin"])
        if keys is not None and (keys >= 0).all():
            unique = fca_kernels.unique_in_order(keys, kernels.COG_KEY_SPACE)
            codes = [kernels.cog_code(k) for k in unique]
            return pd.Index(codes, dtype=object, name=key)
    _, uniques = validation.factorize_codes(
        travel_times["origin"], TABLE, "origin", travel_times, ids=kind
    )
    return pd.Index(uniques, dtype=object, name=key)


def _structure(
    travel_times: pd.DataFrame,
    units: _Units,
    decay: Decay,
    diagonal: Diagonal,
    *,
    max_weight: float = 1.0,
) -> PairStructure:
    """W in canonical row/column order, from the shared pair structure of apl.pairs."""
    rows, cols = units.sorted_rows(), units.sorted_columns()
    if max_weight == 1.0:
        return build_pair_structure(
            travel_times, rows, cols, decay, diagonal=diagonal, ids=units.ids
        )
    reach = float(getattr(decay, "max_minutes", np.inf))
    pairs = index_pairs(
        travel_times, rows, cols, diagonal=diagonal, ids=units.ids, max_minutes=reach
    )
    return weight_pairs(pairs, decay, max_weight=max_weight)


def _unsort(values: F64, order: npt.NDArray[np.int64]) -> F64:
    out = np.empty_like(values)
    out[order] = values
    return out


def _result(
    column: str,
    values: F64,
    units: _Units,
    reach: F64,
    pairs: PairStructure | None,
    *,
    measure: str,
    parameters: dict[str, Any],
    decay: Decay | None,
    with_population: bool,
    unreached: npt.NDArray[np.bool_],
    standardised: bool = False,
    dropped: pd.DataFrame | None = None,
    n_pairs: int | None = None,
) -> pd.DataFrame:
    """Result table (input row order) and its MeasureDiagnostics; arrays in canonical order."""
    values = _unsort(values, units.d_order)
    reach = _unsort(reach, units.s_order)
    unreached = _unsort(unreached.astype(np.float64), units.d_order).astype(bool)
    data: dict[str, Any] = {column: values}
    if with_population:
        data["population"] = units.population
    result = pd.DataFrame(data, index=units.demand_index)
    lost = (reach <= 0) & (units.acts > 0)
    result.attrs["diagnostics"] = MeasureDiagnostics(
        standardised=standardised,
        decay=repr(decay) if decay is not None else "none",
        n_communes=len(units.demand_index),
        n_supply_communes=len(units.supply_index),
        n_pairs=n_pairs if n_pairs is not None else (pairs.n_pairs if pairs is not None else 0),
        unreachable_supply=pd.Series(units.acts[lost], index=units.supply_index[lost], name="acts"),
        no_reachable_supply=units.demand_index[unreached],
        dropped=dropped if dropped is not None else dropped_table(pairs),  # type: ignore[arg-type]
        measure=measure,
        parameters=parameters,
        has_demand=with_population,
    )
    return result


# --------------------------------------------------------------------------- measures


def floating_catchment(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    method: Method = "2sfca",
    decay: Decay | None = None,
    standardised: bool | None = None,
    engine: Engine = "numba",
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
) -> pd.DataFrame:
    """Floating-catchment accessibility: supply per inhabitant within reach, by one method.

    With w_ij = f(t_ij) (the decay), P_i demand and S_j supply:

    - ``"2sfca"`` (Luo & Wang 2003; the DREES APL): R_j = S_j / Σ_k w_kj P_k, then
      A_i = Σ_j w_ij R_j. With the DREES step decay it equals :func:`apl.compute_apl`
      to the last bit.
    - ``"e2sfca"`` (Luo & Qi 2009): the same two steps with weights by travel-time band;
      default bands :func:`luo_qi_decay` (1, 0.68, 0.22 on 0–10, 10–20, 20–30 min).
    - ``"3sfca"`` (Wan, Zou & Sternberg 2012): selection weights
      G_ij = w_ij / Σ_k w_ik (over the supply units i reaches) enter both steps:
      R_j = S_j / Σ_k G_kj w_kj P_k, A_i = Σ_j G_ij w_ij R_j; default bands
      :func:`wan_decay`.
    - ``"m2sfca"`` (Delamater 2013): A_i = Σ_j w_ij² S_j / Σ_k w_kj P_k — the 2SFCA
      ratio weighted once more by w_ij, so that distant supply counts less even when
      nobody competes for it.
    - ``"bfca"`` (Paez, Higgins & Vivona 2019, balanced FCA): weights normalised by
      origin in step 1 (w_ij / Σ_k w_ik) and by destination in step 2 (w_ij / Σ_k w_kj),
      so that no demand or supply is counted twice: Σ_i A_i P_i = Σ_j S_j over the
      supply that someone reaches. Same as IPEA ``floating_catchment_area(method = "bfca")``.

    Parameters
    ----------
    demand : pandas.DataFrame or pandas.Series
        ``commune`` (or ``id``) and ``population`` (inhabitants, standardised or not), or a
        Series indexed by unit. Units must be unique.
    supply : pandas.DataFrame or pandas.Series
        ``commune`` (or ``id``) and ``acts`` (acts per year; any amount of supply works,
        e.g. practitioners), or a Series indexed by unit.
    travel_times : pandas.DataFrame
        ``origin``, ``destination``, ``minutes`` (≥ 0); absent pairs are unreachable.
    method : {"2sfca", "e2sfca", "3sfca", "m2sfca", "bfca"}, default "2sfca"
    decay : callable, optional
        Minutes → weight in [0, 1]. Default: :meth:`StepDecay.drees` for ``"2sfca"``,
        ``"m2sfca"`` and ``"bfca"``, :func:`luo_qi_decay` for ``"e2sfca"``,
        :func:`wan_decay` for ``"3sfca"``.
    standardised : bool, optional
        Whether demand is age-standardised (reported only), as in compute_apl.
    engine : {"numba", "reference"}, default "numba"
        ``"reference"`` runs the NumPy/SciPy twins of the kernels.
    ids : {"cog", "any"}, optional
        How unit ids are checked (see :func:`apl.compute_apl`): ``"cog"`` for commune
        codes, ``"any"`` for any unit; default ``"any"`` when a table is keyed by ``id``.
    diagonal : {"zero", "table"}, default "zero"
        ``"zero"``: t_ii = 0 (DREES); ``"table"``: the table's own t_ii (IPEA, PySAL).

    Returns
    -------
    pandas.DataFrame
        Indexed by demand unit (input order); columns named after the method (supply per
        inhabitant, e.g. consultations per year per inhabitant when supply is in acts;
        0 where nothing is reachable, never NaN) and ``population``. Diagnostics
        (:class:`MeasureDiagnostics`) in ``result.attrs["diagnostics"]``.

    Raises
    ------
    apl.errors.ValidationError
        Unknown method, bad inputs (as compute_apl), or a decay weight outside [0, 1].
    """
    if method not in METHODS:
        msg = f"floating_catchment: method must be one of {list(METHODS)}, got {method!r}."
        raise ValidationError(msg, table="options", column="method")
    _check_engine(engine, "floating_catchment")
    if decay is None:
        decay = {"e2sfca": luo_qi_decay(), "3sfca": wan_decay()}.get(method, StepDecay.drees())
    if standardised is None:
        standardised = bool(getattr(demand, "attrs", {}).get("standardised", False))
    units = _units(demand, supply, "acts", ids, diagonal)
    pairs = _structure(travel_times, units, decay, diagonal)
    impl = kernels if engine == "numba" else kernels.reference
    fca = fca_kernels if engine == "numba" else fca_reference
    pop = units.population[units.d_order]
    acts = units.acts[units.s_order]
    indptr, indices, w = pairs.indptr, pairs.indices, pairs.weights
    n_supply = len(acts)
    if method in ("2sfca", "e2sfca"):
        # The very computation of compute_apl (same W, same kernel): bit-identical.
        values, reach = impl.two_step(indptr, indices, w, pop, acts)
    elif method == "3sfca":
        selected = w * fca.normalise_rows(indptr, w)
        values, reach = impl.two_step(indptr, indices, selected, pop, acts)
    elif method == "m2sfca":
        reach = impl.catchment_demand(indptr, indices, w, pop, n_supply)
        values = impl.accessibility(indptr, indices, w * w, impl.supply_ratio(acts, reach))
    else:  # bfca
        by_origin = fca.normalise_rows(indptr, w)
        by_destination = fca.normalise_columns(indices, w, n_supply)
        reach = impl.catchment_demand(indptr, indices, by_origin, pop, n_supply)
        values = impl.accessibility(indptr, indices, by_destination, impl.supply_ratio(acts, reach))
    return _result(
        method, values, units, reach, pairs,
        measure=f"floating_catchment[{method}]",
        parameters={"method": method, "diagonal": diagonal, "ids": units.ids},
        decay=decay, with_population=True, unreached=values <= 0, standardised=standardised,
    )  # fmt: skip


def gravity(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    decay: Decay,
    competition: bool = True,
    engine: Engine = "numba",
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
) -> pd.DataFrame:
    """Gravity accessibility: Hansen's potential, or Joseph & Bantock's with competition.

    - ``competition=False`` (Hansen 1959): A_i = Σ_j S_j f(t_ij) — supply within reach,
      discounted by travel time (unit: the supply's, e.g. acts per year); demand only
      gives the rows. PySAL ``Access.weighted_catchment`` and IPEA ``gravity``.
    - ``competition=True`` (Joseph & Bantock 1982): A_i = Σ_j S_j f(t_ij) / V_j with
      V_j = Σ_k P_k f(t_kj), the population competing for j (unit: supply per
      inhabitant). The same arithmetic as the 2SFCA with a continuous decay.

    Decay weights above 1 are accepted here (e.g. ``InversePowerDecay(beta, floor=0.5)``,
    whose weight below 0.5 minute is 0.5**-beta); they must be finite and ≥ 0.

    Parameters
    ----------
    demand, supply, travel_times
        As :func:`floating_catchment`.
    decay : callable
        Minutes → weight ≥ 0, e.g. :class:`apl.InversePowerDecay`,
        :class:`apl.ExponentialDecay`, :class:`apl.LogisticDecay`.
    competition : bool, default True
    engine, ids, diagonal
        As :func:`floating_catchment`.

    Returns
    -------
    pandas.DataFrame
        Indexed by demand unit: ``gravity`` and ``population``; diagnostics attached.
    """
    _check_engine(engine, "gravity")
    if not isinstance(competition, (bool, np.bool_)):
        msg = f"gravity: competition must be True or False, got {competition!r}."
        raise ValidationError(msg, table="options", column="competition")
    standardised = bool(getattr(demand, "attrs", {}).get("standardised", False))
    units = _units(demand, supply, "acts", ids, diagonal)
    pairs = _structure(travel_times, units, decay, diagonal, max_weight=np.inf)
    impl = kernels if engine == "numba" else kernels.reference
    pop = units.population[units.d_order]
    acts = units.acts[units.s_order]
    indptr, indices, w = pairs.indptr, pairs.indices, pairs.weights
    if competition:
        values, reach = impl.two_step(indptr, indices, w, pop, acts)
    else:
        values = impl.accessibility(indptr, indices, w, acts)
        # Whether anybody reaches j at all (Σ_i w_ij > 0): supply nobody reaches is lost.
        reach = impl.catchment_demand(indptr, indices, w, np.ones(len(pop)), len(acts))
    return _result(
        "gravity", values, units, reach, pairs,
        measure="gravity[joseph_bantock]" if competition else "gravity[hansen]",
        parameters={"competition": bool(competition), "diagonal": diagonal, "ids": units.ids},
        decay=decay, with_population=True, unreached=values <= 0, standardised=standardised,
    )  # fmt: skip


def cumulative(
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    cutoff: float,
    value: str = "acts",
    origins: Any = None,
    engine: Engine = "numba",
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
) -> pd.DataFrame:
    """Cumulative opportunities: the supply reachable within `cutoff` minutes.

    A_i = Σ_j S_j · [t_ij ≤ cutoff] (a time equal to the cutoff counts, as IPEA
    ``cumulative_cutoff``). The unit is the supply's (acts per year, practitioners…).

    Parameters
    ----------
    supply : pandas.DataFrame or pandas.Series
        ``commune`` (or ``id``) and the `value` column, or a Series indexed by unit.
    travel_times : pandas.DataFrame
        ``origin``, ``destination``, ``minutes``.
    cutoff : float
        Minutes (finite, ≥ 0).
    value : str, default "acts"
        Supply column to sum (e.g. ``"gps"`` for a count of practitioners).
    origins : sequence, optional
        Units to report (rows); default: every origin of the table, in order of first
        appearance. A listed unit absent from the table gets 0.
    engine, ids, diagonal
        As :func:`floating_catchment`.

    Returns
    -------
    pandas.DataFrame
        Indexed by origin: column ``cumulative``; diagnostics attached.
    """
    _check_engine(engine, "cumulative")
    if (
        isinstance(cutoff, (bool, np.bool_))
        or not isinstance(cutoff, (int, float, np.number))
        or not (np.isfinite(cutoff) and cutoff >= 0)
    ):
        msg = f"cumulative: cutoff must be a finite number of minutes ≥ 0, got {cutoff!r}."
        raise ValidationError(msg, table="options", column="cutoff")
    decay = StepDecay([float(cutoff)], [1.0, 0.0], closed="right")  # t ≤ cutoff → 1
    units = _units(None, supply, value, ids, diagonal, origins_of=travel_times, origins=origins)
    pairs = _structure(travel_times, units, decay, diagonal)
    impl = kernels if engine == "numba" else kernels.reference
    acts = units.acts[units.s_order]
    values = impl.accessibility(pairs.indptr, pairs.indices, pairs.weights, acts)
    reach = impl.catchment_demand(
        pairs.indptr, pairs.indices, pairs.weights, np.ones(len(units.demand_index)), len(acts)
    )
    return _result(
        "cumulative", values, units, reach, pairs,
        measure="cumulative", parameters={"cutoff": float(cutoff), "value": value, "diagonal": diagonal,
                                          "ids": units.ids},
        decay=decay, with_population=False, unreached=values <= 0,
    )  # fmt: skip


def cost_to_closest(
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    n: float = 1,
    value: str = "acts",
    origins: Any = None,
    engine: Engine = "numba",
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
) -> pd.DataFrame:
    """Minutes to the n-th closest opportunity: the least t with Σ_{t_ij ≤ t} S_j ≥ n.

    Supply is counted in its own unit, as IPEA ``cost_to_closest``: with a count of GPs,
    ``n=3`` is the time to reach three GPs (possibly in one practice); with acts per year,
    ``n=1`` is the time to the nearest unit with any activity. Only units with S_j > 0
    count. ``inf`` where fewer than n opportunities are reachable (never NaN).

    Parameters
    ----------
    supply, travel_times, value, origins, engine, ids, diagonal
        As :func:`cumulative`.
    n : float, default 1
        Opportunities to reach (> 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by origin: column ``minutes``; diagnostics attached (origins with ``inf``
        in ``no_reachable_supply``).
    """
    _check_engine(engine, "cost_to_closest")
    if (
        isinstance(n, (bool, np.bool_))
        or not isinstance(n, (int, float, np.number))
        or not (np.isfinite(n) and n > 0)
    ):
        msg = f"cost_to_closest: n must be a finite number of opportunities > 0, got {n!r}."
        raise ValidationError(msg, table="options", column="n")
    units = _units(None, supply, value, ids, diagonal, origins_of=travel_times, origins=origins)
    pairs = index_pairs(
        travel_times, units.sorted_rows(), units.sorted_columns(), diagonal=diagonal, ids=units.ids
    )
    acts = units.acts[units.s_order]
    fca = fca_kernels if engine == "numba" else fca_reference
    values = fca.nth_closest_cost(
        pairs.rows, pairs.cols, pairs.minutes, pairs.diagonal_rows, pairs.diagonal_cols,
        acts, len(units.demand_index), float(n),
    )  # fmt: skip
    # Whether any origin reaches j at all: supply nobody reaches is reported.
    reach = np.bincount(pairs.cols, minlength=len(acts)).astype(np.float64)
    reach[pairs.diagonal_cols] += 1.0
    dropped = pd.DataFrame(
        [
            ("travel_times", "origin not in the origins or destination not in supply: pair ignored",
             pairs.rows_outside, []),
            ("travel_times", "origin == destination: replaced by 0 minutes (diagonal='zero')",
             pairs.rows_diagonal_replaced, []),
        ],
        columns=["table", "reason", "count", "codes"],
    )  # fmt: skip
    return _result(
        "minutes", values, units, reach, None,
        measure="cost_to_closest", parameters={"n": n, "value": value, "diagonal": diagonal, "ids": units.ids},
        decay=None, with_population=False, unreached=~np.isfinite(values), dropped=dropped,
        n_pairs=int(pairs.rows.shape[0] + pairs.diagonal_rows.shape[0]),
    )  # fmt: skip
