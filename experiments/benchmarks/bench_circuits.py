"""Circuit generation time of qec.memory_circuit beside stim.Circuit.generated.

Rotated surface code, Z basis, rounds = d, for d = 5..25. Both generators run in this process,
alternately, and each time is the best of several repetitions. The ratio is qec time / stim
time (lower is better for qec). The last columns check that qec's time is linear in
qubits x rounds: time per (qubit x round) should stay roughly flat as d grows.

Run: .venv/bin/python experiments/benchmarks/bench_circuits.py
"""

from __future__ import annotations

import time

import stim

from qec import NoiseModel, memory_circuit
from qec.codes import RotatedSurfaceCode


def best_time(build, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        build()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    p = 0.001
    print(f"{'d':>3} {'qubits':>6} {'rounds':>6} {'stim ms':>9} {'qec ms':>9} {'qec/stim':>9} "
          f"{'qec SI1000 ms':>14} {'us/qubit':>9}")
    for d in range(5, 27, 2):
        repeats = 20 if d <= 11 else 5
        code = RotatedSurfaceCode(distance=d)

        def ours(code=code, d=d):
            return memory_circuit(code, rounds=d, basis="Z", noise=NoiseModel.stim_generated(p))

        def si1000(code=code, d=d):
            return memory_circuit(code, rounds=d, basis="Z", noise=NoiseModel.si1000(p))

        def theirs(d=d):
            return stim.Circuit.generated(
                "surface_code:rotated_memory_z",
                distance=d,
                rounds=d,
                after_clifford_depolarization=p,
                before_round_data_depolarization=p,
                before_measure_flip_probability=p,
                after_reset_flip_probability=p,
            )

        # Fresh code objects each time would re-derive the layout; time that too.
        def ours_cold(d=d):
            return memory_circuit(
                RotatedSurfaceCode(distance=d), rounds=d, basis="Z",
                noise=NoiseModel.stim_generated(p),
            )

        assert ours().num_detectors == theirs().num_detectors
        t_stim = best_time(theirs, repeats)
        t_qec = best_time(ours_cold, repeats)
        t_si = best_time(si1000, repeats)
        qubits = code.num_qubits
        print(f"{d:>3} {qubits:>6} {d:>6} {t_stim * 1e3:>9.2f} {t_qec * 1e3:>9.2f} "
              f"{t_qec / t_stim:>9.2f} {t_si * 1e3:>14.2f} {t_qec / qubits * 1e6:>9.2f}")
    code = RotatedSurfaceCode(distance=25)
    for rounds in (25, 250):
        seconds = best_time(
            lambda rounds=rounds: memory_circuit(
                code, rounds=rounds, basis="Z", noise=NoiseModel.si1000(p)
            ),
            5,
        )
        print(f"d=25 SI1000 rounds={rounds}: {seconds * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
