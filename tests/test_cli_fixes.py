"""Command-line fixes: input options never silently ignored (report, zoning-uncertainty),
no output file from a failed run, ``apl compute POP SUPPLY TIMES`` positionals and an
optional --out, ``--decimal``, and ``apl routes --points`` read as any apl table.

The hand-worked problem (tests/bad_input.py): population 01001 = 1000, 01002 = 500; 4000
acts at 01001; 01002 → 01001 in 12 minutes (weight 2/3): APL 3 and 2."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bad_input import EXPECTED_APL, problem_files, write

from apl.cli import main, write_outputs


def apl_of(path):
    return pd.read_csv(path, dtype={"commune": str}).set_index("commune")["apl"].to_dict()


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- 1. report / zoning-uncertainty: input options are used or refused, never ignored ---


@pytest.mark.parametrize("command", ["report", "zoning-uncertainty"])
@pytest.mark.parametrize(
    "given, message",
    [
        (["--supply", "S"], "--supply needs --population and --travel-times"),
        (
            ["--population", "P", "--travel-times", "T"],
            "--population and --travel-times need --supply",
        ),
        (["--max-age", "65"], "--max-age needs --population, --supply and --travel-times"),
        (["--supply-kind", "gps"], "--supply-kind needs --population"),
        (["--decimal", ","], "--decimal needs --population"),
    ],
)
def test_input_options_without_population_are_refused(tmp_path, capsys, command, given, message):
    pop, sup, tt = problem_files(tmp_path)
    names = {"P": str(pop), "S": str(sup), "T": str(tt)}
    out = tmp_path / ("r.html" if command == "report" else "z.csv")
    before = files_in(tmp_path)
    code = main([command, "--out", str(out), "-q", *[names.get(a, a) for a in given]])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Isère sample" in err
    assert files_in(tmp_path) == before  # nothing written


def test_report_geometries_alone_and_missing_geometries_file(tmp_path, capsys):
    pop, sup, tt = problem_files(tmp_path)
    out = tmp_path / "r.html"
    assert (
        main(["report", "--out", str(out), "-q", "--geometries", str(tmp_path / "g.geojson")]) == 2
    )
    assert "--geometries needs --population" in capsys.readouterr().err
    code = main(["report", "--out", str(out), "-q", "--population", str(pop), "--supply", str(sup),
                 "--travel-times", str(tt), "--geometries", str(tmp_path / "nowhere.geojson")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"--geometries {tmp_path / 'nowhere.geojson'}: no such file" in err
    assert not out.exists()


def test_missing_input_file_fails_before_computing(tmp_path, capsys):
    pop, _, tt = problem_files(tmp_path)
    out = tmp_path / "z.csv"
    code = main(["zoning-uncertainty", "--out", str(out), "-q", "--population", str(pop), "--supply",
                 str(tmp_path / "none.csv"), "--travel-times", str(tt)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--supply" in err and "no such file" in err and not out.exists()


def test_report_uses_the_files_given(tmp_path):
    pop, sup, tt = problem_files(tmp_path)
    out = tmp_path / "r.html"
    assert main(["report", "--out", str(out), "-q", "--population", str(pop), "--supply", str(sup),
                 "--travel-times", str(tt)])  == 0  # fmt: skip
    text = out.read_text(encoding="utf-8")
    found = re.search(r"<script type='application/json' id='apl-data'>(.*?)</script>", text, re.S)
    assert found is not None
    data = json.loads(found.group(1).replace("<\\/", "</"))
    # the two communes of the files (APL 3 and 2), not the 512 of the Isère sample
    assert data["code"] == ["01001", "01002"] and data["values"]["apl"] == pytest.approx([3.0, 2.0])


# --- 2. a failed run writes no output file ----------------------------------------------


def test_zoning_uncertainty_map_with_files_writes_nothing(tmp_path, capsys):
    pop, sup, tt = problem_files(tmp_path)
    out = tmp_path / "zu3.csv"
    before = files_in(tmp_path)
    code = main(["zoning-uncertainty", "--population", str(pop), "--supply", str(sup), "--travel-times",
                 str(tt), "--out", str(out), "--map", str(tmp_path / "m.png"), "--draws", "5", "-q"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--map needs polygons" in err
    assert files_in(tmp_path) == before


def test_zoning_uncertainty_bad_map_extension_writes_nothing(tmp_path, capsys):
    out = tmp_path / "zu.csv"
    code = main(["zoning-uncertainty", "--out", str(out), "--map", str(tmp_path / "m.txt"), "--draws", "2", "-q"])  # fmt: skip
    assert code == 2 and "unknown image extension" in capsys.readouterr().err
    assert files_in(tmp_path) == set()


def test_write_outputs_all_or_none(tmp_path):
    def fail(_tmp):
        raise OSError("disk full")

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    with pytest.raises(OSError, match="disk full"):
        write_outputs([(first, lambda tmp: Path(tmp).write_text("x")), (second, fail)])
    assert files_in(tmp_path) == set()  # neither output, no temporary file left
    write_outputs([(first, lambda tmp: Path(tmp).write_text("x")), (second, lambda tmp: Path(tmp).write_text("y"))])  # fmt: skip
    assert (
        first.read_text() == "x"
        and second.read_text() == "y"
        and files_in(tmp_path) == {"a.csv", "b.csv"}
    )


# --- 3. apl compute POPULATION SUPPLY TRAVEL_TIMES; --out optional -----------------------


def test_compute_positionals(tmp_path):
    pop, sup, tt = problem_files(tmp_path)
    out = tmp_path / "apl.csv"
    assert main(["compute", str(pop), str(sup), str(tt), "--out", str(out), "-q"]) == 0
    assert apl_of(out) == pytest.approx(EXPECTED_APL, rel=1e-15)
    # options between the files (argparse would stop the list at --out)
    out2 = tmp_path / "apl2.csv"
    assert main(["compute", str(pop), "--out", str(out2), str(sup), str(tt), "-q"]) == 0
    assert apl_of(out2) == pytest.approx(EXPECTED_APL, rel=1e-15)
    # the flags still work, and may complete positionals
    out3 = tmp_path / "apl3.csv"
    assert (
        main(["compute", str(pop), str(sup), "--travel-times", str(tt), "--out", str(out3), "-q"])
        == 0
    )
    assert apl_of(out3) == pytest.approx(EXPECTED_APL, rel=1e-15)


def test_compute_without_out_prints_and_writes_nothing(tmp_path, capsys):
    pop, sup, tt = problem_files(tmp_path)
    before = files_in(tmp_path)
    assert main(["compute", str(pop), str(sup), str(tt), "-q"]) == 0
    text = capsys.readouterr().out
    assert "nothing written" in text and "communes: 2" in text
    # the first rows (columns apl, population): 01001 → 3, 01002 → 2 (hand-worked)
    lines = text.splitlines()
    header = lines[lines.index("first 2 of 2 communes:") + 1].split()
    rows = {line.split()[0]: dict(zip(header, map(float, line.split()[1:]), strict=True))
            for line in lines if line[:5] in ("01001", "01002")}  # fmt: skip
    assert {c: row["apl"] for c, row in rows.items()} == pytest.approx(EXPECTED_APL, rel=1e-12)
    assert files_in(tmp_path) == before


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--population", "P"], "population file is given twice"),
        (["--travel-times", "T"], "travel times file is given twice"),
    ],
)
def test_compute_same_input_twice_is_an_error(tmp_path, capsys, extra, message):
    pop, sup, tt = problem_files(tmp_path)
    names = {"P": str(pop), "T": str(tt)}
    out = tmp_path / "o.csv"
    code = main(["compute", str(pop), str(sup), str(tt), "--out", str(out), "-q", *[names.get(a, a) for a in extra]])  # fmt: skip
    assert code == 2 and message in capsys.readouterr().err and not out.exists()


def test_compute_missing_or_extra_files(tmp_path, capsys):
    pop, sup, tt = problem_files(tmp_path)
    assert main(["compute", str(pop), str(sup), "-q"]) == 2
    assert "missing: --travel-times" in capsys.readouterr().err
    assert main(["compute", "-q"]) == 2
    assert "missing: --population, --supply, --travel-times" in capsys.readouterr().err
    assert main(["compute", str(pop), str(sup), str(tt), str(tt), "-q"]) == 2
    assert "takes three files" in capsys.readouterr().err
    assert main(["compute", str(pop), str(sup), str(tmp_path / "none.parquet"), "-q"]) == 2
    assert "--travel-times" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # an unknown option stays a usage error
        main(["compute", str(pop), str(sup), str(tt), "--nope"])
    assert exc.value.code == 2 and "unrecognized arguments: --nope" in capsys.readouterr().err


# --- 4. --decimal ---------------------------------------------------------------------


def french_files(tmp_path):
    """Population 1.000 and time 12,000 in ';' files: each a decimal or a thousands mark."""
    return problem_files(
        tmp_path,
        population="commune;population\n01001;1.000\n01002;500\n",
        times="origin;destination;minutes\n01002;01001;12,000\n",
    )


def test_ambiguous_number_error_names_the_cli_option(tmp_path, capsys):
    pop, sup, tt = french_files(tmp_path)
    out = tmp_path / "o.csv"
    assert main(["compute", str(pop), str(sup), str(tt), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert (
        "pass --decimal . (decimal point) or --decimal , (decimal comma)" in err
        and "decimal='" not in err
        and not out.exists()
    )


def test_decimal_option(tmp_path):
    pop, sup, tt = french_files(tmp_path)
    out = tmp_path / "o.csv"
    # decimal comma: 1.000 is one thousand, 12,000 is 12 minutes → the hand-worked 3 and 2
    assert (
        main(["compute", str(pop), str(sup), str(tt), "--out", str(out), "--decimal", ",", "-q"])
        == 0
    )
    assert apl_of(out) == pytest.approx(EXPECTED_APL, rel=1e-15)
    # decimal point: population 1.0 and 12000 minutes (beyond 30 minutes, weight 0)
    # D(01001) = 1; R = 4000; APL(01001) = 4000, APL(01002) = 0
    code = main(["compute", str(pop), str(sup), str(tt), "--out", str(out), "--decimal", ".", "-q"])
    assert code == 0
    assert apl_of(out) == pytest.approx({"01001": 4000.0, "01002": 0.0}, rel=1e-15)


def test_decimal_option_in_zoning_uncertainty(tmp_path):
    pop, sup, tt = french_files(tmp_path)
    out = tmp_path / "z.csv"
    code = main(["zoning-uncertainty", "--population", str(pop), "--supply", str(sup), "--travel-times", str(tt),
                 "--out", str(out), "--decimal", ",", "--draws", "3", "--time-noise", "0",
                 "--activity-noise", "0", "-q"])  # fmt: skip
    assert code == 0 and apl_of(out) == pytest.approx(EXPECTED_APL, rel=1e-12)


# --- 5. apl routes --points: any apl table, decimal commas ------------------------------


def test_read_points_french_file(tmp_path):
    from apl.routing.cli import read_points

    path = write(tmp_path, "p.csv", "id;lon;lat\np1;7,4254;43,7431\np2;7,4058;43,7221\n", "cp1252")
    table = read_points(path)
    assert table["id"].tolist() == ["p1", "p2"]
    assert table["lon"].tolist() == [7.4254, 7.4058] and table["lat"].tolist() == [43.7431, 43.7221]
    assert table.index.tolist() == [2, 3]  # file lines, for later error messages
    # three decimals: 7,425 cannot be seven thousand degrees
    three = write(tmp_path, "q.csv", "commune;lon;lat\n98000;7,425;43,743\n")
    assert read_points(three)[["lon", "lat"]].to_numpy().tolist() == [[7.425, 43.743]]


def test_read_points_errors_name_the_file(tmp_path):
    from apl.errors import DataFormatError, MissingColumnError
    from apl.routing.cli import read_points

    with pytest.raises(DataFormatError, match=r"lacks column\(s\) \['lat'\]"):
        read_points(write(tmp_path, "a.csv", "id;lon;y\np1;7,4;43,7\n"))
    with pytest.raises(MissingColumnError, match=r"c.csv: no id column \('commune' or 'id'\)"):
        read_points(write(tmp_path, "c.csv", "name;lon;lat\np1;7,4;43,7\n"))
    with pytest.raises(DataFormatError, match="line 3, column 'lat'"):
        read_points(write(tmp_path, "b.csv", "id;lon;lat\np1;7,4;43,7\np2;7,4;north\n"))


def test_routes_with_french_points_file(tmp_path):
    pytest.importorskip("osmium")
    from apl.routing import example_extract

    points = [("bs", 7.42538, 43.743099), ("cda", 7.405839, 43.72208)]
    english = tmp_path / "en.csv"
    pd.DataFrame(points, columns=["id", "lon", "lat"]).to_csv(english, index=False)
    french = write(tmp_path, "fr.csv", "id;lon;lat\n" + "".join(
        f"{i};{str(lon).replace('.', ',')};{str(lat).replace('.', ',')}\n" for i, lon, lat in points))  # fmt: skip
    for src, out in ((english, "en.parquet"), (french, "fr.parquet")):
        assert main(["routes", str(example_extract()), "--points", str(src), "--out", str(tmp_path / out), "-q"]) == 0  # fmt: skip
    en, fr = (pd.read_parquet(tmp_path / n) for n in ("en.parquet", "fr.parquet"))
    assert len(fr) == 4 and fr.equals(en)


def test_write_outputs_mode_follows_umask(tmp_path):
    """Atomic writes go through a private temporary file; the result gets the mode a plain
    open() would give (0666 less the umask), not 0600."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "apl.csv"
        write_outputs([(out, lambda tmp: Path(tmp).write_text("x"))])
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o644
