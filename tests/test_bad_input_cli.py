"""Family: command-line calls. Supply kind from the columns (never guessed from repeated
codes), outputs by extension (.csv full precision, .parquet, .xlsx; others refused), no
output file on any error, one clear message and a non-zero status, never a traceback."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from bad_input import EXPECTED_APL, compute_cli, problem_files

from apl.cli import main


def run(tmp_path, *extra, supply=None, population=None, times=None, out="apl.csv"):
    pop, sup, tt = problem_files(tmp_path, supply=supply, population=population, times=times)
    path = tmp_path / out
    code = compute_cli(pop, sup, tt, path, *extra)
    return code, path


def apl_of(path):
    return pd.read_csv(path, dtype={"commune": str}).set_index("commune")["apl"].to_dict()


# --- supply kind ---------------------------------------------------------------------


def test_per_commune_supply_read_as_totals(tmp_path):
    code, out = run(tmp_path)
    assert code == 0 and apl_of(out) == pytest.approx(EXPECTED_APL, rel=1e-15)


def test_per_commune_supply_with_repeated_code_is_an_error_not_a_guess(tmp_path, capsys):
    # used to be read as per-GP rows (caps applied): a plausible, wrong APL
    code, out = run(tmp_path, supply="commune,acts\n01001,2000\n01001,2000\n")
    err = capsys.readouterr().err
    assert (
        code == 2
        and "commune(s) ['01001'] appear on several rows" in err
        and "--supply-kind gps" in err
    )
    assert not out.exists()


def test_repeated_code_as_gps_when_said(tmp_path):
    # two GPs of 2000 acts, each retained at the 3,600 floor: 7200 acts; D = 4000/3
    # R = 7200 / (4000/3) = 5.4; APL 5.4 and 2/3 × 5.4 = 3.6 (as totals it would be 3 and 2)
    code, out = run(
        tmp_path, "--supply-kind", "gps", supply="commune,acts\n01001,2000\n01001,2000\n"
    )
    assert code == 0 and apl_of(out) == pytest.approx({"01001": 5.4, "01002": 3.6}, rel=1e-15)


def test_gp_columns_mean_gps(tmp_path):
    supply = "practitioner_id,commune,acts,age\nA,01001,2000,50\nB,01001,2000,70\n"
    code, out = run(tmp_path, "--max-age", "65", supply=supply)
    # only A (≤ 65) counts, retained at the 3,600 floor: R = 3600 / (4000/3) = 2.7; APL 2.7 and 1.8
    assert code == 0 and apl_of(out) == pytest.approx({"01001": 2.7, "01002": 1.8}, rel=1e-15)


def test_kind_contradicting_columns(tmp_path, capsys):
    supply = "practitioner_id,commune,acts\nA,01001,4000\n"
    code, _ = run(tmp_path, "--supply-kind", "communes", supply=supply)
    assert code == 2 and "per-practitioner column(s) ['practitioner_id']" in capsys.readouterr().err


def test_max_age_needs_gps(tmp_path, capsys):
    code, _ = run(tmp_path, "--max-age", "65")
    assert code == 2 and "--max-age needs one row per practitioner" in capsys.readouterr().err


# --- outputs -------------------------------------------------------------------------


def test_csv_round_trip_is_exact(tmp_path):
    code, out = run(
        tmp_path,
        times="origin,destination,minutes\n01002,01001,12\n01001,01002,17\n",
        population="commune,population\n01001,1000.3\n01002,499.9\n",
    )
    assert code == 0
    import apl

    exact = apl.compute_apl(
        pd.DataFrame({"commune": ["01001", "01002"], "population": [1000.3, 499.9]}),
        pd.DataFrame({"commune": ["01001"], "acts": [4000.0]}),
        pd.DataFrame(
            {
                "origin": ["01002", "01001"],
                "destination": ["01001", "01002"],
                "minutes": [12.0, 17.0],
            }
        ),
    )
    back = pd.read_csv(out, dtype={"commune": str}).set_index("commune")
    assert np.array_equal(back["apl"].to_numpy(), exact["apl"].to_numpy())  # bit for bit
    assert not float(back["apl"].iloc[0]).is_integer()


def test_parquet_output(tmp_path):
    code, out = run(tmp_path, out="apl.parquet")
    assert code == 0 and pd.read_parquet(out)["apl"].to_dict() == pytest.approx(EXPECTED_APL)


def test_xlsx_output_is_a_real_workbook(tmp_path):
    code, out = run(tmp_path, out="apl.xlsx")
    assert code == 0 and out.read_bytes()[:4] == b"PK\x03\x04"
    table = pd.read_excel(out, dtype={"commune": str}).set_index("commune")
    assert table["apl"].to_dict() == pytest.approx(EXPECTED_APL)


@pytest.mark.parametrize("name", ["apl.txt", "apl", "apl.xls", "apl.json"])
def test_unknown_extension_refused_before_computing(tmp_path, capsys, name):
    code, out = run(tmp_path, out=name)
    assert code == 2 and "unknown extension" in capsys.readouterr().err
    assert not out.exists()


def test_missing_output_folder(tmp_path, capsys):
    code, _ = run(tmp_path, out="nowhere/apl.csv")
    assert code == 2 and "does not exist" in capsys.readouterr().err


def test_failed_run_leaves_no_file_and_keeps_an_old_one(tmp_path):
    out = tmp_path / "apl.csv"
    out.write_text("previous result\n")
    code, _ = run(tmp_path, times="origin,destination,minutes\n01002,01001,-1\n")
    assert code == 2 and out.read_text() == "previous result\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".apl.csv")] == []


def test_sample_out_unknown_extension(tmp_path, capsys):
    assert main(["sample", "-q", "--out", str(tmp_path / "x.docx")]) == 2
    assert "unknown extension '.docx'" in capsys.readouterr().err


# --- messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"times": "idori,iddes,duree\n01002,01001,12\n"}, "cannot tell the travel-time layout"),
        ({"times": "origin,destination,minutes\n01002,01001,douze\n"}, "line 2, column 'minutes'"),
        ({"population": "commune,population\n1001,1000\n"}, "has 4 digits"),
        ({"supply": "commune,acts\n01001,-4000\n"}, "expected a number ≥ 0"),
        ({"population": "\n"}, "empty"),
    ],
)
def test_bad_input_one_line_no_traceback(tmp_path, capsys, kwargs, fragment):
    code, out = run(tmp_path, **kwargs)
    err = capsys.readouterr().err
    assert code == 2 and "apl: error:" in err and fragment in err and "Traceback" not in err
    assert not out.exists()


def test_missing_input_file(tmp_path, capsys):
    missing = tmp_path / "no.csv"
    code = compute_cli(missing, missing, missing, tmp_path / "o.csv")
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_warning_is_printed_not_raised(tmp_path, capsys):
    code, _ = run(tmp_path, times="origin,destination,minutes\n01002,01001,720\n01001,01002,800\n")
    assert code == 0 and "apl: warning:" in capsys.readouterr().err


def test_unexpected_failure_is_one_line(tmp_path, capsys, monkeypatch):
    import apl.cli

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(apl.cli, "compute_apl", boom)
    code, _ = run(tmp_path)
    err = capsys.readouterr().err
    assert (
        code == 1
        and "unexpected RuntimeError: kaboom" in err
        and "APL_DEBUG=1" in err
        and "Traceback" not in err
    )


def test_version_and_python_dash_m():
    for cmd in ([sys.executable, "-m", "apl", "--version"],):
        done = subprocess.run(cmd, capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.startswith("apl 0.")


def test_bad_geometry_join_fails_the_report(tmp_path, capsys):
    import apl

    sample = apl.datasets.load_isere()
    geoms = sample.geometries()
    geoms["commune"] = "X" + geoms["commune"]
    bad = tmp_path / "g.geojson"
    geoms.to_file(bad, driver="GeoJSON")
    pop, sup, tt = problem_files(tmp_path)
    out = tmp_path / "r.html"
    code = main(
        [
            "report",
            "--population",
            str(pop),
            "--supply",
            str(sup),
            "--travel-times",
            str(tt),
            "--geometries",
            str(bad),
            "--out",
            str(out),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    # write_report checks the join (a map of codes joining no polygon would be all grey)
    assert code == 2 and "apl: error: geometries: none of the" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--decay-bounds", "10,abc", "--decay-weights", "1,0.5,0"],
            "--decay-bounds takes numbers",
        ),
        (
            ["--decay-bounds", "10,15", "--decay-weights", "1;0.5;0"],
            "--decay-weights takes numbers",
        ),
        (["--map", "isere.xyz"], "unknown image extension '.xyz'"),
    ],
)
def test_sample_bad_options(tmp_path, capsys, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    assert main(["sample", "-q", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_report_bad_thresholds(tmp_path, capsys):
    assert (
        main(["report", "-q", "--out", str(tmp_path / "r.html"), "--thresholds", "2.5,quatre"]) == 2
    )
    assert "--thresholds takes numbers" in capsys.readouterr().err


def test_activity_of_several_years_keeps_the_edition_year(tmp_path):
    supply = "practitioner_id,year,commune,acts\nA,2022,01001,9000\nA,2023,01001,4000\n"
    code, out = run(tmp_path, supply=supply)
    # 2023 only: 4000 acts (between the 3,600 floor and the 6,000 ceiling) → the hand-worked APL
    assert code == 0 and apl_of(out) == pytest.approx(EXPECTED_APL, rel=1e-15)


def test_activity_without_the_edition_year(tmp_path, capsys):
    code, _ = run(
        tmp_path, "--year", "2022", supply="practitioner_id,year,commune,acts\nA,2023,01001,4000\n"
    )
    assert code == 2 and "no row for year 2022; years found [2023]" in capsys.readouterr().err
