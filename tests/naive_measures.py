"""Naive twins of apl.measures: each formula as plain Python loops on dense lists.

Independent of apl's code (no sparse arrays, no apl imports): the papers' formulas read
literally, used to check apl.measures on random problems.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence


def dense_weights(
    rows: Sequence,
    cols: Sequence,
    times: Mapping[tuple, float],
    weight: Callable[[float], float],
    diagonal: str = "zero",
) -> list[list[float]]:
    """w[i][j] = f(t_ij); absent pairs 0; t_ii = 0 with diagonal="zero" (else the table's)."""
    w = []
    for i in rows:
        row = []
        for j in cols:
            if i == j and diagonal == "zero":
                row.append(weight(0.0))
            elif (i, j) in times:
                row.append(weight(times[(i, j)]))
            else:
                row.append(0.0)
        w.append(row)
    return w


def fca(
    w: list[list[float]], population: list[float], supply: list[float], method: str
) -> list[float]:
    """The floating-catchment methods on a dense weight matrix."""
    n, m = len(population), len(supply)
    row_sum = [sum(w[i]) for i in range(n)]
    col_sum = [sum(w[i][j] for i in range(n)) for j in range(m)]
    if method in ("2sfca", "e2sfca", "m2sfca"):
        step1 = w
        step2 = [
            [w[i][j] ** 2 if method == "m2sfca" else w[i][j] for j in range(m)] for i in range(n)
        ]
    elif method == "3sfca":
        # G_ij = w_ij / Σ_k w_ik enters both steps as G_ij · w_ij (Wan et al. 2012).
        g = [[w[i][j] / row_sum[i] if row_sum[i] > 0 else 0.0 for j in range(m)] for i in range(n)]
        step1 = [[g[i][j] * w[i][j] for j in range(m)] for i in range(n)]
        step2 = step1
    elif method == "bfca":
        step1 = [
            [w[i][j] / row_sum[i] if row_sum[i] > 0 else 0.0 for j in range(m)] for i in range(n)
        ]
        step2 = [
            [w[i][j] / col_sum[j] if col_sum[j] > 0 else 0.0 for j in range(m)] for i in range(n)
        ]
    else:
        raise ValueError(method)
    demand = [sum(step1[i][j] * population[i] for i in range(n)) for j in range(m)]
    ratio = [supply[j] / demand[j] if demand[j] > 0 else 0.0 for j in range(m)]
    return [sum(step2[i][j] * ratio[j] for j in range(m)) for i in range(n)]


def gravity(
    w: list[list[float]], population: list[float], supply: list[float], competition: bool
) -> list[float]:
    """Hansen (Σ_j S_j w_ij) or Joseph & Bantock (Σ_j S_j w_ij / Σ_k P_k w_kj)."""
    n, m = len(population), len(supply)
    if not competition:
        return [sum(supply[j] * w[i][j] for j in range(m)) for i in range(n)]
    v = [sum(population[k] * w[k][j] for k in range(n)) for j in range(m)]
    return [sum(supply[j] * w[i][j] / v[j] for j in range(m) if v[j] > 0) for i in range(n)]


def cumulative(rows, cols, times, supply, cutoff, diagonal="zero") -> list[float]:
    """Σ_j S_j [t_ij ≤ cutoff]."""
    w = dense_weights(rows, cols, times, lambda t: 1.0 if t <= cutoff else 0.0, diagonal)
    return [sum(supply[j] * w[i][j] for j in range(len(cols))) for i in range(len(rows))]


def cost_to_closest(rows, cols, times, supply, n, diagonal="zero") -> list[float]:
    """Least t such that the supply at times ≤ t sums to at least n; inf if never."""
    out = []
    for i in rows:
        reachable = []
        for j, s in zip(cols, supply, strict=True):
            if s <= 0:
                continue
            if i == j and diagonal == "zero":
                reachable.append((0.0, s))
            elif (i, j) in times:
                reachable.append((times[(i, j)], s))
        best = math.inf
        for t, _ in reachable:
            if sum(s for u, s in reachable if u <= t) >= n:
                best = min(best, t)
        out.append(best)
    return out
