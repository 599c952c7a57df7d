"""apl — Accessibilité Potentielle Localisée to general practitioners (DREES method).

>>> import apl
>>> result = apl.compute_apl(demand, supply, travel_times)   # doctest: +SKIP

Public API: :func:`compute_apl`, :func:`standardize_population`,
:func:`retained_activity`, the decays (:class:`StepDecay`…), :class:`ActivityCaps`,
:class:`Diagnostics` / :func:`get_diagnostics`, and the modules :mod:`apl.errors`,
:mod:`apl.io`, :mod:`apl.kernels`.
"""

from . import datasets, errors, io, kernels, plot, report, scenarios, summary, zoning
from .accessibility import Diagnostics, compute_apl, get_diagnostics
from .decay import ExponentialDecay, GaussianDecay, LinearDecay, StepDecay
from .demand import AGE_BANDS, AGE_WEIGHTS, standardize_population
from .model import AccessibilityModel
from .supply import ActivityCaps, retained_activity

__version__ = "0.1.0"

__all__ = [
    "AGE_BANDS",
    "AGE_WEIGHTS",
    "AccessibilityModel",
    "ActivityCaps",
    "Diagnostics",
    "datasets",
    "ExponentialDecay",
    "GaussianDecay",
    "LinearDecay",
    "StepDecay",
    "compute_apl",
    "errors",
    "io",
    "get_diagnostics",
    "kernels",
    "plot",
    "report",
    "retained_activity",
    "scenarios",
    "standardize_population",
    "summary",
    "zoning",
]
