"""Logical error rates far below direct sampling's reach, by subset simulation at the target p.

The second rare-event estimator of :mod:`qec.sampling`, beside the splitting ladder of
:func:`qec.sampling.estimate_rare_error`. Where the ladder climbs down a family of noisier
models, subset simulation (Au and Beck, Probabilistic Engineering Mechanics 16, 263 (2001))
stays at the task's own noise and climbs a continuous score towards failure: the complementary
gap of the matching decoder (:mod:`qec.sampling._subset_kernel`), with each level's threshold
set so that a fraction ``p_0`` (0.1) of the level's samples pass it. The number of levels is
then about ``log(1/P) / log(1/p_0)``, whatever the number of background faults.

**Replicates.** One estimate is ``R`` independent runs (replicates) of subset simulation, each
from its own seed ``(seed, r)``, each run whole by one worker: the replicates are the units of
work, as many as wanted, on the local pool or a Dask cluster. A replicate's ``ln P_r`` is a sum
of many level terms, close to normal; the estimate of ``P`` is the log-normal mean
``exp(m + s^2/2)`` of the replicates, with Cox's interval (:func:`qec.data.subset_interval`).
Replicates are committed to the results database in index order (one batch row and one
checkpoint each, in one transaction), and the estimate uses the first ``R`` of them, ``R`` the
smallest count (at least ``min_replicates``) whose interval meets the relative error asked
for: for a given seed the numbers do not depend on the number of workers, and a re-run
continues at the next replicate.

**What it cannot see.** Each replicate's levels are seeded by the samples of the level before;
when the chains do not move far from their seeds, a replicate's final samples descend from a
few first-level configurations and its estimate is typically too low (the mean stays right
only through rare, large replicates). Warnings name this (few lineages at the last level, a
large spread or a dominant replicate); the splitting ladder is the second opinion.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import stdtrit

from qec._validate import int_at_least
from qec.data import Interval, Task, subset_interval
from qec.sampling._executors import make_executor
from qec.sampling._splitting import _check_relative_error
from qec.sampling._splitting_results import RareEventEstimate
from qec.sampling._subset_kernel import GapScore, SubsetRun, SubsetWork
from qec.sampling._worker import TaskPayload
from qec.store import ResultStore

__all__ = ["FRACTION", "estimate_subset", "subset_task"]

FRACTION = 0.1
"""Each level's conditional probability ``p_0`` by default (Au and Beck's usual choice)."""


def subset_task(task: Task, *, seed: int, samples: int, fraction: float, steps: int) -> Task:
    """The stored task of a subset-simulation estimate of ``task``: its metadata plus
    ``estimator="subset"`` and the method's identity.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit("X_ERROR(0.1) 0\\nM 0\\nDETECTOR rec[-1]\\n"
        ...                        "OBSERVABLE_INCLUDE(0) rec[-1]")
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"p": 0.1})
        >>> subset_task(task, seed=1, samples=500, fraction=0.1, steps=16).json_metadata[
        ...     "estimator"]
        'subset'
    """
    metadata = dict(task.json_metadata)
    metadata.update({"estimator": "subset", "subset": {
        "seed": int(seed), "samples": int(samples), "fraction": float(fraction),
        "steps": int(steps)}})
    return Task(circuit=task.circuit, decoder=task.decoder, json_metadata=metadata)


def _replicate_seed(seed: int, replicate: int) -> int:
    digest = hashlib.blake2b(f"subset:{seed}:{replicate}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def estimate_subset(
    task: Task,
    *,
    db: Any = None,
    relative_error: float = 0.3,
    confidence: float = 0.95,
    seed: int = 0,
    samples: int = 1000,
    fraction: float = FRACTION,
    steps: int = 8,
    min_replicates: int = 16,
    max_replicates: int = 1024,
    max_levels: int = 80,
    workers: int | None = None,
    dask: Any = None,
    time_limit: float | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> RareEventEstimate:
    """Estimates the logical error per shot of a matching-decoded task by subset simulation.

    The method, its interval and what it cannot see are described in
    ``qec/sampling/_subset.py``. The score needs a decoding graph with one observable that is a
    cut between two parts of the boundary (repetition and rotated or unrotated surface code
    memories), decoded by PyMatching: the estimate is PyMatching's failure rate on the task.

    Args:
        task: the circuit (one observable) and ``decoder="pymatching"``; ``rounds`` in the
            metadata gives the per-round rate.
        db: a results database path or open :class:`qec.store.ResultStore`; every replicate
            is stored as it completes (in index order), and a re-run continues. None: nothing
            is stored.
        relative_error: the goal for the interval's upper half-width over the estimate.
        confidence: the interval's nominal coverage.
        seed: the root seed; the result is a function of it (not of the workers).
        samples: configurations per level of each replicate (``samples * fraction`` must be
            a whole number, at least 2).
        fraction: each level's conditional probability ``p_0``, in (0, 0.5].
        steps: Markov-chain moves between two kept samples of a chain.
        min_replicates, max_replicates: replicates at least (at least 4) and at most.
        max_levels: a replicate that has not reached failure after this many levels stops
            (the estimate then fails with an error: the event is beyond reach).
        workers, dask: where replicates run: local processes (all cores by default) or a Dask
            cluster, as for :func:`qec.sampling.collect`.
        time_limit: seconds after which no replicate is started (stored ones are kept).
        progress: called with a dict after every replicate (for a progress display).

    Returns:
        A :class:`RareEventEstimate` with ``method="subset"`` (``rungs`` is empty; the
        replicates' level statistics are in ``levels``).

    Raises:
        ValueError: bad arguments (named, with the allowed values), a decoder other than
            PyMatching, a model the score cannot take, a task being estimated by another live
            process, or a replicate that did not reach failure within ``max_levels``.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=9, rounds=1,
        ...     before_round_data_depolarization=0.03)
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"rounds": 1})
        >>> estimate = estimate_subset(task, workers=1, seed=3, samples=200, steps=4,
        ...                            min_replicates=4, relative_error=2)
        >>> estimate.method, estimate.complete, 1e-7 < estimate.logical_error_per_shot.estimate
        ('subset', True, True)
        >>> estimate_subset(task, fraction=0.7)
        Traceback (most recent call last):
            ...
        ValueError: fraction=0.7 must be a number in (0, 0.5]
    """
    relative_error = _check_relative_error(relative_error)
    if not isinstance(task, Task):
        raise ValueError(f"task={task!r:.60} must be a qec.sampling.Task")
    if not isinstance(fraction, (int, float, np.integer, np.floating)) or isinstance(
            fraction, bool):
        raise ValueError(f"fraction={fraction!r} must be a number in (0, 0.5]")
    if not 0 < float(fraction) <= 0.5:
        raise ValueError(f"fraction={float(fraction)!r} must be a number in (0, 0.5]")
    fraction = float(fraction)
    seed = int_at_least("seed", seed, 0)
    samples = int_at_least("samples", samples, 10)
    seeds = samples * fraction
    if abs(seeds - round(seeds)) > 1e-9 or round(seeds) < 2:
        raise ValueError(f"samples={samples} times fraction={fraction} must be a whole number "
                         "of at least 2 (the seeds of each level)")
    steps = int_at_least("steps", steps, 1)
    min_replicates = int_at_least("min_replicates", min_replicates, 4)
    max_replicates = int_at_least("max_replicates", max_replicates, min_replicates)
    max_levels = int_at_least("max_levels", max_levels, 2)
    if not 0 < float(confidence) < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1)")
    if time_limit is not None and not float(time_limit) > 0:
        raise ValueError(f"time_limit={time_limit!r} must be positive seconds")
    if task.decoder != "pymatching":
        raise ValueError(f"decoder={task.decoder!r}: subset simulation scores configurations "
                         "by PyMatching's complementary gap, so it estimates PyMatching's "
                         "failures only (decoder='pymatching'); use the splitting estimator "
                         "for other decoders")
    from qec.decoders import detector_error_model_for_circuit

    GapScore(detector_error_model_for_circuit(task.circuit))  # refuses models it cannot score
    stored = subset_task(task, seed=seed, samples=samples, fraction=fraction, steps=steps)
    strong_id = stored.strong_id
    store = db
    owns_store = False
    if db is not None and not isinstance(db, ResultStore):
        store = ResultStore(db, create=True)
        owns_store = True
    run = _Run(task, stored, store=store, seed=seed, samples=samples, fraction=fraction,
               steps=steps, max_levels=max_levels, relative_error=relative_error,
               confidence=float(confidence), min_replicates=min_replicates,
               max_replicates=max_replicates, time_limit=time_limit, progress=progress)
    try:
        if store is not None:
            holder = store.take_lease(strong_id)
            if holder is not None:
                raise ValueError(f"task {strong_id[:12]} is being estimated by another "
                                 f"process ({holder}); run again when it has finished")
            store.add_task(stored)
        return run.estimate(workers=workers, dask=dask)
    finally:
        if store is not None:
            store.release_leases([strong_id])
            if owns_store:
                store.close()


class _Run:
    """The replicates of one estimate: running, storing and combining them."""

    def __init__(self, task: Task, stored: Task, *, store: ResultStore | None, seed: int,
                 samples: int, fraction: float, steps: int, max_levels: int,
                 relative_error: float, confidence: float, min_replicates: int,
                 max_replicates: int, time_limit: float | None,
                 progress: Callable[[dict[str, Any]], None] | None) -> None:
        self.task = task
        self.stored = stored
        self.store = store
        self.seed = seed
        self.samples = samples
        self.fraction = fraction
        self.steps = steps
        self.max_levels = max_levels
        self.relative_error = relative_error
        self.confidence = confidence
        self.min_replicates = min_replicates
        self.max_replicates = max_replicates
        self.time_limit = time_limit
        self.progress = progress
        self.runs: list[dict[str, Any]] = []
        self.previous_seconds = 0.0
        self.worker_seconds = 0.0
        self.started = time.monotonic()

    def _work(self, replicate: int) -> SubsetWork:
        return SubsetWork(batch_id=replicate, strong_id=self.stored.strong_id,
                          seed=_replicate_seed(self.seed, replicate), samples=self.samples,
                          fraction=self.fraction, steps=self.steps,
                          max_levels=self.max_levels)

    def _interval(self, count: int) -> Interval:
        logs = [run["log_probability"] for run in self.runs[:count]]
        return subset_interval({"subset_replicates": float(count), "subset_log": math.fsum(logs),
                                "subset_log_sq": math.fsum(x * x for x in logs)},
                               confidence=self.confidence)

    def _precise(self) -> bool:
        count = len(self.runs)
        if count < self.min_replicates:
            return False
        shot = self._interval(count)
        return shot.high / shot.estimate - 1 <= self.relative_error

    def _out_of_time(self) -> bool:
        return (self.time_limit is not None
                and time.monotonic() - self.started > self.time_limit)

    def estimate(self, *, workers: int | None, dask: Any) -> RareEventEstimate:
        strong_id = self.stored.strong_id
        if self.store is not None:
            self.store.check_levels(strong_id)
            for _index, data in sorted(self.store.read_checkpoints(strong_id).items()):
                info = json.loads(data.decode())
                self.runs.append(info)
                self.previous_seconds += info["seconds"]
        if len(self.runs) >= self.max_replicates or (self.runs and self._precise()):
            return self._result()
        payload = TaskPayload(strong_id=strong_id, circuit_text=str(self.task.circuit),
                              decoder_name=self.task.decoder)
        executor = make_executor(workers=workers, dask=dask)
        try:
            # Two replicates queued per worker, so that none waits; any number of workers
            # gives the same numbers (replicates are committed in index order).
            in_flight_limit = 2 * executor.num_workers
            waiting: dict[int, Any] = {}
            next_index = len(self.runs)
            in_flight = 0
            while not self._precise() and len(self.runs) < self.max_replicates:
                while (in_flight < in_flight_limit and next_index < self.max_replicates
                       and not self._out_of_time()):
                    executor.submit(self._work(next_index), payload)
                    next_index += 1
                    in_flight += 1
                if in_flight == 0:
                    break  # out of time
                for result in executor.wait(1.0):
                    in_flight -= 1
                    if result.error is not None:
                        kind, message, _ = result.error
                        raise ValueError(f"a subset-simulation worker failed: {kind}: {message}")
                    waiting[result.batch_id] = result
                # Commit in index order only: the estimate is a function of the seed.
                while len(self.runs) in waiting and not self._precise():
                    self._commit(waiting.pop(len(self.runs)))
        finally:
            executor.close()
        return self._result()

    def _commit(self, result: Any) -> None:
        run: SubsetRun = result.run
        if not run.complete:
            raise ValueError(
                f"replicate {result.batch_id} did not reach a failure in {run.levels} levels "
                f"(down to about {math.exp(run.log_probability):.1e}); the failure event is "
                "beyond max_levels")
        info = {"replicate": result.batch_id, "log_probability": run.log_probability,
                "levels": run.levels, "final_fraction": run.final_fraction,
                "thresholds": run.thresholds, "acceptance": run.acceptance,
                "lineages": run.lineages, "mean_faults": run.mean_faults,
                "decoder_calls": run.decoder_calls, "tie_violations": run.tie_violations,
                "seconds": result.seconds}
        self.runs.append(info)
        self.worker_seconds += result.seconds
        if self.store is not None:
            self.store.save_level(
                self.stored.strong_id, level=result.batch_id, seed=self.seed,
                shots=run.decoder_calls, errors=0, seconds=result.seconds,
                sums={"subset_replicates": 1.0, "subset_log": run.log_probability,
                      "subset_log_sq": run.log_probability ** 2},
                custom_counts={"decoder_calls": run.decoder_calls},
                checkpoint=json.dumps(info).encode())
        if self.progress is not None:
            shot = self._interval(len(self.runs)) if len(self.runs) >= 2 else None
            self.progress({"stage": "replicate", "replicates": len(self.runs),
                           "elapsed": time.monotonic() - self.started,
                           "decoder_calls": sum(r["decoder_calls"] for r in self.runs),
                           "estimate": None if shot is None else shot.estimate,
                           "high": None if shot is None else shot.high,
                           "levels": run.levels})

    def _warnings(self, complete: bool) -> list[str]:
        warnings = []
        if not complete:
            warnings.append(
                f"incomplete: {len(self.runs)} of at least {self.min_replicates} replicates "
                "(time limit); run again with the same arguments to continue")
            return warnings
        runs = self.runs
        violations = sum(r["tie_violations"] for r in runs)
        if violations:
            warnings.append(f"{violations} failing configurations had a negative gap: the score "
                            "disagrees with the decoder, the estimate is not valid")
        final = np.array([r["lineages"][-1] for r in runs])
        if np.median(final) < 3:
            warnings.append(
                f"the chains did not mix: the median replicate's last level descends from "
                f"{np.median(final):.0f} first-level configurations; estimates of this kind "
                "are typically too low: raise steps, and compare with the splitting ladder")
        logs = np.array([r["log_probability"] for r in runs])
        spread = float(np.std(logs, ddof=1)) if len(logs) > 1 else 0.0
        if spread > 1.5:
            warnings.append(f"the replicates' ln P spread by {spread:.2f} (standard deviation): "
                            "a heavy tail the interval may not cover; use more samples or "
                            "steps")
        values = np.exp(logs - logs.max())
        share = float(values.max() / values.sum())
        if len(runs) >= 8 and share > 0.5:
            warnings.append(f"one replicate carries {share:.0%} of the estimate: it rests on a "
                            "rare, large value")
        half = len(logs) // 2
        if half >= 4:
            a, b = logs[:half], logs[half:2 * half]
            error = math.sqrt(a.var(ddof=1) / half + b.var(ddof=1) / half)
            if error > 0 and abs(a.mean() - b.mean()) / error > 3:
                warnings.append(f"the first and second halves of the replicates disagree by "
                                f"{abs(a.mean() - b.mean()) / error:.1f} standard errors")
        acceptance = [a for r in runs for a in r["acceptance"]]
        if acceptance and min(acceptance) < 0.02:
            warnings.append(f"a level accepted {min(acceptance):.1%} of its moves: its chains "
                            "barely moved")
        shot = self._interval(len(runs))
        if shot.estimate > 0 and shot.high / shot.estimate - 1 > self.relative_error * 1.05:
            warnings.append(
                f"the interval's half-width is +{shot.high / shot.estimate - 1:.0%}, wider "
                f"than the relative error asked for ({self.relative_error:.0%})")
        return warnings

    def _result(self) -> RareEventEstimate:
        complete = len(self.runs) >= self.min_replicates
        shot = per_round = None
        equivalent = None
        if complete:
            shot = self._interval(len(self.runs))
            rounds = int(self.task.json_metadata.get("rounds", 1) or 1)
            per_round = shot.per_round(rounds=rounds, values=max(1, self.task.num_observables))
            sigma = math.log(shot.high / shot.estimate) / float(
                _student(len(self.runs) - 1, self.confidence))
            if sigma > 0 and 0 < shot.estimate < 1:
                equivalent = (1 - shot.estimate) / (shot.estimate * sigma ** 2)
        levels = _level_summaries(self.runs)
        return RareEventEstimate(
            logical_error_per_shot=shot, logical_error_per_round=per_round, method="subset",
            decoder_calls=sum(r["decoder_calls"] for r in self.runs),
            equivalent_direct_shots=equivalent,
            seconds=self.previous_seconds + time.monotonic() - self.started,
            worker_seconds=self.worker_seconds,
            total_worker_seconds=math.fsum(run["seconds"] for run in self.runs),
            rungs=(), direct_shots=self.samples * len(
                self.runs), direct_failures=0, warnings=tuple(self._warnings(complete)),
            complete=complete, strong_id=self.stored.strong_id, replicates=len(self.runs),
            levels=levels)


def _student(dof: int, confidence: float) -> float:
    return float(stdtrit(dof, 0.5 + confidence / 2))


def _level_summaries(runs: list[dict[str, Any]]) -> tuple[dict[str, float], ...]:
    """Per level, over the replicates that reached it: their number, the median threshold
    and lineages, the mean acceptance and faults."""
    depth = max((len(r["lineages"]) for r in runs), default=0)
    levels = []
    for level in range(depth):
        reached = [r for r in runs if len(r["lineages"]) > level]
        thresholds = [r["thresholds"][level - 1] for r in reached if level >= 1]
        acceptance = [r["acceptance"][level - 1] for r in reached if level >= 1]
        levels.append({
            "level": level, "replicates": len(reached),
            "threshold": float(np.median(thresholds)) if thresholds else None,
            "acceptance": float(np.mean(acceptance)) if acceptance else None,
            "lineages": float(np.median([r["lineages"][level] for r in reached])),
            "mean_faults": float(np.mean([r["mean_faults"][level] for r in reached]))})
    return tuple(levels)
