"""Draw the figures of docs/inequality.md and docs/uncertainty.md from the Isère sample.

    python docs/img/make_stats_figures.py        # writes docs/img/inequality_isere.png
                                                 # and docs/img/uncertainty_isere.png

Shipped data only (apl.datasets.load_isere(); the GP supply is ESTIMATED). Seeded: the
same figures every run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import apl
from apl import inequality, uncertainty

HERE = Path(__file__).resolve().parent
SOURCE = "DREES (population), OSRM/OpenStreetMap (times), IGN (polygons); GP supply ESTIMATED"


def size_classes(sample, index: pd.Index) -> pd.Series:
    """Commune size class from the IGN population of the sample."""
    inhabitants = sample.communes.set_index("commune")["population_ign"].reindex(index)
    labels = ["small (< 1,000)", "medium (1,000-5,000)", "large (>= 5,000)"]
    return pd.cut(inhabitants, [0, 1_000, 5_000, np.inf], labels=labels, right=False).astype(str)


def inequality_figure(sample, result: pd.DataFrame) -> Figure:
    x = result["apl"].to_numpy()
    w = result["population"].to_numpy()
    order = np.argsort(x, kind="stable")
    people = np.concatenate([[0.0], np.cumsum(w[order]) / w.sum()])
    lorenz = np.concatenate([[0.0], np.cumsum(w[order] * x[order]) / np.dot(w, x)])
    fig = Figure(figsize=(11, 4.6), dpi=110)
    left, right = fig.subplots(1, 2)
    left.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, label="equal access")
    left.plot(people, lorenz, color="#b30000", linewidth=1.8, label="Lorenz curve of APL")
    left.fill_between(people, lorenz, people, color="#fdbb84", alpha=0.5)
    g = inequality.gini(x, w)
    left.text(0.05, 0.85, f"Gini = {g:.3f}\nTheil T = {inequality.theil_t(x, w):.3f}\n"
              f"Palma = {inequality.palma_ratio(x, w):.2f}", fontsize=10)  # fmt: skip
    left.set_xlabel("share of the standardised population (communes by increasing APL)")
    left.set_ylabel("share of the consultations within reach")
    left.legend(loc="lower right", frameon=False, fontsize=9)
    left.set_title("Isère: how unequal is access to GPs?", fontsize=11)
    table = apl.summary.inequality_table(
        result.assign(size=size_classes(sample, result.index)), by="size"
    )
    rows = table.drop(index="all").sort_values("mean")
    pos = np.arange(len(rows))
    right.barh(pos - 0.2, rows["fgt0"], height=0.4, color="#e34a33", label="share below 2.5 (FGT0)")
    right.barh(pos + 0.2, rows["fgt1"], height=0.4, color="#fdbb84", label="poverty gap (FGT1)")
    right.set_yticks(
        pos, [f"{name}\nmean APL {m:.2f}" for name, m in zip(rows.index, rows["mean"], strict=True)]
    )
    right.set_xlabel("share of the standardised population")
    right.legend(loc="upper right", frameon=False, fontsize=9)
    right.set_title("below the ZIP threshold, by commune size (inhabitants)", fontsize=11)
    fig.text(
        0.01,
        0.01,
        f"Source: {SOURCE}; 2023. APL computed with apl (DREES method).",
        fontsize=7.5,
        color="#444444",
    )
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, wspace=0.45)
    return fig


def main() -> None:
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    inequality_figure(sample, result).savefig(HERE / "inequality_isere.png")
    table = uncertainty.zone_probabilities(
        sample.demand, sample.supply, sample.travel_times, n_draws=1000, seed=0
    )
    fig = apl.plot.probability_map(table, sample.geometries(), year=2023, source=SOURCE,
                                   title="Probability that APL < 2.5 (1,000 draws: times ±10 %, activity ±5 %)")  # fmt: skip
    fig.savefig(HERE / "uncertainty_isere.png", bbox_inches="tight")
    print(f"wrote {HERE / 'inequality_isere.png'} and {HERE / 'uncertainty_isere.png'}")


if __name__ == "__main__":
    main()
