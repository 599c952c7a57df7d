"""Draw docs/img/measures_isere.png: APL, E2SFCA, BFCA and time to the nearest GP on Isère.

    python docs/img/make_measures_figure.py        # needs matplotlib and geopandas

Four small-multiple maps of the 512 communes of the Isère sample (supply **estimated**, see
the sample's SOURCES.md), one colour scale per panel (2nd–98th percentile), the APL's distribution and a
scatter of each other measure against the APL.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import apl

OUT = Path(__file__).with_name("measures_isere.png")


def compare() -> pd.DataFrame:
    """The four measures side by side, indexed by commune."""
    s = apl.datasets.load_isere()
    return pd.DataFrame(
        {
            "APL (DREES 2SFCA)": apl.compute_apl(s.demand, s.supply, s.travel_times)["apl"],
            "E2SFCA (Luo & Qi)": apl.floating_catchment(
                s.demand, s.supply, s.travel_times, method="e2sfca"
            )["e2sfca"],
            "BFCA (Paez et al.)": apl.floating_catchment(
                s.demand, s.supply, s.travel_times, method="bfca"
            )["bfca"],
            "minutes to the nearest GP": apl.cost_to_closest(s.supply, s.travel_times)["minutes"],
        }
    )


def main() -> Path:
    sample = apl.datasets.load_isere()
    table = compare()
    shapes = sample.geometries().merge(table, left_on="commune", right_index=True)
    fig, axes = plt.subplots(2, 4, figsize=(16, 8.2), gridspec_kw={"height_ratios": [1.5, 1]})
    for ax, column in zip(axes[0], table.columns, strict=True):
        # A sequential, colour-blind-safe ramp; reversed for minutes (more = worse access).
        cmap = "viridis_r" if column.startswith("minutes") else "viridis"
        low, high = np.nanpercentile(
            table[column], [2, 98]
        )  # a few outliers do not flatten the map
        shapes.plot(column=column, ax=ax, cmap=cmap, vmin=low, vmax=high, legend=True,
                    legend_kwds={"shrink": 0.6, "orientation": "horizontal", "pad": 0.02},
                    edgecolor="white", linewidth=0.1)  # fmt: skip
        ax.set_title(column, fontsize=11)
        ax.set_axis_off()
    apl_values = table.iloc[:, 0]
    first = axes[1][0]
    first.hist(apl_values, bins=40, color="#31688e")
    for threshold in (2.5, 4.0):  # the 2017 zoning thresholds
        first.axvline(threshold, color="black", linewidth=0.8, linestyle="--")
    first.set_xlabel("APL (consultations/year/std. inhabitant)", fontsize=8)
    first.set_ylabel("communes", fontsize=8)
    first.set_title("APL distribution (zoning thresholds 2.5, 4)", fontsize=9)
    first.tick_params(labelsize=7)
    for ax, column in zip(axes[1][1:], table.columns[1:], strict=True):
        ax.scatter(apl_values, table[column], s=6, alpha=0.5, color="#31688e")
        rho = apl_values.corr(table[column], method="spearman")
        ax.set_xlabel("APL (consultations/year/std. inhabitant)", fontsize=8)
        ax.set_ylabel(column, fontsize=8)
        ax.set_title(f"vs APL: Spearman ρ = {rho:.2f}", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.suptitle("Isère sample (GP supply estimated): four accessibility measures", fontsize=13)
    fig.text(0.01, 0.005, "Sources: DREES population 2021, OSRM road times, estimated GP "
             "activity; apl.measures. Colour scale: 2nd–98th percentile per map.", fontsize=7)  # fmt: skip
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    fig.savefig(OUT, dpi=90)
    plt.close(fig)
    finite = table[np.isfinite(table).all(axis=1)]
    print(finite.describe().round(2).to_string())
    return OUT


if __name__ == "__main__":
    print(main())
