"""apl.uncertainty: zone probabilities under noisy travel times, activity and population."""

import naive_uncertainty as naive
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr, ndtri

import apl
from apl import uncertainty as unc
from apl.errors import ValidationError
from apl.kernels.noise import step_weights


def small_problem(acts=9000.0):
    """A (1000 inh.) holds all the GPs; B is 12 min away, C 40 min (out of reach).

    DREES decay: w(A→A) = 1, w(B→A) = 2/3, w(C→A) = 0.
    D_A = 1000 + 2/3 × 1000 = 5000/3; R_A = 9000 / (5000/3) = 5.4;
    APL_A = 5.4 (≥ 4: HZ), APL_B = 2/3 × 5.4 = 3.6 (vivier), APL_C = 0 (ZIP).
    """
    demand = pd.DataFrame(
        {"commune": ["01001", "01002", "01003"], "population": [1000.0, 1000.0, 1000.0]}
    )
    supply = pd.DataFrame({"commune": ["01001"], "acts": [acts]})
    times = pd.DataFrame({"origin": ["01002", "01003", "01001", "01001"],
                          "destination": ["01001", "01001", "01002", "01003"],
                          "minutes": [12.0, 40.0, 12.0, 40.0]})  # fmt: skip
    return demand, supply, times


@pytest.fixture(scope="module")
def isere():
    return apl.datasets.load_isere()


def test_hand_case_point_estimate_and_columns():
    demand, supply, times = small_problem()
    table = unc.zone_probabilities(
        demand, supply, times, n_draws=50, time_noise=0.0, activity_noise=0.0
    )
    np.testing.assert_allclose(table["apl"], [5.4, 3.6, 0.0], rtol=1e-14)
    assert list(table["zone"]) == ["HZ", "vivier", "ZIP"]
    assert list(table.columns) == ["apl", "zone", "population", "apl_mean", "apl_p05", "apl_median", "apl_p95",
                                   "p_below_2_5", "p_2_5_to_4", "p_4_and_above", "p_zone"]  # fmt: skip
    np.testing.assert_array_equal(table[["p_below_2_5", "p_2_5_to_4", "p_4_and_above"]].to_numpy(),
                                  [[0, 0, 1], [0, 1, 0], [1, 0, 0]])  # fmt: skip


@pytest.mark.parametrize("decay", [None, lambda minutes: apl.StepDecay.drees()(minutes)],
                         ids=["step-decay-uniform-path", "generic-decay-lognormal-path"])  # fmt: skip
def test_hand_case_time_noise_matches_the_normal_law(decay):
    # Only B→A (12 min) can change band. With σ = 0.1, t' = 12 e^{σZ}:
    #   t' < 10  ⟺ Z < ln(10/12)/0.1 = −1.823: w = 1 → D = 2000, R = 4.5, APL_B = 4.5 (HZ)
    #   t' ≥ 15 ⟺ Z ≥ ln(15/12)/0.1 = 2.231: w ≤ 1/3 → APL_B = 1/3 × 9000/(4000/3) = 2.25
    #   (or 0 beyond 20 min) (below 2.5)
    # so P(HZ) = Φ(−1.823) = 0.0341 and P(below 2.5) = 1 − Φ(2.231) = 0.0128 for B.
    # A stays ≥ 4 in every case (APL_A ∈ {4.5, 5.4, 6.75, 9}): a stable class.
    demand, supply, times = small_problem()
    n = 20_000
    table = unc.zone_probabilities(demand, supply, times, n_draws=n, time_noise=0.1, activity_noise=0.0, seed=3,
                                   decay=decay)  # fmt: skip
    p_hz = ndtr(np.log(10 / 12) / 0.1)
    p_low = 1 - ndtr(np.log(15 / 12) / 0.1)
    b = table.loc["01002"]
    se = np.sqrt(p_hz * (1 - p_hz) / n)
    assert abs(b["p_4_and_above"] - p_hz) < 5 * se
    assert abs(b["p_below_2_5"] - p_low) < 5 * np.sqrt(p_low * (1 - p_low) / n)
    assert b["p_zone"] == pytest.approx(1 - b["p_4_and_above"] - b["p_below_2_5"])
    assert table.loc["01001", "p_4_and_above"] == 1.0  # far from the thresholds: stable
    assert table.loc["01003", "p_below_2_5"] == 1.0
    assert b["apl_median"] == pytest.approx(3.6, rel=1e-6)


def test_activity_noise_on_the_threshold_is_a_coin_flip():
    # acts = 6000: R_A = 3.6, APL_B = 2.4 … choose acts so that APL_B = 2.5 exactly:
    # APL_B = 2/3 × acts / (5000/3) = acts / 2500 → acts = 6250 puts B on the threshold,
    # where P(APL_B · f ≥ 2.5) = P(f ≥ 1) = ½ with f log-normal of median 1.
    demand, supply, times = small_problem(acts=6250.0)
    n = 4000
    table = unc.zone_probabilities(
        demand, supply, times, n_draws=n, time_noise=0.0, activity_noise=0.05
    )
    assert abs(table.loc["01002", "p_below_2_5"] - 0.5) < 5 * np.sqrt(0.25 / n)
    # APL_B · f with f = e^{0.05 Z}: p05 = 2.5 e^{−1.645 × 0.05} = 2.303, p95 = 2.714
    assert table.loc["01002", "apl_p05"] == pytest.approx(2.5 * np.exp(-1.6449 * 0.05), rel=0.01)
    assert table.loc["01002", "apl_p95"] == pytest.approx(2.5 * np.exp(1.6449 * 0.05), rel=0.01)


def test_zero_noise_probabilities_are_the_classification(isere):
    s = isere
    table = unc.zone_probabilities(s.demand, s.supply, s.travel_times, n_draws=20, time_noise=0.0,
                                   activity_noise=0.0, population_noise=0.0)  # fmt: skip
    point = apl.compute_apl(s.demand, s.supply, s.travel_times)
    np.testing.assert_array_equal(table["apl"].to_numpy(), point["apl"].to_numpy())
    zones = apl.zoning.classify(point)["zone"].to_numpy()
    expected = np.stack([zones == "ZIP", zones == "vivier", zones == "HZ"], axis=1).astype(float)
    np.testing.assert_array_equal(
        table[["p_below_2_5", "p_2_5_to_4", "p_4_and_above"]].to_numpy(), expected
    )
    assert (table["p_zone"] == 1.0).all()
    for column in ("apl_mean", "apl_p05", "apl_median", "apl_p95"):
        np.testing.assert_allclose(table[column], point["apl"], rtol=1e-6)  # float32 draws


def test_value_on_a_threshold_goes_to_the_upper_class(isere):
    s = isere
    point = apl.compute_apl(s.demand, s.supply, s.travel_times)
    value = float(point["apl"].iloc[10])
    table = unc.zone_probabilities(s.demand, s.supply, s.travel_times, n_draws=5, time_noise=0.0,
                                   activity_noise=0.0, thresholds=(value, value + 1.0))  # fmt: skip
    names = unc.class_columns((value, value + 1.0))
    assert table[names[1]].iloc[10] == 1.0
    assert apl.zoning.classify(point, thresholds=(value, value + 1.0))["zone"].iloc[10] == "vivier"


def test_tiny_time_noise_reproduces_the_point_estimate():
    # σ = 1e-9 on times far from any band edge: every draw re-weights the pairs exactly as
    # the model does, through the candidate structure, and the APL is the same
    demand, supply, times = small_problem()
    table = unc.zone_probabilities(
        demand, supply, times, n_draws=10, time_noise=1e-9, activity_noise=0.0
    )
    np.testing.assert_allclose(table["apl_mean"], table["apl"], rtol=1e-6)
    assert (table["p_zone"] == 1.0).all()


def test_mean_converges_to_the_point_estimate(isere):
    s = isere
    errors = []
    for sigma in (0.1, 0.01, 0.001):
        t = unc.zone_probabilities(s.demand, s.supply, s.travel_times, n_draws=100, time_noise=0.0,
                                   activity_noise=sigma, seed=1)  # fmt: skip
        errors.append(float(np.max(np.abs(t["apl_mean"] - t["apl"]) / np.maximum(t["apl"], 1e-9))))
    # activity noise enters linearly: the mean's relative error scales with σ
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-3


def test_seeded_reproducibility(isere):
    s = isere
    kwargs = {"n_draws": 40, "time_noise": 0.1, "activity_noise": 0.05, "population_noise": 0.02}
    a = unc.zone_probabilities(s.demand, s.supply, s.travel_times, seed=7, **kwargs)
    b = unc.zone_probabilities(
        s.demand, s.supply, s.travel_times, seed=7, n_jobs=1, batch_size=3, **kwargs
    )
    c = unc.zone_probabilities(s.demand, s.supply, s.travel_times, seed=8, **kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert not a["apl_mean"].equals(c["apl_mean"])
    assert a.attrs["uncertainty"]["seed"] == 7
    np.testing.assert_allclose(a[unc.class_columns()].sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_activity_only_batches_equal_single_draws(isere):
    # the compute_many path (activity only) and the per-draw path (population noise 0 but
    # forced through threads by a tiny time noise on a problem without band edges) agree on
    # the activity factors: same seeds, same numbers
    demand, supply, times = small_problem()
    a = unc.apl_draws(demand, supply, times, n_draws=6, time_noise=0.0, activity_noise=0.05, seed=2)
    b = unc.apl_draws(
        demand, supply, times, n_draws=6, time_noise=1e-12, activity_noise=0.05, seed=2
    )
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6)


def test_apl_draws_agree_with_the_summary(isere):
    s = isere
    draws = unc.apl_draws(s.demand, s.supply, s.travel_times, n_draws=30, seed=4)
    table = unc.zone_probabilities(s.demand, s.supply, s.travel_times, n_draws=30, seed=4)
    assert draws.shape == (len(s.demand), 30)
    x = draws.to_numpy(dtype=np.float64)
    np.testing.assert_allclose(table["apl_median"], np.median(x, axis=1), rtol=1e-12)
    np.testing.assert_allclose(table["apl_mean"], x.mean(axis=1), rtol=1e-9)
    np.testing.assert_allclose(table["p_below_2_5"], (x < 2.5).mean(axis=1), atol=1 / 30 + 1e-12)


def test_population_noise_and_generic_decay_run():
    demand, supply, times = small_problem()
    t = unc.zone_probabilities(demand, supply, times, n_draws=200, time_noise=0.1, activity_noise=0.0,
                               population_noise=0.1, decay=apl.LinearDecay(30.0))  # fmt: skip
    # LinearDecay(30): w(12) = 0.6, D_A = 1000 + 600 = 1600, R = 5.625, APL_B = 3.375
    assert t.loc["01002", "apl"] == pytest.approx(0.6 * 9000 / 1600)
    assert 0 < t.loc["01002", "p_zone"] < 1
    assert np.isfinite(t.to_numpy(dtype=object)[:, [0, 2, 3, 4, 5, 6]].astype(float)).all()


def test_errors():
    demand, supply, times = small_problem()
    with pytest.raises(ValidationError, match="time_noise"):
        unc.zone_probabilities(demand, supply, times, time_noise=-0.1)
    with pytest.raises(ValidationError, match="thresholds"):
        unc.zone_probabilities(demand, supply, times, thresholds=(4.0, 2.5))
    with pytest.raises(ValidationError, match="n_draws"):
        unc.zone_probabilities(demand, supply, times, n_draws=0)


def test_class_columns():
    assert unc.class_columns() == ["p_below_2_5", "p_2_5_to_4", "p_4_and_above"]
    assert unc.class_columns((2.71, 3.98)) == ["p_below_2_71", "p_2_71_to_3_98", "p_3_98_and_above"]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**31 - 1), st.floats(0.01, 0.5))
def test_step_weights_kernel_matches_twin_and_the_lognormal_law(m, seed, sigma):
    rng = np.random.default_rng(seed)
    minutes = np.where(rng.random(m) < 0.2, 0.0, rng.uniform(0.0, 40.0, m))
    decay = apl.StepDecay.drees()
    p = unc.edge_probabilities(minutes, decay.bounds, sigma)
    u = rng.random(m)
    fast = step_weights(u, p, decay.weights)
    np.testing.assert_array_equal(fast, naive.step_weights(u, p, decay.weights))
    # the same draw by the definition: w(t · exp(σ Φ⁻¹(u)))
    direct = decay(minutes * np.exp(sigma * ndtri(u)))
    near_edge = np.any(np.abs(u[:, None] - p) < 1e-9, axis=1)  # rounding at a band edge
    np.testing.assert_array_equal(fast[~near_edge], direct[~near_edge])


def test_step_weights_hand_case():
    # edges p = (0.2, 0.5, 0.9): u = 0.1 → band 0 (w 1); 0.2 → band 1 (2/3, u ≥ p_0);
    # 0.7 → band 2 (1/3); 0.95 → band 3 (0)
    p = np.tile([0.2, 0.5, 0.9], (4, 1))
    w = step_weights(np.array([0.1, 0.2, 0.7, 0.95]), p, np.array([1.0, 2 / 3, 1 / 3, 0.0]))
    np.testing.assert_array_equal(w, [1.0, 2 / 3, 1 / 3, 0.0])


def test_sorted_quantiles_match_numpy():
    x = np.sort(np.random.default_rng(0).random((7, 101)).astype(np.float32), axis=1)
    np.testing.assert_allclose(unc.sorted_quantiles(x, (0.05, 0.5, 0.95, 0.0, 1.0)),
                               np.quantile(x.astype(np.float64), [0.05, 0.5, 0.95, 0.0, 1.0], axis=1),
                               rtol=1e-12)  # fmt: skip


def test_probability_map(isere):
    pytest.importorskip("geopandas")
    s = isere
    table = unc.zone_probabilities(s.demand, s.supply, s.travel_times, n_draws=20, seed=0)
    fig = apl.plot.probability_map(table, s.geometries(), source="test", year=2023)
    legend = fig.axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[0].startswith("[0 %, 5 %[") and texts[-1].startswith("[95 %, 100 %]")
    # the counts in the legend add up to the communes drawn
    counts = [int(t.split("(")[1].split()[0].replace(",", "")) for t in texts]
    assert sum(counts) == len(table)
    # a commune with p = 0.05 is in [5 %, 25 %[ (left-closed classes); p = 1 in the last one
    p = table["p_below_2_5"].copy()
    p.iloc[:2] = [0.05, 1.0]
    fig = apl.plot.probability_map(p, s.geometries(), caption="")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("[5 %, 25 %[") for t in texts)
    bad = table["p_below_2_5"].copy()
    bad.iloc[3] = 1.5
    with pytest.raises(ValidationError, match="probability in"):
        apl.plot.probability_map(bad, s.geometries())
    with pytest.raises(ValidationError, match="bins"):
        apl.plot.probability_map(table, s.geometries(), bins=(0.0, 0.5))


def test_cli_zoning_uncertainty(tmp_path):
    from apl.cli import main

    demand, supply, times = small_problem()
    demand.to_csv(tmp_path / "pop.csv", index=False)
    supply.to_csv(tmp_path / "acts.csv", index=False)
    times.to_csv(tmp_path / "times.csv", index=False)
    out = tmp_path / "probabilities.csv"
    status = main(["zoning-uncertainty", "--population", str(tmp_path / "pop.csv"), "--supply",
                   str(tmp_path / "acts.csv"), "--travel-times", str(tmp_path / "times.csv"), "--out", str(out),
                   "--draws", "50", "--seed", "5", "-q"])  # fmt: skip
    assert status == 0
    table = pd.read_csv(out, dtype={"commune": str}).set_index("commune")
    expected = unc.zone_probabilities(demand, supply, times, n_draws=50, seed=5)
    np.testing.assert_allclose(table["p_below_2_5"], expected["p_below_2_5"].to_numpy())
    np.testing.assert_allclose(table["apl"], [5.4, 3.6, 0.0], rtol=1e-12)
    assert (
        main(["zoning-uncertainty", "--out", str(tmp_path / "x.csv"), "--thresholds", "2.5", "-q"])
        == 2
    )


def test_benchmark_smoke(tmp_path):
    """benchmarks/bench_uncertainty.py runs at a small size and writes its JSON (no timing asserted)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_uncertainty.py"
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(script), "--communes", "800", "--supply", "200", "--draws", "20",
                           "--time-draws", "5", "--out", str(out)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = json.loads(out.read_text())["results"][0]
    assert row["activity_only"]["draws"] == 20 and row["time_noise"]["draws_measured"] == 5
    assert row["time_noise"]["seconds_for_1000"] >= 0 and row["pairs_weighted"] > 0


def test_any_ids_and_table_diagonal():
    # integer ids (ids="any") and the table's own diagonal times (diagonal="table"): unit 1
    # reaches itself in 12 minutes (w = 2/3), unit 2 reaches unit 1 in 5 (w = 1):
    # D_1 = 2/3 × 100 + 1 × 100 = 500/3, R_1 = 1000 / (500/3) = 6; APL = (4, 6)
    demand = pd.DataFrame({"id": [1, 2], "population": [100.0, 100.0]})
    supply = pd.DataFrame({"id": [1], "acts": [1000.0]})
    times = pd.DataFrame({"origin": [1, 2], "destination": [1, 1], "minutes": [12.0, 5.0]})
    table = unc.zone_probabilities(
        demand, supply, times, n_draws=200, ids="any", diagonal="table", seed=0
    )
    np.testing.assert_allclose(table["apl"], [4.0, 6.0], rtol=1e-14)
    assert list(table.index) == [1, 2]
    # the diagonal time (12 min) is noisy too: unit 1 is not always in the class ≥ 4
    assert 0 < table.loc[1, "p_zone"] < 1
