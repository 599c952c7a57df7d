"""apl.distributed on a real LocalCluster (2 worker processes): equality with the in-memory
compute_apl whatever the partitioning, errors naming the partition, an empty partition,
a worker killed mid-run."""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import apl  # noqa: E402
import apl.distributed as ad  # noqa: E402
from apl.errors import CommuneCodeError, DuplicateError, ValidationError  # noqa: E402

# Starting and stopping clusters opens and drops sockets inside distributed; when the garbage
# collector finalises one of them (or one left by an earlier test) during a test, pytest
# reports it as an "unraisable exception" warning, which the project turns into an error.
# It says nothing about apl's numbers: ignore that one warning class in this module only.
pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning", "ignore::ResourceWarning"
)

# Classes of this module (the slow decay) travel to the worker processes by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client():
    # dashboard_address=":0": any free port. None does NOT stop the scheduler's HTTP server
    # from binding the default 8787, and when that port is busy (another cluster, another
    # test run) distributed warns, which filterwarnings=error turns into setup errors.
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def problem(seed: int, n: int = 60, n_supply: int = 25):
    """Random demand, supply and pair table with every kind of row the diagnostics count:
    unknown origins, destinations without supply, diagonal rows with a non-zero time,
    missing diagonals, pairs beyond 20 minutes, supply units no demand unit reaches, and a
    supply unit that is not a demand unit."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"{38000 + k:05d}" for k in range(n - 2)] + ["38900", "38901"], dtype=object)
    demand = pd.DataFrame({"commune": codes, "population": rng.uniform(0, 5000, n).round(1)})
    demand.loc[3, "population"] = 0.0
    sup = np.concatenate([rng.choice(codes[:-2], n_supply - 2, replace=False), ["73001", "73002"]])
    supply = pd.DataFrame({"commune": sup, "acts": rng.uniform(0, 20000, n_supply).round()})
    isolated = {"38900", "38901"}  # demand units in no pair: APL 0
    origins = np.concatenate([[c for c in codes if c not in isolated], ["99001", "99002"]])
    dests = np.concatenate([sup[:-1], ["38999"]])  # 73002 is reached by nobody; 38999 has no supply
    o = rng.choice(origins, 900)
    d = rng.choice(dests, 900)
    o = np.concatenate([o, sup[:5]])  # some diagonal rows for sure
    d = np.concatenate([d, sup[:5]])
    frame = pd.DataFrame({"origin": o, "destination": d}).drop_duplicates(ignore_index=True)
    frame["minutes"] = rng.uniform(0, 35, len(frame)).round(2)
    frame.loc[frame["origin"] == frame["destination"], "minutes"] = 7.5  # replaced by 0
    return demand, supply, frame


def split(frame: pd.DataFrame, cuts: list[int], local_index: bool = False):
    """A Dask DataFrame whose partitions are frame[cuts[k]:cuts[k+1]] (uneven, maybe empty)."""
    bounds = [0, *cuts, len(frame)]
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    if local_index:  # as read_parquet gives: each partition numbered from 0
        pieces = [p.reset_index(drop=True) for p in pieces]
    return dd.from_map(
        lambda p: p, pieces, meta=frame.iloc[:0], divisions=None, enforce_metadata=False
    )


def assert_same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(result.columns) == list(expected.columns)
    assert result.index.equals(expected.index)
    np.testing.assert_allclose(result.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-12)
    a, b = apl.get_diagnostics(result), apl.get_diagnostics(expected)
    assert (a.standardised, a.decay, a.n_communes, a.n_supply_communes, a.n_pairs) == (
        b.standardised, b.decay, b.n_communes, b.n_supply_communes, b.n_pairs,
    )  # fmt: skip
    pd.testing.assert_series_equal(a.unreachable_supply, b.unreachable_supply, rtol=1e-12)
    assert a.no_reachable_supply.equals(b.no_reachable_supply)
    pd.testing.assert_frame_equal(a.dropped, b.dropped)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_in_memory_shuffled_uneven_partitions(client, monkeypatch, seed):
    if seed == 2:  # the shuffle path of the cross-partition duplicate check
        monkeypatch.setattr(ad, "ONE_TASK_ROWS", 0)
    demand, supply, frame = problem(seed)
    expected = apl.compute_apl(demand, supply, frame, acts_per_fte=5000.0)
    diag = apl.get_diagnostics(expected)
    # The fixture exercises every counter, so equality below is not vacuous.
    assert diag.dropped["count"].gt(0).all(), diag.dropped
    assert len(diag.unreachable_supply) > 0 and len(diag.no_reachable_supply) > 0
    shuffled = frame.sample(frac=1.0, random_state=seed)
    n = len(shuffled)
    # Uneven, one empty partition, one of a single row: every demand unit is split.
    cuts = [n // 10, n // 10, n // 10 + 1, n // 2, n - 3]
    tt = split(shuffled, cuts, local_index=bool(seed % 2))
    assert tt.npartitions == 6
    result = ad.compute_apl(demand, supply, tt, acts_per_fte=5000.0)
    assert_same(result, expected)


def test_grouped_by_origin_and_other_decay(client):
    demand, supply, frame = problem(3)
    frame = frame.sort_values(["origin", "destination"], ignore_index=True)
    decay = apl.GaussianDecay(sigma=10.0, max_minutes=30.0)
    expected = apl.compute_apl(
        demand.set_index("commune")["population"], supply, frame, decay=decay
    )
    tt = dd.from_pandas(frame, npartitions=4, sort=False)
    result = ad.compute_apl(demand.set_index("commune")["population"], supply, tt, decay=decay)
    assert_same(result, expected)


@pytest.mark.parametrize("diagonal", ["zero", "table"])
def test_any_ids_and_diagonal_option(client, diagonal):
    """Integer ids (column ``id``) and both diagonal rules, as in memory."""
    demand, supply, frame = problem(14)
    number = {c: k for k, c in enumerate(sorted(set(demand["commune"]) | set(supply["commune"])
                                                 | set(frame["origin"]) | set(frame["destination"])))}  # fmt: skip
    demand = pd.DataFrame({"id": demand["commune"].map(number), "population": demand["population"]})
    supply = pd.DataFrame({"id": supply["commune"].map(number), "acts": supply["acts"]})
    frame = pd.DataFrame({"origin": frame["origin"].map(number), "destination": frame["destination"].map(number),
                          "minutes": frame["minutes"]})  # fmt: skip
    expected = apl.compute_apl(demand, supply, frame, diagonal=diagonal)
    result = ad.compute_apl(demand, supply, split(frame.sample(frac=1.0, random_state=2), [90, 91, 400]),
                            diagonal=diagonal)  # fmt: skip
    assert result.index.name == "id"
    assert_same(result, expected)


def test_isere_sample_from_parquet(client, tmp_path):
    """The real Isère OSRM table written as a Parquet dataset and read back by Dask."""
    sample = apl.datasets.load_isere()
    expected = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    shuffled = sample.travel_times.sample(frac=1.0, random_state=0).reset_index(drop=True)
    shuffled.to_parquet(tmp_path / "pairs.parquet", row_group_size=40_000, index=False)
    tt = dd.read_parquet(tmp_path / "pairs.parquet", split_row_groups=True)
    assert tt.npartitions > 1
    result = ad.compute_apl(sample.demand, sample.supply, tt)
    assert_same(result, expected)


def test_hand_worked_example(client):
    """Methodology worked example: X–Y 12, Y–Z 18, X–Z 25 min; P = 4000, 1000, 2000;
    S = 20000, 0, 6000. D_X = 4000 + 2/3·1000 = 4666.67, D_Z = 1/3·1000 + 2000 = 2333.33;
    R = (20000/4666.67, 0, 6000/2333.33) = (4.285714, 0, 2.571429);
    APL_Y = 2/3·4.285714 + 1/3·2.571429 = 3.714286."""
    demand = pd.DataFrame(
        {"commune": ["X0001", "Y0001", "Z0001"], "population": [4000.0, 1000.0, 2000.0]}
    )
    supply = pd.DataFrame({"commune": ["X0001", "Y0001", "Z0001"], "acts": [20000.0, 0.0, 6000.0]})
    legs = [("X0001", "Y0001", 12.0), ("Y0001", "Z0001", 18.0), ("X0001", "Z0001", 25.0)]
    both = legs + [(b, a, t) for a, b, t in legs]
    frame = pd.DataFrame(both, columns=["origin", "destination", "minutes"])
    result = ad.compute_apl(demand, supply, split(frame, [1, 1, 4]))
    np.testing.assert_allclose(result["apl"], [20000 / (4000 + 2000 / 3), 3.714285714285714,
                                              6000 / (1000 / 3 + 2000)], rtol=1e-12)  # fmt: skip
    assert (result["population"] * result["apl"]).sum() == pytest.approx(26000.0, rel=1e-12)


def test_all_partitions_empty_gives_the_diagonal_only(client):
    demand, supply, frame = problem(4)
    empty = frame.iloc[:0]
    expected = apl.compute_apl(demand, supply, empty)
    result = ad.compute_apl(demand, supply, split(empty, [0, 0]))
    assert_same(result, expected)


def test_compute_many_equals_one_scenario_at_a_time(client):
    demand, supply, frame = problem(5)
    rng = np.random.default_rng(5)
    base = supply.set_index("commune")["acts"]
    supplies = pd.DataFrame(
        {"base": base, "double": 2 * base, "noisy": base * rng.uniform(0, 2, len(base))}
    )
    tt = split(frame.sample(frac=1.0, random_state=5), [100, 400])
    result = ad.compute_many(demand, supplies, tt)
    assert list(result.columns) == ["base", "double", "noisy"]
    for column in supplies.columns:
        expected = apl.compute_apl(demand, supplies[column].rename("acts"), frame)["apl"]
        np.testing.assert_allclose(result[column], expected, rtol=1e-12, atol=1e-12)
    d = result.attrs["catchment_demand"]
    assert d.index.equals(pd.Index(supplies.index, dtype=object))


def test_compute_many_attrs_match_diagnostics(client):
    demand, supply, frame = problem(6)
    expected = apl.get_diagnostics(apl.compute_apl(demand, supply, frame))
    result = ad.compute_many(demand, supply.set_index("commune")[["acts"]], split(frame, [300]))
    assert result.attrs["n_pairs"] == expected.n_pairs
    pd.testing.assert_frame_equal(result.attrs["dropped"], expected.dropped)
    reached_by_nobody = result.attrs["catchment_demand"] == 0
    assert set(expected.unreachable_supply.index) <= set(reached_by_nobody[reached_by_nobody].index)


# --- errors ------------------------------------------------------------------------------


def errors_of(demand, supply, frame, cuts):
    """(in-memory error, distributed error) on the same table, global index labels.

    In memory runs on the rows as Dask holds them (Dask turns text columns into Arrow
    strings, None into <NA>), gathered here because the table is tiny."""
    tt = split(frame, cuts)
    with pytest.raises(ValidationError) as mem:
        apl.compute_apl(demand, supply, tt.compute())
    with pytest.raises(ValidationError) as dist:
        ad.compute_apl(demand, supply, tt)
    return mem.value, dist.value


@pytest.mark.parametrize(
    ("column", "value", "kind", "words"),
    [
        ("minutes", -1.0, ValidationError, "expected a number ≥ 0"),
        ("minutes", np.nan, ValidationError, "(NaN)"),
        ("minutes", np.inf, ValidationError, "infinite"),
        ("origin", "1001", CommuneCodeError, "leading zero"),
        ("destination", None, CommuneCodeError, "missing commune code"),
    ],
)
def test_bad_row_names_partition_and_row(client, column, value, kind, words):
    demand, supply, frame = problem(7)
    frame = frame.copy()
    frame[column] = frame[column].astype(object) if column != "minutes" else frame[column]
    frame.loc[frame.index[250], column] = value  # partition 2 of [0, 100), [100, 200), [200, …)
    mem, dist = errors_of(demand, supply, frame, [100, 200, 600])
    assert type(dist) is type(mem) is kind
    assert str(dist).startswith(str(mem))  # same message as in memory, then where it is
    assert words in str(dist)
    assert "partition 2 of 4" in str(dist) and "row position 50 within that partition" in str(dist)
    assert (dist.partition, dist.position, dist.row, dist.column) == (
        2,
        50,
        frame.index[250],
        column,
    )


def test_first_error_is_the_one_in_memory_meets_first(client):
    """A negative time in partition 0 and a bad origin code in partition 3: in memory codes
    are checked before times, so the code error wins in both."""
    demand, supply, frame = problem(8)
    frame = frame.copy()
    frame["origin"] = frame["origin"].astype(object)
    frame.loc[frame.index[10], "minutes"] = -5.0
    frame.loc[frame.index[500], "origin"] = "38"
    mem, dist = errors_of(demand, supply, frame, [100, 200, 300])
    assert type(dist) is type(mem) is CommuneCodeError
    assert dist.partition == 3 and str(dist).startswith(str(mem))


def test_duplicate_inside_one_partition(client):
    demand, supply, frame = problem(9)
    frame = pd.concat([frame.iloc[:30], frame.iloc[[20]], frame.iloc[30:]], ignore_index=True)
    # row 30 is a copy of row 20, both in partition 1 = rows [15, 40)
    mem, dist = errors_of(demand, supply, frame, [15, 40])
    assert type(dist) is type(mem) is DuplicateError
    assert (dist.partition, dist.position, dist.row) == (1, 5, 20)
    assert str(dist).startswith(str(mem))


@pytest.mark.parametrize("one_task_rows", [2_000_000, 0])  # 0: always the shuffle by origin
def test_duplicate_across_partitions(client, monkeypatch, one_task_rows):
    monkeypatch.setattr(ad, "ONE_TASK_ROWS", one_task_rows)
    demand, supply, frame = problem(10)
    frame = frame.sort_values("origin", ignore_index=True)  # grouped by origin: few splits
    twin = frame.iloc[[400, 600]]
    frame = pd.concat([frame.iloc[:100], twin, frame.iloc[100:]], ignore_index=True)
    # rows 100-101 are copies of rows 402 and 602, in other partitions
    mem, dist = errors_of(demand, supply, frame, [300, 500])
    assert type(dist) is type(mem) is DuplicateError
    assert (dist.partition, dist.position, dist.row, mem.row) == (0, 100, 100, 100)
    assert "(2 duplicate row(s))" in str(mem) and str(dist).startswith(str(mem))


@pytest.mark.parametrize("one_task_rows", [2_000_000, 0])
def test_duplicate_across_partitions_integer_ids(client, monkeypatch, one_task_rows):
    monkeypatch.setattr(ad, "ONE_TASK_ROWS", one_task_rows)
    demand = pd.DataFrame({"id": np.arange(50), "population": np.full(50, 100.0)})
    supply = pd.DataFrame({"id": [3, 7], "acts": [5000.0, 8000.0]})
    frame = pd.DataFrame({"origin": np.repeat(np.arange(50), 2), "destination": np.tile([3, 7], 50),
                          "minutes": np.linspace(0, 30, 100)})  # fmt: skip
    frame = pd.concat([frame, frame.iloc[[10]]], ignore_index=True)  # row 100 repeats row 10
    mem, dist = errors_of(demand, supply, frame, [50])
    assert type(dist) is type(mem) is DuplicateError
    assert (dist.partition, dist.position, dist.row) == (0, 10, 10)
    assert str(dist).startswith(str(mem)) and "origin=5, destination=3" in str(dist)


def test_not_a_dask_frame_and_missing_column(client):
    demand, supply, frame = problem(11)
    with pytest.raises(ValidationError, match=r"dask\.dataframe\.DataFrame"):
        ad.compute_apl(demand, supply, frame)
    with pytest.raises(apl.errors.MissingColumnError, match="minutes"):
        ad.compute_apl(demand, supply, split(frame.drop(columns="minutes"), [10]))


def test_local_scheduler_without_a_client(client):
    demand, supply, frame = problem(12)
    expected = apl.compute_apl(demand, supply, frame)
    with dask.config.set(scheduler="sync"):
        result = ad.compute_apl(
            demand, supply, split(frame.sample(frac=1.0, random_state=0), [50, 500])
        )
    assert_same(result, expected)


# --- a worker killed mid-run ------------------------------------------------------------


class SlowDecay:
    """The DREES step decay, slowed down so that a worker can be killed while it works."""

    max_minutes = 20.0

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.inner = apl.StepDecay.drees()

    def __call__(self, minutes):
        time.sleep(self.seconds)
        return self.inner(minutes)

    def __repr__(self) -> str:
        return "SlowDecay(DREES)"


def test_worker_killed_mid_run_gives_the_right_result(client):
    demand, supply, frame = problem(13)
    decay = SlowDecay(0.15)
    expected = apl.compute_apl(demand, supply, frame, decay=apl.StepDecay.drees())
    tt = split(frame.sample(frac=1.0, random_state=13), list(range(60, len(frame) - 1, 60)))
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = ad.compute_apl(demand, supply, tt, decay=decay)
        except Exception as error:  # a clear error is acceptable, a wrong number is not
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    # Kill one worker process once it is busy with a partition of this computation.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not client.processing().get(victim):
        time.sleep(0.02)
    assert client.processing().get(victim), "the worker never got a task"
    os.kill(pids[victim], signal.SIGKILL)
    worker.join(timeout=60)
    assert not worker.is_alive()
    client.wait_for_workers(2, timeout=30)
    if "error" in outcome:
        assert (
            "KilledWorker" in type(outcome["error"]).__name__
            or "worker" in str(outcome["error"]).lower()
        )
    else:
        result = outcome["result"]
        np.testing.assert_allclose(result["apl"], expected["apl"], rtol=1e-12, atol=1e-12)
        assert apl.get_diagnostics(result).n_pairs == apl.get_diagnostics(expected).n_pairs


def test_import_apl_does_not_import_dask():
    import subprocess

    code = "import sys, apl; apl.compute_apl; print(any(m == 'dask' or m.startswith('dask.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- routing on the workers --------------------------------------------------------------


def test_travel_times_routed_on_workers_equal_in_memory_routing(client):
    pytest.importorskip("osmium")
    routing = pytest.importorskip("apl.routing")
    network = routing.read_road_network(routing.example_extract())
    five = ["06012", "06032", "06059", "06150", "06104"]  # town halls inside the extract
    points = routing.commune_points(five)
    paris = pd.DataFrame({"commune": ["75056"], "lon": [2.3522], "lat": [48.8566]})  # off the map
    expected = routing.travel_times(network, points, max_minutes=30)
    with pytest.warns(routing.SnapWarning, match="75056"):  # once, on the client
        tt = ad.travel_times(
            network, pd.concat([points, paris], ignore_index=True), max_minutes=30, batch_size=2
        )
    assert tt.npartitions == 3  # 5 routable origins in batches of 2
    got = tt.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True), check_dtype=False)
    demand = pd.DataFrame(
        {"commune": five, "population": [13_000.0, 4_500.0, 2_300.0, 3_100.0, 12_500.0]}
    )
    supply = pd.DataFrame({"commune": ["06012", "06104"], "acts": [60_000.0, 40_000.0]})
    assert_same(ad.compute_apl(demand, supply, tt), apl.compute_apl(demand, supply, expected))


def test_benchmark_script_smoke(tmp_path):
    """benchmarks/bench_distributed.py at a tiny size (its own cluster, in a subprocess):
    it runs, writes its JSON, and the distributed and in-memory APL agree there."""
    import json
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_distributed.py"
    out = tmp_path / "bench.json"
    args = ["--pairs", "300000", "--per-origin", "50", "--supply", "2000", "--rows-per-file", "100003",
            "--memory-pairs", "200000", "--memory-limit", "2GiB", "--out", str(out)]  # fmt: skip
    subprocess.run(
        [sys.executable, str(script), *args], check=True, capture_output=True, timeout=240
    )
    report = json.loads(out.read_text())
    assert report["results"]["distributed"]["pairs"] == 300_000
    assert report["results"]["distributed"]["partitions"] == 3
    assert (
        report["check"]["max_abs_diff_apl"] < 1e-12 and report["check"]["same_diagnostics_n_pairs"]
    )
