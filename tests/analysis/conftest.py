"""Synthetic sweeps drawn from the finite-size-scaling form, for the analysis tests."""

from __future__ import annotations

import numpy as np
import pytest

from qec.analysis import Point


def synthetic_sweep(
    *,
    threshold: float,
    nu: float,
    distances: tuple[int, ...],
    ps: np.ndarray,
    shots: int,
    seed: int,
    coefficients: tuple[float, float, float] = (0.1, 0.3, 0.2),
    rounds: int = 1,
) -> list[Point]:
    """Points whose shot error is A + B x + C x^2, x = (p - p_th) d^(1/nu) / p_th, binomially drawn.

    Here ``x`` is the relative form; the fit's absolute x differs by the constant factor p_th,
    which rescales B and C only.
    """
    rng = np.random.default_rng(seed)
    a, b, c = coefficients
    points = []
    for d in distances:
        for p in ps:
            x = (p - threshold) * d ** (1 / nu) / threshold
            rate = float(np.clip(a + b * x + c * x * x, 1e-4, 0.5))
            points.append(
                Point(distance=d, rounds=rounds, physical_error_rate=float(p), shots=shots,
                      errors=int(rng.binomial(shots, rate)))
            )
    return points


@pytest.fixture
def sweep() -> list[Point]:
    return synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=7,
                           ps=np.linspace(0.09, 0.11, 7))
