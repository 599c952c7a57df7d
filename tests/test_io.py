"""Loaders: real files of data/sample and small malformed files written here."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import CommuneCodeError, DataFormatError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- population ---------------------------------------------------------------------

POP1B = """NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB
COM;01001;L'Abergement-Clémenciat;1;0;4,5
COM;01001;L'Abergement-Clémenciat;2;0;5,5
COM;01001;L'Abergement-Clémenciat;1;95;1
COM;2A004;Ajaccio;2;47;100
COM;75056;Paris;1;30;1000
ARM;75101;Paris 1er;1;30;600
ARM;75102;Paris 2e;1;30;400
DEP;01;Ain;1;0;99999
"""


def test_read_population_long_latin1(tmp_path):
    path = write(tmp_path, "pop.csv", POP1B, encoding="cp1252")
    table = apl.io.read_population(path)
    assert table.attrs["layout"] == "long"
    assert table.attrs["dropped_parents"] == ["75056"]
    got = table.set_index(["commune", "age"])["population"].to_dict()
    # 01001 age 0: 4.5 (decimal comma) + 5.5 = 10; the DEP row is not a commune
    assert got == {
        ("01001", 0): 10.0,
        ("01001", 95): 1.0,
        ("2A004", 47): 100.0,
        ("75101", 30): 600.0,
        ("75102", 30): 400.0,
    }
    by_sex = apl.io.read_population(path, by_sex=True)
    assert set(by_sex.columns) == {"commune", "age", "sex", "population"}
    std = apl.standardize_population(table)
    # 01001: 10 * 1.12 + 1 * 2.26 = 13.46
    assert std["01001"] == pytest.approx(13.46)


def test_read_population_wide(tmp_path):
    header = "CODGEO,LIBGEO," + ",".join(
        f"SEXE{s}_AGED100{a:03d}" for s in (1, 2) for a in range(101)
    )
    row = "38185,Grenoble," + ",".join("1" for _ in range(202))
    table = apl.io.read_population(write(tmp_path, "wide.csv", header + "\n" + row + "\n"))
    assert table.attrs["layout"] == "wide"
    assert len(table) == 101 and table["population"].sum() == 202.0
    assert table.loc[table["age"] == 100, "population"].item() == 2.0


def test_read_population_age_groups(tmp_path):
    text = "CODGEO;P21_POP;P21_POP0014;P21_POP1529;P21_POP3044;P21_POP4559;P21_POP6074;P21_POP75P;P21_POP0019\n38001;1050;150;150;150;150;150;300;999\n"
    table = apl.io.read_population(write(tmp_path, "ic.csv", text))
    assert table.attrs["layout"] == "age_groups" and table.attrs["census_year"] == 2021
    # the finest partition: 0014 (not 0019), …, 75P spread over 75..89 (15 years): 300/15 = 20 per year
    assert table["population"].sum() == pytest.approx(1050.0)
    assert table.loc[table["age"] == 80, "population"].item() == pytest.approx(20.0)
    assert table.loc[table["age"] == 3, "population"].item() == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        (
            "NIVGEO,CODGEO,LIBGEO,SEXE,AGED100\nCOM,01001,X,1,0\n",
            "no population columns recognised",
        ),
        ("CODE;AGE;NB\n01001;0;1\n", "lacks column"),
        (
            "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;X;1;0;abc\n",
            r"line 2, column 'NB'.*'abc'",
        ),
        (
            "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;X;1;0;1\nCOM;01001;X;1;1;-3\n",
            r"line 3, column 'NB'.*≥ 0",
        ),
        (
            "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;1001;X;1;0;1\n",
            r"line 2, column 'CODGEO'.*pad_codes",
        ),
        (
            "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;X;1;1.5;1\n",
            r"line 2, column 'AGED100'",
        ),
        ("CODGEO;LIBGEO;P21_POP1529\n01001;X;3\n", "do not cover age 0"),
    ],
)
def test_read_population_malformed(tmp_path, text, match):
    with pytest.raises(DataFormatError, match=match) as info:
        apl.io.read_population(write(tmp_path, "bad.csv", text))
    assert "bad.csv" in str(info.value)


def test_wrong_separator_is_named(tmp_path):
    path = write(tmp_path, "pop.csv", "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;X;1;0;1\n")
    with pytest.raises(DataFormatError, match="is the separator ';'"):
        apl.io.read_population(path, sep=",")


def test_pad_codes_population(tmp_path):
    path = write(tmp_path, "pop.csv", "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;1001;X;1;0;1\n")
    assert apl.io.read_population(path, pad_codes=True)["commune"].tolist() == ["01001"]


# --- GP activity --------------------------------------------------------------------

ACTIVITY = """practitioner_id;year;commune;acts;age;new_practitioner;structure
A1;2023;01001;4500;50;0;cabinet
A2;2023;01001;100;30;oui;cabinet
A3;2023;2A004;7000;67;non;centre de santé
A4;2022;2A004;3000;40;0;cabinet
"""


def test_read_gp_activity_and_retain(tmp_path):
    table = apl.io.read_gp_activity(write(tmp_path, "act.csv", ACTIVITY), year=2023)
    assert table["structure"].tolist() == ["cabinet", "cabinet", "centre_de_sante"]
    assert table["new_practitioner"].tolist() == [False, True, False]
    retained = apl.retained_activity(table, max_age=65)
    # 01001: 4500 (actual) + 5400 (new GP) = 9900; 2A004: the 67-year-old is dropped → 0
    assert retained.to_dict() == {"01001": 9900.0, "2A004": 0.0}


def test_read_gp_activity_column_mapping(tmp_path):
    text = "num_ps,com_exercice,nb_actes\nX,38185,5000\n"
    table = apl.io.read_gp_activity(
        write(tmp_path, "a.csv", text),
        columns={"num_ps": "practitioner_id", "com_exercice": "commune", "nb_actes": "acts"},
    )
    assert table.to_dict("records") == [
        {"practitioner_id": "X", "commune": "38185", "acts": 5000.0}
    ]


@pytest.mark.parametrize(
    ("text", "kwargs", "match"),
    [
        (ACTIVITY, {}, "several years"),
        (ACTIVITY.replace("4500", "4 500 actes"), {"year": 2023}, r"line 2, column 'acts'"),
        (
            ACTIVITY.replace(";0;cabinet\nA2", ";peut-être;cabinet\nA2"),
            {"year": 2023},
            "new_practitioner",
        ),
        (
            ACTIVITY.replace("centre de santé", "hôpital"),
            {"year": 2023},
            r"line 4, column 'structure'",
        ),
        ("commune;nb\n01001;3\n", {}, "lacks column"),
        ("", {}, "empty"),
    ],
)
def test_read_gp_activity_malformed(tmp_path, text, kwargs, match):
    with pytest.raises(DataFormatError, match=match):
        apl.io.read_gp_activity(write(tmp_path, "bad.csv", text), **kwargs)


# --- travel times -------------------------------------------------------------------


def test_read_sample_travel_times():
    tt = apl.io.read_travel_times(SAMPLE / "isere_travel_times_osrm.csv.gz")
    assert len(tt) == 512 * 512 and list(tt.columns) == ["origin", "destination", "minutes"]
    assert tt["origin"].str.len().eq(5).all() and tt["minutes"].min() == 0.0


def test_read_metric(tmp_path):
    text = "commune_patient;commune_et;KM;HC\n1001;1002;5,2;7\n1001;38185;9999;9999\n01002;1001;5.2;8.5\n"
    tt = apl.io.read_travel_times(write(tmp_path, "metric.csv", text))
    assert tt.attrs["format"] == "metric"
    assert tt.to_dict("records") == [
        {"origin": "01001", "destination": "01002", "minutes": 7.0},
        {"origin": "01002", "destination": "01001", "minutes": 8.5},
    ]
    assert tt.attrs["unroutable"] == {"count": 1, "lines": [3]}
    assert tt.attrs["padded_codes"] == 3  # rows 2, 3 and 4 each had a 4-digit code


def test_read_long_seconds_and_matrix(tmp_path):
    long = apl.io.read_travel_times(
        write(tmp_path, "l.csv", "origin,destination,seconds\n38001,38002,600\n")
    )
    assert long["minutes"].tolist() == [10.0]
    matrix = write(tmp_path, "m.csv", "id,38001,38002\n38001,0,600\n38002,630,\n")
    tt = apl.io.read_travel_times(matrix)
    assert tt.attrs["format"] == "matrix" and tt.attrs["empty_cells"] == 1
    assert tt.to_dict("records") == [
        {"origin": "38001", "destination": "38001", "minutes": 0.0},
        {"origin": "38001", "destination": "38002", "minutes": 10.0},
        {"origin": "38002", "destination": "38001", "minutes": 10.5},
    ]


def test_read_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"origin": ["38001"], "destination": ["38002"], "minutes": [3.5]}).to_parquet(path)
    tt = apl.io.read_travel_times(path)
    assert tt.to_dict("records") == [{"origin": "38001", "destination": "38002", "minutes": 3.5}]
    pd.DataFrame({"origin": [38001], "destination": ["38002"], "minutes": [3.5]}).to_parquet(path)
    with pytest.raises(DataFormatError, match="'origin' is int64"):
        apl.io.read_travel_times(path)
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataFormatError, match="not a readable Parquet"):
        apl.io.read_travel_times(bad)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        (
            "a.csv",
            "origin,destination,minutes\n38001,38002,ten\n",
            r"line 2, column 'minutes'.*'ten'",
        ),
        ("b.csv", "origin,destination,minutes\n38001,38002,-1\n", r"line 2, column 'minutes'.*≥ 0"),
        ("c.csv", "origin,destination\n38001,38002\n", "lacks column"),
        ("d.csv", "commune_patient;commune_et;KM;HC\n01001;01002;1;x\n", r"line 2, column 'HC'"),
        ("e.csv", "id,38001\n38001,abc\n", r"line 2, column '38001'.*'abc'"),
        ("f.csv", "origin,destination,minutes\n38001,,3\n", "missing commune code"),
        ("g.csv", "origin,destination,minutes\n", "no data rows"),
    ],
)
def test_read_travel_times_malformed(tmp_path, name, text, match):
    with pytest.raises(DataFormatError, match=match):
        apl.io.read_travel_times(write(tmp_path, name, text))


def test_missing_file():
    with pytest.raises(DataFormatError, match="no such file"):
        apl.io.read_travel_times("does/not/exist.csv")


# --- DREES workbook -----------------------------------------------------------------


def test_read_drees_sample_workbook():
    table = apl.io.read_drees_apl(SAMPLE / "drees_apl_mg_isere.xlsx")
    assert table.groupby("year").size().to_dict() == {2022: 512, 2023: 512}
    assert list(table.columns) == [
        "commune",
        "year",
        "libelle",
        "apl",
        "apl_65",
        "standardised_population",
        "population",
    ]
    # the workbook and the tidy extract shipped beside it agree exactly
    tidy = pd.read_csv(SAMPLE / "isere_drees_apl.csv", dtype={"code_commune": str})
    merged = table.merge(tidy, left_on=["commune", "year"], right_on=["code_commune", "year"])
    assert len(merged) == 1024
    np.testing.assert_array_equal(merged["apl_x"], merged["apl_y"])
    np.testing.assert_array_equal(
        merged["standardised_population_x"], merged["standardised_population_y"]
    )
    assert apl.io.read_drees_apl(SAMPLE / "drees_apl_mg_isere.xlsx", years=[2023])[
        "year"
    ].unique().tolist() == [2023]


def _workbook(tmp_path, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "APL 2023"
    for row in rows:
        sheet.append(row)
    path = tmp_path / "w.xlsx"
    book.save(path)
    return path


HEADER = [
    "Code commune INSEE",
    "Commune",
    "APL aux médecins généralistes",
    "APL aux médecins généralistes de moins de 65 ans",
    "Population standardisée 2021 pour la médecine générale",
    "Population totale 2021",
]


def test_read_drees_malformed(tmp_path):
    title = [["Indicateur"], [None]]
    with pytest.raises(DataFormatError, match="no header row"):
        apl.io.read_drees_apl(_workbook(tmp_path, title))
    with pytest.raises(DataFormatError, match=r"line 4, column 'apl'.*'n/a'"):
        apl.io.read_drees_apl(
            _workbook(tmp_path, [*title, HEADER, ["01001", "X", "n/a", "1", "2", "3"]])
        )
    with pytest.raises(DataFormatError, match="missing column"):
        apl.io.read_drees_apl(_workbook(tmp_path, [*title, HEADER[:3]]))
    with pytest.raises(DataFormatError, match="'1001' is not a 5-character"):
        apl.io.read_drees_apl(
            _workbook(tmp_path, [*title, HEADER, ["1001", "X", "1", "1", "2", "3"]])
        )
    text = tmp_path / "x.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(DataFormatError, match=r"not a readable \.xlsx"):
        apl.io.read_drees_apl(text)


# --- commune codes ------------------------------------------------------------------


def test_normalize_commune_codes():
    codes = pd.Series([1001, "1002", 38185.0, "2a004", "75056"], name="commune")
    assert apl.io.normalize_commune_codes(codes).tolist() == [
        "01001",
        "01002",
        "38185",
        "2A004",
        "75056",
    ]
    with pytest.raises(CommuneCodeError):
        apl.io.normalize_commune_codes(pd.Series([1001.5]))


def test_harmonize_communes():
    # 01002 and 01003 merged into 01001 (commune nouvelle); 99999 is in no COG
    table = pd.DataFrame(
        {
            "commune": ["01001", "01002", "01003", "99999", "01002"],
            "age": [0, 0, 0, 0, 5],
            "population": [1.0, 2.0, 3.0, 4.0, 10.0],
        }
    )
    out = apl.io.harmonize_communes(
        table, {"01002": "01001", "01003": "01001"}, valid_codes={"01001"}
    )
    assert out.set_index(["commune", "age"])["population"].to_dict() == {
        ("01001", 0): 6.0,
        ("99999", 0): 4.0,
        ("01001", 5): 10.0,
    }
    assert out.attrs["recoded"] == 3
    assert out.attrs["unmapped"] == ["99999"]
    frame_mapping = pd.DataFrame({"old": ["01002"], "new": ["01001"]})
    supply = pd.DataFrame({"commune": ["01001", "01002"], "acts": [5.0, 7.0]})
    assert apl.io.harmonize_communes(supply, frame_mapping)["acts"].tolist() == [12.0]


def test_read_gp_activity_on_the_sample_supply_file():
    # the sample's (estimated) supply is one row per commune: read it through a column mapping
    table = apl.io.read_gp_activity(
        SAMPLE / "isere_gp_supply_estimated.csv",
        columns={"code_commune": "commune", "annual_acts": "acts"},
    )
    assert len(table) == 512 and table["acts"].sum() == 5_154_188
    # centres de santé keep their actual activity: retained acts equal the file's
    retained = apl.retained_activity(table.assign(structure="centre_de_sante"))
    assert retained.sum() == 5_154_188


def test_read_zoning_on_the_published_extract():
    path = (
        Path(__file__).resolve().parents[1] / "data" / "reference" / "zonage_medecins_2025.csv.gz"
    )
    table = apl.io.read_zoning(path)
    assert len(table) == 34_868
    assert table["zone"].value_counts().to_dict() == {
        "ZAC": 16_693,
        "ZIP": 13_600,
        "HZ": 3_050,
        "ZAR": 1_501,
        "ND": 24,
    }
    assert table.loc[table["commune"] == "01001", "zone"].item() == "ZAC"
