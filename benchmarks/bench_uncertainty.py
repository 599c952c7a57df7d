"""Benchmark of apl.uncertainty.zone_probabilities on the synthetic national problem.

Goals (issue #14): 1,000 draws with activity noise only on France (35,000 communes, ~4 M
pairs) in ≤ 10 s; with travel-time noise (σ = 0.10, plus activity σ = 0.05) in ≤ 120 s,
on 2 cores. Prints a table and writes JSON; nothing here asserts a timing.

The time-noise run is long: `--time-draws` (default 200) draws are timed and the time of
1,000 draws is extrapolated from the per-draw time after the fixed set-up (model
preparation, pair indexing, edge probabilities, final sort); the JSON says which numbers
are measured and which extrapolated. Pass `--time-draws 1000` for a full measured run.

    python benchmarks/bench_uncertainty.py                          # national size
    python benchmarks/bench_uncertainty.py --communes 2000 --supply 600 --draws 50 --time-draws 20   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import apl
from apl import uncertainty


def run(problem, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    table = uncertainty.zone_probabilities(
        problem.demand, problem.supply, problem.travel_times, **kwargs
    )
    return time.perf_counter() - t0, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--supply", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=1000, help="draws of the activity-only run")
    parser.add_argument(
        "--time-draws",
        type=int,
        default=200,
        help="draws of the time-noise run (then extrapolated)",
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "bench_uncertainty.json")
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    problem = apl.datasets.synthetic_france(args.communes, args.supply, seed=0)
    generate_s = time.perf_counter() - t0
    # warm-up on a tiny problem: Numba kernels load from the on-disk cache (or compile) once
    tiny = apl.datasets.synthetic_france(300, 60, seed=1)
    run(tiny, n_draws=4)
    run(tiny, n_draws=4, time_noise=0.0)

    # fixed cost: the same call with 1 draw (model, point estimate, pair indexing, edge
    # probabilities); what grows with the draws is the rest
    setup_activity_s, _ = run(problem, n_draws=1, time_noise=0.0)
    activity_s, table = run(problem, n_draws=args.draws, time_noise=0.0, activity_noise=0.05)
    setup_time_s, _ = run(problem, n_draws=1)
    time_s, table_t = run(problem, n_draws=args.time_draws)
    per_draw = max(0.0, (time_s - setup_time_s) / max(args.time_draws - 1, 1))
    time_1000_s = time_s if args.time_draws >= 1000 else setup_time_s + 999 * per_draw
    # pessimistic bound: the whole measured run (set-up included) scaled to 1,000 draws
    bound_1000_s = time_s * 1000 / args.time_draws

    model = apl.AccessibilityModel(problem.demand, problem.travel_times)
    row = {
        "problem": f"synthetic {args.communes}",
        "communes": args.communes,
        "travel_time_rows": len(problem.travel_times),
        "pairs_weighted": model.n_pairs,
        "generate_s": round(generate_s, 3),
        "activity_only": {
            "draws": args.draws,
            "seconds": round(activity_s, 3),
            "setup_seconds_1_draw": round(setup_activity_s, 3),
            "measured": True,
            "goal_s": 10.0,
            "communes_unsure": int((table["p_zone"] < 0.95).sum()),
        },
        "time_noise": {
            "draws_measured": args.time_draws,
            "seconds_measured": round(time_s, 3),
            "setup_seconds_1_draw": round(setup_time_s, 3),
            "per_draw_seconds": round(per_draw, 4),
            "seconds_for_1000": round(time_1000_s, 1),
            "seconds_for_1000_upper_bound": round(max(time_1000_s, bound_1000_s), 1),
            "1000_measured": args.time_draws >= 1000,
            "goal_s": 120.0,
            "communes_unsure": int((table_t["p_zone"] < 0.95).sum()),
        },
    }
    machine = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "note": "shared machine: other processes ran during the measurement; timings are noisy",
    }
    print(f"{'run':<38}{'draws':>7}{'seconds':>10}{'goal':>8}")
    a, t = row["activity_only"], row["time_noise"]
    print(f"{'activity noise only':<38}{a['draws']:>7}{a['seconds']:>10.2f}{a['goal_s']:>8.0f}")
    print(f"{'  of which set-up (1 draw)':<38}{1:>7}{a['setup_seconds_1_draw']:>10.2f}")
    print(
        f"{'time + activity noise (measured)':<38}{t['draws_measured']:>7}{t['seconds_measured']:>10.2f}"
    )
    label = (
        "time + activity noise (measured)"
        if t["1000_measured"]
        else "time + activity noise (extrapolated)"
    )
    print(f"{label:<38}{1000:>7}{t['seconds_for_1000']:>10.1f}{t['goal_s']:>8.0f}")
    if not t["1000_measured"]:
        print(
            f"{'  upper bound (measured run × 1000/n)':<38}{1000:>7}{t['seconds_for_1000_upper_bound']:>10.1f}"
        )
    print(f"pairs in the table {row['travel_time_rows']:,}, weighted pairs {row['pairs_weighted']:,}; "
          f"load average {machine['load_average_1min']} on {machine['cpus_usable']} usable cores")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "results": [row]}, indent=2))


if __name__ == "__main__":
    main()
