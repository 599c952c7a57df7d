"""Helpers of the tests/test_bad_input_*.py families: write awkward files, and one small
problem whose APL is worked by hand.

The problem: population 01001 = 1000, 01002 = 500 (standardised inhabitants); 4000 acts per
year at 01001; 01002 → 01001 takes 12 minutes (DREES step decay: [10, 15[ → weight 2/3).
D(01001) = 1000 + 2/3 × 500 = 4000/3; R = 4000 / (4000/3) = 3; APL(01001) = 3 × 1 = 3,
APL(01002) = 3 × 2/3 = 2 (consultations/year/standardised inhabitant).
"""

from __future__ import annotations

from pathlib import Path

EXPECTED_APL = {"01001": 3.0, "01002": 2.0}


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to folder/name with `encoding` (bytes exactly as given)."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def problem_files(
    folder: Path,
    *,
    population: str | None = None,
    supply: str | None = None,
    times: str | None = None,
    encoding: str = "utf-8",
) -> tuple[Path, Path, Path]:
    """The hand-worked problem as three files; pass a text to replace one of them."""
    pop = write(
        folder, "pop.csv", population or "commune,population\n01001,1000\n01002,500\n", encoding
    )
    sup = write(folder, "supply.csv", supply or "commune,acts\n01001,4000\n", encoding)
    tt = write(folder, "tt.csv", times or "origin,destination,minutes\n01002,01001,12\n", encoding)
    return pop, sup, tt


def compute_cli(population: Path, supply: Path, times: Path, out: Path, *extra: str) -> int:
    """Exit status of ``apl compute`` (quiet) on the three files, writing `out`."""
    from apl.cli import main

    return main(["compute", "--population", str(population), "--supply", str(supply),
                 "--travel-times", str(times), "--out", str(out), "-q", *extra])  # fmt: skip
