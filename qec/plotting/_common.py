"""What every figure shares: the default size (:data:`FIGSIZE`), a new ``Axes`` made without
pyplot (:func:`new_axes`), the writing of a figure to a file (:func:`save_figure`), the labels of
the plotted quantities, wrapped titles, and round-number ticks for log axes."""

from __future__ import annotations

import math
import pathlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
