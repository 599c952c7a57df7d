"""Numba kernel: COG commune codes → integer keys, straight from Arrow string buffers.

A COG commune code is five ASCII characters: a department (``01``–``99``, or ``2A`` /
``2B`` for Corsica) followed by three digits. Such a code maps one-to-one to an integer key
``rank(department) × 1000 + number``, where departments rank in text order (``00``–``29``
→ 0–29, ``2A`` → 30, ``2B`` → 31, ``30``–``99`` → 32–101): keys sort exactly as the codes
sort as text, and lie in ``[0, COG_KEY_SPACE)``. Any other text (other lengths, letters elsewhere, lower
case) gets key -1: the caller then takes the general path, which either accepts it as a
free-form code or raises the exact validation error. The kernel never decides validity.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

#: Keys of COG-shaped codes lie in [0, COG_KEY_SPACE): 102 department ranks × 1000.
COG_KEY_SPACE = 102_000

_ZERO, _A, _B = 48, 65, 66


@numba.njit(inline="always", **NUMBA_OPTIONS)
def cog_key(data: npt.NDArray[np.uint8], start: int, end: int) -> np.int32:
    """Key of the code in ``data[start:end]``, -1 when it is not COG-shaped."""
    if end - start != 5:
        return np.int32(-1)
    c0 = np.int32(data[start]) - _ZERO
    c1 = np.int32(data[start + 1])
    c2 = np.int32(data[start + 2]) - _ZERO
    c3 = np.int32(data[start + 3]) - _ZERO
    c4 = np.int32(data[start + 4]) - _ZERO
    if c0 < 0 or c0 > 9 or c2 < 0 or c2 > 9 or c3 < 0 or c3 > 9 or c4 < 0 or c4 > 9:
        return np.int32(-1)
    if _ZERO <= c1 <= _ZERO + 9:
        dep = c0 * 10 + (c1 - _ZERO)
        if dep >= 30:
            dep += 2
    elif c0 == 2 and c1 == _A:
        dep = np.int32(30)
    elif c0 == 2 and c1 == _B:
        dep = np.int32(31)
    else:
        return np.int32(-1)
    return np.int32(dep * 1000 + c2 * 100 + c3 * 10 + c4)


@numba.njit(**NUMBA_OPTIONS)
def cog_keys(data: npt.NDArray[np.uint8], offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Integer key of each code of an Arrow string array, -1 where not COG-shaped.

    Parameters
    ----------
    data : uint8 array
        The UTF-8 bytes of the strings (Arrow data buffer).
    offsets : int32 or int64 array, shape (n + 1,)
        Start of string k at ``offsets[k]``, end at ``offsets[k + 1]`` (Arrow offsets,
        already shifted by the array's offset).

    Returns
    -------
    keys : int32 array, shape (n,)
    """
    n = offsets.shape[0] - 1
    keys = np.empty(n, dtype=np.int32)
    if n == 0:
        return keys
    # every code five bytes long (the offsets advance by 5: one streaming check)? Then the
    # bytes are read at a fixed stride by the branch-free cog_keys_fixed, which the
    # compiler vectorises (about 5× faster than keying code by code)
    base = offsets[0]
    irregular = 0
    for k in range(n + 1):
        irregular |= offsets[k] - (base + 5 * k)
    if irregular == 0:
        cog_keys_fixed(data[base : base + 5 * n], keys)
    else:
        for k in range(n):
            keys[k] = cog_key(data, offsets[k], offsets[k + 1])
    return keys


@numba.njit(**NUMBA_OPTIONS)
def cog_keys_fixed(data, out) -> None:
    """:func:`cog_key` of consecutive five-byte codes (``data`` holds ``5 × len(out)``
    bytes), without branches: every test becomes 0/1 arithmetic, so that the loop has no
    data-dependent jump and the compiler can vectorise it."""
    for k in range(out.shape[0]):
        i = 5 * k  # non-negative by construction: no wrap-around test on the loads
        c0 = np.int32(data[i]) - np.int32(_ZERO)
        c1 = np.int32(data[i + 1])
        c2 = np.int32(data[i + 2]) - np.int32(_ZERO)
        c3 = np.int32(data[i + 3]) - np.int32(_ZERO)
        c4 = np.int32(data[i + 4]) - np.int32(_ZERO)
        d1 = c1 - np.int32(_ZERO)
        digit1 = np.int32(np.uint32(d1) <= np.uint32(9))  # unsigned: below '0' wraps high
        dep = c0 * np.int32(10) + d1
        # 00–29 → 0–29, 30–99 → 32–101; 2A → 30, 2B → 31 ('A' = 65, 65 - 35 = 30)
        rank = digit1 * (dep + np.int32(2) * np.int32(dep >= 30)) + (np.int32(1) - digit1) * (
            c1 - np.int32(35)
        )
        corsica = (c0 == np.int32(2)) & ((c1 == np.int32(_A)) | (c1 == np.int32(_B)))
        ok = np.int32(
            (np.uint32(c0) <= np.uint32(9))
            & (np.uint32(c2) <= np.uint32(9))
            & (np.uint32(c3) <= np.uint32(9))
            & (np.uint32(c4) <= np.uint32(9))
            & ((digit1 == 1) | corsica)
        )
        out[k] = ok * (
            rank * np.int32(1000) + c2 * np.int32(100) + c3 * np.int32(10) + c4 + np.int32(1)
        ) - np.int32(1)


def cog_code(key: int) -> str:
    """The COG code of a key made by :func:`cog_keys` (inverse map, plain Python)."""
    rank, number = divmod(int(key), 1000)
    head = "2A" if rank == 30 else "2B" if rank == 31 else f"{rank if rank < 30 else rank - 2:02d}"
    return f"{head}{number:03d}"
