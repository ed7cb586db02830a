"""qec's Relay-BP on the Relay-BP authors' own gross-code circuits, against their own results.

The relay-bp repository (github.com/trmue/relay, IBM; fetched here, commit named in
VALIDATION_bb.md) ships the circuits of its gross-code study
(``tests/testdata/bicycle_bivariate/circuit=bicycle_bivariate_144_12_12_memory_{X,Z},...``:
12 rounds, "uniform_circuit" noise at ``error_rate``) and the counts it measured on them
(``examples/data/bicycle_bivariate_144_12_12_fine_ler_sweep.csv``). Their "xz" rows decode
each memory on the detectors of its own basis, which their ``filter_detectors_by_basis``
(``tests/testdata/utils.py``) selects by injecting errors into the noiseless circuit.

This script runs *their* filter on *their* circuit (both read from the fetched repository, as a
reference, not copied into qec), then samples it through qec's engine and decodes it with qec's
Relay-BP at the settings their CSV records (gamma0 0.15, memory strengths in
[-0.2263, 0.6216], 80 first-pass iterations, 300 legs of 60, stop after 5 solutions), and
prints the failure rate beside theirs with the z-score of the difference.

    python experiments/bb_relay_reference.py --repo /work/.mirror/trmue+relay/repo \\
        --basis Z --p 0.005 --shots 1000
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import stim

from qec.analysis import binomial_interval
from qec.sampling import Task, collect

CIRCUIT = ("tests/testdata/bicycle_bivariate/circuit=bicycle_bivariate_144_12_12_memory_{basis},"
           "distance=12,rounds=12,error_rate={p},noise_model=uniform_circuit,basis=CX,"
           "A=x^3+y+y^2,B=y^3+x+x^2.stim")
RESULTS = "examples/data/bicycle_bivariate_144_12_12_fine_ler_sweep.csv"
#: The settings of the CSV's relay-bp rows (decoder_params), as a qec decoder spec.
DECODER = ("relay-bp:gamma0=0.15,gamma_interval=(-0.22628432386414646,0.6216020925981884),"
           "pre_iter=80,num_sets=300,set_max_iter=60,stop_nconv=5")


def show(repo: Path, path: str) -> str:
    """A file of the fetched repository (a bare git directory) at its head."""
    return subprocess.run(["git", "show", f"HEAD:{path}"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout


def their_filter(repo: Path):
    """``filter_detectors_by_basis`` from the repository's test utilities."""
    with tempfile.TemporaryDirectory() as tmp:
        module_path = Path(tmp) / "relay_testdata_utils.py"
        module_path.write_text(show(repo, "tests/testdata/utils.py"))
        spec = importlib.util.spec_from_file_location("relay_testdata_utils", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module.filter_detectors_by_basis


def their_count(repo: Path, basis: str, p: float) -> tuple[int, int] | None:
    """Their (errors, shots) for relay-bp, xz decoding, this memory and p; None if absent."""
    rows = csv.reader(io.StringIO(show(repo, RESULTS)), skipinitialspace=True)
    next(rows)
    for shots, errors, _, _, decoder, _, meta, *_ in rows:
        info = json.loads(meta)
        if (decoder == "relay-bp" and not info.get("xyz") and info["p"] == p
                and info["circuit"].endswith(f"memory_{basis}")):
            return int(errors), int(shots)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/.mirror/trmue+relay/repo"))
    parser.add_argument("--basis", choices=("X", "Z"), default="Z")
    parser.add_argument("--p", type=float, default=0.005)
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--db", default="experiments/results/bb_relay_reference.db")
    args = parser.parse_args()
    circuit = stim.Circuit(show(args.repo, CIRCUIT.format(basis=args.basis, p=args.p)))
    filtered = their_filter(args.repo)(circuit, args.basis)
    print(f"their circuit: {circuit.num_detectors} detectors; their {args.basis} filter keeps "
          f"{filtered.num_detectors}", flush=True)
    task = Task(circuit=filtered, decoder=DECODER,
                json_metadata={"source": "trmue/relay", "basis": args.basis, "p": args.p,
                               "rounds": 12})
    [ours] = collect([task], db=args.db, max_shots=args.shots, workers=args.workers,
                     seed=args.seed, progress="auto")
    mine = binomial_interval(errors=ours.errors, shots=ours.shots)
    print(f"qec {DECODER}\n  {ours.errors}/{ours.shots}: {mine.estimate:.3e} "
          f"[{mine.low:.3e}, {mine.high:.3e}] per shot, {ours.seconds / ours.shots:.2f} s a shot")
    theirs = their_count(args.repo, args.basis, args.p)
    if theirs is None:
        print("  no relay-bp xz row for this point in their CSV", file=sys.stderr)
        return
    errors, shots = theirs
    reference = binomial_interval(errors=errors, shots=shots)
    a, b = ours.errors / ours.shots, errors / shots
    z = (a - b) / math.sqrt(a * (1 - a) / ours.shots + b * (1 - b) / shots)
    print(f"their CSV: {errors}/{shots}: {reference.estimate:.3e} [{reference.low:.3e}, "
          f"{reference.high:.3e}] per shot; difference z = {z:+.2f}")


if __name__ == "__main__":
    main()
