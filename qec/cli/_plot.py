"""``qec plot``: draw a figure (threshold, collapse, lambda, rounds) from a results database."""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

from qec.cli._common import CliError

NAME = "plot"
HELP = "draw a figure (threshold curves, data collapse, Lambda, error vs rounds) from a database"

KINDS = ("threshold", "collapse", "lambda", "rounds")
QUANTITIES = {"per-round": "per_round", "per-shot": "per_shot"}


def add_series_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--db`` and the metadata filters shared by ``qec plot`` and ``qec fit``."""
    parser.add_argument("--db", type=pathlib.Path, required=True, help="results database")
    parser.add_argument("--code", default=None, help="only tasks of this code (e.g. surface)")
    parser.add_argument("--noise", default=None, help="only tasks of this noise model")
    parser.add_argument("--basis", default=None, help="only tasks of this memory basis")
    parser.add_argument("--decoder", default=None, help="only tasks of this decoder")
    parser.add_argument(
        "--quantity", choices=tuple(QUANTITIES), default="per-round",
        help="fit (and plot) the logical error per round (default, as qec threshold does) or "
             "per shot; with rounds = d the per-shot curves cross at a lower p",
    )
    parser.add_argument(
        "--boundary-offset", action="store_true",
        help="fit the error per round as 1 - 2 P_L(r) = A (1 - 2 eps)^r (needs two or more "
             "round counts per distance), so eps excludes the first and last rounds",
    )


def load_series(args: argparse.Namespace) -> tuple[dict[tuple[tuple[str, Any], ...], list[Any]],
                                                    int]:
    """Reads the matching statistics, split into series; returns them and the skipped count.

    Tasks with no kept shot yet (an interrupted run) are skipped and counted.

    Raises:
        CliError: no database file, or no task with shots matches the filters.
    """
    from qec.analysis import split_series
    from qec.store import ResultStore

    if not args.db.exists():
        raise CliError(f"--db {str(args.db)!r}: no such database file")
    filters = {key: getattr(args, key) for key in ("code", "noise", "basis", "decoder")
               if getattr(args, key) is not None}
    with ResultStore(args.db, create=False) as store:
        stats = store.read_stats(**filters)
    described = ", ".join(f"{k}={v}" for k, v in filters.items()) or "no filter"
    if not stats:
        raise CliError(f"no tasks in {str(args.db)!r} match {described}")
    sampled = [s for s in stats if s.shots - s.discards > 0]
    if not sampled:
        raise CliError(
            f"the {len(stats)} tasks in {str(args.db)!r} matching {described} have no shots yet"
        )
    for s in sampled:
        missing = [name for name, value in (("distance", s.distance), ("rounds", s.rounds),
                                            ("p", s.physical_error_rate)) if value is None]
        if missing:
            raise CliError(
                f"task {s.strong_id[:12]} in {str(args.db)!r} has no {', '.join(missing)} in its "
                "metadata; qec plot and qec fit need distance (or d), rounds (or r) and p"
            )
    return split_series(sampled), len(stats) - len(sampled)


def _single_series(series: dict[tuple[tuple[str, Any], ...], list[Any]]) -> tuple[str, list[Any]]:
    from qec.analysis import series_label

    if len(series) > 1:
        labels = "; ".join(series_label(key) for key in series)
        raise CliError(
            f"the database holds {len(series)} series ({labels}); choose one with "
            "--code/--noise/--basis/--decoder"
        )
    ((key, items),) = series.items()
    return series_label(key), items


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec plot``."""
    add_series_options(parser)
    parser.add_argument("--kind", choices=KINDS, default="threshold",
                        help="which figure (default threshold)")
    parser.add_argument(
        "--out", type=pathlib.Path, default=None,
        help="figure file, .png/.pdf/.svg (default: KIND.png next to the database)",
    )
    parser.add_argument("--p", type=float, default=None,
                        help="physical error rate of the Lambda figure (when several)")
    parser.add_argument("--dpi", type=int, default=100, help="resolution (default 100: 640x480)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fit's bootstrap")


def run(args: argparse.Namespace) -> int:
    """Draws the figure and writes it."""
    from qec.analysis import fit_lambda, fit_threshold
    from qec.plotting import (
        plot_collapse,
        plot_lambda,
        plot_rounds,
        plot_threshold,
        save_figure,
    )

    if args.dpi <= 0:
        raise CliError(f"--dpi {args.dpi} must be positive")
    series, skipped = load_series(args)
    label, stats = _single_series(series)
    quantity = QUANTITIES[args.quantity]
    out = args.out if args.out is not None else args.db.parent / f"{args.kind}.png"
    if skipped:
        sys.stderr.write(f"qec plot: skipped {skipped} tasks with no shots yet\n")
    if args.kind == "threshold":
        try:
            fit = fit_threshold(stats, quantity=quantity, seed=args.seed)
        except ValueError as exc:
            sys.stderr.write(f"qec plot: no threshold marked: {exc}\n")
            fit = None
        ax = plot_threshold(stats, quantity=quantity, threshold=fit, title=label)
    elif args.kind == "collapse":
        ax = plot_collapse(fit_threshold(stats, quantity=quantity, seed=args.seed), title=label)
    elif args.kind == "lambda":
        ax = plot_lambda(fit_lambda(stats, physical_error_rate=args.p,
                                    boundary_offset=args.boundary_offset), title=label)
    else:
        ax = plot_rounds(stats, boundary_offset=args.boundary_offset, title=label)
    path = save_figure(ax, out, dpi=args.dpi)
    sys.stdout.write(f"wrote {path}\n")
    return 0
