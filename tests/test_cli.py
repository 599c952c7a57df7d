import subprocess
import sys

import pandas as pd
import pytest

from apl.cli import main


def test_sample_prints_summary(capsys, tmp_path):
    out = tmp_path / "isere.csv"
    assert main(["sample", "-q", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "communes: 512" in text
    assert "mean APL (weighted by standardised population): 4.08" in text
    assert "below 1: 6,795 inhabitants (0.5%) in 29 communes" in text
    assert "below 2.5: 169,602 inhabitants (13.2%) in 195 communes" in text
    result = pd.read_csv(out, dtype={"commune": str})
    assert len(result) == 512 and result["commune"].str.len().eq(5).all()


def test_compute_from_files(tmp_path, capsys):
    (tmp_path / "pop.csv").write_text(
        "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;A;1;30;1000\nCOM;01002;B;2;30;500\n"
    )
    (tmp_path / "gp.csv").write_text(
        "practitioner_id,commune,acts,age\nX,01001,4000,50\nY,01001,5000,70\n"
    )
    (tmp_path / "tt.csv").write_text("origin,destination,minutes\n01002,01001,12\n")
    out = tmp_path / "apl.parquet"
    args = [
        "compute",
        "--population",
        str(tmp_path / "pop.csv"),
        "--supply",
        str(tmp_path / "gp.csv"),
        "--travel-times",
        str(tmp_path / "tt.csv"),
        "--out",
        str(out),
        "--max-age",
        "65",
        "-q",
    ]
    assert main(args) == 0
    result = pd.read_parquet(out)
    # P (ages 30–34, weight 0.82): 820 and 410; supply ≤65: 4000 acts at 01001
    # D = 820 + 2/3*410 = 1093.33; R = 4000/1093.33 = 3.6585; APL = (3.6585, 2/3*3.6585)
    r = 4000 / (820 + 2 / 3 * 410)
    assert result["apl"].tolist() == pytest.approx([r, 2 / 3 * r])


def test_error_is_one_line_without_traceback(tmp_path, capsys):
    (tmp_path / "tt.csv").write_text("origin,destination,minutes\n01002,01001,-12\n")
    (tmp_path / "pop.csv").write_text("commune,population\n01001,10\n")
    code = main(
        [
            "compute",
            "--population",
            str(tmp_path / "pop.csv"),
            "--supply",
            str(tmp_path / "pop.csv"),
            "--travel-times",
            str(tmp_path / "tt.csv"),
            "--out",
            str(tmp_path / "o.csv"),
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert "apl: error:" in err


def test_python_dash_m():
    done = subprocess.run(
        [sys.executable, "-m", "apl", "--help"], capture_output=True, text=True, check=True
    )
    assert "sample" in done.stdout and "compute" in done.stdout
