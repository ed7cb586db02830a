"""``qec budget``: the error budget of a memory experiment, component by component."""

from __future__ import annotations

import argparse
import math
import sys

from qec.cli._common import (
    CliError,
    check_run_options,
    parse_int_list,
    parse_rounds,
    positive_int,
    print_json,
    rounds_of,
)
from qec.cli._options import add

NAME = "budget"
HELP = (
    "error budget of a memory experiment: the elasticity d ln(eps)/d ln(rate) of the logical "
    "error per round to each noise component, its share, and (with two or more distances) "
    "each component's part of 1/Lambda; --scale predicts and measures what-ifs"
)
Z95 = 1.959963984540054


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec budget``."""
    add(parser, "code", "distance", "distances", "rounds", "basis", "noise", "p", "cycle",
        "detectors", "boundary", "decoder", distance=5, distances=None, p=0.002)
    parser.add_argument("--shots", type=positive_int("--shots"), default=100_000,
                        help="shots per distance (default 100,000)")
    parser.add_argument("--scale", action="append", default=[], metavar="NAME=FACTOR",
                        help="what-if: scale a component (repeatable), e.g. measure_flip=0.5; "
                             "prints the prediction from the budget's own shots (likelihood-"
                             "ratio reweighting, and the first-order one from the "
                             "elasticities) beside a direct re-simulation")
    parser.add_argument("--leakage", type=float, default=None, metavar="RATE",
                        help="also measure leakage's share of the logical error at this "
                             "leakage rate per qubit per two-qubit gate, for each removal "
                             "strategy (with leakage against the same circuit without it)")
    parser.add_argument("--leakage-removal", default="none,mlr,dqlr",
                        help="removal strategies for --leakage (default none,mlr,dqlr)")
    add(parser, "out", "db", "workers", "dask", "seed", "quiet", "json")


def _parse_scales(items: list[str], components: tuple[str, ...]) -> dict[str, float]:
    scales = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            factor = float(value)
        except ValueError:
            raise CliError(f"--scale={item!r} must be NAME=FACTOR with a number FACTOR") from None
        if name not in components:
            raise CliError(f"--scale={item!r}: {name!r} is not a component of this noise model; "
                           f"choose one of {', '.join(components)}")
        if not (math.isfinite(factor) and factor >= 0):
            raise CliError(f"--scale={item!r}: FACTOR must be a number >= 0")
        scales[name] = factor
    return scales


def run(args: argparse.Namespace) -> int:
    """Samples each distance once, prints the budget table, writes the figure."""
    from qec.codes import code_from_name
    from qec.noise import NoiseModel
    from qec.studies._budget import (
        budget_components,
        estimate_budget,
        per_round,
        predict_shot_error,
        reweighted_shot_error,
        round_elasticities,
        scaled_noise,
    )
    from qec.studies._budget_checks import measure_shot_error

    check_run_options(args)
    distances = parse_int_list(args.distances or str(args.distance), option="--distances")
    rule = parse_rounds(args.rounds)
    seed = 0 if args.seed is None else args.seed  # a stored budget resumes under its seed
    circuit_options = {key: value for key, value in (("cycle", args.cycle),
                                                      ("detectors", args.detectors),
                                                      ("boundary", args.boundary))
                       if value is not None}
    noise = NoiseModel.from_name(args.noise, args.p)
    components = budget_components(noise)
    if not components:
        raise CliError(f"--noise {args.noise} at p={args.p} has no error component to budget")
    scales = _parse_scales(args.scale, components)
    codes = {d: code_from_name(args.code, distance=d) for d in distances}
    quiet = args.quiet or args.json
    warnings: list[str] = []
    results = {}
    for d, code in codes.items():
        rounds = rounds_of(rule, d, code=args.code)
        if not quiet:
            sys.stderr.write(f"qec budget: d={d}, {rounds} rounds, {args.shots:,} shots ...\n")
        budget = estimate_budget(code, rounds=rounds, basis=args.basis, noise=noise,
                                 decoder=args.decoder, shots=args.shots, seed=seed,
                                 db=args.db, workers=args.workers, dask=args.dask,
                                 **circuit_options)
        if budget.errors < 100:
            warnings.append(f"d={d}: only {budget.errors} failures in {budget.shots} shots; "
                            "the elasticities are uncertain (sample more shots)")
        values, errors = round_elasticities(budget)
        results[d] = (budget, rounds, values, errors)

    summary: dict = {"code": args.code, "noise": args.noise, "p": args.p, "basis": args.basis,
                     "decoder": args.decoder, "distances": {}, "warnings": warnings}
    for d, (budget, rounds, values, errors) in results.items():
        eps = per_round(budget.logical_error_per_shot, rounds)
        total = sum(values)
        rows = {}
        for name, value, error in zip(budget.components, values, errors, strict=True):
            rows[name] = {"rate": getattr(noise, name), "elasticity": value,
                          "elasticity_ci": [value - Z95 * error, value + Z95 * error],
                          "contribution": value / total if total else math.nan,
                          "contribution_ci": [(value - Z95 * error) / total,
                                              (value + Z95 * error) / total] if total else None}
        summary["distances"][d] = {"rounds": rounds, "shots": budget.shots,
                                   "errors": budget.errors, "logical_error_per_round": eps,
                                   "components": rows, "exponent": total,
                                   "exponent_ci": [total - Z95 * sum(errors),
                                                   total + Z95 * sum(errors)]}
    first = results[distances[0]]
    summary["components"] = summary["distances"][distances[0]]["components"]
    summary["total"] = summary["distances"][distances[0]]["logical_error_per_round"]
    summary["exponent"] = summary["distances"][distances[0]]["exponent"]
    if len(distances) >= 2:
        low, high = distances[0], distances[-1]
        steps = (high - low) / 2
        lam = {}
        for index, name in enumerate(first[0].components):
            a, ea = results[low][2][index], results[low][3][index]
            b, eb = results[high][2][index], results[high][3][index]
            value = (b - a) / steps  # d ln(1/Lambda) / d ln s per distance step of 2
            error = math.hypot(ea, eb) / steps
            lam[name] = {"elasticity": value, "elasticity_ci": [value - Z95 * error,
                                                                value + Z95 * error]}
        summary["inverse_lambda"] = {"distances": [low, high], "components": lam}

    if scales:
        budget, rounds = results[distances[0]][0], results[distances[0]][1]
        first_order = per_round(predict_shot_error(budget, scales), rounds)
        reweighted, spread = reweighted_shot_error(budget, codes[distances[0]], rounds=rounds,
                                                   basis=args.basis, noise=noise,
                                                   scales=scales, **circuit_options)
        predicted = per_round(reweighted, rounds)
        predicted_ci = [per_round(max(reweighted - Z95 * spread, 0.0), rounds),
                        per_round(reweighted + Z95 * spread, rounds)]
        errors_, shots_ = measure_shot_error(codes[distances[0]], rounds=rounds,
                                             basis=args.basis,
                                             noise=scaled_noise(noise, scales),
                                             decoder=args.decoder, shots=args.shots,
                                             seed=seed + 1, **circuit_options)
        from qec.data import binomial_interval

        measured = binomial_interval(errors=errors_, shots=shots_, confidence=0.95)
        summary["what_if"] = {"scales": scales, "predicted_per_round": predicted,
                              "predicted_per_round_ci": predicted_ci,
                              "first_order_per_round": first_order,
                              "measured_per_round": per_round(measured.estimate, rounds),
                              "measured_per_round_ci": [per_round(measured.low, rounds),
                                                        per_round(measured.high, rounds)],
                              "measured_errors": errors_, "measured_shots": shots_}
    if args.leakage is not None:
        from qec.studies._leakage_share import leakage_shares

        removals = [r.strip() for r in args.leakage_removal.split(",") if r.strip()]
        d = distances[0]
        rounds = rounds_of(rule, d, code=args.code)
        if not quiet:
            sys.stderr.write(f"qec budget: leakage {args.leakage} with {', '.join(removals)} "
                             f"removal, {args.shots:,} shots each ...\n")
        shares = leakage_shares(code=args.code, distance=d, rounds=rounds, basis=args.basis,
                                noise=args.noise, p=args.p, leakage=args.leakage,
                                removals=removals, decoder=args.decoder, shots=args.shots,
                                seed=seed, db=args.db, workers=args.workers,
                                dask=args.dask)
        summary["leakage"] = {
            share.removal: {
                "rate": share.leakage, "share": share.share,
                "share_ci": list(share.share_interval),
                "with_leakage_per_round": per_round(share.with_leakage.estimate, rounds),
                "without_leakage_per_round": per_round(share.without_leakage.estimate,
                                                       rounds)}
            for share in shares}
        ordered = [summary["leakage"][r]["share"] for r in ("none", "mlr", "dqlr")
                   if r in summary["leakage"]]
        if any(math.isnan(v) for v in ordered):
            warnings.append("leakage: a task had no failure; its share is undefined")
    if args.out is not None:
        from qec.plotting import plot_budget, save_figure

        args.out.mkdir(parents=True, exist_ok=True)
        figure = args.out / "budget.png"
        save_figure(plot_budget(summary), figure)
        summary["figure"] = str(figure)
    if args.json:
        print_json(summary)
    elif not args.quiet:
        _print_table(summary)
    return 0


def _print_table(summary: dict) -> None:
    for d, row in summary["distances"].items():
        print(f"d={d}, {row['rounds']} rounds, {summary['noise']} p={summary['p']}: "
              f"{row['errors']} failures in {row['shots']:,} shots, "
              f"eps = {row['logical_error_per_round']:.3e} per round")
        print("  component              rate        elasticity [95%]          share [95%]")
        for name, c in row["components"].items():
            low, high = c["elasticity_ci"]
            clow, chigh = c["contribution_ci"] or (math.nan, math.nan)
            print(f"  {name:20s} {c['rate']:10.3g}   {c['elasticity']:6.3f} [{low:6.3f}, "
                  f"{high:6.3f}]   {c['contribution']:6.1%} [{clow:6.1%}, {chigh:6.1%}]")
        low, high = row["exponent_ci"]
        print(f"  total (d ln eps / d ln p)        {row['exponent']:6.3f} [{low:6.3f}, "
              f"{high:6.3f}]")
    if "inverse_lambda" in summary:
        low, high = summary["inverse_lambda"]["distances"]
        print(f"1/Lambda (d={low} to d={high}, per step of 2): d ln(1/Lambda) / d ln(rate)")
        for name, c in summary["inverse_lambda"]["components"].items():
            a, b = c["elasticity_ci"]
            print(f"  {name:20s} {c['elasticity']:6.3f} [{a:6.3f}, {b:6.3f}]")
    if "what_if" in summary:
        w = summary["what_if"]
        a, b = w["measured_per_round_ci"]
        c, e = w["predicted_per_round_ci"]
        print(f"what-if {w['scales']}: predicted {w['predicted_per_round']:.3e} [{c:.3e}, "
              f"{e:.3e}] per round (the budget's shots reweighted; first order "
              f"{w['first_order_per_round']:.3e}), measured {w['measured_per_round']:.3e} "
              f"[{a:.3e}, {b:.3e}] ({w['measured_errors']}/{w['measured_shots']})")
    if "leakage" in summary:
        print("leakage share of the logical error (1 - eps without leakage / eps with it):")
        for removal, row in summary["leakage"].items():
            low, high = row["share_ci"]
            print(f"  removal {removal:5s} leakage {row['rate']:.3g}: {row['share']:6.1%} "
                  f"[{low:6.1%}, {high:6.1%}]  (eps {row['with_leakage_per_round']:.3e} with, "
                  f"{row['without_leakage_per_round']:.3e} without, per round)")
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    if "figure" in summary:
        print(f"figure: {summary['figure']}")
