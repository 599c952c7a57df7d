"""Naive twins of apl.inequality: the textbook formulas as plain Python loops.

Independent of apl's code (no numpy, no apl imports). Where apl's code works on units
with population weights, these twins use another route: the mean absolute difference for
the Gini, and, for integer populations, the list of *people* (each unit repeated as many
times as it has inhabitants) for quantiles, the Palma ratio (whole units, and exact
population shares) and the concentration index.
"""

from __future__ import annotations

import math


def gini_mean_difference(x: list[float], w: list[float]) -> float:
    """G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ) (0 when μ = 0)."""
    total_w = sum(w)
    mean = sum(a * b for a, b in zip(x, w, strict=True)) / total_w
    if mean == 0:
        return 0.0
    acc = 0.0
    for xi, wi in zip(x, w, strict=True):
        for xj, wj in zip(x, w, strict=True):
            acc += wi * wj * abs(xi - xj)
    return acc / (2.0 * total_w * total_w * mean)


def people(x: list[float], w: list[int]) -> list[float]:
    """Each unit's value repeated once per inhabitant (integer populations)."""
    out: list[float] = []
    for xi, wi in zip(x, w, strict=True):
        out.extend([xi] * int(wi))
    return out


def quantile_type7(sample: list[float], p: float) -> float:
    """R's default quantile (type 7) of a list: h = (n − 1) p, linear between order stats."""
    s = sorted(sample)
    h = (len(s) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def palma_people(x: list[float], w: list[int], rank: list[float]) -> float:
    """Mean over people of the units ranked > q90 over the mean of those ≤ q40."""
    ranks = people(rank, w)
    q40, q90 = quantile_type7(ranks, 0.4), quantile_type7(ranks, 0.9)
    top = [xi for xi, ri, wi in zip(x, rank, w, strict=True) for _ in range(int(wi)) if ri > q90]
    bottom = [
        xi for xi, ri, wi in zip(x, rank, w, strict=True) for _ in range(int(wi)) if ri <= q40
    ]
    return (sum(top) / len(top)) / (sum(bottom) / len(bottom))


def palma_shares_people(x: list[float], w: list[int], rank: list[float]) -> float:
    """Palma on exact population shares: each inhabitant split into 10 equal people (so that
    10 % and 40 % of them are whole people), people sorted by rank, tied ranks given their
    tie group's mean value; mean of the last tenth over the mean of the first four tenths
    (1 when both are 0, inf when only the bottom is 0)."""
    tie_sum: dict[float, float] = {}
    tie_pop: dict[float, int] = {}
    for xi, ri, wi in zip(x, rank, w, strict=True):
        tie_sum[ri] = tie_sum.get(ri, 0.0) + xi * wi
        tie_pop[ri] = tie_pop.get(ri, 0) + int(wi)
    crowd: list[float] = []
    for ri in sorted(tie_pop):
        if tie_pop[ri]:
            crowd.extend([tie_sum[ri] / tie_pop[ri]] * (10 * tie_pop[ri]))
    n = len(crowd)
    top = sum(crowd[n - n // 10 :]) / (n // 10)
    bottom = sum(crowd[: 4 * n // 10]) / (4 * n // 10)
    if bottom == 0:
        return 1.0 if top == 0 else math.inf
    return top / bottom


def theil_loop(x: list[float], w: list[float]) -> float:
    total_w = sum(w)
    mean = sum(a * b for a, b in zip(x, w, strict=True)) / total_w
    if mean == 0:
        return 0.0
    acc = 0.0
    for xi, wi in zip(x, w, strict=True):
        if xi > 0:
            acc += wi / total_w * (xi / mean) * math.log(xi / mean)
    return acc


def theil_between_within(x: list[float], w: list[float], g: list[str]) -> tuple[float, float]:
    """(between, within) from group sums, with loops over groups."""
    total_w = sum(w)
    total_mass = sum(a * b for a, b in zip(x, w, strict=True))
    between = within = 0.0
    for label in sorted(set(g)):
        xs = [a for a, k in zip(x, g, strict=True) if k == label]
        ws = [b for b, k in zip(w, g, strict=True) if k == label]
        mass = sum(a * b for a, b in zip(xs, ws, strict=True))
        if total_mass == 0 or mass == 0:
            continue
        mass_share, pop_share = mass / total_mass, sum(ws) / total_w
        between += mass_share * math.log(mass_share / pop_share)
        within += mass_share * theil_loop(xs, ws)
    return between, within


def concentration_people(x: list[float], w: list[int], rank: list[float]) -> float:
    """C = 2 cov(x, R) / μ over people, R the fractional rank (p − ½)/N, ties averaged."""
    persons = sorted(zip(people(rank, w), people(x, w), strict=True))
    n = len(persons)
    fractional = [(p + 0.5) / n for p in range(n)]
    # people with the same rank share the average of their fractional ranks
    averaged = fractional[:]
    start = 0
    while start < n:
        end = start
        while end + 1 < n and persons[end + 1][0] == persons[start][0]:
            end += 1
        mid = sum(fractional[start : end + 1]) / (end - start + 1)
        for k in range(start, end + 1):
            averaged[k] = mid
        start = end + 1
    values = [v for _, v in persons]
    mean = sum(values) / n
    if mean == 0:
        return 0.0
    cov = sum((v - mean) * (r - 0.5) for v, r in zip(values, averaged, strict=True)) / n
    return 2.0 * cov / mean


def fgt_loop(x: list[float], w: list[float], z: float, alpha: float) -> float:
    acc = 0.0
    for xi, wi in zip(x, w, strict=True):
        if xi < z:
            acc += wi * (1.0 if alpha == 0 else ((z - xi) / z) ** alpha)
    return acc / sum(w)
