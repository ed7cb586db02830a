"""The rotated surface code on a d x d grid of data qubits."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from qec.codes._stabilizer_code import Layout, Stabilizer, StabilizerCode, validate_distance

__all__ = ["RotatedSurfaceCode"]

# Offsets (data - measure) in gate-layer order. These "N" and "Z" shaped orders are the ones of
# stim's generator: hook errors (a fault on the measure qubit halfway through) spread along the
# direction in which they do not shorten the logical operators, so the circuit distance stays d.
_X_ORDER: tuple[tuple[int, int], ...] = ((1, 1), (-1, 1), (1, -1), (-1, -1))
_Z_ORDER: tuple[tuple[int, int], ...] = ((1, 1), (1, -1), (-1, 1), (-1, -1))


@dataclasses.dataclass(frozen=True)
class RotatedSurfaceCode(StabilizerCode):
    """The distance-d rotated surface code: d^2 data qubits, d^2 - 1 stabilizers.

    Coordinates are doubled so they are integers: data qubit (column c, row r) sits at
    ``(2c + 1, 2r + 1)`` with index ``r * d + c``; measure qubits sit at even coordinates
    ``(2i, 2j)`` and take the indices after the data qubits, sorted by (y, x). A plaquette is
    X-type when ``i + j`` is odd. X-type boundaries (weight-2 X checks) are the top and bottom
    rows, Z-type boundaries the left and right columns, as in ``stim.Circuit.generated``.
    Logical X is X on the left column, logical Z is Z on the bottom row.

    Args:
        distance: an integer >= 2 (odd distances are the usual choice).

    Raises:
        ValueError: if distance is not an integer >= 2.

    Examples:
        >>> code = RotatedSurfaceCode(distance=3)
        >>> len(code.data_qubits), len(code.x_stabilizers), len(code.z_stabilizers)
        (9, 4, 4)
        >>> code.logical_x, code.logical_z
        ((0, 3, 6), (0, 1, 2))
        >>> code.qubit_coords[4]
        (3, 3)
        >>> code.verify()
    """

    name: ClassVar[str] = "surface"
    distance: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "distance", validate_distance(self.distance))

    def _build_layout(self) -> Layout:
        d = self.distance
        coords: dict[int, tuple[int, int]] = {}
        index_of: dict[tuple[int, int], int] = {}
        for r in range(d):
            for c in range(d):
                q = r * d + c
                coords[q] = (2 * c + 1, 2 * r + 1)
                index_of[coords[q]] = q
        plaquettes = []
        for j in range(d + 1):
            for i in range(d + 1):
                basis = "X" if (i + j) % 2 == 1 else "Z"
                bulk = 1 <= i <= d - 1 and 1 <= j <= d - 1
                top_bottom = j in (0, d) and 1 <= i <= d - 1 and basis == "X"
                left_right = i in (0, d) and 1 <= j <= d - 1 and basis == "Z"
                if bulk or top_bottom or left_right:
                    plaquettes.append((2 * i, 2 * j, basis))
        stabilizers = []
        for k, (x, y, basis) in enumerate(plaquettes):
            m = d * d + k
            coords[m] = (x, y)
            order = _X_ORDER if basis == "X" else _Z_ORDER
            schedule = tuple(index_of.get((x + dx, y + dy)) for dx, dy in order)
            stabilizers.append(Stabilizer(basis=basis, measure_qubit=m, schedule=schedule))
        logical_x = tuple(r * d for r in range(d))
        logical_z = tuple(range(d))
        return coords, tuple(stabilizers), logical_x, logical_z
