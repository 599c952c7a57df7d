"""Input checks shared by the public functions (internal: not re-exported, no stability promise).

Checks run once, at the public boundary; kernels assume valid arrays. Each check raises
an :mod:`apl.errors` exception naming the table, the column, the first offending row and
what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from . import kernels
from .errors import CommuneCodeError, DuplicateError, MissingColumnError, ValidationError

# A code made only of digits and shorter than 5 characters is a COG code that went through
# an integer column (1001 for 01001). Other free-form codes (grid cells, test ids) are allowed.
_LOST_ZERO = re.compile(r"^\d{1,4}$")

#: How spatial-unit ids are checked: ``"cog"`` (French commune codes: text, no lost leading
#: zero) or ``"any"`` (any hashable id, e.g. grid cells, IRIS, integers: only missing ids are
#: refused).
IdKind = Literal["cog", "any"]
ID_KINDS: tuple[str, ...] = ("cog", "any")
#: The key column of a demand or supply table: COG commune codes, or ids of any unit.
KEY_COLUMNS: tuple[str, ...] = ("commune", "id")


def key_column(data: pd.DataFrame | pd.Series, table: str) -> str:
    """The key column of a demand/supply table: ``"commune"`` or ``"id"``.

    A Series is keyed by its index: ``"id"`` when the index is named ``id``, else
    ``"commune"``. A DataFrame must have exactly one of the two columns.
    """
    if isinstance(data, pd.Series):
        return "id" if data.index.name == "id" else "commune"
    if isinstance(data, pd.DataFrame):
        present = [c for c in KEY_COLUMNS if c in data.columns]
        if len(present) == 2:
            msg = (
                f"{table} has both a 'commune' and an 'id' column; keep one (commune = COG "
                "commune code, id = any spatial unit)."
            )
            raise ValidationError(msg, table=table, column="id")
        if present:
            return present[0]
    return "commune"


def resolve_ids(ids: str | None, *tables: tuple[pd.DataFrame | pd.Series, str]) -> IdKind:
    """The id kind: `ids` if given, else ``"any"`` when a table is keyed by ``id``, else ``"cog"``."""
    if ids is not None:
        if ids not in ID_KINDS:
            msg = f"ids must be 'cog' (COG commune codes) or 'any' (ids of any unit), got {ids!r}."
            raise ValidationError(msg, table="options", column="ids")
        return "cog" if ids == "cog" else "any"
    keyed_by_id = any(key_column(data, table) == "id" for data, table in tables)
    return "any" if keyed_by_id else "cog"


def check_diagonal(diagonal: str) -> Literal["zero", "table"]:
    """Check the `diagonal` option: ``"zero"`` (DREES) or ``"table"`` (the table's own time)."""
    if diagonal not in ("zero", "table"):
        msg = (
            f"diagonal must be 'zero' (a unit reaches itself in 0 minutes, DREES) or 'table' "
            f"(use the table's own unit-to-itself time), got {diagonal!r}."
        )
        raise ValidationError(msg, table="options", column="diagonal")
    return "zero" if diagonal == "zero" else "table"


def plain(value: object) -> object:
    """A NumPy scalar as the Python scalar it holds, so messages read ``row 3``, not
    ``row np.int64(3)``."""
    return value.item() if isinstance(value, np.generic) else value


def _describe_row(frame: pd.DataFrame | pd.Series, position: int, keys: Sequence[str]) -> str:
    label = plain(frame.index[position])
    parts = [f"row {label!r}"]
    if isinstance(frame, pd.DataFrame):
        shown = [f"{k}={plain(frame[k].iloc[position])!r}" for k in keys if k in frame.columns]
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


# A Corsican code typed in lower case ('2a004' for '2A004'): it would never match the
# upper-case codes of the other tables (the COG writes 2A/2B).
_LOWER_CORSICA = re.compile(r"^2[ab]\d{3}$")


def _code_problem(code: object, column: str = "commune") -> str | None:
    if not isinstance(code, str):
        return f"expected a text commune code, found {plain(code)!r}"
    if code != code.strip():
        return (
            f"code {code!r} has leading or trailing whitespace, so it would never match "
            f"{code.strip()!r} in the other tables. Strip the codes (e.g. "
            f"df[{column!r}] = df[{column!r}].str.strip()) or use apl.io.normalize_commune_codes()"
        )
    if _LOWER_CORSICA.match(code):
        return (
            f"code {code!r} is in lower case, so it would never match {code.upper()!r} in the "
            "other tables (the COG writes Corsica as 2A/2B). Upper-case the codes (e.g. "
            f"df[{column!r}] = df[{column!r}].str.upper()) or use apl.io.normalize_commune_codes()"
        )
    if _LOST_ZERO.match(code):
        return (
            f"code {code!r} has fewer than 5 digits; it probably lost its leading zero "
            f"({code.zfill(5)!r}). Read codes as text, or zero-pad explicitly with "
            "apl.io.normalize_commune_codes()"
        )
    return None


def factorize_codes(
    codes: pd.Series,
    table: str,
    column: str,
    frame: pd.DataFrame | pd.Series | None = None,
    *,
    ids: IdKind = "cog",
) -> tuple[np.ndarray, np.ndarray]:
    """Check commune codes are text and none lost its leading zero; factorize them.

    Integer or float columns are rejected rather than zero-padded: padding is a choice
    made explicitly by the caller (`apl.io.normalize_commune_codes`). Each distinct code is
    checked once, so this is cheap on millions of travel-time rows. With ``ids="any"``
    (spatial units other than communes) only missing ids are refused.

    Returns
    -------
    positions : numpy.ndarray of int64, shape (len(codes),)
        Position of each row's code in `uniques`.
    uniques : numpy.ndarray of object (str)
        Distinct codes in order of first appearance.
    """
    where = frame if frame is not None else codes
    if ids == "any":
        return _factorize_any(codes, table, column, where)
    if len(codes) and (
        pd.api.types.is_numeric_dtype(codes.dtype) or pd.api.types.is_bool_dtype(codes.dtype)
    ):
        msg = (
            f"{table}: column {column!r} holds numbers ({codes.dtype}); commune codes are text "
            f"('01001', '2A004'). Read the file with dtype={{{column!r}: str}}, or zero-pad "
            "explicitly with apl.io.normalize_commune_codes()."
        )
        raise CommuneCodeError(msg, table=table, column=column)
    positions, uniques = _factorize_present(
        codes, table, column, where, "commune code", CommuneCodeError
    )
    # Vectorised screen of the distinct codes; the slow per-code message only on failure.
    if pd.api.types.is_string_dtype(codes.dtype) and codes.dtype != object:
        is_text = np.ones(len(uniques), dtype=bool)  # a pandas string column holds only str
    else:
        is_text = np.fromiter((type(u) is str for u in uniques), dtype=bool, count=len(uniques))
    suspect = ~is_text
    if is_text.all() and len(uniques):
        text = uniques.astype(str)  # fixed-width unicode: numpy's C string loops
        suspect = (
            ((np.char.str_len(text) < 5) & np.char.isdigit(text))
            | (np.char.strip(text) != text)  # '38001 ': never matches '38001'
            | np.char.startswith(text, "2a")  # '2a004': never matches '2A004'
            | np.char.startswith(text, "2b")
        )
    for k in np.flatnonzero(suspect):
        problem = _code_problem(uniques[k], column)
        if problem is not None:
            pos = int(np.argmax(positions == k))
            msg = f"{table}: column {column!r}, {_describe_row(where, pos, [column])}: {problem}."
            raise CommuneCodeError(msg, table=table, column=column, row=where.index[pos])
    return positions, uniques


def _factorize_any(
    codes: pd.Series, table: str, column: str, where: pd.DataFrame | pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Factorize ids of any hashable kind; only a missing id is an error."""
    try:
        return _factorize_present(codes, table, column, where, "id", ValidationError)
    except TypeError as exc:  # unhashable values (lists, dicts)
        msg = f"{table}: column {column!r} holds values that cannot be ids ({exc})."
        raise ValidationError(msg, table=table, column=column) from exc


def _factorize_present(
    codes: pd.Series,
    table: str,
    column: str,
    where: pd.DataFrame | pd.Series,
    what: str,
    error: type[ValidationError],
) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize in order of appearance (positions int64, uniques object); a missing
    value raises `error` naming the row ("missing {what}")."""
    positions, uniques = pd.factorize(codes, sort=False, use_na_sentinel=True)
    positions = np.asarray(positions, dtype=np.int64)
    uniques = np.asarray(uniques, dtype=object)
    missing = positions < 0
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        msg = f"{table}: column {column!r}, {_describe_row(where, pos, [column])}: missing {what}."
        raise error(msg, table=table, column=column, row=where.index[pos])
    return positions, uniques


def key_kind(values: object) -> str | None:
    """``"integer"`` or ``"text"`` when every id in `values` is of that kind, else None
    (empty, mixed, floats or other hashables: nothing to compare)."""
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return {"integer": "integer", "string": "text"}.get(inferred)


def check_key_kinds(*columns: tuple[str, str, object]) -> None:
    """Raise CommuneCodeError when the ids of two tables are of different kinds.

    `columns` are ``(table, column, ids)``. Integer ids never equal text ids (``1`` is not
    ``'1'``): demand, supply and travel times keyed by different kinds share no unit and
    every APL would silently be 0. Run on the distinct ids (cheap); only the general path
    needs it (the fast paths key one kind only).
    """
    kinds = [(table, column, kind, ids) for table, column, ids in columns
             if (kind := key_kind(ids)) is not None]  # fmt: skip
    if not kinds:
        return
    first = kinds[0]
    for other in kinds[1:]:
        if other[2] == first[2]:
            continue
        text, integer = (other, first) if other[2] == "text" else (first, other)

        def example(values: object) -> object:
            return plain(np.asarray(values, dtype=object)[0])

        msg = (
            f"{other[0]}: column {other[1]!r} holds {other[2]} ids (e.g. {example(other[3])!r}) "
            f"but {first[0]}: column {first[1]!r} holds {first[2]} ids (e.g. "
            f"{example(first[3])!r}): integer and text ids never match (1 is not '1'), so "
            "every APL would be 0. Cast one side so that every table uses one kind, e.g. "
            f"{text[0]}[{text[1]!r}].astype(int) or {integer[0]}[{integer[1]!r}].astype(str)."
        )
        raise CommuneCodeError(msg, table=other[0], column=other[1])


def check_codes(
    codes: pd.Series,
    table: str,
    column: str,
    frame: pd.DataFrame | pd.Series | None = None,
    *,
    ids: IdKind = "cog",
) -> pd.Series:
    """Like :func:`factorize_codes`, returning the codes as an object Series (``str`` for COG)."""
    positions, uniques = factorize_codes(codes, table, column, frame, ids=ids)
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
                f"number{unit}, found {plain(values.iloc[pos])!r}."
            )
            raise ValidationError(msg, table=table, column=column, row=where.index[pos])
        values = converted
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    for bad, what in (
        (np.isnan(arr), "a missing value (NaN)"),
        (np.isinf(arr), "an infinite value"),
    ):
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
            f"{table}: column {column!r}, {_describe_row(where, pos, keys)}: found {plain(arr[pos])!r}; "
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
    data: pd.DataFrame | pd.Series,
    table: str,
    value: str,
    unit: str = "",
    *,
    ids: IdKind = "cog",
) -> tuple[pd.Series, np.ndarray]:
    """Validate a (key, value) table given as a DataFrame or a Series indexed by key.

    The key column is ``commune`` or ``id`` (:func:`key_column`); with ``ids="cog"`` its
    values are checked as COG commune codes, with ``ids="any"`` any hashable id is accepted.

    Returns
    -------
    codes : pandas.Series
        Keys (``str`` for COG codes), unique, in input order; named after the key column.
        When every key is a COG-shaped code, ``codes.attrs["cog_keys"]`` holds their
        integer keys (:func:`apl.kernels.cog_keys`).
    values : numpy.ndarray of float64
        The checked values (finite, ≥ 0).
    """
    key = key_column(data, table)
    if isinstance(data, pd.Series):
        frame = pd.DataFrame({key: data.index.to_numpy(), value: data.to_numpy()})
    elif isinstance(data, pd.DataFrame):
        require_columns(data, [key, value], table)
        fast = _fast_keyed_table(data, key, value)  # before copying the two columns out
        if fast is not None:
            return fast
        frame = data[[key, value]]
    else:
        msg = (
            f"{table} must be a DataFrame with columns ['commune', {value!r}] or a Series "
            f"indexed by commune, got {type(data).__name__}."
        )
        raise ValidationError(msg, table=table)
    fast = _fast_keyed_table(frame, key, value)
    if fast is not None:
        return fast
    codes = check_codes(frame[key], table, key, frame, ids=ids)
    check_unique(
        frame,
        [key],
        table,
        hint=f"Aggregate first (e.g. groupby({key!r}).sum()); supply per GP goes through "
        "apl.retained_activity().",
    )
    values = check_values(frame[value], table, value, frame, keys=[key], unit=unit)
    return codes, values


# --- codes straight from Arrow buffers (the fast path of apl.pairs and of keyed tables) ---


def arrow_strings(column: pd.Series) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(UTF-8 bytes, offsets) of each chunk of an Arrow-backed string column, zero-copy.

    None when the column is not Arrow strings or holds a missing value (the general path
    then reports it).
    """
    dtype = column.dtype
    is_arrow = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype)
        and (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
        )
    )
    if not is_arrow:
        return None
    chunked = column.array.__arrow_array__()
    if isinstance(chunked, pa.Array):
        chunked = pa.chunked_array([chunked])
    return chunk_buffers(chunked)


def chunk_buffers(chunked: pa.ChunkedArray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(UTF-8 bytes, offsets) of each chunk of an Arrow string array (zero-copy), or None
    when a chunk holds a missing value or is not string / large_string."""
    out = []
    for chunk in chunked.chunks:
        if chunk.null_count or not (
            pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)
        ):
            return None
        _, offsets_buf, data_buf = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buf, dtype=width)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = (
            np.frombuffer(data_buf, dtype=np.uint8)
            if data_buf is not None
            else np.zeros(0, np.uint8)
        )
        out.append((data, offsets))
    return out


def cog_keys_of(column: pd.Series | pd.Index | np.ndarray) -> np.ndarray | None:
    """Integer COG keys of a column of codes (-1 where not COG-shaped), or None when the
    column is not all text (then only the general path can read it)."""
    chunks = arrow_strings(column) if isinstance(column, pd.Series) else None
    if chunks is None:
        if isinstance(column, pd.Series) and not (
            column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
        ):
            return None
        try:
            array = pa.array(np.asarray(column, dtype=object), type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        chunks = arrow_strings(pd.Series(pd.arrays.ArrowStringArray(array)))
        if chunks is None:
            return None
    if not chunks:
        return np.zeros(0, dtype=np.int32)
    keys = [kernels.cog_keys(data, offsets) for data, offsets in chunks]
    return keys[0] if len(keys) == 1 else np.concatenate(keys)


def string_chunks(column: pd.Series) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(UTF-8 bytes, offsets) of each Arrow chunk of a string column, zero-copy (no
    concatenation of the chunks pandas reads a CSV file into); other text columns are
    converted once. None when the column is not all text without missing values."""
    chunks = arrow_strings(column)
    if chunks is not None:
        return chunks
    buffers = arrow_buffers(column)
    return None if buffers is None else [buffers]


def arrow_buffers(
    column: pd.Series | pa.Array | pa.ChunkedArray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(UTF-8 bytes, offsets) of a whole string column, Arrow-backed or converted; None when
    it is not all text without missing values."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    if isinstance(column, pa.ChunkedArray):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            return None
        chunks = chunk_buffers(column)
        if chunks is None:
            return None
        if len(chunks) == 1:
            return chunks[0]
        column = pd.Series(pd.arrays.ArrowStringArray(column))
    chunks = arrow_strings(column)
    if chunks is None:
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            return None
        try:
            array = pa.array(column.to_numpy(dtype=object), type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        chunks = arrow_strings(pd.Series(pd.arrays.ArrowStringArray(array)))
        if chunks is None:
            return None
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64)
    # several chunks: one buffer (a copy of the bytes) so that the kernel sees one array
    merged = pa.concat_arrays(
        [pa.array(c, type=pa.large_string()) for c in column.array.__arrow_array__().chunks]
    )
    return arrow_strings(pd.Series(pd.arrays.ArrowStringArray(merged)))[0]  # type: ignore[index]


def _fast_keyed_table(
    frame: pd.DataFrame, key: str, value: str
) -> tuple[pd.Series, np.ndarray] | None:
    """as_keyed_table for COG-shaped text keys and clean numbers, or None (then the checks
    run one by one and raise the exact error). COG-shaped codes pass every code check,
    under ``ids="cog"`` and ``ids="any"`` alike."""
    column, values = frame[key], frame[value]
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return None
    keys = cog_keys_of(column)
    if keys is None or (keys < 0).any():
        return None
    if len(keys) and np.bincount(keys, minlength=kernels.COG_KEY_SPACE).max() > 1:
        return None
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    if not (np.isfinite(arr).all() and (arr >= 0).all()):
        return None
    codes = pd.Series(column.to_numpy(dtype=object), index=column.index, name=key, dtype=object)
    # the COG keys ride along (read by compute_apl: canonical order and key tables without
    # keying the codes again); a Series made here, so the attribute is ours to set
    codes.attrs["cog_keys"] = keys
    return codes, arr
