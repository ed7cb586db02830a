"""Worker processes never outlive their command, whatever signal ends it."""

import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads the process table in /proc")


def _children(pid: int) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _interruptible() -> None:
    """In the command's process before it starts: SIGINT back to its default. A suite
    launched in the background of a non-interactive shell (``make test &``, ``nohup``)
    inherits SIGINT ignored, Python then installs no Ctrl-C handler, and the command rightly
    ignores the SIGINT these tests send (the run that found it timed out after 60 s)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _committed(db) -> int:
    """Completed batches in ``db`` so far (0 before the run has made it)."""
    import sqlite3

    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM batches WHERE shots IS NOT NULL").fetchone()
    except sqlite3.Error:  # the run is still creating it
        return 0
    return count


def _start(tmp_path, command=None, *, db=None, helpers=3):
    """Starts a qec command (a long threshold run by default), waits for its ``helpers`` child
    processes (the threshold run's: its 2 workers and its figure process) and, when it has a
    database, for its first committed batch (an event, not a clock)."""
    db = db if db is not None or command is not None else tmp_path / "threshold.db"
    command = command or [
        sys.executable, "-m", "qec", "threshold", "--distances", "5,7", "--p", "0.004:0.01:4",
        "--max-shots", "100000000", "--max-errors", "100000000", "--workers", "2", "--out",
        str(tmp_path), "--seed", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True,
                               preexec_fn=_interruptible)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < helpers:
        time.sleep(0.2)
        workers = _children(process.pid)
    assert len(workers) == helpers, f"not every helper process started: {workers}"
    while db is not None and process.poll() is None and not _committed(db):
        time.sleep(0.05)  # a poll interval; what the test waits for is the first commit
    return process, workers


def _assert_gone(workers, *, within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their command"


def test_sigkill_of_the_command_ends_its_workers_and_closes_its_pipes(tmp_path):
    process, workers = _start(tmp_path)
    os.kill(process.pid, signal.SIGKILL)
    # The workers hold none of the command's streams: reading them to the end returns.
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    _assert_gone(workers)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                                (signal.SIGINT, 130)])
def test_sigterm_sighup_and_sigint_stop_cleanly_and_say_what_was_kept(tmp_path, signum, status):
    process, workers = _start(tmp_path)
    os.kill(process.pid, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == status, err
    lines = [line for line in err.splitlines() if not line.startswith("qec:")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"qec threshold: interrupted by {signal.Signals(signum).name}; ")
    assert "completed batches are stored in" in lines[0] and "run it again to resume" in lines[0]
    assert "Traceback" not in err
    _assert_gone(workers)


def test_a_second_sigterm_during_the_shutdown_is_no_traceback(tmp_path):
    # `timeout` forwards the SIGTERM that `kill` also sent: two signals in a row.
    process, workers = _start(tmp_path)
    os.kill(process.pid, signal.SIGTERM)
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "Traceback" not in err
    _assert_gone(workers)


def test_lowrate_workers_end_with_the_command(tmp_path):
    command = [sys.executable, "-m", "qec", "lowrate", "--code", "surface", "--distance", "9",
               "--noise", "si1000", "--p", "0.001", "--workers", "2", "--db",
               str(tmp_path / "low.db"), "--quiet"]
    process, workers = _start(tmp_path, command, helpers=2)  # its 2 workers, no figure
    os.kill(process.pid, signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert "interrupted by SIGTERM" in err and "Traceback" not in err
    _assert_gone(workers)
