"""Commune codes: explicit zero-padding and COG harmonisation of merged communes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import validation
from ..errors import CommuneCodeError, ValidationError

__all__ = ["PLM_CITIES", "check_arrondissements", "harmonize_communes", "normalize_commune_codes"]

# Columns that identify a row together with the commune: grouped by, never summed.
_KEY_COLUMNS = ("age", "sex", "year", "destination", "origin")


def normalize_commune_codes(codes: pd.Series) -> pd.Series:
    """Zero-pad commune codes that went through a numeric column (1001 → '01001').

    Accepts integers, integral floats and strings; returns text codes. Corsican codes
    (``2A004``) and already-correct codes are unchanged. A value that cannot be a code
    (NaN, 1001.5, more than 5 characters) raises :class:`apl.errors.CommuneCodeError`.
    """

    def one(value: object) -> str:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            text = str(int(value))
        elif (
            isinstance(value, (float, np.floating))
            and np.isfinite(value)
            and float(value).is_integer()
        ):
            text = str(int(value))
        elif isinstance(value, str):
            text = value.strip().removesuffix(".0")
        else:
            text = ""
        if text.isdigit() and len(text) <= 5:
            return text.zfill(5)
        if len(text) == 5 and text[:2].upper() in ("2A", "2B") and text[2:].isdigit():
            return text.upper()
        if text and not text.isdigit():
            return text
        msg = f"normalize_commune_codes: {value!r} cannot be a commune code."
        raise CommuneCodeError(msg, column=str(codes.name))

    return pd.Series([one(v) for v in codes], index=codes.index, name=codes.name, dtype=object)


def harmonize_communes(
    table: pd.DataFrame,
    mapping: Mapping[str, str] | pd.Series | pd.DataFrame,
    *,
    column: str = "commune",
    sum_columns: Sequence[str] | None = None,
    valid_codes: Collection[str] | None = None,
) -> pd.DataFrame:
    """Re-code merged communes to one COG year and sum what must be summed.

    Parameters
    ----------
    table : pandas.DataFrame
        A table keyed by commune (population, supply…); may have other key columns (e.g.
        ``age``), which are kept in the grouping.
    mapping : dict, Series or DataFrame
        Old code → new code (a DataFrame needs columns ``old`` and ``new``). Codes absent
        from the mapping keep their code.
    column : str, default "commune"
        The commune column of `table`.
    sum_columns : list of str, optional
        Columns to sum over communes that merge; default every numeric column except the
        key columns ``age``, ``sex``, ``year`` (kept in the grouping). Other columns are
        taken from the first row of each merged commune (e.g. a name).
    valid_codes : collection of str, optional
        The codes of the target COG. When given, every code that is neither in it nor
        mapped into it is reported in ``attrs["unmapped"]`` (and kept as is, never
        dropped silently).

    Returns
    -------
    pandas.DataFrame
        The harmonised table (same columns). ``attrs["recoded"]`` counts the rows whose
        code changed; ``attrs["unmapped"]`` lists the codes that could not be mapped.
    """
    validation.require_columns(table, [column], "table")
    codes = validation.check_codes(table[column], "table", column, table)
    if isinstance(mapping, pd.DataFrame):
        validation.require_columns(mapping, ["old", "new"], "mapping")
        validation.check_unique(
            mapping, ["old"], "mapping", hint="An old code maps to one new code."
        )
        mapping = dict(zip(mapping["old"], mapping["new"], strict=True))
    elif isinstance(mapping, pd.Series):
        mapping = mapping.to_dict()
    new_codes = codes.map(lambda c: mapping.get(c, c))
    bad = [v for v in set(mapping.values()) if not isinstance(v, str)]
    if bad:
        raise ValidationError(
            f"mapping: new codes must be text, found {bad[:5]}.", table="mapping", column="new"
        )
    out = table.copy()
    out[column] = new_codes
    recoded = int((new_codes != codes).sum())
    keys = [column] + [
        c for c in _KEY_COLUMNS if c in table.columns and c not in (sum_columns or ())
    ]
    sums = (
        list(sum_columns)
        if sum_columns is not None
        else [
            c
            for c in table.columns
            if c not in keys and pd.api.types.is_numeric_dtype(table[c].dtype)
        ]
    )
    others = [c for c in table.columns if c not in sums and c not in keys]
    aggregations = {**{c: "sum" for c in sums}, **{c: "first" for c in others}}
    result = out.groupby(keys, sort=False, as_index=False).agg(aggregations)[list(table.columns)]
    result.attrs["recoded"] = recoded
    unmapped: list[str] = []
    if valid_codes is not None:
        valid = set(valid_codes)
        unmapped = sorted(set(result[column]) - valid)
    result.attrs["unmapped"] = unmapped
    return result


#: Paris, Lyon, Marseille: parent commune code → (name, regex of its arrondissement codes).
PLM_CITIES = {
    "75056": ("Paris", r"751(0[1-9]|1\d|20)"),
    "69123": ("Lyon", r"6938[1-9]"),
    "13055": ("Marseille", r"132(0[1-9]|1[0-6])"),
}


def check_arrondissements(tables: Mapping[str, Collection[str]]) -> None:
    """Paris, Lyon and Marseille must be coded the same way in every table.

    APL is computed by arrondissement (methodology §6): if one table (say the population)
    has the arrondissements ``75101…75120`` and another (the travel times, the supply) has
    the parent commune ``75056``, every pair or practice there would silently miss its
    commune. This raises instead, naming the tables and the codes.

    Parameters
    ----------
    tables : mapping of table name → its commune codes

    Raises
    ------
    apl.errors.CommuneCodeError
    """
    for parent, (city, arm) in PLM_CITIES.items():
        with_parent = [name for name, codes in tables.items() if parent in set(codes)]
        with_arm = [name for name, codes in tables.items()
                    if pd.Series(list(set(codes)), dtype=object).astype(str).str.fullmatch(arm).any()]  # fmt: skip
        if with_parent and with_arm and set(with_parent) != set(with_arm):
            only_parent = [n for n in with_parent if n not in with_arm]
            only_arm = [n for n in with_arm if n not in with_parent]
            msg = (f"{city}: {', '.join(only_parent) or ', '.join(with_parent)} use(s) the commune code {parent}, "
                   f"{', '.join(only_arm) or ', '.join(with_arm)} its arrondissements; use the arrondissements "
                   "in every table (APL is computed by arrondissement) — e.g. split the parent's rows, or read "
                   "the population with arrondissements=True.")  # fmt: skip
            raise CommuneCodeError(
                msg, table=", ".join(only_parent or with_parent), column="commune"
            )
