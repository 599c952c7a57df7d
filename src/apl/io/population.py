"""INSEE population by age → the long (commune, age, population) table of standardize_population."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .tables import (
    PathLike,
    check_nonnegative,
    codes_column,
    first_line,
    pick,
    read_table,
    to_float,
)

__all__ = ["read_population"]

#: Parent communes whose arrondissements (ARM) carry the APL (methodology §6).
PLM_PARENTS = {"75056": r"751\d\d", "69123": r"6938\d", "13055": r"132\d\d"}

_WIDE = re.compile(r"^SEXE([12])_AGED100(\d{3})$")
_GROUP = re.compile(r"^P(\d{2})_POP(\d{2})(\d{2}|P)$")


def _finish(frame: pd.DataFrame, by_sex: bool, attrs: dict) -> pd.DataFrame:
    keys = ["commune", "age"] + (["sex"] if by_sex else [])
    out = frame.groupby(keys, sort=False, as_index=False)["population"].sum()
    out = out[[*keys, "population"]].reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _drop_plm_parents(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Keep arrondissements of Paris/Lyon/Marseille and drop their parent commune rows."""
    dropped = [
        parent for parent, arm in PLM_PARENTS.items()
        if (frame["commune"] == parent).any() and frame["commune"].str.fullmatch(arm).any()
    ]  # fmt: skip
    return frame[~frame["commune"].isin(dropped)], dropped


def _read_long(
    path: PathLike, table: pd.DataFrame, sep: str, pad_codes: bool, decimal: str | None
) -> pd.DataFrame:
    ignored: dict[str, int] = {}
    if "NIVGEO" in table.columns:
        level = table["NIVGEO"].str.strip()
        keep = level.isin(["COM", "ARM"])
        # other levels (DEP, REG…) are aggregates, not communes: left out and counted
        ignored = {str(k): int(v) for k, v in level[~keep].value_counts().items()}
        table = table[keep]
        if table.empty:
            raise DataFormatError(
                f"{path}: no row with NIVGEO = COM or ARM.", path=str(path), column="NIVGEO"
            )
    age_col = pick(table, "AGED100", "AGEREV", "AGE")
    assert age_col is not None  # read_table required AGED100 or AGEREV
    ages = table[age_col].str.strip().str.removesuffix("+")
    age_values = to_float(table.assign(**{age_col: ages}), age_col, path)
    bad = (age_values < 0) | (age_values != np.floor(age_values))
    if bad.any():
        line = first_line(table, bad)
        raise DataFormatError(f"{path}, line {line}, column {age_col!r}: expected an age in whole years, found {table[age_col].loc[line]!r}.",
                              path=str(path), line=line, column=age_col)  # fmt: skip
    counts = to_float(table, "NB", path, sep=sep, decimal=decimal)
    check_nonnegative(counts, table, "NB", path)
    sex = table["SEXE"].str.strip() if "SEXE" in table.columns else pd.Series("", index=table.index)
    out = pd.DataFrame({
        "commune": codes_column(table, "CODGEO", path, pad=pad_codes).to_numpy(),
        "age": age_values.astype(np.int64), "sex": sex.to_numpy(), "population": counts,
    }, index=table.index)  # fmt: skip
    # one row per commune, sex and age: a repeated row (a file appended twice) would be summed
    twice = out.duplicated(["commune", "sex", "age"], keep="first").to_numpy()
    if twice.any():
        line = first_line(out, twice)
        row = out.loc[line]
        msg = (f"{path}, line {line}: commune {row['commune']!r}, sex {row['sex']!r}, age {row['age']} appears a "
               f"second time ({int(twice.sum())} repeated row(s)); expected one row per commune, sex and age.")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=line, column="CODGEO")
    out = out.reset_index(drop=True)
    out.attrs["ignored_levels"] = ignored
    return out


def _read_wide(
    path: PathLike, table: pd.DataFrame, sep: str, pad_codes: bool, decimal: str | None
) -> pd.DataFrame:
    columns = [c for c in table.columns if _WIDE.match(c)]
    codes = codes_column(table, "CODGEO", path, pad=pad_codes).to_numpy()
    parts = []
    for column in columns:
        sex, age = _WIDE.match(column).groups()  # type: ignore[union-attr]
        values = to_float(table, column, path, sep=sep, decimal=decimal)
        check_nonnegative(values, table, column, path)
        parts.append(
            pd.DataFrame({"commune": codes, "age": int(age), "sex": sex, "population": values})
        )
    return pd.concat(parts, ignore_index=True)


def _partition(
    groups: dict[tuple[int, int | None], str], path: PathLike
) -> list[tuple[int, int | None, str]]:
    """Non-overlapping age groups covering 0..∞, finest first (e.g. 0002, 0305, … 80P)."""
    chosen, start = [], 0
    while True:
        candidates = [(lo, hi, c) for (lo, hi), c in groups.items() if lo == start]
        if not candidates:
            msg = (f"{path}: the age-group columns do not cover age {start} "
                   f"(found {sorted(groups.values())}); expected groups such as P21_POP0014 … P21_POP75P.")  # fmt: skip
            raise DataFormatError(msg, path=str(path))
        lo, hi, column = min(candidates, key=lambda g: np.inf if g[1] is None else g[1])
        chosen.append((lo, hi, column))
        if hi is None:
            return chosen
        start = hi + 1


def _read_groups(path: PathLike, table: pd.DataFrame, sep: str, pad_codes: bool, open_group_years: int,
                 decimal: str | None) -> pd.DataFrame:  # fmt: skip
    found: dict[str, dict[tuple[int, int | None], str]] = {}
    for column in table.columns:
        m = _GROUP.match(column)
        if m:
            year, lo, hi = m.groups()
            found.setdefault(year, {})[(int(lo), None if hi == "P" else int(hi))] = column
    if len(found) > 1:
        msg = f"{path}: age-group columns of several census years {sorted(found)}; keep one year's columns."
        raise DataFormatError(msg, path=str(path))
    ((year, groups),) = found.items()
    code_col = pick(table, "CODGEO", "COM", "CODE_COMMUNE")
    assert code_col is not None  # read_table required one of them
    codes = codes_column(table, code_col, path, pad=pad_codes).to_numpy()
    parts = []
    for lo, hi, column in _partition(groups, path):
        values = to_float(table, column, path, sep=sep, decimal=decimal)
        check_nonnegative(values, table, column, path)
        # Spread each group evenly over its single years (an approximation: census tables
        # by broad group lose the age detail); an open group spans `open_group_years` years.
        last = hi if hi is not None else lo + open_group_years - 1
        n_years = last - lo + 1
        for age in range(lo, last + 1):
            parts.append(
                pd.DataFrame(
                    {"commune": codes, "age": age, "sex": "", "population": values / n_years}
                )
            )
    out = pd.concat(parts, ignore_index=True)
    out.attrs["census_year"] = 2000 + int(year)
    return out


def read_population(
    path: PathLike,
    *,
    by_sex: bool = False,
    arrondissements: bool = True,
    pad_codes: bool = False,
    open_group_years: int = 15,
    sep: str | None = None,
    decimal: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read an INSEE population-by-age file into ``commune, age, population``.

    Three layouts are recognised from the header (``;``, ``,`` or tab separated, UTF-8 or
    latin-1, optionally gzipped):

    - long "POP1B" style: ``NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB`` (one row per commune,
      sex and single year of age, fractional ``NB``; ``AGED100`` = 100 means 100+);
    - wide variant: ``CODGEO`` and one column per sex and age, ``SEXE1_AGED100000`` …
      ``SEXE2_AGED100100``;
    - census commune tables with age-group columns (``P21_POP0014``, ``P21_POP75P`` …):
      the finest non-overlapping groups are spread evenly over their single years (an
      approximation; an open group such as ``80P`` over `open_group_years` years).

    Parameters
    ----------
    path : str or Path
    by_sex : bool, default False
        Keep a ``sex`` column instead of summing the sexes.
    arrondissements : bool, default True
        When the file has both Paris/Lyon/Marseille (75056, 69123, 13055) and their
        arrondissements, drop the parent rows (APL is computed by arrondissement).
    pad_codes : bool, default False
        Zero-pad all-digit codes shorter than 5 characters (``1001`` → ``01001``); without
        it such codes are an error.
    open_group_years : int, default 15
        Years an open age group (``75P``) is spread over, for census group tables.
    sep : str, optional
        Separator; detected from the header when omitted.
    decimal : {",", "."}, optional
        Decimal mark; detected per column when omitted (``4,5`` and ``1 234`` are read
        right; an ambiguous ``1,234`` is an error asking for it).
    sheet : str or int, optional
        Worksheet of an ``.xlsx`` file (needed when it has several non-empty sheets).

    Returns
    -------
    pandas.DataFrame
        Columns ``commune`` (str), ``age`` (int, years), ``population`` (float, inhabitants)
        and ``sex`` if `by_sex`. ``attrs["layout"]`` names the layout read;
        ``attrs["dropped_parents"]`` lists parent communes dropped for their arrondissements;
        ``attrs["ignored_levels"]`` counts the long layout's rows whose ``NIVGEO`` is not
        ``COM``/``ARM`` (e.g. ``{"DEP": 1}``), left out as aggregates.
    """
    table, sep = read_table(
        path, ["CODGEO", "AGED100", "NB"], what="INSEE population", sep=sep, sheet=sheet,
        alternatives=[["CODGEO", "AGEREV", "NB"], ["CODGEO"], ["COM"], ["CODE_COMMUNE"]],
    )  # fmt: skip
    if "NB" in table.columns:
        frame, layout = _read_long(path, table, sep, pad_codes, decimal), "long"
    elif any(_WIDE.match(c) for c in table.columns):
        frame, layout = _read_wide(path, table, sep, pad_codes, decimal), "wide"
    elif any(_GROUP.match(c) for c in table.columns):
        frame, layout = (
            _read_groups(path, table, sep, pad_codes, open_group_years, decimal),
            "age_groups",
        )
    else:
        msg = (f"{path}, line 1: no population columns recognised; expected AGED100 and NB (long), "
               f"SEXE1_AGED100000… (wide) or P21_POP0014… (age groups), found {list(table.columns)}.")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=1)
    attrs = {"layout": layout, "source": str(path), **frame.attrs}
    dropped: list[str] = []
    if arrondissements:
        frame, dropped = _drop_plm_parents(frame)
    attrs["dropped_parents"] = dropped
    return _finish(frame, by_sex, attrs)
