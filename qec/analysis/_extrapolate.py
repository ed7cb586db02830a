"""A finite-size-aware threshold: the drift of the crossings with distance, extrapolated."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np
from scipy.special import chdtrc

from qec._validate import int_at_least, number_in
from qec.analysis._crossings import (
    Crossing,
    crossing_covariance,
    crossing_report,
    drift_test,
)
from qec.analysis._points import PointLike, Quantity, check_quantity, merge_points

__all__ = ["ThresholdExtrapolation", "crossing_shift", "extrapolate_threshold"]

DEFAULT_OMEGA_RANGE = (0.5, 3.0)
"""The correction-to-scaling exponents omega considered when the data cannot pin omega down."""
DEFAULT_NU_RANGE = (0.9, 1.8)
"""The critical exponents nu considered when no fit supplies an interval."""
_OMEGA_GRID = 26
_POOR_FIT_LEVEL = 0.01


def crossing_shift(small: float, large: float, *, omega: float, nu: float) -> float:
    """``g = (d1^-omega - d2^-omega) / (d2^(1/nu) - d1^(1/nu))``: how far a pair's crossing sits.

    With the leading correction to scaling, ``P_L = F((p - p_th) d^(1/nu)) + d^(-omega) G(...)``,
    the curves of distances ``d1 < d2`` cross (to first order in the correction) at
    ``p* = p_th + a g(d1, d2)`` with one constant ``a = G(0) / F'(0)`` for every pair.

    Examples:
        >>> round(crossing_shift(3, 5, omega=1.0, nu=1.0), 6)
        0.066667
    """
    return (small**-omega - large**-omega) / (large ** (1 / nu) - small ** (1 / nu))


@dataclasses.dataclass(frozen=True)
class ThresholdExtrapolation:
    """The threshold extrapolated from the drift of the crossings with distance.

    Attributes:
        threshold: the estimate (median of the marginal distribution below).
        low: lower end of its interval.
        high: upper end of its interval.
        confidence: the interval's coverage.
        crossings: the crossings of consecutive distances it was extrapolated from.
        omega_range: the correction exponents marginalised over.
        nu_range: the critical exponents marginalised over.
        chi2: the generalised chi-squared of the best omega (0 with two crossings, which any
            omega fits exactly).
        dof: crossings less two.
        scale_factor: ``sqrt(chi2 / dof)`` when above 1 (the interval was widened by it), else 1.
        correction_spread: half the range of ``p_th`` over the omegas the data allow (all of
            ``omega_range`` with two crossings), at the measured crossings and the middle of
            ``nu_range``: the part of the uncertainty that more shots at these distances do
            not shrink.
        warnings: why the estimate may not be quoted as it stands; empty when nothing is wrong.
    """

    threshold: float
    low: float
    high: float
    confidence: float
    crossings: tuple[Crossing, ...]
    omega_range: tuple[float, float]
    nu_range: tuple[float, float]
    chi2: float
    dof: int
    scale_factor: float = 1.0
    correction_spread: float = 0.0
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("crossings", "omega_range", "nu_range", "warnings"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("threshold", "low", "high"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be finite")
            object.__setattr__(self, name, value)
        if not self.low <= self.threshold <= self.high:
            raise ValueError(f"need low <= threshold <= high, got {self.low!r}, "
                             f"{self.threshold!r}, {self.high!r}")

    def describe(self) -> str:
        """The estimate as a line to quote: ``p_th = 0.1029 [0.1004, 0.1061]``."""
        return f"p_th = {self.threshold:.4g} [{self.low:.4g}, {self.high:.4g}]"


def _check_range(name: str, value: tuple[float, float], low: float, high: float
                 ) -> tuple[float, float]:
    try:
        first, second = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a pair (low, high) of numbers") from None
    if not low <= first <= second <= high:
        raise ValueError(f"{name}={value!r} must satisfy {low} <= low <= high <= {high}")
    return first, second


def _gls(values: np.ndarray, shifts: np.ndarray, weight: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """Generalised least squares of ``values ~ p_th + a shifts``, batched over leading axes.

    ``values``: (..., m); ``shifts``: (..., m); ``weight``: (m, m). Returns (p_th, chi2).
    """
    ones = np.ones_like(shifts)
    design = np.stack([ones, shifts], axis=-1)  # (..., m, 2)
    normal = np.einsum("...mi,mn,...nj->...ij", design, weight, design)
    rhs = np.einsum("...mi,mn,...n->...i", design, weight, values)
    beta = np.linalg.solve(normal, rhs[..., None])[..., 0]
    residual = values - np.einsum("...mi,...i->...m", design, beta)
    chi2 = np.einsum("...m,mn,...n->...", residual, weight, residual)
    return beta[..., 0], np.maximum(chi2, 0.0)


def extrapolate_threshold(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    nu_range: tuple[float, float] = DEFAULT_NU_RANGE,
    omega_range: tuple[float, float] = DEFAULT_OMEGA_RANGE,
    confidence: float = 0.95,
    bootstrap: int = 400,
    seed: int = 0,
) -> ThresholdExtrapolation:
    """The threshold from the crossings' drift with distance, with the correction's uncertainty.

    Method: finite-size scaling with the leading correction to scaling,
    ``P_L = F(x) + d^(-omega) G(x)``, ``x = (p - p_th) d^(1/nu)`` (the irrelevant-exponent term
    of Binder's finite-size scaling, the ``D L^(-1/mu)`` term Wang, Harrington and Preskill
    added to their threshold fits, Ann. Phys. 303, 31 (2003)). To first order in the correction,
    the curves of consecutive distances ``d1 < d2`` cross at
    ``p*(d1, d2) = p_th + a g(d1, d2)`` with ``g`` from :func:`crossing_shift`. Given omega and
    nu, ``p_th`` and ``a`` follow from the crossings by generalised least squares with the
    crossings' joint bootstrap covariance (consecutive crossings share a distance).

    Uncertainty: a parametric bootstrap of the crossings (every point redrawn from its
    binomial, all crossings from the same redraw). Each redraw draws nu uniformly from
    ``nu_range`` (pass the fitted nu's interval) and omega from a grid over ``omega_range``
    with weights ``exp(-chi2(omega) / 2)`` (uniform with two crossings, where every omega fits
    exactly and only the range bounds the correction), and gives one ``p_th``. The interval is
    the percentile interval of these, so it holds the statistical error and the uncertainty
    of the correction's exponent and amplitude. With four or more crossings a poor fit
    (p-value below 1%) widens it by ``sqrt(chi2 / dof)`` and warns.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors`` at three
            or more distances, one series.
        quantity: the logical error ``"per_shot"`` (default) or ``"per_round"``.
        nu_range: the critical exponents to marginalise over, ``0.2 <= low <= high <= 10``.
        omega_range: the correction exponents to marginalise over, ``0.05 <= low <= high <= 10``.
        confidence: the interval's coverage, in (0, 1).
        bootstrap: the number of redraws, at least 50.
        seed: seeds the bootstrap.

    Returns:
        A :class:`ThresholdExtrapolation`.

    Raises:
        ValueError: fewer than three distances, a pair of consecutive distances whose curves
            do not cross in the sampled range, or an invalid parameter.

    Examples:
        >>> from qec.analysis import Point
        >>> def rate(p, d):  # crossings drift towards p_th = 0.1 as d^-(omega + 1/nu)
        ...     return 0.1 + 0.1 * (p / 0.1 - 1) * d ** (1 / 1.5) + 0.03 / d
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**7,
        ...              errors=round(10**7 * rate(p, d)))
        ...        for d in (3, 5, 7, 9) for p in (0.08, 0.09, 0.1, 0.11)]
        >>> result = extrapolate_threshold(pts, nu_range=(1.4, 1.6), bootstrap=100)
        >>> result.low <= 0.1 <= result.high, result.warnings
        (True, ())
    """
    check_quantity(quantity)
    nu_low, nu_high = _check_range("nu_range", nu_range, 0.2, 10)
    omega_low, omega_high = _check_range("omega_range", omega_range, 0.05, 10)
    confidence = number_in("confidence", confidence, 0, 1, low_open=True, high_open=True)
    bootstrap = int_at_least("bootstrap", bootstrap, 50)
    merged = merge_points(points)
    distances = sorted({pt.distance for pt in merged})
    if len(distances) < 3:
        raise ValueError(
            f"an extrapolation needs three or more distances (two crossings), got "
            f"distances={distances}")
    report = crossing_report(merged, quantity=quantity, confidence=confidence,
                             bootstrap=bootstrap, seed=seed)
    if report.missing:
        pairs = ", ".join(f"d={m.distances[0]}/{m.distances[1]}" for m in report.missing)
        raise ValueError(f"cannot extrapolate the crossings: the curves of {pairs} do not cross "
                         "inside the sampled range")
    found = report.crossings
    if len(found) < 2:
        raise ValueError(
            f"an extrapolation needs crossings of two or more pairs of consecutive distances, "
            f"got {len(found)} (each pair needs two or more physical error rates in common)")
    values = np.array([c.physical_error_rate for c in found])
    small = np.array([c.distances[0] for c in found], dtype=np.float64)
    large = np.array([c.distances[1] for c in found], dtype=np.float64)
    weight = np.linalg.pinv(crossing_covariance(report))
    omegas = np.linspace(omega_low, omega_high, _OMEGA_GRID)
    rng = np.random.default_rng([seed, 1])
    nus = rng.uniform(nu_low, nu_high, size=bootstrap)
    # shifts[b, k, i]: g of crossing i for redraw b's nu and grid omega k.
    shifts = crossing_shift(small, large, omega=omegas[None, :, None], nu=nus[:, None, None])
    samples = report.bounded_samples()
    fitted, chi2 = _gls(np.broadcast_to(samples[:, None, :], shifts.shape), shifts, weight)
    dof = len(found) - 2
    if dof > 0:
        relative = np.exp(-(chi2 - chi2.min(axis=1, keepdims=True)) / 2)
    else:
        relative = np.ones_like(chi2)
    probabilities = relative / relative.sum(axis=1, keepdims=True)
    choice = (probabilities.cumsum(axis=1) < rng.uniform(size=(bootstrap, 1))).sum(axis=1)
    choice = np.minimum(choice, _OMEGA_GRID - 1)
    draws = fitted[np.arange(bootstrap), choice]
    warnings = []
    # The data's own chi2 over omega at the middle of the nu range.
    centre_shifts = crossing_shift(small, large, omega=omegas[:, None],
                                   nu=(nu_low + nu_high) / 2)
    centre_fit, centre_chi2 = _gls(np.broadcast_to(values, centre_shifts.shape), centre_shifts,
                                   weight)
    best_chi2 = float(centre_chi2.min())
    # The omegas the data allow: a likelihood-ratio set (all of them with two crossings).
    allowed = centre_chi2 - best_chi2 <= 3.84
    correction_spread = float(np.ptp(centre_fit[allowed])) / 2
    scale = 1.0
    if dof > 0:

        scale = max(1.0, math.sqrt(best_chi2 / dof))
        p_value = float(chdtrc(dof, best_chi2))
        if p_value < _POOR_FIT_LEVEL:
            warnings.append(
                f"the crossings do not follow p_th + a g(d; omega) for any omega in "
                f"[{omega_low:g}, {omega_high:g}]: chi2 = {best_chi2:.3g} over {dof} dof "
                f"(p-value {p_value:.2g}); the interval is widened by {scale:.3g}")
        best_omega = float(omegas[int(np.argmin(centre_chi2))])
        if len(found) >= 3 and best_omega in (omega_low, omega_high):
            warnings.append(
                f"the best-fitting correction exponent omega = {best_omega:g} is at the edge "
                f"of the range considered [{omega_low:g}, {omega_high:g}]; the interval may be "
                "too narrow; widen omega_range")
    drift = drift_test(report)
    if len(found) == 2 and drift is not None and drift.significant:
        warnings.append(
            "the crossings drift significantly and only two of them fix the correction: its "
            "assumed form (one power of d) cannot be checked against the data, and small "
            "distances may not follow it; add a distance to test it")
    tail = (1 - confidence) / 2
    estimate = float(np.median(draws))
    low = estimate - scale * (estimate - float(np.quantile(draws, tail)))
    high = estimate + scale * (float(np.quantile(draws, 1 - tail)) - estimate)
    sampled = sorted({pt.physical_error_rate for pt in merged})
    if low <= 0:
        warnings.append(
            "the extrapolation's interval reaches p = 0: the crossings' drift is too large, or "
            "too uncertain, for the distances sampled to bound the threshold from below")
        low = min(estimate, max(low, 0.0))
    if not sampled[0] <= estimate <= sampled[-1]:
        warnings.append(
            f"the extrapolated threshold {estimate:.4g} lies outside the sampled range "
            f"[{sampled[0]:.4g}, {sampled[-1]:.4g}]: the correction is large at these "
            "distances; sample larger distances")
    return ThresholdExtrapolation(
        threshold=estimate, low=min(low, estimate), high=max(high, estimate),
        confidence=confidence, crossings=found, omega_range=(omega_low, omega_high),
        nu_range=(nu_low, nu_high), chi2=best_chi2, dof=max(dof, 0), scale_factor=scale,
        correction_spread=correction_spread, warnings=tuple(warnings))
