"""Figures of logical-error statistics: threshold curves, data collapse, Lambda, error vs rounds.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None, made without
pyplot, so no window opens and nothing global changes) and returns that ``Axes``;
:func:`save_figure` writes it to a file whose pixel size is ``figsize * dpi``.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from qec.analysis._points import PointLike, Quantity, logical_error, merge_points

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from qec.analysis import ThresholdFit

__all__ = ["FIGSIZE", "new_axes", "plot_threshold", "save_figure"]

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

    return Figure(figsize=figsize).add_subplot()


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


def _mark_threshold(ax: Axes, threshold: float | ThresholdFit) -> None:
    value = float(getattr(threshold, "threshold", threshold))
    low = getattr(threshold, "threshold_low", None)
    high = getattr(threshold, "threshold_high", None)
    label = f"threshold {value:.3%}"
    if low is not None and high is not None:
        label += f" [{low:.3%}, {high:.3%}]"
        ax.axvspan(low, high, color="0.5", alpha=0.2, linewidth=0)
    ax.axvline(value, color="0.2", linestyle="--", linewidth=1, label=label)


def plot_threshold(
    points: Iterable[PointLike],
    *,
    ax: Axes | None = None,
    quantity: Quantity = "per_round",
    confidence: float = 0.95,
    threshold: float | ThresholdFit | None = None,
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
        quantity: plot the error ``"per_round"`` or ``"per_shot"``.
        confidence: the coverage of the bands.
        threshold: a threshold to mark with a vertical line: a number, or a
            :class:`qec.analysis.ThresholdFit` (its interval is shaded).
        title: the axes title.

    Returns:
        The ``Axes`` drawn on.

    Raises:
        ValueError: if there are no points or a point has zero shots.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=d, physical_error_rate=p, shots=1000, errors=e)
        ...        for d, p, e in [(3, 0.005, 40), (3, 0.01, 150), (5, 0.005, 20), (5, 0.01, 200)]]
        >>> ax = plot_threshold(pts, threshold=0.008)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('physical error rate p', 'logical error per round')
    """
    merged = merge_points(points)
    if not merged:
        raise ValueError("points is empty: there is nothing to plot")
    if ax is None:
        ax = new_axes()
    ax.set_xscale("log")
    ax.set_yscale("log", nonpositive="clip")
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
            label = f"d={distance}" if rounds is None else f"d={distance}, r={rounds}"
            (line,) = ax.plot(ps, np.where(estimate > 0, estimate, np.nan), marker="o",
                              markersize=4, label=label)
            ax.fill_between(ps, [iv.low for iv in intervals], [iv.high for iv in intervals],
                            color=line.get_color(), alpha=0.2, linewidth=0)
    if threshold is not None:
        _mark_threshold(ax, threshold)
    ax.set_xlabel("physical error rate p")
    ax.set_ylabel(_QUANTITY_LABEL[quantity])
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", alpha=0.15)
    ax.legend(loc="best", fontsize="small")
    return ax
