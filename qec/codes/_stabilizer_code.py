"""The common shape of a code: qubits with coordinates, scheduled stabilizers, logicals."""

from __future__ import annotations

import abc
import dataclasses
import functools
from collections.abc import Sequence
from typing import ClassVar

import stim

__all__ = ["Stabilizer", "StabilizerCode", "validate_distance"]

# (coordinates of every qubit, stabilizers, logical X support, logical Z support)
Layout = tuple[
    dict[int, tuple[int, int]], tuple["Stabilizer", ...], tuple[int, ...], tuple[int, ...]
]


def validate_distance(distance: object) -> int:
    """Returns ``distance`` if it is an integer of at least 2, else raises ``ValueError``.

    Examples:
        >>> validate_distance(5)
        5
        >>> validate_distance(2.5)
        Traceback (most recent call last):
            ...
        ValueError: distance=2.5 must be an integer >= 2
    """
    if isinstance(distance, bool) or not isinstance(distance, int) or distance < 2:
        raise ValueError(f"distance={distance!r} must be an integer >= 2")
    return distance


@dataclasses.dataclass(frozen=True)
class Stabilizer:
    """One stabilizer generator, measured through its own measure qubit.

    Attributes:
        basis: ``"X"`` or ``"Z"``: the Pauli the generator applies to each data qubit.
        measure_qubit: the index of the measure (ancilla) qubit.
        schedule: the data qubit the measure qubit interacts with in each two-qubit gate layer,
            in time order; ``None`` where it sits out that layer. Its non-None entries are the
            support of the generator.
    """

    basis: str
    measure_qubit: int
    schedule: tuple[int | None, ...]

    def __post_init__(self) -> None:
        if self.basis not in ("X", "Z"):
            raise ValueError(f"basis={self.basis!r} must be 'X' or 'Z'")

    @property
    def data_qubits(self) -> tuple[int, ...]:
        """The support of the generator, in schedule order."""
        return tuple(q for q in self.schedule if q is not None)


class StabilizerCode(abc.ABC):
    """Base class of the code families: a CSS code laid out on a plane with one measure qubit
    per stabilizer generator.

    Subclasses are frozen dataclasses with a ``distance`` field that implement
    :meth:`_build_layout`. Everything else (qubit lists, Pauli strings, verification) is
    derived here.
    """

    name: ClassVar[str] = ""
    distance: int
    supported_bases: ClassVar[tuple[str, ...]] = ("X", "Z")

    # ----------------------------------------------------------------- layout (subclasses)

    @abc.abstractmethod
    def _build_layout(self) -> Layout:
        """Returns the coordinates, stabilizers, logical X support and logical Z support."""

    @functools.cached_property
    def _layout(self) -> Layout:
        coords, stabilizers, logical_x, logical_z = self._build_layout()
        return coords, tuple(stabilizers), tuple(logical_x), tuple(logical_z)

    # ------------------------------------------------------------------------ qubits

    @property
    def qubit_coords(self) -> dict[int, tuple[int, int]]:
        """Map from qubit index to its 2D coordinate (a copy)."""
        return dict(self._layout[0])

    @property
    def stabilizers(self) -> tuple[Stabilizer, ...]:
        """All stabilizer generators, in the order their measure qubits are measured."""
        return self._layout[1]

    @property
    def x_stabilizers(self) -> tuple[Stabilizer, ...]:
        """The X-type generators."""
        return tuple(s for s in self.stabilizers if s.basis == "X")

    @property
    def z_stabilizers(self) -> tuple[Stabilizer, ...]:
        """The Z-type generators."""
        return tuple(s for s in self.stabilizers if s.basis == "Z")

    @property
    def measure_qubits(self) -> tuple[int, ...]:
        """Measure qubits, one per stabilizer, in measurement order."""
        return tuple(s.measure_qubit for s in self.stabilizers)

    @property
    def data_qubits(self) -> tuple[int, ...]:
        """Data qubits, sorted by index."""
        measure = set(self.measure_qubits)
        return tuple(sorted(q for q in self._layout[0] if q not in measure))

    @property
    def logical_x(self) -> tuple[int, ...]:
        """Data qubits on which the logical X operator applies X."""
        return self._layout[2]

    @property
    def logical_z(self) -> tuple[int, ...]:
        """Data qubits on which the logical Z operator applies Z."""
        return self._layout[3]

    def logical(self, basis: str) -> tuple[int, ...]:
        """The support of the logical operator of ``basis`` ("X" or "Z")."""
        if basis == "X":
            return self.logical_x
        if basis == "Z":
            return self.logical_z
        raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")

    @property
    def num_qubits(self) -> int:
        """Data plus measure qubits."""
        return len(self._layout[0])

    @property
    def num_layers(self) -> int:
        """Number of two-qubit gate layers in one round of stabilizer measurement."""
        return max((len(s.schedule) for s in self.stabilizers), default=0)

    @property
    def parameters(self) -> tuple[int, int, int]:
        """The code parameters [[n, k, d]] (k = 1 for these families)."""
        return (len(self.data_qubits), 1, self.distance)

    # ------------------------------------------------------------------- Pauli strings

    def _pauli_string(self, basis: str, qubits: Sequence[int]) -> stim.PauliString:
        pauli = stim.PauliString(max(self._layout[0]) + 1)
        for q in qubits:
            pauli[q] = basis
        return pauli

    def stabilizer_pauli_strings(self) -> list[stim.PauliString]:
        """The generators as ``stim.PauliString`` objects indexed by qubit number."""
        return [self._pauli_string(s.basis, s.data_qubits) for s in self.stabilizers]

    def logical_pauli_string(self, basis: str) -> stim.PauliString:
        """The logical operator of ``basis`` as a ``stim.PauliString``."""
        return self._pauli_string(basis, self.logical(basis))

    # ------------------------------------------------------------------------ checks

    def verify(self, *, circuit_distance: bool = False) -> None:
        """Checks that this is a valid code with a valid measurement schedule.

        Checks: stabilizers commute pairwise and are independent; both logicals commute with
        every stabilizer and anticommute with each other; no qubit is used twice in one gate
        layer; with ``circuit_distance``, the graphlike distance of a noisy memory circuit
        (stim-generated noise, ``distance`` rounds, each supported basis) equals ``distance``.

        Args:
            circuit_distance: also build circuits and check their graphlike distance.

        Raises:
            ValueError: naming the first check that fails.
        """
        stabilizers = self.stabilizer_pauli_strings()
        for i, a in enumerate(stabilizers):
            for j in range(i + 1, len(stabilizers)):
                if not a.commutes(stabilizers[j]):
                    raise ValueError(
                        f"{self!r}: stabilizers {i} ({self.stabilizers[i].basis} on "
                        f"{self.stabilizers[i].data_qubits}) and {j} do not commute"
                    )
        logical_x = self.logical_pauli_string("X")
        logical_z = self.logical_pauli_string("Z")
        for name, logical in (("logical X", logical_x), ("logical Z", logical_z)):
            for i, s in enumerate(stabilizers):
                if not logical.commutes(s):
                    raise ValueError(f"{self!r}: {name} anticommutes with stabilizer {i}")
        if logical_x.commutes(logical_z):
            raise ValueError(f"{self!r}: logical X and logical Z commute; they must anticommute")
        try:
            stim.Tableau.from_stabilizers(
                [*stabilizers, logical_z], allow_underconstrained=True, allow_redundant=False
            )
        except ValueError as exc:
            raise ValueError(f"{self!r}: stabilizers are not independent ({exc})") from None
        for layer in range(self.num_layers):
            used: set[int] = set()
            for s in self.stabilizers:
                partner = s.schedule[layer] if layer < len(s.schedule) else None
                if partner is None:
                    continue
                for q in (s.measure_qubit, partner):
                    if q in used:
                        raise ValueError(f"{self!r}: qubit {q} is used twice in gate layer {layer}")
                    used.add(q)
        if circuit_distance:
            from qec.circuits import memory_circuit
            from qec.noise import NoiseModel

            for basis in self.supported_bases:
                circuit = memory_circuit(
                    self, rounds=self.distance, basis=basis, noise=NoiseModel.stim_generated(1e-3)
                )
                found = len(circuit.shortest_graphlike_error())
                if found != self.distance:
                    raise ValueError(
                        f"{self!r}: basis {basis} memory circuit has graphlike distance {found}, "
                        f"not {self.distance}"
                    )
