"""Precision-driven sweep vs the uniform max_errors plan, to the same threshold precision.

Same sweep for both (rotated surface code, code capacity, MWPM, d = 5, 7, 9, a log grid of
nine p from 6% to 14%, as a first sweep would use), same workers, fresh databases. The
precision is that of the interval the tool says to quote (``relative_half_width`` of
``assess_threshold``: with three distances the extrapolated threshold's, which holds the
finite-size correction), not the statistical interval alone:

- uniform: ``collect(max_errors=E)`` for every task, E = 100, 150, 225, ... (x1.5), refitting
  after each step until the reported 95% half-width is at most PRECISION of the threshold
  (or E passes MAX_ERRORS: then it says so);
- precision-driven: :func:`qec.analysis.precision_sweep` (1,000 shots per task, then batches
  of half the shots so far, spent where they narrow the fitted threshold most per second).

Prints the shots and seconds of each and their ratios (target: half the shots or fewer).
Run: .venv/bin/python experiments/benchmarks/bench_precision.py
"""

import tempfile
import time

import numpy as np

from qec.analysis import assess_threshold, precision_sweep, relative_half_width
from qec.sampling import SamplingSession, memory_task

PRECISION = 0.05
MAX_ERRORS = 50_000
WORKERS = 2
TASKS = [memory_task(code="surface", distance=d, rounds=1, basis="Z", noise="code-capacity",
                     p=float(f"{p:.4g}")) for d in (5, 7, 9) for p in np.geomspace(0.06, 0.14, 9)]


def uniform(db: str) -> tuple[int, float, float, int]:
    start = time.monotonic()
    with SamplingSession(db=db, workers=WORKERS, seed=11) as session:
        max_errors = 100
        while True:
            stats = session.collect(TASKS, max_shots=10**8, max_errors=max_errors)
            width = relative_half_width(assess_threshold(stats, seed=0))
            if width <= PRECISION or max_errors > MAX_ERRORS:
                return sum(s.shots for s in stats), time.monotonic() - start, width, max_errors
            max_errors = int(max_errors * 1.5)


def driven(db: str) -> tuple[int, float, float, int]:
    start = time.monotonic()
    with SamplingSession(db=db, workers=WORKERS, seed=12) as session:
        result = precision_sweep(session, TASKS, precision=PRECISION, initial_shots=1_000)
    if not result.reached:
        print(f"precision-driven sweep NOT reached: {result.stopped} "
              f"(half-width {result.relative_half_width:.3%})")
    return result.shots, time.monotonic() - start, result.relative_half_width, result.iterations


with tempfile.TemporaryDirectory() as tmp:
    u_shots, u_seconds, u_width, u_errors = uniform(f"{tmp}/uniform.db")
    d_shots, d_seconds, d_width, d_batches = driven(f"{tmp}/driven.db")
print(f"sweep: {len(TASKS)} tasks, target half-width {PRECISION:.1%} of the threshold")
print(f"uniform max_errors  : {u_shots:>12,} shots {u_seconds:7.1f} s  "
      f"(reached {u_width:.2%} at max_errors={u_errors})")
print(f"precision-driven    : {d_shots:>12,} shots {d_seconds:7.1f} s  "
      f"(reached {d_width:.2%} after {d_batches} batches)")
print(f"ratio driven/uniform: shots {d_shots / u_shots:.2f}, seconds {d_seconds / u_seconds:.2f}")
