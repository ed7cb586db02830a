"""The repetition code: a line of data qubits with ZZ checks between neighbours."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from qec.codes._stabilizer_code import Layout, Stabilizer, StabilizerCode, validate_distance

__all__ = ["RepetitionCode"]


@dataclasses.dataclass(frozen=True)
class RepetitionCode(StabilizerCode):
    """The distance-d bit-flip repetition code.

    Data qubit ``i`` sits at coordinate ``(2i, 0)`` with index ``2i``; the measure qubit of the
    check ``Z_{2i} Z_{2i+2}`` sits between them at ``(2i + 1, 0)``, index ``2i + 1``. Logical Z is
    Z on the last data qubit (as in stim's generator), logical X is X on every data qubit. It
    protects a Z-basis memory only, against bit flips.

    Args:
        distance: number of data qubits, an integer >= 2.

    Raises:
        ValueError: if distance is not an integer >= 2.

    Examples:
        >>> code = RepetitionCode(distance=3)
        >>> code.data_qubits, code.measure_qubits
        ((0, 2, 4), (1, 3))
        >>> [s.data_qubits for s in code.z_stabilizers]
        [(0, 2), (2, 4)]
        >>> code.verify()
        >>> eval(repr(code)) == code
        True
    """

    name: ClassVar[str] = "repetition"
    supported_bases: ClassVar[tuple[str, ...]] = ("Z",)
    distance: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "distance", validate_distance(self.distance))

    def _build_layout(self) -> Layout:
        d = self.distance
        coords = {q: (q, 0) for q in range(2 * d - 1)}
        stabilizers = [
            Stabilizer(basis="Z", measure_qubit=2 * i + 1, schedule=(2 * i, 2 * i + 2))
            for i in range(d - 1)
        ]
        return coords, tuple(stabilizers), tuple(range(0, 2 * d - 1, 2)), (2 * d - 2,)
