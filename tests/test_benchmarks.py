"""Smoke test: the benchmark script runs at a small size and writes its JSON (no timing asserted)."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_apl.py"


def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--communes",
            "1500",
            "--supply",
            "400",
            "--scenarios",
            "20",
            "--repeat",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "compute_apl_s" in done.stdout
    results = json.loads(out.read_text())["results"]
    assert [r["problem"] for r in results] == [
        "synthetic 1500",
        "synthetic 1500, rows by origin",
        "isere",
    ]
    for row in results:
        assert row["compute_apl_s"] > 0 and row["pairs_weighted"] > 0
        peers = row["peers"]
        if peers["installed"]:
            # access's step function is right-closed: equal to apl with closed="right"
            assert peers["e2sfca_vs_apl_right_closed_max_abs"] < 1e-9
            assert peers["2sfca_vs_apl_binary20_max_abs"] < 1e-9
