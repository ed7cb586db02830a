import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest
import stim

from qec.sampling import Task, TaskStats
from qec.store import SCHEMA_VERSION, ResultStore

CIRCUIT = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
                                 before_round_data_depolarization=0.05)


def _task(p=0.05, **metadata):
    return Task(circuit=CIRCUIT, decoder="pymatching", json_metadata={"p": p, **metadata})


def test_claims_commits_and_sums(tmp_path):
    task = _task()
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(task)
        store.add_task(task)  # idempotent
        a = store.claim_batch(task.strong_id, seed=1, num_chunks=3)
        b = store.claim_batch(task.strong_id, seed=1, num_chunks=2)
        c = store.claim_batch(task.strong_id, seed=2, num_chunks=1)
        assert (a.first_chunk, b.first_chunk, c.first_chunk) == (0, 3, 0)
        assert store.stats_for(task.strong_id).shots == 0  # claims are not results
        store.complete_batch(a.id, shots=3000, errors=7, discards=1, seconds=0.5,
                             custom_counts={"k": 2})
        store.complete_batch(b.id, shots=1000, errors=2, discards=0, seconds=0.25, num_chunks=1)
        with pytest.raises(ValueError, match=f"batch id={a.id} is not a pending claim"):
            store.complete_batch(a.id, shots=1, errors=0, discards=0, seconds=0)
        store.release_batches([a.id, c.id])  # only the pending claim c goes
        stats = store.stats_for(task.strong_id)
        assert (stats.shots, stats.errors, stats.discards, stats.seconds) == (4000, 9, 1, 0.75)
        assert stats.custom_counts == {"k": 2}
        # b kept one of its two chunks, so the next claim starts right after it.
        assert store.claim_batch(task.strong_id, seed=1, num_chunks=1).first_chunk == 4
        assert store.integrity_check() == "ok"


def test_read_stats_filters_on_metadata(tmp_path):
    tasks = [_task(p=0.01, distance=3), _task(p=0.02, distance=3), _task(p=0.01, distance=5)]
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_tasks(tasks)
        assert len(store.read_stats()) == 3
        assert [s.json_metadata["p"] for s in store.read_stats(distance=3)] == [0.01, 0.02]
        assert len(store.read_stats(distance=5, p=0.01)) == 1
        assert store.read_stats(distance=7) == []
        assert len(store.read_stats(decoder="pymatching")) == 3
        assert store.stats_for("unknown") is None
        assert store.circuit_text(tasks[0].strong_id) == str(CIRCUIT)


def test_add_stats_records_imported_tasks(tmp_path):
    stats = TaskStats(strong_id="s1", decoder="pymatching", json_metadata={"p": 0.1},
                      shots=100, errors=3)
    with ResultStore(tmp_path / "r.db", create=True) as store:
        assert store.add_stats([stats, stats]) == 2
        [read] = store.read_stats()
        assert (read.shots, read.errors) == (200, 6)
        assert store.circuit_text("s1") is None


def test_reopening_keeps_everything(tmp_path):
    task = _task()
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(task)
        batch = store.claim_batch(task.strong_id, seed=None, num_chunks=1)
        store.complete_batch(batch.id, shots=10, errors=1, discards=0, seconds=0.1)
    with ResultStore(tmp_path / "r.db", create=False) as store:
        assert store.stats_for(task.strong_id).shots == 10


def test_bad_database_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    with pytest.raises(ValueError, match="is not a usable SQLite database"):
        ResultStore(text, create=True)
    assert text.read_text() == "not a database\n" * 100  # untouched

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (x)")
    with pytest.raises(ValueError, match="a SQLite database of another application"):
        ResultStore(other, create=True)

    old = tmp_path / "old.db"
    ResultStore(old, create=True).close()
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE qec_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(ValueError, match=f"schema version {SCHEMA_VERSION + 1}, but this qec"):
        ResultStore(old, create=True)

    with pytest.raises(ValueError, match="is a directory"):
        ResultStore(tmp_path, create=True)
    with pytest.raises(ValueError, match="cannot create database"):
        ResultStore(text / "inside.db", create=True)  # the parent is a file
    with pytest.raises(ValueError, match="does not exist"):
        ResultStore(tmp_path / "missing.db", create=False)
    with pytest.raises(ValueError, match="num_chunks=0 must be positive"):
        ResultStore(tmp_path / "fine.db", create=True).claim_batch("x", seed=1, num_chunks=0)


_RUNNER = textwrap.dedent("""
    import sys
    import stim
    from qec.sampling import Task, collect
    db, max_shots, seed, batch_seconds = sys.argv[1], *map(float, sys.argv[2:5])
    circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=3,
                                     before_round_data_depolarization=0.05)
    tasks = [Task(circuit=circuit, decoder="pymatching", json_metadata={"i": i}) for i in range(2)]
    collect(tasks, db=db, max_shots=int(max_shots), workers=1, seed=int(seed),
            max_batch_seconds=batch_seconds)
""")


def _start(tmp_path, db, max_shots, seed, batch_seconds):
    script = tmp_path / "runner.py"
    script.write_text(_RUNNER)
    return subprocess.Popen(
        [sys.executable, str(script), str(db), str(max_shots), str(seed), str(batch_seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _completed(db):
    with sqlite3.connect(db, timeout=30) as connection:
        try:
            return connection.execute(
                "SELECT COUNT(*), COALESCE(SUM(shots), 0) FROM batches WHERE shots IS NOT NULL"
            ).fetchone()
        except sqlite3.OperationalError:
            return 0, 0


@pytest.mark.timeout(120)
def test_kill_9_mid_run_then_resume(tmp_path):
    db = tmp_path / "r.db"
    process = _start(tmp_path, db, 10**9, 5, 0.001)  # endless: one chunk per batch
    deadline = time.monotonic() + 60
    while _completed(db)[0] < 20 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read().decode()
    os.killpg(process.pid, signal.SIGKILL)  # the runner and its worker, at once
    process.wait()
    with ResultStore(db, create=True) as store:
        assert store.integrity_check() == "ok"
        count, committed_shots = _completed(db)
        assert count >= 20
        assert sum(s.shots for s in store.read_stats()) == committed_shots
        rows = store.batch_rows()
    # Chunk ranges never overlap, committed or claimed.
    for task_id in {r[0] for r in rows}:
        ranges = sorted((r[2], r[2] + r[3]) for r in rows if r[0] == task_id)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
    # Resuming finishes each task at exactly its budget.
    target = max(s.shots for s in ResultStore(db, create=True).read_stats()) + 3000
    resumed = _start(tmp_path, db, target, 5, 0.5)
    assert resumed.wait(timeout=60) == 0, resumed.stderr.read().decode()
    with ResultStore(db, create=True) as store:
        assert [s.shots for s in store.read_stats()] == [target, target]
        assert store.integrity_check() == "ok"


@pytest.mark.timeout(120)
def test_two_concurrent_writers_both_complete(tmp_path):
    db = tmp_path / "r.db"
    ResultStore(db, create=True).close()
    runs = [_start(tmp_path, db, 60_000, 7, 0.002) for _ in range(2)]
    for run in runs:
        assert run.wait(timeout=90) == 0, run.stderr.read().decode()
    with ResultStore(db, create=True) as store:
        stats = store.read_stats()
        rows = store.batch_rows()
        assert store.integrity_check() == "ok"
    assert len(stats) == 2
    for s in stats:
        mine = [r for r in rows if r[0] == s.strong_id]
        assert all(r[4] is not None for r in mine)  # no claim left pending
        assert s.shots == sum(r[4] for r in mine) >= 60_000
        # Both runs used seed 7, yet no chunk was sampled twice.
        ranges = sorted((r[2], r[2] + r[3]) for r in mine)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
