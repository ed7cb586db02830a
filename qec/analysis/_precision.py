"""Precision-driven threshold sweeps: spend each batch where it narrows the threshold most."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from qec.analysis._points import Point, PointLike, Quantity, as_points
from qec.analysis._summary import ThresholdAssessment, assess_threshold
from qec.analysis._threshold import ThresholdFit, fit_threshold  # noqa: F401 (doctests)

__all__ = ["PrecisionSweep", "allocate_shots", "precision_sweep", "relative_half_width"]


def relative_half_width(estimate: ThresholdFit | ThresholdAssessment) -> float:
    """The half-width of the interval the tool reports, as a fraction of the threshold.

    For a :class:`~qec.analysis.ThresholdFit`, its reported interval (statistical, widened by
    its scale factor, extended for crossing drift). For a
    :class:`~qec.analysis.ThresholdAssessment`, the interval it says to quote: the corrected
    fit's or the extrapolation's with three or more distances, else the plain fit's. A bound,
    an interval that runs into an edge of the fitted range, or no estimate at all has no
    finite width: ``inf``.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
        ...              errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
        ...        for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
        >>> relative_half_width(fit_threshold(pts, bootstrap=20)) < 0.02
        True
    """
    if isinstance(estimate, ThresholdAssessment):
        if estimate.quote == "extrapolated":
            extra = estimate.extrapolated
            return (extra.high - extra.low) / 2 / extra.threshold
        if estimate.quote in ("corrected", "plain"):
            return relative_half_width(estimate.fit)
        return math.inf
    fit = estimate
    if fit.bound is not None or fit.open_low or fit.open_high:
        return math.inf
    return (fit.threshold_high - fit.threshold_low) / 2 / fit.threshold


def _unreachable(assessment: ThresholdAssessment, precision: float, iteration: int
                 ) -> str | None:
    """Why more shots at these distances and p cannot reach ``precision``, or None."""
    fit, report = assessment.fit, assessment.report
    if fit is None:
        if not report.missing:
            if iteration >= 2:
                return f"no fit after {iteration} batches ({assessment.fit_error})"
            return None
        return (f"no fit, and curves that do not cross in the sampled range "
                f"({report.missing[0].describe()}): sample physical error rates on both sides "
                "of the threshold")
    if fit.bound is not None:
        return (f"the fit runs into the edge of the sampled range ({fit.describe()}): sample "
                "physical error rates beyond it")
    drifting = fit.drift is not None and fit.drift.significant
    extra = assessment.extrapolated
    if assessment.quote == "extrapolated" and drifting:
        spread = extra.correction_spread / extra.threshold
        if spread > precision:
            return (f"finite-size drift: the correction to scaling alone (omega in "
                    f"[{extra.omega_range[0]:g}, {extra.omega_range[1]:g}]) leaves the "
                    f"extrapolated threshold uncertain by {spread:.2%}, more than the target "
                    f"{precision:.2%}, whatever the shots at these distances; add larger "
                    "distances")
    if assessment.quote == "plain" and drifting:
        last = fit.crossings[-1]
        offset = abs(last.physical_error_rate - fit.threshold) / fit.threshold
        if offset > precision:
            return (f"finite-size drift: the d={last.distances[0]}/{last.distances[1]} crossing "
                    f"lies {offset:.2%} from the fitted threshold, more than the target "
                    f"{precision:.2%}; add larger distances")
    return None


def _scaled_gradients(fit: ThresholdFit, points: Sequence[Point]) -> np.ndarray:
    """Per point, the gradient of the model over the per-shot standard deviation (k params)."""
    gradients = fit.gradients(points)
    errors = np.array([pt.errors for pt in points], dtype=np.float64)
    kept = np.array([pt.kept_shots for pt in points], dtype=np.float64)
    q = (errors + 0.5) / (kept + 1)
    per_shot_sd = np.sqrt(q * (1 - q))
    if fit.quantity == "per_round":
        rounds = np.array([pt.rounds for pt in points], dtype=np.float64)
        base = np.clip(1 - 2 * errors / kept, 1e-12, 1)
        per_shot_sd = per_shot_sd * base ** (1 / rounds - 1) / rounds
    return gradients / per_shot_sd[:, None]


def allocate_shots(
    points: Sequence[PointLike],
    *,
    fit: ThresholdFit,
    budget: int,
    seconds_per_shot: Sequence[float] | None = None,
    chunks: int = 20,
) -> list[int]:
    """Splits a budget of shots over the points where they shrink the threshold's variance most.

    Linearised around the fit, the threshold's variance is ``e0' G^-1 e0`` with
    ``G = sum_i n_i w_i w_i'``, ``w_i`` the model's gradient at point ``i`` over its per-shot
    standard deviation and ``n_i`` its kept shots. One more shot at ``i`` lowers it by
    ``(e0' G^-1 w_i)^2``. The budget is handed out in ``chunks`` equal parts, each to the point
    with the largest reduction per second (per shot when ``seconds_per_shot`` is None),
    updating ``G`` after each (a greedy c-optimal design). Points the fit did not use (outside
    its window) receive nothing.

    Args:
        points: the current statistics, the objects given to :func:`fit_threshold`.
        fit: the current fit.
        budget: the shots to hand out, positive.
        seconds_per_shot: the cost of a shot at each point (same order as ``points``).
        chunks: how many parts the budget is cut into, positive.

    Returns:
        The shots to add at each point, in the order of ``points``; they sum to ``budget``
        (up to rounding).

    Raises:
        ValueError: if ``budget`` or ``chunks`` is not positive, or the costs do not match.

    Examples:
        >>> from qec.analysis import Point
        >>> pts = [Point(distance=d, rounds=1, physical_error_rate=p, shots=10**5,
        ...              errors=round(10**5 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
        ...        for d in (3, 5, 7) for p in (0.09, 0.095, 0.1, 0.105, 0.11)]
        >>> shots = allocate_shots(pts, fit=fit_threshold(pts, bootstrap=10), budget=1000)
        >>> sum(shots)
        1000
    """
    if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
        raise ValueError(f"budget={budget!r} must be a positive integer")
    if chunks <= 0:
        raise ValueError(f"chunks={chunks!r} must be positive")
    items = as_points(points)
    if seconds_per_shot is not None and len(seconds_per_shot) != len(items):
        raise ValueError(
            f"seconds_per_shot has {len(seconds_per_shot)} entries for {len(items)} points"
        )
    costs = np.ones(len(items)) if seconds_per_shot is None else np.array(seconds_per_shot, float)
    costs = np.where(costs > 0, costs, costs[costs > 0].min() if (costs > 0).any() else 1.0)
    used_keys = {(pt.distance, pt.rounds, pt.physical_error_rate) for pt in fit.points}
    used = [i for i, pt in enumerate(items)
            if (pt.distance, pt.rounds, pt.physical_error_rate) in used_keys]
    allocation = np.zeros(len(items), dtype=np.int64)
    if not used:
        return allocation.tolist()
    subset = [items[i] for i in used]
    w = _scaled_gradients(fit, subset)
    n = np.array([pt.kept_shots for pt in subset], dtype=np.float64)
    chunk_sizes = np.diff(np.linspace(0, budget, chunks + 1).round().astype(np.int64))
    for size in chunk_sizes:
        gram = (w * n[:, None]).T @ w
        influence = np.linalg.pinv(gram)[0] @ w.T
        gain = influence**2 / costs[used]
        best = int(np.argmax(gain))
        n[best] += size
        allocation[used[best]] += size
    return allocation.tolist()


def _bracketing(assessment: ThresholdAssessment, stats: Sequence[Any]) -> list[int]:
    """Indices of the points on either side of each crossing, at both of its distances."""
    chosen: set[int] = set()
    for crossing in assessment.report.crossings:
        pair = set(crossing.distances)
        ps = sorted({s.physical_error_rate for s in stats if s.distance in pair})
        below = [p for p in ps if p <= crossing.physical_error_rate]
        above = [p for p in ps if p >= crossing.physical_error_rate]
        near = {below[-1] if below else ps[0], above[0] if above else ps[-1]}
        chosen.update(i for i, s in enumerate(stats)
                      if s.distance in pair and s.physical_error_rate in near)
    return sorted(chosen)


def _split_batch(assessment: ThresholdAssessment, stats: Sequence[Any], *, budget: int,
                 costs: Sequence[float]) -> list[int]:
    """The shots of the next batch at each point, for the estimate the sweep aims at.

    No fit yet: evenly. A fit to quote (corrected or plain): :func:`allocate_shots` (c-optimal
    for the fitted threshold, its correction included). The extrapolation to quote: half by
    :func:`allocate_shots`, half over the points that bracket each crossing (every distance
    enters the extrapolation through its crossings, where the fit's design favours the
    smallest and largest distances), in proportion to the inverse of their cost.
    """
    fit = assessment.fit
    if fit is None:
        return [budget // len(stats)] * len(stats)
    if assessment.quote != "extrapolated":
        return allocate_shots(stats, fit=fit, budget=budget, seconds_per_shot=costs)
    near = _bracketing(assessment, stats)
    half = budget // 2
    shots = np.array(allocate_shots(stats, fit=fit, budget=budget - half,
                                    seconds_per_shot=costs), dtype=np.int64)
    weights = np.array([1 / costs[i] for i in near])
    shots[near] += np.floor(half * weights / weights.sum()).astype(np.int64)
    return shots.tolist()


@dataclasses.dataclass(frozen=True)
class PrecisionSweep:
    """The outcome of :func:`precision_sweep`.

    Attributes:
        fit: the last finite-size-scaling fit (None while the data could not be fitted).
        reached: whether the relative half-width of the interval to quote met the target.
        stopped: why it stopped: ``"reached"``, ``"max_shots ran out"``, ``"max_iterations ran
            out"``, or a sentence saying why the target cannot be reached by sampling more.
        iterations: how many batches were sampled after the initial one.
        shots: total shots of all tasks at the end.
        seconds: wall-clock seconds spent (sampling and fitting).
        stats: the final statistics of each task.
        assessment: the last :func:`~qec.analysis.assess_threshold` of the statistics.
    """

    fit: ThresholdFit | None
    reached: bool
    stopped: str
    iterations: int
    shots: int
    seconds: float
    stats: tuple[Any, ...]
    assessment: ThresholdAssessment | None = None

    @property
    def relative_half_width(self) -> float:
        """The relative half-width of the interval to quote (infinite without one)."""
        if self.assessment is not None:
            return relative_half_width(self.assessment)
        return math.inf if self.fit is None else relative_half_width(self.fit)


def _plan_id(tasks: Sequence[Any], **settings: Any) -> str:
    """A name for one precision sweep's plan: its tasks and every setting that steers it."""
    text = json.dumps({"tasks": sorted(t.strong_id for t in tasks), **settings},
                      sort_keys=True, default=str)
    return "precision:" + hashlib.sha256(text.encode()).hexdigest()[:24]


def precision_sweep(
    session: Any,
    tasks: Sequence[Any],
    *,
    precision: float,
    initial_shots: int = 2_000,
    batch_fraction: float = 0.5,
    max_shots: int = 10**8,
    max_iterations: int = 100,
    quantity: Quantity = "per_shot",
    confidence: float = 0.95,
    bootstrap: int = 200,
    seed: int = 0,
) -> PrecisionSweep:
    """Samples until the reported threshold interval's half-width is at most ``precision``.

    The interval is the one the tool says to quote (:func:`~qec.analysis.assess_threshold`,
    :func:`relative_half_width`): with three or more distances the corrected fit's or the
    extrapolation's (both hold the finite-size correction), else the plain fit's (widened for
    a poor fit, extended for drift), never the statistical interval alone. When more shots
    cannot get there (the correction's uncertainty alone exceeds the target, or the range
    misses the threshold) the sweep stops and says why.

    Every task first gets ``initial_shots`` (counting shots already stored). Then, repeatedly:
    assess, stop if ``relative_half_width <= precision``, otherwise sample
    a batch of ``batch_fraction`` times the shots so far, split by :func:`allocate_shots`
    (per unit of cost, a shot costing in proportion to its circuit's detectors). While the data
    cannot be fitted yet (no crossing, too few points near it), the batch is spread evenly.

    Reproducible: each step's per-task targets are recorded in the store before they are
    sampled, and sampled as absolute totals, so with a seeded session a sweep that is killed
    and resumed (any number of times) ends with the numbers of one that was not.

    Args:
        session: a ``qec.sampling.SamplingSession`` (anything with ``sample_to(work)``
            returning the updated ``TaskStats``, and a ``store`` with ``stats_for``,
            ``read_plan`` and ``record_plan``).
        tasks: ``qec.sampling.Task`` objects of the sweep, with the standard metadata.
        precision: the target relative half-width, in (0, 1).
        initial_shots: shots per task before the first fit, positive.
        batch_fraction: each batch's size relative to the total shots so far, positive.
        max_shots: stop (unreached) once the total exceeds this many shots.
        max_iterations: stop (unreached) after this many batches.
        quantity: the quantity fitted (see :func:`fit_threshold`).
        confidence: the interval's coverage.
        bootstrap: bootstrap redraws of each fit.
        seed: seeds the bootstrap.

    Returns:
        A :class:`PrecisionSweep`.

    Raises:
        ValueError: for invalid arguments.
    """
    if not 0 < precision < 1:
        raise ValueError(f"precision={precision!r} must be in (0, 1), e.g. 0.02 for 2%")
    if initial_shots <= 0:
        raise ValueError(f"initial_shots={initial_shots!r} must be positive")
    if not batch_fraction > 0:
        raise ValueError(f"batch_fraction={batch_fraction!r} must be positive")
    tasks = list(tasks)
    if not tasks:
        raise ValueError("tasks is empty: there is nothing to sample")
    start = time.monotonic()
    plan = _plan_id(tasks, precision=precision, initial_shots=initial_shots,
                    batch_fraction=batch_fraction, quantity=quantity, confidence=confidence,
                    bootstrap=bootstrap, seed=seed, session_seed=getattr(session, "seed", None))
    recorded = session.store.read_plan(plan)
    # The cost of a shot at each point: its number of detectors, which decoding time follows;
    # unlike measured seconds it is the same in every run, so a seeded sweep is reproducible.
    costs = [float(max(1, t.circuit.num_detectors)) for t in tasks]
    stats = [session.store.stats_for(t.strong_id) for t in tasks]
    targets = recorded.get(0) or {t.strong_id: max(initial_shots, s.shots if s else 0)
                                  for t, s in zip(tasks, stats, strict=True)}
    fit = assessment = None
    for iteration in range(max_iterations + 1):
        # Each step's targets are recorded before sampling: a resumed run finishes the step as
        # it was decided, whatever the statistics it finds half-way.
        targets = session.store.record_plan(plan, iteration, targets)
        stats = session.sample_to([(t, targets[t.strong_id]) for t in tasks])
        assessment = assess_threshold(stats, quantity=quantity, confidence=confidence,
                                      bootstrap=bootstrap, seed=seed)
        fit = assessment.fit
        total = sum(s.shots for s in stats)
        if relative_half_width(assessment) <= precision:
            return PrecisionSweep(fit=fit, reached=True, stopped="reached", iterations=iteration,
                                  shots=total, seconds=time.monotonic() - start,
                                  stats=tuple(stats), assessment=assessment)
        # A range that misses the threshold is only judged after one batch beyond the first,
        # so that the noise of a small first sample does not end the sweep.
        reason = _unreachable(assessment, precision, iteration) if iteration >= 1 else None
        if reason is None and total >= max_shots:
            reason = "max_shots ran out"
        elif reason is None and iteration == max_iterations:
            reason = "max_iterations ran out"
        if reason is not None:
            break
        planned = recorded.get(iteration + 1)
        if planned is None:
            budget = max(len(tasks), int(batch_fraction * total))
            shots = _split_batch(assessment, stats, budget=budget, costs=costs)
            planned = {t.strong_id: s.shots + int(n)
                       for t, s, n in zip(tasks, stats, shots, strict=True)}
        targets = planned
    return PrecisionSweep(fit=fit, reached=False, stopped=reason, iterations=iteration,
                          shots=sum(s.shots for s in stats),
                          seconds=time.monotonic() - start, stats=tuple(stats),
                          assessment=assessment)
