"""Durable, adaptive, parallel sampling of logical-error statistics.

A :class:`Task` is a stim circuit, a decoder name and metadata, identified by a content hash.
:func:`collect` samples tasks on a local process pool or a Dask cluster into a SQLite
:class:`qec.store.ResultStore`, committing every batch before counting it, resuming from stored
totals, and stopping each task at ``max_shots``, ``max_errors`` or a target relative error.
:class:`TaskStats` holds the totals, with the logical error per shot and per round and their
binomial intervals. :func:`estimate_rare_error` reaches the rates direct sampling cannot
(splitting; :func:`estimate_subset` by subset simulation), stored and resumed the same way.

Examples:
    >>> import tempfile
    >>> from qec.sampling import Task, collect
    >>> import stim
    >>> circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=3,
    ...                                  after_clifford_depolarization=0.01)
    >>> task = Task(circuit=circuit, decoder="pymatching",
    ...             json_metadata={"distance": 3, "rounds": 3, "p": 0.01})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [stats] = collect([task], db=f"{tmp}/results.db", max_shots=2000, max_errors=50,
    ...                       workers=1, seed=1)
    >>> stats.errors >= 50 or stats.shots == 2000
    True
"""

from qec.data import Task, TaskStats
from qec.sampling._direct_cost import DirectCost, measure_direct_cost
from qec.sampling._engine import SamplingSession, collect, sample_shots
from qec.sampling._executors import ExecutorError, default_workers
from qec.sampling._progress import LiveProgress, PlainProgress, TaskProgress, make_progress
from qec.sampling._splitting import RareEventEstimate, RungSummary, estimate_rare_error
from qec.sampling._subset import estimate_subset
from qec.sampling._task import memory_task
from qec.sampling._worker import CHUNK_SHOTS, chunk_seed

__all__ = [
    "CHUNK_SHOTS",
    "DirectCost",
    "ExecutorError",
    "LiveProgress",
    "PlainProgress",
    "RareEventEstimate",
    "RungSummary",
    "SamplingSession",
    "Task",
    "TaskProgress",
    "TaskStats",
    "chunk_seed",
    "collect",
    "default_workers",
    "estimate_rare_error",
    "estimate_subset",
    "make_progress",
    "measure_direct_cost",
    "memory_task",
    "sample_shots",
]
