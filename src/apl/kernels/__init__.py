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

from . import reference
from .codes import COG_KEY_SPACE, cog_code, cog_key, cog_keys
from .pairs import (
    csr_from_pairs,
    csr_from_weighted,
    duplicate_in_buckets,
    find_duplicate_pair,
    has_duplicate_pair,
    new_scan_state,
    scan_cog_chunk,
    scan_cog_chunks,
    scan_cog_pairs,
    scan_key_chunk,
    scan_pairs,
    sort_rows,
    sort_rows_by_rank,
    step_weights,
)
from .twosfca import accessibility, accessibility_many, catchment_demand, supply_ratio, two_step

__all__ = [
    "COG_KEY_SPACE",
    "accessibility",
    "accessibility_many",
    "catchment_demand",
    "cog_code",
    "cog_key",
    "cog_keys",
    "csr_from_pairs",
    "csr_from_weighted",
    "duplicate_in_buckets",
    "find_duplicate_pair",
    "has_duplicate_pair",
    "new_scan_state",
    "reference",
    "scan_cog_chunk",
    "scan_cog_chunks",
    "scan_cog_pairs",
    "scan_key_chunk",
    "scan_pairs",
    "sort_rows",
    "sort_rows_by_rank",
    "step_weights",
    "supply_ratio",
    "two_step",
]
