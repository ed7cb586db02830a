import math

import numpy as np
import pymatching
import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.codes import RepetitionCode, RotatedSurfaceCode, UnrotatedSurfaceCode

ALL_NOISE = [
    NoiseModel.sd6(0.001),
    NoiseModel.si1000(0.001),
    NoiseModel.stim_generated(0.001),
    NoiseModel.phenomenological(0.01),
    NoiseModel.phenomenological(0.01, depolarizing=True),
    NoiseModel.code_capacity(0.05),
    NoiseModel.code_capacity(0.05, depolarizing=True),
    NoiseModel.noiseless(),
]
CIRCUIT_NOISE = [NoiseModel.sd6(0.001), NoiseModel.si1000(0.001), NoiseModel.stim_generated(0.001)]
CASES = [(RotatedSurfaceCode, "X"), (RotatedSurfaceCode, "Z"), (UnrotatedSurfaceCode, "X"),
         (UnrotatedSurfaceCode, "Z"), (RepetitionCode, "Z")]


def _stim_task(family, basis):
    if family is RepetitionCode:
        return "repetition_code:memory"
    if family is UnrotatedSurfaceCode:
        return f"surface_code:unrotated_memory_{basis.lower()}"
    return f"surface_code:rotated_memory_{basis.lower()}"


@pytest.mark.parametrize(("family", "basis"), CASES)
@pytest.mark.parametrize("noise", ALL_NOISE, ids=lambda n: f"{n.name}-{n.p}")
@pytest.mark.parametrize("distance", [2, 3, 4, 5])
@pytest.mark.parametrize("rounds", [1, 2, 5])
def test_noiseless_circuit_is_deterministic_and_noisy_one_decomposes(
    family, basis, noise, distance, rounds
):
    circuit = memory_circuit(family(distance=distance), rounds=rounds, basis=basis, noise=noise)
    assert circuit.num_observables == 1
    samples = circuit.without_noise().compile_detector_sampler(seed=1).sample(
        16, append_observables=True
    )
    assert not samples.any()
    # Every detector and the observable are deterministic in the noiseless circuit.
    circuit.without_noise().detector_error_model(allow_gauge_detectors=False)
    circuit.detector_error_model(decompose_errors=True)


@pytest.mark.parametrize(("family", "basis"), CASES)
@pytest.mark.parametrize("noise", CIRCUIT_NOISE, ids=lambda n: n.name)
@pytest.mark.parametrize("distance", [3, 5, 7])
def test_graphlike_circuit_distance_equals_code_distance(family, basis, noise, distance):
    circuit = memory_circuit(family(distance=distance), rounds=distance, basis=basis, noise=noise)
    assert len(circuit.shortest_graphlike_error()) == distance


@pytest.mark.parametrize(("family", "basis"), CASES)
@pytest.mark.parametrize("distance", [3, 5, 7])
@pytest.mark.parametrize("rounds", [1, 2, 3, 10])
def test_detector_count_matches_stim_generated(family, basis, distance, rounds):
    ours = memory_circuit(
        family(distance=distance), rounds=rounds, basis=basis, noise=NoiseModel.sd6(0.001)
    )
    theirs = stim.Circuit.generated(_stim_task(family, basis), distance=distance, rounds=rounds)
    assert ours.num_detectors == theirs.num_detectors


def _canonical_dem(circuit: stim.Circuit, *, drop_y: bool) -> dict:
    """Maps (detector coordinates, observables) of every error to its total probability."""
    dem = circuit.detector_error_model(flatten_loops=True)
    coords = dem.get_detector_coordinates()
    errors: dict = {}
    for instruction in dem.flattened():
        if instruction.type != "error":
            continue
        p = instruction.args_copy()[0]
        targets = instruction.targets_copy()
        dets = frozenset(
            (coords[t.val][0], coords[t.val][2]) if drop_y else tuple(coords[t.val])
            for t in targets
            if t.is_relative_detector_id()
        )
        obs = frozenset(t.val for t in targets if t.is_logical_observable_id())
        q = errors.get((dets, obs), 0.0)
        errors[(dets, obs)] = q * (1 - p) + p * (1 - q)
    return errors


@pytest.mark.parametrize(("family", "basis"), CASES)
@pytest.mark.parametrize("distance", [3, 5])
@pytest.mark.parametrize("rounds", [1, 2, 5])
def test_stim_generated_noise_gives_exactly_stims_error_model(family, basis, distance, rounds):
    p = 0.002
    ours = memory_circuit(
        family(distance=distance), rounds=rounds, basis=basis, noise=NoiseModel.stim_generated(p)
    )
    theirs = stim.Circuit.generated(
        _stim_task(family, basis),
        distance=distance,
        rounds=rounds,
        after_clifford_depolarization=p,
        before_round_data_depolarization=p,
        before_measure_flip_probability=p,
        after_reset_flip_probability=p,
    )
    _assert_same_error_model(ours, theirs, repetition=family is RepetitionCode)


def _assert_same_error_model(ours: stim.Circuit, theirs: stim.Circuit, *, repetition: bool):
    """The same errors (by detector coordinates and observables) with the same probabilities."""
    ours_dem = _canonical_dem(ours, drop_y=repetition)
    if repetition:  # stim's repetition-code detectors are (x, t); ours are (x, y=0, t).
        theirs_dem = {
            (frozenset((c[0], c[1]) for c in dets), obs): p
            for (dets, obs), p in _canonical_dem_2d(theirs).items()
        }
    else:
        theirs_dem = _canonical_dem(theirs, drop_y=False)
    assert ours_dem.keys() == theirs_dem.keys()
    for key, probability in ours_dem.items():
        assert math.isclose(probability, theirs_dem[key], rel_tol=1e-9)


def _canonical_dem_2d(circuit: stim.Circuit) -> dict:
    dem = circuit.detector_error_model(flatten_loops=True)
    coords = dem.get_detector_coordinates()
    errors: dict = {}
    for instruction in dem.flattened():
        if instruction.type != "error":
            continue
        p = instruction.args_copy()[0]
        targets = instruction.targets_copy()
        dets = frozenset(tuple(coords[t.val]) for t in targets if t.is_relative_detector_id())
        obs = frozenset(t.val for t in targets if t.is_logical_observable_id())
        q = errors.get((dets, obs), 0.0)
        errors[(dets, obs)] = q * (1 - p) + p * (1 - q)
    return errors


KNOBS = {
    "after_clifford_depolarization": 0.001,
    "before_round_data_depolarization": 0.002,
    "before_measure_flip_probability": 0.003,
    "after_reset_flip_probability": 0.004,
}


@pytest.mark.parametrize(("family", "basis"), CASES)
@pytest.mark.parametrize("knob", [*KNOBS, "all"])
def test_each_stim_knob_on_its_own_gives_stims_error_model(family, basis, knob):
    # Each knob alone (the others zero), then all four different: a knob wired to the wrong
    # operations would change the error model.
    knobs = dict(KNOBS) if knob == "all" else {k: (v if k == knob else 0.0)
                                               for k, v in KNOBS.items()}
    ours = memory_circuit(family(distance=3), rounds=3, basis=basis,
                          noise=NoiseModel.stim_generated(0.001, **knobs))
    theirs = stim.Circuit.generated(_stim_task(family, basis), distance=3, rounds=3, **knobs)
    _assert_same_error_model(ours, theirs, repetition=family is RepetitionCode)


def test_stim_knob_out_of_range_is_named():
    with pytest.raises(ValueError, match=r"before_measure_flip_probability=1.5 must be a prob"):
        NoiseModel.stim_generated(0.001, before_measure_flip_probability=1.5)


def _logical_errors(circuit: stim.Circuit, shots: int, seed: int) -> int:
    dets, obs = circuit.compile_detector_sampler(seed=seed).sample(
        shots, separate_observables=True, bit_packed=True
    )
    matching = pymatching.Matching.from_detector_error_model(
        circuit.detector_error_model(decompose_errors=True)
    )
    predictions = matching.decode_batch(dets, bit_packed_shots=True, bit_packed_predictions=True)
    return int(np.count_nonzero(np.any(predictions != obs, axis=1)))


@pytest.mark.parametrize(("family", "basis"),
                         [(RotatedSurfaceCode, "Z"), (UnrotatedSurfaceCode, "X"),
                          (RepetitionCode, "Z")])
@pytest.mark.parametrize("distance", [3, 5])
def test_logical_error_rate_matches_stims_generated_circuit(family, basis, distance):
    p = 0.04 if family is RepetitionCode else 0.01
    shots = 100_000
    ours = memory_circuit(
        family(distance=distance), rounds=distance, basis=basis, noise=NoiseModel.stim_generated(p)
    )
    theirs = stim.Circuit.generated(
        _stim_task(family, basis),
        distance=distance,
        rounds=distance,
        after_clifford_depolarization=p,
        before_round_data_depolarization=p,
        before_measure_flip_probability=p,
        after_reset_flip_probability=p,
    )
    a = _logical_errors(ours, shots, seed=11)
    b = _logical_errors(theirs, shots, seed=12)
    assert a > 50 and b > 50  # enough errors for the normal approximation below
    # Two independent binomial samples of the same rate: their difference lies within
    # 4.5 standard deviations (two-sided false-alarm probability below 1e-5).
    pooled = (a + b) / (2 * shots)
    sigma = math.sqrt(2 * pooled * (1 - pooled) / shots)
    assert abs(a - b) / shots <= 4.5 * sigma


def _moments(circuit: stim.Circuit):
    """Yields, per TICK-separated moment, (qubits acted on by gates, qubits hit by noise)."""
    gates, noisy = set(), set()
    for instruction in circuit.flattened():
        name = instruction.name
        if name == "TICK":
            yield gates, noisy
            gates, noisy = set(), set()
            continue
        qubits = {t.value for t in instruction.targets_copy() if t.is_qubit_target}
        if name in ("DEPOLARIZE1", "DEPOLARIZE2", "X_ERROR", "Z_ERROR"):
            noisy |= qubits
        elif name not in ("DETECTOR", "OBSERVABLE_INCLUDE", "QUBIT_COORDS", "SHIFT_COORDS"):
            gates |= qubits
    yield gates, noisy


@pytest.mark.parametrize("noise", [NoiseModel.sd6(0.001), NoiseModel.si1000(0.001)],
                         ids=lambda n: n.name)
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_circuit_noise_touches_every_qubit_in_every_moment(noise, basis):
    code = RotatedSurfaceCode(distance=3)
    circuit = memory_circuit(code, rounds=3, basis=basis, noise=noise)
    every_qubit = set(code.qubit_coords)
    for gates, noisy in _moments(circuit):
        assert gates, "no empty moments"
        assert noisy == every_qubit  # gate noise on busy qubits, idle noise on the rest


def test_gate_sets():
    code = RotatedSurfaceCode(distance=3)
    si = str(memory_circuit(code, rounds=2, basis="X", noise=NoiseModel.si1000(0.001)))
    assert "CZ" in si and "CX" not in si and "MX" not in si and "RX" not in si
    sd = str(memory_circuit(code, rounds=2, basis="X", noise=NoiseModel.sd6(0.001)))
    assert "CX" in sd and "CZ" not in sd and "MX" in sd and "RX" in sd


def test_si1000_idle_rates():
    circuit = memory_circuit(
        RotatedSurfaceCode(distance=3), rounds=1, basis="Z", noise=NoiseModel.si1000(0.001)
    )
    text = str(circuit)
    assert "X_ERROR(0.005)" in text  # measurement flips 5p
    assert "X_ERROR(0.002)" in text  # reset flips 2p
    assert "DEPOLARIZE1(0.002)" in text  # idle during measurement 2p
    assert "DEPOLARIZE1(0.0001)" in text  # one-qubit gates and idles p/10


@pytest.mark.parametrize("rounds", [1, 2, 6])
def test_detector_coordinates_are_x_y_round(rounds):
    code = RotatedSurfaceCode(distance=3)
    circuit = memory_circuit(code, rounds=rounds, basis="Z", noise=NoiseModel.sd6(0.001))
    coords = circuit.get_detector_coordinates()
    measure_xy = {code.qubit_coords[q] for q in code.measure_qubits}
    z_xy = {code.qubit_coords[s.measure_qubit] for s in code.z_stabilizers}
    by_round: dict[int, set] = {}
    for x, y, t in coords.values():
        assert (x, y) in measure_xy
        by_round.setdefault(int(t), set()).add((x, y))
    assert sorted(by_round) == list(range(rounds + 1))
    assert by_round[0] == z_xy and by_round[rounds] == z_xy
    for t in range(1, rounds):
        assert by_round[t] == measure_xy


def test_code_capacity_noise_is_applied_once():
    code = RotatedSurfaceCode(distance=3)
    circuit = memory_circuit(code, rounds=4, basis="Z", noise=NoiseModel.code_capacity(0.1))
    flips = [i for i in circuit.flattened() if i.name == "X_ERROR"]
    assert len(flips) == 1 and len(flips[0].targets_copy()) == 9


def test_rounds_fold_into_a_repeat_block():
    code = RotatedSurfaceCode(distance=5)
    short = memory_circuit(code, rounds=3, basis="Z", noise=NoiseModel.si1000(0.001))
    long = memory_circuit(code, rounds=1000, basis="Z", noise=NoiseModel.si1000(0.001))
    assert len(long) == len(short)
    assert long.num_detectors == 12 + 24 * 999 + 12


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rounds": 0}, r"rounds=0 must be an integer >= 1"),
        ({"rounds": -2}, r"rounds=-2 must be an integer >= 1"),
        ({"rounds": 2.5}, r"rounds=2\.5 must be an integer >= 1"),
        ({"rounds": True}, r"rounds=True must be an integer >= 1"),
        ({"basis": "Y"}, r"basis='Y' must be 'X' or 'Z'"),
        ({"basis": "z"}, r"basis='z' must be 'X' or 'Z'"),
        ({"noise": 0.001}, r"noise=0\.001 must be a qec\.NoiseModel"),
        ({"code": "surface"}, r"code='surface' must be a code object"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs, message):
    arguments = {
        "code": RotatedSurfaceCode(distance=3),
        "rounds": 3,
        "basis": "Z",
        "noise": NoiseModel.sd6(0.001),
    } | kwargs
    code = arguments.pop("code")
    with pytest.raises(ValueError, match=message):
        memory_circuit(code, **arguments)


def test_repetition_code_x_basis_explains_why():
    with pytest.raises(ValueError, match=r"basis='X' is not supported by RepetitionCode: it "
                                         r"protects only against bit flips"):
        memory_circuit(RepetitionCode(distance=3), rounds=3, basis="X", noise=NoiseModel.sd6(0.01))
