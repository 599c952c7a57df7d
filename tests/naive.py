"""Naive twins: the methodology written as plain Python loops on dense lists.

Independent of apl's code (no sparse arrays, no pandas, no apl imports): used to check
both the Numba kernels and the whole compute_apl pipeline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def drees_weight(t: float, closed: str = "left") -> float:
    """The DREES step decay for one time, written as if/else."""
    if closed == "left":
        if t < 10:
            return 1.0
        if t < 15:
            return 2.0 / 3.0
        if t < 20:
            return 1.0 / 3.0
        return 0.0
    if t <= 10:
        return 1.0
    if t <= 15:
        return 2.0 / 3.0
    if t <= 20:
        return 1.0 / 3.0
    return 0.0


def naive_two_step_dense(w: list[list[float]], population: list[float], supply: list[float]):
    """2SFCA on a dense weight matrix w[i][j]: returns (APL list, D list)."""
    n, m = len(population), len(supply)
    demand = [0.0] * m
    for j in range(m):
        for i in range(n):
            demand[j] += w[i][j] * population[i]
    ratio = [supply[j] / demand[j] if demand[j] > 0 else 0.0 for j in range(m)]
    apl = [0.0] * n
    for i in range(n):
        for j in range(m):
            apl[i] += w[i][j] * ratio[j]
    return apl, demand


def naive_apl(
    population: Mapping[str, float],
    supply: Mapping[str, float],
    times: Mapping[tuple[str, str], float],
    weight: Callable[[float], float] = drees_weight,
) -> dict[str, float]:
    """APL per demand commune straight from the methodology's rules.

    times maps (origin, destination) → minutes; absent pairs are unreachable and the
    time from a commune to itself is 0 whatever `times` says.
    """
    demand_codes = list(population)
    supply_codes = list(supply)
    w = []
    for i in demand_codes:
        row = []
        for j in supply_codes:
            if i == j:
                row.append(weight(0.0))
            elif (i, j) in times:
                row.append(weight(times[(i, j)]))
            else:
                row.append(0.0)
        w.append(row)
    apl, _ = naive_two_step_dense(
        w, [population[c] for c in demand_codes], [supply[c] for c in supply_codes]
    )
    return dict(zip(demand_codes, apl, strict=False))
