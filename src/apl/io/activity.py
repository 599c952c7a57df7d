"""GP activity, SNDS-style (one row per practitioner per year) → the table of retained_activity."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .tables import PathLike, check_nonnegative, codes_column, first_line, read_table, to_float

__all__ = ["ACTIVITY_COLUMNS", "read_gp_activity"]

#: Columns expected by default (rename others with ``columns=``).
ACTIVITY_COLUMNS = {
    "practitioner_id": "identifier of the GP (or centre de santé); text",
    "year": "year of activity (APL edition); integer",
    "commune": "COG code of the commune of practice; text",
    "acts": "consultations + home visits + teleconsultations in the year; number",
    "age": "age of the GP in the year, years (optional; needed for max_age)",
    "new_practitioner": "1/0, true/false, oui/non: no liberal activity the previous year (optional)",
    "structure": "'cabinet' or 'centre_de_sante' (optional; default cabinet)",
}

_TRUE = {"1", "true", "vrai", "oui", "o", "yes", "y", "t"}
_FALSE = {"0", "false", "faux", "non", "n", "no", "f", ""}
_STRUCTURES = {"cabinet": "cabinet", "liberal": "cabinet", "libéral": "cabinet",
               "centre_de_sante": "centre_de_sante", "centre de santé": "centre_de_sante",
               "centre de sante": "centre_de_sante", "cds": "centre_de_sante"}  # fmt: skip


def read_gp_activity(
    path: PathLike,
    *,
    columns: Mapping[str, str] | None = None,
    year: int | None = None,
    pad_codes: bool = False,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read per-practitioner GP activity into the table :func:`apl.retained_activity` takes.

    Parameters
    ----------
    path : str or Path
        Delimited text file (``;``, ``,`` or tab; UTF-8 or latin-1; optionally gzipped)
        with the columns of :data:`ACTIVITY_COLUMNS`, or others renamed by `columns`.
    columns : mapping, optional
        File column → apl column, e.g. ``{"num_ps": "practitioner_id", "com_exercice":
        "commune", "nb_actes": "acts"}``.
    year : int, optional
        Keep only this year (requires a ``year`` column). Without it, a file spanning
        several years is an error: activity of different years must not be summed.
    pad_codes : bool, default False
        Zero-pad all-digit commune codes shorter than 5 characters.
    sep : str, optional
        Separator; detected from the header when omitted.
    decimal : {",", "."}, optional
        Decimal mark of ``acts``; detected when omitted.
    sheet : str or int, optional
        Worksheet of an ``.xlsx`` file (needed when it has several non-empty sheets).

    Returns
    -------
    pandas.DataFrame
        ``practitioner_id``, ``commune``, ``acts`` and, when present, ``year``, ``age``,
        ``new_practitioner`` (bool), ``structure``.
    """
    required = ["commune", "acts"]
    rename = dict(columns or {})
    inverse = {v: k for k, v in rename.items()}
    table, sep = read_table(path, [inverse.get(c, c) for c in required], what="GP activity", sep=sep,
                              sheet=sheet)  # fmt: skip
    table = table.rename(columns=rename)
    out = pd.DataFrame(index=table.index)
    if "practitioner_id" in table.columns:
        out["practitioner_id"] = table["practitioner_id"].str.strip()
    if "year" in table.columns:
        year_values = to_float(table, "year", path)
        fractional = year_values != np.floor(year_values)
        if fractional.any():
            line = first_line(table, fractional)
            raise DataFormatError(f"{path}, line {line}, column 'year': expected a whole year, found "
                                  f"{table['year'].loc[line]!r}.", path=str(path), line=line, column="year")  # fmt: skip
        years = year_values.astype(np.int64)
        if year is not None:
            keep = years == year
            if not keep.any():
                raise DataFormatError(f"{path}: no row for year {year}; years found {sorted(set(years.tolist()))}.",
                                      path=str(path), column="year")  # fmt: skip
            table, out, years = table[keep], out[keep], years[keep]
        elif len(set(years.tolist())) > 1:
            raise DataFormatError(f"{path}: activity of several years {sorted(set(years.tolist()))}; pass year=.",
                                  path=str(path), column="year")  # fmt: skip
        out["year"] = years
    elif year is not None:
        raise DataFormatError(
            f"{path}: year={year} given but the file has no 'year' column.",
            path=str(path),
            column="year",
        )
    if "practitioner_id" in out.columns:
        # a practitioner listed twice would have each row capped separately by
        # retained_activity (caps apply to a GP's whole activity)
        ids = out["practitioner_id"]
        twice = ids.duplicated(keep=False).to_numpy() & (ids != "").to_numpy()
        if twice.any():
            line = first_line(out, twice)
            first = ids.loc[line]
            lines = out.index[(ids == first).to_numpy()].tolist()[:5]
            raise DataFormatError(f"{path}, line {line}, column 'practitioner_id': {first!r} appears on lines {lines}; "
                                  "one row per practitioner (and year) is expected — sum their acts first.",
                                  path=str(path), line=line, column="practitioner_id")  # fmt: skip
    out["commune"] = codes_column(table, "commune", path, pad=pad_codes)
    acts = to_float(table, "acts", path, sep=sep, decimal=decimal)
    check_nonnegative(acts, table, "acts", path)
    out["acts"] = acts
    if "age" in table.columns:
        ages = to_float(table, "age", path)
        check_nonnegative(ages, table, "age", path)
        out["age"] = ages
    if "new_practitioner" in table.columns:
        flags = table["new_practitioner"].str.strip().str.lower()
        unknown = ~flags.isin(_TRUE | _FALSE)
        if unknown.any():
            line = int(flags.index[np.flatnonzero(unknown.to_numpy())[0]])
            raise DataFormatError(f"{path}, line {line}, column 'new_practitioner': expected 1/0, true/false or oui/non, "
                                  f"found {table['new_practitioner'].loc[line]!r}.", path=str(path), line=line,
                                  column="new_practitioner")  # fmt: skip
        out["new_practitioner"] = flags.isin(_TRUE).to_numpy()
    if "structure" in table.columns:
        raw = table["structure"].str.strip().str.lower()
        mapped = raw.map(_STRUCTURES)
        if mapped.isna().any():
            line = int(raw.index[np.flatnonzero(mapped.isna().to_numpy())[0]])
            raise DataFormatError(f"{path}, line {line}, column 'structure': expected 'cabinet' or 'centre_de_sante', "
                                  f"found {table['structure'].loc[line]!r}.", path=str(path), line=line,
                                  column="structure")  # fmt: skip
        out["structure"] = mapped.to_numpy()
    return out.reset_index(drop=True)
