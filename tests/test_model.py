"""The prepared model against compute_apl, and the scenario helpers against brute force."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_compute import frames, problems, worked_example

import apl
from apl.errors import ValidationError


@given(problems())
def test_compute_equals_compute_apl(problem):
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    direct = apl.compute_apl(demand, sup, tt)
    model = apl.AccessibilityModel(demand, tt, supply_communes=list(supply))
    prepared = model.compute(sup)
    np.testing.assert_allclose(prepared["apl"], direct["apl"], rtol=1e-12, atol=1e-12)
    assert list(prepared.index) == list(direct.index)
    assert apl.get_diagnostics(prepared).unreachable_supply.sum() == pytest.approx(
        apl.get_diagnostics(direct).unreachable_supply.sum()
    )


@given(problems(), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_compute_many_column_equals_compute(problem, k, seed):
    population, supply, times = problem
    demand, _sup, tt = frames(population, supply, times)
    model = apl.AccessibilityModel(demand, tt)
    rng = np.random.default_rng(seed)
    codes = list(model.supply_communes)
    scenarios = pd.DataFrame(
        rng.uniform(0, 1e4, size=(len(codes), k)) * (rng.random((len(codes), k)) < 0.6),
        index=codes,
        columns=[f"s{j}" for j in range(k)],
    )
    many = model.compute_many(scenarios)
    for column in scenarios:
        one = model.compute(scenarios[column].rename("acts"))
        np.testing.assert_allclose(many[column], one["apl"], rtol=1e-12, atol=1e-12)
    as_array = model.compute_many(scenarios.to_numpy())
    np.testing.assert_allclose(as_array.to_numpy(), many.to_numpy(), rtol=0, atol=0)


def test_what_if_equals_full_recompute():
    sample = apl.datasets.load_isere()
    model = apl.AccessibilityModel(sample.demand, sample.travel_times)
    supply = sample.supply.set_index("commune")["acts"]
    largest = supply.nlargest(2).index
    remove = {largest[0]: 12_000.0, largest[1]: 5_000.0}  # GPs retiring
    add = {"38001": 5_000.0}  # a new GP in Les Abrets en Dauphiné
    delta = model.what_if(supply, add=add, remove=remove)
    changed = supply.copy()
    for code, acts in remove.items():
        changed[code] -= acts
    for code, acts in add.items():
        changed[code] += acts
    before = apl.compute_apl(sample.demand, supply, sample.travel_times)["apl"]
    after = apl.compute_apl(sample.demand, changed, sample.travel_times)["apl"]
    full = after - before
    moved = full[full.abs() > 1e-12]
    assert set(delta.index) == set(moved.index)
    np.testing.assert_allclose(delta["change"], moved.loc[delta.index], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(delta["apl_before"], before.loc[delta.index], rtol=1e-12)
    np.testing.assert_allclose(delta["apl_after"], after.loc[delta.index], rtol=1e-9)
    assert len(delta) < len(before)  # only the neighbourhood is touched


def test_what_if_hand_case():
    demand, supply, tt = worked_example()
    model = apl.AccessibilityModel(demand, tt)
    # remove 4666.67 acts at X: ΔR_X = -4666.67/4666.67 = -1; ΔAPL_X = -1, ΔAPL_Y = 2/3 * -1
    delta = model.what_if(supply, remove={"X": 14000.0 / 3.0})
    assert delta["change"].to_dict() == pytest.approx({"X": -1.0, "Y": -2.0 / 3.0})
    with pytest.raises(ValidationError, match="would have"):
        model.what_if(supply, remove={"Y": 1.0})
    with pytest.raises(ValidationError, match="not supply communes"):
        model.what_if(supply, add={"Q": 1.0})


def test_with_decay_equals_new_model():
    demand, supply, tt = worked_example()
    right = apl.StepDecay.drees(closed="right")
    a = apl.AccessibilityModel(demand, tt).with_decay(right).compute(supply)
    b = apl.compute_apl(demand, supply, tt, decay=right)
    np.testing.assert_allclose(a["apl"], b["apl"], rtol=1e-12)
    # The worked example's times (12, 18, 25 min) sit on no band edge, so left- and
    # right-closed steps give the same APL there: the check above would pass even if
    # with_decay ignored its decay. Times on the edges tell them apart. One patient commune
    # A (P = 600), practices A, B, C, D (S = 600 each) at 0, 10, 15, 20 min:
    # R_j = 600 / (600 w_Aj) = 1 / w_Aj, so APL_A = Σ_j w_Aj / w_Aj = number of j with w_Aj > 0.
    # left-closed (default): w = (1, 2/3, 1/3, 0) → APL_A = 3;
    # right-closed:          w = (1, 1, 2/3, 1/3) → APL_A = 4.
    demand, supply, tt = frames(
        {"A": 600.0}, dict.fromkeys("ABCD", 600.0), {("A", "B"): 10, ("A", "C"): 15, ("A", "D"): 20}
    )
    model = apl.AccessibilityModel(demand, tt)
    assert model.compute(supply).loc["A", "apl"] == pytest.approx(3.0, rel=1e-12)
    assert model.with_decay(right).compute(supply).loc["A", "apl"] == pytest.approx(4.0, rel=1e-12)
    assert model.compute(supply).loc["A", "apl"] == pytest.approx(3.0, rel=1e-12)  # unchanged


@pytest.mark.parametrize("criterion", ["population_above", "worst_decile"])
def test_rank_sites_equals_brute_force(criterion):
    sample = apl.datasets.load_isere()
    keep = sample.communes["commune"].iloc[:60].tolist()
    demand = sample.demand[sample.demand["commune"].isin(keep)]
    tt = sample.travel_times[
        sample.travel_times["origin"].isin(keep) & sample.travel_times["destination"].isin(keep)
    ]
    supply = sample.supply[sample.supply["commune"].isin(keep)].set_index("commune")["acts"]
    model = apl.AccessibilityModel(demand, tt)
    ranked = apl.scenarios.rank_sites(model, supply, acts=5000.0, criterion=criterion, batch_size=7)
    base = apl.compute_apl(demand, supply, tt)
    pop = base["population"]
    order = base["apl"].sort_values(kind="stable").index
    cum = pop[order].cumsum()
    decile = order[: int(np.searchsorted(cum.to_numpy(), 0.1 * cum.iloc[-1])) + 1]
    brute = {}
    for code in keep:
        more = supply.copy()
        more[code] = more.get(code, 0.0) + 5000.0
        after = apl.compute_apl(demand, more, tt)["apl"]
        if criterion == "population_above":
            brute[code] = pop[(base["apl"] < 2.5) & (after >= 2.5)].sum()
        else:
            brute[code] = ((after - base["apl"])[decile] * pop[decile]).sum() / pop[decile].sum()
    brute = pd.Series(brute)
    np.testing.assert_allclose(ranked["score"], brute.loc[ranked.index], rtol=1e-9, atol=1e-9)
    assert ranked["score"].is_monotonic_decreasing
    assert ranked["score"].iloc[0] == pytest.approx(brute.max())


def test_decay_sensitivity_reports_class_changes():
    # one commune A (P = 100), practice B with S = 300 at exactly 10 minutes, nothing else:
    # left-closed w = 2/3 → D = 66.67, R = 4.5, APL_A = 2/3 * 4.5 = 3 → vivier;
    # right-closed w = 1 → D = 100, R = 3, APL_A = 3 → vivier too; steps_2012 (10 → 1/3):
    # D = 33.3, R = 9, APL_A = 3; gaussian w(10) = exp(-100/204.02) = 0.6126 → APL_A = 3.
    # APL_A = S/P whatever w > 0: only a decay that cuts the pair (w = 0) changes the class.
    demand, supply, tt = frames({"A": 100.0}, {"B": 300.0}, {("A", "B"): 10.0})
    model = apl.AccessibilityModel(demand, tt)
    decays = {"drees": apl.StepDecay.drees(), "short": apl.StepDecay([5.0], [1.0, 0.0])}
    sens = apl.scenarios.decay_sensitivity(model, supply, decays)
    assert sens.apl.loc["A"].tolist() == pytest.approx([3.0, 0.0])
    assert sens.classes.loc["A"].tolist() == ["vivier", "ZIP"]
    assert list(sens.changed.index) == ["A"]
    assert sens.summary.loc["short", "population_changing_class"] == 100.0
    default = apl.scenarios.decay_sensitivity(model, supply)
    assert default.apl.loc["A"].tolist() == pytest.approx([3.0, 3.0, 3.0, 3.0])
    # As said above, that line holds for any default decays with w(10) > 0. Add people living
    # at B (P_B = 100, 0 min) to dilute D_B: D_B = 100 w + 100, R_B = 300 / (100 (1 + w)),
    # APL_A = 3 w / (1 + w). w(10): drees 2/3 → 1.2; drees_right 1 → 1.5; steps_2012
    # (edges 5/10/15, left-closed) 1/3 → 0.75; gaussian exp(-100 / (2 × 10.1²)) = 0.612536
    # → 3 × 0.612536 / 1.612536 = 1.139576.
    demand, supply, tt = frames({"A": 100.0, "B": 100.0}, {"B": 300.0}, {("A", "B"): 10.0})
    diluted = apl.scenarios.decay_sensitivity(apl.AccessibilityModel(demand, tt), supply)
    assert diluted.apl.loc["A"].tolist() == pytest.approx([1.2, 1.5, 0.75, 1.139576], rel=1e-6)


@given(problems(), st.randoms(use_true_random=False))
def test_model_is_bit_identical_under_row_order_and_to_compute_apl(problem, rnd):
    # issue 10: the prepared model sums in the sorted order of the codes, as compute_apl
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    base = apl.AccessibilityModel(demand, tt).compute(sup)
    direct = apl.compute_apl(demand, sup, tt)
    assert np.array_equal(base["apl"].to_numpy(), direct["apl"].to_numpy())
    shuffled = [f.sample(frac=1.0, random_state=rnd.randrange(2**32)) for f in (demand, sup, tt)]
    again = apl.AccessibilityModel(shuffled[0], shuffled[2]).compute(shuffled[1]).loc[base.index]
    assert np.array_equal(again["apl"].to_numpy(), base["apl"].to_numpy())
