"""``apl routes``: OSM extract → commune-to-commune road times (Parquet or CSV).

Registered on the ``apl`` command line by :func:`add_routes_parser`; kept here so the
command line module stays small and routing's optional dependency stays optional.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from ..errors import APLError, MissingColumnError


class ProgressBar:
    """``origins done / total``, percentage and ETA on one stderr line (updated in place)."""

    def __init__(self, quiet: bool, label: str = "routing", stream=None) -> None:
        self.quiet = quiet
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.last = -1.0
        # a log file, not a terminal: one line per tenth instead of redraws in place
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.decile = -1

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if self.tty and done < total and now - self.last < 0.2:  # at most 5 redraws per second
            return
        decile = 10 * done // total if total else 10
        if not self.tty and done < total and decile == self.decile:
            return
        self.decile = decile
        self.last = now
        elapsed = now - self.t0
        eta = elapsed / done * (total - done) if done else float("nan")
        width = 30
        filled = int(width * done / total) if total else width
        eta_text = "--:--" if eta != eta else f"{int(eta // 60):02d}:{int(eta % 60):02d}"
        line = (f"{chr(13) if self.tty else ''}[apl] {self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} origins "
                f"({(done / total if total else 1):.0%}) elapsed {elapsed:,.0f} s, ETA {eta_text}")  # fmt: skip
        print(line, end="\n" if done >= total or not self.tty else "", file=self.stream, flush=True)


def read_points(path: str | Path) -> pd.DataFrame:
    """The ``--points`` file: an id column (``commune`` or ``id``) and ``lon``, ``lat`` (WGS84
    degrees), read as any apl table (separator ``;``/``,``/tab, encoding, gzip/zip, .xlsx).

    A ``,`` in a coordinate is its decimal mark (``7,4254``): a coordinate is at most 180
    degrees, so it never holds a thousands mark. The index is the file's line number, so
    later errors (out-of-range degrees, repeated ids) name it.
    """
    from ..io import tables

    table, sep = tables.read_table(path, ["lon", "lat"], what="points")
    if "commune" not in table.columns and "id" not in table.columns:
        raise MissingColumnError(f"{path}: no id column ('commune' or 'id'); expected it with lon, lat; found "
                                 f"{list(table.columns)}.", table=str(path), column="id")  # fmt: skip
    for col in ("lon", "lat"):
        text = table[col].astype(str)
        comma, point = (bool(text.str.contains(m, regex=False).any()) for m in (",", "."))
        # both marks: let the parser report the mix (or read 1,234.5-style numbers)
        decimal = None if comma and point else "," if comma else "."
        table[col] = tables.to_float(table, col, path, sep=sep, decimal=decimal)
    return table


def _points(args: argparse.Namespace) -> pd.DataFrame:
    from .points import commune_points

    if args.points:
        return read_points(args.points)
    spec = args.communes
    if spec == "all":
        return commune_points(where=args.where)
    codes: list[str] = []
    deps: list[str] = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        (deps if item.lower().startswith("dep:") else codes).append(
            item[4:] if item.lower().startswith("dep:") else item
        )
    parts = []
    if deps:
        parts.append(commune_points(where=args.where, departements=deps))
    if codes:
        parts.append(commune_points(codes, where=args.where))
    if not parts:
        raise APLError(
            f"--communes {spec!r}: expected 'all', codes (06012,06032) or départements (dep:38,dep:73)."
        )
    return pd.concat(parts, ignore_index=True).drop_duplicates("commune")


def cmd_routes(args: argparse.Namespace) -> int:
    """Run ``apl routes`` (see :func:`add_routes_parser`)."""
    from .network import load_road_network, read_road_network
    from .travel_times import travel_times

    out = Path(args.out)
    if out.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise APLError(f"--out {out}: use a .parquet (recommended) or .csv file name.")
    if not out.parent.exists():
        raise APLError(f"--out {out}: the folder {out.parent} does not exist.")
    say = (
        (lambda *_: None)
        if args.quiet
        else (lambda msg: print(f"[apl] {msg}", file=sys.stderr, flush=True))
    )
    source = Path(args.network)
    t0 = time.perf_counter()
    if source.is_dir():
        network = load_road_network(source)
        say(f"loaded {network} in {time.perf_counter() - t0:.1f} s")
    else:
        say(f"reading {source} (car profile)…")
        network = read_road_network(source, turn_costs=not args.no_turn_costs)
        say(f"{network} built in {time.perf_counter() - t0:.1f} s")
        if args.save_network:
            network.save(args.save_network)
            say(
                f"network saved to {args.save_network} (reuse it with: apl routes {args.save_network} …)"
            )
    points = _points(args)
    say(f"{len(points):,} points, max {args.max_minutes:g} minutes, snap ≤ {args.max_snap_m:g} m")
    times = travel_times(network, points, max_minutes=args.max_minutes, max_snap_m=args.max_snap_m,
                         n_jobs=args.jobs, progress=ProgressBar(args.quiet),
                         turn_costs=False if args.no_turn_costs else None)  # fmt: skip
    unsnapped = times.attrs["unsnapped"]["origins"]
    table = times.copy()
    table.attrs = {}
    if out.suffix.lower() == ".csv":
        table.to_csv(out, index=False)
    else:
        table.to_parquet(out, index=False)
    print(f"{len(table):,} pairs within {args.max_minutes:g} minutes written to {out}"
          + (f"; {len(unsnapped)} point(s) too far from the network left out: {unsnapped[:10]}" if unsnapped else ""))  # fmt: skip
    return 0


def add_routes_parser(sub) -> argparse.ArgumentParser:
    """Add ``apl routes`` to the ``apl`` sub-command parsers."""
    routes = sub.add_parser(
        "routes", help="road times between communes from an OpenStreetMap extract (needs apl-drees[routing])",
        description="Commune-to-commune car times from an OSM extract (.osm.pbf) or a saved network folder; "
                    "the output feeds 'apl compute --travel-times'.",
    )  # fmt: skip
    routes.add_argument(
        "network", help="REGION.osm.pbf (or .osm), or a folder written by --save-network"
    )
    group = routes.add_mutually_exclusive_group()
    group.add_argument(
        "--points", help="CSV with an id column (commune or id) and lon, lat (WGS84)"
    )
    group.add_argument(
        "--communes",
        default="all",
        help="'all' (default), INSEE codes and/or départements: 06012,06032 or dep:38,dep:73",
    )
    routes.add_argument(
        "--where",
        choices=["town_hall", "centroid"],
        default="town_hall",
        help="commune point: town hall (default, as DREES's distancier) or centroid",
    )
    routes.add_argument(
        "--max-minutes", type=float, default=30.0, help="keep pairs within this time (default 30)"
    )
    routes.add_argument(
        "--max-snap-m",
        type=float,
        default=2000.0,
        help="leave out points farther than this from a road, in metres (default 2000)",
    )
    routes.add_argument(
        "--out", default="times.parquet", help="output .parquet (default times.parquet) or .csv"
    )
    routes.add_argument(
        "--save-network", help="also save the parsed network to this folder (fast re-runs)"
    )
    routes.add_argument(
        "--no-turn-costs",
        action="store_true",
        help="node-based times without OSRM's turn durations (faster, slightly shorter)",
    )
    routes.add_argument("--jobs", type=int, help="threads (default: all cores)")
    routes.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    routes.set_defaults(func=cmd_routes)
    return routes
