"""The ``apl`` command line: ``apl sample``, ``apl compute`` (and ``python -m apl``)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from . import __version__, datasets, io
from .accessibility import compute_apl, get_diagnostics
from .decay import StepDecay
from .demand import standardize_population
from .errors import APLError, DataFormatError, DuplicateError
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
                    status = (
                        "failed" if exc_type else f"done in {time.perf_counter() - self.t0:.2f} s"
                    )
                    print(f" {status}", file=sys.stderr, flush=True)

        return _Step()


def numbers_option(text: str, option: str) -> list[float]:
    """``"10,15,20"`` → [10.0, 15.0, 20.0]; anything else is a clear APLError naming the option."""
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise APLError(
            f"{option} takes numbers separated by commas (e.g. 10,15,20), got {text!r}."
        ) from None


#: Image formats of ``--map``, by extension.
MAP_FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg")


def check_map_path(path: str | Path) -> Path:
    """Refuse a ``--map`` extension matplotlib cannot write, or a missing folder, before computing."""
    path = Path(path)
    if path.suffix.lower() not in MAP_FORMATS:
        raise APLError(
            f"--map {path}: unknown image extension {path.suffix or '(none)'!r}; use one of {', '.join(MAP_FORMATS)}."
        )
    if not path.parent.exists():
        raise APLError(f"--map {path}: the folder {path.parent} does not exist.")
    return path


def _decay(args: argparse.Namespace) -> StepDecay:
    if args.decay_bounds is None:
        return StepDecay.drees(closed=args.closed)
    bounds = numbers_option(args.decay_bounds, "--decay-bounds")
    weights = numbers_option(args.decay_weights, "--decay-weights") if args.decay_weights else None
    if weights is None:
        raise APLError(
            "--decay-bounds needs --decay-weights (one more value than bounds, e.g. 1,0.667,0.333,0)."
        )
    return StepDecay(bounds, weights, closed=args.closed)


def _print_summary(result: pd.DataFrame, population: pd.Series | None, title: str) -> None:
    pop = population if population is not None else result["population"]
    table = below_thresholds(result["apl"], pop, (1.0, 2.5))
    print(title)
    print(f"communes: {len(result):,}")
    print(
        f"population: {pop.sum():,.0f} inhabitants ({result['population'].sum():,.0f} standardised)"
    )
    print(f"mean APL (weighted by standardised population): {weighted_mean_apl(result['apl'], result['population']):.2f}"
          " consultations/year/standardised inhabitant")  # fmt: skip
    for threshold, row in table.iterrows():
        print(
            f"below {threshold:g}: {row['population']:,.0f} inhabitants ({row['share']:.1%}) in {int(row['communes']):,} communes"
        )


def _cmd_sample(args: argparse.Namespace) -> int:
    progress = _Progress(args.quiet)
    if args.out:
        check_output_path(args.out)
    if args.map:
        check_map_path(args.map)
    _decay(args)  # a bad --decay-* option fails before the sample loads
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
    outputs: list[tuple[Path, Callable[[Path], object]]] = []
    if args.out:
        outputs.append((Path(args.out), table_writer(result, Path(args.out))))
    if args.map:
        from . import plot

        geometries = sample.geometries()
        outputs.append((Path(args.map), lambda tmp: plot.save_apl_map(
            result, geometries, tmp, title="APL to GPs, Isère sample (estimated supply)",
            source="DREES (population, APL), OSRM/OpenStreetMap (times), IGN (polygons); GP supply ESTIMATED",
            year=2023)))  # fmt: skip
    if outputs:
        with progress.step(f"writing {', '.join(str(path) for path, _ in outputs)}"):
            write_outputs(outputs)
    return 0


#: Output formats of ``--out``, by extension.
OUTPUT_FORMATS = {".csv": "CSV (full float64 precision)", ".parquet": "Parquet", ".pq": "Parquet",
                  ".xlsx": "Excel (needs openpyxl: the apl-drees[excel] extra)"}  # fmt: skip


def check_output_path(path: str | Path) -> Path:
    """Refuse an unknown extension or a missing folder *before* any computation."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        known = ", ".join(sorted(OUTPUT_FORMATS))
        raise APLError(
            f"--out {path}: unknown extension {path.suffix or '(none)'!r}; use one of {known}."
        )
    if not path.parent.exists():
        raise APLError(f"--out {path}: the folder {path.parent} does not exist.")
    if path.is_dir():
        raise APLError(f"--out {path}: is a folder; give a file name.")
    if suffix == ".xlsx":
        io.tables.load_openpyxl()
    return path


def write_outputs(outputs: Sequence[tuple[Path, Callable[[Path], object]]]) -> None:
    """Write every output atomically, all or none: each ``writer(tmp)`` writes a temporary
    file in the output's folder (same extension, so writers that go by it still can), and the
    files are renamed only once all are complete. An error never leaves a partial,
    stale-looking or lone output file."""
    temps: list[Path] = []
    try:
        for path, writer in outputs:
            handle, tmp_name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent
            )
            os.close(handle)
            temps.append(Path(tmp_name))
            writer(temps[-1])
        # mkstemp makes its files private (0600): give them the mode a plain open() would
        # (0666 less the umask), so that a report or table others must read stays readable
        umask = os.umask(0)
        os.umask(umask)
        for (path, _), tmp in zip(outputs, temps, strict=True):
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)


def table_writer(result: pd.DataFrame, path: Path) -> Callable[[Path], object]:
    """A writer (for :func:`write_outputs`) of the result table in `path`'s format."""
    path = check_output_path(path)
    result = result.copy()
    result.attrs = {}  # diagnostics are printed, not serialised into the file
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return result.to_parquet
    if suffix == ".xlsx":
        return lambda tmp: result.to_excel(tmp, engine="openpyxl")
    # pandas writes floats with repr (shortest exact form): read back, the same float64
    return result.to_csv


def _write(result: pd.DataFrame, path: Path) -> None:
    """Write the result by extension, atomically (:func:`write_outputs`)."""
    write_outputs([(path, table_writer(result, path))])


def _read_demand(
    path: Path, year: int, progress: _Progress, decimal: str | None = None
) -> pd.Series | pd.DataFrame:
    columns = (
        set(io.tables.header_columns(path)) if path.suffix not in (".parquet", ".pq") else set()
    )
    if path.suffix in (".parquet", ".pq"):
        table = pd.read_parquet(path)
        return table if "age" not in table.columns else standardize_population(table, year=year)
    if {"commune", "population"} <= columns and "age" not in columns:
        table, sep = io.tables.read_table(path, ["commune", "population"], what="demand")
        population = io.tables.to_float(table, "population", path, sep=sep, decimal=decimal)
        io.tables.check_nonnegative(population, table, "population", path)
        demand = pd.DataFrame({"commune": io.tables.codes_column(table, "commune", path).to_numpy(),
                               "population": population})  # fmt: skip
        return demand
    with progress.step("standardising population"):
        return standardize_population(io.read_population(path, decimal=decimal), year=year)


#: Columns that only a per-practitioner supply file has.
GP_COLUMNS = ("practitioner_id", "age", "new_practitioner", "structure")


def supply_kind(columns: Sequence[str], requested: str | None, path: Path) -> str:
    """``"gps"`` (one row per practitioner) or ``"communes"`` (acts per commune), decided from
    the columns, never from the data: any of :data:`GP_COLUMNS` → gps; only ``commune`` and
    ``acts`` → communes. `requested` (``--supply-kind``) must agree with the columns."""
    per_gp = [c for c in GP_COLUMNS if c in columns]
    found = "gps" if per_gp else "communes"
    if requested is None:
        return found
    if requested == "communes" and per_gp:
        raise APLError(f"--supply-kind communes, but {path} has per-practitioner column(s) {per_gp}: "
                       "use --supply-kind gps (or drop those columns).")  # fmt: skip
    return requested


def _read_supply(
    path: Path,
    max_age: float | None,
    kind: str | None = None,
    *,
    year: int | None = None,
    decimal: str | None = None,
) -> pd.Series | pd.DataFrame:
    # activity of several years must never be summed: with a `year` column, keep --year's
    has_year = "year" in io.tables.header_columns(path)
    table = io.read_gp_activity(path, year=year if has_year else None, decimal=decimal)
    kind = supply_kind(list(table.columns), kind, path)
    if kind == "gps":
        return retained_activity(table, max_age=max_age)
    if max_age is not None:
        raise APLError(f"--max-age needs one row per practitioner with an 'age' column; {path} holds acts per "
                       "commune (pass --supply-kind gps if its rows are practitioners).")  # fmt: skip
    repeated = table["commune"].duplicated(keep=False)
    if repeated.any():
        codes = sorted(set(table.loc[repeated, "commune"]))
        raise DuplicateError(
            f"{path}: read as acts per commune (columns commune, acts only), but commune(s) {codes[:5]} "
            f"appear on several rows ({int(repeated.sum())} rows). If each row is a practitioner, pass "
            "--supply-kind gps (or add a practitioner_id column); else keep one row per commune.",
            table="supply", column="commune")  # fmt: skip
    return table[["commune", "acts"]]


def _codes(table: pd.Series | pd.DataFrame) -> list[str]:
    """Commune codes of a demand or supply table (a Series indexed by commune, or a
    ``commune`` column)."""
    values = (
        table["commune"]
        if isinstance(table, pd.DataFrame) and "commune" in table.columns
        else table.index
    )
    return [str(c) for c in pd.unique(pd.Series(values, dtype=object))]


#: The three input files of compute/report/zoning-uncertainty, in positional order.
INPUTS = ("population", "supply", "travel_times")
#: Options that only describe input files (meaningless for the bundled sample).
FILE_OPTIONS = ("supply_kind", "max_age", "decimal", "geometries")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_exists(options: Sequence[tuple[str, str | None]]) -> None:
    """Refuse a missing input file before anything is read or computed."""
    for option, value in options:
        if value and not Path(value).exists():
            raise APLError(f"{option} {value}: no such file.")


def _file_inputs(args: argparse.Namespace, command: str) -> bool:
    """True when `command` runs on --population/--supply/--travel-times, False for the Isère
    sample. Refuses, before anything is read, a partial set of the three files, options
    that describe input files without them (they would be silently ignored), and missing files."""
    given = [name for name in INPUTS if getattr(args, name, None)]
    if given and len(given) < len(INPUTS):
        missing = [_option(n) for n in INPUTS if n not in given]
        raise APLError(f"apl {command}: {' and '.join(map(_option, given))} need{'s' if len(given) == 1 else ''} "
                       f"{' and '.join(missing)} (give --population, --supply and --travel-times together, "
                       "or none of them to use the Isère sample).")  # fmt: skip
    if not given:
        stray = [_option(n) for n in FILE_OPTIONS if getattr(args, n, None) is not None]
        if stray:
            raise APLError(f"apl {command}: {' and '.join(stray)} need{'s' if len(stray) == 1 else ''} "
                           "--population, --supply and --travel-times (without them apl "
                           f"{command} runs on the Isère sample, which {'it does' if len(stray) == 1 else 'they do'} "
                           "not apply to).")  # fmt: skip
    check_exists([(_option(n), getattr(args, n, None)) for n in (*INPUTS, "geometries")])
    return bool(given)


def _compute_files(args: argparse.Namespace) -> dict[str, str]:
    """The three input files of ``apl compute``, given as positionals (in the order
    population supply travel_times) or as --population/--supply/--travel-times."""
    if len(args.inputs) > len(INPUTS):
        raise APLError(f"apl compute takes three files (population supply travel_times), got {len(args.inputs)}: "
                       f"{args.inputs}.")  # fmt: skip
    files: dict[str, str] = {}
    for name, positional in zip(
        INPUTS, [*args.inputs, *[None] * (len(INPUTS) - len(args.inputs))], strict=True
    ):
        flag = getattr(args, name)
        if flag and positional:
            raise APLError(f"the {name.replace('_', ' ')} file is given twice: {positional!r} (argument "
                           f"{INPUTS.index(name) + 1}; arguments are read as population supply travel_times) and "
                           f"{_option(name)} {flag!r}; give it once.")  # fmt: skip
        if flag or positional:
            files[name] = flag or positional
    missing = [n for n in INPUTS if n not in files]
    if missing:
        raise APLError(f"apl compute needs three files, population supply travel_times (as arguments, or as "
                       f"--population, --supply, --travel-times); missing: {', '.join(map(_option, missing))}.")  # fmt: skip
    check_exists([(_option(n), files[n]) for n in INPUTS])
    return files


def _read_inputs(
    files: dict[str, str], args: argparse.Namespace, progress: _Progress
) -> tuple[pd.Series | pd.DataFrame, pd.Series | pd.DataFrame, pd.DataFrame]:
    """Demand, supply and travel times from the three files (:data:`INPUTS`)."""
    with progress.step(f"reading population {files['population']}"):
        demand = _read_demand(Path(files["population"]), args.year, progress, args.decimal)
    with progress.step(f"reading supply {files['supply']}"):
        supply = _read_supply(Path(files["supply"]), args.max_age, args.supply_kind, year=args.year,
                              decimal=args.decimal)  # fmt: skip
    with progress.step(f"reading travel times {files['travel_times']}"):
        times = io.read_travel_times(files["travel_times"], decimal=args.decimal)
    io.check_arrondissements({"population": _codes(demand), "supply": _codes(supply),
                              "travel times": pd.unique(times[["origin", "destination"]].to_numpy().ravel())})  # fmt: skip
    return demand, supply, times


#: Rows of the result printed by ``apl compute`` without --out.
PREVIEW_ROWS = 10


def _cmd_compute(args: argparse.Namespace) -> int:
    progress = _Progress(args.quiet)
    if args.out:
        check_output_path(args.out)
    decay = _decay(args)  # a bad --decay-* option fails before the files are read
    demand, supply, times = _read_inputs(_compute_files(args), args, progress)
    with progress.step("computing APL"):
        result = compute_apl(demand, supply, times, decay=decay)
    if args.out:
        with progress.step(f"writing {args.out}"):
            _write(result, Path(args.out))
    if not args.quiet:
        print(get_diagnostics(result).summary(), file=sys.stderr)
    if args.out:
        _print_summary(result, None, f"APL written to {args.out}")
    else:
        _print_summary(
            result, None, "APL computed (nothing written: pass --out FILE to save the table)"
        )
        print(f"\nfirst {min(PREVIEW_ROWS, len(result))} of {len(result):,} communes:")
        print(result.head(PREVIEW_ROWS).to_string())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from . import measures, report

    progress = _Progress(args.quiet)
    thresholds = tuple(numbers_option(args.thresholds, "--thresholds"))
    if len(thresholds) != 2:
        raise APLError(f"--thresholds takes two numbers (lower,upper), got {args.thresholds!r}.")
    notes: list[str] = []
    out = Path(args.out)
    if not out.parent.exists():
        raise APLError(f"--out {out}: the folder {out.parent} does not exist.")
    if out.is_dir():
        raise APLError(f"--out {out}: is a folder; give a file name.")
    check_exists([("--commune-tvs", args.commune_tvs), ("--compare", args.compare),
                  ("--uncertainty", args.uncertainty)])  # fmt: skip
    decay = _decay(args)
    if _file_inputs(args, "report"):
        geometries, population = None, None
        if args.geometries:
            import geopandas as gpd

            try:
                geometries = gpd.read_file(args.geometries)
            except Exception as exc:  # pyogrio/fiona raise their own types for unreadable files
                raise DataFormatError(f"{args.geometries}: not a readable geometry file ({exc}).",
                                      path=str(args.geometries)) from None  # fmt: skip
            code = next((c for c in ("commune", "INSEE_COM", "insee_com", "code_commune", "CODGEO", "codgeo",
                                     "code_insee") if c in geometries.columns), None)  # fmt: skip
            if code is None:
                raise DataFormatError(f"{args.geometries}: no commune code column (commune, INSEE_COM, code_commune, "
                                      f"CODGEO…); columns are {list(geometries.columns)}.",
                                      path=str(args.geometries))  # fmt: skip
            geometries = geometries.rename(columns={code: "commune"})
        demand, supply, times = _read_inputs({n: getattr(args, n) for n in INPUTS}, args, progress)
        sources = {
            "population": args.population,
            "supply": args.supply,
            "travel times": args.travel_times,
        }
    else:
        with progress.step("loading the Isère sample"):
            sample = datasets.load_isere()
        demand, supply, times = sample.demand, sample.supply, sample.travel_times
        geometries = sample.geometries()
        population = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")[
            "population"
        ]
        notes.append(
            "Isère sample: the GP supply is ESTIMATED (back-solved from the DREES APL 2023), not observed."
        )
        sources = {"data": "Isère sample (data/sample/SOURCES.md)"}
    commune_tvs = io.read_commune_tvs(args.commune_tvs) if args.commune_tvs else None
    with progress.step("computing APL"):
        result = compute_apl(demand, supply, times, decay=decay)
    compare = report.read_result(args.compare) if args.compare else None
    uncertainty = report.read_result(args.uncertainty) if args.uncertainty else None
    report_sources = [] if args.population else [
        "Population and APL: DREES 2023 (INSEE census 2021; DREES open data)", "Travel times: OSRM on OpenStreetMap "
        "(© OpenStreetMap contributors, ODbL)", "Polygons: IGN Admin Express 2021 (Licence Ouverte 2.0)",
        "GP supply: ESTIMATED from the DREES APL 2023 (not observed)"]  # fmt: skip
    nearest_gp = measures.cost_to_closest(supply, times)
    with progress.step(f"writing {args.out}"):
        write_outputs([(out, lambda tmp: report.write_report(
            result, tmp, title=args.title, geometries=geometries, population=population, commune_tvs=commune_tvs,
            thresholds=thresholds, parameters=sources, notes=notes, compare=compare, uncertainty=uncertainty,
            nearest_gp=nearest_gp, lang=args.lang, sources=report_sources, year=args.year))])  # fmt: skip
    print(f"report written to {args.out}")
    return 0


def _cmd_zoning_uncertainty(args: argparse.Namespace) -> int:
    from . import uncertainty

    progress = _Progress(args.quiet)
    check_output_path(args.out)
    thresholds = tuple(numbers_option(args.thresholds, "--thresholds"))
    if len(thresholds) != 2:
        raise APLError(f"--thresholds takes two numbers (lower,upper), got {args.thresholds!r}.")
    decay = _decay(args)
    on_files = _file_inputs(args, "zoning-uncertainty")
    if args.map:
        check_map_path(args.map)
        if on_files:
            raise APLError("--map needs polygons: it draws the Isère sample only (use apl.plot.probability_map "
                           "in Python for your own files).")  # fmt: skip
    if on_files:
        demand, supply, times = _read_inputs({n: getattr(args, n) for n in INPUTS}, args, progress)
        geometries = None
    else:
        with progress.step("loading the Isère sample"):
            sample = datasets.load_isere()
        demand, supply, times = sample.demand, sample.supply, sample.travel_times
        geometries = sample.geometries() if args.map else None
    with progress.step(f"{args.draws:,} draws (times ±{args.time_noise:g}, activity ±{args.activity_noise:g}, "
                       f"population ±{args.population_noise:g}, log-sd)"):  # fmt: skip
        table = uncertainty.zone_probabilities(
            demand, supply, times, n_draws=args.draws, time_noise=args.time_noise,
            activity_noise=args.activity_noise, population_noise=args.population_noise, seed=args.seed,
            thresholds=thresholds, decay=decay,
        )  # fmt: skip
    outputs: list[tuple[Path, Callable[[Path], object]]] = [
        (Path(args.out), table_writer(table, Path(args.out)))
    ]
    if args.map:
        from . import plot

        with progress.step(f"drawing {args.map}"):
            fig = plot.probability_map(table, geometries, column=uncertainty.class_columns(thresholds)[0],
                                       title="Probability that APL is below the ZIP threshold",
                                       source="Isère sample, GP supply ESTIMATED", year=2023)  # fmt: skip
        outputs.append((Path(args.map), lambda tmp: fig.savefig(tmp, bbox_inches="tight")))
    with progress.step(f"writing {', '.join(str(path) for path, _ in outputs)}"):
        write_outputs(outputs)
    unsure = table["p_zone"] < 0.95
    print(
        f"zone probabilities written to {args.out} ({len(table):,} communes, {args.draws:,} draws, seed {args.seed})"
    )
    print(f"communes whose class is not sure (class of the point estimate in < 95 % of draws): {int(unsure.sum()):,} "
          f"({table.loc[unsure, 'population'].sum():,.0f} standardised inhabitants)")  # fmt: skip
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apl", description="Accessibilité Potentielle Localisée to GPs (DREES method)."
    )
    parser.add_argument(
        "--version", action="version", version=f"apl {__version__} (PyPI: apl-drees)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def decay_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--closed",
            choices=["left", "right"],
            default="left",
            help="band edges: left = t on an edge takes the band above (default)",
        )
        p.add_argument(
            "--decay-bounds", help="step edges in minutes, e.g. 10,15,20 (default DREES)"
        )
        p.add_argument("--decay-weights", help="one weight per band, e.g. 1,0.6667,0.3333,0")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")

    sample = sub.add_parser("sample", help="compute the bundled Isère sample and print its summary")
    sample.add_argument("--map", help="also draw a choropleth to this PNG file")
    sample.add_argument("--out", help="also write the result table (.csv, .parquet or .xlsx)")
    decay_options(sample)
    sample.set_defaults(func=_cmd_sample)

    def decimal_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--decimal", choices=[".", ","],
                       help="decimal mark of the numbers in the input files (default: detected per column; "
                            "needed when a column only holds values such as 1.234 or 1,234)")  # fmt: skip

    compute = sub.add_parser(
        "compute",
        help="compute APL from files",
        usage="%(prog)s [POPULATION SUPPLY TRAVEL_TIMES | --population F --supply F --travel-times F] "
        "[--out F] [options]",
        description="Compute APL from three files, given as arguments (population supply travel_times) "
        "or as --population, --supply, --travel-times.",
    )
    compute.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE",
        help="population supply travel_times, in this order (or use the options below)",
    )
    compute.add_argument("--population", help="INSEE population by age, or commune,population")
    compute.add_argument("--supply", help="GP activity per practitioner, or commune,acts")
    compute.add_argument("--travel-times", help="long / Metric / matrix CSV, or Parquet")
    compute.add_argument(
        "--out",
        help="output table: .csv (full precision), .parquet or .xlsx; without it, print the "
        "summary and the first rows and write nothing",
    )
    compute.add_argument(
        "--year",
        type=int,
        default=2023,
        help="APL edition: age weights, and the activity year kept when --supply has a 'year' column (default 2023)",
    )
    compute.add_argument(
        "--max-age", type=float, help="drop GPs older than this (65 = zoning variant)"
    )
    compute.add_argument("--supply-kind", choices=["gps", "communes"],
                         help="rows of --supply: one per practitioner (gps) or acts per commune (communes); "
                              "default from the columns: practitioner_id/age/new_practitioner/structure → gps")  # fmt: skip
    decimal_option(compute)
    decay_options(compute)
    compute.set_defaults(func=_cmd_compute)

    rep = sub.add_parser(
        "report", help="write a self-contained HTML zoning report (default: the Isère sample)"
    )
    rep.add_argument("--out", default="apl_report.html", help="HTML file (default apl_report.html)")
    rep.add_argument(
        "--title",
        help="page title (default: 'APL to general practitioners — zoning report', in --lang)",
    )
    rep.add_argument(
        "--lang",
        choices=["en", "fr"],
        default="en",
        help="language of the labels (fr: French, as ARS publish)",
    )
    rep.add_argument(
        "--compare",
        help="a second result (CSV/Parquet from 'apl compute --out'): ΔAPL map, communes changing zone",
    )
    rep.add_argument(
        "--uncertainty",
        help="per-commune CSV/Parquet with p_below_2_5 (apl.uncertainty.zone_probabilities)",
    )
    rep.add_argument(
        "--thresholds", default="2.5,4.0", help="lower,upper zoning thresholds (default 2.5,4.0)"
    )
    rep.add_argument(
        "--commune-tvs", help="official commune ↔ TVS file: zone per TVS instead of per commune"
    )
    rep.add_argument("--population", help="as in compute (default: the Isère sample)")
    rep.add_argument("--supply", help="as in compute")
    rep.add_argument("--travel-times", help="as in compute")
    rep.add_argument(
        "--geometries", help="commune polygons (GeoJSON, GeoPackage…) with a 'commune' column"
    )
    rep.add_argument("--year", type=int, default=2023)
    rep.add_argument("--max-age", type=float)
    rep.add_argument("--supply-kind", choices=["gps", "communes"], help="as in compute")
    decimal_option(rep)
    decay_options(rep)
    rep.set_defaults(func=_cmd_report)

    unc = sub.add_parser("zoning-uncertainty",
                         help="probability of each zoning class per commune under noisy inputs (default: the Isère sample)")  # fmt: skip
    unc.add_argument(
        "--out", required=True, help="output table: .csv, .parquet or .xlsx (one row per commune)"
    )
    unc.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1000)")
    unc.add_argument(
        "--time-noise", type=float, default=0.10, help="log-sd of each travel time (default 0.10)"
    )
    unc.add_argument(
        "--activity-noise",
        type=float,
        default=0.05,
        help="log-sd of each supply commune's acts (default 0.05)",
    )
    unc.add_argument(
        "--population-noise",
        type=float,
        default=0.0,
        help="log-sd of each commune's population (default 0)",
    )
    unc.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed (default 0): the same seed gives the same table",
    )
    unc.add_argument(
        "--thresholds", default="2.5,4.0", help="lower,upper zoning thresholds (default 2.5,4.0)"
    )
    unc.add_argument(
        "--map",
        help="also draw the probability of being below the lower threshold (PNG; sample only)",
    )
    unc.add_argument("--population", help="as in compute (default: the Isère sample)")
    unc.add_argument("--supply", help="as in compute")
    unc.add_argument("--travel-times", help="as in compute")
    unc.add_argument("--year", type=int, default=2023)
    unc.add_argument("--max-age", type=float)
    unc.add_argument("--supply-kind", choices=["gps", "communes"], help="as in compute")
    decimal_option(unc)
    decay_options(unc)
    unc.set_defaults(func=_cmd_zoning_uncertainty)

    from .routing.cli import add_routes_parser  # apl routes (osmium imported only when it runs)

    add_routes_parser(sub)
    return parser


def cli_message(text: str) -> str:
    """A library message in command-line terms: ``pass decimal='.' or decimal=','`` (the
    loaders' keyword) becomes ``pass --decimal . (decimal point) or --decimal , (decimal comma)``."""
    names = {".": "--decimal . (decimal point)", ",": "--decimal , (decimal comma)"}
    return re.sub(r"pass decimal='([.,])' or decimal='([.,])'",
                  lambda m: f"pass {names[m.group(1)]} or {names[m.group(2)]}", text)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``apl`` console script; returns the exit status.

    Every failure ends with one ``apl: error: …`` message on stderr and a non-zero status
    (2: bad input or usage, 1: an unexpected failure — set ``APL_DEBUG=1`` for its
    traceback), never a raw traceback. Warnings about the data are printed as ``apl:
    warning: …``. No output file is left behind by a failed run (outputs are written to a
    temporary file and renamed when complete).
    """
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if (
        extra
        and isinstance(getattr(args, "inputs", None), list)
        and not any(e.startswith("-") for e in extra)
    ):
        # argparse ends a positional list at the first option: `apl compute pop.csv --out o.csv gp.csv tt.csv`
        args.inputs = [*args.inputs, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = int(args.func(args))
        except KeyboardInterrupt:
            print("\napl: interrupted.", file=sys.stderr)
            status = 130
        except (APLError, OSError) as exc:
            print(f"\napl: error: {cli_message(str(exc))}", file=sys.stderr)
            status = 2
        except MemoryError:
            print("\napl: error: out of memory; try a smaller area or more RAM.", file=sys.stderr)
            status = 1
        except Exception as exc:  # a bug or an unforeseen input: say so in one line
            if os.environ.get("APL_DEBUG"):
                raise
            print(f"\napl: error: unexpected {type(exc).__name__}: {exc}\n"
                  "(this is a bug or an input apl does not check yet; rerun with APL_DEBUG=1 for the "
                  "traceback and report it)", file=sys.stderr)  # fmt: skip
            status = 1
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen and not issubclass(
            w.category, (DeprecationWarning, PendingDeprecationWarning)
        ):
            seen.add(text)
            print(f"apl: warning: {text}", file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
