"""Estimators: how stored statistics become a logical error with its interval.

Plain Monte Carlo counts errors among shots (:class:`BinomialEstimator`). Other estimators
accumulate float sums next to the counts, batch by batch, so that their results are stored,
resumed and summed exactly like counts, and only their final interval differs. A task names its
estimator in its metadata (``estimator``); analysis and plotting then use the interval the
estimator gives for each point instead of assuming binomial counts.

Examples:
    >>> from qec.data import TaskStats
    >>> stats = TaskStats(strong_id="x", decoder="pymatching", json_metadata={
    ...     "estimator": "weighted"}, shots=1000, errors=3,
    ...     sums={"weight": 2e-5, "weight_sq": 2e-10})
    >>> interval = stats.logical_error()
    >>> f"{interval.estimate:.1e}", interval.low >= 0
    ('2.0e-08', True)
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from qec._registry import Registry
from qec.data._interval import Interval, binomial_interval

__all__ = [
    "BinomialEstimator",
    "Estimator",
    "WeightedEstimator",
    "estimator_names",
    "get_estimator",
    "register_estimator",
]


class Estimator(Protocol):
    """Turns a task's statistics into the logical error per shot with its interval."""

    def interval(self, stats: Any, *, confidence: float) -> Interval:
        """The error per shot of ``stats`` (a :class:`qec.data.TaskStats`) and its interval.

        Raises:
            ValueError: the statistics cannot give an estimate (no shots, missing sums).
        """
        ...


class BinomialEstimator:
    """Plain Monte Carlo: ``errors`` out of the kept shots, likelihood-ratio interval.

    Examples:
        >>> from qec.data import TaskStats
        >>> stats = TaskStats(strong_id="x", decoder="d", json_metadata={}, shots=10, errors=5)
        >>> BinomialEstimator().interval(stats, confidence=0.95).estimate
        0.5
    """

    def interval(self, stats: Any, *, confidence: float) -> Interval:
        return binomial_interval(errors=stats.errors, shots=stats.shots - stats.discards,
                                 confidence=confidence)

    def __repr__(self) -> str:
        return "BinomialEstimator()"


class WeightedEstimator:
    """Weighted shots (importance sampling): the estimate is the mean weight per shot.

    Each shot contributes a weight ``w`` (its likelihood ratio times its failure indicator);
    the sums ``weight`` = sum of w and ``weight_sq`` = sum of w^2 over the kept shots give the
    mean and its standard error, and the interval is the normal one, clipped to [0, 1]. With no
    failing shot at all (weight 0) there is no scale for the error, and it refuses.

    Examples:
        >>> from qec.data import TaskStats
        >>> stats = TaskStats(strong_id="x", decoder="d", json_metadata={}, shots=100,
        ...                   errors=0, sums={"weight": 0.0, "weight_sq": 0.0})
        >>> WeightedEstimator().interval(stats, confidence=0.95)
        Traceback (most recent call last):
            ...
        ValueError: task x: the weighted estimator saw no failing shot in 100 shots; ...
    """

    def interval(self, stats: Any, *, confidence: float) -> Interval:
        from scipy.stats import norm

        kept = stats.shots - stats.discards
        missing = [k for k in ("weight", "weight_sq") if k not in stats.sums]
        if missing:
            raise ValueError(f"task {stats.strong_id[:12]}: the weighted estimator needs sums "
                             f"{missing} in its statistics")
        if kept <= 0:
            raise ValueError(f"task {stats.strong_id[:12]}: no kept shots to estimate from")
        total, total_sq = stats.sums["weight"], stats.sums["weight_sq"]
        if total <= 0:
            raise ValueError(
                f"task {stats.strong_id[:12]}: the weighted estimator saw no failing shot in "
                f"{kept} shots; sample more (a zero is not an estimate)")
        mean = total / kept
        variance = max(total_sq / kept - mean * mean, 0.0) / max(kept - 1, 1)
        z = float(norm.ppf(0.5 + confidence / 2))
        half = z * math.sqrt(variance)
        return Interval(estimate=min(mean, 1.0), low=max(0.0, mean - half),
                        high=min(1.0, max(mean + half, mean)), confidence=confidence)

    def __repr__(self) -> str:
        return "WeightedEstimator()"


_ESTIMATORS: Registry[Estimator] = Registry("estimator")
_ESTIMATORS.register("binomial", BinomialEstimator(), aliases=("monte-carlo",))
_ESTIMATORS.register("weighted", WeightedEstimator(), aliases=("importance",))


def register_estimator(name: str, estimator: Estimator, *, replace: bool = False) -> None:
    """Adds an estimator that tasks can name in their metadata (``estimator``).

    Args:
        name: the estimator's name (normalised like every qec name).
        estimator: an object with ``interval(stats, *, confidence) -> Interval``.
        replace: replace an estimator of the same name.

    Raises:
        ValueError: the name is taken, or the object has no ``interval`` method.
    """
    if not callable(getattr(estimator, "interval", None)):
        raise ValueError(f"estimator={estimator!r} must have an interval(stats, *, confidence) "
                         "method")
    _ESTIMATORS.register(name, estimator, replace=replace)


def get_estimator(name: str) -> Estimator:
    """The estimator of this name.

    Raises:
        ValueError: unknown name; the message lists the known ones.

    Examples:
        >>> get_estimator("binomial")
        BinomialEstimator()
    """
    return _ESTIMATORS.get(name)


def estimator_names() -> tuple[str, ...]:
    """The registered estimator names.

    Examples:
        >>> estimator_names()
        ('binomial', 'weighted')
    """
    return _ESTIMATORS.names()
