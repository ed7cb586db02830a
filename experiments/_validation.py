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

from qec.analysis import ThresholdAssessment, assess_threshold, fit_lambda
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
                  quantity: str = "per_shot", nu: float | None = None) -> ThresholdAssessment:
    """Assesses the threshold as ``qec fit`` does, writes the figures, prints a table row.

    The row gives the finite-size-scaling fit (with three or more distances it includes the
    correction to scaling, ``D d^-omega`` or ``d^-omega (D + E x)``; its reported interval:
    statistical, widened for a poor fit, extended for crossing drift without a correction),
    the drift extrapolation (three or more distances), which of them the tool says to quote,
    and every warning it prints; the details give the plain form's threshold and chi2/dof on
    the same points.
    """
    result = assess_threshold(stats, quantity=quantity, seed=1)
    fit, extra = result.fit, result.extrapolated
    save_figure(plot_threshold(stats, quantity=quantity, threshold=fit, extrapolated=extra,
                               title=label), RESULTS / f"{name}.png")
    if fit is not None and nu is None:
        save_figure(plot_collapse(fit, title=label), RESULTS / f"{name}_collapse.png")
    listed = ", ".join(f"{c.distances[0]}/{c.distances[1]}: {c.physical_error_rate:.2%}"
                       for c in result.report.crossings) or "none"
    if fit is None:
        plain = f"not fitted ({result.fit_error})"
        details = ""
    elif fit.bound is not None:
        plain = fit.describe()
        details = ""
    else:
        plain = (f"{fit.threshold:.2%} [{fit.threshold_low:.2%}, {fit.threshold_high:.2%}]"
                 + (f" (statistical [{fit.statistical_low:.2%}, {fit.statistical_high:.2%}])"
                    if (fit.threshold_low, fit.threshold_high)
                    != (fit.statistical_low, fit.statistical_high) else ""))
        correction = ("" if fit.correction == "none" else
                      f"correction {fit.correction}, omega={fit.omega:.2f} [{fit.omega_low:.2f}, "
                      f"{fit.omega_high:.2f}], plain form {fit.plain_threshold:.2%} with chi2/dof="
                      f"{fit.plain_chi2 / fit.plain_dof:.2f}; ")
        details = (f"nu={fit.nu:.2f} [{fit.nu_low:.2f}, {fit.nu_high:.2f}], chi2/dof="
                   f"{fit.chi2_per_dof:.2f} over {fit.dof} dof (p-value {fit.p_value:.2g}), "
                   f"{correction}d={','.join(map(str, fit.distances))}, "
                   f"{len(fit.points)} pts ({fit.excluded} excluded); ")
    extrapolated = ("-" if extra is None else
                    f"{extra.threshold:.2%} [{extra.low:.2%}, {extra.high:.2%}]")
    warnings = " ".join(f"WARNING: {w}" for w in result.warnings) or "none"
    print(f"| {label} | {plain} | {extrapolated} | {result.quote or 'none'} | {details}"
          f"{quantity}; crossings {listed} | {literature} | {warnings} |")
    return result


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
