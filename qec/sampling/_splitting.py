"""Logical error rates far below what direct sampling reaches: the splitting estimator.

The method is Bravyi and Vargo's splitting (arXiv:1308.6270), on a detector error model as
Mayer et al. do for circuit noise (arXiv:2509.13678), with many independently seeded chains
(Beverland et al., arXiv:2511.15177):

1. **Ladder.** A family of models in one parameter, the scale ``s`` of every mechanism's odds
   (:mod:`qec.sampling._splitting_kernel`): ``s = 1`` is the task's own model; the decoder is
   compiled once, for it, and never changes (so the set of failing configurations is the same
   on every rung). The ladder starts at about the smallest scale ``s_0 = 2^(k/8)`` where a
   pilot of 1,024 direct shots fails at least 1% of the time (steps of sqrt(2), then two
   bisections), and steps down by Bravyi and Vargo's rule
   ``s_(j+1) = s_j 2^(-1/sqrt(w_j))``, ``w_j`` the mean number of faults of the failing
   configurations at ``s_j`` (by default with steps twice as long: Bennett's estimator
   keeps its precision there, and the overlap check guards it), to ``s = 1`` exactly.
2. **Start.** ``P_0``, the failure probability at ``s_0``, is sampled directly (stim's DEM
   sampler, with the fired mechanisms recorded); its failing shots seed the chains, so the
   first rung starts in equilibrium, each chain from its own independent configuration.
3. **Rungs.** At each scale the chains run Metropolis-Hastings over the failing
   configurations; each rung's ratio ``P_(j+1) / P_j`` is Bennett's acceptance-ratio estimate
   from the samples of both neighbours (the maximum-likelihood form). The first quarter of
   each rung's samples is discarded as burn-in. Each rung runs a length planned before it
   starts, from the budget left and the cost coefficients of the rungs before it, so that
   rungs are of balanced length (see ``_Ladder._planned_length``), and on while its samples
   still drift.
4. **Interval.** ``ln P = ln P_0 + sum_j ln(P_(j+1) / P_j)``. The chains form ``G``
   independent groups (their seeds and random streams are disjoint); the delete-one-group
   jackknife over the whole ladder gives the variance (it sees the autocorrelation within
   chains and the correlation between rungs), plus the binomial variance of ``ln P_0``; the
   jackknife bias estimate is added to the width. See :class:`qec.data.SplittingEstimator`.
5. **Diagnostics.** Per rung: acceptance, the integrated autocorrelation time and effective
   samples of ``|E|`` (from the spread of group means), drift between the first and second
   half of the kept samples, and the overlap of neighbouring rungs. A rung that fails a check
   adds a warning to the result; an estimate with warnings says so wherever it is printed.

Each completed rung is committed to the results database with its chains (a checkpoint), so a
re-run continues at the next rung and gives the numbers an uninterrupted run gives: every
random stream is seeded by ``(seed, rung, round, unit)``, and the chains are split into a fixed
number of units whatever the number of workers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.stats import t as t_dist

from qec._validate import int_at_least
from qec.data import Interval, Task, jackknife_variance, splitting_interval
from qec.sampling._executors import make_executor
from qec.sampling._splitting_kernel import (
    ChainContext,
    ChainWork,
    SeedWork,
    from_bytes,
    pack_members,
    to_bytes,
    unpack_members,
)
from qec.sampling._worker import TaskPayload
from qec.store import ResultStore

__all__ = ["RareEventEstimate", "RungSummary", "estimate_rare_error", "splitting_task"]

_UNITS = 4  # work units per rung round: fixed, so results do not depend on the worker count
_PILOT_SHOTS = 1024
_PILOT_MIN_FAILURES = 10  # 1% of the pilot: the ladder's start
_MAX_PILOT_STEPS = 48  # scales up to 2^24
_SEED_SHOTS = 4096  # direct shots per work unit at the start
_BURN_IN = 0.25  # fraction of each rung's iterations discarded
_START_SHARE = 1 / 16  # of the variance budget, for ln P_0 (direct shots are cheap)
_BLOCK_START = 0.1  # the block moves' renewal fraction on the first rung
_BLOCK_ACCEPTANCE = 0.3  # the block moves' acceptance the fraction is tuned to, rung by rung
_SETTLED = 2.5  # a rung runs on while its kept samples drift by more (z-score)


@dataclasses.dataclass(frozen=True)
class RungSummary:
    """One rung of the ladder.

    Attributes:
        level: 0 for the start.
        scale: the odds scale ``s`` of the rung.
        mean_faults: mean ``|E|`` of the failing configurations sampled.
        iterations: proposals per chain.
        decoder_calls: decoder calls of the rung's chains.
        acceptance: accepted moves per proposal.
        autocorrelation: integrated autocorrelation time of ``|E|``, in iterations.
        effective_samples: kept samples divided by the autocorrelation time.
        drift: z-score of the difference of the mean ``|E|`` between the first and second half
            of the kept samples (large: the chains had not settled).
        log_ratio: ``ln(P_level / P_(level-1))`` (``ln P_0`` for the start).
        log_ratio_sd: its jackknife standard deviation (binomial for the start).
        overlap: the smaller of the two fractions of one rung's samples whose ``|E|`` lies in
            the other's central 98% (1 for the start).
    """

    level: int
    scale: float
    mean_faults: float
    iterations: int
    decoder_calls: int
    acceptance: float
    autocorrelation: float
    effective_samples: float
    drift: float
    log_ratio: float
    log_ratio_sd: float
    overlap: float

    def to_json(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return {key: (round(value, 6) if isinstance(value, float) else value)
                for key, value in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class RareEventEstimate:
    """A logical error rate estimated by splitting (or, when it is large, sampled directly).

    Attributes:
        logical_error_per_shot: the estimate with its interval (None when incomplete).
        logical_error_per_round: the same per round (``rounds`` and the observables' count k).
        method: ``"splitting"``, or ``"direct"`` when direct sampling reached the precision.
        decoder_calls: decoder calls of the whole estimate (direct shots included).
        equivalent_direct_shots: the shots direct sampling would need for the same relative
            standard error, ``(1 - P) / (P sigma^2)``.
        seconds: wall-clock seconds of the estimate (those of stored levels included).
        worker_seconds: seconds the workers spent in this run (sampling and decoding).
        rungs: the ladder.
        direct_shots, direct_failures: the direct sample at the start.
        warnings: why the estimate may not be trusted (empty when every check passed).
        complete: whether the ladder reached the target model.
        strong_id: the task of the estimate in the results database.
    """

    logical_error_per_shot: Interval | None
    logical_error_per_round: Interval | None
    method: str
    decoder_calls: int
    equivalent_direct_shots: float | None
    seconds: float
    worker_seconds: float
    rungs: tuple[RungSummary, ...]
    direct_shots: int
    direct_failures: int
    warnings: tuple[str, ...]
    complete: bool
    strong_id: str

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (the keys of ``qec lowrate --json``)."""
        shot = self.logical_error_per_shot
        per_round = self.logical_error_per_round
        return {
            "logical_error_per_shot": None if shot is None else shot.estimate,
            "logical_error_per_shot_ci": None if shot is None else [shot.low, shot.high],
            "logical_error_per_round": None if per_round is None else per_round.estimate,
            "logical_error_per_round_ci": (None if per_round is None
                                           else [per_round.low, per_round.high]),
            "confidence": None if shot is None else shot.confidence,
            "method": self.method,
            "decoder_calls": self.decoder_calls,
            "equivalent_direct_shots": self.equivalent_direct_shots,
            "seconds": round(self.seconds, 3),
            "worker_seconds": round(self.worker_seconds, 3),
            "complete": self.complete,
            "direct_shots": self.direct_shots,
            "direct_failures": self.direct_failures,
            "rungs": [rung.to_json() for rung in self.rungs],
            "warnings": list(self.warnings),
            "strong_id": self.strong_id,
        }


def splitting_task(task: Task, *, seed: int, chains: int, groups: int) -> Task:
    """The stored task of a splitting estimate of ``task``: the same circuit and decoder, its
    metadata plus ``estimator="splitting"`` and the method's identity (seed, chains, groups).

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit("X_ERROR(0.1) 0\\nM 0\\nDETECTOR rec[-1]\\n"
        ...                        "OBSERVABLE_INCLUDE(0) rec[-1]")
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"p": 0.1})
        >>> splitting_task(task, seed=1, chains=64, groups=16).json_metadata["estimator"]
        'splitting'
    """
    metadata = dict(task.json_metadata)
    metadata.update({"estimator": "splitting", "splitting": {
        "seed": int(seed), "chains": int(chains), "groups": int(groups)}})
    return Task(circuit=task.circuit, decoder=task.decoder, json_metadata=metadata)


def _stim_seed(*parts: Any) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _check_relative_error(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"relative_error={value!r} must be a number in [0.01, 10]")
    value = float(value)
    if not 0.01 <= value <= 10:
        raise ValueError(f"relative_error={value!r} must be in [0.01, 10] (the interval's "
                         "half-width over the estimate, e.g. 0.3 for +-30%)")
    return value


def _bar_log_ratio(counts_a: np.ndarray, counts_b: np.ndarray, *, slope: float,
                   offset: float) -> float:
    """Bennett's acceptance-ratio estimate of ``ln(Z_b / Z_a)``, maximum-likelihood form.

    ``counts_a`` and ``counts_b`` are histograms over ``|E|`` (index = |E|) of samples of the
    two rungs; the log-weight ratio of a configuration is ``u = slope |E| - offset``.
    """
    n_a, n_b = counts_a.sum(), counts_b.sum()
    if n_a == 0 or n_b == 0:
        return math.nan
    sizes_a = np.flatnonzero(counts_a)
    sizes_b = np.flatnonzero(counts_b)
    u_a = slope * sizes_a - offset
    u_b = slope * sizes_b - offset
    w_a, w_b = counts_a[sizes_a], counts_b[sizes_b]
    m = math.log(n_a / n_b)

    def balance(log_ratio: float) -> float:
        left = (w_a * _logistic(u_a - log_ratio - m)).sum()
        right = (w_b * _logistic(log_ratio + m - u_b)).sum()
        return float(left - right)

    low = float(min(u_a.min(), u_b.min())) - 60
    high = float(max(u_a.max(), u_b.max())) + 60
    return float(brentq(balance, low, high, xtol=1e-12))


def _logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * x))


class _Rung:
    """A rung's chains and the sizes they visited (its trace)."""

    def __init__(self, level: int, scale: float, members: list[np.ndarray],
                 thin: float = 1.0) -> None:
        self.level = level
        self.scale = scale
        self.thin = thin
        self.members = members
        self.traces: list[np.ndarray] = []
        self.decoder_calls = 0
        self.accepted = 0
        self.proposals = 0
        self.seconds = 0.0
        self.rounds = 0
        self.block_moves = 0
        self.block_accepted = 0

    @property
    def iterations(self) -> int:
        return sum(len(t) for t in self.traces)

    def kept(self) -> np.ndarray:
        """The kept samples: shape (iterations after burn-in, chains)."""
        trace = np.concatenate(self.traces) if self.traces else np.zeros((0, len(self.members)))
        return trace[int(len(trace) * _BURN_IN):]


def _histograms(samples: np.ndarray, groups: int, size: int) -> np.ndarray:
    """Per-group histograms of ``|E|``: shape (groups, size)."""
    chains = samples.shape[1]
    per = chains // groups
    out = np.zeros((groups, size), dtype=np.int64)
    for g in range(groups):
        block = samples[:, g * per:(g + 1) * per].ravel()
        out[g] = np.bincount(block, minlength=size)[:size]
    return out


class _Ladder:
    """The splitting estimate of one task: its rungs, their storage and their statistics."""

    def __init__(self, task: Task, *, store: ResultStore | None, seed: int, chains: int,
                 groups: int, relative_error: float, confidence: float, step: float,
                 min_iterations: int, max_iterations: int, round_iterations: int,
                 executor_factory: Callable[[], Any], time_limit: float | None,
                 progress: Callable[[dict[str, Any]], None] | None) -> None:
        self.task = task
        self.stored = splitting_task(task, seed=seed, chains=chains, groups=groups)
        self.store = store
        self.seed = seed
        self.chains = chains
        self.groups = groups
        self.confidence = confidence
        # The interval's quantile: Student's, with the jackknife's groups - 1 degrees of freedom.
        z = float(t_dist.ppf(0.5 + confidence / 2, groups - 1))
        self.variance_goal = (math.log1p(relative_error) / z) ** 2
        self.relative_error = relative_error
        self.step = step
        self.block = _BLOCK_START
        self.min_iterations = min_iterations
        self.max_iterations = max_iterations
        self.round_iterations = round_iterations
        self.time_limit = time_limit
        self.progress = progress
        self.executor_factory = executor_factory
        self.executor: Any = None
        self.context = ChainContext(str(task.circuit), task.decoder)
        self.model = self.context.model
        self.payload = TaskPayload(strong_id=self.stored.strong_id,
                                   circuit_text=str(task.circuit), decoder_name=task.decoder)
        self.sums: dict[str, float] = {}
        self.rungs: list[RungSummary] = []
        self.histograms: dict[int, np.ndarray] = {}
        self.scales: dict[int, float] = {}
        self.warnings: list[str] = []
        self.decoder_calls = 0
        self.seconds = 0.0
        self.direct_shots = 0
        self.direct_failures = 0
        self.started = time.monotonic()
        self.saved_at = self.started
        self.pilot_seconds_per_shot = 0.0
        self.next_batch = 0
        self.variance_used = 0.0
        self.kappas: list[float] = []  # the rungs' own cost coefficients (see _kappa)
        self.max_rungs: int | None = None
        self.rungs_run = 0

    # Work on the executor.
    def _run(self, works: list[Any]) -> list[Any]:
        if self.executor is None:
            self.executor = self.executor_factory()
        for work in works:
            self.executor.submit(work, self.payload)
        results: dict[int, Any] = {}
        wanted = {work.batch_id for work in works}
        while wanted - set(results):
            for result in self.executor.wait(1.0):
                if result.batch_id in wanted:
                    if result.error is not None:
                        kind, message, _ = result.error
                        raise ValueError(f"a splitting worker failed: {kind}: {message}")
                    results[result.batch_id] = result
        return [results[work.batch_id] for work in works]

    def _batch_id(self) -> int:
        self.next_batch += 1
        return self.next_batch

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None

    def _out_of_time(self) -> bool:
        return self.time_limit is not None and time.monotonic() - self.started > self.time_limit

    def _report(self, **fields: Any) -> None:
        if self.progress is not None:
            self.progress({"elapsed": time.monotonic() - self.started,
                           "decoder_calls": self.decoder_calls, **fields})

    # The start.
    def pilot(self) -> float:
        """The start scale: about the smallest ``2^(k/8)`` whose pilot fails at least 1% of
        the time. Steps of sqrt(2) find the first scale that passes; two bisections (in log
        scale) between it and the step before narrow it to a factor ``2^(1/8)``. A factor
        sqrt(2) too high costs the ladder about ``sqrt(w) / (2 step)`` extra rungs (``w``
        the faults of a failing configuration: 8 rungs at d = 23), so the refinement, two
        more pilots of 1,024 shots, pays for itself many times over."""
        def fails_enough(scale: float, *label: Any) -> bool:
            [result] = self._run([SeedWork(self._batch_id(), self.stored.strong_id, scale,
                                           _stim_seed(self.seed, self.stored.strong_id, "pilot",
                                                      *label), _PILOT_SHOTS, 0)])
            self.decoder_calls += result.shots
            self.seconds += result.seconds
            self.pilot_seconds_per_shot = result.seconds / max(result.shots, 1)
            self._report(stage="pilot", scale=scale, failures=result.failures,
                         shots=result.shots)
            return result.failures >= _PILOT_MIN_FAILURES

        for k in range(_MAX_PILOT_STEPS + 1):
            if fails_enough(2.0 ** (k / 2), k):
                break
        else:
            raise ValueError(
                f"the ladder cannot start: no scale of the noise up to {2.0 ** (k / 2):.3g} "
                f"times its odds made the decoder fail in {_PILOT_SHOTS} shots (fewer than "
                f"{_PILOT_MIN_FAILURES} failures); the decoder may never fail on this circuit")
        low, high = 4 * (k - 1), 4 * k  # in eighths of a doubling: 2^(low/8) did not pass
        while k > 0 and high - low > 1:
            middle = (low + high) // 2
            if fails_enough(2.0 ** (middle / 8), k, "refine", middle):
                high = middle
            else:
                low = middle
        scale = 2.0 ** (high / 8)
        self._check_time(scale)
        return scale

    def _check_time(self, scale: float) -> None:
        """Refuses up front when the decoder is too slow for the time limit: the ladder's cost
        is about ``1 + log2(s_0) sqrt(w)`` rungs of ``chains * min_iterations`` proposals,
        most of them a decoder call; a call on one syndrome costs a few times the per-shot
        time of the pilot's batch."""
        if self.time_limit is None or scale == 1.0:
            return
        faults = self.model.expected_faults(scale)
        rungs = 1 + math.log2(scale) * math.sqrt(max(faults, 1.0))
        calls = rungs * self.chains * self.min_iterations * 0.8
        workers = max(1, getattr(self.executor, "num_workers", 1))
        seconds = calls * 3 * self.pilot_seconds_per_shot / workers
        if seconds > 2 * self.time_limit:
            raise ValueError(
                f"decoder {self.task.decoder!r} is too slow for time_limit={self.time_limit:g} "
                f"s: about {self.pilot_seconds_per_shot * 1e6:.0f} us per shot, and the ladder "
                f"needs about {calls:.2g} decoder calls (~{rungs:.0f} rungs), roughly "
                f"{seconds:.0f} s on {workers} worker(s); allow more time, add workers or use "
                "a faster decoder")

    def start(self, scale: float) -> list[np.ndarray]:
        """Direct sampling at the start scale: ``P_0`` and the chains' seeds."""
        direct = scale == 1.0
        members: list[np.ndarray] = []
        shots = failures = 0
        unit = 0
        goal = self.variance_goal if direct else self.variance_goal * _START_SHARE
        enough = False
        while not enough:
            keep = self.chains if len(members) < self.chains else 0  # seeds still wanted
            works = [SeedWork(self._batch_id(), self.stored.strong_id, scale,
                              _stim_seed(self.seed, self.stored.strong_id, "start", unit + i),
                              _SEED_SHOTS, keep) for i in range(_UNITS)]
            for result in self._run(works):  # in unit order, so the stopping point is fixed
                unit += 1
                shots += result.shots
                failures += result.failures
                self.seconds += result.seconds
                if len(members) < self.chains:
                    members.extend(unpack_members(result.flat, result.lengths)
                                   [:self.chains - len(members)])
                variance = (1 - failures / shots) / failures if failures else math.inf
                if len(members) >= self.chains and variance <= goal:
                    enough = True
                    break
            self._report(stage="start", scale=scale, failures=failures, shots=shots)
            if not enough and self._out_of_time():
                return []
        self.decoder_calls += shots
        self.direct_shots, self.direct_failures = shots, failures
        estimate = failures / shots
        self.sums = {"log_estimate": math.log(estimate), "var_extra": (1 - estimate) / failures,
                     **{f"jk_{g}": math.log(estimate) for g in range(self.groups)}}
        return members

    # Rungs.
    def run_rung(self, rung: _Rung, previous: int | None) -> bool:
        """Runs a rung for its planned length and until its samples stop drifting (or the cap).

        Returns False when the time limit stopped it (the rung is then not stored).
        """
        per_unit = self.chains // _UNITS
        planned = None
        while True:
            works = []
            for u in range(_UNITS):
                flat, lengths = pack_members(rung.members[u * per_unit:(u + 1) * per_unit])
                thin = rung.thin if rung.rounds == 0 else 1.0
                works.append(ChainWork(self._batch_id(), self.stored.strong_id, rung.scale,
                                       flat, lengths, self.round_iterations,
                                       (self.seed, rung.level, rung.rounds, u), thin,
                                       self.block))
            results = self._run(works)
            rung.rounds += 1
            members: list[np.ndarray] = []
            traces = []
            for result in results:
                members.extend(unpack_members(result.flat, result.lengths))
                traces.append(result.trace)
                rung.decoder_calls += result.decoder_calls
                rung.accepted += result.accepted
                rung.proposals += result.proposals
                rung.seconds += result.seconds
                rung.block_moves += result.block_moves
                rung.block_accepted += result.block_accepted
            rung.members = members
            rung.traces.append(np.concatenate(traces, axis=1))
            done = (rung.iterations >= self.min_iterations
                    and abs(self._drift(rung.kept())) <= _SETTLED)
            if previous is not None and done:
                if planned is None:  # once per rung: see _planned_length
                    planned = self._planned_length(previous, rung, self._rung_goal(rung))
                done = len(rung.kept()) >= planned
            if rung.iterations >= self.max_iterations:
                if not done:
                    why = ("its samples still drifted" if planned is None else
                           f"the {planned / (1 - _BURN_IN):.0f} iterations planned for the "
                           "relative error asked")
                    self.warnings.append(
                        f"rung {rung.level} (scale {rung.scale:.4g}) stopped at "
                        f"max_iterations={self.max_iterations} before {why}")
                done = True
            self._report(stage="rung", level=rung.level, scale=rung.scale,
                         iterations=rung.iterations,
                         mean_faults=float(rung.kept().mean()) if rung.iterations else 0.0,
                         acceptance=rung.accepted / max(rung.proposals, 1),
                         decoder_calls=self.decoder_calls + rung.decoder_calls)
            if done:
                return True
            if self._out_of_time():
                return False

    def resample(self, members: list[np.ndarray], *, ratio: float, level: int
                 ) -> list[np.ndarray]:
        """Population annealing's step between rungs: within each group, the chains are
        resampled with weights ``ratio^|E|`` (systematic resampling), the importance weights
        from one rung's distribution to the next. Chains stuck in a region of the failing set
        that the next rung weighs less are thinned out, and those in regions it weighs more
        are copied, which the chains' own moves could not do between disconnected regions."""
        rng = np.random.default_rng([self.seed, level, 7])
        per = len(members) // self.groups
        sizes = np.asarray([len(m) for m in members], dtype=np.float64)
        out: list[np.ndarray] = []
        for g in range(self.groups):
            block = sizes[g * per:(g + 1) * per]
            log_w = block * math.log(ratio)
            w = np.exp(log_w - log_w.max())
            cumulative = np.cumsum(w / w.sum())
            picks = np.searchsorted(cumulative, (rng.random() + np.arange(per)) / per)
            out.extend(members[g * per + int(min(i, per - 1))] for i in picks)
        return out

    def _drift(self, kept: np.ndarray) -> float:
        """z-score of the change of the mean ``|E|`` from the first to the second half of the
        kept samples, with the spread over the chain groups as its error."""
        half = len(kept) // 2
        if half < 2 or kept.var() == 0:
            return 0.0
        per = kept.shape[1] // self.groups
        diffs = np.asarray([kept[:half, g * per:(g + 1) * per].mean()
                            - kept[half:, g * per:(g + 1) * per].mean()
                            for g in range(self.groups)])
        se = float(diffs.std(ddof=1) / math.sqrt(self.groups))
        return float(diffs.mean() / se) if se > 0 else 0.0

    def _ladder_variance(self) -> float:
        """The jackknife variance of the chains' part of ln P so far (the rungs' terms)."""
        return jackknife_variance(self.sums.get(f"jk_{g}", 0.0) for g in range(self.groups))

    def _remaining_rungs(self, rung: _Rung) -> float:
        """This rung and those still to come, by the ladder rule from its scale to 1."""
        faults = max(float(rung.kept().mean()), 1.0)
        return 1 + max(0.0, math.log2(max(rung.scale, 1.0)) * math.sqrt(faults) / self.step)

    def _rung_goal(self, rung: _Rung) -> float:
        """The variance this rung's ratio may have: what is left of the budget, shared by the
        rungs still to come (estimated by the ladder rule from here to scale 1), and divided
        by how much the ladder's variance so far exceeds the sum of its rungs' variances (the
        rungs of one chain group are positively correlated: its chains carry their state
        from rung to rung)."""
        remaining = self._remaining_rungs(rung)
        ladder = self._ladder_variance()
        inflation = max(1.0, ladder / self.variance_used) if self.variance_used > 0 else 1.0
        left = max(self.variance_goal * (1 - _START_SHARE) - max(ladder, self.variance_used),
                   self.variance_goal / 100)
        return left / remaining / inflation

    def _kappa(self, previous: int, rung: _Rung) -> float:
        """The rung's cost coefficient: the variance its own samples add to its ratio (the
        jackknife over its groups, with the previous rung's samples held fixed), times their
        number of kept iterations."""
        replicates = self._ratio_replicates(previous, rung, own_only=True)
        return jackknife_variance(replicates[1:]) * len(rung.kept())

    def _planned_length(self, previous: int, rung: _Rung, goal: float) -> float:
        """The kept iterations this rung runs: rungs of balanced length.

        A rung's samples enter two ratios, with the rung before and the rung after, so the
        ladder's variance is about ``sum_j 2 kappa_j / n_j`` for rungs of ``n_j`` kept
        iterations and cost coefficients ``kappa_j`` (:meth:`_kappa`); for a budget it is
        least with ``n_j`` alike. The length is ``2 kappa / goal``, ``goal`` the rung's share
        of what is left of the budget and ``kappa`` the mean coefficient of the rungs before
        (the rung's own only on the first rung with a ratio, measured when the rung first
        has its minimum length and has settled): so the length is fixed before the rung's own
        noisy variance is seen, and the plan is made once per rung. Two rules this replaces:
        stopping a rung when its ratio looks precise enough made a rung after a short one run
        on and on (the short rung's part of the ratio does not shrink) and the next stop
        early, which repeats; re-planning the first ratio's rung from its own coefficient as
        it ran could run away (where the groups differ by more than the rung's length
        averages out, the coefficient, a variance times a length, grows with the length, and
        so did the plan: 13,700 kept iterations at d = 19 with a doubled goal). When the
        rungs so far overspent the budget, the later ones lengthen, up to four times the
        length the whole budget gives every rung; beyond that the interval is left wider than
        asked, and the result says so.
        """
        kappa = (sum(self.kappas) / len(self.kappas) if self.kappas
                 else self._kappa(previous, rung))
        rungs = len(self.kappas) + self._remaining_rungs(rung)
        even = 2 * kappa * rungs / (self.variance_goal * (1 - _START_SHARE))
        return min(2 * kappa / goal, 4 * even)

    def _size(self, *samples: np.ndarray) -> int:
        return int(max((s.max() for s in samples if s.size), default=0)) + 1

    def _ratio_replicates(self, previous: int, rung: _Rung, *, own_only: bool = False
                          ) -> np.ndarray:
        """``ln(P_rung / P_previous)`` and its delete-one-group replicates (each deleting the
        group from both rungs' samples, or with ``own_only`` from this rung's only)."""
        kept = rung.kept()
        old = self.histograms[previous]
        size = max(old.shape[1], self._size(kept))
        old = np.pad(old, ((0, 0), (0, size - old.shape[1])))
        new = _histograms(kept, self.groups, size)
        s_a, s_b = self.scales[previous], rung.scale
        slope = math.log(s_b / s_a)
        offset = self.model.log_partition(s_b) - self.model.log_partition(s_a)
        out = [_bar_log_ratio(old.sum(axis=0), new.sum(axis=0), slope=slope, offset=offset)]
        for g in range(self.groups):
            keep = np.arange(self.groups) != g
            before = old.sum(axis=0) if own_only else old[keep].sum(axis=0)
            out.append(_bar_log_ratio(before, new[keep].sum(axis=0), slope=slope,
                                      offset=offset))
        return np.asarray(out)

    def finish_rung(self, rung: _Rung, previous: int | None) -> tuple[dict[str, float],
                                                                      RungSummary]:
        """The rung's sums (its term of ln P and the jackknife replicates) and summary."""
        kept = rung.kept()
        size = self._size(kept)
        histograms = _histograms(kept, self.groups, size)
        self.histograms[rung.level] = histograms
        self.scales[rung.level] = rung.scale
        mean = float(kept.mean())
        variance = float(kept.var())
        group_means = np.asarray([h @ np.arange(size) / max(h.sum(), 1) for h in histograms])
        per_group = kept.size / self.groups
        tau = (float(group_means.var(ddof=1)) * per_group / variance if variance > 0
               else 1.0)
        tau = max(tau, 1.0)
        drift = self._drift(kept)
        if previous is None:
            sums: dict[str, float] = {}
            log_ratio = self.sums["log_estimate"]
            sd = math.sqrt(self.sums["var_extra"])
            overlap = 1.0
        else:
            replicates = self._ratio_replicates(previous, rung)
            log_ratio = float(replicates[0])
            jk = replicates[1:]
            sd = math.sqrt(jackknife_variance(jk))
            sums = {"log_estimate": log_ratio,
                    **{f"jk_{g}": float(jk[g]) for g in range(self.groups)}}
            overlap = _overlap(self.histograms[previous].sum(axis=0), histograms.sum(axis=0))
            self.variance_used += sd ** 2
            self.kappas.append(self._kappa(previous, rung))
        sums["levels"] = 1.0
        if rung.scale == 1.0:
            sums["complete"] = 1.0
        summary = RungSummary(
            level=rung.level, scale=rung.scale, mean_faults=mean, iterations=rung.iterations,
            decoder_calls=rung.decoder_calls, acceptance=rung.accepted / max(rung.proposals, 1),
            autocorrelation=tau, effective_samples=kept.size / tau, drift=drift,
            log_ratio=log_ratio, log_ratio_sd=sd, overlap=overlap)
        return sums, summary

    def tune_block(self, rung: _Rung) -> None:
        """Sets the next rung's block fraction from this rung's block acceptance (between
        rungs only, so that each rung's chains are an unchanging Markov chain)."""
        if rung.block_moves:
            rate = rung.block_accepted / rung.block_moves
            self.block = float(np.clip(self.block * np.clip(rate / _BLOCK_ACCEPTANCE, 0.5, 2),
                                       0.005, 0.5))

    def diagnose(self, summary: RungSummary) -> None:
        """Adds the warnings a rung's diagnostics call for."""
        where = f"rung {summary.level} (scale {summary.scale:.4g})"
        if summary.effective_samples < 100:
            self.warnings.append(
                f"{where}: only {summary.effective_samples:.0f} effective samples "
                f"(autocorrelation time {summary.autocorrelation:.0f} iterations): the chains "
                "mix slowly; raise max_iterations or the number of chains")
        if abs(summary.drift) > 4:
            self.warnings.append(
                f"{where}: the mean fault count drifts between the halves of the kept samples "
                f"(z = {summary.drift:.1f}): the chains had not reached equilibrium")
        if summary.acceptance < 0.001:
            self.warnings.append(f"{where}: acceptance {summary.acceptance:.2%}: the chains "
                                 "hardly move")
        if summary.overlap < 0.05:
            self.warnings.append(
                f"{where}: the neighbouring rungs hardly overlap ({summary.overlap:.1%}); the "
                "ratio between them is unreliable")


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """The smaller fraction of one histogram's mass inside the other's central 98%."""
    def central(h: np.ndarray) -> tuple[int, int]:
        c = np.cumsum(h) / h.sum()
        return int(np.searchsorted(c, 0.01)), int(np.searchsorted(c, 0.99))

    size = max(len(a), len(b))
    a, b = np.pad(a, (0, size - len(a))), np.pad(b, (0, size - len(b)))
    (la, ha), (lb, hb) = central(a), central(b)
    return float(min(b[la:ha + 1].sum() / b.sum(), a[lb:hb + 1].sum() / a.sum()))


def estimate_rare_error(
    task: Task,
    *,
    db: Any = None,
    relative_error: float = 0.3,
    confidence: float = 0.95,
    seed: int = 0,
    chains: int = 128,
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
) -> RareEventEstimate:
    """Estimates the logical error per shot of a task by splitting, however small it is.

    The method, its interval and its diagnostics are described in :mod:`qec.sampling`'s
    splitting module (``qec/sampling/_splitting.py``). When the error is large enough that
    direct sampling reaches the precision quickly (at least 1% in a pilot), it samples
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
        chains: Markov chains, at least 32, a multiple of ``groups`` and of 4 (the chains are
            run in 4 fixed work units, whatever the number of workers).
        groups: independent chain groups of the jackknife (at least 4).
        step: the ladder's step in units of Bravyi and Vargo's: ``s_(j+1) = s_j
            2^(-step / sqrt(w_j))``. Bennett's estimator tolerates steps beyond their rule
            (which was for a simple ratio estimate); the overlap check warns when a step is
            too long. In (0, 4].
        workers, dask: where chains run: local processes (all cores by default) or a Dask
            cluster, as for :func:`qec.sampling.collect`.
        min_iterations, max_iterations: proposals per chain and rung, at least and at most.
        round_iterations: proposals per chain between two checks of a rung's precision.
        time_limit: seconds after which the estimate stops (stored rungs are kept; the result
            is then incomplete).
        max_rungs: stop after completing this many rungs in this call (the start counts as
            one); the result is then incomplete and a re-run continues. None: no limit.
        progress: called with a dict after every step (for a progress display).

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
    if chains % groups or chains % _UNITS:
        raise ValueError(f"chains={chains} must be a multiple of groups={groups} and of "
                         f"{_UNITS}")
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
                     progress=progress)
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
        rung = _Rung(level, scale, members, thin=scale / old_scale)
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
              warnings=ladder.warnings[warnings_before:])
        members = rung.members
        complete = scale == 1.0
        level += 1
        ladder.rungs_run += 1
    return _result(ladder, previous_seconds, complete=True)


def _save(ladder: _Ladder, store: ResultStore | None, *, level: int, scale: float,
          sums: dict[str, float], summary: RungSummary, members: list[np.ndarray],
          histograms: np.ndarray, decoder_calls: int, errors: int,
          warnings: list[str] | None = None) -> None:
    now = time.monotonic()
    seconds, ladder.saved_at = now - ladder.saved_at, now  # wall time of this level
    if store is None:
        return
    flat, lengths = pack_members(members)
    info = {"scale": scale, "sums": sums, "summary": dataclasses.asdict(summary),
            "warnings": warnings or [], "decoder_calls": decoder_calls, "seconds": seconds,
            "direct_shots": ladder.direct_shots, "direct_failures": ladder.direct_failures,
            "block": ladder.block, "kappa": ladder.kappas[-1] if level and ladder.kappas else None}
    data = to_bytes({"flat": flat, "lengths": lengths, "histograms": histograms,
                     "info": np.frombuffer(json.dumps(info).encode(), dtype=np.uint8)})
    store.save_level(ladder.stored.strong_id, level=level, seed=ladder.seed,
                     shots=decoder_calls, errors=errors, seconds=seconds, sums=sums,
                     custom_counts={"decoder_calls": decoder_calls}, checkpoint=data)


def _result(ladder: _Ladder, previous_seconds: float, *, complete: bool) -> RareEventEstimate:
    warnings = list(dict.fromkeys(ladder.warnings))
    shot = per_round = None
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
        worker_seconds=ladder.seconds, rungs=tuple(ladder.rungs),
        direct_shots=ladder.direct_shots, direct_failures=ladder.direct_failures,
        warnings=tuple(warnings), complete=complete, strong_id=ladder.stored.strong_id)
