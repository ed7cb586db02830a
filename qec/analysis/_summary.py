"""JSON-ready summaries for the command line (``qec threshold --json``, ``qec fit --json``)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from typing import Any

from qec.analysis._crossings import Crossing, CrossingReport, crossing_report
from qec.analysis._extrapolate import (
    DEFAULT_NU_RANGE,
    ThresholdExtrapolation,
    extrapolate_threshold,
)
from qec.analysis._lambda import LambdaFit
from qec.analysis._points import PointLike, Quantity, merge_points
from qec.analysis._threshold import ThresholdFit, fit_threshold

_POOR_FIT_LEVEL = 0.01
"""A corrected fit whose chi-squared p-value is below this is not quoted."""

__all__ = [
    "ThresholdAssessment",
    "assess_threshold",
    "crossing_dict",
    "extrapolation_dict",
    "lambda_dict",
    "threshold_dict",
    "threshold_summary",
]


def _open(value: float, is_open: bool) -> float | None:
    """A bound of an interval, or None where the interval runs past the sampled range."""
    return None if is_open else value


def crossing_dict(crossing: Crossing) -> dict[str, Any]:
    """A crossing as ``{"distances", "physical_error_rate", "ci"}``.

    An end of ``ci`` is None where the interval runs past the edge of the sampled range.
    """
    return {
        "distances": list(crossing.distances),
        "physical_error_rate": crossing.physical_error_rate,
        "ci": [_open(crossing.low, crossing.open_low), _open(crossing.high, crossing.open_high)],
    }


def threshold_dict(fit: ThresholdFit) -> dict[str, Any]:
    """The fields of a :class:`ThresholdFit` as plain JSON values (no points).

    ``threshold`` and ``threshold_ci`` are None when the fit is only a bound
    (``threshold_lower_bound`` / ``threshold_upper_bound``); an end of ``threshold_ci`` is None
    where the interval runs past the edge of the fitted range. ``correction`` names the model
    fitted (``"none"``, ``"constant"``, ``"linear"``; ``correction_form`` spells it out), with
    ``omega``, ``omega_ci``, ``omega_range`` and ``correction_coefficients`` (None or empty
    without a correction); ``chi2_p_value`` is the fit's goodness of fit, and
    ``threshold_plain``, ``chi2_per_dof_plain``, ``dof_plain`` the plain form's on the same
    points.
    """
    bounded = fit.bound is not None
    corrected = fit.correction != "none"
    return {
        "threshold": None if bounded else fit.threshold,
        "threshold_ci": None if bounded else [_open(fit.threshold_low, fit.open_low),
                                              _open(fit.threshold_high, fit.open_high)],
        "threshold_ci_statistical": None if bounded else [fit.statistical_low,
                                                          fit.statistical_high],
        "threshold_lower_bound": fit.threshold if fit.bound == "lower" else None,
        "threshold_upper_bound": fit.threshold if fit.bound == "upper" else None,
        "scale_factor": fit.scale_factor,
        "nu": fit.nu,
        "nu_ci": [fit.nu_low, fit.nu_high],
        "coefficients": list(fit.coefficients),
        "chi2_per_dof": fit.chi2_per_dof,
        "dof": fit.dof,
        "quantity": fit.quantity,
        "window": fit.window,
        "confidence": fit.confidence,
        "bootstrap": fit.bootstrap,
        "distances_used": list(fit.distances),
        "physical_error_rates_used": list(fit.physical_error_rates),
        "points_used": len(fit.points),
        "points_excluded": fit.excluded,
        "crossings": [crossing_dict(c) for c in fit.crossings],
        "crossings_missing": [m.describe() for m in fit.missing_crossings],
        "drift": None if fit.drift is None else {
            "chi2": fit.drift.chi2, "dof": fit.drift.dof, "p_value": fit.drift.p_value,
            "significant": fit.drift.significant},
        "warnings": list(fit.warnings),
        "correction": fit.correction,
        "correction_form": fit.form if corrected else None,
        "omega": fit.omega,
        "omega_ci": [fit.omega_low, fit.omega_high] if corrected else None,
        "omega_range": list(fit.omega_range) if corrected else None,
        "correction_coefficients": list(fit.correction_coefficients),
        "chi2_p_value": fit.p_value,
        "threshold_plain": fit.plain_threshold,
        "chi2_per_dof_plain": fit.plain_chi2 / fit.plain_dof,
        "dof_plain": fit.plain_dof,
    }


def extrapolation_dict(result: ThresholdExtrapolation) -> dict[str, Any]:
    """The fields of a :class:`ThresholdExtrapolation` as plain JSON values."""
    return {
        "threshold_extrapolated": result.threshold,
        "threshold_extrapolated_ci": [result.low, result.high],
        "extrapolation": {
            "method": "crossing drift p*(d1, d2) = p_th + a g(d1, d2; omega, nu)",
            "omega_range": list(result.omega_range),
            "nu_range": list(result.nu_range),
            "chi2": result.chi2,
            "dof": result.dof,
            "scale_factor": result.scale_factor,
            "warnings": list(result.warnings),
        },
    }
def lambda_dict(fit: LambdaFit) -> dict[str, Any]:
    """The fields of a :class:`LambdaFit` as plain JSON values."""
    return {
        "physical_error_rate": fit.physical_error_rate,
        "confidence": fit.confidence,
        "boundary_offset": fit.boundary_offset,
        "per_round_errors": [
            {"distance": d, "estimate": e.estimate, "ci": [e.low, e.high]}
            for d, e in zip(fit.distances, fit.per_round_errors, strict=True)
        ],
        "pairwise": [
            {"distances": [a, b], "lambda": r.estimate, "ci": [r.low, r.high]}
            for (a, b), r in zip(itertools.pairwise(fit.distances), fit.pairwise, strict=True)
        ],
        "lambda": fit.lambda_.estimate,
        "lambda_ci": [fit.lambda_.low, fit.lambda_.high],
        "slope": fit.slope,
        "intercept": fit.intercept,
    }


@dataclasses.dataclass(frozen=True)
class ThresholdAssessment:
    """A sweep's threshold estimates, which to quote, and why a number may not be trusted.

    Attributes:
        quantity: the logical error fitted, ``"per_shot"`` or ``"per_round"``.
        fit: the finite-size-scaling fit, or None when none could be made.
        fit_error: why there is no fit, or None.
        extrapolated: the drift extrapolation (three or more distances), or None.
        extrapolation_error: why there is no extrapolation with three or more distances.
        report: the crossings of consecutive distances and the pairs that miss.
        quote: ``"corrected"`` (the fit with its correction to scaling), ``"extrapolated"``,
            ``"plain"``, or None when the data give only a bound or nothing.
        warnings: every reason not to trust a number, as plain sentences; empty only when
            nothing is wrong.
    """

    quantity: Quantity
    fit: ThresholdFit | None
    fit_error: str | None
    extrapolated: ThresholdExtrapolation | None
    extrapolation_error: str | None
    report: CrossingReport
    quote: str | None
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of :func:`threshold_summary`."""
        if self.fit is not None:
            result = {**threshold_dict(self.fit), "fit_error": None}
        else:
            result = {
                "threshold": None,
                "threshold_ci": None,
                "threshold_ci_statistical": None,
                "threshold_lower_bound": None,
                "threshold_upper_bound": None,
                "nu": None,
                "nu_ci": None,
                "chi2_per_dof": None,
                "quantity": self.quantity,
                "distances_used": [],
                "physical_error_rates_used": [],
                "crossings": [crossing_dict(c) for c in self.report.crossings],
                "crossings_missing": [m.describe() for m in self.report.missing],
                "fit_error": self.fit_error,
                "correction": None,
                "correction_form": None,
                "omega": None,
                "omega_ci": None,
                "omega_range": None,
                "correction_coefficients": None,
                "chi2_p_value": None,
                "threshold_plain": None,
                "chi2_per_dof_plain": None,
                "dof_plain": None,
            }
            sides = {m.side for m in self.report.missing}
            if not self.report.crossings and sides == {"above"}:
                result["threshold_lower_bound"] = min(m.p_max for m in self.report.missing)
            elif not self.report.crossings and sides == {"below"}:
                result["threshold_upper_bound"] = max(m.p_min for m in self.report.missing)
        result.update({"threshold_extrapolated": None, "threshold_extrapolated_ci": None,
                       "extrapolation": None})
        if self.extrapolated is not None:
            result.update(extrapolation_dict(self.extrapolated))
        result["quote"] = self.quote
        result["warnings"] = list(self.warnings)
        return result


def assess_threshold(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    window: float = 1.0,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    correction: str = "auto",
) -> ThresholdAssessment:
    """Fits the threshold, extrapolates it, and says which to quote; never raises for a fit.

    Runs :func:`qec.analysis.fit_threshold` (with three or more distances it fits the leading
    correction to scaling, ``D d^-omega`` or ``d^-omega (D + E x)``) and, with three or more
    distances,
    :func:`qec.analysis.extrapolate_threshold` (over the fitted nu's interval). The one to
    quote (``quote``):

    - ``"corrected"``: the fit with its correction to scaling, when it was made and fits its
      data (chi-squared p-value at least 1%; or, failing that, when there is no extrapolation
      either, with the fit's warning and widened interval): it models the finite-size drift
      with every point in the window, and its interval holds the correction's uncertainty.
      The extrapolation is then a cross-check: when the two intervals do not overlap, a
      warning says so (the two are never averaged);
    - ``"extrapolated"``: with three or more distances otherwise (the corrected fit fits
      poorly, or too few points to fit a correction): its interval holds the finite-size
      correction, which a plain fit's cannot (a drift too small to be significant can still
      bias the plain fit beyond its interval);
    - ``"plain"``: the fit without correction, with two distances (where a correction cannot be
      told from the threshold; a warning says its finite-size bias is not estimated);
    - None when the fit ran into the edge of the sampled range (the data give a bound) or
      nothing could be fitted.

    Warnings gather the fit's own, the extrapolation's (prefixed ``extrapolation:``), why a
    fit could not be made, and why the estimate quoted was chosen over the other when they
    disagree.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``.
        quantity: fit the logical error ``"per_shot"`` (default) or ``"per_round"``.
        window: the fit's inclusion bound (see :func:`qec.analysis.fit_threshold`).
        confidence: the coverage of the intervals.
        bootstrap: bootstrap redraws behind the intervals (the extrapolation uses at least 200).
        seed: seeds the bootstrap.
        correction: the fit's correction to scaling (see :func:`qec.analysis.fit_threshold`):
            ``"auto"`` (default), ``"none"``, ``"constant"`` or ``"linear"``.

    Returns:
        A :class:`ThresholdAssessment`.

    Raises:
        ValueError: only for invalid points (zero shots, missing attributes) or parameters.

    Examples:
        >>> from qec.analysis import Point
        >>> result = assess_threshold([Point(distance=3, rounds=3, physical_error_rate=0.01,
        ...                                  shots=100, errors=3)])
        >>> result.fit is None, result.quote, result.warnings[0][:45]
        (True, None, 'no threshold: a threshold fit needs points at')
    """
    merged = merge_points(points)
    warnings: list[str] = []
    fit = fit_error = None
    report = crossing_report(merged, quantity=quantity, confidence=confidence,
                             bootstrap=bootstrap, seed=seed)
    try:
        fit = fit_threshold(merged, quantity=quantity, window=window, confidence=confidence,
                            bootstrap=bootstrap, seed=seed, correction=correction)
    except ValueError as exc:
        fit_error = str(exc)
        warnings.append(f"no threshold: {exc}")
        warnings.extend(m.describe() for m in report.missing if m.describe() not in str(exc))
    else:
        warnings.extend(fit.warnings)
    extrapolated = extrapolation_error = None
    if len({pt.distance for pt in merged}) >= 3:
        nu_range = (fit.nu_low, fit.nu_high) if fit is not None else DEFAULT_NU_RANGE
        try:
            extrapolated = extrapolate_threshold(
                merged, quantity=quantity, nu_range=nu_range, confidence=confidence,
                bootstrap=max(bootstrap, 200), seed=seed)
        except ValueError as exc:
            extrapolation_error = str(exc)
            warnings.append(f"no extrapolated threshold: {exc}")
        else:
            warnings.extend(f"extrapolation: {w}" for w in extrapolated.warnings)
    corrected = fit is not None and fit.correction != "none"
    if fit is not None and fit.bound is not None:
        quote = None
    elif corrected and (fit.p_value >= _POOR_FIT_LEVEL or extrapolated is None):
        # The correction to scaling inside the fit: every point of the window constrains it,
        # where the extrapolation sees only the crossings (experiments/threshold_coverage.py
        # measures both).
        quote = "corrected"
        if extrapolated is not None and (extrapolated.high < fit.threshold_low
                                         or extrapolated.low > fit.threshold_high):
            warnings.append(
                f"the corrected fit ({fit.describe()}) and the extrapolated threshold "
                f"({extrapolated.describe()}) disagree: their intervals do not overlap, so "
                "at least one of their models of the finite-size correction is wrong at these "
                "distances; the corrected fit is quoted (it passes its chi-squared test); "
                "add a larger distance to settle it")
    elif extrapolated is not None:
        # With three or more distances the extrapolation's interval holds the finite-size
        # correction, which the plain fit's cannot: quote it even when the drift is not
        # significant, since a drift too small to detect can still bias the plain fit by more
        # than its interval.
        quote = "extrapolated"
        if corrected:
            warnings.append(
                f"the corrected fit fails its chi-squared test (p-value {fit.p_value:.2g}): "
                "the extrapolated threshold, which uses only the crossings, is quoted instead")
    elif fit is not None:
        quote = "plain"
        if len(fit.distances) == 2:
            warnings.append(
                "only two distances: the finite-size bias of the threshold is not estimated "
                "(its interval is statistical only); add a third distance for the "
                "extrapolated estimate")
    else:
        quote = None
    return ThresholdAssessment(
        quantity=quantity, fit=fit, fit_error=fit_error, extrapolated=extrapolated,
        extrapolation_error=extrapolation_error, report=report, quote=quote,
        warnings=tuple(dict.fromkeys(warnings)))


def threshold_summary(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    window: float = 1.0,
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
    correction: str = "auto",
) -> dict[str, Any]:
    """The threshold estimate of a sweep as a JSON-ready dict; never raises for a missing fit.

    :func:`assess_threshold` as a dict: the keys of :func:`threshold_dict` (None where no fit
    was made, ``fit_error`` saying why) and of :func:`extrapolation_dict` (None where not
    made), plus ``quote`` (``"corrected"``, ``"extrapolated"``, ``"plain"`` or None) and
    ``warnings``, plain sentences, empty only when nothing is wrong.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``.
        quantity: fit the logical error ``"per_shot"`` (default) or ``"per_round"``.
        window: the fit's inclusion bound (see :func:`qec.analysis.fit_threshold`).
        confidence: the coverage of the intervals.
        bootstrap: bootstrap redraws behind the intervals.
        seed: seeds the bootstrap.
        correction: the fit's correction to scaling (see :func:`assess_threshold`).

    Returns:
        A JSON-ready dict.

    Raises:
        ValueError: only for invalid points (zero shots, missing attributes) or parameters.

    Examples:
        >>> from qec.analysis import Point
        >>> summary = threshold_summary([Point(distance=3, rounds=3, physical_error_rate=0.01,
        ...                                    shots=100, errors=3)])
        >>> summary["threshold"], summary["fit_error"]
        (None, 'a threshold fit needs points at two or more distances, got distances=[3]')
    """
    return assess_threshold(points, quantity=quantity, window=window, confidence=confidence,
                            bootstrap=bootstrap, seed=seed, correction=correction).as_dict()
