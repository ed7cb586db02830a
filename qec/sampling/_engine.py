"""The sampling engine: plans batches, runs them on an executor, commits them to the store.

How a run proceeds, per task:

1. Read the stored totals. A task that already meets its stopping condition is not sampled.
2. Send a probe batch of one chunk; from its timing, size later batches to about
   ``max_batch_seconds``, growing at most 64-fold per batch, never past the shot budget and,
   once errors have been seen, not far past the shots the error target still needs.
3. Commit each batch in its own transaction, in chunk order, *before* counting it. When a
   stopping condition (``max_shots``, ``max_errors``, ``target_relative_error``) is met inside a
   batch, only the chunks up to that point are kept: with a seed, a run's totals depend on
   nothing but the seed and the stopping conditions.

Batches of all tasks are interleaved so that every worker stays busy (two batches queued per
worker), and stored totals are re-read after every commit, so several processes sampling into
one database share the work.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sinter

from qec._validate import positive_int
from qec.data import MaxErrors, TargetRelativeError, Task, TaskStats
from qec.data._stopping import check_rule
from qec.decoders import decoder_info, resolve_decoder
from qec.sampling._executors import Executor, make_executor
from qec.sampling._progress import ProgressDisplay, TaskProgress, make_progress
from qec.sampling._worker import CHUNK_SHOTS, BatchResult, BatchSpec, TaskPayload
from qec.store import ResultStore

__all__ = ["SamplingSession", "collect", "sample_shots"]

_MAX_SEED = 2**63


def _check_decoder_object(name: str, decoder: Any) -> None:
    if not (isinstance(decoder, (sinter.Decoder, sinter.Sampler))
            or hasattr(decoder, "compile_decoder_for_dem") or hasattr(decoder, "decode_via_files")):
        raise ValueError(
            f"custom_decoders[{name!r}]={decoder!r} must be a sinter.Decoder or sinter.Sampler")


def _stopping_rules(*, max_shots: Any, max_errors: Any, target_relative_error: Any,
                    stop_when: Any) -> tuple[Any, ...]:
    """Checks the limits and returns the stopping rules they make (``max_shots`` aside)."""
    positive_int("max_shots", max_shots)
    if max_errors is not None:
        positive_int("max_errors", max_errors)
    if target_relative_error is not None and (
            isinstance(target_relative_error, bool)
            or not isinstance(target_relative_error, (int, float, np.floating))
            or not 0 < target_relative_error < math.inf):
        raise ValueError(
            f"target_relative_error={target_relative_error!r} must be a positive number")
    rules: list[Any] = []
    if max_errors is not None:
        rules.append(MaxErrors(max_errors))
    if target_relative_error is not None:
        rules.append(TargetRelativeError(target_relative_error))
    if stop_when is not None:
        extra = list(stop_when) if isinstance(stop_when, (list, tuple)) else [stop_when]
        rules.extend(check_rule(rule) for rule in extra)
    _check_untriggered(rules)
    return tuple(rules)


def _check_untriggered(rules: Iterable[Any]) -> None:
    """Raises ValueError for a rule that is met at zero shots, errors and discards."""
    zero = np.zeros(1, dtype=np.int64)
    for rule in rules:
        if np.any(np.asarray(rule.met(shots=zero, errors=zero, discards=zero), dtype=bool)):
            raise ValueError(
                f"stopping rule {rule!r} is met with no shots at all: a rule must be a "
                "function of the totals (shots, errors, discards), since a task is cut where "
                "its stored prefix first meets it and the chunks after are deleted; to stop a "
                "run by time, give collect a time_limit")


def _check_time_limit(time_limit: Any) -> float | None:
    if time_limit is None:
        return None
    if (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float, np.number))
            or not 0 < float(time_limit) < math.inf):
        raise ValueError(f"time_limit={time_limit!r} must be a positive number of seconds "
                         "or None")
    return float(time_limit)


def _check_decoder_names(tasks: Iterable[Task], custom_decoders: Mapping[str, Any] | None
                         ) -> None:
    for name in sorted({task.decoder for task in tasks}):
        resolve_decoder(name, custom_decoders=custom_decoders)  # ValueError lists known names


@dataclasses.dataclass
class _TaskState:
    task: Task
    payload: TaskPayload
    goal_shots: int
    goal_errors: int | None
    rules: tuple[Any, ...]
    label: str
    shots: int = 0
    errors: int = 0
    discards: int = 0
    done: bool = False
    pending: dict[int, BatchSpec] = dataclasses.field(default_factory=dict)
    order: collections.deque[int] = dataclasses.field(default_factory=collections.deque)
    buffered: dict[int, BatchResult] = dataclasses.field(default_factory=dict)
    run_shots: int = 0
    run_seconds: float = 0.0
    largest_batch: int = 0
    shared_budget: bool = True
    blocked: bool = False

    @property
    def seconds_per_shot(self) -> float | None:
        return self.run_seconds / self.run_shots if self.run_shots else None

    def met(self, shots: Any, errors: Any, discards: Any) -> Any:
        """Whether totals meet ``max_shots`` or a stopping rule (elementwise on arrays)."""
        shots, errors, discards = (np.asarray(x) for x in (shots, errors, discards))
        stop = shots >= self.goal_shots
        for rule in self.rules:
            stop = stop | np.asarray(rule.met(shots=shots, errors=errors, discards=discards),
                                     dtype=bool)
        return stop

    def check_rules(self) -> None:
        """Refuses a rule that is met with no shots at all, before it can cut stored data.

        The store cuts a task at the first chunk of its prefix where a rule is met and deletes
        the chunks after it. A rule met at zero totals is one that does not depend on them (a
        clock that ran out): it would cut every task to its first chunk.
        """
        _check_untriggered(self.rules)

    def rule_shots_left(self) -> float | None:
        """The fewest shots any stopping rule still expects to need (None: no estimate)."""
        estimates = [rule.shots_left(shots=self.shots, errors=self.errors,
                                     discards=self.discards) for rule in self.rules]
        known = [e for e in estimates if e is not None]
        return min(known) if known else None

    def shots_left_estimate(self) -> float:
        left = float(self.goal_shots - self.shots)
        needed = self.rule_shots_left()
        if needed is not None:
            left = min(left, needed)
        return max(0.0, left)


def _labels(tasks: Sequence[Task]) -> list[str]:
    """Short labels from the metadata keys (and decoders) whose values differ between tasks.

    Examples:
        >>> import stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=1)
        >>> tasks = [Task(circuit=circuit, decoder=name, json_metadata={"distance": d, "x": 1})
        ...          for d in (3, 5) for name in ("pymatching", "union-find")]
        >>> _labels(tasks)
        ['d=3 pymatching', 'd=3 union-find', 'd=5 pymatching', 'd=5 union-find']
    """
    keys: list[str] = []
    for task in tasks:
        for key in task.json_metadata:
            if key not in keys:
                keys.append(key)
    varying = [k for k in keys if len({repr(t.json_metadata.get(k)) for t in tasks}) > 1]
    decoders_vary = len({t.decoder for t in tasks}) > 1
    short = {"distance": "d", "rounds": "r", "p": "p"}
    labels = []
    for task in tasks:
        parts = [f"{short.get(k, k)}={task.json_metadata[k]}" for k in varying
                 if k in task.json_metadata]
        if not parts:
            labels.append(f"{task.decoder} {task.strong_id[:8]}")
            continue
        if decoders_vary and "decoder" not in varying:
            parts.append(task.decoder)
        labels.append(" ".join(parts))
    return labels


class SamplingSession:
    """A store, an executor and a seed, shared by several collection calls.

    Workers start on the first call that has work and stay alive until :meth:`close`, so an
    adaptive study (e.g. a precision-driven sweep) can call :meth:`sample_shots` repeatedly
    without paying the start-up again.

    Args:
        db: a database path or an open :class:`~qec.store.ResultStore`.
        workers: worker processes (local pool, or ``dask="local"``); all cores when None.
        dask: None for the local pool; ``"local"``, a scheduler address or a
            ``distributed.Client`` for Dask.
        seed: root seed (``0 <= seed < 2**63``); None draws one at random.
        custom_decoders: decoders or ``sinter.Sampler`` objects by name, looked up before
            qec's registry (:func:`qec.decoders.get_decoder`) and sinter's built-in samplers.
        progress: see :func:`qec.sampling.make_progress` (None: no display).
        max_batch_seconds: the worker time a batch aims at, in seconds. Shorter batches
            balance the workers better at the end of a run; longer ones cost less overhead.

    Raises:
        ValueError: for invalid arguments or an unusable database.

    Examples:
        >>> import tempfile, stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
        ...                                  before_round_data_depolarization=0.05)
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"d": 3})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with SamplingSession(db=f"{tmp}/r.db", workers=1, seed=3) as session:
        ...         [a] = session.sample_shots([(task, 2048)])
        ...         [b] = session.collect([task], max_shots=4096)
        >>> a.shots, b.shots
        (2048, 4096)
    """

    def __init__(
        self,
        *,
        db: str | Any,
        workers: int | None = None,
        dask: Any = None,
        seed: int | None = None,
        custom_decoders: Mapping[str, Any] | None = None,
        progress: Any = None,
        max_batch_seconds: float = 0.5,
    ) -> None:
        if workers is not None:
            positive_int("workers", workers)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                                 or not 0 <= seed < _MAX_SEED):
            raise ValueError(f"seed={seed!r} must be an integer in [0, 2**63)")
        if not (isinstance(max_batch_seconds, (int, float)) and max_batch_seconds > 0):
            raise ValueError(f"max_batch_seconds={max_batch_seconds!r} must be positive")
        self.custom_decoders = dict(custom_decoders or {})
        for name, decoder in self.custom_decoders.items():
            _check_decoder_object(name, decoder)
        self._progress: ProgressDisplay = make_progress(progress)
        self.workers = workers
        self.dask = dask
        self.seed = seed if seed is not None else secrets.randbits(63)
        self.max_batch_seconds = float(max_batch_seconds)
        self._executor: Executor | None = None
        if dask is not None:
            # Connect first: an unreachable scheduler fails before the database is touched.
            self._executor = make_executor(workers=workers, dask=dask)
        self._owns_store = not isinstance(db, ResultStore)
        try:
            self.store = ResultStore(db, create=True) if self._owns_store else db
        except ValueError:
            if self._executor is not None:
                self._executor.close()
            raise
        self._batch_owner: dict[int, _TaskState] = {}

    def __enter__(self) -> SamplingSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stops the workers and closes the store if the session opened it."""
        if self._executor is not None:
            self._executor.close()
            self._executor = None
        if self._owns_store:
            self.store.close()

    def _decoder_object(self, name: str) -> Any:
        """The object workers receive for a decoder name, or None when they resolve the name
        themselves (qec's and sinter's decoders, installed plugins). Custom decoders and
        decoders registered in this process travel as objects, since a worker on another
        machine does not know them."""
        if name in self.custom_decoders:
            return self.custom_decoders[name]
        decoder = resolve_decoder(name)  # a ValueError for an unknown name, in this process
        return decoder if decoder_info(name).source == "registered" else None

    def collect(
        self,
        tasks: Iterable[Task],
        *,
        max_shots: int,
        max_errors: int | None = None,
        target_relative_error: float | None = None,
        stop_when: Any = None,
        time_limit: float | None = None,
    ) -> list[TaskStats]:
        """Samples each task until one stopping condition holds for its *stored* totals.

        Args:
            tasks: the tasks (duplicates are sampled once).
            max_shots: stop a task once it has this many shots in total.
            max_errors: stop a task once it has this many errors (None: no limit); the
                :class:`qec.data.MaxErrors` rule.
            target_relative_error: stop a task once the 95% half-width of its logical error
                rate (normal approximation, ``1.96 sqrt((1 - rate) / errors)``) is at most this
                fraction of the rate (None: no target); the
                :class:`qec.data.TargetRelativeError` rule.
            stop_when: more stopping rules (one or a list), any object with the methods of
                :class:`qec.data.StoppingRule`; a task stops when any rule is met. A rule must
                be a function of the totals (see :mod:`qec.data`); one met at zero totals is
                refused.
            time_limit: seconds after which no new batch is started (None: no limit). The
                batches already running finish and are stored, then the call returns; tasks
                not done stay as they are, and the next call resumes them to the same numbers
                as a run without the limit. Unlike a stopping rule, it never cuts stored data.
                A task's first batch is one chunk (1,024 shots), however long that takes.

        Returns:
            The stored statistics of each task, in the order given.

        Raises:
            ValueError: for invalid limits or an unknown decoder.
        """
        rules = _stopping_rules(max_shots=max_shots, max_errors=max_errors,
                                target_relative_error=target_relative_error, stop_when=stop_when)
        limit = _check_time_limit(time_limit)
        tasks = _unique(tasks)
        states = self._states(tasks, goals=[(int(max_shots), max_errors)] * len(tasks),
                              rules=rules, absolute=True)
        self._run(states, deadline=None if limit is None else _clock() + limit)
        return [self.store.stats_for(t.strong_id) for t in tasks]

    def sample_shots(self, work: Iterable[tuple[Task, int]]) -> list[TaskStats]:
        """Takes exactly the given number of *additional* shots of each task.

        Args:
            work: ``(task, shots)`` pairs; shots must be positive.

        Returns:
            The stored statistics of each task afterwards, in the order given.
        """
        return self._sample_work(work, absolute=False)

    def sample_to(self, work: Iterable[tuple[Task, int]]) -> list[TaskStats]:
        """Takes each task to exactly the given *total* number of stored shots.

        Unlike :meth:`sample_shots`, the goal is absolute, so a run that was interrupted and
        resumed (or two runs at once) end with the same totals, the same chunks.

        Args:
            work: ``(task, total shots)`` pairs.

        Returns:
            The stored statistics of each task afterwards, in the order given.
        """
        return self._sample_work(work, absolute=True)

    def _sample_work(self, work: Iterable[tuple[Task, int]], *, absolute: bool
                     ) -> list[TaskStats]:
        """Repeated tasks add up their shots (relative) or take the largest total (absolute)."""
        work = list(work)
        goals: dict[str, list[Any]] = {}
        for task, shots in work:
            if not isinstance(task, Task):
                raise ValueError(f"work item task={task!r} must be a qec.sampling.Task")
            positive_int("shots", shots)
            entry = goals.setdefault(task.strong_id, [task, 0])
            entry[1] = max(entry[1], int(shots)) if absolute else entry[1] + int(shots)
        tasks = [task for task, _ in goals.values()]
        states = self._states(tasks, goals=[(n, None) for _, n in goals.values()], rules=(),
                              absolute=absolute)
        self._run(states)
        return [self.store.stats_for(task.strong_id) for task, _ in work]

    def _states(self, tasks: list[Task], *, goals: list[tuple[int, int | None]],
                rules: tuple[Any, ...], absolute: bool) -> list[_TaskState]:
        payloads = []
        for task in tasks:
            if not isinstance(task, Task):
                raise ValueError(f"task={task!r} must be a qec.sampling.Task")
            payloads.append(TaskPayload(
                strong_id=task.strong_id,
                circuit_text=str(task.circuit),
                decoder_name=task.decoder,
                decoder=self._decoder_object(task.decoder),
                json_metadata=task.json_metadata,
            ))
        self.store.add_tasks(tasks)
        states = []
        for task, payload, label, (shots, errors) in zip(
                tasks, payloads, _labels(tasks), goals, strict=True):
            stored = self.store.stats_for(task.strong_id)
            if not absolute:
                shots += stored.shots
            state = _TaskState(task=task, payload=payload, goal_shots=shots, goal_errors=errors,
                               rules=rules, label=label, shared_budget=absolute)
            self._refresh(state, stored)
            states.append(state)
        return states

    def _refresh(self, state: _TaskState, stored: TaskStats | None = None,
                 stop_chunk: int | bool | None = False) -> None:
        """Reads a task's stored totals and whether it is done.

        ``stop_chunk`` is what a commit of this process just found when it walked the task's
        prefix (:class:`qec.store.Completion`): a chunk (done) or None (not done then), so that
        the prefix is not walked twice; False when there is no such answer.
        """
        if stored is None:
            stored = self.store.stats_for(state.task.strong_id)
        state.shots, state.errors, state.discards = stored.shots, stored.errors, stored.discards
        if state.rules and state.shots < state.goal_shots:
            # Several processes may share the task: its totals can hold chunks past a gap
            # (a batch still in flight elsewhere), so it is done only when its committed
            # prefix meets the rule (and is then cut to the single run's last chunk).
            if stop_chunk is False:
                state.check_rules()
                stop_chunk = self.store.prefix_stop(state.task.strong_id, self.seed, state.met)
            state.done = stop_chunk is not None
        else:
            state.done = bool(state.met(state.shots, state.errors, state.discards))

    def _run(self, states: list[_TaskState], *, deadline: float | None = None) -> None:
        self._show(states, final=False)
        if all(state.done for state in states):
            self._show(states, final=True)
            return
        if self._executor is None:
            self._executor = make_executor(workers=self.workers, dask=self.dask)
        executor = self._executor
        executor.prepare([state.payload for state in states if not state.done])
        cursor = 0
        expired = False
        try:
            while not all(state.done for state in states):
                expired = expired or (deadline is not None and _clock() >= deadline)
                if expired and not any(state.pending for state in states):
                    break  # out of time, and every batch started is stored
                for slot, compiled in ([] if expired else executor.free_slots()):
                    state, spec, cursor = self._fill(states, compiled, cursor)
                    if state is None:
                        break  # nothing claimable now: the other slots would find nothing
                    executor.submit(spec, state.payload, slot=slot)
                for result in executor.wait(timeout=0.25):
                    self._accept(result)
                for state in states:
                    if state.blocked and not state.pending:
                        # Another process holds the rest of this task's budget: read what
                        # it has stored (its claims may complete, or be abandoned).
                        state.blocked = False
                        self._refresh(state)
                self._show(states, final=False)
        finally:
            self._release([s for s in states if s.pending])
            self.store.release_leases(s.task.strong_id for s in states if s.rules)
        self._show(states, final=True)

    def _fill(self, states: list[_TaskState], compiled: Any, cursor: int
              ) -> tuple[_TaskState | None, BatchSpec | None, int]:
        """Claims a batch for one free slot: ``(task, batch, next cursor)``, with ``None`` for
        the task and batch when no task has one to give now.

        Probes come first (one chunk: cheap, and they make the ETA known), then a task the
        slot's worker compiled, then the next in turn. A refused claim (another process holds
        the task's lease or the rest of its budget) marks the task blocked and the slot goes to
        the next candidate: a slot spent on a refusal, loop after loop, starved this run's own
        tasks while another process leased the ones it had never sampled (a livelock of two
        runs with an error-based rule).
        """
        while True:
            order = [states[(cursor + i) % len(states)] for i in range(len(states))]
            wanted = [(s, n) for s in order if not s.done
                      for n in [self._wanted_shots(s)] if n is not None]
            if not wanted:
                return None, None, cursor
            state, shots = next(
                (w for w in wanted if w[0].seconds_per_shot is None),
                next((w for w in wanted if w[0].task.strong_id in compiled), wanted[0]))
            cursor = (states.index(state) + 1) % len(states)
            spec = self._claim(state, shots)
            if spec is not None:
                return state, spec, cursor

    def _wanted_shots(self, state: _TaskState) -> int | None:
        """The size of the next batch of a task, or None if it needs none now."""
        if state.blocked:
            return None
        if state.rules and bool(state.met(state.shots, state.errors, state.discards)):
            # The totals meet the rule but the prefix does not: a gap is still in flight.
            if self.store.abandoned_claims(state.task.strong_id):
                return CHUNK_SHOTS  # a dead process's chunks: claiming takes them first
            state.blocked = not state.pending
            return None
        in_flight = sum(spec.shots for spec in state.pending.values())
        remaining = state.goal_shots - state.shots - in_flight
        if remaining <= 0:
            return None
        per_shot = state.seconds_per_shot
        if per_shot is None:
            if state.pending:
                return None  # wait for the probe's timing
            shots = CHUNK_SHOTS
        else:
            shots = min(self.max_batch_seconds / max(per_shot, 1e-9), 64 * state.largest_batch)
            needed = state.rule_shots_left()
            if needed is not None:
                still_needed = 1.1 * needed - in_flight
                if still_needed <= 0 and state.pending:
                    return None  # the batches in flight should be enough: wait for them
                shots = min(shots, still_needed)
        chunks = max(1, math.ceil(shots / CHUNK_SHOTS))
        return int(min(remaining, chunks * CHUNK_SHOTS))

    def _claim(self, state: _TaskState, shots: int) -> BatchSpec | None:
        """Claims the next chunks of a task in the store, as a batch of at most ``shots`` shots.

        The store may grant fewer: the chunks a dead process left claimed come first, and with
        an absolute goal every process's live claims count against ``max_shots``. None means
        nothing can be claimed now (other processes hold the rest of the budget).
        """
        chunks = math.ceil(shots / CHUNK_SHOTS)
        batch = self.store.claim_batch(
            state.task.strong_id, seed=self.seed, num_chunks=chunks, shots=shots,
            max_total_shots=state.goal_shots if state.shared_budget else None)
        if batch is None:
            state.blocked = True
            return None
        spec = BatchSpec(
            batch_id=batch.id,
            strong_id=state.task.strong_id,
            seed=self.seed,
            first_chunk=batch.first_chunk,
            num_chunks=batch.num_chunks,
            last_chunk_shots=batch.shots - (batch.num_chunks - 1) * CHUNK_SHOTS,
        )
        state.pending[batch.id] = spec
        state.order.append(batch.id)
        self._batch_owner[batch.id] = state
        return spec

    def _accept(self, result: BatchResult) -> None:
        state = self._batch_owner.get(result.batch_id)
        if state is None or result.batch_id not in state.pending:
            return  # a batch abandoned when its task finished
        if result.error is not None:
            kind, message, trace = result.error
            where = f"task {state.label!r} (decoder {state.task.decoder!r})"
            if kind in ("ValueError", "ImportError", "ModuleNotFoundError"):
                raise ValueError(f"{where}: {message}")
            raise RuntimeError(f"{where} failed in a worker: {kind}: {message}\n{trace}")
        state.buffered[result.batch_id] = result
        state.run_shots += int(result.shots.sum())
        state.run_seconds += float(result.seconds.sum())
        state.largest_batch = max(state.largest_batch, int(result.shots.sum()))
        while state.order and state.order[0] in state.buffered:
            batch_id = state.order[0]
            result = state.buffered[batch_id]
            spec = state.pending.pop(batch_id)
            owner = self._batch_owner.pop(batch_id)
            try:
                self._commit(state, batch_id, result)
            except BaseException:
                # Not committed (a full disk, an interrupt): the claim stays pending, so that
                # the run's cleanup releases it instead of leaving it to look in flight.
                state.pending[batch_id] = spec
                self._batch_owner[batch_id] = owner
                raise
            state.order.popleft()
            del state.buffered[batch_id]
            if state.done:
                self._release([state])
                if state.rules:
                    self.store.release_leases([state.task.strong_id])
                return

    def _commit(self, state: _TaskState, batch_id: int, result: BatchResult) -> None:
        shots = state.shots + np.cumsum(result.shots)
        errors = state.errors + np.cumsum(result.errors)
        discards = state.discards + np.cumsum(result.discards)
        if state.rules:
            state.check_rules()  # before the store cuts anything by them
        stop = state.met(shots, errors, discards)
        keep = int(np.argmax(stop)) + 1 if np.any(stop) else len(result.shots)
        if state.rules:
            # Other processes may hold earlier chunks of the task: the store commits the
            # whole batch and cuts the task where its prefix meets the rule.
            keep = len(result.shots)
        counts: collections.Counter[str] = collections.Counter()
        for chunk_counts in result.custom_counts[:keep]:
            counts.update(chunk_counts)
        completion = self.store.complete_batch(
            batch_id,
            shots=int(result.shots[:keep].sum()),
            errors=int(result.errors[:keep].sum()),
            discards=int(result.discards[:keep].sum()),
            seconds=float(result.seconds[:keep].sum()),
            custom_counts=dict(counts),
            num_chunks=keep if keep < len(result.shots) else None,
            **({"chunks": (result.shots, result.errors, result.discards,
                           result.custom_counts or None), "stop": state.met}
               if state.rules else {}),
        )
        # A commit that walked the prefix says whether the task is done; a claim that another
        # process's cut deleted was not committed, and the prefix is read again.
        self._refresh(state, stop_chunk=completion.stop_chunk
                      if state.rules and completion.committed else False)

    def _release(self, states: Iterable[_TaskState]) -> None:
        """Gives up the pending claims of these tasks (their results will be ignored).

        A finished task's claims are past its last chunk: they are deleted. An unfinished
        task under an error-based rule may share its chunks with other processes, so its
        claims are abandoned instead (taken over first by the next claim): deleting a claim in
        the middle would leave a range of chunks that nobody samples.
        """
        deleted, abandoned = [], []
        for state in states:
            (abandoned if state.rules and not state.done else deleted).extend(state.pending)
            for batch_id in state.pending:
                self._batch_owner.pop(batch_id, None)
            state.pending.clear()
            state.order.clear()
            state.buffered.clear()
        self.store.release_batches(deleted)
        self.store.abandon_batches(abandoned)

    def _show(self, states: list[_TaskState], *, final: bool) -> None:
        snapshot = []
        for state in states:
            per_shot = state.seconds_per_shot
            left = 0.0 if state.done else (
                None if per_shot is None else per_shot * state.shots_left_estimate())
            snapshot.append(TaskProgress(
                label=state.label, shots=state.shots, errors=state.errors,
                max_shots=state.goal_shots, max_errors=state.goal_errors, done=state.done,
                seconds_left=left,
            ))
        workers = self._executor.num_workers if self._executor is not None else 1
        self._progress.update(snapshot, workers=workers, final=final)


def _clock() -> float:
    """The engine's clock for ``time_limit`` (monotonic seconds; tests replace it)."""
    return time.monotonic()


def _unique(tasks: Iterable[Task]) -> list[Task]:
    seen: dict[str, Task] = {}
    for task in tasks:
        if not isinstance(task, Task):
            raise ValueError(f"task={task!r} must be a qec.sampling.Task")
        seen.setdefault(task.strong_id, task)
    if not seen:
        raise ValueError("tasks is empty: there is nothing to sample")
    return list(seen.values())


def collect(
    tasks: Iterable[Task],
    *,
    db: str | Any,
    max_shots: int,
    max_errors: int | None = None,
    target_relative_error: float | None = None,
    stop_when: Any = None,
    workers: int | None = None,
    dask: Any = None,
    seed: int | None = None,
    progress: Any = None,
    custom_decoders: Mapping[str, Any] | None = None,
    max_batch_seconds: float = 0.5,
    time_limit: float | None = None,
) -> list[TaskStats]:
    """Samples tasks into a durable store until each meets a stopping condition.

    Re-running with the same database resumes: finished tasks are not sampled again and
    unfinished ones continue from their stored totals. See :class:`SamplingSession` for the
    arguments shared with it and :meth:`SamplingSession.collect` for the stopping conditions.

    Returns:
        The stored statistics of each (distinct) task, in the order given.

    Raises:
        ValueError: for invalid arguments, an unknown decoder or an unusable database.

    Examples:
        >>> import tempfile, stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
        ...                                  before_round_data_depolarization=0.05)
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"d": 3})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     [stats] = collect([task], db=f"{tmp}/r.db", max_shots=5000, workers=1, seed=7)
        >>> stats.shots, stats.errors > 0
        (5000, True)
    """
    tasks = _unique(tasks)
    # Every argument is checked before the database is opened or created.
    _stopping_rules(max_shots=max_shots, max_errors=max_errors,
                    target_relative_error=target_relative_error, stop_when=stop_when)
    _check_time_limit(time_limit)
    _check_decoder_names(tasks, custom_decoders)
    with SamplingSession(db=db, workers=workers, dask=dask, seed=seed,
                         custom_decoders=custom_decoders, progress=progress,
                         max_batch_seconds=max_batch_seconds) as session:
        return session.collect(tasks, max_shots=max_shots, max_errors=max_errors,
                               target_relative_error=target_relative_error,
                               stop_when=stop_when, time_limit=time_limit)


def sample_shots(
    work: Iterable[tuple[Task, int]],
    *,
    db: str | Any,
    workers: int | None = None,
    dask: Any = None,
    seed: int | None = None,
    progress: Any = None,
    custom_decoders: Mapping[str, Any] | None = None,
) -> list[TaskStats]:
    """Takes exactly ``shots`` additional shots of each ``(task, shots)`` into the store.

    The low-level entry for adaptive studies; keep a :class:`SamplingSession` open instead to
    reuse its workers across calls.

    Returns:
        The stored statistics of each task afterwards.

    Examples:
        >>> import tempfile, stim
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
        ...                                  before_round_data_depolarization=0.05)
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"d": 3})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     first = sample_shots([(task, 300)], db=f"{tmp}/r.db", workers=1)
        ...     then = sample_shots([(task, 200)], db=f"{tmp}/r.db", workers=1)
        >>> first[0].shots, then[0].shots
        (300, 500)
    """
    with SamplingSession(db=db, workers=workers, dask=dask, seed=seed,
                         custom_decoders=custom_decoders, progress=progress) as session:
        return session.sample_shots(work)
