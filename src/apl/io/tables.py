"""Reading delimited text files with errors that name the file, line and column (private)."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError

PathLike = str | Path

_SEPARATORS = (";", ",", "\t")


def _open_text(path: Path) -> str:
    """The whole file as text: gzip by extension, UTF-8 (with or without BOM), else latin-1."""
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file.", path=str(path)) from None
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot be read ({exc}).", path=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # INSEE files are often latin-1 (cp1252); every byte decodes, so this cannot fail.
        return raw.decode("cp1252", errors="replace")


def header_columns(path: PathLike, sep: str | None = None) -> list[str]:
    """Column names of a delimited file, reading only its first line."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.readline()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file.", path=str(path)) from None
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot be read ({exc}).", path=str(path)) from None
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        line = raw.decode("cp1252", errors="replace")
    line = line.strip("\r\n")
    if not line.strip():
        raise DataFormatError(f"{path}: the file is empty; expected a header line.", path=str(path), line=1)
    return [c.strip().strip('"') for c in line.split(sep or detect_separator(line))]


def detect_separator(header: str) -> str:
    """The most frequent of ';', ',' and tab in the header line."""
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def read_table(
    path: PathLike,
    required: Sequence[str],
    *,
    what: str,
    sep: str | None = None,
    alternatives: Iterable[Sequence[str]] = (),
) -> tuple[pd.DataFrame, str]:
    """Read a delimited file as text columns, checking the header.

    Every value is read as a string; callers convert with :func:`to_float`, which reports
    the line of a bad value. The frame's index is the 1-based line number in the file
    (header = line 1), so errors can name it.

    Returns
    -------
    frame : pandas.DataFrame of str (object)
    sep : str, the separator used
    """
    path = Path(path)
    text = _open_text(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise DataFormatError(f"{path}: the file is empty; expected a {what} table with a header line.", path=str(path), line=1)
    sep = sep or detect_separator(lines[0])
    frame = pd.read_csv(
        io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=False,
        engine="c",
    )  # fmt: skip
    frame.columns = [str(c).strip().strip('"') for c in frame.columns]
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="line")
    # blank lines become all-empty rows: drop them, keeping line numbers of the others
    frame = frame[~(frame == "").all(axis=1)]
    options = [list(required), *map(list, alternatives)]
    if not any(all(c in frame.columns for c in option) for option in options):
        missing = [c for c in required if c not in frame.columns]
        hint = ""
        if len(frame.columns) == 1:
            others = [s for s in _SEPARATORS if s != sep and s in lines[0]]
            if others:
                hint = f" The header contains {others[0]!r}: is the separator {others[0]!r}? (pass sep=)"
        expected = " or ".join(str(o) for o in options)
        msg = (
            f"{path}, line 1: {what} file lacks column(s) {missing}; expected {expected}, "
            f"found {list(frame.columns)}.{hint}"
        )
        raise DataFormatError(msg, path=str(path), line=1, column=missing[0] if missing else None)
    if frame.empty:
        raise DataFormatError(f"{path}: the {what} file has a header but no data rows.", path=str(path), line=2)
    return frame, sep


def to_float(frame: pd.DataFrame, column: str, path: PathLike, *, decimal_comma: bool = False) -> np.ndarray:
    """Convert a text column to float64; a non-numeric or empty cell raises DataFormatError."""
    values = frame[column].str.strip()
    if decimal_comma:
        values = values.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        line = int(frame.index[int(np.flatnonzero(bad)[0])])
        found = frame[column].loc[line]
        msg = (
            f"{path}, line {line}, column {column!r}: expected a finite number, found {found!r} "
            f"({int(bad.sum())} such row(s))."
        )
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    return numbers.to_numpy(dtype=np.float64)


def check_nonnegative(values: np.ndarray, frame: pd.DataFrame, column: str, path: PathLike) -> None:
    neg = values < 0
    if neg.any():
        line = int(frame.index[int(np.flatnonzero(neg)[0])])
        msg = f"{path}, line {line}, column {column!r}: expected a number ≥ 0, found {values[neg][0]!r}."
        raise DataFormatError(msg, path=str(path), line=line, column=column)


def codes_column(frame: pd.DataFrame, column: str, path: PathLike, *, pad: bool = False) -> pd.Series:
    """Commune codes as text; with `pad`, all-digit codes shorter than 5 are zero-padded.

    Padding is only applied where a format is known to drop leading zeros (Metric
    distancier, spreadsheets that stored codes as numbers); the count is reported by the
    caller.
    """
    codes = frame[column].str.strip()
    empty = (codes == "").to_numpy()
    if empty.any():
        line = int(frame.index[int(np.flatnonzero(empty)[0])])
        msg = f"{path}, line {line}, column {column!r}: missing commune code."
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    short = codes.str.fullmatch(r"\d{1,4}(\.0)?").to_numpy(dtype=bool)
    if pad:
        codes = codes.str.replace(r"\.0$", "", regex=True)
        codes = codes.where(~short, codes.str.zfill(5))
    elif short.any():
        line = int(frame.index[int(np.flatnonzero(short)[0])])
        msg = (
            f"{path}, line {line}, column {column!r}: code {codes.loc[line]!r} has fewer than 5 "
            "digits (a lost leading zero?). Pass pad_codes=True to zero-pad such codes."
        )
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    bad = ~codes.str.fullmatch(r"[0-9]{5}|2[ABab][0-9]{3}|[0-9A-Za-z]{1,10}").to_numpy(dtype=bool)
    if bad.any():
        line = int(frame.index[int(np.flatnonzero(bad)[0])])
        msg = f"{path}, line {line}, column {column!r}: {codes.loc[line]!r} is not a commune code."
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    return codes.astype(object)


def pick(frame: pd.DataFrame, *candidates: str) -> str | None:
    """The first of `candidates` present in the frame's columns."""
    return next((c for c in candidates if c in frame.columns), None)
