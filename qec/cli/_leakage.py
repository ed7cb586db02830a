"""``qec leakage``: the DQLR study (no removal vs MLR vs DQLR), figures and a JSON summary."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from qec.cli._common import (
    CliError,
    check_run_options,
    parse_int_list,
    parse_rounds,
    print_json,
    rounds_of,
)
from qec.cli._options import add

NAME = "leakage"
HELP = "simulate leakage with no removal, MLR and DQLR (surface code, SI1000) and plot it"


def _float_list(text: str, *, option: str) -> list[float]:
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise CliError(f"{option}={text!r} must be a comma-separated list of numbers, like "
                       "0.0005,0.001")
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise CliError(f"{option}={text!r}: {part!r} is not a number") from None
        if not 0 < value <= 1 or math.isnan(value):
            raise CliError(f"{option}={text!r}: {value!r} must be a rate in (0, 1]")
        values.append(value)
    return sorted(set(values))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec leakage``."""
    from qec.noise import LEAKED_READOUTS, PARTNER_ERRORS
    from qec.studies import StudyConfig

    c = StudyConfig()
    # The per-round profile: the distance, rounds and SI1000 rate of its memory experiment.
    add(parser, "distance", "rounds", "p", distance=c.distance, rounds=str(c.rounds), p=c.p)
    parser.add_argument("--leakage", type=float, default=c.leakage_per_gate,
                        help="leakage probability per qubit per two-qubit gate "
                             f"(default {c.leakage_per_gate})")
    parser.add_argument("--seepage", type=float, default=c.seepage_per_round,
                        help=f"decay of a leaked qubit per round (default {c.seepage_per_round})")
    parser.add_argument("--transport", type=float, default=c.transport,
                        help="probability that a gate moves leakage to its partner "
                             f"(default {c.transport})")
    parser.add_argument("--partner-error", choices=PARTNER_ERRORS, default=c.partner_error,
                        help=f"error on the partner of a leaked qubit (default {c.partner_error})")
    parser.add_argument("--readout", choices=LEAKED_READOUTS, default=c.leaked_readout,
                        help="readout of a leaked qubit (default herald: three-level readout)")
    parser.add_argument("--shots", type=int, default=c.shots,
                        help=f"shots per strategy for the per-round profile (default {c.shots})")
    parser.add_argument("--sweep-distances", default=",".join(map(str, c.sweep_distances)),
                        help="distances of the logical-error sweep (default 3,5,7)")
    parser.add_argument("--sweep-rates", default=",".join(map(str, c.sweep_rates)),
                        help="leakage rates of the sweep (default 0.0005,0.001,0.002)")
    parser.add_argument("--sweep-rounds", type=int, default=c.sweep_rounds,
                        help=f"rounds per shot in the sweep (default {c.sweep_rounds})")
    parser.add_argument("--no-sweep", action="store_true",
                        help="only the per-round profile, no logical-error sweep")
    # The logical-error sweep is sampled by the engine: stored, resumed, in parallel.
    add(parser, "max-shots", "max-errors", "workers", "dask", "out", "db", "seed", "quiet",
        "json", max_shots=c.max_shots, max_errors=c.max_errors)


def _config(args: argparse.Namespace) -> Any:
    from qec.studies import StudyConfig

    distances = () if args.no_sweep else tuple(
        parse_int_list(args.sweep_distances, option="--sweep-distances"))
    rates = tuple(_float_list(args.sweep_rates, option="--sweep-rates"))
    return StudyConfig(
        distance=args.distance,
        rounds=rounds_of(parse_rounds(args.rounds), args.distance, code="surface"), p=args.p,
        leakage_per_gate=args.leakage,
        seepage_per_round=args.seepage, transport=args.transport,
        partner_error=args.partner_error, leaked_readout=args.readout, shots=args.shots,
        sweep_distances=distances, sweep_rates=rates, sweep_rounds=args.sweep_rounds,
        max_shots=args.max_shots, max_errors=args.max_errors,
    )


def _number(value: float | None, spec: str = ".2e") -> str:
    return "-" if value is None else format(value, spec)


def _text(summary: dict[str, Any]) -> str:
    lines = [f"{'strategy':>8} {'data leak (last)':>16} {'measure leak':>13} "
             f"{'det. prob first/last':>21} {'p_ij 3 apart':>13} {'error/round':>12}"]
    for name, s in summary["strategies"].items():
        detection = s["detection_probability"]
        corr = s["correlations"]["p_ij"]
        lines.append(
            f"{name:>8} {s['data_leakage_population'][-1]:>16.2e} "
            f"{s['measure_leakage_population'][-1]:>13.2e} "
            f"{detection[1]:>10.4f} / {detection[-1]:<8.4f} "
            f"{_number(corr[2] if len(corr) > 2 else None):>13} "
            f"{s['logical_error_per_round']:>12.3e}")
    for distance, variants in summary.get("sweep", {}).items():
        for variant in ("baseline", "mlr", "dqlr", "pauli"):
            for e in variants.get(variant, []):
                lines.append(f"d={distance} {variant:>8} rate={e['rate']:<8g} "
                             f"error/round={e['logical_error_per_round']:.3e} "
                             f"[{e['ci'][0]:.2e}, {e['ci'][1]:.2e}] ({e['shots']:,} shots)")
        for r in variants.get("leakage_vs_pauli", []):
            lines.append(f"d={distance} leakage (with DQLR) / Pauli extra error at "
                         f"rate={r['rate']:g}: {_number(r['ratio'], '.2f')}")
    lines.extend(f"figure: {path}" for path in summary["figures"])
    return "\n".join(lines)


def _strict(value: Any) -> Any:
    """The summary with NaN (no data) as None, so the JSON is strict."""
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strict(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def run(args: argparse.Namespace) -> int:
    """Runs the study, writes the figures and ``leakage_summary.json``, prints a summary."""
    from qec.leakage import LeakageSampler
    from qec.sampling import collect
    from qec.studies import plot_study, run_profiles, summarize_sweep, sweep_tasks

    check_run_options(args)
    config = _config(args)  # validates everything before any work
    tasks = sweep_tasks(config)

    def log(message: str) -> None:
        if not args.quiet:
            sys.stderr.write(f"qec leakage: {message}\n")
            sys.stderr.flush()

    summary: dict[str, Any] = {"parameters": {
        "code": "surface", "distance": config.distance, "rounds": config.rounds,
        "noise": "si1000", "p": config.p, "basis": config.basis,
        "leakage_per_gate": config.leakage_per_gate,
        "seepage_per_round": config.seepage_per_round, "transport": config.transport,
        "partner_error": config.partner_error, "leaked_readout": config.leaked_readout,
        "shots": config.shots, "sweep_distances": list(config.sweep_distances),
        "sweep_rates": list(config.sweep_rates), "sweep_rounds": config.sweep_rounds,
    }}
    summary["strategies"] = run_profiles(config, seed=args.seed, log=log)
    summary["sweep"] = {}
    db = args.db
    if tasks:
        log(f"sweep: {len(tasks)} tasks into {db}")
        stats = collect(tasks, db=db, max_shots=config.max_shots, max_errors=config.max_errors,
                        workers=args.workers, dask=args.dask, seed=args.seed,
                        progress=None if args.quiet else "auto",
                        custom_decoders={"leakage": LeakageSampler()})
        summary["sweep"] = summarize_sweep(stats)
        summary["db"] = str(db)
    summary["figures"] = [str(p) for p in plot_study(summary, args.out)]
    summary = _strict(summary)
    summary_path = args.out / "leakage_summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    summary["summary_file"] = str(summary_path)
    if args.json:
        print_json(summary)
    elif not args.quiet:
        sys.stdout.write(_text(summary) + "\n")
    return 0
