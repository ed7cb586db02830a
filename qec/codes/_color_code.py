"""The triangular 6.6.6 colour code, with the plaquette colours a colour-code decoder needs."""

from __future__ import annotations

import dataclasses
import functools
import math
from fractions import Fraction
from typing import ClassVar, NamedTuple

from qec.codes._stabilizer_code import Layout, Stabilizer, StabilizerCode, validate_distance

__all__ = ["COLORS", "ColorCode", "SuperdensePlaquette"]

COLORS: tuple[str, ...] = ("red", "green", "blue")
"""Plaquette colours, in the order of Chromobius's fourth detector coordinate (0, 1, 2 for X
checks; 3, 4, 5 for Z checks)."""

# The plaquettes are hexagons of the honeycomb whose centres form the triangular lattice of
# points (i, j) (axial coordinates: Cartesian (i + j/2, j sqrt(3)/2)). Data qubits sit at the
# honeycomb vertices, the centres of the lattice's triangles: up-triangles ("u", i, j) with
# corners (i, j), (i+1, j), (i, j+1) and down-triangles ("d", i, j) with corners (i+1, j),
# (i, j+1), (i+1, j+1). The six vertices of the hexagon at (i, j), as offsets, at the angles
# 30, -30, -90, 210, 150 and 90 degrees from its centre:
_CORNERS: tuple[tuple[str, int, int], ...] = (
    ("u", 0, 0), ("d", 0, -1), ("u", 0, -1), ("d", -1, -1), ("u", -1, 0), ("d", -1, 0))
_CENTROID = {"u": Fraction(1, 3), "d": Fraction(2, 3)}

# Bare-ancilla schedule (cycle="standard"): X checks in layers 0-5, then Z checks in layers
# 6-11, each visiting its corners in this order (indices into _CORNERS).
_BARE_ORDER = (4, 5, 0, 3, 2, 1)
# Superdense cycle: the X measure qubit couples to the upper half of its hexagon (150, 90,
# 30 degrees), the Z measure qubit to the lower half (210, 270, 330 degrees), both sweeping
# left to right, in the three data-to-measure layers and again in the three measure-to-data
# layers.
_UPPER_HALF = (4, 5, 0)
_LOWER_HALF = (3, 2, 1)


class SuperdensePlaquette(NamedTuple):
    """How the superdense cycle measures one plaquette's X and Z checks together.

    Attributes:
        x_measure: the measure qubit of the X check (prepared in ``|+>``, read out with MX).
        z_measure: the measure qubit of the Z check (prepared in ``|0>``, read out with M).
        x_half: the data qubits coupled to ``x_measure``, one per layer (None: idle).
        z_half: the data qubits coupled to ``z_measure``, one per layer (None: idle).
    """

    x_measure: int
    z_measure: int
    x_half: tuple[int | None, ...]
    z_half: tuple[int | None, ...]


def _inside(kind: str, i: int, j: int, t: int) -> bool:
    """Whether a honeycomb vertex lies in the triangle of the distance-(2t+1) code."""
    ci, cj = i + _CENTROID[kind], j + _CENTROID[kind]
    return ci - cj >= 0 and ci + 2 * cj >= -2 and 2 * ci + cj <= 3 * t - 2


@dataclasses.dataclass(frozen=True)
class ColorCode(StabilizerCode):
    """The triangular 6.6.6 colour code, ``[[(3 d^2 + 1)/4, 1, d]]``, for odd ``d >= 3``.

    Data qubits sit on the vertices of a honeycomb cut to a triangle; each hexagon (weight 6)
    or half-hexagon on a boundary (weight 4) is both an X and a Z check. Plaquettes are
    3-coloured (red, green, blue: adjacent plaquettes differ), the structure that Chromobius
    (Gidney and Jones, arXiv 2312.08813) decodes: detectors carry a fourth coordinate, the
    colour for X checks (0, 1, 2) and 3 more for Z checks (3, 4, 5). The logical X and Z
    operators lie on one side of the triangle (weight d).

    Qubits: data ``0 .. n-1`` in rows from the bottom; then per plaquette its X measure qubit
    and its Z measure qubit. Coordinates are Cartesian, the honeycomb's hexagon centres one unit
    apart; the X and Z measure qubits of a plaquette sit 0.2 left and right of its centre.

    Circuits (:func:`qec.memory_circuit`): the default cycle is ``"superdense"`` (Gidney and
    Jones): the two measure qubits of a plaquette share a Bell pair and measure its X and Z
    checks together in eight CNOT layers; its circuit-level distance is ``d``. ``"standard"``
    measures each check with a bare measure qubit (X checks, then Z checks: 12 layers); hook
    errors lower its circuit-level distance (to 3 for ``d = 5``), so it serves as a baseline.

    Args:
        distance: the code distance, odd and at least 3.

    Raises:
        ValueError: an even or too small distance.

    Examples:
        >>> code = ColorCode(distance=5)
        >>> code.parameters, len(code.stabilizers)
        ((19, 1, 5), 18)
        >>> code.verify()
        >>> sorted({len(s.data_qubits) for s in code.stabilizers})
        [4, 6]
        >>> sorted(code.color(s) for s in code.x_stabilizers)[::3]
        ['blue', 'green', 'red']
        >>> ColorCode(distance=4)
        Traceback (most recent call last):
            ...
        ValueError: distance=4 must be odd and at least 3 for the triangular colour code
    """

    name: ClassVar[str] = "color"
    default_cycle: ClassVar[str] = "superdense"
    distance: int

    def __post_init__(self) -> None:
        value = validate_distance(self.distance)
        if value < 3 or value % 2 == 0:
            raise ValueError(f"distance={self.distance!r} must be odd and at least 3 for the "
                             "triangular colour code")
        object.__setattr__(self, "distance", value)

    @functools.cached_property
    def _lattice(self) -> tuple[list[tuple[str, int, int]],
                                list[tuple[tuple[int, int], list[int | None]]]]:
        """Data vertices (sorted by row) and plaquettes ((i, j), corner qubit or None)."""
        t = (self.distance - 1) // 2
        span = range(-self.distance - 2, 2 * self.distance + 3)
        vertices = [(kind, i, j) for j in span for i in span for kind in ("u", "d")
                    if _inside(kind, i, j, t)]

        def place(v: tuple[str, int, int]) -> tuple[Fraction, Fraction]:
            kind, i, j = v
            ci, cj = i + _CENTROID[kind], j + _CENTROID[kind]
            return (cj, ci + cj / 2)

        vertices.sort(key=place)
        index = {v: q for q, v in enumerate(vertices)}
        plaquettes = []
        for j in span:
            for i in span:
                corners = [index.get((kind, i + di, j + dj)) for kind, di, dj in _CORNERS]
                if sum(c is not None for c in corners) >= 4:
                    plaquettes.append(((i, j), corners))
        plaquettes.sort(key=lambda p: (p[0][1], p[0][0] + p[0][1] / 2))
        return vertices, plaquettes

    @functools.cached_property
    def _colors(self) -> dict[int, int]:
        """Colour index of each stabilizer's measure qubit."""
        n = len(self._lattice[0])
        colors = {}
        for k, ((i, j), _) in enumerate(self._lattice[1]):
            colors[n + 2 * k] = colors[n + 2 * k + 1] = (i - j) % 3
        return colors

    def _build_layout(self) -> Layout:
        vertices, plaquettes = self._lattice
        n = len(vertices)
        root3 = math.sqrt(3) / 2
        coords: dict[int, tuple[float, ...]] = {}
        for q, (kind, i, j) in enumerate(vertices):
            ci, cj = i + _CENTROID[kind], j + _CENTROID[kind]
            coords[q] = (round(float(ci + cj / 2), 6), round(float(cj) * root3, 6))
        stabilizers = []
        for k, ((i, j), corners) in enumerate(plaquettes):
            x, y = i + j / 2, j * root3
            coords[n + 2 * k] = (round(x - 0.2, 6), round(y, 6))
            coords[n + 2 * k + 1] = (round(x + 0.2, 6), round(y, 6))
            ordered = tuple(corners[c] for c in _BARE_ORDER)
            stabilizers.append(Stabilizer("X", n + 2 * k, ordered + (None,) * 6))
            stabilizers.append(Stabilizer("Z", n + 2 * k + 1, (None,) * 6 + ordered))
        # One side of the triangle: the vertices on the line i_c = j_c.
        side = tuple(q for q, (kind, i, j) in enumerate(vertices) if i == j)
        return coords, stabilizers, side, side

    def detector_annotations(self, stabilizer: Stabilizer) -> tuple[float, ...]:
        """Chromobius's fourth coordinate: colour (0, 1, 2), plus 3 for a Z check.

        Examples:
            >>> code = ColorCode(distance=3)
            >>> [code.detector_annotations(s) for s in code.stabilizers][:2]
            [(1,), (4,)]
        """
        return (self._colors[stabilizer.measure_qubit] + (3 if stabilizer.basis == "Z" else 0),)

    def color(self, stabilizer: Stabilizer) -> str:
        """The colour of a stabilizer's plaquette: ``"red"``, ``"green"`` or ``"blue"``."""
        return COLORS[self._colors[stabilizer.measure_qubit]]

    @property
    def superdense_schedule(self) -> tuple[SuperdensePlaquette, ...]:
        """Per plaquette, the measure qubits and data halves of the superdense cycle.

        Examples:
            >>> ColorCode(distance=3).superdense_schedule[0]
            SuperdensePlaquette(x_measure=7, z_measure=8, x_half=(2, 4, 3), z_half=(None, None, 1))
        """
        n = len(self._lattice[0])
        return tuple(
            SuperdensePlaquette(n + 2 * k, n + 2 * k + 1, tuple(corners[c] for c in _UPPER_HALF),
                                tuple(corners[c] for c in _LOWER_HALF))
            for k, (_, corners) in enumerate(self._lattice[1]))

    def verify(self) -> None:
        """Checks the code (:meth:`StabilizerCode.verify`), n = (3 d^2 + 1)/4, weights 4 and 6,
        a proper 3-colouring (plaquettes sharing a qubit differ in colour), and logicals of
        weight d.

        Raises:
            ValueError: naming the first check that fails.
        """
        super().verify()
        d = self.distance
        n = len(self.data_qubits)
        if n != (3 * d * d + 1) // 4:
            raise ValueError(f"{self!r} has {n} data qubits, not (3 d^2 + 1)/4")
        weights = {len(s.data_qubits) for s in self.stabilizers}
        if not weights <= {4, 6}:
            raise ValueError(f"{self!r} has checks of weights {sorted(weights)}, not 4 and 6")
        owners: dict[int, list[int]] = {}
        for s in self.x_stabilizers:
            for q in s.data_qubits:
                owners.setdefault(q, []).append(self._colors[s.measure_qubit])
        for q, colors in owners.items():
            if len(set(colors)) != len(colors):
                raise ValueError(f"{self!r}: data qubit {q} is in two plaquettes of one colour")
        if len(self.logical_x) != d or len(self.logical_z) != d:
            raise ValueError(f"{self!r}: the logicals have weight {len(self.logical_x)}, not {d}")

    def __repr__(self) -> str:
        return f"ColorCode(distance={self.distance!r})"
