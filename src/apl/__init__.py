"""apl — Accessibilité Potentielle Localisée to general practitioners (DREES method).

>>> import apl
>>> result = apl.compute_apl(demand, supply, travel_times)   # doctest: +SKIP

Public API: :func:`compute_apl`, :func:`standardize_population`,
:func:`retained_activity`, the decays (:class:`StepDecay`…), :class:`ActivityCaps`,
:class:`Diagnostics` / :func:`get_diagnostics`, and the modules :mod:`apl.errors`,
:mod:`apl.io`, :mod:`apl.kernels`.
"""

import importlib
import importlib.util
from typing import Any

# The floating-catchment family, gravity, cumulative, cost to closest (light: numpy/pandas).
from . import errors, io, kernels, measures
from .accessibility import Diagnostics, compute_apl, get_diagnostics
from .decay import (
    ExponentialDecay,
    GaussianDecay,
    InversePowerDecay,
    LinearDecay,
    LogisticDecay,
    LogLogisticDecay,
    StepDecay,
)
from .demand import AGE_BANDS, AGE_WEIGHTS, standardize_population
from .measures import cost_to_closest, cumulative, floating_catchment, gravity
from .model import AccessibilityModel
from .supply import ActivityCaps, retained_activity

__version__ = "0.1.0"

# Submodules loaded on first attribute access (``apl.plot``…), so that ``import apl`` stays
# light: plot/report pull in matplotlib, datasets geopandas (on use), zoning files openpyxl.
_LAZY_SUBMODULES = frozenset({
    "datasets", "plot", "report", "scenarios", "summary", "zoning", "validation", "pairs",
    "travel_times", "decay", "demand", "supply", "accessibility", "model", "cli",
    "inequality", "uncertainty", "routing",
})  # fmt: skip


def __getattr__(name: str) -> Any:
    """Import a submodule on first access (PEP 562): ``apl.plot`` works without an import."""
    if name in _LAZY_SUBMODULES or (
        not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}")
    ):
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES)


__all__ = [
    "AGE_BANDS",
    "AGE_WEIGHTS",
    "AccessibilityModel",
    "ActivityCaps",
    "Diagnostics",
    "ExponentialDecay",
    "GaussianDecay",
    "InversePowerDecay",
    "LinearDecay",
    "LogLogisticDecay",
    "LogisticDecay",
    "StepDecay",
    "compute_apl",
    "cost_to_closest",
    "cumulative",
    "datasets",
    "errors",
    "floating_catchment",
    "get_diagnostics",
    "gravity",
    "inequality",
    "io",
    "kernels",
    "measures",
    "plot",
    "report",
    "retained_activity",
    "scenarios",
    "standardize_population",
    "summary",
    "uncertainty",
    "zoning",
]
