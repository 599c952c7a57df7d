"""Travel-time tables (distanciers) → the long ``origin, destination, minutes`` table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .tables import (
    PathLike, check_nonnegative, codes_column, header_columns, pick, read_table, to_float,
)

__all__ = ["read_travel_times", "read_metric", "read_travel_time_matrix"]

#: Metric's "could not route" sentinel (minutes and km).
METRIC_UNROUTABLE = 9999.0


def _long(origin: pd.Series, destination: pd.Series, minutes: np.ndarray, attrs: dict) -> pd.DataFrame:
    out = pd.DataFrame({"origin": origin.to_numpy(dtype=object),
                        "destination": destination.to_numpy(dtype=object), "minutes": minutes})  # fmt: skip
    out.attrs.update(attrs)
    return out


def read_metric(path: PathLike, *, pad_codes: bool = True, sep: str | None = None) -> pd.DataFrame:
    """Read a Metric-style (Insee distancier) table: ``commune_patient, commune_et, KM, HC``.

    ``HC`` is the off-peak road time in minutes. ``9999`` marks a pair Metric could not
    route: such rows are unreachable and left out (their count and first lines are in
    ``attrs["unroutable"]``). Metric exports often lost the leading zero of codes (``1001``):
    with `pad_codes` (default) they are zero-padded and counted in ``attrs["padded_codes"]``.
    """
    table, sep = read_table(path, ["commune_patient", "commune_et", "HC"], what="Metric distancier", sep=sep)
    raw_o = table["commune_patient"].str.strip()
    raw_d = table["commune_et"].str.strip()
    origin = codes_column(table, "commune_patient", path, pad=pad_codes)
    destination = codes_column(table, "commune_et", path, pad=pad_codes)
    minutes = to_float(table, "HC", path, decimal_comma=sep == ";")
    unroutable = minutes >= METRIC_UNROUTABLE
    check_nonnegative(minutes, table, "HC", path)
    keep = ~unroutable
    padded = int(((origin != raw_o) | (destination != raw_d)).sum())
    attrs = {"format": "metric", "source": str(path), "padded_codes": padded,
             "unroutable": {"count": int(unroutable.sum()), "lines": table.index[unroutable][:20].tolist()}}  # fmt: skip
    return _long(origin[keep], destination[keep], minutes[keep], attrs)


def _read_long_text(path: PathLike, pad_codes: bool, sep: str | None) -> pd.DataFrame:
    table, sep = read_table(path, ["origin", "destination", "minutes"], what="travel-time", sep=sep,
                            alternatives=[["origin", "destination", "seconds"]])  # fmt: skip
    origin = codes_column(table, "origin", path, pad=pad_codes)
    destination = codes_column(table, "destination", path, pad=pad_codes)
    column = pick(table, "minutes", "seconds")
    values = to_float(table, column, path, decimal_comma=sep == ";")
    check_nonnegative(values, table, column, path)
    minutes = values / 60.0 if column == "seconds" else values
    return _long(origin, destination, minutes, {"format": "long", "source": str(path), "unit": column})


def read_travel_time_matrix(
    path: PathLike, *, unit: str = "seconds", pad_codes: bool = False, sep: str | None = None
) -> pd.DataFrame:
    """Read a square matrix CSV: first column = origin codes, header = destination codes.

    Parameters
    ----------
    unit : {"seconds", "minutes"}, default "seconds"
        Unit of the cells (OSRM ``table`` durations are seconds). Empty cells are
        unroutable pairs and are left out (counted in ``attrs["empty_cells"]``).
    """
    if unit not in ("seconds", "minutes"):
        raise DataFormatError(f"{path}: unit must be 'seconds' or 'minutes', got {unit!r}.", path=str(path))
    table, sep = read_table(path, [], what="travel-time matrix", sep=sep)
    first = table.columns[0]
    dest_codes = pd.Series(table.columns[1:], dtype=object)
    header = pd.DataFrame({"code": dest_codes.to_numpy()}, index=pd.RangeIndex(1, 1 + len(dest_codes)))
    destinations = codes_column(header, "code", path, pad=pad_codes).to_numpy()
    origins = codes_column(table, first, path, pad=pad_codes).to_numpy()
    cells = table.iloc[:, 1:]
    values = cells.apply(lambda c: c.str.strip()).replace("", np.nan)
    if sep == ";":
        values = values.apply(lambda c: c.str.replace(",", ".", regex=False))
    numbers = values.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.to_numpy().any():
        r, c = map(int, np.argwhere(bad.to_numpy())[0])
        line, column = int(table.index[r]), str(cells.columns[c])
        msg = f"{path}, line {line}, column {column!r}: expected a number of {unit}, found {cells.iat[r, c]!r}."
        raise DataFormatError(msg, path=str(path), line=line, column=column)
    arr = numbers.to_numpy(dtype=np.float64)
    present = ~np.isnan(arr)
    if (arr[present] < 0).any():
        r, c = map(int, np.argwhere(present & (np.nan_to_num(arr) < 0))[0])
        msg = f"{path}, line {int(table.index[r])}, column {str(cells.columns[c])!r}: negative time {arr[r, c]!r}."
        raise DataFormatError(msg, path=str(path), line=int(table.index[r]), column=str(cells.columns[c]))
    rows, cols = np.nonzero(present)
    minutes = arr[rows, cols] / (60.0 if unit == "seconds" else 1.0)
    attrs = {"format": "matrix", "source": str(path), "unit": unit, "empty_cells": int((~present).sum())}
    return _long(pd.Series(origins[rows]), pd.Series(destinations[cols]), minutes, attrs)


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise DataFormatError(f"{path}: not a readable Parquet file ({exc}).", path=str(path)) from None
    column = pick(table, "minutes", "seconds")
    missing = [c for c in ("origin", "destination") if c not in table.columns] + ([] if column else ["minutes"])
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
        raise DataFormatError(f"{path}: row {k}, column {column!r}: expected a finite number ≥ 0, found {values[k]!r}.",
                              path=str(path), column=column)  # fmt: skip
    minutes = values / 60.0 if column == "seconds" else values
    return _long(table["origin"].astype(object), table["destination"].astype(object), minutes,
                 {"format": "parquet", "source": str(path), "unit": column})  # fmt: skip


def read_travel_times(path: PathLike, *, format: str | None = None, pad_codes: bool | None = None,
                      sep: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Read travel times in any supported format into ``origin, destination, minutes``.

    Parameters
    ----------
    path : str or Path
    format : {"long", "metric", "matrix", "parquet"}, optional
        Detected when omitted: ``.parquet``/``.pq`` → Parquet; a header with
        ``commune_patient`` → Metric; with ``origin`` and ``destination`` → long (``minutes``
        or ``seconds``); otherwise a square matrix in seconds.
    pad_codes : bool, optional
        Zero-pad all-digit codes shorter than 5 characters. Default: True for Metric (whose
        exports are known to drop leading zeros), False otherwise.

    Returns
    -------
    pandas.DataFrame
        ``origin`` (str), ``destination`` (str), ``minutes`` (float); ``attrs`` record the
        format and what was left out (unroutable pairs, empty cells, padded codes).
    """
    path = Path(path)
    if format is None:
        if path.suffix.lower() in (".parquet", ".pq"):
            format = "parquet"
        else:
            cols = set(header_columns(path, sep))
            format = "metric" if "commune_patient" in cols else "long" if {"origin", "destination"} <= cols else "matrix"
    if format == "parquet":
        return _read_parquet(path)
    if format == "metric":
        return read_metric(path, pad_codes=True if pad_codes is None else pad_codes, sep=sep)
    if format == "long":
        return _read_long_text(path, bool(pad_codes), sep)
    if format == "matrix":
        return read_travel_time_matrix(path, pad_codes=bool(pad_codes), sep=sep)
    raise DataFormatError(f"{path}: unknown travel-time format {format!r}; expected long, metric, matrix or parquet.",
                          path=str(path))  # fmt: skip
