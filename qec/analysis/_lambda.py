"""Error suppression: logical error per round eps_d per distance, Lambda, distance projection."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable

import numpy as np
from scipy.special import ndtri

from qec.analysis._points import Point, PointLike, merge_points
from qec.data._interval import Interval, binomial_interval, likelihood_factor, shot_error

__all__ = [
    "DistanceProjection",
    "LambdaFit",
    "boundary_amplitude",
    "fit_lambda",
    "fit_per_round_error",
    "lambda_from_errors",
]


def _log_likelihood(eps: float, points: list[Point]) -> float:
    total = 0.0
    for pt in points:
        p_shot = shot_error(eps, rounds=pt.rounds)
        if pt.errors:
            total += pt.errors * math.log(p_shot) if p_shot > 0 else -math.inf
        if pt.kept_shots - pt.errors:
            total += (pt.kept_shots - pt.errors) * math.log1p(-p_shot)
    return total


def _offset_log_likelihood(eps: float, log_amplitude: float, points: list[Point]) -> float:
    """Binomial log likelihood of ``1 - 2 P_L(r) = exp(log_amplitude) (1 - 2 eps)^r``."""
    total = 0.0
    log_decay = math.log1p(-2 * eps)
    for pt in points:
        fidelity = math.exp(log_amplitude + log_decay * pt.rounds)
        p_shot = min(max((1 - fidelity) / 2, 1e-300), 0.5)
        if pt.errors:
            total += pt.errors * math.log(p_shot)
        if pt.kept_shots - pt.errors:
            total += (pt.kept_shots - pt.errors) * math.log1p(-p_shot)
    return total


def _profile_offset(eps: float, points: list[Point]) -> float:
    """The log likelihood at ``eps``, maximised over the boundary amplitude."""
    from scipy.optimize import minimize_scalar

    # 1 - 2 P_L(r) <= 1 at the fewest rounds bounds the amplitude from above.
    upper = -math.log1p(-2 * eps) * min(pt.rounds for pt in points)
    result = minimize_scalar(lambda a: -_offset_log_likelihood(eps, a, points),
                             bounds=(-10.0, upper), method="bounded",
                             options={"xatol": 1e-12})
    return -float(result.fun)


def boundary_amplitude(eps: float, points: Iterable[PointLike]) -> float:
    """The maximum-likelihood amplitude ``A`` of ``1 - 2 P_L(r) = A (1 - 2 eps)^r`` at ``eps``.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=3, rounds=r, physical_error_rate=0.001, shots=10**6,
        ...              errors=round(10**6 * (1 - 0.99 * 0.98**r) / 2)) for r in (3, 9)]
        >>> round(boundary_amplitude(0.01, pts), 3)
        0.99
    """
    from scipy.optimize import minimize_scalar

    merged = merge_points(points)
    upper = -math.log1p(-2 * eps) * min(pt.rounds for pt in merged)
    result = minimize_scalar(lambda a: -_offset_log_likelihood(eps, a, merged),
                             bounds=(-10.0, upper), method="bounded", options={"xatol": 1e-12})
    return math.exp(float(result.x))


def fit_per_round_error(points: Iterable[PointLike], *, confidence: float = 0.95,
                        boundary_offset: bool = False) -> Interval:
    """The logical error per round of one distance, fitted over any numbers of rounds.

    Maximises the binomial likelihood of ``P_L(r) = (1 - (1 - 2 eps)^r) / 2`` over all points;
    the interval holds every ``eps`` whose likelihood is within :func:`likelihood_factor` of the
    best (likelihood ratio, so for a single point it is exactly
    ``binomial_interval(...).per_round(rounds=r)``).

    With ``boundary_offset=True`` the model is ``1 - 2 P_L(r) = A (1 - 2 eps)^r``, as in
    Google's fits of logical fidelity against rounds: the amplitude ``A`` absorbs the error of
    the first and last rounds (preparation and final readout), so ``eps`` is the error of a
    bulk round. ``A`` is profiled out of the likelihood-ratio interval. This needs two or more
    round counts.

    Args:
        points: points of one distance (and one physical error rate), any rounds.
        confidence: the coverage of the interval.
        boundary_offset: fit the boundary amplitude ``A`` too.

    Returns:
        An :class:`Interval` on the logical error per round.

    Raises:
        ValueError: if there are no points, a point has zero shots, the points mix distances
            or physical error rates, or ``boundary_offset`` is asked with one round count.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=3, rounds=r, physical_error_rate=0.001, shots=10**5,
        ...              errors=round(10**5 * (1 - 0.98**r) / 2)) for r in (1, 5, 20)]
        >>> round(fit_per_round_error(pts).estimate, 4)
        0.01
        >>> pts = [Point(distance=3, rounds=r, physical_error_rate=0.001, shots=10**6,
        ...              errors=round(10**6 * (1 - 0.99 * 0.98**r) / 2)) for r in (3, 9)]
        >>> round(fit_per_round_error(pts, boundary_offset=True).estimate, 4)
        0.01
    """
    from scipy.optimize import brentq, minimize_scalar

    merged = merge_points(points)
    if not merged:
        raise ValueError("points is empty: no data to fit an error per round to")
    for attribute in ("distance", "physical_error_rate"):
        values = sorted({getattr(pt, attribute) for pt in merged})
        if len(values) > 1:
            raise ValueError(f"points mix {attribute} values {values}; give one at a time")
    rounds = sorted({pt.rounds for pt in merged})
    if boundary_offset and len(rounds) < 2:
        raise ValueError(
            f"boundary_offset=True needs points at two or more round counts, got rounds={rounds}"
        )
    if not boundary_offset and len(merged) == 1:
        (pt,) = merged
        interval = binomial_interval(errors=pt.errors, shots=pt.kept_shots,
                                     confidence=confidence)
        return interval.per_round(rounds=pt.rounds)
    if boundary_offset:
        def log_likelihood(e: float) -> float:
            return _profile_offset(e, merged)
        top = 0.5 - 1e-9
    else:
        def log_likelihood(e: float) -> float:
            return _log_likelihood(e, merged)
        top = 0.5
    if all(pt.errors == 0 for pt in merged):
        best = 0.0
    elif all(2 * pt.errors >= pt.kept_shots for pt in merged):
        best = top
    else:
        result = minimize_scalar(lambda e: -log_likelihood(e), bounds=(0.0, top),
                                 method="bounded", options={"xatol": 1e-12})
        best = float(result.x)
    max_log = log_likelihood(best)
    drop = math.log(likelihood_factor(confidence))

    def excess(e: float) -> float:
        return max_log - log_likelihood(e) - drop

    low = 0.0
    if best > 0 and excess(best * 1e-9) > 0:
        low = brentq(excess, best * 1e-9, best, xtol=best * 1e-9)
    high = top
    if best < top and excess(top) > 0:
        high = brentq(excess, best, top, xtol=max(best, 1e-12) * 1e-9)
    return Interval(estimate=best, low=min(low, best), high=max(high, best), confidence=confidence)


@dataclasses.dataclass(frozen=True)
class DistanceProjection:
    """The smallest odd distance whose projected logical error per round meets a target.

    Attributes:
        target_per_round_error: the target logical error per round.
        distance: the distance needed on the fitted line.
        low: the distance needed at the upper end of the Lambda interval (fewer).
        high: the distance needed at the lower end of the Lambda interval (more); ``-1`` when
            that end does not suppress errors (Lambda <= 1) and no distance suffices.
    """

    target_per_round_error: float
    distance: int
    low: int
    high: int


@dataclasses.dataclass(frozen=True)
class LambdaFit:
    """The error-suppression factor Lambda at one physical error rate.

    ``eps_d`` is the logical error per round of distance ``d``; Lambda is ``eps_d / eps_(d+2)``
    (pairwise, for consecutive distances) and ``exp(-2 slope)`` of the weighted straight-line
    fit ``ln eps_d = intercept + slope * d``.

    Attributes:
        physical_error_rate: the p of every point (None for a device's recorded data).
        distances: the distances, ascending.
        per_round_errors: ``eps_d`` with its interval, one per distance.
        pairwise: ``eps_d / eps_d'`` for consecutive distances ``d < d'``, with intervals.
        lambda_: Lambda from the line fit, with its interval.
        intercept: the fitted line's intercept (ln eps at d = 0).
        slope: the fitted line's slope (per unit of distance).
        slope_stderr: the standard error of the slope.
        chi2: the weighted sum of squared residuals of the line fit.
        confidence: the coverage of the intervals.
        boundary_offset: whether each ``eps_d`` was fitted with a boundary amplitude.
    """

    physical_error_rate: float | None
    distances: tuple[int, ...]
    per_round_errors: tuple[Interval, ...]
    pairwise: tuple[Interval, ...]
    lambda_: Interval
    intercept: float
    slope: float
    slope_stderr: float
    chi2: float
    confidence: float
    boundary_offset: bool = False

    def __post_init__(self) -> None:
        for name in ("distances", "per_round_errors", "pairwise"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if len(self.per_round_errors) != len(self.distances):
            raise ValueError(
                f"per_round_errors has {len(self.per_round_errors)} entries for "
                f"{len(self.distances)} distances"
            )
        if len(self.pairwise) != len(self.distances) - 1:
            raise ValueError(
                f"pairwise has {len(self.pairwise)} entries; need one per consecutive pair of "
                f"distances {self.distances}"
            )

    def predicted_per_round_error(self, distance: float) -> float:
        """``exp(intercept + slope * distance)``: the fitted line's error per round."""
        return math.exp(self.intercept + self.slope * distance)

    def project_distance(self, target_per_round_error: float) -> DistanceProjection:
        """The smallest odd distance whose error per round is projected to be at most a target.

        Pivots at the largest measured distance ``D``: ``eps_d = eps_D / Lambda^((d - D) / 2)``
        with ``eps_D`` read from the fitted line, for the best Lambda and both ends of its
        interval.

        Args:
            target_per_round_error: the target, in (0, 1/2).

        Returns:
            A :class:`DistanceProjection`.

        Raises:
            ValueError: if the target is outside (0, 1/2) or the fitted Lambda is at most 1
                (errors grow with distance: no distance reaches the target).
        """
        if not 0 < target_per_round_error < 0.5:
            raise ValueError(
                f"target_per_round_error={target_per_round_error!r} must be in (0, 1/2)"
            )
        largest = self.distances[-1]
        eps_largest = self.predicted_per_round_error(largest)

        def needed(lambda_value: float) -> int:
            if eps_largest <= target_per_round_error:
                steps = 0.0
            elif lambda_value <= 1:
                return -1
            else:
                steps = math.log(eps_largest / target_per_round_error) / math.log(lambda_value)
            d = largest + 2 * math.ceil(steps - 1e-12)
            # Reach back below the largest distance when the line allows it.
            while d - 2 >= 1 and self._projected(d - 2, lambda_value) <= target_per_round_error:
                d -= 2
            return d

        best = needed(self.lambda_.estimate)
        if best < 0:
            raise ValueError(
                f"Lambda={self.lambda_.estimate:.3g} <= 1 at p={self.physical_error_rate}: "
                "errors do not fall with distance, so no distance reaches the target"
            )
        return DistanceProjection(
            target_per_round_error=target_per_round_error,
            distance=best,
            low=needed(self.lambda_.high),
            high=needed(self.lambda_.low),
        )

    def _projected(self, distance: int, lambda_value: float) -> float:
        largest = self.distances[-1]
        return self.predicted_per_round_error(largest) / lambda_value ** ((distance - largest) / 2)


def _ratio(numerator: Interval, denominator: Interval, *, confidence: float) -> Interval:
    """``numerator / denominator`` of independent positive estimates (log half-widths add)."""
    estimate = numerator.estimate / denominator.estimate
    down = math.hypot(math.log(numerator.estimate / numerator.low),
                      math.log(denominator.high / denominator.estimate))
    up = math.hypot(math.log(numerator.high / numerator.estimate),
                    math.log(denominator.estimate / denominator.low))
    return Interval(estimate=estimate, low=estimate * math.exp(-down),
                    high=estimate * math.exp(up), confidence=confidence)


def fit_lambda(
    points: Iterable[PointLike],
    *,
    physical_error_rate: float | None = None,
    confidence: float = 0.95,
    boundary_offset: bool = False,
) -> LambdaFit:
    """Lambda, the factor by which the logical error per round falls per distance step of 2.

    ``eps_d`` comes from :func:`fit_per_round_error` over all points of distance ``d`` (any
    rounds). Pairwise ``Lambda = eps_d / eps_(d+2)`` takes its interval by adding the two log
    half-widths in quadrature. The line ``ln eps_d = intercept + slope d`` is fitted by weighted
    least squares (``numpy.polyfit``, weights from each ``eps_d`` interval in log space); its
    slope's standard error is scaled by ``sqrt(chi2 / dof)`` when that exceeds 1, and
    ``Lambda = exp(-2 slope)`` with the normal interval on the slope.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``.
        physical_error_rate: use the points at this p; required when the points have several.
        confidence: the coverage of the intervals.
        boundary_offset: fit each ``eps_d`` with a boundary amplitude (see
            :func:`fit_per_round_error`); needs two or more round counts per distance.

    Returns:
        A :class:`LambdaFit`.

    Raises:
        ValueError: no points (at that p), fewer than two distances, a point with zero shots,
            or a distance with no logical errors (its log error is undefined).

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=d, physical_error_rate=0.001, shots=10**6,
        ...              errors=round(10**6 * (1 - (1 - 2 * 0.01 / 2 ** ((d - 3) / 2)) ** d) / 2))
        ...        for d in (3, 5, 7)]
        >>> round(fit_lambda(pts).lambda_.estimate, 2)
        2.0
    """

    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    merged = merge_points(points)
    ps = sorted({pt.physical_error_rate for pt in merged}, key=lambda p: (p is not None, p or 0))
    if ps == [None]:  # a device's recorded data: no swept p
        chosen = merged
    elif physical_error_rate is None:
        if len(ps) > 1:
            raise ValueError(
                f"points have several physical error rates {ps}; pass physical_error_rate=..."
            )
        if not ps:
            raise ValueError("points is empty: Lambda needs points at two or more distances")
        physical_error_rate = ps[0]
    if ps != [None]:
        chosen = [pt for pt in merged if pt.physical_error_rate is not None and math.isclose(
            pt.physical_error_rate, physical_error_rate, rel_tol=1e-9)]
    if not chosen:
        raise ValueError(
            f"no points at physical_error_rate={physical_error_rate}; the points have p in {ps}"
        )
    distances = sorted({pt.distance for pt in chosen})
    where = "" if physical_error_rate is None else f" at p={physical_error_rate}"
    if len(distances) < 2:
        raise ValueError(
            f"Lambda needs points at two or more distances, got distances={distances}{where}"
        )
    eps = []
    for d in distances:
        group = [pt for pt in chosen if pt.distance == d]
        if all(pt.errors == 0 for pt in group):
            raise ValueError(
                f"distance {d}{where} has no logical errors in "
                f"{sum(pt.kept_shots for pt in group)} kept shots: its error per round (and its "
                "log) is not estimated; sample more shots"
            )
        eps.append(fit_per_round_error(group, confidence=confidence,
                                       boundary_offset=boundary_offset))
    return lambda_from_errors(distances, eps, confidence=confidence,
                              physical_error_rate=physical_error_rate,
                              boundary_offset=boundary_offset)


def lambda_from_errors(distances: Iterable[int], per_round_errors: Iterable[Interval], *,
                       confidence: float = 0.95, physical_error_rate: float | None = None,
                       boundary_offset: bool = False) -> LambdaFit:
    """Lambda from errors per round already estimated, one per distance (see
    :func:`fit_lambda`, which fits them from points first).

    Args:
        distances: the distances, ascending, two or more.
        per_round_errors: ``eps_d`` with its interval, one per distance (all positive).
        confidence: the coverage of Lambda's interval.
        physical_error_rate: the p they share, or None (a device's data).
        boundary_offset: whether the errors were fitted with a boundary amplitude.

    Returns:
        A :class:`LambdaFit`.

    Raises:
        ValueError: fewer than two distances, mismatched lengths, or an error that is not
            positive.

    Examples:
        >>> fit = lambda_from_errors([3, 5], [Interval(0.01, 0.009, 0.011),
        ...                                   Interval(0.005, 0.0045, 0.0055)])
        >>> round(fit.lambda_.estimate, 3)
        2.0
    """

    distances = [int(d) for d in distances]
    eps = list(per_round_errors)
    if len(distances) < 2 or len(eps) != len(distances):
        raise ValueError(f"Lambda needs one error per round for each of two or more distances, "
                         f"got distances={distances} and {len(eps)} errors")
    if any(not e.low > 0 for e in eps):
        raise ValueError("every error per round and its interval must be positive for a line "
                         "in log space")
    pairwise = [_ratio(a, b, confidence=confidence) for a, b in itertools.pairwise(eps)]
    z = float(ndtri((1 + confidence) / 2))
    logs = np.array([math.log(e.estimate) for e in eps])
    sigmas = np.array([(math.log(e.high) - math.log(e.low)) / (2 * z) for e in eps])
    ds = np.array(distances, dtype=np.float64)
    coefficients, covariance = np.polyfit(ds, logs, 1, w=1 / sigmas, cov="unscaled")
    slope, intercept = float(coefficients[0]), float(coefficients[1])
    chi2 = float(np.sum(((logs - (intercept + slope * ds)) / sigmas) ** 2))
    dof = len(ds) - 2
    stderr = math.sqrt(covariance[0, 0]) * (math.sqrt(max(1.0, chi2 / dof)) if dof else 1.0)
    lambda_ = Interval(
        estimate=math.exp(-2 * slope),
        low=math.exp(-2 * (slope + z * stderr)),
        high=math.exp(-2 * (slope - z * stderr)),
        confidence=confidence,
    )
    return LambdaFit(
        physical_error_rate=None if physical_error_rate is None else float(physical_error_rate),
        distances=tuple(distances),
        per_round_errors=tuple(eps),
        pairwise=tuple(pairwise),
        lambda_=lambda_,
        intercept=intercept,
        slope=slope,
        slope_stderr=stderr,
        chi2=chi2,
        confidence=confidence,
        boundary_offset=boundary_offset,
    )
