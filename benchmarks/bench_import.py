"""Import cost of apl against its heavy dependencies alone.

Each measurement runs in a fresh interpreter (nothing cached in ``sys.modules``) and times
only the ``import`` statement with ``time.perf_counter``; interpreter start-up is excluded.
The goal (issue #10) is ``import apl`` ≤ 1.3 × ``import numpy, pandas, scipy.sparse, numba``
— apl's own modules must add little — and ``import apl`` must not load matplotlib,
geopandas or openpyxl. Prints a table and writes JSON; asserts nothing about timings.

    python benchmarks/bench_import.py               # 15 runs of each, interleaved
    python benchmarks/bench_import.py --repeat 3    # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

BASELINE = "import numpy, pandas, scipy.sparse, numba"
TARGET = "import apl"
HEAVY = ("matplotlib", "geopandas", "openpyxl", "shapely", "pyogrio", "osmium", "dask")

_PROBE = """
import sys, time, json
t0 = time.perf_counter()
{statement}
elapsed = time.perf_counter() - t0
print(json.dumps({{"seconds": elapsed, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def measure(statement: str) -> dict:
    """Seconds spent in `statement` in a fresh interpreter, and heavy modules it loaded."""
    code = _PROBE.format(statement=statement, heavy=HEAVY)
    # Bytecode caches on, as after `pip install` (which compiles .pyc): with
    # PYTHONDONTWRITEBYTECODE set, apl's modules would be recompiled from source on every
    # import while numpy/pandas use the .pyc written at their install — not a fair race.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="fresh interpreters per statement")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results" / "bench_import.json")
    )
    args = parser.parse_args(argv)

    measure(TARGET)  # warm the OS file cache, write the .pyc and numba's cache once, not counted
    base, target, heavy = [], [], set()
    for _ in range(args.repeat):  # interleaved, so a noisy neighbour hits both alike
        base.append(measure(BASELINE)["seconds"])
        probe = measure(TARGET)
        target.append(probe["seconds"])
        heavy.update(probe["heavy"])
    row = {
        "baseline_statement": BASELINE,
        "baseline_median_s": statistics.median(base),
        "apl_median_s": statistics.median(target),
        "ratio": statistics.median(target) / statistics.median(base),
        "baseline_min_s": min(base),
        "apl_min_s": min(target),
        "ratio_of_minima": min(target) / min(base),
        "heavy_modules_loaded_by_import_apl": sorted(heavy),
        "repeat": args.repeat,
    }
    print(f"{'statement':<45} {'median s':>9} {'min s':>8}")
    print(f"{BASELINE:<45} {row['baseline_median_s']:>9.3f} {row['baseline_min_s']:>8.3f}")
    print(f"{TARGET:<45} {row['apl_median_s']:>9.3f} {row['apl_min_s']:>8.3f}")
    print(
        f"ratio (medians) {row['ratio']:.2f}, ratio (minima) {row['ratio_of_minima']:.2f}; goal ≤ 1.3"
    )
    print(
        f"heavy modules loaded by import apl: {row['heavy_modules_loaded_by_import_apl'] or 'none'}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "note":
            "shared 2-core machine, timings noisy"}  # fmt: skip
    out.write_text(json.dumps({"meta": meta, "results": [row]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
