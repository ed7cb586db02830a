"""Subset simulation's replicates one by one: their spread, lineages and cost (issue 28).

Runs ``--replicates`` replicates of ``run_subset`` (seeds 1000, 1001, ...) on one rotated
surface code memory (Z basis, rounds = d, PyMatching) in this process, and prints the first
replicate's thresholds and lineages, then the log-normal mean of the replicates, the standard
deviation of their ln P, the median lineages at the last level, the seconds and decoder calls
per replicate, and the replicates Cox's interval would need for +-30%.

    python experiments/subset_replicates.py --distance 19 --samples 1500 --steps 8
        [--noise si1000] [--p 0.001] [--replicates 4] [--fraction 0.1]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from qec.decoders import detector_error_model_for_circuit
from qec.sampling import memory_task
from qec.sampling._subset_kernel import BLOCK_FAULTS, _Model, run_subset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distance", type=int, default=15)
    parser.add_argument("--noise", default="si1000")
    parser.add_argument("--p", type=float, default=0.001)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--fraction", type=float, default=0.1)
    args = parser.parse_args()
    d = args.distance
    task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise=args.noise,
                       p=args.p)
    model = _Model(detector_error_model_for_circuit(task.circuit), BLOCK_FAULTS)
    logs, finals, calls = [], [], 0
    t0 = time.time()
    for r in range(args.replicates):
        run = run_subset(None, samples=args.samples, fraction=args.fraction, seed=1000 + r,
                         steps=args.steps, model=model)
        logs.append(run.log_probability)
        finals.append(run.lineages[-1])
        calls += run.decoder_calls
        if r == 0:
            print(f"thresholds {[round(x, 1) for x in run.thresholds]} lineages "
                  f"{run.lineages}", flush=True)
    values = np.array(logs)
    s2 = float(values.var(ddof=1)) if len(values) > 1 else float("nan")
    print(f"d={d} {args.noise} p={args.p} samples={args.samples} steps={args.steps} "
          f"p0={args.fraction}: estimate {math.exp(values.mean() + s2 / 2):.3e} per shot, "
          f"ln P sd {math.sqrt(s2):.2f}, last-level lineages (median) {np.median(finals)}, "
          f"{(time.time() - t0) / args.replicates:.1f} s and {calls / args.replicates:.0f} "
          f"decoder calls per replicate; replicates for +-30%: "
          f"{(s2 + s2 * s2 / 2) * (2.0 / 0.26) ** 2:.0f}")


if __name__ == "__main__":
    main()
