"""Travel-time tables (distanciers) → the long ``origin, destination, minutes`` table."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError, DataWarning
from .tables import (
    PathLike,
    check_nonnegative,
    codes_column,
    first_line,
    header_columns,
    parse_numbers,
    pick,
    read_table,
    to_float,
)

__all__ = [
    "EXPECTED_HEADERS",
    "detect_format",
    "read_metric",
    "read_travel_time_matrix",
    "read_travel_times",
]

#: Metric's "could not route" sentinel (minutes and km).
METRIC_UNROUTABLE = 9999.0
#: A median travel time above this many minutes (5 hours) is suspicious: seconds given as minutes?
SUSPICIOUS_MEDIAN_MINUTES = 300.0
#: Header names recognised by :func:`read_travel_times` (format → columns).
EXPECTED_HEADERS = {
    "long": "origin, destination, minutes (or seconds)",
    "metric": "commune_patient, commune_et, HC (KM optional)",
    "matrix": "a first column (any name, e.g. id) then one column per destination commune code",
}


#: A median travel time below this many minutes between distinct communes is suspicious:
#: hours, or minutes divided by 60 as if they were seconds?
IMPLAUSIBLY_SHORT_MEDIAN_MINUTES = 1.0


def check_plausible_minutes(
    frame: pd.DataFrame, path: PathLike, *, unit: str = "minutes", stacklevel: int = 3
) -> None:
    """Warn (:class:`apl.errors.DataWarning`) when the median time between distinct communes
    exceeds :data:`SUSPICIOUS_MEDIAN_MINUTES` (seconds read as minutes?) or, over at least 10
    such pairs, is below :data:`IMPLAUSIBLY_SHORT_MEDIAN_MINUTES` (hours, or minutes read as
    seconds?). `unit` is the unit the file was read in; `stacklevel` as for
    :func:`warnings.warn`, counted from this function."""
    off = frame["minutes"].to_numpy()[(frame["origin"] != frame["destination"]).to_numpy()]
    warn_implausible_minutes(off, path, unit=unit, stacklevel=stacklevel + 1)
    # checked: compute_apl does not warn again about this table while its sampled median is
    # this one (a table derived from it with other minutes gets its own check)
    frame.attrs["minutes_checked"] = sampled_median_minutes(frame)


#: Rows sampled (evenly spaced) by :func:`sampled_median_minutes`: plenty for a median
#: compared with 300 minutes, and cheap on every call of compute_apl.
MINUTES_SAMPLE = 4_096


def sampled_median_minutes(frame: pd.DataFrame) -> float | None:
    """Median of the minutes between distinct units over ≤ :data:`MINUTES_SAMPLE` evenly
    spaced rows of a long table (None: no such row, or columns that cannot be compared)."""
    n = len(frame)
    if not n or not pd.api.types.is_numeric_dtype(frame["minutes"].dtype):
        return None
    take = np.arange(0, n, max(1, n // MINUTES_SAMPLE))
    minutes = frame["minutes"].to_numpy(dtype=np.float64, na_value=np.nan)[take]
    origin, destination = _sampled(frame["origin"], take), _sampled(frame["destination"], take)
    try:
        distinct = np.asarray(origin != destination, dtype=bool)
    except (TypeError, ValueError):  # ids that cannot be compared: reported by the checks
        return None
    off = minutes[distinct & np.isfinite(minutes)]
    return float(np.median(off)) if off.size else None


def _sampled(column: pd.Series, take: np.ndarray) -> np.ndarray:
    """The values at positions `take` (ascending) as an object array. Arrow columns are
    taken chunk by chunk: Arrow's take on a chunked array first concatenates the chunks (a
    copy of the whole column; pandas reads a CSV file into several chunks)."""
    array = column.array
    if isinstance(array, pd.arrays.ArrowExtensionArray):  # Arrow strings included
        import pyarrow as pa

        chunked = array.__arrow_array__()
        chunks = chunked.chunks if isinstance(chunked, pa.ChunkedArray) else [chunked]
        parts, start = [], 0
        for chunk in chunks:
            lo, hi = np.searchsorted(take, [start, start + len(chunk)])
            if hi > lo:
                parts.append(chunk.take(pa.array(take[lo:hi] - start)))
            start += len(chunk)
        if not parts:
            return np.zeros(0, dtype=object)
        return np.asarray(pa.concat_arrays(parts).to_numpy(zero_copy_only=False), dtype=object)
    return np.asarray(array.take(take), dtype=object)


def warn_implausible_minutes(
    off_diagonal: np.ndarray, path: object, *, unit: str = "minutes", stacklevel: int = 3
) -> None:
    """The warnings of :func:`check_plausible_minutes`, from the times (minutes) of pairs of
    distinct communes — all of them, or a sample (the streamed Parquet path of
    :func:`apl.compute_apl` passes a strided sample of each batch)."""
    off = np.asarray(off_diagonal, dtype=np.float64)
    if not off.size:
        return
    median = float(np.median(off))
    if median > SUSPICIOUS_MEDIAN_MINUTES:
        msg = (f"{path}: the median travel time between distinct communes is {median:,.0f} minutes "
               f"(> {SUSPICIOUS_MEDIAN_MINUTES:g}): are these {unit} really seconds? Read the file with a "
               "'seconds' column (long format) or unit='seconds' (matrix).")  # fmt: skip
        warnings.warn(msg, DataWarning, stacklevel=stacklevel)
    elif off.size >= 10 and median < IMPLAUSIBLY_SHORT_MEDIAN_MINUTES:
        msg = (f"{path}: the median travel time between distinct communes is {median:.3g} minutes "
               f"(< {IMPLAUSIBLY_SHORT_MEDIAN_MINUTES:g}), read as {unit}: are these hours, or minutes read as "
               "seconds? Name the column 'minutes' or pass unit='minutes' (matrix).")  # fmt: skip
        warnings.warn(msg, DataWarning, stacklevel=stacklevel)


def _long(
    origin: pd.Series, destination: pd.Series, minutes: np.ndarray, attrs: dict
) -> pd.DataFrame:
    out = pd.DataFrame({"origin": origin.to_numpy(dtype=object),
                        "destination": destination.to_numpy(dtype=object), "minutes": minutes})  # fmt: skip
    out.attrs.update(attrs)
    return out


def check_unique_pairs(
    origin: pd.Series, destination: pd.Series, minutes: np.ndarray, path: PathLike
) -> None:
    """An (origin, destination) pair on two lines is an error naming both lines and times:
    which of two different times is right cannot be guessed (and equal ones mean a file
    appended twice)."""
    twice = (
        pd.DataFrame({"o": origin.to_numpy(), "d": destination.to_numpy()})
        .duplicated(keep=False)
        .to_numpy()
    )
    if twice.any():
        first = int(np.flatnonzero(twice)[0])
        o, d = origin.iloc[first], destination.iloc[first]
        same = twice & (origin.to_numpy() == o) & (destination.to_numpy() == d)
        lines = origin.index[same].tolist()[:5]
        times = [float(t) for t in minutes[same][:5]]
        kind = "different times" if len(set(times)) > 1 else "the same time"
        msg = (f"{path}, line {lines[0]}: the pair {o} → {d} appears on lines {lines} with {kind} {times} (minutes); "
               f"each pair must appear once ({int(twice.sum())} rows in repeated pairs). Keep one row per pair.")  # fmt: skip
        raise DataFormatError(msg, path=str(path), line=int(lines[0]), column="origin")


def read_metric(path: PathLike, *, pad_codes: bool = True, sep: str | None = None,
                decimal: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Read a Metric-style (Insee distancier) table: ``commune_patient, commune_et, KM, HC``.

    ``HC`` is the off-peak road time in minutes. ``9999`` marks a pair Metric could not
    route: such rows are unreachable and left out (their count and first lines are in
    ``attrs["unroutable"]``). Metric exports often lost the leading zero of codes (``1001``):
    with `pad_codes` (default) they are zero-padded and counted in ``attrs["padded_codes"]``.
    """
    table, sep = read_table(
        path, ["commune_patient", "commune_et", "HC"], what="Metric distancier", sep=sep
    )
    raw_o = table["commune_patient"].str.strip()
    raw_d = table["commune_et"].str.strip()
    origin = codes_column(table, "commune_patient", path, pad=pad_codes)
    destination = codes_column(table, "commune_et", path, pad=pad_codes)
    minutes = to_float(table, "HC", path, sep=sep, decimal=decimal)
    unroutable = minutes >= METRIC_UNROUTABLE
    check_nonnegative(minutes, table, "HC", path)
    check_unique_pairs(origin, destination, minutes, path)
    keep = ~unroutable
    padded = int(((origin != raw_o) | (destination != raw_d)).sum())
    attrs = {"format": "metric", "source": str(path), "padded_codes": padded,
             "unroutable": {"count": int(unroutable.sum()), "lines": table.index[unroutable][:20].tolist()}}  # fmt: skip
    out = _long(origin[keep], destination[keep], minutes[keep], attrs)
    check_plausible_minutes(out, path)
    return out


def _read_long_text(
    path: PathLike, pad_codes: bool, sep: str | None, decimal: str | None
) -> pd.DataFrame:
    table, sep = read_table(path, ["origin", "destination", "minutes"], what="travel-time", sep=sep,
                            alternatives=[["origin", "destination", "seconds"]])  # fmt: skip
    origin = codes_column(table, "origin", path, pad=pad_codes)
    destination = codes_column(table, "destination", path, pad=pad_codes)
    if {"minutes", "seconds"} <= set(table.columns):
        raise DataFormatError(f"{path}, line 1: both 'minutes' and 'seconds' columns; keep the one to use.",
                              path=str(path), line=1, column="seconds")  # fmt: skip
    column = pick(table, "minutes", "seconds")
    assert column is not None  # read_table checked: one of the two is present
    values = to_float(table, column, path, sep=sep, decimal=decimal)
    check_nonnegative(values, table, column, path)
    minutes = values / 60.0 if column == "seconds" else values
    check_unique_pairs(origin, destination, minutes, path)
    out = _long(
        origin, destination, minutes, {"format": "long", "source": str(path), "unit": column}
    )
    check_plausible_minutes(out, path, unit=column)
    return out


def read_travel_time_matrix(
    path: PathLike,
    *,
    unit: str = "seconds",
    pad_codes: bool = False,
    sep: str | None = None,
    decimal: str | None = None,
) -> pd.DataFrame:
    """Read a square matrix CSV: first column = origin codes, header = destination codes.

    Parameters
    ----------
    unit : {"seconds", "minutes"}, default "seconds"
        Unit of the cells (OSRM ``table`` durations are seconds). Empty cells are
        unroutable pairs and are left out (counted in ``attrs["empty_cells"]``).
    """
    if unit not in ("seconds", "minutes"):
        raise DataFormatError(
            f"{path}: unit must be 'seconds' or 'minutes', got {unit!r}.", path=str(path)
        )
    table, sep = read_table(path, [], what="travel-time matrix", sep=sep)
    first = table.columns[0]
    dest_codes = pd.Series(table.columns[1:], dtype=object)
    header = pd.DataFrame(
        {"code": dest_codes.to_numpy()}, index=pd.RangeIndex(1, 1 + len(dest_codes))
    )
    destinations = codes_column(header, "code", path, pad=pad_codes).to_numpy()
    origins = codes_column(table, first, path, pad=pad_codes).to_numpy()
    repeated = pd.Index(origins).duplicated()
    if repeated.any():
        line = first_line(table, repeated)
        raise DataFormatError(f"{path}, line {line}: origin {str(origins[repeated][0])!r} has a second row; a matrix has "
                              "one row per origin.", path=str(path), line=line, column=first)  # fmt: skip
    cells = table.iloc[:, 1:]
    columns = []
    for k in range(cells.shape[1]):
        column = cells.iloc[:, k]
        empty = column.str.strip() == ""
        parsed, problem = parse_numbers(column.where(~empty, "0"), decimal=decimal, sep=sep)
        if problem:
            raise DataFormatError(f"{path}, column {str(cells.columns[k])!r}: {problem}.", path=str(path),
                                  column=str(cells.columns[k]))  # fmt: skip
        parsed[empty.to_numpy()] = np.nan
        bad = ~np.isfinite(parsed) & ~empty.to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            line, name = int(table.index[r]), str(cells.columns[k])
            msg = f"{path}, line {line}, column {name!r}: expected a number of {unit}, found {cells.iat[r, k]!r}."
            raise DataFormatError(msg, path=str(path), line=line, column=name)
        columns.append(parsed)
    numbers = pd.DataFrame(np.column_stack(columns) if columns else np.empty((len(table), 0)))
    arr = numbers.to_numpy(dtype=np.float64)
    present = ~np.isnan(arr)
    if (arr[present] < 0).any():
        r, c = map(int, np.argwhere(present & (np.nan_to_num(arr) < 0))[0])
        msg = f"{path}, line {int(table.index[r])}, column {str(cells.columns[c])!r}: negative time {float(arr[r, c])!r}."
        raise DataFormatError(
            msg, path=str(path), line=int(table.index[r]), column=str(cells.columns[c])
        )
    rows, cols = np.nonzero(present)
    minutes = arr[rows, cols] / (60.0 if unit == "seconds" else 1.0)
    attrs = {
        "format": "matrix",
        "source": str(path),
        "unit": unit,
        "empty_cells": int((~present).sum()),
    }
    out = _long(pd.Series(origins[rows]), pd.Series(destinations[cols]), minutes, attrs)
    check_plausible_minutes(out, path, unit=unit)
    return out


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise DataFormatError(
            f"{path}: not a readable Parquet file ({exc}).", path=str(path)
        ) from None
    column = pick(table, "minutes", "seconds")
    missing = [c for c in ("origin", "destination") if c not in table.columns] + (
        [] if column else ["minutes"]
    )
    if missing:
        raise DataFormatError(f"{path}: Parquet table lacks column(s) {missing}; found {list(table.columns)}.",
                              path=str(path), column=missing[0])  # fmt: skip
    for c in ("origin", "destination"):
        if not (pd.api.types.is_string_dtype(table[c].dtype) or table[c].dtype == object):
            raise DataFormatError(f"{path}: column {c!r} is {table[c].dtype}; commune codes must be stored as strings.",
                                  path=str(path), column=c)  # fmt: skip
    values = table[column].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{path}: row {k}, column {column!r}: expected a finite number ≥ 0, found {float(values[k])!r}.",
                              path=str(path), column=column)  # fmt: skip
    minutes = values / 60.0 if column == "seconds" else values
    out = _long(table["origin"].astype(object), table["destination"].astype(object), minutes,
                {"format": "parquet", "source": str(path), "unit": column})  # fmt: skip
    check_plausible_minutes(
        out, path, unit=column or "minutes"
    )  # as for CSV: seconds saved as minutes?
    return out


def detect_format(path: PathLike, sep: str | None = None) -> str:
    """The travel-time layout of a file, from its extension and header — strictly.

    ``.parquet``/``.pq`` → ``"parquet"``; a header with ``commune_patient`` and
    ``commune_et`` → ``"metric"``; with ``origin`` and ``destination`` → ``"long"``; a
    header whose every column after the first is a commune code → ``"matrix"``. Anything
    else is an error listing the expected names: a long table with unknown names must never
    be read as a matrix.
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    columns = header_columns(path, sep)
    names = set(columns)
    if {"commune_patient", "commune_et"} <= names:
        return "metric"
    if {"origin", "destination"} <= names:
        return "long"
    codes = columns[1:]
    if codes and all(re.fullmatch(r"\d{4,5}|2[ABab]\d{3}", c) for c in codes):
        return "matrix"
    lower = {c.lower() for c in columns}
    hint = ""
    if {"origin", "destination"} <= lower or {"commune_patient", "commune_et"} <= lower:
        hint = " Column names are case-sensitive."
    expected = "; ".join(f"{k}: {v}" for k, v in EXPECTED_HEADERS.items())
    msg = (f"{path}, line 1: cannot tell the travel-time layout from the header {columns[:8]}"
           f"{'…' if len(columns) > 8 else ''}. Expected {expected}. Rename the columns, or pass "
           f"format=.{hint}")  # fmt: skip
    raise DataFormatError(msg, path=str(path), line=1)


def read_travel_times(path: PathLike, *, format: str | None = None, pad_codes: bool | None = None,
                      sep: str | None = None, decimal: str | None = None,
                      unit: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Read travel times in any supported format into ``origin, destination, minutes``.

    Parameters
    ----------
    path : str or Path
        Delimited text (plain, gzip or a zip holding one file), ``.xlsx`` or Parquet.
    format : {"long", "metric", "matrix", "parquet"}, optional
        Detected when omitted (:func:`detect_format`): ``.parquet``/``.pq`` → Parquet; a
        header with ``commune_patient`` and ``commune_et`` → Metric; with ``origin`` and
        ``destination`` → long (``minutes`` or ``seconds``); a header made of commune codes
        after its first column → square matrix (seconds unless `unit`). Any other header is
        an error listing these names.
    pad_codes : bool, optional
        Zero-pad 4-digit codes (``1001`` → ``01001``, a lost leading zero). Default: True for
        Metric (whose exports are known to drop leading zeros), False otherwise.
    sep : str, optional
        Separator; detected when omitted.
    decimal : {",", "."}, optional
        Decimal mark; detected per column when omitted (see :func:`apl.io.tables.parse_numbers`).
    unit : {"seconds", "minutes"}, optional
        Unit of matrix cells (default seconds, as OSRM's ``table``).

    Returns
    -------
    pandas.DataFrame
        ``origin`` (str), ``destination`` (str), ``minutes`` (float); ``attrs`` record the
        format and what was left out (unroutable pairs, empty cells, padded codes). A median
        time above 300 minutes between distinct communes gives a
        :class:`apl.errors.DataWarning` (seconds read as minutes?).
    """
    path = Path(path)
    if format is None:
        format = detect_format(path, sep)
    if unit is not None and format != "matrix":
        raise DataFormatError(f"{path}: unit= applies to a matrix; a {format} file names its unit in its header.",
                              path=str(path))  # fmt: skip
    if format == "parquet":
        return _read_parquet(path)
    if format == "metric":
        return read_metric(
            path, pad_codes=True if pad_codes is None else pad_codes, sep=sep, decimal=decimal
        )
    if format == "long":
        return _read_long_text(path, bool(pad_codes), sep, decimal)
    if format == "matrix":
        return read_travel_time_matrix(path, unit=unit or "seconds", pad_codes=bool(pad_codes), sep=sep,
                                       decimal=decimal)  # fmt: skip
    raise DataFormatError(f"{path}: unknown travel-time format {format!r}; expected long, metric, matrix or parquet.",
                          path=str(path))  # fmt: skip
