"""``qec circuit``: write the stim circuit of a memory experiment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qec.circuits import memory_circuit
from qec.codes import CODE_NAMES, code_from_name
from qec.noise import NOISE_MODEL_NAMES, NoiseModel

NAME = "circuit"
HELP = "write the stim circuit of a memory experiment (stdout by default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec circuit``."""
    parser.add_argument("--code", choices=CODE_NAMES, default="surface", help="code family")
    parser.add_argument("--distance", type=int, default=3, help="code distance (default 3)")
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
    code = code_from_name(args.code, distance=args.distance)
    rounds = code.distance if args.rounds is None else args.rounds
    noise = NoiseModel.from_name(args.noise, args.p)
    circuit = memory_circuit(code, rounds=rounds, basis=args.basis, noise=noise)
    text = str(circuit) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0
