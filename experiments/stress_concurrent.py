"""Stress loop: two `qec threshold` runs on one database with an error-based stopping rule.

Each iteration starts two runs at once on a fresh database (1 or 2 workers each, 4 or 8 tasks,
with or without a third process keeping one core busy), waits for both, and checks that both
ended with status 0 and that the database holds the numbers of a single run. A run still going
after --hang seconds counts as a hang (it is killed, with its workers).

Usage: python experiments/stress_concurrent.py [--iterations 56] [--hang 120]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qec.store import ResultStore


def _rows(db: Path) -> list[tuple]:
    with ResultStore(db, read_only=True) as store:
        text = "".join(s.to_sinter().to_csv_line() + "\n" for s in store.read_stats())
    return sorted(tuple(f.strip() for i, f in enumerate(row) if i != 3)
                  for row in csv.reader(io.StringIO(text)))


def _sweep(tasks: int, workers: int, db: Path, out: Path) -> list[str]:
    ps = "0.004,0.008" if tasks == 4 else "0.003,0.005,0.007,0.009"
    return [sys.executable, "-m", "qec", "threshold", "--distances", "3,5", "--p", ps,
            "--max-shots", "2000000", "--max-errors", "3000", "--seed", "4", "--quiet",
            "--workers", str(workers), "--db", str(db), "--out", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=56)
    parser.add_argument("--hang", type=float, default=120.0)
    parser.add_argument("--only", default=None, metavar="WORKERS,TASKS,BUSY",
                        help="one configuration, like 2,4,0")
    args = parser.parse_args()
    configs = list(itertools.product((1, 2), (4, 8), (False, True)))
    if args.only:
        workers, tasks, busy = (int(v) for v in args.only.split(","))
        configs = [(workers, tasks, bool(busy))]
    singles: dict[tuple[int, int], list[tuple]] = {}
    hangs = failures = mismatches = 0
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for workers, tasks in {(w, t) for w, t, _ in configs}:
            db = base / f"single-{workers}-{tasks}.db"
            subprocess.run(_sweep(tasks, workers, db, base), check=True)
            singles[(workers, tasks)] = _rows(db)
        for iteration in range(args.iterations):
            workers, tasks, busy = configs[iteration % len(configs)]
            db = base / f"shared-{iteration}.db"
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
            started = time.monotonic()
            runs = [subprocess.Popen(_sweep(tasks, workers, db, base), start_new_session=True,
                                     stderr=subprocess.PIPE) for _ in range(2)]
            for run in runs:
                try:
                    run.wait(timeout=max(1.0, args.hang - (time.monotonic() - started)))
                except subprocess.TimeoutExpired:
                    hangs += 1
                    os.killpg(run.pid, signal.SIGKILL)
                    run.wait()
            if burner is not None:
                burner.kill()
                burner.wait()
            seconds = time.monotonic() - started
            ok = all(run.returncode == 0 for run in runs)
            failures += not ok
            same = ok and _rows(db) == singles[(workers, tasks)]
            mismatches += ok and not same
            print(f"{iteration + 1:3d}: workers {workers}, {tasks} tasks, busy core {busy}: "
                  f"{'ok' if ok and same else 'FAILED'} in {seconds:.1f} s", flush=True)
            for run in runs:
                if run.returncode != 0:
                    print(f"     status {run.returncode}: {run.stderr.read().decode()[-2000:]}",
                          flush=True)
    print(f"{args.iterations} iterations: {hangs} hangs, {failures} failed runs, "
          f"{mismatches} databases unlike a single run's")


if __name__ == "__main__":
    main()
