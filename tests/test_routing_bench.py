"""Smoke test of benchmarks/bench_routing.py at a tiny size (no timing asserted), and of its generators."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_bench_routing_smoke(tmp_path):
    pytest.importorskip("osmium")
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench_routing.py"), "--nodes", "10000", "--communes", "200", "--sample", "8",
         "--ways", "600", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert [r["max_minutes"] for r in report["routing"]] == [10.0, 20.0, 30.0, 30.0, 30.0]
    assert [r["turn_costs"] for r in report["routing"]] == [True, True, True, True, False]
    # a larger radius reaches at least as many destinations; 1 or 2 threads give the same
    # pairs; without turn costs at least as many; each origin reaches itself
    pairs = [r["pairs"] for r in report["routing"]]
    assert pairs[0] <= pairs[1] <= pairs[2] == pairs[3] <= pairs[4]
    assert pairs[0] >= 8
    assert report["osm_read"]["routing_nodes"] > 0 and report["osm_read"]["ways"] == 600


def test_synthetic_generators(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from road_graph import synthetic_network, write_synthetic_pbf
    finally:
        sys.path.remove(str(BENCH))
    net = synthetic_network(4000, seed=1)
    assert 3000 < net.n_nodes <= 4100
    assert connected_components(net.graph, directed=True, connection="strong")[0] == 1
    assert (net.graph.data > 0).all() and np.isfinite(net.lon).all()
    pytest.importorskip("osmium")
    from apl.routing import read_road_network

    road = read_road_network(write_synthetic_pbf(tmp_path / "g.osm.pbf", 300))
    # footways (one way in ten) are left out; the street grid remains one connected network
    assert road.info["counts"]["drivable_ways"] == 270
    assert road.n_nodes + len(road.via) > 1000
