"""Family: separators (``,`` ``;`` tab) and quoted fields: the same numbers whatever the
separator; a wrong separator is named; a value holding the separator must be quoted."""

import pytest
from bad_input import EXPECTED_APL, compute_cli, problem_files, write

import apl
from apl.errors import DataFormatError

TIMES = "origin{s}destination{s}minutes\n01002{s}01001{s}12\n01001{s}01002{s}12\n"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_travel_times_each_separator(tmp_path, sep):
    times = apl.io.read_travel_times(write(tmp_path, "tt.csv", TIMES.format(s=sep)))
    assert times["minutes"].tolist() == [12.0, 12.0]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_apl_same_with_each_separator(tmp_path, sep, capsys):
    pop, sup, tt = problem_files(
        tmp_path,
        population=f"commune{sep}population\n01001{sep}1000\n01002{sep}500\n",
        supply=f"commune{sep}acts\n01001{sep}4000\n",
        times=f"origin{sep}destination{sep}minutes\n01002{sep}01001{sep}12\n",
    )
    out = tmp_path / "apl.csv"
    assert compute_cli(pop, sup, tt, out) == 0
    import pandas as pd

    result = pd.read_csv(out, dtype={"commune": str}).set_index("commune")["apl"].to_dict()
    assert result == pytest.approx(EXPECTED_APL, rel=1e-15)


def test_quoted_fields_and_quoted_codes(tmp_path):
    text = '"commune_patient";"commune_et";"KM";"HC"\n"01002";"01001";"12,3";"12,5"\n'
    times = apl.io.read_metric(write(tmp_path, "m.csv", text))
    assert times[["origin", "destination"]].to_numpy().tolist() == [["01002", "01001"]]
    assert times["minutes"].tolist() == [12.5]


def test_quoted_value_holding_the_separator(tmp_path):
    text = 'practitioner_id,commune,acts,structure\n"Dr A, B",38185,"4,000.5",cabinet\n'
    table = apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))
    assert table["practitioner_id"].tolist() == ["Dr A, B"] and table["acts"].tolist() == [4000.5]


def test_unquoted_value_holding_the_separator_is_an_error(tmp_path):
    text = "practitioner_id,commune,acts\nA,38185,4000\nDr A, B,38185,5000\n"
    with pytest.raises(DataFormatError, match=r"line 3 has 4 fields, the header 3.*quoted"):
        apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))


def test_wrong_separator_given_is_named(tmp_path):
    path = write(tmp_path, "tt.csv", TIMES.format(s=";"))
    with pytest.raises(
        DataFormatError, match=r"cannot tell the travel-time layout.*origin, destination"
    ):
        apl.io.read_travel_times(path, sep=",")


def test_separator_detected_past_a_comma_in_quoted_header(tmp_path):
    # the header holds a comma inside quotes; ';' splits every line consistently
    text = 'commune;acts;"note, free text"\n38185;4000;"a, b"\n'
    table = apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))
    assert table["acts"].tolist() == [4000.0]
