"""The common shape of a code: qubits with coordinates, scheduled stabilizers, logicals."""

from __future__ import annotations

import abc
import dataclasses
import functools
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import stim

from qec._validate import int_at_least
from qec.codes import _gf2
from qec.codes._distance import WeightBound, min_weight_odd_solution

__all__ = ["Stabilizer", "StabilizerCode", "validate_distance"]

# (coordinates of every qubit, stabilizers, logical X supports, logical Z supports). A code with
# one logical qubit may give its two supports as plain tuples of qubits; with k logical qubits,
# as k-tuples of supports, paired in order.
Layout = tuple[
    dict[int, tuple[float, ...]], Sequence["Stabilizer"], Sequence[Any], Sequence[Any]
]

# Largest code distance a family builds (a distance-1000 rotated surface code has 2 million
# qubits; larger ones exhaust memory before any useful work).
MAX_DISTANCE = 1000


def validate_distance(distance: object) -> int:
    """Returns ``distance`` as an int if it is an integer from 2 to :data:`MAX_DISTANCE`.

    Numpy integers are accepted.

    Examples:
        >>> validate_distance(5)
        5
        >>> validate_distance(2.5)
        Traceback (most recent call last):
            ...
        ValueError: distance=2.5 must be an integer >= 2
        >>> validate_distance(10**6)
        Traceback (most recent call last):
            ...
        ValueError: distance=1000000 must be at most 1000 (the circuit would not fit in memory)
    """
    value = int_at_least("distance", distance, 2)
    if value > MAX_DISTANCE:
        raise ValueError(f"distance={value} must be at most {MAX_DISTANCE} (the circuit would "
                         "not fit in memory)")
    return value


def _supports(value: Sequence[Any]) -> tuple[tuple[int, ...], ...]:
    """Logical supports as a tuple of tuples (one plain tuple of qubits means k = 1)."""
    items = tuple(value)
    if all(isinstance(q, (int, np.integer)) for q in items):
        return (tuple(int(q) for q in items),)
    return tuple(tuple(int(q) for q in support) for support in items)


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
    """Base class of the code families: a CSS code with one measure qubit per stabilizer
    generator, and k logical qubits.

    Subclasses are frozen dataclasses that implement :meth:`_build_layout`; everything else
    (qubit lists, check matrices, logical operators, parameters, verification) is derived here.
    A subclass may override :meth:`detector_annotations` to add coordinates to its detectors
    (for example the colour a colour-code decoder needs).
    """

    name: ClassVar[str] = ""
    distance: int | None
    supported_bases: ClassVar[tuple[str, ...]] = ("X", "Z")
    default_cycle: ClassVar[str] = "standard"
    """The syndrome cycle :func:`qec.memory_circuit` builds unless told otherwise."""
    default_detectors: ClassVar[str] = "all"
    """The detectors :func:`qec.memory_circuit` declares unless told otherwise."""
    independent_checks: ClassVar[bool] = True
    """Whether the generators must be independent (False for codes with redundant checks,
    such as the toric code, whose checks multiply to the identity)."""

    # ----------------------------------------------------------------- layout (subclasses)

    @abc.abstractmethod
    def _build_layout(self) -> Layout:
        """Returns the coordinates, stabilizers, logical X supports and logical Z supports."""

    @functools.cached_property
    def _layout(self) -> tuple[dict[int, tuple[float, ...]], tuple[Stabilizer, ...],
                               tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        coords, stabilizers, logical_x, logical_z = self._build_layout()
        return coords, tuple(stabilizers), _supports(logical_x), _supports(logical_z)

    def detector_annotations(self, stabilizer: Stabilizer) -> tuple[float, ...]:
        """Extra detector coordinates of a stabilizer, written after ``(x, y, t)``.

        The default is none. A code whose decoder needs more (Chromobius reads a fourth
        coordinate: the colour and basis of the plaquette) overrides this.
        """
        return ()

    # ------------------------------------------------------------------------ qubits

    @property
    def qubit_coords(self) -> dict[int, tuple[float, ...]]:
        """Map from qubit index to its coordinate (a copy)."""
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

    # ------------------------------------------------------------------------ logicals

    @property
    def num_logical_qubits(self) -> int:
        """k: the number of logical qubits (pairs of logical operators)."""
        return len(self._layout[2])

    @property
    def logical_xs(self) -> tuple[tuple[int, ...], ...]:
        """The supports of the k logical X operators; X_i anticommutes with Z_j iff i = j."""
        return self._layout[2]

    @property
    def logical_zs(self) -> tuple[tuple[int, ...], ...]:
        """The supports of the k logical Z operators, paired with :attr:`logical_xs`."""
        return self._layout[3]

    def _single(self, supports: tuple[tuple[int, ...], ...], name: str) -> tuple[int, ...]:
        if len(supports) != 1:
            raise ValueError(f"{self!r} has k={len(supports)} logical qubits; use {name}s "
                             f"(one support per logical qubit) instead of {name}")
        return supports[0]

    @property
    def logical_x(self) -> tuple[int, ...]:
        """Data qubits on which the logical X operator applies X (codes with k = 1).

        Raises:
            ValueError: the code has more than one logical qubit (use :attr:`logical_xs`).
        """
        return self._single(self.logical_xs, "logical_x")

    @property
    def logical_z(self) -> tuple[int, ...]:
        """Data qubits on which the logical Z operator applies Z (codes with k = 1).

        Raises:
            ValueError: the code has more than one logical qubit (use :attr:`logical_zs`).
        """
        return self._single(self.logical_zs, "logical_z")

    def logicals(self, basis: str) -> tuple[tuple[int, ...], ...]:
        """The supports of the k logical operators of ``basis`` ("X" or "Z")."""
        if basis == "X":
            return self.logical_xs
        if basis == "Z":
            return self.logical_zs
        raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")

    def logical(self, basis: str) -> tuple[int, ...]:
        """The support of the logical operator of ``basis`` (codes with k = 1)."""
        return self._single(self.logicals(basis), f"logical_{basis.lower()}")

    # ------------------------------------------------------------------------ matrices

    def check_matrix(self, basis: str) -> np.ndarray:
        """The check matrix of the ``basis`` stabilizers: ``uint8``, one row per generator (in
        :attr:`stabilizers` order), one column per data qubit (in :attr:`data_qubits` order)."""
        column = {q: i for i, q in enumerate(self.data_qubits)}
        rows = [s for s in self.stabilizers if s.basis == basis]
        matrix = np.zeros((len(rows), len(column)), dtype=np.uint8)
        for r, s in enumerate(rows):
            for q in s.data_qubits:
                matrix[r, column[q]] = 1
        return matrix

    @property
    def x_check_matrix(self) -> np.ndarray:
        """H_X (see :meth:`check_matrix`)."""
        return self.check_matrix("X")

    @property
    def z_check_matrix(self) -> np.ndarray:
        """H_Z (see :meth:`check_matrix`)."""
        return self.check_matrix("Z")

    def _logical_matrix(self, basis: str) -> np.ndarray:
        column = {q: i for i, q in enumerate(self.data_qubits)}
        supports = self.logicals(basis)
        matrix = np.zeros((len(supports), len(column)), dtype=np.uint8)
        for r, support in enumerate(supports):
            for q in support:
                matrix[r, column[q]] ^= 1
        return matrix

    @property
    def num_qubits(self) -> int:
        """Data plus measure qubits."""
        return len(self._layout[0])

    @property
    def num_layers(self) -> int:
        """Number of two-qubit gate layers in one round of stabilizer measurement."""
        return max((len(s.schedule) for s in self.stabilizers), default=0)

    @property
    def parameters(self) -> tuple[int, int, int | None]:
        """The code parameters [[n, k, d]], with n data qubits, k = n - rank(H_X) - rank(H_Z)
        computed from the check matrices, and the distance d (None where it is not known)."""
        n = len(self.data_qubits)
        k = n - _gf2.rank(self.x_check_matrix) - _gf2.rank(self.z_check_matrix)
        return (n, k, self.distance)

    # ------------------------------------------------------------------- Pauli strings

    def _pauli_string(self, basis: str, qubits: Sequence[int]) -> stim.PauliString:
        pauli = stim.PauliString(max(self._layout[0]) + 1)
        for q in qubits:
            pauli[q] = basis
        return pauli

    def stabilizer_pauli_strings(self) -> list[stim.PauliString]:
        """The generators as ``stim.PauliString`` objects indexed by qubit number."""
        return [self._pauli_string(s.basis, s.data_qubits) for s in self.stabilizers]

    def logical_pauli_string(self, basis: str, index: int = 0) -> stim.PauliString:
        """Logical operator ``index`` of ``basis`` as a ``stim.PauliString``."""
        return self._pauli_string(basis, self.logicals(basis)[index])

    # ------------------------------------------------------------------------ checks

    def distance_bound(self, *, time_limit: float = 60.0) -> WeightBound:
        """The code distance by integer programming, proven or bounded within a time limit.

        For each logical operator of each basis, the lightest operator of the other basis
        that anticommutes with it (:func:`min_weight_odd_solution`: it commutes with every
        check of its own kind's partner and is a nontrivial logical); the distance is the
        least of these. ``proven`` says whether every program finished, so that the weight is
        the distance rather than an upper bound on it.

        Args:
            time_limit: seconds for each integer program, positive.

        Returns:
            A :class:`~qec.codes.WeightBound` whose ``support`` is the lightest logical found.

        Examples:
            >>> from qec.codes import CSSCode
            >>> bound = CSSCode.steane().distance_bound()
            >>> bound.weight, bound.proven
            (3, True)
        """
        results = []
        for basis, checks in (("X", self.z_check_matrix), ("Z", self.x_check_matrix)):
            partner = "Z" if basis == "X" else "X"
            for i in range(self.num_logical_qubits):
                target = np.zeros(len(self.data_qubits), dtype=np.uint8)
                position = {q: j for j, q in enumerate(self.data_qubits)}
                target[[position[q] for q in self.logicals(partner)[i]]] = 1
                results.append(min_weight_odd_solution(checks, target, time_limit=time_limit))
        least = WeightBound.least(results)
        data = self.data_qubits
        return dataclasses.replace(least, support=tuple(data[j] for j in least.support))

    def verify(self) -> None:
        """Checks that this is a valid code with a valid measurement schedule.

        Checks: stabilizers commute pairwise (and are independent, for codes that require it);
        every logical commutes with every stabilizer; logical X_i anticommutes with logical
        Z_j exactly when i = j; the number of logical pairs is k = n - rank(H_X) - rank(H_Z);
        no qubit is used twice in one gate layer. The circuit-level check (that a noisy memory
        circuit has the design distance) is :func:`qec.circuits.check_circuit_distance`.

        Raises:
            ValueError: naming the first check that fails.
        """
        stabilizers = self.stabilizer_pauli_strings()
        hx, hz = self.x_check_matrix.astype(np.int64), self.z_check_matrix.astype(np.int64)
        clash = np.argwhere((hx @ hz.T) % 2)
        if clash.size:
            x_rows = [i for i, s in enumerate(self.stabilizers) if s.basis == "X"]
            z_rows = [i for i, s in enumerate(self.stabilizers) if s.basis == "Z"]
            i, j = sorted((x_rows[clash[0][0]], z_rows[clash[0][1]]))
            raise ValueError(
                f"{self!r}: stabilizers {i} ({self.stabilizers[i].basis} on "
                f"{self.stabilizers[i].data_qubits}) and {j} do not commute"
            )
        k = self.num_logical_qubits
        lx, lz = self._logical_matrix("X").astype(np.int64), self._logical_matrix("Z").astype(
            np.int64)
        for basis, logical, checks in (("X", lx, hz), ("Z", lz, hx)):
            bad = np.argwhere((logical @ checks.T) % 2)
            if bad.size:
                name = f"logical {basis}" if k == 1 else f"logical {basis}_{bad[0][0]}"
                rows = [i for i, s in enumerate(self.stabilizers) if s.basis != basis]
                raise ValueError(
                    f"{self!r}: {name} anticommutes with stabilizer {rows[bad[0][1]]}")
        pairing = (lx @ lz.T) % 2
        if not np.array_equal(pairing, np.eye(k, dtype=np.int64)):
            if k == 1:
                raise ValueError(
                    f"{self!r}: logical X and logical Z commute; they must anticommute")
            i, j = np.argwhere(pairing != np.eye(k, dtype=np.int64))[0]
            relation = "anticommute" if pairing[i, j] else "commute"
            raise ValueError(
                f"{self!r}: logical X_{i} and Z_{j} {relation}; X_i must anticommute with "
                "Z_j exactly when i = j")
        n, expected_k, _ = self.parameters
        if expected_k != k:
            raise ValueError(
                f"{self!r}: {k} logical pairs given, but n - rank(H_X) - rank(H_Z) = "
                f"{n} - {_gf2.rank(hx)} - {_gf2.rank(hz)} = {expected_k}")
        if self.independent_checks:
            try:
                stim.Tableau.from_stabilizers(
                    [*stabilizers, *(self.logical_pauli_string("Z", i) for i in range(k))],
                    allow_underconstrained=True, allow_redundant=False,
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
