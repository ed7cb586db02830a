"""Leakage-aware decoding: heralds lower nearby weights and reduce logical errors."""

import numpy as np
import pymatching
import pytest

import qec
from qec.analysis import binomial_interval
from qec.codes import RotatedSurfaceCode
from qec.decoders import detector_error_model_for_circuit
from qec.leakage import HeraldedMatching, sample_leakage
from qec.noise import NoiseModel


def _circuit(distance=5, rounds=5, leakage=0.002):
    noise = NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=leakage)
    return qec.memory_circuit(RotatedSurfaceCode(distance=distance), rounds=rounds, basis="Z",
                              noise=noise, leakage_removal="mlr")


def test_heralds_reduce_the_logical_error_rate_on_the_same_samples():
    circuit = _circuit()
    samples = sample_leakage(circuit, shots=12_000, seed=11, bit_packed=True)
    obs = samples.observable_flips
    unaware = pymatching.Matching.from_detector_error_model(
        detector_error_model_for_circuit(circuit)).decode_batch(
        samples.detection_events, bit_packed_shots=True, bit_packed_predictions=True)
    aware = HeraldedMatching(circuit).decode(samples.detection_events, samples.heralds)
    wrong_unaware = np.any(unaware != obs, axis=1)
    wrong_aware = np.any(aware != obs, axis=1)
    assert wrong_aware.sum() < wrong_unaware.sum()
    # Paired sign test: among shots where exactly one decoder fails, the leakage-unaware one
    # fails in more than half, with a 95% binomial interval entirely above 1/2.
    only_unaware = int(np.count_nonzero(wrong_unaware & ~wrong_aware))
    only_aware = int(np.count_nonzero(wrong_aware & ~wrong_unaware))
    interval = binomial_interval(errors=only_unaware, shots=only_unaware + only_aware)
    assert interval.low > 0.5


def test_without_heralds_it_is_plain_matching():
    circuit = _circuit(distance=3, rounds=3, leakage=0.0)
    samples = sample_leakage(circuit, shots=2000, seed=3, bit_packed=True)
    assert not samples.heralds.any()
    plain = pymatching.Matching.from_detector_error_model(
        detector_error_model_for_circuit(circuit)).decode_batch(
        samples.detection_events, bit_packed_shots=True, bit_packed_predictions=True)
    aware = HeraldedMatching(circuit).decode(samples.detection_events, samples.heralds)
    assert np.array_equal(plain, aware)


def test_a_herald_reweights_its_own_edge_and_its_partners_edges():
    circuit = _circuit(distance=3, rounds=3)
    decoder = HeraldedMatching(circuit, herald_probability=0.5, neighbourhood_probability=0.2)
    # measurement 8 + 3 = measure qubit of stabilizer 3 in round 1 (second round)
    changes = decoder.edge_changes(11)
    edges = decoder.matching.edges()
    own = [e for e, p in changes.items() if p == 0.5]
    assert len(own) == 1
    u, v, _ = edges[own[0]]
    detectors = decoder._detectors_of[11]
    assert {u, v} == set(detectors)  # the time-like edge of that measurement
    assert sum(1 for p in changes.values() if p == 0.2) >= 4
    # the graph is restored after decoding a heralded shot
    before = [attrs["weight"] for _, _, attrs in decoder.matching.edges()]
    heralds = np.zeros((1, (circuit.num_measurements + 7) // 8), dtype=np.uint8)
    heralds[0, 11 // 8] = 1 << (11 % 8)
    dets = np.zeros((1, (circuit.num_detectors + 7) // 8), dtype=np.uint8)
    decoder.decode(dets, heralds)
    assert [attrs["weight"] for _, _, attrs in decoder.matching.edges()] == before


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"herald_probability": 0.7}, r"herald_probability=0\.7 must be in \(0, 0\.5\]"),
    ({"neighbourhood_probability": 0}, r"neighbourhood_probability=0 must be in \(0, 0\.5\]"),
])
def test_bad_probabilities(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HeraldedMatching(_circuit(distance=3, rounds=2), **kwargs)
