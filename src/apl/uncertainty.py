"""How sure is a commune's zoning class? Monte Carlo APL under noisy inputs.

Travel times, GP activity and populations are estimates. :func:`zone_probabilities`
draws many perturbed versions of them, recomputes the APL of every commune for each draw,
and reports, per commune, quantiles of the APL and the probability of each zoning class
(below 2.5, 2.5 to 4, 4 and above by default).

Noise model (all multiplicative log-normal: a quantity q becomes q · exp(σ Z), Z ~ N(0, 1)
independent; the median factor is 1, the mean exp(σ²/2), and σ is about the relative
standard deviation when small — σ = 0.10 keeps 90 % of factors within ×/÷ exp(1.645 σ) = 1.18):

- **travel times**, σ = `time_noise`, one factor per (commune, supply commune) pair, so
  a pair near a band edge (10, 15, 20 minutes for the DREES decay) changes band in some
  draws; the within-commune time 0 stays 0. Pairs whose time exceeds the decay's reach
  by more than exp(8 σ) are left out of the draws: each would enter the reach with
  probability below Φ(−8) ≈ 6·10⁻¹⁶ per draw;
- **activity**, σ = `activity_noise`, one factor per supply commune (row of `supply`);
- **population**, σ = `population_noise`, one factor per commune (changes the catchment
  demand D_j; default 0).

Reproducibility: each draw d has its own generator, ``numpy.random.default_rng`` seeded by
the d-th child of ``numpy.random.SeedSequence(seed)``, drawing activity, then population,
then travel-time factors; results do not depend on `batch_size` or `n_jobs`.

Computation: the APL model is prepared once (:class:`apl.AccessibilityModel`). With noise
on activity only, a batch of draws is a batch of supply scenarios through the prepared
structure (:meth:`~apl.AccessibilityModel.compute_many`). With noise on times or
population, each draw re-weights the pairs indexed once by the public
:func:`apl.pairs.index_pairs` and runs the two 2SFCA kernels; draws run on `n_jobs`
threads (the kernels release the GIL). For a :class:`~apl.StepDecay` the band of each
perturbed time is read from one uniform number U per pair: t · exp(σZ) ≥ b_e exactly when
U ≥ Φ(ln(b_e / t) / σ), with these probabilities computed once
(:func:`edge_probabilities`, kernel :func:`apl.kernels.noise.step_weights`) — the same law
as drawing Z, without an exp or a decay call per pair. Other decays are evaluated on
t · exp(σZ). The class counts come from the float64 draws; the mean and the quantiles from
the draws stored as float32 (communes × draws, 4 bytes each: 7 significant digits),
sorted once, so that they depend neither on batches nor on threads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import kernels, zoning
from .decay import Decay, StepDecay
from .errors import ValidationError
from .kernels.noise import step_weights
from .model import AccessibilityModel
from .pairs import Diagonal, decay_reach, index_pairs
from .validation import IdKind, plain

__all__ = [
    "apl_draws",
    "class_columns",
    "edge_probabilities",
    "sorted_quantiles",
    "zone_probabilities",
]

F64 = npt.NDArray[np.float64]

#: Standard deviations beyond which a pair's perturbed time is treated as out of reach.
TAIL_SIGMAS = 8.0


def class_columns(thresholds: Sequence[float] = zoning.THRESHOLDS_2017) -> list[str]:
    """Names of the probability columns for (lower, upper) thresholds.

    ``(2.5, 4.0)`` → ``["p_below_2_5", "p_2_5_to_4", "p_4_and_above"]`` (a dot becomes an
    underscore, trailing zeros dropped).
    """
    lower, upper = (f"{float(x):g}".replace(".", "_") for x in thresholds)
    return [f"p_below_{lower}", f"p_{lower}_to_{upper}", f"p_{upper}_and_above"]


def _check_sigma(value: float, name: str) -> float:
    if not (np.isfinite(value) and value >= 0):
        raise ValidationError(f"{name} must be a finite log-standard deviation ≥ 0 (e.g. 0.10), got {plain(value)!r}.",
                              table="options", column=name)  # fmt: skip
    return float(value)


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    values = tuple(float(x) for x in thresholds)
    if len(values) != 2 or not (np.isfinite(values).all() and 0 <= values[0] <= values[1]):
        raise ValidationError(f"thresholds must be (lower, upper) with 0 ≤ lower ≤ upper, got {tuple(thresholds)}.",
                              table="options", column="thresholds")  # fmt: skip
    return values[0], values[1]


@dataclass(frozen=True)
class _Candidates:
    """CSR arrays of the pairs that may be within reach in some draw, with their minutes.

    For a :class:`~apl.StepDecay`, `edge_probability` (m, E) holds p_e = P(t' < b_e) =
    Φ(ln(b_e / t) / σ) of each pair and band edge (see :mod:`apl.kernels.noise`)."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    minutes: F64
    edge_probability: F64 | None = None


def edge_probabilities(minutes: F64, bounds: F64, sigma: float) -> F64:
    """P(t · exp(σ Z) < b_e) = Φ(ln(b_e / t) / σ) for each time t (rows) and edge b_e (columns).

    t = 0 stays 0: probability 1 below any edge b_e > 0, 0 below an edge at 0.
    """
    from scipy.special import ndtr

    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(bounds)[None, :] - np.log(minutes)[:, None]) / sigma
    z[:, bounds == 0] = -np.inf  # t' ≥ 0 = b_e always, including t = 0 (log 0 − log 0 = nan)
    return np.ascontiguousarray(ndtr(z))


class _Simulation:
    """Everything fixed across draws, and one draw as a function of its generator."""

    def __init__(
        self,
        demand: pd.DataFrame | pd.Series,
        supply: pd.DataFrame | pd.Series,
        travel_times: pd.DataFrame,
        *,
        decay: Decay | None,
        ids: IdKind | None = None,
        diagonal: Diagonal = "zero",
        time_noise: float,
        activity_noise: float,
        population_noise: float,
    ) -> None:
        self.time_noise = _check_sigma(time_noise, "time_noise")
        self.activity_noise = _check_sigma(activity_noise, "activity_noise")
        self.population_noise = _check_sigma(population_noise, "population_noise")
        self.model = AccessibilityModel(
            demand, travel_times, decay=decay, ids=ids, diagonal=diagonal
        )
        self.point = self.model.compute(supply)
        self.acts, _ = self.model.supply_vector(supply)
        # only supply communes with acts carry noise: a factor on 0 acts changes nothing
        self.active = np.flatnonzero(self.acts > 0)
        self.population = np.asarray(self.model.population, dtype=np.float64)
        self.n = len(self.model.communes)
        self.candidates: _Candidates | None = None
        if self.time_noise > 0:
            self.candidates = self._candidates(travel_times)

    def _candidates(self, travel_times: pd.DataFrame) -> _Candidates:
        model = self.model
        reach = decay_reach(model.decay)
        cutoff = (
            reach * float(np.exp(TAIL_SIGMAS * self.time_noise)) if np.isfinite(reach) else np.inf
        )
        pairs = index_pairs(travel_times, model.communes, model.supply_communes,
                            diagonal=model.diagonal, ids=model.ids, max_minutes=cutoff)  # fmt: skip
        rows = np.concatenate([pairs.rows, pairs.diagonal_rows])
        cols = np.concatenate([pairs.cols, pairs.diagonal_cols])
        minutes = np.concatenate([pairs.minutes, np.zeros(pairs.diagonal_rows.shape[0])])
        # the same CSR layout as the model's W (columns ascending in each row), so that with
        # no noise every sum runs in the same order and the APL is bit-identical
        indptr, indices, data = kernels.csr_from_pairs(
            rows, cols, minutes, pairs.n_demand, pairs.n_supply
        )
        edge_probability = None
        if isinstance(model.decay, StepDecay):
            edge_probability = edge_probabilities(data, model.decay.bounds, self.time_noise)
        return _Candidates(
            indptr=indptr, indices=indices, minutes=data, edge_probability=edge_probability
        )

    @property
    def noisy_structure(self) -> bool:
        return self.time_noise > 0 or self.population_noise > 0

    def _supply(self, generator: np.random.Generator) -> F64:
        acts = self.acts.copy()
        if self.activity_noise > 0:
            acts[self.active] *= np.exp(
                self.activity_noise * generator.standard_normal(self.active.size)
            )
        return acts

    def draw(self, seed: np.random.SeedSequence) -> F64:
        """APL of every commune for one draw (perturbed times and/or population)."""
        generator = np.random.default_rng(seed)
        acts = self._supply(generator)
        population = self.population
        if self.population_noise > 0:
            population = population * np.exp(
                self.population_noise * generator.standard_normal(self.n)
            )
        if self.candidates is not None:
            c = self.candidates
            indptr, indices = c.indptr, c.indices
            if c.edge_probability is not None:
                # step decay: the band of t·exp(σZ) from one uniform per pair (same law)
                bands = np.asarray(self.model.decay.weights, dtype=np.float64)  # type: ignore[attr-defined]
                weights = step_weights(generator.random(c.minutes.size), c.edge_probability, bands)
            else:
                minutes = c.minutes * np.exp(
                    self.time_noise * generator.standard_normal(c.minutes.size)
                )
                weights = np.asarray(self.model.decay(minutes), dtype=np.float64)
        else:
            s = self.model.structure
            indptr, indices, weights = s.indptr, s.indices, s.weights
        demand = kernels.catchment_demand(indptr, indices, weights, population, len(acts))
        return kernels.accessibility(indptr, indices, weights, kernels.supply_ratio(acts, demand))

    def draw_supplies(self, seeds: Sequence[np.random.SeedSequence]) -> F64:
        """APL (n_communes, len(seeds)) for activity-only draws, as supply scenarios."""
        matrix = np.repeat(self.acts[:, None], len(seeds), axis=1)
        if self.activity_noise > 0:
            # the same numbers as _supply: each draw's generator, activity factors first
            z = np.stack(
                [np.random.default_rng(seed).standard_normal(self.active.size) for seed in seeds]
            )
            matrix[self.active] *= np.exp(self.activity_noise * z.T)
        return self.model.compute_many(matrix).to_numpy()


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _check_draws(n_draws: int) -> int:
    if isinstance(n_draws, bool) or not (isinstance(n_draws, (int, np.integer)) and n_draws >= 1):
        raise ValidationError(
            f"n_draws must be an integer ≥ 1, got {n_draws!r}.", table="options", column="n_draws"
        )
    return int(n_draws)


def sorted_quantiles(sorted_rows: npt.NDArray, probs: Sequence[float]) -> F64:
    """Quantiles of each row of an array sorted along its rows, numpy's "linear" method.

    With n values per row and h = (n − 1) p: q = s[⌊h⌋] + (h − ⌊h⌋)(s[⌊h⌋ + 1] − s[⌊h⌋]),
    as ``numpy.quantile(..., method="linear")`` (R type 7). Sorting once and reading order
    statistics is several times faster than ``numpy.quantile``'s partitions on 35,000
    rows of 1,000 draws.

    Returns
    -------
    numpy.ndarray of float64, shape (len(probs), n_rows).
    """
    n = sorted_rows.shape[1]
    out = np.empty((len(probs), sorted_rows.shape[0]))
    for k, p in enumerate(probs):
        h = (n - 1) * float(p)
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        a = sorted_rows[:, lo].astype(np.float64)
        out[k] = a + (h - lo) * (sorted_rows[:, hi].astype(np.float64) - a)
    return out


def _run(
    sim: _Simulation,
    n_draws: int,
    seed: int | None,
    batch_size: int | None,
    n_jobs: int | None,
    sink,
) -> None:
    """Compute the draws batch by batch and hand each block (n_communes, B) to `sink`."""
    seeds = np.random.SeedSequence(seed).spawn(int(n_draws))
    if batch_size is None:
        # bound a batch's arrays (supplies and APL, float64) to about 64 MB
        per_draw = 8 * (len(sim.acts) + sim.n)
        batch_size = int(max(1, min(n_draws, 64_000_000 // per_draw)))
    jobs = _default_jobs() if n_jobs is None else max(1, int(n_jobs))
    if not sim.noisy_structure:
        for start in range(0, n_draws, batch_size):
            sink(start, sim.draw_supplies(seeds[start : start + batch_size]))
        return
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for start in range(0, n_draws, batch_size):
            block = list(pool.map(sim.draw, seeds[start : start + batch_size]))
            sink(start, np.stack(block, axis=1))


def apl_draws(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    n_draws: int = 1000,
    time_noise: float = 0.10,
    activity_noise: float = 0.05,
    population_noise: float = 0.0,
    seed: int | None = 0,
    decay: Decay | None = None,
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
    batch_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """The APL of every commune in every draw (the raw material of :func:`zone_probabilities`).

    Parameters and noise model as in :func:`zone_probabilities`.

    Returns
    -------
    pandas.DataFrame
        Communes × draws (columns 0 … n_draws − 1), APL in consultations/year/standardised
        inhabitant, float32 (n_communes × n_draws × 4 bytes: 140 MB for France and 1,000
        draws).
    """
    n_draws = _check_draws(n_draws)
    sim = _Simulation(demand, supply, travel_times, decay=decay, ids=ids, diagonal=diagonal, time_noise=time_noise,
                      activity_noise=activity_noise, population_noise=population_noise)  # fmt: skip
    out = np.empty((sim.n, n_draws), dtype=np.float32)

    def keep(start: int, block: F64) -> None:
        out[:, start : start + block.shape[1]] = block

    _run(sim, n_draws, seed, batch_size, n_jobs, keep)
    return pd.DataFrame(out, index=sim.model.communes, copy=False)


def zone_probabilities(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: pd.DataFrame,
    *,
    n_draws: int = 1000,
    time_noise: float = 0.10,
    activity_noise: float = 0.05,
    population_noise: float = 0.0,
    seed: int | None = 0,
    thresholds: Sequence[float] = zoning.THRESHOLDS_2017,
    decay: Decay | None = None,
    ids: IdKind | None = None,
    diagonal: Diagonal = "zero",
    batch_size: int | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Probability of each zoning class for every commune, under noisy inputs.

    Parameters
    ----------
    demand, supply, travel_times : as in :func:`apl.compute_apl`
        Standardised population per commune, retained acts per year per supply commune,
        and (origin, destination, minutes) road times.
    n_draws : int, default 1000
        Monte Carlo draws. The standard error of a probability p is √(p(1 − p)/n_draws):
        at most 0.016 with 1,000 draws.
    time_noise : float, default 0.10
        σ of the log-normal factor on each travel time (one per pair): ≈ 10 %.
    activity_noise : float, default 0.05
        σ of the log-normal factor on the acts of each supply commune: ≈ 5 %.
    population_noise : float, default 0.0
        σ of the log-normal factor on the population of each commune.
    seed : int or None, default 0
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same result
        (None: fresh entropy, not reproducible).
    thresholds : (lower, upper), default (2.5, 4.0)
        Class bounds in consultations/year/standardised inhabitant; a value on a bound
        belongs to the class above, as in :func:`apl.zoning.classify`.
        :data:`apl.zoning.THRESHOLDS_2025` for the 2025 revision.
    decay : callable, optional
        Default :meth:`apl.StepDecay.drees`.
    ids, diagonal : optional
        As in :func:`apl.compute_apl`: ``ids="any"`` for units other than COG communes
        (grid cells…), ``diagonal="table"`` to use the table's own unit-to-itself times.
    batch_size : int, optional
        Draws computed together (memory bound); default: about 64 MB of arrays per batch.
    n_jobs : int, optional
        Threads for draws with time or population noise; default: the usable CPU cores.

    Returns
    -------
    pandas.DataFrame
        Indexed by commune, in demand order:

        - ``apl``: the point estimate (no noise), as :func:`apl.compute_apl`;
        - ``zone``: its class by :func:`apl.zoning.classify` (``ZIP``, ``vivier``, ``HZ``);
        - ``population``: standardised inhabitants;
        - ``apl_mean``, ``apl_p05``, ``apl_median``, ``apl_p95``: mean and quantiles
          (linear interpolation, as ``numpy.quantile``) of the APL over draws, from
          draws kept as float32 (7 significant digits);
        - ``p_below_2_5``, ``p_2_5_to_4``, ``p_4_and_above``: share of draws in each class
          (names follow `thresholds`, see :func:`class_columns`); they sum to 1;
        - ``p_zone``: share of draws in the class of the point estimate (how sure the
          class is).

        ``attrs["uncertainty"]`` records the noise model, seed, draws and thresholds;
        ``attrs["diagnostics"]`` is the point estimate's :class:`apl.Diagnostics`.

    Examples
    --------
    >>> sample = apl.datasets.load_isere()                                   # doctest: +SKIP
    >>> probs = apl.uncertainty.zone_probabilities(sample.demand, sample.supply,
    ...                                            sample.travel_times, n_draws=200)  # doctest: +SKIP
    >>> probs.sort_values("p_below_2_5").tail()                              # doctest: +SKIP
    """
    lower, upper = _check_thresholds(thresholds)
    n_draws = _check_draws(n_draws)
    sim = _Simulation(demand, supply, travel_times, decay=decay, ids=ids, diagonal=diagonal, time_noise=time_noise,
                      activity_noise=activity_noise, population_noise=population_noise)  # fmt: skip
    n = sim.n
    # communes × draws, float32 to halve memory (quantiles and mean to ~7 significant digits)
    stored = np.empty((n, n_draws), dtype=np.float32)
    below = np.zeros(n, dtype=np.int64)
    above = np.zeros(n, dtype=np.int64)

    def accumulate(start: int, block: F64) -> None:
        # classes from the float64 values, with the rule of apl.zoning.class_index (a value
        # on a bound belongs to the class above): class 0 below `lower`, 2 from `upper` on
        below[:] += (block < lower).sum(axis=1)
        above[:] += (block >= upper).sum(axis=1)
        stored[:, start : start + block.shape[1]] = block

    _run(sim, n_draws, seed, batch_size, n_jobs, accumulate)
    stored.sort(axis=1)  # sorted draws: quantiles are order statistics, and the mean is
    # summed in an order that depends neither on batches nor on threads
    p05, median, p95 = sorted_quantiles(stored, (0.05, 0.5, 0.95))
    counts = np.stack([below, n_draws - below - above, above])
    point = sim.point
    table = pd.DataFrame(index=sim.model.communes)
    table["apl"] = point["apl"].to_numpy()
    table["zone"] = zoning.classify(table, thresholds=(lower, upper))["zone"].to_numpy()
    table["population"] = sim.population
    table["apl_mean"] = stored.sum(axis=1, dtype=np.float64) / n_draws
    table["apl_p05"] = p05
    table["apl_median"] = median
    table["apl_p95"] = p95
    probabilities = counts / float(n_draws)
    for k, name in enumerate(class_columns((lower, upper))):
        table[name] = probabilities[k]
    point_class = zoning.class_index(table["apl"].to_numpy(), (lower, upper))
    table["p_zone"] = probabilities[point_class, np.arange(n)]
    table.attrs["uncertainty"] = {
        "n_draws": int(n_draws), "seed": seed, "time_noise": sim.time_noise,
        "activity_noise": sim.activity_noise, "population_noise": sim.population_noise,
        "thresholds": (lower, upper), "noise": "multiplicative log-normal, median 1",
    }  # fmt: skip
    table.attrs["diagnostics"] = point.attrs.get("diagnostics")
    return table
