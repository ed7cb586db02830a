"""Decoder benchmark: every decoder on the same shots, accuracy against latency.

Rotated surface code memory (``qec.memory_circuit``, basis Z, rounds = d) under SI1000 noise at
d = 3, 5, 7 and p across the threshold region. All decoders see the same sampled detection
events; per decoder: logical error per round with 95% intervals, per-shot latency (one shot at
a time: mean, p50, p99) and batch throughput, with ratios to PyMatching. Writes table.md,
table.csv and figure.png (accuracy against latency) and prints the table.

Run: .venv/bin/python experiments/benchmarks/bench_decoders.py [--out DIR] [--shots N]
(the same as ``qec bench-decoders --out DIR``; the logic lives in ``qec.studies``).
"""

from __future__ import annotations

import sys

from qec.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--out" not in argv:
        argv += ["--out", "results/bench_decoders"]
    sys.exit(main(["bench-decoders", *argv]))
