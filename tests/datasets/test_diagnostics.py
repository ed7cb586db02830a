"""Detection fractions, odd stabilizers and qubits, and bursts, on devices with a known fault."""

import numpy as np
import pytest
import stim

from qec import memory_circuit
from qec.codes import RotatedSurfaceCode
from qec.datasets import (
    detection_events_from_measurements,
    detection_fractions,
    find_bursts,
    flag_outliers,
    learn_error_model,
    qubit_error_ratios,
    sample_with_bursts,
    simulated_device,
)
from qec.noise import NoiseModel, add_noise, scale_noise

NOISE = NoiseModel.si1000(0.002)


def _ideal(distance=3, rounds=10):
    return memory_circuit(RotatedSurfaceCode(distance=distance), rounds=rounds, basis="Z",
                          noise=NOISE).without_noise()


def test_fractions_are_laid_out_by_stabilizer_and_round():
    circuit = stim.Circuit.generated("repetition_code:memory", distance=3, rounds=4,
                                     before_round_data_depolarization=0.05)
    dets = circuit.compile_detector_sampler(seed=1).sample(4000, bit_packed=True)
    fractions = detection_fractions(circuit, dets)
    assert fractions.fired.shape == (2, 5) and fractions.shots == 4000
    bits = np.unpackbits(dets, axis=1, bitorder="little", count=circuit.num_detectors)
    assert fractions.fired.sum() == bits.sum()
    kept = detection_fractions(circuit, dets, exclude=np.arange(4000) < 1000)
    assert kept.shots == 3000


def test_a_stabilizer_with_a_bad_readout_is_flagged_and_no_other():
    ideal = _ideal()
    assumed = add_noise(ideal, NOISE)
    measure_qubits = [10, 11]
    bad = scale_noise(assumed, qubit_factors=dict.fromkeys(measure_qubits[:1], 6.0))
    dets = bad.compile_detector_sampler(seed=2).sample(50_000, bit_packed=True)
    flags = flag_outliers(detection_fractions(ideal, dets))
    assert flags["flagged_qubits"] == [10]
    assert flags["flagged_rounds"] == []


def test_bad_qubits_are_flagged_and_clean_ones_are_not():
    ideal = _ideal(rounds=5)
    device = simulated_device(ideal, noise=NOISE, seed=1)
    dets = device.true.compile_detector_sampler(seed=5).sample(100_000, bit_packed=True)
    learned = learn_error_model(device.assumed.detector_error_model(decompose_errors=True), dets)
    ratios = qubit_error_ratios(ideal, learned, noise=NOISE)
    median = np.median(list(device.qubit_factors.values()))
    flagged = {r.qubit for r in ratios if r.flagged}
    assert set(device.bad_qubits) <= flagged
    assert all(device.qubit_factors[q] / median >= 1.5 for q in flagged)
    estimated = {r.qubit: r.relative for r in ratios}
    for q in device.bad_qubits:  # the factor itself, within 30%
        assert estimated[q] == pytest.approx(device.qubit_factors[q] / median, rel=0.3)
    with pytest.raises(ValueError, match="give the assumed model"):
        qubit_error_ratios(ideal, learned)


def test_bursts_are_caught_and_clean_shots_are_not_flagged():
    ideal = _ideal()
    device = simulated_device(ideal, noise=NOISE, seed=1)
    measurements, bursts = sample_with_bursts(device.true, shots=30_000, burst_rate=0.005,
                                              seed=4)
    dets, _ = detection_events_from_measurements(ideal, measurements)
    learned = learn_error_model(device.assumed.detector_error_model(decompose_errors=True), dets)
    report = find_bursts(ideal, dets, dem=learned.dem)
    assert int(bursts.sum()) > 100
    assert np.count_nonzero(report.flagged & ~bursts) == 0
    assert np.count_nonzero(report.flagged & bursts) >= 0.6 * bursts.sum()
    assert report.count == int(np.count_nonzero(report.flagged))
    clean = device.true.compile_detector_sampler(seed=6).sample(30_000, bit_packed=True)
    assert find_bursts(ideal, clean, dem=learned.dem).count == 0
