"""The triangular colour code and its superdense and bare-ancilla memory circuits."""

from __future__ import annotations

import json

import numpy as np
import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.circuits import circuit_distance_bound
from qec.cli import main
from qec.codes import ColorCode, RotatedSurfaceCode, code_from_name, code_from_spec
from qec.sampling import memory_task
from tests.cli.one_line import assert_one_line_error

NOISES = {
    "sd6": NoiseModel.sd6(0.001),
    "si1000": NoiseModel.si1000(0.001),
    "code-capacity": NoiseModel.code_capacity(0.05),
    "phenomenological": NoiseModel.phenomenological(0.01),
}


def _search(circuit: stim.Circuit) -> int:
    return len(circuit.search_for_undetectable_logical_errors(
        dont_explore_detection_event_sets_with_size_above=4,
        dont_explore_edges_with_degree_above=4,
        dont_explore_edges_increasing_symptom_degree=False,
        canonicalize_circuit_errors=True))


@pytest.mark.parametrize("d", [3, 5, 7, 9, 11, 21])
def test_parameters_weights_and_colours(d):
    code = ColorCode(distance=d)
    code.verify()
    assert code.parameters == ((3 * d * d + 1) // 4, 1, d)
    assert len(code.x_stabilizers) == len(code.z_stabilizers) == (3 * d * d - 3) // 8
    assert code.num_qubits == code.parameters[0] + 2 * len(code.x_stabilizers)
    for x, z in zip(code.x_stabilizers, code.z_stabilizers, strict=True):
        assert x.data_qubits == z.data_qubits  # the same plaquette
        assert code.color(x) == code.color(z)
    # Every data qubit lies in at most three plaquettes, all of different colours (verify), and
    # each colour covers the bulk evenly.
    counts = {c: sum(code.color(s) == c for s in code.x_stabilizers) for c in
              ("red", "green", "blue")}
    assert max(counts.values()) - min(counts.values()) <= d
    assert {len(code.logical_x), len(code.logical_z)} == {d}


@pytest.mark.parametrize("d", [3, 5, 7])
def test_code_distance_is_proven(d):
    bound = ColorCode(distance=d).distance_bound(time_limit=60)
    assert bound.proven and bound.weight == bound.lower == d


@pytest.mark.parametrize("bad", [1, 2, 4, 10, 2.5, "5", -3])
def test_bad_distances_are_rejected(bad):
    with pytest.raises(ValueError, match=r"distance="):
        ColorCode(distance=bad)


def test_even_distance_message():
    with pytest.raises(ValueError, match=r"distance=4 must be odd and at least 3 for the "
                                         r"triangular colour code"):
        ColorCode(distance=4)
    assert ColorCode(distance=np.int64(5)).distance == 5


def test_spec_names_and_aliases():
    assert code_from_spec("color:distance=7") == ColorCode(distance=7)
    assert code_from_name("colour", distance=5) == ColorCode(distance=5)
    assert eval(repr(ColorCode(distance=9))) == ColorCode(distance=9)


@pytest.mark.parametrize("noise", list(NOISES))
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("cycle", ["superdense", "standard"])
def test_circuits_are_deterministic_and_annotated_for_chromobius(noise, basis, cycle):
    code = ColorCode(distance=5)
    rounds = 4
    circuit = memory_circuit(code, rounds=rounds, basis=basis, noise=NOISES[noise], cycle=cycle)
    # Noiseless: no detection event and no observable flip, ever.
    dets, obs = circuit.without_noise().compile_detector_sampler(seed=1).sample(
        20, separate_observables=True)
    assert not dets.any() and not obs.any()
    checks = len(code.x_stabilizers)
    assert circuit.num_detectors == checks * (2 * rounds - 1 + 1)  # basis first + both + final
    assert circuit.num_observables == 1
    dem = circuit.detector_error_model()
    for coords in dem.get_detector_coordinates().values():
        assert len(coords) == 4 and coords[3] in (0, 1, 2, 3, 4, 5)
    first_round = [c for c in dem.get_detector_coordinates().values() if c[2] == 0]
    assert {int(c[3]) // 3 for c in first_round} == {0 if basis == "X" else 1}


@pytest.mark.parametrize("d", [3, 5])
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_superdense_circuit_distance_is_d(d, basis):
    circuit = memory_circuit(ColorCode(distance=d), rounds=3, basis=basis,
                             noise=NoiseModel.sd6(0.001))
    assert _search(circuit) == d


def test_superdense_distance_3_is_proven_and_the_bare_cycle_loses_distance():
    code = ColorCode(distance=3)
    for basis in "XZ":
        superdense = memory_circuit(code, rounds=3, basis=basis, noise=NoiseModel.sd6(0.001))
        bound = circuit_distance_bound(superdense, time_limit=60)
        assert bound.proven and bound.lower == 3
        bare = memory_circuit(code, rounds=3, basis=basis, noise=NoiseModel.sd6(0.001),
                              cycle="standard")
        bound = circuit_distance_bound(bare, time_limit=60)
        assert bound.proven and bound.lower == 2  # a hook error spreads to two data qubits


def test_superdense_round_shape():
    code = ColorCode(distance=3)
    circuit = memory_circuit(code, rounds=1, basis="Z", noise=NoiseModel.sd6(0.001))
    cx_layers = [op for op in circuit.flattened() if op.name == "CX"]
    assert len(cx_layers) == 8  # Bell pair, three gather layers, three spread layers, unpair
    si = memory_circuit(code, rounds=1, basis="Z", noise=NoiseModel.si1000(0.001))
    names = {op.name for op in si.flattened()}
    assert "CX" not in names and "CZ" in names and not names & {"RX", "MX", "MRX"}


def test_bad_cycles_and_models():
    with pytest.raises(ValueError, match=r"cycle='superdense' needs a code with a "
                                         r"superdense_schedule"):
        memory_circuit(RotatedSurfaceCode(distance=3), rounds=2, basis="Z",
                       noise=NoiseModel.sd6(0.001), cycle="superdense")
    with pytest.raises(ValueError, match=r"cycle='superdense' does not model leakage"):
        memory_circuit(ColorCode(distance=3), rounds=2, basis="Z",
                       noise=NoiseModel.si1000(0.001).with_leakage(leakage_per_gate=1e-3))
    with pytest.raises(ValueError, match=r"cycle='overlapped' needs X checks idle"):
        memory_circuit(ColorCode(distance=3), rounds=2, basis="Z",
                       noise=NoiseModel.sd6(0.001), cycle="overlapped")
    with pytest.raises(ValueError, match=r"basis='Y'"):
        memory_circuit(ColorCode(distance=3), rounds=2, basis="Y", noise=NoiseModel.sd6(0.001))


def test_memory_task_records_the_cycle():
    task = memory_task(code="color", distance=3, rounds=3, basis="X", noise="sd6", p=0.001,
                       decoder="chromobius")
    assert task.json_metadata["cycle"] == "superdense"
    assert task.json_metadata["code"] == "color"
    bare = memory_task(code="color", distance=3, rounds=3, basis="X", noise="sd6", p=0.001,
                       decoder="chromobius", cycle="standard")
    assert "cycle" not in bare.json_metadata
    assert bare.circuit != task.circuit


def test_command_line_threshold_on_the_color_code(tmp_path, capsys):
    argv = ["threshold", "--code", "color", "--distances", "3,5", "--noise", "sd6", "--p",
            "0.002,0.004", "--decoder", "chromobius", "--max-shots", "1000", "--max-errors",
            "30", "--workers", "1", "--seed", "5", "--out", str(tmp_path), "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {t["code"] for t in summary["tasks"]} == {"color"}
    assert all(t["errors"] > 0 for t in summary["tasks"])
    assert_one_line_error(capsys, [*argv[:-1], "--decoder", "pymatching", "--db",
                                   str(tmp_path / "m.db")],
                          "does not decode a colour code")
    assert_one_line_error(capsys, ["circuit", "--code", "color", "--distance", "4", "--rounds",
                                   "2", "--noise", "sd6", "--p", "0.001"],
                          "distance=4 must be odd and at least 3")


def test_basis_detectors_only():
    code = ColorCode(distance=5)
    full = memory_circuit(code, rounds=3, basis="Z", noise=NoiseModel.sd6(0.001))
    basis = memory_circuit(code, rounds=3, basis="Z", noise=NoiseModel.sd6(0.001),
                           detectors="basis")
    checks = len(code.z_stabilizers)
    assert full.num_detectors - basis.num_detectors == 2 * checks  # rounds 2 and 3, X checks
    dets, obs = basis.without_noise().compile_detector_sampler(seed=2).sample(
        10, separate_observables=True)
    assert not dets.any() and not obs.any()
    assert _search(basis) == 5
