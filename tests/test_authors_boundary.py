"""``memory_circuit(..., boundary="authors")``: Bravyi et al.'s perfect start and two noiseless
final cycles, with the logicals of both types as observables (qec/circuits/_boundary.py)."""

from __future__ import annotations

import numpy as np
import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.circuits import check_type_of_tag
from qec.codes import (
    BivariateBicycleCode,
    ColorCode,
    CSSCode,
    RepetitionCode,
    RotatedSurfaceCode,
    UnrotatedSurfaceCode,
)

NOISE_OPS = {"DEPOLARIZE1", "DEPOLARIZE2", "X_ERROR", "Z_ERROR", "Y_ERROR", "PAULI_CHANNEL_1",
             "PAULI_CHANNEL_2"}
BB72 = BivariateBicycleCode.published(72)
CASES = [  # (code, cycle, noise)
    (RotatedSurfaceCode(distance=3), "standard", NoiseModel.sd6(0.001)),
    (RotatedSurfaceCode(distance=3), "standard", NoiseModel.si1000(0.001)),
    (RotatedSurfaceCode(distance=4), "standard", NoiseModel.phenomenological(0.01)),
    (UnrotatedSurfaceCode(distance=3), "standard", NoiseModel.stim_generated(0.001)),
    (CSSCode.steane(), "standard", NoiseModel.code_capacity(0.01)),
    (ColorCode(distance=3), "standard", NoiseModel.sd6(0.001)),
    (BB72, "overlapped", NoiseModel.sd6(0.004)),
    (BB72, "standard", NoiseModel.si1000(0.004)),
]
IDS = [f"{type(c).__name__}-{cycle}-{noise.name}" for c, cycle, noise in CASES]


def _noise_targets(circuit: stim.Circuit) -> int:
    return sum(len(op.targets_copy()) for op in circuit.flattened() if op.name in NOISE_OPS)


def _without_annotations(body: stim.Circuit) -> str:
    return "\n".join(line for line in str(body).splitlines()
                     if not line.lstrip().startswith(("DETECTOR", "SHIFT_COORDS")))


def _first_repeat_body(circuit: stim.Circuit) -> stim.Circuit:
    return next(op for op in circuit if isinstance(op, stim.CircuitRepeatBlock)).body_copy()


@pytest.mark.parametrize(("code", "cycle", "noise"), CASES, ids=IDS)
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_the_circuit_is_deterministic_with_every_check_and_2k_observables(code, cycle, noise,
                                                                          basis):
    rounds = 3
    circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=noise, cycle=cycle,
                             boundary="authors")
    k = code.num_logical_qubits
    assert circuit.num_observables == 2 * k
    assert circuit.num_detectors == len(code.stabilizers) * (rounds + 2)
    # stim raises for a detector or an observable that is not deterministic.
    circuit.detector_error_model(allow_gauge_detectors=False)
    samples = circuit.without_noise().compile_detector_sampler(seed=3).sample(
        8, append_observables=True)
    assert not samples.any()
    # Each detector and observable is tagged with its check type: the basis' logicals first.
    dem = circuit.detector_error_model()
    types = {"detector": [], "logical_observable": []}
    for instruction in dem.flattened():
        if instruction.type in types:
            types[instruction.type].append(check_type_of_tag(instruction.tag))
    other = "X" if basis == "Z" else "Z"
    assert types["logical_observable"] == [basis] * k + [other] * k
    per_cycle = [s.basis for s in code.stabilizers]
    assert sorted(types["detector"]) == sorted(per_cycle * (rounds + 2))


@pytest.mark.parametrize(("code", "cycle", "noise"), CASES, ids=IDS)
def test_each_noisy_cycle_is_the_ordinary_cycle_and_the_boundary_has_no_noise(code, cycle,
                                                                               noise):
    rounds = 4
    authors = memory_circuit(code, rounds=rounds, basis="Z", noise=noise, cycle=cycle,
                             boundary="authors")
    ordinary = memory_circuit(code, rounds=rounds, basis="Z", noise=noise, cycle=cycle)
    body = _first_repeat_body(authors)
    # The noisy cycle: the same operations and noise as a middle round of the ordinary memory.
    assert _without_annotations(body) == _without_annotations(_first_repeat_body(ordinary))
    # All the noise is in the noisy cycles: none at the start, in the two noiseless cycles or
    # in the final measurement of the logicals (code capacity: the data flips before the first
    # cycle, and nothing else).
    per_cycle = _noise_targets(body)
    if noise.data_noise_once:
        assert per_cycle == 0 and _noise_targets(authors) == len(code.data_qubits)
    else:
        assert per_cycle > 0 and _noise_targets(authors) == rounds * per_cycle


def test_the_bivariate_bicycle_cycle_has_the_papers_noise_locations():
    # Per cycle of the 72 code: 432 CNOTs (864 qubit locations), 144 idle data locations (the
    # data idle in the first and last CNOT layers and in the final layer), 72 preparations and
    # 72 measurements, as in the authors' cycle.
    circuit = memory_circuit(BB72, rounds=3, basis="Z", noise=NoiseModel.sd6(0.004),
                             boundary="authors")
    body = _first_repeat_body(circuit)
    counts: dict[str, int] = {}
    for op in body.flattened():
        if op.name in NOISE_OPS:
            counts[op.name] = counts.get(op.name, 0) + len(op.targets_copy())
    assert counts["DEPOLARIZE2"] == 2 * 432
    assert counts["DEPOLARIZE1"] == 36 + 36 + 72
    assert counts["X_ERROR"] + counts["Z_ERROR"] == 72 + 72


@pytest.mark.parametrize("distance", [3, 5])
def test_the_surface_codes_graphlike_distance_is_the_code_distance(distance):
    circuit = memory_circuit(RotatedSurfaceCode(distance=distance), rounds=distance,
                             basis="Z", noise=NoiseModel.sd6(0.001), boundary="authors")
    assert len(circuit.shortest_graphlike_error()) == distance


def test_the_two_bases_measure_the_same_thing_in_another_order():
    code = RotatedSurfaceCode(distance=3)

    def errors(basis: str) -> dict[tuple[frozenset[int], frozenset[int]], float]:
        circuit = memory_circuit(code, rounds=2, basis=basis, noise=NoiseModel.sd6(0.01),
                                 boundary="authors")
        found = {}
        for error in circuit.detector_error_model().flattened():
            if error.type == "error":
                targets = error.targets_copy()
                # The Z-type logical is observable 0 for basis Z, 1 for basis X.
                observables = frozenset(t.val if basis == "Z" else 1 - t.val
                                        for t in targets if t.is_logical_observable_id())
                detectors = frozenset(t.val for t in targets if t.is_relative_detector_id())
                found[detectors, observables] = error.args_copy()[0]
        return found

    assert errors("X") == errors("Z")


def test_the_default_detectors_are_all_with_the_authors_boundary():
    assert BB72.default_detectors == "basis"
    circuit = memory_circuit(BB72, rounds=1, basis="Z", noise=NoiseModel.sd6(0.001),
                             boundary="authors")
    assert circuit.num_detectors == 72 * 3


@pytest.mark.parametrize(("code", "kwargs", "message"), [
    (RotatedSurfaceCode(distance=3), {"boundary": "perfect"},
     r"boundary='perfect' must be one of 'noisy', 'authors'"),
    (RepetitionCode(distance=3), {"boundary": "authors"},
     r"boundary='authors' checks the X-type and the Z-type logicals, but RepetitionCode"),
    (ColorCode(distance=3), {"boundary": "authors"},
     r"boundary='authors' is written for the standard and overlapped cycles, not "
     r"cycle='superdense'"),
    (BB72, {"boundary": "authors", "detectors": "basis"},
     r"detectors='basis' does not apply with boundary='authors'"),
    (RotatedSurfaceCode(distance=3), {"boundary": "authors", "leakage_removal": "dqlr"},
     r"boundary='authors' does not model leakage"),
])
def test_what_the_authors_boundary_does_not_take_is_named(code, kwargs, message):
    with pytest.raises(ValueError, match=message):
        memory_circuit(code, rounds=2, basis="Z", noise=NoiseModel.sd6(0.001), **kwargs)


def test_the_bulk_error_per_cycle_is_the_ordinary_memorys():
    # Only the boundary differs: the error per cycle from the growth of the failure rate between
    # 2 and 10 noisy cycles, (1 - 2 P(10)) / (1 - 2 P(2)) = (1 - 2 eps)^8, is the same for each
    # part of the authors' circuit (split matching) and the ordinary memory of that basis, whose
    # noisy preparation and readout make each of its shots fail more often.
    from qec.data import binomial_interval
    from qec.decoders import decode, detector_error_model_for_circuit

    code, noise, shots = RotatedSurfaceCode(distance=3), NoiseModel.sd6(0.006), 40_000

    def failures(circuit: stim.Circuit, decoder: str, seed: int) -> list[int]:
        dets, obs = circuit.compile_detector_sampler(seed=seed).sample(
            shots, separate_observables=True, bit_packed=True)
        wrong = decode(detector_error_model_for_circuit(circuit), dets, decoder=decoder) ^ obs
        return [int(np.count_nonzero((wrong[:, 0] >> i) & 1))
                for i in range(circuit.num_observables)]

    def per_cycle(first: int, second: int) -> tuple[float, float]:
        a, b = (binomial_interval(errors=e, shots=shots, confidence=0.999)
                for e in (first, second))
        rate = lambda p1, p2: (1 - ((1 - 2 * p2) / (1 - 2 * p1)) ** (1 / 8)) / 2  # noqa: E731
        return rate(a.high, b.low), rate(a.low, b.high)

    authors = {n: failures(memory_circuit(code, rounds=n, basis="Z", noise=noise,
                                          boundary="authors"), "pymatching:split=xz", n)
               for n in (2, 10)}
    for index, basis in enumerate("ZX"):  # the authors' observables: Z-type, then X-type
        ordinary = {n: failures(memory_circuit(code, rounds=n, basis=basis, noise=noise),
                                "pymatching", 100 + n)[0] for n in (2, 10)}
        low, high = per_cycle(authors[2][index], authors[10][index])
        ordinary_low, ordinary_high = per_cycle(ordinary[2], ordinary[10])
        assert low <= ordinary_high and ordinary_low <= high, (basis, authors, ordinary)
        assert high - low < 0.2 * (high + low) / 2  # the intervals are tight enough to tell
        assert binomial_interval(errors=authors[2][index], shots=shots, confidence=0.999).high \
            < binomial_interval(errors=ordinary[2], shots=shots, confidence=0.999).low
