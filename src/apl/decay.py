"""Distance-decay functions: travel time (minutes) → weight (dimensionless, 0..1).

A decay is any callable that takes a float64 array of minutes and returns an array of
weights of the same shape. apl evaluates it once on every origin–destination time, in a
vectorised call (never once per pair).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .errors import ValidationError

__all__ = ["StepDecay", "GaussianDecay", "LinearDecay", "ExponentialDecay", "Decay"]

Decay = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


class StepDecay:
    """Step decay: a constant weight on each band of travel time.

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


def _check_positive(name: str, value: float, owner: str) -> None:
    if not (np.isfinite(value) and value > 0):
        msg = f"{owner}: {name} must be a positive number of minutes, got {value!r}."
        raise ValidationError(msg, table="decay", column=name)


@dataclass(frozen=True)
class LinearDecay:
    """Linear decay ``w = max(0, 1 - t / max_minutes)``.

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


def evaluate_decay(decay: Decay, minutes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Apply `decay` to an array of minutes and check the weights it returns (private).

    A decay may declare ``max_minutes``: apl then treats every time beyond it as weight 0
    without calling the decay (the built-in decays all do; LinearDecay at 1 - t/max = 0).
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
    bad = ~np.isfinite(w) | (w < 0) | (w > 1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = (
            f"decay {decay!r} returned weight {w[k]!r} for {minutes[k]!r} minutes; weights "
            "must be finite and in [0, 1]."
        )
        raise ValidationError(msg, table="decay")
    return w
