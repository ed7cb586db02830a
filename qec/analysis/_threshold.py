"""Threshold by finite-size scaling: P_L = A + B x + C x^2 with x = (p - p_th) d^(1/nu)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np

from qec.analysis._crossings import (
    Crossing,
    CrossingReport,
    DriftTest,
    NoCrossing,
    crossing_report,
    drift_test,
)
from qec.analysis._points import (
    Point,
    PointLike,
    Quantity,
    check_quantity,
    merge_points,
    rates_and_sigmas,
    rates_and_sigmas_of_counts,
)

__all__ = ["ThresholdFit", "fit_threshold"]

_MIN_FIT_POINTS = 6
_MIN_POINTS_PER_DISTANCE = 3
_POOR_FIT_LEVEL = 0.01
"""A fit whose chi-squared tail probability is below this is reported as a poor fit."""
_EDGE = 1e-6


@dataclasses.dataclass(frozen=True)
class ThresholdFit:
    """A finite-size-scaling fit of logical-error data across distances.

    The model is ``P_L = A + B x + C x^2`` with ``x = (p - threshold) d^(1/nu)``, where ``P_L`` is
    the logical error per round or per shot (``quantity``).

    The reported interval ``[threshold_low, threshold_high]`` holds every error the fit knows
    of: the statistical (bootstrap) interval, widened by :attr:`scale_factor` when the scaling
    form fits worse than the statistics allow, and extended to the crossing of the largest
    distances when the crossings drift with distance (:attr:`drift`). What the fit cannot
    vouch for is in :attr:`warnings`, plain sentences, empty only when nothing is wrong.

    Attributes:
        threshold: the fitted threshold p_th; with :attr:`bound` set, only a bound.
        threshold_low: lower end of the reported interval.
        threshold_high: upper end of the reported interval.
        nu: the fitted critical exponent (or the value it was fixed at).
        nu_low: lower end of its interval (equal to ``nu`` when fixed).
        nu_high: upper end of its interval (equal to ``nu`` when fixed).
        coefficients: ``(A, B, C)``.
        chi2: the weighted sum of squared residuals at the best fit.
        dof: degrees of freedom, points used minus parameters fitted.
        quantity: ``"per_round"`` or ``"per_shot"``.
        window: the inclusion rule's bound on ``|p / p_th - 1| d^(1/nu)``.
        confidence: the coverage of the intervals.
        bootstrap: the number of bootstrap redraws behind the intervals.
        points: the (merged) points the fit used, sorted.
        excluded: how many points the window rule left out.
        crossings: the pairwise crossings of consecutive distances, over all points.
        statistical_low: lower end of the bootstrap percentile interval alone.
        statistical_high: upper end of the bootstrap percentile interval alone.
        scale_factor: ``sqrt(chi2 / dof)`` when above 1, else 1: the factor the statistical
            interval (of the threshold and of nu) was widened by, as the Particle Data Group
            scales the errors of inconsistent measurements.
        drift: the test of the crossings for drift with distance (None with fewer than two).
        bound: ``"lower"`` when the fit ran into the upper edge of the sampled range (the data
            say only ``p_th > threshold``), ``"upper"`` at the lower edge, else None.
        open_low: the reported interval runs into the lower edge of the range fitted.
        open_high: the reported interval runs into the upper edge.
        missing_crossings: pairs of consecutive distances whose curves do not cross.
        warnings: why the numbers may not be quoted as they stand; empty when nothing is wrong.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
        ...              errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
        ...        for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
        >>> fit = fit_threshold(pts, quantity="per_shot", bootstrap=20)
        >>> round(fit.threshold, 4), round(fit.nu, 2), fit.distances
        (0.1, 1.5, (3, 5, 7))
    """

    threshold: float
    threshold_low: float
    threshold_high: float
    nu: float
    nu_low: float
    nu_high: float
    coefficients: tuple[float, float, float]
    chi2: float
    dof: int
    quantity: Quantity
    window: float
    confidence: float
    bootstrap: int
    points: tuple[Point, ...]
    excluded: int
    crossings: tuple[Crossing, ...]
    statistical_low: float | None = None
    statistical_high: float | None = None
    scale_factor: float = 1.0
    drift: DriftTest | None = None
    bound: str | None = None
    open_low: bool = False
    open_high: bool = False
    missing_crossings: tuple[NoCrossing, ...] = ()
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_quantity(self.quantity)
        object.__setattr__(self, "coefficients", tuple(float(c) for c in self.coefficients))
        for name in ("points", "crossings", "missing_crossings", "warnings"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.statistical_low is None:
            object.__setattr__(self, "statistical_low", self.threshold_low)
        if self.statistical_high is None:
            object.__setattr__(self, "statistical_high", self.threshold_high)
        if self.bound not in (None, "lower", "upper"):
            raise ValueError(f"bound={self.bound!r} must be None, 'lower' or 'upper'")
        if not self.scale_factor >= 1:
            raise ValueError(f"scale_factor={self.scale_factor!r} must be at least 1")
        for name in ("threshold", "threshold_low", "threshold_high", "nu", "nu_low", "nu_high",
                     "chi2", "window", "confidence", "statistical_low", "statistical_high"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name}={value!r} must be finite")
            object.__setattr__(self, name, value)
        if not self.threshold_low <= self.threshold <= self.threshold_high:
            raise ValueError(
                f"need threshold_low <= threshold <= threshold_high, got {self.threshold_low!r}, "
                f"{self.threshold!r}, {self.threshold_high!r}"
            )
        if not self.nu_low <= self.nu <= self.nu_high:
            raise ValueError(
                f"need nu_low <= nu <= nu_high, got {self.nu_low!r}, {self.nu!r}, {self.nu_high!r}"
            )
        if self.dof < 1:
            raise ValueError(f"dof={self.dof!r} must be at least 1")

    @property
    def chi2_per_dof(self) -> float:
        """The reduced chi-squared, ``chi2 / dof``: about 1 when the model fits the data."""
        return self.chi2 / self.dof

    @property
    def reliable(self) -> bool:
        """True when :attr:`warnings` is empty: the interval can be quoted as it stands."""
        return not self.warnings

    def describe(self) -> str:
        """The threshold as a line to quote: ``p_th = 0.1003 [0.0998, 0.1008]``, or a bound.

        An open side of the interval is written as the edge it reached, with ``>=`` or ``<=``.
        """
        if self.bound is not None:
            relation = ">" if self.bound == "lower" else "<"
            return (f"p_th {relation} {self.threshold:.4g} (a bound: the fit ran into the edge "
                    "of the sampled range)")
        low = ("<= " if self.open_low else "") + f"{self.threshold_low:.4g}"
        high = (">= " if self.open_high else "") + f"{self.threshold_high:.4g}"
        return f"p_th = {self.threshold:.4g} [{low}, {high}]"

    @property
    def distances(self) -> tuple[int, ...]:
        """The distances of the points used, ascending."""
        return tuple(sorted({pt.distance for pt in self.points}))

    @property
    def physical_error_rates(self) -> tuple[float, ...]:
        """The physical error rates of the points used, ascending."""
        return tuple(sorted({pt.physical_error_rate for pt in self.points}))

    def scaling_variable(self, *, distance: float, physical_error_rate: float) -> float:
        """``x = (p - threshold) d^(1/nu)``, the abscissa of the data-collapse plot."""
        return (physical_error_rate - self.threshold) * distance ** (1 / self.nu)

    def model(self, x: float) -> float:
        """The fitted ``A + B x + C x^2``."""
        a, b, c = self.coefficients
        return a + b * x + c * x * x


def _relative_x(params: np.ndarray, ps: np.ndarray, ds: np.ndarray) -> np.ndarray:
    threshold, nu = params[0], params[1]
    return (ps / threshold - 1) * ds ** (1 / nu)


def _select(ps: np.ndarray, ds: np.ndarray, *, threshold: float, nu: float, window: float
            ) -> np.ndarray:
    return np.abs(ps / threshold - 1) * ds ** (1 / nu) <= window


def _initial_abc(ys: np.ndarray, sigmas: np.ndarray, xs: np.ndarray) -> np.ndarray:
    design = np.stack([np.ones_like(xs), xs, xs * xs], axis=1) / sigmas[:, None]
    abc, *_ = np.linalg.lstsq(design, ys / sigmas, rcond=None)
    return abc


class _Model:
    """Weighted least squares of the scaling form in relative units (x / p_th)."""

    def __init__(self, ps: np.ndarray, ds: np.ndarray, fixed_nu: float | None) -> None:
        self.ps, self.ds, self.fixed_nu = ps, ds, fixed_nu

    def full(self, params: np.ndarray) -> np.ndarray:
        if self.fixed_nu is None:
            return params
        return np.concatenate([params[:1], [self.fixed_nu], params[1:]])

    def reduce(self, full: np.ndarray) -> np.ndarray:
        return full if self.fixed_nu is None else np.delete(full, 1)

    def fit(self, ys: np.ndarray, sigmas: np.ndarray, start: np.ndarray
            ) -> tuple[np.ndarray, float]:
        from scipy.optimize import least_squares

        def residuals(params: np.ndarray) -> np.ndarray:
            full = self.full(params)
            x = _relative_x(full, self.ps, self.ds)
            return (full[2] + full[3] * x + full[4] * x * x - ys) / sigmas

        def jacobian(params: np.ndarray) -> np.ndarray:
            threshold, nu, _, b, c = self.full(params)
            scale = self.ds ** (1 / nu)
            x = (self.ps / threshold - 1) * scale
            slope = b + 2 * c * x
            columns = [
                slope * (-self.ps / threshold**2) * scale,
                slope * x * np.log(self.ds) * (-1 / nu**2),
                np.ones_like(x),
                x,
                x * x,
            ]
            full_jac = np.stack(columns, axis=1) / sigmas[:, None]
            return full_jac if self.fixed_nu is None else np.delete(full_jac, 1, axis=1)

        low = [self.ps.min(), 0.2, -np.inf, -np.inf, -np.inf]
        high = [self.ps.max(), 10.0, np.inf, np.inf, np.inf]
        x0 = self.reduce(start.copy())
        x0[0] = np.clip(x0[0], low[0], high[0])
        if self.fixed_nu is None:
            x0[1] = np.clip(x0[1], low[1], high[1])
        bounds = (self.reduce(np.array(low)), self.reduce(np.array(high)))
        result = least_squares(residuals, x0, jac=jacobian, bounds=bounds, x_scale="jac")
        return self.full(result.x), float(np.sum(result.fun**2))


def fit_threshold(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    window: float = 1.0,
    nu: float | None = None,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    max_iterations: int = 10,
) -> ThresholdFit:
    """Fits the threshold by finite-size scaling (Wang, Harrington, Preskill 2003).

    Model: ``P_L = A + B x + C x^2``, ``x = (p - p_th) d^(1/nu)``, fitted by
    ``scipy.optimize.least_squares`` with each point weighted by its binomial standard error
    ``sqrt(q (1 - q) / shots)`` (``q = (errors + 1/2) / (shots + 1)``, carried to the per-round
    error when ``quantity="per_round"``).

    Which error: the default ``"per_shot"`` is the finite-size-scaling quantity when the rounds
    grow with the distance (``rounds = d``: the decoding volume is ``d x d x d``, and at the
    threshold its failure probability is scale invariant). The error per round divides it by a
    distance-dependent number of rounds, a factor the scaling form lacks, which moves the
    crossings of ``rounds = d`` sweeps to higher p at small distances. With a fixed number of
    rounds (code capacity: 1) both give the same crossing.

    Inclusion rule (stated, not by hand): a point is used when
    ``|p / p_th - 1| d^(1/nu) <= window``, i.e. when it lies within ``window`` (relative to
    ``p_th``) of the crossing in the scaled variable. It starts from the mean of the pairwise
    crossings with ``nu = 1`` (or the fixed ``nu``) and is iterated with the fitted values until
    the selection stops changing (at most ``max_iterations`` times).

    Uncertainty: a parametric bootstrap over the binomial data: the errors of every used point
    are redrawn from ``Binomial(shots, errors / shots)`` ``bootstrap`` times (seeded) and refitted
    with the same selection; the statistical intervals are the percentiles at
    ``(1 +- confidence) / 2``. The reported interval adds what the fit knows beyond statistics:

    - a poor fit (chi-squared p-value below 1%) and any ``chi2/dof > 1`` widen the interval (of
      the threshold and of nu) by ``sqrt(chi2/dof)`` (the Particle Data Group's scale factor);
    - crossings that drift with distance (:func:`qec.analysis.drift_test`) extend it to the
      crossing of the largest distances, since the fit is then biased towards the small ones
      (:func:`qec.analysis.extrapolate_threshold` models the drift);
    - a fit that runs into the edge of the range it fitted is a bound (``bound``), and an
      interval that reaches an edge is open there (``open_low`` / ``open_high``).

    Each of these, curves that do not cross, crossing intervals that reach an edge, and too
    few points in the window (fewer than 3 at a distance, or under 3 dof) add a sentence to
    ``warnings``.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``
            (e.g. ``qec.sampling.TaskStats``); equal (distance, rounds, p) are merged. Give one
            decoder, noise model and basis at a time.
        quantity: fit the logical error ``"per_shot"`` (default) or ``"per_round"``.
        window: the inclusion bound on ``|p / p_th - 1| d^(1/nu)``, positive.
        nu: fix the critical exponent instead of fitting it (e.g. 1.46 for code capacity).
        confidence: the coverage of the intervals, in (0, 1).
        bootstrap: the number of bootstrap redraws, at least 10.
        seed: seeds the bootstrap.
        max_iterations: the bound on refits of the selection, positive.

    Returns:
        A :class:`ThresholdFit`.

    Raises:
        ValueError: fewer than two distances, a point with zero shots, curves that never cross,
            fewer than six points (or two distances) within the window of the crossing, or an
            invalid parameter; the message says what is missing.
    """
    check_quantity(quantity)
    if not window > 0:
        raise ValueError(f"window={window!r} must be positive")
    if nu is not None and not 0.2 <= nu <= 10:
        raise ValueError(f"nu={nu!r} must be between 0.2 and 10, or None to fit it")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    if bootstrap < 10:
        raise ValueError(f"bootstrap={bootstrap!r} must be at least 10")
    if max_iterations < 1:
        raise ValueError(f"max_iterations={max_iterations!r} must be positive")
    merged = merge_points(points)
    distances = sorted({pt.distance for pt in merged})
    if len(distances) < 2:
        raise ValueError(
            f"a threshold fit needs points at two or more distances, got distances={distances}"
        )
    sampled_ps = sorted({pt.physical_error_rate for pt in merged})
    if len(sampled_ps) < 2:
        raise ValueError(
            f"a threshold fit needs a sweep over two or more physical error rates, got "
            f"p={sampled_ps}"
        )
    report = crossing_report(merged, quantity=quantity, confidence=confidence,
                             bootstrap=bootstrap, seed=seed)
    found = report.crossings
    if not found:
        reasons = "; ".join(m.describe() for m in report.missing)
        raise ValueError(
            f"the curves of distances {distances} do not cross for p in "
            f"[{sampled_ps[0]:g}, {sampled_ps[-1]:g}]: no points near a crossing to fit "
            f"({reasons}); sample physical error rates on both sides of the threshold"
        )
    ps = np.array([pt.physical_error_rate for pt in merged])
    ds = np.array([pt.distance for pt in merged], dtype=np.float64)
    ys_all, sigmas_all = rates_and_sigmas(merged, quantity=quantity)
    params = np.array(
        [float(np.mean([c.physical_error_rate for c in found])), 1.0 if nu is None else nu,
         0.0, 0.0, 0.0]
    )
    n_params = 5 if nu is None else 4
    selection = np.zeros(len(merged), dtype=bool)
    for _ in range(max_iterations):
        new_selection = _select(ps, ds, threshold=params[0], nu=params[1], window=window)
        if np.array_equal(new_selection, selection):
            break
        selection = new_selection
        used_ds = sorted({int(d) for d in ds[selection]})
        if selection.sum() < max(_MIN_FIT_POINTS, n_params + 1) or len(used_ds) < 2:
            raise ValueError(
                f"only {int(selection.sum())} points at distances {used_ds} lie within "
                f"window={window} of the crossing near p={params[0]:.4g} "
                f"(|p/p_th - 1| d^(1/nu) <= window); a fit needs at least "
                f"{max(_MIN_FIT_POINTS, n_params + 1)} points at two or more distances: "
                "sample more physical error rates near the crossing or widen the window"
            )
        model = _Model(ps[selection], ds[selection], nu)
        xs = _relative_x(params, ps[selection], ds[selection])
        params[2:] = _initial_abc(ys_all[selection], sigmas_all[selection], xs)
        params, chi2 = model.fit(ys_all[selection], sigmas_all[selection], params)
    used = [pt for pt, keep in zip(merged, selection, strict=True) if keep]
    shots = np.array([pt.kept_shots for pt in used], dtype=np.int64)
    rounds = np.array([pt.rounds for pt in used], dtype=np.float64)
    rates = np.array([pt.errors for pt in used], dtype=np.float64) / shots
    values = np.array([pt.num_observables for pt in used], dtype=np.float64)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(bootstrap):
        ys, sigmas = rates_and_sigmas_of_counts(
            errors=rng.binomial(shots, rates).astype(np.float64), shots=shots.astype(np.float64),
            rounds=rounds, quantity=quantity, values=values,
        )
        sample, _ = model.fit(ys, sigmas, params)
        samples.append(sample[:2])
    samples_arr = np.array(samples)
    tail = (1 - confidence) / 2
    lows = np.quantile(samples_arr, tail, axis=0)
    highs = np.quantile(samples_arr, 1 - tail, axis=0)
    threshold, fitted_nu = float(params[0]), float(params[1])
    dof = len(used) - n_params
    assessment = _assess(
        threshold=threshold, statistical=(min(threshold, float(lows[0])),
                                          max(threshold, float(highs[0]))),
        chi2=chi2, dof=dof, report=report, fitted_range=(float(ps[selection].min()),
                                                         float(ps[selection].max())),
        used=used, confidence=confidence,
    )
    nu_low, nu_high = fitted_nu, fitted_nu
    if nu is None:
        scale = assessment["scale_factor"]
        nu_low = fitted_nu - scale * (fitted_nu - min(fitted_nu, float(lows[1])))
        nu_high = fitted_nu + scale * (max(fitted_nu, float(highs[1])) - fitted_nu)
    a, b_rel, c_rel = (float(v) for v in params[2:])
    return ThresholdFit(
        threshold=threshold,
        nu=fitted_nu,
        nu_low=nu_low,
        nu_high=nu_high,
        coefficients=(a, b_rel / threshold, c_rel / threshold**2),
        chi2=chi2,
        dof=dof,
        quantity=quantity,
        window=window,
        confidence=confidence,
        bootstrap=bootstrap,
        points=tuple(used),
        excluded=len(merged) - len(used),
        crossings=found,
        missing_crossings=report.missing,
        **assessment,
    )


def _assess(*, threshold: float, statistical: tuple[float, float], chi2: float, dof: int,
            report: CrossingReport, fitted_range: tuple[float, float], used: list[Point],
            confidence: float) -> dict:
    """The reported interval and the warnings of a fit: widening, drift, edges, thin data."""
    from scipy.stats import chi2 as chi2_distribution

    warnings = [m.describe() for m in report.missing]
    for c in report.crossings:
        for is_open, edge, side in ((c.open_low, c.low, "lower"), (c.open_high, c.high, "upper")):
            if is_open:
                warnings.append(
                    f"the interval of the d={c.distances[0]}/d={c.distances[1]} crossing reaches "
                    f"the {side} edge of the sampled range (p = {edge:.4g}): the crossing may lie "
                    f"{'below' if side == 'lower' else 'above'} it; sample p beyond it")
    stat_low, stat_high = statistical
    scale = max(1.0, math.sqrt(chi2 / dof))
    p_value = float(chi2_distribution.sf(chi2, dof))
    low = threshold - scale * (threshold - stat_low)
    high = threshold + scale * (stat_high - threshold)
    if p_value < _POOR_FIT_LEVEL:
        warnings.append(
            f"the scaling form fits poorly: chi2/dof = {chi2 / dof:.3g} over {dof} dof "
            f"(p-value {p_value:.2g}); the interval is widened by sqrt(chi2/dof) = {scale:.3g}, "
            "which assumes the misfit is random scatter; narrow the window or fix nu to check")
    drift = drift_test(report)
    if drift is not None and drift.significant:
        last = report.crossings[-1]
        listed = ", ".join(f"d={c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.4g}"
                           for c in report.crossings)
        low, high = min(low, last.low), max(high, last.high)
        warnings.append(
            f"the crossings drift with distance by more than their statistical error ({listed}; "
            f"chi2 = {drift.chi2:.3g} over {drift.dof} dof, p-value {drift.p_value:.2g}): "
            "finite-size corrections bias the fit towards the small distances; its interval is "
            f"extended to the d={last.distances[0]}/{last.distances[1]} crossing, and the "
            "extrapolated estimate (which models the drift) is the one to quote")
    p_low, p_high = fitted_range
    bound = None
    if threshold >= p_high * (1 - _EDGE):
        bound = "lower"
        warnings.append(
            f"the fit ran into the upper edge of the range it fitted: p_th > {p_high:.4g} is a "
            "bound, not an estimate; sample higher physical error rates")
    elif threshold <= p_low * (1 + _EDGE):
        bound = "upper"
        warnings.append(
            f"the fit ran into the lower edge of the range it fitted: p_th < {p_low:.4g} is a "
            "bound, not an estimate; sample lower physical error rates")
    open_low = low <= p_low * (1 + _EDGE)
    open_high = high >= p_high * (1 - _EDGE)
    low, high = max(low, p_low), min(high, p_high)
    if bound is None:
        for is_open, edge, side in ((open_low, p_low, "lower"), (open_high, p_high, "upper")):
            if is_open:
                warnings.append(
                    f"the threshold's interval reaches the {side} edge of the fitted range "
                    f"(p = {edge:.4g}): p_th may lie {'below' if side == 'lower' else 'above'} "
                    "it; sample p beyond it")
    counts = {}
    for pt in used:
        counts[pt.distance] = counts.get(pt.distance, 0) + 1
    thin = sorted(d for d, n in counts.items() if n < _MIN_POINTS_PER_DISTANCE)
    if thin or dof < 3:
        described = ", ".join(f"d={d}: {counts[d]}" for d in thin)
        warnings.append(
            f"few points inside the window ({len(used)} points, {dof} dof"
            + (f"; {described}" if thin else "")
            + "): the fit cannot check its own form; sample more p near the crossing")
    return {
        "threshold_low": min(low, threshold),
        "threshold_high": max(high, threshold),
        "statistical_low": stat_low,
        "statistical_high": stat_high,
        "scale_factor": scale,
        "drift": drift,
        "bound": bound,
        "open_low": open_low,
        "open_high": open_high,
        "warnings": tuple(warnings),
    }
