"""Numba settings, in one place (private).

``cache=True`` writes compiled kernels beside the sources, so each kernel compiles once per
machine, not once per process. ``fastmath`` stays off: the kernels must agree with their
NumPy twins to 1e-12, and reassociation would loosen that. Set the environment variable
``APL_NUMBA_CACHE=0`` to disable the on-disk cache (e.g. on a read-only install).
"""

from __future__ import annotations

import os
from typing import Any

NUMBA_OPTIONS: dict[str, Any] = {  # Any: unpacked into numba.njit(**options)
    "cache": os.environ.get("APL_NUMBA_CACHE", "1") != "0",
    "nogil": True,
    "fastmath": False,
}
