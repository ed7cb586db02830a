"""The ladder of the splitting estimator: planning its rungs (the pilot that finds the start
scale, the direct start, each rung's planned length from the variance budget) and running
their chains on the executor, with each rung's statistics and diagnostics.

:func:`qec.sampling.estimate_rare_error` (:mod:`qec.sampling._splitting`) drives it, rung by
rung, and stores what it completes.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import stdtrit

from qec.data import Task, jackknife_variance
from qec.sampling._splitting_bar import _bar_log_ratio, _histograms, _overlap
from qec.sampling._splitting_kernel import (
    ChainContext,
    ChainWork,
    SeedWork,
    pack_members,
    unpack_members,
)
from qec.sampling._splitting_results import RungSummary, splitting_task
from qec.sampling._worker import TaskPayload
from qec.store import ResultStore

_PILOT_SHOTS = 1024
_PILOT_MIN_FAILURES = 10  # 1% of the pilot: the shallow search's mark
_START_RATE = 0.001  # the failure rate of direct sampling at the ladder's start (pilot)
_MAX_PILOT_STEPS = 48  # scales up to 2^24
_SEED_SHOTS = 4096  # direct shots per work unit at the start
_BURN_IN = 0.25  # fraction of a rung's iterations discarded, until its length is planned
_START_SHARE = 1 / 16  # of the variance budget, for ln P_0 (direct shots are cheap)
_BLOCK_START = 0.1  # the block moves' renewal fraction on the first rung
_BLOCK_ACCEPTANCE = 0.3  # the block moves' acceptance the fraction is tuned to, rung by rung
_SETTLED = 2.5  # a rung runs on while its kept samples drift by more (z-score)
_RUNG_EXCESS = 2.0  # the ladder's variance over the sum of its rungs', at least (_rung_goal)


def _stim_seed(*parts: Any) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class _Rung:
    """A rung's chains and the sizes they visited (its trace)."""

    def __init__(self, level: int, scale: float, members: list[np.ndarray],
                 thin: float = 1.0, min_burn_in: int = 0) -> None:
        self.level = level
        self.min_burn_in = min_burn_in  # iterations discarded at least (see kept)
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
        self.burn_in: int | None = None  # fixed when the rung's length is planned
        self.plan: dict[str, float] | None = None  # what the plan was made from (stored)
        # With pivots, per round and chain: the removal sum at the round's end, and the
        # round's cure estimates and addition draws (see _splitting_kernel.run_chains).
        self.removal: list[np.ndarray] = []
        self.cure: list[np.ndarray] = []
        self.add_draws: list[np.ndarray] = []

    @property
    def iterations(self) -> int:
        return sum(len(t) for t in self.traces)

    def kept(self) -> np.ndarray:
        """The kept samples: shape (iterations after burn-in, chains).

        The burn-in is the first quarter of the iterations (at least ``min_burn_in``) until the
        rung has settled and its length is planned (:meth:`_Ladder.run_rung`); from then on it
        stays what it was then, so the iterations run to reach the plan are all kept.
        """
        trace = np.concatenate(self.traces) if self.traces else np.zeros((0, len(self.members)))
        start = (max(int(len(trace) * _BURN_IN), self.min_burn_in) if self.burn_in is None
                 else self.burn_in)
        return trace[start:]

    def derivative(self, groups: int) -> np.ndarray:
        """Per chain group, the pivots' estimate of ``d ln P / d ln s`` at this rung: the mean
        removal sum of the rounds that end after the burn-in, less their cure estimates per
        addition draw (``E[D]`` of :mod:`qec.sampling._splitting_kernel`)."""
        start = self.iterations - len(self.kept())
        ends = np.cumsum([len(t) for t in self.traces])
        kept = [r for r in range(len(self.removal)) if ends[r] - len(self.traces[r]) >= start]
        kept = kept or [len(self.removal) - 1]
        removal = np.mean([self.removal[r] for r in kept], axis=0).reshape(groups, -1)
        cure = np.sum([self.cure[r] for r in kept], axis=0).reshape(groups, -1).sum(axis=1)
        draws = np.sum([self.add_draws[r] for r in kept], axis=0).reshape(groups, -1)
        return removal.mean(axis=1) - cure / np.maximum(draws.sum(axis=1), 1)


class _Ladder:
    """The splitting estimate of one task: its rungs, their storage and their statistics."""

    def __init__(self, task: Task, *, store: ResultStore | None, seed: int, chains: int,
                 groups: int, relative_error: float, confidence: float, step: float,
                 min_iterations: int, max_iterations: int, round_iterations: int,
                 executor_factory: Callable[[], Any], time_limit: float | None,
                 progress: Callable[[dict[str, Any]], None] | None,
                 pivots: bool = False) -> None:
        self.task = task
        self.pivots = pivots
        self.stored = splitting_task(task, seed=seed, chains=chains, groups=groups,
                                     pivots=pivots)
        self.store = store
        self.seed = seed
        self.chains = chains
        self.groups = groups
        self.confidence = confidence
        # The interval's quantile: Student's, with the jackknife's groups - 1 degrees of freedom.
        z = float(stdtrit(groups - 1, 0.5 + confidence / 2))
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
        self.seconds = 0.0  # worker seconds of this run
        self.worker_seconds_saved = 0.0  # self.seconds when the last level was stored
        self.previous_worker_seconds: float | None = 0.0  # of the stored levels (None: unknown)
        self.direct_shots = 0
        self.direct_failures = 0
        self.started = time.monotonic()
        self.saved_at = self.started
        self.pilot_seconds_per_shot = 0.0
        self.next_batch = 0
        self.variance_used = 0.0
        self.kappas: list[float] = []  # the rungs' own cost coefficients (see _kappa)
        self.derivatives: dict[int, np.ndarray] = {}  # per level, per group (pivots)
        # With pivots, which integration the estimate is ("pivots" or "bennett"; the other
        # is the second opinion), chosen at the first ratio's plan (_choose_integration).
        self.integration: str | None = None if pivots else "bennett"
        self.quadrature = 0.0  # the trapezoid's error estimated at the last rung (pivots)
        self.plan_details: dict[str, float] = {}  # the last plan's coefficients and rungs left
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
        """The start scale: about the smallest ``2^(k/8)`` at which direct sampling fails
        ``_START_RATE`` (0.1%) of the time.

        First the shallow search: steps of sqrt(2) find the first scale whose pilot of 1,024
        shots fails at least 1% of the time, and two bisections (in log scale) between it and
        the step before narrow it to a factor ``2^(1/8)``. Then the deep search: bisections
        over the two doublings below it, each pilot ``groups`` units of 1,024 shots (run at
        once), for the smallest grid point that fails at least 0.1% of the time.

        Why 0.1% and not 1%: a decade of ``P`` costs direct sampling ten times the shots
        for the start's share of the variance, and costs the ladder ``ln 10 / f`` in ``ln s``
        of its noisiest rungs (``f = d ln P / d ln s``, 12-15 at d = 25), whose every
        proposal decodes the most faults and whose groups disagree the most. Measured at
        SI1000 d = 25: the four rungs from the 1% scale down to the 0.1% one took 1,765 of
        the ladder's 4,830 worker-seconds, and a million direct shots there about 440. At
        small ``d`` either way is cheap. A factor sqrt(2) too high a start costs the ladder
        about ``sqrt(w) / (2 step)`` extra rungs (``w`` the faults of a failing
        configuration: 8 rungs at d = 23), so the pilots pay for themselves many times over.
        """
        def fails_enough(scale: float, *label: Any, units: int = 1,
                         rate: float = _PILOT_MIN_FAILURES / _PILOT_SHOTS) -> bool:
            results = self._run([SeedWork(self._batch_id(), self.stored.strong_id, scale,
                                          _stim_seed(self.seed, self.stored.strong_id, "pilot",
                                                     *label, *([u] if units > 1 else [])),
                                          _PILOT_SHOTS, 0) for u in range(units)])
            shots = sum(result.shots for result in results)
            failures = sum(result.failures for result in results)
            self.decoder_calls += shots
            self.seconds += sum(result.seconds for result in results)
            # Setup excluded: compiling the model and the scaled sampler cost more than the
            # 1,024 shots at d = 17 (0.6 s against 0.3 s), and chains do not pay it per call.
            self.pilot_seconds_per_shot = (sum(result.work_seconds for result in results)
                                           / max(shots, 1))
            self._report(stage="pilot", scale=scale, failures=failures, shots=shots)
            return failures >= rate * shots

        for k in range(_MAX_PILOT_STEPS + 1):
            if fails_enough(2.0 ** (k / 2), k):
                break
        else:
            raise ValueError(
                f"the ladder cannot start: no scale of the noise up to {2.0 ** (k / 2):.3g} "
                f"times its odds made the decoder fail in {_PILOT_SHOTS} shots (fewer than "
                f"{_PILOT_MIN_FAILURES} failures); the decoder may never fail on this circuit")
        def smallest_passing(low: int, high: int, passes: Callable[[int], bool]) -> int:
            """Bisection in eighths of a doubling: ``high`` passes and ``low`` does not."""
            while high - low > 1:
                middle = (low + high) // 2
                if passes(middle):
                    high = middle
                else:
                    low = middle
            return high

        high = 4 * k  # in eighths of a doubling: 2^((high - 4)/8) did not pass
        if k > 0:
            high = smallest_passing(high - 4, high, lambda m: fails_enough(
                2.0 ** (m / 8), k, "refine", m))
        if high > 0:  # the deep search, below the 1% scale
            def deep(m: int) -> bool:
                return fails_enough(2.0 ** (m / 8), "deep", m, units=self.groups,
                                    rate=_START_RATE)

            low = max(high - 16, 0)
            high = low if deep(low) else smallest_passing(low, high, deep)
        scale = 2.0 ** (high / 8)
        self._check_time(scale)
        return scale

    def _check_time(self, scale: float) -> None:
        """Refuses up front when the decoder is too slow for the time limit: the ladder's cost
        is at least about ``1 + log2(s_0) sqrt(w)`` rungs of ``chains * min_iterations``
        proposals (twice that with pivots: a rung discards ``min_iterations`` and keeps as
        many), most of them a decoder call, and a call costs about the per-shot time of
        the pilot's last batch (sampling and decoding at the start scale, setup excluded).
        That prices every rung at the noisiest one's decodes, which is an upper bound per
        call: measured, d = 17 under SD6 at scale 4 decodes in 269 us a shot in batches of
        1,024 and 290 us in the chains' batches of 8, at scale 2 in 101 and 153 us, and the
        whole ladder at relative error 0.3 averaged 236 us a call. A ladder that asks more
        precision runs longer rungs, so this is a floor on the time, refused only when it is
        over twice the limit."""
        if self.time_limit is None or scale == 1.0:
            return
        faults = self.model.expected_faults(scale)
        rungs = 1 + math.log2(scale) * math.sqrt(max(faults, 1.0))
        # With pivots a rung after the first discards min_iterations and keeps as many.
        calls = rungs * self.chains * self.min_iterations * (2 if self.pivots else 1) * 0.8
        workers = max(1, getattr(self.executor, "num_workers", 1))
        seconds = calls * self.pilot_seconds_per_shot / workers
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
                              _SEED_SHOTS, keep) for i in range(self.groups)]
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
        if self.pivots:  # the second opinion's start, whichever integration it turns out to be
            start = dict(self.sums)
            for prefix in ("bennett_", "pivots_"):
                self.sums.update({f"{prefix}{key}": value for key, value in start.items()})
        return members

    # Rungs.
    def run_rung(self, rung: _Rung, previous: int | None) -> bool:
        """Runs a rung for its planned length and until its samples stop drifting (or the cap).

        Returns False when the time limit stopped it (the rung is then not stored).
        """
        # One unit of work per chain group: fixed by the method, not by the workers, so that
        # any number of workers (up to the groups) runs it at once and gives the same numbers.
        per_unit = self.chains // self.groups
        planned = None
        while True:
            # A round that starts inside the rung's least burn-in is never kept (_Rung.kept),
            # so its final configurations' pivots are not decoded (the same numbers; at
            # SI1000 d = 25, 18% fewer decoder calls), unless the rung may end with it
            # (_may_end, or max_iterations): a rung with no kept round reads its last.
            end = rung.iterations + self.round_iterations
            snapshot = (rung.iterations >= rung.min_burn_in or self._may_end(rung, end)
                        or end >= self.max_iterations)
            works = []
            for u in range(self.groups):
                flat, lengths = pack_members(rung.members[u * per_unit:(u + 1) * per_unit])
                thin = rung.thin if rung.rounds == 0 else 1.0
                works.append(ChainWork(self._batch_id(), self.stored.strong_id, rung.scale,
                                       flat, lengths, self.round_iterations,
                                       (self.seed, rung.level, rung.rounds, u), thin,
                                       self.block, self.pivots, snapshot))
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
            if self.pivots:
                rung.removal.append(np.concatenate([r.removal for r in results]))
                rung.cure.append(np.concatenate([r.cure for r in results]))
                rung.add_draws.append(np.concatenate([r.add_draws for r in results]))
            done = (self._may_end(rung, rung.iterations)
                    and abs(self._drift(rung.kept())) <= _SETTLED)
            if previous is not None and done:
                if planned is None:  # once per rung: see _planned_length
                    goal = self._rung_goal(rung)
                    planned = self._planned_length(previous, rung, goal)
                    rung.burn_in = rung.iterations - len(rung.kept())  # the quarter, fixed
                    rung.plan = {"at": rung.iterations, "goal": goal, "kept": planned,
                                 **self.plan_details}
                done = len(rung.kept()) >= planned
            if rung.iterations >= self.max_iterations:
                if not done:
                    why = ("its samples still drifted" if planned is None else
                           f"the {planned + (rung.burn_in or 0):.0f} iterations planned for "
                           "the relative error asked")
                    self.warnings.append(
                        f"rung {rung.level} (scale {rung.scale:.4g}) stopped at "
                        f"max_iterations={self.max_iterations} before {why}")
                done = True
            self._report(stage="rung", level=rung.level, scale=rung.scale,
                         iterations=rung.iterations,
                         mean_faults=float(rung.traces[-1].mean()),
                         acceptance=rung.accepted / max(rung.proposals, 1),
                         decoder_calls=self.decoder_calls + rung.decoder_calls)
            if done:
                return True
            if self._out_of_time():
                return False

    def _may_end(self, rung: _Rung, iterations: int) -> bool:
        """Whether the rung may end after ``iterations`` before ``max_iterations``: once it
        has ``min_iterations`` beyond its least burn-in (and its samples stop drifting)."""
        return iterations >= self.min_iterations + rung.min_burn_in

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
        """This rung and those still to come, by the ladder rule from its scale to 1.

        The rule steps ``log2 s`` by ``step / sqrt(w)``; with the mean faults ``w`` falling in
        proportion to the scale from this rung's, the steps to 1 number ``2 sqrt(w) (1 -
        s^(-1/2)) / (step ln 2)``, and the last rung, cut at 1, is one more. On the stored
        SD6 and SI1000 ladders at d = 19 and 23 this is within one rung of the count at every
        rung; holding ``w`` at this rung's value overestimated the first rungs' by 25-30%.
        """
        if rung.scale <= 1.0:
            return 1.0
        faults = max(float(rung.kept().mean()), 1.0)
        steps = 2 * math.sqrt(faults) * (1 - rung.scale ** -0.5) / (self.step * math.log(2))
        return 2.0 + steps

    def _rung_goal(self, rung: _Rung) -> float:
        """The variance this rung's ratio may have: what is left of the budget, shared by the
        rungs still to come (estimated by the ladder rule from here to scale 1), and divided
        by how much the ladder's variance exceeds the sum of its rungs' variances, at least 2.

        The excess is structural: a rung's samples enter the ratios on both sides of it, and
        a deviation of their ``|E|`` moves both the same way (higher sizes make the rung look
        heavier against the rung above and lighter against the one below, and both ratios
        fall), so each rung adds about twice to the ladder what it adds to the ratios one by
        one (on stored ladders neighbouring ratios' jackknife replicates correlate by about
        +0.5, and the excess of 13 complete ladders at d = 17-23 was 0.8-2.6, median 1.9).
        The excess observed over the first few ratios is a ratio of two noisy 16-group
        variances, often below 2 by chance, so it is used only where it is larger; taken as 1
        until it was observed, the first rungs were planned half as long as their share.
        """
        remaining = self._remaining_rungs(rung)
        ladder = self._ladder_variance()
        observed = ladder / self.variance_used if self.variance_used > 0 else 0.0
        inflation = max(_RUNG_EXCESS, observed)
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
        """The kept iterations this rung runs, planned once, when it has first settled.

        A rung's samples enter two ratios, with the rung before and the rung after, so the
        ladder's variance is about ``sum_j 2 kappa_j / n_j`` for rungs of ``n_j`` kept
        iterations and cost coefficients ``kappa_j`` (:meth:`_kappa`), times the excess of
        :meth:`_rung_goal`; for a budget it is least with ``n_j`` alike. The length is
        ``2 kappa / goal``, ``goal`` the rung's share of what is left of the budget and
        ``kappa`` the median coefficient of the rungs before, each measured when its rung was
        complete (the rung's own only on the first rung with a ratio).

        Why these coefficients, measured on stored SI1000 and SD6 ladders at d = 19 and 23:
        - Not the rung's own, measured when it has its minimum length: a coefficient is a
          variance times a length, and where the chain groups differ by more than the length
          averages out it grows with the length, so at the minimum it is low (SI1000 d = 19,
          rungs 1 and 2: 0.26 and 0.13 at 400 iterations, 1.06 and 0.71 when complete).
          Planned in part from it, the rungs of that ladder ran 700-2,900 iterations and the
          estimate ended at +36% for the 30% asked.
        - Not their mean: the first rungs' coefficients are often high (SD6 d = 23: 0.98, 2.13
          and 1.10, then a median of 0.49), and planned from the mean of those before, rungs
          3-7 of that ladder took 3,351 of its 5,336 worker-seconds. One high coefficient does
          not move the median.

        Two rules this replaces besides: stopping a rung when its ratio looks precise enough
        made a rung after a short one run on and on (the short rung's part of the ratio does
        not shrink) and the next stop early, which repeats; re-planning a rung from its own
        coefficient as it ran could run away (the coefficient grows with the length, and so
        did the plan: 13,700 kept iterations at d = 19 with a doubled goal). When the rungs so
        far overspent the budget, the later ones lengthen, up to four times the length the
        whole budget gives every rung; beyond that the interval is left wider than asked, and
        the result says so.
        """
        own = self._kappa(previous, rung)
        kappa = float(np.median(self.kappas)) if self.kappas else own
        left = self._remaining_rungs(rung)
        self.plan_details = {"own_kappa": own, "kappa": kappa, "rungs_left": left}
        even = 2 * kappa * (len(self.kappas) + left) / (self.variance_goal * (1 - _START_SHARE))
        return min(2 * kappa / goal, 4 * even)

    def _size(self, *samples: np.ndarray) -> int:
        return int(max((s.max() for s in samples if s.size), default=0)) + 1

    def _ratio_replicates(self, previous: int, rung: _Rung, *, own_only: bool = False
                          ) -> np.ndarray:
        """``ln(P_rung / P_previous)`` and its delete-one-group replicates (each deleting the
        group from both rungs' samples, or with ``own_only`` from this rung's only): by the
        pivots when the ladder has them (:meth:`_pivot_replicates`), else by Bennett's
        acceptance ratio (:meth:`_bennett_replicates`)."""
        if self.integration is None:
            self.integration = self._choose_integration(previous, rung)
        if self.integration == "pivots":
            return self._pivot_replicates(previous, rung, own_only=own_only)
        return self._bennett_replicates(previous, rung, own_only=own_only)

    def _choose_integration(self, previous: int, rung: _Rung) -> str:
        """The integration with the smaller variance of the first ratio, from the rung's own
        samples when its length is first planned: the pivots where the background faults'
        spread dominates Bennett's noise (circuit noise: at d = 19 the pivots' cost
        coefficient was 0.06-0.1 against Bennett's 0.5-1), Bennett's where the failure is a
        count of faults and the pivots jump between all and none of them (a repetition code
        under bit flips). Chosen once, before the later rungs are run; the other is kept as
        the second opinion."""
        pivots = jackknife_variance(self._pivot_replicates(previous, rung, own_only=True)[1:])
        bennett = jackknife_variance(
            self._bennett_replicates(previous, rung, own_only=True)[1:])
        return "pivots" if pivots <= bennett else "bennett"

    def _pivot_replicates(self, previous: int, rung: _Rung, *, own_only: bool = False
                          ) -> np.ndarray:
        """The trapezoid ``-(h / 2) (f_previous + f_rung)``, ``h = ln(s_previous / s_rung)``
        and ``f`` the rungs' mean derivatives over the groups (:meth:`_Rung.derivative`), and
        its delete-one-group replicates. The rungs are spaced for Bennett's overlap, 0.05-0.1
        in ``ln s`` where ``f`` changes by a few per cent over the whole ladder, so the
        trapezoid's own error is far below the statistical one; the last rung measures it
        (:meth:`_quadrature_error`) and the interval includes it."""
        before = self.derivatives[previous]
        after = rung.derivative(self.groups)
        h = math.log(self.scales[previous] / rung.scale)

        def leave_one_out(values: np.ndarray) -> np.ndarray:
            return (values.sum() - values) / (len(values) - 1)

        fixed = np.full(self.groups, before.mean()) if own_only else leave_one_out(before)
        return np.concatenate(([-(h / 2) * (before.mean() + after.mean())],
                               -(h / 2) * (fixed + leave_one_out(after))))

    def _quadrature_error(self) -> float:
        """The trapezoid's error over the ladder, estimated as Simpson's rule (for unequal
        steps, on consecutive pairs of steps) less the trapezoid, from the rungs' mean
        derivatives. Mostly the derivatives' own noise at the ladder's steps (a few
        thousandths against a standard error of about 0.1 in ``ln P``): it is added to the
        variance, so the interval is, if anything, wider than it need be."""
        levels = sorted(self.derivatives)
        u = np.log([self.scales[level] for level in levels])
        f = np.asarray([self.derivatives[level].mean() for level in levels])
        error = 0.0
        for j in range(0, len(levels) - 2, 2):
            h0, h1 = u[j] - u[j + 1], u[j + 1] - u[j + 2]
            simpson = (h0 + h1) / 6 * ((2 - h1 / h0) * f[j] + (h0 + h1) ** 2 / (h0 * h1)
                                       * f[j + 1] + (2 - h0 / h1) * f[j + 2])
            trapezoid = h0 * (f[j] + f[j + 1]) / 2 + h1 * (f[j + 1] + f[j + 2]) / 2
            error += simpson - trapezoid
        return float(error)

    def _bennett_replicates(self, previous: int, rung: _Rung, *, own_only: bool = False
                            ) -> np.ndarray:
        """Bennett's ``ln(P_rung / P_previous)`` from the two rungs' ``|E|`` and its
        delete-one-group replicates (as :meth:`_ratio_replicates`)."""
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
        derivative = derivative_sd = second = second_sd = None
        if self.pivots:
            values = rung.derivative(self.groups)
            self.derivatives[rung.level] = values
            derivative = float(values.mean())
            derivative_sd = float(values.std(ddof=1) / math.sqrt(self.groups))
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
            if self.pivots:  # the second opinion, under its own name
                if self.integration == "pivots":
                    other, prefix = self._bennett_replicates(previous, rung), "bennett_"
                else:
                    other, prefix = self._pivot_replicates(previous, rung), "pivots_"
                second = float(other[0])
                second_sd = math.sqrt(jackknife_variance(other[1:]))
                sums.update({f"{prefix}log_estimate": second,
                             **{f"{prefix}jk_{g}": float(other[1 + g])
                                for g in range(self.groups)}})
            overlap = _overlap(self.histograms[previous].sum(axis=0), histograms.sum(axis=0))
            self.variance_used += sd ** 2
            self.kappas.append(self._kappa(previous, rung))
        sums["levels"] = 1.0
        if rung.scale == 1.0:
            sums["complete"] = 1.0
            if self.pivots:  # the trapezoid's error, in whichever sums hold it
                self.quadrature = self._quadrature_error()
                sums["var_extra" if self.integration == "pivots" else "pivots_var_extra"] = \
                    self.quadrature ** 2
        summary = RungSummary(
            level=rung.level, scale=rung.scale, mean_faults=mean, iterations=rung.iterations,
            decoder_calls=rung.decoder_calls, acceptance=rung.accepted / max(rung.proposals, 1),
            autocorrelation=tau, effective_samples=kept.size / tau, drift=drift,
            log_ratio=log_ratio, log_ratio_sd=sd, overlap=overlap, derivative=derivative,
            derivative_sd=derivative_sd, second_log_ratio=second,
            second_log_ratio_sd=second_sd)
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
