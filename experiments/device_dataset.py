"""Writes a simulated device's memory experiments in the Willow release's layout.

d = 3, 5, 7 (one patch each), Z basis, rounds 4, 8, 12, 16, 50,000 shots an experiment (the
release's count), from one device model hidden in SI1000 circuits (log-normal spread 0.3 per
qubit and pair, two bad qubits per patch) with 0.2% burst shots. The noisy circuit written is
the uniform SI1000 one, as the release's ``circuit_noisy_si1000.stim``; the true model is
shipped as ``decoding_results/true_model/error_model.dem``, with PyMatching's predictions under
it as that method's ``obs_flips_predicted.b8`` (as the release ships its decoders').

Usage: python experiments/device_dataset.py OUT_DIR
Then:  qec decode --dataset OUT_DIR --decoders pymatching,pymatching-correlated \\
           --dem noisy,learned,shipped --exclude-bursts --out results/device
       qec fit --db results/device/decode.db
"""

from __future__ import annotations

import pathlib
import sys

import qec
from qec.codes import RotatedSurfaceCode
from qec.datasets import (
    find_experiments,
    sample_with_bursts,
    simulated_device,
    write_experiment,
    write_shots,
)
from qec.decoders import decode
from qec.noise import NoiseModel

NOISE = NoiseModel.si1000(0.002)


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "device-data")
    for distance in (3, 5, 7):
        for rounds in (4, 8, 12, 16):
            ideal = qec.memory_circuit(RotatedSurfaceCode(distance=distance), rounds=rounds,
                                       basis="Z", noise=NOISE).without_noise()
            device = simulated_device(ideal, noise=NOISE, seed=7 + distance)
            measurements, bursts = sample_with_bursts(device.true, shots=50_000,
                                                      burst_rate=0.002, seed=rounds)
            path = root / f"d{distance}_at_q5_5" / "Z" / f"r{rounds:02d}"
            true_model = device.true.detector_error_model(decompose_errors=True)
            write_experiment(path, circuit=device.assumed, ideal=ideal, shots=50_000,
                             data=(measurements, None), shipped={"true_model": true_model})
            dets = find_experiments(path)[0].detection_events(ideal)
            write_shots(path / "decoding_results" / "true_model" / "obs_flips_predicted.b8",
                        decode(true_model, dets, decoder="pymatching"),
                        bits=ideal.num_observables, kind="observables")
            print(f"{path}: bad qubits {list(device.bad_qubits)}, {int(bursts.sum())} bursts")


if __name__ == "__main__":
    main()
