"""Logical error rates far below what direct sampling reaches: the splitting estimator.

The method is Bravyi and Vargo's splitting (arXiv:1308.6270), on a detector error model as
Mayer et al. do for circuit noise (arXiv:2509.13678), with many independently seeded chains
(Beverland et al., arXiv:2511.15177):

1. **Ladder.** A family of models in one parameter, the scale ``s`` of every mechanism's odds
   (:mod:`qec.sampling._splitting_kernel`): ``s = 1`` is the task's own model; the decoder is
   compiled once, for it, and never changes (so the set of failing configurations is the same
   on every rung). The ladder starts at about the smallest scale ``s_0 = 2^(k/8)`` where
   direct sampling fails at least 0.1% of the time (pilots of 1,024 shots in steps of
   sqrt(2) find the 1% scale, two bisections refine it, and bisections with pilots of 16,384
   shots go down to 0.1%: the noisiest rungs cost more than the direct shots that replace
   them), and steps down by Bravyi and Vargo's rule
   ``s_(j+1) = s_j 2^(-1/sqrt(w_j))``, ``w_j`` the mean number of faults of the failing
   configurations at ``s_j`` (by default with steps twice as long: Bennett's estimator
   keeps its precision there, and the overlap check guards it), to ``s = 1`` exactly.
2. **Start.** ``P_0``, the failure probability at ``s_0``, is sampled directly (stim's DEM
   sampler, with the fired mechanisms recorded); its failing shots seed the chains, so the
   first rung starts in equilibrium, each chain from its own independent configuration.
3. **Rungs.** At each scale the chains run Metropolis-Hastings over the failing
   configurations; each rung's ratio ``P_(j+1) / P_j`` is Bennett's acceptance-ratio estimate
   from the samples of both neighbours (the maximum-likelihood form). Each rung runs at
   least ``min_iterations`` and until its samples no longer drift, with the first quarter
   discarded as burn-in; its length is then planned, once, from the budget left and the
   median cost coefficient of the rungs before it (see ``_Ladder._planned_length`` in
   :mod:`qec.sampling._splitting_ladder`), and every iteration after that burn-in is kept.
   It runs on while its samples still drift.
   With ``pivots`` (the default) each rung also estimates ``f = d ln P / d ln s`` from the
   pivots of its chains (the faults the failure needs and the mechanisms that would cure it,
   :mod:`qec.sampling._splitting_kernel`), and ``ln(P_(j+1) / P_j)`` can be the trapezoid of
   ``f`` between the rungs (thermodynamic integration). The pivots are decoded on the
   chains' configurations at the end of every round of ``round_iterations`` proposals that
   the rung keeps; a rung after the first discards at least ``min_iterations`` as burn-in,
   and on the rounds inside that they are not decoded (unless the rung may end with one).
   ``f`` leaves out the background
   faults whose Poisson spread is most of the noise of Bennett's ratios under circuit noise,
   so there the same precision takes far shorter rungs; where failure is a count of faults
   (a repetition code under bit flips) Bennett's ratios are the more precise. The ladder uses
   whichever gave its first ratio the smaller variance, and keeps the other, from the same
   chains, as the second opinion (``RareEventEstimate.integration`` and
   ``second_opinion``).
4. **Interval.** ``ln P = ln P_0 + sum_j ln(P_(j+1) / P_j)``. The chains form ``G``
   independent groups (their seeds and random streams are disjoint); the delete-one-group
   jackknife over the whole ladder gives the variance (it sees the autocorrelation within
   chains and the correlation between rungs), plus the binomial variance of ``ln P_0``; the
   jackknife bias estimate is added to the width. See :class:`qec.data.SplittingEstimator`.
   With pivots, the trapezoid's error, estimated at the last rung against Simpson's rule, is
   added to the variance.
5. **Diagnostics.** Per rung: acceptance, the integrated autocorrelation time and effective
   samples of ``|E|`` (from the spread of group means), drift between the first and second
   half of the kept samples, and the overlap of neighbouring rungs. A rung that fails a check
   adds a warning to the result; an estimate with warnings says so wherever it is printed.

Each completed rung is committed to the results database with its chains (a checkpoint), so a
re-run continues at the next rung and gives the numbers an uninterrupted run gives: every
random stream is seeded by ``(seed, rung, round, unit)``, and the work is split into one unit
per chain group (16 by default), whatever the number of workers: up to that many workers run
at once, on the local pool or a Dask cluster, and any number of them gives the same numbers.

This module holds the driver, :func:`estimate_rare_error`, which validates its arguments, resumes
from the stored rungs, steps down the ladder and stores each completed rung. The rest lives in
:mod:`qec.sampling._splitting_ladder` (the ladder: pilot, start, running and planning rungs,
their diagnostics), :mod:`qec.sampling._splitting_bar` (Bennett's acceptance ratio and the
histograms and overlap it uses), :mod:`qec.sampling._splitting_results` (the result classes)
and :mod:`qec.sampling._splitting_kernel` (the chains' Metropolis-Hastings kernel, run by the
workers).
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from qec._validate import int_at_least
from qec.data import Interval, Task, jackknife_variance, splitting_interval
from qec.sampling._executors import make_executor
from qec.sampling._splitting_kernel import from_bytes, pack_members, to_bytes, unpack_members
from qec.sampling._splitting_ladder import _BLOCK_START, _Ladder, _Rung
from qec.sampling._splitting_results import RareEventEstimate, RungSummary, splitting_task
from qec.store import ResultStore

__all__ = ["RareEventEstimate", "RungSummary", "estimate_rare_error", "splitting_task"]


def _check_relative_error(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"relative_error={value!r} must be a number in [0.01, 10]")
    value = float(value)
    if not 0.01 <= value <= 10:
        raise ValueError(f"relative_error={value!r} must be in [0.01, 10] (the interval's "
                         "half-width over the estimate, e.g. 0.3 for +-30%)")
    return value


def estimate_rare_error(
    task: Task,
    *,
    db: Any = None,
    relative_error: float = 0.3,
    confidence: float = 0.95,
    seed: int = 0,
    chains: int = 256,
    groups: int = 16,
    step: float = 2.0,
    workers: int | None = None,
    dask: Any = None,
    min_iterations: int = 400,
    max_iterations: int = 20_000,
    round_iterations: int = 100,
    time_limit: float | None = None,
    max_rungs: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    pivots: bool = True,
) -> RareEventEstimate:
    """Estimates the logical error per shot of a task by splitting, however small it is.

    The method, its interval and its diagnostics are described in :mod:`qec.sampling`'s
    splitting module (``qec/sampling/_splitting.py``). When the error is large enough that
    direct sampling reaches the precision quickly (at least 0.1% in a pilot), it samples
    directly instead (``method="direct"``).

    Args:
        task: the circuit, decoder (any registry decoder that implements sinter's
            ``compile_decoder_for_dem``) and metadata (``rounds`` gives the per-round rate).
        db: a results database path or open :class:`qec.store.ResultStore` (created if
            missing); every completed rung is stored, and a re-run with the same task, seed,
            chains and groups continues where the last one stopped. None: nothing is stored.
        relative_error: the goal for the interval's half-width over the estimate (0.3: +-30%).
            Rungs run until their share of the variance budget is met, at most
            ``max_iterations`` each (then a warning says the goal was missed).
        confidence: the interval's nominal coverage.
        seed: the root seed; the result is a function of it.
        chains: Markov chains, at least 32, a multiple of ``groups``. More chains, each rung
            at its minimum length, beat fewer chains on longer rungs: a group's chains share
            their ancestors (resampling) and so their failure mode, rung after rung, and that
            persistence, not the samples within a rung, is most of the ladder's variance. At
            SI1000 d = 19, seed 1, 256 chains gave +17% in 347 s and 128 gave +36% in 226 s
            (2.5 times the variance per second); 256 took SI1000 d = 25 to +29% in 1,779 s.
        groups: independent chain groups of the jackknife (at least 4); each group is one
            unit of work (a task for one worker), whatever the number of workers.
        step: the ladder's step in units of Bravyi and Vargo's: ``s_(j+1) = s_j
            2^(-step / sqrt(w_j))``. Bennett's estimator tolerates steps beyond their rule
            (which was for a simple ratio estimate); the overlap check warns when a step is
            too long. In (0, 4].
        workers, dask: where chains run: local processes (all cores by default) or a Dask
            cluster, as for :func:`qec.sampling.collect`.
        min_iterations, max_iterations: proposals per chain and rung, at least and at most
            (with pivots, a rung after the first discards ``min_iterations`` at least as
            burn-in and keeps as many at least).
        round_iterations: proposals per chain between two checks of a rung's precision.
        time_limit: seconds after which the estimate stops (stored rungs are kept; the result
            is then incomplete).
        max_rungs: stop after completing this many rungs in this call (the start counts as
            one); the result is then incomplete and a re-run continues. None: no limit.
        progress: called with a dict after every step (for a progress display).
        pivots: integrate each rung's pivots (see the method above), with Bennett's ratios as
            the second opinion; False: Bennett's ratios alone (the ladders of earlier
            versions, which are stored as a different task and resume as they were).

    Returns:
        A :class:`RareEventEstimate`.

    Raises:
        ValueError: bad arguments (named, with the allowed values), a circuit without an
            observable, a ladder that cannot start (no failure at any scale), a decoder that
            cannot decode the model, or a task being estimated by another live process.

    Examples:
        >>> import stim
        >>> dem_circuit = stim.Circuit.generated("repetition_code:memory", distance=7,
        ...     rounds=1, before_round_data_depolarization=0.02)
        >>> task = Task(circuit=dem_circuit, decoder="pymatching", json_metadata={"rounds": 1})
        >>> estimate = estimate_rare_error(task, workers=1, seed=3, chains=64, groups=8,
        ...                                relative_error=0.5)
        >>> estimate.method, estimate.complete, len(estimate.rungs) > 1
        ('splitting', True, True)
        >>> 1e-6 < estimate.logical_error_per_shot.estimate < 1e-4
        True
        >>> estimate_rare_error(task, relative_error=0.001)
        Traceback (most recent call last):
            ...
        ValueError: relative_error=0.001 must be in [0.01, 10] (the interval's half-width ...
    """
    relative_error = _check_relative_error(relative_error)
    if not isinstance(task, Task):
        raise ValueError(f"task={task!r:.60} must be a qec.sampling.Task")
    seed = int_at_least("seed", seed, 0)
    groups = int_at_least("groups", groups, 4)
    chains = int_at_least("chains", chains, 32)
    if chains % groups:
        raise ValueError(f"chains={chains} must be a multiple of groups={groups}")
    min_iterations = int_at_least("min_iterations", min_iterations, 8)
    max_iterations = int_at_least("max_iterations", max_iterations, min_iterations)
    round_iterations = int_at_least("round_iterations", round_iterations, 1)
    if isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating)) \
            or not 0 < float(step) <= 4:
        raise ValueError(f"step={step!r} must be a number in (0, 4]")
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1)")
    if time_limit is not None and not float(time_limit) > 0:
        raise ValueError(f"time_limit={time_limit!r} must be positive seconds")
    if max_rungs is not None:
        max_rungs = int_at_least("max_rungs", max_rungs, 1)

    store = db
    owns_store = False
    if db is not None and not isinstance(db, ResultStore):
        store = ResultStore(db, create=True)
        owns_store = True
    ladder = _Ladder(task, store=store, seed=seed, chains=chains, groups=groups,
                     relative_error=relative_error, confidence=float(confidence),
                     step=step, min_iterations=min_iterations, max_iterations=max_iterations,
                     round_iterations=round_iterations,
                     executor_factory=lambda: make_executor(workers=workers, dask=dask),
                     time_limit=None if time_limit is None else float(time_limit),
                     progress=progress, pivots=bool(pivots))
    ladder.max_rungs = max_rungs
    strong_id = ladder.stored.strong_id
    try:
        if store is not None:
            holder = store.take_lease(strong_id)
            if holder is not None:
                raise ValueError(f"task {strong_id[:12]} is being estimated by another "
                                 f"process ({holder}); run again when it has finished")
            store.add_task(ladder.stored)
        return _estimate(ladder, store)
    finally:
        ladder.close()
        if store is not None:
            store.release_leases([strong_id])
            if owns_store:
                store.close()


def _estimate(ladder: _Ladder, store: ResultStore | None) -> RareEventEstimate:
    if store is not None:
        store.check_levels(ladder.stored.strong_id)  # never resume from a half-deleted ladder
    stored = {} if store is None else store.read_checkpoints(ladder.stored.strong_id)
    previous_seconds = 0.0
    members: list[np.ndarray] = []
    level = 0
    scale = 1.0
    for level_index in sorted(stored):
        data = from_bytes(stored[level_index])
        info = json.loads(bytes(data["info"]).decode())
        ladder.histograms[level_index] = data["histograms"]
        ladder.scales[level_index] = info["scale"]
        summary = RungSummary(**info["summary"])
        ladder.rungs.append(summary)
        ladder.warnings.extend(info["warnings"])
        ladder.decoder_calls += info["decoder_calls"]
        previous_seconds += info["seconds"]
        if ladder.previous_worker_seconds is not None and "worker_seconds" in info:
            ladder.previous_worker_seconds += info["worker_seconds"]
        else:  # a level stored before worker seconds were recorded
            ladder.previous_worker_seconds = None
        if level_index == 0:
            ladder.direct_shots = info["direct_shots"]
            ladder.direct_failures = info["direct_failures"]
        else:
            ladder.variance_used += summary.log_ratio_sd ** 2
        for key, value in info["sums"].items():
            ladder.sums[key] = ladder.sums.get(key, 0.0) + value
        members = unpack_members(data["flat"], data["lengths"])
        ladder.block = info.get("block", _BLOCK_START)
        if info.get("kappa") is not None:
            ladder.kappas.append(info["kappa"])
        if "derivative" in info:
            ladder.derivatives[level_index] = np.asarray(info["derivative"], dtype=np.float64)
            ladder.integration = info.get("integration") or ladder.integration
        level = level_index + 1
        scale = info["scale"]
    complete = ladder.sums.get("complete", 0.0) >= 1
    if not stored:
        scale = ladder.pilot()
        members = ladder.start(scale)
        if not members:
            return _result(ladder, previous_seconds, complete=False)
        if scale == 1.0:
            ladder.sums["complete"] = 1.0
            ladder.sums["levels"] = 1.0
            summary = RungSummary(level=0, scale=1.0, mean_faults=0.0, iterations=0,
                                  decoder_calls=0, acceptance=0.0, autocorrelation=1.0,
                                  effective_samples=float(ladder.direct_shots), drift=0.0,
                                  log_ratio=ladder.sums["log_estimate"],
                                  log_ratio_sd=math.sqrt(ladder.sums["var_extra"]), overlap=1.0)
            ladder.rungs.append(summary)
            _save(ladder, store, level=0, scale=1.0, sums=dict(ladder.sums), summary=summary,
                  members=[], histograms=np.zeros((ladder.groups, 1), np.int64),
                  decoder_calls=ladder.decoder_calls, errors=ladder.direct_failures)
            return _result(ladder, previous_seconds, complete=True)
        rung = _Rung(0, scale, members)
        if not ladder.run_rung(rung, None):
            return _result(ladder, previous_seconds, complete=False)
        start_sums = dict(ladder.sums)
        sums, summary = ladder.finish_rung(rung, None)
        ladder.tune_block(rung)
        start_sums.update(sums)
        ladder.diagnose(summary)
        ladder.rungs.append(summary)
        ladder.decoder_calls += rung.decoder_calls
        ladder.seconds += rung.seconds
        _save(ladder, store, level=0, scale=scale, sums=start_sums, summary=summary,
              members=rung.members, histograms=ladder.histograms[0],
              decoder_calls=ladder.decoder_calls, errors=ladder.direct_failures,
              warnings=list(ladder.warnings))
        ladder.sums = start_sums
        members = rung.members
        level = 1
        ladder.rungs_run += 1
    while not complete:
        if ladder.max_rungs is not None and ladder.rungs_run >= ladder.max_rungs:
            return _result(ladder, previous_seconds, complete=False)
        faults = max(ladder.rungs[-1].mean_faults, 1.0)
        old_scale = scale
        scale = max(1.0, scale * 2.0 ** (-ladder.step / math.sqrt(faults)))
        if scale < 1.0 + 1e-9:
            scale = 1.0
        members = ladder.resample(members, ratio=scale / old_scale, level=level)
        # With pivots a rung's length is planned far shorter, so what a short burn-in leaves
        # of the start shows: the chains' derivatives ran about 0.2 (2%) high over SI1000
        # d = 19 rungs of 400 iterations with 100 discarded (a thinned start: 0.3), and agreed
        # with the long Bennett ladder's equilibrated chains with 400 discarded. So: no
        # thinned start, min_iterations discarded at least, and min_iterations kept.
        rung = (_Rung(level, scale, members, min_burn_in=ladder.min_iterations)
                if ladder.pivots else _Rung(level, scale, members, thin=scale / old_scale))
        warnings_before = len(ladder.warnings)
        finished = ladder.run_rung(rung, level - 1)
        ladder.decoder_calls += rung.decoder_calls
        ladder.seconds += rung.seconds
        if not finished:
            return _result(ladder, previous_seconds, complete=False)
        sums, summary = ladder.finish_rung(rung, level - 1)
        ladder.tune_block(rung)
        ladder.diagnose(summary)
        ladder.rungs.append(summary)
        for key, value in sums.items():
            ladder.sums[key] = ladder.sums.get(key, 0.0) + value
        _save(ladder, store, level=level, scale=scale, sums=sums, summary=summary,
              members=rung.members, histograms=ladder.histograms[level],
              decoder_calls=rung.decoder_calls, errors=0,
              warnings=ladder.warnings[warnings_before:], plan=rung.plan)
        members = rung.members
        complete = scale == 1.0
        level += 1
        ladder.rungs_run += 1
    return _result(ladder, previous_seconds, complete=True)


def _save(ladder: _Ladder, store: ResultStore | None, *, level: int, scale: float,
          sums: dict[str, float], summary: RungSummary, members: list[np.ndarray],
          histograms: np.ndarray, decoder_calls: int, errors: int,
          warnings: list[str] | None = None, plan: dict[str, float] | None = None) -> None:
    now = time.monotonic()
    seconds, ladder.saved_at = now - ladder.saved_at, now  # wall time of this level
    worker_seconds, ladder.worker_seconds_saved = (ladder.seconds - ladder.worker_seconds_saved,
                                                   ladder.seconds)
    if store is None:
        return
    flat, lengths = pack_members(members)
    info = {"scale": scale, "sums": sums, "summary": dataclasses.asdict(summary),
            "warnings": warnings or [], "decoder_calls": decoder_calls, "seconds": seconds,
            "worker_seconds": worker_seconds,
            "direct_shots": ladder.direct_shots, "direct_failures": ladder.direct_failures,
            "block": ladder.block, "kappa": ladder.kappas[-1] if level and ladder.kappas else None,
            "plan": plan}
    if level in ladder.derivatives:
        info["derivative"] = ladder.derivatives[level].tolist()
        info["integration"] = ladder.integration
    data = to_bytes({"flat": flat, "lengths": lengths, "histograms": histograms,
                     "info": np.frombuffer(json.dumps(info).encode(), dtype=np.uint8)})
    store.save_level(ladder.stored.strong_id, level=level, seed=ladder.seed,
                     shots=decoder_calls, errors=errors, seconds=seconds, sums=sums,
                     custom_counts={"decoder_calls": decoder_calls}, checkpoint=data)


def _result(ladder: _Ladder, previous_seconds: float, *, complete: bool) -> RareEventEstimate:
    warnings = list(dict.fromkeys(ladder.warnings))
    shot = per_round = second = None
    equivalent = None
    if complete:
        shot = splitting_interval(ladder.sums, confidence=ladder.confidence,
                                  name=f"task {ladder.stored.strong_id[:12]}")
        rounds = int(ladder.task.json_metadata.get("rounds", 1) or 1)
        per_round = shot.per_round(rounds=rounds, values=max(1, ladder.task.num_observables))
        # The standard error of ln P (jackknife and start), for the direct-sampling equivalent.
        sigma = math.sqrt(ladder._ladder_variance() + ladder.sums.get("var_extra", 0.0))
        if sigma > 0 and 0 < shot.estimate < 1:
            equivalent = (1 - shot.estimate) / (shot.estimate * sigma ** 2)
        second = _second_opinion(ladder, shot, sigma, warnings)
        if shot.estimate > 0 and shot.high / shot.estimate - 1 > ladder.relative_error * 1.05:
            warnings.append(
                f"the interval's half-width is +{shot.high / shot.estimate - 1:.0%}, wider "
                f"than the relative error asked for ({ladder.relative_error:.0%})")
    else:
        warnings.append("incomplete: the ladder did not reach the target model (time limit or "
                        "max_rungs); run again with the same arguments to continue")
    method = "direct" if ladder.rungs and ladder.rungs[0].scale == 1.0 else "splitting"
    return RareEventEstimate(
        logical_error_per_shot=shot, logical_error_per_round=per_round, method=method,
        decoder_calls=ladder.decoder_calls, equivalent_direct_shots=equivalent,
        seconds=previous_seconds + time.monotonic() - ladder.started,
        worker_seconds=ladder.seconds,
        total_worker_seconds=(None if ladder.previous_worker_seconds is None
                              else ladder.previous_worker_seconds + ladder.seconds),
        rungs=tuple(ladder.rungs),
        direct_shots=ladder.direct_shots, direct_failures=ladder.direct_failures,
        warnings=tuple(warnings), complete=complete, strong_id=ladder.stored.strong_id,
        integration=ladder.integration or "bennett", second_opinion=second)


def _second_opinion(ladder: _Ladder, shot: Interval, sigma: float, warnings: list[str]
                    ) -> Interval | None:
    """The estimate by the other integration of the same chains (with pivots); a warning
    when the two differ by more than three of their combined standard deviations (they
    share the chains, so that is a test of the integration, not of the mixing)."""
    if not ladder.pivots or ladder.integration is None:
        return None
    prefix = "bennett_" if ladder.integration == "pivots" else "pivots_"
    sums = {key[len(prefix):]: value for key, value in ladder.sums.items()
            if key.startswith(prefix)}
    sums["complete"] = ladder.sums.get("complete", 0.0)
    other = splitting_interval(sums, confidence=ladder.confidence,
                               name=f"task {ladder.stored.strong_id[:12]} (Bennett)")
    replicates = [value for key, value in sums.items() if key.startswith("jk_")]
    spread = math.sqrt(sigma ** 2 + jackknife_variance(replicates) + sums.get("var_extra", 0))
    z = (math.log(shot.estimate) - sums["log_estimate"]) / spread if spread > 0 else 0.0
    if abs(z) > 3:
        warnings.append(
            f"the estimate {shot.estimate:.3g} ({ladder.integration}) and the second opinion "
            f"{other.estimate:.3g} from the same chains differ by {z:+.1f} standard "
            "deviations: the ladder's integration is in doubt")
    return other
