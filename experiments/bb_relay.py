"""Pseudo-thresholds of the [[90,8,10]] and [[144,12,12]] codes decoded by Relay-BP.

``bb_memory.py`` decodes every BB point with Tesseract, whose default beam is too weak on the
90 and 144 codes: their Tesseract pseudo-thresholds (0.54%) are decoder-limited. This script
samples the same circuits (the paper's depth-8 cycle, N_c = d cycles, SD6, memory-basis
detectors, both bases) with Relay-BP on the p grid around the crossing, and finds the
pseudo-threshold p_L(p) = k p the same way (log-log interpolation, interval from the curves
through the interval ends).

Each point: 50 errors or 2,000 shots per basis (at least one batch of 1,024 shots). Relay-BP
with the package's default settings is slow on these models: 1.0-1.2 s per shot of the 90 code
at p = 0.4-0.5% on this machine (0.06 s for the 144 code at p = 0.3%, 0.4 s at 0.5%), so the
grid takes about ten hours on one core; pass the worker count as the first argument.

Run: .venv/bin/python experiments/bb_relay.py [WORKERS]   (re-running resumes from
experiments/results/bb_relay.db)
"""

from __future__ import annotations

import sys
import time

from _validation import RESULTS
from bb_memory import bb_task, combined, pseudo_threshold

from qec.codes import BivariateBicycleCode
from qec.sampling import collect

GRID = {90: (0.004, 0.005, 0.006, 0.007, 0.008), 144: (0.004, 0.005, 0.006, 0.007, 0.008)}


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    start = time.monotonic()
    tasks = [bb_task(n, p, basis, "relay-bp") for n, ps in GRID.items() for p in ps
             for basis in "XZ"]
    stats = collect(tasks, db=RESULTS / "bb_relay.db", max_shots=2_000, max_errors=50,
                    workers=workers, seed=2028)
    print(f"sampling: {time.monotonic() - start:.0f} s this run (0 when resumed)\n")

    def lookup(**want):
        found = [s for s in stats if all(s.json_metadata.get(k) == v for k, v in want.items())]
        assert len(found) == 1, want
        return found[0]

    print("| code | p | X memory fails | Z memory fails | p_L per cycle (all k) [95%] | k p |")
    print("|---|---|---|---|---|---|")
    summary = []
    for n, ps in GRID.items():
        code = BivariateBicycleCode.published(n)
        k, cycles = code.num_logical_qubits, code.distance
        rows = []
        for p in ps:
            sx = lookup(p=p, basis="X", distance=code.distance)
            sz = lookup(p=p, basis="Z", distance=code.distance)
            est, low, high = combined(sx, sz, cycles)
            rows.append((p, est, low, high))
            print(f"| [[{n},{k},{code.distance}]] | {p:.3f} | {sx.errors}/{sx.shots} | "
                  f"{sz.errors}/{sz.shots} | {est:.2e} [{low:.2e}, {high:.2e}] | {k * p:.3f} |")
        ps_ = [r[0] for r in rows]
        summary.append((n, k, code.distance,
                        pseudo_threshold(ps_, [r[1] for r in rows], k),
                        pseudo_threshold(ps_, [r[3] for r in rows], k),
                        pseudo_threshold(ps_, [r[2] for r in rows], k)))
    print()
    print("| code | decoder | pseudo-threshold [from the interval ends] | paper |")
    print("|---|---|---|---|")

    def show(x):
        return "outside the sampled range" if x is None else f"{x:.2%}"
    for n, k, d, mid, lo, hi in summary:
        print(f"| [[{n},{k},{d}]] | relay-bp | {show(mid)} [{show(lo)}, {show(hi)}] | "
              f"about 0.8% (BP+OSD) |")


if __name__ == "__main__":
    main()
