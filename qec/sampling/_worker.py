"""What runs inside a worker process: compile a task once, then sample seeded chunks of shots.

A batch is a range of *chunks* of :data:`CHUNK_SHOTS` shots. Chunk ``k`` of a task is sampled by
a stim detector sampler seeded from ``(root seed, task strong_id, k)`` (:func:`chunk_seed`), so
its shots do not depend on how chunks were grouped into batches, on which worker ran them, or on
the order they finished: a seeded run is reproducible, and a batch re-run after a worker died
gives the same shots.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import signal
import time
import traceback
from typing import Any

import numpy as np
import sinter
import stim

from qec._child import exit_with_parent, release_standard_streams
from qec.data import CHUNK_SHOTS
from qec.decoders import compile_decoder, detector_error_model_for_circuit, resolve_decoder
from qec.leakage import LeakageSampler
from qec.leakage._tags import has_leakage

__all__ = [
    "CHUNK_SHOTS",
    "BatchResult",
    "BatchSpec",
    "TaskPayload",
    "chunk_seed",
    "run_batch",
]


_MAX_DECODE_BYTES = 1 << 24  # detection data decoded per call, bounding worker memory
_CACHE_SIZE = 64  # compiled tasks kept per worker process


@dataclasses.dataclass(frozen=True)
class TaskPayload:
    """Everything a worker needs to sample a task; sent once per task per worker.

    Attributes:
        strong_id: the task id.
        circuit_text: ``str(circuit)``.
        decoder_name: the task's decoder name.
        decoder: the decoder or sampler object when given as an object, else None (the worker
            resolves the name with :func:`qec.decoders.resolve_decoder`).
        json_metadata: the task metadata (custom samplers may read it).
    """

    strong_id: str
    circuit_text: str
    decoder_name: str
    decoder: Any = None
    json_metadata: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False)


@dataclasses.dataclass(frozen=True)
class BatchSpec:
    """One batch of work: ``num_chunks`` chunks from ``first_chunk``; the last has
    ``last_chunk_shots`` shots, the others :data:`CHUNK_SHOTS`."""

    batch_id: int
    strong_id: str
    seed: int
    first_chunk: int
    num_chunks: int
    last_chunk_shots: int

    @property
    def shots(self) -> int:
        """Total shots of the batch."""
        return (self.num_chunks - 1) * CHUNK_SHOTS + self.last_chunk_shots


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """Per-chunk results of a batch (arrays of length ``num_chunks``), or an error.

    Attributes:
        batch_id: the batch.
        shots, errors, discards: int64 arrays, one entry per chunk.
        seconds: float64 array, sampling and decoding time per chunk.
        custom_counts: one dict per chunk (custom samplers only; else empty dicts).
        error: when the batch failed: ``(exception type name, message, traceback)``.
    """

    batch_id: int
    shots: np.ndarray
    errors: np.ndarray
    discards: np.ndarray
    seconds: np.ndarray
    custom_counts: tuple[dict[str, int], ...] = ()
    error: tuple[str, str, str] | None = None


def chunk_seed(seed: int, strong_id: str, chunk: int) -> int:
    """The stim seed of one chunk: a 63-bit hash of the root seed, task id and chunk index.

    Examples:
        >>> chunk_seed(1, "abc", 0) == chunk_seed(1, "abc", 0) != chunk_seed(1, "abc", 1)
        True
    """
    digest = hashlib.blake2b(f"{seed}:{strong_id}:{chunk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class _CompiledTask:
    """A task compiled in one worker: its circuit, decoder, or custom compiled sampler."""

    def __init__(self, payload: TaskPayload) -> None:
        self.payload = payload
        self.circuit = stim.Circuit(payload.circuit_text)
        decoder = payload.decoder if payload.decoder is not None else resolve_decoder(
            payload.decoder_name)
        if payload.decoder is None and has_leakage(payload.circuit_text) and not isinstance(
                decoder, sinter.Sampler):
            # A circuit carrying leakage tags is simulated with its leakage, decoded by the
            # named decoder: sampling it with stim alone would silently drop the leakage.
            decoder = LeakageSampler(decoder=payload.decoder_name)
        self.compiled_decoder: sinter.CompiledDecoder | None = None
        self.compiled_sampler: sinter.CompiledSampler | None = None
        if isinstance(decoder, sinter.Sampler) and not hasattr(decoder, "compile_decoder_for_dem"):
            try:
                dem = detector_error_model_for_circuit(self.circuit)
            except ValueError:
                dem = None
            task = sinter.Task(
                circuit=self.circuit,
                decoder=payload.decoder_name,
                detector_error_model=dem,
                json_metadata=payload.json_metadata,
            )
            self.compiled_sampler = decoder.compiled_sampler_for_task(task)
        else:
            dem = detector_error_model_for_circuit(self.circuit)
            self.compiled_decoder = compile_decoder(decoder, dem=dem)
        self.num_observable_bytes = (self.circuit.num_observables + 7) // 8
        self.bytes_per_shot = max(1, (self.circuit.num_detectors + 7) // 8)

    def run(self, spec: BatchSpec) -> BatchResult:
        n = spec.num_chunks
        shots = np.full(n, CHUNK_SHOTS, dtype=np.int64)
        shots[-1] = spec.last_chunk_shots
        errors = np.zeros(n, dtype=np.int64)
        discards = np.zeros(n, dtype=np.int64)
        seconds = np.zeros(n, dtype=np.float64)
        counts: list[dict[str, int]] = []
        if self.compiled_sampler is not None:
            # Custom sinter samplers draw their own randomness, unless they offer ``reseed``:
            # then every chunk is seeded like the chunks of stim-sampled tasks. Shots are as
            # the sampler returns them.
            reseed = getattr(self.compiled_sampler, "reseed", None)
            for k in range(n):
                t0 = time.perf_counter()
                if reseed is not None:
                    reseed(chunk_seed(spec.seed, spec.strong_id, spec.first_chunk + k))
                stats = self.compiled_sampler.sample(int(shots[k]))
                seconds[k] = time.perf_counter() - t0
                shots[k], errors[k], discards[k] = stats.shots, stats.errors, stats.discards
                counts.append({key: int(v) for key, v in stats.custom_counts.items()})
            return BatchResult(spec.batch_id, shots, errors, discards, seconds, tuple(counts))
        group = max(1, _MAX_DECODE_BYTES // (CHUNK_SHOTS * self.bytes_per_shot))
        for start in range(0, n, group):
            stop = min(n, start + group)
            t0 = time.perf_counter()
            dets_parts = []
            obs_parts = []
            for k in range(start, stop):
                sampler = self.circuit.compile_detector_sampler(
                    seed=chunk_seed(spec.seed, spec.strong_id, spec.first_chunk + k))
                dets, obs = sampler.sample(int(shots[k]), bit_packed=True,
                                           separate_observables=True)
                dets_parts.append(dets)
                obs_parts.append(obs)
            dets = dets_parts[0] if len(dets_parts) == 1 else np.concatenate(dets_parts)
            obs = obs_parts[0] if len(obs_parts) == 1 else np.concatenate(obs_parts)
            predictions = self.compiled_decoder.decode_shots_bit_packed(
                bit_packed_detection_event_data=dets)
            discard_mask = None
            if predictions.shape[1] == obs.shape[1] + 1:
                # sinter's convention: an extra prediction byte that is non-zero discards the shot.
                discard_mask = predictions[:, -1] != 0
                predictions = predictions[:, :-1]
            fail = np.any(predictions != obs, axis=1)
            if discard_mask is not None:
                fail &= ~discard_mask
            bounds = np.concatenate(([0], np.cumsum(shots[start:stop])[:-1]))
            errors[start:stop] = np.add.reduceat(fail.astype(np.int64), bounds)
            if discard_mask is not None:
                discards[start:stop] = np.add.reduceat(discard_mask.astype(np.int64), bounds)
            elapsed = time.perf_counter() - t0
            seconds[start:stop] = elapsed * shots[start:stop] / shots[start:stop].sum()
        return BatchResult(spec.batch_id, shots, errors, discards, seconds)


class WorkerState:
    """Per-process cache of task payloads and compiled tasks (least recently used evicted)."""

    def __init__(self) -> None:
        self.payloads: dict[str, TaskPayload] = {}
        self.compiled: collections.OrderedDict[str, _CompiledTask] = collections.OrderedDict()
        self.extras: dict[Any, Any] = {}  # what other kinds of work compile (their own cache)

    def add_payload(self, payload: TaskPayload) -> None:
        self.payloads[payload.strong_id] = payload

    def run(self, spec: BatchSpec, payload: TaskPayload | None = None) -> BatchResult:
        """Runs a batch, returning its result or (on any failure) a result carrying the error.

        Work of another kind (the splitting estimator's chains) brings its own ``run_in(state)``
        and its own result type, with the same ``batch_id`` and ``error`` fields.
        """
        try:
            if payload is not None:
                self.add_payload(payload)
            run_in = getattr(spec, "run_in", None)
            if run_in is not None:
                return run_in(self)
            compiled = self.compiled.get(spec.strong_id)
            if compiled is None:
                compiled = _CompiledTask(self.payloads[spec.strong_id])
                self.compiled[spec.strong_id] = compiled
                while len(self.compiled) > _CACHE_SIZE:
                    self.compiled.popitem(last=False)
            else:
                self.compiled.move_to_end(spec.strong_id)
            return compiled.run(spec)
        except Exception as exc:  # reported to the main process, which raises it there
            empty = np.zeros(0, dtype=np.int64)
            return BatchResult(
                spec.batch_id, empty, empty, empty, np.zeros(0),
                error=(type(exc).__name__, str(exc), traceback.format_exc()),
            )


_STATE: WorkerState | None = None


def run_batch(spec: BatchSpec, payload: TaskPayload) -> BatchResult:
    """Runs a batch in this process, compiling the task at most once per process (Dask entry).

    Examples:
        >>> circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
        ...                                  before_round_data_depolarization=0.05)
        >>> payload = TaskPayload(strong_id="t", circuit_text=str(circuit),
        ...                       decoder_name="pymatching")
        >>> spec = BatchSpec(batch_id=0, strong_id="t", seed=5, first_chunk=0, num_chunks=2,
        ...                  last_chunk_shots=100)
        >>> result = run_batch(spec, payload)
        >>> result.shots.tolist(), result.error
        ([1024, 100], None)
        >>> result.errors.tolist() == run_batch(spec, payload).errors.tolist()
        True
    """
    global _STATE
    if _STATE is None:
        _STATE = WorkerState()
    return _STATE.run(spec, payload)


def local_worker_main(connection: Any, parent_pid: int | None = None) -> None:
    """The loop of a local worker process: receives payloads and batches, sends results.

    The worker ignores SIGINT (the main process handles Ctrl-C and stops its workers), ends
    when its parent ends (:func:`qec._child.exit_with_parent`) and holds none of the caller's
    streams.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None:
        exit_with_parent(parent_pid)
        release_standard_streams()
    state = WorkerState()
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        kind = message[0]
        if kind == "stop":
            return
        if kind == "task":
            state.add_payload(message[1])
        elif kind == "batch":
            connection.send(("result", state.run(message[1])))
