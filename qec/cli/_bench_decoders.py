"""``qec bench-decoders``: every decoder on the same shots, accuracy and latency."""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys

from qec.cli._common import CliError, parse_int_list, parse_p_values, parse_rounds, print_json
from qec.cli._options import add
from qec.decoders import decoder_names

NAME = "bench-decoders"
HELP = (
    "benchmark decoders on the same sampled shots (rotated surface code by default, rounds = d): "
    "logical error per round and per-shot latency; writes a table and a figure"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec bench-decoders``."""
    add(parser, "code", "distances", "rounds", "p-list", "decoders", "noise", "cycle",
        "detectors", "boundary", distances=None, p_list="0.003,0.005,0.007,0.01",
        decoders="all")
    parser.add_argument("--shots", type=int, default=20_000, help="shots per circuit")
    parser.add_argument(
        "--latency-shots", type=int, default=500, help="shots timed one at a time (default 500)"
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=30.0,
        help="seconds of batch decoding per decoder and circuit before stopping (default 30)",
    )
    add(parser, "max-errors", "out", "db", "seed", "quiet", "json")


def _json_row(row) -> dict:
    """A row as a dict, with the NaN of skipped rows as null (strict JSON)."""
    fields = dataclasses.asdict(row)
    return {
        key: None if isinstance(value, float) and math.isnan(value) else value
        for key, value in fields.items()
    }


def run(args: argparse.Namespace) -> int:
    """Runs the benchmark and writes the table, CSV and figure into ``--out``."""
    from qec.codes import parse_code_spec
    from qec.studies import benchmark_csv, benchmark_decoders, benchmark_markdown, plot_benchmark

    family, params = parse_code_spec(args.code)
    fixed = not family.takes_distance or "distance" in params
    if fixed and args.distances is not None:
        raise CliError(f"--distances={args.distances} does not apply: --code {args.code} has its "
                       "own distance")
    distances = parse_int_list(args.distances or "3,5,7", option="--distances")
    constant, factor = parse_rounds(args.rounds)
    if factor > 1:
        raise CliError(f"--rounds={args.rounds}: qec bench-decoders takes a number of rounds "
                       "or d (one circuit per distance)")
    rounds = constant if factor == 0 else None
    rates = parse_p_values(args.p)
    from qec.decoders import split_decoder_list

    names = decoder_names() if args.decoders.strip() == "all" else split_decoder_list(
        args.decoders)
    quiet = args.quiet or args.json

    def progress(line: str) -> None:
        if not quiet:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    rows = benchmark_decoders(
        code=args.code,
        distances=distances,
        rounds=rounds,
        physical_error_rates=rates,
        decoders=names,
        noise=args.noise,
        shots=args.shots,
        latency_shots=args.latency_shots,
        time_budget_seconds=args.time_budget,
        seed=0 if args.seed is None else args.seed,
        progress=progress,
        cycle=args.cycle,
        detectors=args.detectors,
        boundary=args.boundary,
        db=args.db,
        max_errors=args.max_errors,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    table = benchmark_markdown(rows)
    (args.out / "table.md").write_text(table)
    (args.out / "table.csv").write_text(benchmark_csv(rows))
    figure = plot_benchmark(rows, args.out / "figure.png")
    if args.json:
        print_json(
            {
                "table": str(args.out / "table.md"),
                "csv": str(args.out / "table.csv"),
                "figure": str(figure),
                "rows": [_json_row(row) for row in rows],
            }
        )
    elif not args.quiet:
        sys.stdout.write(table)
    return 0
