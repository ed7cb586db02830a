"""Leakage parameters on the noise model, leakage circuits, and bad input."""

import dataclasses

import pytest
import stim

import qec
from qec.codes import RepetitionCode, RotatedSurfaceCode, Stabilizer, StabilizerCode
from qec.noise import LeakageModel, NoiseModel


def test_with_leakage_defaults_and_repr():
    noise = NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=2e-3)
    assert noise.leakage == LeakageModel(
        leakage_per_gate=2e-3, seepage_per_round=0.02, partner_error="random-pauli",
        transport=0.0, leaked_readout="herald", removal_error=0.001)
    assert noise.clifford_2q == NoiseModel.si1000(0.001).clifford_2q
    namespace = {"NoiseModel": NoiseModel, "LeakageModel": LeakageModel}
    assert eval(repr(noise), namespace) == noise
    assert hash(eval(repr(noise), namespace)) == hash(noise)
    assert not noise.is_noiseless
    assert NoiseModel.noiseless().with_leakage(leakage_per_gate=0.0).is_noiseless


def test_repr_without_leakage_is_unchanged():
    assert "leakage" not in repr(NoiseModel.sd6(0.001))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"leakage_per_gate": -0.1}, r"leakage_per_gate=-0\.1 must be a probability in \[0, 1\]"),
        ({"leakage_per_gate": 1.5}, r"leakage_per_gate=1\.5 must be a probability"),
        ({"leakage_per_gate": 0.1, "seepage_per_round": 2}, r"seepage_per_round=2 must be"),
        ({"leakage_per_gate": 0.1, "transport": -1.0}, r"transport=-1\.0 must be"),
        ({"leakage_per_gate": 0.1, "removal_error": 1.1}, r"removal_error=1\.1 must be"),
        ({"leakage_per_gate": "x"}, r"leakage_per_gate='x' must be a probability"),
        ({"leakage_per_gate": 0.1, "partner_error": "random-y"},
         r"partner_error='random-y' is not a known partner error; choose one of random-pauli"),
        ({"leakage_per_gate": 0.1, "leaked_readout": "2"},
         r"leaked_readout='2' is not a known readout model; choose one of herald, random, one"),
    ],
)
def test_bad_leakage_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NoiseModel.sd6(0.001).with_leakage(**kwargs)


def test_leakage_field_must_be_a_leakage_model():
    with pytest.raises(ValueError, match=r"leakage=0\.1 must be None or a qec\.noise\.Leak"):
        NoiseModel(leakage=0.1)


@dataclasses.dataclass(frozen=True)
class LonelyCode(StabilizerCode):
    """Two data qubits checked by one ZZ stabilizer, and a third that nothing touches."""

    distance: int = 2

    def _build_layout(self):
        coords = {0: (0, 0), 1: (2, 0), 2: (1, 0), 3: (4, 0)}
        return coords, (Stabilizer(basis="Z", measure_qubit=2, schedule=(0, 1)),), (0, 1, 3), (3,)


@dataclasses.dataclass(frozen=True)
class NoStabilizerCode(StabilizerCode):
    """One data qubit and no measure qubit at all."""

    distance: int = 2

    def _build_layout(self):
        return {0: (0, 0)}, (), (0,), (0,)


def _surface(**kwargs):
    noise = kwargs.pop("noise", NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=1e-3))
    return qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=4, basis="Z", noise=noise,
                              **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"leakage_removal": "reset"},
         r"leakage_removal='reset' is not a known strategy; choose one of none, mlr, dqlr"),
        ({"leakage_removal": "dqlr", "removal_period": 0},
         r"removal_period=0 must be an integer >= 1"),
        ({"leakage_removal": "dqlr", "removal_period": 1.5}, r"removal_period=1\.5 must be"),
        ({"leakage_removal": "dqlr", "removal_period": True}, r"removal_period=True must be"),
    ],
)
def test_bad_removal_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _surface(**kwargs)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (LonelyCode(), r"needs a measure qubit next to every data qubit, but data qubit 3"),
        (NoStabilizerCode(), r"data qubit 0 of NoStabilizerCode\(distance=2\) is in no "
                             r"stabilizer \(0 measure qubits\)"),
    ],
)
def test_dqlr_needs_measure_qubits(code, message):
    noise = NoiseModel.sd6(0.001).with_leakage(leakage_per_gate=1e-3)
    with pytest.raises(ValueError, match=message):
        qec.memory_circuit(code, rounds=2, basis="Z", noise=noise, leakage_removal="dqlr")


def test_no_leakage_means_the_plain_circuit():
    plain = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=4, basis="X",
                               noise=NoiseModel.sd6(0.001))
    explicit = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=4, basis="X",
                                  noise=NoiseModel.sd6(0.001), leakage_removal="none",
                                  removal_period=1)
    assert plain == explicit
    assert "[leak" not in str(plain)


@pytest.mark.parametrize("removal", ["none", "mlr"])
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("base", [NoiseModel.si1000(0.002), NoiseModel.sd6(0.002)])
def test_stim_sees_the_leakage_free_circuit(removal, basis, base):
    code = RotatedSurfaceCode(distance=3)
    plain = qec.memory_circuit(code, rounds=4, basis=basis, noise=base)
    leaky = qec.memory_circuit(code, rounds=4, basis=basis, leakage_removal=removal,
                               noise=base.with_leakage(leakage_per_gate=0.01, transport=0.1))
    assert "I_ERROR[leak](0.01)" in str(leaky)
    assert leaky.detector_error_model() == plain.detector_error_model()


@pytest.mark.parametrize("code", [RotatedSurfaceCode(distance=3), RotatedSurfaceCode(distance=5),
                                  RepetitionCode(distance=5)])
@pytest.mark.parametrize("period", [1, 2, 3])
def test_dqlr_circuits_keep_distance_and_determinism(code, period):
    rounds = 7
    noise = NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=1e-3)
    circuit = qec.memory_circuit(code, rounds=rounds, basis="Z", noise=noise,
                                 leakage_removal="dqlr", removal_period=period)
    plain = qec.memory_circuit(code, rounds=rounds, basis="Z", noise=NoiseModel.si1000(0.001))
    assert circuit.num_detectors == plain.num_detectors
    assert len(circuit.shortest_graphlike_error()) == code.distance
    noiseless = qec.memory_circuit(code, rounds=rounds, basis="Z", noise=NoiseModel.noiseless(),
                                   leakage_removal="dqlr", removal_period=period)
    assert not noiseless.compile_detector_sampler().sample(64, append_observables=True).any()
    flat = str(circuit.flattened())
    # Removal steps after rounds period-1, 2*period-1, ...; each covers all data but one.
    assert flat.count("II[leak-iswap]") == rounds // period
    assert flat.count("R[leak-mlr]") == rounds // period
    assert flat.count("MR[leak-measure:readout=herald,reset=mlr]") == rounds
    assert flat.count("I_ERROR[leak-population]") == rounds


def test_dqlr_pairings_alternate_and_cover_every_data_qubit():
    code = RotatedSurfaceCode(distance=3)
    circuit = _surface(leakage_removal="dqlr")
    steps = [inst for inst in circuit.flattened() if inst.tag == "leak-iswap"]
    covered = []
    for inst in steps:
        targets = [t.value for t in inst.targets_copy()]
        data, measure = targets[0::2], targets[1::2]
        assert set(data) <= set(code.data_qubits)
        assert set(measure) <= set(code.measure_qubits) and len(set(measure)) == len(measure)
        for d, m in zip(data, measure, strict=True):
            assert d in next(s.data_qubits for s in code.stabilizers if s.measure_qubit == m)
        covered.append(set(data))
    assert len(covered[0]) == len(code.data_qubits) - 1
    assert covered[0] | covered[1] == set(code.data_qubits)
    assert covered[0] == covered[2] and covered[1] == covered[3]


def test_removal_without_leakage_model_is_allowed():
    circuit = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                                 noise=NoiseModel.sd6(0.001), leakage_removal="dqlr")
    assert "I_ERROR[leak](" not in str(circuit)
    assert "DEPOLARIZE2(0.001) 0 9" in str(circuit)  # removal error = the 2q gate error
    stim.Circuit(str(circuit))  # round-trips through text
