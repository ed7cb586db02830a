"""Where batches run: a pool of local worker processes, or a Dask cluster.

Both executors take :class:`~qec.sampling._worker.BatchSpec` work items and hand back
:class:`~qec.sampling._worker.BatchResult` values. Workers stay alive across batches and keep
every task they have compiled (its circuit, detector error model and decoder), so a task's
circuit is sent to each worker once, not with every batch. A worker that dies mid-batch costs
only that batch: it is sent again (to a new local process, or by Dask to another worker).
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from qec._errors import ExecutorError, SchedulerUnreachable
from qec.sampling._worker import BatchResult, BatchSpec, TaskPayload, local_worker_main

__all__ = [
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "LocalExecutor",
    "default_workers",
    "make_executor",
]

DASK_INSTALL_HINT = "To fix this: pip install 'qec-lab[dask]'"
_QUEUE_DEPTH = 2  # batches queued per worker, so that none idles between batches
_DASK_QUEUE_DEPTH = 4  # more with Dask, whose round trip per task is longer
_DASK_REFRESH_SECONDS = 2.0  # how often the Dask executor asks the scheduler for its workers
_MAX_ATTEMPTS = 3  # a batch whose worker dies this many times is an error, not bad luck


def default_workers() -> int:
    """The number of CPU cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class Executor(Protocol):
    """What the engine needs from an executor (:class:`LocalExecutor`, :class:`DaskExecutor`)."""

    num_workers: int

    def prepare(self, payloads: list[TaskPayload]) -> None:
        """Ships the payloads of the tasks about to be sampled (at most once each)."""

    def free_slots(self) -> list[tuple[Any, frozenset[str] | set[str]]]:
        """One ``(slot, ids of tasks compiled there)`` per batch the executor can take now."""

    def submit(self, spec: BatchSpec, payload: TaskPayload, *, slot: Any = None) -> None:
        """Starts a batch (on the worker of ``slot`` when given)."""

    def wait(self, timeout: float) -> list[BatchResult]:
        """Returns the batches finished so far, waiting up to ``timeout`` seconds for one."""

    def close(self) -> None:
        """Stops the workers (batches in flight are abandoned)."""


class _LocalWorker:
    def __init__(self, context: Any) -> None:
        self.connection, child = context.Pipe(duplex=True)
        self.process = context.Process(target=local_worker_main, args=(child, os.getpid()),
                                       daemon=True)
        self.process.start()
        child.close()
        self.sent: set[str] = set()
        self.in_flight: dict[int, tuple[BatchSpec, TaskPayload]] = {}


class LocalExecutor:
    """A pool of worker processes on this machine, fed through pipes.

    Args:
        workers: the number of processes.

    Raises:
        ValueError: if ``workers`` is not a positive integer.
    """

    def __init__(self, *, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers={workers!r} must be a positive integer")
        method = "fork" if sys.platform == "linux" else "spawn"
        self._context = multiprocessing.get_context(method)
        self.num_workers = workers
        self._workers = [_LocalWorker(self._context) for _ in range(workers)]
        self._attempts: dict[int, int] = {}

    def prepare(self, payloads: list[TaskPayload]) -> None:
        """Nothing to do: a worker receives a task's payload with its first batch of it."""

    def free_slots(self) -> list[tuple[Any, frozenset[str] | set[str]]]:
        slots = []
        for depth in range(_QUEUE_DEPTH):
            for worker in self._workers:
                if len(worker.in_flight) <= depth:
                    slots.append((worker, worker.sent))
        return slots

    def submit(self, spec: BatchSpec, payload: TaskPayload, *, slot: Any = None) -> None:
        if slot is None or slot not in self._workers:
            # The least busy worker, preferring one that already compiled the task.
            slot = min(self._workers,
                       key=lambda w: (len(w.in_flight), spec.strong_id not in w.sent))
        self._send(slot, spec, payload)

    def _send(self, worker: _LocalWorker, spec: BatchSpec, payload: TaskPayload) -> None:
        worker.in_flight[spec.batch_id] = (spec, payload)
        try:
            if spec.strong_id not in worker.sent:
                worker.connection.send(("task", payload))
                worker.sent.add(spec.strong_id)
            worker.connection.send(("batch", spec))
        except (BrokenPipeError, ConnectionResetError, EOFError):
            pass  # the worker died; wait() notices and re-sends its batches

    def wait(self, timeout: float) -> list[BatchResult]:
        waitables: list[Any] = []
        for worker in self._workers:
            waitables.append(worker.connection)
            waitables.append(worker.process.sentinel)
        ready = set(multiprocessing.connection.wait(waitables, timeout=timeout))
        results = []
        dead = []
        for worker in self._workers:
            alive = True
            if worker.connection in ready or worker.process.sentinel in ready:
                try:
                    while worker.connection.poll():
                        _, result = worker.connection.recv()
                        worker.in_flight.pop(result.batch_id, None)
                        results.append(result)
                except (EOFError, OSError):
                    alive = False
            if worker.process.sentinel in ready or not alive:
                worker.process.join(timeout=1)
                dead.append(worker)
        for worker in dead:
            self._replace(worker)
        return results

    def _replace(self, worker: _LocalWorker) -> None:
        """Starts a new process in place of a dead one and re-sends its batches."""
        with contextlib.suppress(OSError):
            worker.connection.close()
        self._workers.remove(worker)
        fresh = _LocalWorker(self._context)
        self._workers.append(fresh)
        for spec, payload in worker.in_flight.values():
            attempts = self._attempts.get(spec.batch_id, 1) + 1
            if attempts > _MAX_ATTEMPTS:
                raise ExecutorError(
                    f"a worker process died {_MAX_ATTEMPTS} times running batch "
                    f"{spec.batch_id} of task {spec.strong_id[:12]} (exit code "
                    f"{worker.process.exitcode}); giving up"
                )
            self._attempts[spec.batch_id] = attempts
            self._send(fresh, spec, payload)

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(("stop",))
        for worker in self._workers:
            worker.process.join(timeout=0.5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            with contextlib.suppress(OSError):
                worker.connection.close()
        self._workers = []


def _connect_within(distributed: Any, address: str, seconds: float) -> Any:
    """A ``distributed.Client`` of ``address``, or TimeoutError after ``seconds`` (plus a
    little for the handshake). Dask's own timeout covers the TCP connection, not an endpoint
    that accepts it and never answers (a web server, say), so the client is made in a
    thread that is abandoned when it does not finish in time."""
    outcome: dict[str, Any] = {}

    def connect() -> None:
        try:
            outcome["client"] = distributed.Client(address, timeout=f"{seconds}s",
                                                   set_as_default=False)
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="qec-dask-connect", daemon=True)
    thread.start()
    thread.join(seconds + 2.0)
    if thread.is_alive():
        raise TimeoutError(f"no answer from {address} in {seconds + 2:g} s: not a Dask scheduler")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["client"]


def _check_address(distributed: Any, address: str) -> None:
    """Refuses an address Dask cannot parse before a client is made of it (a client that fails
    in its constructor later prints a timeout traceback while it is collected)."""
    try:
        protocol, location = distributed.comm.parse_address(address)
        if protocol in ("tcp", "tls", "ws", "wss", "ucx"):  # network addresses need a port
            distributed.comm.addressing.parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"dask={address!r} is not a Dask scheduler address ({exc}); give one like "
            "tcp://HOST:8786, or 'local' for a local cluster") from None


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ValueError(
            f"--dask needs the optional Dask dependencies, which are not installed. "
            f"{DASK_INSTALL_HINT}"
        ) from None
    return distributed


class _DaskWorker:
    """What the executor knows of one Dask worker: its threads, batches and compiled tasks."""

    def __init__(self, nthreads: int) -> None:
        self.nthreads = max(1, nthreads)
        self.in_flight: set[int] = set()
        self.compiled: set[str] = set()


class DaskExecutor:
    """Batches as Dask tasks: on a scheduler at an address, a new local cluster, or a client.

    Each task's payload is scattered to the workers once (``broadcast=True``) and every batch
    refers to it; workers keep compiled tasks in a per-process cache. Like the local pool, the
    executor keeps a few batches queued on each worker and sends a worker batches of the tasks
    it has already compiled (a loose restriction: Dask may still run a batch elsewhere, e.g.
    when it steals work or when the worker is gone). Dask re-runs a batch whose worker died;
    when a scattered payload was lost with a worker, the batch is sent again with the payload
    inline. Workers that join or leave the cluster are noticed within two seconds.

    Args:
        address: ``"local"`` to start a ``distributed.LocalCluster`` of ``workers`` processes, a
            scheduler address such as ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client``.
        workers: worker processes for ``"local"``.
        connect_timeout: seconds to wait for a scheduler before giving up.

    Raises:
        ValueError: Dask is not installed (the message says ``pip install 'qec-lab[dask]'``), or the
            scheduler cannot be reached within ``connect_timeout``.
    """

    def __init__(self, *, address: Any, workers: int, connect_timeout: float = 5.0) -> None:
        distributed = _import_distributed()
        self._distributed = distributed
        self._cluster = None
        self._owns_client = True
        self._restore_log_level: tuple[logging.Logger, int] | None = None
        self._address = address if isinstance(address, str) else "the client's scheduler"
        if isinstance(address, distributed.Client):
            self._client = address
            self._owns_client = False
        elif address == "local":
            self._cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=50,
            )
            self._client = distributed.Client(self._cluster)
        elif isinstance(address, str) and address:
            # This executor reports a lost scheduler itself (ExecutorError), so the client it
            # owns does not also log tracebacks of it; the level is restored on close().
            _check_address(distributed, address)
            client_logger = logging.getLogger("distributed.client")
            self._restore_log_level = (client_logger, client_logger.level)
            client_logger.setLevel(logging.CRITICAL)
            try:
                self._client = _connect_within(distributed, address, connect_timeout)
            except (OSError, TimeoutError) as exc:
                client_logger.setLevel(self._restore_log_level[1])
                raise SchedulerUnreachable(
                    f"could not connect to the Dask scheduler at --dask={address!r} within "
                    f"{connect_timeout:g} s ({type(exc).__name__}); start one with `dask "
                    "scheduler` or use --dask local"
                ) from None
        else:
            raise ValueError(
                f"dask={address!r} must be 'local', a scheduler address or a distributed.Client")
        # Import the sampling stack on every worker now rather than inside the first batches.
        self._client.run(_warm_up)
        self._workers: dict[str, _DaskWorker] = {}
        self._refreshed = -math.inf
        self._refresh_workers()
        self._payloads: dict[str, Any] = {}
        self._done: queue.Queue[Any] = queue.Queue()
        self._futures: dict[int, tuple[Any, BatchSpec, TaskPayload, int]] = {}
        self._placed: dict[int, str] = {}  # batch id -> the worker it was sent to

    @property
    def num_workers(self) -> int:
        """Threads of the cluster's workers (at least 1, so that work waits for workers)."""
        return max(1, sum(worker.nthreads for worker in self._workers.values()))

    @contextlib.contextmanager
    def _scheduler_calls(self) -> Iterator[None]:
        """Turns a lost connection to the scheduler into an :class:`ExecutorError`."""
        try:
            yield
        except OSError as exc:  # distributed's CommClosedError and TimeoutError are OSErrors
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ExecutorError(
                f"lost the Dask scheduler at {self._address} ({type(exc).__name__}: {first}); "
                "every batch committed so far is in the database: run again to resume"
            ) from None

    def _refresh_workers(self) -> None:
        """Updates the workers from the scheduler (new ones join, departed ones are dropped)."""
        self._refreshed = time.monotonic()
        with self._scheduler_calls():
            current = self._client.nthreads()
        for address in list(self._workers):
            if address not in current:
                del self._workers[address]
        for address, nthreads in current.items():
            if address in self._workers:
                self._workers[address].nthreads = max(1, nthreads)
            else:
                self._workers[address] = _DaskWorker(nthreads)

    def prepare(self, payloads: list[TaskPayload]) -> None:
        """Scatters the new payloads to every worker, all in one round trip."""
        new = [p for p in payloads if p.strong_id not in self._payloads]
        if new:
            with self._scheduler_calls():
                futures = self._client.scatter(new, broadcast=True, hash=False)
            for payload, future in zip(new, futures, strict=True):
                self._payloads[payload.strong_id] = future

    def free_slots(self) -> list[tuple[Any, frozenset[str] | set[str]]]:
        if time.monotonic() - self._refreshed > _DASK_REFRESH_SECONDS:
            self._refresh_workers()
        if not self._workers:  # none known yet: queue a few batches for whoever comes
            free = _DASK_QUEUE_DEPTH - len(self._futures)
            return [(None, frozenset())] * max(0, free)
        slots: list[tuple[Any, frozenset[str] | set[str]]] = []
        deepest = _DASK_QUEUE_DEPTH * max(w.nthreads for w in self._workers.values())
        for depth in range(deepest):
            for address, worker in self._workers.items():
                if len(worker.in_flight) <= depth < _DASK_QUEUE_DEPTH * worker.nthreads:
                    slots.append((address, worker.compiled))
        return slots

    def submit(self, spec: BatchSpec, payload: TaskPayload, *, slot: Any = None,
               attempt: int = 1, inline: bool = False) -> None:
        with self._scheduler_calls():
            self._submit(spec, payload, slot=slot, attempt=attempt, inline=inline)

    def _submit(self, spec: BatchSpec, payload: TaskPayload, *, slot: Any, attempt: int,
                inline: bool) -> None:
        if inline:
            payload_arg: Any = payload
        else:
            payload_arg = self._payloads.get(spec.strong_id)
            if payload_arg is None:
                payload_arg = self._client.scatter(payload, broadcast=True, hash=False)
                self._payloads[spec.strong_id] = payload_arg
        worker = self._workers.get(slot) if slot is not None else None
        if worker is not None:
            future = self._client.submit(
                _run_on_dask_worker, spec, payload_arg, pure=False, retries=2,
                workers=[slot], allow_other_workers=True)
            worker.in_flight.add(spec.batch_id)
            worker.compiled.add(spec.strong_id)
            self._placed[spec.batch_id] = slot
        else:
            future = self._client.submit(_run_on_dask_worker, spec, payload_arg, pure=False,
                                         retries=2)
        self._futures[spec.batch_id] = (future, spec, payload, attempt)
        future.add_done_callback(self._done.put)

    def wait(self, timeout: float) -> list[BatchResult]:
        finished = []
        try:
            finished.append(self._done.get(timeout=timeout))
            while True:
                finished.append(self._done.get_nowait())
        except queue.Empty:
            pass
        results = []
        for future in finished:
            entry = next((e for e in self._futures.values() if e[0] is future), None)
            if entry is None:
                continue
            _, spec, payload, attempt = entry
            del self._futures[spec.batch_id]
            placed = self._workers.get(self._placed.pop(spec.batch_id, ""))
            if placed is not None:
                placed.in_flight.discard(spec.batch_id)
            if future.status == "finished":
                try:
                    address, result = future.result()
                except Exception:  # computed, then lost with its worker
                    # Between the done callback and the gather, the worker that held the
                    # result died: Dask cancels the key (FutureCancelledError) when it cannot
                    # recompute it (its scattered payload went with the worker). The batch is
                    # a function of its spec, so running it again gives the same result.
                    pass
                else:
                    if address in self._workers:  # where it ran, maybe not where it was sent
                        self._workers[address].compiled.add(spec.strong_id)
                    results.append(result)
                    continue
            # Infrastructure failure (lost worker, lost payload, lost scheduler): the batch
            # function itself never raises, it reports errors in its result.
            if self._client.status in ("closing", "closed"):
                raise ExecutorError(
                    f"lost the Dask scheduler at {self._address} (the client closed its "
                    "connection); every batch committed so far is in the database: run again "
                    "to resume")
            if attempt >= _MAX_ATTEMPTS:
                raise ExecutorError(
                    f"Dask could not run batch {spec.batch_id} of task {spec.strong_id[:12]} "
                    f"after {attempt} attempts: {_failure(future)}"
                )
            self._payloads.pop(spec.strong_id, None)
            self._refresh_workers()
            self.submit(spec, payload, attempt=attempt + 1, inline=True)
        return results

    def close(self) -> None:
        for future, *_ in self._futures.values():
            future.cancel()
        self._futures.clear()
        if self._owns_client:
            with contextlib.suppress(OSError):  # the scheduler may be gone already
                self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        if self._restore_log_level is not None:
            logger, level = self._restore_log_level
            logger.setLevel(level)


def _failure(future: Any) -> str:
    """What became of a Dask future that did not deliver (its exception, or its status)."""
    try:
        return repr(future.exception(timeout=0))
    except Exception:  # a cancelled future has no exception to give
        return f"the batch was {future.status}"


def _run_on_dask_worker(spec: BatchSpec, payload: TaskPayload) -> tuple[str | None, BatchResult]:
    """Runs a batch on a Dask worker; returns the worker's address with the result."""
    import distributed

    from qec.sampling._worker import run_batch

    try:
        address: str | None = distributed.get_worker().address
    except ValueError:  # not inside a worker (a synchronous client, for example)
        address = None
    return address, run_batch(spec, payload)


def _warm_up() -> None:
    """Imports what a batch needs (stim, sinter, PyMatching, the decoder registry)."""
    import qec.decoders
    import qec.sampling._worker

    qec.decoders.get_decoder("pymatching")


def make_executor(*, workers: int | None, dask: Any = None) -> Executor:
    """A :class:`DaskExecutor` when ``dask`` is given, else a :class:`LocalExecutor`.

    Args:
        workers: worker processes (local pool or ``dask="local"``); all cores when None.
        dask: None, ``"local"``, a scheduler address, or a ``distributed.Client``.
    """
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive integer")
    if dask is None:
        return LocalExecutor(workers=workers)
    return DaskExecutor(address=dask, workers=workers)
