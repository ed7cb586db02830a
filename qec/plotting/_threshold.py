"""Threshold figures: logical error against physical error rate, one curve per distance, with
a fitted or extrapolated threshold marked (:func:`plot_threshold`), and the data collapse onto
the finite-size scaling fit (:func:`plot_collapse`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from qec.analysis._extrapolate import ThresholdExtrapolation
from qec.analysis._points import (
    PointLike,
    Quantity,
    check_quantity,
    logical_error,
    merge_points,
)
from qec.analysis._threshold import ThresholdFit
from qec.plotting._common import _QUANTITY_LABEL, _label_log_axis, _set_title, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _mark_threshold(ax: Axes, threshold: float | ThresholdFit) -> None:
    if not isinstance(threshold, ThresholdFit):
        value = float(threshold)
        ax.axvline(value, color="0.2", linestyle="--", linewidth=1,
                   label=f"threshold {value:.3%}")
        return
    if threshold.bound is not None:
        relation = ">" if threshold.bound == "lower" else "<"
        ax.axvline(threshold.threshold, color="0.2", linestyle=":", linewidth=1.5,
                   label=f"p_th {relation} {threshold.threshold:.3%} (bound: fit at range edge)")
        return
    low = ("<=" if threshold.open_low else "") + f"{threshold.threshold_low:.3%}"
    high = (">=" if threshold.open_high else "") + f"{threshold.threshold_high:.3%}"
    ax.axvspan(threshold.threshold_low, threshold.threshold_high, color="0.5", alpha=0.2,
               linewidth=0)
    mark = " (see warnings)" if threshold.warnings else ""
    ax.axvline(threshold.threshold, color="0.2", linestyle="--", linewidth=1,
               label=f"threshold {threshold.threshold:.3%} [{low}, {high}]{mark}")


def _mark_extrapolated(ax: Axes, extrapolated: ThresholdExtrapolation) -> None:
    ax.axvspan(extrapolated.low, extrapolated.high, color="tab:red", alpha=0.12, linewidth=0)
    ax.axvline(extrapolated.threshold, color="tab:red", linestyle="-.", linewidth=1,
               label=f"extrapolated {extrapolated.threshold:.3%} [{extrapolated.low:.3%}, "
                     f"{extrapolated.high:.3%}]")


def plot_threshold(
    points: Iterable[PointLike],
    *,
    ax: Axes | None = None,
    quantity: Quantity | None = None,
    confidence: float = 0.95,
    threshold: float | ThresholdFit | None = None,
    extrapolated: ThresholdExtrapolation | None = None,
    title: str | None = None,
) -> Axes:
    """Logical error against physical error rate, log-log, one curve per distance.

    Each curve shows the maximum-likelihood estimates joined by lines, with a band for the
    binomial likelihood-ratio interval (:func:`qec.analysis.binomial_interval`). Points with zero
    errors have no marker; their band reaches the bottom of the axes.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``
            (``qec.sampling.TaskStats``, :class:`qec.analysis.Point`); equal (d, rounds, p) merge.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        quantity: plot the error ``"per_shot"`` or ``"per_round"``; None (default) takes the
            quantity of ``threshold`` when it is a fit, else ``"per_shot"``.
        confidence: the coverage of the bands.
        threshold: a threshold to mark with a vertical line: a number, or a
            :class:`qec.analysis.ThresholdFit` (its reported interval is shaded; a bound is
            drawn dotted and labelled as one).
        extrapolated: a :class:`qec.analysis.ThresholdExtrapolation` to mark beside it.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Raises:
        ValueError: if there are no points, a point has zero shots, or ``threshold`` is a fit
            of another quantity than ``quantity`` (a per-shot threshold does not belong on
            per-round curves: they cross elsewhere when the rounds grow with d).

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=d, physical_error_rate=p, shots=1000, errors=e)
        ...        for d, p, e in [(3, 0.005, 40), (3, 0.01, 150), (5, 0.005, 20), (5, 0.01, 200)]]
        >>> ax = plot_threshold(pts, threshold=0.008)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('physical error rate p', 'logical error per shot')
    """
    fitted = threshold.quantity if isinstance(threshold, ThresholdFit) else None
    if quantity is None:
        quantity = fitted or "per_shot"
    check_quantity(quantity)
    if fitted is not None and fitted != quantity:
        raise ValueError(
            f"threshold is a fit of the error {fitted.replace('_', ' ')} but quantity="
            f"{quantity!r}: refit with quantity={quantity!r}, or plot quantity={fitted!r}")
    merged = merge_points(points)
    if not merged:
        raise ValueError("points is empty: there is nothing to plot")
    if ax is None:
        ax = new_axes()
    ax.set_xscale("log")
    ax.set_yscale("log", nonpositive="clip")
    estimates: list[float] = []
    for distance in sorted({pt.distance for pt in merged}):
        curve = [pt for pt in merged if pt.distance == distance]
        if len({pt.rounds for pt in curve}) > 1:
            # One curve per (distance, rounds) when several round counts were sampled.
            groups = sorted({pt.rounds for pt in curve})
        else:
            groups = [None]
        for rounds in groups:
            sub = [pt for pt in curve if rounds is None or pt.rounds == rounds]
            ps = np.array([pt.physical_error_rate for pt in sub])
            intervals = [logical_error(pt, quantity=quantity, confidence=confidence) for pt in sub]
            estimate = np.array([iv.estimate for iv in intervals])
            estimates.extend(estimate)
            label = f"d={distance}" if rounds is None else f"d={distance}, r={rounds}"
            (line,) = ax.plot(ps, np.where(estimate > 0, estimate, np.nan), marker="o",
                              markersize=4, label=label)
            ax.fill_between(ps, [iv.low for iv in intervals], [iv.high for iv in intervals],
                            color=line.get_color(), alpha=0.2, linewidth=0)
    if threshold is not None:
        _mark_threshold(ax, threshold)
    if extrapolated is not None:
        _mark_extrapolated(ax, extrapolated)
    _label_log_axis(ax.xaxis, np.array([pt.physical_error_rate for pt in merged]))
    _label_log_axis(ax.yaxis, np.array(estimates), max_decades=2.5)
    ax.set_xlabel("physical error rate p")
    ax.set_ylabel(_QUANTITY_LABEL[quantity])
    if title:
        _set_title(ax, title)
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.15)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_collapse(fit: ThresholdFit, *, ax: Axes | None = None, confidence: float = 0.95,
                  title: str | None = None) -> Axes:
    """The data collapse: logical error against ``x = (p - p_th) d^(1/nu)``, with the fitted curve.

    Draws the points a :class:`qec.analysis.ThresholdFit` used, one colour per distance with
    binomial error bars, and its quadratic ``A + B x + C x^2``. When the scaling hypothesis holds,
    all distances fall on that one curve. For a fit with a correction to scaling
    (``fit.correction``), each point is drawn less its distance's fitted correction
    ``d^-omega (D + E x)``, so that the points collapse onto the infinite-distance curve.

    Args:
        fit: the result of :func:`qec.analysis.fit_threshold`.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        confidence: the coverage of the error bars.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Examples:
        >>> from qec.analysis import Point, fit_threshold
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
        ...              errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
        ...        for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
        >>> ax = plot_collapse(fit_threshold(pts, quantity="per_shot", bootstrap=10))
        >>> ax.get_xlabel()
        'x = (p - p_th) d^(1/nu)'
    """
    if ax is None:
        ax = new_axes()
    all_x = []
    for distance in fit.distances:
        curve = [pt for pt in fit.points if pt.distance == distance]
        xs = np.array([fit.scaling_variable(distance=distance,
                                            physical_error_rate=pt.physical_error_rate)
                       for pt in curve])
        intervals = [logical_error(pt, quantity=fit.quantity, confidence=confidence)
                     for pt in curve]
        shift = np.array([fit.correction_term(x, distance=distance) for x in xs])
        estimate = np.array([iv.estimate for iv in intervals]) - shift
        errors = np.array([[iv.estimate - iv.low for iv in intervals],
                           [iv.high - iv.estimate for iv in intervals]])
        ax.errorbar(xs, estimate, yerr=errors, marker="o", markersize=4, linestyle="none",
                    capsize=2, label=f"d={distance}")
        all_x.extend(xs)
    grid = np.linspace(min(all_x), max(all_x), 200)
    a, b, c = fit.coefficients
    ax.plot(grid, a + b * grid + c * grid * grid, color="0.2", linewidth=1.5,
            label=(f"fit: p_th={fit.threshold:.3%}, nu={fit.nu:.2f}, "
                   + (f"omega={fit.omega:.2f} (points less their correction), "
                      if fit.omega is not None else "")
                   + f"chi2/dof={fit.chi2_per_dof:.2f}"))
    ax.axvline(0, color="0.5", linestyle=":", linewidth=1)
    ax.set_xlabel("x = (p - p_th) d^(1/nu)")
    ax.set_ylabel(_QUANTITY_LABEL[fit.quantity])
    if title:
        _set_title(ax, title)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="best", fontsize="small")
    return ax
