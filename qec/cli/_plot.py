"""``qec plot``: draw a figure (threshold, collapse, lambda, rounds) from a results database."""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any

from qec.cli._common import CliError, print_json
from qec.cli._options import add
from qec.cli._report import QUANTITIES, add_quantity_option

NAME = "plot"
HELP = ("draw a figure (threshold curves, data collapse, Lambda, error vs rounds, a device's "
        "fidelity per cycle and Lambda) from a database")

MIN_DPI, MAX_DPI = 10, 1000

KINDS = ("threshold", "collapse", "lambda", "rounds", "distance", "cycles")
METHOD_KEYS = ("estimator", "splitting")
"""Metadata of how a point was measured, not of what: ``--kind distance`` draws series that
differ only in these in one figure (each its own line, nothing merged)."""


def add_series_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--db`` and the metadata filters shared by ``qec plot`` and ``qec fit``."""
    add(parser, "db-read", "code-filter", "noise-filter", "basis-filter", "decoder-filter")
    parser.add_argument(
        "--where", action="append", default=[], metavar="KEY=VALUE",
        help="only tasks whose metadata KEY has VALUE (numbers compare as numbers); repeat "
             "for several, e.g. --where leakage=0.001 --where rounds_rule=3d")
    add_quantity_option(parser)
    parser.add_argument(
        "--boundary-offset", action="store_true",
        help="fit the error per round as 1 - 2 P_L(r) = A (1 - 2 eps)^r (needs two or more "
             "round counts per distance), so eps excludes the first and last rounds",
    )
    parser.add_argument(
        "--min-rounds", type=int, default=1,
        help="a device's recorded data: fit the error per cycle on experiments of at least "
             "this many rounds (default 1: all)")


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
    filters: dict[str, Any] = {key: getattr(args, key) for key in ("code", "noise", "basis",
                                                                   "decoder")
                               if getattr(args, key) is not None}
    for item in args.where:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise CliError(f"--where={item!r} must be KEY=VALUE, like leakage=0.001")
        filters[key.strip()] = _parse_value(value)
    with ResultStore(args.db, read_only=True) as store:
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
        recorded = s.json_metadata.get("source") == "recorded"  # a device's data: no p
        missing = [name for name, value in (("distance", s.distance), ("rounds", s.rounds),
                                            ("p", s.physical_error_rate))
                   if value is None and not (recorded and name == "p")]
        if missing:
            raise CliError(
                f"task {s.strong_id[:12]} in {str(args.db)!r} has no {', '.join(missing)} in its "
                "metadata; qec plot and qec fit need distance (or d), rounds (or r) and p (a "
                "device's recorded data needs no p)"
            )
    return split_series(sampled), len(stats) - len(sampled)


def _parse_value(text: str) -> Any:
    """A --where value: JSON when it parses (numbers, true/false, null), else the text."""
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def _series_paths(out: pathlib.Path, count: int) -> list[pathlib.Path]:
    """One figure path per series: ``out`` itself for one, ``stem-1.png``, ... for several."""
    if count == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(1, count + 1)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec plot``."""
    add_series_options(parser)
    parser.add_argument("--kind", choices=KINDS, default="threshold",
                        help="which figure (default threshold)")
    add(parser, "out-figure", "p-filter")
    parser.add_argument("--dpi", type=int, default=100,
                        help=f"resolution, {MIN_DPI} to {MAX_DPI} (default 100: 640x480)")
    add(parser, "seed", "quiet", "json")


def run(args: argparse.Namespace) -> int:
    """Draws the figures and writes them; says which file is which series, and every warning."""
    if not MIN_DPI <= args.dpi <= MAX_DPI:
        raise CliError(f"--dpi {args.dpi} must be from {MIN_DPI} to {MAX_DPI} (a 640 x 480 "
                       f"figure at {MAX_DPI} dpi is already 6400 x 4800 pixels)")
    series, skipped = load_series(args)
    quantity = QUANTITIES[args.quantity]
    out = args.out if args.out is not None else args.db.parent / f"{args.kind}.png"
    report: dict[str, list[Any]] = {"figures": [], "warnings": []}
    if skipped:
        report["warnings"].append(f"skipped {skipped} tasks with no shots yet")
    if args.kind == "distance":
        _plot_distance(args, series, out, quantity, report)
    else:
        _plot_series(args, series, out, quantity, report)
    if args.json:
        print_json(report)
    elif not args.quiet:
        for text in report["warnings"]:
            sys.stderr.write(f"qec plot: warning: {text}\n")
        for figure in report["figures"]:
            suffix = f"  (series: {figure['series']})" if len(report["figures"]) > 1 else ""
            sys.stdout.write(f"wrote {figure['path']}{suffix}\n")
    return 0


def _plot_series(args: argparse.Namespace, series: dict, out: pathlib.Path, quantity: str,
                 report: dict[str, list[Any]]) -> None:
    """One figure per series: series never share a figure."""
    from qec.analysis import assess_threshold, fit_lambda, fit_threshold, series_label
    from qec.plotting import plot_collapse, plot_lambda, plot_rounds, plot_threshold, save_figure

    for path, (key, stats) in zip(_series_paths(out, len(series)), series.items(), strict=True):
        label = series_label(key)
        warnings: list[str] = []
        if args.kind == "threshold":
            assessment = assess_threshold(stats, quantity=quantity, seed=_seed(args))
            if assessment.fit is None and assessment.fit_error not in assessment.warnings:
                warnings.append(f"no threshold marked: {assessment.fit_error}")
            warnings.extend(assessment.warnings)
            ax = plot_threshold(stats, quantity=quantity, threshold=assessment.fit,
                                extrapolated=assessment.extrapolated, title=label)
        elif args.kind == "collapse":
            ax = plot_collapse(fit_threshold(stats, quantity=quantity, seed=_seed(args)),
                               title=label)
        elif args.kind == "cycles":
            from qec.analysis import fit_device
            from qec.plotting import plot_device

            device = fit_device(stats, min_rounds=args.min_rounds)
            warnings.extend(device.warnings)
            ax = plot_device(device, title=label)
        elif args.kind == "lambda":
            rates = sorted({s.physical_error_rate for s in stats})
            if args.p is None and len(rates) > 1:
                raise CliError(f"--kind lambda draws one physical error rate, and {label} has "
                               f"{len(rates)} ({', '.join(f'{r:g}' for r in rates)}); choose "
                               "one with --p")
            ax = plot_lambda(fit_lambda(stats, physical_error_rate=args.p,
                                        boundary_offset=args.boundary_offset), title=label)
        else:
            ax = plot_rounds(stats, boundary_offset=args.boundary_offset, title=label)
        written = save_figure(ax, path, dpi=args.dpi)
        report["figures"].append({"path": str(written), "series": label})
        report["warnings"].extend(f"{label}: {text}" for text in warnings)


def _seed(args: argparse.Namespace) -> int:
    """The bootstrap's seed: --seed, or 0, so that a figure repeats."""
    return 0 if args.seed is None else args.seed


def _plot_distance(args: argparse.Namespace, series: dict, out: pathlib.Path,
                   quantity: str, report: dict[str, list[Any]]) -> None:
    """One figure per experiment: its series that differ only in how they were measured
    (direct sampling, a rare-event estimate) drawn side by side against distance."""
    from qec.analysis import series_label
    from qec.plotting import plot_distance, save_figure

    experiments: dict[tuple, dict[str, list]] = {}
    for key, stats in series.items():
        what = tuple((k, v) for k, v in key if k not in METHOD_KEYS)
        method = dict(key)
        if method.get("estimator") in (None, "binomial"):
            how = "direct sampling"
        else:
            how = ", ".join(f"{k}={method[k]}" for k in METHOD_KEYS if method.get(k) is not None)
        experiments.setdefault(what, {})[how] = stats
    for path, (what, groups) in zip(_series_paths(out, len(experiments)), experiments.items(),
                                    strict=True):
        label = series_label(what)
        ax = plot_distance(groups, quantity=quantity, title=label)
        written = save_figure(ax, path, dpi=args.dpi)
        report["figures"].append({"path": str(written), "series": label})
