"""Synthetic sweeps drawn from the finite-size-scaling form, and writing them to a database."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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
    correction: tuple[float, ...] = (0.0, 1.0),
) -> list[Point]:
    """Points whose shot error is A + B x + C x^2 + d^-omega (D + E x), binomially drawn.

    ``x = (p/p_th - 1) d^(1/nu)`` here is relative to p_th; the fit's absolute x differs by the
    constant factor p_th, which rescales B, C and E only. ``correction = (D, omega)`` or
    ``(D, omega, E)`` is the leading correction to scaling (E = 0 when omitted), which makes
    the crossings drift with distance.
    """
    rng = np.random.default_rng(seed)
    a, b, c = coefficients
    points = []
    for d in distances:
        for p in ps:
            x = (p / threshold - 1) * d ** (1 / nu)
            amplitude, omega, slope = (*correction, 0.0)[:3]
            rate = float(np.clip(a + b * x + c * x * x + (amplitude + slope * x) * d**-omega,
                                 1e-4, 0.5))
            points.append(
                Point(distance=d, rounds=rounds, physical_error_rate=float(p), shots=shots,
                      errors=int(rng.binomial(shots, rate)))
            )
    return points


def write_points(path, points: Iterable[Point], *, noise: str = "code-capacity",
                 decoder: str = "pymatching", code: str = "surface", basis: str = "Z") -> None:
    """Stores each point in a results database as the finished statistics of a task."""
    from qec.sampling import TaskStats
    from qec.store import ResultStore

    stats = []
    for pt in points:
        metadata = {"code": code, "distance": pt.distance, "rounds": pt.rounds, "basis": basis,
                    "noise": noise, "p": pt.physical_error_rate, "decoder": decoder}
        strong_id = "-".join(str(v) for v in metadata.values())
        stats.append(TaskStats(strong_id=strong_id, decoder=decoder, json_metadata=metadata,
                               shots=pt.shots, errors=pt.errors, discards=pt.discards,
                               seconds=1.0))
    with ResultStore(path, create=True) as store:
        store.add_stats(stats)
