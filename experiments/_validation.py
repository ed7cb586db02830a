"""Shared glue of the validation scripts: sample a sweep, fit it, draw its figures.

Each ``validate_*.py`` script states its sweep (code, noise, distances, p grid, budget) and
calls these; all statistics live in :mod:`qec.analysis`, figures in :mod:`qec.plotting`.
Results go to ``experiments/results/<name>.db`` and ``<name>*.png``; re-running resumes from
the database (finished tasks are not sampled again).
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Sequence

import numpy as np

from qec.analysis import ThresholdFit, crossings, fit_lambda, fit_threshold
from qec.plotting import plot_collapse, plot_lambda, plot_rounds, plot_threshold, save_figure
from qec.sampling import collect, memory_task

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def sample(name: str, *, code: str, noise: str, distances: Sequence[int], ps: Sequence[float],
           rounds: str | int, decoders: Sequence[str] = ("pymatching",), basis: str = "Z",
           max_shots: int, max_errors: int | None, seed: int, workers: int = 2) -> list:
    """Samples every (decoder, d, p) memory task into ``results/<name>.db``; returns the stats."""
    tasks = [
        memory_task(code=code, distance=d, basis=basis, noise=noise, p=float(p), decoder=decoder,
                    rounds=d if rounds == "d" else 3 * d if rounds == "3d" else int(rounds))
        for decoder in decoders for d in distances for p in ps
    ]
    start = time.monotonic()
    stats = collect(tasks, db=RESULTS / f"{name}.db", max_shots=max_shots, max_errors=max_errors,
                    workers=workers, seed=seed)
    shots = sum(s.shots for s in stats)
    print(f"{name}: {len(tasks)} tasks, {shots:,} shots, {time.monotonic() - start:.0f} s "
          f"(this run; 0 when resumed from a finished database)")
    return stats


def threshold_row(name: str, stats: list, *, label: str, literature: str,
                  quantity: str = "per_shot", nu: float | None = None) -> ThresholdFit | None:
    """Fits the threshold, writes the threshold and collapse figures, prints a table row.

    When the data cannot be fitted (e.g. per-round curves that do not cross in the sampled
    range), the row says why instead and only the threshold figure is written.
    """
    try:
        fit = fit_threshold(stats, quantity=quantity, nu=nu, seed=1)
    except ValueError as exc:
        save_figure(plot_threshold(stats, quantity=quantity, title=label), RESULTS / f"{name}.png")
        found = crossings(stats, quantity=quantity)
        listed = ", ".join(f"{c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.2%}"
                           for c in found) or "none"
        print(f"| {label} | not fitted | {exc}; crossings: {listed} | {literature} |")
        return None
    save_figure(plot_threshold(stats, quantity=quantity, threshold=fit, title=label),
                RESULTS / f"{name}.png")
    save_figure(plot_collapse(fit, title=label), RESULTS / f"{name}_collapse.png")
    listed = ", ".join(f"{c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.2%}"
                       for c in fit.crossings)
    print(f"| {label} | {fit.threshold:.2%} [{fit.threshold_low:.2%}, {fit.threshold_high:.2%}] "
          f"| nu={fit.nu:.2f} [{fit.nu_low:.2f}, {fit.nu_high:.2f}], chi2/dof="
          f"{fit.chi2_per_dof:.2f}, d={','.join(map(str, fit.distances))}, "
          f"{len(fit.points)} pts ({fit.excluded} excluded), {quantity}; crossings {listed} "
          f"| {literature} |")
    return fit


def lambda_row(name: str, stats: list, *, label: str, literature: str,
               boundary_offset: bool = False) -> None:
    """Fits Lambda, writes the Lambda and rounds figures, prints a table row."""
    fit = fit_lambda(stats, boundary_offset=boundary_offset)
    save_figure(plot_lambda(fit, title=label), RESULTS / f"{name}.png")
    save_figure(plot_rounds(stats, boundary_offset=boundary_offset, title=label),
                RESULTS / f"{name}_rounds.png")
    eps = ", ".join(f"eps_{d}={e.estimate:.2e} [{e.low:.2e}, {e.high:.2e}]"
                    for d, e in zip(fit.distances, fit.per_round_errors, strict=True))
    pairs = ", ".join(f"{a}/{b}: {r.estimate:.2f} [{r.low:.2f}, {r.high:.2f}]"
                      for a, b, r in zip(fit.distances, fit.distances[1:], fit.pairwise,
                                         strict=False))
    projection = fit.project_distance(1e-6)
    print(f"| {label} | Lambda={fit.lambda_.estimate:.2f} [{fit.lambda_.low:.2f}, "
          f"{fit.lambda_.high:.2f}] | {eps}; pairwise {pairs}; d for 1e-6/round: "
          f"{projection.distance} [{projection.low}, {projection.high}] | {literature} |")


def grid(low: float, high: float, count: int) -> list[float]:
    """``count`` log-spaced physical error rates from ``low`` to ``high``, rounded."""
    return [float(f"{p:.4g}") for p in np.geomspace(low, high, count)]
