"""Pairwise crossing points of the logical-error curves of consecutive distances."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable

import numpy as np

from qec.analysis._points import PointLike, Quantity, check_quantity, merge_points

__all__ = ["Crossing", "crossings"]


@dataclasses.dataclass(frozen=True)
class Crossing:
    """Where the logical-error curves of two consecutive distances cross.

    Attributes:
        distances: the two distances, smaller first.
        physical_error_rate: the crossing's physical error rate.
        low: lower end of its bootstrap confidence interval.
        high: upper end of its bootstrap confidence interval.

    Examples:
        >>> Crossing(distances=(3, 5), physical_error_rate=0.1, low=0.09, high=0.11).distances
        (3, 5)
    """

    distances: tuple[int, int]
    physical_error_rate: float
    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "distances", tuple(int(d) for d in self.distances))
        if len(self.distances) != 2 or not self.distances[0] < self.distances[1]:
            raise ValueError(f"distances={self.distances!r} must be two increasing distances")
        for name in ("physical_error_rate", "low", "high"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be finite")
            object.__setattr__(self, name, value)
        if not self.low <= self.physical_error_rate <= self.high:
            raise ValueError(
                f"need low <= physical_error_rate <= high, got low={self.low!r}, "
                f"physical_error_rate={self.physical_error_rate!r}, high={self.high!r}"
            )


def _curve_logs(errors: np.ndarray, shots: np.ndarray, rounds: np.ndarray, quantity: Quantity,
                values: float = 1) -> np.ndarray:
    """ln of the logical error; zero-error points count half an error so the log stays finite.

    ``values`` is the curve's number of observables k (see :func:`qec.data.per_round_error`).
    """
    rate = np.maximum(errors, 0.5) / shots
    if quantity == "per_round":
        each = -np.expm1(np.log1p(-np.minimum(rate, 1 - 1e-15)) / values)
        base = np.clip(1 - 2 * each, 1e-15, 1)
        each_round = -np.expm1(np.log(base) / rounds) / 2
        rate = -np.expm1(values * np.log1p(-each_round))
    return np.log(rate)


def _root(log_p: np.ndarray, diff: np.ndarray) -> float | None:
    """Root of diff(log p) by a straight line through the region where its sign changes."""
    positive = diff > 0
    changes = np.flatnonzero(positive[1:] != positive[:-1])
    if len(changes) == 0:
        return None
    first, last = changes[0], changes[-1] + 1
    xs, ys = log_p[first:last + 1], diff[first:last + 1]
    slope, intercept = np.polyfit(xs, ys, 1)
    if slope == 0:
        return float(np.exp(np.mean(xs)))
    return float(np.exp(np.clip(-intercept / slope, xs[0], xs[-1])))


def _pair_root(log_p: np.ndarray, small: tuple[np.ndarray, ...], large: tuple[np.ndarray, ...],
               quantity: Quantity, values: tuple[float, float] = (1, 1)) -> float | None:
    """Crossing of two curves given as (errors, shots, rounds) arrays on the same p grid."""
    return _root(log_p, _curve_logs(*large, quantity, values[1])
                 - _curve_logs(*small, quantity, values[0]))


def crossings(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
) -> tuple[Crossing, ...]:
    """The crossing point of the curves of each pair of consecutive distances.

    For each pair, on the physical error rates sampled at both distances, the difference
    ``ln P_L(d_large) - ln P_L(d_small)`` changes sign at the crossing. The crossing is the root of
    a straight line fitted (against ``ln p``) to the points from the first to the last sign
    change (two points, i.e. linear interpolation, when the sign changes once). Its interval is
    the percentile interval of a parametric bootstrap: every point's errors redrawn from
    ``Binomial(shots, errors / shots)``. Pairs whose curves do not cross are left out.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``; equal
            (distance, rounds, p) are merged.
        quantity: compare the error ``"per_shot"`` (default, see
            :func:`qec.analysis.fit_threshold`) or ``"per_round"``.
        confidence: the coverage of each interval.
        bootstrap: the number of bootstrap redraws (0: the interval is the point itself).
        seed: seeds the bootstrap.

    Returns:
        The crossings, sorted by distance pair.

    Raises:
        ValueError: if a point has zero shots, ``quantity`` is unknown or ``confidence`` is not
            in (0, 1).

    Examples:
        >>> from qec.analysis import Point
        >>> data = [(3, 0.08, 500), (3, 0.12, 1200), (5, 0.08, 300), (5, 0.12, 1500)]
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10_000, errors=e)
        ...        for d, p, e in data]
        >>> [(c.distances, round(c.physical_error_rate, 4)) for c in crossings(pts, bootstrap=0)]
        [((3, 5), 0.1061)]
    """
    check_quantity(quantity)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    if bootstrap < 0:
        raise ValueError(f"bootstrap={bootstrap!r} must be non-negative")
    merged = merge_points(points)
    by_distance: dict[int, dict[float, tuple[int, int, int]]] = {}
    observables = {pt.distance: pt.num_observables for pt in merged}
    for pt in merged:
        # Several rounds at one (d, p): keep the one with the most shots.
        curve = by_distance.setdefault(pt.distance, {})
        old = curve.get(pt.physical_error_rate)
        if old is None or old[0] < pt.kept_shots:
            curve[pt.physical_error_rate] = (pt.kept_shots, pt.errors, pt.rounds)
    distances = sorted(by_distance)
    rng = np.random.default_rng(seed)
    result = []
    for d_small, d_large in itertools.pairwise(distances):
        ps = sorted(set(by_distance[d_small]) & set(by_distance[d_large]))
        if len(ps) < 2:
            continue
        log_p = np.log(ps)
        data = np.array(
            [[*by_distance[d_small][p], *by_distance[d_large][p]] for p in ps], dtype=np.float64
        )
        shots_s, errors_s, rounds_s, shots_l, errors_l, rounds_l = data.T
        values = (observables[d_small], observables[d_large])
        best = _pair_root(log_p, (errors_s, shots_s, rounds_s), (errors_l, shots_l, rounds_l),
                          quantity, values)
        if best is None:
            continue
        low = high = best
        if bootstrap:
            redraws = [
                _pair_root(
                    log_p,
                    (rng.binomial(shots_s.astype(np.int64), errors_s / shots_s), shots_s, rounds_s),
                    (rng.binomial(shots_l.astype(np.int64), errors_l / shots_l), shots_l, rounds_l),
                    quantity, values,
                )
                for _ in range(bootstrap)
            ]
            roots = np.array([r for r in redraws if r is not None])
            if len(roots):
                tail = (1 - confidence) / 2
                low = min(best, float(np.quantile(roots, tail)))
                high = max(best, float(np.quantile(roots, 1 - tail)))
        result.append(Crossing(distances=(d_small, d_large), physical_error_rate=best, low=low,
                               high=high))
    return tuple(result)
