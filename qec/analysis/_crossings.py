"""Pairwise crossing points of the logical-error curves of consecutive distances."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
from scipy.special import chdtrc

from qec.analysis._points import PointLike, Quantity, check_quantity, merge_points

__all__ = [
    "Crossing",
    "CrossingReport",
    "DriftTest",
    "NoCrossing",
    "crossing_covariance",
    "crossing_report",
    "crossings",
    "drift_test",
]


@dataclasses.dataclass(frozen=True)
class Crossing:
    """Where the logical-error curves of two consecutive distances cross.

    Attributes:
        distances: the two distances, smaller first.
        physical_error_rate: the crossing's physical error rate.
        low: lower end of its bootstrap confidence interval.
        high: upper end of its bootstrap confidence interval.
        open_low: the interval runs into the lower edge of the sampled range (in more than its
            tail of the redraws the curves did not cross inside it): the crossing may lie below
            ``low``, which is then that edge.
        open_high: likewise at the upper edge.

    Examples:
        >>> Crossing(distances=(3, 5), physical_error_rate=0.1, low=0.09, high=0.11).distances
        (3, 5)
    """

    distances: tuple[int, int]
    physical_error_rate: float
    low: float
    high: float
    open_low: bool = False
    open_high: bool = False

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

    @property
    def mean_distance(self) -> float:
        """The geometric mean of the two distances, the size a crossing is plotted at."""
        return math.sqrt(self.distances[0] * self.distances[1])


@dataclasses.dataclass(frozen=True)
class NoCrossing:
    """Two consecutive distances whose curves do not cross inside the sampled range.

    Attributes:
        distances: the two distances, smaller first.
        side: ``"above"`` when the larger distance is better at every sampled p (the crossing,
            if any, lies above ``p_max``), ``"below"`` when it is worse everywhere.
        p_min: the smallest physical error rate sampled at both distances.
        p_max: the largest.

    Examples:
        >>> text = NoCrossing(distances=(3, 5), side="above", p_min=0.005, p_max=0.0085).describe()
        >>> text.split(": ")[1]
        'd=5 is below d=3 everywhere, so their crossing lies above p = 0.0085'
    """

    distances: tuple[int, int]
    side: Literal["above", "below"]
    p_min: float
    p_max: float

    def describe(self) -> str:
        """One sentence saying which curves miss and where their crossing must be."""
        small, large = self.distances
        where, edge, order = (("above", self.p_max, "below") if self.side == "above"
                              else ("below", self.p_min, "above"))
        return (f"the d={small} and d={large} curves do not cross for p in "
                f"[{self.p_min:.4g}, {self.p_max:.4g}]: d={large} is {order} d={small} "
                f"everywhere, so their crossing lies {where} p = {edge:.4g}")


@dataclasses.dataclass(frozen=True)
class CrossingReport:
    """Crossings of every consecutive pair of distances, with their joint bootstrap.

    Attributes:
        crossings: the pairs whose curves cross inside the sampled range.
        missing: the pairs whose curves do not.
        samples: the joint bootstrap redraws, shape ``(bootstrap, len(crossings))``, float64:
            row ``b`` holds every crossing of redraw ``b`` (one redraw of all points), so
            crossings that share a distance keep their correlation. A redraw whose curves did
            not cross holds ``0.0`` (below the range) or ``inf`` (above).
    """

    crossings: tuple[Crossing, ...]
    missing: tuple[NoCrossing, ...]
    samples: np.ndarray = dataclasses.field(compare=False, repr=False)

    def bounded_samples(self) -> np.ndarray:
        """:attr:`samples` with every redraw held within ten half-widths of its interval.

        A redraw that did not cross (``0.0`` or ``inf``) then sits at a finite distance beyond
        the edge it passed, so covariances and fits through the redraws stay finite.
        """
        bounded = self.samples.copy()
        for column, crossing in enumerate(self.crossings):
            half = max(crossing.high - crossing.low, 1e-12 * crossing.physical_error_rate) / 2
            bounded[:, column] = np.clip(bounded[:, column], crossing.low - 10 * half,
                                         crossing.high + 10 * half)
        return bounded


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


def _root(log_p: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> float:
    """Root of diff(log p): linear interpolation across its most significant sign change.

    ``sigma`` is the standard error of each ``diff``. Where noise flips the sign of a
    difference that is near zero far from the crossing (a point with few shots, or curves that
    run close together), the sign change between the two points that differ most, in units
    of their standard errors, is the crossing.

    Without a sign change: ``inf`` when the larger distance is below everywhere (diff < 0: the
    crossing lies above the range), ``0.0`` when it is above everywhere.
    """
    positive = diff > 0
    changes = np.flatnonzero(positive[1:] != positive[:-1])
    if len(changes) == 0:
        return 0.0 if positive[0] else math.inf
    jumps = np.abs(diff[changes + 1] - diff[changes]) / np.hypot(sigma[changes],
                                                                 sigma[changes + 1])
    i = int(changes[np.argmax(jumps)])
    x0, x1, y0, y1 = log_p[i], log_p[i + 1], diff[i], diff[i + 1]
    return float(np.exp(x0 + (x1 - x0) * y0 / (y0 - y1)))


def _log_sigma(errors: np.ndarray, shots: np.ndarray) -> np.ndarray:
    """Standard error of ln(rate) of binomial counts (half an error added at zero)."""
    q = (errors + 0.5) / (shots + 1)
    return np.sqrt((1 - q) / (shots * q))


@dataclasses.dataclass(frozen=True)
class _Pair:
    distances: tuple[int, int]
    ps: list[float]
    small: np.ndarray  # (shots, errors, rounds) rows
    large: np.ndarray
    values: tuple[float, float]

    def root(self, quantity: Quantity, errors_small: np.ndarray, errors_large: np.ndarray
             ) -> float:
        log_p = np.log(self.ps)
        shots_s, _, rounds_s = self.small
        shots_l, _, rounds_l = self.large
        diff = (_curve_logs(errors_large, shots_l, rounds_l, quantity, self.values[1])
                - _curve_logs(errors_small, shots_s, rounds_s, quantity, self.values[0]))
        sigma = np.hypot(_log_sigma(errors_large, shots_l), _log_sigma(errors_small, shots_s))
        return _root(log_p, diff, sigma)


def _pairs(points: Iterable[PointLike]) -> list[_Pair]:
    merged = merge_points(points)
    by_distance: dict[int, dict[float, tuple[int, int, int]]] = {}
    observables = {pt.distance: pt.num_observables for pt in merged}
    for pt in merged:
        # Several rounds at one (d, p): keep the one with the most shots.
        curve = by_distance.setdefault(pt.distance, {})
        old = curve.get(pt.physical_error_rate)
        if old is None or old[0] < pt.kept_shots:
            curve[pt.physical_error_rate] = (pt.kept_shots, pt.errors, pt.rounds)
    pairs = []
    for d_small, d_large in itertools.pairwise(sorted(by_distance)):
        ps = sorted(set(by_distance[d_small]) & set(by_distance[d_large]))
        if len(ps) < 2:
            continue
        small = np.array([by_distance[d_small][p] for p in ps], dtype=np.float64).T
        large = np.array([by_distance[d_large][p] for p in ps], dtype=np.float64).T
        pairs.append(_Pair((d_small, d_large), ps, small, large,
                           (observables[d_small], observables[d_large])))
    return pairs


def crossing_report(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
) -> CrossingReport:
    """Crossings of each pair of consecutive distances, the pairs that miss, and the redraws.

    For each pair, on the physical error rates sampled at both distances, the difference
    ``ln P_L(d_large) - ln P_L(d_small)`` changes sign at the crossing. The crossing is the
    linear interpolation (in ``ln p``) across the sign change; where noise makes the sign change
    more than once, across the change between the two points that differ most in units of
    their binomial standard errors.

    Its interval is the percentile interval of a parametric bootstrap: every point's errors
    redrawn from ``Binomial(shots, errors / shots)``, all pairs from the same redraw. A redraw
    whose curves do not cross counts as a crossing beyond the edge on its side, so when more
    than the tail ``(1 - confidence) / 2`` of redraws miss on one side, the interval ends at
    that edge of the sampled range and is marked open there (``open_low`` / ``open_high``):
    the data bound the crossing on that side only by the range sampled.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``; equal
            (distance, rounds, p) are merged.
        quantity: compare the error ``"per_shot"`` (default, see
            :func:`qec.analysis.fit_threshold`) or ``"per_round"``.
        confidence: the coverage of each interval.
        bootstrap: the number of bootstrap redraws (0: the interval is the point itself).
        seed: seeds the bootstrap.

    Returns:
        A :class:`CrossingReport`.

    Raises:
        ValueError: if a point has zero shots, ``quantity`` is unknown or ``confidence`` is not
            in (0, 1).

    Examples:
        >>> from qec.analysis import Point
        >>> data = [(3, 0.08, 500), (3, 0.12, 1200), (5, 0.08, 300), (5, 0.12, 1500),
        ...         (7, 0.08, 200), (7, 0.12, 1400)]
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10_000, errors=e)
        ...        for d, p, e in data]
        >>> report = crossing_report(pts, bootstrap=0)
        >>> [c.distances for c in report.crossings], [m.side for m in report.missing]
        ([(3, 5)], ['above'])
    """
    check_quantity(quantity)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    if bootstrap < 0:
        raise ValueError(f"bootstrap={bootstrap!r} must be non-negative")
    pairs = _pairs(points)
    best = [pair.root(quantity, pair.small[1], pair.large[1]) for pair in pairs]
    crossing_pairs = [i for i, root in enumerate(best) if 0 < root < math.inf]
    missing = tuple(
        NoCrossing(distances=pair.distances, side="above" if root == math.inf else "below",
                   p_min=pair.ps[0], p_max=pair.ps[-1])
        for pair, root in zip(pairs, best, strict=True) if not 0 < root < math.inf
    )
    rng = np.random.default_rng(seed)
    samples = np.empty((bootstrap, len(crossing_pairs)))
    for b in range(bootstrap):
        # Every pair is redrawn in the same order whether it crosses or not, so the stream of
        # random numbers (and so the result) depends only on the data and the seed.
        redraws = [(rng.binomial(pair.small[0].astype(np.int64), pair.small[1] / pair.small[0]),
                    rng.binomial(pair.large[0].astype(np.int64), pair.large[1] / pair.large[0]))
                   for pair in pairs]
        for column, i in enumerate(crossing_pairs):
            samples[b, column] = pairs[i].root(quantity, *redraws[i])
    tail = (1 - confidence) / 2
    found = []
    for column, i in enumerate(crossing_pairs):
        pair, root = pairs[i], best[i]
        low = high = root
        open_low = open_high = False
        if bootstrap:
            # A redraw beyond the upper edge counts as p = 1 (no interpolation with inf).
            column_samples = np.minimum(samples[:, column], 1.0)
            low_q = float(np.quantile(column_samples, tail))
            high_q = float(np.quantile(column_samples, 1 - tail))
            open_low = not low_q > pair.ps[0]
            open_high = not high_q < pair.ps[-1]
            low = min(root, max(low_q, pair.ps[0]))
            high = max(root, min(high_q, pair.ps[-1]))
        found.append(Crossing(distances=pair.distances, physical_error_rate=root, low=low,
                              high=high, open_low=open_low, open_high=open_high))
    return CrossingReport(crossings=tuple(found), missing=missing, samples=samples)


def crossings(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
) -> tuple[Crossing, ...]:
    """The crossing point of the curves of each pair of consecutive distances.

    The crossings of :func:`crossing_report` (which see for the method and the interval);
    pairs whose curves do not cross inside the sampled range are left out here.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``; equal
            (distance, rounds, p) are merged.
        quantity: compare the error ``"per_shot"`` (default) or ``"per_round"``.
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
    return crossing_report(points, quantity=quantity, confidence=confidence,
                           bootstrap=bootstrap, seed=seed).crossings


@dataclasses.dataclass(frozen=True)
class DriftTest:
    """Whether the crossings of successive distance pairs agree within their statistical error.

    Attributes:
        chi2: ``r' S^-1 r`` of the crossings ``c`` against their generalised-least-squares mean,
            with ``S`` their joint bootstrap covariance (crossings that share a distance are
            correlated) and ``r`` the residuals.
        dof: the number of crossings less one.
        p_value: the chi-squared tail probability of ``chi2``.
        significant: ``p_value < level``: the crossings move with distance by more than their
            statistical error, the signature of finite-size corrections.
        level: the test's false-alarm rate.
        direction: ``+1`` when the largest-distance crossing is above the smallest, else ``-1``.
    """

    chi2: float
    dof: int
    p_value: float
    significant: bool
    level: float
    direction: int


def crossing_covariance(report: CrossingReport) -> np.ndarray:
    """The joint bootstrap covariance of the crossings (redraws beyond an edge at the edge).

    Returns an ``(m, m)`` float64 array for ``m`` crossings; a small ridge keeps it invertible.
    """
    samples = report.samples
    m = len(report.crossings)
    if samples.shape[0] < 3 or m == 0:
        return np.eye(m)
    covariance = np.atleast_2d(np.cov(report.bounded_samples(), rowvar=False))
    ridge = 1e-12 * max(float(np.max(np.diag(covariance))), 1e-30)
    return covariance + ridge * np.eye(m)


def drift_test(report: CrossingReport, *, level: float = 0.01) -> DriftTest | None:
    """Tests the crossings of a :class:`CrossingReport` for drift with distance.

    Args:
        report: crossings with their joint bootstrap (``bootstrap`` of 10 or more).
        level: the false-alarm rate of the test (default 1%).

    Returns:
        A :class:`DriftTest`, or None with fewer than two crossings or redraws.

    Examples:
        >>> from qec.analysis import Point
        >>> data = [(3, 0.08, 5000), (3, 0.12, 12000), (5, 0.08, 3000), (5, 0.12, 15000),
        ...         (7, 0.08, 2000), (7, 0.12, 17000)]
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=100_000, errors=e)
        ...        for d, p, e in data]
        >>> test = drift_test(crossing_report(pts, bootstrap=100))
        >>> test.significant, test.direction
        (True, 1)
    """

    m = len(report.crossings)
    if m < 2 or report.samples.shape[0] < 10:
        return None
    values = np.array([c.physical_error_rate for c in report.crossings])
    weight = np.linalg.pinv(crossing_covariance(report))
    ones = np.ones(m)
    mean = float(ones @ weight @ values / (ones @ weight @ ones))
    residual = values - mean
    chi2 = float(residual @ weight @ residual)
    p_value = float(chdtrc(m - 1, chi2))
    direction = 1 if values[-1] >= values[0] else -1
    return DriftTest(chi2=chi2, dof=m - 1, p_value=p_value, significant=p_value < level,
                     level=level, direction=direction)
