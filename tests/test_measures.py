"""apl.measures: hand-worked cases, naive twins, kernels vs NumPy twins, and the peers'
numbers (PySAL access on a synthetic case run here; IPEA accessibility's published tests).
"""

from __future__ import annotations

import math
from pathlib import Path

import naive_measures as naive
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import apl
from apl import measures
from apl.decay import InversePowerDecay, LogisticDecay, LogLogisticDecay
from apl.errors import ValidationError
from apl.kernels import measures as fca_kernels
from apl.kernels import reference_measures as fca_reference

PEERS = Path(__file__).resolve().parents[1] / "data" / "peers"

# The methodology's worked example, as units of any kind (column `id`):
# times X–Y 12, Y–Z 18, X–Z 25 minutes (symmetric), P = 4000, 1000, 2000, S = 20000, 0, 6000.
TIMES = {
    ("X", "Y"): 12.0,
    ("Y", "X"): 12.0,
    ("Y", "Z"): 18.0,
    ("Z", "Y"): 18.0,
    ("X", "Z"): 25.0,
    ("Z", "X"): 25.0,
}
DEMAND = pd.DataFrame({"id": ["X", "Y", "Z"], "population": [4000.0, 1000.0, 2000.0]})
SUPPLY = pd.DataFrame({"id": ["X", "Y", "Z"], "acts": [20000.0, 0.0, 6000.0]})


def table(
    times: dict, diagonal_minutes: float | None = None, units=("X", "Y", "Z")
) -> pd.DataFrame:
    rows = [(o, d, t) for (o, d), t in times.items()]
    if diagonal_minutes is not None:
        rows += [(u, u, diagonal_minutes) for u in units]
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes"])


# DREES step decay on the example: w(0) = 1, w(12) = 2/3, w(18) = 1/3, w(25) = 0, so
# W = [[1, 2/3, 0], [2/3, 1, 1/3], [0, 1/3, 1]] (rows = demand X, Y, Z; columns = supply).
W = [[1.0, 2 / 3, 0.0], [2 / 3, 1.0, 1 / 3], [0.0, 1 / 3, 1.0]]


# --------------------------------------------------------------------------- hand-worked


def test_2sfca_hand_worked_and_equal_to_compute_apl():
    # D = Wᵀ P: D_X = 4000 + 2/3·1000, D_Y = 2/3·4000 + 1000 + 1/3·2000, D_Z = 1/3·1000 + 2000
    d_x, d_z = 4000 + 2 / 3 * 1000, 1 / 3 * 1000 + 2000
    r_x, r_z = 20000 / d_x, 6000 / d_z  # R_Y = 0 (no supply)
    expected = [r_x, 2 / 3 * r_x + 1 / 3 * r_z, r_z]
    result = measures.floating_catchment(DEMAND, SUPPLY, table(TIMES))
    np.testing.assert_allclose(result["2sfca"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        result["2sfca"], [4.285714285714, 3.714285714286, 2.571428571429], atol=1e-11
    )
    assert list(result.columns) == ["2sfca", "population"]
    assert result.index.name == "id" and list(result.index) == ["X", "Y", "Z"]


def test_2sfca_with_drees_decay_equals_compute_apl_bit_for_bit_on_the_sample():
    sample = apl.datasets.load_isere()
    reference = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    result = measures.floating_catchment(
        sample.demand, sample.supply, sample.travel_times, method="2sfca"
    )
    assert np.array_equal(result["2sfca"].to_numpy(), reference["apl"].to_numpy())
    assert result.index.equals(reference.index)
    diag = apl.get_diagnostics(result)
    assert diag.n_pairs == apl.get_diagnostics(reference).n_pairs
    assert diag.measure == "floating_catchment[2sfca]"


def test_m2sfca_hand_worked():
    # Delamater: A_i = Σ_j w_ij² S_j / D_j; same D and R as the 2SFCA.
    r_x, r_z = 20000 / (4000 + 2 / 3 * 1000), 6000 / (1 / 3 * 1000 + 2000)
    expected = [1**2 * r_x, (2 / 3) ** 2 * r_x + (1 / 3) ** 2 * r_z, 1**2 * r_z]
    result = measures.floating_catchment(
        DEMAND, SUPPLY, table(TIMES), method="m2sfca", decay=apl.StepDecay.drees()
    )
    np.testing.assert_allclose(result["m2sfca"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        result["m2sfca"], [4.285714285714, 2.190476190476, 2.571428571429], atol=1e-11
    )


def test_3sfca_hand_worked():
    # Row sums of W: X 5/3, Y 2, Z 4/3 → G_X = (3/5, 2/5, 0), G_Y = (1/3, 1/2, 1/6), G_Z = (0, 1/4, 3/4).
    # G∘W: X (3/5, 4/15, 0), Y (2/9, 1/2, 1/18), Z (0, 1/12, 3/4).
    d_x = 4000 * 3 / 5 + 1000 * 2 / 9
    d_z = 1000 * 1 / 18 + 2000 * 3 / 4
    r_x, r_z = 20000 / d_x, 6000 / d_z
    expected = [3 / 5 * r_x, 2 / 9 * r_x + 1 / 18 * r_z, 3 / 4 * r_z]
    result = measures.floating_catchment(
        DEMAND, SUPPLY, table(TIMES), method="3sfca", decay=apl.StepDecay.drees()
    )
    np.testing.assert_allclose(result["3sfca"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        result["3sfca"], [4.576271186441, 1.909200968523, 2.892857142857], atol=1e-11
    )


def test_bfca_hand_worked():
    # Step 1, by origin (= G above): D_X = 4000·3/5 + 1000·1/3, D_Y = 4000·2/5 + 1000·1/2 + 2000·1/4,
    # D_Z = 1000·1/6 + 2000·3/4 (Σ D = Σ P = 7000: each inhabitant counted once).
    d_x, d_y, d_z = (
        4000 * 3 / 5 + 1000 / 3,
        4000 * 2 / 5 + 1000 / 2 + 2000 / 4,
        1000 / 6 + 2000 * 3 / 4,
    )
    assert math.isclose(d_x + d_y + d_z, 7000)
    r_x, r_z = 20000 / d_x, 6000 / d_z
    # Step 2, by destination: column sums X 5/3, Y 2, Z 4/3 → w_YX / 5/3 = 2/5, w_YZ / 4/3 = 1/4, …
    expected = [3 / 5 * r_x, 2 / 5 * r_x + 1 / 4 * r_z, 3 / 4 * r_z]
    result = measures.floating_catchment(
        DEMAND, SUPPLY, table(TIMES), method="bfca", decay=apl.StepDecay.drees()
    )
    np.testing.assert_allclose(result["bfca"], expected, rtol=1e-12)
    np.testing.assert_allclose(result["bfca"], [4.390243902439, 3.826829268293, 2.7], atol=1e-11)
    # Each ratio is spread once over the demand (columns of the step-2 weights sum to 1).
    assert math.isclose(result["bfca"].sum(), r_x + r_z)


def test_e2sfca_default_bands_are_luo_and_qi():
    # Luo & Qi bands (right-closed): w(0) = 1, w(12) = 0.68, w(18) = 0.68, w(25) = 0.22.
    w = [[1, 0.68, 0.22], [0.68, 1, 0.68], [0.22, 0.68, 1]]
    p, s = [4000, 1000, 2000], [20000, 0, 6000]
    d = [sum(w[i][j] * p[i] for i in range(3)) for j in range(3)]
    r = [s[j] / d[j] for j in range(3)]
    expected = [sum(w[i][j] * r[j] for j in range(3)) for i in range(3)]
    result = measures.floating_catchment(DEMAND, SUPPLY, table(TIMES), method="e2sfca")
    np.testing.assert_allclose(result["e2sfca"], expected, rtol=1e-12)
    assert measures.luo_qi_decay()(np.array([10.0, 10.01, 30.0, 30.01])).tolist() == [
        1.0,
        0.68,
        0.22,
        0.0,
    ]


def test_gravity_hand_worked_with_weights_above_one():
    decay = InversePowerDecay(1.0, floor=0.5)  # w(0) = 1/0.5 = 2, w(t) = 1/t beyond
    hansen = measures.gravity(DEMAND, SUPPLY, table(TIMES), decay=decay, competition=False)
    # A_X = 2·20000 + 1/12·0 + 1/25·6000; A_Y = 1/12·20000 + 1/18·6000; A_Z = 1/25·20000 + 2·6000
    np.testing.assert_allclose(
        hansen["gravity"],
        [2 * 20000 + 6000 / 25, 20000 / 12 + 6000 / 18, 20000 / 25 + 2 * 6000],
        rtol=1e-12,
    )
    jb = measures.gravity(DEMAND, SUPPLY, table(TIMES), decay=decay, competition=True)
    v_x = 2 * 4000 + 1000 / 12 + 2000 / 25  # V_j = Σ_k P_k w_kj
    v_z = 4000 / 25 + 1000 / 18 + 2 * 2000
    expected = [
        2 * 20000 / v_x + 6000 / 25 / v_z,
        20000 / 12 / v_x + 6000 / 18 / v_z,
        20000 / 25 / v_x + 2 * 6000 / v_z,
    ]
    np.testing.assert_allclose(jb["gravity"], expected, rtol=1e-12)
    assert apl.get_diagnostics(jb).measure == "gravity[joseph_bantock]"


def test_weights_above_one_are_refused_outside_gravity():
    with pytest.raises(ValidationError, match=r"accepted only by apl.measures.gravity"):
        measures.floating_catchment(
            DEMAND, SUPPLY, table(TIMES), decay=InversePowerDecay(1.0, floor=0.5)
        )
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        apl.compute_apl(DEMAND, SUPPLY, table(TIMES), decay=InversePowerDecay(1.0, floor=0.5))
    # With the default floor (1 minute) the weight never exceeds 1: accepted everywhere.
    assert InversePowerDecay(2.0).max_weight == 1.0
    measures.floating_catchment(DEMAND, SUPPLY, table(TIMES), decay=InversePowerDecay(2.0))


def test_gravity_rejects_negative_or_infinite_weights():
    with pytest.raises(ValidationError, match="finite"):
        measures.gravity(DEMAND, SUPPLY, table(TIMES), decay=lambda t: np.where(t > 0, 1.0, np.inf))
    with pytest.raises(ValidationError, match="finite"):
        measures.gravity(DEMAND, SUPPLY, table(TIMES), decay=lambda t: -np.ones_like(t))


def test_cumulative_hand_worked():
    # cutoff 12 (a time equal to the cutoff counts): X reaches X (0) and Y (12): 20000 + 0;
    # Y reaches X (12) and Y: 20000; Z reaches only Z (Y is 18): 6000.
    result = measures.cumulative(SUPPLY, table(TIMES), cutoff=12)
    assert result["cumulative"].tolist() == [20000 + 0, 20000 + 0, 6000]
    # cutoff 18: Y also reaches Z: 20000 + 0 + 6000; Z reaches Y: 6000 + 0.
    assert measures.cumulative(SUPPLY, table(TIMES), cutoff=18)["cumulative"].tolist() == [
        20000,
        26000,
        6000,
    ]
    assert list(result.columns) == ["cumulative"]


def test_cost_to_closest_hand_worked():
    gps = pd.DataFrame({"id": ["X", "Y", "Z"], "gps": [2.0, 0.0, 1.0]})
    # n = 1: X and Z hold GPs (0 min); Y: min(12 to X, 18 to Z) = 12.
    assert measures.cost_to_closest(gps, table(TIMES), value="gps")["minutes"].tolist() == [
        0,
        12,
        0,
    ]
    # n = 3: X has 2 at 0 min, the third is Z at 25; Y: 2 at 12 (X) + 1 at 18 (Z) → 18;
    # Z: 1 at 0 + 2 at 25 → 25.
    assert measures.cost_to_closest(gps, table(TIMES), value="gps", n=3)["minutes"].tolist() == [
        25,
        18,
        25,
    ]
    # n = 4: only 3 GPs exist → inf (never NaN), listed in the diagnostics.
    far = measures.cost_to_closest(gps, table(TIMES), value="gps", n=4)
    assert np.isinf(far["minutes"]).all()
    assert list(apl.get_diagnostics(far).no_reachable_supply) == ["X", "Y", "Z"]
    summary = apl.get_diagnostics(far).summary()
    assert "3 origins with no reachable supply (inf minutes)" in summary
    assert "standardised" not in summary  # no demand in this measure


def test_diagonal_table_uses_the_tables_own_time():
    gps = pd.DataFrame({"id": ["X", "Y", "Z"], "gps": [2.0, 0.0, 1.0]})
    times = table(TIMES, diagonal_minutes=5.0)
    # diagonal="zero" (default) ignores the 5 minutes; "table" uses them.
    assert measures.cost_to_closest(gps, times, value="gps")["minutes"].tolist() == [0, 12, 0]
    assert measures.cost_to_closest(gps, times, value="gps", diagonal="table")[
        "minutes"
    ].tolist() == [5, 12, 5]
    # A unit absent from the table as its own destination does not reach itself.
    no_diag = measures.cumulative(SUPPLY, table(TIMES), cutoff=12, diagonal="table")
    assert no_diag["cumulative"].tolist() == [0, 20000, 0]


def test_origins_option_and_integer_ids():
    times = pd.DataFrame(
        {"origin": [1, 2, 2], "destination": [1, 1, 2], "minutes": [0.0, 7.0, 0.0]}
    )
    supply = pd.DataFrame({"id": [1, 2], "acts": [100.0, 0.0]})
    result = measures.cost_to_closest(supply, times, origins=[2, 1, 3])
    assert list(result.index) == [2, 1, 3]
    assert result["minutes"].tolist() == [7.0, 0.0, math.inf]  # 3 is in no pair
    with pytest.raises(ValidationError, match="twice"):
        measures.cumulative(supply, times, cutoff=10, origins=[1, 1])


def test_bad_options():
    with pytest.raises(ValidationError, match="method"):
        measures.floating_catchment(DEMAND, SUPPLY, table(TIMES), method="4sfca")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cutoff"):
        measures.cumulative(SUPPLY, table(TIMES), cutoff=-1)
    with pytest.raises(ValidationError, match="n must"):
        measures.cost_to_closest(SUPPLY, table(TIMES), n=0)
    with pytest.raises(ValidationError, match="engine"):
        measures.gravity(DEMAND, SUPPLY, table(TIMES), decay=InversePowerDecay(1), engine="fast")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="diagonal"):
        measures.floating_catchment(DEMAND, SUPPLY, table(TIMES), diagonal="one")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- decays


def test_inverse_power_matches_ipea_decay_power_examples():
    # IPEA tests/testthat/test-decay_power.R: t^-0.5 and t^-0.25 capped at 1.
    np.testing.assert_allclose(
        InversePowerDecay(0.5)(np.array([0, 0.5, 1, 16, 64])), [1, 1, 1, 0.25, 0.125]
    )
    np.testing.assert_allclose(
        InversePowerDecay(0.25)(np.array([0, 0.5, 1, 16, 256])), [1, 1, 1, 0.5, 0.25]
    )
    # PySAL weights.gravity(scale=20, alpha=-2, min_dist=1) docstring: 0→400, 2→100, 20→1, 40→0.25.
    d = InversePowerDecay(2.0, floor=1.0, scale=20.0)
    np.testing.assert_allclose(d(np.array([0, 1, 2, 20, 40])), [400, 400, 100, 1, 0.25])
    assert math.isclose(d.max_weight, 400)
    assert InversePowerDecay(1.0, max_minutes=30)(np.array([30.0, 30.5])).tolist() == [1 / 30, 0.0]


def test_logistic_matches_ipea_decay_logistic_examples():
    # IPEA reference page: decay_logistic(cutoff = 30, sd = 5)(c(0, 30, 45, 60)).
    np.testing.assert_allclose(
        LogisticDecay(30, 5)(np.array([0.0, 30, 45, 60])),
        [1, 5.000094e-01, 4.314804e-03, 1.877853e-05],
        rtol=1e-6,
    )
    # test-decay_logistic.R: (c20, sd2) at 0, 20 → 1, 0.5; (c30, sd10) at 30 → 0.502.
    np.testing.assert_allclose(LogisticDecay(20, 2)(np.array([0.0, 20])), [1, 0.5], atol=1e-7)
    assert abs(LogisticDecay(30, 10)(np.array([30.0]))[0] - 0.502) < 1e-3
    # k = π / (sd √3); w(t) = (1 + e^{-k·median}) / (1 + e^{k (t - median)}); no overflow far out.
    assert LogisticDecay(10, 1)(np.array([1e6]))[0] == 0.0


def test_log_logistic_shape():
    d = LogLogisticDecay(20, 2)
    # 1 / (1 + (t/20)²): t = 0 → 1, 20 → 1/2, 40 → 1/5, 10 → 1/(1 + 1/4) = 0.8
    np.testing.assert_allclose(d(np.array([0.0, 20, 40, 10])), [1, 0.5, 0.2, 0.8])
    with pytest.raises(ValidationError):
        LogLogisticDecay(20, 0)
    with pytest.raises(ValidationError):
        LogisticDecay(0, 1)
    with pytest.raises(ValidationError):
        InversePowerDecay(1.0, floor=0.0)


# --------------------------------------------------------------------------- kernels vs twins


@st.composite
def csr(draw):
    n_rows = draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 8))
    dense = draw(
        st.lists(
            st.lists(
                st.one_of(st.just(0.0), st.floats(0.01, 1.0)), min_size=n_cols, max_size=n_cols
            ),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    rows, cols = np.nonzero(np.array(dense) > 0)
    weights = np.array(dense)[rows, cols]
    indptr = np.searchsorted(rows, np.arange(n_rows + 1)).astype(np.int64)
    return indptr, cols.astype(np.int64), weights.astype(np.float64), n_cols


@given(csr())
def test_normalise_kernels_match_their_twins(problem):
    indptr, indices, weights, n_cols = problem
    np.testing.assert_allclose(
        fca_kernels.normalise_rows(indptr, weights),
        fca_reference.normalise_rows(indptr, weights),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        fca_kernels.normalise_columns(indices, weights, n_cols),
        fca_reference.normalise_columns(indices, weights, n_cols),
        rtol=1e-12,
    )


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 4), st.integers(0, 60)), max_size=40),
    st.lists(st.integers(0, 5), max_size=5, unique=True),
    st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=5, max_size=5),
    st.sampled_from([0.5, 1, 2, 3.5, 7]),
)
def test_nth_closest_kernel_matches_its_twin(pairs, diagonal, supply, n):
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs], dtype=np.int64)
    minutes = np.array([p[2] / 2 for p in pairs], dtype=np.float64)
    diag_rows = np.array(diagonal, dtype=np.int64)  # unit k is row k and column k
    diag_cols = np.array([k % 5 for k in diagonal], dtype=np.int64)
    args = (rows, cols, minutes, diag_rows, diag_cols, np.array(supply), 6, float(n))
    np.testing.assert_array_equal(
        fca_kernels.nth_closest_cost(*args), fca_reference.nth_closest_cost(*args)
    )


def test_nth_closest_kernel_hand_worked():
    # Row 0 reaches column 0 (supply 1) at 5 min and column 1 (supply 2) at 3 min, and
    # column 2 (supply 0: never counts) at 1 min → n=1: 3; n=3: 5; n=4: inf.
    # Row 1 reaches only itself (diagonal, column 2, supply 0) → inf; row 2: nothing.
    rows, cols, minutes = np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([5.0, 3.0, 1.0])
    diag = (np.array([1]), np.array([2]))
    supply = np.array([1.0, 2.0, 0.0])
    for impl in (fca_kernels, fca_reference):
        for n, expected in ((1.0, [3.0, math.inf, math.inf]), (3.0, [5.0, math.inf, math.inf]),
                            (4.0, [math.inf] * 3), (0.5, [3.0, math.inf, math.inf])):  # fmt: skip
            assert (
                impl.nth_closest_cost(rows, cols, minutes, *diag, supply, 3, n).tolist() == expected
            )
    # A diagonal pair counts at 0 minutes: with supply 1.5 at column 2, n = 3 is reached at
    # 3 min for row 1 if it also reaches column 1 at 3 min (1.5 + 2 ≥ 3).
    both = (np.array([1]), np.array([1]), np.array([3.0]))
    supply = np.array([1.0, 2.0, 1.5])
    for impl in (fca_kernels, fca_reference):
        assert impl.nth_closest_cost(*both, *diag, supply, 3, 3.0).tolist() == [
            math.inf,
            3.0,
            math.inf,
        ]
        assert impl.nth_closest_cost(*both, *diag, supply, 3, 1.0).tolist() == [
            math.inf,
            0.0,
            math.inf,
        ]


# --------------------------------------------------------------------------- naive twins


@st.composite
def problems(draw):
    n = draw(st.integers(2, 6))
    units = [f"u{k}" for k in range(n)]
    population = [float(draw(st.integers(0, 5000))) for _ in units]
    supply = [float(draw(st.integers(0, 30))) for _ in units]
    times = {}
    for o in units:
        for d in units:
            if draw(st.booleans()):
                times[(o, d)] = float(draw(st.integers(0, 80))) / 2
    return units, population, supply, times


def as_frames(units, population, supply, times):
    demand = pd.DataFrame({"id": units, "population": population})
    sup = pd.DataFrame({"id": units, "acts": supply})
    tt = pd.DataFrame(
        [(o, d, t) for (o, d), t in times.items()], columns=["origin", "destination", "minutes"]
    ).astype({"origin": object, "destination": object, "minutes": float})
    return demand, sup, tt


def step_weight(t: float) -> float:
    return 1.0 if t < 10 else 2 / 3 if t < 15 else 1 / 3 if t < 20 else 0.0


@given(problems(), st.sampled_from(measures.METHODS), st.sampled_from(["zero", "table"]))
def test_floating_catchment_matches_naive_twin_and_reference_engine(problem, method, diagonal):
    units, population, supply, times = problem
    demand, sup, tt = as_frames(*problem)
    result = measures.floating_catchment(
        demand, sup, tt, method=method, decay=apl.StepDecay.drees(), diagonal=diagonal
    )
    w = naive.dense_weights(units, units, times, step_weight, diagonal)
    np.testing.assert_allclose(
        result[method], naive.fca(w, population, supply, method), rtol=1e-9, atol=1e-12
    )
    reference = measures.floating_catchment(
        demand,
        sup,
        tt,
        method=method,
        decay=apl.StepDecay.drees(),
        diagonal=diagonal,
        engine="reference",
    )
    np.testing.assert_allclose(result[method], reference[method], rtol=1e-12, atol=1e-15)
    assert np.isfinite(result[method]).all()


@given(problems(), st.booleans(), st.sampled_from(["zero", "table"]))
def test_gravity_matches_naive_twin(problem, competition, diagonal):
    units, population, supply, times = problem
    demand, sup, tt = as_frames(*problem)
    decay = InversePowerDecay(1.5, floor=0.5, max_minutes=30)
    result = measures.gravity(
        demand, sup, tt, decay=decay, competition=competition, diagonal=diagonal
    )
    w = naive.dense_weights(
        units, units, times, lambda t: max(t, 0.5) ** -1.5 if t <= 30 else 0.0, diagonal
    )
    np.testing.assert_allclose(
        result["gravity"], naive.gravity(w, population, supply, competition), rtol=1e-9, atol=1e-12
    )


@given(
    problems(),
    st.sampled_from([0, 7.5, 20]),
    st.sampled_from([1, 2, 25]),
    st.sampled_from(["zero", "table"]),
)
def test_cumulative_and_cost_to_closest_match_naive_twins(problem, cutoff, n, diagonal):
    units, _, supply, times = problem
    _, sup, tt = as_frames(*problem)
    if tt.empty:
        return
    cum = measures.cumulative(sup, tt, cutoff=cutoff, diagonal=diagonal)
    origins = list(cum.index)
    np.testing.assert_allclose(
        cum["cumulative"],
        naive.cumulative(origins, units, times, supply, cutoff, diagonal),
        rtol=1e-12,
    )
    for engine in ("numba", "reference"):
        near = measures.cost_to_closest(sup, tt, n=n, diagonal=diagonal, engine=engine)
        assert list(near.index) == origins
        assert near["minutes"].tolist() == naive.cost_to_closest(
            origins, units, times, supply, n, diagonal
        )


# --------------------------------------------------------------------------- PySAL access


@pytest.fixture(scope="module")
def synthetic():
    """12 units with integer ids, every pair within 60 minutes, the diagonal at 0."""
    rng = np.random.default_rng(7)
    n = 12
    xy = rng.uniform(0, 40, size=(n, 2))
    ids = np.arange(101, 101 + n)
    o, d = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    minutes = np.round(np.hypot(*(xy[o.ravel()] - xy[d.ravel()]).T), 2)
    tt = pd.DataFrame({"origin": ids[o.ravel()], "destination": ids[d.ravel()], "minutes": minutes})
    demand = pd.DataFrame({"id": ids, "population": rng.integers(100, 5000, n).astype(float)})
    supply = pd.DataFrame({"id": ids, "acts": rng.integers(0, 20, n).astype(float)})
    return demand, supply, tt


def pysal(demand, supply, tt):
    access = pytest.importorskip("access")
    return access.Access(
        demand_df=demand.set_index("id"), demand_index=True, demand_value="population",
        supply_df=supply.set_index("id"), supply_index=True, supply_value="acts",
        cost_df=tt.rename(columns={"destination": "dest"}).copy(), cost_origin="origin", cost_dest="dest",
        cost_name="minutes",
    )  # fmt: skip


# access calls DataFrame.drop(inplace=True), deprecated in pandas 3.1: its warning, not ours.
PYSAL_WARNINGS = pytest.mark.filterwarnings("ignore:The inplace keyword")


@PYSAL_WARNINGS
def test_same_numbers_as_pysal_access(synthetic):
    weights = pytest.importorskip("access.weights")

    demand, supply, tt = synthetic
    # E2SFCA with access's default bands (Luo & Qi), which are apl's e2sfca default.
    theirs = pysal(demand, supply, tt).enhanced_two_stage_fca(name="e2").iloc[:, 0]
    ours = measures.floating_catchment(demand, supply, tt, method="e2sfca")["e2sfca"]
    np.testing.assert_allclose(ours.to_numpy(), theirs.reindex(ours.index).to_numpy(), rtol=1e-12)
    # 3SFCA with access's default bands (Wan, Zou & Sternberg), apl's 3sfca default.
    theirs = pysal(demand, supply, tt).three_stage_fca(name="e3").iloc[:, 0]
    ours = measures.floating_catchment(demand, supply, tt, method="3sfca")["3sfca"]
    np.testing.assert_allclose(ours.to_numpy(), theirs.reindex(ours.index).to_numpy(), rtol=1e-12)
    # Plain 2SFCA within 25 minutes (access: cost ≤ max_cost).
    theirs = pysal(demand, supply, tt).two_stage_fca(name="two", max_cost=25).iloc[:, 0]
    binary = apl.StepDecay([25.0], [1.0, 0.0], closed="right")
    ours = measures.floating_catchment(demand, supply, tt, decay=binary)["2sfca"]
    np.testing.assert_allclose(
        ours.to_numpy(), theirs.reindex(ours.index).fillna(0).to_numpy(), rtol=1e-12
    )
    # Hansen potential = access weighted_catchment with a gravity weight (weights up to 60).
    theirs = (
        pysal(demand, supply, tt)
        .weighted_catchment(
            name="hansen", weight_fn=weights.gravity(scale=60, alpha=-1, min_dist=1)
        )
        .iloc[:, 0]
    )
    ours = measures.gravity(
        demand, supply, tt, decay=InversePowerDecay(1.0, floor=1.0, scale=60.0), competition=False
    )["gravity"]
    np.testing.assert_allclose(ours.to_numpy(), theirs.reindex(ours.index).to_numpy(), rtol=1e-12)


@PYSAL_WARNINGS
def test_pysal_hospital_example_scenario_3():
    """access/tests/test_hospital_example.py, scenario 3: 3 tracts, self cost 1, gravity(1, -1)."""
    access = pytest.importorskip("access")
    weights = pytest.importorskip("access.weights")

    tracts = pd.DataFrame(
        {"id": [1, 2, 3], "population": [100.0, 50.0, 10.0], "acts": [15.0, 20.0, 100.0]}
    )
    costs = pd.DataFrame(
        [
            (1, 1, 1),
            (2, 2, 1),
            (3, 3, 1),
            (1, 3, 20),
            (2, 3, 20),
            (3, 1, 20),
            (3, 2, 20),
            (1, 2, 40),
            (2, 1, 40),
        ],
        columns=["origin", "destination", "minutes"],
    ).astype({"minutes": float})
    a = access.Access(
        demand_df=tracts.set_index("id"), demand_index=True, demand_value="population",
        supply_df=tracts.set_index("id"), supply_index=True, supply_value="acts",
        cost_df=costs.rename(columns={"destination": "dest"}), cost_origin="origin", cost_dest="dest",
        cost_name="minutes",
    )  # fmt: skip
    a.two_stage_fca(name="s3", weight_fn=weights.gravity(1, -1), max_cost=61)
    a.three_stage_fca(name="t3", weight_fn=weights.gravity(1, -1), max_cost=61)
    decay = InversePowerDecay(1.0, floor=1.0, max_minutes=61)
    for method, column in (("2sfca", "s3_acts"), ("3sfca", "t3_acts")):
        ours = measures.floating_catchment(
            tracts[["id", "population"]],
            tracts[["id", "acts"]],
            costs,
            method=method,
            decay=decay,
            diagonal="table",
        )[method]
        np.testing.assert_allclose(
            ours.to_numpy(), a.access_df[column].reindex(ours.index).to_numpy(), rtol=1e-12
        )
    # Hand check of 2SFCA for tract 3 (the city): w = 1/t, D_1 = 100/1 + 50/40 + 10/20 = 101.75,
    # D_2 = 50/1 + 100/40 + 10/20 = 53, D_3 = 100/20 + 50/20 + 10/1 = 17.5; A_3 = R_1/20 + R_2/20 + R_3/1.
    r = {1: 15 / 101.75, 2: 20 / 53, 3: 100 / 17.5}
    two = measures.floating_catchment(
        tracts[["id", "population"]], tracts[["id", "acts"]], costs, decay=decay, diagonal="table"
    )["2sfca"]
    assert math.isclose(two.loc[3], r[1] / 20 + r[2] / 20 + r[3] / 1, rel_tol=1e-12)


# --------------------------------------------------------------------------- IPEA accessibility


@pytest.fixture(scope="module")
def ipea():
    times = pd.read_csv(PEERS / "ipea_travel_matrix_subset.csv").rename(
        columns={"from_id": "origin", "to_id": "destination", "travel_time": "minutes"}
    )
    land_use = pd.read_csv(PEERS / "ipea_land_use_data.csv")
    return times, land_use


FIVE = [
    "89a88cdb57bffff",
    "89a88cdb597ffff",
    "89a88cdb5b3ffff",
    "89a88cdb5cfffff",
    "89a88cd909bffff",
]
TWO = FIVE[:2]


def five(ipea):
    times, land_use = ipea
    sub = times[times.origin.isin(FIVE) & times.destination.isin(FIVE)]
    units = land_use.set_index("id").loc[FIVE].reset_index()
    return sub, units


def test_ipea_floating_catchment_area_published_cases(ipea):
    """test-floating_catchment_area.R: 5 hexagons, decay_binary(45), the table's diagonal."""
    sub, units = five(ipea)
    demand = units[["id", "population"]]
    supply = units[["id", "jobs"]].rename(columns={"jobs": "acts"})
    binary45 = apl.StepDecay([45.0], [1.0, 0.0], closed="right")  # IPEA: t ≤ 45 → 1
    expected = {
        "2sfca": [0.0152, 0.1491, 0.1491, 0.1068, 0],
        "bfca": [0.0094, 0.1993, 0.1993, 0.1147, 0],
    }
    for method, values in expected.items():
        result = measures.floating_catchment(
            demand, supply, sub, method=method, decay=binary45, diagonal="table"
        )
        assert result[method].round(4).tolist() == values
    # "accepts custom decay function": weight 1 everywhere → 0.1108 for every hexagon.
    flat = measures.floating_catchment(
        demand, supply, sub, decay=lambda t: np.ones_like(t), diagonal="table"
    )
    assert flat["2sfca"].round(4).tolist() == [0.1108] * 5


def test_ipea_exponential_decay_published_cases(ipea):
    """test-gravity.R and test-floating_catchment_area.R: 2 origins, decay_exponential(0.5, 0.6)."""
    times, land_use = ipea
    sub = times[times.origin.isin(TWO)]
    demand = (
        land_use[land_use.id.isin(TWO)][["id", "population"]].set_index("id").loc[TWO].reset_index()
    )
    supply = land_use[["id", "jobs"]].rename(columns={"jobs": "acts"})
    published = {0.5: ([14.11, 28.02], [456.32, 272.26]), 0.6: ([6.59, 13.4], [456.85, 271.10])}
    for rate, (hansen, fca) in published.items():
        decay = lambda t, rate=rate: np.exp(-rate * t)  # noqa: E731 - IPEA exp(-x·t)
        g = measures.gravity(demand, supply, sub, decay=decay, competition=False, diagonal="table")
        assert g["gravity"].round(2).tolist() == hansen
        f = measures.floating_catchment(demand, supply, sub, decay=decay, diagonal="table")
        assert f["2sfca"].round(2).tolist() == fca
    # gravity with decay_binary(30) = cumulative_cutoff(30): 22239 and 36567 jobs.
    binary30 = apl.StepDecay([30.0], [1.0, 0.0], closed="right")
    g = measures.gravity(demand, supply, sub, decay=binary30, competition=False, diagonal="table")
    assert g["gravity"].tolist() == [22239, 36567]
    assert measures.cumulative(supply, sub, cutoff=30, diagonal="table")["cumulative"].tolist() == [
        22239,
        36567,
    ]


def test_ipea_cumulative_and_cost_to_closest_published_cases(ipea):
    """test-cumulative_cutoff.R and test-cost_to_closest.R on the 5 hexagons."""
    sub, units = five(ipea)
    jobs = units[["id", "jobs"]]
    cum = measures.cumulative(jobs, sub, cutoff=30, value="jobs", diagonal="table")
    assert cum["cumulative"].to_dict() == dict(zip(FIVE, [82, 408, 408, 109, 0], strict=True))
    schools = units[["id", "schools"]]
    near = measures.cost_to_closest(schools, sub, value="schools", diagonal="table")
    assert near["minutes"].tolist() == [47, 5.8, 13, 43, 70]
    assert np.isinf(
        measures.cost_to_closest(schools, sub, n=3, value="schools", diagonal="table")["minutes"]
    ).all()
    # "fake_id" reaches only a hexagon without schools: Inf.
    fake = pd.concat(
        [sub, pd.DataFrame({"origin": ["fake_id"], "destination": [FIVE[0]], "minutes": [50.0]})]
    )
    assert (
        measures.cost_to_closest(schools, fake, value="schools", diagonal="table")["minutes"][
            "fake_id"
        ]
        == math.inf
    )


@given(st.lists(st.integers(0, 20), max_size=60))
def test_unique_in_order_matches_its_twin(keys):
    array = np.array(keys, dtype=np.int32)
    fast = fca_kernels.unique_in_order(array, 21)
    assert fast.tolist() == list(dict.fromkeys(keys))  # first appearance, by hand
    assert fast.tolist() == fca_reference.unique_in_order(array, 21).tolist()


def test_origins_default_to_the_tables_origins_in_order_of_first_appearance():
    times = pd.DataFrame(
        {
            "origin": ["38002", "2A004", "38002", "38001"],
            "destination": ["38001", "38001", "38002", "38001"],
            "minutes": [5.0, 30.0, 0.0, 0.0],
        }
    )
    supply = pd.DataFrame({"commune": ["38001"], "acts": [100.0]})
    result = measures.cumulative(supply, times, cutoff=10)
    assert list(result.index) == ["38002", "2A004", "38001"]
    assert result["cumulative"].tolist() == [100.0, 0.0, 100.0]
    assert result.index.name == "commune"


def test_benchmark_script_smoke(tmp_path):
    """benchmarks/bench_measures.py runs at a small size and writes its JSON (no timing asserted)."""
    import json
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_measures.py"
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(script), "--communes", "600", "--supply", "150", "--repeat", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())["results"]
    assert result["2sfca_equals_compute_apl_bitwise"] is True
    assert set(result["measures"]) >= {*measures.METHODS, "cumulative_20", "cost_to_closest_1"}
    peers = result.get("peers", {})
    if peers.get("installed"):
        for name in ("e2sfca", "3sfca", "gravity_hansen"):
            assert peers[f"{name}_max_abs_difference"] < 1e-6


def test_pysal_published_grid_cases():
    """access/tests/test_floating_catchment_area.py: a 5 × 5 grid of unit supply (integer ids
    1–25, Euclidean cost), 5 of its points as unit demand. Large catchment: every demand
    point reaches all 25 units, D_j = 5, R_j = 1/5, A_i = 25 · 1/5 = 5. max_cost 0.9: each
    point reaches only itself, D_j = 1, A_i = 1."""
    ids = np.arange(1, 26)
    xy = np.array([(x, y) for x in range(5) for y in range(5)], dtype=float)
    o, d = np.meshgrid(np.arange(25), np.arange(25), indexing="ij")
    cost = pd.DataFrame(
        {
            "origin": ids[o.ravel()],
            "destination": ids[d.ravel()],
            "minutes": np.hypot(*(xy[o.ravel()] - xy[d.ravel()]).T),
        }
    )
    supply = pd.DataFrame({"id": ids, "acts": 1.0})
    demand = pd.DataFrame({"id": [3, 7, 12, 18, 24], "population": 1.0})
    everything = apl.StepDecay([10.0], [1.0, 0.0], closed="right")  # all costs ≤ 5.7
    only_self = apl.StepDecay([0.9], [1.0, 0.0], closed="right")
    for method in ("2sfca", "e2sfca", "3sfca"):
        large = measures.floating_catchment(demand, supply, cost, method=method, decay=everything)
        np.testing.assert_allclose(large[method], 5.0, rtol=1e-12)
        small = measures.floating_catchment(demand, supply, cost, method=method, decay=only_self)
        np.testing.assert_allclose(small[method], 1.0, rtol=1e-12)
    # access's 3SFCA test uses step_fn({10: 25}) (weight 25); the 3SFCA is invariant to a
    # constant factor on w (G is normalised, and D and A scale together), so weight 1
    # gives its number; apl's FCA methods refuse weights above 1.
    with pytest.raises(ValidationError):
        measures.floating_catchment(
            demand, supply, cost, method="3sfca", decay=lambda t: np.where(t <= 10, 25.0, 0.0)
        )
