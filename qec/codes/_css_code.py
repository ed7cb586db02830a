"""Any CSS code, given by its two check matrices."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from qec._validate import int_at_least
from qec.codes import _gf2
from qec.codes._stabilizer_code import MAX_DISTANCE, Layout, Stabilizer, StabilizerCode

__all__ = ["CSSCode", "edge_coloring_schedule"]

# A check matrix larger than this (rows x columns) is refused before any work: the GF(2)
# elimination and the circuits grow as its cube.
_MAX_MATRIX_ENTRIES = 4_000_000


def _binary_rows(name: str, matrix: Any) -> tuple[tuple[int, ...], ...]:
    try:
        array = np.asarray(matrix)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a binary matrix: {exc}") from None
    if array.size == 0:
        return ()
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D binary matrix, got shape {array.shape}")
    if array.size > _MAX_MATRIX_ENTRIES:
        raise ValueError(f"{name} has {array.size:,} entries, more than the "
                         f"{_MAX_MATRIX_ENTRIES:,} a CSS code may have")
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    if not (np.issubdtype(array.dtype, np.integer) and np.isin(array, (0, 1)).all()):
        raise ValueError(f"{name} must hold only 0 and 1 (got dtype {array.dtype})")
    rows = tuple(tuple(int(v) for v in row) for row in array)
    for i, row in enumerate(rows):
        if not any(row):
            raise ValueError(f"{name} row {i} is all zeros: a check must act on some qubit")
    return rows


def edge_coloring_schedule(checks: Sequence[Sequence[int]]) -> list[tuple[int | None, ...]]:
    """Gate layers for measuring checks, one measure qubit each, from an edge colouring.

    The Tanner graph (checks on one side, data qubits on the other) is bipartite, so its edges
    can be coloured with as many colours as its largest degree (Konig's theorem); each colour
    is one layer of two-qubit gates, so no qubit is used twice in a layer and the depth is the
    least possible. The colouring is built edge by edge, flipping an alternating two-colour
    path when the colour free at the check is taken at the data qubit (the classical
    constructive proof), in a fixed order, so the schedule is deterministic.

    Args:
        checks: the support (data-qubit indices) of each check.

    Returns:
        One schedule per check: the data qubit in each layer, or None.

    Examples:
        >>> edge_coloring_schedule([(0, 1), (1, 2)])
        [(0, 1), (1, 2)]
        >>> edge_coloring_schedule([(0, 1, 2), (0, 1, 2), (0, 1, 2)])
        [(1, 2, 0), (2, 0, 1), (0, 1, 2)]
    """
    # at[node][colour] = the node joined to it by the edge of that colour.
    at: dict[tuple[str, int], dict[int, tuple[str, int]]] = {}

    def free(node: tuple[str, int]) -> int:
        used = at.setdefault(node, {})
        colour = 0
        while colour in used:
            colour += 1
        return colour

    for j, support in enumerate(checks):
        u = ("check", j)
        for q in support:
            v = ("data", int(q))
            a, b = free(u), free(v)
            if a in at[v]:
                # Swap colours a and b along the path from v that alternates a, b, a, ...
                path, node, colour = [], v, a
                while colour in at[node]:
                    nxt = at[node][colour]
                    path.append((node, nxt, colour))
                    node, colour = nxt, (b if colour == a else a)
                for x, y, c in path:
                    del at[x][c]
                    del at[y][c]
                for x, y, c in path:
                    other = b if c == a else a
                    at[x][other] = y
                    at[y][other] = x
            at[u][a] = v
            at[v][a] = u
    depth = 1 + max((c for node, edges in at.items() if node[0] == "check" for c in edges),
                    default=-1)
    return [tuple(at.get(("check", j), {}).get(layer, (None, None))[1]
                  for layer in range(depth)) for j in range(len(checks))]


def sequential_stabilizers(x_supports: Sequence[Sequence[int]],
                           z_supports: Sequence[Sequence[int]], *,
                           first_measure_qubit: int) -> list[Stabilizer]:
    """Stabilizers that measure every X check, then every Z check, in edge-colouring layers.

    Valid for any CSS code: X checks in the layers of :func:`edge_coloring_schedule`, then Z
    checks in theirs. Measure qubits are numbered from ``first_measure_qubit``, X checks
    first.

    Examples:
        >>> [s.schedule for s in sequential_stabilizers([[0, 1]], [[0, 1]],
        ...                                             first_measure_qubit=2)]
        [(0, 1, None, None), (None, None, 0, 1)]
    """
    x_layers = edge_coloring_schedule(x_supports)
    z_layers = edge_coloring_schedule(z_supports)
    x_depth = len(x_layers[0]) if x_layers else 0
    z_depth = len(z_layers[0]) if z_layers else 0
    stabilizers = [Stabilizer(basis="X", measure_qubit=first_measure_qubit + j,
                              schedule=layers + (None,) * z_depth)
                   for j, layers in enumerate(x_layers)]
    stabilizers += [Stabilizer(basis="Z", measure_qubit=first_measure_qubit + len(x_layers) + j,
                               schedule=(None,) * x_depth + layers)
                    for j, layers in enumerate(z_layers)]
    return stabilizers


@dataclasses.dataclass(frozen=True)
class CSSCode(StabilizerCode):
    """A CSS code from its check matrices, with logicals computed over GF(2).

    Data qubit ``i`` (column ``i``) has index ``i`` and coordinate ``(i, 0)``; the measure
    qubit of X check ``j`` follows them, at ``(j, 1)``, then that of Z check ``j``, at
    ``(j, 2)``. The syndrome-extraction schedule measures all X checks, then all Z checks, each
    set in the layers of a greedy edge colouring (:func:`edge_coloring_schedule`), which is
    valid for any CSS code; codes with a better schedule (the surface codes) define their own.
    Redundant checks are allowed (each is measured; the toric code has two).

    The logical operators are computed, not given: X logicals span the kernel of the Z checks
    modulo the X checks' row space (and vice versa), paired so that X_i anticommutes with Z_j
    exactly when i = j. The distance is optional: give it when it is known.

    Args:
        x_checks: the X check matrix H_X, binary, ``(mx, n)`` (numpy array or nested lists).
        z_checks: the Z check matrix H_Z, binary, ``(mz, n)``.
        distance: the code distance if known (an integer >= 1), else None.

    Raises:
        ValueError: non-binary or malformed matrices, matrices of different widths, checks
            that anticommute, no logical qubit (k = 0), or an invalid distance.

    Examples:
        >>> code = CSSCode.steane()
        >>> code.parameters
        (7, 1, 3)
        >>> code.verify()
        >>> four = CSSCode(x_checks=[[1, 1, 1, 1]], z_checks=[[1, 1, 1, 1]], distance=2)
        >>> four.parameters, four.num_logical_qubits
        ((4, 2, 2), 2)
        >>> eval(repr(four)) == four
        True
        >>> CSSCode(x_checks=[[1, 1, 0]], z_checks=[[1, 0, 0]])
        Traceback (most recent call last):
            ...
        ValueError: some X check and Z check overlap on an odd number of qubits: they anticommute
    """

    name: ClassVar[str] = "css"
    independent_checks: ClassVar[bool] = False
    x_checks: Any
    z_checks: Any
    distance: int | None = None

    def __post_init__(self) -> None:
        x_rows = _binary_rows("x_checks", self.x_checks)
        z_rows = _binary_rows("z_checks", self.z_checks)
        widths = {len(r) for r in x_rows + z_rows}
        if not widths:
            raise ValueError("x_checks and z_checks are both empty: a code needs checks")
        if len(widths) > 1:
            raise ValueError(f"x_checks and z_checks must have the same number of columns "
                             f"(qubits); got {sorted(widths)}")
        object.__setattr__(self, "x_checks", x_rows)
        object.__setattr__(self, "z_checks", z_rows)
        if self.distance is not None:
            object.__setattr__(self, "distance", int_at_least("distance", self.distance, 1,
                                                              maximum=MAX_DISTANCE))
        lx, lz = _gf2.css_logicals(self._matrix(x_rows), self._matrix(z_rows))
        if len(lx) == 0:
            raise ValueError("the checks leave no logical qubit (k = 0): n - rank(H_X) - "
                             "rank(H_Z) = 0")
        object.__setattr__(self, "_logicals", (lx, lz))

    def _matrix(self, rows: tuple[tuple[int, ...], ...]) -> np.ndarray:
        width = len((self.x_checks or self.z_checks)[0])
        return np.array(rows, dtype=np.uint8).reshape(len(rows), width)

    @property
    def n(self) -> int:
        """The number of data qubits."""
        return len((self.x_checks or self.z_checks)[0])

    @property
    def supported_bases(self) -> tuple[str, ...]:  # type: ignore[override]
        """Both bases, except for a code with checks of one type only (a classical code)."""
        if not self.x_checks:
            return ("Z",)
        if not self.z_checks:
            return ("X",)
        return ("X", "Z")

    def _build_layout(self) -> Layout:
        n = self.n
        coords: dict[int, tuple[float, ...]] = {q: (q, 0) for q in range(n)}
        supports = {basis: [tuple(i for i, v in enumerate(row) if v) for row in rows]
                    for basis, rows in (("X", self.x_checks), ("Z", self.z_checks))}
        stabilizers = sequential_stabilizers(supports["X"], supports["Z"], first_measure_qubit=n)
        for stabilizer in stabilizers:
            x_type = stabilizer.basis == "X"
            j = stabilizer.measure_qubit - n - (0 if x_type else len(supports["X"]))
            coords[stabilizer.measure_qubit] = (j, 1 if x_type else 2)
        lx, lz = self._logicals  # type: ignore[attr-defined]
        to_support = lambda row: tuple(int(q) for q in np.nonzero(row)[0])  # noqa: E731
        return (coords, stabilizers, tuple(map(to_support, lx)), tuple(map(to_support, lz)))

    # ------------------------------------------------------------------ constructors

    @classmethod
    def four_two_two(cls) -> CSSCode:
        """The [[4,2,2]] code: one all-X and one all-Z check on four qubits (it detects any
        single error).

        Examples:
            >>> CSSCode.four_two_two().parameters
            (4, 2, 2)
        """
        return cls(x_checks=[[1, 1, 1, 1]], z_checks=[[1, 1, 1, 1]], distance=2)

    @classmethod
    def steane(cls) -> CSSCode:
        """The [[7,1,3]] Steane code: both check matrices are the [7,4] Hamming code's.

        Examples:
            >>> CSSCode.steane().x_check_matrix.sum(axis=1).tolist()
            [4, 4, 4]
        """
        hamming = [[1, 0, 1, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1]]
        return cls(x_checks=hamming, z_checks=hamming, distance=3)

    @classmethod
    def toric(cls, *, distance: int) -> CSSCode:
        """The L x L toric code, [[2 L^2, 2, L]]: qubits on the edges of a periodic lattice,
        X checks on vertices (stars), Z checks on faces (plaquettes).

        Edge ``(r, c, 0)`` (horizontal, from vertex (r, c) to (r, c + 1)) is qubit
        ``r L + c``; edge ``(r, c, 1)`` (vertical, to (r + 1, c)) is ``L^2 + r L + c``.

        Examples:
            >>> CSSCode.toric(distance=3).parameters
            (18, 2, 3)
        """
        size = int_at_least("distance", distance, 2, maximum=MAX_DISTANCE)

        def h(r: int, c: int) -> int:
            return (r % size) * size + (c % size)

        def v(r: int, c: int) -> int:
            return size * size + (r % size) * size + (c % size)

        n = 2 * size * size
        stars = np.zeros((size * size, n), dtype=np.uint8)
        faces = np.zeros((size * size, n), dtype=np.uint8)
        for r in range(size):
            for c in range(size):
                for q in (h(r, c), h(r, c - 1), v(r, c), v(r - 1, c)):
                    stars[r * size + c, q] = 1
                for q in (h(r, c), h(r + 1, c), v(r, c), v(r, c + 1)):
                    faces[r * size + c, q] = 1
        return cls(x_checks=stars, z_checks=faces, distance=size)

    @classmethod
    def hypergraph_product(cls, first: Any, second: Any | None = None, *,
                           distance: int | None = None) -> CSSCode:
        """The hypergraph product of two classical codes (Tillich and Zemor).

        With parity-check matrices H1 (``r1 x n1``) and H2 (``r2 x n2``):
        ``H_X = [H1 (x) I_n2 | I_r1 (x) H2^T]`` and ``H_Z = [I_n1 (x) H2 | H1^T (x) I_r2]``,
        on ``n1 n2 + r1 r2`` qubits with ``k = k1 k2 + k1^T k2^T``. The product of two
        distance-d repetition codes is the unrotated surface code (or, with their cyclic
        versions, the toric code).

        Args:
            first: H1, binary.
            second: H2, binary (default: H1 again).
            distance: the distance, if known.

        Examples:
            >>> rep3 = [[1, 1, 0], [0, 1, 1]]
            >>> CSSCode.hypergraph_product(rep3).parameters
            (13, 1, None)
        """
        h1 = np.array(_binary_rows("first", first), dtype=np.uint8)
        h2 = h1 if second is None else np.array(_binary_rows("second", second), dtype=np.uint8)
        if h1.size == 0 or h2.size == 0:
            raise ValueError("the classical check matrices must not be empty")
        r1, n1 = h1.shape
        r2, n2 = h2.shape
        hx = np.hstack([np.kron(h1, np.eye(n2, dtype=np.uint8)),
                        np.kron(np.eye(r1, dtype=np.uint8), h2.T)]) % 2
        hz = np.hstack([np.kron(np.eye(n1, dtype=np.uint8), h2),
                        np.kron(h1.T, np.eye(r2, dtype=np.uint8))]) % 2
        return cls(x_checks=hx, z_checks=hz, distance=distance)

    def __repr__(self) -> str:
        return (f"CSSCode(x_checks={self.x_checks!r}, z_checks={self.z_checks!r}, "
                f"distance={self.distance!r})")


