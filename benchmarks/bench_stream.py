"""Streaming benchmark: compute_apl on a large Parquet travel-time file, read by row groups.

Writes a synthetic national-shaped Parquet file of `--pairs` (origin, destination, minutes)
rows — 35,000 communes with COG-shaped codes, each origin's rows together as routing
engines write them, minutes uniform on [0, 180) so that about one pair in nine is within
the DREES 20-minute reach — then runs ``apl.compute_apl(demand, supply, path)`` in a
fresh process and reports its wall time and peak resident memory (``ru_maxrss`` of that
process, which includes the Python/NumPy/Numba baseline, reported separately). With
``--check`` it also reads the file whole and checks that the in-memory path gives the same
bits. Prints a table and writes JSON into benchmarks/results/.

    python benchmarks/bench_stream.py --pairs 5_000_000 20_000_000
    python benchmarks/bench_stream.py --pairs 200_000 --check      # smoke

With two sizes or more, 500 M pairs are extrapolated from the slope between the smallest
and the largest (time and memory above the fixed baseline grow with the table).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_COMMUNES = 35_000
N_SUPPLY = 10_000


def codes(n: int) -> np.ndarray:
    return np.array([f"{k:05d}" for k in range(1, n + 1)], dtype=object)


def write_pairs(path: Path, n_pairs: int, seed: int = 0, rows_per_group: int = 2_000_000) -> float:
    """Write the file by row groups (never the whole table in memory); returns seconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    names = codes(N_COMMUNES)
    per_origin = max(1, n_pairs // N_COMMUNES)
    per_origin = min(per_origin, N_COMMUNES)
    name_arr = pa.array(names, type=pa.string())
    schema = pa.schema(
        [("origin", pa.string()), ("destination", pa.string()), ("minutes", pa.float64())]
    )
    origins_per_group = max(1, rows_per_group // per_origin)
    written = 0
    with pq.ParquetWriter(path, schema, compression="snappy") as writer:
        for first in range(0, N_COMMUNES, origins_per_group):
            if written >= n_pairs:
                break
            last = min(N_COMMUNES, first + origins_per_group)
            o_idx = np.repeat(np.arange(first, last), per_origin)
            # destinations: a random start and a stride 3, coprime with 35,000, so that an
            # origin's destinations are distinct (at most 35,000 per origin)
            start = rng.integers(0, N_COMMUNES, size=last - first)
            step = np.arange(per_origin)
            d_idx = (start[:, None] + step[None, :] * 3) % N_COMMUNES
            d_idx = d_idx.ravel()
            take = min(len(o_idx), n_pairs - written)
            minutes = rng.uniform(0.0, 180.0, size=take)
            batch = pa.record_batch([name_arr.take(pa.array(o_idx[:take])), name_arr.take(pa.array(d_idx[:take])),
                                     pa.array(minutes)], schema=schema)  # fmt: skip
            writer.write_batch(batch)
            written += take
    return time.perf_counter() - t0


CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
import apl
path, check = sys.argv[1], sys.argv[2] == "1"
rng = np.random.default_rng(1)
names = np.array([f"{k:05d}" for k in range(1, %(n)d + 1)], dtype=object)
demand = pd.DataFrame({"commune": names, "population": np.round(rng.lognormal(np.log(450), 1.3, len(names)), 1)})
sup = np.sort(rng.choice(len(names), %(s)d, replace=False))
supply = pd.DataFrame({"commune": names[sup], "acts": np.round(rng.lognormal(np.log(8000), 1.0, len(sup)))})
# warm-up on a tiny Parquet file: kernels compiled (or loaded from Numba's cache) before timing
import os, tempfile
import pyarrow as pa, pyarrow.parquet as pq
tiny = os.path.join(tempfile.mkdtemp(), "tiny.parquet")
pq.write_table(pa.table({"origin": ["00001", "00002"], "destination": ["00001", "00001"], "minutes": [1.0, 30.0]}), tiny)
apl.compute_apl(demand.iloc[:5], supply.iloc[:5], tiny)
base_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
result = apl.compute_apl(demand, supply, path)
seconds = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "baseline_rss_mb": base_kb / 1024,
       "n_pairs_weighted": apl.get_diagnostics(result).n_pairs, "mean_apl": float(result["apl"].mean())}
if check:
    import pyarrow.parquet as pq
    table = pq.read_table(path).to_pandas()
    whole = apl.compute_apl(demand, supply, table)
    out["identical_to_in_memory"] = bool(np.array_equal(whole["apl"].to_numpy(), result["apl"].to_numpy()))
print(json.dumps(out))
""".replace("%(n)d", str(N_COMMUNES)).replace("%(s)d", str(N_SUPPLY))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[5_000_000, 20_000_000])
    parser.add_argument("--check", action="store_true", help="also compare with the in-memory path")
    parser.add_argument(
        "--dir", default=None, help="folder for the Parquet file (default: a temp folder)"
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "bench_stream.json")
    )
    args = parser.parse_args(argv)

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="apl-stream-"))
    path = folder / "times.parquet"
    rows = []
    for n_pairs in sorted(args.pairs):
        write_s = write_pairs(path, n_pairs)
        file_mb = path.stat().st_size / 1e6
        proc = subprocess.run([sys.executable, "-c", CHILD, str(path), "1" if args.check else "0"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        run = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append({"pairs": n_pairs, "file_mb": file_mb, "write_s": write_s, **run,
                     "seconds_per_million_pairs": run["seconds"] / (n_pairs / 1e6),
                     "extra_rss_mb": run["peak_rss_mb"] - run["baseline_rss_mb"]})  # fmt: skip
        path.unlink()
    target = 500e6
    small, large = rows[0], rows[-1]
    if large["pairs"] > small["pairs"]:
        # slope between the two sizes: the part of time and memory that grows with the table
        span = large["pairs"] - small["pairs"]
        s_slope = (large["seconds"] - small["seconds"]) / span
        m_slope = (large["peak_rss_mb"] - small["peak_rss_mb"]) / span
        extrapolated = {"method": "slope between the smallest and largest sizes",
                        "seconds": large["seconds"] + s_slope * (target - large["pairs"]),
                        "peak_rss_gib": (large["peak_rss_mb"] + m_slope * (target - large["pairs"])) / 1024}  # fmt: skip
    else:
        scale = target / large["pairs"]
        extrapolated = {"method": "proportional to one size (over-estimates memory)",
                        "seconds": large["seconds"] * scale,
                        "peak_rss_gib": (large["baseline_rss_mb"] + large["extra_rss_mb"] * scale) / 1024}  # fmt: skip
    keys = [
        "pairs",
        "file_mb",
        "write_s",
        "seconds",
        "seconds_per_million_pairs",
        "peak_rss_mb",
        "baseline_rss_mb",
        "extra_rss_mb",
        "n_pairs_weighted",
        "identical_to_in_memory",
    ]
    for key in keys:
        print(f"{key:26s}" + "".join(f"{r.get(key, '-'):>14.4g}" if isinstance(r.get(key), float)
                                     else f"{r.get(key, '-')!s:>14}" for r in rows))  # fmt: skip
    print("extrapolated to 500 M pairs:", json.dumps(extrapolated))
    meta = {"python": sys.version.split()[0], "machine": platform.machine(), "cpus": os.cpu_count(),
            "args": vars(args)}  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "results": rows, "extrapolated_500M": extrapolated},
                                         indent=2))  # fmt: skip
    print(f"written {args.out}")
    if not args.dir:
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
