from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import ValidationError

DATA = Path(__file__).resolve().parents[1] / "data"


def test_hand_case_2023():
    table = pd.DataFrame(
        {
            "commune": ["01001", "01001", "01001", "01001", "2A004", "2A004"],
            "age": [0, 4, 90, "95", 47, "90+"],
            "population": [10.0, 5.5, 2.0, 1.0, 100.0, 3.0],
        }
    )
    result = apl.standardize_population(table)
    # 01001: (10 + 5.5) * 1.12 (0–4) + (2 + 1) * 2.26 (90+) = 17.36 + 6.78 = 24.14
    # 2A004: 100 * 0.93 (45–49) + 3 * 2.26 = 93 + 6.78 = 99.78
    assert list(result.index) == ["01001", "2A004"]
    np.testing.assert_allclose(result.to_numpy(), [24.14, 99.78], rtol=1e-12)
    assert result.attrs["standardised"] is True


def test_year_2022_and_override():
    table = pd.DataFrame({"commune": ["X"] * 2, "age": [0, 120], "population": [1.0, 1.0]})
    # 2022: 0.93 + 2.39 = 3.32
    assert apl.standardize_population(table, year=2022).iloc[0] == pytest.approx(3.32)
    # override: every c_a = 1 → the raw count 2
    assert apl.standardize_population(table, weights=[1.0] * 19).iloc[0] == 2.0
    assert (
        apl.standardize_population(table, weights=dict.fromkeys(apl.AGE_BANDS, 0.5)).iloc[0] == 1.0
    )


def test_weights_match_drees_parameters_file():
    params = pd.read_csv(DATA / "reference" / "drees_apl_parameters.csv")
    weights = params[params["parameter"] == "age_weight"]
    for year, group in weights.groupby("year"):
        assert (
            tuple(group.sort_values("lower")["value"].astype(float)) == apl.AGE_WEIGHTS[int(year)]
        )


def test_errors():
    table = pd.DataFrame({"commune": ["X"], "age": [-1], "population": [1.0]})
    with pytest.raises(ValidationError, match=r"column 'age', row 0.*integer"):
        apl.standardize_population(table)
    table = pd.DataFrame({"commune": ["X"], "age": ["adult"], "population": [1.0]})
    with pytest.raises(ValidationError, match="'adult'"):
        apl.standardize_population(table)
    table = pd.DataFrame({"commune": ["X"], "age": [3], "population": [1.0]})
    with pytest.raises(ValidationError, match="no DREES age weights for year 2019"):
        apl.standardize_population(table, year=2019)
    with pytest.raises(ValidationError, match="19 weights"):
        apl.standardize_population(table, weights=[1.0] * 18)
    bad = pd.DataFrame({"commune": ["X"], "age": [3], "population": [np.nan]})
    with pytest.raises(ValidationError, match="NaN"):
        apl.standardize_population(bad)
