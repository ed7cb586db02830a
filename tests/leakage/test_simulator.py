"""The leakage sampler: leakage off equals stim, deterministic removal, heralds, populations."""

import math
import random

import numpy as np
import pytest
import stim

import qec
from qec.analysis import binomial_interval
from qec.codes import RepetitionCode, RotatedSurfaceCode
from qec.leakage import compile_leakage_circuit, sample_leakage
from qec.noise import NoiseModel


def _population(text: str, shots: int = 256) -> np.ndarray:
    return sample_leakage(stim.Circuit(text), shots=shots, seed=1).leakage_population


# ------------------------------------------------------------------- leakage off = stim


@pytest.mark.parametrize("noise", [NoiseModel.si1000(0.004), NoiseModel.sd6(0.004)])
def test_detectors_equal_stims_own_for_the_same_randomness(noise):
    # Without leakage the sampler hands stim the same instructions; the detectors it computes
    # from the measurement record must equal the ones stim's FlipSimulator computes itself.
    circuit = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=4, basis="X", noise=noise)
    compiled = compile_leakage_circuit(circuit)
    ours = stim.FlipSimulator(batch_size=512, seed=7)
    dets, obs, heralds, counts = compiled.run_batch(ours, shots=512)
    theirs = stim.FlipSimulator(batch_size=512, seed=7)
    theirs.do(circuit)
    assert np.array_equal(np.ascontiguousarray(theirs.get_detector_flips(bit_packed=True))
                          .view(np.uint64), dets)
    assert np.array_equal(np.ascontiguousarray(theirs.get_observable_flips(bit_packed=True))
                          .view(np.uint64), obs)
    assert not heralds.any() and counts.shape == (0, circuit.num_qubits)


def _agree(errors_a: int, errors_b: int, shots: int) -> bool:
    a = binomial_interval(errors=errors_a, shots=shots, confidence=0.999)
    b = binomial_interval(errors=errors_b, shots=shots, confidence=0.999)
    return a.low <= b.high and b.low <= a.high


@pytest.mark.parametrize("code", [RotatedSurfaceCode(distance=3), RepetitionCode(distance=5)])
def test_leakage_off_agrees_with_stims_sampler(code):
    shots = 40_000
    circuit = qec.memory_circuit(code, rounds=5, basis="Z", noise=NoiseModel.si1000(0.006))
    ours = sample_leakage(circuit, shots=shots, seed=3)
    dets, obs = circuit.compile_detector_sampler(seed=4).sample(shots, separate_observables=True)
    ours_counts = ours.detection_events.sum(axis=0)
    for a, b in zip(ours_counts.tolist(), dets.sum(axis=0).tolist(), strict=True):
        assert _agree(a, b, shots)
    assert _agree(int(ours.observable_flips.sum()), int(obs.sum()), shots)
    # and the same for a circuit with leakage tags but zero leakage
    tagged = qec.memory_circuit(code, rounds=5, basis="Z", leakage_removal="mlr",
                                noise=NoiseModel.si1000(0.006).with_leakage(leakage_per_gate=0))
    zero = sample_leakage(tagged, shots=shots, seed=5)
    assert not zero.heralds.any() and not zero.leaked_counts.any()
    for a, b in zip(zero.detection_events.sum(axis=0).tolist(), ours_counts.tolist(), strict=True):
        assert _agree(a, b, shots)


# ---------------------------------------------------------- deterministic removal cases


def test_plain_reset_keeps_leakage_and_mlr_removes_it():
    population = _population("""
        R 0 1 2
        I_ERROR[leak](1) 0 1
        I_ERROR[leak-population]
        R 0
        R[leak-mlr] 1
        I_ERROR[leak-population]
    """)
    assert population.tolist() == [[1, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize(("reset", "after"), [("mlr", 0), ("plain", 1)])
def test_measure_and_reset(reset, after):
    population = _population(f"""
        R 0
        I_ERROR[leak](1) 0
        MR[leak-measure:readout=random,reset={reset}] 0
        I_ERROR[leak-population]
    """)
    assert population.tolist() == [[after]]


def test_leakage_iswap_moves_data_leakage_onto_the_measure_qubit():
    population = _population("""
        R 0 1 2 3
        I_ERROR[leak](1) 0 2 3
        II[leak-iswap] 0 1 2 3
        I_ERROR[leak-population]
        R[leak-mlr] 1 3
        I_ERROR[leak-population]
    """)
    # pair (0, 1): moved; pair (2, 3): the measure qubit was already leaked, nothing moves
    assert population.tolist() == [[0, 1, 1, 1], [0, 0, 1, 0]]


def test_rates_zero_and_one_and_transport():
    population = _population("""
        R 0 1 2 3
        I_ERROR[leak](0) 0
        I_ERROR[leak](1) 2
        CZ[leak-gate:partner=random-pauli,transport=1] 2 3
        I_ERROR[leak-population]
        I_ERROR[leak-seepage](1) 3
        I_ERROR[leak-population]
    """)
    assert population.tolist() == [[0, 0, 0, 1], [0, 0, 0, 0]]


def _memory_with_leaked_start(removal: str, leaked: str) -> tuple[np.ndarray, object]:
    code = RotatedSurfaceCode(distance=3)
    noise = NoiseModel.noiseless().with_leakage(leakage_per_gate=0, seepage_per_round=0)
    circuit = qec.memory_circuit(code, rounds=4, basis="Z", noise=noise, leakage_removal=removal)
    qubits = code.data_qubits if leaked == "data" else code.measure_qubits
    first_reset = next(i for i, inst in enumerate(circuit) if inst.name == "R")
    circuit.insert(first_reset + 1, stim.CircuitInstruction(
        "I_ERROR", list(qubits), [1.0], tag="leak"))
    population = sample_leakage(circuit, shots=256, seed=2).leakage_population
    return population, code


@pytest.mark.parametrize(
    ("removal", "leaked", "data_rows", "measure_rows"),
    [
        # all data qubits leaked at the start: only DQLR removes them, two steps for all nine
        ("none", "data", [9, 9, 9, 9], [0, 0, 0, 0]),
        ("mlr", "data", [9, 9, 9, 9], [0, 0, 0, 0]),
        ("dqlr", "data", [9, 1, 0, 0], [0, 0, 0, 0]),
        # all measure qubits leaked at the start: MLR after the first measurement removes them
        ("none", "measure", [0, 0, 0, 0], [8, 8, 8, 8]),
        ("mlr", "measure", [0, 0, 0, 0], [8, 0, 0, 0]),
        ("dqlr", "measure", [0, 0, 0, 0], [8, 0, 0, 0]),
    ],
)
def test_memory_circuit_removal_strategies(removal, leaked, data_rows, measure_rows):
    population, code = _memory_with_leaked_start(removal, leaked)
    assert population[:, list(code.data_qubits)].sum(axis=1).tolist() == data_rows
    assert population[:, list(code.measure_qubits)].sum(axis=1).tolist() == measure_rows


# ---------------------------------------------------------------------------- readout


@pytest.mark.parametrize(("readout", "ones", "heralded"),
                         [("herald", None, True), ("random", None, False), ("one", 1.0, False)])
def test_readout_of_a_leaked_qubit(readout, ones, heralded):
    shots = 4000
    samples = sample_leakage(stim.Circuit(f"""
        R 0 1 2
        X 2
        I_ERROR[leak](1) 0 2
        M[leak-measure:readout={readout}] 0 1 2
        DETECTOR rec[-3]
        DETECTOR rec[-2]
        DETECTOR rec[-1]
    """), shots=shots, seed=9)
    # reference results are 0, 0, 1: the detectors are the flips of each result
    heralds = samples.heralds
    assert heralds[:, 1].sum() == 0
    assert bool(heralds[:, 0].all()) is heralded and bool(heralds[:, 2].all()) is heralded
    assert samples.detection_events[:, 1].sum() == 0
    if ones is None:
        for column in (0, 2):
            interval = binomial_interval(errors=int(samples.detection_events[:, column].sum()),
                                         shots=shots, confidence=0.999)
            assert interval.low < 0.5 < interval.high
    else:  # always reads 1: qubit 0 flips (reference 0), qubit 2 does not (reference 1)
        assert samples.detection_events[:, 0].all() and not samples.detection_events[:, 2].any()


def test_heralds_appear_where_leakage_was_read():
    code = RotatedSurfaceCode(distance=3)
    noise = NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=0.01, seepage_per_round=0)
    circuit = qec.memory_circuit(code, rounds=3, basis="Z", noise=noise, leakage_removal="mlr")
    samples = sample_leakage(circuit, shots=3000, seed=4)
    heralds = samples.heralds
    assert heralds.shape == (3000, circuit.num_measurements)
    per_round = heralds[:, : 3 * 8].reshape(3000, 3, 8)
    # the population record just before each measurement layer counts the same shots
    leaked = samples.leaked_counts[:, list(code.measure_qubits)]
    assert per_round.sum(axis=0).tolist() == leaked.tolist()
    assert heralds[:, 24:].sum() > 0  # final data readout heralds leaked data qubits


def test_partner_of_a_leaked_qubit_is_dephased():
    shots = 4000
    samples = sample_leakage(stim.Circuit("""
        RX 0 1
        I_ERROR[leak](1) 0
        CZ[leak-gate:partner=random-z,transport=0] 0 1
        MX 1
        DETECTOR rec[-1]
    """), shots=shots, seed=8)
    interval = binomial_interval(errors=int(samples.detection_events.sum()), shots=shots,
                                 confidence=0.999)
    assert interval.low < 0.5 < interval.high


# ------------------------------------------------------- independent per-shot reference


def _reference_population(circuit: stim.Circuit, *, shots: int, seed: int) -> np.ndarray:
    """A plain-Python, one-shot-at-a-time leakage tracker: the bookkeeping only."""
    rng = random.Random(seed)
    instructions = list(circuit.flattened())
    counts = []
    for _ in range(shots):
        leaked: set[int] = set()
        record = []
        for inst in instructions:
            tag, name = inst.tag, inst.name
            qubits = [t.value for t in inst.targets_copy() if t.is_qubit_target]
            args = inst.gate_args_copy()
            if name == "I_ERROR" and tag == "leak":
                leaked.update(q for q in qubits if q not in leaked and rng.random() < args[0])
            elif name == "I_ERROR" and tag == "leak-seepage":
                leaked.difference_update([q for q in qubits if q in leaked
                                          and rng.random() < args[0]])
            elif name == "I_ERROR" and tag == "leak-population":
                record.append(sorted(leaked))
            elif tag.startswith("leak-gate"):
                transport = float(tag.split("transport=")[1])
                for a, b in zip(qubits[0::2], qubits[1::2], strict=True):
                    if (a in leaked) != (b in leaked) and rng.random() < transport:
                        leaked.symmetric_difference_update((a, b))
            elif tag == "leak-iswap":
                for d, m in zip(qubits[0::2], qubits[1::2], strict=True):
                    if d in leaked and m not in leaked:
                        leaked.symmetric_difference_update((d, m))
            elif tag == "leak-mlr" or "reset=mlr" in tag:
                leaked.difference_update(qubits)
        counts.append(record)
    population = np.zeros((len(counts[0]), circuit.num_qubits))
    for record in counts:
        for r, qubits in enumerate(record):
            population[r, qubits] += 1
    return population / shots


@pytest.mark.parametrize("removal", ["none", "dqlr"])
def test_population_matches_a_per_shot_reference(removal):
    code = RepetitionCode(distance=3)
    noise = NoiseModel.sd6(0.01).with_leakage(leakage_per_gate=0.05, seepage_per_round=0.2,
                                              transport=0.3)
    circuit = qec.memory_circuit(code, rounds=4, basis="Z", noise=noise, leakage_removal=removal)
    n_ref, n_ours = 2000, 20000
    reference = _reference_population(circuit, shots=n_ref, seed=1)
    ours = sample_leakage(circuit, shots=n_ours, seed=1).leakage_population
    assert ours.shape == reference.shape == (4, code.num_qubits)
    assert reference.max() > 0.1  # the comparison is not between zeros
    for p_ref, p_ours in zip(reference.ravel(), ours.ravel(), strict=True):
        pooled = (p_ref * n_ref + p_ours * n_ours) / (n_ref + n_ours)
        sigma = math.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_ours))
        assert abs(p_ref - p_ours) <= 4.5 * sigma + 1e-12


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CZ[leak-gate:partner=bogus,transport=0] 0 1", r"partner='bogus' must be one of"),
        ("CZ[leak-gate:partner=random-z,transport=2] 0 1", r"transport=2\.0 must be a prob"),
        ("M[leak-measure:readout=three] 0", r"readout='three' must be one of herald, random"),
        ("MR[leak-measure:readout=one,reset=soft] 0", r"reset='soft' must be one of mlr, plain"),
        ("I_ERROR[leak](0.1, 0.2) 0", r"I_ERROR\[leak\] needs one probability argument"),
        ("M 0\nI_ERROR[leak](0.1) 0\nCX rec[-1] 1", r"measurement- or sweep-controlled gates"),
        ("I_ERROR[leak](0.1) 0\nH[leak-mlr] 0", r"only a reset \(R, RX, RY\) can be multi-level"),
    ],
)
def test_bad_leakage_instructions(text, message):
    with pytest.raises(ValueError, match=message):
        sample_leakage(stim.Circuit(text), shots=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"shots": 0}, r"shots=0 must be a positive integer"),
     ({"shots": 10, "batch_size": 0}, r"batch_size=0 must be a positive integer")],
)
def test_bad_sampling_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_leakage(stim.Circuit("M 0\nDETECTOR rec[-1]"), **kwargs)
