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

from scipy.special import ndtri, stdtrit

from qec._registry import Registry
from qec.data._interval import Interval, binomial_interval

__all__ = [
    "BinomialEstimator",
    "Estimator",
    "SplittingEstimator",
    "SubsetEstimator",
    "WeightedEstimator",
    "estimator_names",
    "get_estimator",
    "jackknife_variance",
    "register_estimator",
    "splitting_interval",
    "subset_interval",
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
        z = float(ndtri(0.5 + confidence / 2))
        half = z * math.sqrt(variance)
        return Interval(estimate=min(mean, 1.0), low=max(0.0, mean - half),
                        high=min(1.0, max(mean + half, mean)), confidence=confidence)

    def __repr__(self) -> str:
        return "WeightedEstimator()"


class SplittingEstimator:
    """A rare-event estimate by splitting: ``ln P`` as a sum of stored level terms.

    The splitting estimator (:func:`qec.sampling.estimate_rare_error`) writes one batch per
    level with sums that add up over the levels:

    * ``log_estimate``: the level's term of ``ln P`` (``ln P_0`` of the directly sampled start,
      then ``ln(P_j / P_(j-1))`` of each rung of the ladder);
    * ``jk_<g>``: the same term with the chains of group ``g`` left out (g = 0 .. G-1), so that
      the summed values are the delete-one-group jackknife replicates of the whole ladder (each
      group's chains descend from their own seeds, so the groups are independent);
    * ``var_extra``: variance of ``ln P`` from sources outside the chains (the binomial
      variance of ``ln P_0``);
    * ``complete``: 1 on the level that reached the target model.

    The interval is ``exp(ln P +- (t sigma + |b|))``: ``sigma^2`` is the jackknife variance
    plus ``var_extra``, ``t`` Student's quantile with G - 1 degrees of freedom (the jackknife
    variance is itself estimated from G groups) and ``b`` the jackknife estimate of the
    ladder's bias, added to the width rather than subtracted from the estimate. An incomplete
    ladder is refused.

    Examples:
        >>> from qec.data import TaskStats
        >>> sums = {"log_estimate": -20.0, "var_extra": 0.001, "complete": 1.0,
        ...         **{f"jk_{g}": -20.0 + 0.01 * (-1) ** g for g in range(8)}}
        >>> stats = TaskStats(strong_id="x", decoder="d", json_metadata={
        ...     "estimator": "splitting"}, shots=10_000, errors=300, sums=sums)
        >>> interval = SplittingEstimator().interval(stats, confidence=0.95)
        >>> f"{interval.estimate:.3e}", interval.low < interval.estimate < interval.high
        ('2.061e-09', True)
    """

    def interval(self, stats: Any, *, confidence: float) -> Interval:
        return splitting_interval(stats.sums, confidence=confidence,
                                  name=f"task {stats.strong_id[:12]}")

    def __repr__(self) -> str:
        return "SplittingEstimator()"


def jackknife_variance(replicates: Any) -> float:
    """The delete-one-group jackknife variance ``(G - 1) / G * sum((r_g - mean)^2)`` of G
    leave-one-group-out replicates (0 for fewer than two).

    Examples:
        >>> jackknife_variance([1.0, 2.0, 3.0])
        1.3333333333333333
    """
    values = [float(r) for r in replicates]
    groups = len(values)
    if groups < 2:
        return 0.0
    mean = math.fsum(values) / groups
    return (groups - 1) / groups * math.fsum((r - mean) ** 2 for r in values)


def splitting_interval(sums: dict[str, float], *, confidence: float, name: str = "the estimate"
                       ) -> Interval:
    """The interval of a splitting estimate from its summed level terms (see
    :class:`SplittingEstimator`).

    Raises:
        ValueError: sums are missing, or the ladder has not reached its target level.
    """
    if "log_estimate" not in sums:
        raise ValueError(f"{name}: the splitting estimator needs the sum 'log_estimate'")
    if sums.get("complete", 0.0) < 1:
        raise ValueError(f"{name}: the splitting ladder has not reached the target model; "
                         "run qec lowrate again to continue it")
    total = sums["log_estimate"]
    replicates = [value for key, value in sums.items() if key.startswith("jk_")]
    groups = len(replicates)
    variance = max(sums.get("var_extra", 0.0), 0.0)
    bias = 0.0
    if groups >= 2:
        variance += jackknife_variance(replicates)
        bias = (groups - 1) * (math.fsum(replicates) / groups - total)
    # The jackknife variance has G - 1 degrees of freedom: Student's quantile, not the normal.
    quantile = (float(stdtrit(groups - 1, 0.5 + confidence / 2)) if groups >= 2
                else float(ndtri(0.5 + confidence / 2)))
    half = quantile * math.sqrt(variance) + abs(bias)
    return Interval(estimate=min(math.exp(total), 1.0), low=min(math.exp(total - half), 1.0),
                    high=min(math.exp(total + half), 1.0), confidence=confidence)


class SubsetEstimator:
    """A rare-event estimate by subset simulation: independent replicates of ``ln P``.

    The subset-simulation estimator (:func:`qec.sampling.estimate_subset`) writes one batch
    per replicate (an independent run from its own seed) with sums that add up over them:
    ``subset_replicates`` (1 each), ``subset_log`` (the replicate's ``ln P``) and
    ``subset_log_sq`` (its square). See :func:`subset_interval` for the interval.

    Examples:
        >>> from qec.data import TaskStats
        >>> logs = [-25.0, -24.5, -25.4, -24.9, -25.2, -24.8]
        >>> sums = {"subset_replicates": 6.0, "subset_log": sum(logs),
        ...         "subset_log_sq": sum(x * x for x in logs)}
        >>> stats = TaskStats(strong_id="x", decoder="d", json_metadata={
        ...     "estimator": "subset"}, shots=10_000, errors=0, sums=sums)
        >>> interval = SubsetEstimator().interval(stats, confidence=0.95)
        >>> f"{interval.estimate:.3e}", interval.low < interval.estimate < interval.high
        ('1.508e-11', True)
    """

    def interval(self, stats: Any, *, confidence: float) -> Interval:
        return subset_interval(stats.sums, confidence=confidence,
                               name=f"task {stats.strong_id[:12]}")

    def __repr__(self) -> str:
        return "SubsetEstimator()"


def subset_interval(sums: dict[str, float], *, confidence: float, name: str = "the estimate"
                    ) -> Interval:
    """The interval of a subset-simulation estimate from its summed replicates.

    Each replicate's ``ln P_r`` is a sum of many level terms, so it is treated as normal with
    mean ``m`` and variance ``s^2``; the failure probability is then ``E[P_r] = exp(m + s^2/2)``
    (each replicate estimates it without bias, apart from the adaptive levels' ``O(1/N)``), and
    the interval is Cox's for the mean of a log-normal sample: ``m + s^2/2 +- t sqrt(s^2/R +
    s^4 / (2 (R - 1)))``, ``t`` Student's quantile with ``R - 1`` degrees of freedom.

    Raises:
        ValueError: sums are missing or fewer than two replicates are stored.

    Examples:
        >>> sums = {"subset_replicates": 2.0, "subset_log": -2.0, "subset_log_sq": 2.0}
        >>> round(subset_interval(sums, confidence=0.95).estimate, 4)
        0.3679
    """
    count = round(sums.get("subset_replicates", 0.0))
    if count < 2 or "subset_log" not in sums or "subset_log_sq" not in sums:
        raise ValueError(f"{name}: subset simulation needs at least 2 stored replicates "
                         f"(found {count}); run qec lowrate again to continue it")
    mean = sums["subset_log"] / count
    variance = max(sums["subset_log_sq"] / count - mean * mean, 0.0) * count / (count - 1)
    centre = mean + variance / 2
    spread = math.sqrt(variance / count + variance * variance / (2 * (count - 1)))
    half = float(stdtrit(count - 1, 0.5 + confidence / 2)) * spread
    return Interval(estimate=min(math.exp(centre), 1.0), low=min(math.exp(centre - half), 1.0),
                    high=min(math.exp(centre + half), 1.0), confidence=confidence)


_ESTIMATORS: Registry[Estimator] = Registry("estimator")
_ESTIMATORS.register("binomial", BinomialEstimator(), aliases=("monte-carlo",))
_ESTIMATORS.register("weighted", WeightedEstimator(), aliases=("importance",))
_ESTIMATORS.register("splitting", SplittingEstimator(), aliases=("rare-event",))
_ESTIMATORS.register("subset", SubsetEstimator(), aliases=("subset-simulation",))


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
        ('binomial', 'weighted', 'splitting', 'subset')
    """
    return _ESTIMATORS.names()
