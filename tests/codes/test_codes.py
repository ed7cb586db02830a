import dataclasses
from typing import ClassVar

import pytest

from qec.circuits import check_circuit_distance
from qec.codes import (
    RepetitionCode,
    RotatedSurfaceCode,
    Stabilizer,
    StabilizerCode,
    UnrotatedSurfaceCode,
    code_from_name,
)

FAMILIES = [RepetitionCode, RotatedSurfaceCode, UnrotatedSurfaceCode]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("distance", [2, 3, 4, 5, 6, 7, 9, 11])
def test_codes_verify_across_sizes(family, distance):
    code = family(distance=distance)
    code.verify()
    n = len(code.data_qubits)
    assert code.parameters == (n, 1, distance)
    assert len(code.stabilizers) == n - 1
    assert len(set(code.qubit_coords.values())) == code.num_qubits
    assert set(code.data_qubits).isdisjoint(code.measure_qubits)
    assert sorted(code.data_qubits + code.measure_qubits) == sorted(code.qubit_coords)
    assert eval(repr(code)) == code


@pytest.mark.parametrize("distance", [3, 5, 7])
def test_surface_code_layout(distance):
    code = RotatedSurfaceCode(distance=distance)
    assert len(code.data_qubits) == distance**2
    assert len(code.x_stabilizers) == len(code.z_stabilizers) == (distance**2 - 1) // 2
    weights = sorted(len(s.data_qubits) for s in code.stabilizers)
    assert weights.count(2) == 2 * (distance - 1)
    assert weights.count(4) == (distance - 1) ** 2
    assert len(code.logical_x) == len(code.logical_z) == distance
    coords = code.qubit_coords
    assert all(x % 2 == 1 and y % 2 == 1 for x, y in (coords[q] for q in code.data_qubits))
    assert all(x % 2 == 0 and y % 2 == 0 for x, y in (coords[q] for q in code.measure_qubits))


@pytest.mark.parametrize("distance", [3, 5, 7])
def test_unrotated_surface_code_layout(distance):
    code = UnrotatedSurfaceCode(distance=distance)
    assert len(code.data_qubits) == distance**2 + (distance - 1) ** 2
    assert len(code.x_stabilizers) == len(code.z_stabilizers) == distance * (distance - 1)
    weights = sorted(len(s.data_qubits) for s in code.stabilizers)
    assert weights.count(3) == 4 * (distance - 1)
    assert weights.count(4) == 2 * (distance - 1) * (distance - 2)
    coords = code.qubit_coords
    assert all((x + y) % 2 == 0 for x, y in (coords[q] for q in code.data_qubits))
    assert all(coords[s.measure_qubit][0] % 2 == 1 for s in code.x_stabilizers)
    assert all(coords[s.measure_qubit][1] % 2 == 1 for s in code.z_stabilizers)
    assert {coords[q][0] for q in code.logical_x} == {0}
    assert {coords[q][1] for q in code.logical_z} == {0}
    assert len(code.logical_x) == len(code.logical_z) == distance


def test_repetition_code_layout():
    code = RepetitionCode(distance=5)
    assert code.x_stabilizers == ()
    assert [s.data_qubits for s in code.z_stabilizers] == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert code.logical_x == (0, 2, 4, 6, 8)
    assert code.supported_bases == ("Z",)


@pytest.mark.parametrize("distance", [3, 5])
@pytest.mark.parametrize("family", FAMILIES)
def test_verify_checks_circuit_distance(family, distance):
    check_circuit_distance(family(distance=distance))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    ("distance", "shown"), [(1, "1"), (0, "0"), (-3, "-3"), (2.5, "2.5"), ("five", "'five'"),
                            (True, "True"), (None, "None")]
)
def test_bad_distance_is_a_value_error_naming_the_value(family, distance, shown):
    with pytest.raises(ValueError, match=rf"distance={shown} must be an integer >= 2"):
        family(distance=distance)


def test_code_from_name():
    assert code_from_name("surface", distance=3) == RotatedSurfaceCode(distance=3)
    assert code_from_name("rotated_surface", distance=5) == RotatedSurfaceCode(distance=5)
    assert code_from_name("repetition", distance=3) == RepetitionCode(distance=3)
    assert code_from_name("unrotated_surface", distance=3) == UnrotatedSurfaceCode(distance=3)
    with pytest.raises(ValueError, match=r"code='hexagonal' is not a known code; choose one of"):
        code_from_name("hexagonal", distance=3)


@dataclasses.dataclass(frozen=True)
class _BrokenCode(StabilizerCode):
    """A repetition-like code with a wrong check (X on one end), for verify()'s error paths."""

    name: ClassVar[str] = "broken"
    distance: int
    fault: str

    def _build_layout(self):
        coords = {0: (0, 0), 1: (1, 0), 2: (2, 0), 3: (3, 0), 4: (4, 0)}
        stabilizers = [
            Stabilizer(basis="Z", measure_qubit=1, schedule=(0, 2)),
            Stabilizer(basis="Z", measure_qubit=3, schedule=(2, 4)),
        ]
        logical_x, logical_z = (0, 2, 4), (4,)
        if self.fault == "anticommuting":
            stabilizers.append(Stabilizer(basis="X", measure_qubit=5, schedule=(2, None)))
            coords[5] = (5, 0)
        elif self.fault == "logical":
            logical_x = (0, 2)
        elif self.fault == "redundant":
            stabilizers.append(Stabilizer(basis="Z", measure_qubit=5, schedule=(None, 0, 4)))
            coords[5] = (5, 0)
        elif self.fault == "schedule":
            stabilizers[1] = Stabilizer(basis="Z", measure_qubit=3, schedule=(2, 4))
            stabilizers[0] = Stabilizer(basis="Z", measure_qubit=1, schedule=(2, 0))
        return coords, stabilizers, logical_x, logical_z


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("anticommuting", r"stabilizers 0 .* and 2 do not commute"),
        ("logical", r"logical X anticommutes with stabilizer 1"),
        ("redundant", r"stabilizers are not independent"),
        ("schedule", r"qubit 2 is used twice in gate layer 0"),
    ],
)
def test_verify_reports_what_is_wrong(fault, message):
    with pytest.raises(ValueError, match=message):
        _BrokenCode(distance=3, fault=fault).verify()


def test_stabilizer_basis_is_validated():
    with pytest.raises(ValueError, match=r"basis='Y' must be 'X' or 'Z'"):
        Stabilizer(basis="Y", measure_qubit=0, schedule=(1,))
