"""`qec collect` beside `sinter collect`: the same circuit files, decoder, budget and workers.

Writes 12 stim circuit files (rotated surface code, d = 3, 5, 7 x four p from 0.003 to 0.01,
stim_generated noise, rounds = d), named like `d=5,p=0.005,r=5.stim` so that both tools parse
the metadata from the names. Then runs each command line as a fresh process, twice, in the order
qec, sinter, sinter, qec (so that a drift in the machine's load hits both alike), with the same
`--max-shots` / `--max_shots` and `--max-errors` / `--max_errors` and the same number of worker
processes, each writing its own results file (`--db` / `--save_resume_filepath`). Prints the
mean seconds and the shots per second of each, and the ratio sinter seconds / qec seconds.

Run: .venv/bin/python experiments/benchmarks/bench_collect.py [--workers N] [--shots N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sinter

BIN = Path(sys.executable).parent
DISTANCES = (3, 5, 7)
P_VALUES = (0.003, 0.005, 0.007, 0.01)


def write_circuits(directory: Path) -> list[Path]:
    from qec import NoiseModel, memory_circuit
    from qec.codes import RotatedSurfaceCode

    paths = []
    for d in DISTANCES:
        for p in P_VALUES:
            circuit = memory_circuit(RotatedSurfaceCode(distance=d), rounds=d, basis="Z",
                                     noise=NoiseModel.stim_generated(p))
            path = directory / f"d={d},p={p},r={d}.stim"
            path.write_text(str(circuit))
            paths.append(path)
    return paths


def _command(tool: str, circuits: list[Path], out: Path, *, workers: int, shots: int,
             errors: int) -> list[str]:
    if tool == "qec":
        return [str(BIN / "qec"), "collect", "--circuits", *map(str, circuits), "--decoders",
                "pymatching", "--max-shots", str(shots), "--max-errors", str(errors),
                "--workers", str(workers), "--db", str(out / "qec.db"), "--quiet"]
    return [str(BIN / "sinter"), "collect", "--circuits", *map(str, circuits), "--decoders",
            "pymatching", "--max_shots", str(shots), "--max_errors", str(errors),
            "--processes", str(workers), "--save_resume_filepath", str(out / "sinter.csv"),
            "--metadata_func", "auto", "--quiet"]


def _shots(tool: str, out: Path) -> int:
    if tool == "qec":
        from qec.store import ResultStore

        with ResultStore(out / "qec.db", read_only=True) as store:
            return sum(s.shots for s in store.read_stats())
    return sum(s.shots for s in sinter.read_stats_from_csv_files(out / "sinter.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shots", type=int, default=400_000, help="max shots per circuit")
    parser.add_argument("--errors", type=int, default=40_000, help="max errors per circuit")
    args = parser.parse_args()
    print(f"workers={args.workers}, cores={os.cpu_count()}, "
          f"load average before start={os.getloadavg()[0]:.2f}")
    seconds = {"qec": 0.0, "sinter": 0.0}
    shots = {"qec": 0, "sinter": 0}
    with tempfile.TemporaryDirectory() as tmp:
        circuits = write_circuits(Path(tmp))
        for run, tool in enumerate(("qec", "sinter", "sinter", "qec")):
            out = Path(tmp) / f"run{run}"
            out.mkdir()
            command = _command(tool, circuits, out, workers=args.workers, shots=args.shots,
                               errors=args.errors)
            start = time.perf_counter()
            subprocess.run(command, check=True)
            seconds[tool] += time.perf_counter() - start
            shots[tool] += _shots(tool, out)
    print(f"\n12 circuit files, max shots {args.shots:,}, max errors {args.errors:,} per file, "
          "fresh processes, mean of two runs each (order qec, sinter, sinter, qec)")
    for tool, label in (("qec", "qec collect   "), ("sinter", "sinter collect")):
        print(f"   {label} {seconds[tool] / 2:7.2f} s   {shots[tool] / 2:12,.0f} shots   "
              f"{shots[tool] / seconds[tool]:10,.0f} shots/s")
    print(f"   ratio sinter seconds / qec seconds: {seconds['sinter'] / seconds['qec']:.2f};  "
          f"qec shots/s / sinter shots/s: "
          f"{(shots['qec'] / seconds['qec']) / (shots['sinter'] / seconds['sinter']):.2f}")
    print(f"load average at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
