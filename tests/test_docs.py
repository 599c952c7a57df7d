"""Docs that run: every ```python block of README.md and docs/*.md, as written.

Blocks of one file run in order in one namespace, in a fresh temporary working directory,
so they may only use shipped data (``apl.datasets.load_isere()``…) or files an earlier
block of the same page wrote. A block whose first line starts with ``# doctest: +SKIP``
is not run (the rest of that line says why). Shell examples are ```bash and not run.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SKIP = "# doctest: +SKIP"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the opening fence, code) of each ```python block."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


def runnable_blocks(page: Path) -> list[tuple[int, str]]:
    """The blocks of `page` that are run (not marked ``# doctest: +SKIP``)."""
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    return [(line, code) for line, code in blocks if not code.lstrip().startswith(SKIP)]


# Pages with code to run; reference pages (API, performance…) carry none and are not
# collected, rather than collected and skipped.
RUNNABLE = [page for page in PAGES if runnable_blocks(page)]


def test_newcomer_pages_have_code_that_runs():
    # README and getting started are the pages a newcomer copies from: they must be run.
    names = {page.relative_to(ROOT).as_posix() for page in RUNNABLE}
    assert {"README.md", "docs/getting-started.md"} <= names


def test_block_extraction():
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\n# doctest: +SKIP needs a file\nopen('f')\n```\n"
    blocks = python_blocks(text)
    assert [line for line, _ in blocks] == [2, 9]
    assert blocks[0][1] == "x = 1\n" and blocks[1][1].startswith(SKIP)


@pytest.mark.parametrize("page", RUNNABLE, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(page, tmp_path, monkeypatch):
    runnable = runnable_blocks(page)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for line, code in runnable:
        compiled = compile(code, f"{page.relative_to(ROOT)}:{line}", "exec")
        try:
            with warnings.catch_warnings():
                # A reader sees a dependency's deprecation notice, not a failure; apl's own
                # warnings (DataWarning…) and deprecations in apl still fail the page.
                warnings.simplefilter("error")
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                warnings.filterwarnings("ignore", category=FutureWarning)
                warnings.filterwarnings("error", category=DeprecationWarning, module=r"apl(\.|$)")
                warnings.filterwarnings("error", category=FutureWarning, module=r"apl(\.|$)")
                exec(compiled, namespace)
        except Exception as exc:  # name the page and line of the failing block
            raise AssertionError(
                f"{page.relative_to(ROOT)}, block at line {line} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
