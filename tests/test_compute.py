"""compute_apl: hand-worked cases, methodology properties, edge rules, diagnostics."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from naive import drees_weight, naive_apl

import apl


def frames(population, supply, times):
    demand = pd.DataFrame({"commune": list(population), "population": list(population.values())})
    sup = pd.DataFrame({"commune": list(supply), "acts": list(supply.values())})
    tt = pd.DataFrame(
        [(o, d, t) for (o, d), t in times.items()], columns=["origin", "destination", "minutes"]
    )
    if tt.empty:
        tt = tt.astype({"origin": object, "destination": object, "minutes": float})
    return demand, sup, tt


def worked_example():
    # methodology §5: X–Y 12 min, Y–Z 18, X–Z 25 (symmetric, diagonal omitted)
    times = {
        ("X", "Y"): 12,
        ("Y", "X"): 12,
        ("Y", "Z"): 18,
        ("Z", "Y"): 18,
        ("X", "Z"): 25,
        ("Z", "X"): 25,
    }
    return frames(
        {"X": 4000.0, "Y": 1000.0, "Z": 2000.0}, {"X": 20000.0, "Y": 0.0, "Z": 6000.0}, times
    )


@pytest.mark.parametrize("engine", ["numba", "reference"])
def test_methodology_worked_example(engine):
    # w = [[1, 2/3, 0], [2/3, 1, 1/3], [0, 1/3, 1]]
    # D_X = 4000 + 2/3*1000 = 4666.67; D_Y = 2/3*4000 + 1000 + 1/3*2000 = 4333.33;
    # D_Z = 1/3*1000 + 2000 = 2333.33
    # R = (20000/4666.67, 0/4333.33, 6000/2333.33) = (4.285714, 0, 2.571429)
    # APL_X = 1*4.285714 + 0 = 4.285714; APL_Y = 2/3*4.285714 + 1/3*2.571429 = 3.714286;
    # APL_Z = 1*2.571429 = 2.571429
    result = apl.compute_apl(*worked_example(), engine=engine)
    assert list(result.index) == ["X", "Y", "Z"]
    np.testing.assert_allclose(result["apl"], [30 / 7, 26 / 7, 18 / 7], rtol=1e-12)
    np.testing.assert_allclose(result["apl"], [4.285714, 3.714286, 2.571429], atol=1e-6)
    # Σ P·APL = 4000*30/7 + 1000*26/7 + 2000*18/7 = 182000/7 = 26000 = Σ S
    assert (result["apl"] * result["population"]).sum() == pytest.approx(26000, rel=1e-12)


def test_hand_case_asymmetric_missing_diagonal_supply_only_commune():
    # A (P=1000) and B (P=3000) live; practice communes A (S=4000) and C (S=9000, nobody lives
    # there: not a demand commune). Times are asymmetric: A→C 8 min but C→A 30 (irrelevant:
    # only patient → practice counts); B→A 14 min; B→C 16 min; A→B 5 but B has no supply.
    times = {("A", "C"): 8, ("C", "A"): 30, ("B", "A"): 14, ("B", "C"): 16, ("A", "B"): 5}
    demand, supply, tt = frames({"A": 1000.0, "B": 3000.0}, {"A": 4000.0, "C": 9000.0}, times)
    result = apl.compute_apl(demand, supply, tt)
    # w_AA = 1 (diagonal, omitted from the table), w_AC = 1, w_BA = 2/3 (14 min), w_BC = 1/3 (16 min)
    # D_A = 1*1000 + 2/3*3000 = 3000  → R_A = 4000/3000 = 4/3
    # D_C = 1*1000 + 1/3*3000 = 2000  → R_C = 9000/2000 = 4.5
    # APL_A = 4/3 + 4.5 = 35/6 = 5.8333; APL_B = 2/3*4/3 + 1/3*4.5 = 8/9 + 1.5 = 43/18 = 2.3889
    np.testing.assert_allclose(result["apl"], [35 / 6, 43 / 18], rtol=1e-12)
    # conservation: 1000*35/6 + 3000*43/18 = 5833.33 + 7166.67 = 13000 = 4000 + 9000
    assert (result["apl"] * result["population"]).sum() == pytest.approx(13000, rel=1e-12)


def test_hand_case_diagonal_in_table_is_overridden_and_right_closed_edges():
    # The table says A→A takes 12 min: within a commune the time is 0 whatever it says.
    # Edges under closed="right": 10 → 1, 15 → 2/3, 20 → 1/3.
    times = {("A", "A"): 12, ("A", "B"): 10, ("A", "C"): 15, ("A", "D"): 20}
    demand, supply, tt = frames(
        {"A": 600.0}, {"A": 600.0, "B": 600.0, "C": 600.0, "D": 600.0}, times
    )
    right = apl.compute_apl(demand, supply, tt, decay=apl.StepDecay.drees(closed="right"))
    # D_j = w_Aj * 600, R_j = 600 / (w_Aj 600) = 1/w_Aj; APL_A = Σ_j w_Aj / w_Aj = 4 reachable points
    assert right["apl"].iloc[0] == pytest.approx(4.0, rel=1e-12)
    left = apl.compute_apl(demand, supply, tt)
    # left-closed: 10 → 2/3, 15 → 1/3, 20 → 0, so D (20 min) = 0: 3 points reachable
    assert left["apl"].iloc[0] == pytest.approx(3.0, rel=1e-12)
    diag = apl.get_diagnostics(left)
    assert list(diag.unreachable_supply.index) == ["D"]
    assert diag.unreachable_supply["D"] == 600.0
    assert (
        diag.dropped.set_index("reason")["count"].filter(like="origin == destination").iloc[0] == 1
    )


@pytest.mark.parametrize(
    ("minutes", "closed", "expected"),
    [
        (10, "left", 2 / 3),
        (15, "left", 1 / 3),
        (20, "left", 0.0),
        (10, "right", 1.0),
        (15, "right", 2 / 3),
        (20, "right", 1 / 3),
        (9.999, "left", 1.0),
        (20.001, "right", 0.0),
    ],
)
def test_band_edges(minutes, closed, expected):
    # one patient commune P (100 inh.), one practice Q (S = 100) at `minutes`; nobody else:
    # D_Q = w*100, R_Q = 1/w, APL_P = w * 1/w = 1 if w > 0 — so test w through the decay and
    # through a second patient commune R at 0 min of Q (same commune) that dilutes D_Q.
    assert apl.StepDecay.drees(closed=closed)(np.array([minutes]))[0] == pytest.approx(expected)
    demand, supply, tt = frames({"P": 100.0, "Q": 100.0}, {"Q": 100.0}, {("P", "Q"): minutes})
    result = apl.compute_apl(demand, supply, tt, decay=apl.StepDecay.drees(closed=closed))
    # D_Q = 100 w + 100; R_Q = 100 / (100 w + 100) = 1/(1+w); APL_P = w/(1+w); APL_Q = 1/(1+w)
    np.testing.assert_allclose(
        result["apl"], [expected / (1 + expected), 1 / (1 + expected)], rtol=1e-12
    )


def test_no_reachable_supply_is_zero_and_reported():
    demand, supply, tt = frames({"A": 10.0, "B": 10.0}, {"A": 50.0}, {("B", "A"): 45})
    result = apl.compute_apl(demand, supply, tt)
    assert result.loc["B", "apl"] == 0.0
    assert not result["apl"].isna().any()
    assert list(apl.get_diagnostics(result).no_reachable_supply) == ["B"]


def test_supply_nobody_reaches_is_reported():
    demand, supply, tt = frames({"A": 10.0}, {"A": 50.0, "Z": 70.0}, {})
    result = apl.compute_apl(demand, supply, tt)
    diag = apl.get_diagnostics(result)
    assert diag.unreachable_supply.to_dict() == {"Z": 70.0}
    assert "70 acts/year lost" in diag.summary()
    # Σ P·APL = 10 * 5 = 50 = reachable supply only
    assert result.loc["A", "apl"] == pytest.approx(5.0)


def test_codes_stay_text_and_order_kept():
    codes = ["75056", "2A004", "01001"]
    demand, supply, tt = frames(
        dict(zip(codes, [3.0, 2.0, 1.0], strict=True)),
        {"01001": 6.0},
        {("2A004", "01001"): 5, ("75056", "01001"): 12},
    )
    result = apl.compute_apl(demand, supply, tt)
    assert list(result.index) == codes
    assert all(isinstance(c, str) for c in result.index)
    # D = 1 + 2 + 2/3*3 = 5, R = 6/5; APL = (2/3*6/5, 6/5, 6/5)
    np.testing.assert_allclose(result["apl"], [0.8, 1.2, 1.2], rtol=1e-12)


def test_series_inputs_and_standardised_flag():
    pop = apl.standardize_population(
        pd.DataFrame({"commune": ["A", "A"], "age": [3, 95], "population": [10.0, 1.0]})
    )
    supply = pd.Series({"A": 100.0})
    tt = pd.DataFrame({"origin": ["A"], "destination": ["A"], "minutes": [0.0]})
    result = apl.compute_apl(pop, supply, tt)
    # P = 10*1.12 + 1*2.26 = 13.46; APL = 100 / 13.46
    assert result.loc["A", "population"] == pytest.approx(13.46)
    assert result.loc["A", "apl"] == pytest.approx(100 / 13.46)
    assert apl.get_diagnostics(result).standardised is True
    raw = apl.compute_apl(pd.Series({"A": 11.0}), supply, tt)
    assert apl.get_diagnostics(raw).standardised is False
    assert "NOT standardised" in apl.get_diagnostics(raw).summary()


def test_acts_per_fte_column():
    result = apl.compute_apl(*worked_example(), acts_per_fte=5000.0)
    # X: 30/7 acts per inhabitant / 5000 acts per FTE * 1e5 = 85.714 FTE per 100,000
    assert result.loc["X", "fte_per_100k"] == pytest.approx(30 / 7 / 5000 * 1e5)


def test_does_not_modify_inputs():
    demand, supply, tt = worked_example()
    copies = [demand.copy(), supply.copy(), tt.copy()]
    apl.compute_apl(demand, supply, tt)
    for before, after in zip(copies, [demand, supply, tt], strict=True):
        pd.testing.assert_frame_equal(before, after)


def test_continuous_decay_accepted():
    demand, supply, tt = worked_example()
    r = apl.compute_apl(demand, supply, tt, decay=apl.LinearDecay(30.0))
    assert (r["apl"] * r["population"]).sum() == pytest.approx(26000, rel=1e-12)
    # Conservation holds for any weights, so also check the weights themselves.
    # w = 1 - t/30: w(0) = 1, w(12) = 0.6, w(18) = 0.4, w(25) = 1/6
    # D_X = 4000 + 0.6*1000 + 2000/6 = 14800/3; D_Z = 4000/6 + 0.4*1000 + 2000 = 9200/3
    # R_X = 20000 / (14800/3) = 150/37; R_Y = 0 (S_Y = 0); R_Z = 6000 / (9200/3) = 45/23
    # APL_X = 150/37 + (1/6)(45/23) = 150/37 + 15/46 = 4.380141
    # APL_Y = 0.6*150/37 + 0.4*45/23 = 90/37 + 18/23 = 3.215041
    # APL_Z = (1/6)(150/37) + 45/23 = 25/37 + 45/23 = 2.632197
    np.testing.assert_allclose(
        r["apl"], [150 / 37 + 15 / 46, 90 / 37 + 18 / 23, 25 / 37 + 45 / 23], rtol=1e-12
    )


def test_unknown_option_rejected():
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        apl.compute_apl(*worked_example(), closed="left")


# --- properties on random problems (hypothesis) --------------------------------------

CODES = ["01001", "2A004", "2B033", "75056", "38185", "69381", "13201", "97411"]
EDGE_TIMES = [0.0, 5.0, 9.999, 10.0, 12.0, 15.0, 17.5, 20.0, 25.0]


@st.composite
def problems(draw):
    n = draw(st.integers(1, len(CODES)))
    codes = draw(st.permutations(CODES))[:n]
    pop_values = st.one_of(st.just(0.0), st.floats(1.0, 1e5, allow_nan=False))
    population = {c: draw(pop_values) for c in codes}
    supply_codes = draw(st.lists(st.sampled_from([*CODES, "SUP01"]), unique=True, max_size=5))
    supply = {
        c: draw(st.one_of(st.just(0.0), st.floats(1.0, 1e6, allow_nan=False))) for c in supply_codes
    }
    every = [*CODES, "SUP01"]
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(every), st.sampled_from(every)), unique=True, max_size=25
        )
    )
    times = {
        p: draw(st.one_of(st.sampled_from(EDGE_TIMES), st.floats(0, 40, allow_nan=False)))
        for p in pairs
    }
    return population, supply, times


@given(problems(), st.sampled_from(["left", "right"]))
def test_compute_apl_matches_naive(problem, closed):
    population, supply, times = problem
    result = apl.compute_apl(
        *frames(population, supply, times), decay=apl.StepDecay.drees(closed=closed)
    )
    expected = naive_apl(population, supply, times, lambda t: drees_weight(t, closed))
    np.testing.assert_allclose(
        result["apl"].to_numpy(), [expected[c] for c in population], rtol=1e-12, atol=1e-12
    )
    assert not result["apl"].isna().any()


@given(problems())
def test_conservation(problem):
    population, supply, times = problem
    result = apl.compute_apl(*frames(population, supply, times))
    diag = apl.get_diagnostics(result)
    reachable = sum(supply.values()) - diag.unreachable_supply.sum()
    total = float((result["apl"] * result["population"]).sum())
    # Σ_i P_i APL_i = Σ_{j: D_j > 0} S_j, except supply reached only by zero-population
    # communes, which is also lost (D_j = 0) and so reported as unreachable.
    assert total == pytest.approx(reachable, rel=1e-10, abs=1e-6)


@given(problems(), st.floats(0.01, 100.0))
def test_scaling(problem, k):
    population, supply, times = problem
    base = apl.compute_apl(*frames(population, supply, times))["apl"].to_numpy()
    more_supply = apl.compute_apl(*frames(population, {c: k * s for c, s in supply.items()}, times))
    more_people = apl.compute_apl(*frames({c: k * p for c, p in population.items()}, supply, times))
    np.testing.assert_allclose(more_supply["apl"].to_numpy(), k * base, rtol=1e-10, atol=1e-12)
    # scaling P by k scales APL by 1/k where people live; zero-population rows stay put
    np.testing.assert_allclose(more_people["apl"].to_numpy(), base / k, rtol=1e-10, atol=1e-12)


@given(problems(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(problem, rnd):
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    base = apl.compute_apl(demand, sup, tt)
    shuffled = [f.sample(frac=1.0, random_state=rnd.randrange(2**32)) for f in (demand, sup, tt)]
    again = apl.compute_apl(*shuffled)
    pd.testing.assert_series_equal(again["apl"].loc[base.index], base["apl"], rtol=1e-12)
    assert list(again.index) == list(shuffled[0]["commune"])


@given(problems(), st.randoms(use_true_random=False))
def test_row_order_gives_bit_identical_apl(problem, rnd):
    # issue 10: any row order of any of the three tables gives the same bits (canonical
    # order of the codes for both sums), not merely close numbers
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    base = apl.compute_apl(demand, sup, tt)
    shuffled = [f.sample(frac=1.0, random_state=rnd.randrange(2**32)) for f in (demand, sup, tt)]
    again = apl.compute_apl(*shuffled).loc[base.index]
    assert np.array_equal(again["apl"].to_numpy(), base["apl"].to_numpy())


def test_row_order_bit_identical_on_many_pairs():
    # enough pairs per commune that a different summation order would change the last bits
    rng = np.random.default_rng(3)
    n = 300
    codes = np.array([f"{k:05d}" for k in range(1, n + 1)], dtype=object)
    demand = pd.DataFrame({"commune": codes, "population": rng.uniform(1, 1e4, n)})
    supply = pd.DataFrame({"commune": codes[::3], "acts": rng.uniform(1e3, 1e4, len(codes[::3]))})
    o, d = np.meshgrid(np.arange(n), np.arange(0, n, 3), indexing="ij")
    tt = pd.DataFrame(
        {
            "origin": codes[o.ravel()],
            "destination": codes[d.ravel()],
            "minutes": rng.uniform(0, 25, o.size),
        }
    )
    decay = apl.GaussianDecay(7.0)
    base = apl.compute_apl(demand, supply, tt, decay=decay)["apl"].to_numpy()
    for seed in range(3):
        perm = [f.sample(frac=1.0, random_state=seed) for f in (demand, supply, tt)]
        again = apl.compute_apl(*perm, decay=decay)["apl"].loc[demand["commune"]].to_numpy()
        assert np.array_equal(again, base)


# --- any spatial unit (ids) and the diagonal rule (issue 17) --------------------------


def test_integer_ids_with_id_column():
    # the worked example with units 1, 2, 3 for X, Y, Z: same numbers, 30/7, 26/7, 18/7
    demand, supply, tt = worked_example()
    to_int = {"X": 1, "Y": 2, "Z": 3}
    demand = pd.DataFrame({"id": demand["commune"].map(to_int), "population": demand["population"]})
    supply = pd.DataFrame({"id": supply["commune"].map(to_int), "acts": supply["acts"]})
    tt = tt.assign(origin=tt["origin"].map(to_int), destination=tt["destination"].map(to_int))
    result = apl.compute_apl(demand, supply, tt)
    assert result.index.name == "id" and list(result.index) == [1, 2, 3]
    np.testing.assert_allclose(result["apl"], [30 / 7, 26 / 7, 18 / 7], rtol=1e-12)


def test_integer_ids_refused_for_communes_accepted_with_ids_any():
    demand, supply, tt = worked_example()
    to_int = {"X": 1001, "Y": 1002, "Z": 1003}
    demand["commune"] = demand["commune"].map(to_int)
    supply["commune"] = supply["commune"].map(to_int)
    tt = tt.assign(origin=tt["origin"].map(to_int), destination=tt["destination"].map(to_int))
    with pytest.raises(apl.errors.CommuneCodeError, match="holds numbers"):
        apl.compute_apl(demand, supply, tt)
    result = apl.compute_apl(demand, supply, tt, ids="any")
    np.testing.assert_allclose(result["apl"], [30 / 7, 26 / 7, 18 / 7], rtol=1e-12)


def test_text_ids_skip_cog_checks():
    # "1001" looks like a commune code that lost its zero: refused as COG, fine as an id
    demand = pd.DataFrame({"id": ["1001", "g2"], "population": [100.0, 300.0]})
    supply = pd.DataFrame({"id": ["1001"], "acts": [800.0]})
    tt = pd.DataFrame({"origin": ["g2"], "destination": ["1001"], "minutes": [12.0]})
    # w(1001,1001) = 1 (diagonal 0 min), w(g2,1001) = 2/3: D = 100 + 200 = 300, R = 8/3
    result = apl.compute_apl(demand, supply, tt)
    np.testing.assert_allclose(result["apl"], [8 / 3, 2 / 3 * 8 / 3], rtol=1e-12)
    with pytest.raises(apl.errors.CommuneCodeError, match="lost its leading zero"):
        apl.compute_apl(demand, supply, tt, ids="cog")


def test_bad_ids_and_diagonal_options():
    with pytest.raises(apl.errors.ValidationError, match="ids must be 'cog'"):
        apl.compute_apl(*worked_example(), ids="insee")
    with pytest.raises(apl.errors.ValidationError, match="diagonal must be 'zero'"):
        apl.compute_apl(*worked_example(), diagonal="one")
    demand, supply, tt = worked_example()
    with pytest.raises(apl.errors.ValidationError, match="both a 'commune' and an 'id'"):
        apl.compute_apl(demand.assign(id=demand["commune"]), supply, tt)


def test_missing_id_is_an_error():
    demand = pd.DataFrame({"id": [1.0, np.nan], "population": [1.0, 2.0]})
    supply = pd.DataFrame({"id": [1.0], "acts": [1.0]})
    tt = pd.DataFrame({"origin": [1.0], "destination": [1.0], "minutes": [1.0]})
    with pytest.raises(apl.errors.ValidationError, match="missing id"):
        apl.compute_apl(demand, supply, tt)


def test_diagonal_table_uses_the_tables_own_time():
    # A (P=1000, S=3000) with A→A 12 min in the table, B (P=1000) with B→A 5 min;
    # C (P=500, S=500) has no C→C row.
    demand = pd.DataFrame({"commune": ["A", "B", "C"], "population": [1000.0, 1000.0, 500.0]})
    supply = pd.DataFrame({"commune": ["A", "C"], "acts": [3000.0, 500.0]})
    tt = pd.DataFrame({"origin": ["A", "B"], "destination": ["A", "A"], "minutes": [12.0, 5.0]})
    # "zero": w_AA = 1, w_BA = 1, w_CC = 1: D_A = 2000, R_A = 1.5; D_C = 500, R_C = 1
    zero = apl.compute_apl(demand, supply, tt)
    np.testing.assert_allclose(zero["apl"], [1.5, 1.5, 1.0], rtol=1e-12)
    assert (
        apl.get_diagnostics(zero)
        .dropped.set_index("reason")["count"]
        .filter(like="origin == destination")
        .iloc[0]
        == 1
    )
    # "table": w_AA = 2/3 (12 min), w_BA = 1, C does not reach C (no row): D_A = 2000/3 + 1000
    # = 5000/3, R_A = 3000 / (5000/3) = 1.8; APL_A = 2/3 * 1.8 = 1.2, APL_B = 1.8, APL_C = 0
    table = apl.compute_apl(demand, supply, tt, diagonal="table")
    np.testing.assert_allclose(table["apl"], [1.2, 1.8, 0.0], rtol=1e-12, atol=1e-15)
    diag = apl.get_diagnostics(table)
    assert list(diag.unreachable_supply.index) == ["C"]
    assert list(diag.no_reachable_supply) == ["C"]


def test_model_takes_ids_and_diagonal():
    demand = pd.DataFrame({"id": [10, 20, 30], "population": [1000.0, 1000.0, 500.0]})
    supply = pd.DataFrame({"id": [10, 30], "acts": [3000.0, 500.0]})
    tt = pd.DataFrame({"origin": [10, 20], "destination": [10, 10], "minutes": [12.0, 5.0]})
    for diagonal in ("zero", "table"):
        model = apl.AccessibilityModel(demand, tt, diagonal=diagonal)
        expected = apl.compute_apl(demand, supply, tt, diagonal=diagonal)
        got = model.compute(supply)
        assert got.index.name == "id"
        np.testing.assert_allclose(got["apl"], expected["apl"], rtol=1e-12, atol=1e-15)


# --- engines agree: streamed Parquet, in-memory fast path, general path, reference ------

SHAPES = [
    "01001",
    "01002",
    "2A004",
    "2B033",
    "75101",
    "75056",
    "97411",
    "69381",
    "13201",
    "ABC",
    "123456",
    "grid_0042",
    "A1",
]  # COG of every kind, and free-form text ids


@st.composite
def shaped_problems(draw):
    codes = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=len(SHAPES), unique=True))
    population = {c: draw(st.one_of(st.just(0.0), st.floats(1.0, 1e5))) for c in codes}
    supply_codes = draw(st.lists(st.sampled_from(SHAPES), unique=True, max_size=6))
    supply = {c: draw(st.one_of(st.just(0.0), st.floats(1.0, 1e6))) for c in supply_codes}
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(SHAPES), st.sampled_from(SHAPES)), unique=True, max_size=40
        )
    )
    times = {
        p: draw(st.one_of(st.sampled_from(EDGE_TIMES), st.floats(0, 40, allow_nan=False)))
        for p in pairs
    }
    return population, supply, times


def _all_engines(demand, supply, tt, **options):
    import os
    import tempfile

    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    results = {
        "numba": apl.compute_apl(demand, supply, tt, **options),
        "reference": apl.compute_apl(demand, supply, tt, engine="reference", **options),
        # object columns: the general path (pandas factorisation) for free-form codes
        "object": apl.compute_apl(
            demand, supply, tt.astype({"origin": object, "destination": object}), **options
        ),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "times.parquet")
        table = pa.Table.from_pandas(
            tt.astype({"origin": "str", "destination": "str"}), preserve_index=False
        )
        pq.write_table(table, path, row_group_size=7)  # several row groups
        results["streamed"] = apl.compute_apl(demand, supply, path, **options)
        results["dataset"] = apl.compute_apl(demand, supply, ds.dataset(path), **options)
    return results


@given(shaped_problems(), st.sampled_from(["zero", "table"]), st.sampled_from([None, "any"]))
def test_streamed_in_memory_and_reference_agree(problem, diagonal, ids):
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    tt = tt.astype({"origin": "str", "destination": "str", "minutes": float})
    results = _all_engines(demand, sup, tt, diagonal=diagonal, ids=ids)
    base = results["numba"]
    for name, other in results.items():
        np.testing.assert_allclose(
            other["apl"].to_numpy(), base["apl"].to_numpy(), rtol=1e-12, atol=1e-12, err_msg=name
        )
        d0, d1 = apl.get_diagnostics(base), apl.get_diagnostics(other)
        assert d0.n_pairs == d1.n_pairs, name
        assert d0.dropped["count"].tolist() == d1.dropped["count"].tolist(), name
        assert list(d0.dropped["codes"].iloc[0]) == list(d1.dropped["codes"].iloc[0]), name
    # the streamed and in-memory fast paths build the same structure: the same bits
    assert np.array_equal(results["streamed"]["apl"].to_numpy(), base["apl"].to_numpy())


@given(problems())
def test_streamed_equals_in_memory_bitwise_and_matches_naive(problem):
    population, supply, times = problem
    demand, sup, tt = frames(population, supply, times)
    tt = tt.astype({"origin": "str", "destination": "str", "minutes": float})
    results = _all_engines(demand, sup, tt)
    expected = naive_apl(population, supply, times, drees_weight)
    for name, result in results.items():
        np.testing.assert_allclose(
            result["apl"].to_numpy(),
            [expected[c] for c in population],
            rtol=1e-12,
            atol=1e-12,
            err_msg=name,
        )


def test_integer_ids_engines_agree():
    rng = np.random.default_rng(5)
    ids = rng.choice(10_000, size=40, replace=False)
    demand = pd.DataFrame({"id": ids, "population": rng.uniform(0, 1e4, 40)})
    supply = pd.DataFrame({"id": ids[::4], "acts": rng.uniform(0, 1e4, 10)})
    o, d = rng.choice(ids, 300), rng.choice(ids[::4], 300)
    tt = pd.DataFrame(
        {"origin": o, "destination": d, "minutes": rng.uniform(0, 30, 300)}
    ).drop_duplicates(["origin", "destination"])
    fast = apl.compute_apl(demand, supply, tt)  # small integer ids: keys used directly
    general = apl.compute_apl(
        demand, supply, tt.astype({"origin": object, "destination": object}), ids="any"
    )
    ref = apl.compute_apl(demand, supply, tt, engine="reference")
    np.testing.assert_array_equal(fast["apl"].to_numpy(), general["apl"].to_numpy())
    np.testing.assert_allclose(
        fast["apl"].to_numpy(), ref["apl"].to_numpy(), rtol=1e-12, atol=1e-12
    )


def test_streamed_errors_are_the_in_memory_errors(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    demand, supply, tt = worked_example()
    bad = tt.copy()
    bad.loc[2, "minutes"] = -1.0
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), path)
    with pytest.raises(
        apl.errors.ValidationError, match=r"column 'minutes', row 2 .*expected a number ≥ 0"
    ):
        apl.compute_apl(demand, supply, path)
    pq.write_table(pa.Table.from_pandas(tt.drop(columns="minutes"), preserve_index=False), path)
    with pytest.raises(apl.errors.MissingColumnError, match=r"missing column.*'minutes'"):
        apl.compute_apl(demand, supply, str(path))
    with pytest.raises(apl.errors.DataFormatError, match="no such file"):
        apl.compute_apl(demand, supply, tmp_path / "absent.parquet")
