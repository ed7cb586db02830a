"""``qec lowrate``: logical error rates far below direct sampling's reach, by splitting."""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

from qec.cli._common import (
    CliError,
    check_run_options,
    parse_rounds,
    print_json,
    rounds_of,
)
from qec.cli._options import add

NAME = "lowrate"
HELP = (
    "estimate a small logical error rate (down to 1e-15 and below) by splitting: Metropolis "
    "chains over failing error configurations along a ladder of noise strengths, Bennett's "
    "acceptance ratio between rungs, a jackknife interval over independent chain groups; "
    "stored in --db as it goes (re-running continues)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec lowrate``."""
    add(parser, "code", "distance", "rounds", "basis", "noise", "p", "cycle", "detectors",
        "boundary", "decoder", distance=11)
    parser.add_argument("--relative-error", type=float, default=0.3,
                        help="goal for the 95%% interval's half-width over the estimate, in "
                             "[0.01, 10] (default 0.3: +-30%%)")
    parser.add_argument("--chains", type=int, default=128,
                        help="Markov chains, a multiple of 16 (default 128)")
    parser.add_argument("--max-iterations", type=int, default=20_000,
                        help="proposals per chain and rung at most (default 20,000)")
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="stop after this many seconds (what is done is stored; run again "
                             "to continue); refused up front when the decoder is too slow for "
                             "it")
    parser.add_argument("--restart", action="store_true",
                        help="discard the estimate of this task stored in --db (its rungs, "
                             "chains and batch rows) and estimate it from the start")
    add(parser, "out", "db", "workers", "dask", "seed", "quiet", "json")


GROUPS = 16
"""Independent chain groups of the jackknife (``estimate_rare_error``'s default)."""


class _Progress:
    """One status line on stderr: rewritten in place on a terminal, every 10 s otherwise."""

    def __init__(self) -> None:
        self.terminal = sys.stderr.isatty()
        self.last = time.monotonic()  # off a terminal, the first line after 10 s
        self.width = 0

    def __call__(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        if not self.terminal and now - self.last < 10:
            return
        self.last = now
        elapsed = event["elapsed"]
        if event["stage"] == "pilot":
            text = (f"pilot: scale {event['scale']:.3g}, {event['failures']} failures in "
                    f"{event['shots']} shots")
        elif event["stage"] == "start":
            text = (f"start: scale {event['scale']:.3g}, {event['failures']:,} failures in "
                    f"{event['shots']:,} shots")
        else:
            text = (f"rung {event['level']}: scale {event['scale']:.4g}, "
                    f"{event['iterations']:,} iterations, {event['mean_faults']:.1f} faults, "
                    f"acceptance {event['acceptance']:.0%}")
        text = f"qec lowrate [{elapsed:6.0f} s, {event['decoder_calls']:,} decoder calls] {text}"
        if self.terminal:
            sys.stderr.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.terminal and self.width:
            sys.stderr.write("\n")


def run(args: argparse.Namespace) -> int:
    """Estimates the logical error of one memory experiment and prints it."""
    from qec.sampling import estimate_rare_error, memory_task

    check_run_options(args)
    if args.distance < 2:
        raise CliError(f"--distance={args.distance} must be at least 2")
    rounds = rounds_of(parse_rounds(args.rounds), args.distance, code=args.code)
    if not (math.isfinite(args.relative_error) and 0.01 <= args.relative_error <= 10):
        raise CliError(f"--relative-error={args.relative_error} must be in [0.01, 10]")
    if args.chains < 32 or args.chains % 16:
        raise CliError(f"--chains={args.chains} must be a multiple of 16, at least 32")
    if args.time_limit is not None and not args.time_limit > 0:
        raise CliError(f"--time-limit={args.time_limit} must be positive seconds")
    task = memory_task(code=args.code, distance=args.distance, rounds=rounds, basis=args.basis,
                       noise=args.noise, p=args.p, decoder=args.decoder, cycle=args.cycle,
                       detectors=args.detectors, boundary=args.boundary)
    if args.restart:
        _discard(args, task)
    progress = None if (args.quiet or args.json) else _Progress()
    t0 = time.monotonic()
    try:
        estimate = estimate_rare_error(
            task, db=args.db, relative_error=args.relative_error, seed=args.seed or 0,
            chains=args.chains, groups=GROUPS, workers=args.workers, dask=args.dask,
            max_iterations=max(args.max_iterations, 400), time_limit=args.time_limit,
            progress=progress)
    finally:
        if progress is not None:
            progress.close()
    summary = estimate.to_json()
    summary["wall_seconds"] = round(time.monotonic() - t0, 3)
    summary.update({"code": args.code, "distance": args.distance, "rounds": rounds,
                    "basis": args.basis, "noise": args.noise, "p": args.p,
                    "decoder": args.decoder, "db": str(args.db)})
    if args.json:
        print_json(summary)
    elif not args.quiet:
        _print(summary)
    return 0


def _discard(args: argparse.Namespace, task: Any) -> None:
    """Deletes the stored estimate that this command would continue (``--restart``)."""
    from qec.sampling._splitting_results import splitting_task
    from qec.store import ResultStore

    if not args.db.exists():
        return
    stored = splitting_task(task, seed=args.seed or 0, chains=args.chains, groups=GROUPS)
    with ResultStore(args.db) as store:
        found = store.discard_task(stored.strong_id)
    if found and not (args.quiet or args.json):
        sys.stderr.write(f"qec lowrate: discarded the stored estimate in {args.db}\n")


def _print(summary: dict[str, Any]) -> None:
    label = (f"{summary['code']} d={summary['distance']}, {summary['rounds']} rounds, "
             f"{summary['noise']} p={summary['p']}, {summary['decoder']}")
    if summary["logical_error_per_shot"] is None:
        print(f"{label}: incomplete after {summary['seconds']:.0f} s; run again to continue")
    else:
        low, high = summary["logical_error_per_shot_ci"]
        rlow, rhigh = summary["logical_error_per_round_ci"]
        print(f"{label}")
        print(f"  logical error per shot   {summary['logical_error_per_shot']:.3e} "
              f"[{low:.3e}, {high:.3e}] (95%)")
        print(f"  logical error per round  {summary['logical_error_per_round']:.3e} "
              f"[{rlow:.3e}, {rhigh:.3e}]")
        print(f"  method {summary['method']}, {len(summary['rungs'])} rungs, "
              f"{summary['decoder_calls']:,} decoder calls, {summary['seconds']:.0f} s; "
              f"direct sampling would need {summary['equivalent_direct_shots']:.3g} shots")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")
