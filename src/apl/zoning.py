"""Zoning médecins: TVS aggregation, ZIP / vivier / HZ classification, vivier selection, summaries.

Rules of the 2017 zoning (arrêté of 13/11/2017), on the ≤ 65 APL variant: a territoire de
vie-santé (TVS) with APL < 2.5 is a ZIP (zone d'intervention prioritaire); 2.5 ≤ APL < 4
is the *vivier*, where the ARS chooses ZIP, ZAC (zone d'action complémentaire) or nothing
within a regional population ceiling; APL ≥ 4 is hors zonage (HZ). Thresholds, the APL
variant and the ceiling are parameters: the 2025 revision (2.71 / 3.98 on APL 2023, to be
confirmed from the official text) is ``classify(..., thresholds=(2.71, 3.98))``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import validation
from .errors import ValidationError
from .validation import plain

__all__ = [
    "MISSING_CLASS",
    "THRESHOLDS_2017",
    "THRESHOLDS_2025",
    "ZONES",
    "TVSDiagnostics",
    "ZoningComparison",
    "class_index",
    "class_labels",
    "classify",
    "compare_zoning",
    "department_of",
    "propose_vivier",
    "tvs_apl",
    "zoning_summary",
]

#: (lower, upper) APL thresholds of the 2017 rules.
THRESHOLDS_2017 = (2.5, 4.0)
#: (lower, upper) of the 2025 revision on APL 2023 — **to be confirmed from the official text**.
THRESHOLDS_2025 = (2.71, 3.98)
#: Zone labels used by apl (``ND``: no APL, e.g. a TVS without population).
ZONES = ("ZIP", "ZAC", "vivier", "ZAR", "HZ", "ND")


#: Class index of a missing APL (NaN, None) in :func:`class_index`: zone ``ND``, "no data" on maps.
MISSING_CLASS = -1


def class_index(
    values: pd.Series | np.ndarray | Sequence[float],
    bounds: Sequence[float] = THRESHOLDS_2017,
    *,
    table: str = "apl",
    column: str = "apl",
) -> np.ndarray:
    """The APL classifier of apl, used by :func:`classify`, :mod:`apl.summary` and :mod:`apl.plot`.

    Class ``k`` of a value is the number of bounds ≤ value: with the ARS bounds
    ``(2.5, 4.0)``, 0 for ``[0, 2.5[``, 1 for ``[2.5, 4[``, 2 for ``[4, +∞[`` (a value on a
    bound belongs to the class above). A missing value (NaN, None) gets
    :data:`MISSING_CLASS` (−1) — zone ``ND``, "no data" on maps, left out of "below"
    counts and reported.

    Parameters
    ----------
    values : array-like of float
        APL, consultations/year/standardised inhabitant.
    bounds : increasing sequence of float ≥ 0, default (2.5, 4.0)

    Returns
    -------
    numpy.ndarray of int64, one class per value.

    Raises
    ------
    apl.errors.ValidationError
        Bounds not increasing or negative; a value that is text, negative or infinite (an
        APL is a finite number ≥ 0: such a value is a bug upstream, never a class).
    """
    edges = np.asarray(list(bounds), dtype=np.float64)
    if (
        edges.ndim != 1
        or not np.all(np.isfinite(edges))
        or (edges < 0).any()
        or (np.diff(edges) < 0).any()
    ):
        raise ValidationError(f"class bounds must be finite, ≥ 0 and increasing, got {tuple(bounds)}.",
                              table="options", column="bounds")  # fmt: skip
    series = (
        values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
    )
    numbers = pd.to_numeric(series, errors="coerce")
    text = numbers.isna().to_numpy() & series.notna().to_numpy()
    if text.any():
        pos = int(np.flatnonzero(text)[0])
        raise ValidationError(f"{table}: column {column!r}, row {plain(series.index[pos])!r}: expected a number (APL), "
                              f"found {plain(series.iloc[pos])!r}.", table=table, column=column, row=series.index[pos])  # fmt: skip
    x = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isinf(x) | (x < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValidationError(f"{table}: column {column!r}, row {plain(series.index[pos])!r}: an APL is a finite number "
                              f"≥ 0, found {float(x[pos])!r}.", table=table, column=column, row=series.index[pos])  # fmt: skip
    classes = np.searchsorted(edges, x, side="right").astype(np.int64)
    classes[np.isnan(x)] = MISSING_CLASS
    return classes


def class_labels(bounds: Sequence[float] = THRESHOLDS_2017) -> list[str]:
    """Labels of the classes of :func:`class_index`: ``["[0, 2.5[", "[2.5, 4[", "[4, +∞["]``."""
    edges = [0.0, *map(float, bounds), np.inf]
    return [
        f"[{lo:g}, {hi:g}[" if np.isfinite(hi) else f"[{lo:g}, +∞["
        for lo, hi in itertools.pairwise(edges)
    ]


@dataclass
class TVSDiagnostics:
    """What :func:`tvs_apl` could not aggregate; at ``result.attrs["diagnostics"]``.

    Attributes
    ----------
    communes_without_tvs : pandas.Index
        Communes of the APL table absent from the commune → TVS mapping (left out).
    population_without_tvs : float
        Their standardised population.
    tvs_without_population : pandas.Index
        TVS whose communes have no population: APL undefined (NaN, zone ``ND``).
    mapped_communes_without_apl : pandas.Index
        Communes of the mapping with no APL (not counted in their TVS).
    """

    communes_without_tvs: pd.Index
    population_without_tvs: float
    tvs_without_population: pd.Index
    mapped_communes_without_apl: pd.Index = field(default_factory=lambda: pd.Index([]))

    def summary(self) -> str:
        return (
            f"{len(self.communes_without_tvs)} communes without TVS "
            f"({self.population_without_tvs:,.0f} standardised inhabitants left out); "
            f"{len(self.tvs_without_population)} TVS without population; "
            f"{len(self.mapped_communes_without_apl)} mapped communes without APL"
        )


def commune_to_tvs(commune_tvs: pd.DataFrame | pd.Series) -> pd.Series:
    if isinstance(commune_tvs, pd.Series):
        frame = pd.DataFrame(
            {"commune": commune_tvs.index.to_numpy(), "tvs": commune_tvs.to_numpy()}
        )
    else:
        validation.require_columns(commune_tvs, ["commune", "tvs"], "commune_tvs")
        frame = commune_tvs[["commune", "tvs"]]
    codes = validation.check_codes(frame["commune"], "commune_tvs", "commune", frame)
    validation.check_unique(frame.assign(commune=codes), ["commune"], "commune_tvs",
                           hint="A commune belongs to one TVS.")  # fmt: skip
    tvs = frame["tvs"]
    if tvs.isna().any():
        pos = int(np.flatnonzero(tvs.isna().to_numpy())[0])
        raise ValidationError(f"commune_tvs: row {plain(frame.index[pos])!r} (commune={plain(codes.iloc[pos])!r}) has no TVS.",
                              table="commune_tvs", column="tvs", row=frame.index[pos])  # fmt: skip
    return pd.Series(
        tvs.astype(str).to_numpy(dtype=object),
        index=pd.Index(codes.to_numpy(), name="commune"),
        name="tvs",
    )


def tvs_apl(
    commune_apl: pd.DataFrame, commune_tvs: pd.DataFrame | pd.Series, *, column: str = "apl"
) -> pd.DataFrame:
    """APL of each territoire de vie-santé: APL_TVS = Σ_i P_i APL_i / Σ_i P_i.

    Parameters
    ----------
    commune_apl : pandas.DataFrame
        Indexed by commune with columns `column` (APL, consultations/year/standardised
        inhabitant) and ``population`` (standardised) — the output of
        :func:`apl.compute_apl` qualifies.
    commune_tvs : pandas.DataFrame or pandas.Series
        Columns ``commune`` and ``tvs`` (other columns such as ``region`` are carried to
        the result when constant within a TVS), or a Series commune → tvs.
    column : str, default "apl"
        The APL column to aggregate (e.g. ``"apl_65"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``tvs``: ``apl``, ``population`` (standardised), ``communes`` (number),
        plus TVS-level columns of `commune_tvs` (``region``, ``libelle_tvs``…).
        ``attrs["diagnostics"]`` is a :class:`TVSDiagnostics`: communes missing from the
        mapping and TVS without population are reported, never silently dropped.
    """
    if not isinstance(commune_apl, pd.DataFrame):
        raise ValidationError(
            "tvs_apl: commune_apl must be a DataFrame indexed by commune.", table="commune_apl"
        )
    validation.require_columns(commune_apl, [column, "population"], "commune_apl")
    mapping = commune_to_tvs(commune_tvs)
    apl = validation.check_values(commune_apl[column], "commune_apl", column, commune_apl)
    pop = validation.check_values(
        commune_apl["population"], "commune_apl", "population", commune_apl
    )
    index = pd.Index(commune_apl.index.astype(str), name="commune")
    tvs = mapping.reindex(index)
    known = tvs.notna().to_numpy()
    frame = pd.DataFrame(
        {"tvs": tvs.to_numpy()[known], "weighted": (apl * pop)[known], "population": pop[known]}
    )
    grouped = frame.groupby("tvs", sort=False).agg(weighted=("weighted", "sum"), population=("population", "sum"),
                                                    communes=("population", "size"))  # fmt: skip
    result = pd.DataFrame(index=pd.Index(grouped.index, name="tvs"))
    has_pop = grouped["population"].to_numpy() > 0
    result["apl"] = np.where(
        has_pop, grouped["weighted"] / np.where(has_pop, grouped["population"], 1.0), np.nan
    )
    result["population"] = grouped["population"].to_numpy()
    result["communes"] = grouped["communes"].to_numpy()
    if isinstance(commune_tvs, pd.DataFrame):
        extra = [c for c in commune_tvs.columns if c not in ("commune", "tvs")]
        if extra:
            per_tvs = commune_tvs.assign(tvs=commune_tvs["tvs"].astype(str)).groupby("tvs")
            constant = [c for c in extra if (per_tvs[c].nunique(dropna=False) <= 1).all()]
            if constant:
                result = result.join(per_tvs[constant].first())
    result.attrs["diagnostics"] = TVSDiagnostics(
        communes_without_tvs=index[~known],
        population_without_tvs=float(pop[~known].sum()),
        tvs_without_population=result.index[~has_pop],
        mapped_communes_without_apl=mapping.index.difference(index),
    )
    return result


def classify(
    tvs_table: pd.DataFrame, *, thresholds: Sequence[float] = THRESHOLDS_2017, column: str = "apl"
) -> pd.DataFrame:
    """Add a ``zone`` column: ``"ZIP"`` (apl < lower), ``"vivier"`` (lower ≤ apl < upper),
    ``"HZ"`` (apl ≥ upper); ``"ND"`` where the APL is undefined (NaN). Classes come from
    :func:`class_index`, the one classifier of apl (also used by summaries and maps).

    Parameters
    ----------
    tvs_table : pandas.DataFrame
        A table with an APL column (per TVS, or per commune).
    thresholds : (lower, upper), default (2.5, 4.0)
        In consultations/year/standardised inhabitant; :data:`THRESHOLDS_2025` for the
        2025 revision.
    column : str, default "apl"
        The APL column (e.g. ``"apl_65"``, the zoning variant).

    Returns
    -------
    pandas.DataFrame
        A copy of `tvs_table` with ``zone``; ``attrs["thresholds"]`` records the thresholds.
    """
    validation.require_columns(tvs_table, [column], "tvs_table")
    lower, upper = map(float, thresholds)
    if not (np.isfinite(lower) and np.isfinite(upper) and 0 <= lower <= upper):
        raise ValidationError(f"classify: thresholds must satisfy 0 ≤ lower ≤ upper, got {tuple(thresholds)}.",
                              table="options", column="thresholds")  # fmt: skip
    classes = class_index(tvs_table[column], (lower, upper), table="tvs_table", column=column)
    zone = np.array(["ZIP", "vivier", "HZ", "ND"], dtype=object)[classes]  # −1 → "ND"
    out = tvs_table.copy()
    out["zone"] = pd.Series(zone, index=out.index, dtype=object)
    out.attrs["thresholds"] = (lower, upper)
    return out


def propose_vivier(
    classified: pd.DataFrame,
    *,
    ceiling: float,
    region: str | None = "region",
    order: str = "apl",
    ascending: bool = True,
    label: str = "ZAC",
    count_zip: bool = True,
) -> pd.DataFrame:
    """Propose which vivier units the ARS may classify, within a regional population ceiling.

    Vivier units are taken in `order` (lowest APL first by default) while the population
    classified stays within ``ceiling × regional population``; ZIP units count against the
    ceiling when `count_zip`.

    Parameters
    ----------
    classified : pandas.DataFrame
        Output of :func:`classify` with ``population`` (and the `region` column).
    ceiling : float
        Share (0..1) of the region's population that may be classified.
    region : str or None, default "region"
        Column grouping units by region; None treats the table as one region.
    order : str, default "apl"
        Column ordering the vivier (ascending unless `ascending` is False).
    label : str, default "ZAC"
        Label given to the selected vivier units.

    Returns
    -------
    pandas.DataFrame
        A copy with ``proposal``: ZIP stays ``ZIP``, selected vivier units get `label`, the
        others ``"vivier"``, HZ/ND unchanged. ``attrs["binding"]`` is a DataFrame per
        region: population, budget, population classified, and ``binding`` — ``"ceiling"``
        (the next vivier unit would exceed it; the ceiling bound) or ``"vivier exhausted"``.
    """
    validation.require_columns(
        classified, ["zone", "population", order] + ([region] if region else []), "classified"
    )
    if not (0.0 <= ceiling <= 1.0):
        raise ValidationError(f"propose_vivier: ceiling is a share of the population in [0, 1], got {ceiling!r}.",
                              table="options", column="ceiling")  # fmt: skip
    out = classified.copy()
    out["proposal"] = out["zone"].astype(object)
    groups = out.groupby(region, sort=True) if region else [("all", out)]
    rows = []
    for name, unit in groups:
        total = float(unit["population"].sum())
        budget = ceiling * total
        used = float(unit.loc[unit["zone"] == "ZIP", "population"].sum()) if count_zip else 0.0
        vivier = unit[unit["zone"] == "vivier"].sort_values(
            order, ascending=ascending, kind="stable"
        )
        binding = "vivier exhausted"
        for code, pop in zip(vivier.index, vivier["population"], strict=True):
            if used + pop > budget:
                binding = "ceiling"
                break
            out.loc[code, "proposal"] = label
            used += float(pop)
        rows.append((name, total, budget, used, binding))
    out.attrs["binding"] = pd.DataFrame(
        rows, columns=["region", "population", "budget", "classified", "binding"]
    ).set_index("region")
    return out


def department_of(communes: pd.Index | pd.Series) -> pd.Series:
    """Département code of commune codes: 2 characters, 3 for overseas (``971…976``)."""
    codes = pd.Series(np.asarray(communes, dtype=object), dtype=object)
    dep = np.where(codes.str.startswith("97"), codes.str[:3], codes.str[:2])
    return pd.Series(
        dep, index=communes if isinstance(communes, pd.Index) else communes.index, dtype=object
    )


def zoning_summary(
    zoned: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    zone_column: str = "zone",
    population_column: str = "population",
) -> pd.DataFrame:
    """Population and number of units per zone, with shares, as ARS documents print them.

    Parameters
    ----------
    zoned : pandas.DataFrame
        One row per unit (TVS or commune) with a zone and a population column. Use the
        real (unstandardised) population for counts of inhabitants.
    by : sequence of str, default ()
        Grouping columns (e.g. ``["region"]`` or ``["region", "department"]``); use
        :func:`department_of` to derive departments from commune codes.

    Returns
    -------
    pandas.DataFrame
        Rows (by…, zone) with ``units``, ``population`` and ``share`` (of the group's
        population, 0..1), e.g. "ZIP 20.3 % of the regional population".
    """
    validation.require_columns(zoned, [zone_column, population_column, *by], "zoned")
    keys = [*by, zone_column]
    table = zoned.groupby(keys, sort=True, dropna=False).agg(units=(population_column, "size"),
                                                             population=(population_column, "sum"))  # fmt: skip
    totals = (
        table.groupby(level=list(range(len(by))))["population"].transform("sum")
        if by
        else table["population"].sum()
    )
    table["share"] = table["population"] / totals
    return table


#: Which published classes count as agreeing with each apl class (strict reading: the ARS
#: turned the vivier into ZAC and left HZ out of the zoning).
STRICT_MATCHES = {"ZIP": ("ZIP",), "vivier": ("ZAC",), "HZ": ("HZ",)}


@dataclass
class ZoningComparison:
    """Result of :func:`compare_zoning`.

    Attributes
    ----------
    confusion : pandas.DataFrame
        Units, apl class (rows) × published class (columns), with totals.
    confusion_population : pandas.DataFrame
        The same weighted by population (inhabitants).
    agreement_units, agreement_population : float
        Share (0..1) of units / population whose published class matches apl's class
        under `matches`.
    matches : dict
    """

    confusion: pd.DataFrame
    confusion_population: pd.DataFrame
    agreement_units: float
    agreement_population: float
    matches: dict


def compare_zoning(
    predicted: pd.Series,
    published: pd.Series,
    population: pd.Series,
    *,
    matches: dict[str, Sequence[str]] | None = None,
) -> ZoningComparison:
    """Confusion table of apl's classes against a published zoning, on their common units.

    Parameters
    ----------
    predicted : pandas.Series
        apl class per unit (``ZIP``, ``vivier``, ``HZ``…), e.g. ``classify(...)["zone"]``.
    published : pandas.Series
        Published class per unit (``ZIP``, ``ZAC``, ``ZAR``, ``HZ``, ``ND``).
    population : pandas.Series
        Inhabitants per unit.
    matches : dict, optional
        apl class → published classes counted as agreement; default :data:`STRICT_MATCHES`.
    """
    matches = dict(matches) if matches is not None else dict(STRICT_MATCHES)
    common = predicted.index.intersection(published.index)
    frame = pd.DataFrame({"apl": predicted.loc[common], "published": published.loc[common],
                          "population": population.reindex(common).fillna(0.0)})  # fmt: skip
    ok = np.array(
        [p in matches.get(a, ()) for a, p in zip(frame["apl"], frame["published"], strict=True)],
        dtype=bool,
    )
    confusion = pd.crosstab(frame["apl"], frame["published"], margins=True, margins_name="total")
    weighted = pd.crosstab(frame["apl"], frame["published"], values=frame["population"], aggfunc="sum",
                           margins=True, margins_name="total").fillna(0.0)  # fmt: skip
    total_pop = float(frame["population"].sum())
    return ZoningComparison(
        confusion=confusion,
        confusion_population=weighted,
        agreement_units=float(ok.mean()) if len(ok) else 0.0,
        agreement_population=float(frame["population"][ok].sum() / total_pop)
        if total_pop > 0
        else 0.0,
        matches=matches,
    )
