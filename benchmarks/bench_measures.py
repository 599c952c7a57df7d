"""Benchmarks of apl.measures on the synthetic France, beside compute_apl and PySAL access.

Each measure runs end to end from the same DataFrames (string codes) as compute_apl, with
its default decay (and, marked ``@drees``, with the DREES decay of compute_apl). The table
reports its median time and its ratio to the median of compute_apl runs interleaved with
it (target ≤ 2×), so that both see the same load on a shared machine. PySAL ``access`` runs the way a careful user runs it (with
``max_cost`` at the decay's reach), once per measure, and its numbers are compared with
apl's. Prints a table and writes JSON; nothing here asserts a timing.

    python benchmarks/bench_measures.py                              # 35,000 communes, ≈ 3.9 M pairs
    python benchmarks/bench_measures.py --communes 1500 --supply 400 --repeat 1   # smoke
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import access_factory, timed, versions

import apl
from apl import measures


def apl_measures(
    problem: apl.datasets.SyntheticProblem,
) -> dict[str, tuple[Callable[[], Any], str]]:
    """name → (call, value column) for every measure, default decays."""
    d, s, t = problem.demand, problem.supply, problem.travel_times
    calls: dict[str, tuple[Callable[[], Any], str]] = {}
    for method in measures.METHODS:
        calls[method] = (lambda m=method: measures.floating_catchment(d, s, t, method=m), method)
    power = apl.InversePowerDecay(1.0, floor=1.0, max_minutes=30.0)
    calls["gravity_hansen"] = (
        lambda: measures.gravity(d, s, t, decay=power, competition=False),
        "gravity",
    )
    calls["gravity_joseph_bantock"] = (lambda: measures.gravity(d, s, t, decay=power), "gravity")
    # The same measures with the DREES decay (the W of compute_apl): the measure's own
    # overhead, apart from the larger catchments of their default decays (30, 60 minutes).
    drees = apl.StepDecay.drees()
    for method in ("e2sfca", "3sfca"):
        calls[f"{method}@drees"] = (
            lambda m=method: measures.floating_catchment(d, s, t, method=m, decay=drees),
            method,
        )
    calls["gravity_joseph_bantock@drees"] = (
        lambda: measures.gravity(d, s, t, decay=drees),
        "gravity",
    )
    calls["cumulative_20"] = (lambda: measures.cumulative(s, t, cutoff=20), "cumulative")
    calls["cost_to_closest_1"] = (lambda: measures.cost_to_closest(s, t), "minutes")
    return calls


def peers(problem: apl.datasets.SyntheticProblem, results: dict[str, pd.Series]) -> dict[str, Any]:
    """PySAL access with max_cost set, timed once each; max |difference| with apl."""
    make = access_factory(problem, copy_costs=True)
    if make is None:
        return {"installed": False}
    from access import weights

    gravity_fn = weights.gravity(scale=1, alpha=-1, min_dist=1)
    runs = {
        # access defaults = apl defaults (Luo & Qi bands, 30 min; Wan bands, 60 min)
        "e2sfca": lambda: make().enhanced_two_stage_fca(name="x", max_cost=30),
        "3sfca": lambda: make().three_stage_fca(name="x", max_cost=60),
        "gravity_hansen": lambda: make().weighted_catchment(
            name="x", weight_fn=gravity_fn, max_cost=30
        ),
    }
    out: dict[str, Any] = {"installed": True}
    for name, run in runs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            theirs = run().iloc[:, 0]
            out[f"{name}_seconds"] = time.perf_counter() - t0
        ours = results[name]
        out[f"{name}_max_abs_difference"] = float(
            (theirs.reindex(ours.index).fillna(0.0) - ours).abs().max()
        )
    return out


def bench(problem: apl.datasets.SyntheticProblem, repeat: int, with_peers: bool) -> dict[str, Any]:
    d, s, t = problem.demand, problem.supply, problem.travel_times
    # Warm-up: compile (or load from Numba's cache) every kernel once, on a small slice.
    small = apl.datasets.synthetic_france(300, 80, seed=1)
    for call, _ in apl_measures(small).values():
        call()
    apl.compute_apl(small.demand, small.supply, small.travel_times)

    t_apl, reference = timed(lambda: apl.compute_apl(d, s, t), repeat)
    rows: dict[str, Any] = {}
    values: dict[str, pd.Series] = {}
    for name, (call, column) in apl_measures(problem).items():
        # Interleaved with compute_apl, so that both see the same load on a shared machine;
        # the ratio is of the two medians.
        own, ref = [], []
        for _ in range(repeat):
            t_ref, _ = timed(lambda: apl.compute_apl(d, s, t), 1)
            t_own, result = timed(call, 1)
            ref.append(t_ref)
            own.append(t_own)
        seconds = statistics.median(own)
        values[name] = result[column]
        rows[name] = {
            "seconds": seconds,
            "compute_apl_interleaved_s": statistics.median(ref),
            "over_compute_apl": seconds / statistics.median(ref),
            "pairs_weighted": apl.get_diagnostics(result).n_pairs,
            "mean": float(np.mean(result[column][np.isfinite(result[column])])),
        }
    exact = bool(np.array_equal(values["2sfca"].to_numpy(), reference["apl"].to_numpy()))
    out: dict[str, Any] = {
        "communes": len(d),
        "supply_communes": len(s),
        "pairs_in_table": len(t),
        "compute_apl_s": t_apl,
        "compute_apl_pairs_weighted": apl.get_diagnostics(reference).n_pairs,
        "2sfca_equals_compute_apl_bitwise": exact,
        "measures": rows,
    }
    if with_peers:
        p = peers(problem, values)
        out["peers"] = p
        if p.get("installed"):
            for name in ("e2sfca", "3sfca", "gravity_hansen"):
                rows[name]["access_seconds"] = p[f"{name}_seconds"]
                rows[name]["speedup_vs_access"] = p[f"{name}_seconds"] / rows[name]["seconds"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--supply", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "bench_measures.json")
    )
    args = parser.parse_args(argv)

    problem = apl.datasets.synthetic_france(args.communes, args.supply, seed=0)
    result = bench(problem, args.repeat, not args.no_peers)
    table = pd.DataFrame(result["measures"]).T
    print(
        f"synthetic France: {result['communes']} communes, {result['pairs_in_table']} pairs; "
        f"compute_apl {result['compute_apl_s']:.3f} s (median of {args.repeat}); "
        f"2sfca == compute_apl bit for bit: {result['2sfca_equals_compute_apl_bitwise']}"
    )
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 160):
        print(table.to_string())
    if "peers" in result:
        print("peers:", json.dumps(result["peers"]))
    meta = {
        **versions(),
        "args": vars(args),
        "note": "2 shared cores, other jobs running: timings are noisy",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "results": result}, indent=2))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
