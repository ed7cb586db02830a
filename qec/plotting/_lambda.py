"""Below-threshold figures: logical error per round against distance with the fitted Lambda
line (:func:`plot_lambda`), several series of one experiment against distance side by side
(:func:`plot_distance`), and logical error per shot against rounds with the fitted per-round
error (:func:`plot_rounds`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from qec.analysis._lambda import LambdaFit, boundary_amplitude, fit_per_round_error
from qec.analysis._points import (
    PointLike,
    Quantity,
    check_quantity,
    logical_error,
    merge_points,
)
from qec.plotting._common import _QUANTITY_LABEL, _set_title, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_lambda(fit: LambdaFit, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Logical error per round against distance, log scale, with the fitted straight line.

    Args:
        fit: the result of :func:`qec.analysis.fit_lambda`.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Examples:
        >>> from qec.analysis import Point, fit_lambda, shot_error
        >>> pts = [Point(distance=d, rounds=d, physical_error_rate=0.001, shots=10**6,
        ...              errors=round(10**6 * shot_error(0.01 / 2 ** ((d - 3) / 2), rounds=d)))
        ...        for d in (3, 5, 7)]
        >>> plot_lambda(fit_lambda(pts)).get_yscale()
        'log'
    """
    if ax is None:
        ax = new_axes()
    ds = np.array(fit.distances, dtype=np.float64)
    estimate = np.array([e.estimate for e in fit.per_round_errors])
    errors = np.array([[e.estimate - e.low for e in fit.per_round_errors],
                       [e.high - e.estimate for e in fit.per_round_errors]])
    ax.set_yscale("log")
    ax.errorbar(ds, estimate, yerr=errors, marker="o", linestyle="none", capsize=3,
                label=f"measured, p={fit.physical_error_rate:g}")
    grid = np.linspace(ds.min() - 1, ds.max() + 1, 50)
    lam = fit.lambda_
    ax.plot(grid, np.exp(fit.intercept + fit.slope * grid), color="0.2", linestyle="--",
            label=f"fit: Lambda={lam.estimate:.2f} [{lam.low:.2f}, {lam.high:.2f}]")
    ax.set_xticks(fit.distances)
    ax.set_xlabel("code distance d")
    ax.set_ylabel("logical error per round")
    if title:
        _set_title(ax, title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_distance(series: dict[str, Iterable[PointLike]], *, ax: Axes | None = None,
                  quantity: Quantity = "per_round", confidence: float = 0.95,
                  title: str | None = None) -> Axes:
    """Logical error against distance for several series of one experiment, side by side.

    Made for direct samples next to rare-event estimates of the same memory experiment:
    each series keeps its own points and its own intervals (an estimated point's interval is
    its estimator's), drawn with its own marker; nothing is merged across series. One line
    per series and physical error rate.

    Args:
        series: label to points (``TaskStats`` or :class:`qec.analysis.Point`); an estimated
            point carries its own interval.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        quantity: ``"per_round"`` or ``"per_shot"``.
        confidence: the intervals' coverage for binomial points.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Examples:
        >>> from qec.analysis import Point
        >>> from qec.data import Interval
        >>> direct = [Point(distance=d, rounds=d, physical_error_rate=0.001, shots=10**6,
        ...                 errors=e) for d, e in ((3, 3000), (5, 400))]
        >>> estimated = [Point(distance=11, rounds=11, physical_error_rate=0.001, shots=1,
        ...     errors=0, interval=Interval(estimate=4e-6, low=3e-6, high=5e-6,
        ...                                 confidence=0.95))]
        >>> ax = plot_distance({"direct": direct, "splitting": estimated})
        >>> ax.get_yscale(), len(ax.get_legend().get_texts())
        ('log', 2)
    """
    check_quantity(quantity)
    if ax is None:
        ax = new_axes()
    markers = "osD^v<>"
    ax.set_yscale("log")
    ticks: set[int] = set()
    for index, (label, items) in enumerate(series.items()):
        points = merge_points(items)
        for p in sorted({pt.physical_error_rate for pt in points}):
            chosen = sorted((pt for pt in points if pt.physical_error_rate == p),
                            key=lambda pt: pt.distance)
            intervals = [logical_error(pt, quantity=quantity, confidence=confidence)
                         for pt in chosen]
            ds = [pt.distance for pt in chosen]
            ticks.update(ds)
            mid = np.array([i.estimate for i in intervals])
            yerr = np.array([[i.estimate - i.low for i in intervals],
                             [i.high - i.estimate for i in intervals]])
            many_p = len({pt.physical_error_rate for pt in points}) > 1
            ax.errorbar(ds, mid, yerr=yerr, marker=markers[index % len(markers)],
                        linestyle="-", capsize=3,
                        markerfacecolor="none" if index else None,
                        label=f"{label}, p={p:g}" if many_p else label)
    ax.set_xticks(sorted(ticks))
    ax.set_xlabel("code distance d")
    ax.set_ylabel(_QUANTITY_LABEL[quantity])
    if title:
        _set_title(ax, title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_rounds(points: Iterable[PointLike], *, ax: Axes | None = None, confidence: float = 0.95,
                boundary_offset: bool = False, title: str | None = None) -> Axes:
    """Logical error per shot against the number of rounds, one curve per (distance, p).

    Each curve shows the measured shot errors with binomial intervals and the fitted
    ``P_L(r) = (1 - (1 - 2 eps)^r) / 2`` (:func:`qec.analysis.fit_per_round_error`), or with
    ``boundary_offset`` the fitted ``P_L(r) = (1 - A (1 - 2 eps)^r) / 2``.

    Args:
        points: objects with ``distance, rounds, physical_error_rate, shots, errors``.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        confidence: the coverage of the error bars.
        boundary_offset: fit and draw the boundary amplitude ``A`` too (two or more round
            counts per curve).
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Raises:
        ValueError: if there are no points, a point has no kept shots, or
            ``boundary_offset`` is asked for a curve with one round count.

    Examples:
        >>> from qec.analysis import Point, shot_error
        >>> pts = [Point(distance=3, rounds=r, physical_error_rate=0.001, shots=10_000,
        ...              errors=round(10_000 * shot_error(0.01, rounds=r))) for r in (3, 9, 27)]
        >>> plot_rounds(pts).get_xlabel()
        'rounds r'
    """
    merged = merge_points(points)
    if not merged:
        raise ValueError("points is empty: there is nothing to plot")
    if ax is None:
        ax = new_axes()
    keys = sorted({(pt.distance, pt.physical_error_rate) for pt in merged})
    for distance, p in keys:
        curve = [pt for pt in merged if (pt.distance, pt.physical_error_rate) == (distance, p)]
        rounds = np.array([pt.rounds for pt in curve])
        intervals = [logical_error(pt, quantity="per_shot", confidence=confidence)
                     for pt in curve]
        estimate = np.array([iv.estimate for iv in intervals])
        errors = np.array([[iv.estimate - iv.low for iv in intervals],
                           [iv.high - iv.estimate for iv in intervals]])
        label = f"d={distance}" if len({k[1] for k in keys}) == 1 else f"d={distance}, p={p:g}"
        container = ax.errorbar(rounds, estimate, yerr=errors, marker="o", linestyle="none",
                                capsize=2)
        eps = fit_per_round_error(curve, confidence=confidence, boundary_offset=boundary_offset)
        grid = np.linspace(0, rounds.max() * 1.05, 100)
        amplitude = boundary_amplitude(eps.estimate, curve) if boundary_offset else 1.0
        ax.plot(grid, (1 - amplitude * (1 - 2 * eps.estimate) ** grid) / 2,
                color=container[0].get_color(),
                label=f"{label}: {eps.estimate:.2e} per round"
                      + (f", A={amplitude:.4f}" if boundary_offset else ""))
    ax.set_xlabel("rounds r")
    ax.set_ylabel("logical error per shot")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    if title:
        _set_title(ax, title)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="best", fontsize="small")
    return ax
