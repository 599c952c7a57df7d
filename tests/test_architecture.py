"""The module seams of docs/architecture.md, checked on the sources."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "apl"

# Layer of each top-level module of apl (docs/architecture.md); a module may import only
# from its own layer or from layers below it.
LAYERS = {
    "errors": 0, "kernels": 0, "decay": 0,
    "validation": 1, "supply": 1, "demand": 1, "parameters": 1, "io": 1,
    "pairs": 2, "travel_times": 2, "routing": 2,
    "accessibility": 3, "model": 3, "measures": 3, "distributed": 3,
    "zoning": 4, "summary": 4, "inequality": 4, "uncertainty": 4, "scenarios": 4,
    "plot": 5, "report": 5, "datasets": 5, "cli": 5, "__main__": 5, "__init__": 6,
}  # fmt: skip


def _top(module_path: Path) -> str:
    rel = module_path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(absolute apl module imported, names imported, line) for every apl import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["apl", *path.relative_to(SRC).with_suffix("").parts[:-1]]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "apl" or module.startswith("apl."):
                found.append((module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("apl."):
                    found.append((alias.name, [], node.lineno))
    return found


SOURCES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_side_doors(path):
    own_package = "apl." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    for module, names, line in _imports(path):
        parts = module.split(".")
        # importing a private *module* of another package, or a private *name* of another module
        private_modules = [p for p in parts[1:] if p.startswith("_") and not p.startswith("__")]
        assert not private_modules, f"{path.name}:{line} imports private module {module}"
        if module != own_package:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, (
                f"{path.name}:{line} imports private name(s) {private} from {module}"
            )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_layers(path):
    own = _top(path)
    if own not in LAYERS:
        pytest.fail(f"{path.relative_to(SRC)}: module {own!r} has no layer in docs/architecture.md")
    for module, names, line in _imports(path):
        parts = module.split(".")
        targets = [parts[1]] if len(parts) > 1 else names  # `from . import x, y`
        for target in targets:
            if target not in LAYERS or target == own:
                continue
            assert LAYERS[target] <= LAYERS[own], (
                f"{path.relative_to(SRC)}:{line} (layer {LAYERS[own]}) imports apl.{target} "
                f"(layer {LAYERS[target]}): data flows one way (docs/architecture.md)"
            )


def test_import_apl_stays_light():
    code = (
        "import sys, apl\n"
        "heavy = [m for m in ('matplotlib', 'geopandas', 'openpyxl', 'osmium', 'dask', 'distributed')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_old_public_names_still_work():
    import apl
    from apl.pairs import build_pair_structure as new
    from apl.travel_times import build_pair_structure as old

    assert old is new
    for name in ("compute_apl", "standardize_population", "retained_activity", "StepDecay",
                 "AccessibilityModel", "ActivityCaps", "get_diagnostics"):  # fmt: skip
        assert callable(getattr(apl, name)), name
    for name in ("read_population", "read_gp_activity", "read_travel_times", "read_metric"):
        assert callable(getattr(apl.io, name)), name
    for name in ("classify", "tvs_apl", "propose_vivier", "zoning_summary", "compare_zoning"):
        assert callable(getattr(apl.zoning, name)), name


@pytest.mark.parametrize(
    "module", ["osmium", "dask.dataframe", "distributed", "access", "selenium", "openpyxl"]
)
def test_the_tests_extra_is_installed(module):
    # The README's test command installs `.[tests]`; the tests of the optional extras use
    # importorskip, so a broken install would otherwise pass as skips.
    import importlib

    importlib.import_module(module)
