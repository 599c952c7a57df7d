"""Demand: the age-standardised population of each commune (methodology §3).

P_i = Σ_a pop_{i,a} × c_a over the 19 five-year age bands (0–4, …, 85–89, 90+), where c_a
is the band's GP consumption relative to the national mean (DREES, sheet ``Paramètres``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import validation
from .errors import ValidationError

if TYPE_CHECKING:
    from .parameters import MethodParameters

__all__ = ["AGE_BANDS", "AGE_WEIGHTS", "standardize_population"]

#: The 19 DREES age bands, labelled by their first year (90 = "90 and over").
AGE_BANDS: tuple[str, ...] = (*tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")

#: DREES age weights c_a by APL edition, in the order of :data:`AGE_BANDS`.
#: Source: DREES, "L'accessibilité potentielle localisée (APL)" workbook 2022–2023, sheet
#: ``Paramètres`` ("Poids de la tranche d'âge"; DCIR 2020/2021, Cnam; Insee populations),
#: copied in ``data/drees_apl_parameters.csv`` (a test checks the two agree).
AGE_WEIGHTS: Mapping[int, tuple[float, ...]] = {
    2022: (0.93, 0.59, 0.55, 0.59, 0.73, 0.78, 0.84, 0.88, 0.90, 0.97,
           1.06, 1.14, 1.16, 1.19, 1.52, 1.53, 1.72, 1.99, 2.39),
    2023: (1.12, 0.58, 0.51, 0.60, 0.75, 0.79, 0.82, 0.85, 0.89, 0.93,
           1.03, 1.15, 1.18, 1.23, 1.46, 1.57, 1.63, 1.89, 2.26),
}  # fmt: skip


def _parse_ages(age: pd.Series) -> np.ndarray:
    """Ages as int64 years; accepts integers, integral floats and strings such as '90+'."""
    if pd.api.types.is_numeric_dtype(age.dtype) and not pd.api.types.is_bool_dtype(age.dtype):
        arr = age.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = age.astype("string").str.strip().str.removesuffix("+")
        arr = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        msg = (
            f"population: column 'age', row {validation.plain(age.index[pos])!r}: found {validation.plain(age.iloc[pos])!r}; "
            "expected an integer number of years ≥ 0 (or '90+')."
        )
        raise ValidationError(msg, table="population", column="age", row=age.index[pos])
    return arr.astype(np.int64)


def _resolve_weights(
    weights: Mapping[str, float] | Sequence[float] | pd.Series | None, year: int
) -> np.ndarray:
    if weights is None:
        if year not in AGE_WEIGHTS:
            msg = (
                f"standardize_population: no DREES age weights for year {year}; available: "
                f"{sorted(AGE_WEIGHTS)}. Pass weights= (19 values, bands {AGE_BANDS[0]} … "
                f"{AGE_BANDS[-1]})."
            )
            raise ValidationError(msg, table="weights", column="year")
        return np.asarray(AGE_WEIGHTS[year], dtype=np.float64)
    if isinstance(weights, Mapping) or isinstance(weights, pd.Series):
        mapping = dict(weights.items())
        missing = [b for b in AGE_BANDS if b not in mapping]
        if missing:
            msg = f"standardize_population: weights lack bands {missing}; expected keys {list(AGE_BANDS)}."
            raise ValidationError(msg, table="weights")
        w = np.array([mapping[b] for b in AGE_BANDS], dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64)
    if w.shape != (len(AGE_BANDS),):
        msg = f"standardize_population: expected 19 weights (bands {AGE_BANDS[0]} … 90+), got shape {w.shape}."
        raise ValidationError(msg, table="weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        msg = f"standardize_population: weights must be finite and ≥ 0, got {w.tolist()}."
        raise ValidationError(msg, table="weights")
    return w


def standardize_population(
    population: pd.DataFrame,
    *,
    weights: Mapping[str, float] | Sequence[float] | pd.Series | None = None,
    year: int = 2023,
    parameters: MethodParameters | None = None,
) -> pd.Series:
    """Age-standardised population of each commune (standardised inhabitants).

    Parameters
    ----------
    population : pandas.DataFrame
        Long table with columns ``commune`` (text COG code), ``age`` (integer years; 90 and
        over may be given as ``"90+"`` or as single years) and ``population`` (inhabitants,
        fractional counts allowed). Several rows per (commune, age), e.g. one per sex, are
        summed.
    weights : sequence of 19 floats, or mapping band label → weight, optional
        Consumption weight of each band (labels in :data:`AGE_BANDS`). Defaults to the
        DREES weights of `year`.
    year : int, default 2023
        APL edition whose DREES weights to use (2022 or 2023). Note the population itself
        should be the census of ``year - 2``.
    parameters : apl.parameters.MethodParameters, optional
        Take the age weights of this profession and edition
        (``apl.parameters.get("gp", 2022)``); overrides `year`. Its bands must be the 19
        five-year bands of :data:`AGE_BANDS`. Cannot be combined with `weights`.

    Returns
    -------
    pandas.Series
        Standardised population per commune (float64), indexed by commune code in order of
        first appearance, named ``population``. ``attrs["standardised"]`` is True and
        ``attrs["age_weights"]`` holds the weights used, so :func:`apl.compute_apl` can
        report that demand was standardised.

    Notes
    -----
    With the national DREES weights, Σ_i P_i equals the national population; on a region
    the total differs slightly from the real one, as the age structure differs.
    """
    validation.require_columns(population, ["commune", "age", "population"], "population")
    # validated and factorised in one pass: positions index the distinct codes
    commune_index, uniques = validation.factorize_codes(
        population["commune"], "population", "commune", population
    )
    ages = _parse_ages(population["age"])
    counts = validation.check_values(
        population["population"], "population", "population", population,
        keys=["commune", "age"], unit=" inhabitants",
    )  # fmt: skip
    if parameters is not None:
        if weights is not None:
            msg = "standardize_population: give weights= or parameters=, not both."
            raise ValidationError(msg, table="weights")
        if tuple(parameters.age_bands) != tuple(range(0, 95, 5)):
            msg = (
                f"standardize_population: parameters {parameters.profession!r} "
                f"{parameters.edition} use age bands starting at {parameters.age_bands}; "
                "expected the 19 five-year bands 0, 5, …, 90."
            )
            raise ValidationError(msg, table="weights")
        weights = list(parameters.age_weights)
        year = parameters.edition
    w = _resolve_weights(weights, year)
    band = np.minimum(ages // 5, len(AGE_BANDS) - 1)
    totals = np.bincount(commune_index, weights=counts * w[band], minlength=len(uniques))
    result = pd.Series(
        totals, index=pd.Index(uniques, dtype=object, name="commune"), name="population"
    )
    result.attrs["standardised"] = True
    result.attrs["age_weights"] = dict(zip(AGE_BANDS, w.tolist(), strict=True))
    result.attrs["year"] = year if (weights is None or parameters is not None) else None
    return result
