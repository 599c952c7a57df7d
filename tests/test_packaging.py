"""The package works outside its checkout: the sample ships inside it (importlib.resources),
`apl --version` and `python -m apl` work, and `import apl` stays light.

Building and installing a real wheel needs the network (build isolation) and a minute, so
it is a documented manual check (docs/performance.md, "Wheel outside the checkout"); here
the package folder alone is copied away from the checkout and used from another folder.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import apl

SRC = Path(apl.__file__).resolve().parent


def test_sample_dir_is_inside_the_package():
    folder = apl.datasets.sample_dir()
    assert folder.resolve().is_relative_to(SRC)
    assert (folder / "SOURCES.md").is_file()


def test_load_isere_without_the_checkout(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SRC, site / "apl", ignore=shutil.ignore_patterns("__pycache__"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import apl, sys; s = apl.datasets.load_isere(); "
        "print(apl.__file__); print(apl.datasets.sample_dir()); print(len(s.demand), len(s.travel_times))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    module, folder, counts = done.stdout.strip().splitlines()
    assert module.startswith(str(site)) and folder.startswith(str(site))
    assert counts == "512 262144"


def test_version():
    done = subprocess.run(
        [sys.executable, "-m", "apl", "--version"], capture_output=True, text=True
    )
    assert (
        done.returncode == 0 and done.stdout.strip() == f"apl {apl.__version__} (PyPI: apl-drees)"
    )


def test_import_does_not_load_heavy_modules():
    code = (
        "import sys, apl; heavy = [m for m in ('matplotlib', 'geopandas', 'openpyxl', 'osmium', 'dask') "
        "if m in sys.modules]; print(heavy); apl.plot; print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True"]
