"""apl.inequality: hand-worked cases, naive twins, IPEA `accessibility` agreement, edge cases."""

from pathlib import Path

import naive_inequality as naive
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apl import inequality as ineq
from apl.errors import ValidationError

IPEA = Path(__file__).parent / "data" / "ipea_accessibility"


# --- hand-worked cases -------------------------------------------------------------------


def test_gini_hand_case():
    # x = (1, 2, 3), w = (1, 1, 2): Σ w x = 1 + 2 + 6 = 9, shares s = (.25, .25, .5),
    # Lorenz L = (1/9, 3/9, 9/9):
    # G = 1 − [.25 (0 + 1/9) + .25 (1/9 + 3/9) + .5 (3/9 + 1)] = 1 − 29/36 = 7/36
    assert ineq.gini([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]) == pytest.approx(7 / 36, abs=1e-15)
    # mean difference: (|1−2|·1·1 + |1−3|·1·2 + |2−3|·1·2) × 2 / (2 × 4² × 9/4) = 14/72 = 7/36
    assert naive.gini_mean_difference([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]) == pytest.approx(7 / 36)


def test_palma_hand_case():
    # x = 1..10, one inhabitant each, ranked by x: q40 at position 1 + 9 × 0.4 = 4.6 → 4.6,
    # q90 at 1 + 9 × 0.9 = 9.1 → 9.1; poorest {1, 2, 3, 4} (mean 2.5), richest {10}: 10 / 2.5 = 4
    x = np.arange(1.0, 11.0)
    assert ineq.palma_ratio(x) == pytest.approx(4.0, abs=1e-15)
    # ranked by an income that reverses the order: richest {1}, poorest {7, 8, 9, 10} → 1 / 8.5
    assert ineq.palma_ratio(x, None, rank_by=-x) == pytest.approx(1 / 8.5, abs=1e-15)
    # fixed cut points: poorest rank ≤ 2 → {1, 2} (mean 1.5), richest > 8 → {9, 10} (9.5)
    assert ineq.palma_ratio(x, cut_points=(2.0, 8.0)) == pytest.approx(9.5 / 1.5, abs=1e-15)


def test_palma_fractional_fallback_when_a_group_is_empty():
    # issue #14 reviewer's example: x = (1, 2, 3, 4, 10), w = (10, 20, 30, 40, 50), N = 150,
    # cumulative populations 10, 30, 60, 100, 150. q90 at position 1 + 149 × 0.9 = 135.1:
    # people 135 and 136 both have x = 10, so q90 = 10 and no unit ranks above it (IPEA: NA;
    # apl used to say 1 = "no inequality"). Exact shares: top 10 % = 15 people, all in the
    # unit x = 10 → mean 10; bottom 40 % = 60 people = 10 × 1 + 20 × 2 + 30 × 3 = 140 →
    # mean 140 / 60 = 7/3. Palma = 10 / (7/3) = 30/7.
    x, w = [1.0, 2.0, 3.0, 4.0, 10.0], [10.0, 20.0, 30.0, 40.0, 50.0]
    assert ineq.palma_ratio(x, w) == pytest.approx(30 / 7, rel=1e-15)
    assert naive.palma_shares_people(x, [int(v) for v in w], x) == pytest.approx(30 / 7)
    # a unit straddling the 40 % cut: x = (1, 3), w = (1, 3), N = 4: q90 at 3.7 → 3, top
    # empty. Top 0.4 people of x = 3 → 3; bottom 1.6 people: 1 × 1 + 0.6 × 3 = 2.8 → 1.75.
    # Palma = 3 / 1.75 = 12/7.
    assert ineq.palma_ratio([1.0, 3.0], [1.0, 3.0]) == pytest.approx(12 / 7, rel=1e-15)
    # tied ranks form one block: ranked by (0, 1, 1) with x = (1, 2, 6), w = (2, 1, 1):
    # q90 = 1 → top empty. Block rank 1: 2 people, mean 4. Top 0.4 people → 4; bottom 1.6
    # people of the unit x = 1 → 1. Palma = 4.
    assert ineq.palma_ratio([1.0, 2.0, 6.0], [2.0, 1.0, 1.0], [0.0, 1.0, 1.0]) == pytest.approx(4.0)
    # with fixed cut points an empty group is undefined: an error, not 1
    with pytest.raises(ValidationError, match="above q90"):
        ineq.palma_ratio(x, w, cut_points=(3.5, 10.0))


def test_theil_hand_cases():
    # x = (1, 3): μ = 2, T = ½ (½ ln ½) + ½ (3/2 ln 3/2) = ½ (−0.3465736 + 0.6081977) = 0.1308121
    t = 0.5 * (0.5 * np.log(0.5) + 1.5 * np.log(1.5))
    assert ineq.theil_t([1.0, 3.0]) == pytest.approx(t, abs=1e-15)
    # x = (1, 1, 3, 3) in groups (a, a, b, b): shares of the total S = (2/8, 6/8), of people
    # s = (½, ½): between = ¼ ln(½) + ¾ ln(3/2) = t (the same distribution), within = 0
    d = ineq.theil_t([1.0, 1.0, 3.0, 3.0], None, ["a", "a", "b", "b"])
    assert d.between == pytest.approx(0.25 * np.log(0.5) + 0.75 * np.log(1.5), abs=1e-15)
    assert d.within == pytest.approx(0.0, abs=1e-15)
    assert d.total == pytest.approx(t, abs=1e-15)
    # x = (1, 3, 2, 2) in groups (a, a, b, b): group means 2 and 2 → between 0; within =
    # S_a T_a = ½ t; the total is T of (1, 3, 2, 2) = ¼ (½ ln ½ + 3/2 ln 3/2) = ½ t
    d = ineq.theil_t([1.0, 3.0, 2.0, 2.0], None, ["a", "a", "b", "b"])
    assert d.between == pytest.approx(0.0, abs=1e-15)
    assert d.within == pytest.approx(t / 2, abs=1e-15)
    assert d.total == pytest.approx(ineq.theil_t([1.0, 3.0, 2.0, 2.0]), abs=1e-15)
    assert list(d.groups.index) == ["a", "b"]
    assert d.groups.loc["a", "theil_t"] == pytest.approx(t, abs=1e-15)


def test_concentration_hand_case():
    # x = (1, 2, 3) ranked by (1, 2, 3), one inhabitant each: s = 1/3, R = (1/6, 1/2, 5/6), μ = 2
    # C = (2/2) × (1/3) × [(−1)(−1/3) + 0 + (1)(1/3)] = 2/9; corrected: 4 × 2 / (3 − 1) × 2/9 = 8/9
    assert ineq.concentration_index([1.0, 2.0, 3.0], [1, 2, 3]) == pytest.approx(2 / 9, abs=1e-15)
    assert ineq.concentration_index([1.0, 2.0, 3.0], [1, 2, 3], kind="corrected") == pytest.approx(
        8 / 9, abs=1e-15
    )
    # reversed ranking: −2/9 (access concentrated among the poor)
    assert ineq.concentration_index([1.0, 2.0, 3.0], [3, 2, 1]) == pytest.approx(-2 / 9, abs=1e-15)
    # tied ranks share their span: ranks (1, 1, 2) → R = (1/3, 1/3, 5/6) for x = (1, 3, 2):
    # C = (1/3) [(−1)(−1/6) + (1)(−1/6) + 0 (1/3)] = 0
    assert ineq.concentration_index([1.0, 3.0, 2.0], [1, 1, 2]) == pytest.approx(0.0, abs=1e-15)


def test_fgt_hand_case():
    # x = (1, 2, 3), w = (1, 1, 2), z = 2.5: below are 1 and 2 (2 of 4 people) → FGT0 = 0.5;
    # gaps (1.5/2.5, 0.5/2.5) = (0.6, 0.2) → FGT1 = 0.8/4 = 0.2, FGT2 = (0.36 + 0.04)/4 = 0.1
    x, w = [1.0, 2.0, 3.0], [1.0, 1.0, 2.0]
    assert ineq.fgt(x, 2.5, 0, w) == pytest.approx(0.5, abs=1e-15)
    assert ineq.fgt(x, 2.5, 1, w) == pytest.approx(0.2, abs=1e-15)
    assert ineq.fgt(x, 2.5, 2, w) == pytest.approx(0.1, abs=1e-15)
    # x exactly on the line is not below it
    assert ineq.fgt([2.5], 2.5, 0) == 0.0


def test_weighted_quantile_hand_case():
    # values (10, 20, 30) with 1, 2, 1 people: people 10, 20, 20, 30; type 7 median at
    # position 1 + 3 × 0.5 = 2.5 → between the 2nd (20) and 3rd (20) person = 20;
    # p = 0.9 → position 3.7 → 20 + 0.7 × (30 − 20) = 27
    q = ineq.weighted_quantile([10.0, 20.0, 30.0], [1.0, 2.0, 1.0], [0.5, 0.9, 0.0, 1.0])
    np.testing.assert_allclose(q, [20.0, 27.0, 10.0, 30.0], rtol=0, atol=1e-12)


# --- edge cases: defined values, never NaN; errors ----------------------------------------


@pytest.mark.parametrize("x", [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0], [5.0]])
def test_zero_and_equal_values_are_equality(x):
    w = [1.0, 2.0, 3.0][: len(x)]
    assert ineq.gini(x, w) == 0.0
    assert ineq.theil_t(x, w) == 0.0
    assert ineq.concentration_index(x, [3.0, 1.0, 2.0][: len(x)], w) == 0.0
    assert ineq.concentration_index(x, [3.0, 1.0, 2.0][: len(x)], w, kind="corrected") == 0.0
    assert ineq.palma_ratio(x, w) == 1.0
    d = ineq.theil_t(x, w, ["a", "b", "a"][: len(x)])
    assert (d.total, d.between, d.within) == (0.0, 0.0, 0.0)
    for alpha in (0, 1, 2):
        assert ineq.fgt(x, 0.0, alpha, w) == 0.0


def test_zero_values_keep_their_population():
    # a unit with x = 0 counts in μ and Σ w (IPEA drops it): x = (0, 2), w = (1, 1): μ = 1,
    # T = ½ × 0 + ½ × 2 ln 2 = ln 2
    assert ineq.theil_t([0.0, 2.0]) == pytest.approx(np.log(2.0), abs=1e-15)
    # Gini of (0, 2): 1 − [½ (0 + 0) + ½ (0 + 1)] = ½
    assert ineq.gini([0.0, 2.0]) == pytest.approx(0.5, abs=1e-15)
    # Palma with a poorest mean of 0 and a richest mean > 0 is +inf, not NaN
    assert ineq.palma_ratio([0.0] * 9 + [1.0]) == np.inf


def test_errors():
    with pytest.raises(ValidationError, match=r"row 1 is -1\.0"):
        ineq.gini([1.0, -1.0])
    with pytest.raises(ValidationError, match="weights"):
        ineq.gini([1.0, 2.0], [1.0, -3.0])
    with pytest.raises(ValidationError, match="one weight"):
        ineq.gini([1.0, 2.0], [1.0])
    with pytest.raises(ValidationError, match="total population is 0"):
        ineq.theil_t([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValidationError, match="no units"):
        ineq.fgt([])
    with pytest.raises(ValidationError, match="nan"):
        ineq.gini([1.0, float("nan")])
    with pytest.raises(ValidationError, match="kind"):
        ineq.concentration_index([1.0], [1.0], kind="erreygers")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="threshold"):
        ineq.fgt([1.0], threshold=-1.0)
    with pytest.raises(ValidationError, match="no group"):
        ineq.theil_t([1.0, 2.0], None, ["a", None])
    with pytest.raises(ValidationError, match="row 'b'"):
        ineq.gini(pd.Series([1.0, -2.0], index=["a", "b"]))


def test_series_are_aligned_on_the_index():
    values = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    weights = pd.Series([2.0, 1.0, 1.0], index=["z", "x", "y"])  # z has 2 people
    assert ineq.gini(values, weights) == pytest.approx(ineq.gini([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]))
    with pytest.raises(ValidationError, match="no value for 1 units"):
        ineq.gini(values, weights.drop("x"))


# --- naive twins on random inputs ---------------------------------------------------------

values_st = st.lists(st.one_of(st.just(0.0), st.floats(0.01, 50.0)), min_size=1, max_size=8)


@st.composite
def weighted(draw):
    x = draw(values_st)
    w = draw(st.lists(st.integers(0, 6), min_size=len(x), max_size=len(x)))
    assume(sum(w) > 0)
    rank = draw(
        st.lists(st.sampled_from([1.0, 2.0, 3.0, 5.5, 8.0, -1.0]), min_size=len(x), max_size=len(x))
    )
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=len(x), max_size=len(x)))
    return x, [float(v) for v in w], rank, groups


@settings(max_examples=150, deadline=None)
@given(weighted())
def test_indices_match_naive_twins(problem):
    x, w, rank, groups = problem
    tol = {"rel": 1e-9, "abs": 1e-12}
    assert ineq.gini(x, w) == pytest.approx(naive.gini_mean_difference(x, w), **tol)
    assert ineq.theil_t(x, w) == pytest.approx(naive.theil_loop(x, w), **tol)
    d = ineq.theil_t(x, w, groups)
    between, within = naive.theil_between_within(x, w, groups)
    assert d.between == pytest.approx(between, **tol)
    assert d.within == pytest.approx(within, **tol)
    assert d.total == pytest.approx(naive.theil_loop(x, w), **tol)
    assert ineq.concentration_index(x, rank, w) == pytest.approx(
        naive.concentration_people(x, [int(v) for v in w], rank), **tol
    )
    for alpha in (0, 1, 2):
        assert ineq.fgt(x, 2.5, alpha, w) == pytest.approx(naive.fgt_loop(x, w, 2.5, alpha), **tol)
    people = naive.people(rank, [int(v) for v in w])
    for p in (0.0, 0.1, 0.4, 0.5, 0.9, 1.0):
        assert ineq.weighted_quantile(rank, w, p)[0] == pytest.approx(
            naive.quantile_type7(people, p), **tol
        )


@settings(max_examples=150, deadline=None)
@given(weighted())
def test_palma_matches_people_twin(problem):
    x, w, rank, _ = problem
    iw = [int(v) for v in w]
    people = naive.people(rank, iw)
    q40, q90 = naive.quantile_type7(people, 0.4), naive.quantile_type7(people, 0.9)
    bottom = [xi for xi, ri, wi in zip(x, rank, iw, strict=True) for _ in range(wi) if ri <= q40]
    top = [xi for xi, ri, wi in zip(x, rank, iw, strict=True) for _ in range(wi) if ri > q90]
    result = ineq.palma_ratio(x, w, rank)
    if not top or not bottom:  # a whole-unit group is empty: exact population shares
        assert result == pytest.approx(naive.palma_shares_people(x, iw, rank), rel=1e-9)
    elif sum(bottom) == 0:
        assert result == (1.0 if sum(top) == 0 else np.inf)
    else:
        assert result == pytest.approx(naive.palma_people(x, iw, rank), rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(weighted(), st.floats(0.1, 10.0))
def test_scale_invariance_and_bounds(problem, k):
    x, w, rank, _ = problem
    scaled = [k * v for v in x]
    tol = {"rel": 1e-9, "abs": 1e-12}
    assert ineq.gini(scaled, w) == pytest.approx(ineq.gini(x, w), **tol)
    assert ineq.theil_t(scaled, w) == pytest.approx(ineq.theil_t(x, w), **tol)
    assert ineq.concentration_index(scaled, rank, w) == pytest.approx(
        ineq.concentration_index(x, rank, w), **tol
    )
    assert 0.0 <= ineq.gini(x, w) <= 1.0
    assert -1.0 - 1e-12 <= ineq.concentration_index(x, rank, w) <= 1.0 + 1e-12
    assert 0.0 <= ineq.fgt(x, 2.5, 2, w) <= ineq.fgt(x, 2.5, 1, w) <= ineq.fgt(x, 2.5, 0, w) <= 1.0


# --- agreement with IPEA's accessibility package ------------------------------------------


@pytest.fixture(scope="module")
def data():
    land_use = pd.read_csv(IPEA / "land_use_data.csv", dtype={"income_decile": "Int64"}).set_index(
        "id"
    )
    access = pd.read_csv(IPEA / "access_jobs_30min.csv").set_index("id")["jobs_within_30_min"]
    return land_use, access


class TestIPEAAgreement:
    """The examples of the R package accessibility's own tests (tests/testthat/test-*.R,
    commit dfde37a), recomputed from the same data (tests/data/ipea_accessibility/SOURCES.md)
    and compared with the published values, which that package rounds to 4 decimals."""

    GINI_IDS = (
        "89a88cd909bffff",
        "89a88cdb57bffff",
        "89a88cdb597ffff",
        "89a88cdb5b3ffff",
        "89a88cdb5cfffff",
    )
    THEIL_IDS = (
        "89a88cd900bffff",
        "89a88cdb57bffff",
        "89a88cdb597ffff",
        "89a88cdb5b3ffff",
        "89a88cdb5cfffff",
    )

    @staticmethod
    def _cells(data, ids):
        ids = list(ids)
        land_use, access = data
        return (access.loc[ids].to_numpy(dtype=float), land_use.loc[ids, "population"].to_numpy(dtype=float),
                land_use.loc[ids, "income_per_capita"].to_numpy(dtype=float))  # fmt: skip

    @pytest.mark.parametrize(("n", "expected"), [(5, 0.1386), (4, 0.1148)])
    def test_gini_index(self, data, n, expected):
        x, w, _ = self._cells(data, self.GINI_IDS[:n])
        assert round(ineq.gini(x, w), 4) == expected

    @pytest.mark.parametrize(("n", "expected"), [(5, 1.0911), (4, 0.5249)])
    def test_palma_ratio(self, data, n, expected):
        land_use, _ = data
        # IPEA's cut points: Hmisc::wtd.quantile of income over the whole land use data,
        # weighted by population (cells without income dropped, as na.rm = TRUE)
        known = land_use["income_per_capita"].notna()
        cuts = ineq.weighted_quantile(land_use.loc[known, "income_per_capita"],
                                      land_use.loc[known, "population"], (0.4, 0.9))  # fmt: skip
        x, w, income = self._cells(data, self.GINI_IDS[:n])
        # the zero-population cell 89a88cd909bffff has no income (NA in R: in no group);
        # give it a rank in the middle: its weight is 0, so it changes nothing
        income = np.where(np.isnan(income), (cuts[0] + cuts[1]) / 2, income)
        assert round(ineq.palma_ratio(x, w, income, cut_points=(cuts[0], cuts[1])), 4) == expected

    @pytest.mark.parametrize(("n", "expected"), [(5, 0.0852), (4, 0.0839)])
    def test_theil_t(self, data, n, expected):
        x, w, _ = self._cells(data, self.THEIL_IDS[:n])
        assert round(ineq.theil_t(x, w), 4) == expected

    @pytest.mark.parametrize(("ids", "between", "within"), [
        (THEIL_IDS, 0.0515, 0.0337),
        ([i for i in THEIL_IDS if i != "89a88cd900bffff"], 0.0021, 0.0357),
    ])  # fmt: skip
    def test_theil_t_by_income_decile(self, data, ids, between, within):
        land_use, _ = data
        x, w, _ = self._cells(data, ids)
        d = ineq.theil_t(x, w, land_use.loc[list(ids), "income_decile"].to_numpy())
        assert (round(d.between, 4), round(d.within, 4)) == (between, within)
        assert round(d.total, 4) == round(between + within, 4)

    @pytest.mark.parametrize(
        ("n", "standard", "corrected"), [(5, -0.0248, -0.1314), (4, -0.1148, -0.8282)]
    )
    def test_concentration_index(self, data, n, standard, corrected):
        x, w, income = self._cells(data, self.GINI_IDS[:n])
        # R's setorderv puts the NA income (the zero-population cell) first
        income = np.where(np.isnan(income), np.nanmin(income) - 1.0, income)
        assert round(ineq.concentration_index(x, income, w), 4) == standard
        assert round(ineq.concentration_index(x, income, w, kind="corrected"), 4) == corrected

    @pytest.mark.parametrize(("n", "fgt1", "fgt2"), [(5, 0.5588, 0.3256), (4, 0.6367, 0.4129)])
    def test_fgt_poverty(self, data, n, fgt1, fgt2):
        x, w, _ = self._cells(data, self.GINI_IDS[:n])
        assert ineq.fgt(x, 100_000, 0, w) == 1.0
        assert (round(ineq.fgt(x, 100_000, 1, w), 4), round(ineq.fgt(x, 100_000, 2, w), 4)) == (
            fgt1,
            fgt2,
        )
        # all cells above a line of 10,000 jobs: every FGT is 0
        assert ineq.fgt(x, 10_000, 2, w) == 0.0


# --- per-territory table (apl.summary.inequality_table) -----------------------------------


def _result():
    # two départements (01: APL 1, 3 with 1 and 1 inhabitants; 38: APL 2, 2) and one Corsican
    # commune (2A: APL 5)
    return pd.DataFrame(
        {"apl": [1.0, 3.0, 2.0, 2.0, 5.0], "population": [1.0, 1.0, 2.0, 2.0, 4.0]},
        index=pd.Index(["01001", "01002", "38001", "38002", "2A004"], name="commune"),
    )


def test_inequality_table_by_department():
    from apl.summary import inequality_table

    table = inequality_table(_result())
    assert list(table.index) == ["01", "2A", "38", "all"]
    # 01: APL (1, 3): Gini 0.25 (hand case above), FGT0 at 2.5 = 1/2, mean 2
    assert table.loc["01", "gini"] == pytest.approx(0.25)
    assert table.loc["01", "fgt0"] == pytest.approx(0.5)
    assert table.loc["01", "mean"] == pytest.approx(2.0)
    # 38: equal values → 0 / Palma 1
    assert (
        table.loc["38", "gini"],
        table.loc["38", "theil_t"],
        table.loc["38", "palma_ratio"],
    ) == (0.0, 0.0, 1.0)
    # 2A: a single commune → its top 10 % and bottom 40 % are the same people: Palma 1
    assert table.loc["2A", "palma_ratio"] == 1.0
    # all: APL (1, 3, 2, 2, 5), populations (1, 1, 2, 2, 4), N = 10: the commune at 5 holds
    # 40 % so nothing ranks above q90 = 5 (issue #14: this was 1). Exact shares: top 1
    # person at 5; bottom 4 people 1 + 3 × 2 = 7 → 1.75; Palma = 5 / 1.75 = 20/7
    assert table.loc["all", "palma_ratio"] == pytest.approx(20 / 7)
    # all: the indices of the whole table
    r = _result()
    assert table.loc["all", "gini"] == pytest.approx(ineq.gini(r["apl"], r["population"]))
    assert table.loc["all", "fgt1"] == pytest.approx(ineq.fgt(r["apl"], 2.5, 1, r["population"]))
    assert table.loc["all", "communes"] == 5
    # the Theil decomposition between départements adds up to the total
    theil = table.attrs["theil"]
    assert theil.total == pytest.approx(table.loc["all", "theil_t"])
    assert theil.between + theil.within == pytest.approx(theil.total)


def test_inequality_table_by_region_and_mapping():
    from apl.summary import REGION_DEPARTMENTS, inequality_table, region_of

    assert sum(len(d) for d in REGION_DEPARTMENTS.values()) == 101
    assert list(region_of(pd.Index(["38185", "2B033", "97411", "75056"]))) == [
        "84",
        "94",
        "04",
        "11",
    ]
    table = inequality_table(_result(), by="region")
    assert list(table.index) == ["84", "94", "all"]
    assert table.loc["84", "communes"] == 4
    # a TVS table that misses one commune: listed, left out of the territory rows, kept in "all"
    tvs = pd.DataFrame(
        {"commune": ["01001", "01002", "38001", "38002"], "tvs": ["T1", "T1", "T2", "T2"]}
    )
    table = inequality_table(
        _result(), by=tvs, rank_by=pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=_result().index)
    )
    assert list(table.index) == ["T1", "T2", "all"]
    assert table.attrs["unmapped"] == ["2A004"]
    assert table.loc["all", "communes"] == 5
    # T1: APL (1, 3) ranked (1, 2): C = (2/2)(½)[(−1)(−¼) + (1)(¼)] = ¼
    assert table.loc["T1", "concentration_index"] == pytest.approx(0.25)
    with pytest.raises(ValidationError, match="neither"):
        inequality_table(_result(), by="canton")


def test_inequality_table_with_a_population_series():
    from apl.summary import inequality_table

    r = _result()
    table = inequality_table(
        r[["apl"]], population=r["population"].iloc[::-1]
    )  # aligned on the index
    pd.testing.assert_frame_equal(table, inequality_table(r))
    with pytest.raises(ValidationError, match="no value for communes"):
        inequality_table(r[["apl"]], population=r["population"].iloc[1:])
