"""Figures of a device's recorded experiments: detection-event fractions per stabilizer and
round (:func:`plot_detection_fractions`), the two-panel memory summary of fidelity against rounds
and error per cycle against distance (:func:`plot_device`), and each qubit's error-rate factor
against the assumed model (:func:`plot_qubit_factors`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from qec.analysis._cycles import DeviceFit
from qec.analysis._points import logical_error
from qec.plotting._common import _set_title, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from qec.datasets import DetectionFractions, QubitRatio


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
