"""Family: file structure. Empty file, header only, blank lines, duplicated headers,
ragged rows, missing columns: an error naming the file and line, or the right numbers."""

import pytest
from bad_input import write

import apl
from apl.errors import DataFormatError

LOADERS = {
    "travel_times": apl.io.read_travel_times,
    "population": apl.io.read_population,
    "activity": apl.io.read_gp_activity,
}


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
@pytest.mark.parametrize("text", ["", "\n", "\n\n  \n"])
def test_empty_file(tmp_path, loader, text):
    with pytest.raises(DataFormatError, match="empty"):
        loader(write(tmp_path, "f.csv", text))


@pytest.mark.parametrize(
    ("loader", "header"),
    [
        (apl.io.read_travel_times, "origin,destination,minutes\n"),
        (apl.io.read_population, "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"),
        (apl.io.read_gp_activity, "commune,acts\n"),
    ],
)
@pytest.mark.parametrize("tail", ["", "\n", "\n\n"])
def test_header_only(tmp_path, loader, header, tail):
    with pytest.raises(DataFormatError, match="header but no data rows"):
        loader(write(tmp_path, "f.csv", header + tail))


def test_blank_first_line(tmp_path):
    with pytest.raises(DataFormatError, match="line 1: the first line is blank"):
        apl.io.read_travel_times(
            write(tmp_path, "f.csv", "\norigin,destination,minutes\n01001,01002,3\n"), format="long"
        )


def test_blank_and_whitespace_lines_are_skipped_and_lines_still_counted(tmp_path):
    text = "origin,destination,minutes\n01001,01002,3\n\n   \n01002,01001,x\n"
    with pytest.raises(DataFormatError, match="line 5, column 'minutes'"):
        apl.io.read_travel_times(write(tmp_path, "f.csv", text))
    ok = "origin,destination,minutes\n01001,01002,3\n\n\t\n01002,01001,4\n\n"
    assert apl.io.read_travel_times(write(tmp_path, "g.csv", ok))["minutes"].tolist() == [3.0, 4.0]


def test_crlf_line_endings(tmp_path):
    text = "origin,destination,minutes\r\n01001,01002,3\r\n"
    assert apl.io.read_travel_times(write(tmp_path, "f.csv", text))["minutes"].tolist() == [3.0]


@pytest.mark.parametrize(
    "header", ["origin,destination,minutes,minutes", "commune,acts,acts", "commune, acts,acts "]
)
def test_duplicated_header(tmp_path, header):
    n = header.count(",") + 1
    text = header + "\n" + ",".join(["01001"] * 2 + ["1"] * (n - 2)) + "\n"
    with pytest.raises(DataFormatError, match=r"line 1: column '(minutes|acts)' appears twice"):
        (apl.io.read_travel_times if "origin" in header else apl.io.read_gp_activity)(
            write(tmp_path, "f.csv", text)
        )


def test_short_row_reads_as_empty_cell(tmp_path):
    with pytest.raises(
        DataFormatError,
        match="line 3, column 'minutes': expected a finite number, found an empty cell",
    ):
        apl.io.read_travel_times(
            write(tmp_path, "f.csv", "origin,destination,minutes\n01001,01002,3\n01002,01001\n")
        )


def test_long_row_is_an_error(tmp_path):
    with pytest.raises(DataFormatError, match="line 3 has 4 fields, the header 3"):
        apl.io.read_travel_times(
            write(tmp_path, "f.csv", "origin,destination,minutes\n01001,01002,3\n01002,01001,4,9\n")
        )


def test_missing_column_lists_expected_and_found(tmp_path):
    with pytest.raises(
        DataFormatError, match=r"lacks column\(s\) \['acts'\].*found \['commune', 'actes'\]"
    ):
        apl.io.read_gp_activity(write(tmp_path, "f.csv", "commune,actes\n01001,3\n"))


def test_case_of_column_names_is_pointed_out(tmp_path):
    with pytest.raises(DataFormatError, match=r"case-sensitive: found \['Acts'\]"):
        apl.io.read_gp_activity(write(tmp_path, "f.csv", "commune,Acts\n01001,3\n"))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataFormatError, match="no such file"):
        apl.io.read_travel_times(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="is a folder"):
        apl.io.read_gp_activity(tmp_path)


def test_duplicate_practitioner(tmp_path):
    text = "practitioner_id,commune,acts\nA,38185,100\nB,38185,100\nA,38185,50\n"
    with pytest.raises(DataFormatError, match=r"'A' appears on lines \[2, 4\]"):
        apl.io.read_gp_activity(write(tmp_path, "f.csv", text))


def test_duplicate_population_row(tmp_path):
    text = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\nCOM;01001;A;1;30;10\nCOM;01001;A;1;30;10\n"
    with pytest.raises(
        DataFormatError, match="line 3: commune '01001', sex '1', age 30 appears a second time"
    ):
        apl.io.read_population(write(tmp_path, "f.csv", text))


def test_too_long_first_row_is_an_error_not_truncated(tmp_path):
    # pandas alone would keep "01001,01002,3" and drop ",9" with a mere warning
    with pytest.raises(DataFormatError, match="line 2 has 4 fields, the header 3"):
        apl.io.read_travel_times(
            write(tmp_path, "f.csv", "origin,destination,minutes\n01001,01002,3,9\n")
        )


def test_utf16_bom_only_file_is_empty(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("\ufeff".encode("utf-16"))
    with pytest.raises(DataFormatError, match="empty"):
        apl.io.read_gp_activity(path)


def test_matrix_with_too_long_row(tmp_path):
    with pytest.raises(DataFormatError, match="line 2 has 5 fields, the header 3"):
        apl.io.read_travel_times(write(tmp_path, "m.csv", "id,01001,01002\n01001,1.234,5,0,0\n"))
