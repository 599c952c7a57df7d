"""A self-contained, offline HTML zoning report: interactive SVG map, search, sortable table.

The page an ARS officer can e-mail and open without a network: the map is inline SVG (one
``<path>`` per commune, geometry simplified to the display resolution), the data an inline
JSON block, the behaviour a small inline script (``apl/data/report/report.js``); nothing is
fetched at render time. It shows, per commune, the APL (consultations/year/standardised
inhabitant), the population, the zone, and — when given — the APL of a second result (or a
what-if), the probability of being below the lower threshold and the time to the nearest GP.

Colours are colour-blind safe: a viridis ramp for APL, zone colours from the Okabe–Ito set
(distinct under deuteranopia and protanopia, checked in the tests), a purple–orange
diverging ramp for changes.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import zoning
from .accessibility import Diagnostics
from .errors import DataWarning, MissingColumnError, ValidationError
from .summary import below_thresholds, weighted_mean_apl

__all__ = [
    "APL_BREAKS",
    "CHANGE_BREAKS",
    "CHANGE_COLORS",
    "ZONE_COLORS",
    "SvgMap",
    "build_report",
    "read_result",
    "sequential_colors",
    "svg_map",
    "write_report",
]

#: Extra APL class bounds (consultations/year/standardised inhabitant) drawn besides the
#: two zoning thresholds, which are always class bounds.
APL_BREAKS = (1.0, 2.0, 3.0, 5.0)
#: Class bounds of the change in APL (consultations/year/standardised inhabitant).
CHANGE_BREAKS = (-1.0, -0.5, -0.1, -0.01, 0.01, 0.1, 0.5, 1.0)
#: ColorBrewer PuOr (9 classes, colour-blind safe): losses orange, gains purple.
CHANGE_COLORS = ("#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7",
                 "#d8daeb", "#b2abd2", "#8073ac", "#542788")  # fmt: skip
#: Zone colours from the Okabe–Ito palette: ZIP vermillion, ZAC orange, vivier yellow, ZAR
#: sky blue, HZ pale grey, ND white; pairwise distinct under deuteranopia (see tests).
ZONE_COLORS = {"ZIP": "#D55E00", "ZAC": "#E69F00", "vivier": "#F0E442", "ZAR": "#56B4E9",
               "HZ": "#D9D9D9", "ND": "#FFFFFF"}  # fmt: skip
#: Probability of being below the lower threshold: classes and a cividis ramp (light → dark).
PROBABILITY_BREAKS = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Time to the nearest GP: class bounds in minutes.
NEAREST_BREAKS = (5.0, 10.0, 15.0, 20.0, 30.0)

_VIRIDIS = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
            "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")  # fmt: skip
_CIVIDIS = ("#00224e", "#083370", "#35456c", "#4f576c", "#666970", "#7d7c78",
            "#948e77", "#aea371", "#c8b866", "#e5cf52", "#fee838")  # fmt: skip
_NODATA = "url(#nodata)"
#: Columns that may hold the commune code / name in commune polygon files (IGN Admin
#: Express: INSEE_COM / NOM; OpenStreetMap extracts of data.gouv.fr: insee / nom).
_CODE_COLUMNS = ("commune", "INSEE_COM", "insee_com", "code_commune", "CODGEO", "codgeo", "insee",
                 "code_insee", "ref:INSEE")  # fmt: skip
_NAME_COLUMNS = (
    "name",
    "libelle",
    "nom",
    "NOM",
    "NOM_COM",
    "nom_commune",
    "NOM_M",
    "LIBGEO",
    "libgeo",
)


# --- language ---------------------------------------------------------------------------

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "APL to general practitioners — zoning report",
        "unit": "consultations/year/standardised inhabitant",
        "unit_short": "consult./year/std. inh.",
        "summary": "Summary", "zones": "Zones ({unit})", "map": "Map", "table": "Communes",
        "communes": "communes", "inhabitants": "inhabitants", "std_inhabitants": "standardised inhabitants",
        "mean_apl": "mean APL (weighted by standardised population)", "below": "APL below {t}",
        "below_value": "{pop} ({share}) in {n} communes", "value": "value",
        "commune": "Commune", "code": "Code", "apl": "APL", "population": "Population",
        "population_std": "Standardised population", "zone": "Zone", "na": "n/a",
        "no_data": "no data", "search": "Find a commune (name or code)",
        "search_placeholder": "e.g. Grenoble or 38185", "layer": "Map layer",
        "layer_apl": "APL", "layer_zone": "Zone", "layer_change": "Change in APL",
        "layer_compare": "APL ({label})", "layer_p": "Probability APL < {t}",
        "layer_nearest": "Time to the nearest GP",
        "found_none": "No commune found.", "found_one": "1 commune found.", "found_many": "{n} communes found.",
        "rows": "rows {a}–{b} of {n}", "rows_none": "no row", "prev": "Previous", "next": "Next",
        "download": "Download the table (CSV, UTF-8, comma-separated)",
        "scale": "Scale", "minutes": "min", "pct": "%",
        "compare": "Comparison with {label}", "compare_apl": "APL ({label})", "change": "Change in APL",
        "zone_compare": "Zone ({label})", "zone_changes": "Communes that change zone",
        "no_zone_change": "No commune changes zone.", "baseline": "this result",
        "changed_summary": "Communes that change zone: {n} ({pop}). APL up by 0.01 or more: {up} communes; down by 0.01 or more: {down}.",
        "p_below": "P(APL < {t})", "nearest": "Nearest GP (min)", "uncertain": "Communes whose class is not sure",
        "uncertain_text": "{n} communes have a probability of being below {t} between 5 % and 95 % "
                          "(the class may change within the uncertainty of the inputs).",
        "uncertain_zone_text": "{n} communes keep the class of their point estimate in less than 95 % of the draws "
                               "(p_zone < 95 %, as apl.uncertainty counts them).",
        "p_zone": "P(same zone)",
        "parameters": "Parameters", "sources": "Sources", "diagnostics": "Diagnostics",
        "no_diagnostics": "No computation diagnostics (this table was not returned by apl.compute_apl).",
        "missing": "Communes without data", "all_joined": "Every commune of the result has a polygon and an APL.",
        "geom_only": "{n} polygons have no row in the result (hatched on the map): {codes}",
        "no_geom": "{n} communes of the result have no polygon (in the table only): {codes}",
        "undefined": "{n} communes have no APL value (hatched): {codes}",
        "not_in_base": "{n} communes of the comparison are not in the result and are left out: {codes}",
        "compare_missing": "{n} of the {total} communes of this result are not in {label} (or have no APL there): {codes}. The side-by-side figures below are computed on the {k} communes present in both.",
        "no_map": "No commune polygons were given: the report has no map (pass geometries=… or --geometries).",
        "noscript": "This report needs JavaScript for its tooltips, search and table; the map and the summary tables are shown without it.",
        "source": "Source", "year": "Year", "licence": "Licence", "not_given": "not given",
        "default_licence": "apl code under the MIT licence; data under the licence of each source.",
        "generated": "Generated by apl {version} on {date}.",
        "decay": "decay", "standardised": "demand standardised", "thresholds": "zoning thresholds",
        "zoning_unit": "zoning unit", "generated_on": "generated", "language": "language",
        "units": "units", "share": "share", "mean_short": "mean APL", "below_short": "inhabitants below {t}",
        "zone_units": "units in {zone}", "scenario": "scenario", "comparison": "comparison",
        "map_label": "Map of the communes; use Tab to move from commune to commune, Enter to select.",
        "class_note": "Classes [a, b[: a ≤ APL < b. Thresholds of the zoning: {lo} and {hi}.",
    },
    "fr": {
        "title": "Accessibilité potentielle localisée (APL) aux médecins généralistes — rapport de zonage",
        "unit": "consultations/an/habitant standardisé",
        "unit_short": "consult./an/hab. std.",
        "summary": "Synthèse", "zones": "Zones ({unit})", "map": "Carte", "table": "Communes",
        "communes": "communes", "inhabitants": "habitants", "std_inhabitants": "habitants standardisés",
        "mean_apl": "APL moyenne (pondérée par la population standardisée)", "below": "APL inférieure à {t}",
        "below_value": "{pop} ({share}) dans {n} communes", "value": "valeur",
        "commune": "Commune", "code": "Code", "apl": "APL", "population": "Population",
        "population_std": "Population standardisée", "zone": "Zone", "na": "n.d.",
        "no_data": "pas de données", "search": "Rechercher une commune (nom ou code)",
        "search_placeholder": "ex. Grenoble ou 38185", "layer": "Couche de la carte",
        "layer_apl": "APL", "layer_zone": "Zone", "layer_change": "Variation de l'APL",
        "layer_compare": "APL ({label})", "layer_p": "Probabilité APL < {t}",
        "layer_nearest": "Temps d'accès au généraliste le plus proche",
        "found_none": "Aucune commune trouvée.", "found_one": "1 commune trouvée.", "found_many": "{n} communes trouvées.",
        "rows": "lignes {a} à {b} sur {n}", "rows_none": "aucune ligne", "prev": "Précédent", "next": "Suivant",
        "download": "Télécharger le tableau (CSV, UTF-8, séparateur virgule, point décimal)",
        "scale": "Échelle", "minutes": "min", "pct": "\u00a0%",
        "compare": "Comparaison avec {label}", "compare_apl": "APL ({label})", "change": "Variation de l'APL",
        "zone_compare": "Zone ({label})", "zone_changes": "Communes qui changent de zone",
        "no_zone_change": "Aucune commune ne change de zone.", "baseline": "ce résultat",
        "changed_summary": "Communes qui changent de zone : {n} ({pop}). APL en hausse d'au moins 0,01 : {up} communes ; en baisse d'au moins 0,01 : {down}.",
        "p_below": "P(APL < {t})", "nearest": "Généraliste le plus proche (min)",
        "uncertain": "Communes dont la classe n'est pas sûre",
        "uncertain_text": "{n} communes ont une probabilité d'être sous {t} comprise entre 5 % et 95 % "
                          "(leur classe peut changer dans l'incertitude des données).",
        "uncertain_zone_text": "{n} communes gardent la classe de leur estimation centrale dans moins de 95 % des "
                               "tirages (p_zone < 95 %, comme les compte apl.uncertainty).",
        "p_zone": "P(même zone)",
        "parameters": "Paramètres", "sources": "Sources", "diagnostics": "Diagnostics",
        "no_diagnostics": "Pas de diagnostic de calcul (ce tableau ne vient pas de apl.compute_apl).",
        "missing": "Communes sans données", "all_joined": "Chaque commune du résultat a un contour et une APL.",
        "geom_only": "{n} contours n'ont pas de ligne dans le résultat (hachurés sur la carte) : {codes}",
        "no_geom": "{n} communes du résultat n'ont pas de contour (dans le tableau seulement) : {codes}",
        "undefined": "{n} communes n'ont pas de valeur d'APL (hachurées) : {codes}",
        "not_in_base": "{n} communes de la comparaison ne sont pas dans le résultat et sont ignorées : {codes}",
        "compare_missing": "{n} des {total} communes de ce résultat sont absentes de {label} (ou sans APL) : {codes}. Les chiffres comparés ci-dessous portent sur les {k} communes présentes dans les deux.",
        "no_map": "Aucun contour de commune fourni : le rapport n'a pas de carte (passer geometries=… ou --geometries).",
        "noscript": "Ce rapport utilise JavaScript pour les infobulles, la recherche et le tableau ; la carte et les tableaux de synthèse s'affichent sans.",
        "source": "Source", "year": "Année", "licence": "Licence", "not_given": "non précisé",
        "default_licence": "Code apl sous licence MIT ; données sous la licence de chaque source.",
        "generated": "Produit par apl {version} le {date}.",
        "decay": "décroissance", "standardised": "demande standardisée", "thresholds": "seuils de zonage",
        "zoning_unit": "unité de zonage", "generated_on": "produit le", "language": "langue",
        "units": "unités", "share": "part", "mean_short": "APL moyenne", "below_short": "habitants sous {t}",
        "zone_units": "unités en {zone}", "scenario": "scénario", "comparison": "comparaison",
        "map_label": "Carte des communes ; Tab pour passer d'une commune à l'autre, Entrée pour la sélectionner.",
        "class_note": "Classes [a ; b[ : a ≤ APL < b. Seuils du zonage : {lo} et {hi}.",
    },
}  # fmt: skip


def _number(value: float, digits: int, lang: str, *, signed: bool = False) -> str:
    """``1,234.56`` (en) or ``1 234,56`` (fr, narrow no-break space)."""
    if value is None or not np.isfinite(value):
        return _TEXT[lang]["na"]
    text = f"{abs(value):,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    zero = float(f"{abs(value):.{digits}f}") == 0.0
    sign = "−" if value < 0 and not zero else ("+" if signed and not zero else "")
    return sign + text


def _share(value: float, lang: str) -> str:
    return f"{value:.1%}" if lang == "en" else _number(100 * value, 1, lang) + "\u00a0%"


def _bound(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",").replace("-", "−") if lang == "fr" else text.replace("-", "−")


def _class_labels(breaks: Sequence[float], lang: str, *, low: float | None = 0.0) -> list[str]:
    """``[a, b[`` labels, ``[a, +∞[`` for the last (``[a ; b[`` in French, where the comma is
    the decimal mark); with ``low=None`` the first class is ``< b`` (unbounded below)."""
    if lang == "en" and low == 0.0:
        return zoning.class_labels(breaks)  # the labels of apl.plot's maps
    sep = " ; " if lang == "fr" else ", "
    edges = [low, *breaks, None]
    labels = []
    for lo, hi in itertools.pairwise(edges):
        if lo is None:
            labels.append(f"< {_bound(hi, lang)}")  # type: ignore[arg-type]
        elif hi is None:
            labels.append(
                f"[{_bound(lo, lang)}{sep}+∞[" if low is not None else f"≥ {_bound(lo, lang)}"
            )
        else:
            labels.append(f"[{_bound(lo, lang)}{sep}{_bound(hi, lang)}[")
    return labels


# --- colours ----------------------------------------------------------------------------


def _ramp(anchors: Sequence[str], n: int) -> list[str]:
    rgb = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in anchors], dtype=float)
    positions = np.linspace(0.0, 1.0, len(anchors))
    targets = np.linspace(0.0, 1.0, n) if n > 1 else np.array([0.5])
    out = np.column_stack([np.interp(targets, positions, rgb[:, k]) for k in range(3)])
    return ["#" + "".join(f"{round(c):02x}" for c in row) for row in out]


def sequential_colors(n: int, *, reverse: bool = False, palette: str = "viridis") -> list[str]:
    """`n` colours along viridis (or ``"cividis"``), low values dark; ``reverse`` flips it.

    Both ramps are perceptually ordered in lightness, hence readable with any colour-vision
    deficiency and in greyscale.
    """
    anchors = {"viridis": _VIRIDIS, "cividis": _CIVIDIS}[palette]
    colors = _ramp(anchors, n)
    return colors[::-1] if reverse else colors


# --- geometry -> SVG --------------------------------------------------------------------


@dataclass(frozen=True)
class SvgMap:
    """Commune polygons as SVG path data, in a frame ``width`` × ``height`` user units.

    Attributes
    ----------
    codes : list of str
        Commune codes, one per path, in keyboard (reading) order: north to south in bands,
        west to east within a band.
    names : list of str
        Commune names ("" when the polygons carry none).
    d : list of str
        SVG path data (``M x y x y … Z`` per ring, integer user units, y downwards).
    width, height : float
        Extent of the map in user units.
    metres_per_unit : float or None
        Ground metres per user unit (None when the CRS unit is unknown: no scale bar).
    tolerance : float
        Simplification tolerance used, in metres (or CRS units).
    """

    codes: list[str]
    names: list[str]
    d: list[str]
    width: float
    height: float
    metres_per_unit: float | None
    tolerance: float


def _geo_frame(geometries: Any):
    import geopandas as gpd

    if isinstance(geometries, str | Path):
        geometries = gpd.read_file(geometries)
    if isinstance(geometries, gpd.GeoSeries):
        geometries = gpd.GeoDataFrame({"commune": geometries.index.astype(str)}, geometry=geometries.to_numpy(),
                                      crs=geometries.crs)  # fmt: skip
    if not isinstance(geometries, gpd.GeoDataFrame):
        raise ValidationError(f"geometries must be a GeoDataFrame, a GeoSeries or a file path, got {type(geometries).__name__}.",
                              table="geometries")  # fmt: skip
    return geometries


def _codes_of(frame, key: str | None) -> pd.Series:
    if key is None:
        key = next((c for c in _CODE_COLUMNS if c in frame.columns), None)
    elif key not in frame.columns:
        raise MissingColumnError(f"geometries: no column {key!r}; found {list(map(str, frame.columns))}.",
                                 table="geometries", column=key)  # fmt: skip
    codes = frame[key] if key is not None else pd.Series(frame.index, index=frame.index)
    return codes.astype(str).str.strip()


def svg_map(
    geometries: Any,
    *,
    key: str | None = None,
    tolerance: float | None = None,
    width: float | None = None,
) -> SvgMap:
    """Project, simplify and encode commune polygons as SVG path data.

    Parameters
    ----------
    geometries : geopandas.GeoDataFrame, GeoSeries or path to a file
        Commune polygons with a code column (``commune``, ``INSEE_COM``, ``insee``…, or
        `key`), or indexed by code. Geographic coordinates (longitude/latitude, or no CRS
        with values within ±180/±90) are projected to a Lambert azimuthal equal-area
        projection centred on the data, in metres; projected ones are used as they are
        (their unit taken as the metre).
    key : str, optional
        Code column.
    tolerance : float, optional
        Douglas–Peucker tolerance (metres) of :func:`shapely.simplify` (topology preserved);
        default one user unit, the display resolution. 0 disables simplification.
    width : float, optional
        Width of the frame in user units; default 2,000, growing as √n beyond 2,000
        polygons so that small communes keep a shape.
    """
    import shapely

    frame = _geo_frame(geometries)
    codes = _codes_of(frame, key)
    names_col = next((c for c in _NAME_COLUMNS if c in frame.columns), None)
    names = (
        frame[names_col].fillna("").astype(str) if names_col else pd.Series("", index=frame.index)
    )
    geoms = frame.geometry
    valid = ~(geoms.isna().to_numpy() | geoms.is_empty.to_numpy())
    crs = frame.crs
    minx, miny, maxx, maxy = geoms[valid].total_bounds if valid.any() else (0.0, 0.0, 1.0, 1.0)
    geographic = (
        crs.is_geographic
        if crs is not None
        else (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90)
    )
    if geographic:
        lon0, lat0 = (minx + maxx) / 2.0, (miny + maxy) / 2.0
        source = frame if crs is not None else frame.set_crs(4326)
        geoms = source.geometry.to_crs(
            f"+proj=laea +lat_0={lat0:.6f} +lon_0={lon0:.6f} +datum=WGS84 +units=m +no_defs"
        )
        minx, miny, maxx, maxy = geoms[valid].total_bounds
    n = int(valid.sum())
    if width is None:
        width = 2000.0 if n <= 2000 else float(round(2000.0 * math.sqrt(n / 2000.0)))
    extent = max(maxx - minx, maxy - miny, 1e-9)
    scale = width / extent  # user units per metre
    if tolerance is None:
        tolerance = 1.0 / scale
    arr = geoms.to_numpy()
    if tolerance > 0:
        arr = shapely.simplify(arr, tolerance, preserve_topology=True)
    height = (maxy - miny) * scale
    # Flatten polygons -> rings -> coordinates, keeping which geometry each ring belongs to.
    parts, part_of = shapely.get_parts(arr, return_index=True)
    rings, ring_of_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    xy = np.empty_like(coords, dtype=np.int64)
    xy[:, 0] = np.rint((coords[:, 0] - minx) * scale)
    xy[:, 1] = np.rint((maxy - coords[:, 1]) * scale)
    ring_geom = part_of[ring_of_part]
    # Drop each ring's closing point (Z closes it) and points that round onto their predecessor.
    last = np.r_[coord_ring[1:] != coord_ring[:-1], True]
    same = np.r_[False, (xy[1:] == xy[:-1]).all(axis=1) & (coord_ring[1:] == coord_ring[:-1])]
    keep = ~last & ~same
    xy, coord_ring = xy[keep], coord_ring[keep]
    flat = xy.ravel().tolist()
    starts = np.searchsorted(coord_ring, np.arange(len(rings)), side="left")
    stops = np.searchsorted(coord_ring, np.arange(len(rings)), side="right")
    per_geom: list[list[str]] = [[] for _ in range(len(arr))]
    for r, (a, b) in enumerate(zip(starts.tolist(), stops.tolist(), strict=True)):
        if b - a >= 2:  # a ring reduced to one point at this resolution draws nothing
            per_geom[ring_geom[r]].append("M" + " ".join(map(str, flat[2 * a : 2 * b])) + "Z")
    # One path per code (a commune split over several rows is merged).
    table = pd.DataFrame({"code": codes.to_numpy(), "name": names.to_numpy(),
                          "d": ["".join(p) for p in per_geom], "valid": valid})  # fmt: skip
    table = table[table["valid"]]
    if table["code"].is_unique:
        merged = table.set_index("code")[["name", "d"]]
    else:
        merged = table.groupby("code", sort=False).agg(name=("name", "first"), d=("d", "".join))
    # Keyboard order: bands of latitude (north first), west to east inside a band.
    centroids = shapely.centroid(shapely.envelope(arr[valid]))
    cx = (
        pd.Series(shapely.get_x(centroids), index=table.index)
        .groupby(table["code"].to_numpy(), sort=False)
        .mean()
    )
    cy = (
        pd.Series(shapely.get_y(centroids), index=table.index)
        .groupby(table["code"].to_numpy(), sort=False)
        .mean()
    )
    band = np.floor((maxy - cy.reindex(merged.index).to_numpy()) / max(extent / 12.0, 1e-9))
    order = np.lexsort((cx.reindex(merged.index).to_numpy(), band))
    merged = merged.iloc[order]
    metres = 1.0 / scale
    if crs is not None and not geographic:
        unit = (crs.axis_info[0].unit_name or "").lower() if crs.axis_info else ""
        metres = metres if unit in ("metre", "meter", "m", "") else None  # type: ignore[assignment]
    return SvgMap(codes=merged.index.astype(str).tolist(), names=merged["name"].tolist(), d=merged["d"].tolist(),
                  width=float(width), height=float(max(height, 1.0)), metres_per_unit=metres,
                  tolerance=float(tolerance))  # fmt: skip


def _nice_length(metres: float) -> float:
    """Largest 1, 2 or 5 × 10^k metres not above `metres`."""
    exponent = math.floor(math.log10(metres))
    for step in (5.0, 2.0, 1.0):
        if step * 10**exponent <= metres:
            return step * 10**exponent
    return 10.0 ** (exponent - 1) * 5.0


def _scale_bar(smap: SvgMap, lang: str) -> str:
    if not smap.metres_per_unit:
        return ""
    metres = _nice_length(smap.width / 5.0 * smap.metres_per_unit)
    length = metres / smap.metres_per_unit
    label = f"{_bound(metres / 1000.0, lang)} km" if metres >= 1000 else f"{metres:g} m"
    font = smap.width / 55.0
    x0, y0 = smap.width * 0.03, smap.height + font * 1.2
    half = length / 2.0
    return (f'<g id="scale-bar" font-size="{font:.0f}" font-family="sans-serif" fill="#222">'
            f'<rect x="{x0:.0f}" y="{y0:.0f}" width="{half:.0f}" height="{font * 0.35:.0f}" fill="#222"/>'
            f'<rect x="{x0 + half:.0f}" y="{y0:.0f}" width="{half:.0f}" height="{font * 0.35:.0f}" fill="#fff" stroke="#222" stroke-width="{font * 0.06:.1f}"/>'
            f'<text x="{x0:.0f}" y="{y0 + font * 1.45:.0f}">0</text>'
            f'<text x="{x0 + length:.0f}" y="{y0 + font * 1.45:.0f}" text-anchor="middle">{html.escape(label)}</text>'
            f"<title>{html.escape(_TEXT[lang]['scale'])}: {html.escape(label)}</title></g>")  # fmt: skip


# --- tables -----------------------------------------------------------------------------


def read_result(path: str | Path) -> pd.DataFrame:
    """Read a per-commune table written by ``apl compute --out`` (or any table with a
    ``commune`` column): CSV (any separator, gzip…) or Parquet, for ``apl report --compare``
    and ``--uncertainty``.

    Returns
    -------
    pandas.DataFrame
        Indexed by commune code (text, checked as by the loaders); columns whose non-empty
        cells are all numbers become float64 (an empty cell is NaN, "no data"), others stay
        text.
    """
    from .io import tables

    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
        if "commune" not in frame.columns:
            frame = frame.reset_index()
        frame.index = pd.RangeIndex(2, 2 + len(frame), name="line")
        frame = frame.astype({c: str for c in frame.columns if c == "commune"})
    else:
        frame, _ = tables.read_table(path, ["commune"], what="per-commune result")
    codes = tables.codes_column(frame.astype({"commune": str}), "commune", path)
    out = pd.DataFrame(index=pd.Index(codes.to_numpy(dtype=object), name="commune"))
    for column in frame.columns:
        if column == "commune":
            continue
        cells = frame[column]
        if pd.api.types.is_numeric_dtype(cells.dtype):
            out[column] = cells.to_numpy(dtype=float)
            continue
        text = cells.fillna("").astype(str).str.strip()
        empty = (text == "").to_numpy()
        numbers, problem = tables.parse_numbers(text[~empty])
        if problem is None and np.isfinite(numbers).all():
            values = np.full(len(text), np.nan)
            values[~empty] = numbers
            out[column] = values
        else:
            out[column] = text.to_numpy(dtype=object)
    if not out.index.is_unique:
        dup = out.index[out.index.duplicated()][0]
        raise ValidationError(f"{path}: commune {dup!r} appears on several rows; expected one row per commune.",
                              table=str(path), column="commune", row=dup)  # fmt: skip
    return out


def _commune_zones(apl: pd.Series, population: pd.Series, inhabitants: pd.Series, commune_tvs,
                   thresholds: Sequence[float]) -> tuple[pd.Series, pd.DataFrame, str]:  # fmt: skip
    """Zone of each commune (per TVS when `commune_tvs` is given) with the unit table."""
    known = apl.notna()
    units = pd.DataFrame(
        {"apl": apl[known], "population": population[known], "inhabitants": inhabitants[known]}
    )
    if commune_tvs is not None:
        per_tvs = zoning.tvs_apl(units, commune_tvs)
        tvs_of = zoning.commune_to_tvs(commune_tvs)
        per_tvs["inhabitants"] = (
            units["inhabitants"].groupby(tvs_of.reindex(units.index).to_numpy()).sum()
        )
        zoned = zoning.classify(per_tvs, thresholds=thresholds)
        zone = tvs_of.reindex(apl.index).map(zoned["zone"])
        return zone.where(known, None), zoned, "TVS"
    zoned = zoning.classify(units, thresholds=thresholds)
    zoned["department"] = zoning.department_of(zoned.index).to_numpy()
    return zoned["zone"].reindex(apl.index), zoned, "communes"


def _series(data: Any, what: str, columns: Sequence[str]) -> pd.Series:
    """A Series indexed by commune code from a Series or a DataFrame (indexed or ``commune``)."""
    if isinstance(data, pd.Series):
        out = data
    elif isinstance(data, pd.DataFrame):
        frame = data.set_index(data["commune"].astype(str)) if "commune" in data.columns else data
        column = next((c for c in columns if c in frame.columns), None)
        if column is None:
            raise MissingColumnError(f"{what}: expected a column among {list(columns)}; found {list(map(str, frame.columns))}.",
                                     table=what, column=columns[0])  # fmt: skip
        out = frame[column]
    else:
        raise ValidationError(f"{what}: expected a pandas Series or DataFrame indexed by commune, got {type(data).__name__}.",
                              table=what)  # fmt: skip
    out = pd.to_numeric(out, errors="coerce")
    out.index = pd.Index(out.index.astype(str), name="commune")
    if not out.index.is_unique:
        dup = out.index[out.index.duplicated()][0]
        raise ValidationError(
            f"{what}: commune {dup!r} appears more than once.",
            table=what,
            column="commune",
            row=dup,
        )
    return out


def _compared(base: pd.Series, compare: Any) -> tuple[pd.Series, bool, pd.Index]:
    """APL of the second result on the base's communes; whether it is a what-if; extra codes."""
    if isinstance(compare, pd.DataFrame) and {"apl_before", "change"} <= set(compare.columns):
        table = compare.copy()
        table.index = pd.Index(table.index.astype(str), name="commune")
        extra = table.index.difference(base.index)
        common = table.index.intersection(base.index)
        before = table.loc[common, "apl_before"].to_numpy(dtype=float)
        gap = np.abs(before - base[common].to_numpy(dtype=float))
        bad = gap > 1e-6 * np.maximum(1.0, np.abs(before))
        if bad.any():
            code = common[int(np.flatnonzero(bad)[0])]
            msg = (f"compare: the what-if's apl_before of commune {code!r} is {table.loc[code, 'apl_before']:.6g}, "
                   f"the result's apl is {base[code]:.6g}: the what-if was computed on another baseline "
                   f"({int(bad.sum())} communes differ).")  # fmt: skip
            raise ValidationError(msg, table="compare", column="apl_before", row=code)
        out = base.astype(float).copy()
        out[common] = base[common].to_numpy(dtype=float) + table.loc[common, "change"].to_numpy(
            dtype=float
        )
        return out, True, extra
    other = _series(compare, "compare", ["apl"])
    return other.reindex(base.index), False, other.index.difference(base.index)


def _codes_text(codes: Sequence[str], limit: int = 30) -> str:
    codes = list(codes)
    return ", ".join(codes[:limit]) + (f", … (+{len(codes) - limit})" if len(codes) > limit else "")


def _kv_table(rows: Mapping[str, str], header: str) -> str:
    body = "".join(f"<tr><th scope='row'>{html.escape(str(k))}</th><td class='text'>{html.escape(str(v))}</td></tr>"
                   for k, v in rows.items())  # fmt: skip
    return f"<table class='kv'><thead><tr><th></th><th class='text'>{html.escape(header)}</th></tr></thead><tbody>{body}</tbody></table>"


def _html_table(
    frame: pd.DataFrame, *, index_label: str | None = None, text: Sequence[str] = ()
) -> str:
    """A plain HTML table; columns named in `text` are left-aligned (names, zones)."""
    align = ["text" if c in text else "num" for c in frame.columns]
    head = "".join(
        f"<th class='{a}'>{html.escape(str(c))}</th>"
        for c, a in zip(frame.columns, align, strict=True)
    )
    rows = []
    for idx, row in frame.iterrows():
        label = " / ".join(map(str, idx)) if isinstance(idx, tuple) else str(idx)
        cells = "".join(
            f"<td class='{a}'>{html.escape(str(v))}</td>"
            for v, a in zip(row.to_numpy(), align, strict=True)
        )
        rows.append(f"<tr><th scope='row'>{html.escape(label)}</th>{cells}</tr>")
    return (f"<table><thead><tr><th>{html.escape(index_label or '')}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def _classes(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class of each value for the non-APL layers (changes may be negative): as
    :func:`apl.zoning.class_index`, a value on a bound goes above; −1 for NaN."""
    cls = np.searchsorted(np.asarray(breaks, dtype=float), values, side="right").astype(np.int64)
    cls[~np.isfinite(values)] = -1
    return cls


def _layer(title: str, unit: str, colors: Sequence[str], labels: Sequence[str], cls: np.ndarray,
           note: str = "", stroke: str = "#ffffff") -> dict[str, Any]:  # fmt: skip
    counts = (
        np.bincount(cls[cls >= 0], minlength=len(colors)).tolist()
        if len(cls)
        else [0] * len(colors)
    )
    return {"title": title, "unit": unit, "colors": list(colors), "labels": list(labels), "counts": counts,
            "cls": cls.tolist(), "nodata": int((cls < 0).sum()), "note": note, "stroke": stroke}  # fmt: skip


def _assets() -> tuple[str, str]:
    folder = resources.files("apl").joinpath("data", "report")
    return folder.joinpath("report.css").read_text(encoding="utf-8"), folder.joinpath(
        "report.js"
    ).read_text(encoding="utf-8")


def _script_json(data: Mapping[str, Any]) -> str:
    # "</" would end the <script> element early; "\u2028" breaks old JS parsers.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _clean(values: np.ndarray, digits: int) -> list[float | None]:
    rounded = np.round(values.astype(float), digits)
    return [None if not np.isfinite(v) else float(v) for v in rounded.tolist()]


# --- the report -------------------------------------------------------------------------


def build_report(
    result: pd.DataFrame,
    *,
    title: str | None = None,
    geometries: Any = None,
    population: pd.Series | None = None,
    commune_tvs: pd.DataFrame | pd.Series | None = None,
    thresholds: Sequence[float] = zoning.THRESHOLDS_2017,
    parameters: Mapping[str, object] | None = None,
    notes: Sequence[str] = (),
    compare: pd.DataFrame | pd.Series | None = None,
    compare_label: str | None = None,
    uncertainty: pd.DataFrame | None = None,
    nearest_gp: pd.Series | pd.DataFrame | None = None,
    names: pd.Series | None = None,
    lang: str = "en",
    sources: Sequence[str] = (),
    year: int | str | None = None,
    licence: str | None = None,
    unit: str | None = None,
    breaks: Sequence[float] | None = None,
    simplify: float | None = None,
    geometry_key: str | None = None,
) -> str:
    """The HTML text of the report; see :func:`write_report` for the parameters."""
    if lang not in _TEXT:
        raise ValidationError(
            f"lang must be one of {sorted(_TEXT)}, got {lang!r}.", table="options", column="lang"
        )
    T = _TEXT[lang]
    if not isinstance(result, pd.DataFrame):
        raise ValidationError(
            f"result must be a DataFrame indexed by commune, got {type(result).__name__}.",
            table="result",
        )
    from . import validation

    validation.require_columns(result, ["apl", "population"], "result")
    lower, upper = (float(t) for t in thresholds)
    codes = pd.Index(result.index.astype(str), name="commune")
    if not codes.is_unique:
        dup = codes[codes.duplicated()][0]
        raise ValidationError(
            f"result: commune {dup!r} appears more than once.", table="result", row=dup
        )
    apl = pd.Series(
        pd.to_numeric(result["apl"], errors="coerce").to_numpy(dtype=float), index=codes
    )
    bad = ~np.isnan(apl.to_numpy()) & ~(np.isfinite(apl.to_numpy()) & (apl.to_numpy() >= 0))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValidationError(f"result: column 'apl', commune {codes[pos]!r}: found {apl.iloc[pos]!r}; expected a finite "
                              "number ≥ 0 (consultations/year/standardised inhabitant) or NaN for no data.",
                              table="result", column="apl", row=codes[pos])  # fmt: skip
    std_pop = pd.Series(
        validation.check_values(result["population"], "result", "population", result), index=codes
    )
    if population is not None:
        inhabitants = _series(population, "population", ["population"]).reindex(codes)
        if inhabitants.isna().any():
            missing = list(codes[inhabitants.isna().to_numpy()][:5])
            raise ValidationError(f"population: no value for communes {missing} of the result; it must cover every commune.",
                                  table="population", column="population")  # fmt: skip
        pop_label = T["population"]
    else:
        inhabitants = std_pop
        pop_label = T["population_std"]
    unit = unit or T["unit"]
    has_apl = apl.notna()

    # Zones (per commune or per TVS), for this result and the compared one.
    zone, zoned, unit_name = _commune_zones(apl, std_pop, inhabitants, commune_tvs, (lower, upper))
    # Names: explicit, else a column of the result.
    if names is not None:
        name = names.copy()
        name.index = name.index.astype(str)
        name = name.reindex(codes)
    else:
        col = next((c for c in _NAME_COLUMNS if c in result.columns), None)
        name = (
            pd.Series(result[col].to_numpy(), index=codes)
            if col
            else pd.Series([None] * len(codes), index=codes, dtype=object)
        )

    # Map.
    smap = (
        svg_map(geometries, key=geometry_key, tolerance=simplify)
        if geometries is not None
        else None
    )
    geom_only: list[str] = []
    no_geom: list[str] = []
    if smap is not None:
        in_map = pd.Index(smap.codes)
        joined = codes.intersection(in_map)
        if len(joined) == 0:
            raise ValidationError(
                f"geometries: none of the {len(in_map)} polygon codes (e.g. {list(in_map[:3])}) matches the "
                f"{len(codes)} communes of the result (e.g. {list(codes[:3])}); expected 5-character INSEE codes in a "
                f"column among {list(_CODE_COLUMNS)} (or pass geometry_key=).", table="geometries", column=geometry_key)  # fmt: skip
        geom_only = list(in_map.difference(codes, sort=False))
        no_geom = list(codes.difference(in_map))
        if no_geom:
            warnings.warn(f"report: {len(no_geom)} of {len(codes)} communes of the result have no polygon "
                          f"({_codes_text(no_geom, 5)}); they are in the table only.", DataWarning, stacklevel=3)  # fmt: skip
        missing_names = name.isna() | (name.astype(str) == "")
        if missing_names.any():
            from_map = pd.Series(smap.names, index=in_map)
            name = name.where(~missing_names, from_map.reindex(codes))
    name = name.fillna("").astype(str)

    values: dict[str, list[Any]] = {
        "apl": _clean(apl.to_numpy(), 4),
        "pop": _clean(inhabitants.to_numpy(dtype=float), 1),
        "zone": [z if isinstance(z, str) else None for z in zone.to_numpy()],
    }
    columns: list[dict[str, Any]] = [
        {"key": "name", "label": T["commune"], "kind": "text"},
        {"key": "code", "label": T["code"], "kind": "text"},
        {"key": "apl", "label": T["apl"], "kind": "num", "digits": 2, "unit": unit},
        {"key": "pop", "label": pop_label, "kind": "num", "digits": 0},
        {"key": "zone", "label": T["zone"], "kind": "text"},
    ]
    csv_columns = [{"key": "code", "header": "commune"}, {"key": "name", "header": "name"},
                   {"key": "apl", "header": "apl"}, {"key": "pop", "header": "population" if population is not None else "standardised_population"},
                   {"key": "zone", "header": "zone"}]  # fmt: skip

    apl_breaks = sorted(
        {*(float(b) for b in (breaks if breaks is not None else APL_BREAKS)), lower, upper}
    )
    apl_breaks = [b for b in apl_breaks if b > 0]
    apl_colors = sequential_colors(len(apl_breaks) + 1)
    apl_labels = _class_labels(apl_breaks, lang)
    class_note = T["class_note"].format(lo=_bound(lower, lang), hi=_bound(upper, lang))
    layers: dict[str, dict[str, Any]] = {
        "apl": _layer(
            T["layer_apl"],
            unit,
            apl_colors,
            apl_labels,
            zoning.class_index(apl, apl_breaks, table="result"),
            class_note,
        ),
    }
    present = [z for z in zoning.ZONES if (zone == z).any()]
    zone_cls = np.array(
        [present.index(z) if isinstance(z, str) and z in present else -1 for z in zone.to_numpy()],
        dtype=np.int64,
    )
    layers["zone"] = _layer(T["layer_zone"] + f" ({unit_name})", "", [ZONE_COLORS[z] for z in present], present, zone_cls,
                            f"ZIP < {_bound(lower, lang)} ≤ vivier < {_bound(upper, lang)} ≤ HZ")  # fmt: skip
    layer_names = {"apl": T["layer_apl"], "zone": T["layer_zone"]}
    tooltip = ["apl", "pop", "zone"]
    sections_extra: list[str] = []
    extra_notes: list[str] = []

    # Second result or what-if.
    if compare is not None:
        other, what_if, extra = _compared(apl, compare)
        label = compare_label or (T["scenario"] if what_if else T["comparison"])
        delta = other - apl
        other_zone, other_zoned, _ = _commune_zones(
            other, std_pop, inhabitants, commune_tvs, (lower, upper)
        )
        values["apl_cmp"] = _clean(other.to_numpy(), 4)
        values["delta"] = _clean(delta.to_numpy(), 4)
        values["zone_cmp"] = [z if isinstance(z, str) else None for z in other_zone.to_numpy()]
        columns += [{"key": "apl_cmp", "label": T["compare_apl"].format(label=label), "kind": "num", "digits": 2},
                    {"key": "delta", "label": T["change"], "kind": "signed", "digits": 2},
                    {"key": "zone_cmp", "label": T["zone_compare"].format(label=label), "kind": "text"}]  # fmt: skip
        csv_columns += [{"key": "apl_cmp", "header": "apl_compared"}, {"key": "delta", "header": "apl_change"},
                        {"key": "zone_cmp", "header": "zone_compared"}]  # fmt: skip
        tooltip += ["apl_cmp", "delta", "zone_cmp"]
        layers["delta"] = _layer(T["layer_change"], unit, CHANGE_COLORS, _class_labels(CHANGE_BREAKS, lang, low=None),
                                 _classes(delta.to_numpy(), CHANGE_BREAKS), f"{label} − {T['baseline']}", stroke="#bdbdbd")  # fmt: skip
        layers["apl_cmp"] = _layer(T["layer_compare"].format(label=label), unit, apl_colors, apl_labels,
                                   zoning.class_index(other, apl_breaks, table="compare"), class_note)  # fmt: skip
        layer_names["delta"] = T["layer_change"]
        layer_names["apl_cmp"] = T["layer_compare"].format(label=label)
        if len(extra):
            extra_notes.append(
                T["not_in_base"].format(n=len(extra), codes=_codes_text(list(extra)))
            )
        changed = zone.notna() & other_zone.notna() & (zone != other_zone)
        # The side-by-side figures compare like with like: only the communes with an APL in
        # both results (a partial comparison file must not be read as a fall in access).
        both = has_apl & other.notna()
        if not both.any():
            raise ValidationError(f"compare: none of the {int(has_apl.sum())} communes with an APL in the result has "
                                  "an APL in the comparison; expected the same INSEE commune codes.",
                                  table="compare", column="commune")  # fmt: skip
        absent = list(codes[(has_apl & other.isna()).to_numpy()])
        missing_note = ""
        if len(absent) or (other.notna() & ~has_apl).any():
            base_zoned = _commune_zones(
                apl.where(both), std_pop, inhabitants, commune_tvs, (lower, upper)
            )[1]
            cmp_zoned = _commune_zones(
                other.where(both), std_pop, inhabitants, commune_tvs, (lower, upper)
            )[1]
        else:
            base_zoned, cmp_zoned = zoned, other_zoned
        if absent:
            missing_note = T["compare_missing"].format(n=len(absent), total=int(has_apl.sum()), label=label,
                                                       codes=_codes_text(absent), k=int(both.sum()))  # fmt: skip
            warnings.warn(f"report: {len(absent)} of the {int(has_apl.sum())} communes of the result have no APL in "
                          f"the comparison ({_codes_text(absent, 5)}); the side-by-side figures use the "
                          f"{int(both.sum())} communes present in both.", DataWarning, stacklevel=3)  # fmt: skip
        side = pd.DataFrame({
            T["baseline"]: [_number(weighted_mean_apl(apl[both], std_pop[both]), 2, lang),
                            _number(float(inhabitants[both & (apl < lower)].sum()), 0, lang)]
                           + [_number(float((base_zoned["zone"] == z).sum()), 0, lang) for z in ("ZIP", "vivier", "HZ")],
            label: [_number(weighted_mean_apl(other[both], std_pop[both]), 2, lang),
                    _number(float(inhabitants[both & (other < lower)].sum()), 0, lang)]
                   + [_number(float((cmp_zoned["zone"] == z).sum()), 0, lang) for z in ("ZIP", "vivier", "HZ")],
        }, index=[T["mean_short"], T["below_short"].format(t=_bound(lower, lang))]
                 + [T["zone_units"].format(zone=z) for z in ("ZIP", "vivier", "HZ")])  # fmt: skip
        summary_line = T["changed_summary"].format(
            n=_number(int(changed.sum()), 0, lang),
            pop=_number(float(inhabitants[changed].sum()), 0, lang) + " " + T["inhabitants"],
            up=_number(int((delta >= 0.01).sum()), 0, lang), down=_number(int((delta <= -0.01).sum()), 0, lang))  # fmt: skip
        parts = [f"<section id='comparison'><h2>{html.escape(T['compare'].format(label=label))}</h2>",
                 f"<p id='compare-missing'>{html.escape(missing_note)}</p>" if missing_note else "",
                 _html_table(side), f"<p>{html.escape(summary_line)}</p>",
                 f"<h3>{html.escape(T['zone_changes'])}</h3>"]  # fmt: skip
        if changed.any():
            moved = pd.DataFrame({
                T["commune"]: name[changed].to_numpy(), T["apl"]: [_number(v, 2, lang) for v in apl[changed]],
                T["compare_apl"].format(label=label): [_number(v, 2, lang) for v in other[changed]],
                T["change"]: [_number(v, 2, lang, signed=True) for v in delta[changed]],
                T["zone"]: [f"{a} → {b}" for a, b in zip(zone[changed], other_zone[changed], strict=True)],
                pop_label: [_number(v, 0, lang) for v in inhabitants[changed]],
            }, index=codes[changed]).iloc[np.argsort(delta[changed].to_numpy(), kind="stable")]  # fmt: skip
            parts.append(
                f"<div id='zone-changes'>{_html_table(moved, index_label=T['code'], text=[T['commune'], T['zone']])}</div>"
            )
        else:
            parts.append(f"<p id='zone-changes'>{html.escape(T['no_zone_change'])}</p>")
        sections_extra.append("".join(parts) + "</section>")

    # Probability of being below the lower threshold.
    if uncertainty is not None:
        wanted = "p_below_" + f"{lower:g}".replace(".", "_")
        p = _series(uncertainty, "uncertainty", [wanted, "p_below_2_5"])
        if ((p < 0) | (p > 1)).any():
            code = p.index[((p < 0) | (p > 1)).to_numpy()][0]
            raise ValidationError(f"uncertainty: probability of commune {code!r} is {p[code]!r}; expected a value in [0, 1].",
                                  table="uncertainty", column=wanted, row=code)  # fmt: skip
        p = p.reindex(codes)
        t_text = _bound(lower, lang)
        values["p"] = _clean(p.to_numpy(), 4)
        columns.append(
            {"key": "p", "label": T["p_below"].format(t=t_text), "kind": "pct", "digits": 0}
        )
        csv_columns.append({"key": "p", "header": wanted})
        tooltip.append("p")
        percents = [0, *(round(100 * b) for b in PROBABILITY_BREAKS), 100]
        p_labels = [f"{lo}–{hi}{T['pct']}" for lo, hi in itertools.pairwise(percents)]
        layers["p"] = _layer(T["layer_p"].format(t=t_text), "", sequential_colors(len(PROBABILITY_BREAKS) + 1, reverse=True, palette="cividis"),
                             p_labels, _classes(p.to_numpy(), PROBABILITY_BREAKS))  # fmt: skip
        layer_names["p"] = T["layer_p"].format(t=t_text)
        # "Not sure" as apl.uncertainty counts it when its p_zone is there (the point estimate's
        # class in < 95 % of draws, any threshold), else from the lower threshold alone.
        if isinstance(uncertainty, pd.DataFrame) and "p_zone" in uncertainty.columns:
            p_zone = _series(uncertainty, "uncertainty", ["p_zone"]).reindex(codes)
            unsure_codes = p_zone.index[(p_zone < 0.95).to_numpy()]
            text = T["uncertain_zone_text"].format(n=len(unsure_codes))
        else:
            p_zone = None
            unsure_codes = p.index[((p > 0.05) & (p < 0.95)).to_numpy()]
            text = T["uncertain_text"].format(n=len(unsure_codes), t=t_text)
        unsure = p[unsure_codes].sort_values(ascending=False, kind="stable")
        parts = [
            f"<section id='uncertain'><h2>{html.escape(T['uncertain'])}</h2>",
            f"<p>{html.escape(text)}</p>",
        ]
        if len(unsure):
            shown = unsure.iloc[:100]
            columns_shown = {T["commune"]: name[shown.index].to_numpy(),
                             T["apl"]: [_number(v, 2, lang) for v in apl[shown.index]],
                             T["p_below"].format(t=t_text): [_number(100 * v, 0, lang) + T["pct"] for v in shown]}  # fmt: skip
            if p_zone is not None:
                columns_shown[T["p_zone"]] = [
                    _number(100 * v, 0, lang) + T["pct"] for v in p_zone[shown.index]
                ]
            frame = pd.DataFrame(columns_shown, index=shown.index)
            parts.append(_html_table(frame, index_label=T["code"], text=[T["commune"]]))
        sections_extra.append("".join(parts) + "</section>")

    # Time to the nearest GP.
    near = (
        nearest_gp
        if nearest_gp is not None
        else (result["nearest_gp_minutes"] if "nearest_gp_minutes" in result.columns else None)
    )
    if near is not None:
        minutes = _series(near, "nearest_gp", ["nearest_gp_minutes", "minutes"])
        minutes = minutes.reindex(codes) if not minutes.index.equals(codes) else minutes
        values["nearest"] = _clean(minutes.to_numpy(), 1)
        columns.append({"key": "nearest", "label": T["nearest"], "kind": "num", "digits": 0})
        csv_columns.append({"key": "nearest", "header": "nearest_gp_minutes"})
        tooltip.append("nearest")
        layers["nearest"] = _layer(T["layer_nearest"], T["minutes"], sequential_colors(len(NEAREST_BREAKS) + 1, reverse=True),
                                   _class_labels(NEAREST_BREAKS, lang), _classes(minutes.to_numpy(), NEAREST_BREAKS))  # fmt: skip
        layer_names["nearest"] = T["layer_nearest"]

    # Summary tables (as ARS documents quote them).
    known_apl = apl[has_apl]
    below = below_thresholds(known_apl, inhabitants[has_apl], (1.0, lower))
    diag = result.attrs.get("diagnostics")
    overview = {
        T["communes"]: _number(len(result), 0, lang),
        T["inhabitants"]: _number(float(inhabitants.sum()), 0, lang),
        T["std_inhabitants"]: _number(float(std_pop.sum()), 0, lang),
        T["mean_apl"]: _number(weighted_mean_apl(known_apl, std_pop[has_apl]), 2, lang),
    }
    for threshold, row in below.iterrows():
        overview[T["below"].format(t=_bound(float(threshold), lang))] = T["below_value"].format(
            pop=_number(row["population"], 0, lang),
            share=_share(row["share"], lang),
            n=_number(row["communes"], 0, lang),
        )
    by = ["department"] if "department" in zoned.columns else []
    summary = zoning.zoning_summary(zoned, by=by, population_column="inhabitants")
    shown_summary = pd.DataFrame({
        T["units"]: [_number(v, 0, lang) for v in summary["units"]],
        T["population"]: [_number(v, 0, lang) for v in summary["population"]],
        T["share"]: [_share(v, lang) for v in summary["share"]],
    }, index=summary.index)  # fmt: skip
    params = {
        T["decay"]: diag.decay if isinstance(diag, Diagnostics) else T["not_given"],
        T["standardised"]: str(diag.standardised) if isinstance(diag, Diagnostics) else T["not_given"],
        T["thresholds"]: f"ZIP < {_bound(lower, lang)} ≤ vivier < {_bound(upper, lang)} ≤ HZ",
        T["zoning_unit"]: unit_name, T["generated_on"]: date.today().isoformat(), T["language"]: lang,
        **{str(k): str(v) for k, v in (parameters or {}).items()},
    }  # fmt: skip

    # Communes without data.
    undefined = list(codes[~has_apl.to_numpy()])
    missing_lines = []
    if geom_only:
        missing_lines.append(T["geom_only"].format(n=len(geom_only), codes=_codes_text(geom_only)))
    if no_geom:
        missing_lines.append(T["no_geom"].format(n=len(no_geom), codes=_codes_text(no_geom)))
    if undefined:
        missing_lines.append(T["undefined"].format(n=len(undefined), codes=_codes_text(undefined)))
    if smap is None:
        missing_lines.append(T["no_map"])
    missing_lines += extra_notes

    data = {
        "lang": lang, "text": {k: T[k] for k in ("na", "no_data", "found_none", "found_one", "found_many", "rows",
                                                  "rows_none", "pct")},
        "code": list(codes), "name": name.tolist(), "values": values, "columns": columns, "tooltip": tooltip,
        "layers": layers, "csv": {"columns": csv_columns}, "page_size": 100,
    }  # fmt: skip
    css, js = _assets()
    title = title or T["title"]
    e = html.escape
    out = [f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           "<link rel='icon' href='data:,'>",  # no favicon request
           f"<title>{e(title)}</title><style>{css}</style></head><body>",
           f"<header><h1>{e(title)}</h1>"]  # fmt: skip
    out += [f"<p class='note'>{e(n)}</p>" for n in notes]
    out += [f"<noscript><p class='note'>{e(T['noscript'])}</p></noscript></header><main>"]
    out += [f"<section id='summary'><h2>{e(T['summary'])}</h2>", _kv_table(overview, T["value"]),
            f"<h2>{e(T['zones'].format(unit=unit_name))}</h2>", _html_table(shown_summary), "</section>"]  # fmt: skip

    # Map, legend, search and layer choice.
    layer_options = "".join(f"<option value='{k}'>{e(v)}</option>" for k, v in layer_names.items())
    out.append(f"<section id='map-section'><h2>{e(T['map'])}</h2><div class='controls'>"
               f"<label for='search'>{e(T['search'])}<input type='search' id='search' autocomplete='off' "
               f"placeholder='{e(T['search_placeholder'])}' aria-describedby='status'></label>"
               f"<label for='layer'>{e(T['layer'])}<select id='layer'>{layer_options}</select></label></div>"
               "<p id='status' role='status' aria-live='polite'></p><div class='map-layout'>")  # fmt: skip
    if smap is not None:
        index_of = {c: i for i, c in enumerate(codes)}
        first = layers["apl"]
        font = smap.width / 55.0
        total_height = smap.height + font * 3.4 if smap.metres_per_unit else smap.height
        pattern = smap.width / 250.0
        svg = [f"<div class='map-box'><svg id='map' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {smap.width:.0f} {total_height:.0f}' "
               f"role='group' tabindex='-1' aria-label='{e(T['map_label'])}' preserveAspectRatio='xMidYMid meet'>"
               f"<defs><pattern id='nodata' patternUnits='userSpaceOnUse' width='{pattern:.1f}' height='{pattern:.1f}' "
               f"patternTransform='rotate(45)'><rect width='{pattern:.1f}' height='{pattern:.1f}' fill='#ffffff'/>"
               f"<rect width='{pattern / 2.5:.1f}' height='{pattern:.1f}' fill='#9e9e9e'/></pattern></defs><g id='communes'>"]  # fmt: skip
        name_list, apl_list = name.tolist(), apl.tolist()
        for k, (code, poly) in enumerate(zip(smap.codes, smap.d, strict=True)):
            i = index_of.get(code, -1)
            if i >= 0:
                cls = first["cls"][i]
                fill = first["colors"][cls] if cls >= 0 else _NODATA
                label = (
                    f"{name_list[i] or code} ({code}), {T['apl']} {_number(apl_list[i], 2, lang)}"
                )
            else:
                fill = _NODATA
                label = f"{smap.names[k] or code} ({code}), {T['no_data']}"
            svg.append(f"<path class='c' id='c{k}' data-i='{i}' data-code='{e(code)}' data-name='{e(smap.names[k])}' "
                       f"tabindex='0' role='img' aria-label='{e(label)}' aria-describedby='tooltip' fill='{fill}' d='{poly}'/>")  # fmt: skip
        svg.append(f"</g><g id='overlay'></g>{_scale_bar(smap, lang)}</svg></div>")
        out += svg
    out.append("<div class='side'><div id='legend' class='legend' aria-live='polite'></div></div></div>"
               "<div id='tooltip' role='tooltip' hidden></div></section>")  # fmt: skip
    out += sections_extra

    # Table.
    heads = "".join(f"<th scope='col' data-key='{c['key']}' class='{'text' if c['kind'] == 'text' else 'num'}'>"
                    f"<button type='button'>{e(c['label'])}</button></th>" for c in columns)  # fmt: skip
    out.append(f"<section id='table-section'><h2>{e(T['table'])}</h2>"
               f"<a id='download' class='download' download='apl_report.csv' href='#' hidden>{e(T['download'])}</a>"
               f"<table id='communes-table'><thead><tr>{heads}</tr></thead><tbody></tbody></table>"
               f"<div class='pager'><button type='button' id='prev'>{e(T['prev'])}</button>"
               f"<span id='pager-status' aria-live='polite'></span><button type='button' id='next'>{e(T['next'])}</button></div></section>")  # fmt: skip

    out.append(f"<section id='missing'><h2>{e(T['missing'])}</h2>")
    out += [f"<p>{e(line)}</p>" for line in missing_lines] or [f"<p>{e(T['all_joined'])}</p>"]
    out.append("</section>")
    out += [
        f"<section id='parameters'><h2>{e(T['parameters'])}</h2>",
        _kv_table(params, T["value"]),
    ]
    if sources:
        out.append(
            f"<h3>{e(T['sources'])}</h3><ul>"
            + "".join(f"<li>{e(s)}</li>" for s in sources)
            + "</ul>"
        )
    out.append("</section>")
    out.append(f"<section id='diagnostics'><h2>{e(T['diagnostics'])}</h2><pre>"
               + e(diag.summary() if isinstance(diag, Diagnostics) else T["no_diagnostics"]) + "</pre></section></main>")  # fmt: skip

    from . import __version__

    footer = [f"{T['source']} : " if lang == "fr" else f"{T['source']}: "]
    footer[0] += "; ".join(sources) if sources else T["not_given"]
    sep = " : " if lang == "fr" else ": "
    footer.append(f"{T['year']}{sep}{year if year is not None else T['not_given']}")
    footer.append(f"{T['licence']}{sep}{licence or T['default_licence']}")
    footer.append(T["generated"].format(version=__version__, date=date.today().isoformat()))
    out.append("<footer>" + "".join(f"<p>{e(line)}</p>" for line in footer) + "</footer>")
    out.append(f"<script type='application/json' id='apl-data'>{_script_json(data)}</script>")
    out.append(f"<script>{js}</script></body></html>\n")
    return "".join(out)


def write_report(
    result: pd.DataFrame,
    path: str | Path,
    *,
    title: str | None = None,
    geometries: Any = None,
    population: pd.Series | None = None,
    commune_tvs: pd.DataFrame | pd.Series | None = None,
    thresholds: Sequence[float] = zoning.THRESHOLDS_2017,
    parameters: Mapping[str, object] | None = None,
    notes: Sequence[str] = (),
    compare: pd.DataFrame | pd.Series | None = None,
    compare_label: str | None = None,
    uncertainty: pd.DataFrame | None = None,
    nearest_gp: pd.Series | pd.DataFrame | None = None,
    names: pd.Series | None = None,
    lang: str = "en",
    sources: Sequence[str] = (),
    year: int | str | None = None,
    licence: str | None = None,
    unit: str | None = None,
    breaks: Sequence[float] | None = None,
    simplify: float | None = None,
    geometry_key: str | None = None,
) -> Path:
    """Write a self-contained, offline HTML report and return its path.

    The page holds an SVG map (one ``<path>`` per commune; hover or Tab onto a commune for
    its name, code, APL, population, zone…), a search box (name or code), a layer choice
    (APL, zone, and the change / probability / nearest-GP layers when given), a legend with
    title, unit, class bounds and counts, a scale bar, a sortable paged table with a CSV
    download (data URI), the zone summary, parameters, sources and diagnostics. Nothing is
    loaded from the network.

    Parameters
    ----------
    result : pandas.DataFrame
        Indexed by commune code, with ``apl`` (consultations/year/standardised inhabitant;
        NaN = no data) and ``population`` (standardised) — the output of
        :func:`apl.compute_apl`, or any table of published values. A ``libelle``/``name``
        column gives commune names; ``nearest_gp_minutes`` the time to the nearest GP.
    path : str or Path
        The ``.html`` file to write.
    title : str, optional
        Default: "APL to general practitioners — zoning report" (in `lang`).
    geometries : geopandas.GeoDataFrame, GeoSeries or file path, optional
        Commune polygons with a code column (``commune``, ``INSEE_COM`` of IGN Admin
        Express, ``insee`` of the OpenStreetMap extract…) or indexed by code. Without them
        the report is table-only. If none of their codes joins the result →
        :class:`~apl.errors.ValidationError`; if some communes have no polygon →
        :class:`~apl.errors.DataWarning`, and they are listed in the report.
    population : pandas.Series, optional
        Real (unstandardised) inhabitants per commune, for counts; default the standardised
        population of `result`.
    commune_tvs : optional
        Commune → TVS table; zones are then per TVS (the official rules), else per commune.
    thresholds : (lower, upper), default (2.5, 4.0)
        Zoning thresholds (consultations/year/standardised inhabitant).
    parameters : mapping, optional
        Extra lines for the "Parameters" table.
    notes : sequence of str
        Warnings shown at the top (e.g. "supply is estimated").
    compare : pandas.DataFrame or Series, optional
        A second result (``apl`` column, or a Series of APL, by commune) or a what-if table
        from :meth:`apl.AccessibilityModel.what_if` (``apl_before``, ``change``; communes not
        in it are unchanged). Adds the ΔAPL and compared-APL layers, a side-by-side summary
        and the table of communes that change zone.
    compare_label : str, optional
        Name of the second result (default "comparison" / "scenario" for a what-if).
    uncertainty : pandas.DataFrame, optional
        Indexed by commune (or with a ``commune`` column), with ``p_below_2_5`` (the
        probability, 0..1, of being below the lower threshold; ``p_below_<lower>`` is used
        when present), e.g. from ``apl.uncertainty.zone_probabilities``.
    nearest_gp : pandas.Series or DataFrame, optional
        Minutes to the nearest GP per commune, e.g. ``apl.measures.cost_to_closest(supply,
        travel_times)`` (column ``minutes``; ``inf``, no GP reachable, is shown as no data).
    names : pandas.Series, optional
        Commune names by code; default a name column of `result`, else of `geometries`.
    lang : {"en", "fr"}
        Language of the labels and numbers (``fr``: ``2,50``, ``[2,5 ; 4[``).
    sources : sequence of str
        Source lines (data, year of the data, licence of each) for the footer.
    year : int or str, optional
        Year of the data, printed at the bottom.
    licence : str, optional
        Licence line; default "apl code under the MIT licence; data under the licence of
        each source".
    unit : str, optional
        APL unit label; default consultations/year/standardised inhabitant.
    breaks : sequence of float, optional
        Extra APL class bounds; default :data:`APL_BREAKS`. The thresholds are always bounds.
    simplify : float, optional
        Simplification tolerance in metres (default: the display resolution; 0: none).
    geometry_key : str, optional
        Code column of `geometries`.
    """
    text = build_report(result, title=title, geometries=geometries, population=population, commune_tvs=commune_tvs,
                        thresholds=thresholds, parameters=parameters, notes=notes, compare=compare,
                        compare_label=compare_label, uncertainty=uncertainty, nearest_gp=nearest_gp, names=names,
                        lang=lang, sources=sources, year=year, licence=licence, unit=unit, breaks=breaks,
                        simplify=simplify, geometry_key=geometry_key)  # fmt: skip
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
