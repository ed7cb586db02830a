"""The statistics of neighbouring rungs of the splitting ladder, from their histograms over
``|E|``: Bennett's acceptance-ratio estimate of the ratio of their normalisations, the
per-group histograms it is computed from, and the overlap of two rungs' samples."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def _bar_log_ratio(counts_a: np.ndarray, counts_b: np.ndarray, *, slope: float,
                   offset: float) -> float:
    """Bennett's acceptance-ratio estimate of ``ln(Z_b / Z_a)``, maximum-likelihood form.

    ``counts_a`` and ``counts_b`` are histograms over ``|E|`` (index = |E|) of samples of the
    two rungs; the log-weight ratio of a configuration is ``u = slope |E| - offset``.
    """
    n_a, n_b = counts_a.sum(), counts_b.sum()
    if n_a == 0 or n_b == 0:
        return math.nan
    sizes_a = np.flatnonzero(counts_a)
    sizes_b = np.flatnonzero(counts_b)
    u_a = slope * sizes_a - offset
    u_b = slope * sizes_b - offset
    w_a, w_b = counts_a[sizes_a], counts_b[sizes_b]
    m = math.log(n_a / n_b)

    def balance(log_ratio: float) -> float:
        left = (w_a * _logistic(u_a - log_ratio - m)).sum()
        right = (w_b * _logistic(log_ratio + m - u_b)).sum()
        return float(left - right)

    low = float(min(u_a.min(), u_b.min())) - 60
    high = float(max(u_a.max(), u_b.max())) + 60
    return float(brentq(balance, low, high, xtol=1e-12))


def _logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))


def _histograms(samples: np.ndarray, groups: int, size: int) -> np.ndarray:
    """Per-group histograms of ``|E|``: shape (groups, size)."""
    chains = samples.shape[1]
    per = chains // groups
    out = np.zeros((groups, size), dtype=np.int64)
    for g in range(groups):
        block = samples[:, g * per:(g + 1) * per].ravel()
        out[g] = np.bincount(block, minlength=size)[:size]
    return out


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller fraction of one histogram's mass inside the other's central 98%."""
    def central(h: np.ndarray) -> tuple[int, int]:
        c = np.cumsum(h) / h.sum()
        return int(np.searchsorted(c, 0.01)), int(np.searchsorted(c, 0.99))

    size = max(len(a), len(b))
    a, b = np.pad(a, (0, size - len(a))), np.pad(b, (0, size - len(b)))
    (la, ha), (lb, hb) = central(a), central(b)
    return float(min(b[la:ha + 1].sum() / b.sum(), a[lb:hb + 1].sum() / a.sum()))

