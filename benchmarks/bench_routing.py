"""Routing benchmark: bounded Dijkstra on a France-size synthetic road graph, OSM reading speed.

Prints a table and writes JSON (default ``benchmarks/results/bench_routing.json``). Nothing
here asserts a timing. The goal of issue #12: all commune pairs within 30 minutes for
35,000 communes on a ~5 million node graph in ≤ 10 minutes on 2 cores, ≤ 8 GiB.

    python benchmarks/bench_routing.py --full                            # 5M nodes, all 35,000 origins too
    python benchmarks/bench_routing.py --nodes 20000 --communes 500 --sample 20 --ways 2000   # smoke

A full 35,000-origin run takes long on a shared machine, so by default a random sample
of origins is routed to all 35,000 destinations and the per-origin time is extrapolated
(``--sample 35000`` routes them all).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from road_graph import synthetic_network, synthetic_points, write_synthetic_pbf

import apl
from apl.routing import read_road_network, travel_times


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far (GiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class Clock:
    """Progress callback recording when routing starts and ends (snapping excluded)."""

    def __init__(self) -> None:
        self.start = self.end = self.cpu_start = self.cpu_end = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done == 0:
            self.start, self.cpu_start = now, time.process_time()
        if done == total:
            self.end, self.cpu_end = now, time.process_time()


def route(net, origins, destinations, minutes: float, jobs: int, turns: bool = True) -> dict:
    clock = Clock()
    t0 = time.perf_counter()
    times = travel_times(net, origins, destinations, max_minutes=minutes, n_jobs=jobs, progress=clock,
                         max_snap_m=5000, turn_costs=turns)  # fmt: skip
    total = time.perf_counter() - t0
    # CPU seconds of all threads while routing (snapping excluded): robust to other jobs
    cpu = clock.cpu_end - clock.cpu_start
    routing = clock.end - clock.start
    return {"turn_costs": turns, "max_minutes": minutes, "jobs": jobs, "origins": len(origins), "pairs": len(times),
            "pairs_per_origin": len(times) / len(origins), "call_s": total, "routing_s": routing,
            "s_per_origin": routing / len(origins),
            "cpu_s": cpu, "cpu_s_per_origin": cpu / len(origins)}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5_000_000)
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--sample", type=int, default=300, help="origins actually routed")
    parser.add_argument("--radii", default="10,20,30", help="max minutes to measure")
    parser.add_argument(
        "--full", action="store_true", help="also route all communes (not a sample) once"
    )
    parser.add_argument(
        "--ways", type=int, default=300_000, help="ways in the synthetic .pbf (0: skip)"
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "bench_routing.json")
    )
    args = parser.parse_args(argv)
    radii = [float(r) for r in args.radii.split(",")]
    report: dict = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                                "platform": platform.platform(), "apl": apl.__version__},
                    "note": "2-core machine shared with other jobs: timings are noisy"}  # fmt: skip

    t0 = time.perf_counter()
    net = synthetic_network(args.nodes)
    report["graph"] = {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "turn_graph_edges": int(net.turns.graph.nnz),
        "build_s": time.perf_counter() - t0,
    }
    points = synthetic_points(net, args.communes)
    rng = np.random.default_rng(2)
    sample = points.iloc[
        np.sort(rng.choice(len(points), size=min(args.sample, len(points)), replace=False))
    ]
    # compile the kernel once, outside the timings
    travel_times(net, sample.iloc[:2], points.iloc[:50], max_minutes=1.0, max_snap_m=5000)
    runs = [route(net, sample, points, r, 2) for r in radii]
    runs.append(route(net, sample, points, radii[-1], 1))
    runs.append(route(net, sample, points, radii[-1], 2, turns=False))  # node graph, no turn costs
    for run in runs:
        run["extrapolated_all_communes_s"] = run["s_per_origin"] * args.communes
        # CPU seconds spread over the threads used: what an otherwise idle machine would take
        run["extrapolated_idle_machine_s"] = run["cpu_s_per_origin"] * args.communes / run["jobs"]
    report["routing"] = runs
    if args.full:
        # every commune to every commune within the last radius, as the goal states
        full = route(net, points, points, radii[-1], 2)
        full["peak_rss_gib"] = peak_rss_gib()
        report["full_run"] = full
    report["peak_rss_gib_after_routing"] = peak_rss_gib()

    if args.ways:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            pbf = write_synthetic_pbf(Path(tmp) / "synthetic.osm.pbf", args.ways)
            write_s = time.perf_counter() - t0
            size = pbf.stat().st_size
            read_road_network(pbf)  # warm the caches and compile the contraction kernel
            t0, c0 = time.perf_counter(), time.process_time()
            road = read_road_network(pbf)
            read_s, read_cpu = time.perf_counter() - t0, time.process_time() - c0
        report["osm_read"] = {"ways": args.ways, "pbf_bytes": size, "write_s": write_s, "read_s": read_s,
                              "s_per_million_ways": read_s / args.ways * 1e6, "cpu_s": read_cpu,
                              "cpu_s_per_million_ways": read_cpu / args.ways * 1e6, "routing_nodes": road.n_nodes,
                              "contracted_nodes": len(road.via)}  # fmt: skip
    report["peak_rss_gib"] = peak_rss_gib()

    g = report["graph"]
    print(f"synthetic graph: {g['nodes']:,} nodes, {g['edges']:,} edges (built in {g['build_s']:.1f} s); "
          f"{args.communes:,} destinations, {len(sample):,} sample origins")  # fmt: skip
    print(f"{'turns':>5} {'max min':>7} {'jobs':>4} {'pairs/origin':>12} {'s/origin':>9} {'CPU s/origin':>12} "
          f"{'all communes, extrapolated: wall, CPU/jobs':>44}")  # fmt: skip
    for r in runs:
        print(f"{'yes' if r['turn_costs'] else 'no':>5} {r['max_minutes']:>7g} {r['jobs']:>4} {r['pairs_per_origin']:>12.1f} {r['s_per_origin']:>9.4f} "
              f"{r['cpu_s_per_origin']:>12.4f} {r['extrapolated_all_communes_s']:>34.0f} s, "
              f"{r['extrapolated_idle_machine_s']:.0f} s")  # fmt: skip
    if "full_run" in report:
        f = report["full_run"]
        print(f"full run: {f['origins']:,} origins × {args.communes:,} destinations within {f['max_minutes']:g} min, "
              f"{f['jobs']} threads: {f['pairs']:,} pairs, routing {f['routing_s']:.1f} s wall "
              f"({f['cpu_s']:.1f} CPU s), whole call {f['call_s']:.1f} s")  # fmt: skip
    if "osm_read" in report:
        o = report["osm_read"]
        print(f"read_road_network: {o['ways']:,} ways ({o['pbf_bytes'] / 1e6:.1f} MB pbf) in {o['read_s']:.2f} s "
              f"= {o['s_per_million_ways']:.1f} s per million ways ({o['cpu_s_per_million_ways']:.1f} CPU s)")  # fmt: skip
    print(f"peak RSS: {report['peak_rss_gib']:.2f} GiB")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
