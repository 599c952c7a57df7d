"""Threshold summaries of an APL result, as ARS documents quote them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ValidationError
from .zoning import MISSING_CLASS, class_index

__all__ = ["below_thresholds", "weighted_mean_apl"]


def weighted_mean_apl(apl: pd.Series | np.ndarray, population: pd.Series | np.ndarray) -> float:
    """Mean APL weighted by standardised population (DREES: Σ P·APL / Σ P).

    Returns 0.0 when the total population is 0.
    """
    a = np.asarray(apl, dtype=np.float64)
    p = np.asarray(population, dtype=np.float64)
    total = p.sum()
    return float((a * p).sum() / total) if total > 0 else 0.0


def below_thresholds(
    apl: pd.Series,
    population: pd.Series,
    thresholds: Sequence[float] = (1.0, 2.5),
) -> pd.DataFrame:
    """Communes and inhabitants with APL strictly below each threshold.

    Parameters
    ----------
    apl : pandas.Series
        APL per commune (consultations/year/standardised inhabitant), indexed by commune.
    population : pandas.Series
        Population per commune on the same index. DREES counts inhabitants below a
        threshold with the *unstandardised* population; pass it when you have it.
    thresholds : sequence of float, default (1, 2.5)

    Returns
    -------
    pandas.DataFrame
        Indexed by ``threshold``, columns ``communes``, ``population`` and ``share`` (of
        the total population, 0..1). Classes come from :func:`apl.zoning.class_index`, as
        in zoning and maps: a commune with a missing APL (NaN) is below no threshold, still
        counts in the total, and is listed in ``attrs["no_apl"]`` (``communes``,
        ``population``). A negative or infinite APL is an error.
    """
    pop = population.reindex(apl.index)
    if pop.isna().any():
        missing = list(apl.index[pop.isna().to_numpy()][:5])
        msg = f"below_thresholds: no population for communes {missing}…; population must cover every commune of apl."
        raise ValidationError(msg, table="population", column="population")
    total = float(pop.sum())
    rows = []
    missing = np.zeros(len(apl), dtype=bool)
    for t in thresholds:
        # the classifier of apl.zoning: class 0 of bound (t,) is [0, t[; NaN is "no APL"
        classes = class_index(apl, (float(t),), table="apl", column=str(apl.name or "apl"))
        missing = classes == MISSING_CLASS
        mask = classes == 0
        n_pop = float(pop[mask].sum())
        rows.append((float(t), int(mask.sum()), n_pop, n_pop / total if total > 0 else 0.0))
    out = pd.DataFrame(rows, columns=["threshold", "communes", "population", "share"]).set_index("threshold")
    out.attrs["no_apl"] = {"communes": list(apl.index[missing]), "population": float(pop[missing].sum())}
    return out
