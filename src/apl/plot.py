"""Maps: APL choropleths with the classes of ARS documents, and zoning maps.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot, no global state), so they
render the same in a notebook, a script or a headless CI machine.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .errors import DataWarning, ValidationError
from .zoning import THRESHOLDS_2017, class_index, class_labels

__all__ = [
    "APL_CLASS_COLORS",
    "APL_UNIT",
    "NO_DATA_STYLE",
    "PROBABILITY_BINS",
    "ZONE_COLORS",
    "GeometryJoin",
    "apl_classes",
    "apl_map",
    "check_geometry_join",
    "probability_map",
    "save_apl_map",
    "zoning_map",
]  # fmt: skip

#: Unit of the APL, written in every legend.
APL_UNIT = "consultations / year / standardised inhabitant"
#: Fill colours of the ARS classes, from worst to best access: ColorBrewer 3-class OrRd
#: (colour-blind safe, prints in grey scale), darkest where access is worst.
APL_CLASS_COLORS = ("#e34a33", "#fdbb84", "#fee8c8")
#: Fill colours of zoning classes: Okabe–Ito (colour-blind safe) for the classes, light
#: grey for HZ; ND is drawn as "no data" (hatched).
ZONE_COLORS = {"ZIP": "#d55e00", "ZAC": "#e69f00", "vivier": "#f0e442", "ZAR": "#56b4e9",
               "HZ": "#e8e8e8", "ND": "#ffffff"}  # fmt: skip
#: How polygons without a value are drawn: white, hatched, grey edges.
NO_DATA_STYLE: dict[str, Any] = {
    "facecolor": "#ffffff",
    "edgecolor": "#8c8c8c",
    "hatch": "////",
    "linewidth": 0.3,
}


def apl_classes(
    apl: pd.Series, breaks: Sequence[float] = THRESHOLDS_2017
) -> tuple[pd.Series, list[str]]:
    """Class labels ``[0, 2.5[``, ``[2.5, 4[``, ``[4, +∞[`` of each APL value.

    The classes of :func:`apl.zoning.class_index` (the one classifier of apl): a value on a
    bound goes to the class above; a missing value (NaN) gets no class (NaN: "no data").

    Returns
    -------
    classes : pandas.Series of str (NaN where the APL is missing) on the index of `apl`
    labels : list of str, the class labels in order
    """
    labels = class_labels(breaks)
    codes = class_index(apl, breaks, table="result", column=str(apl.name or "apl"))
    named = np.asarray([*labels, np.nan], dtype=object)[codes]  # −1 picks the trailing NaN
    return pd.Series(named, index=apl.index, dtype=object), labels


@dataclass
class GeometryJoin:
    """How values joined polygons (:func:`check_geometry_join`).

    Attributes
    ----------
    joined : int
        Codes of the values that have a polygon.
    total : int
        Codes of the values.
    missing : list of str
        Codes of the values without a polygon (not drawn).
    polygons_without_value : int
        Polygons whose code has no value (drawn as "no data").
    """

    joined: int
    total: int
    missing: list[str] = field(default_factory=list)
    polygons_without_value: int = 0

    def summary(self) -> str:
        text = f"{self.joined:,} of {self.total:,} codes have a polygon"
        if self.missing:
            text += f"; without polygon: {self.missing[:20]}{'…' if len(self.missing) > 20 else ''}"
        return text


def _geometry_codes(geometries, key: str | None) -> tuple[pd.Index, str | None]:
    if key is None:
        key = next((c for c in ("commune", "tvs") if c in geometries.columns), None)
    elif key not in geometries.columns:
        raise ValidationError(f"geometries: no column {key!r}; columns are {list(geometries.columns)}.",
                              table="geometries", column=key)  # fmt: skip
    codes = (
        geometries[key] if key is not None else pd.Series(geometries.index, index=geometries.index)
    )
    return pd.Index(codes.astype(str).str.strip().to_numpy(), dtype=object), key


def check_geometry_join(codes: pd.Index | pd.Series, geometries, *, key: str | None = None,
                        what: str = "communes") -> GeometryJoin:  # fmt: skip
    """Check that the codes of a result find their polygons before drawing them.

    Parameters
    ----------
    codes : pandas.Index or Series
        Codes of the values to draw (e.g. ``result.index``).
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` (or ``tvs``) column, or `key`, or indexed by code.
    key : str, optional
    what : str, default "communes"
        Name of the units in messages.

    Returns
    -------
    GeometryJoin

    Raises
    ------
    apl.errors.ValidationError
        When no code joins (a map would be all "no data": wrong key column, codes that lost
        their leading zero, another geography).

    Warns
    -----
    apl.errors.DataWarning
        When some codes have no polygon: how many and which.
    """
    values = pd.Index(np.asarray(codes, dtype=object).astype(str), dtype=object)
    polygons, used = _geometry_codes(geometries, key)
    has = values.isin(polygons)
    missing = sorted(values[~has].unique().tolist())
    join = GeometryJoin(joined=int(has.sum()), total=len(values), missing=missing,
                        polygons_without_value=int((~polygons.isin(values)).sum()))  # fmt: skip
    where = f"column {used!r}" if used else "the index"
    if len(values) and join.joined == 0:
        msg = (f"geometries: none of the {len(values):,} {what} joins a polygon (codes in {where} of the geometries, "
               f"e.g. {polygons[:3].tolist()}; codes of the result, e.g. {values[:3].tolist()}). Check the key "
               "column (key=), leading zeros, or that the polygons cover this territory.")  # fmt: skip
        raise ValidationError(msg, table="geometries", column=used)
    if missing:
        msg = (f"geometries: {len(missing):,} of {len(values):,} {what} have no polygon and are not drawn: "
               f"{missing[:20]}{'…' if len(missing) > 20 else ''}.")  # fmt: skip
        warnings.warn(msg, DataWarning, stacklevel=2)
    return join


def _join(values: pd.Series, geometries, key: str | None):
    """Attach `values` (indexed by code) to the geometries (by `key` column or index)."""
    frame = geometries.copy()
    codes, _ = _geometry_codes(geometries, key)
    values = values.copy()
    values.index = values.index.astype(str)
    frame["_value"] = values.reindex(codes).to_numpy()
    return frame


def _figure(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=(8, 8.6), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def _unit_name(geometries, key: str | None) -> str:
    tvs = key == "tvs" or (
        key is None and "tvs" in geometries.columns and "commune" not in geometries.columns
    )
    return "TVS" if tvs else "communes"


def _plural(n: int, unit: str) -> str:
    return f"{n:,} {unit if n != 1 else unit.rstrip('s')}"


def _draw(frame, colors: pd.Series, ax: Axes, handles: list[Patch], title: str | None,
          legend_title: str, unit_name: str, caption: str | None) -> None:  # fmt: skip
    has = colors.notna().to_numpy()
    shown = frame[has].assign(_color=colors[has].to_numpy())
    if len(shown):
        shown.plot(color=shown["_color"], edgecolor="white", linewidth=0.2, ax=ax)
    n_missing = int((~has).sum())
    if n_missing:
        frame[~has].plot(ax=ax, **NO_DATA_STYLE)
        handles = [
            *handles,
            Patch(**NO_DATA_STYLE, label=f"no data ({_plural(n_missing, unit_name)})"),
        ]
    # beside the map, never over it
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8.5,
                       title=legend_title.replace(" (", "\n("), title_fontsize=9)  # fmt: skip
    legend.get_title().set_multialignment("left")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if caption:
        ax.figure.text(
            0.02, 0.01, caption, fontsize=7.5, color="#444444", ha="left", va="bottom", wrap=True
        )


def _class_map(classes: pd.Series, geometries, key: str | None, palette: dict[str, str],
               labels: list[str] | None, ax: Axes | None, title: str | None, legend_title: str,
               caption: str | None) -> Figure:  # fmt: skip
    """Draw the class label of each unit (`classes`, indexed by code) in its `palette` colour.

    The legend lists `labels` (None: the labels of `palette` present on the map) with the
    number of units in each; units without a class are hatched and counted by :func:`_draw`.
    """
    frame = _join(classes, geometries, key)
    if labels is None:
        labels = [label for label in palette if (frame["_value"] == label).any()]
    unit_name = _unit_name(geometries, key)
    counts = frame["_value"].value_counts()
    fig, ax = _figure(ax)
    handles = [Patch(facecolor=palette[label], edgecolor="#8c8c8c", linewidth=0.3,
                     label=f"{label}  ({_plural(int(counts.get(label, 0)), unit_name)})") for label in labels]  # fmt: skip
    _draw(frame, frame["_value"].map(palette), ax, handles, title, legend_title, unit_name, caption)
    return fig


def _caption(source: str | None, year: int | str | None, caption: str | None) -> str | None:
    if caption is not None:
        return caption or None
    parts = [f"Source: {source}" if source else "Source: not stated (pass source=)"]
    parts.append(f"year {year}" if year is not None else "year not stated (pass year=)")
    return "; ".join(parts) + ". APL computed with apl, DREES method (2SFCA)."


def apl_map(
    result: pd.DataFrame | pd.Series,
    geometries,
    *,
    column: str = "apl",
    breaks: Sequence[float] = THRESHOLDS_2017,
    key: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    year: int | str | None = None,
    caption: str | None = None,
) -> Figure:
    """Choropleth of APL (commune or TVS) in the classes of ARS documents, ready to publish.

    The legend is titled with the unit (:data:`APL_UNIT`), lists the class bounds and the
    number of units in each class; polygons without a value are hatched and counted ("no
    data (12 communes)"); the palette is colour-blind safe; the caption gives the source
    and year.

    Parameters
    ----------
    result : pandas.DataFrame or Series
        APL indexed by commune (or TVS) code, e.g. the output of :func:`apl.compute_apl`.
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` (or ``tvs``) column, or indexed by code.
    column : str, default "apl"
        Column of `result` to map, consultations/year/standardised inhabitant.
    breaks : sequence of float, default (2.5, 4.0)
        Class bounds: [0, 2.5[, [2.5, 4[, [4, +∞[ (:func:`apl.zoning.class_index`).
    key : str, optional
        Code column of `geometries`; default ``commune`` or ``tvs``, else the index.
    ax : matplotlib Axes, optional
    title : str, optional
    source, year : optional
        Written in the caption ("Source: DREES, INSEE; year 2023…").
    caption : str, optional
        Replaces the whole caption ("" for none).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    apl.errors.ValidationError
        No code of `result` joins a polygon (:func:`check_geometry_join`); a non-numeric,
        negative or infinite APL.
    """
    values = result[column] if isinstance(result, pd.DataFrame) else result
    if not pd.api.types.is_numeric_dtype(values.dtype):
        raise ValidationError(
            f"apl_map: column {column!r} must be numeric, got {values.dtype}.",
            table="result",
            column=column,
        )
    classes, labels = apl_classes(values, breaks)
    join = check_geometry_join(values.index, geometries, key=key, what="units")
    palette = dict(
        zip(labels, APL_CLASS_COLORS if len(labels) == 3 else _ramp(len(labels)), strict=True)
    )
    fig = _class_map(classes, geometries, key, palette, labels, ax, title, f"APL ({APL_UNIT})",
                     _caption(source, year, caption))  # fmt: skip
    fig.apl_join = join  # type: ignore[attr-defined]  # for callers that report it
    return fig


def _ramp(n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    # a sequential ColorBrewer ramp, dark (worst access) to light: colour-blind safe
    return [to_hex(colormaps["OrRd"](x)) for x in np.linspace(0.85, 0.1, n)]


def zoning_map(
    zones: pd.DataFrame | pd.Series,
    geometries,
    *,
    column: str = "zone",
    key: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    year: int | str | None = None,
    caption: str | None = None,
) -> Figure:
    """Map of zoning classes (``ZIP``, ``ZAC``, ``vivier``, ``ZAR``, ``HZ``), ready to publish.

    ``ND`` (no APL) and polygons without a zone are hatched and counted as "no data", as in
    :func:`apl_map`; colours are colour-blind safe (:data:`ZONE_COLORS`); the caption gives
    the source and year.

    Parameters
    ----------
    zones : pandas.DataFrame or Series
        Zone per commune or TVS (e.g. the output of :func:`apl.zoning.classify`).
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` or ``tvs`` column (or indexed by code).
    source, year, caption : optional
        As in :func:`apl_map`.
    """
    values = zones[column] if isinstance(zones, pd.DataFrame) else zones
    unknown = sorted(set(values.dropna().astype(str)) - set(ZONE_COLORS))
    if unknown:
        raise ValidationError(
            f"zoning_map: unknown zone labels {unknown}; expected {list(ZONE_COLORS)}.",
            table="zones",
            column=column,
        )
    check_geometry_join(values.index, geometries, key=key, what="units")
    palette = {z: color for z, color in ZONE_COLORS.items() if z != "ND"}
    return _class_map(values.astype(object).where(values != "ND"), geometries, key, palette, None, ax,
                      title, "Zone", _caption(source, year, caption))  # fmt: skip


def save_apl_map(result: pd.DataFrame, geometries, path: str | Path, **kwargs) -> Path:
    """Draw :func:`apl_map` and save it (PNG, SVG or PDF by extension); returns the path."""
    path = Path(path)
    fig = apl_map(result, geometries, **kwargs)
    fig.savefig(path, bbox_inches="tight")
    return path


#: Probability classes of :func:`probability_map`: [0, 5 %[ … [95 %, 100 %].
PROBABILITY_BINS = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)


def probability_map(
    probabilities: pd.DataFrame | pd.Series,
    geometries,
    *,
    column: str = "p_below_2_5",
    bins: Sequence[float] = PROBABILITY_BINS,
    key: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    year: int | str | None = None,
    caption: str | None = None,
) -> Figure:
    """Map of the probability that a commune's APL is below the ZIP threshold (or any class).

    Draws the output of :func:`apl.uncertainty.zone_probabilities`: communes sure to be
    below 2.5 (≥ 95 % of draws) are darkest, communes sure to be above (< 5 %) lightest,
    and the classes between are the communes whose class is not sure. Polygons without a
    value are hatched and counted, as in :func:`apl_map`.

    Parameters
    ----------
    probabilities : pandas.DataFrame or Series
        Probabilities (0..1) indexed by commune code.
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` (or ``tvs``) column, or indexed by code.
    column : str, default "p_below_2_5"
        Column of `probabilities` to map (e.g. ``"p_zone"``, ``"p_4_and_above"``).
    bins : increasing sequence from 0 to 1, default (0, .05, .25, .5, .75, .95, 1)
        Class bounds, left-closed ([0.05, 0.25[), the last class includes 1.
    key, ax, title, source, year, caption : as in :func:`apl_map`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import itertools

    values = probabilities[column] if isinstance(probabilities, pd.DataFrame) else probabilities
    p = pd.to_numeric(values, errors="coerce")
    bad = p.notna() & ((p < 0) | (p > 1))
    if (values.notna() & p.isna()).any() or bad.any():
        row = values.index[((values.notna() & p.isna()) | bad).to_numpy()][0]
        raise ValidationError(f"probability_map: column {column!r}, row {row!r}: expected a probability in [0, 1], "
                              f"found {values.loc[row]!r}.", table="probabilities", column=column, row=row)  # fmt: skip
    edges = np.asarray(list(bins), dtype=np.float64)
    if edges.size < 2 or edges[0] != 0 or edges[-1] != 1 or (np.diff(edges) <= 0).any():
        raise ValidationError(f"probability_map: bins must increase from 0 to 1, got {tuple(bins)}.",
                              table="options", column="bins")  # fmt: skip
    labels = [f"[{100 * lo:g} %, {100 * hi:g} %{']' if k == edges.size - 2 else '['}"
              for k, (lo, hi) in enumerate(itertools.pairwise(edges))]  # fmt: skip
    codes = np.searchsorted(
        edges[1:-1], p.to_numpy(dtype=np.float64, na_value=np.nan), side="right"
    )
    named = np.where(
        p.isna().to_numpy(),
        None,
        np.asarray(labels, dtype=object)[np.minimum(codes, len(labels) - 1)],
    )
    classes = pd.Series(named, index=values.index, dtype=object)
    join = check_geometry_join(values.index, geometries, key=key, what="units")
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = {label: to_hex(colormaps["PuRd"](x)) for label, x in zip(labels, np.linspace(0.08, 0.9, len(labels)),
                                                                         strict=True)}  # fmt: skip
    legend = (
        f"share of draws: {column}"
        if column != "p_below_2_5"
        else "probability that APL < 2.5 (share of draws)"
    )
    fig = _class_map(classes, geometries, key, palette, labels, ax, title, legend,
                     _caption(source, year, caption))  # fmt: skip
    fig.apl_join = join  # type: ignore[attr-defined]
    return fig
