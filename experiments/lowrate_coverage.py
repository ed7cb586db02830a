"""Coverage of the splitting estimator's interval, measured (issues 16 and 28).

A cheap point (rotated surface code, Z basis, rounds = d, PyMatching; by default d = 5, SI1000
at p = 0.08%: four rungs) is sampled directly to 4,000 logical errors (stored in ``--db``),
then estimated by ``estimate_rare_error`` with ``--seeds`` different seeds. It prints how many
95% intervals hold the direct value, the binomial range of that count, and the z-scores
``(ln estimate - ln direct) / sd``, ``sd`` read off each interval's width. Nominal coverage is
95% and the z-scores should have mean 0 and standard deviation 1 (the direct value has its own
error, a relative 1.6%, small beside the estimates' 10-15%). The same is scored for the
estimate's second opinion (the other integration of the same chains), and the integration
each estimate chose is counted.

    python experiments/lowrate_coverage.py [--point 5,si1000,0.0008] [--seeds 30]
        [--relative-error 0.3] [--workers 1] [--min-iterations 400] [--no-pivots]
        [--db experiments/results/lowrate_coverage.db]
"""

from __future__ import annotations

import argparse
import collections
import math

import numpy as np
from scipy.stats import t as t_dist

from qec.sampling import collect, estimate_rare_error, memory_task


def _z(interval, reference: float, quantile: float) -> float:
    sd = (math.log(interval.high) - math.log(interval.low)) / (2 * quantile)
    return (math.log(interval.estimate) - math.log(reference)) / sd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/lowrate_coverage.db")
    parser.add_argument("--point", default="5,si1000,0.0008", help="distance,noise,p")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--relative-error", type=float, default=0.3,
                        help="asked of each estimate; at 0.3 most rungs of a small point "
                        "run their minimum length, at 0.1 the planned lengths decide")
    parser.add_argument("--min-iterations", type=int, default=400,
                        help="estimate_rare_error's min_iterations (with pivots a rung also "
                        "discards at least this many)")
    parser.add_argument("--no-pivots", action="store_true",
                        help="Bennett's ladder alone, as before issue 28")
    args = parser.parse_args()
    distance, noise, p = args.point.split(",")
    task = memory_task(code="surface", distance=int(distance), rounds=int(distance),
                       basis="Z", noise=noise, p=float(p))
    [direct] = collect([task], db=args.db, max_shots=1_000_000_000, max_errors=4000, seed=1,
                       workers=args.workers, progress=None)
    reference = direct.logical_error()
    print(f"d={distance} {noise} p={p}: direct {reference.estimate:.4e} [{reference.low:.4e}, "
          f"{reference.high:.4e}] ({direct.errors} / {direct.shots:,})", flush=True)
    quantile = float(t_dist.ppf(0.975, 15))  # the interval's: 16 groups
    hits = second_hits = 0
    z, second_z = [], []
    integrations: collections.Counter[str] = collections.Counter()
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        estimate = estimate_rare_error(task, seed=seed, relative_error=args.relative_error,
                                       workers=args.workers, pivots=not args.no_pivots,
                                       min_iterations=args.min_iterations)
        shot = estimate.logical_error_per_shot
        held = shot.low <= reference.estimate <= shot.high
        hits += held
        z.append(_z(shot, reference.estimate, quantile))
        integrations[estimate.integration] += 1
        line = (f"seed {seed}: {shot.estimate:.4e} [{shot.low:.4e}, {shot.high:.4e}] "
                f"{'holds' if held else 'MISSES'} z = {z[-1]:+.2f} ({estimate.integration}, "
                f"{len(estimate.rungs)} rungs, {estimate.decoder_calls:,} calls, "
                f"{estimate.seconds:.0f} s)")
        second = estimate.second_opinion
        if second is not None:
            second_held = second.low <= reference.estimate <= second.high
            second_hits += second_held
            second_z.append(_z(second, reference.estimate, quantile))
            line += (f"; second opinion {second.estimate:.4e} "
                     f"{'holds' if second_held else 'MISSES'} z = {second_z[-1]:+.2f}")
        print(line, flush=True)
    values = np.asarray(z)
    error = math.sqrt(0.95 * 0.05 / args.seeds)
    print(f"{hits} of {args.seeds} intervals hold the direct value ({hits / args.seeds:.0%}; "
          f"95% +- {2 * error:.0%} is the binomial range); z-scores: mean {values.mean():+.2f}, "
          f"standard deviation {values.std(ddof=1):.2f}; integrations: "
          f"{dict(integrations)}")
    if second_z:
        values = np.asarray(second_z)
        print(f"second opinions: {second_hits} of {len(second_z)} hold it; z-scores: mean "
              f"{values.mean():+.2f}, standard deviation {values.std(ddof=1):.2f}")


if __name__ == "__main__":
    main()
