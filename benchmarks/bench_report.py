"""Benchmark of the HTML report: how long it takes to write, how big it is, how fast it opens.

Problems:

- **France, table only**: the DREES APL 2023 of every commune shipped in
  ``data/reference/drees_apl_mg_communes.csv.gz`` (34,954 communes), no geometry.
- **France, synthetic squares**: the same communes, each drawn as a 3.9 km square on a
  4 km grid (Lambert-93 metres) densified to 80 vertices, so that the map, its
  simplification and the browser's work are exercised at national size. No commune polygons
  of France are shipped (see docs/report.md for IGN Admin Express / OpenStreetMap).
- **Isère sample**: 512 real (simplified) polygons, with a what-if comparison.

Prints a table and writes JSON (default ``benchmarks/results/bench_report.json``). Times are
medians of ``--repeat`` runs measured in this one run. With ``--browser`` (and a headless
Chromium + chromedriver + selenium), also times opening each page until its script has run.
Nothing here asserts a timing.

    python benchmarks/bench_report.py --browser
    python benchmarks/bench_report.py --communes 500 --repeat 1     # smoke
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from common import timed

import apl
from apl import report

ROOT = Path(__file__).resolve().parents[1]
DREES = ROOT / "data" / "reference" / "drees_apl_mg_communes.csv.gz"
GOAL_S = 30.0


def drees_2023(limit: int | None) -> tuple[pd.DataFrame, pd.Series]:
    table = pd.read_csv(DREES, dtype={"code_commune": str})
    table = table[table["year"] == 2023].set_index("code_commune")
    table.index.name = "commune"
    if limit:
        table = table.iloc[:limit]
    result = pd.DataFrame({"apl": table["apl"], "population": table["standardised_population"],
                           "libelle": table["libelle"]})  # fmt: skip
    return result, table["population"]


def synthetic_squares(codes: pd.Index, km: float = 4.0, vertices: int = 80):
    import geopandas as gpd
    import shapely

    side = int(np.ceil(np.sqrt(len(codes))))
    k = np.arange(len(codes))
    x = 100_000.0 + (k % side) * km * 1000.0
    y = 6_100_000.0 + (k // side) * km * 1000.0
    boxes = shapely.box(x, y, x + 0.975 * km * 1000.0, y + 0.975 * km * 1000.0)
    boxes = shapely.segmentize(boxes, 4 * 0.975 * km * 1000.0 / vertices)
    return gpd.GeoDataFrame({"commune": list(codes)}, geometry=boxes, crs=2154)


def browser_open_seconds(paths: list[Path]) -> list[float | None]:
    """Seconds from navigation to the page's script having run (data-ready), per page."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return [None] * len(paths)
    if not (chromium and driver_path):
        return [None] * len(paths)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(300)
    out: list[float | None] = []
    try:
        for path in paths:
            t0 = time.perf_counter()
            driver.get(path.as_uri())
            WebDriverWait(driver, 300).until(
                lambda d: d.execute_script("return document.documentElement.dataset.ready === '1'")
            )
            out.append(time.perf_counter() - t0)
    finally:
        driver.quit()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--communes", type=int, help="use only the first N communes of France (smoke runs)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--browser", action="store_true", help="also time opening the pages in headless Chromium"
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bench_report.json"))
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="apl_bench_report_"))
    result, inhabitants = drees_2023(args.communes)
    squares = synthetic_squares(result.index)
    sample = apl.datasets.load_isere()
    isere = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    what_if = apl.AccessibilityModel(sample.demand, sample.travel_times).what_if(
        sample.supply, remove={"38185": 100_000}
    )
    cases = [
        (f"France table only ({len(result):,} communes)", folder / "france_table.html",
         lambda p: report.write_report(result, p, population=inhabitants, lang="fr", year=2023)),
        (f"France synthetic squares ({len(result):,} polygons)", folder / "france_squares.html",
         lambda p: report.write_report(result, p, population=inhabitants, geometries=squares, lang="fr", year=2023)),
        ("Isère sample, map + what-if (512 communes)", folder / "isere.html",
         lambda p: report.write_report(isere, p, geometries=sample.geometries(), compare=what_if)),
    ]  # fmt: skip
    rows = []
    for name, path, write in cases:
        seconds, _ = timed(lambda write=write, path=path: write(path), args.repeat)
        rows.append({"problem": name, "write_s": seconds, "size_mb": path.stat().st_size / 1e6,
                     "within_goal": seconds <= GOAL_S})  # fmt: skip
    if args.browser:
        for row, seconds in zip(rows, browser_open_seconds([c[1] for c in cases]), strict=True):
            row["browser_open_s"] = seconds

    print(f"{'problem':<48} {'write (s)':>10} {'size (MB)':>10} {'open in Chromium (s)':>21}")
    for row in rows:
        opened = row.get("browser_open_s")
        shown = f"{opened:.2f}" if isinstance(opened, float) else "—"
        print(f"{row['problem']:<48} {row['write_s']:>10.2f} {row['size_mb']:>10.2f} {shown:>21}")
    payload = {
        "goal": f"France report written in ≤ {GOAL_S:g} s",
        "repeat": args.repeat,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "results": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=2), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
