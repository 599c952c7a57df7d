"""Family: numbers. Decimal comma and thousands separators are read right (never as a
smaller number); ambiguous or mixed marks, NaN, infinite, negative and text values are
errors naming the line and column."""

import numpy as np
import pandas as pd
import pytest
from bad_input import write

import apl
from apl.errors import DataFormatError
from apl.io.tables import parse_numbers


@pytest.mark.parametrize(
    ("values", "sep", "expected"),
    [
        (["1234,5", "12"], ";", [1234.5, 12.0]),  # decimal comma
        (["1 234", "5"], ";", [1234.0, 5.0]),  # space thousands
        (["1\u00a0234,5", "5"], ";", [1234.5, 5.0]),  # no-break space thousands, decimal comma
        (["1\u202f234", "5"], ",", [1234.0, 5.0]),  # narrow no-break space (French typography)
        (["1.234,5", "2"], ";", [1234.5, 2.0]),  # point thousands, decimal comma
        (["1.234", "2,5"], ";", [1234.0, 2.5]),  # 1.234 settled by 2,5: thousands
        (["1.234", "2.5"], ";", [1.234, 2.5]),  # settled by 2.5: decimal point
        (["1,234.5", "7"], ",", [1234.5, 7.0]),  # English thousands
        (["1,234", "2.5"], ",", [1234.0, 2.5]),
        (["1,234,567"], ",", [1234567.0]),
        (["1.234.567"], ";", [1234567.0]),
        (["1'234.5"], ",", [1234.5]),  # Swiss apostrophe
        (["65.078", "12.000"], ",", [65.078, 12.0]),  # ',' file: a point is decimal
        (["-3,5", "+2"], ";", [-3.5, 2.0]),
        (["1e3", "2.5E-1"], ",", [1000.0, 0.25]),
    ],
)
def test_parse_numbers_reads_right(values, sep, expected):
    numbers, problem = parse_numbers(pd.Series(values), sep=sep)
    assert problem is None
    assert numbers.tolist() == expected


@pytest.mark.parametrize(
    ("values", "sep", "fragment"),
    [
        (["1,234", "2"], ",", "may be 1234 (thousands comma) or 1.234"),
        (["1.234", "2"], ";", "may be 1234 (thousands point"),
        (["12,5", "3.5"], ";", "mixes a decimal comma ('12,5') and a decimal point ('3.5')"),
    ],
)
def test_parse_numbers_refuses_ambiguity(values, sep, fragment):
    numbers, problem = parse_numbers(pd.Series(values), sep=sep)
    assert fragment in problem and np.isnan(numbers).all()


def test_explicit_decimal_settles_ambiguity():
    assert parse_numbers(pd.Series(["1,234"]), decimal=",")[0].tolist() == [1.234]
    assert parse_numbers(pd.Series(["1.234"]), decimal=",", sep=";")[0].tolist() == [1234.0]
    assert parse_numbers(pd.Series(["1.234"]), decimal=".", sep=";")[0].tolist() == [1.234]


def test_population_with_thousands_is_never_smaller(tmp_path):
    text = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;38185;Grenoble;1;30;1 234,5\nCOM;38185;Grenoble;2;30;1.234,5\n"
    table = apl.io.read_population(write(tmp_path, "pop.csv", text))
    assert table["population"].sum() == 2469.0


def test_ambiguous_population_is_an_error_with_the_fix(tmp_path):
    text = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;38185;Grenoble;1;30;1.234\n"
    path = write(tmp_path, "pop.csv", text)
    with pytest.raises(DataFormatError, match=r"column 'NB': '1.234' may be 1234.*pass decimal="):
        apl.io.read_population(path)
    assert apl.io.read_population(path, decimal=",")["population"].tolist() == [1234.0]


def test_acts_with_decimal_comma_in_semicolon_file(tmp_path):
    text = "practitioner_id;commune;acts\nA;38185;4 812,5\nB;38185;3950\n"
    assert apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))["acts"].tolist() == [
        4812.5,
        3950.0,
    ]


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("NaN", "expected a finite number, found 'NaN'"),
        ("nan", "expected a finite number, found 'nan'"),
        ("inf", "expected a finite number, found 'inf'"),
        ("-inf", "expected a finite number, found '-inf'"),
        ("", "expected a finite number, found an empty cell"),
        ("abc", "expected a finite number, found 'abc'"),
        ("12 min", "expected a finite number, found '12 min'"),
        ("1_000", "expected a finite number, found '1_000'"),
        ("0x10", "expected a finite number, found '0x10'"),
        ("-5", "expected a number ≥ 0, found '-5'"),
    ],
)
def test_bad_minutes(tmp_path, cell, fragment):
    text = f"origin,destination,minutes\n01001,01002,10\n01002,01001,{cell}\n"
    with pytest.raises(DataFormatError, match=r"line 3, column 'minutes'") as info:
        apl.io.read_travel_times(write(tmp_path, "tt.csv", text))
    assert fragment in str(info.value)
    assert info.value.line == 3 and info.value.column == "minutes"


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("-1", "≥ 0"),
        ("NaN", "finite"),
        ("inf", "finite"),
        ("beaucoup", "finite"),
    ],
)
def test_bad_acts(tmp_path, cell, fragment):
    text = f"practitioner_id,commune,acts\nA,38185,{cell}\n"
    with pytest.raises(DataFormatError, match=fragment):
        apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))


def test_fractional_year_is_an_error(tmp_path):
    text = "practitioner_id,year,commune,acts\nA,2023.5,38185,10\n"
    with pytest.raises(DataFormatError, match=r"expected a whole year, found '2023\.5'"):
        apl.io.read_gp_activity(write(tmp_path, "gp.csv", text))


def test_matrix_cells_with_decimal_comma(tmp_path):
    text = "id;01001;01002\n01001;0;720,5\n01002;1 200;0\n"
    times = apl.io.read_travel_times(write(tmp_path, "m.csv", text))
    got = times.set_index(["origin", "destination"])["minutes"].to_dict()
    assert got[("01001", "01002")] == 720.5 / 60 and got[("01002", "01001")] == 20.0


def test_matrix_bad_cell(tmp_path):
    text = "id,01001,01002\n01001,0,x\n01002,30,0\n"
    with pytest.raises(
        DataFormatError, match=r"line 2, column '01002': expected a number of seconds, found 'x'"
    ):
        apl.io.read_travel_times(write(tmp_path, "m.csv", text))
