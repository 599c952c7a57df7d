"""apl against the DREES figures (docs/validation.md); these fail if the numbers drift."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apl
from apl.summary import weighted_mean_apl

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


@pytest.fixture(scope="module")
def isere():
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    drees = (
        sample.drees_apl[sample.drees_apl["year"] == 2023]
        .set_index("commune")
        .reindex(result.index)
    )
    return sample, result, drees


def _stats(ours, theirs):
    diff = (ours - theirs).abs()
    return diff.median(), diff.quantile(0.9), np.corrcoef(ours, theirs)[0, 1]


def test_isere_against_drees_2023(isere):
    _sample, result, drees = isere
    assert len(result) == 512 and not result["apl"].isna().any()
    median, p90, r = _stats(result["apl"], drees["apl"])
    # figures of docs/validation.md (estimated supply, OSRM times)
    assert median == pytest.approx(0.236, abs=0.002)
    assert p90 == pytest.approx(0.674, abs=0.002)
    assert r == pytest.approx(0.952, abs=0.002)
    assert weighted_mean_apl(result["apl"], result["population"]) == pytest.approx(4.08, abs=0.005)


def test_isere_border_and_interior(isere):
    sample, result, drees = isere
    border = sample.border_communes().reindex(result.index).to_numpy()
    assert border.sum() == 344
    for mask, expected in ((border, (0.216, 0.633, 0.956)), (~border, (0.290, 0.759, 0.947))):
        got = _stats(result["apl"][mask], drees["apl"][mask])
        np.testing.assert_allclose(got, expected, atol=0.002)


def test_isere_population_is_drees_standardised(isere):
    _sample, result, drees = isere
    np.testing.assert_array_equal(result["population"], drees["standardised_population"])
    # The line above compares the sample's demand with the very column it was copied from
    # (load_isere builds demand from isere_drees_apl.csv). Check it against the other file,
    # the national DREES extract, and that this check tells 2023 from 2022 and from raw counts.
    national = pd.read_csv(REFERENCE / "drees_apl_mg_communes.csv.gz", dtype={"code_commune": str})
    by_year = {
        y: t.set_index("code_commune").reindex(result.index) for y, t in national.groupby("year")
    }
    np.testing.assert_array_equal(result["population"], by_year[2023]["standardised_population"])
    assert not np.allclose(result["population"], by_year[2022]["standardised_population"])
    # standardised 1,264,294.342 vs 1,284,948 inhabitants in the 512 communes (2021 census)
    assert result["population"].sum() == pytest.approx(1_264_294.342, abs=1e-6)
    assert by_year[2023]["population"].sum() == 1_284_948


def test_national_drees_workbook_consistency():
    table = pd.read_csv(REFERENCE / "drees_apl_mg_communes.csv.gz", dtype={"code_commune": str})
    # the methodology rounds these to 3.79 / 3.75 and 3.34 / 3.30
    expected = {2022: (3.789, 3.342, 34_964, 67_162_154), 2023: (3.745, 3.295, 34_954, 67_408_052)}
    for year, (mean_all, mean_65, n, total) in expected.items():
        t = table[table["year"] == year]
        assert len(t) == n
        assert weighted_mean_apl(t["apl"], t["standardised_population"]) == pytest.approx(
            mean_all, abs=0.0005
        )
        assert weighted_mean_apl(t["apl_65"], t["standardised_population"]) == pytest.approx(
            mean_65, abs=0.0005
        )
        # standardised population sums to the real one (weights normalised nationally)
        assert t["standardised_population"].sum() == pytest.approx(total, rel=1e-9)
        assert t["population"].sum() == total
        assert (t["apl_65"] <= t["apl"] + 1e-9).all()
        assert t["apl"].min() == 0.0 and not t["apl"].isna().any()
