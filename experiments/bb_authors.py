"""Bravyi et al.'s own simulation of the [[72,12,6]] code, rebuilt in qec and checked against it.

The authors' code (sbravyi/BivariateBicycleCodes, decoder_setup.py and decoder_run.py) starts
from a perfect code state, runs N_c noisy cycles of the depth-8 cycle ("every operation fails
with probability p"), then two noiseless cycles, and decodes the X part and the Z part of one
noisy sample apart, each with BP+OSD (min-sum, scaling 1 - 2^-t, 10,000 iterations, OSD-CS
order 7); a trial fails if either part gets any of its 12 logicals wrong. In qec that is one
task: ``memory_task(code="bb:72", ..., boundary="authors", decoder="bposd-bb:split=xz")``.
The authors' code, run on this machine (shared/REFERENCE.md): N_c = 6, p = 0.4%: 432/5000
trials fail; p = 0.6%: 786/2000. Printed: ours and theirs with 95% likelihood-ratio binomial
intervals, the error per cycle ``1 - (1 - P)^(1/6)`` they quote, and the difference in units of
its standard error (two proportions).

Run: PYTHONPATH=. .venv/bin/python experiments/bb_authors.py --p 0.004 --shots 3000
(resumes from experiments/results/bb_authors.db; about 55 ms a shot on one core at p = 0.4%)
"""

from __future__ import annotations

import argparse
import math

from _validation import RESULTS

from qec.data import binomial_interval
from qec.sampling import collect, memory_task

AUTHORS = {0.004: (432, 5000), 0.006: (786, 2000)}  # p -> (failed trials, trials), N_c = 6
CYCLES = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=float, choices=sorted(AUTHORS), required=True)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    task = memory_task(code="bb:72", distance=6, rounds=CYCLES, basis="Z", noise="sd6",
                       p=args.p, decoder="bposd-bb:split=xz", boundary="authors")
    (stats,) = collect([task], db=RESULTS / "bb_authors.db", max_shots=args.shots, workers=1,
                       seed=args.seed)
    print("| p | who | failed/trials | shot error [95%] | per cycle [95%] |")
    print("|---|---|---|---|---|")
    rates = {}
    for who, (errors, shots) in (("qec", (stats.errors, stats.shots)),
                                 ("authors' code", AUTHORS[args.p])):
        i = binomial_interval(errors=errors, shots=shots)
        cycle = [1 - (1 - v) ** (1 / CYCLES) for v in (i.estimate, i.low, i.high)]
        rates[who] = (i.estimate, shots)
        print(f"| {args.p} | {who} | {errors}/{shots} | {i.estimate:.4f} [{i.low:.4f}, "
              f"{i.high:.4f}] | {cycle[0]:.2e} [{cycle[1]:.2e}, {cycle[2]:.2e}] |")
    (a, n), (b, m) = rates.values()
    pooled = (a * n + b * m) / (n + m)
    sigma = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m))
    print(f"\ndifference qec - authors: {a - b:+.4f} = {(a - b) / sigma:+.2f} standard errors")


if __name__ == "__main__":
    main()
