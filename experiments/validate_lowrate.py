"""Validation of the splitting estimator against direct sampling (issue 16, item 4).

For each point (rotated surface code, Z basis, rounds = d) it samples directly until 200
logical errors, then estimates the same task with ``estimate_rare_error``, both into one
results database (resumable: a re-run reuses what is stored), and prints a markdown table.

    python experiments/validate_lowrate.py [--db experiments/results/lowrate_validation.db]
"""

from __future__ import annotations

import argparse
import time

from qec.sampling import collect, estimate_rare_error, memory_task

POINTS = [  # (noise, p, distance)
    ("si1000", 0.004, 3),
    ("sd6", 0.003, 5),
    ("si1000", 0.002, 5),
    ("si1000", 0.001, 7),
    ("sd6", 0.001, 7),
    ("sd6", 0.001, 9),
    ("sd6", 0.0005, 7),
    ("si1000", 0.0005, 7),
    ("sd6", 0.0003, 7),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="experiments/results/lowrate_validation.db")
    parser.add_argument("--max-shots", type=int, default=200_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for noise, p, d in POINTS:
        task = memory_task(code="surface", distance=d, rounds=d, basis="Z", noise=noise, p=p)
        t0 = time.monotonic()
        [direct] = collect([task], db=args.db, max_shots=args.max_shots, max_errors=200,
                           seed=args.seed, progress=None)
        direct_seconds = time.monotonic() - t0
        t0 = time.monotonic()
        estimate = estimate_rare_error(task, db=args.db, seed=args.seed, relative_error=0.3)
        seconds = time.monotonic() - t0
        a = direct.logical_error()
        b = estimate.logical_error_per_shot
        agree = b.low <= a.high and a.low <= b.high
        rows.append(
            f"| {noise} | {p:.3%} | {d} | {a.estimate:.3e} [{a.low:.3e}, {a.high:.3e}] | "
            f"{direct.errors} / {direct.shots:,} | {b.estimate:.3e} [{b.low:.3e}, {b.high:.3e}]"
            f" | {estimate.method}, {len(estimate.rungs)} rungs | {estimate.decoder_calls:,} |"
            f" {'yes' if agree else '**no**'} | {'; '.join(estimate.warnings) or '-'} |")
        print(rows[-1], f"(direct {direct_seconds:.0f} s, estimate {seconds:.0f} s)",
              flush=True)
    print()
    print("| noise | p | d | direct per shot [95%] | errors / shots | splitting per shot "
          "[95%] | method | decoder calls | agree | warnings |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
