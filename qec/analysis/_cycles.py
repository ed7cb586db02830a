"""The logical error per cycle of a device, from memory experiments at several round counts.

The method of Google's memory papers ("Suppressing quantum errors by scaling a surface code
logical qubit", Nature 614, 676 (2023); "Quantum error correction below the surface code
threshold", Nature 638, 920 (2025)): the logical fidelity ``F(r) = 1 - 2 P_L(r)`` decays as
``A (1 - 2 eps)^r`` (equivalently ``(1 - 2 eps)^(r - r0)``), the amplitude ``A`` taking up
the preparation and the final readout, so that ``eps`` is the error of one bulk cycle. Each
(distance, patch) is fitted by binomial maximum likelihood with a likelihood-ratio interval
(:func:`qec.analysis.fit_per_round_error` with ``boundary_offset``); the patches of one
distance are averaged, as the papers average them, and Lambda is the slope of ``ln eps``
against distance (:func:`qec.analysis.lambda_from_errors`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy.special import chdtrc, ndtri

from qec.analysis._lambda import (
    LambdaFit,
    boundary_amplitude,
    fit_per_round_error,
    lambda_from_errors,
)
from qec.analysis._points import Point, merge_points
from qec.data._interval import Interval

__all__ = ["CycleFit", "DeviceFit", "fit_device"]


@dataclasses.dataclass(frozen=True)
class CycleFit:
    """The error per cycle of one distance on one patch of a device.

    Attributes:
        distance: the code distance.
        patch: where on the device (None when the data do not say).
        eps: the logical error per cycle, with its interval.
        amplitude: the fitted ``A`` of ``F(r) = A (1 - 2 eps)^r`` (None with one round count:
            then ``A = 1`` and ``eps`` includes the boundary's share).
        rounds: the round counts fitted.
        points: the merged points (rounds, shots, errors) fitted.
        p_value: of the exponential model against the points (deviance, chi-square with
            ``rounds - 2`` degrees of freedom; None with two or fewer round counts).
    """

    distance: int
    patch: str | None
    eps: Interval
    amplitude: float | None
    rounds: tuple[int, ...]
    points: tuple[Point, ...]
    p_value: float | None


@dataclasses.dataclass(frozen=True)
class DeviceFit:
    """Errors per cycle of every distance and patch, their averages and Lambda.

    Attributes:
        cycles: one :class:`CycleFit` per (distance, patch).
        distances: the distances, ascending.
        per_distance: each distance's error per cycle, averaged over its patches.
        lambda_fit: Lambda from the averaged errors (None with one distance).
        warnings: what makes a number here less than quotable.
        confidence: the intervals' coverage.
    """

    cycles: tuple[CycleFit, ...]
    distances: tuple[int, ...]
    per_distance: tuple[Interval, ...]
    lambda_fit: LambdaFit | None
    warnings: tuple[str, ...]
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        lam = self.lambda_fit
        return {
            "cycles": [{"distance": c.distance, "patch": c.patch, "eps": c.eps.estimate,
                        "eps_ci": [c.eps.low, c.eps.high], "amplitude": c.amplitude,
                        "rounds": list(c.rounds), "p_value": c.p_value}
                       for c in self.cycles],
            "per_distance": [{"distance": d, "eps": e.estimate, "eps_ci": [e.low, e.high]}
                             for d, e in zip(self.distances, self.per_distance, strict=True)],
            "lambda": None if lam is None else lam.lambda_.estimate,
            "lambda_ci": None if lam is None else [lam.lambda_.low, lam.lambda_.high],
            "pairwise": [] if lam is None else [
                {"distances": [a, b], "lambda": r.estimate, "ci": [r.low, r.high]}
                for (a, b), r in zip(zip(lam.distances, lam.distances[1:], strict=False),
                                     lam.pairwise, strict=True)],
            "warnings": list(self.warnings),
            "confidence": self.confidence,
        }


def _deviance_p_value(points: list[Point], eps: float, amplitude: float) -> float | None:

    dof = len(points) - 2
    if dof < 1:
        return None
    deviance = 0.0
    for pt in points:
        expected = min(max((1 - amplitude * (1 - 2 * eps) ** pt.rounds) / 2, 1e-300), 1 - 1e-16)
        n, e = pt.kept_shots, pt.errors
        if e:
            deviance += 2 * e * math.log(e / (n * expected))
        if n - e:
            deviance += 2 * (n - e) * math.log((n - e) / (n * (1 - expected)))
    return float(chdtrc(dof, max(deviance, 0.0)))


def _average(intervals: list[Interval], *, confidence: float) -> Interval:
    """The mean of several patches' errors per cycle, with the larger of the propagated and
    the between-patch standard error."""

    if len(intervals) == 1:
        return intervals[0]
    z = float(ndtri(0.5 + confidence / 2))
    values = np.array([iv.estimate for iv in intervals])
    sigmas = np.array([(iv.high - iv.low) / (2 * z) for iv in intervals])
    mean = float(values.mean())
    propagated = math.sqrt(float(np.sum(sigmas ** 2))) / len(values)
    between = float(values.std(ddof=1)) / math.sqrt(len(values))
    half = z * max(propagated, between)
    return Interval(estimate=mean, low=max(mean - half, mean * 1e-3), high=mean + half,
                    confidence=confidence)


def fit_device(points: Iterable[Any], *, confidence: float = 0.95, min_rounds: int = 1,
               patch_key: str = "patch") -> DeviceFit:
    """Fits the error per cycle of every distance (and patch), and Lambda between distances.

    Args:
        points: statistics of one series (one basis, decoder and error model): objects with
            ``distance``, ``rounds``, ``shots``, ``errors`` (and optionally ``discards`` and
            ``json_metadata`` holding ``patch_key``).
        confidence: the intervals' coverage.
        min_rounds: leave out points with fewer rounds (the first cycles' transient).
        patch_key: the metadata key naming the patch.

    Returns:
        A :class:`DeviceFit`.

    Raises:
        ValueError: no point with at least ``min_rounds`` rounds and shots.

    Examples:
        >>> pts = [Point(distance=d, rounds=r, physical_error_rate=None, shots=10**6,
        ...              errors=round(10**6 * (1 - 0.98 * (1 - 2 * e) ** r) / 2))
        ...        for d, e in ((3, 0.01), (5, 0.005)) for r in (5, 15, 25)]
        >>> fit = fit_device(pts)
        >>> [round(c.eps.estimate, 4) for c in fit.cycles]
        [0.01, 0.005]
        >>> round(fit.lambda_fit.lambda_.estimate, 2)
        2.0
    """
    groups: dict[tuple[int, str | None], list[Point]] = {}
    for item in points:
        if item.rounds is None or item.distance is None or item.rounds < min_rounds:
            continue
        metadata = getattr(item, "json_metadata", {}) or {}
        patch = metadata.get(patch_key)
        point = Point(distance=item.distance, rounds=item.rounds, physical_error_rate=None,
                      shots=item.shots, errors=item.errors,
                      discards=int(getattr(item, "discards", 0) or 0),
                      num_observables=int(getattr(item, "num_observables", 1) or 1))
        if point.kept_shots:
            groups.setdefault((point.distance, patch), []).append(point)
    if not groups:
        raise ValueError(f"no point with rounds >= {min_rounds} and kept shots to fit")
    warnings = []
    cycles = []
    for (distance, patch), group in sorted(groups.items(), key=lambda kv: (kv[0][0],
                                                                           str(kv[0][1]))):
        merged = merge_points(group)
        rounds = tuple(sorted({pt.rounds for pt in merged}))
        where = f"d={distance}" + (f" ({patch})" if patch else "")
        if all(pt.errors == 0 for pt in merged):
            warnings.append(f"{where}: no logical errors; its error per cycle is not estimated")
            continue
        offset = len(rounds) >= 2
        eps = fit_per_round_error(merged, confidence=confidence, boundary_offset=offset)
        amplitude = boundary_amplitude(eps.estimate, merged) if offset else None
        p_value = _deviance_p_value(merged, eps.estimate, amplitude if offset else 1.0)
        if not offset:
            warnings.append(f"{where}: one round count ({rounds[0]}): eps includes the "
                            "preparation and readout (no boundary amplitude fitted)")
        elif p_value is not None and p_value < 0.01:
            warnings.append(f"{where}: the exponential decay fits poorly (p-value {p_value:.1e});"
                            " the error per cycle drifts with the round count (try min_rounds)")
        cycles.append(CycleFit(distance=distance, patch=patch, eps=eps, amplitude=amplitude,
                               rounds=rounds, points=tuple(merged), p_value=p_value))
    distances = tuple(sorted({c.distance for c in cycles}))
    per_distance = tuple(_average([c.eps for c in cycles if c.distance == d],
                                  confidence=confidence) for d in distances)
    lambda_fit = None
    if len(distances) >= 2:
        lambda_fit = lambda_from_errors(distances, per_distance, confidence=confidence,
                                        boundary_offset=True)
        dof = len(distances) - 2
        if dof and lambda_fit.chi2 / dof > 3:
            warnings.append(f"ln eps is not a line in d (chi2/dof = {lambda_fit.chi2 / dof:.1f});"
                            " Lambda's interval is widened by sqrt(chi2/dof)")
        if lambda_fit.lambda_.low <= 1:
            warnings.append("Lambda's interval reaches 1: errors are not shown to fall with "
                            "distance")
    else:
        warnings.append(f"one distance ({list(distances)}): no Lambda")
    return DeviceFit(cycles=tuple(cycles), distances=distances, per_distance=per_distance,
                     lambda_fit=lambda_fit, warnings=tuple(warnings), confidence=confidence)
