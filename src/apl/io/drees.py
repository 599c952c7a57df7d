"""The DREES APL workbook (``Indicateur d'accessibilité potentielle localisée``) → tidy table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .tables import PathLike, cell_text, parse_numbers

__all__ = ["read_drees_apl"]

_SHEET = re.compile(r"^APL\s*(\d{4})$")
# header text (lower-cased, prefix) → tidy column
_HEADERS = {
    "code commune": "commune",
    "commune": "libelle",
    "apl aux médecins généralistes de moins de 65 ans": "apl_65",
    "apl aux médecins généralistes": "apl",
    "population standardisée": "standardised_population",
    "population totale": "population",
}


def _column_for(header: object) -> str | None:
    text = str(header).strip().lower() if header is not None else ""
    # longest prefix first: "apl … de moins de 65 ans" before "apl …"
    for prefix in sorted(_HEADERS, key=len, reverse=True):
        if text.startswith(prefix):
            return _HEADERS[prefix]
    return None


def _read_sheet(path: Path, name: str, rows: list[tuple], year: int) -> pd.DataFrame:
    header_at = next(
        (
            k
            for k, row in enumerate(rows[:40])
            if row and str(row[0]).strip().lower().startswith("code commune")
        ),
        None,
    )
    if header_at is None:
        msg = f"{path}, sheet {name!r}: no header row starting with 'Code commune INSEE' in the first 40 rows."
        raise DataFormatError(msg, path=str(path))
    mapping = {k: _column_for(h) for k, h in enumerate(rows[header_at])}
    wanted = ["commune", "apl", "apl_65", "standardised_population", "population"]
    found = {v: k for k, v in mapping.items() if v is not None}
    missing = [c for c in wanted if c not in found]
    if missing:
        msg = (f"{path}, sheet {name!r}, line {header_at + 1}: missing column(s) {missing}; "
               f"found headers {[h for h in rows[header_at] if h is not None]}.")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=header_at + 1, column=missing[0])
    start = header_at + 1
    # a units row ("En nombre de …") without a code follows the header
    while start < len(rows) and (rows[start][found["commune"]] in (None, "")):
        start += 1
    body = [r for r in rows[start:] if any(v not in (None, "") for v in r)]
    lines = [
        start + 1 + k for k, r in enumerate(rows[start:]) if any(v not in (None, "") for v in r)
    ]
    frame = pd.DataFrame(
        {c: [r[found[c]] if found[c] < len(r) else None for r in body] for c in found}
    )
    frame.index = pd.Index(lines, name="line")
    codes = frame["commune"].astype(str).str.strip()
    bad = ~codes.str.fullmatch(r"\d{5}|2[AB]\d{3}")
    if bad.any():
        line = int(frame.index[np.flatnonzero(bad.to_numpy())[0]])
        msg = f"{path}, sheet {name!r}, line {line}: {frame['commune'].loc[line]!r} is not a 5-character commune code."
        raise DataFormatError(msg, path=str(path), line=line, column="commune")
    out = pd.DataFrame({"commune": codes.to_numpy(dtype=object), "year": year})
    if "libelle" in frame.columns:
        out["libelle"] = frame["libelle"].astype(str).to_numpy()
    for column in wanted[1:]:
        # numeric cells come as floats (written in full); text cells may hold "1 234,5"
        numbers, problem = parse_numbers(frame[column].map(cell_text))
        if problem:
            raise DataFormatError(
                f"{path}, sheet {name!r}, column {column!r}: {problem}.",
                path=str(path),
                column=column,
            )
        values = pd.Series(numbers, index=frame.index)
        if not np.isfinite(numbers).all():
            line = int(frame.index[np.flatnonzero(~np.isfinite(numbers))[0]])
            msg = f"{path}, sheet {name!r}, line {line}, column {column!r}: expected a number, found {frame[column].loc[line]!r}."
            raise DataFormatError(msg, path=str(path), line=line, column=column)
        out[column] = values.to_numpy(dtype=np.float64)
    return out


def read_drees_apl(path: PathLike, *, years: list[int] | None = None) -> pd.DataFrame:
    """Read the DREES APL-to-GPs workbook into a tidy table, one row per commune and year.

    The workbook has one sheet per edition (``APL 2022``, ``APL 2023``), each with title
    and notes rows, a header row (``Code commune INSEE``, ``Commune``, ``APL aux médecins
    généralistes``, ``… de moins de 65 ans``, ``Population standardisée …``,
    ``Population totale …``; row 9 in the 2022–2023 edition) and a units row.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file.
    years : list of int, optional
        Editions to read; default every ``APL yyyy`` sheet.

    Returns
    -------
    pandas.DataFrame
        Columns ``commune`` (str), ``year`` (int), ``libelle``, ``apl`` and ``apl_65``
        (consultations/year/standardised inhabitant; all GPs and GPs ≤ 65),
        ``standardised_population`` (standardised inhabitants), ``population``
        (inhabitants, census of year − 2).
    """
    import openpyxl  # imported here: only this loader needs it

    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file.", path=str(path)) from None
    except Exception as exc:  # openpyxl raises zipfile/KeyError/… on a non-xlsx file
        raise DataFormatError(
            f"{path}: not a readable .xlsx workbook ({type(exc).__name__}: {exc}).", path=str(path)
        ) from None
    try:
        sheets = {
            int(m.group(1)): name for name in book.sheetnames if (m := _SHEET.match(name.strip()))
        }
        if not sheets:
            raise DataFormatError(
                f"{path}: no sheet named 'APL yyyy'; sheets are {book.sheetnames}.", path=str(path)
            )
        wanted = sorted(sheets) if years is None else years
        unknown = [y for y in wanted if y not in sheets]
        if unknown:
            raise DataFormatError(
                f"{path}: no sheet for year(s) {unknown}; available {sorted(sheets)}.",
                path=str(path),
            )
        parts = [
            _read_sheet(path, sheets[y], list(book[sheets[y]].iter_rows(values_only=True)), y)
            for y in wanted
        ]
    finally:
        book.close()
    return pd.concat(parts, ignore_index=True)
