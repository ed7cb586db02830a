"""Figures of logical-error statistics: threshold curves, data collapse, Lambda, error vs rounds.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax`` is None, made without
pyplot, so no window opens and nothing global changes) and returns that ``Axes``;
:func:`save_figure` writes it to a file whose pixel size is ``figsize * dpi``.

The package's modules:

* ``_common``: :data:`FIGSIZE`, :func:`new_axes`, :func:`save_figure`, and the helpers every
  figure shares (quantity labels, wrapped titles, round-number ticks on log axes);
* ``_threshold``: :func:`plot_threshold` and :func:`plot_collapse`;
* ``_lambda``: :func:`plot_lambda`, :func:`plot_distance` and :func:`plot_rounds`;
* ``_budget``: :func:`plot_budget`;
* ``_device``: a device's figures, :func:`plot_detection_fractions`, :func:`plot_device` and
  :func:`plot_qubit_factors`;
* ``_background``: :class:`FigureProcess`, a forked process that imports matplotlib while a
  command starts and draws its figure while the command writes its summary.
"""

from __future__ import annotations

from qec.plotting._background import FigureProcess
from qec.plotting._budget import plot_budget
from qec.plotting._common import FIGSIZE, new_axes, save_figure
from qec.plotting._device import plot_detection_fractions, plot_device, plot_qubit_factors
from qec.plotting._lambda import plot_distance, plot_lambda, plot_rounds
from qec.plotting._threshold import plot_collapse, plot_threshold

__all__ = [
    "FIGSIZE",
    "FigureProcess",
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
