"""Two runs on one database against one run: do concurrent runs share the work?

The same `qec threshold` sweep under an error-based stopping rule (--max-errors), with one
worker per run, is sampled (a) by one run into a fresh database and (b) by two runs started
together into another fresh database, alternately, several times, in one process run. It
prints each wall time, the ratio one / two (2 would be perfect sharing on two free cores), and
checks that both databases hold the same numbers (the runs stop at the single run's chunks).

The sweep has one task much larger than the others (d = 7 at low p), the case where dividing
the work by task cannot help and the runs must share a task.

    python experiments/benchmarks/bench_concurrent.py [--repeats 3] [--max-errors 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qec.store import ResultStore

SWEEP = ["threshold", "--distances", "3,7", "--p", "0.004,0.008", "--max-shots", "20000000",
         "--seed", "5", "--quiet", "--workers", "1"]


def _rows(db: Path) -> list[tuple]:
    with ResultStore(db, read_only=True) as store:
        text = "".join(s.to_sinter().to_csv_line() + "\n" for s in store.read_stats())
    return sorted(tuple(f.strip() for i, f in enumerate(row) if i != 3)  # not the seconds
                  for row in csv.reader(io.StringIO(text)))


def _timed(runs: int, db: Path, out: Path, max_errors: int) -> float:
    command = [sys.executable, "-m", "qec", *SWEEP, "--max-errors", str(max_errors), "--db",
               str(db), "--out", str(out)]
    start = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.DEVNULL) for _ in range(runs)]
    codes = [p.wait() for p in processes]
    elapsed = time.perf_counter() - start
    if any(codes):
        raise SystemExit(f"a run failed: exit statuses {codes}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-errors", type=int, default=10_000,
                        help="errors per task: more makes the sampling, which two runs share, "
                             "a larger part of the fixed start-up and final fit of each run")
    args = parser.parse_args()
    print(f"sweep: qec {' '.join(SWEEP)} --max-errors {args.max_errors}")
    print("| repeat | one run (s) | two runs (s) | one / two | same numbers |")
    print("|---|---|---|---|---|")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            folder = Path(tmp) / str(repeat)
            one = _timed(1, folder / "one.db", folder, args.max_errors)
            two = _timed(2, folder / "two.db", folder, args.max_errors)
            same = _rows(folder / "one.db") == _rows(folder / "two.db")
            ratios.append(one / two)
            print(f"| {repeat + 1} | {one:.2f} | {two:.2f} | {one / two:.2f} | {same} |")
    print(f"one / two: min {min(ratios):.2f}, median {sorted(ratios)[len(ratios) // 2]:.2f}, "
          f"max {max(ratios):.2f}")


if __name__ == "__main__":
    main()
