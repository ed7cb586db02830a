"""The unrotated (planar) surface code on a (2d - 1) x (2d - 1) grid."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from qec.codes._stabilizer_code import Layout, Stabilizer, StabilizerCode, validate_distance

__all__ = ["UnrotatedSurfaceCode"]

# Offsets (data - measure) in gate-layer order, for both stabilizer types: the order of stim's
# generator. A hook error (a fault on the measure qubit after two gates) lands on the last two
# data qubits, which are diagonal neighbours and so never shorten a logical operator.
_ORDER: tuple[tuple[int, int], ...] = ((1, 0), (0, 1), (0, -1), (-1, 0))


@dataclasses.dataclass(frozen=True)
class UnrotatedSurfaceCode(StabilizerCode):
    """The distance-d unrotated (planar) surface code: d^2 + (d-1)^2 data qubits.

    Qubits sit on the points ``(x, y)`` of a (2d - 1) x (2d - 1) grid, as in
    ``stim.Circuit.generated("surface_code:unrotated_memory_z", ...)``: data qubits where
    ``x + y`` is even, measure qubits where it is odd, X-type at odd ``x`` and Z-type at odd
    ``y``. Data qubits take the first indices and measure qubits the next ones, each sorted by
    (y, x). X-type boundaries (weight-3 X checks) are the top and bottom rows, Z-type boundaries
    the left and right columns. Logical X is X on the left column (``x = 0``), logical Z is Z on
    the bottom row (``y = 0``). It needs about twice the qubits of the rotated code for the same
    distance; it is the layout of the textbook planar code and of many older papers.

    Args:
        distance: an integer >= 2.

    Raises:
        ValueError: if distance is not an integer >= 2.

    Examples:
        >>> code = UnrotatedSurfaceCode(distance=3)
        >>> code.parameters, len(code.x_stabilizers), len(code.z_stabilizers)
        ((13, 1, 3), 6, 6)
        >>> [code.qubit_coords[q] for q in code.logical_z]
        [(0, 0), (2, 0), (4, 0)]
        >>> code.verify()
    """

    name: ClassVar[str] = "unrotated-surface"
    distance: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "distance", validate_distance(self.distance))

    def _build_layout(self) -> Layout:
        size = 2 * self.distance - 1
        points = [(x, y) for y in range(size) for x in range(size)]
        data = [p for p in points if sum(p) % 2 == 0]
        measure = [p for p in points if sum(p) % 2 == 1]
        coords = dict(enumerate(data + measure))
        index_of = {point: q for q, point in coords.items()}
        stabilizers = []
        for (x, y) in measure:
            # Every grid neighbour of a measure qubit is a data qubit; off the grid is None.
            schedule = tuple(index_of.get((x + dx, y + dy)) for dx, dy in _ORDER)
            stabilizers.append(Stabilizer(basis="X" if x % 2 == 1 else "Z",
                                          measure_qubit=index_of[(x, y)], schedule=schedule))
        logical_x = tuple(index_of[(0, y)] for y in range(0, size, 2))
        logical_z = tuple(index_of[(x, 0)] for x in range(0, size, 2))
        return coords, tuple(stabilizers), logical_x, logical_z
