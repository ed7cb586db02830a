"""The error-budget figure: one stacked bar per distance, the logical error per round split
into the first-order shares of the noise components (:func:`plot_budget`, from the summary
``qec budget --json`` writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qec.plotting._common import _set_title, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
