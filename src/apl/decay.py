"""Distance-decay functions: travel time (minutes) → weight (dimensionless, 0..1).

A decay is any callable that takes a float64 array of minutes and returns an array of
weights of the same shape. apl evaluates it once on every origin–destination time, in a
vectorised call (never once per pair).

Weights lie in [0, 1] everywhere except in the gravity measures
(:func:`apl.measures.gravity`), which accept weights above 1 (e.g.
:class:`InversePowerDecay` with a floor below 1 minute); every other computation rejects
them. A decay may declare ``max_minutes`` (weight 0 beyond it) and ``max_weight`` (its
largest weight).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import ValidationError

__all__ = [
    "Decay",
    "ExponentialDecay",
    "GaussianDecay",
    "InversePowerDecay",
    "LinearDecay",
    "LogLogisticDecay",
    "LogisticDecay",
    "StepDecay",
]

Decay = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


class StepDecay:
    """Step decay: a constant weight on each band of travel time.

    Shape: a staircase, non-increasing when the weights are; bands in minutes.

    Parameters
    ----------
    bounds : sequence of float
        Increasing band edges, in minutes (DREES: ``(10, 15, 20)``).
    weights : sequence of float
        One weight per band, ``len(bounds) + 1`` values in [0, 1]: the first applies below
        ``bounds[0]``, the last beyond ``bounds[-1]`` (DREES: ``(1, 2/3, 1/3, 0)``).
    closed : {"left", "right"}, default "left"
        Which end of a band includes its edge. ``"left"``: bands are ``[b_k, b_k+1)``,
        so a time exactly on an edge takes the weight of the band *above* (t = 10 → 2/3).
        ``"right"``: bands are ``(b_k, b_k+1]``, an edge takes the band *below*
        (t = 10 → 1). DREES does not publish the rule; apl's default is ``"left"``.

    Examples
    --------
    >>> import numpy as np
    >>> d = StepDecay.drees()
    >>> d(np.array([0.0, 9.99, 10.0, 15.0, 20.0]))
    array([1.        , 1.        , 0.66666667, 0.33333333, 0.        ])
    """

    def __init__(
        self,
        bounds: Sequence[float],
        weights: Sequence[float],
        closed: Literal["left", "right"] = "left",
    ) -> None:
        b = np.asarray(bounds, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0):
            msg = f"StepDecay: bounds must be a non-empty increasing list of minutes, got {list(bounds)}."
            raise ValidationError(msg, table="decay", column="bounds")
        if b[0] < 0:
            msg = f"StepDecay: bounds must be ≥ 0 minutes, got {list(bounds)}."
            raise ValidationError(msg, table="decay", column="bounds")
        if w.shape != (b.size + 1,):
            msg = (
                f"StepDecay: expected len(bounds) + 1 = {b.size + 1} weights (one per band, the "
                f"last beyond {b[-1]:g} minutes), got {w.size}: {list(weights)}."
            )
            raise ValidationError(msg, table="decay", column="weights")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or np.any(w > 1):
            msg = f"StepDecay: weights must lie in [0, 1], got {list(weights)}."
            raise ValidationError(msg, table="decay", column="weights")
        if closed not in ("left", "right"):
            msg = f"StepDecay: closed must be 'left' or 'right', got {closed!r}."
            raise ValidationError(msg, table="decay", column="closed")
        self.bounds = b
        self.weights = w
        self.closed = closed
        # searchsorted side: "right" sends t == edge to the band above (left-closed bands).
        self._side: Literal["left", "right"] = "right" if closed == "left" else "left"

    @property
    def max_minutes(self) -> float:
        """Travel time (minutes) beyond which the weight is 0: the last edge when the last
        weight is 0, else infinity."""
        return float(self.bounds[-1]) if self.weights[-1] == 0 else float("inf")

    @classmethod
    def drees(cls, closed: Literal["left", "right"] = "left") -> StepDecay:
        """The DREES decay: < 10 min → 1, 10–15 → 2/3, 15–20 → 1/3, ≥ 20 → 0 (minutes)."""
        return cls((10.0, 15.0, 20.0), (1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0), closed=closed)

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        return self.weights[np.searchsorted(self.bounds, t, side=self._side)]

    def __repr__(self) -> str:
        b = ", ".join(f"{x:g}" for x in self.bounds)
        w = ", ".join(f"{x:.6g}" for x in self.weights)
        return f"StepDecay(bounds=[{b}], weights=[{w}], closed={self.closed!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StepDecay)
            and np.array_equal(self.bounds, other.bounds)
            and np.array_equal(self.weights, other.weights)
            and self.closed == other.closed
        )

    def __hash__(self) -> int:
        return hash((tuple(self.bounds), tuple(self.weights), self.closed))


def _py(value: object) -> object:
    """A NumPy scalar as its Python value, for messages (decay sits below apl.validation)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_positive(name: str, value: float, owner: str) -> None:
    if not (np.isfinite(value) and value > 0):
        msg = f"{owner}: {name} must be a positive number of minutes, got {_py(value)!r}."
        raise ValidationError(msg, table="decay", column=name)


def _check_reach(value: float, owner: str) -> None:
    # max_minutes may be infinite (no catchment edge) but not NaN, 0 or negative.
    if not (value > 0):
        msg = f"{owner}: max_minutes must be a positive number of minutes (or inf), got {_py(value)!r}."
        raise ValidationError(msg, table="decay", column="max_minutes")


@dataclass(frozen=True)
class LinearDecay:
    """Linear decay ``w = max(0, 1 - t / max_minutes)``.

    Shape: a straight line from 1 at 0 minutes to 0 at `max_minutes`.

    Parameters
    ----------
    max_minutes : float
        Travel time (minutes) at which the weight reaches 0.
    """

    max_minutes: float

    def __post_init__(self) -> None:
        _check_positive("max_minutes", self.max_minutes, "LinearDecay")

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        return np.clip(1.0 - t / self.max_minutes, 0.0, 1.0)


@dataclass(frozen=True)
class GaussianDecay:
    """Gaussian decay ``w = exp(-t² / (2 σ²))``, cut to 0 beyond `max_minutes`.

    Shape: flat near 0, inflection at t = σ (w ≈ 0.61), then a fast fall; t and σ in minutes.

    Parameters
    ----------
    sigma : float
        Scale, minutes.
    max_minutes : float, default 30
        Catchment edge, minutes: weight 0 beyond it (keeps the pair table sparse).
    """

    sigma: float
    max_minutes: float = 30.0

    def __post_init__(self) -> None:
        _check_positive("sigma", self.sigma, "GaussianDecay")
        _check_positive("max_minutes", self.max_minutes, "GaussianDecay")

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        return np.where(t <= self.max_minutes, np.exp(-(t**2) / (2.0 * self.sigma**2)), 0.0)


@dataclass(frozen=True)
class ExponentialDecay:
    """Exponential decay ``w = exp(-t / scale)``, cut to 0 beyond `max_minutes`.

    Shape: steepest at 0, convex, w = 1/e at t = scale; t and scale in minutes. IPEA
    ``decay_exponential(x)`` is ``scale = 1 / x`` with no cut.

    Parameters
    ----------
    scale : float
        e-folding time, minutes.
    max_minutes : float, default 30
        Catchment edge, minutes: weight 0 beyond it.
    """

    scale: float
    max_minutes: float = 30.0

    def __post_init__(self) -> None:
        _check_positive("scale", self.scale, "ExponentialDecay")
        _check_positive("max_minutes", self.max_minutes, "ExponentialDecay")

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        return np.where(t <= self.max_minutes, np.exp(-t / self.scale), 0.0)


@dataclass(frozen=True)
class InversePowerDecay:
    """Inverse power (gravity) decay ``w = (max(t, floor) / scale) ** -beta``.

    Shape: decreasing, never 0 (a heavy tail), flat below `floor`. The floor avoids the
    infinite weight at t = 0 (a unit reaching itself). With the defaults (floor = scale
    = 1 minute) the weight is ``t ** -beta`` capped at 1, as IPEA ``decay_power``; PySAL
    ``weights.gravity(scale, alpha=-beta, min_dist=floor)`` is the same function.

    Parameters
    ----------
    beta : float
        Exponent (dimensionless, > 0).
    floor : float, default 1
        Minutes: times below it count as `floor` (weight ``(floor / scale) ** -beta``).
    scale : float, default 1
        Minutes: the time whose weight is 1.
    max_minutes : float, default inf
        Catchment edge, minutes: weight 0 beyond it (keeps the pair table sparse).

    Notes
    -----
    Its largest weight, ``max_weight = (floor / scale) ** -beta``, exceeds 1 when
    floor < scale. Such a decay is accepted only by :func:`apl.measures.gravity`.

    Examples
    --------
    >>> import numpy as np
    >>> InversePowerDecay(0.5)(np.array([0.0, 0.5, 1.0, 16.0, 64.0]))
    array([1.   , 1.   , 1.   , 0.25 , 0.125])
    """

    beta: float
    floor: float = 1.0
    scale: float = 1.0
    max_minutes: float = float("inf")

    def __post_init__(self) -> None:
        if not (np.isfinite(self.beta) and self.beta > 0):
            msg = f"InversePowerDecay: beta must be a positive number, got {_py(self.beta)!r}."
            raise ValidationError(msg, table="decay", column="beta")
        _check_positive("floor", self.floor, "InversePowerDecay")
        _check_positive("scale", self.scale, "InversePowerDecay")
        _check_reach(self.max_minutes, "InversePowerDecay")

    @property
    def max_weight(self) -> float:
        """The weight below `floor` minutes, the largest this decay returns."""
        return float((self.floor / self.scale) ** -self.beta)

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        w = (np.maximum(t, self.floor) / self.scale) ** -self.beta
        return np.where(t <= self.max_minutes, w, 0.0)


@dataclass(frozen=True)
class LogisticDecay:
    """Adjusted logistic decay of Bauer & Groneberg (2016), scaled so that w(0) = 1.

    ``w = (1 + exp(-k·median)) / (1 + exp(k·(t - median)))`` with ``k = π / (sd·√3)``:
    a reversed S curve, flat near 0, 0.5 (almost exactly) at `median`, steeper when `sd`
    is small (a binary cut at `median` as sd → 0, near linear when sd is large). IPEA
    ``decay_logistic(cutoff=median, sd=sd)`` is the same function.

    Parameters
    ----------
    median : float
        Inflection point, minutes.
    sd : float
        Standard deviation of the logistic distribution, minutes.
    max_minutes : float, default inf
        Catchment edge, minutes: weight 0 beyond it.

    References
    ----------
    Bauer J, Groneberg DA (2016). Measuring spatial accessibility of health care
    providers – introduction of a variable distance decay function within the floating
    catchment area (FCA) method. PLOS ONE 11(7): e0159148.

    Examples
    --------
    >>> import numpy as np
    >>> LogisticDecay(30, 5)(np.array([0.0, 30.0])).round(7)
    array([1.       , 0.5000094])
    """

    median: float
    sd: float
    max_minutes: float = float("inf")

    def __post_init__(self) -> None:
        _check_positive("median", self.median, "LogisticDecay")
        _check_positive("sd", self.sd, "LogisticDecay")
        _check_reach(self.max_minutes, "LogisticDecay")

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        k = np.pi / (self.sd * np.sqrt(3.0))
        # exp overflows to inf far beyond the median: 1/inf = 0, the right limit.
        with np.errstate(over="ignore"):
            w = (1.0 + np.exp(-k * self.median)) / (1.0 + np.exp(k * (t - self.median)))
        return np.where(t <= self.max_minutes, w, 0.0)


@dataclass(frozen=True)
class LogLogisticDecay:
    """Log-logistic decay ``w = 1 / (1 + (t / median) ** shape)``.

    The logistic curve of log(t): w(0) = 1, w(median) = 0.5 exactly, and a power-law
    tail ``(t / median) ** -shape`` far beyond the median (heavier than
    :class:`LogisticDecay`, whose tail is exponential). Larger `shape` → sharper drop
    around the median.

    Parameters
    ----------
    median : float
        Minutes at which the weight is 0.5.
    shape : float
        Dimensionless steepness (> 0).
    max_minutes : float, default inf
        Catchment edge, minutes: weight 0 beyond it.

    Examples
    --------
    >>> import numpy as np
    >>> LogLogisticDecay(20, 2)(np.array([0.0, 20.0, 40.0]))
    array([1. , 0.5, 0.2])
    """

    median: float
    shape: float
    max_minutes: float = float("inf")

    def __post_init__(self) -> None:
        _check_positive("median", self.median, "LogLogisticDecay")
        if not (np.isfinite(self.shape) and self.shape > 0):
            msg = f"LogLogisticDecay: shape must be a positive number, got {_py(self.shape)!r}."
            raise ValidationError(msg, table="decay", column="shape")
        _check_reach(self.max_minutes, "LogLogisticDecay")

    def __call__(self, minutes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        t = np.asarray(minutes, dtype=np.float64)
        w = 1.0 / (1.0 + (t / self.median) ** self.shape)
        return np.where(t <= self.max_minutes, w, 0.0)


def evaluate_decay(
    decay: Decay, minutes: npt.NDArray[np.float64], *, max_weight: float = 1.0
) -> npt.NDArray[np.float64]:
    """Apply `decay` to an array of minutes and check the weights it returns.

    A decay may declare ``max_minutes``: apl then treats every time beyond it as weight 0
    without calling the decay (the built-in decays all do; LinearDecay at 1 - t/max = 0).

    Parameters
    ----------
    decay : callable
        Minutes → weight, vectorised.
    minutes : numpy.ndarray of float64
        Travel times, minutes.
    max_weight : float, default 1
        Largest weight accepted. 1 everywhere in apl except the gravity measures
        (:func:`apl.measures.gravity` passes ``numpy.inf``).
    """
    if not callable(decay):
        msg = f"decay must be a callable minutes → weight (e.g. apl.StepDecay.drees()), got {decay!r}."
        raise ValidationError(msg, table="decay")
    w = np.asarray(decay(minutes), dtype=np.float64)
    if w.shape != minutes.shape:
        msg = (
            f"decay {decay!r} returned an array of shape {w.shape} for {minutes.shape} travel "
            "times; it must work element-wise on a numpy array (use np.where, not if/else)."
        )
        raise ValidationError(msg, table="decay")
    bad = ~np.isfinite(w) | (w < 0) | (w > max_weight)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        if max_weight == 1.0:
            expected = (
                "finite and in [0, 1] (weights above 1, e.g. an inverse power with a floor "
                "below 1 minute, are accepted only by apl.measures.gravity)"
            )
        else:
            expected = f"finite and in [0, {max_weight:g}]"
        msg = (
            f"decay {decay!r} returned weight {float(w[k])!r} for {float(minutes[k])!r} minutes; "
            "weights "
            f"must be {expected}."
        )
        raise ValidationError(msg, table="decay")
    return w
