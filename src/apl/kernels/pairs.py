"""Numba kernel on the pair table: duplicate (origin, destination) detection in O(n)."""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

I64 = npt.NDArray[np.int64]


@numba.njit(**NUMBA_OPTIONS)
def find_duplicate_pair(origin: I64, destination: I64, n_origins: int, n_destinations: int) -> int:
    """Row of the first repeated (origin, destination) pair, or -1 if all pairs are distinct.

    "First" is the earliest row that repeats a pair seen before it. Codes are integers in
    [0, n_origins) and [0, n_destinations). A counting sort groups rows by origin (stable),
    then a marker array over destinations finds repeats within each origin: O(n + n_origins
    + n_destinations) time, no hashing.
    """
    n = origin.shape[0]
    start = np.zeros(n_origins + 1, dtype=np.int64)
    for k in range(n):
        start[origin[k] + 1] += 1
    for o in range(n_origins):
        start[o + 1] += start[o]
    fill = start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for k in range(n):
        o = origin[k]
        order[fill[o]] = k
        fill[o] += 1
    seen = np.full(n_destinations, -1, dtype=np.int64)
    first = -1
    for o in range(n_origins):
        for p in range(start[o], start[o + 1]):
            k = order[p]
            d = destination[k]
            if seen[d] == o:
                if first == -1 or k < first:
                    first = k
            else:
                seen[d] = o
    return first
