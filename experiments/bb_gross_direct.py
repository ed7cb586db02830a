"""Direct sampling of the gross code's Z memory: the overlap points for `qec lowrate`'s estimates.

The task is the one `qec lowrate --code bb:144 --noise sd6 --p P --decoder DECODER` estimates
(overlapped cycle, N_c = 12, the memory basis' detectors, the noisy boundary); the shots go
through qec's engine into ``experiments/results/gross_direct.db``, so a re-run resumes.

    PYTHONPATH=. ../.venv/bin/python bb_gross_direct.py --p 0.002 --seed 31 --time-limit 600
    PYTHONPATH=. ../.venv/bin/python bb_gross_direct.py --p 0.001 --seed 37 --time-limit 450
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qec.analysis import binomial_interval
from qec.sampling import collect, memory_task

DB = Path(__file__).parent / "results" / "gross_direct.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=float, required=True)
    parser.add_argument("--decoder", default="tesseract")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--max-errors", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    task = memory_task(code="bb:144", distance=12, rounds=12, basis="Z", noise="sd6", p=args.p,
                       decoder=args.decoder)
    DB.parent.mkdir(exist_ok=True)
    stats = collect([task], db=DB, max_shots=10**9, max_errors=args.max_errors,
                    workers=args.workers, seed=args.seed, time_limit=args.time_limit)[0]
    interval = binomial_interval(errors=stats.errors, shots=stats.shots)
    print(f"p = {args.p}: {stats.errors}/{stats.shots} shots, {interval.estimate:.3g} per shot "
          f"[{interval.low:.3g}, {interval.high:.3g}], {stats.seconds:.0f} worker-seconds")


if __name__ == "__main__":
    main()
