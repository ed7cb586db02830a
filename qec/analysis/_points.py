"""Data points of a sweep: the duck-typed protocol the analysis reads, and a simple value type."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Literal, Protocol

import numpy as np
from scipy.special import ndtri

from qec.data._interval import Interval, binomial_interval

__all__ = ["Point", "PointLike", "Quantity", "logical_error", "merge_points"]

Quantity = Literal["per_round", "per_shot"]
_QUANTITIES = ("per_round", "per_shot")


class PointLike(Protocol):
    """What the analysis reads from a data point (``qec.sampling.TaskStats`` satisfies it).

    Optionally also ``discards``, ``num_observables`` (k, for the error per round) and, for
    statistics of a non-binomial estimator, ``estimator`` with a ``logical_error()`` method
    that supplies the point's own interval.
    """

    distance: int
    rounds: int
    physical_error_rate: float
    shots: int
    errors: int


@dataclasses.dataclass(frozen=True)
class Point:
    """Logical-error statistics of one (distance, rounds, physical error rate) point.

    As in sinter (and ``qec.sampling.TaskStats``), ``shots`` counts every shot taken, discarded
    ones included; the logical error rate is ``errors / (shots - discards)``.

    A point of a non-binomial estimator (importance sampling, rare-event methods) carries its
    own ``interval`` on the error per shot. Its counts are then *effective* counts: the binomial
    counts with the same estimate and standard error (``shots = e (1 - e) / sigma^2``,
    ``errors = e shots``), which is how it enters fits that weigh points by their binomial
    uncertainty; tables and figures show its own interval.

    Attributes:
        distance: code distance, positive.
        rounds: rounds of stabilizer measurement per shot, positive.
        physical_error_rate: the noise strength p, in (0, 1); None for a device's recorded
            data, which has no swept p.
        shots: shots taken, non-negative.
        errors: shots with a logical error.
        discards: shots discarded by postselection; ``errors + discards <= shots``.
        num_observables: the number of logical observables (k) a shot must keep.
        interval: the point's own interval on the error per shot, or None for binomial counts.

    Examples:
        >>> Point(distance=3, rounds=3, physical_error_rate=0.001, shots=1000, errors=7)
        Point(distance=3, rounds=3, physical_error_rate=0.001, shots=1000, errors=7, discards=0)
    """

    distance: int
    rounds: int
    physical_error_rate: float | None
    shots: int
    errors: int
    discards: int = 0
    num_observables: int = 1
    interval: Interval | None = None

    def __repr__(self) -> str:
        text = (f"Point(distance={self.distance!r}, rounds={self.rounds!r}, "
                f"physical_error_rate={self.physical_error_rate!r}, shots={self.shots!r}, "
                f"errors={self.errors!r}, discards={self.discards!r}")
        if self.num_observables != 1:
            text += f", num_observables={self.num_observables!r}"
        if self.interval is not None:
            text += f", interval={self.interval!r}"
        return text + ")"

    def __post_init__(self) -> None:
        for name in ("distance", "rounds", "shots", "errors", "discards", "num_observables"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise ValueError(f"{name}={value!r} must be an integer")
            object.__setattr__(self, name, int(value))
        if self.distance < 1:
            raise ValueError(f"distance={self.distance!r} must be positive")
        if self.rounds < 1:
            raise ValueError(f"rounds={self.rounds!r} must be positive")
        if self.num_observables < 1:
            raise ValueError(f"num_observables={self.num_observables!r} must be positive")
        if self.interval is not None and not isinstance(self.interval, Interval):
            raise ValueError(f"interval={self.interval!r} must be a qec.data.Interval or None")
        p = self.physical_error_rate
        if p is not None:
            if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not (
                    0 < p < 1):
                raise ValueError(f"physical_error_rate={p!r} must be in (0, 1), or None for a "
                                 "device's data")
            object.__setattr__(self, "physical_error_rate", float(p))
        if self.shots < 0:
            raise ValueError(f"shots={self.shots!r} must be non-negative")
        if self.errors < 0 or self.discards < 0 or self.errors + self.discards > self.shots:
            raise ValueError(
                f"errors={self.errors!r} and discards={self.discards!r} must be non-negative "
                f"with a sum at most shots={self.shots!r}"
            )

    @property
    def kept_shots(self) -> int:
        """``shots - discards``: the shots the error rate is over."""
        return self.shots - self.discards


def check_quantity(quantity: str) -> None:
    """Raises ValueError unless ``quantity`` is ``"per_round"`` or ``"per_shot"``."""
    if quantity not in _QUANTITIES:
        allowed = ", ".join(map(repr, _QUANTITIES))
        raise ValueError(f"quantity={quantity!r} must be one of {allowed}")


def as_points(points: Iterable[PointLike], *, what: str = "points") -> list[Point]:
    """Copies duck-typed points into validated :class:`Point` values.

    Raises:
        ValueError: if an object lacks an attribute, holds an invalid value, or has zero shots.
    """
    result = []
    for item in points:
        if isinstance(item, Point):
            point = item
        else:
            values = {}
            for name in ("distance", "rounds", "physical_error_rate", "shots", "errors"):
                if not hasattr(item, name):
                    raise ValueError(
                        f"{what}: {item!r} has no attribute {name!r}; points need distance, "
                        "rounds, physical_error_rate, shots and errors"
                    )
                values[name] = getattr(item, name)
            for name in ("distance", "rounds"):
                if values[name] is None:
                    raise ValueError(f"{what}: {item!r} has {name}=None; its metadata lacks it")
            values["num_observables"] = int(getattr(item, "num_observables", 1) or 1)
            if getattr(item, "estimator", "binomial") != "binomial":
                point = _estimated_point(item, values)
            else:
                point = Point(**values, discards=int(getattr(item, "discards", 0) or 0))
        if point.kept_shots == 0:
            raise ValueError(
                f"{what}: the point distance={point.distance}, rounds={point.rounds}, "
                f"physical_error_rate={point.physical_error_rate} has shots={point.shots} "
                f"(discards={point.discards}): no kept shots; sample it first"
            )
        result.append(point)
    return result


def _estimated_point(item: PointLike, values: dict[str, object]) -> Point:
    """A point of a non-binomial estimator: its own interval and its effective counts."""
    interval = item.logical_error()  # type: ignore[attr-defined]
    z = _normal_quantile(interval.confidence)
    sigma = max(interval.half_width / z, 1e-300)
    e = min(max(interval.estimate, 0.0), 1.0)
    shots = max(1, round(e * (1 - e) / sigma**2)) if 0 < e < 1 else max(1, int(values["shots"]))
    errors = min(shots, round(e * shots))
    return Point(distance=values["distance"], rounds=values["rounds"],  # type: ignore[arg-type]
                 physical_error_rate=values["physical_error_rate"],  # type: ignore[arg-type]
                 shots=shots, errors=errors,
                 num_observables=values["num_observables"],  # type: ignore[arg-type]
                 interval=interval)


def _normal_quantile(confidence: float) -> float:

    return float(ndtri(0.5 + confidence / 2))


def merge_points(points: Iterable[PointLike]) -> list[Point]:
    """Sums the shots, errors and discards of points with equal (distance, rounds, p).

    The result is sorted by distance, then rounds, then physical error rate. Points of different
    decoders, bases or noise models would be merged too: filter them before.

    Raises:
        ValueError: if a point has zero shots or lacks an attribute.

    Examples:
        >>> a = Point(distance=3, rounds=3, physical_error_rate=0.01, shots=10, errors=1)
        >>> b = Point(distance=3, rounds=3, physical_error_rate=0.01, shots=30, errors=2)
        >>> merge_points([a, b])
        [Point(distance=3, rounds=3, physical_error_rate=0.01, shots=40, errors=3, discards=0)]
    """
    totals: dict[tuple[int, int, float], list[int]] = {}
    estimated: dict[tuple[int, int, float], Point] = {}
    observables: dict[tuple[int, int, float], int] = {}
    for point in as_points(points):
        key = (point.distance, point.rounds, point.physical_error_rate)
        if observables.setdefault(key, point.num_observables) != point.num_observables:
            raise ValueError(f"points at distance={key[0]}, rounds={key[1]}, p={key[2]} have "
                             "different numbers of observables; they are different experiments")
        if point.interval is not None or key in estimated:
            if key in estimated or key in totals:
                raise ValueError(
                    f"a point at distance={key[0]}, rounds={key[1]}, p={key[2]} has its own "
                    "interval (a non-binomial estimator) and cannot be merged with another one")
            estimated[key] = point
            continue
        total = totals.setdefault(key, [0, 0, 0])
        total[0] += point.shots
        total[1] += point.errors
        total[2] += point.discards
    merged = [
        Point(
            distance=d, rounds=r, physical_error_rate=p, shots=shots, errors=errors,
            discards=discards, num_observables=observables[(d, r, p)],
        )
        for (d, r, p), (shots, errors, discards) in totals.items()
    ]
    merged.extend(estimated.values())
    return sorted(merged, key=lambda pt: (pt.distance, pt.rounds, pt.physical_error_rate or 0.0))


def logical_error(point: PointLike, *, quantity: Quantity = "per_round", confidence: float = 0.95
                  ) -> Interval:
    """The logical error of a point, per round or per shot, with its binomial interval.

    Args:
        point: any object with ``rounds``, ``shots`` and ``errors`` (and optionally
            ``discards``, subtracted from ``shots``).
        quantity: ``"per_round"`` (converted with :func:`per_round_error`) or ``"per_shot"``.
        confidence: the interval's nominal coverage.

    Returns:
        An :class:`Interval`.

    Raises:
        ValueError: if the point has zero shots or ``quantity`` is unknown.

    Examples:
        >>> point = Point(distance=3, rounds=1, physical_error_rate=0.1, shots=10, errors=5)
        >>> logical_error(point, quantity="per_round").estimate
        0.5
    """
    check_quantity(quantity)
    own = getattr(point, "interval", None)
    if own is not None and abs(own.confidence - confidence) < 1e-12:
        interval = own
    elif getattr(point, "estimator", "binomial") != "binomial":
        interval = point.logical_error(confidence=confidence)  # type: ignore[attr-defined]
    else:
        kept = point.shots - getattr(point, "discards", 0)
        interval = binomial_interval(errors=point.errors, shots=kept, confidence=confidence)
    if quantity == "per_round":
        return interval.per_round(rounds=point.rounds,
                                  values=int(getattr(point, "num_observables", 1) or 1))
    return interval


def rates_and_sigmas(points: list[Point], *, quantity: Quantity) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and one-sigma binomial uncertainties of each point's logical error.

    The uncertainty is ``sqrt(q (1 - q) / n)`` with ``q = (errors + 1/2) / (shots + 1)`` (so a
    point with zero errors keeps a non-zero weight), carried to the per-round error through the
    derivative of :func:`per_round_error`.
    """
    check_quantity(quantity)
    return rates_and_sigmas_of_counts(
        errors=np.array([pt.errors for pt in points], dtype=np.float64),
        shots=np.array([pt.kept_shots for pt in points], dtype=np.float64),
        rounds=np.array([pt.rounds for pt in points], dtype=np.float64),
        quantity=quantity,
        values=np.array([pt.num_observables for pt in points], dtype=np.float64),
    )


def rates_and_sigmas_of_counts(*, errors: np.ndarray, shots: np.ndarray, rounds: np.ndarray,
                               quantity: Quantity, values: np.ndarray | None = None
                               ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rates_and_sigmas` on arrays of counts (float64, one entry per point).

    ``values`` is the number of observables of each point (default 1), with the semantics of
    :func:`qec.data.per_round_error`; the uncertainty follows by the chain rule.
    """
    rate = errors / shots
    q = (errors + 0.5) / (shots + 1)
    sigma = np.sqrt(q * (1 - q) / shots)
    if quantity == "per_round":
        k = np.ones_like(rate) if values is None else np.asarray(values, dtype=np.float64)
        # Per observable: s1 = 1 - (1 - S)^(1/k); per round: e1 = (1 - (1 - 2 s1)^(1/r)) / 2;
        # any of the k in one round: e = 1 - (1 - e1)^k. (k = 1 gives the plain conversion.)
        s1 = 1 - np.clip(1 - rate, 1e-300, 1) ** (1 / k)
        base = np.clip(1 - 2 * s1, 1e-12, 1)
        e1 = (1 - base ** (1 / rounds)) / 2
        per_round = 1 - (1 - e1) ** k
        ds1 = np.clip(1 - rate, 1e-300, 1) ** (1 / k - 1) / k
        de1 = base ** (1 / rounds - 1) / rounds
        de = k * (1 - e1) ** (k - 1)
        return per_round, sigma * de * de1 * ds1
    return rate, sigma
