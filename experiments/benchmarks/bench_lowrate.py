"""Reach and cost of the rare-event estimators, beside direct sampling (issues 16 and 28).

For each point it runs ``estimate_rare_error`` (``--method splitting``, the ladder) or
``estimate_subset`` (``--method subset``, subset simulation) on all cores at relative error
0.3, then times
direct sampling of the same task on the same machine in the same process (stim's sampler
and the same compiled decoder at the target p, for at least 2 seconds:
``qec.sampling.measure_direct_cost``), and reports:

* the estimate per shot and per round with its 95% interval;
* the splitting estimator's decoder calls and wall seconds;
* the shots direct sampling needs for the same relative standard error,
  ``(1 - P) / (P sigma^2)``, and the seconds they would take on the same cores
  (measured seconds per shot times shots, divided by the workers);
* the ratios: direct shots per splitting decoder call, and direct seconds per splitting second;
* the ladder's second opinion: the other integration of the same chains (with pivots).

Then the teraquop question: direct samples at d = 3..9 (stored, resumable) give
``fit_lambda(...).project_distance(1e-12)``; the measured answer is the smallest distance whose
whole interval of the error per round is below 1e-12, beside the largest whose whole interval is
above it (when they are two apart, the teraquop distance is measured).

An overlap point (``--overlap noise:d:p``) is estimated and also sampled directly to 400
failures, so that every table carries one direct Monte Carlo check.

    python experiments/benchmarks/bench_lowrate.py [--points si1000:11,si1000:15,...]
        [--method splitting|subset] [--steps 8] [--samples 1000] [--relative-error 0.3]
        [--no-pivots]
        [--time-limit S]
        [--overlap si1000:9:0.001] [--teraquop-only]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qec.analysis import fit_lambda
from qec.sampling import (
    collect,
    default_workers,
    estimate_rare_error,
    estimate_subset,
    measure_direct_cost,
    memory_task,
)
from qec.store import ResultStore

P = 0.001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/lowrate_bench.db")
    parser.add_argument("--points", default="si1000:11,si1000:15,si1000:19,sd6:11,sd6:15")
    parser.add_argument("--lambda-distances", default="3,5,7,9")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--relative-error", type=float, default=0.3,
                        help="the estimates' relative error (95%%); the issue asks 0.3")
    parser.add_argument("--teraquop-only", action="store_true",
                        help="skip the estimates: read the complete ones stored in --db")
    parser.add_argument("--method", choices=("splitting", "subset"), default="splitting")
    parser.add_argument("--steps", type=int, default=8, help="subset: moves between samples")
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--samples", type=int, default=1000,
                        help="subset: configurations per level of each replicate")
    parser.add_argument("--chains", type=int, default=None,
                        help="splitting: Markov chains (default: estimate_rare_error's)")
    parser.add_argument("--min-iterations", type=int, default=None,
                        help="splitting: iterations per chain and rung, at least (default: "
                        "estimate_rare_error's)")
    parser.add_argument("--no-pivots", action="store_true",
                        help="splitting: Bennett's ratios alone, without the pivots (the "
                        "ladder of earlier versions)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per estimate (stored work is kept; a re-run continues)")
    parser.add_argument("--overlap", default=None, metavar="NOISE:D:P",
                        help="a point estimated and sampled directly to 400 failures")
    args = parser.parse_args()

    def estimate_of(task):
        if args.method == "subset":
            return estimate_subset(task, db=args.db, seed=args.seed, steps=args.steps,
                                   samples=args.samples, workers=args.workers,
                                   relative_error=args.relative_error,
                                   time_limit=args.time_limit)
        chosen = {name: value for name, value in (("chains", args.chains),
                                                  ("min_iterations", args.min_iterations))
                  if value is not None}
        return estimate_rare_error(task, db=args.db, seed=args.seed,
                                   relative_error=args.relative_error, workers=args.workers,
                                   time_limit=args.time_limit, pivots=not args.no_pivots,
                                   **chosen)

    def method_of(estimate):
        if args.method == "subset" or estimate.method != "splitting":
            return estimate.method
        return f"splitting ({estimate.integration})"

    def second_of(estimate):
        other = estimate.second_opinion
        return "-" if other is None else f"{other.estimate:.3e} [{other.low:.2e}, {other.high:.2e}]"

    if args.overlap:
        noise, distance, p = args.overlap.split(":")
        d = int(distance)
        task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise=noise,
                           p=float(p))
        estimate = estimate_of(task)
        [direct] = collect([task], db=args.db, max_shots=10**9, max_errors=400,
                           seed=args.seed, progress=None)
        a, b = estimate.logical_error_per_shot, direct.logical_error()
        sd = (np.log(a.high) - np.log(a.low)) / (2 * 1.96)
        print(f"overlap {noise} d={d} p={p}: {method_of(estimate)} {a.estimate:.3e} [{a.low:.2e}, "
              f"{a.high:.2e}] ({estimate.decoder_calls:.3g} calls, {estimate.seconds:.0f} s); "
              f"direct {b.estimate:.3e} [{b.low:.2e}, {b.high:.2e}] ({direct.errors} / "
              f"{direct.shots:,}); z = {(np.log(a.estimate) - np.log(b.estimate)) / sd:+.2f}; "
              f"second opinion {second_of(estimate)}; "
              f"warnings: {'; '.join(estimate.warnings) or '-'}", flush=True)
    workers = args.workers or default_workers()
    rows = []
    per_round: dict[tuple[str, int], tuple[float, float]] = {}
    if args.teraquop_only:
        with ResultStore(args.db, read_only=True) as store:
            for stats in store.read_stats(estimator=args.method):
                try:
                    interval = stats.logical_error().per_round(rounds=stats.rounds)
                except ValueError:  # an incomplete ladder
                    continue
                per_round[(stats.json_metadata["noise"], stats.distance)] = (
                    interval.estimate, interval.low, interval.high)
        args.points = ""
    for item in filter(None, args.points.split(",")):
        noise, distance = item.split(":")
        d = int(distance)
        task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise=noise, p=P)
        t0 = time.monotonic()
        estimate = estimate_of(task)
        wall = time.monotonic() - t0
        if not estimate.complete:
            print(f"| {noise} | {d} | incomplete after {estimate.seconds:.0f} s "
                  f"({estimate.decoder_calls:.3g} calls); run again to continue |", flush=True)
            continue
        shot, rnd = estimate.logical_error_per_shot, estimate.logical_error_per_round
        per_round[(noise, d)] = (rnd.estimate, rnd.low, rnd.high)
        per_shot_seconds = measure_direct_cost(task, min_seconds=2.0).seconds_per_shot
        shots = estimate.equivalent_direct_shots
        direct_wall = shots * per_shot_seconds / workers
        rows.append(
            f"| {noise} | {d} | {shot.estimate:.3e} [{shot.low:.2e}, {shot.high:.2e}] | "
            f"{rnd.estimate:.3e} [{rnd.low:.2e}, {rnd.high:.2e}] | "
            f"+{shot.high / shot.estimate - 1:.0%} / -{1 - shot.low / shot.estimate:.0%} | "
            f"{method_of(estimate)} | {estimate.decoder_calls:.3g} | "
            f"{estimate.seconds:.0f} (this run {wall:.0f}) | "
            f"{shots:.3g} | {direct_wall:.3g} | {shots / estimate.decoder_calls:.3g} | "
            f"{direct_wall / max(estimate.seconds, 1e-9):.3g} | {second_of(estimate)} | "
            f"{'; '.join(estimate.warnings) or '-'} |")
        print(rows[-1], flush=True)
    print()
    print(f"{args.method} vs direct sampling, rotated surface code, p = {P}, rounds = d, "
          f"{workers} workers")
    print()
    print("| noise | d | per shot [95%] | per round [95%] | interval | method | decoder calls | "
          "seconds | direct shots needed | direct seconds needed | shots per call | "
          "time ratio | second opinion per shot [95%] | warnings |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))

    # The teraquop question for each noise model measured here.
    distances = [int(x) for x in args.lambda_distances.split(",")]
    for noise in sorted({noise for noise, _ in per_round}):
        tasks = [memory_task(code="surface", distance=d, rounds=d, basis="Z", noise=noise, p=P)
                 for d in distances]
        stats = collect(tasks, db=args.db, max_shots=20_000_000, max_errors=200,
                        seed=args.seed, progress=None)
        fit = fit_lambda(stats)
        projection = fit.project_distance(1e-12)
        below = sorted(d for (n, d), (_, _, high) in per_round.items()
                       if n == noise and high < 1e-12)
        above = sorted(d for (n, d), (_, low, _) in per_round.items()
                       if n == noise and low > 1e-12)
        print()
        lam = fit.lambda_
        print(f"{noise}: Lambda (d = {distances[0]}..{distances[-1]}) = {lam.estimate:.3g} "
              f"[{lam.low:.3g}, {lam.high:.3g}]; fit_lambda(...).project_distance(1e-12): "
              f"d = {projection.distance} [{projection.low}, {projection.high}]")
        for (n, d), (value, low, high) in sorted(per_round.items()):
            if n == noise:
                print(f"  measured d = {d}: {value:.3e} per round [{low:.3e}, {high:.3e}]")
        print(f"  smallest measured distance below 1e-12 per round (whole interval): "
              f"{below[0] if below else 'none of those measured'}; largest above it (whole "
              f"interval): {above[-1] if above else 'none of those measured'}")

if __name__ == "__main__":
    main()
