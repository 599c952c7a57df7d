"""Official zoning files (ministry / ARS / Atlasanté exports): commune ↔ TVS and zoning tables."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .tables import PathLike, codes_column, open_workbook, read_table

__all__ = ["ZONE_LABELS", "normalize_zone", "read_commune_tvs", "read_zoning"]


def _key(text: object) -> str:
    """Header key: lower case, accents removed, spaces/punctuation folded ("Code de la commune" → "code de la commune")."""
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


# header key → apl column
_HEADERS = {
    "code de la commune": "commune", "code commune": "commune", "code commune insee": "commune",
    "codgeo": "commune", "code insee": "commune",
    "libelle de la commune": "libelle_commune", "libelle commune": "libelle_commune",
    "code du territoire de vie sante": "tvs", "code tvs": "tvs", "tvs code": "tvs",
    "libelle du territoire de vie sante": "libelle_tvs", "libelle tvs": "libelle_tvs",
    "code de la region": "region", "code region": "region", "reg": "region",
    "libelle de la region": "libelle_region",
    "code du departement": "departement", "code departement": "departement", "dep": "departement",
}  # fmt: skip

#: Accepted zoning labels (normalised key) → apl zone.
ZONE_LABELS = {
    "zip": "ZIP", "zone d intervention prioritaire": "ZIP",
    "zac": "ZAC", "zone d action complementaire": "ZAC",
    "zar": "ZAR", "hz": "HZ", "hors zonage": "HZ",
    "n a resultat non disponible": "ND", "nd": "ND", "n a": "ND",
}  # fmt: skip


def normalize_zone(label: object) -> str | None:
    """``1_ZIP`` → ``ZIP``, ``2_ZAC`` → ``ZAC``, ``3_HZ`` → ``HZ``, ``4_ZAR``/``ZAR`` → ``ZAR``,
    ``N/A - résultat non disponible`` → ``ND``; None for an unknown label."""
    key = _key(label)
    key = re.sub(r"^\d+ ", "", key)  # the "1_", "2_" ordering prefixes
    return ZONE_LABELS.get(key)


def _zone_column(columns: list[str]) -> str | None:
    return next(
        (
            c
            for c in columns
            if _key(c).startswith("zonage") or _key(c) in ("classification", "zone")
        ),
        None,
    )


def _read_any(path: PathLike, what: str, sep: str | None, sheet: str | int | None) -> pd.DataFrame:
    """A CSV (via read_table) or a worksheet, as text columns indexed by line number.

    In a workbook the header row is the first of the first 30 rows naming a known column.
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        frame, _ = read_table(path, [], what=what, sep=sep)
        return frame
    book = open_workbook(path)
    try:
        sheet_obj = (
            book.worksheets[sheet]
            if isinstance(sheet, int)
            else book[sheet]
            if sheet
            else book.worksheets[0]
        )
        rows = list(sheet_obj.iter_rows(values_only=True))
    finally:
        book.close()
    header_at = next((k for k, row in enumerate(rows[:30])
                      if any(_key(v) in _HEADERS for v in row if v is not None)), None)  # fmt: skip
    if header_at is None:
        raise DataFormatError(f"{path}: no header row with a known column (e.g. 'Code de la commune') in the first 30 rows.",
                              path=str(path))  # fmt: skip
    header = [
        str(v).strip() if v is not None else f"column_{k}" for k, v in enumerate(rows[header_at])
    ]
    body = [["" if v is None else str(v).strip() for v in row] + [""] * (len(header) - len(row))
            for row in rows[header_at + 1:]]  # fmt: skip
    frame = pd.DataFrame([r[: len(header)] for r in body], columns=header, dtype=object)
    frame.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame), name="line")
    frame = frame[~(frame == "").all(axis=1)]
    if frame.empty:
        raise DataFormatError(
            f"{path}: the {what} sheet has a header but no data rows.", path=str(path)
        )
    return frame


def _rename(frame: pd.DataFrame) -> pd.DataFrame:
    mapping = {c: _HEADERS[_key(c)] for c in frame.columns if _key(c) in _HEADERS}
    return frame.rename(columns=mapping)


def read_commune_tvs(path: PathLike, *, sep: str | None = None, sheet: str | int | None = None,
                     pad_codes: bool = False) -> pd.DataFrame:  # fmt: skip
    """Read the official commune ↔ territoire de vie-santé correspondence (CSV or xlsx).

    Headers as published (accents and case ignored): ``Code de la commune``, ``Libellé de
    la commune``, ``Code du territoire de vie-santé``, ``Libellé du territoire de
    vie-santé``, ``Code de la région`` (optional: ``Code du département``).

    Returns
    -------
    pandas.DataFrame
        ``commune``, ``tvs`` and whichever of ``libelle_commune``, ``libelle_tvs``,
        ``region``, ``departement`` the file has; codes as text. A commune listed twice is
        an error.
    """
    frame = _rename(_read_any(path, "commune ↔ TVS", sep, sheet))
    missing = [c for c in ("commune", "tvs") if c not in frame.columns]
    if missing:
        raise DataFormatError(f"{path}, header: missing {['Code de la commune', 'Code du territoire de vie-santé']} "
                              f"(found {list(frame.columns)}).", path=str(path), line=1, column=missing[0])  # fmt: skip
    out = pd.DataFrame(
        {"commune": codes_column(frame, "commune", path, pad=pad_codes).to_numpy()},
        index=frame.index,
    )
    tvs = frame["tvs"].astype(str).str.strip()
    if (tvs == "").any():
        line = int(frame.index[np.flatnonzero((tvs == "").to_numpy())[0]])
        raise DataFormatError(
            f"{path}, line {line}: missing TVS code.", path=str(path), line=line, column="tvs"
        )
    out["tvs"] = tvs.to_numpy(dtype=object)
    for column in ("libelle_commune", "libelle_tvs", "region", "departement"):
        if column in frame.columns:
            out[column] = frame[column].astype(str).str.strip().to_numpy(dtype=object)
    dup = out["commune"].duplicated()
    if dup.any():
        line = int(out.index[np.flatnonzero(dup.to_numpy())[0]])
        raise DataFormatError(f"{path}, line {line}: commune {out['commune'].loc[line]!r} is listed twice.",
                              path=str(path), line=line, column="commune")  # fmt: skip
    return out.reset_index(drop=True)


def read_zoning(path: PathLike, *, sep: str | None = None, sheet: str | int | None = None,
                pad_codes: bool = False) -> pd.DataFrame:  # fmt: skip
    """Read an official zoning table, per commune or per TVS (CSV or xlsx).

    The unit is the commune when a commune code column is present (``Code de la
    commune``…), else the TVS (``Code du territoire de vie-santé``). The zoning column is
    the first whose header starts with "Zonage" (or ``classification``); its labels
    (``1_ZIP``, ``2_ZAC``, ``3_HZ``, ``4_ZAR``, ``ZAR``, ``HZ``, ``N/A - résultat non
    disponible``, or spelled out) are normalised by :func:`normalize_zone`.

    Returns
    -------
    pandas.DataFrame
        ``commune`` or ``tvs``, ``zone`` (``ZIP``, ``ZAC``, ``ZAR``, ``HZ``, ``ND``),
        ``zone_raw`` (the label as published), and the other known columns present.
    """
    raw = _read_any(path, "zoning", sep, sheet)
    zone_col = _zone_column(list(raw.columns))
    frame = _rename(raw)
    if zone_col is None:
        raise DataFormatError(f"{path}, header: no zoning column (a header starting with 'Zonage'); found "
                              f"{list(raw.columns)}.", path=str(path), line=1)  # fmt: skip
    unit = "commune" if "commune" in frame.columns else "tvs" if "tvs" in frame.columns else None
    if unit is None:
        raise DataFormatError(f"{path}, header: no 'Code de la commune' nor 'Code du territoire de vie-santé' column; "
                              f"found {list(raw.columns)}.", path=str(path), line=1)  # fmt: skip
    labels = frame[zone_col].astype(str).str.strip()
    zones = labels.map(normalize_zone)
    if zones.isna().any():
        line = int(frame.index[np.flatnonzero(zones.isna().to_numpy())[0]])
        raise DataFormatError(f"{path}, line {line}, column {zone_col!r}: unknown zoning label {labels.loc[line]!r}; "
                              "expected ZIP, ZAC, ZAR, HZ or 'N/A - résultat non disponible' (optionally '1_ZIP'…).",
                              path=str(path), line=line, column=zone_col)  # fmt: skip
    codes = (
        codes_column(frame, unit, path, pad=pad_codes)
        if unit == "commune"
        else frame[unit].astype(str).str.strip()
    )
    out = pd.DataFrame({unit: codes.to_numpy(dtype=object), "zone": zones.to_numpy(dtype=object),
                        "zone_raw": labels.to_numpy(dtype=object)})  # fmt: skip
    for column in ("libelle_commune", "tvs", "libelle_tvs", "region", "departement"):
        if column in frame.columns and column != unit:
            out[column] = frame[column].astype(str).str.strip().to_numpy(dtype=object)
    return out
