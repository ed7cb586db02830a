"""Code and circuit distances by integer programming."""

import numpy as np
import pytest
import stim

import qec
from qec.circuits import circuit_distance_bound
from qec.codes import CSSCode, RotatedSurfaceCode, min_weight_odd_solution


@pytest.mark.parametrize(("code", "distance"), [
    (CSSCode.steane(), 3), (CSSCode.toric(distance=4), 4), (RotatedSurfaceCode(distance=5), 5),
    (CSSCode.four_two_two(), 2),
])
def test_distance_bound_proves_known_distances(code, distance):
    bound = code.distance_bound(time_limit=30)
    assert bound.proven and bound.weight == bound.lower == distance
    # The support found is a logical operator: it commutes with every check of the other kind.
    vector = np.zeros(len(code.data_qubits), dtype=np.int64)
    position = {q: i for i, q in enumerate(code.data_qubits)}
    vector[[position[q] for q in bound.support]] = 1
    x_ok = not ((code.z_check_matrix @ vector) % 2).any()
    z_ok = not ((code.x_check_matrix @ vector) % 2).any()
    assert x_ok or z_ok


def test_min_weight_odd_solution_rejects_what_has_no_solution():
    checks = np.array([[1, 1, 0], [0, 1, 1]])
    with pytest.raises(ValueError, match="no solution"):
        min_weight_odd_solution(checks, np.array([1, 1, 0]))  # every codeword is even on it
    with pytest.raises(ValueError, match="target has 2 entries for 3 columns"):
        min_weight_odd_solution(checks, np.array([1, 0]))
    with pytest.raises(ValueError, match="time_limit=0 must be a number in"):
        min_weight_odd_solution(checks, np.array([1, 0, 0]), time_limit=0)


@pytest.mark.parametrize("basis", ["X", "Z"])
def test_circuit_distance_bound_matches_the_graphlike_distance(basis):
    # d = 5 takes the solver about 50 s to prove; d = 3 a fraction of a second.
    distance = 3
    circuit = qec.memory_circuit(RotatedSurfaceCode(distance=distance), rounds=distance,
                                 basis=basis, noise=qec.NoiseModel.sd6(0.001))
    bound = circuit_distance_bound(circuit, time_limit=60)
    assert bound.proven and bound.weight == len(circuit.shortest_graphlike_error()) == distance


def test_circuit_distance_bound_rejects_bad_input():
    with pytest.raises(ValueError, match="circuit has no observable"):
        circuit_distance_bound(stim.Circuit("X_ERROR(0.1) 0\nM 0\nDETECTOR rec[-1]"))
    circuit = qec.memory_circuit(RotatedSurfaceCode(distance=3), rounds=1, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.001))
    with pytest.raises(ValueError, match="observable 3 is out of range: the circuit has 1"):
        circuit_distance_bound(circuit, observables=[3])
