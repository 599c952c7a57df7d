"""The 2SFCA core on compressed sparse rows: pure functions on arrays.

The weighted pair structure is a CSR matrix W of shape (n_communes, n_supply) given by its
three arrays ``indptr`` (int64, n_communes + 1), ``indices`` (int64, supply column of each
stored pair) and ``weights`` (float64, w(t_ij) > 0). Rows are demand communes i, columns
supply communes j. Kernels never see DataFrames, files or commune codes.

Two implementations of every function:

- ``apl.kernels.*`` — Numba kernels (the fast path, compiled once and cached);
- ``apl.kernels.reference.*`` — independent float64 NumPy/SciPy twins, used by tests and
  selectable with ``compute_apl(..., engine="reference")``.
"""

from .pairs import find_duplicate_pair
from .twosfca import accessibility, accessibility_many, catchment_demand, supply_ratio, two_step
from . import reference

__all__ = [
    "accessibility",
    "accessibility_many",
    "catchment_demand",
    "find_duplicate_pair",
    "supply_ratio",
    "two_step",
    "reference",
]
