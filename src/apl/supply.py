"""Supply: the retained annual activity of GPs, summed by commune of practice (methodology §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import validation
from .errors import ValidationError

if TYPE_CHECKING:
    from .parameters import MethodParameters

__all__ = ["ActivityCaps", "retained_activity"]

_STRUCTURES = ("cabinet", "centre_de_sante")


@dataclass(frozen=True)
class ActivityCaps:
    """How a GP's annual acts are retained (DREES ``Paramètres`` sheet, APL 2022–2023).

    Parameters
    ----------
    min_acts : float, default 250
        A GP with at most this many acts (per year) is not counted (retained 0).
    floor : float, default 3600
        A GP with more than `min_acts` and at most `floor` acts is retained at `floor`.
    ceiling : float, default 6000
        A GP with more than `ceiling` acts is retained at `ceiling`; between `floor` and
        `ceiling` the actual count is kept.
    new_practitioner : float or None, default 5400
        Acts imputed to a liberal GP with no liberal activity the previous year. ``None``:
        no special rule, such a GP's own acts go through the caps like anyone's (what a
        profession whose parameters name no imputed value gets).

    Notes
    -----
    The sheet reads "< 250 → 0" and "251–3,600 → 3,600", leaving 250 unassigned; apl
    retains 0 for exactly 250 acts. Centres de santé are never capped.
    """

    min_acts: float = 250.0
    floor: float = 3600.0
    ceiling: float = 6000.0
    new_practitioner: float | None = 5400.0

    def __post_init__(self) -> None:
        values = [self.min_acts, self.floor, self.ceiling]
        if self.new_practitioner is not None:
            values.append(self.new_practitioner)
        if not all(np.isfinite(v) and v >= 0 for v in values) or not (
            self.min_acts <= self.floor <= self.ceiling
        ):
            msg = (
                "ActivityCaps: expected finite values with 0 ≤ min_acts ≤ floor ≤ ceiling, "
                f"got {self!r}."
            )
            raise ValidationError(msg, table="caps")

    def retain(self, acts: np.ndarray) -> np.ndarray:
        """Retained acts (per year) of liberal GPs with `acts` acts in the year."""
        acts = np.asarray(acts, dtype=np.float64)
        capped = np.clip(acts, self.floor, self.ceiling)
        return np.where(acts <= self.min_acts, 0.0, capped)


def _bool_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    col = frame[column]
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.to_numpy(dtype=bool)
    valid = col.isin([True, False, 0, 1]).to_numpy()
    if not valid.all():
        pos = int(np.flatnonzero(~valid)[0])
        msg = (
            f"practitioners: column {column!r}, row {validation.plain(frame.index[pos])!r}: found "
            f"{validation.plain(col.iloc[pos])!r}; expected True/False."
        )
        raise ValidationError(msg, table="practitioners", column=column, row=frame.index[pos])
    return col.astype(bool).to_numpy()


def retained_activity(
    practitioners: pd.DataFrame,
    *,
    max_age: float | None = None,
    caps: ActivityCaps | None = None,
    parameters: MethodParameters | None = None,
) -> pd.Series:
    """Retained activity (acts per year) per commune of practice.

    Parameters
    ----------
    practitioners : pandas.DataFrame
        One row per GP (or per centre de santé) with columns ``commune`` (text COG code of
        the practice), ``acts`` (acts in the year: consultations, visits,
        teleconsultations) and optionally ``age`` (years), ``new_practitioner`` (bool: no
        liberal activity the previous year) and ``structure`` (``"cabinet"`` or
        ``"centre_de_sante"``; default ``"cabinet"``).
    max_age : float, optional
        Drop GPs older than this (years); 65 gives the zoning variant. Requires ``age``.
    caps : ActivityCaps, optional
        Retention rule; defaults to the caps of `parameters`, else the DREES GP caps.
    parameters : apl.parameters.MethodParameters, optional
        Method parameters of a profession and edition (``apl.parameters.get("gp", 2023)``):
        their caps (unless `caps` is given) and whether centres de santé are capped.

    Returns
    -------
    pandas.Series
        Retained acts per year, indexed by commune (order of first appearance, every commune
        of the input, 0 where no GP is retained), named ``acts``. ``attrs`` record how many
        GPs were excluded by age and how many retained 0 (≤ `caps.min_acts` acts).
    """
    if caps is None:
        caps = (
            parameters.caps
            if parameters is not None and parameters.caps is not None
            else ActivityCaps()
        )
    centres_capped = bool(parameters.health_centre_capped) if parameters is not None else False
    validation.require_columns(practitioners, ["commune", "acts"], "practitioners")
    # validated and factorised in one pass: positions index the distinct codes
    commune_index, uniques = validation.factorize_codes(
        practitioners["commune"], "practitioners", "commune", practitioners
    )
    acts = validation.check_values(
        practitioners["acts"], "practitioners", "acts", practitioners,
        keys=["commune"], unit=" acts per year",
    )  # fmt: skip
    n = len(practitioners)
    new = (
        _bool_column(practitioners, "new_practitioner")
        if "new_practitioner" in practitioners.columns
        else np.zeros(n, dtype=bool)
    )
    if "structure" in practitioners.columns:
        structure = practitioners["structure"]
        known = structure.isin(_STRUCTURES).to_numpy()
        if not known.all():
            pos = int(np.flatnonzero(~known)[0])
            msg = (
                f"practitioners: column 'structure', row {validation.plain(practitioners.index[pos])!r}: found "
                f"{validation.plain(structure.iloc[pos])!r}; expected one of {list(_STRUCTURES)}."
            )
            raise ValidationError(
                msg, table="practitioners", column="structure", row=practitioners.index[pos]
            )
        centre = (structure == "centre_de_sante").to_numpy()
    else:
        centre = np.zeros(n, dtype=bool)

    keep = np.ones(n, dtype=bool)
    if max_age is not None:
        if "age" not in practitioners.columns:
            msg = f"practitioners: max_age={max_age} needs an 'age' column; found {list(practitioners.columns)}."
            raise ValidationError(msg, table="practitioners", column="age")
        age = validation.check_values(
            practitioners["age"],
            "practitioners",
            "age",
            practitioners,
            keys=["commune"],
            unit=" years",
        )
        keep = age <= max_age

    # Order matters: centres are not capped (DREES GP rule); a new liberal GP gets the
    # imputed value.
    if centres_capped:
        centre = np.zeros(n, dtype=bool)
    if caps.new_practitioner is None:  # no imputation rule: new GPs are capped like others
        new = np.zeros(n, dtype=bool)
    imputed = 0.0 if caps.new_practitioner is None else caps.new_practitioner
    retained = np.where(centre, acts, np.where(new, imputed, caps.retain(acts)))
    retained = np.where(keep, retained, 0.0)

    totals = np.bincount(commune_index, weights=retained, minlength=len(uniques))
    result = pd.Series(totals, index=pd.Index(uniques, dtype=object, name="commune"), name="acts")
    result.attrs["n_practitioners"] = n
    result.attrs["n_excluded_by_age"] = int((~keep).sum())
    result.attrs["n_below_min_acts"] = int((keep & ~centre & ~new & (acts <= caps.min_acts)).sum())
    result.attrs["max_age"] = max_age
    return result
