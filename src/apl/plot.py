"""Maps: APL choropleths with the classes of ARS documents, and zoning maps.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot, no global state), so they
render the same in a notebook, a script or a headless CI machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .errors import ValidationError

__all__ = ["APL_CLASS_COLORS", "ZONE_COLORS", "apl_classes", "apl_map", "save_apl_map", "zoning_map"]

#: Fill colours of the ARS classes, from worst to best access.
APL_CLASS_COLORS = ("#d7301f", "#fdae61", "#1a9850")
#: Fill colours of zoning classes.
ZONE_COLORS = {"ZIP": "#d7301f", "ZAC": "#fdae61", "vivier": "#fee08b", "ZAR": "#91bfdb",
               "HZ": "#e0e0e0", "ND": "#ffffff"}  # fmt: skip
_MISSING = "#bdbdbd"


def apl_classes(apl: pd.Series, breaks: Sequence[float] = (2.5, 4.0)) -> tuple[pd.Series, list[str]]:
    """Class labels ``[0, 2.5[``, ``[2.5, 4[``, ``[4, +∞[`` of each APL value.

    Returns
    -------
    classes : pandas.Series of str on the index of `apl`
    labels : list of str, the class labels in order
    """
    edges = [0.0, *map(float, breaks), np.inf]
    labels = [f"[{lo:g}, {hi:g}[" if np.isfinite(hi) else f"[{lo:g}, +∞[" for lo, hi in zip(edges[:-1], edges[1:])]
    codes = np.searchsorted(np.asarray(breaks, dtype=float), apl.to_numpy(dtype=float), side="right")
    return pd.Series(np.asarray(labels, dtype=object)[codes], index=apl.index), labels


def _join(values: pd.Series, geometries, key: str | None):
    """Attach `values` (indexed by code) to the geometries (by `key` column or index)."""
    frame = geometries.copy()
    if key is None:
        key = next((c for c in ("commune", "tvs") if c in frame.columns), None)
    codes = frame[key].astype(str) if key is not None else frame.index.astype(str)
    frame["_value"] = codes.map(values).to_numpy() if key is not None else values.reindex(codes).to_numpy()
    return frame


def _figure(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=(8, 8), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def _draw(frame, colors: pd.Series, ax: Axes, handles: list[Patch], title: str | None) -> None:
    frame = frame.assign(_color=colors.fillna(_MISSING).to_numpy())
    frame.plot(color=frame["_color"], edgecolor="white", linewidth=0.2, ax=ax)
    if colors.isna().any():
        handles = [*handles, Patch(facecolor=_MISSING, label="no data")]
    ax.legend(handles=handles, loc="lower left", frameon=True, fontsize=9)
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def apl_map(
    result: pd.DataFrame | pd.Series,
    geometries,
    *,
    column: str = "apl",
    breaks: Sequence[float] = (2.5, 4.0),
    key: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Choropleth of APL (commune or TVS) in the classes of ARS documents.

    Parameters
    ----------
    result : pandas.DataFrame or Series
        APL indexed by commune (or TVS) code, e.g. the output of :func:`apl.compute_apl`.
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` (or ``tvs``) column, or indexed by code.
    column : str, default "apl"
        Column of `result` to map (e.g. ``"apl"``), consultations/year/inhabitant.
    breaks : sequence of float, default (2.5, 4.0)
        Class edges: [0, 2.5[, [2.5, 4[, [4, +∞[.
    key : str, optional
        Code column of `geometries`; default ``commune`` or ``tvs``, else the index.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Polygons without a value are grey and labelled "no data" in the legend.
    """
    values = result[column] if isinstance(result, pd.DataFrame) else result
    if not pd.api.types.is_numeric_dtype(values.dtype):
        raise ValidationError(f"apl_map: column {column!r} must be numeric, got {values.dtype}.", table="result", column=column)
    classes, labels = apl_classes(values, breaks)
    palette = dict(zip(labels, APL_CLASS_COLORS if len(labels) == 3 else _ramp(len(labels))))
    frame = _join(classes, geometries, key)
    fig, ax = _figure(ax)
    handles = [Patch(facecolor=palette[label], label=label) for label in labels]
    _draw(frame, frame["_value"].map(palette), ax, handles, title)
    return fig


def _ramp(n: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    return [to_hex(colormaps["RdYlGn"](x)) for x in np.linspace(0.1, 0.9, n)]


def zoning_map(
    zones: pd.DataFrame | pd.Series,
    geometries,
    *,
    column: str = "zone",
    key: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Map of zoning classes (``ZIP``, ``ZAC``, ``vivier``, ``ZAR``, ``HZ``).

    Parameters
    ----------
    zones : pandas.DataFrame or Series
        Zone per commune or TVS (e.g. the output of :func:`apl.zoning.classify`).
    geometries : geopandas.GeoDataFrame
        Polygons with a ``commune`` or ``tvs`` column (or indexed by code).
    """
    values = zones[column] if isinstance(zones, pd.DataFrame) else zones
    frame = _join(values.astype(object), geometries, key)
    present = [z for z in ZONE_COLORS if (frame["_value"] == z).any()]
    unknown = sorted(set(frame["_value"].dropna()) - set(ZONE_COLORS))
    if unknown:
        raise ValidationError(f"zoning_map: unknown zone labels {unknown}; expected {list(ZONE_COLORS)}.", table="zones", column=column)
    fig, ax = _figure(ax)
    handles = [Patch(facecolor=ZONE_COLORS[z], edgecolor="#999999", label=z) for z in present]
    _draw(frame, frame["_value"].map(ZONE_COLORS), ax, handles, title)
    return fig


def save_apl_map(result: pd.DataFrame, geometries, path: str | Path, **kwargs) -> Path:
    """Draw :func:`apl_map` and save it (PNG, SVG or PDF by extension); returns the path."""
    path = Path(path)
    fig = apl_map(result, geometries, **kwargs)
    fig.savefig(path, bbox_inches="tight")
    return path
