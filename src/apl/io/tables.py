"""Reading tabular files (delimited text, gzip, zip, xlsx) as text columns, with errors that
name the file, line and column, and a number parser that never misreads French numbers.

Shared by every loader of :mod:`apl.io`; see docs/data-formats.md for what is accepted.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError

PathLike = str | Path

_SEPARATORS = (";", ",", "\t")
_SEP_NAMES = {";": "';'", ",": "','", "\t": "tab"}
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")

# --- opening files ----------------------------------------------------------------------


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """Turn the OS errors of opening or reading `path` into a DataFormatError naming it."""
    try:
        yield
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file.", path=str(path)) from None
    except IsADirectoryError:
        raise DataFormatError(f"{path}: is a folder, expected a file.", path=str(path)) from None
    except OSError as exc:
        raise DataFormatError(
            f"{path}: cannot be read ({exc.strerror or exc}).", path=str(path)
        ) from None


def _read_bytes(path: Path) -> bytes:
    with _opening(path):
        return path.read_bytes()


def decode_text(raw: bytes, path: PathLike) -> str:
    """Bytes → text: UTF-16 (with BOM), UTF-8 (with or without BOM), else cp1252/latin-1.

    UTF-8 is tried first: a latin-1 file with accents is never valid UTF-8, so there is no
    ambiguity in that direction. cp1252 (Windows "ANSI", what French Excel writes) is a
    superset of latin-1 for printable characters; the 5 bytes it leaves undefined fall back
    to latin-1.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise DataFormatError(
                f"{path}: starts with a UTF-16 mark but is not UTF-16 ({exc}).", path=str(path)
            ) from None
    try:
        return raw.decode("utf-8-sig").lstrip("\ufeff")  # a doubled BOM (files concatenated)
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _unzip(raw: bytes, path: Path) -> tuple[bytes, str]:
    """The one data file of a zip archive (its bytes and name)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise DataFormatError(
            f"{path}: not a readable zip archive ({exc}).", path=str(path)
        ) from None
    with archive:
        names = [n for n in archive.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")
                 and not Path(n).name.startswith(".")]  # fmt: skip
        if len(names) != 1:
            msg = (f"{path}: a zip archive must hold exactly one data file, found {len(names)}: {names[:10]}. "
                   "Extract the one you mean and pass it.")  # fmt: skip
            raise DataFormatError(msg, path=str(path))
        return archive.read(names[0]), names[0]


def is_excel(path: PathLike) -> bool:
    """Whether `path` is an Excel workbook (by extension, or a zip holding ``xl/workbook.xml``)."""
    path = Path(path)
    if path.suffix.lower() in _EXCEL_SUFFIXES:
        return True
    if path.suffix.lower() == ".xls":
        return True
    try:
        with path.open("rb") as handle:
            if handle.read(4) != _ZIP_MAGIC:
                return False
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def load_openpyxl():
    """The openpyxl module, or a clear error naming the extra that installs it."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a core dependency today
        raise DataFormatError(
            'reading or writing .xlsx needs openpyxl: pip install "apl-drees[excel]" '
            '(or pip install -e ".[excel]" from the checkout).'
        ) from None
    return openpyxl


def open_workbook(path: Path):
    """The workbook at `path` (read-only, cached values), or a DataFormatError naming the file."""
    openpyxl = load_openpyxl()
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file.", path=str(path)) from None
    except Exception as exc:  # openpyxl raises zipfile/KeyError/… on a non-xlsx file
        raise DataFormatError(f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc}).",
                              path=str(path)) from None  # fmt: skip


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold (full float precision)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            return repr(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def excel_rows(path: PathLike, sheet: str | int | None = None) -> tuple[list[tuple], str]:
    """Rows of one worksheet (values, not formulas) and the sheet's name.

    With `sheet` None the workbook must have a single non-empty sheet: taking "the first"
    of several would silently read the wrong table.
    """
    path = Path(path)
    if path.suffix.lower() == ".xls":
        raise DataFormatError(
            f"{path}: the old .xls format is not supported; save it as .xlsx or CSV.",
            path=str(path),
        )
    book = open_workbook(path)
    try:
        if sheet is None:
            sheets = [
                ws
                for ws in book.worksheets
                if any(
                    any(v is not None for v in r) for r in ws.iter_rows(max_row=5, values_only=True)
                )
            ]
            if len(sheets) > 1:
                msg = (f"{path}: the workbook has {len(sheets)} non-empty sheets {[ws.title for ws in sheets]}; "
                       "pass sheet= (name or 0-based position).")  # fmt: skip
                raise DataFormatError(msg, path=str(path))
            ws = sheets[0] if sheets else book.worksheets[0]
        elif isinstance(sheet, int):
            ws = book.worksheets[sheet]
        else:
            ws = book[sheet]
        return list(ws.iter_rows(values_only=True)), ws.title
    except (KeyError, IndexError):
        raise DataFormatError(
            f"{path}: no sheet {sheet!r}; sheets are {book.sheetnames}.", path=str(path)
        ) from None
    finally:
        book.close()


def read_text(path: PathLike) -> str:
    """The whole file as text, uncompressing gzip (by content, not only by extension) and a
    zip archive holding a single file."""
    path = Path(path)
    raw = _read_bytes(path)
    if raw.startswith(_GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataFormatError(f"{path}: a damaged gzip file ({exc}).", path=str(path)) from None
    elif raw.startswith(_ZIP_MAGIC):
        raw, _ = _unzip(raw, path)
        if raw.startswith(_GZIP_MAGIC):
            raw = gzip.decompress(raw)
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFormatError(f"{path}: a binary file, not delimited text (CSV).", path=str(path))
    return decode_text(raw, path)


def _head_text(path: Path, size: int = 1 << 16) -> str:
    """The first lines of a text file (about `size` bytes, whole lines), as :func:`read_text`
    would decode them: enough for the header and separator, without reading a large file."""
    with _opening(path), path.open("rb") as handle:
        magic = handle.read(4)
    if magic.startswith((_ZIP_MAGIC, b"\xff\xfe", b"\xfe\xff")):
        return read_text(path)
    try:
        opener = gzip.open if magic.startswith(_GZIP_MAGIC) else open
        with opener(path, "rb") as handle:
            raw = handle.read(size)
            more = bool(handle.read(1))
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: a damaged gzip file ({exc}).", path=str(path)) from None
    if more and b"\n" in raw:
        raw = raw[: raw.rindex(b"\n") + 1]  # whole lines only, no cut character
    if b"\x00" in raw[:4096]:
        raise DataFormatError(f"{path}: a binary file, not delimited text (CSV).", path=str(path))
    return decode_text(raw, path)


# --- separators and headers -------------------------------------------------------------


def _fields(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep, quotechar='"'), [])


def detect_separator(header: str, lines: Sequence[str] = ()) -> str:
    """The separator among ';', ',' and tab, from the header and the first data lines.

    A separator qualifies when it splits the header in at least two fields (quotes
    respected) and every sampled data line in the same number of fields; among those, the
    one giving most fields wins. With no qualifying separator, the one most frequent in the
    header (outside quotes) is returned, and the column checks report the problem.
    """
    sample = [line for line in lines if line.strip()][:50]
    best, best_n = None, 1
    for sep in _SEPARATORS:
        n = len(_fields(header, sep))
        if n > best_n and all(len(_fields(line, sep)) == n for line in sample):
            best, best_n = sep, n
    if best is not None:
        return best
    counts = {sep: len(_fields(header, sep)) - 1 for sep in _SEPARATORS}
    top = max(counts, key=lambda s: counts[s])
    return top if counts[top] > 0 else ","


def _clean_header(names: Iterable[object]) -> list[str]:
    out = []
    for name in names:
        text = str(name).replace("\ufeff", "").strip().strip('"').strip()
        out.append(text)
    return out


def _check_header(columns: list[str], path: Path) -> None:
    seen: dict[str, int] = {}
    for k, c in enumerate(columns):
        if c in seen:
            msg = (f"{path}, line 1: column {c!r} appears twice (positions {seen[c] + 1} and {k + 1}); "
                   "a column must be named once — rename or delete one.")  # fmt: skip
            raise DataFormatError(msg, path=str(path), line=1, column=c)
        seen[c] = k


def header_columns(path: PathLike, sep: str | None = None) -> list[str]:
    """Column names of a table file (delimited text, gzip, zip or xlsx), checked for duplicates."""
    path = Path(path)
    if is_excel(path):
        rows, _ = excel_rows(path)
        if not rows:
            raise DataFormatError(
                f"{path}: the workbook is empty; expected a header row.", path=str(path), line=1
            )
        columns = _clean_header("" if v is None else v for v in rows[0])
        while columns and columns[-1] == "":
            columns.pop()
    else:
        text = _head_text(path)
        lines = text.splitlines()
        if not lines or not lines[0].strip():
            raise DataFormatError(
                f"{path}: the file is empty; expected a header line.", path=str(path), line=1
            )
        columns = _clean_header(_fields(lines[0], sep or detect_separator(lines[0], lines[1:20])))
    _check_header(columns, path)
    return columns


# --- tables -----------------------------------------------------------------------------


def _frame_from_rows(rows: list[tuple], path: Path, what: str) -> pd.DataFrame:
    if not rows or all(v is None for v in rows[0]):
        raise DataFormatError(f"{path}: the first row of the sheet is empty; expected the {what} header row.",
                              path=str(path), line=1)  # fmt: skip
    header = _clean_header("" if v is None else v for v in rows[0])
    while header and header[-1] == "":
        header.pop()
    body = [
        [cell_text(v) for v in row[: len(header)]] + [""] * max(0, len(header) - len(row))
        for row in rows[1:]
    ]
    frame = (
        pd.DataFrame(body, columns=header, dtype=object)
        if body
        else pd.DataFrame(columns=header, dtype=object)
    )
    return frame


def read_table(
    path: PathLike,
    required: Sequence[str],
    *,
    what: str,
    sep: str | None = None,
    alternatives: Iterable[Sequence[str]] = (),
    sheet: str | int | None = None,
) -> tuple[pd.DataFrame, str]:
    """Read a table file as text columns, checking the header.

    Delimited text (``;``, ``,`` or tab, detected; quotes respected), UTF-8 with or without
    BOM, UTF-16, cp1252/latin-1; plain, gzip or a zip holding one file; or an ``.xlsx``
    worksheet (header on its first row). Every value is read as a string; callers convert
    with :func:`to_float`, which reports the line of a bad value. The frame's index is the
    1-based line (or spreadsheet row) number, header = 1, so errors can name it. Blank lines
    are skipped; duplicated column names, rows with more fields than the header and an
    empty file are errors.

    Returns
    -------
    frame : pandas.DataFrame of str (object)
    sep : str, the separator used ("" for a workbook)
    """
    path = Path(path)
    if is_excel(path):
        rows, _ = excel_rows(path, sheet)
        frame = _frame_from_rows(rows, path, what)
        sep = ""
        first_line = ""
    else:
        text = read_text(path)
        lines = text.splitlines()
        if not lines or not "".join(lines).strip():
            raise DataFormatError(
                f"{path}: the file is empty; expected a {what} table with a header line.",
                path=str(path),
                line=1,
            )
        if not lines[0].strip():
            raise DataFormatError(f"{path}, line 1: the first line is blank; expected the {what} header line.",
                                  path=str(path), line=1)  # fmt: skip
        first_line = lines[0]
        sep = sep or detect_separator(lines[0], lines[1:50])
        _check_header(_clean_header(_fields(lines[0], sep)), path)
        try:
            with warnings.catch_warnings():
                # pandas drops the extra fields of a too-long first data row with only a
                # ParserWarning: make it the error it is
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
                    engine="c", quotechar='"', header=0, index_col=False,
                )  # fmt: skip
        except pd.errors.ParserWarning:
            n_header = len(_fields(lines[0], sep))
            line = next(
                (
                    k + 1
                    for k, text_line in enumerate(lines)
                    if len(_fields(text_line, sep)) > n_header
                ),
                None,
            )
            n = len(_fields(lines[line - 1], sep)) if line else "more"
            msg = (f"{path}: line {line} has {n} fields, the header {n_header} (separator "
                   f"{_SEP_NAMES.get(sep, repr(sep))}). A value containing the separator must be quoted, "
                   "or pass sep=.")  # fmt: skip
            raise DataFormatError(msg, path=str(path), line=line) from None
        except pd.errors.EmptyDataError:
            raise DataFormatError(
                f"{path}: no columns in the file; expected a {what} table with a header line.",
                path=str(path),
                line=1,
            ) from None
        except pd.errors.ParserError as exc:
            found = re.search(r"line (\d+), saw (\d+)", str(exc))
            line = int(found.group(1)) if found else None
            header_n = re.search(r"Expected (\d+) fields", str(exc))
            detail = (f"line {line} has {found.group(2)} fields, the header {header_n.group(1) if header_n else '?'}"
                      if found else str(exc))  # fmt: skip
            msg = (f"{path}: {detail} (separator {_SEP_NAMES.get(sep, repr(sep))}). A value containing the "
                   "separator must be quoted, or pass sep=.")  # fmt: skip
            raise DataFormatError(msg, path=str(path), line=line) from None
    frame.columns = _clean_header(frame.columns)
    _check_header(list(frame.columns), path)
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="line")
    # short rows leave NaN (missing fields): read them as empty cells, which every column
    # check then reports where the column matters
    frame = frame.fillna("")
    # blank (or whitespace-only) lines: drop them, keeping the line numbers of the others
    if len(frame.columns):
        first = frame.iloc[:, 0]
        candidate = (first == "") | first.str.isspace()
        if candidate.any():
            rest = frame.loc[candidate]
            blank = rest.apply(lambda c: (c == "") | c.str.isspace()).all(axis=1)
            frame = frame.drop(index=rest.index[blank.to_numpy()])
    options = [list(required), *map(list, alternatives)]
    if not any(all(c in frame.columns for c in option) for option in options):
        missing = [c for c in required if c not in frame.columns]
        hint = ""
        if len(frame.columns) == 1 and first_line:
            others = [s for s in _SEPARATORS if s != sep and s in first_line]
            if others:
                hint = f" The header contains {_SEP_NAMES[others[0]]}: is the separator {_SEP_NAMES[others[0]]}? (pass sep=)"
        case = [
            c
            for c in frame.columns
            if c.lower() in {m.lower() for m in missing} and c not in missing
        ]
        if case:
            hint += f" Column names are case-sensitive: found {case}."
        expected = " or ".join(str(o) for o in options)
        msg = (
            f"{path}, line 1: {what} file lacks column(s) {missing}; expected {expected}, "
            f"found {list(frame.columns)}.{hint}"
        )
        raise DataFormatError(msg, path=str(path), line=1, column=missing[0] if missing else None)
    if frame.empty:
        raise DataFormatError(
            f"{path}: the {what} file has a header but no data rows.", path=str(path), line=2
        )
    return frame, sep


# --- numbers ----------------------------------------------------------------------------

# Thousands groups written with a space (also no-break and thin spaces) or an apostrophe.
_SPACE_GROUPS = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f\u2009']\d{3})+(?:[.,]\d+)?$")
_SPACES = re.compile(r"[ \u00a0\u202f\u2009']")
# one separator followed by exactly three digits: 1.234 / 1,234 is a decimal or a thousands mark
_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}[.,]\d{3}$")
_COMMA_DECIMAL = re.compile(
    r"^[+-]?(?:\d+,\d{1,2}|\d+,\d{4,}|\d{4,},\d+|\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}|,\d+)$"
)
_POINT_DECIMAL = re.compile(
    r"^[+-]?(?:\d+\.\d{1,2}|\d+\.\d{4,}|\d{4,}\.\d+|\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}|\.\d+)(?:[eE][+-]?\d+)?$"
)
_WITH_COMMA_DECIMAL = re.compile(
    r"^[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d*)?(?:[eE][+-]?\d+)?$|^[+-]?,\d+$"
)
_WITH_POINT_DECIMAL = re.compile(
    r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?(?:[eE][+-]?\d+)?$|^[+-]?\.\d+$"
)


def parse_numbers(
    values: pd.Series, *, decimal: str | None = None, sep: str | None = None
) -> tuple[np.ndarray, str | None]:
    """Text → float64, reading French and international notations without misreading.

    Accepted: ``1234.5``, ``1234,5`` (decimal comma), ``1 234,5`` / ``1 234.5`` (space,
    no-break or thin space, or apostrophe between groups of three digits), ``1.234,5``,
    ``1,234.5``, ``1e3``. The decimal mark of a column is decided from the values that
    show it unambiguously (``12,5``, ``1.234,5``); a value such as ``1.234`` or ``1,234``
    (one mark followed by exactly three digits) is read with that mark, so a thousands
    separator is never read as a smaller number. When a column shows no decimal mark
    unambiguously, ``1,234`` is ambiguous (an error asking for `decimal`), and so is
    ``1.234`` in a ``;``-separated file (a French file may use ``.`` for thousands);
    elsewhere ``.`` is the decimal point.

    Parameters
    ----------
    values : pandas.Series of str
    decimal : {",", "."}, optional
        Force the decimal mark (skips the detection).
    sep : str, optional
        The file's separator (``;`` makes ``1.234`` ambiguous, see above).

    Returns
    -------
    numbers : numpy.ndarray of float64, NaN where a value is not a number (the caller
        reports it); ``inf`` stays ``inf`` (the caller refuses it).
    problem : str or None
        Why the column cannot be read (ambiguous or mixed decimal marks), else None.
    """
    text = values.astype(str).str.strip()
    if decimal not in (None, ".", ","):
        return np.full(len(values), np.nan), f"decimal must be ',' or '.', got {decimal!r}"
    if decimal in (None, "."):
        # fast path: every value is a plain finite number with a point (or none)
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
        if np.isfinite(numbers).all():
            if decimal is None and sep == ";":
                dotted = text[text.str.contains(".", regex=False)]
                ambiguous = dotted.str.fullmatch(_AMBIGUOUS.pattern)
                if bool(ambiguous.any()) and not bool(
                    dotted.str.fullmatch(_POINT_DECIMAL.pattern).any()
                ):
                    first = dotted[ambiguous].iloc[0]
                    return np.full(len(values), np.nan), (
                        f"{first!r} may be {first.replace('.', '')} (thousands point, French style) or "
                        f"{first} (decimal point) and no value of the column settles it; pass decimal='.' "
                        "or decimal=','")  # fmt: skip
            return numbers, None
    # spaces and apostrophes between thousands groups
    grouped = text.str.fullmatch(_SPACE_GROUPS.pattern)
    if grouped.any():
        text = text.where(~grouped, text.str.replace(_SPACES.pattern, "", regex=True))
    lower = text.str.lower()
    special = lower.isin(["inf", "+inf", "-inf", "infinity", "-infinity", "+infinity", "nan"])
    if decimal is None:
        comma = bool(text.str.fullmatch(_COMMA_DECIMAL.pattern).any())
        point = bool(text.str.fullmatch(_POINT_DECIMAL.pattern).any())
        if comma and point:
            c = text[text.str.fullmatch(_COMMA_DECIMAL.pattern)].iloc[0]
            p = text[text.str.fullmatch(_POINT_DECIMAL.pattern)].iloc[0]
            return np.full(len(values), np.nan), (
                f"the column mixes a decimal comma ({c!r}) and a decimal point ({p!r}); use one"
            )
        if comma:
            decimal = ","
        elif point:
            decimal = "."
        else:
            ambiguous = text.str.fullmatch(_AMBIGUOUS.pattern)
            with_comma = ambiguous & text.str.contains(",", regex=False)
            with_point = ambiguous & ~with_comma
            if with_comma.any() or (sep == ";" and with_point.any()):
                first = text[with_comma | with_point].iloc[0]
                mark = "," if "," in first else "."
                return np.full(len(values), np.nan), (
                    f"{first!r} may be {first.replace(mark, '')} (thousands {'comma' if mark == ',' else 'point'}) or "
                    f"{first.replace(',', '.')} (decimal) and no value of the column settles it; "
                    "pass decimal=',' or decimal='.'")  # fmt: skip
            decimal = "." if not text.str.contains(",", regex=False).any() else ","
    pattern = _WITH_COMMA_DECIMAL if decimal == "," else _WITH_POINT_DECIMAL
    ok = text.str.fullmatch(pattern.pattern)
    if decimal == ",":
        converted = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        converted = text.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(converted.where(ok, "nan"), errors="coerce").to_numpy(
        dtype=np.float64, copy=True
    )
    # "inf"/"nan" are numbers to pandas: keep them as such, so the caller says "finite"
    numbers[special.to_numpy()] = pd.to_numeric(lower[special], errors="coerce").to_numpy(
        dtype=np.float64
    )
    return numbers, None


def first_line(frame: pd.DataFrame, mask: np.ndarray) -> int:
    """File line number (the frame's index) of the first row where `mask` is True."""
    return int(frame.index[int(np.flatnonzero(mask)[0])])


def to_float(
    frame: pd.DataFrame,
    column: str,
    path: PathLike,
    *,
    decimal: str | None = None,
    sep: str | None = None,
    decimal_comma: bool | None = None,
) -> np.ndarray:
    """Convert a text column to float64 (:func:`parse_numbers`); an empty, non-numeric,
    NaN or infinite cell raises DataFormatError naming the line.

    `decimal_comma` (older keyword) is ``decimal=","`` when True.
    """
    if decimal_comma:
        decimal = ","
    numbers, problem = parse_numbers(frame[column], decimal=decimal, sep=sep)
    if problem:
        msg = f"{path}, column {column!r}: {problem}."
        raise DataFormatError(msg, path=str(path), column=column)
    bad = ~np.isfinite(numbers)
    if bad.any():
        line = first_line(frame, bad)
        found = frame[column].loc[line]
        what = "an empty cell" if str(found).strip() == "" else repr(found)
        msg = (
            f"{path}, line {line}, column {column!r}: expected a finite number, found {what} "
            f"({int(bad.sum())} such row(s))."
        )
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    return numbers


def check_nonnegative(values: np.ndarray, frame: pd.DataFrame, column: str, path: PathLike) -> None:
    """Raise DataFormatError at the first negative value."""
    neg = values < 0
    if neg.any():
        line = first_line(frame, neg)
        msg = (f"{path}, line {line}, column {column!r}: expected a number ≥ 0, found {frame[column].loc[line]!r} "
               f"({int(neg.sum())} negative row(s)).")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=line, column=column)


# --- commune codes ----------------------------------------------------------------------


def codes_column(
    frame: pd.DataFrame, column: str, path: PathLike, *, pad: bool = False
) -> pd.Series:
    """Commune codes as text, checked.

    - ``2a004`` → ``2A004`` (Corsica; letter case only); ``="01001"`` (Excel's text trick)
      → ``01001``.
    - A 4-digit code lost its leading zero (``1001`` for ``01001``): with `pad`, it is
      zero-padded — unambiguous, as no COG code has fewer than 5 characters — and the caller
      counts it; without `pad`, an error. Codes of 1 to 3 digits are always an error (the
      lost part is not known), as is ``20xxx`` (Corsica is coded ``2A``/``2B`` since 1976:
      which of the two cannot be told from the number).
    - Other alphanumeric identifiers up to 10 characters are kept (non-commune units).
    """
    codes = frame[column].astype(str).str.strip()
    # the common case, one pass: every code already a COG code
    if bool(codes.str.fullmatch(r"[013-9][0-9]{4}|2[1-9][0-9]{3}|2[AB][0-9]{3}").all()):
        return codes.astype(object)
    excel_text = codes.str.fullmatch(r'="[^"]*"')
    if excel_text.any():
        codes = codes.where(~excel_text, codes.str[2:-1].str.strip())
    empty = (codes == "").to_numpy()
    if empty.any():
        line = first_line(frame, empty)
        msg = f"{path}, line {line}, column {column!r}: missing commune code ({int(empty.sum())} such row(s))."
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    codes = codes.str.replace(r"\.0$", "", regex=True)
    corsica = codes.str.fullmatch(r"2[ab]\d{3}")
    if corsica.any():
        codes = codes.where(~corsica, codes.str.upper())
    tiny = codes.str.fullmatch(r"\d{1,3}").to_numpy(dtype=bool)
    if tiny.any():
        line = first_line(frame, tiny)
        msg = (f"{path}, line {line}, column {column!r}: {codes.loc[line]!r} is not a commune code "
               "(a COG code has 5 characters; with 3 or fewer digits the lost part cannot be restored).")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    short = codes.str.fullmatch(r"\d{4}").to_numpy(dtype=bool)
    if pad:
        codes = codes.where(~short, codes.str.zfill(5))
    elif short.any():
        line = first_line(frame, short)
        msg = (
            f"{path}, line {line}, column {column!r}: code {codes.loc[line]!r} has 4 digits, a lost leading "
            f"zero ({int(short.sum())} such row(s); '{codes.loc[line]}' is '0{codes.loc[line]}'?). Fix the file "
            "(read the column as text) or pass pad_codes=True to zero-pad such codes."
        )
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    old_corsica = codes.str.fullmatch(r"20\d{3}").to_numpy(dtype=bool)
    if old_corsica.any():
        line = first_line(frame, old_corsica)
        msg = (f"{path}, line {line}, column {column!r}: {codes.loc[line]!r} is not a COG code: Corsican communes "
               "are coded 2A… (Corse-du-Sud) or 2B… (Haute-Corse) since 1976; recode them.")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    bad = ~codes.str.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}|[0-9A-Za-z_-]{1,10}").to_numpy(dtype=bool)
    if bad.any():
        line = first_line(frame, bad)
        msg = f"{path}, line {line}, column {column!r}: {codes.loc[line]!r} is not a commune code."
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    return codes.astype(object)


def pick(frame: pd.DataFrame, *candidates: str) -> str | None:
    """The first of `candidates` present in the frame's columns."""
    return next((c for c in candidates if c in frame.columns), None)
