"""Several processes share one task under an error-based rule and still stop at the chunk a
single run stops at: each commits whole batches with their chunks' counts, and the store cuts
the task where its committed prefix meets the rule.

The other process is played by the test, driven by this run's own events (its commits), never
by a clock: it holds the first chunks of the task in flight while this run samples the next
ones, and completes them only after this run has gone past the rule's chunk.
"""

import itertools
import sqlite3
import time

from qec.sampling import collect
from qec.sampling._worker import CHUNK_SHOTS, BatchSpec, TaskPayload, WorkerState
from qec.store import ResultStore, owner_id
from tests.sampling.sampling_circuits import repetition_task

OTHER = "another-host:1:1"  # a process on another host counts as alive: its claims hold
SEED, MAX_SHOTS, MAX_ERRORS = 7, 10**6, 1500
OTHER_CHUNKS = 3


def _stop(shots, errors, discards):
    return (shots >= MAX_SHOTS) | (errors >= MAX_ERRORS)


class _OtherProcess:
    """A progress display that plays a second process on the same task: its claim of the
    first chunks is in flight until this run has committed past the rule, then it commits them
    through its own connection, as a second process would."""

    def __init__(self, db, task, batch_id):
        self.db, self.task, self.batch_id = db, task, batch_id
        self.committed = False
        self.waited = 0

    def update(self, tasks, *, workers, final=False):
        if self.committed or final:
            return
        with sqlite3.connect(self.db) as connection:
            (errors,) = connection.execute(
                "SELECT COALESCE(SUM(errors), 0) FROM batches WHERE owner = ? AND shots IS NOT "
                "NULL", (owner_id(),)).fetchone()
        if errors < MAX_ERRORS:
            return  # not yet: this run has not gone past the rule by itself
        self.waited += 1
        spec = BatchSpec(batch_id=self.batch_id, strong_id=self.task.strong_id, seed=SEED,
                         first_chunk=0, num_chunks=OTHER_CHUNKS, last_chunk_shots=CHUNK_SHOTS)
        payload = TaskPayload(strong_id=self.task.strong_id,
                              circuit_text=str(self.task.circuit), decoder_name="pymatching")
        result = WorkerState().run(spec, payload)
        with ResultStore(self.db) as store:
            done = store.complete_batch(
                self.batch_id, shots=int(result.shots.sum()), errors=int(result.errors.sum()),
                discards=int(result.discards.sum()), seconds=float(result.seconds.sum()),
                chunks=(result.shots, result.errors, result.discards), stop=_stop)
        assert done.committed and done.stop_chunk is not None
        self.committed = True


def test_two_processes_share_one_task_and_stop_at_the_single_runs_chunk(tmp_path):
    task = repetition_task(p=0.05)
    [single] = collect([task], db=tmp_path / "single.db", max_shots=MAX_SHOTS,
                       max_errors=MAX_ERRORS, workers=1, seed=SEED)
    db = tmp_path / "shared.db"
    with ResultStore(db, create=True) as store:
        store.add_task(task)
        with store._connection:
            cursor = store._connection.execute(
                "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, claimed_at, "
                "owner, claimed_shots) VALUES (?, ?, 0, ?, ?, ?, ?)",
                (task.strong_id, SEED, OTHER_CHUNKS, time.time(), OTHER,
                 OTHER_CHUNKS * CHUNK_SHOTS))
        other = _OtherProcess(db, task, cursor.lastrowid)
    [shared] = collect([task], db=db, max_shots=MAX_SHOTS, max_errors=MAX_ERRORS, workers=1,
                       seed=SEED, progress=other)
    assert other.committed  # the run waited for the other process's chunks, then ended
    assert (shared.shots, shared.errors) == (single.shots, single.errors)
    with ResultStore(db, read_only=True) as store:
        rows = store.batch_rows()
    assert all(shots is not None for *_, shots in rows)  # nothing left claimed
    chunks = sorted((first, count) for _, _, first, count, _ in rows)
    assert chunks[0] == (0, OTHER_CHUNKS)  # the other process's batch is in the result
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(chunks))  # no gap or overlap
    assert sum(n for _, n in chunks) * CHUNK_SHOTS >= shared.shots > single.errors
