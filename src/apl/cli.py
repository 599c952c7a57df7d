"""The ``apl`` command line: ``apl sample``, ``apl compute`` (and ``python -m apl``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import datasets, io
from .accessibility import compute_apl, get_diagnostics
from .decay import StepDecay
from .demand import standardize_population
from .errors import APLError
from .summary import below_thresholds, weighted_mean_apl
from .supply import retained_activity


class _Progress:
    """One line per long step on stderr, with its duration (seconds)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def step(self, label: str):
        progress = self

        class _Step:
            def __enter__(self):
                self.t0 = time.perf_counter()
                if not progress.quiet:
                    print(f"[apl] {label}…", end="", file=sys.stderr, flush=True)

            def __exit__(self, exc_type, *_):
                if not progress.quiet:
                    status = "failed" if exc_type else f"done in {time.perf_counter() - self.t0:.2f} s"
                    print(f" {status}", file=sys.stderr, flush=True)

        return _Step()


def _decay(args: argparse.Namespace) -> StepDecay:
    if args.decay_bounds is None:
        return StepDecay.drees(closed=args.closed)
    bounds = [float(x) for x in args.decay_bounds.split(",")]
    weights = [float(x) for x in args.decay_weights.split(",")] if args.decay_weights else None
    if weights is None:
        raise APLError("--decay-bounds needs --decay-weights (one more value than bounds, e.g. 1,0.667,0.333,0).")
    return StepDecay(bounds, weights, closed=args.closed)


def _print_summary(result: pd.DataFrame, population: pd.Series | None, title: str) -> None:
    pop = population if population is not None else result["population"]
    table = below_thresholds(result["apl"], pop, (1.0, 2.5))
    print(title)
    print(f"communes: {len(result):,}")
    print(f"population: {pop.sum():,.0f} inhabitants ({result['population'].sum():,.0f} standardised)")
    print(f"mean APL (weighted by standardised population): {weighted_mean_apl(result['apl'], result['population']):.2f}"
          " consultations/year/inhabitant")  # fmt: skip
    for threshold, row in table.iterrows():
        print(f"below {threshold:g}: {row['population']:,.0f} inhabitants ({row['share']:.1%}) in {int(row['communes']):,} communes")


def _cmd_sample(args: argparse.Namespace) -> int:
    progress = _Progress(args.quiet)
    with progress.step("loading the Isère sample"):
        sample = datasets.load_isere()
    with progress.step("computing APL"):
        result = compute_apl(sample.demand, sample.supply, sample.travel_times, decay=_decay(args))
    real = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
    _print_summary(
        result, real,
        "Isère sample: APL to GPs, all ages, 2023 standardised population, ESTIMATED supply, "
        f"decay {get_diagnostics(result).decay}",
    )  # fmt: skip
    if args.out:
        _write(result, Path(args.out))
    if args.map:
        from . import plot

        with progress.step(f"drawing {args.map}"):
            plot.save_apl_map(result, sample.geometries(), args.map, title="APL to GPs, Isère sample (estimated supply)")
    return 0


def _write(result: pd.DataFrame, path: Path) -> None:
    result = result.copy()
    result.attrs = {}  # diagnostics are printed, not serialised into the file
    if path.suffix.lower() in (".parquet", ".pq"):
        result.to_parquet(path)
    else:
        result.to_csv(path, float_format="%.6f")


def _read_demand(path: Path, year: int, progress: _Progress) -> pd.Series | pd.DataFrame:
    columns = set(io.tables.header_columns(path)) if path.suffix not in (".parquet", ".pq") else set()
    if path.suffix in (".parquet", ".pq"):
        table = pd.read_parquet(path)
        return table if "age" not in table.columns else standardize_population(table, year=year)
    if {"commune", "population"} <= columns and "age" not in columns:
        table, _ = io.tables.read_table(path, ["commune", "population"], what="demand")
        demand = pd.DataFrame({"commune": io.tables.codes_column(table, "commune", path).to_numpy(),
                               "population": io.tables.to_float(table, "population", path)})  # fmt: skip
        return demand
    with progress.step("standardising population"):
        return standardize_population(io.read_population(path), year=year)


def _read_supply(path: Path, max_age: float | None) -> pd.Series | pd.DataFrame:
    table = io.read_gp_activity(path)
    if "practitioner_id" in table.columns or max_age is not None or not table["commune"].is_unique:
        return retained_activity(table, max_age=max_age)
    return table[["commune", "acts"]]


def _cmd_compute(args: argparse.Namespace) -> int:
    progress = _Progress(args.quiet)
    with progress.step(f"reading population {args.population}"):
        demand = _read_demand(Path(args.population), args.year, progress)
    with progress.step(f"reading supply {args.supply}"):
        supply = _read_supply(Path(args.supply), args.max_age)
    with progress.step(f"reading travel times {args.travel_times}"):
        times = io.read_travel_times(args.travel_times)
    with progress.step("computing APL"):
        result = compute_apl(demand, supply, times, decay=_decay(args))
    with progress.step(f"writing {args.out}"):
        _write(result, Path(args.out))
    if not args.quiet:
        print(get_diagnostics(result).summary(), file=sys.stderr)
    _print_summary(result, None, f"APL written to {args.out}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from . import report

    progress = _Progress(args.quiet)
    thresholds = tuple(float(x) for x in args.thresholds.split(","))
    if len(thresholds) != 2:
        raise APLError(f"--thresholds takes two numbers (lower,upper), got {args.thresholds!r}.")
    notes: list[str] = []
    if args.population:
        if not (args.supply and args.travel_times):
            raise APLError("apl report with --population also needs --supply and --travel-times.")
        with progress.step("reading inputs"):
            demand = _read_demand(Path(args.population), args.year, progress)
            supply = _read_supply(Path(args.supply), args.max_age)
            times = io.read_travel_times(args.travel_times)
        geometries, population = None, None
        if args.geometries:
            import geopandas as gpd

            geometries = gpd.read_file(args.geometries)
        sources = {"population": args.population, "supply": args.supply, "travel times": args.travel_times}
    else:
        with progress.step("loading the Isère sample"):
            sample = datasets.load_isere()
        demand, supply, times = sample.demand, sample.supply, sample.travel_times
        geometries = sample.geometries()
        population = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
        notes.append("Isère sample: the GP supply is ESTIMATED (back-solved from the DREES APL 2023), not observed.")
        sources = {"data": "Isère sample (data/sample/SOURCES.md)"}
    commune_tvs = io.read_commune_tvs(args.commune_tvs) if args.commune_tvs else None
    with progress.step("computing APL"):
        result = compute_apl(demand, supply, times, decay=_decay(args))
    with progress.step(f"writing {args.out}"):
        report.write_report(result, args.out, title=args.title, geometries=geometries, population=population,
                            commune_tvs=commune_tvs, thresholds=thresholds, parameters=sources, notes=notes)  # fmt: skip
    print(f"report written to {args.out}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apl", description="Accessibilité Potentielle Localisée to GPs (DREES method).")
    sub = parser.add_subparsers(dest="command", required=True)

    def decay_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--closed", choices=["left", "right"], default="left",
                       help="band edges: left = t on an edge takes the band above (default)")
        p.add_argument("--decay-bounds", help="step edges in minutes, e.g. 10,15,20 (default DREES)")
        p.add_argument("--decay-weights", help="one weight per band, e.g. 1,0.6667,0.3333,0")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")

    sample = sub.add_parser("sample", help="compute the bundled Isère sample and print its summary")
    sample.add_argument("--map", help="also draw a choropleth to this PNG file")
    sample.add_argument("--out", help="also write the result table (CSV or .parquet)")
    decay_options(sample)
    sample.set_defaults(func=_cmd_sample)

    compute = sub.add_parser("compute", help="compute APL from files")
    compute.add_argument("--population", required=True, help="INSEE population by age, or commune,population")
    compute.add_argument("--supply", required=True, help="GP activity per practitioner, or commune,acts")
    compute.add_argument("--travel-times", required=True, help="long / Metric / matrix CSV, or Parquet")
    compute.add_argument("--out", required=True, help="output table (.csv or .parquet)")
    compute.add_argument("--year", type=int, default=2023, help="APL edition of the age weights (default 2023)")
    compute.add_argument("--max-age", type=float, help="drop GPs older than this (65 = zoning variant)")
    decay_options(compute)
    compute.set_defaults(func=_cmd_compute)

    rep = sub.add_parser("report", help="write a self-contained HTML zoning report (default: the Isère sample)")
    rep.add_argument("--out", default="apl_report.html", help="HTML file (default apl_report.html)")
    rep.add_argument("--title", default="APL to general practitioners — zoning report")
    rep.add_argument("--thresholds", default="2.5,4.0", help="lower,upper zoning thresholds (default 2.5,4.0)")
    rep.add_argument("--commune-tvs", help="official commune ↔ TVS file: zone per TVS instead of per commune")
    rep.add_argument("--population", help="as in compute (default: the Isère sample)")
    rep.add_argument("--supply", help="as in compute")
    rep.add_argument("--travel-times", help="as in compute")
    rep.add_argument("--geometries", help="commune polygons (GeoJSON, GeoPackage…) with a 'commune' column")
    rep.add_argument("--year", type=int, default=2023)
    rep.add_argument("--max-age", type=float)
    decay_options(rep)
    rep.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``apl`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (APLError, OSError) as exc:
        print(f"\napl: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
