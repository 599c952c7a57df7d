"""NumPy twins of apl.uncertainty's kernel (independent code, float64)."""

from __future__ import annotations

import numpy as np


def step_weights(
    uniform: np.ndarray, edge_probability: np.ndarray, band_weights: np.ndarray
) -> np.ndarray:
    """band_weights[number of edges e with uniform ≥ p_e], vectorised over pairs."""
    band = (uniform[:, None] >= edge_probability).sum(axis=1)
    return np.asarray(band_weights, dtype=np.float64)[band]


def dense_apl(times: np.ndarray, population: np.ndarray, acts: np.ndarray, decay) -> np.ndarray:
    """APL from a dense (commune × supply commune) time matrix (inf = unreachable)."""
    w = np.where(np.isfinite(times), decay(np.where(np.isfinite(times), times, 0.0)), 0.0)
    demand = w.T @ population
    ratio = np.divide(acts, demand, out=np.zeros_like(acts), where=demand > 0)
    return w @ ratio
