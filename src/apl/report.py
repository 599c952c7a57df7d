"""A self-contained HTML zoning report for a territory (tables, maps, parameters)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from . import plot, zoning
from .accessibility import get_diagnostics
from .summary import below_thresholds, weighted_mean_apl

__all__ = ["write_report"]

_CSS = """body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#a33}
img{max-width:100%}"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _table(frame: pd.DataFrame, formats: Mapping[str, str]) -> str:
    shown = frame.copy()
    for column, fmt in formats.items():
        if column in shown.columns:
            shown[column] = shown[column].map(fmt.format)
    return shown.to_html(escape=True, border=0)


def write_report(
    result: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "APL to general practitioners",
    geometries=None,
    population: pd.Series | None = None,
    commune_tvs: pd.DataFrame | pd.Series | None = None,
    thresholds: Sequence[float] = zoning.THRESHOLDS_2017,
    parameters: Mapping[str, object] | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Write a self-contained HTML report (maps embedded as PNG) and return its path.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`apl.compute_apl` (indexed by commune, ``apl``, ``population``).
    path : str or Path
        The ``.html`` file to write.
    geometries : geopandas.GeoDataFrame, optional
        Commune polygons (``commune`` column); without them the report has no maps.
    population : pandas.Series, optional
        Real (unstandardised) inhabitants per commune, for counts; default the
        standardised population of `result`.
    commune_tvs : optional
        Commune → TVS table; the zoning is then per TVS (as the official rules), else per
        commune.
    thresholds : (lower, upper), default (2.5, 4.0)
    parameters : mapping, optional
        Extra lines for the "Parameters" table (data sources, year…).
    notes : sequence of str
        Warnings shown at the top (e.g. "supply is estimated").
    """
    path = Path(path)
    inhabitants = population.reindex(result.index) if population is not None else result["population"]
    below = below_thresholds(result["apl"], inhabitants, (1.0, 2.5))
    diag = get_diagnostics(result)
    units = result.assign(inhabitants=inhabitants.to_numpy())
    if commune_tvs is not None:
        per_tvs = zoning.tvs_apl(result, commune_tvs)
        tvs_of = zoning.commune_to_tvs(commune_tvs)
        per_tvs["inhabitants"] = units["inhabitants"].groupby(tvs_of.reindex(units.index).to_numpy()).sum()
        zoned = zoning.classify(per_tvs, thresholds=thresholds)
        commune_zone = tvs_of.reindex(result.index).map(zoned["zone"])
        unit_name = "TVS"
    else:
        zoned = zoning.classify(units, thresholds=thresholds)
        zoned["department"] = zoning.department_of(zoned.index).to_numpy()
        commune_zone = zoned["zone"]
        unit_name = "communes"
    by = ["department"] if "department" in zoned.columns else []
    summary = zoning.zoning_summary(zoned, by=by, population_column="inhabitants")
    overview = pd.DataFrame({
        "value": [f"{len(result):,}", f"{inhabitants.sum():,.0f}", f"{result['population'].sum():,.0f}",
                  f"{weighted_mean_apl(result['apl'], result['population']):.2f}"]
                 + [f"{r.population:,.0f} ({r.share:.1%}) in {int(r.communes):,} communes" for r in below.itertuples()],
    }, index=["communes", "inhabitants", "standardised inhabitants",
              "mean APL (weighted by standardised population)", "APL below 1", "APL below 2.5"])  # fmt: skip
    params = {"decay": diag.decay, "demand standardised": diag.standardised,
              "zoning thresholds": f"ZIP < {thresholds[0]:g} ≤ vivier < {thresholds[1]:g} ≤ HZ",
              "zoning unit": unit_name, "generated": date.today().isoformat(), **(parameters or {})}  # fmt: skip
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"]  # fmt: skip
    parts += [f"<p class='note'>{html.escape(n)}</p>" for n in notes]
    parts += ["<h2>Summary</h2>", overview.to_html(border=0, escape=True)]
    parts += [f"<h2>Zones ({html.escape(unit_name)})</h2>",
              _table(summary, {"population": "{:,.0f}", "share": "{:.1%}"})]  # fmt: skip
    if geometries is not None:
        parts += ["<h2>APL</h2>", f"<img alt='APL map' src='data:image/png;base64,{_png(plot.apl_map(result, geometries, breaks=thresholds))}'>"]
        parts += ["<h2>Zoning</h2>",
                  f"<img alt='zoning map' src='data:image/png;base64,{_png(plot.zoning_map(commune_zone, geometries))}'>"]  # fmt: skip
    parts += ["<h2>Parameters</h2>", pd.DataFrame({"value": [str(v) for v in params.values()]},
                                                  index=list(params)).to_html(border=0, escape=True)]  # fmt: skip
    parts += ["<h2>Diagnostics</h2><pre>", html.escape(diag.summary()), "</pre></body></html>"]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
