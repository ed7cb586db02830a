"""Leakage sampler beside stim's own detector sampler on the same d = 5, 25-round SI1000 circuit.

The circuit is ``qec.memory_circuit`` (rotated surface code, Z basis) under SI1000 at p = 0.1%
with leakage 1e-3 per qubit per CZ and DQLR (``leakage_removal="dqlr"``); stim ignores the
leakage tags, so ``compile_detector_sampler()`` samples the same circuit without leakage. Both
produce bit-packed detection events and observable flips for the same number of shots, in this
process, one after the other (compilation excluded, one warm-up call each). Also timed: the
same circuit's leakage-free twin through the leakage sampler.

Memory: the leakage sampler streams batches (as ``LeakageSampler`` does: run a batch, reduce
it, drop it); its peak memory is measured with ``tracemalloc`` (numpy buffers) at two shot
counts, and as the peak resident size of fresh subprocesses at the same two shot counts. Both
must not grow with the number of shots, only with the batch size.

Target: leakage sampler >= 0.25 x stim's shots per second.

Run: .venv/bin/python experiments/benchmarks/bench_leakage.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
import tracemalloc

import stim

import qec
from qec.leakage import compile_leakage_circuit, sample_leakage

SHOTS = 200_000
BATCH = 16_384


def circuit(leakage: bool = True) -> stim.Circuit:
    noise = qec.NoiseModel.si1000(0.001)
    if leakage:
        noise = noise.with_leakage(leakage_per_gate=1e-3)
    return qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=5), rounds=25, basis="Z",
                              noise=noise, leakage_removal="dqlr" if leakage else "none")


def rate(run, shots: int) -> float:
    run(min(shots, 2 * BATCH))  # warm-up
    start = time.perf_counter()
    run(shots)
    return shots / (time.perf_counter() - start)


def stream(compiled, shots: int) -> None:
    """Samples ``shots`` shots batch by batch, keeping nothing (LeakageSampler's loop)."""
    sim = stim.FlipSimulator(batch_size=BATCH, num_qubits=compiled.num_qubits, seed=1)
    done = 0
    while done < shots:
        n = min(BATCH, shots - done)
        compiled.run_batch(sim, shots=n)
        done += n


def child(shots: int) -> None:
    stream(compile_leakage_circuit(circuit()), shots)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    leaky = circuit()
    compiled = compile_leakage_circuit(leaky)
    stim_sampler = leaky.compile_detector_sampler(seed=1)
    plain = compile_leakage_circuit(circuit(leakage=False))
    ours = rate(lambda n: sample_leakage(compiled, shots=n, seed=1, batch_size=BATCH,
                                         bit_packed=True), SHOTS)
    theirs = rate(lambda n: stim_sampler.sample(n, bit_packed=True, separate_observables=True),
                  SHOTS)
    off = rate(lambda n: sample_leakage(plain, shots=n, seed=1, batch_size=BATCH,
                                        bit_packed=True), SHOTS)
    print(f"circuit: d=5, 25 rounds, SI1000 p=0.001, leakage 1e-3/CZ, DQLR; "
          f"{leaky.num_qubits} qubits, {leaky.num_detectors} detectors; {SHOTS:,} shots, "
          f"batch {BATCH:,}")
    print(f"{'sampler':<40} {'shots/s':>12} {'vs stim':>8}")
    print(f"{'stim compile_detector_sampler':<40} {theirs:>12,.0f} {1:>8.2f}")
    print(f"{'qec leakage sampler (leakage on)':<40} {ours:>12,.0f} {ours / theirs:>8.2f}")
    print(f"{'qec leakage sampler (leakage-free twin)':<40} {off:>12,.0f} {off / theirs:>8.2f}")
    print(f"target: leakage sampler >= 0.25 x stim: {'met' if ours >= 0.25 * theirs else 'MISSED'}")
    print()
    print(f"{'shots (streamed)':>16} {'tracemalloc peak MB':>20} {'subprocess max RSS MB':>22}")
    for shots in (4 * BATCH, 16 * BATCH):
        tracemalloc.start()
        stream(compiled, shots)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_kb = int(subprocess.run([sys.executable, __file__, "--child", str(shots)],
                                    capture_output=True, text=True, check=True).stdout)
        print(f"{shots:>16,} {peak / 2**20:>20.1f} {rss_kb / 2**10:>22.1f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
