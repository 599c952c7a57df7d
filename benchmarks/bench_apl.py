"""Benchmarks of apl: national synthetic problem and the Isère sample.

Prints a table and writes JSON. Timings are medians of `--repeat` runs measured in this one
run; apl and its peers are timed in alternation (apl, access E2SFCA, access 2SFCA, apl, …)
so that a noisy shared machine slows them alike, and ratios compare medians of the same
run. Nothing here asserts a timing.

    python benchmarks/bench_apl.py                       # national size (35,000 communes)
    python benchmarks/bench_apl.py --scale-radius 125    # + cost per pair at ~30 M pairs
    python benchmarks/bench_apl.py --communes 2000 --supply 600 --scenarios 50 --repeat 1   # smoke

The travel-time table is given to apl and to the peers as a user would have it: written to
CSV and read back with pandas (string codes). Peak memory is the process's resident set
sampled every millisecond during one compute_apl call, above its level just before.

Peers (PySAL `access`, optional: pip install -e ".[bench]"), run the way a careful user
runs them (``max_cost=20``), and their numbers compared with apl's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from common import access_factory, timed, versions

import apl


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; psutil elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import psutil

        return int(psutil.Process().memory_info().rss)


def peak_bytes(fn) -> int:
    """Peak resident memory above the level before fn(), sampled every millisecond (it sees
    every allocation: NumPy, pandas, Arrow and Numba's own). Freed memory is first handed
    back to the system (glibc malloc_trim, Arrow's pool), so that fn() cannot reuse pages
    already counted in the baseline."""
    release_free_memory()
    base = rss_bytes()
    peak = [base]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        fn()
    finally:
        done.set()
        watcher.join()
    return max(peak[0], rss_bytes()) - base


def release_free_memory() -> None:
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the baseline may include free pages
        pass


def as_read_from_csv(problem):
    """The problem's tables written to CSV and read back as a user would (string codes)."""
    out = []
    for frame, codes in ((problem.demand, ["commune"]), (problem.supply, ["commune"]),
                         (problem.travel_times, ["origin", "destination"])):  # fmt: skip
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        buffer.seek(0)
        out.append(pd.read_csv(buffer, dtype=dict.fromkeys(codes, str)))
    return apl.datasets.SyntheticProblem(*out)


def peers(problem, result: pd.DataFrame, repeat: int, with_no_max_cost: bool) -> dict:
    """PySAL access E2SFCA (DREES steps) and plain 2SFCA with max_cost=20, timed `repeat`
    times in alternation with apl's compute_apl (medians), and compared with apl."""
    make = access_factory(problem, copy_costs=False)
    if make is None:
        return {"installed": False}
    from access import weights

    out: dict = {"installed": True, "repeat": repeat}
    # access's step_fn is right-closed (t <= edge takes the band below)
    step = weights.step_fn({10: 1.0, 15: 2.0 / 3.0, 20: 1.0 / 3.0})
    runs = {
        "apl": lambda: apl.compute_apl(problem.demand, problem.supply, problem.travel_times),
        "e2sfca": lambda: (
            make().enhanced_two_stage_fca(name="e2sfca", weight_fn=step, max_cost=20).iloc[:, 0]
        ),
        "2sfca": lambda: make().two_stage_fca(name="2sfca", max_cost=20).iloc[:, 0],
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    last: dict = {}
    for _ in range(repeat):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            last[name] = fn()
            times[name].append(time.perf_counter() - t0)
    for name, values in times.items():
        out[f"{name}_seconds"] = statistics.median(values)
        out[f"{name}_seconds_all"] = values
    e2, two = last["e2sfca"], last["2sfca"]
    if with_no_max_cost:
        # without max_cost, as a user passing only the DREES step weights would call it:
        # the step function then runs in Python on every pair of the table (one run)
        t0 = time.perf_counter()
        e2_all = make().enhanced_two_stage_fca(name="e2sfca", weight_fn=step).iloc[:, 0]
        out["e2sfca_no_max_cost_seconds"] = time.perf_counter() - t0
        out["e2sfca_no_max_cost_vs_with_max_abs"] = float((e2_all - e2).abs().max())

    right = apl.compute_apl(
        problem.demand,
        problem.supply,
        problem.travel_times,
        decay=apl.StepDecay.drees(closed="right"),
    )["apl"]
    binary = apl.compute_apl(
        problem.demand,
        problem.supply,
        problem.travel_times,
        decay=apl.StepDecay([20.0], [1.0, 0.0], closed="right"),
    )["apl"]
    e2 = e2.reindex(result.index)
    two = two.reindex(result.index)
    out["e2sfca_missing_communes"] = int(e2.isna().sum())
    e2, two = e2.fillna(0.0), two.fillna(0.0)
    out["e2sfca_vs_apl_right_closed_max_abs"] = float((e2 - right).abs().max())
    out["e2sfca_vs_apl_default_max_abs"] = float((e2 - result["apl"]).abs().max())
    out["e2sfca_vs_apl_default_communes_differing"] = int(((e2 - result["apl"]).abs() > 1e-9).sum())
    out["2sfca_vs_apl_binary20_max_abs"] = float((two - binary).abs().max())
    return out


def bench(
    name: str, problem, scenarios: int, repeat: int, with_peers: bool, with_no_max_cost: bool = True
) -> dict:
    pair_bytes = int(problem.travel_times.memory_usage(deep=True).sum())
    # warm-up: compile (or load from cache) every kernel once
    apl.compute_apl(problem.demand.iloc[:5], problem.supply.iloc[:5], problem.travel_times.iloc[:5])
    t_end2end, result = timed(
        lambda: apl.compute_apl(problem.demand, problem.supply, problem.travel_times), repeat
    )
    peak = peak_bytes(lambda: apl.compute_apl(problem.demand, problem.supply, problem.travel_times))

    t_prepare, model = timed(
        lambda: apl.AccessibilityModel(problem.demand, problem.travel_times), 1
    )
    model.compute(problem.supply)
    t_one, one = timed(lambda: model.compute(problem.supply), max(repeat, 5))
    np.testing.assert_allclose(one["apl"], result["apl"], rtol=1e-12, atol=1e-12)
    s = model.structure
    W = sp.csr_array((s.weights, s.indices, s.indptr), shape=(len(model.communes), s.n_supply))
    acts, _ = model.supply_vector(problem.supply)
    pop = model.population

    def floor():
        d = W.T @ pop
        r = np.divide(acts, d, out=np.zeros_like(acts), where=d > 0)
        return W @ r

    floor()
    t_floor, _ = timed(floor, max(repeat, 5))

    # a GP retiring at the biggest supply commune: the local update of what_if
    biggest = problem.supply.sort_values("acts").iloc[-1]
    change = {biggest["commune"]: min(float(biggest["acts"]), 6000.0)}
    model.what_if(problem.supply, remove=change)
    t_what_if, _ = timed(lambda: model.what_if(problem.supply, remove=change), max(repeat, 5))

    rng = np.random.default_rng(1)
    matrix = acts[:, None] * rng.uniform(0.5, 1.5, size=(len(acts), scenarios))
    model.compute_many(matrix[:, :2])
    t_many, many = timed(lambda: model.compute_many(matrix), repeat)
    k = scenarios // 2
    check = model.compute(pd.Series(matrix[:, k], index=model.supply_communes, name="acts"))
    np.testing.assert_allclose(many[k], check["apl"], rtol=1e-12, atol=1e-12)
    t_scipy_many, _ = timed(
        lambda: (
            W
            @ np.divide(
                matrix,
                model.catchment_demand[:, None],
                out=np.zeros_like(matrix),
                where=model.catchment_demand[:, None] > 0,
            )
        ),
        repeat,
    )

    row = {
        "problem": name,
        "communes": len(problem.demand),
        "supply_communes": len(problem.supply),
        "pairs_in_table": len(problem.travel_times),
        "pairs_weighted": model.n_pairs,
        "pair_table_mb": pair_bytes / 1e6,
        "compute_apl_s": t_end2end,
        "peak_memory_mb": peak / 1e6,
        "peak_over_pair_table": peak / pair_bytes,
        "model_prepare_s": t_prepare,
        "model_one_scenario_s": t_one,
        "what_if_s": t_what_if,
        "two_matvec_floor_s": t_floor,
        "one_scenario_over_floor": t_one / t_floor,
        "scenarios": scenarios,
        "compute_many_s": t_many,
        "compute_many_per_scenario_ms": 1000 * t_many / scenarios,
        "scipy_block_product_s": t_scipy_many,
        "mean_apl": apl.summary.weighted_mean_apl(result["apl"], result["population"]),
    }
    if with_peers:
        p = peers(problem, result, max(repeat, 5), with_no_max_cost)
        row["peers"] = p
        if p.get("installed"):
            # same-run ratios: medians of the alternated runs
            row["compute_apl_alternated_s"] = p["apl_seconds"]
            row["speedup_vs_access_e2sfca"] = p["e2sfca_seconds"] / p["apl_seconds"]
            row["speedup_vs_access_2sfca"] = p["2sfca_seconds"] / p["apl_seconds"]
            if "e2sfca_no_max_cost_seconds" in p:
                row["speedup_vs_access_e2sfca_no_max_cost"] = (
                    p["e2sfca_no_max_cost_seconds"] / p["apl_seconds"]
                )
    return row


def scaling(communes: int, supply: int, radius_km: float, repeat: int, base: dict) -> dict:
    """compute_apl on a bigger table (same communes, wider radius): cost per million pairs
    against the national problem's."""
    problem = apl.datasets.synthetic_france(communes, supply, radius_km=radius_km, seed=0)
    t, _ = timed(
        lambda: apl.compute_apl(problem.demand, problem.supply, problem.travel_times), repeat
    )
    pair_bytes = int(problem.travel_times.memory_usage(deep=True).sum())
    peak = peak_bytes(lambda: apl.compute_apl(problem.demand, problem.supply, problem.travel_times))
    per_m = t / (len(problem.travel_times) / 1e6)
    base_per_m = base["compute_apl_s"] / (base["pairs_in_table"] / 1e6)
    return {"radius_km": radius_km, "pairs_in_table": len(problem.travel_times), "compute_apl_s": t,
            "seconds_per_million_pairs": per_m, "base_seconds_per_million_pairs": base_per_m,
            "growth": per_m / base_per_m, "peak_memory_mb": peak / 1e6, "pair_table_mb": pair_bytes / 1e6,
            "peak_over_pair_table": peak / pair_bytes}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--supply", type=int, default=10_000)
    parser.add_argument("--radius-km", type=float, default=45.0)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--no-max-cost-peer",
        action="store_true",
        help="skip access E2SFCA without max_cost (slow: a Python call per pair)",
    )
    parser.add_argument(
        "--scale-radius",
        type=float,
        default=0.0,
        help="also time compute_apl with this radius (125 km → ~30 M pairs)",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_apl.json"))
    args = parser.parse_args(argv)

    rows = []
    synthetic = as_read_from_csv(
        apl.datasets.synthetic_france(args.communes, args.supply, radius_km=args.radius_km, seed=0)
    )
    rows.append(
        bench(
            f"synthetic {args.communes}",
            synthetic,
            args.scenarios,
            args.repeat,
            not args.no_peers,
            not args.no_max_cost_peer,
        )
    )
    # the same table with each origin's rows together, as routing engines write them
    by_origin = apl.datasets.SyntheticProblem(
        synthetic.demand, synthetic.supply,
        synthetic.travel_times.sort_values("origin", kind="stable", ignore_index=True))  # fmt: skip
    del synthetic
    rows.append(bench(f"synthetic {args.communes}, rows by origin", by_origin, args.scenarios, args.repeat,
                      not args.no_peers, False))  # fmt: skip
    del by_origin
    sample = apl.datasets.load_isere()
    isere = apl.datasets.SyntheticProblem(sample.demand, sample.supply, sample.travel_times)
    rows.append(
        bench(
            "isere",
            isere,
            args.scenarios,
            args.repeat,
            not args.no_peers,
            not args.no_max_cost_peer,
        )
    )
    scale = None
    if args.scale_radius:
        scale = scaling(
            args.communes, args.supply, args.scale_radius, max(3, args.repeat // 2), rows[0]
        )

    keys = [
        "problem",
        "communes",
        "pairs_in_table",
        "pairs_weighted",
        "compute_apl_s",
        "compute_apl_alternated_s",
        "peak_over_pair_table",
        "model_one_scenario_s",
        "what_if_s",
        "two_matvec_floor_s",
        "one_scenario_over_floor",
        "compute_many_s",
        "scipy_block_product_s",
        "peak_memory_mb",
        "pair_table_mb",
        "speedup_vs_access_e2sfca",
        "speedup_vs_access_e2sfca_no_max_cost",
        "speedup_vs_access_2sfca",
    ]
    table = pd.DataFrame([{k: r.get(k) for k in keys} for r in rows]).set_index("problem").T
    with pd.option_context("display.float_format", "{:.4g}".format, "display.width", 160):
        print(table.to_string())
    for r in rows:
        if "peers" in r:
            print(r["problem"], "peers:", json.dumps(r["peers"], indent=None))
    if scale is not None:
        print("scaling:", json.dumps(scale, indent=None))
    meta = {
        **versions(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "args": vars(args),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps({"meta": meta, "results": rows, "scaling": scale}, indent=2)
    )
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
