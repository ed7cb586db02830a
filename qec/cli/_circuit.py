"""``qec circuit``: write the stim circuit of a memory experiment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qec.circuits import memory_circuit
from qec.cli._common import CliError, code_help
from qec.codes import code_from_spec, parse_code_spec
from qec.noise import NOISE_MODEL_NAMES, NoiseModel

NAME = "circuit"
HELP = "write the stim circuit of a memory experiment (stdout by default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec circuit``."""
    parser.add_argument("--code", default="surface", metavar="SPEC", help=code_help())
    parser.add_argument("--distance", type=int, default=None,
                        help="code distance, for families that take one (default 3)")
    parser.add_argument(
        "--rounds", type=int, default=None, help="stabilizer rounds (default: the distance)"
    )
    parser.add_argument("--basis", choices=("X", "Z"), default="Z", help="memory basis")
    parser.add_argument(
        "--noise", choices=NOISE_MODEL_NAMES, default="si1000", help="noise model (default si1000)"
    )
    parser.add_argument(
        "--p", type=float, default=0.001, help="physical error rate (default 0.001)"
    )
    parser.add_argument("--out", type=Path, default=None, help="output file (default: stdout)")


def run(args: argparse.Namespace) -> int:
    """Builds the circuit and writes its text."""
    family, params = parse_code_spec(args.code)
    if args.distance is not None or (family.takes_distance and "distance" not in params):
        if not family.takes_distance:
            raise CliError(f"--distance does not apply to --code {args.code}: the "
                           f"{family.name} code takes {', '.join(family.parameters) or 'none'}")
        code = code_from_spec(args.code, distance=3 if args.distance is None else args.distance)
    else:
        code = code_from_spec(args.code)
    if args.rounds is None and code.distance is None:
        raise CliError(f"--rounds is needed: the distance of --code {args.code} is not known")
    rounds = code.distance if args.rounds is None else args.rounds
    noise = NoiseModel.from_name(args.noise, args.p)
    circuit = memory_circuit(code, rounds=rounds, basis=args.basis, noise=noise)
    text = str(circuit) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0
