"""Coverage of subset simulation's interval against direct sampling (issue 28, item 2).

Points where direct sampling reaches at least 4,000 logical errors quickly (rotated surface
code, Z basis, rounds = d, PyMatching): each is sampled directly to 4,000 errors (stored in
``--db``), then estimated by ``estimate_subset`` with ``--seeds`` seeds, one worker. Prints
how many 95% intervals hold the direct value, the binomial error of that count, and the
z-scores ``(ln estimate - ln direct) / sd`` with ``sd`` read off each interval. Beside Cox's
interval (the estimator's), the plain mean of the replicates' P with Student's interval is
scored on the same replicates, for comparison.

    python experiments/subset_coverage.py --point 7,si1000,0.002 [--seeds 30]
        [--samples 500] [--steps 16] [--replicates 16]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile

import numpy as np
from scipy.special import stdtrit

from qec.sampling import collect, estimate_subset, memory_task
from qec.store import ResultStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/subset_coverage.db")
    parser.add_argument("--point", default="7,si1000,0.002", help="distance,noise,p")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--replicates", type=int, default=16)
    args = parser.parse_args()
    distance, noise, p = args.point.split(",")
    task = memory_task(code="surface", distance=int(distance), rounds=int(distance),
                       basis="Z", noise=noise, p=float(p))
    [direct] = collect([task], db=args.db, max_shots=100_000_000, max_errors=4000, seed=1,
                       progress=None)
    reference = direct.logical_error()
    print(f"d={distance} {noise} p={p}: direct {reference.estimate:.4e} [{reference.low:.4e}, "
          f"{reference.high:.4e}] ({direct.errors} / {direct.shots:,})", flush=True)
    quantile = float(stdtrit(args.replicates - 1, 0.975))
    hits = plain_hits = 0
    z = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with tempfile.TemporaryDirectory() as tmp:
            estimate = estimate_subset(task, seed=seed, workers=1, samples=args.samples,
                                       steps=args.steps, min_replicates=args.replicates,
                                       max_replicates=args.replicates, relative_error=10,
                                       db=f"{tmp}/r.db")
            with ResultStore(f"{tmp}/r.db", read_only=True) as store:
                values = np.exp([json.loads(data)["log_probability"] for data in
                                 store.read_checkpoints(estimate.strong_id).values()])
        half = quantile * values.std(ddof=1) / math.sqrt(len(values))
        plain_hits += values.mean() - half <= reference.estimate <= values.mean() + half
        shot = estimate.logical_error_per_shot
        held = shot.low <= reference.estimate <= shot.high
        hits += held
        sd = (math.log(shot.high) - math.log(shot.low)) / (2 * quantile)
        z.append((math.log(shot.estimate) - math.log(reference.estimate)) / sd)
        print(f"seed {seed}: {shot.estimate:.4e} [{shot.low:.4e}, {shot.high:.4e}] "
              f"{'holds' if held else 'MISSES'} z = {z[-1]:+.2f} ({estimate.decoder_calls:,} "
              f"calls, {estimate.seconds:.1f} s, {len(estimate.warnings)} warnings; plain mean "
              f"{values.mean():.4e} +- {half:.2e})", flush=True)
    values = np.asarray(z)
    share = hits / args.seeds
    error = math.sqrt(0.95 * 0.05 / args.seeds)
    print(f"{hits} of {args.seeds} intervals hold the direct value ({share:.0%}; 95% +- "
          f"{2 * error:.0%} is the binomial range); z-scores: mean {values.mean():+.2f}, "
          f"standard deviation {values.std(ddof=1):.2f}; the plain mean's Student interval "
          f"holds it {plain_hits} times")


if __name__ == "__main__":
    main()
