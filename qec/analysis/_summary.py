"""JSON-ready summaries for the command line (``qec threshold --json``, ``qec fit --json``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from qec.analysis._crossings import Crossing, crossings
from qec.analysis._lambda import LambdaFit
from qec.analysis._points import PointLike, Quantity, merge_points
from qec.analysis._threshold import ThresholdFit, fit_threshold

__all__ = ["crossing_dict", "lambda_dict", "threshold_dict", "threshold_summary"]


def crossing_dict(crossing: Crossing) -> dict[str, Any]:
    """A crossing as ``{"distances", "physical_error_rate", "ci"}``."""
    return {
        "distances": list(crossing.distances),
        "physical_error_rate": crossing.physical_error_rate,
        "ci": [crossing.low, crossing.high],
    }


def threshold_dict(fit: ThresholdFit) -> dict[str, Any]:
    """The fields of a :class:`ThresholdFit` as plain JSON values (no points)."""
    return {
        "threshold": fit.threshold,
        "threshold_ci": [fit.threshold_low, fit.threshold_high],
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


def threshold_summary(
    points: Iterable[PointLike],
    *,
    quantity: Quantity = "per_shot",
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """The threshold estimate of a sweep as a JSON-ready dict; never raises for a missing fit.

    Runs :func:`qec.analysis.fit_threshold` (default window) and returns
    :func:`threshold_dict` of it plus ``"fit_error": None``. When the data cannot be fitted
    (one distance, no crossing, too few points near it), the threshold fields are None,
    ``"fit_error"`` holds the reason, and ``"crossings"`` still lists any pairwise crossings, so
    a long sweep always ends with a summary.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``.
        quantity: fit the logical error ``"per_shot"`` (default) or ``"per_round"``.
        confidence: the coverage of the intervals.
        bootstrap: bootstrap redraws behind the intervals.
        seed: seeds the bootstrap.

    Returns:
        A dict with keys ``threshold``, ``threshold_ci`` ([low, high]), ``nu``, ``nu_ci``,
        ``chi2_per_dof``, ``distances_used``, ``physical_error_rates_used``, ``crossings``
        (list of ``{"distances", "physical_error_rate", "ci"}``), ``fit_error`` and more.

    Raises:
        ValueError: only for invalid points (zero shots, missing attributes) or parameters.

    Examples:
        >>> from qec.analysis import Point
        >>> summary = threshold_summary([Point(distance=3, rounds=3, physical_error_rate=0.01,
        ...                                    shots=100, errors=3)])
        >>> summary["threshold"], summary["fit_error"]
        (None, 'a threshold fit needs points at two or more distances, got distances=[3]')
    """
    merged = merge_points(points)
    try:
        fit = fit_threshold(merged, quantity=quantity, confidence=confidence,
                            bootstrap=bootstrap, seed=seed)
    except ValueError as exc:
        found = crossings(merged, quantity=quantity, confidence=confidence, seed=seed)
        return {
            "threshold": None,
            "threshold_ci": None,
            "nu": None,
            "nu_ci": None,
            "chi2_per_dof": None,
            "quantity": quantity,
            "distances_used": [],
            "physical_error_rates_used": [],
            "crossings": [crossing_dict(c) for c in found],
            "fit_error": str(exc),
        }
    return {**threshold_dict(fit), "fit_error": None}
