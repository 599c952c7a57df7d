"""Benchmark of apl.distributed: a Parquet pair table larger than the workers' memory.

Writes a synthetic grid-like pair table (integer unit ids, as the INSEE 200 m grid would be
keyed; each origin reaches `--per-origin` supply units; files cut mid-origin so that some
origins are split across partitions), runs ``apl.distributed.compute_apl`` on a
``LocalCluster`` with a memory limit per worker, and, in the same run, the in-memory
``apl.compute_apl`` on the first `--memory-pairs` pairs. Prints a table and writes JSON.
Nothing here asserts a timing.

    python benchmarks/bench_distributed.py                            # 100 M pairs, 2 × 1 GiB
    python benchmarks/bench_distributed.py --pairs 2000000 --memory-pairs 1000000   # smoke

The machine may be shared: wall-clock times are noisy; the JSON records the arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq


def problem_tables(n_origins: int, n_supply: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demand (id, population) and supply (id, acts): supply units are some of the origins'
    ids (grid squares holding practices), so the diagonal rule applies to them."""
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": np.arange(n_origins, dtype=np.int64),
                           "population": rng.lognormal(np.log(30.0), 1.0, n_origins).round(1)})  # fmt: skip
    supply_ids = np.sort(rng.choice(n_origins, size=n_supply, replace=False)).astype(np.int64)
    supply = pd.DataFrame(
        {"id": supply_ids, "acts": rng.lognormal(np.log(8000.0), 1.0, n_supply).round()}
    )
    return demand, supply


def pair_rows(
    start: int, stop: int, per_origin: int, supply_ids: np.ndarray, seed: int
) -> pa.Table:
    """Rows [start, stop) of the virtual table: row r is origin r // per_origin and its
    (r % per_origin)-th destination, distinct within an origin; minutes to 0.1."""
    r = np.arange(start, stop, dtype=np.int64)
    origin = r // per_origin
    j = r % per_origin
    n_supply = supply_ids.shape[0]
    base = (origin * 2_654_435_761) % n_supply  # a scattered first supply unit per origin
    destination = supply_ids[(base + j) % n_supply]
    rng = np.random.default_rng([seed, start])
    minutes = np.round(rng.uniform(0.0, 40.0, r.shape[0]), 1)
    return pa.table({"origin": origin, "destination": destination, "minutes": minutes})


def write_pairs(path: Path, n_pairs: int, rows_per_file: int, per_origin: int, supply_ids: np.ndarray,
                seed: int) -> list[Path]:  # fmt: skip
    path.mkdir(parents=True, exist_ok=True)
    files = []
    for k, start in enumerate(range(0, n_pairs, rows_per_file)):
        table = pair_rows(start, min(start + rows_per_file, n_pairs), per_origin, supply_ids, seed)
        f = path / f"part-{k:05d}.parquet"
        pq.write_table(table, f, row_group_size=rows_per_file)
        files.append(f)
    return files


class PeakRSS:
    """Peak resident memory of this process, sampled every 50 ms in a thread (bytes)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def worker_peak_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=100_000_000, help="pairs in the Parquet table")
    parser.add_argument(
        "--per-origin", type=int, default=100, help="supply units reached by each origin"
    )
    parser.add_argument("--supply", type=int, default=20_000, help="supply units")
    parser.add_argument(
        "--rows-per-file", type=int, default=2_000_003, help="rows per Parquet file (a partition)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1GiB", help="per worker")
    parser.add_argument("--memory-pairs", type=int, default=20_000_000,
                        help="pairs given to the in-memory compute_apl (the first files)")  # fmt: skip
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to write the table (default: a temp dir)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the Parquet files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "bench_distributed.json"
    )
    args = parser.parse_args(argv)

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import apl.distributed

    n_origins = -(-args.pairs // args.per_origin)
    demand, supply = problem_tables(n_origins, args.supply, args.seed)
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="apl-bench-distributed-"))
    pairs_dir = workdir / "pairs"
    t0 = time.perf_counter()
    files = write_pairs(
        pairs_dir,
        args.pairs,
        args.rows_per_file,
        args.per_origin,
        supply["id"].to_numpy(),
        args.seed,
    )
    write_s = time.perf_counter() - t0
    disk_bytes = sum(f.stat().st_size for f in files)
    in_memory_bytes = args.pairs * 24  # int64 origin, int64 destination, float64 minutes

    out: dict = {"meta": {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                          "apl": apl.__version__, "machine": platform.machine(), "cpus": psutil.cpu_count(),
                          "load_average_at_start": os.getloadavg(),
                          "args": {k: str(v) for k, v in vars(args).items()}}}  # fmt: skip
    rows = []
    try:
        # --- distributed, on a cluster whose workers hold far less than the table --------
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               memory_limit=args.memory_limit, dashboard_address=":0")  # fmt: skip
        with Client(cluster) as client:
            limit = cluster.workers[next(iter(cluster.workers))].memory_manager.memory_limit
            client.run(lambda: apl.distributed.compute_apl)  # import apl on the workers first
            tt = dd.read_parquet(pairs_dir)
            with PeakRSS() as rss:
                t0 = time.perf_counter()
                result = apl.distributed.compute_apl(demand, supply, tt)
                dist_s = time.perf_counter() - t0
            worker_peaks = client.run(worker_peak_rss)
            n_partitions = tt.npartitions
            # The same subset the in-memory run gets, for a same-data comparison.
            n_files = max(1, -(-args.memory_pairs // args.rows_per_file))
            t0 = time.perf_counter()
            sub_result = apl.distributed.compute_apl(
                demand, supply, dd.read_parquet(files[:n_files])
            )
            sub_s = time.perf_counter() - t0
        cluster.close()
        diag = apl.get_diagnostics(result)
        dist = {
            "pairs": args.pairs, "partitions": n_partitions, "workers": args.workers,
            "worker_memory_limit_bytes": limit, "table_in_memory_bytes": in_memory_bytes,
            "table_over_one_worker_limit": in_memory_bytes / limit, "parquet_bytes": disk_bytes,
            "seconds": dist_s, "pairs_per_s": args.pairs / dist_s,
            "pairs_per_s_per_worker": args.pairs / dist_s / args.workers,
            "client_rss_start_bytes": rss.start, "client_rss_peak_bytes": rss.peak,
            "client_rss_growth_bytes": rss.peak - rss.start,
            "worker_peak_rss_bytes": max(worker_peaks.values()), "weighted_pairs": diag.n_pairs,
            "write_parquet_s": write_s,
        }  # fmt: skip
        rows.append(("distributed", dist))

        # --- in memory, same run, on the same first files ----------------------------------
        t0 = time.perf_counter()
        frame = pd.concat([pd.read_parquet(f) for f in files[:n_files]], ignore_index=True)
        read_s = time.perf_counter() - t0
        apl.compute_apl(demand.iloc[:1000], supply, frame.iloc[:100_000])  # compile / warm up
        with PeakRSS() as rss_mem:
            t0 = time.perf_counter()
            expected = apl.compute_apl(demand, supply, frame)
            mem_s = time.perf_counter() - t0
        mem = {
            "pairs": len(frame), "seconds": mem_s, "pairs_per_s": len(frame) / mem_s, "read_parquet_s": read_s,
            "rss_growth_bytes": rss_mem.peak - rss_mem.start,
        }  # fmt: skip
        rows.append(("in memory", mem))
        rows.append(("distributed, same pairs", {"pairs": len(frame), "seconds": sub_s,
                                                 "pairs_per_s": len(frame) / sub_s,
                                                 "pairs_per_s_per_worker": len(frame) / sub_s / args.workers}))  # fmt: skip
        diff = np.abs(sub_result["apl"].to_numpy() - expected["apl"].to_numpy())
        out["check"] = {"units_compared": len(expected), "max_abs_diff_apl": float(diff.max()),
                        "same_diagnostics_n_pairs": apl.get_diagnostics(sub_result).n_pairs
                        == apl.get_diagnostics(expected).n_pairs}  # fmt: skip
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    out["meta"]["load_average_at_end"] = os.getloadavg()
    out["results"] = {name: row for name, row in rows}
    ratio = (
        out["results"]["distributed"]["pairs_per_s_per_worker"]
        / out["results"]["in memory"]["pairs_per_s"]
    )
    out["distributed_per_worker_over_in_memory"] = ratio
    same = out["results"]["distributed, same pairs"]
    gib = 2.0**30
    print(f"{'run':<12} {'pairs':>12} {'seconds':>9} {'pairs/s':>12} {'pairs/s/worker':>15}")
    d, m = out["results"]["distributed"], out["results"]["in memory"]
    print(f"{'distributed':<12} {d['pairs']:>12,} {d['seconds']:>9.1f} {d['pairs_per_s']:>12,.0f} "
          f"{d['pairs_per_s_per_worker']:>15,.0f}")  # fmt: skip
    print(
        f"{'in memory':<12} {m['pairs']:>12,} {m['seconds']:>9.1f} {m['pairs_per_s']:>12,.0f} {'(1 process)':>15}"
    )
    print(f"{'dist. same':<12} {same['pairs']:>12,} {same['seconds']:>9.1f} {same['pairs_per_s']:>12,.0f} "
          f"{same['pairs_per_s_per_worker']:>15,.0f}")  # fmt: skip
    print(
        f"same pairs: max |APL distributed - APL in memory| = {out['check']['max_abs_diff_apl']:.2e}"
    )
    print(f"table {d['table_in_memory_bytes'] / gib:.2f} GiB in memory ({d['parquet_bytes'] / gib:.2f} GiB Parquet, "
          f"{d['partitions']} partitions) = {d['table_over_one_worker_limit']:.1f}× one worker's limit "
          f"({d['worker_memory_limit_bytes'] / gib:.2f} GiB); worker peak RSS {d['worker_peak_rss_bytes'] / gib:.2f} GiB")  # fmt: skip
    print(f"client RSS growth {d['client_rss_growth_bytes'] / 2**20:.0f} MiB; in-memory run RSS growth "
          f"{m['rss_growth_bytes'] / 2**20:.0f} MiB; distributed per worker / in memory = {ratio:.2f}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")
    return out


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
