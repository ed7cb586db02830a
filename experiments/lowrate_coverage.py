"""Coverage of the splitting estimator's interval, measured (issue 16).

One cheap point (rotated surface code, Z basis, d = 5, rounds = 5, SI1000 at p = 0.08%: four
rungs) is sampled directly to 4,000 logical errors, then estimated by ``estimate_rare_error``
with ``--seeds`` different seeds. It prints how many 95% intervals hold the direct value and
the z-scores ``(ln estimate - ln direct) / sd``, ``sd`` read off each interval's width.
Nominal coverage is 95% and the z-scores should have mean 0 and standard deviation 1 (the
direct value has its own error, a relative 1.6%, small beside the estimates' ~15%).

    python experiments/lowrate_coverage.py [--seeds 40] [--relative-error 0.3]
        [--db experiments/results/lowrate_coverage.db]
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.stats import t as t_dist

from qec.sampling import collect, estimate_rare_error, memory_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/lowrate_coverage.db")
    parser.add_argument("--seeds", type=int, default=24)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--relative-error", type=float, default=0.3,
                        help="asked of each estimate; at 0.3 every rung of this small point "
                        "runs its minimum length, at 0.1 the planned lengths decide")
    args = parser.parse_args()
    task = memory_task(code="surface", distance=5, rounds=5, basis="Z", noise="si1000",
                       p=0.0008)
    [direct] = collect([task], db=args.db, max_shots=100_000_000, max_errors=4000, seed=1,
                       progress=None)
    reference = direct.logical_error()
    print(f"direct: {reference.estimate:.4e} [{reference.low:.4e}, {reference.high:.4e}] "
          f"({direct.errors} / {direct.shots:,})")
    quantile = float(t_dist.ppf(0.975, 15))  # the interval's: 16 groups
    hits = 0
    z = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        estimate = estimate_rare_error(task, seed=seed, relative_error=args.relative_error)
        shot = estimate.logical_error_per_shot
        held = shot.low <= reference.estimate <= shot.high
        hits += held
        sd = (math.log(shot.high) - math.log(shot.low)) / (2 * quantile)
        z.append((math.log(shot.estimate) - math.log(reference.estimate)) / sd)
        print(f"seed {seed}: {shot.estimate:.4e} [{shot.low:.4e}, {shot.high:.4e}] "
              f"{'holds' if held else 'MISSES'} z = {z[-1]:+.2f} "
              f"({len(estimate.rungs)} rungs, {estimate.decoder_calls:,} calls)", flush=True)
    values = np.asarray(z)
    print(f"{hits} of {args.seeds} intervals hold the direct value; z-scores: mean "
          f"{values.mean():+.2f}, standard deviation {values.std(ddof=1):.2f}")


if __name__ == "__main__":
    main()
