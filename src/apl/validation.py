"""Input checks shared by the public functions (internal: not re-exported, no stability promise).

Checks run once, at the public boundary; kernels assume valid arrays. Each check raises
an :mod:`apl.errors` exception naming the table, the column, the first offending row and
what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import CommuneCodeError, DuplicateError, MissingColumnError, ValidationError


# A code made only of digits and shorter than 5 characters is a COG code that went through
# an integer column (1001 for 01001). Other free-form codes (grid cells, test ids) are allowed.
_LOST_ZERO = re.compile(r"^\d{1,4}$")


def _describe_row(frame: pd.DataFrame | pd.Series, position: int, keys: Sequence[str]) -> str:
    label = frame.index[position]
    parts = [f"row {label!r}"]
    if isinstance(frame, pd.DataFrame):
        shown = [f"{k}={frame[k].iloc[position]!r}" for k in keys if k in frame.columns]
        if shown:
            parts.append("(" + ", ".join(shown) + ")")
    return " ".join(parts)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise MissingColumnError if any of `columns` is absent from `frame`."""
    if not isinstance(frame, pd.DataFrame):
        msg = f"{table} must be a pandas DataFrame, got {type(frame).__name__}."
        raise ValidationError(msg, table=table)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"{table} is missing column(s) {missing}; expected {list(columns)}, "
            f"found {list(map(str, frame.columns))}."
        )
        raise MissingColumnError(msg, table=table, column=missing[0])


def _code_problem(code: object) -> str | None:
    if not isinstance(code, str):
        return f"expected a text commune code, found {code!r}"
    if _LOST_ZERO.match(code):
        return (
            f"code {code!r} has fewer than 5 digits; it probably lost its leading zero "
            f"({code.zfill(5)!r}). Read codes as text, or zero-pad explicitly with "
            "apl.io.normalize_commune_codes()"
        )
    return None


def factorize_codes(
    codes: pd.Series, table: str, column: str, frame: pd.DataFrame | pd.Series | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Check commune codes are text and none lost its leading zero; factorize them.

    Integer or float columns are rejected rather than zero-padded: padding is a choice
    made explicitly by the caller (`apl.io.normalize_commune_codes`). Each distinct code is
    checked once, so this is cheap on millions of travel-time rows.

    Returns
    -------
    positions : numpy.ndarray of int64, shape (len(codes),)
        Position of each row's code in `uniques`.
    uniques : numpy.ndarray of object (str)
        Distinct codes in order of first appearance.
    """
    where = frame if frame is not None else codes
    if len(codes) and (
        pd.api.types.is_numeric_dtype(codes.dtype) or pd.api.types.is_bool_dtype(codes.dtype)
    ):
        msg = (
            f"{table}: column {column!r} holds numbers ({codes.dtype}); commune codes are text "
            f"('01001', '2A004'). Read the file with dtype={{{column!r}: str}}, or zero-pad "
            "explicitly with apl.io.normalize_commune_codes()."
        )
        raise CommuneCodeError(msg, table=table, column=column)
    positions, uniques = pd.factorize(codes, sort=False, use_na_sentinel=True)
    positions = np.asarray(positions, dtype=np.int64)
    uniques = np.asarray(uniques, dtype=object)
    missing = positions < 0
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        msg = f"{table}: column {column!r}, {_describe_row(where, pos, [column])}: missing commune code."
        raise CommuneCodeError(msg, table=table, column=column, row=where.index[pos])
    # Vectorised screen of the distinct codes; the slow per-code message only on failure.
    if pd.api.types.is_string_dtype(codes.dtype) and codes.dtype != object:
        is_text = np.ones(len(uniques), dtype=bool)  # a pandas string column holds only str
    else:
        is_text = np.fromiter((type(u) is str for u in uniques), dtype=bool, count=len(uniques))
    suspect = ~is_text
    if is_text.all() and len(uniques):
        text = uniques.astype(str)  # fixed-width unicode: numpy's C string loops
        suspect = (np.char.str_len(text) < 5) & np.char.isdigit(text)
    for k in np.flatnonzero(suspect):
        problem = _code_problem(uniques[k])
        if problem is not None:
            pos = int(np.argmax(positions == k))
            msg = f"{table}: column {column!r}, {_describe_row(where, pos, [column])}: {problem}."
            raise CommuneCodeError(msg, table=table, column=column, row=where.index[pos])
    return positions, uniques


def check_codes(
    codes: pd.Series, table: str, column: str, frame: pd.DataFrame | pd.Series | None = None
) -> pd.Series:
    """Like :func:`factorize_codes`, returning the codes as an object Series of ``str``."""
    positions, uniques = factorize_codes(codes, table, column, frame)
    return pd.Series(uniques[positions], index=codes.index, name=codes.name, dtype=object)


def check_values(
    values: pd.Series,
    table: str,
    column: str,
    frame: pd.DataFrame | pd.Series | None = None,
    keys: Sequence[str] = (),
    unit: str = "",
) -> np.ndarray:
    """Check a numeric column is finite and non-negative; return it as float64."""
    where = frame if frame is not None else values
    if not (pd.api.types.is_numeric_dtype(values.dtype)) or pd.api.types.is_bool_dtype(
        values.dtype
    ):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna().to_numpy() & values.notna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            msg = (
                f"{table}: column {column!r}, {_describe_row(where, pos, keys)}: expected a "
                f"number{unit}, found {values.iloc[pos]!r}."
            )
            raise ValidationError(msg, table=table, column=column, row=where.index[pos])
        values = converted
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    for bad, what in ((np.isnan(arr), "a missing value (NaN)"), (np.isinf(arr), "an infinite value")):
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            msg = (
                f"{table}: column {column!r}, {_describe_row(where, pos, keys)}: found {what}; "
                f"expected a finite number ≥ 0{unit}. {int(bad.sum())} row(s) affected."
            )
            raise ValidationError(msg, table=table, column=column, row=where.index[pos])
    neg = arr < 0
    if neg.any():
        pos = int(np.flatnonzero(neg)[0])
        msg = (
            f"{table}: column {column!r}, {_describe_row(where, pos, keys)}: found {arr[pos]!r}; "
            f"expected a number ≥ 0{unit}. {int(neg.sum())} negative row(s)."
        )
        raise ValidationError(msg, table=table, column=column, row=where.index[pos])
    return arr


def check_unique(frame: pd.DataFrame, keys: Sequence[str], table: str, hint: str = "") -> None:
    """Raise DuplicateError if the `keys` columns repeat."""
    dup = frame.duplicated(subset=list(keys), keep=False).to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        n = int(frame.duplicated(subset=list(keys)).sum())
        msg = (
            f"{table}: {_describe_row(frame, pos, keys)} is duplicated on {list(keys)} "
            f"({n} duplicate row(s)); each must appear once.{(' ' + hint) if hint else ''}"
        )
        raise DuplicateError(msg, table=table, column=keys[0], row=frame.index[pos])


def as_keyed_table(
    data: pd.DataFrame | pd.Series, table: str, value: str, unit: str = ""
) -> tuple[pd.Series, np.ndarray]:
    """Validate a (commune, value) table given as a DataFrame or a Series indexed by commune.

    Returns
    -------
    codes : pandas.Series of str
        Commune codes, unique, in input order.
    values : numpy.ndarray of float64
        The checked values (finite, ≥ 0).
    """
    if isinstance(data, pd.Series):
        frame = pd.DataFrame({"commune": data.index.to_numpy(), value: data.to_numpy()})
    elif isinstance(data, pd.DataFrame):
        require_columns(data, ["commune", value], table)
        frame = data[["commune", value]]
    else:
        msg = (
            f"{table} must be a DataFrame with columns ['commune', {value!r}] or a Series "
            f"indexed by commune, got {type(data).__name__}."
        )
        raise ValidationError(msg, table=table)
    codes = check_codes(frame["commune"], table, "commune", frame)
    check_unique(
        frame,
        ["commune"],
        table,
        hint="Aggregate first (e.g. groupby('commune').sum()); supply per GP goes through "
        "apl.retained_activity().",
    )
    values = check_values(frame[value], table, value, frame, keys=["commune"], unit=unit)
    return codes, values
