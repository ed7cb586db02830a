"""``qec threshold``: sample a threshold sweep into a database, plot it, estimate the crossing."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from qec.cli._common import (
    CliError,
    check_run_options,
    load_custom_decoders,
    parse_int_list,
    parse_p_values,
    parse_rounds,
    print_json,
    rate_cell,
    reached,
    short_of_goal_warning,
)
from qec.cli._options import add
from qec.cli._report import QUANTITIES, add_quantity_option, threshold_lines

NAME = "threshold"
HELP = "sample a threshold sweep (default: surface code, SI1000, d=3,5,7) and plot it"

DEFAULT_P = "0.003:0.008:12"
"""Around the per-shot crossings of the default sweep (0.46-0.49% for d = 3/5 and 5/7)."""
DEFAULT_MAX_SHOTS = 2_000_000
DEFAULT_MAX_ERRORS = 20_000


def parse_leakage(text: str) -> tuple[float, float]:
    """Parses ``--leakage``: a rate ``0.001`` or a multiple of p ``0.1p``, as (constant, factor).

    The leakage rate at physical error rate ``p`` is then ``constant + factor * p``.

    Examples:
        >>> parse_leakage("0.001"), parse_leakage("0.1p"), parse_leakage("p")
        ((0.001, 0.0), (0.0, 0.1), (0.0, 1.0))
    """
    text = text.strip().lower()
    relative = text.endswith("p")
    number = text[:-1].strip() if relative else text
    try:
        value = float(number) if number else 1.0
    except ValueError:
        value = math.nan
    if not (0 <= value <= (math.inf if relative else 1)) or math.isnan(value):
        raise CliError(f"--leakage={text!r} must be a rate in [0, 1], like 0.001, or a "
                       "multiple of p, like 0.1p")
    return (0.0, value) if relative else (value, 0.0)




def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec threshold``."""
    add(parser, "code", "noise", "distances", "p-list", "rounds", "basis", "cycle", "detectors",
        "boundary", "decoder", p_list=DEFAULT_P)
    parser.add_argument(
        "--leakage", default=None, metavar="RATE",
        help="add leakage per qubit per two-qubit gate: a rate like 0.001 or a multiple of p "
             "like 0.1p (sampled with qec's leakage simulator; see qec leakage)")
    parser.add_argument(
        "--leakage-removal", choices=("none", "mlr", "dqlr"), default="none",
        help="leakage removal with --leakage: none, mlr (multi-level reset of measure "
             "qubits) or dqlr (MLR plus data-qubit leakage removal every round)")
    add(parser, "max-shots", "max-errors", "time-limit", "custom-decoders", "workers", "dask",
        "seed", max_shots=DEFAULT_MAX_SHOTS, max_errors=DEFAULT_MAX_ERRORS)
    add_quantity_option(parser)
    add(parser, "out", "db")
    parser.add_argument(
        "--precision", type=float, default=None, metavar="X",
        help="instead of --max-errors, sample until the reported 95%% interval of the "
             "threshold (widened for a poor fit and extended for crossing drift) has a "
             "half-width of at most X of its value (e.g. 0.02), spending shots where they "
             "narrow it most; --max-shots then bounds the total over the sweep")
    add(parser, "quiet", "json")


def _build_tasks(args: argparse.Namespace) -> list[Any]:
    from qec.decoders import canonical_decoder_name
    from qec.sampling import memory_task

    code, distances = _code_and_distances(args.code, args.distances)
    p_values = parse_p_values(args.p)
    constant, factor = parse_rounds(args.rounds)
    # Sweeps with other rules than rounds = d are marked, so they are never fitted together.
    rounds_rule = None if (constant, factor) == (0, 1) else (
        f"{factor}d" if factor else str(constant))
    # An unknown decoder fails here, listing the known ones; the canonical name is stored.
    decoder = canonical_decoder_name(args.decoder, custom_decoders=args.custom)
    leakage = None if args.leakage is None else parse_leakage(args.leakage)
    if leakage is None and args.leakage_removal != "none":
        raise CliError(f"--leakage-removal={args.leakage_removal} needs --leakage RATE")
    tasks = []
    for distance in sorted(set(distances)):
        for p in p_values:
            options: dict[str, Any] = {}
            if leakage is not None:
                rate = float(f"{leakage[0] + leakage[1] * p:.6g}")
                if rate > 1:
                    raise CliError(f"--leakage={args.leakage}: the rate {rate:g} at p={p:g} "
                                   "is above 1")
                options = {"leakage": rate, "leakage_removal": args.leakage_removal}
            tasks.append(memory_task(
                code=code, distance=distance, rounds=constant + factor * distance,
                basis=args.basis, noise=args.noise, p=p, decoder=decoder,
                rounds_rule=rounds_rule, cycle=args.cycle, detectors=args.detectors,
                boundary=args.boundary,
                **options))
    return tasks


def _code_and_distances(spec: str, distances: str | None) -> tuple[str, list[int]]:
    """The code name for ``memory_task`` and the distances to sweep, from ``--code`` and
    ``--distances``."""
    from qec.codes import code_from_spec, parse_code_spec

    family, params = parse_code_spec(spec)
    if family.takes_distance and "distance" not in params:
        return spec, parse_int_list("3,5,7" if distances is None else distances,
                                    option="--distances")
    fixed = params.get("distance") if family.takes_distance else code_from_spec(spec).distance
    if distances is not None and parse_int_list(distances, option="--distances") != [fixed]:
        raise CliError(f"--distances={distances} does not apply: --code {spec} has distance "
                       f"{fixed}")
    if fixed is None:
        raise CliError(f"--code {spec}: the code's distance is not known, and a threshold "
                       "sweep needs one per code")
    return spec, [fixed]


def _table(stats: list[Any], quantity: str) -> str:
    header = "error/shot" if quantity == "per_shot" else "error/round"
    lines = [f"{'d':>3} {'rounds':>6} {'p':>9} {'shots':>11} {'errors':>8} "
             f"{header:>11}  95% interval"]
    for s in stats:
        interval = None
        if s.kept_shots:
            interval = s.logical_error() if quantity == "per_shot" else s.per_round_error()
        lines.append(f"{s.distance:>3} {s.rounds:>6} {s.physical_error_rate:>9.4g} "
                     f"{s.shots:>11,} {s.errors:>8,} {rate_cell(interval, 11)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Builds the sweep, samples it into the database, then plots and summarises it."""
    from qec.plotting import FigureProcess

    # First, so that matplotlib is imported beside this process's start-up, not after sampling.
    with FigureProcess() as figures:
        return _run(args, figures)


def _run(args: argparse.Namespace, figures: Any) -> int:
    from qec.analysis import assess_threshold
    from qec.plotting import plot_threshold
    from qec.sampling import collect

    check_run_options(args)
    args.custom = load_custom_decoders(args.custom_decoders)
    if args.precision is not None and not 0 < args.precision < 1:
        raise CliError(f"--precision={args.precision} must be in (0, 1), e.g. 0.02 for 2%")
    if args.precision is not None and args.time_limit is not None:
        raise CliError(f"--time-limit={args.time_limit:g} applies to sampling by --max-errors; "
                       "with --precision, bound the work by --max-shots")
    tasks = _build_tasks(args)  # all validation happens before the database is touched
    db = args.db  # its default (OUT/threshold.db) is set by the entry point
    progress = None if args.quiet else "auto"
    precision = None
    if args.precision is None:
        stats = collect(
            tasks, db=db, max_shots=args.max_shots, max_errors=args.max_errors,
            workers=args.workers, dask=args.dask, seed=args.seed, progress=progress,
            custom_decoders=args.custom, time_limit=args.time_limit,
        )
    else:
        stats, precision = _precision_run(args, tasks, db, progress)
    sampled = [s for s in stats if s.kept_shots > 0]
    quantity = QUANTITIES[args.quantity]
    # One quantity for the table, the fit, the figure and the JSON.
    assessment = assess_threshold(sampled, quantity=quantity, seed=0)
    summary = assessment.as_dict()
    short = sum(not reached(s, args.max_shots, args.max_errors) for s in stats)
    if precision is None and short:
        summary["warnings"].append(short_of_goal_warning(short, len(stats)))
    if precision is not None:
        summary["precision"] = precision
        if not precision["reached"]:
            summary["warnings"].append(_precision_line(precision))
    figures.draw(
        plot_threshold, args.out / "threshold.png", points=sampled, quantity=quantity,
        threshold=assessment.fit, extrapolated=assessment.extrapolated,
        title=f"{args.code} code, {args.noise} noise, {args.basis} basis, {args.decoder}")
    table = _table(stats, quantity) if not (args.json or args.quiet) else ""
    figure = figures.wait()
    if args.json:
        print_json({
            "db": str(db),
            "figure": str(figure),
            "tasks": [_task_dict(s) for s in stats],
            **summary,
        })
    elif not args.quiet:
        out = sys.stdout
        out.write(table + "\n\n")
        if precision is not None:
            out.write(_precision_line(precision) + "\n")
        out.write("\n".join(threshold_lines(summary)) + "\n")
        out.write(f"results: {db}\nfigure: {figure}\n")
    return 0


def _precision_run(args: argparse.Namespace, tasks: list[Any], db: Path, progress: Any
                   ) -> tuple[list[Any], dict[str, Any]]:
    """Samples with :func:`qec.analysis.precision_sweep` until the threshold is precise."""
    from qec.analysis import precision_sweep
    from qec.sampling import SamplingSession

    with SamplingSession(db=db, workers=args.workers, dask=args.dask, seed=args.seed,
                         progress=progress, custom_decoders=args.custom) as session:
        result = precision_sweep(session, tasks, precision=args.precision,
                                 quantity=QUANTITIES[args.quantity],
                                 max_shots=args.max_shots * len(tasks))
    return list(result.stats), {
        "target": args.precision,
        "reached": result.reached,
        "stopped": result.stopped,
        "relative_half_width": (result.relative_half_width
                                if math.isfinite(result.relative_half_width) else None),
        "iterations": result.iterations,
        "shots": result.shots,
    }


def _precision_line(precision: dict[str, Any]) -> str:
    state = "reached" if precision["reached"] else f"NOT reached ({precision['stopped']})"
    width = precision["relative_half_width"]
    width_text = "unknown (no fit)" if width is None else f"{width:.3g}"
    return (f"precision target {precision['target']:.3g}: {state}; relative half-width "
            f"{width_text} after {precision['iterations']} "
            f"batches, {precision['shots']:,} shots")


def _task_dict(s: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "strong_id": s.strong_id,
        **s.json_metadata,
        "shots": s.shots,
        "errors": s.errors,
        "discards": s.discards,
        "seconds": s.seconds,
    }
    if s.kept_shots:
        shot, per_round = s.logical_error(), s.per_round_error()
        entry["logical_error_per_shot"] = shot.estimate
        entry["logical_error_per_shot_ci"] = [shot.low, shot.high]
        entry["logical_error_per_round"] = per_round.estimate
        entry["logical_error_per_round_ci"] = [per_round.low, per_round.high]
    return entry
