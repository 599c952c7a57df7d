"""Bad input gets a clear apl.errors exception naming the table, column and row."""

import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import (
    APLError,
    CommuneCodeError,
    DuplicateError,
    MissingColumnError,
    ValidationError,
)


def good():
    demand = pd.DataFrame({"commune": ["01001", "01002"], "population": [100.0, 50.0]})
    supply = pd.DataFrame({"commune": ["01001"], "acts": [4000.0]})
    tt = pd.DataFrame(
        {"origin": ["01002", "01001"], "destination": ["01001", "01002"], "minutes": [12.0, 12.0]}
    )
    return demand, supply, tt


def test_hierarchy():
    assert issubclass(APLError, ValueError)
    for cls in (ValidationError, MissingColumnError, DuplicateError, CommuneCodeError):
        assert issubclass(cls, APLError)


@pytest.mark.parametrize(("value", "what"), [(-1.0, "≥ 0"), (np.nan, "NaN"), (np.inf, "infinite")])
def test_bad_minutes(value, what):
    demand, supply, tt = good()
    tt.loc[1, "minutes"] = value
    with pytest.raises(ValidationError, match=what) as info:
        apl.compute_apl(demand, supply, tt)
    err = info.value
    assert (err.table, err.column, err.row) == ("travel_times", "minutes", 1)
    assert "origin='01001'" in str(err) and "destination='01002'" in str(err)


def test_non_numeric_minutes():
    demand, supply, tt = good()
    tt["minutes"] = tt["minutes"].astype(object)
    tt.loc[0, "minutes"] = "12 min"
    with pytest.raises(ValidationError, match=r"expected a number.*'12 min'"):
        apl.compute_apl(demand, supply, tt)


def test_negative_population():
    demand, supply, tt = good()
    demand.loc[1, "population"] = -5.0
    with pytest.raises(
        ValidationError, match=r"demand: column 'population', row 1 \(commune='01002'\)"
    ) as info:
        apl.compute_apl(demand, supply, tt)
    assert info.value.row == 1


def test_negative_acts():
    demand, supply, tt = good()
    supply.loc[0, "acts"] = -1.0
    with pytest.raises(ValidationError, match=r"supply: column 'acts'.*-1.0"):
        apl.compute_apl(demand, supply, tt)


def test_duplicate_pairs():
    demand, supply, tt = good()
    tt = pd.concat([tt, tt.iloc[[0]]], ignore_index=True)
    with pytest.raises(
        DuplicateError,
        match=r"travel_times: row 0 \(origin='01002', destination='01001'\) is duplicated",
    ):
        apl.compute_apl(demand, supply, tt)


@pytest.mark.parametrize("table", ["demand", "supply"])
def test_duplicate_communes(table):
    demand, supply, tt = good()
    frames = {"demand": demand, "supply": supply}
    frames[table] = pd.concat([frames[table], frames[table].iloc[[0]]], ignore_index=True)
    with pytest.raises(DuplicateError, match=f"{table}: row 0 \\(commune='01001'\\)"):
        apl.compute_apl(frames["demand"], frames["supply"], tt)


@pytest.mark.parametrize(
    ("table", "column"), [("demand", "population"), ("supply", "acts"), ("travel_times", "minutes")]
)
def test_missing_column(table, column):
    demand, supply, tt = good()
    frames = {"demand": demand, "supply": supply, "travel_times": tt}
    frames[table] = frames[table].drop(columns=column)
    with pytest.raises(MissingColumnError, match=f"{table} is missing column.*'{column}'.*found"):
        apl.compute_apl(frames["demand"], frames["supply"], frames["travel_times"])


def test_integer_codes_rejected():
    demand, supply, tt = good()
    demand["commune"] = [1001, 1002]
    with pytest.raises(CommuneCodeError, match=r"holds numbers.*dtype=\{'commune': str\}"):
        apl.compute_apl(demand, supply, tt)


def test_lost_leading_zero_rejected():
    demand, supply, tt = good()
    tt.loc[1, "origin"] = "1001"
    with pytest.raises(CommuneCodeError, match=r"'1001' has fewer than 5 digits.*'01001'") as info:
        apl.compute_apl(demand, supply, tt)
    assert (info.value.table, info.value.column, info.value.row) == ("travel_times", "origin", 1)


def test_missing_code():
    demand, supply, tt = good()
    supply.loc[0, "commune"] = None
    with pytest.raises(CommuneCodeError, match="missing commune code"):
        apl.compute_apl(demand, supply, tt)


def test_not_a_dataframe():
    demand, supply, tt = good()
    with pytest.raises(ValidationError, match="travel_times must be a pandas DataFrame"):
        apl.compute_apl(demand, supply, tt.to_numpy())


def test_bad_decay_output():
    demand, supply, tt = good()
    with pytest.raises(ValidationError, match=r"weights must be finite and in \[0, 1\]"):
        apl.compute_apl(demand, supply, tt, decay=lambda t: 2.0 * np.ones_like(t))
    with pytest.raises(ValidationError, match="element-wise"):
        apl.compute_apl(demand, supply, tt, decay=lambda t: 1.0)


def test_bad_step_decay():
    with pytest.raises(ValidationError, match="len\\(bounds\\) \\+ 1 = 4 weights"):
        apl.StepDecay([10, 15, 20], [1, 0.5, 0])
    with pytest.raises(ValidationError, match="increasing"):
        apl.StepDecay([10, 5], [1, 0.5, 0])
    with pytest.raises(ValidationError, match="closed"):
        apl.StepDecay([10], [1, 0], closed="both")


# --- the fast path (Arrow string columns) and the general path raise the same errors -----


def _breakages():
    def lost_zero(tt):
        tt.loc[1, "origin"] = "1001"

    def nan_minutes(tt):
        tt.loc[1, "minutes"] = np.nan

    def negative(tt):
        tt.loc[0, "minutes"] = -3.0

    def missing_code(tt):
        tt.loc[1, "destination"] = np.nan

    return [lost_zero, nan_minutes, negative, missing_code]


@pytest.mark.parametrize("breakage", _breakages(), ids=lambda f: f.__name__)
def test_fast_and_general_paths_raise_the_same_error(breakage):
    messages = []
    for dtype in ("str", object):
        demand, supply, tt = good()
        tt = tt.astype({"origin": dtype, "destination": dtype})
        breakage(tt)
        with pytest.raises(ValidationError) as info:
            apl.compute_apl(demand, supply, tt)
        err = info.value
        messages.append((type(err), str(err), err.table, err.column, err.row))
    assert messages[0] == messages[1]


def test_duplicate_pair_error_same_on_both_paths_and_when_not_grouped():
    # rows not grouped by origin (the duplicate is found by the bucket check, not in-pass)
    demand = pd.DataFrame({"commune": ["01001", "01002", "01003"], "population": [1.0, 2.0, 3.0]})
    supply = pd.DataFrame({"commune": ["01001"], "acts": [10.0]})
    tt = pd.DataFrame(
        {
            "origin": ["01002", "01003", "01002", "01003"],
            "destination": ["01001", "01001", "01003", "01001"],
            "minutes": [1.0, 2.0, 3.0, 4.0],
        }
    )
    messages = []
    for dtype in ("str", object):
        with pytest.raises(DuplicateError) as info:
            apl.compute_apl(demand, supply, tt.astype({"origin": dtype, "destination": dtype}))
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "row 1 (origin='01003', destination='01001') is duplicated" in messages[0]
