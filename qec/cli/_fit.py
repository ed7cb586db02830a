"""``qec fit``: threshold (finite-size scaling) and Lambda tables from a results database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from qec.cli._common import CliError, print_json
from qec.cli._options import add
from qec.cli._plot import add_series_options, load_series
from qec.cli._report import QUANTITIES, lambda_warnings, threshold_lines

MAX_BOOTSTRAP = 100_000

NAME = "fit"
HELP = "fit the threshold (finite-size scaling) and Lambda of each series in a database"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec fit``."""
    add_series_options(parser)
    add(parser, "p-filter")
    parser.add_argument("--window", type=float, default=1.0,
                        help="threshold fit uses points with abs(p/p_th - 1) d^(1/nu) <= WINDOW "
                             "(default 1)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="coverage of every interval (default 0.95)")
    parser.add_argument("--bootstrap", type=int, default=200,
                        help="bootstrap redraws of the threshold fit (default 200)")
    add(parser, "seed", "quiet", "json")


def _threshold_part(stats: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    from qec.analysis import threshold_summary

    return threshold_summary(stats, quantity=QUANTITIES[args.quantity], window=args.window,
                             confidence=args.confidence, bootstrap=args.bootstrap,
                             seed=0 if args.seed is None else args.seed)


def _lambda_part(stats: list[Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    from qec.analysis import fit_lambda, lambda_dict

    ps = sorted({s.physical_error_rate for s in stats})
    if args.p is not None:
        ps = [p for p in ps if abs(p - args.p) <= 1e-12 * max(1.0, abs(args.p))]
        if not ps:
            raise CliError(f"--p {args.p} matches no task; the series has p in "
                           f"{sorted({s.physical_error_rate for s in stats})}")
    rows = []
    for p in ps:
        at_p = [s for s in stats if s.physical_error_rate == p]
        if len({s.distance for s in at_p}) < 2:
            continue
        try:
            fit = fit_lambda(at_p, confidence=args.confidence,
                             boundary_offset=args.boundary_offset)
            rows.append({**lambda_dict(fit), "fit_error": None})
        except ValueError as exc:
            rows.append({"physical_error_rate": p, "fit_error": str(exc)})
    return rows


def _device_part(key: Any, stats: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    """A device's recorded series: the error per cycle of every distance (and patch) from its
    round counts, and Lambda."""
    from qec.analysis import fit_device, series_label

    if args.min_rounds < 1:
        raise CliError(f"--min-rounds={args.min_rounds} must be a positive integer")
    try:
        device = fit_device(stats, confidence=args.confidence, min_rounds=args.min_rounds)
    except ValueError as exc:
        return {"series": dict(key), "label": series_label(key), "device": None,
                "warnings": [str(exc)]}
    summary = device.to_dict()
    return {"series": dict(key), "label": series_label(key), "device": summary,
            "warnings": summary["warnings"]}


def _format_device(result: dict[str, Any]) -> str:
    lines = [f"series: {result['label']} (a device's recorded data)"]
    device = result["device"]
    if device is None:
        return "\n".join([*lines, *(f"  {w}" for w in result["warnings"])])
    lines.append("  logical error per cycle, 1 - 2 P_L(r) = A (1 - 2 eps)^r:")
    for row in device["cycles"]:
        where = f"d={row['distance']}" + (f" {row['patch']}" if row["patch"] else "")
        fit = (f", p-value {row['p_value']:.2f}" if row["p_value"] is not None else "")
        amplitude = (f", A = {row['amplitude']:.4f}" if row["amplitude"] is not None else "")
        lines.append(f"    {where}: {row['eps']:.3e} [{row['eps_ci'][0]:.3e}, "
                     f"{row['eps_ci'][1]:.3e}]{amplitude} (rounds "
                     f"{','.join(map(str, row['rounds']))}{fit})")
    if device["lambda"] is not None:
        low, high = device["lambda_ci"]
        pairs = "  ".join(f"{a}/{b}: {r['lambda']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
                          for (a, b), r in ((q["distances"], q) for q in device["pairwise"]))
        lines.append(f"  Lambda = {device['lambda']:.3f} [{low:.3f}, {high:.3f}]; pairwise "
                     f"{pairs}")
    lines.extend(f"  warning: {text}" for text in device["warnings"])
    return "\n".join(lines)


def _format_series(label: str, threshold: dict[str, Any], lambdas: list[dict[str, Any]],
                   confidence: float) -> str:
    lines = [f"series: {label}"]
    lines.extend("  " + line for line in threshold_lines(threshold, confidence=confidence))
    if threshold["threshold"] is not None:
        nu_low, nu_high = threshold["nu_ci"]
        lines.append(
            f"    nu = {threshold['nu']:.3f} [{nu_low:.3f}, {nu_high:.3f}], "
            f"chi2/dof = {threshold['chi2_per_dof']:.2f} ({threshold['dof']} dof), "
            f"distances {','.join(map(str, threshold['distances_used']))}, "
            f"{threshold['points_used']} points used, {threshold['points_excluded']} excluded "
            f"(window {threshold['window']:g})"
        )
    if lambdas:
        lines.append("  Lambda (error per round eps_d; Lambda = eps_d / eps_(d+2)):")
        for row in lambdas:
            if row["fit_error"] is not None:
                lines.append(f"    p={row['physical_error_rate']:g}: {row['fit_error']}")
                continue
            eps = "  ".join(f"d={e['distance']}: {e['estimate']:.3e}"
                            for e in row["per_round_errors"])
            pairs = "  ".join(f"{a}/{b}: {r['lambda']:.2f} [{r['ci'][0]:.2f}, {r['ci'][1]:.2f}]"
                              for (a, b), r in ((q["distances"], q) for q in row["pairwise"]))
            low, high = row["lambda_ci"]
            lines.append(f"    p={row['physical_error_rate']:g}: {eps}")
            lines.append(f"      Lambda (line fit) = {row['lambda']:.2f} [{low:.2f}, {high:.2f}]"
                         f"; pairwise {pairs}")
            lines.extend(f"      warning: {text}" for text in row["warnings"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Fits every series and prints the tables (or JSON)."""
    from qec.analysis import series_label

    if not 0 < args.confidence < 1:
        raise CliError(f"--confidence {args.confidence} must be strictly between 0 and 1")
    if not (args.window > 0 and args.window < float("inf")):
        raise CliError(f"--window {args.window} must be a positive number (the fit keeps points "
                       "with |p/p_th - 1| d^(1/nu) <= WINDOW)")
    if not 1 <= args.bootstrap <= MAX_BOOTSTRAP:
        raise CliError(f"--bootstrap {args.bootstrap} must be from 1 to {MAX_BOOTSTRAP:,} "
                       "(each redraw is a full fit; 200 give intervals to about 5%)")
    series, skipped = load_series(args)
    results = []
    for key, stats in series.items():
        if all(s.physical_error_rate is None for s in stats):
            results.append(_device_part(key, stats, args))
            continue
        threshold = _threshold_part(stats, args)
        lambdas = _lambda_part(stats, args)
        for row in lambdas:
            row["warnings"] = ([] if row["fit_error"] is not None
                               else lambda_warnings(row, threshold))
        results.append({
            "series": {name: value for name, value in key},
            "label": series_label(key),
            "threshold": threshold,
            "lambda": lambdas,
            "warnings": threshold["warnings"] + [w for row in lambdas for w in row["warnings"]],
        })
    if args.json:
        print_json({"db": str(args.db), "quantity": QUANTITIES[args.quantity],
                    "skipped_tasks_without_shots": skipped, "series": results})
        return 0
    if args.quiet:  # the exit status says whether it worked
        return 0
    if skipped:
        sys.stderr.write(f"qec fit: skipped {skipped} tasks with no shots yet\n")
    text = "\n\n".join(
        _format_device(r) if "device" in r else
        _format_series(r["label"], r["threshold"], r["lambda"], args.confidence)
        for r in results)
    sys.stdout.write(text + "\n")
    return 0
