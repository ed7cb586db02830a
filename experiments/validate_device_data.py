"""Validation of qec's tools for a device's own data, without a download (VALIDATION_data.md).

A device is simulated by hiding a non-uniform model in SI1000 memory circuits
(:func:`qec.datasets.simulated_device`: per-qubit and per-pair factors drawn log-normally with
spread 0.3, two qubits five times worse) and sampled with cosmic-ray-like bursts; then:

1. coverage: the learned probabilities' 95% intervals against the hidden model's, over every
   mechanism of several devices;
2. recovered gap: decoding held-out shots with the learned model against the uniform SI1000
   model and the true model (PyMatching and correlated matching, d = 3, 5, 7);
3. the error per cycle and Lambda fitted from experiments at several round counts against the
   same fit on 8 times more shots of the same devices;
4. flags: the bad qubits and the bursts found, and no clean qubit flagged.

Usage: python experiments/validate_device_data.py [--part 1,2,3,4] [--quick]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import stim

import qec
from qec.analysis import fit_device
from qec.codes import RotatedSurfaceCode
from qec.data import TaskStats
from qec.datasets import (
    detection_events_from_measurements,
    find_bursts,
    learn_error_model,
    qubit_error_ratios,
    sample_with_bursts,
    simulated_device,
)
from qec.decoders import decode
from qec.decoders._dem import error_targets
from qec.noise import NoiseModel

NOISE = NoiseModel.si1000(0.002)


def ideal_circuit(distance: int, rounds: int) -> stim.Circuit:
    return qec.memory_circuit(RotatedSurfaceCode(distance=distance), rounds=rounds, basis="Z",
                              noise=NOISE).without_noise()


def true_thetas(device, *, with_observables: bool) -> dict:
    truth: dict = {}
    for instruction in device.true.detector_error_model(decompose_errors=True).flattened():
        if instruction.type != "error":
            continue
        detectors, observables = error_targets(instruction)
        key = (detectors, observables if with_observables else frozenset())
        truth[key] = truth.get(key, 0.0) - math.log1p(-2 * instruction.args_copy()[0])
    return truth


def part_coverage(quick: bool) -> None:
    print("## 1. Coverage of the learned probabilities' 95% intervals\n")
    print("| d | rounds | device seeds | shots | mechanisms | covered | coverage [95%] | "
          "mean z | sd z |")
    print("|---|---|---|---|---|---|---|---|---|")
    from qec.data import binomial_interval

    for distance in (3, 5):
        seeds = range(3 if quick else 6)
        covered = total = 0
        zs = []
        shots = 200_000
        for seed in seeds:
            device = simulated_device(ideal_circuit(distance, distance), noise=NOISE,
                                      seed=100 + seed)
            dets, obs = device.true.compile_detector_sampler(seed=seed).sample(
                shots, bit_packed=True, separate_observables=True)
            learned = learn_error_model(device.assumed.detector_error_model(
                decompose_errors=True), dets, observable_flips=obs)
            truth = true_thetas(device, with_observables=True)
            groups = learned.groups
            for i, mechanism in enumerate(learned.mechanisms):
                theta = truth.get((frozenset(mechanism.detectors),
                                   frozenset(mechanism.observables)), 0.0)
                covered += mechanism.covers((1 - math.exp(-theta)) / 2)
                total += 1
                replicates = learned.replicates[:, i]
                sd = math.sqrt((groups - 1) / groups * float(
                    np.sum((replicates - replicates.mean()) ** 2)))
                if sd > 0:
                    zs.append((learned.thetas[i] - theta) / sd)
        interval = binomial_interval(errors=covered, shots=total)
        print(f"| {distance} | {distance} | {len(seeds)} | {shots:,} | {total:,} | {covered:,} | "
              f"{interval.estimate:.3f} [{interval.low:.3f}, {interval.high:.3f}] | "
              f"{np.mean(zs):+.3f} | {np.std(zs):.3f} |", flush=True)
    print()


def _joint(fails: list[np.ndarray]) -> np.ndarray:
    code = sum(f.astype(np.int64) << k for k, f in enumerate(fails))
    return np.bincount(code, minlength=1 << len(fails))


def _recovered(counts: np.ndarray, patterns: np.ndarray) -> float:
    """(uniform - learned) / (uniform - true) failures from the joint outcome counts."""
    u, t, learned = (counts @ patterns).tolist()
    return (u - learned) / (u - t) if u != t else math.nan


def part_gap(quick: bool) -> None:
    print("## 2. Decoding with the learned model: the share of the gap recovered\n")
    print("Learned from `train` shots of the device (with their observable flips), decoded on "
          "as many held-out shots. Recovered = (uniform - learned) / (uniform - true), with a "
          "95% interval from a bootstrap of the held-out shots' joint outcomes.\n")
    print("| d | decoder | train / test shots | uniform SI1000 | true model | learned | "
          "recovered [95%] |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for distance in ((3, 5) if quick else (3, 5, 7)):
        shots = 200_000 if quick else 1_000_000
        device = simulated_device(ideal_circuit(distance, distance), noise=NOISE, seed=3)
        structure = device.assumed.detector_error_model(decompose_errors=True)
        train = device.true.compile_detector_sampler(seed=1).sample(
            shots, bit_packed=True, separate_observables=True)
        learned = learn_error_model(structure, train[0], observable_flips=train[1])
        dets, obs = device.true.compile_detector_sampler(seed=2).sample(
            shots, bit_packed=True, separate_observables=True)
        models = {"uniform": structure, "learned": learned.dem,
                  "true": device.true.detector_error_model(decompose_errors=True)}
        for decoder in ("pymatching", "pymatching-correlated"):
            fails = [np.any(decode(models[name], dets, decoder=decoder) != obs, axis=1)
                     for name in ("uniform", "true", "learned")]
            counts = _joint(fails)
            patterns = np.array([[(c >> k) & 1 for k in range(3)] for c in range(8)])

            boot = [_recovered(rng.multinomial(shots, counts / shots), patterns)
                    for _ in range(400)]
            low, high = np.nanquantile(boot, [0.025, 0.975])
            u, t, lrn = (counts @ patterns).tolist()
            print(f"| {distance} | {decoder} | {shots:,} / {shots:,} | {u:,} | {t:,} | {lrn:,} | "
                  f"{_recovered(counts, patterns):.3f} [{low:.3f}, {high:.3f}] |", flush=True)
    print()


def _stats(distance: int, rounds: int, shots: int, device, seed: int) -> TaskStats:
    dets, obs = device.true.compile_detector_sampler(seed=seed).sample(
        shots, bit_packed=True, separate_observables=True)
    wrong = np.any(decode(device.true.detector_error_model(decompose_errors=True), dets,
                          decoder="pymatching") != obs, axis=1)
    return TaskStats(strong_id=f"{distance}-{rounds}-{seed}", decoder="pymatching",
                     json_metadata={"distance": distance, "rounds": rounds,
                                    "source": "recorded"},
                     shots=shots, errors=int(wrong.sum()))


def part_cycles(quick: bool) -> None:
    print("## 3. Error per cycle and Lambda against the same fit on 8x the shots\n")
    print("Each distance's device (seed 7 + d) at rounds 4, 8, 12, 16, decoded by PyMatching with "
          "its true model; `data` has 50,000 shots a point (a Willow experiment's count), "
          "`reference` 400,000 independent ones.\n")
    print("| quantity | data [95%] | reference [95%] | reference in the data's interval |")
    print("|---|---|---|---|")
    rounds = (4, 8, 12, 16)
    distances = (3, 5) if quick else (3, 5, 7)
    data, reference = [], []
    for distance in distances:
        for r in rounds:
            device = simulated_device(ideal_circuit(distance, r), noise=NOISE, seed=7 + distance)
            data.append(_stats(distance, r, 50_000, device, seed=11))
            reference.append(_stats(distance, r, 50_000 if quick else 400_000, device, seed=12))
    fit, ref = fit_device(data), fit_device(reference)
    for mine, theirs in zip(fit.cycles, ref.cycles, strict=True):
        inside = mine.eps.low <= theirs.eps.estimate <= mine.eps.high
        print(f"| eps d={mine.distance} | {mine.eps.estimate:.3e} [{mine.eps.low:.3e}, "
              f"{mine.eps.high:.3e}] | {theirs.eps.estimate:.3e} [{theirs.eps.low:.3e}, "
              f"{theirs.eps.high:.3e}] | {'yes' if inside else 'NO'} |")
    lam, lam_ref = fit.lambda_fit.lambda_, ref.lambda_fit.lambda_
    inside = lam.low <= lam_ref.estimate <= lam.high
    print(f"| Lambda | {lam.estimate:.3f} [{lam.low:.3f}, {lam.high:.3f}] | "
          f"{lam_ref.estimate:.3f} [{lam_ref.low:.3f}, {lam_ref.high:.3f}] | "
          f"{'yes' if inside else 'NO'} |")
    print(f"\nwarnings: data {list(fit.warnings) or 'none'}; reference "
          f"{list(ref.warnings) or 'none'}\n")


def part_flags(quick: bool) -> None:
    print("## 4. Flags: bad qubits and bursts\n")
    print("Devices of rounds = 10 sampled with 0.2% burst shots (10 qubits around a random one "
          "fully scrambled for the whole shot). Qubits are flagged above 2x the typical "
          "qubit's rates over their whole interval; 'clean' means a true factor below 1.5x "
          "the median, 'borderline' between 1.5x and 2.5x (either answer is right there).\n")
    print("| d | seed | shots | bad qubits (true factor) | flagged | clean flagged | "
          "borderline | bursts injected | caught | false burst flags |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for distance in ((3, 5) if quick else (3, 5, 7)):
        for seed in ((1,) if quick else (1, 2)):
            ideal = ideal_circuit(distance, 10)
            device = simulated_device(ideal, noise=NOISE, seed=seed)
            shots = 100_000
            measurements, bursts = sample_with_bursts(device.true, shots=shots,
                                                      burst_rate=0.002, seed=seed)
            dets, _ = detection_events_from_measurements(ideal, measurements)
            structure = device.assumed.detector_error_model(decompose_errors=True)
            first = learn_error_model(structure, dets)
            report = find_bursts(ideal, dets, dem=first.dem)
            learned = learn_error_model(structure, dets[~report.flagged])
            ratios = qubit_error_ratios(ideal, learned, noise=NOISE)
            median = float(np.median(list(device.qubit_factors.values())))
            relative = {q: f / median for q, f in device.qubit_factors.items()}
            flagged = [r.qubit for r in ratios if r.flagged]
            clean = [q for q in flagged if relative[q] < 1.5]
            borderline = sorted(q for q, f in relative.items()
                                if 1.5 <= f < 2.5 and q not in device.bad_qubits)
            bad = ", ".join(f"q{q} ({relative[q]:.1f}x)" for q in device.bad_qubits)
            print(f"| {distance} | {seed} | {shots:,} | {bad} | {flagged} | {clean or 'none'} | "
                  f"{borderline or 'none'} | {int(bursts.sum())} | "
                  f"{int(np.count_nonzero(report.flagged & bursts))} | "
                  f"{int(np.count_nonzero(report.flagged & ~bursts))} |", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="1,2,3,4")
    parser.add_argument("--quick", action="store_true", help="fewer seeds, shots, distances")
    args = parser.parse_args()
    started = time.monotonic()
    parts = {"1": part_coverage, "2": part_gap, "3": part_cycles, "4": part_flags}
    for part in args.part.split(","):
        parts[part.strip()](args.quick)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
