"""compute_apl: the APL of every commune, from demand, supply and travel times (§5)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from . import kernels, validation
from .decay import Decay, StepDecay
from .errors import ValidationError
from .io.travel_times import sampled_median_minutes
from .pairs import (
    Diagonal,
    PairStructure,
    build_pair_structure,
    is_pair_source,
    stream_pair_structure,
    warn_seconds_as_minutes,
)
from .validation import IdKind

if TYPE_CHECKING:
    import pyarrow.dataset

    from .parameters import MethodParameters

__all__ = ["Diagnostics", "compute_apl", "get_diagnostics"]


@dataclass
class Diagnostics:
    """What compute_apl did with its inputs; found at ``result.attrs["diagnostics"]``.

    Attributes
    ----------
    standardised : bool
        Whether demand was age-standardised (False: raw inhabitants, every c_a = 1).
    decay : str
        The decay used (its repr).
    n_communes, n_supply_communes, n_pairs : int
        Demand communes, supply communes, stored pairs with w > 0 (diagonal included).
    unreachable_supply : pandas.Series
        Supply communes with S_j > 0 that no demand commune reaches (D_j = 0): their acts
        (per year) contribute to nobody.
    no_reachable_supply : pandas.Index
        Demand communes whose APL is 0 because no supply point with S_j > 0 and
        D_j > 0 is within reach.
    dropped : pandas.DataFrame
        One row per kind of input row left out, with columns ``table``, ``reason``,
        ``count`` and ``codes`` (the commune codes concerned, where meaningful).
    """

    standardised: bool
    decay: str
    n_communes: int
    n_supply_communes: int
    n_pairs: int
    unreachable_supply: pd.Series
    no_reachable_supply: pd.Index
    dropped: pd.DataFrame = field(repr=False)

    def summary(self) -> str:
        """A few lines of text for a notebook or a log."""
        lines = [
            f"{self.n_communes} demand communes, {self.n_supply_communes} supply communes, "
            f"{self.n_pairs} weighted pairs (decay {self.decay})",
            "demand "
            + ("age-standardised" if self.standardised else "NOT standardised (raw inhabitants)"),
            f"{len(self.no_reachable_supply)} communes with no reachable supply (APL = 0)",
            f"{len(self.unreachable_supply)} supply communes reached by nobody "
            f"({self.unreachable_supply.sum():.0f} acts/year lost)",
        ]
        for row in self.dropped.itertuples(index=False):
            if row.count:
                lines.append(f"{row.table}: {row.count} row(s) left out: {row.reason}")
        return "\n".join(lines)


def get_diagnostics(result: pd.DataFrame) -> Diagnostics:
    """Return the :class:`Diagnostics` attached to a compute_apl result."""
    diag = result.attrs.get("diagnostics")
    if not isinstance(diag, Diagnostics):
        msg = "this table carries no apl diagnostics (it was not returned by apl.compute_apl)."
        raise ValidationError(msg, table="result")
    return diag


def dropped_table(pairs: PairStructure) -> pd.DataFrame:
    records = [
        ("travel_times", "origin is not a demand commune (no population row): pair ignored",
         len(pairs.unknown_origins), list(pairs.unknown_origins)),
        ("travel_times", "origin not in demand or destination not in supply: pair carries no "
         "demand or no supply", pairs.rows_outside, []),
        ("travel_times", "origin == destination: replaced by 0 minutes (within-commune time)",
         pairs.rows_diagonal_replaced, []),
        ("travel_times", "weight 0 under the decay (beyond its reach): pair not stored",
         pairs.rows_zero_weight, []),
    ]  # fmt: skip
    return pd.DataFrame(records, columns=["table", "reason", "count", "codes"])


def resolve_options(
    demand: object,
    decay: Decay | None,
    standardised: bool | None,
    acts_per_fte: float | None,
    parameters: MethodParameters | None,
) -> tuple[Decay, bool]:
    """Check `acts_per_fte` (acts/year per FTE) and fill the defaults of `decay` and `standardised`.

    Shared by :func:`compute_apl` and :func:`apl.distributed.compute_apl` so that both take
    the same defaults and raise the same errors.
    """
    from .parameters import MethodParameters

    if acts_per_fte is not None and not (
        isinstance(acts_per_fte, int | float | np.number)
        and not isinstance(acts_per_fte, bool)
        and np.isfinite(acts_per_fte)
        and acts_per_fte > 0
    ):
        msg = (
            "compute_apl: acts_per_fte must be a positive number of acts per year, got "
            f"{validation.plain(acts_per_fte)!r}."
        )
        raise ValidationError(msg, table="options", column="acts_per_fte")
    if parameters is not None and not isinstance(parameters, MethodParameters):
        msg = (
            "compute_apl: parameters must be an apl.parameters.MethodParameters, got "
            f"{type(parameters).__name__} {parameters!r}. Get one with "
            'apl.parameters.get("gp", 2023) (profession, edition).'
        )
        raise ValidationError(msg, table="options", column="parameters")
    if decay is not None and not callable(decay):
        msg = (
            f"compute_apl: decay must be a callable minutes → weight, got {type(decay).__name__} "
            f"{validation.plain(decay)!r}. Use e.g. apl.StepDecay.drees() (the DREES decay) or "
            "any function of a numpy array of minutes returning weights in [0, 1]."
        )
        raise ValidationError(msg, table="options", column="decay")
    if standardised is None:
        standardised = bool(getattr(demand, "attrs", {}).get("standardised", False))
    if decay is None:
        decay = parameters.decay if parameters is not None else StepDecay.drees()
    return decay, standardised


def compute_apl(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame | str | os.PathLike[str] | pyarrow.dataset.Dataset,
    *,
    decay: Decay | None = None,
    standardised: bool | None = None,
    acts_per_fte: float | None = None,
    engine: Literal["numba", "reference"] = "numba",
    parameters: MethodParameters | None = None,
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
) -> pd.DataFrame:
    """APL of every demand commune (consultations per year per standardised inhabitant).

    Parameters
    ----------
    demand : pandas.DataFrame or pandas.Series
        Columns ``commune`` (text COG code) and ``population`` (standardised inhabitants),
        or a Series of population indexed by commune (e.g. from
        :func:`apl.standardize_population`). Communes must be unique. Any other spatial
        unit (grid square, IRIS, hexagon…) uses a column ``id`` instead of ``commune``
        (ids of any hashable kind: text or integers; a Series whose index is named ``id``).
    supply : pandas.DataFrame or pandas.Series
        Columns ``commune`` and ``acts`` (retained acts per year at that commune), or a
        Series indexed by commune (e.g. from :func:`apl.retained_activity`). A supply
        commune need not be a demand commune.
    travel_times : pandas.DataFrame, path or pyarrow.dataset.Dataset
        Columns ``origin`` (patient commune), ``destination`` (practice commune) and
        ``minutes`` (road time, float ≥ 0). Omitted pairs are unreachable; the diagonal is
        0 whatever the table says (see `diagonal`); the table may be asymmetric. A path to
        a Parquet file (or folder) or a ``pyarrow.dataset`` is streamed batch by batch:
        only the pairs within the decay's reach are held in memory, and the numbers are
        those of the same table passed as a DataFrame. As :func:`apl.io.read_travel_times`
        does, a streamed table whose median time between distinct units exceeds 300
        minutes gives an :class:`apl.errors.DataWarning` (seconds saved as minutes?); the
        median is taken over a strided sample of each batch (≤ 16,384 rows per batch).
    decay : callable, optional
        Minutes → weight in [0, 1], vectorised. Default: the decay of `parameters` when
        given, else :meth:`StepDecay.drees` (10/15/20 minutes, left-closed bands).
    standardised : bool, optional
        Whether `demand` is age-standardised. Default: True when `demand` comes from
        :func:`apl.standardize_population` (``attrs["standardised"]``), else False.
        Only reported, never changes the numbers.
    acts_per_fte : float, optional
        Acts per year of one full-time practitioner; when given, adds ``fte_per_100k``
        (FTE per 100,000 standardised inhabitants = apl / acts_per_fte × 100,000).
    engine : {"numba", "reference"}, default "numba"
        Kernel implementation; ``"reference"`` runs the NumPy/SciPy twins.
    parameters : apl.parameters.MethodParameters, optional
        Method parameters of one profession and edition (:func:`apl.parameters.get`);
        supplies the default `decay` and is recorded in the diagnostics. Age weights and
        activity caps apply upstream (:func:`apl.standardize_population`,
        :func:`apl.retained_activity`, both of which also take ``parameters=``).
    ids : {"cog", "any"}, optional
        How unit ids are checked. ``"cog"``: COG commune codes — text, none that lost its
        leading zero (``1001`` for ``01001``), Corsica ``2A``/``2B`` allowed. ``"any"``: ids
        of any hashable kind, only missing ids refused. Default: ``"any"`` when demand or
        supply is keyed by an ``id`` column (or a Series index named ``id``), else ``"cog"``.
    diagonal : {"zero", "table"}, default "zero"
        Time from a unit to itself. ``"zero"`` (DREES): 0 minutes whatever the table says.
        ``"table"`` (IPEA ``accessibility``, PySAL ``access``): the table's own time; a unit
        absent from the table as its own destination does not reach itself.

    Returns
    -------
    pandas.DataFrame
        Indexed by commune (every demand commune, input order; the index is named ``id``
        for demand keyed by ``id``), columns ``apl``
        (consultations/year/standardised inhabitant; 0 where no supply is reachable, never
        NaN) and ``population`` (standardised inhabitants used). Diagnostics — supply
        nobody reaches, rows left out and why, whether demand was standardised — are in
        ``result.attrs["diagnostics"]`` (:class:`Diagnostics`; also
        :func:`apl.get_diagnostics`).

    Raises
    ------
    apl.errors.ValidationError
        Missing columns, codes that are not text or lost their leading zero, negative, NaN
        or infinite values, duplicate communes or pairs, `parameters` that are not a
        :class:`apl.parameters.MethodParameters`, a `decay` that is not callable.
    apl.errors.CommuneCodeError
        With ``ids="cog"``: a code with leading/trailing whitespace or a lower-case
        Corsican prefix (``'2a004'``), which would never match the other tables. With any
        ids: integer ids in one table and text ids in another (``1`` never matches ``'1'``).

    Notes
    -----
    The result does not depend on the order of the rows of any input table, to the last
    bit: W is built with demand rows and supply columns in a canonical order of the codes
    (columns ascending within each row), and both sums run in that order.
    """
    if engine not in ("numba", "reference"):
        msg = f"compute_apl: engine must be 'numba' or 'reference', got {engine!r}."
        raise ValidationError(msg, table="options", column="engine")
    decay, standardised = resolve_options(demand, decay, standardised, acts_per_fte, parameters)

    kind = validation.resolve_ids(ids, (demand, "demand"), (supply, "supply"))
    validation.check_diagonal(diagonal)
    demand_codes, population = validation.as_keyed_table(
        demand, "demand", "population", unit=" standardised inhabitants", ids=kind
    )
    supply_codes, acts = validation.as_keyed_table(
        supply, "supply", "acts", unit=" acts per year", ids=kind
    )
    key = validation.key_column(demand, "demand")
    demand_index = pd.Index(demand_codes.to_numpy(), dtype=object, name=key)
    supply_index = pd.Index(supply_codes.to_numpy(), dtype=object, name=key)
    # Canonical order (sorted codes), so that the two sums of the method run in the same
    # order whatever the row order of the inputs: bit-identical results (issue 10).
    d_keys = demand_codes.attrs.get("cog_keys")
    s_keys = supply_codes.attrs.get("cog_keys")
    d_order = canonical_order(demand_index, d_keys)
    s_order = canonical_order(supply_index, s_keys)
    if is_pair_source(travel_times):
        pairs = stream_pair_structure(
            travel_times, demand_index[d_order], supply_index[s_order], decay,
            diagonal=diagonal, ids=kind,
        )  # fmt: skip
    else:
        unit_keys = None if d_keys is None or s_keys is None else (d_keys[d_order], s_keys[s_order])
        pairs = build_pair_structure(
            travel_times, demand_index[d_order], supply_index[s_order], decay,
            diagonal=diagonal, ids=kind, unit_keys=unit_keys, defer_checks=True,
        )  # fmt: skip
    impl = kernels if engine == "numba" else kernels.reference
    apl_sorted, reach_sorted = impl.two_step(
        pairs.indptr, pairs.indices, pairs.weights, population[d_order], acts[s_order]
    )
    apl = np.empty_like(apl_sorted)
    apl[d_order] = apl_sorted
    reach = np.empty_like(reach_sorted)
    reach[s_order] = reach_sorted
    result = assemble_result(
        demand_index,
        population,
        apl,
        supply_index,
        acts,
        reach,
        pairs,
        decay=decay,
        standardised=standardised,
        acts_per_fte=acts_per_fte,
    )
    # in memory, is the table in seconds? (the streamed path warns as it reads) Sampled
    # now, while the duplicate check may still run; warned about once that has passed
    median = None if is_pair_source(travel_times) else sampled_median_minutes(travel_times)
    # the check for repeated pairs of a table not grouped by origin ran meanwhile on other
    # threads: nothing is returned before it has passed
    pairs.settle()
    if median is not None:
        warn_seconds_as_minutes(travel_times, stacklevel=2, median=median)
    return result


def canonical_order(codes: pd.Index, cog_keys: np.ndarray | None = None) -> np.ndarray:
    """Positions that sort `codes` (text codes as text, integers as numbers; mixed kinds by
    type name, then text): the order W is built in, independent of the input order.

    `cog_keys`, when given, are the COG keys of `codes` (:func:`apl.kernels.cog_keys`),
    which sort exactly as the codes do as text: the sort then runs on integers."""
    if cog_keys is not None:
        return np.argsort(cog_keys, kind="stable")
    values = codes.to_numpy()
    if len(values) and all(type(v) is str for v in values[: min(len(values), 64)]):
        try:
            return np.argsort(values.astype(str), kind="stable")
        except (TypeError, ValueError):
            pass
    try:
        return np.argsort(values, kind="stable")
    except TypeError:
        keyed = [(type(v).__name__, str(v)) for v in values]
        return np.array(sorted(range(len(values)), key=keyed.__getitem__), dtype=np.int64)


def assemble_result(
    demand_index: pd.Index,
    population: np.ndarray,
    apl: np.ndarray,
    supply_index: pd.Index,
    acts: np.ndarray,
    reach: np.ndarray,
    pairs: PairStructure,
    *,
    decay: Decay,
    standardised: bool,
    acts_per_fte: float | None,
    extra_unreachable: pd.Series | None = None,
    dropped: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The result table of compute_apl with its Diagnostics (shared with the prepared model)."""
    result = pd.DataFrame({"apl": apl, "population": population}, index=demand_index)
    if acts_per_fte is not None:
        result["fte_per_100k"] = apl / acts_per_fte * 100_000.0
    # APL_i = Σ w_ij R_j with w > 0 on stored pairs: it is 0 exactly when no supply point
    # with S_j > 0 and D_j > 0 is within reach.
    has_supply = apl > 0
    lost = (reach <= 0) & (acts > 0)
    unreachable = pd.Series(acts[lost], index=supply_index[lost], name="acts")
    if extra_unreachable is not None and len(extra_unreachable):
        unreachable = pd.concat([unreachable, extra_unreachable.rename("acts")])
    result.attrs["diagnostics"] = Diagnostics(
        standardised=standardised,
        decay=repr(decay),
        n_communes=len(demand_index),
        n_supply_communes=len(supply_index),
        n_pairs=pairs.n_pairs,
        unreachable_supply=unreachable,
        no_reachable_supply=demand_index[~has_supply],
        dropped=dropped if dropped is not None else dropped_table(pairs),
    )
    return result
