"""Population-weighted inequality and poverty indices of an accessibility distribution.

Each function takes the values of one indicator per unit (APL per commune, in
consultations/year/standardised inhabitant, or any other accessibility measure) and the
population of each unit, and treats the population as counts of people: the index is
that of the distribution over inhabitants, units being groups of people with the same
value. The definitions follow the R package **accessibility** of IPEA (Pereira &
Herszenhut, https://github.com/ipeaGIT/accessibility, functions ``gini_index``,
``palma_ratio``, ``theil_t``, ``concentration_index``, ``fgt_poverty``); the tests check
agreement with the values that package publishes in its own tests
(``tests/data/ipea_accessibility/SOURCES.md``).

Conventions (where IPEA returns NaN or NA, apl defines a number):

- values must be finite and ≥ 0 (a negative accessibility is an error); weights finite,
  ≥ 0, with a positive total;
- all-zero or all-equal values are perfect equality: Gini, Theil T and the concentration
  index are 0, the Palma ratio is 1; FGT measures are 0 when nobody is below the line;
- a Palma group left empty by IPEA's whole-unit rule is formed from exact population
  shares instead (see :func:`palma_ratio`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from .errors import ValidationError

__all__ = [
    "TheilDecomposition",
    "concentration_index",
    "fgt",
    "gini",
    "palma_ratio",
    "theil_t",
    "weighted_quantile",
]

ArrayLike: TypeAlias = npt.ArrayLike | pd.Series
F64: TypeAlias = npt.NDArray[np.float64]


# --- input checks ------------------------------------------------------------------------


def _as_float(data: ArrayLike, name: str, *, negative_ok: bool = False) -> F64:
    """A 1-D float64 array of finite numbers (≥ 0 unless `negative_ok`)."""
    array = np.asarray(data.to_numpy() if isinstance(data, pd.Series) else data)
    if array.ndim != 1:
        raise ValidationError(
            f"{name}: expected a 1-D sequence of numbers, got shape {array.shape}.", column=name
        )
    try:
        array = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{name}: expected numbers, got {array.dtype} ({exc}).", column=name
        ) from None
    bad = ~np.isfinite(array) if negative_ok else ~np.isfinite(array) | (array < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        label = data.index[k] if isinstance(data, pd.Series) else k
        expected = "a finite number" if negative_ok else "a finite number ≥ 0"
        raise ValidationError(
            f"{name}: row {label!r} is {float(array[k])!r}; expected {expected}.",
            column=name,
            row=label,
        )
    return array


def _aligned(other: ArrayLike, values: ArrayLike, name: str) -> ArrayLike:
    """`other` in the order of `values` when both are Series (aligned on the index)."""
    if (
        isinstance(other, pd.Series)
        and isinstance(values, pd.Series)
        and not other.index.equals(values.index)
    ):
        missing = values.index.difference(other.index)
        if len(missing):
            raise ValidationError(f"{name}: no value for {len(missing)} units of `values`, e.g. {list(missing[:5])}.",
                                  column=name, row=missing[0])  # fmt: skip
        return other.reindex(values.index)
    return other


def _inputs(values: ArrayLike, weights: ArrayLike | None) -> tuple[F64, F64]:
    x = _as_float(values, "values")
    if x.size == 0:
        raise ValidationError(
            "values: no units; an inequality index needs at least one.", column="values"
        )
    if weights is None:
        return x, np.ones_like(x)
    w = _as_float(_aligned(weights, values, "weights"), "weights")
    if w.shape != x.shape:
        raise ValidationError(f"weights: {w.size} values for {x.size} units; expected one weight (population) per unit.",
                              column="weights")  # fmt: skip
    if not w.sum() > 0:
        raise ValidationError(
            "weights: the total population is 0; the index is undefined.", column="weights"
        )
    return x, w


def _ranks(rank_by: ArrayLike, values: ArrayLike, n: int) -> F64:
    r = _as_float(_aligned(rank_by, values, "rank_by"), "rank_by", negative_ok=True)
    if r.shape != (n,):
        raise ValidationError(
            f"rank_by: {r.size} values for {n} units; expected one per unit.", column="rank_by"
        )
    return r


# --- weighted quantile -------------------------------------------------------------------


def weighted_quantile(
    values: ArrayLike, weights: ArrayLike | None, probs: Sequence[float] | float
) -> F64:
    """Population-weighted quantiles, weights read as counts of people (Hmisc definition).

    The quantile of order p of the distribution over people: with units sorted by value
    and N = Σ w the total weight, the position h = 1 + (N − 1) p is split into
    ⌊h⌋ and ⌊h⌋ + 1 (at most N), the value of the person at each position is the value
    of the first unit whose cumulative weight reaches it, and the two are interpolated
    linearly. With integer weights this is R's default quantile (type 7) of the sample in
    which each unit is repeated w times. Source: ``Hmisc::wtd.quantile(type="quantile",
    normwt=FALSE)``, which IPEA's ``palma_ratio`` uses for the income cut points.

    Parameters
    ----------
    values : array-like
        Finite values (any sign); units with weight 0 are ignored.
    weights : array-like or None
        Counts of people (≥ 0); None gives every unit weight 1.
    probs : float or sequence of float in [0, 1]

    Returns
    -------
    numpy.ndarray of float64, one quantile per element of `probs`.
    """
    x = _as_float(values, "values", negative_ok=True)
    w = (
        np.ones_like(x)
        if weights is None
        else _as_float(_aligned(weights, values, "weights"), "weights")
    )
    if w.shape != x.shape:
        raise ValidationError(f"weights: {w.size} values for {x.size} units.", column="weights")
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    if not np.all((p >= 0) & (p <= 1)):
        raise ValidationError(f"probs must lie in [0, 1], got {p.tolist()}.", column="probs")
    keep = w > 0
    if not keep.any():
        raise ValidationError(
            "weights: the total population is 0; quantiles are undefined.", column="weights"
        )
    unique, inverse = np.unique(x[keep], return_inverse=True)
    cumulative = np.cumsum(np.bincount(inverse, weights=w[keep]))
    total = cumulative[-1]
    position = 1.0 + (total - 1.0) * p
    low = np.maximum(np.floor(position), 1.0)
    high = np.minimum(low + 1.0, total)
    frac = position - np.floor(position)

    def person(rank: F64) -> F64:
        # value of the first unit whose cumulative weight reaches `rank` (ranks beyond the
        # total take the largest value, as approx(rule = 2) does in Hmisc)
        k = np.searchsorted(cumulative, rank, side="left")
        return unique[np.minimum(k, unique.size - 1)]

    below, above = person(low), person(high)
    # a + f (b − a), not (1 − f) a + f b: exact when a == b, so a unit whose value equals
    # a tied quantile compares equal to it
    return below + frac * (above - below)


# --- indices -----------------------------------------------------------------------------


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini index of `values` over the population: 0 (equality) to 1 − min share.

    Formula (area under the Lorenz curve, by trapezoids): with units sorted by value,
    s_k = w_k / Σ w their population shares and L_k = Σ_{l ≤ k} w_l x_l / Σ w x the
    cumulative share of the total (L_0 = 0),

        G = 1 − Σ_k s_k (L_{k−1} + L_k),

    equal to the mean absolute difference between two people over twice the mean,
    Σ_i Σ_j w_i w_j |x_i − x_j| / (2 (Σ w)² μ). All-zero or all-equal values give 0.

    Source: IPEA ``accessibility::gini_index`` (R/gini_index.R), same trapezoid formula.

    Parameters
    ----------
    values : array-like or pandas.Series
        Accessibility of each unit (e.g. APL, consultations/year/standardised inhabitant), ≥ 0.
    weights : array-like or pandas.Series, optional
        Population of each unit (inhabitants); default 1 each. Two Series are aligned on
        their index.

    Examples
    --------
    >>> gini([1.0, 3.0], [1.0, 1.0])   # (|1 − 3| + |3 − 1|) / (2 × 2² × 2) = 0.25
    0.25
    """
    x, w = _inputs(values, weights)
    total = float(np.dot(w, x))
    if total == 0.0:
        return 0.0
    order = np.argsort(x, kind="stable")
    share = w[order] / w.sum()
    lorenz = np.cumsum(w[order] * x[order]) / total
    previous = np.concatenate(([0.0], lorenz[:-1]))
    # clip: rounding can leave −1e-17 for perfectly equal values
    return float(max(0.0, 1.0 - np.sum(share * (previous + lorenz))))


def palma_ratio(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    rank_by: ArrayLike | None = None,
    *,
    cut_points: tuple[float, float] | None = None,
) -> float:
    """Palma ratio: mean access of the richest 10 % over that of the poorest 40 %.

    The transport-planning definition of IPEA: units are grouped by `rank_by` (income per
    capita; by `values` themselves when None), the poorest group holds the units with
    rank ≤ q40 and the richest the units with rank > q90, where q40 and q90 are the
    population-weighted 40th and 90th percentiles of `rank_by` (:func:`weighted_quantile`,
    Hmisc definition), and

        Palma = mean_w(values | rank > q90) / mean_w(values | rank ≤ q40),

    each mean weighted by population. Units are not split across groups, so on few units
    the groups hold roughly, not exactly, 10 % and 40 % of the population.

    **Fractional fallback** (apl, where IPEA returns NA): when one of these unit-based
    groups is empty — a unit holds more than 10 % of the population at the top (a city in
    its département), a single unit, or ranks tied at the top — both groups are instead
    taken as exact population shares. Units sorted by rank, N = Σ w, the richest group is
    the people at cumulative population positions (0.9 N, N] and the poorest those in
    [0, 0.4 N]; the unit straddling a cut point contributes the part of its population on
    the group's side (units with tied ranks form one block, contributing its
    population-weighted mean value):

        Palma = [Σ_k a_k x_k / (0.1 N)] / [Σ_k b_k x_k / (0.4 N)],

    with a_k (b_k) the number of people of unit k inside the top (bottom) share. E.g.
    x = (1, 2, 3, 4, 10), w = (10, 20, 30, 40, 50): N = 150, q90 = 10, so no unit ranks
    above q90; top 15 people all of the unit x = 10 (mean 10), bottom 60 people
    10 × 1 + 20 × 2 + 30 × 3 = 140 (mean 7/3): Palma = 30/7 ≈ 4.29 (not 1, "no
    inequality"). The fallback applies only without `cut_points`; with fixed cut points an
    empty group is an error (the ratio is undefined). On all-equal values it gives 1.
    When the poorest group's mean is 0, the ratio is 1 if the richest group's mean is
    also 0 and +inf otherwise.

    Source: IPEA ``accessibility::palma_ratio`` (R/palma_ratio.R); Palma (2011) for the
    income-share original. IPEA's published examples use non-empty groups, where apl and
    IPEA agree.

    Parameters
    ----------
    values : array-like or pandas.Series
        Accessibility of each unit, ≥ 0.
    weights : array-like or pandas.Series, optional
        Population of each unit; default 1 each.
    rank_by : array-like or pandas.Series, optional
        Socio-economic ranking variable (income per capita, or minus a deprivation index);
        default `values`.
    cut_points : (q40, q90), optional
        Fixed rank cut points instead of the weighted percentiles of `rank_by` (e.g.
        national income deciles applied to one department: IPEA computes them on the whole
        study area).

    Raises
    ------
    ValidationError
        With `cut_points`, no unit ranks above q90 or none at or below q40.
    """
    x, w = _inputs(values, weights)
    r = x if rank_by is None else _ranks(rank_by, values, x.size)
    q40, q90 = (weighted_quantile(r, w, (0.4, 0.9)) if cut_points is None
                else np.asarray(cut_points, dtype=np.float64))  # fmt: skip
    poorest = (r <= q40) & (w > 0)
    richest = (r > q90) & (w > 0)
    if richest.any() and poorest.any():
        top = float(np.average(x[richest], weights=w[richest]))
        bottom = float(np.average(x[poorest], weights=w[poorest]))
    elif cut_points is not None:
        empty = "above q90" if not richest.any() else "at or below q40"
        raise ValidationError(f"palma_ratio: no populated unit ranks {empty} with cut_points={tuple(cut_points)}; "
                              "the ratio is undefined (omit cut_points to use the population shares).",
                              column="cut_points")  # fmt: skip
    else:
        top, bottom = _share_means(x, w, r)
    if bottom == 0.0:
        return 1.0 if top == 0.0 else float("inf")
    return top / bottom


def _share_means(x: F64, w: F64, r: F64) -> tuple[float, float]:
    """Mean of `x` over the top 10 % and the bottom 40 % of the population by rank `r`,
    splitting the units that straddle the cut points (tied ranks as one block)."""
    unique, inverse = np.unique(r, return_inverse=True)
    pop = np.bincount(inverse, weights=w, minlength=unique.size)
    mass = np.bincount(inverse, weights=w * x, minlength=unique.size)
    block_mean = np.divide(mass, pop, out=np.zeros_like(mass), where=pop > 0)
    end = np.cumsum(pop)
    start = end - pop
    total = float(end[-1])

    def mean_between(lo: float, hi: float) -> float:
        # people of each block inside [lo, hi] of the cumulative population
        inside = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
        return float(np.dot(inside, block_mean) / (hi - lo))

    return mean_between(0.9 * total, total), mean_between(0.0, 0.4 * total)


@dataclass(frozen=True)
class TheilDecomposition:
    """Theil T split into inequality between groups and within groups.

    Attributes
    ----------
    total, between, within : float
        total = between + within (dimensionless, ≥ 0).
    groups : pandas.DataFrame
        Indexed by group: ``population``, ``mean`` (population-weighted mean of the
        values), ``theil_t`` (T within the group), ``between`` (the group's term of the
        between component, S_g ln(S_g / s_g), may be negative), ``within`` (its term of the
        within component, S_g T_g), with s_g the group's population share and S_g its
        share of the total Σ w x.
    """

    total: float
    between: float
    within: float
    groups: pd.DataFrame


def _theil(x: F64, w: F64) -> float:
    """Σ s_i (x_i/μ) ln(x_i/μ), with 0 ln 0 = 0; 0 when μ = 0."""
    mean = float(np.dot(w, x) / w.sum())
    if mean == 0.0:
        return 0.0
    ratio = x / mean
    positive = ratio > 0
    terms = np.zeros_like(ratio)
    terms[positive] = ratio[positive] * np.log(ratio[positive])
    return float(max(0.0, np.dot(w, terms) / w.sum()))


def theil_t(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    groups: ArrayLike | None = None,
) -> float | TheilDecomposition:
    """Theil T index, optionally decomposed between and within groups.

    Formula: with μ = Σ w x / Σ w and s_i = w_i / Σ w,

        T = Σ_i s_i (x_i / μ) ln(x_i / μ),

    from 0 (equality) to ln(Σ w / w_min) at most. A unit with x = 0 contributes 0 (the
    limit of x ln x), and is counted in μ and in Σ w; all-zero values give 0. With groups
    g (department, TVS, income decile), s_g the group's population share, μ_g its mean
    and S_g = s_g μ_g / μ its share of the total,

        T = Σ_g S_g ln(S_g / s_g)  [between]  +  Σ_g S_g T_g  [within].

    Source: IPEA ``accessibility::theil_t`` (R/theil_t.R), Theil (1967); apl differs from
    IPEA only for zero values, which IPEA drops from the population weights (it filters
    ``opportunity > 0`` before the weighted mean) while apl keeps them.

    Parameters
    ----------
    values : array-like or pandas.Series
        Accessibility of each unit, ≥ 0.
    weights : array-like or pandas.Series, optional
        Population of each unit; default 1 each.
    groups : array-like or pandas.Series, optional
        Group label of each unit (no missing label).

    Returns
    -------
    float, or :class:`TheilDecomposition` when `groups` is given.
    """
    x, w = _inputs(values, weights)
    if groups is None:
        return _theil(x, w)
    labels = pd.Series(np.asarray(_aligned(groups, values, "groups")))
    if len(labels) != x.size:
        raise ValidationError(
            f"groups: {len(labels)} labels for {x.size} units; expected one per unit.",
            column="groups",
        )
    if labels.isna().any():
        k = int(np.flatnonzero(labels.isna().to_numpy())[0])
        row = values.index[k] if isinstance(values, pd.Series) else k
        raise ValidationError(f"groups: row {row!r} has no group.", column="groups", row=row)
    codes, uniques = pd.factorize(labels, sort=True)
    n = len(uniques)
    pop = np.bincount(codes, weights=w, minlength=n)
    mass = np.bincount(codes, weights=w * x, minlength=n)
    total_mass = float(mass.sum())
    mean = np.divide(mass, pop, out=np.zeros(n), where=pop > 0)
    within_t = np.array(
        [_theil(x[codes == g], w[codes == g]) if pop[g] > 0 else 0.0 for g in range(n)]
    )
    pop_share = pop / pop.sum()
    if total_mass > 0:
        mass_share = mass / total_mass
        between_terms = np.zeros(n)
        pos = mass_share > 0
        between_terms[pos] = mass_share[pos] * np.log(mass_share[pos] / pop_share[pos])
        within_terms = mass_share * within_t
    else:
        between_terms = np.zeros(n)
        within_terms = np.zeros(n)
    table = pd.DataFrame({"population": pop, "mean": mean, "theil_t": within_t, "between": between_terms,
                          "within": within_terms}, index=pd.Index(uniques, name="group"))  # fmt: skip
    between = float(max(0.0, between_terms.sum()))
    within = float(within_terms.sum())
    return TheilDecomposition(total=between + within, between=between, within=within, groups=table)


def concentration_index(
    values: ArrayLike,
    rank_by: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    kind: Literal["standard", "corrected"] = "standard",
) -> float:
    """Concentration index of `values` along a socio-economic ranking, in [−1, 1].

    Units are ranked by `rank_by` (income: higher = better off). With s_i the population
    shares, R_i the fractional rank (the mid-point of the unit's population span in the
    ranking: R_i = Σ_{rank_k < rank_i} s_k + s_i / 2, tied units sharing the mid-point of
    their common span) and μ the weighted mean,

        C = (2 / μ) Σ_i s_i (x_i − μ)(R_i − ½)        (standard),
        E = 4 μ / (max x − min x) · C                 (corrected, Erreygers 2009).

    Negative: access concentrated among the poor; positive: among the rich. All-zero or
    all-equal values give 0.

    Source: IPEA ``accessibility::concentration_index`` (R/concentration_index.R), after
    van Doorslaer & Koolman (2004, eq. 4, https://doi.org/10.1002/hec.918) and
    Erreygers (2009, https://doi.org/10.1016/j.jhealeco.2008.02.003). IPEA orders tied
    ranks arbitrarily (by row order); apl gives them the same rank.

    Parameters
    ----------
    values : array-like or pandas.Series
        Accessibility of each unit, ≥ 0.
    rank_by : array-like or pandas.Series
        Ranking variable (income per capita, or minus a deprivation index), any sign.
    weights : array-like or pandas.Series, optional
        Population of each unit; default 1 each.
    kind : {"standard", "corrected"}, default "standard"
    """
    if kind not in ("standard", "corrected"):
        raise ValidationError(
            f"kind must be 'standard' or 'corrected', got {kind!r}.", column="kind"
        )
    x, w = _inputs(values, weights)
    r = _ranks(rank_by, values, x.size)
    share = w / w.sum()
    mean = float(np.dot(share, x))
    if mean == 0.0:
        return 0.0
    # fractional rank with ties sharing their span: cumulative share of strictly lower ranks
    # plus half the tie group's share
    unique, inverse = np.unique(r, return_inverse=True)
    tie_share = np.bincount(inverse, weights=share, minlength=unique.size)
    below = np.concatenate(([0.0], np.cumsum(tie_share)[:-1]))
    rank = below[inverse] + tie_share[inverse] / 2.0
    c = 2.0 / mean * float(np.sum(share * (x - mean) * (rank - 0.5)))
    if kind == "standard":
        return c
    present = w > 0
    spread = float(x[present].max() - x[present].min())
    return 0.0 if spread == 0.0 else 4.0 * mean / spread * c


def fgt(
    values: ArrayLike,
    threshold: float = 2.5,
    alpha: float = 0,
    weights: ArrayLike | None = None,
) -> float:
    """Foster-Greer-Thorbecke poverty measure FGT_α for a poverty line `threshold`.

    Formula: with z the threshold and s_i the population shares,

        FGT_α = Σ_{i: x_i < z} s_i ((z − x_i) / z)^α.

    α = 0: share of the population below the line (headcount; with z = 2.5 the share of
    inhabitants in communes below the ZIP threshold); α = 1: poverty gap (mean shortfall
    as a share of the line, 0 for people above); α = 2: severity (squared shortfall,
    weighting the worst-off more). In [0, 1]; 0 when nobody is below the line (and for
    z = 0).

    Source: IPEA ``accessibility::fgt_poverty`` (R/fgt_poverty.R); Foster, Greer &
    Thorbecke (1984, https://doi.org/10.2307/1913475).

    Parameters
    ----------
    values : array-like or pandas.Series
        Accessibility of each unit (e.g. APL), ≥ 0.
    threshold : float, default 2.5
        Poverty line, same unit as `values` (2.5 consultations/year/standardised
        inhabitant: the ZIP threshold of the 2017 zoning).
    alpha : float, default 0
        0, 1 or 2 (any α ≥ 0 is accepted).
    weights : array-like or pandas.Series, optional
        Population of each unit; default 1 each.
    """
    if not (np.isfinite(threshold) and threshold >= 0):
        raise ValidationError(
            f"fgt: threshold must be a finite number ≥ 0, got {threshold!r}.", column="threshold"
        )
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValidationError(f"fgt: alpha must be ≥ 0 (0, 1 or 2), got {alpha!r}.", column="alpha")
    x, w = _inputs(values, weights)
    below = x < threshold
    if not below.any():
        return 0.0
    gap = (threshold - x[below]) / threshold
    terms = np.ones_like(gap) if alpha == 0 else gap**alpha
    return float(np.dot(w[below], terms) / w.sum())
