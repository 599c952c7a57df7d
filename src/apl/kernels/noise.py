"""Numba kernel of :mod:`apl.uncertainty`: step-decay weights of randomly perturbed times.

A travel time t perturbed by a log-normal factor, t' = t · exp(σ Z) with Z ~ N(0, 1),
falls at or beyond band edge b_e exactly when Z ≥ z_e = ln(b_e / t) / σ, that is when
U = Φ(Z) ≥ p_e = Φ(z_e), U uniform on [0, 1). With the p_e of each pair computed once,
a draw needs one uniform number per pair and a few comparisons, no exp and no decay call.
The NumPy twin is ``tests/naive_uncertainty.py::step_weights``.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from .numba_options import NUMBA_OPTIONS

F64 = npt.NDArray[np.float64]


@numba.njit(**NUMBA_OPTIONS)
def step_weights(uniform: F64, edge_probability: F64, band_weights: F64) -> F64:
    """Weight of each pair for one draw of a step decay.

    Parameters
    ----------
    uniform : float64 array, shape (m,)
        One uniform number in [0, 1) per pair.
    edge_probability : float64 array, shape (m, E)
        p_e = P(t' < b_e) for each pair and band edge, non-decreasing along each row.
    band_weights : float64 array, shape (E + 1,)
        Weight of each band: below b_0, [b_0, b_1[, …, beyond b_{E−1}.

    Returns
    -------
    float64 array, shape (m,): ``band_weights[#{e : uniform ≥ p_e}]``.
    """
    m, n_edges = edge_probability.shape
    out = np.empty(m, dtype=np.float64)
    for k in range(m):
        u = uniform[k]
        band = 0
        while band < n_edges and u >= edge_probability[k, band]:
            band += 1
        out[k] = band_weights[band]
    return out
