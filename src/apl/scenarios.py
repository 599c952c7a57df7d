"""What analysts ask of a prepared model: sensitivity to the decay, and where to add a GP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .decay import Decay, GaussianDecay, StepDecay
from .errors import ValidationError
from .model import AccessibilityModel, SupplyLike
from .zoning import class_index

__all__ = ["Sensitivity", "classify_apl", "decay_sensitivity", "default_decays", "rank_sites"]


def default_decays() -> dict[str, Decay]:
    """The decays compared by :func:`decay_sensitivity` by default.

    - ``drees``: 10/15/20 min → 1, 2/3, 1/3, 0, left-closed (the DREES default);
    - ``drees_right``: the same with right-closed bands (an edge goes to the lower band);
    - ``steps_2012``: 5/10/15 min edges as in the 2012 APL (weights 1, 2/3, 1/3, 0 assumed);
    - ``gaussian``: exp(−t²/2σ²) with σ = 10.1 min (w(15) ≈ 1/3), cut at 30 min.
    """
    return {
        "drees": StepDecay.drees(),
        "drees_right": StepDecay.drees(closed="right"),
        "steps_2012": StepDecay((5.0, 10.0, 15.0), (1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0)),
        "gaussian": GaussianDecay(sigma=10.1, max_minutes=30.0),
    }


def classify_apl(
    apl: pd.Series | pd.DataFrame, thresholds: Sequence[float] = (2.5, 4.0)
) -> pd.Series | pd.DataFrame:
    """Zoning class of APL values: ``ZIP`` (< lower), ``vivier`` (< upper), ``HZ`` (≥ upper),
    ``ND`` for a missing value — :func:`apl.zoning.class_index`, the one classifier of apl."""
    labels = np.array(["ZIP", "vivier", "HZ", "ND"], dtype=object)  # class −1 (NaN) → "ND"

    def one(values: pd.Series) -> pd.Series:
        return pd.Series(
            labels[class_index(values, tuple(thresholds))], index=values.index, dtype=object
        )

    return apl.apply(one) if isinstance(apl, pd.DataFrame) else one(apl)


@dataclass
class Sensitivity:
    """Result of :func:`decay_sensitivity`.

    Attributes
    ----------
    apl : pandas.DataFrame
        APL per unit (commune or TVS) × decay.
    classes : pandas.DataFrame
        Zoning class per unit × decay.
    changed : pandas.DataFrame
        The units whose class differs from the reference decay under at least one decay.
    summary : pandas.DataFrame
        Per decay: weighted mean APL, units and population changing class vs the reference.
    """

    apl: pd.DataFrame
    classes: pd.DataFrame
    changed: pd.DataFrame
    summary: pd.DataFrame


def decay_sensitivity(
    model: AccessibilityModel,
    supply: SupplyLike,
    decays: Mapping[str, Decay] | None = None,
    *,
    thresholds: Sequence[float] = (2.5, 4.0),
    commune_tvs: pd.DataFrame | pd.Series | None = None,
) -> Sensitivity:
    """Recompute APL under several decays and report which communes (or TVS) change class.

    Parameters
    ----------
    model : AccessibilityModel
        Built once; each decay re-weights its validated pairs (:meth:`with_decay`).
    supply : the supply (acts per year by commune)
    decays : mapping name → decay, optional
        Default :func:`default_decays`; the first is the reference.
    thresholds : (lower, upper), default (2.5, 4.0)
    commune_tvs : optional
        Commune → TVS table (see :func:`apl.zoning.tvs_apl`): classes are then per TVS.
    """
    decays = dict(decays) if decays is not None else default_decays()
    if not decays:
        raise ValidationError("decay_sensitivity: give at least one decay.", table="decays")
    columns: dict[str, pd.Series] = {}
    weights = pd.Series(
        dtype=np.float64
    )  # population of the last result (the same for every decay)
    for name, decay in decays.items():
        result = model.with_decay(decay).compute(supply)
        if commune_tvs is not None:
            from .zoning import tvs_apl

            result = tvs_apl(result, commune_tvs)
        columns[name] = result["apl"]
        weights = result["population"]
    apl = pd.DataFrame(columns)
    classes = classify_apl(apl, thresholds)
    reference = next(iter(decays))
    differs = classes.ne(classes[reference], axis=0)
    rows = []
    for name in decays:
        moved = differs[name].to_numpy()
        rows.append((name, float((apl[name] * weights).sum() / weights.sum()) if weights.sum() > 0 else 0.0,
                     int(moved.sum()), float(weights[moved].sum())))  # fmt: skip
    summary = pd.DataFrame(
        rows, columns=["decay", "mean_apl", "units_changing_class", "population_changing_class"]
    )
    return Sensitivity(apl=apl, classes=classes, changed=classes[differs.any(axis=1)],
                       summary=summary.set_index("decay"))  # fmt: skip


def rank_sites(
    model: AccessibilityModel,
    supply: SupplyLike,
    *,
    acts: float = 5000.0,
    candidates: Sequence[str] | None = None,
    criterion: Literal["population_above", "worst_decile"] = "population_above",
    threshold: float = 2.5,
    population: pd.Series | None = None,
    batch_size: int = 256,
) -> pd.DataFrame:
    """Rank candidate communes for one extra unit of supply (e.g. one GP at 5,000 acts/year).

    Every candidate is a scenario of the batch path (:meth:`AccessibilityModel.compute_many`
    on the added supply, `batch_size` candidates per pass); APL is linear in supply, so
    APL after = APL before + W (ΔS / D) exactly.

    Parameters
    ----------
    acts : float, default 5000
        Acts per year added at the candidate.
    candidates : sequence of str, optional
        Default: every supply commune of the model.
    criterion : {"population_above", "worst_decile"}
        ``population_above``: inhabitants whose commune moves from below `threshold` to at
        least `threshold`. ``worst_decile``: rise of the population-weighted mean APL of
        the worst-off decile (the lowest-APL communes holding 10 % of the population
        before the change).
    population : pandas.Series, optional
        Inhabitants per commune for the counts; default the model's (standardised)
        population.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate, columns ``score`` (inhabitants, or APL units for
        ``worst_decile``) and ``rank`` (1 = best), sorted by rank (ties: input order).
    """
    if criterion not in ("population_above", "worst_decile"):
        raise ValidationError(
            f"rank_sites: unknown criterion {criterion!r}.", table="options", column="criterion"
        )
    if not (np.isfinite(acts) and acts > 0):
        raise ValidationError(
            f"rank_sites: acts must be > 0 acts per year, got {acts!r}.",
            table="options",
            column="acts",
        )
    base = model.compute(supply)["apl"].to_numpy()
    pop = (
        model.population
        if population is None
        else population.reindex(model.communes).to_numpy(dtype=float)
    )
    if np.isnan(pop).any():
        raise ValidationError(
            "rank_sites: population does not cover every commune of the model.", table="population"
        )
    codes = (
        model.supply_communes if candidates is None else pd.Index(list(candidates), dtype=object)
    )
    positions = model.supply_communes.get_indexer(codes)
    if (positions < 0).any():
        raise ValidationError(f"rank_sites: {list(codes[positions < 0][:5])} are not supply communes of the model.",
                              table="candidates")  # fmt: skip
    if criterion == "worst_decile":
        order = np.argsort(base, kind="stable")
        cum = np.cumsum(pop[order])
        n_in = int(np.searchsorted(cum, 0.1 * cum[-1], side="left")) + 1 if cum[-1] > 0 else 0
        decile = order[:n_in]
        decile_pop = pop[decile].sum()
    scores = np.empty(len(codes))
    for start in range(0, len(codes), batch_size):
        block = positions[start : start + batch_size]
        added = np.zeros((len(model.supply_communes), len(block)))
        added[block, np.arange(len(block))] = acts
        after = base[:, None] + model.compute_many(added).to_numpy()
        if criterion == "population_above":
            moved = (base[:, None] < threshold) & (after >= threshold)
            scores[start : start + len(block)] = pop @ moved
        else:
            gain = (after[decile] - base[decile, None]) * pop[decile, None]
            scores[start : start + len(block)] = (
                gain.sum(axis=0) / decile_pop if decile_pop > 0 else 0.0
            )
    out = pd.DataFrame({"score": scores}, index=pd.Index(codes, name="commune"))
    out["rank"] = out["score"].rank(ascending=False, method="first").astype(int)
    return out.sort_values("rank")
