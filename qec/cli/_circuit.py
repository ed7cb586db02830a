"""``qec circuit``: write the stim circuit of a memory experiment."""

from __future__ import annotations

import argparse
import sys

from qec.circuits import memory_circuit
from qec.cli._common import CliError, parse_rounds, rounds_of
from qec.cli._options import add, given
from qec.codes import code_from_spec, parse_code_spec
from qec.noise import NoiseModel

NAME = "circuit"
HELP = "write the stim circuit of a memory experiment (stdout by default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the options of ``qec circuit``."""
    add(parser, "code", "distance", "rounds", "basis", "noise", "p", "cycle", "detectors",
        "boundary", "out-file")


def run(args: argparse.Namespace) -> int:
    """Builds the circuit and writes its text."""
    family, params = parse_code_spec(args.code)
    if given(args, "--distance") and not family.takes_distance:
        raise CliError(f"--distance does not apply to --code {args.code}: the "
                       f"{family.name} code takes {', '.join(family.parameters) or 'none'}")
    if family.takes_distance and (given(args, "--distance") or "distance" not in params):
        code = code_from_spec(args.code, distance=args.distance)
    else:
        code = code_from_spec(args.code)
    rounds = rounds_of(parse_rounds(args.rounds), code.distance, code=args.code)
    noise = NoiseModel.from_name(args.noise, args.p)
    circuit = memory_circuit(code, rounds=rounds, basis=args.basis, noise=noise,
                             cycle=args.cycle, detectors=args.detectors,
                             boundary=args.boundary)
    text = str(circuit) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text)
    return 0
