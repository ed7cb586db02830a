"""Killed and resumed runs give the numbers of an uninterrupted one; budgets hold across
processes; a dead process's claims are re-sampled, a live one's never taken."""

import csv
import io
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from qec.cli import main
from qec.store import ResultStore, owner_id, owner_is_dead
from tests.sampling.sampling_circuits import repetition_task

SWEEP = ["threshold", "--distances", "3,5", "--p", "0.004,0.008", "--max-shots", "2000000",
         "--max-errors", "40000", "--seed", "5", "--quiet"]


def _rows(db) -> list[tuple]:
    """The export without its seconds column (worker time is not reproducible)."""
    with ResultStore(db, read_only=True) as store:
        text = "".join(s.to_sinter().to_csv_line() + "\n" for s in store.read_stats())
    return sorted(tuple(field.strip() for i, field in enumerate(row) if i != 3)
                  for row in csv.reader(io.StringIO(text)))


def _progress(db) -> tuple[int, int]:
    """``(completed, in flight)`` batch rows of ``db`` (in flight: claimed by a live process);
    ``(0, 0)`` before the run has made it."""
    if not os.path.exists(db):
        return 0, 0
    try:
        with ResultStore(db, read_only=True) as store:
            rows = store.batch_rows()
            abandoned = store.abandoned_claims()
    except (sqlite3.Error, ValueError, OSError):  # the run is still creating it
        return 0, 0
    completed = sum(row[4] is not None for row in rows)
    return completed, len(rows) - completed - abandoned


def _run_and_kill(argv, *, db, after_batches: int, signum=signal.SIGKILL) -> None:
    """Runs ``qec argv`` and kills it once ``after_batches`` more batches are committed to
    ``db`` while a claim is in flight: driven by the run's own commits, not by a clock, so a
    fast machine cannot finish first. Fails if the run ends before that."""
    start, _ = _progress(db)
    process = subprocess.Popen([sys.executable, "-m", "qec", *argv], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            completed, pending = _progress(db)
            if completed - start >= after_batches and pending:
                os.kill(process.pid, signum)
                break
            time.sleep(0.005)  # a poll interval: what the kill waits for is the commit count
    finally:
        _, err = process.communicate(timeout=120)
    assert process.returncode == -signum, (
        f"the run ended (status {process.returncode}) before {after_batches} more batches "
        f"were committed: {err.decode()[-500:]}")


@pytest.mark.timeout(400)
@pytest.mark.parametrize("killer_seed", [0, 1])
def test_killed_any_number_of_times_resumes_to_the_uninterrupted_numbers(tmp_path, killer_seed):
    reference = tmp_path / "ref.db"
    assert main([*SWEEP, "--workers", "2", "--db", str(reference), "--out", str(tmp_path)]) == 0
    killed = tmp_path / "killed.db"
    rng = random.Random(killer_seed)
    for _ in range(3):
        _run_and_kill([*SWEEP, "--workers", "2", "--db", str(killed), "--out", str(tmp_path)],
                      db=killed, after_batches=rng.randint(1, 4))
    with ResultStore(killed, read_only=True) as store:
        stored = sum(s.shots for s in store.read_stats())
        abandoned = store.abandoned_claims()
    with ResultStore(reference, read_only=True) as store:
        total = sum(s.shots for s in store.read_stats())
    # The kills happened mid-run: part of the work is stored, and claims were left in flight.
    assert 0 < stored < total and abandoned >= 1
    assert main([*SWEEP, "--workers", "1", "--db", str(killed), "--out", str(tmp_path)]) == 0
    assert _rows(killed) == _rows(reference)


@pytest.mark.timeout(300)
def test_two_concurrent_runs_share_one_budget(tmp_path):
    db = tmp_path / "shared.db"
    argv = [sys.executable, "-m", "qec", "threshold", "--distances", "3,5", "--p",
            "0.004,0.008", "--max-shots", "300000", "--max-errors", "100000000", "--workers",
            "1", "--db", str(db), "--out", str(tmp_path), "--quiet"]
    runs = [subprocess.Popen([*argv, "--seed", "9"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=280)
        assert run.returncode == 0, err
    with ResultStore(db, read_only=True) as store:
        stats = store.read_stats()
        rows = store.batch_rows()
    assert len(stats) == 4
    assert [s.shots for s in stats] == [300_000] * 4  # never more than max_shots
    assert all(r[4] is not None for r in rows)


def test_a_dead_processes_claim_is_resampled_and_a_live_one_is_not_taken(tmp_path):
    task = repetition_task()
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(task)
        done = store.claim_batch(task.strong_id, seed=3, num_chunks=2)
        store.complete_batch(done.id, shots=2048, errors=5, discards=0, seconds=0.1)
        dead = store.claim_batch(task.strong_id, seed=3, num_chunks=4)
        live = store.claim_batch(task.strong_id, seed=3, num_chunks=1)
        # Make `dead` belong to a process that no longer exists.
        gone = f"{socket.gethostname()}:{2**22 + 12345}:1"
        assert owner_is_dead(gone) and not owner_is_dead(owner_id())
        store._connection.execute("UPDATE batches SET owner = ? WHERE id = ?", (gone, dead.id))
        assert store.abandoned_claims(task.strong_id) == 1
        first = store.claim_batch(task.strong_id, seed=3, num_chunks=3)
        assert (first.first_chunk, first.num_chunks) == (dead.first_chunk, 3)
        rest = store.claim_batch(task.strong_id, seed=3, num_chunks=8)
        assert (rest.first_chunk, rest.num_chunks) == (dead.first_chunk + 3, 1)
        fresh = store.claim_batch(task.strong_id, seed=3, num_chunks=1)
        assert fresh.first_chunk == live.first_chunk + 1  # the live claim was left alone
        other_host = "elsewhere:1:1"
        assert not owner_is_dead(other_host)


def test_the_budget_counts_every_live_claim(tmp_path):
    task = repetition_task()
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(task)
        a = store.claim_batch(task.strong_id, seed=1, num_chunks=3, shots=3000,
                              max_total_shots=5000)
        b = store.claim_batch(task.strong_id, seed=1, num_chunks=3, shots=3000,
                              max_total_shots=5000)
        assert (a.shots, b.shots, b.num_chunks) == (3000, 2000, 2)
        assert store.claim_batch(task.strong_id, seed=1, num_chunks=1, shots=1024,
                                 max_total_shots=5000) is None
        store.release_batches([b.id])
        c = store.claim_batch(task.strong_id, seed=1, num_chunks=3, shots=3000,
                              max_total_shots=5000)
        assert c.shots == 2000


# Both sweeps take several seconds, so that the kills below land while they sample. The
# precision sweep's p range holds the per-shot crossing (about 0.46%): a range that misses it
# would stop at once, as unreachable.
PRECISION = ["threshold", "--distances", "3,5", "--p", "0.003:0.007:6", "--precision", "0.03",
             "--max-shots", "2000000", "--seed", "1", "--quiet"]
LEAKY = ["threshold", "--distances", "3,5", "--p", "0.004,0.008", "--leakage", "0.002",
         "--leakage-removal", "dqlr", "--max-shots", "2000000", "--max-errors", "40000",
         "--seed", "2", "--quiet"]


@pytest.mark.timeout(400)
@pytest.mark.parametrize(("sweep", "kills"), [(PRECISION, (1, 3)), (LEAKY, (2, 2))],
                         ids=["precision", "leakage"])
def test_precision_and_leakage_sweeps_resume_to_the_uninterrupted_numbers(tmp_path, sweep,
                                                                          kills):
    reference = tmp_path / "ref.db"
    assert main([*sweep, "--workers", "2", "--db", str(reference), "--out", str(tmp_path)]) == 0
    again = tmp_path / "again.db"  # run twice, with another worker count: the same numbers
    assert main([*sweep, "--workers", "1", "--db", str(again), "--out", str(tmp_path)]) == 0
    assert _rows(again) == _rows(reference)
    killed = tmp_path / "killed.db"
    for batches in kills:
        _run_and_kill([*sweep, "--workers", "2", "--db", str(killed), "--out", str(tmp_path)],
                      db=killed, after_batches=batches)
    with ResultStore(killed, read_only=True) as store:
        stored = sum(s.shots for s in store.read_stats())
    with ResultStore(reference, read_only=True) as store:
        total = sum(s.shots for s in store.read_stats())
    assert 0 < stored < total  # killed mid-run
    assert main([*sweep, "--workers", "2", "--db", str(killed), "--out", str(tmp_path)]) == 0
    assert _rows(killed) == _rows(reference)


@pytest.mark.timeout(400)
def test_concurrent_runs_stop_at_the_max_errors_chunk_of_a_single_run(tmp_path):
    sweep = ["threshold", "--distances", "3,5", "--p", "0.004,0.008", "--max-shots",
             "5000000", "--max-errors", "8000", "--seed", "4", "--quiet", "--workers", "1"]
    single = tmp_path / "single.db"
    assert main([*sweep, "--db", str(single), "--out", str(tmp_path)]) == 0
    shared = tmp_path / "shared.db"
    runs = [subprocess.Popen([sys.executable, "-m", "qec", *sweep, "--db", str(shared),
                              "--out", str(tmp_path)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(2)]
    try:
        for run in runs:
            _, err = run.communicate(timeout=300)
            assert run.returncode == 0, err
    finally:
        for run in runs:  # a hung run must not outlive the test (SIGTERM stops its workers)
            if run.poll() is None:
                run.terminate()
                try:
                    run.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    run.kill()
                    run.wait()
    assert _rows(shared) == _rows(single)
    with ResultStore(shared, read_only=True) as store:
        assert all(r[4] is not None for r in store.batch_rows())  # nothing left claimed
