"""``qec bench-decoders``: every decoder on the same shots, accuracy and latency."""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

from qec.circuits import CYCLES, DETECTOR_SETS
from qec.cli._common import CliError, add_output_options, parse_int_list, print_json
from qec.decoders import decoder_names

NAME = "bench-decoders"
HELP = (
    "benchmark decoders on the same sampled shots (rotated surface code by default, rounds = d): "
    "logical error per round and per-shot latency; writes a table and a figure"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec bench-decoders``."""
    parser.add_argument("--code", default="surface", metavar="SPEC",
                        help="code family or spec (default surface; e.g. bb:72, bb:144)")
    parser.add_argument(
        "--distances", default=None,
        help="comma-separated distances (default 3,5,7; a code with its own distance, like "
             "bb:144, takes none)"
    )
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per shot (default: the code distance)")
    parser.add_argument(
        "--p",
        default="0.003,0.005,0.007,0.01",
        help="comma-separated physical error rates (default 0.003,0.005,0.007,0.01)",
    )
    parser.add_argument(
        "--decoders",
        default=",".join(decoder_names()),
        help="comma-separated decoder names (default: all; see `qec decoders`)",
    )
    parser.add_argument("--noise", default="si1000", help="noise model name (default si1000)")
    parser.add_argument("--cycle", choices=CYCLES, default=None,
                        help="syndrome cycle: standard, overlapped (Bravyi et al.'s depth-8 "
                             "cycle for bivariate bicycle codes) or superdense (colour codes); "
                             "default: the code's own")
    parser.add_argument("--detectors", choices=DETECTOR_SETS, default="all",
                        help="all detectors, or only the memory basis' (basis), as CSS decoders "
                             "of BB codes use")
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
    parser.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for table.md, table.csv, figure.png"
    )
    add_output_options(parser)


def _parse_floats(text: str, *, option: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"{option}={text!r} must be a comma-separated list of numbers") from None
    if not values or any(not 0 < value < 1 for value in values):
        raise CliError(f"{option}={text!r}: every rate must be in (0, 1)")
    return values


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
    if args.rounds is not None and args.rounds < 1:
        raise CliError(f"--rounds={args.rounds} must be a positive integer")
    rates = _parse_floats(args.p, option="--p")
    from qec.decoders import split_decoder_list

    names = split_decoder_list(args.decoders)
    quiet = args.quiet or args.json

    def progress(line: str) -> None:
        if not quiet:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    rows = benchmark_decoders(
        code=args.code,
        distances=distances,
        rounds=args.rounds,
        physical_error_rates=rates,
        decoders=names,
        noise=args.noise,
        shots=args.shots,
        latency_shots=args.latency_shots,
        time_budget_seconds=args.time_budget,
        seed=args.seed,
        progress=progress,
        cycle=args.cycle,
        detectors=args.detectors,
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
