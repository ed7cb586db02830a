"""Tasks leased by another process never take this process's slots (the livelock of two runs
on one database with an error-based stopping rule)."""

import sqlite3
import time

import pytest

from qec.sampling import collect
from qec.store import ResultStore, owner_id
from tests.sampling.sampling_circuits import repetition_task

OTHER = "another-host:1:1"  # a process on another host counts as alive: its leases hold


class _LeaseWatcher:
    """A progress display that plays the other process: it holds the leases of the foreign
    tasks until this run has finished its own, then gives them up. It fails the run when this
    process sits with nothing in flight while its own tasks are unfinished, loop after loop
    (driven by the engine's own iterations, not by a clock)."""

    def __init__(self, db, own, foreign):
        self.db, self.own, self.foreign = db, own, foreign
        self.idle = 0
        self.released = False

    def update(self, tasks, *, workers, final=False):
        if final or self.released:
            return
        with sqlite3.connect(self.db) as connection:
            own_done = all(t.done for t in tasks if t.label in self.own)
            if own_done:
                connection.execute("DELETE FROM leases WHERE owner = ?", (OTHER,))
                self.released = True
                return
            (in_flight,) = connection.execute(
                "SELECT COUNT(*) FROM batches WHERE shots IS NULL AND owner = ?",
                (owner_id(),)).fetchone()
        self.idle = 0 if in_flight else self.idle + 1
        if self.idle >= 20:
            raise AssertionError("20 loops with nothing in flight while this run's own tasks "
                                 "are unfinished: its slots go to tasks another process leases")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("workers", [1, 2])
def test_tasks_leased_elsewhere_do_not_starve_this_runs_own(tmp_path, workers):
    # 2 x workers tasks leased by the other process and never sampled here: every free slot
    # used to go to a probe of one of them, refused, and the run's own tasks never started.
    tasks = [repetition_task(p=p) for p in (0.02, 0.03, 0.04, 0.05, 0.06, 0.07)[:4 * workers]]
    foreign = tasks[: 2 * workers]
    db = tmp_path / "r.db"
    with ResultStore(db, create=True) as store:
        store.add_tasks(tasks)
        with store._connection:
            store._connection.executemany(
                "INSERT INTO leases (strong_id, owner, taken_at) VALUES (?, ?, ?)",
                [(t.strong_id, OTHER, time.time()) for t in foreign])
    labels = {}
    watcher = _LeaseWatcher(db, own=set(), foreign=foreign)

    class Progress:
        def update(self, snapshot, *, workers, final=False):
            if not labels:
                labels.update({t.label: t for t in snapshot})
                watcher.own = {t.label for t, task in zip(snapshot, tasks, strict=True)
                               if task not in foreign}
            watcher.update(snapshot, workers=workers, final=final)

    stats = collect(tasks, db=db, max_shots=200_000, max_errors=300, workers=workers, seed=3,
                    progress=Progress())
    assert watcher.released
    assert all(s.errors >= 300 for s in stats)
