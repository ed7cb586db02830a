"""Figures of logical-error statistics: threshold curves, data collapse, Lambda, error vs rounds.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None, made without
pyplot, so no window opens and nothing global changes) and returns that ``Axes``;
:func:`save_figure` writes it to a file whose pixel size is ``figsize * dpi``.
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from qec.analysis._cycles import DeviceFit
from qec.analysis._extrapolate import ThresholdExtrapolation
from qec.analysis._lambda import LambdaFit, boundary_amplitude, fit_per_round_error
from qec.analysis._points import (
    PointLike,
    Quantity,
    check_quantity,
    logical_error,
    merge_points,
)
from qec.analysis._threshold import ThresholdFit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from qec.datasets import DetectionFractions, QubitRatio

__all__ = [
    "FIGSIZE",
    "new_axes",
    "plot_budget",
    "plot_collapse",
    "plot_detection_fractions",
    "plot_device",
    "plot_distance",
    "plot_lambda",
    "plot_qubit_factors",
    "plot_rounds",
    "plot_threshold",
    "save_figure",
]

FIGSIZE: tuple[float, float] = (6.4, 4.8)
"""Default figure size in inches; at the default 100 dpi a figure is 640 x 480 pixels."""

_QUANTITY_LABEL = {
    "per_round": "logical error per round",
    "per_shot": "logical error per shot",
}


def new_axes(*, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """A fresh figure with one ``Axes``, created without pyplot.

    Examples:
        >>> ax = new_axes()
        >>> [float(x) for x in ax.figure.get_size_inches()]
        [6.4, 4.8]
    """
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def save_figure(figure: Figure | Axes, path: str | pathlib.Path, *, dpi: int = 100
                ) -> pathlib.Path:
    """Writes a figure (or the figure of an ``Axes``) to ``path``, creating parent folders.

    The format follows the suffix (``.png``, ``.pdf``, ``.svg``, ...). The size is not trimmed,
    so a PNG is exactly ``figsize * dpi`` pixels.

    Args:
        figure: a matplotlib ``Figure`` or ``Axes``.
        path: the file to write.
        dpi: dots per inch, positive.

    Returns:
        The path written.

    Raises:
        ValueError: if ``dpi`` is not positive or the suffix is not a format matplotlib writes.

    Examples:
        >>> import tempfile, matplotlib.image
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = save_figure(new_axes(), pathlib.Path(tmp) / "empty.png")
        ...     matplotlib.image.imread(path).shape
        (480, 640, 4)
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi={dpi!r} must be a positive integer")
    fig = getattr(figure, "figure", None) if not hasattr(figure, "savefig") else figure
    if fig is None:
        raise ValueError(f"figure={figure!r} is neither a matplotlib Figure nor an Axes")
    path = pathlib.Path(path)
    suffix = path.suffix.lower().lstrip(".")
    supported = fig.canvas.get_supported_filetypes()
    if suffix not in supported:
        raise ValueError(
            f"path={str(path)!r} must end in one of {', '.join('.' + s for s in sorted(supported))}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


# Mantissas of round tick values, coarse to fine: the first set giving enough ticks is used.
_TICK_MANTISSAS: tuple[tuple[float, ...], ...] = (
    (1.0,),
    (1.0, 3.0),
    (1.0, 2.0, 5.0),
    (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0),
    (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0),
    (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.5, 4.0, 4.5, 5.0,
     5.5, 6.0, 7.0, 8.0, 9.0),
)


def _nice_log_ticks(low: float, high: float, *, least: int = 5, most: int = 9) -> list[float]:
    """Round numbers between ``low`` and ``high`` for a log axis: at least ``least`` if the
    finest set of round numbers has them, thinned to about ``most``.

    Examples:
        >>> _nice_log_ticks(0.004, 0.016)
        [0.004, 0.005, 0.007, 0.01, 0.015]
        >>> _nice_log_ticks(0.001, 0.1)
        [0.001, 0.003, 0.01, 0.03, 0.1]
        >>> _nice_log_ticks(0.08, 0.13)
        [0.08, 0.09, 0.1, 0.11, 0.12, 0.13]
    """
    decades = range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
    ticks: list[float] = []
    for mantissas in _TICK_MANTISSAS:
        ticks = sorted({float(f"{m * 10.0**k:.3g}") for k in decades for m in mantissas
                        if low * 0.999 <= m * 10.0**k <= high * 1.001})
        if len(ticks) >= least:
            break
    if len(ticks) > most:
        step = math.log10(high / low) / most
        thinned = [ticks[0]]
        for value in ticks[1:]:
            if math.log10(value / thinned[-1]) >= step:
                thinned.append(value)
        ticks = thinned
    return ticks


def _set_title(ax: Axes, title: str) -> None:
    """The axes title, wrapped so that a long series label stays inside the figure."""
    import textwrap

    ax.set_title("\n".join(textwrap.wrap(title, width=60)) or title)


def _label_log_axis(axis: object, values: np.ndarray, *, max_decades: float = math.inf) -> None:
    """Round numbers as the labelled ticks of a log axis, five to nine across the data.

    Left to matplotlib (powers of ten) when the data span more than ``max_decades``.
    """
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    positive = values[np.isfinite(values) & (values > 0)]
    if len(positive) and math.log10(positive.max() / positive.min()) > max_decades:
        return
    if len(positive) and positive.max() > positive.min():
        axis.set_major_locator(FixedLocator(_nice_log_ticks(positive.min(), positive.max())))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


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
    all distances fall on that one curve.

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
        estimate = np.array([iv.estimate for iv in intervals])
        errors = np.array([[iv.estimate - iv.low for iv in intervals],
                           [iv.high - iv.estimate for iv in intervals]])
        ax.errorbar(xs, estimate, yerr=errors, marker="o", markersize=4, linestyle="none",
                    capsize=2, label=f"d={distance}")
        all_x.extend(xs)
    grid = np.linspace(min(all_x), max(all_x), 200)
    a, b, c = fit.coefficients
    ax.plot(grid, a + b * grid + c * grid * grid, color="0.2", linewidth=1.5,
            label=(f"fit: p_th={fit.threshold:.3%}, nu={fit.nu:.2f}, "
                   f"chi2/dof={fit.chi2_per_dof:.2f}"))
    ax.axvline(0, color="0.5", linestyle=":", linewidth=1)
    ax.set_xlabel("x = (p - p_th) d^(1/nu)")
    ax.set_ylabel(_QUANTITY_LABEL[fit.quantity])
    if title:
        _set_title(ax, title)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="best", fontsize="small")
    return ax


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


def plot_budget(summary: dict, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """The stacked bar figure of an error budget (``qec budget --json``'s summary).

    One bar per distance, its height the logical error per round, split into the components'
    shares (elasticity over the sum of elasticities); a component's segment is its first-order
    part of the error.

    Args:
        summary: a dict with ``distances`` mapping each distance to ``logical_error_per_round``
            and ``components`` (name to ``contribution``), as ``qec budget`` writes.
        ax: axes to draw on (new ones by default).
        title: the title (default: code, noise and p of the summary).

    Returns:
        The axes.

    Examples:
        >>> ax = plot_budget({"distances": {5: {"logical_error_per_round": 1e-3,
        ...     "components": {"clifford_2q": {"contribution": 0.6},
        ...                    "measure_flip": {"contribution": 0.4}}}}})
        >>> len(ax.patches)
        2
    """
    ax = new_axes() if ax is None else ax
    distances = list(summary["distances"])
    names = list(summary["distances"][distances[0]]["components"])
    from matplotlib import colormaps

    colors = colormaps["tab10"]
    bottoms = np.zeros(len(distances))
    for index, name in enumerate(names):
        heights = np.array([
            summary["distances"][d]["logical_error_per_round"]
            * summary["distances"][d]["components"][name]["contribution"] for d in distances])
        ax.bar([str(d) for d in distances], heights, bottom=bottoms, color=colors(index % 10),
               label=name.replace("_", " "))
        bottoms += heights
    ax.set_xlabel("code distance")
    ax.set_ylabel("logical error per round (first-order shares)")
    ax.legend(fontsize=8)
    default = (f"error budget: {summary.get('code', '')}, {summary.get('noise', '')} "
               f"p={summary.get('p', '')}")
    _set_title(ax, title or default)
    return ax


def _finish(ax: Axes, *, x: str, y: str, title: str | None) -> Axes:
    """Labels, a zero floor, the grid, the legend and the title of a linear-scale figure."""
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="best", fontsize="small")
    if title:
        _set_title(ax, title)
    return ax


def plot_detection_fractions(fractions: DetectionFractions, *, flags: dict | None = None,
                             ax: Axes | None = None, title: str | None = None) -> Axes:
    """Detection-event fraction against round, one line per stabilizer, as in Google's papers.

    Every stabilizer is a thin grey line; those ``flags`` names (:func:`qec.datasets.
    flag_outliers`) are drawn in colour and labelled with their measure qubit; the mean over
    stabilizers is the thick black line; flagged rounds are shaded.

    Args:
        fractions: from :func:`qec.datasets.detection_fractions`.
        flags: from :func:`qec.datasets.flag_outliers`, or None.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Examples:
        >>> import stim
        >>> from qec.datasets import detection_fractions
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=4,
        ...                                  before_round_data_depolarization=0.05)
        >>> dets = circuit.compile_detector_sampler(seed=1).sample(1000, bit_packed=True)
        >>> plot_detection_fractions(detection_fractions(circuit, dets)).get_ylabel()
        'detection-event fraction'
    """
    if ax is None:
        ax = new_axes()
    values = fractions.fractions
    rounds = np.array(fractions.rounds, dtype=float)
    flagged = {tuple(site) for site in (flags or {}).get("flagged_sites", [])}
    for i, site in enumerate(fractions.sites):
        if tuple(site) in flagged:
            continue
        ax.plot(rounds, values[i], color="0.75", linewidth=0.7)
    for i, site in enumerate(fractions.sites):
        if tuple(site) not in flagged:
            continue
        qubit = fractions.site_qubits[i]
        name = f"q{qubit}" if qubit is not None else str(site)
        ax.plot(rounds, values[i], linewidth=1.8, marker="o", markersize=3,
                label=f"flagged: {name} at ({', '.join(f'{c:g}' for c in site)})")
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
    ax.plot(rounds, mean, color="black", linewidth=2.2, label="mean over stabilizers")
    for t in (flags or {}).get("flagged_rounds", []):
        ax.axvspan(t - 0.5, t + 0.5, color="tab:red", alpha=0.15)
    return _finish(ax, x="round", y="detection-event fraction", title=title)


def plot_device(fit: DeviceFit, *, title: str | None = None) -> Figure:
    """The logical fidelity against rounds per distance, and the error per cycle against
    distance with Lambda: the two panels of a memory experiment's summary.

    Args:
        fit: from :func:`qec.analysis.fit_device`.
        title: the figure's title.

    Returns:
        The ``Figure`` (two panels, 1100 x 450 at 100 dpi).

    Examples:
        >>> from qec.analysis import Point, fit_device
        >>> pts = [Point(distance=d, rounds=r, physical_error_rate=None, shots=10**5,
        ...              errors=round(10**5 * (1 - 0.98 * (1 - 2 * e) ** r) / 2))
        ...        for d, e in ((3, 0.01), (5, 0.005)) for r in (5, 15, 25)]
        >>> len(plot_device(fit_device(pts)).axes)
        2
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    for cycle in fit.cycles:
        rounds = np.array([pt.rounds for pt in cycle.points], dtype=float)
        intervals = [logical_error(pt, quantity="per_shot", confidence=fit.confidence)
                     for pt in cycle.points]
        fidelity = np.array([1 - 2 * iv.estimate for iv in intervals])
        low = np.array([1 - 2 * iv.high for iv in intervals])
        high = np.array([1 - 2 * iv.low for iv in intervals])
        label = f"d={cycle.distance}" + (f" {cycle.patch}" if cycle.patch else "")
        container = left.errorbar(rounds, fidelity, yerr=[fidelity - low, high - fidelity],
                                  marker="o", linestyle="none", capsize=2)
        grid = np.linspace(0, rounds.max() * 1.05, 100)
        amplitude = cycle.amplitude if cycle.amplitude is not None else 1.0
        left.plot(grid, amplitude * (1 - 2 * cycle.eps.estimate) ** grid,
                  color=container[0].get_color(),
                  label=f"{label}: eps = {cycle.eps.estimate:.2e} per cycle")
    left.set_yscale("log")
    left.set_xlabel("rounds r")
    left.set_ylabel("logical fidelity 1 - 2 P_L")
    left.set_xlim(left=0)
    left.grid(True, which="both", alpha=0.4)
    left.legend(loc="best", fontsize="small")
    ds = np.array(fit.distances, dtype=float)
    eps = np.array([e.estimate for e in fit.per_distance])
    errors = np.array([[e.estimate - e.low for e in fit.per_distance],
                       [e.high - e.estimate for e in fit.per_distance]])
    right.errorbar(ds, eps, yerr=errors, marker="o", linestyle="none", capsize=3,
                   color="black", label="measured (patches averaged)")
    if fit.lambda_fit is not None:
        lam = fit.lambda_fit
        line = np.linspace(ds.min() - 1, ds.max() + 1, 50)
        right.plot(line, np.exp(lam.intercept + lam.slope * line), color="tab:blue",
                   label=f"Lambda = {lam.lambda_.estimate:.2f} "
                         f"[{lam.lambda_.low:.2f}, {lam.lambda_.high:.2f}]")
    right.set_yscale("log")
    right.set_xlabel("code distance d")
    right.set_ylabel("logical error per cycle")
    right.set_xticks(fit.distances)
    right.grid(True, which="both", alpha=0.4)
    right.legend(loc="best", fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def plot_qubit_factors(ratios: Iterable[QubitRatio], *, factor: float = 2.0,
                       ax: Axes | None = None, title: str | None = None) -> Axes:
    """Each qubit's error-rate factor against the assumed model, with its interval; flagged
    qubits in red, the flagging level (``factor`` times the median) dashed.

    Args:
        ratios: from :func:`qec.datasets.qubit_error_ratios`.
        factor: the flagging factor the ratios were computed with.
        ax: the ``Axes`` to draw on; a new 640 x 480 figure when None.
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Examples:
        >>> from qec.datasets import QubitRatio
        >>> rows = [QubitRatio(qubit=q, ratio=r, low=r - 0.1, high=r + 0.1, relative=r,
        ...                    flagged=r > 2.1) for q, r in enumerate([1.0, 0.9, 3.0])]
        >>> plot_qubit_factors(rows).get_ylabel()
        'error-rate factor against the assumed model'
    """
    rows = sorted(ratios, key=lambda r: r.qubit)
    if ax is None:
        ax = new_axes()
    if not rows:
        return ax
    qubits = np.array([r.qubit for r in rows])
    values = np.array([r.ratio for r in rows])
    errors = np.array([[r.ratio - r.low for r in rows], [r.high - r.ratio for r in rows]])
    colours = ["tab:red" if r.flagged else "tab:blue" for r in rows]
    for i, row in enumerate(rows):
        ax.errorbar([qubits[i]], [values[i]], yerr=errors[:, i:i + 1], marker="o",
                    linestyle="none", capsize=2, color=colours[i])
        if row.flagged:
            ax.annotate(f"q{row.qubit}", (qubits[i], values[i]), textcoords="offset points",
                        xytext=(4, 4), fontsize="small", color="tab:red")
    typical = float(np.median(values)) or 1.0  # what `relative` is measured against
    ax.axhline(typical, color="0.4", linewidth=1, label=f"typical qubit ({typical:.2f})")
    ax.axhline(typical * factor, color="tab:red", linestyle="--", linewidth=1,
               label=f"flagged above {factor:g}x typical")
    return _finish(ax, x="qubit", y="error-rate factor against the assumed model", title=title)
