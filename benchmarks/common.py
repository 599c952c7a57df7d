"""Helpers shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``)."""

from __future__ import annotations

import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import apl


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def versions() -> dict[str, str]:
    """Python, NumPy, pandas and apl versions and the machine type, for a results JSON."""
    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "apl": apl.__version__,
        "machine": platform.machine(),
    }


def access_factory(
    problem: apl.datasets.SyntheticProblem, *, copy_costs: bool
) -> Callable[[], Any] | None:
    """A function building a fresh PySAL ``access.Access`` on `problem`, or None if not installed.

    Demand in inhabitants (``population``), supply in acts/year (``acts``), costs in minutes.
    access joins demand on the cost origin and supply on the cost destination. With
    `copy_costs` each Access gets its own copy of the cost table (some of its methods add
    columns to it).
    """
    try:
        from access import Access
    except ImportError:
        return None
    demand = problem.demand.set_index("commune")
    supply = problem.supply.set_index("commune")
    tt = problem.travel_times.rename(columns={"destination": "dest"})

    def make() -> Any:
        return Access(
            demand_df=demand, demand_index=True, demand_value="population",
            supply_df=supply, supply_index=True, supply_value="acts",
            cost_df=tt.copy() if copy_costs else tt, cost_origin="origin", cost_dest="dest",
            cost_name="minutes",
        )  # fmt: skip

    return make
