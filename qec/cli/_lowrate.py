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
    "acceptance ratio between rungs, a jackknife interval over independent chain groups; or "
    "(--method subset) by subset simulation on the matching decoder's complementary gap; "
    "stored in --db as it goes (re-running continues)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec lowrate``."""
    add(parser, "code", "distance", "rounds", "basis", "noise", "p", "cycle", "detectors",
        "boundary", "decoder", distance=11)
    parser.add_argument("--relative-error", type=float, default=0.3,
                        help="goal for the 95%% interval's half-width over the estimate, in "
                             "[0.01, 10] (default 0.3: +-30%%)")
    parser.add_argument("--chains", type=int, default=256,
                        help="Markov chains, a multiple of 16 (default 256)")
    parser.add_argument("--max-iterations", type=int, default=20_000,
                        help="proposals per chain and rung at most (default 20,000)")
    add(parser, "time-limit")  # refused up front when the decoder is too slow for it
    parser.add_argument("--method", choices=("splitting", "subset"), default="splitting",
                        help="splitting: the ladder of noisier models (any decoder); subset: "
                             "subset simulation at the target p on PyMatching's complementary "
                             "gap (repetition and surface codes, --decoder pymatching), "
                             "independent replicates (default splitting)")
    parser.add_argument("--samples", type=int, default=1000,
                        help="subset: configurations per level of each replicate, a multiple "
                             "of 10 (default 1000)")
    parser.add_argument("--steps", type=int, default=8,
                        help="subset: chain moves between two kept samples (default 8)")
    parser.add_argument("--replicates", type=int, default=16,
                        help="subset: independent replicates at least, the units of work "
                             "(default 16; more are run until the interval meets "
                             "--relative-error)")
    parser.add_argument("--no-pivots", action="store_true",
                        help="splitting: integrate the ladder by Bennett's ratios alone, "
                             "without the pivots' derivative and second opinion (the ladders "
                             "of earlier versions; a different stored task)")
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
        if event["stage"] == "replicate":
            estimate = event["estimate"]
            text = (f"replicate {event['replicates']}: {event['levels']} levels"
                    + ("" if estimate is None else
                       f", estimate {estimate:.3g} (+{event['high'] / estimate - 1:.0%})"))
        elif event["stage"] == "pilot":
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
    task = memory_task(code=args.code, distance=args.distance, rounds=rounds, basis=args.basis,
                       noise=args.noise, p=args.p, decoder=args.decoder, cycle=args.cycle,
                       detectors=args.detectors, boundary=args.boundary)
    if args.method == "subset":  # checked before --restart discards anything
        if args.samples < 20 or args.samples % 10:
            raise CliError(f"--samples={args.samples} must be a multiple of 10, at least 20")
        if args.steps < 1:
            raise CliError(f"--steps={args.steps} must be at least 1")
        if args.replicates < 4:
            raise CliError(f"--replicates={args.replicates} must be at least 4")
        if args.decoder != "pymatching":
            raise CliError(f"--decoder={args.decoder}: --method subset estimates PyMatching's "
                           "failures only (--decoder pymatching)")
    if args.restart:
        _discard(args, task)
    progress = None if (args.quiet or args.json) else _Progress()
    t0 = time.monotonic()
    try:
        if args.method == "subset":
            from qec.sampling import estimate_subset

            try:
                estimate = estimate_subset(
                    task, db=args.db, relative_error=args.relative_error, seed=args.seed or 0,
                    samples=args.samples, steps=args.steps, min_replicates=args.replicates,
                    max_replicates=max(args.replicates, 1024), workers=args.workers,
                    dask=args.dask, time_limit=args.time_limit, progress=progress)
            except ValueError as exc:
                raise CliError(str(exc)) from None
        else:
            estimate = estimate_rare_error(
                task, db=args.db, relative_error=args.relative_error, seed=args.seed or 0,
                chains=args.chains, groups=GROUPS, workers=args.workers, dask=args.dask,
                max_iterations=max(args.max_iterations, 400), time_limit=args.time_limit,
                progress=progress, pivots=not args.no_pivots)
    finally:
        if progress is not None:
            progress.close()
    summary = estimate.to_json()
    summary["direct_cost"] = _direct_cost(estimate, task, seed=args.seed or 0)
    summary["wall_seconds"] = round(time.monotonic() - t0, 3)
    summary.update({"code": args.code, "distance": args.distance, "rounds": rounds,
                    "basis": args.basis, "noise": args.noise, "p": args.p,
                    "decoder": args.decoder, "db": str(args.db)})
    if args.json:
        print_json(summary)
    elif not args.quiet:
        _print(summary)
    return 0


def _direct_cost(estimate: Any, task: Any, *, seed: int) -> dict[str, Any] | None:
    """Direct sampling's cost for the estimate's precision, measured here, beside the
    estimate's own (None when there is no estimate to weigh, or it was sampled directly)."""
    from qec.sampling import measure_direct_cost

    shots = estimate.equivalent_direct_shots
    if shots is None or estimate.method == "direct":
        return None
    cost = measure_direct_cost(task, seed=seed)
    needed = cost.seconds_for(shots)
    spent = estimate.total_worker_seconds
    return {"seconds_per_shot": cost.seconds_per_shot, "shots_measured": cost.shots,
            "seconds_needed": round(needed, 3),
            "estimate_worker_seconds": None if spent is None else round(spent, 3),
            "direct_is_cheaper": None if spent is None else bool(needed < spent)}


def _discard(args: argparse.Namespace, task: Any) -> None:
    """Deletes the stored estimate that this command would continue (``--restart``)."""
    from qec.sampling._splitting_results import splitting_task
    from qec.sampling._subset import FRACTION, subset_task
    from qec.store import ResultStore

    if not args.db.exists():
        return
    if args.method == "subset":
        stored = subset_task(task, seed=args.seed or 0, samples=args.samples,
                             fraction=FRACTION, steps=args.steps)
    else:
        stored = splitting_task(task, seed=args.seed or 0, chains=args.chains, groups=GROUPS,
                                pivots=not args.no_pivots)
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
        parts = (f"{summary['replicates']} replicates" if summary["method"] == "subset"
                 else f"{len(summary['rungs'])} rungs")
        print(f"  method {summary['method']}, {parts}, "
              f"{summary['decoder_calls']:,} decoder calls, {summary['seconds']:.0f} s; "
              f"direct sampling would need {summary['equivalent_direct_shots']:.3g} shots")
        if summary.get("second_opinion_per_shot") is not None:
            slow, shigh = summary["second_opinion_per_shot_ci"]
            other = "Bennett's ratios" if summary["integration"] == "pivots" else "the pivots"
            print(f"  integrated by {summary['integration']}; second opinion ({other}, same "
                  f"chains) {summary['second_opinion_per_shot']:.3e} [{slow:.3e}, {shigh:.3e}]")
        cost = summary.get("direct_cost")
        if cost is not None:
            spent = cost["estimate_worker_seconds"]
            print(f"  direct sampling's cost: {cost['seconds_per_shot'] * 1e6:.3g} us a shot "
                  f"(measured here, {cost['shots_measured']:,} shots), "
                  f"{cost['seconds_needed']:.3g} core-seconds for those shots; this estimate: "
                  + ("unknown (levels stored before worker seconds were recorded)"
                     if spent is None else f"{spent:.3g} worker-seconds"))
            if cost["direct_is_cheaper"]:
                print("  note: direct sampling (qec collect) would have been cheaper for this "
                      "precision")
    for warning in summary["warnings"]:
        print(f"  warning: {warning}")
