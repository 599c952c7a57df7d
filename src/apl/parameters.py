"""Method parameters as data, keyed by profession and edition.

DREES publishes the APL for general practitioners (``"gp"``) with parameters that change
from one edition to the next (age weights) and some that do not (the 10/15/20-minute
step decay, the activity caps). This module holds them as frozen, documented objects
read from a CSV table shipped with apl (``apl/data/parameters/parameters.csv``), one row
per number, each with its unit and source:

>>> import apl
>>> p = apl.parameters.get("gp", 2023)
>>> p.age_weights[0], p.thresholds
(1.12, (2.5, 4.0))

Other professions (nurses, physiotherapists, midwives, dentists: APL in FTE per 100,000
standardised inhabitants) are not shipped: apl adds a number only with a cited source.
Add them with :func:`register` or :func:`register_csv` (same CSV format, see
``docs/parameters.md``).
"""

from __future__ import annotations

import csv
import io as _io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from os import PathLike

import pandas as pd

from .decay import StepDecay
from .errors import ValidationError
from .supply import ActivityCaps

__all__ = [
    "MethodParameters",
    "available",
    "get",
    "read_csv",
    "register",
    "register_csv",
]

#: Columns of the parameters CSV format (one row per number).
CSV_COLUMNS = ("profession", "edition", "parameter", "lower", "upper", "value", "unit", "source")

#: Parameter names understood in the CSV format.
KNOWN_PARAMETERS = (
    "age_weight",
    "decay_step",
    "decay_closed",
    "activity_min",
    "activity_floor",
    "activity_ceiling",
    "activity_new_practitioner",
    "health_centre_capped",
    "output_unit",
    "acts_per_fte",
    "zone_threshold",
    "population_vintage",
)


@dataclass(frozen=True)
class MethodParameters:
    """The parameters of one APL edition for one profession.

    Attributes
    ----------
    profession : str
        Short key, e.g. ``"gp"`` (médecins généralistes).
    edition : int
        APL edition (millésime), e.g. 2023.
    decay : StepDecay
        Distance decay on road minutes (weight by band).
    age_bands : tuple of int
        First year of each age band (years); the last band is open (e.g. 90+).
    age_weights : tuple of float
        Relative consumption of care by band (national mean = 1), in the order of
        `age_bands`; used by :func:`apl.standardize_population`.
    caps : ActivityCaps or None
        How a practitioner's yearly acts are retained (:func:`apl.retained_activity`);
        None when the profession counts FTE without caps.
    health_centre_capped : bool
        Whether the caps apply to salaried practitioners of centres de santé (False for GPs).
    output_unit : str
        Unit of the APL, e.g. ``"consultations/year/standardised inhabitant"`` or
        ``"FTE/100,000 standardised inhabitants"``.
    acts_per_fte : float or None
        Acts per year of one full-time practitioner, when the output is given in FTE.
    thresholds : tuple of float
        Zoning thresholds on the APL, in `output_unit` (e.g. 2.5 and 4 for GPs).
    population_vintage : int or None
        Census year of the population used by this edition.
    sources : tuple of str
        Where each number comes from (distinct sources of the table's rows).
    """

    profession: str
    edition: int
    decay: StepDecay
    age_bands: tuple[int, ...]
    age_weights: tuple[float, ...]
    caps: ActivityCaps | None
    health_centre_capped: bool = False
    output_unit: str = "consultations/year/standardised inhabitant"
    acts_per_fte: float | None = None
    thresholds: tuple[float, ...] = (2.5, 4.0)
    population_vintage: int | None = None
    sources: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if len(self.age_bands) != len(self.age_weights) or not self.age_bands:
            msg = (
                f"parameters {self.profession!r} {self.edition}: {len(self.age_bands)} age bands "
                f"but {len(self.age_weights)} weights; expected one weight per band."
            )
            raise ValidationError(msg, table="parameters", column="age_weight")
        if list(self.age_bands) != sorted(set(self.age_bands)):
            msg = f"parameters {self.profession!r} {self.edition}: age bands must increase, got {self.age_bands}."
            raise ValidationError(msg, table="parameters", column="age_weight")
        if any(not (w >= 0) for w in self.age_weights):
            msg = f"parameters {self.profession!r} {self.edition}: age weights must be ≥ 0, got {self.age_weights}."
            raise ValidationError(msg, table="parameters", column="age_weight")
        if list(self.thresholds) != sorted(self.thresholds):
            msg = f"parameters {self.profession!r} {self.edition}: thresholds must increase, got {self.thresholds}."
            raise ValidationError(msg, table="parameters", column="zone_threshold")

    @property
    def key(self) -> tuple[str, int]:
        """``(profession, edition)``."""
        return (self.profession, self.edition)

    def age_weight_series(self) -> pd.Series:
        """Age weights as a Series indexed by band label (``"0-4"`` … ``"90+"``)."""
        bands = list(self.age_bands)
        labels = [f"{a}-{b - 1}" for a, b in itertools.pairwise(bands)]
        labels.append(f"{bands[-1]}+")
        return pd.Series(self.age_weights, index=labels, name="age_weight")


_REGISTRY: dict[tuple[str, int], MethodParameters] = {}
_LOADED = False


def _number(text: str, where: str) -> float:
    """A float from the CSV; exact fractions such as ``2/3`` are allowed (decay weights)."""
    try:
        return float(Fraction(text.strip())) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        msg = f"{where}: expected a number (or a fraction such as 2/3), found {text!r}."
        raise ValidationError(msg, table="parameters", column="value") from None


def _flag(text: str, where: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "yes", "1"):
        return True
    if low in ("false", "no", "0"):
        return False
    msg = f"{where}: expected true or false, found {text!r}."
    raise ValidationError(msg, table="parameters", column="value")


def _build(
    profession: str, edition: int, rows: list[dict[str, str]], origin: str
) -> MethodParameters:
    where = f"{origin}, {profession} {edition}"
    by_name: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_name.setdefault(row["parameter"], []).append(row)

    ages = sorted(by_name.get("age_weight", []), key=lambda r: _number(r["lower"], where))
    if not ages:
        msg = f"{where}: no age_weight rows; expected one per age band."
        raise ValidationError(msg, table="parameters", column="age_weight")
    steps = sorted(by_name.get("decay_step", []), key=lambda r: _number(r["lower"], where))
    if len(steps) < 2 or steps[-1]["upper"].strip():
        msg = f"{where}: decay_step rows must cover [0, ∞[ with an open last band (empty upper)."
        raise ValidationError(msg, table="parameters", column="decay_step")
    bounds = tuple(_number(r["upper"], where) for r in steps[:-1])
    weights = tuple(_number(r["value"], where) for r in steps)
    for prev, nxt in itertools.pairwise(steps):
        if _number(prev["upper"], where) != _number(nxt["lower"], where):
            msg = f"{where}: decay bands must be contiguous, {prev['upper']} ≠ {nxt['lower']}."
            raise ValidationError(msg, table="parameters", column="decay_step")
    closed_rows = by_name.get("decay_closed", [])
    closed = closed_rows[0]["value"].strip() if closed_rows else "left"
    if closed not in ("left", "right"):
        msg = f"{where}: decay_closed must be 'left' or 'right', found {closed!r}."
        raise ValidationError(msg, table="parameters", column="decay_closed")

    def one(name: str) -> str | None:
        found = by_name.get(name, [])
        if len(found) > 1:
            msg = f"{where}: parameter {name!r} given {len(found)} times; expected once."
            raise ValidationError(msg, table="parameters", column=name)
        return found[0]["value"] if found else None

    cap_values = {n: one(n) for n in ("activity_min", "activity_floor", "activity_ceiling")}
    caps: ActivityCaps | None = None
    if any(v is not None for v in cap_values.values()):
        if any(v is None for v in cap_values.values()):
            msg = f"{where}: activity_min, activity_floor and activity_ceiling go together."
            raise ValidationError(msg, table="parameters", column="activity_min")
        min_row = by_name["activity_min"][0]
        new_text = one("activity_new_practitioner")
        caps = ActivityCaps(
            # "Moins de 250 → 0": the band's upper bound is the last count retained as 0.
            min_acts=_number(min_row["upper"] or min_row["value"], where),
            floor=_number(cap_values["activity_floor"] or "", where),
            ceiling=_number(cap_values["activity_ceiling"] or "", where),
            # no imputed value named: no special rule for new practitioners (not 0 acts)
            new_practitioner=_number(new_text, where) if new_text is not None else None,
        )
    capped_text = one("health_centre_capped")
    unit = one("output_unit")
    fte_text = one("acts_per_fte")
    vintage = one("population_vintage")
    thresholds = tuple(
        sorted(_number(r["value"], where) for r in by_name.get("zone_threshold", []))
    )
    sources = tuple(dict.fromkeys(r["source"] for r in rows if r.get("source")))
    return MethodParameters(
        profession=profession,
        edition=edition,
        decay=StepDecay(bounds, weights, closed=closed),  # type: ignore[arg-type]
        age_bands=tuple(int(_number(r["lower"], where)) for r in ages),
        age_weights=tuple(_number(r["value"], where) for r in ages),
        caps=caps,
        health_centre_capped=_flag(capped_text, where) if capped_text is not None else False,
        output_unit=unit if unit is not None else "consultations/year/standardised inhabitant",
        acts_per_fte=_number(fte_text, where) if fte_text is not None else None,
        thresholds=thresholds,
        population_vintage=int(_number(vintage, where)) if vintage is not None else None,
        sources=sources,
    )


def read_csv(path: str | PathLike[str] | _io.TextIOBase) -> list[MethodParameters]:
    """Read method parameters from a CSV in apl's parameters format (without registering).

    Parameters
    ----------
    path : path or text file
        CSV with columns ``profession, edition, parameter, lower, upper, value, unit,
        source`` (one row per number; see ``docs/parameters.md``).

    Returns
    -------
    list of MethodParameters
        One per (profession, edition) found, in order of first appearance.

    Raises
    ------
    apl.errors.ValidationError
        Missing columns, unknown parameter names, numbers that do not parse, inconsistent
        decay bands or caps.
    """
    origin = getattr(path, "name", None) or str(path)
    if isinstance(path, _io.TextIOBase):
        rows = list(csv.DictReader(path))
        header = list(rows[0]) if rows else []
    else:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        msg = (
            f"{origin}: missing column(s) {missing}; expected {list(CSV_COLUMNS)}, found {header}."
        )
        raise ValidationError(msg, table=origin, column=missing[0])
    groups: dict[tuple[str, int], list[dict[str, str]]] = {}
    for line, row in enumerate(rows, start=2):
        name = (row["parameter"] or "").strip()
        if name not in KNOWN_PARAMETERS:
            msg = f"{origin}, line {line}: unknown parameter {name!r}; expected one of {list(KNOWN_PARAMETERS)}."
            raise ValidationError(msg, table=origin, column="parameter", row=line)
        try:
            edition = int(row["edition"])
        except (TypeError, ValueError):
            msg = f"{origin}, line {line}: edition must be a year, found {row['edition']!r}."
            raise ValidationError(msg, table=origin, column="edition", row=line) from None
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        groups.setdefault((clean["profession"], edition), []).append(clean)
    return [_build(prof, ed, group, origin) for (prof, ed), group in groups.items()]


def _ensure_loaded() -> None:
    global _LOADED
    if _LOADED:
        return
    shipped = resources.files("apl") / "data" / "parameters" / "parameters.csv"
    with shipped.open("r", encoding="utf-8") as handle:
        text = handle.read()
    for params in read_csv(_io.StringIO(text)):
        _REGISTRY.setdefault(params.key, params)
    _LOADED = True


def register(params: MethodParameters, *, overwrite: bool = False) -> MethodParameters:
    """Add a profession or edition so that :func:`get` returns it.

    Raises
    ------
    apl.errors.ValidationError
        If ``(profession, edition)`` is already registered and `overwrite` is False.
    """
    _ensure_loaded()
    if params.key in _REGISTRY and not overwrite:
        msg = (
            f"parameters for {params.profession!r} edition {params.edition} already exist; "
            "pass overwrite=True to replace them."
        )
        raise ValidationError(msg, table="parameters")
    _REGISTRY[params.key] = params
    return params


def register_csv(path: str | PathLike[str], *, overwrite: bool = False) -> list[MethodParameters]:
    """Read a parameters CSV (:func:`read_csv`) and register every edition in it."""
    return [register(p, overwrite=overwrite) for p in read_csv(path)]


def get(profession: str = "gp", edition: int = 2023) -> MethodParameters:
    """The parameters of one profession and edition.

    Parameters
    ----------
    profession : str, default "gp"
        ``"gp"`` (médecins généralistes) ships with apl; others via :func:`register`.
    edition : int, default 2023
        APL edition (millésime).

    Raises
    ------
    apl.errors.ValidationError
        If no such parameters are registered; the message lists what is available.
    """
    _ensure_loaded()
    try:
        return _REGISTRY[(profession, int(edition))]
    except KeyError:
        have = ", ".join(f"{p} {e}" for p, e in sorted(_REGISTRY))
        msg = (
            f"no APL parameters for profession {profession!r} edition {edition}; available: "
            f"{have}. Add them with apl.parameters.register() or register_csv()."
        )
        raise ValidationError(msg, table="parameters") from None


def available() -> pd.DataFrame:
    """Registered parameters: one row per (profession, edition) with unit and thresholds."""
    _ensure_loaded()
    records: Iterable[tuple[object, ...]] = (
        (p.profession, p.edition, p.output_unit, p.thresholds, p.population_vintage)
        for _, p in sorted(_REGISTRY.items())
    )
    return pd.DataFrame(
        list(records),
        columns=["profession", "edition", "output_unit", "thresholds", "population_vintage"],
    )
