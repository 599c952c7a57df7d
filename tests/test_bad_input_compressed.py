"""Family: compressed and spreadsheet inputs. gzip (by content, whatever the name), a zip
holding one file, .xlsx: read to the same numbers; an ambiguous archive or workbook is an
error."""

import gzip
import zipfile

import pandas as pd
import pytest

import apl
from apl.errors import DataFormatError

TEXT = "origin;destination;minutes\n01002;01001;12,5\n01001;01002;3\n"


def expected():
    return [("01002", "01001", 12.5), ("01001", "01002", 3.0)]


def rows(times):
    return list(times[["origin", "destination", "minutes"]].itertuples(index=False, name=None))


@pytest.mark.parametrize("name", ["tt.csv.gz", "tt.csv"])
def test_gzip_by_content(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(TEXT.encode("latin-1")))
    assert rows(apl.io.read_travel_times(path)) == expected()


def test_damaged_gzip(tmp_path):
    path = tmp_path / "tt.csv.gz"
    path.write_bytes(gzip.compress(TEXT.encode())[:30])
    with pytest.raises(DataFormatError, match="damaged gzip"):
        apl.io.read_travel_times(path)


def test_zip_with_one_file(tmp_path):
    path = tmp_path / "tt.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export/tt.csv", TEXT)
        archive.writestr("__MACOSX/._tt.csv", "junk")
    assert rows(apl.io.read_travel_times(path)) == expected()


def test_zip_with_several_files(tmp_path):
    path = tmp_path / "tt.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", TEXT)
        archive.writestr("b.csv", TEXT)
    with pytest.raises(
        DataFormatError, match=r"exactly one data file, found 2: \['a.csv', 'b.csv'\]"
    ):
        apl.io.read_travel_times(path)


def test_xlsx_travel_times_and_codes_as_text(tmp_path):
    path = tmp_path / "tt.xlsx"
    pd.DataFrame(
        {"origin": ["01002", "01001"], "destination": ["01001", "01002"], "minutes": [12.5, 3]}
    ).to_excel(path, index=False)
    assert rows(apl.io.read_travel_times(path)) == expected()


def test_xlsx_codes_stored_as_numbers(tmp_path):
    path = tmp_path / "gp.xlsx"
    pd.DataFrame({"commune": [1001, 38185], "acts": [10.5, 3]}).to_excel(path, index=False)
    with pytest.raises(
        DataFormatError, match=r"line 2, column 'commune': code '1001' has 4 digits"
    ):
        apl.io.read_gp_activity(path)
    assert apl.io.read_gp_activity(path, pad_codes=True)["commune"].tolist() == ["01001", "38185"]


def test_xlsx_keeps_the_stored_precision(tmp_path):
    # openpyxl stores 16 significant digits, read back as stored (never rounded further)
    path = tmp_path / "gp.xlsx"
    values = [1 / 3, 4000 / 3]
    pd.DataFrame({"commune": ["38185", "38186"], "acts": values}).to_excel(path, index=False)
    acts = apl.io.read_gp_activity(path)["acts"].tolist()
    assert acts[0] == values[0] and acts[1] == pytest.approx(values[1], rel=1e-15, abs=0)


def test_xlsx_several_sheets_needs_sheet(tmp_path):
    path = tmp_path / "pop.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"commune": ["38185"], "acts": [1]}).to_excel(
            writer, sheet_name="2022", index=False
        )
        pd.DataFrame({"commune": ["38185"], "acts": [2]}).to_excel(
            writer, sheet_name="2023", index=False
        )
    with pytest.raises(
        DataFormatError, match=r"2 non-empty sheets \['2022', '2023'\]; pass sheet="
    ):
        apl.io.read_gp_activity(path)
    assert apl.io.read_gp_activity(path, sheet="2023")["acts"].tolist() == [2.0]


def test_not_really_xlsx(tmp_path):
    path = tmp_path / "tt.xlsx"
    path.write_text(TEXT)
    with pytest.raises(DataFormatError, match=r"not a readable \.xlsx workbook"):
        apl.io.read_travel_times(path)


def test_old_xls_refused(tmp_path):
    path = tmp_path / "gp.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(DataFormatError, match=r"old .xls format is not supported"):
        apl.io.read_gp_activity(path)
