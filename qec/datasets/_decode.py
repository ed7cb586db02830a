"""Decoding recorded experiments into the results database: resumable, parallel, any model.

Every (experiment, error model, decoder) is a task of the store whose chunk ``k`` is the
recorded shots ``[1024 k, 1024 (k + 1))``: a batch is claimed, decoded by a worker (local
processes or Dask, as for sampling) and committed before it is counted, so that an
interrupted run resumes where it stopped and two runs on one database share the work. The
decoding itself happens in the workers; the main process only learns models, flags bursts and
keeps the books.

Error models (``models``):

* ``noisy``: the model of the experiment's noisy circuit (``circuit_noisy_si1000.stim``);
* ``shipped`` / ``shipped:NAME``: every model the release ships, or one;
* ``si1000:P``: the ideal circuit under uniform SI1000 noise of strength ``P``;
* ``learned``: learned from the experiment's own detection events (:func:`learn_error_model`)
  on the structure of ``noisy`` (or of ``si1000:0.001`` when there is no noisy circuit), two
  ways: the model learned from the second half of the shots decodes the first, and the other
  way round, so that no shot is decoded by a model fitted to it;
* ``dir:PATH``: the model ``PATH/<experiment>/error_model.dem`` (``qec learn-noise --dataset
  --out PATH`` writes them);
* ``file:PATH``: one model file for every experiment.

The release's own predictions (``decoding_results/<method>/obs_flips_predicted``) are scored
against the same observable flips as ``shipped-predictions:<method>`` points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import pathlib
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import stim

from qec.data import Task, TaskStats
from qec.datasets._diagnostics import find_bursts
from qec.datasets._layout import Experiment
from qec.datasets._learn import learn_error_model
from qec.decoders import check_decoder, compile_decoder, resolve_decoder
from qec.noise import NoiseModel, add_noise
from qec.sampling._executors import make_executor
from qec.sampling._progress import TaskProgress, make_progress
from qec.sampling._worker import BatchResult, TaskPayload
from qec.store import ResultStore

__all__ = ["DecodeWork", "decode_experiments", "experiment_models"]

CHUNK = 1024
"""Shots per chunk of a recorded experiment."""
_BATCH_CHUNKS = 16
STRUCTURE_P = 0.001
"""The SI1000 strength that gives the structure to learn on when an experiment has no noisy
circuit (only which mechanisms exist matters; the probabilities are learned)."""


def _structure(experiment: Experiment, ideal: stim.Circuit) -> stim.DetectorErrorModel:
    if "model" in experiment.files:
        return stim.DetectorErrorModel.from_file(experiment.files["model"][0])
    noisy = experiment.circuit_path(noisy=True)
    circuit = (experiment.circuit(noisy=True) if noisy is not None
               else add_noise(ideal, NoiseModel.si1000(STRUCTURE_P)))
    return circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)


def _read_dem(path: pathlib.Path, *, experiment: Experiment) -> stim.DetectorErrorModel:
    try:
        return stim.DetectorErrorModel.from_file(str(path))
    except (ValueError, RuntimeError, OSError) as exc:
        raise ValueError(f"{str(path)!r} (for experiment {experiment.name!r}) is not a detector "
                         f"error model: {exc}") from None


def experiment_models(experiment: Experiment, spec: str, *, ideal: stim.Circuit,
                      detection_events: np.ndarray | None = None,
                      exclude: np.ndarray | None = None
                      ) -> list[tuple[str, stim.DetectorErrorModel, stim.DetectorErrorModel]]:
    """The error models a spec names for one experiment: ``(name, first half's, second half's)``.

    The two halves' models differ only for ``learned`` (each learned from the other half).

    Raises:
        ValueError: an unknown spec, a missing file, or a model whose detectors or observables
            do not match the experiment's circuit.
    """
    kind, _, argument = spec.partition(":")
    found: list[tuple[str, stim.DetectorErrorModel, stim.DetectorErrorModel]] = []
    if kind == "noisy" and "model" in experiment.files:
        dem = _read_dem(pathlib.Path(experiment.files["model"][0]), experiment=experiment)
        found.append(("noisy", dem, dem))
    elif kind == "noisy":
        if experiment.circuit_path(noisy=True) is None:
            raise ValueError(f"--dem noisy: experiment {experiment.name!r} has no noisy circuit")
        dem = experiment.circuit(noisy=True).detector_error_model(
            decompose_errors=True, approximate_disjoint_errors=True)
        found.append(("noisy", dem, dem))
    elif kind == "shipped":
        shipped = experiment.shipped_models()
        names = [argument] if argument else list(shipped)
        for name in names:
            if name not in shipped:
                raise ValueError(f"--dem shipped:{name}: experiment {experiment.name!r} ships "
                                 f"{', '.join(shipped) or 'no model'}")
            dem = _read_dem(shipped[name], experiment=experiment)
            found.append((f"shipped:{name}", dem, dem))
    elif kind == "si1000":
        try:
            p = float(argument)
        except ValueError:
            p = math.nan
        if not 0 < p < 0.1:
            raise ValueError(f"--dem {spec!r}: si1000:P needs a strength P in (0, 0.1)")
        dem = add_noise(ideal, NoiseModel.si1000(p)).detector_error_model(
            decompose_errors=True, approximate_disjoint_errors=True)
        found.append((spec, dem, dem))
    elif kind == "learned":
        if detection_events is None:
            raise ValueError("the learned model needs the detection events")
        structure = _structure(experiment, ideal)
        keep = np.ones(len(detection_events), dtype=bool) if exclude is None else ~exclude
        boundary = _half(len(detection_events))
        first = np.arange(len(detection_events)) < boundary
        from_second = learn_error_model(structure, detection_events[keep & ~first]).dem
        from_first = learn_error_model(structure, detection_events[keep & first]).dem
        found.append(("learned", from_second, from_first))
    elif kind in ("dir", "file"):
        if not argument:
            raise ValueError(f"--dem {spec!r} needs a path: {kind}:PATH")
        path = pathlib.Path(argument)
        if kind == "dir":
            path = path / experiment.name / "error_model.dem"
        if not path.is_file():
            raise ValueError(f"--dem {spec!r}: no file {str(path)!r}")
        dem = _read_dem(path, experiment=experiment)
        found.append((f"{kind}:{argument}", dem, dem))
    else:
        raise ValueError(f"--dem {spec!r} must be noisy, shipped[:NAME], si1000:P, learned, "
                         "dir:PATH or file:PATH")
    for name, *dems in found:
        for dem in dems:
            if (dem.num_detectors, dem.num_observables) != (ideal.num_detectors,
                                                            ideal.num_observables):
                raise ValueError(
                    f"error model {name!r} of experiment {experiment.name!r} has "
                    f"{dem.num_detectors} detectors and {dem.num_observables} observables; "
                    f"its circuit has {ideal.num_detectors} and {ideal.num_observables}")
    return found


def _half(shots: int) -> int:
    """The first shot of the second half, on a chunk boundary."""
    return math.ceil(math.ceil(shots / CHUNK) / 2) * CHUNK


@dataclasses.dataclass(frozen=True)
class DecodeWork:
    """One batch of recorded shots to decode in a worker (see :func:`decode_experiments`).

    Attributes:
        batch_id: the store's claim.
        strong_id: the task.
        experiment: the experiment.
        dem_paths: the model files of the first and second half of the shots.
        boundary: the first shot of the second half.
        decoder: the decoder name.
        first_chunk, num_chunks: the chunks.
        shots: the experiment's shots.
        exclude: a ``.npy`` file holding the mask of excluded shots, or None.
    """

    batch_id: int
    strong_id: str
    experiment: Experiment
    dem_paths: tuple[str, str]
    boundary: int
    decoder: str
    first_chunk: int
    num_chunks: int
    shots: int
    exclude: str | None = None

    def run_in(self, state: Any) -> BatchResult:
        """Decodes the batch in a worker, caching data and compiled decoders there."""
        data_key = ("recorded", str(self.experiment.path), self.experiment.name)
        data = state.extras.get(data_key)
        if data is None:
            experiment = self.experiment
            ideal = experiment.circuit()
            data = (experiment.detection_events(ideal), experiment.observable_flips(ideal))
            state.extras[data_key] = data
        dets, obs = data
        mask = None
        if self.exclude is not None:
            mask = state.extras.get(("mask", self.exclude))
            if mask is None:
                mask = np.load(self.exclude)
                state.extras[("mask", self.exclude)] = mask
        n = self.num_chunks
        shots = np.zeros(n, dtype=np.int64)
        errors = np.zeros(n, dtype=np.int64)
        discards = np.zeros(n, dtype=np.int64)
        seconds = np.zeros(n, dtype=np.float64)
        for k in range(n):
            start = (self.first_chunk + k) * CHUNK
            stop = min(start + CHUNK, self.shots)
            half = 0 if start < self.boundary else 1
            key = ("compiled", self.dem_paths[half], self.decoder)
            compiled = state.extras.get(key)
            t0 = time.perf_counter()
            if compiled is None:
                dem = stim.DetectorErrorModel.from_file(self.dem_paths[half])
                compiled = compile_decoder(resolve_decoder(self.decoder), dem=dem)
                state.extras[key] = compiled
            predictions = compiled.decode_shots_bit_packed(
                bit_packed_detection_event_data=dets[start:stop])
            wrong = np.any(predictions[:, :obs.shape[1]] != obs[start:stop], axis=1)
            shots[k] = stop - start
            if mask is not None:
                dropped = mask[start:stop]
                discards[k] = int(np.count_nonzero(dropped))
                wrong &= ~dropped
            errors[k] = int(np.count_nonzero(wrong))
            seconds[k] = time.perf_counter() - t0
        return BatchResult(self.batch_id, shots, errors, discards, seconds)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass
class _State:
    task: Task
    payload: TaskPayload
    work: dict[str, Any]
    total: int
    label: str
    shots: int = 0
    errors: int = 0
    pending: dict[int, DecodeWork] = dataclasses.field(default_factory=dict)
    blocked: bool = False
    seconds: float = 0.0

    @property
    def done(self) -> bool:
        return self.shots >= self.total


def decode_experiments(experiments: Sequence[Experiment], *, decoders: Sequence[str],
                       models: Sequence[str], db: str | os.PathLike[str],
                       workers: int | None = None, dask: Any = None, progress: Any = None,
                       exclude_bursts: bool = False, burst_false_alarm: float = 0.01,
                       dataset: str | None = None) -> dict[str, Any]:
    """Decodes every experiment with every decoder against every error model, into ``db``.

    Args:
        experiments: the experiments (:func:`find_experiments`).
        decoders: registry decoder names.
        models: error-model specs (see the module's documentation).
        db: the results database (created if missing; a re-run resumes).
        workers: local worker processes (default: all cores).
        dask: a Dask scheduler address, ``"local"``, or a ``distributed.Client`` (workers must
            see the dataset's files at the same paths).
        progress: see :func:`qec.sampling.make_progress`.
        exclude_bursts: flag burst shots (:func:`find_bursts`, against a model learned from
            all shots) and count them as discards; the point's metadata records it.
        burst_false_alarm: the burst flagging's false-alarm probability per experiment.
        dataset: a name recorded in every point's metadata (default: none).

    Returns:
        ``{"stats": [TaskStats, ...], "bursts": {experiment: flagged count}}``: one statistic
        per (experiment, model, decoder) and per shipped prediction, in that order.

    Raises:
        ValueError: a file that does not fit its circuit, an unknown model or decoder, or a
            decoder that cannot take a model (checked before any decoding starts).
    """
    if not decoders:
        raise ValueError("decoders is empty: name at least one decoder")
    db = pathlib.Path(db)
    work_dir = db.with_name(db.name + ".models")
    work_dir.mkdir(parents=True, exist_ok=True)
    states: list[_State] = []
    shipped_stats: list[TaskStats] = []
    bursts: dict[str, int] = {}
    for experiment in experiments:
        ideal = experiment.circuit()
        dets = experiment.detection_events(ideal)
        obs = experiment.observable_flips(ideal)
        if len(dets) != len(obs):
            raise ValueError(f"experiment {experiment.name!r}: {len(dets)} shots of detection "
                             f"events but {len(obs)} of observable flips")
        labels = experiment.labels()
        if dataset is not None:
            labels["dataset"] = dataset
        labels["source"] = "recorded"
        mask = None
        mask_path = None
        if exclude_bursts:
            learned = learn_error_model(_structure(experiment, ideal), dets)
            report = find_bursts(ideal, dets, dem=learned.dem, false_alarm=burst_false_alarm)
            mask = report.flagged
            bursts[experiment.name] = report.count
            mask_path = work_dir / f"{_sha(str(experiment.path.resolve()))[:16]}-bursts.npy"
            np.save(mask_path, mask)
            labels["bursts_excluded"] = report.count
            labels["burst_false_alarm"] = burst_false_alarm
        circuit_text = str(ideal)
        for spec in models:
            for name, first, second in experiment_models(experiment, spec, ideal=ideal,
                                                        detection_events=dets, exclude=mask):
                paths = []
                for dem in (first, second):
                    text = str(dem)
                    path = work_dir / f"{_sha(text)[:24]}.dem"
                    if not path.exists():
                        path.write_text(text + "\n")
                    paths.append(str(path))
                for decoder in decoders:
                    check_decoder(decoder, dem=first)
                    metadata = {**labels, "decoder": decoder, "error_model": name,
                                "model_sha": _sha(paths[0] + paths[1])[:16]}
                    task = Task(circuit=ideal, decoder=decoder, json_metadata=metadata)
                    work = {"experiment": experiment,
                            "dem_paths": tuple(paths), "boundary": _half(len(dets)),
                            "decoder": decoder, "shots": len(dets),
                            "exclude": None if mask_path is None else str(mask_path)}
                    states.append(_State(
                        task=task, work=work, total=len(dets),
                        payload=TaskPayload(strong_id=task.strong_id, circuit_text=circuit_text,
                                            decoder_name=decoder, json_metadata=metadata),
                        label=f"{experiment.name} {decoder} {name}"))
        for method in experiment.shipped_predictions():
            predicted = experiment.predictions(method, num_observables=ideal.num_observables)
            wrong = np.any(predicted != obs, axis=1)
            discards = 0
            if mask is not None:
                wrong &= ~mask
                discards = int(np.count_nonzero(mask))
            decoder = f"shipped-predictions:{method}"
            metadata = {**labels, "decoder": decoder, "error_model": f"shipped:{method}"}
            task = Task(circuit=ideal, decoder=decoder, json_metadata=metadata)
            shipped_stats.append(TaskStats(
                strong_id=task.strong_id, decoder=decoder, json_metadata=metadata,
                shots=len(obs), errors=int(np.count_nonzero(wrong)), discards=discards,
                num_observables=ideal.num_observables))
    with ResultStore(db, create=True) as store:
        new = [s for s in shipped_stats
               if (store.stats_for(s.strong_id) or _empty(s)).shots == 0]
        store.add_stats(new)
        store.add_tasks(state.task for state in states)
        for state in states:
            stored = store.stats_for(state.task.strong_id)
            state.shots, state.errors = stored.shots, stored.errors
        _run(store, states, workers=workers, dask=dask, progress=progress)
        stats = [store.stats_for(s.task.strong_id) for s in states]
        stats += [store.stats_for(s.strong_id) for s in shipped_stats]
    return {"stats": stats, "bursts": bursts}


def _empty(stats: TaskStats) -> TaskStats:
    return dataclasses.replace(stats, shots=0, errors=0, discards=0)


def _run(store: ResultStore, states: list[_State], *, workers: int | None, dask: Any,
         progress: Any) -> None:
    display = make_progress(progress)
    executor: Any = None

    def show(final: bool) -> None:
        display.update([TaskProgress(
            label=s.label, shots=s.shots, errors=s.errors, max_shots=s.total, max_errors=None,
            done=s.done, seconds_left=None if not s.seconds else
            s.seconds / max(s.shots, 1) * (s.total - s.shots)) for s in states],
            workers=0 if executor is None else executor.num_workers, final=final)

    if all(s.done for s in states):
        show(True)
        return
    executor = make_executor(workers=workers, dask=dask)
    try:
        executor.prepare([s.payload for s in states if not s.done])
        cursor = 0
        while not all(s.done for s in states):
            for slot, _ in executor.free_slots():
                state = _next(states, cursor)
                if state is None:
                    break
                cursor = (states.index(state) + 1) % len(states)
                work = _claim(store, state)
                if work is not None:
                    executor.submit(work, state.payload, slot=slot)
            for result in executor.wait(0.25):
                _accept(store, states, result)
            for state in states:
                if state.blocked and not state.pending:
                    # Another process holds the rest: read what it has committed.
                    stored = store.stats_for(state.task.strong_id)
                    state.shots, state.errors = stored.shots, stored.errors
                    state.blocked = False
            show(False)
    finally:
        pending = [batch for s in states for batch in s.pending]
        with contextlib.suppress(Exception):
            store.release_batches(pending)
        executor.close()
    show(True)


def _next(states: list[_State], cursor: int) -> _State | None:
    for i in range(len(states)):
        state = states[(cursor + i) % len(states)]
        in_flight = sum(min(w.num_chunks * CHUNK, w.shots - w.first_chunk * CHUNK)
                        for w in state.pending.values())
        if not state.blocked and state.shots + in_flight < state.total:
            return state
    return None


def _claim(store: ResultStore, state: _State) -> DecodeWork | None:
    chunks = _BATCH_CHUNKS
    batch = store.claim_batch(state.task.strong_id, seed=None, num_chunks=chunks,
                              shots=chunks * CHUNK, max_total_shots=state.total)
    if batch is None:
        state.blocked = True
        return None
    total_chunks = math.ceil(state.total / CHUNK)
    if batch.first_chunk >= total_chunks:  # a chunk index past the data: nothing to decode
        store.release_batches([batch.id])
        state.blocked = True
        return None
    num_chunks = min(batch.num_chunks, total_chunks - batch.first_chunk)
    work = DecodeWork(batch_id=batch.id, strong_id=state.task.strong_id,
                      first_chunk=batch.first_chunk, num_chunks=num_chunks, **state.work)
    state.pending[batch.id] = work
    return work


def _accept(store: ResultStore, states: Iterable[_State], result: BatchResult) -> None:
    for state in states:
        work = state.pending.pop(result.batch_id, None)
        if work is None:
            continue
        if result.error is not None:
            kind, message, _ = result.error
            raise ValueError(f"decoding {state.label} failed in a worker: {kind}: {message}")
        shots = int(result.shots.sum())
        store.complete_batch(result.batch_id, shots=shots, errors=int(result.errors.sum()),
                             discards=int(result.discards.sum()),
                             seconds=float(result.seconds.sum()), num_chunks=work.num_chunks)
        state.shots += shots
        state.errors += int(result.errors.sum())
        state.seconds += float(result.seconds.sum())
        return
