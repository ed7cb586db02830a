"""IBM's bivariate bicycle (BB) codes (Bravyi et al., Nature 627, 778 (2024), arXiv 2308.07915)."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

import numpy as np

from qec._validate import int_at_least
from qec.codes import _gf2
from qec.codes._css_code import sequential_stabilizers
from qec.codes._stabilizer_code import Layout, Stabilizer, StabilizerCode

__all__ = ["PUBLISHED_BB_CODES", "BivariateBicycleCode", "parse_bb_polynomial"]

MAX_SIDE = 64
"""The largest l or m: 2 l m data qubits, so at most 8,192."""

PUBLISHED_BB_CODES: dict[int, tuple[int, int, str, str, int]] = {
    72: (6, 6, "x^3+y+y^2", "y^3+x+x^2", 6),
    90: (15, 3, "x^9+y+y^2", "1+x^2+x^7", 10),
    108: (9, 6, "x^3+y+y^2", "y^3+x+x^2", 10),
    144: (12, 6, "x^3+y+y^2", "y^3+x+x^2", 12),
    288: (12, 12, "x^3+y^2+y^7", "y^3+x+x^2", 18),
}
"""n -> (l, m, A, B, distance) of the codes of Table 3 of Bravyi et al. (2024), as written in
the authors' public code (terms in the order that fixes the syndrome cycle)."""

# The paper's depth-8 syndrome cycle (seven CNOT layers): in layer t each X check couples to
# its neighbour _X_ORDER[t] and each Z check to _Z_ORDER[t] (None: idle). Neighbours 0, 1, 2 are
# the left data qubits through A1, A2, A3 (for Z checks: B1^T, B2^T, B3^T), 3, 4, 5 the right
# ones through B1, B2, B3 (for Z checks: A1^T, A2^T, A3^T).
_X_ORDER = (None, 1, 4, 3, 5, 0, 2)
_Z_ORDER = (3, 5, 0, 1, 2, 4, None)

_TERM = re.compile(r"^(?:1|(?:[xy](?:\^\d+)?)(?:\*?[xy](?:\^\d+)?)?)$")


def parse_bb_polynomial(text: str, *, l: int, m: int, name: str = "polynomial"  # noqa: E741
                        ) -> tuple[tuple[int, int], ...]:
    """The terms of a polynomial in x and y as exponent pairs ``(i, j)`` for ``x^i y^j``.

    Terms are ``1``, ``x``, ``y``, ``x^3``, ``y^2``, or products ``x^2*y`` (or ``x^2y``),
    joined by ``+``; exponents are taken modulo ``l`` (for x) and ``m`` (for y), since
    ``x^l = y^m = 1``. The order of the terms is kept: it names A1, A2, A3.

    Raises:
        ValueError: an empty polynomial, an unknown term, or a term that appears twice (after
            reducing the exponents), naming it.

    Examples:
        >>> parse_bb_polynomial("x^3+y+y^2", l=6, m=6)
        ((3, 0), (0, 1), (0, 2))
        >>> parse_bb_polynomial("1 + x^2 + x^7", l=15, m=3)
        ((0, 0), (2, 0), (7, 0))
        >>> parse_bb_polynomial("x+x^7", l=6, m=6, name="a")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: a='x+x^7': the term 'x^7' repeats 'x' (x^6 = 1 with l=6, ...
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name}={text!r} must be a polynomial in x and y like 'x^3+y+y^2'")
    terms: list[tuple[int, int]] = []
    written: list[str] = []
    for raw in text.replace(" ", "").split("+"):
        if not _TERM.match(raw):
            raise ValueError(
                f"{name}={text!r}: {raw!r} is not a term; terms are 1, x, y, x^k, y^k or "
                "x^k*y^j, joined by +")
        i = j = 0
        if raw != "1":
            for var, power in re.findall(r"([xy])(?:\^(\d+))?", raw):
                if var == "x":
                    i += int(power or 1)
                else:
                    j += int(power or 1)
        term = (i % l, j % m)
        if term in terms:
            first = written[terms.index(term)]
            why = "" if raw == first else f" (x^{l} = 1 with l={l}, y^{m} = 1 with m={m})"
            raise ValueError(f"{name}={text!r}: the term {raw!r} repeats {first!r}{why}; terms "
                             "must differ, or they cancel")
        terms.append(term)
        written.append(raw)
    return tuple(terms)


def _monomial(term: tuple[int, int], l: int, m: int) -> np.ndarray:  # noqa: E741
    """The permutation matrix of ``x^i y^j``, with ``x = S_l (x) I_m``, ``y = I_l (x) S_m``."""
    i, j = term
    shift_l = np.roll(np.eye(l, dtype=np.uint8), i, axis=1)
    shift_m = np.roll(np.eye(m, dtype=np.uint8), j, axis=1)
    return np.kron(shift_l, shift_m)


@dataclasses.dataclass(frozen=True)
class BivariateBicycleCode(StabilizerCode):
    """A bivariate bicycle code: ``H_X = [A | B]``, ``H_Z = [B^T | A^T]`` on ``n = 2 l m`` qubits.

    ``x = S_l (x) I_m`` and ``y = I_l (x) S_m``, with ``S`` the cyclic shift, and ``A``, ``B``
    sums of monomials in ``x`` and ``y`` (Bravyi et al., "High-threshold and low-overhead
    fault-tolerant quantum memory", Nature 627, 778 (2024)). Qubits: the left data block
    ``0 .. lm-1``, the right block ``lm .. 2lm-1``, then one measure qubit per X check and one
    per Z check (``n`` in all). The checks are redundant (``rank H_X < lm``); each is measured.

    Schedule: with three terms in each of A and B (weight-6 checks), the paper's syndrome
    cycle: seven CNOT layers with X and Z checks interleaved, in the order of the authors' code
    (X checks idle in the first layer, Z checks in the last). Its terms are A1, A2, A3 and B1,
    B2, B3 in the order written, which is why :data:`PUBLISHED_BB_CODES` keeps the paper's
    order. With other weights, X checks then Z checks in edge-colouring layers.

    Args:
        l: the x cycle length, 1 to 64.
        m: the y cycle length, 1 to 64.
        a: the polynomial A, like ``"x^3+y+y^2"``.
        b: the polynomial B, like ``"y^3+x+x^2"``.
        distance: the code distance, if known (the published codes carry theirs).

    Raises:
        ValueError: l or m out of range, a malformed polynomial (an unknown or repeated term),
            checks that leave no logical qubit, or an invalid distance.

    Examples:
        >>> code = BivariateBicycleCode.published(72)
        >>> code.parameters, code.num_qubits
        ((72, 12, 6), 144)
        >>> BivariateBicycleCode(l=6, m=6, a="x^3+y+y^2", b="y^3+x+x^2").parameters
        (72, 12, None)
        >>> BivariateBicycleCode(l=0, m=6, a="x", b="y")
        Traceback (most recent call last):
            ...
        ValueError: l=0 must be an integer from 1 to 64
    """

    name: ClassVar[str] = "bb"
    independent_checks: ClassVar[bool] = False
    # The circuit of the paper: its depth-8 cycle, and the memory basis' detectors, the model
    # its BP+OSD decoded (pass cycle="standard" or detectors="all" for the others).
    default_cycle: ClassVar[str] = "overlapped"
    default_detectors: ClassVar[str] = "basis"
    l: int  # noqa: E741
    m: int
    a: str
    b: str
    distance: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "l", int_at_least("l", self.l, 1, maximum=MAX_SIDE))
        object.__setattr__(self, "m", int_at_least("m", self.m, 1, maximum=MAX_SIDE))
        terms_a = parse_bb_polynomial(self.a, l=self.l, m=self.m, name="a")
        terms_b = parse_bb_polynomial(self.b, l=self.l, m=self.m, name="b")
        if self.distance is not None:
            object.__setattr__(self, "distance", int_at_least("distance", self.distance, 1,
                                                              maximum=2 * self.l * self.m))
        blocks_a = [_monomial(t, self.l, self.m) for t in terms_a]
        blocks_b = [_monomial(t, self.l, self.m) for t in terms_b]
        a_matrix = sum(blocks_a) % 2
        b_matrix = sum(blocks_b) % 2
        hx = np.hstack([a_matrix, b_matrix]).astype(np.uint8)
        hz = np.hstack([b_matrix.T, a_matrix.T]).astype(np.uint8)
        lx, lz = _gf2.css_logicals(hx, hz)
        if len(lx) == 0:
            raise ValueError(
                f"a={self.a!r}, b={self.b!r} with l={self.l}, m={self.m} leave no logical qubit "
                "(k = 0)")
        object.__setattr__(self, "_blocks", (blocks_a, blocks_b))
        object.__setattr__(self, "_checks", (hx, hz))
        object.__setattr__(self, "_logicals", (lx, lz))

    @classmethod
    def published(cls, n: int) -> BivariateBicycleCode:
        """One of the five codes of Bravyi et al. (2024), by its number of data qubits.

        Args:
            n: 72, 90, 108, 144 (the gross code) or 288.

        Raises:
            ValueError: for another n.

        Examples:
            >>> BivariateBicycleCode.published(144).parameters
            (144, 12, 12)
            >>> BivariateBicycleCode.published(100)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
                ...
            ValueError: n=100 is not a published bivariate bicycle code; choose one of 72, ...
        """
        if n not in PUBLISHED_BB_CODES:
            known = ", ".join(map(str, PUBLISHED_BB_CODES))
            raise ValueError(f"n={n!r} is not a published bivariate bicycle code; choose one "
                             f"of {known}")
        l, m, a, b, distance = PUBLISHED_BB_CODES[int(n)]  # noqa: E741
        return cls(l=l, m=m, a=a, b=b, distance=distance)

    @property
    def n(self) -> int:
        """The number of data qubits, ``2 l m``."""
        return 2 * self.l * self.m

    @property
    def check_weight(self) -> int:
        """The weight of every check: the number of terms of A plus that of B."""
        blocks_a, blocks_b = self._blocks  # type: ignore[attr-defined]
        return len(blocks_a) + len(blocks_b)

    def _neighbours(self) -> tuple[list[list[int]], list[list[int]]]:
        """Per X check and per Z check, its data qubits in the paper's labels 0..5."""
        blocks_a, blocks_b = self._blocks  # type: ignore[attr-defined]
        half = self.l * self.m
        x_nbs, z_nbs = [], []
        for i in range(half):
            x_nbs.append([int(np.flatnonzero(block[i])[0]) for block in blocks_a]
                         + [half + int(np.flatnonzero(block[i])[0]) for block in blocks_b])
            z_nbs.append([int(np.flatnonzero(block[:, i])[0]) for block in blocks_b]
                         + [half + int(np.flatnonzero(block[:, i])[0]) for block in blocks_a])
        return x_nbs, z_nbs

    def _build_layout(self) -> Layout:
        half = self.l * self.m
        coords: dict[int, tuple[float, ...]] = {}
        for index in range(half):
            alpha, beta = divmod(index, self.m)
            coords[index] = (2 * alpha + 1, 2 * beta)             # left data
            coords[half + index] = (2 * alpha, 2 * beta + 1)      # right data
            coords[2 * half + index] = (2 * alpha, 2 * beta)      # X check
            coords[3 * half + index] = (2 * alpha + 1, 2 * beta + 1)  # Z check
        x_nbs, z_nbs = self._neighbours()
        stabilizers = []
        if self.check_weight == 6 and all(len(t) == 6 for t in x_nbs):
            for i, nbs in enumerate(x_nbs):
                stabilizers.append(Stabilizer(basis="X", measure_qubit=2 * half + i, schedule=tuple(
                    None if slot is None else nbs[slot] for slot in _X_ORDER)))
            for i, nbs in enumerate(z_nbs):
                stabilizers.append(Stabilizer(basis="Z", measure_qubit=3 * half + i, schedule=tuple(
                    None if slot is None else nbs[slot] for slot in _Z_ORDER)))
        else:
            stabilizers = sequential_stabilizers([sorted(nbs) for nbs in x_nbs],
                                                 [sorted(nbs) for nbs in z_nbs],
                                                 first_measure_qubit=2 * half)
        lx, lz = self._logicals  # type: ignore[attr-defined]
        to_support = lambda row: tuple(int(q) for q in np.nonzero(row)[0])  # noqa: E731
        return coords, stabilizers, tuple(map(to_support, lx)), tuple(map(to_support, lz))

    def verify(self) -> None:
        """Checks the code (see :meth:`StabilizerCode.verify`) and its bivariate structure.

        Beyond the generic checks: the schedule measures exactly ``H_X = [A | B]`` and
        ``H_Z = [B^T | A^T]``, every check has weight :attr:`check_weight`, and a published
        code has the published n and k (12 for 72, 144, 288; 8 for 90, 108).

        Raises:
            ValueError: naming the first check that fails.
        """
        super().verify()
        hx, hz = self._checks  # type: ignore[attr-defined]
        if not (np.array_equal(self.x_check_matrix, hx)
                and np.array_equal(self.z_check_matrix, hz)):
            raise ValueError(f"{self!r}: the schedule does not measure [A | B] and [B^T | A^T]")
        weights = {int(w) for w in np.concatenate([hx.sum(axis=1), hz.sum(axis=1)])}
        if weights != {self.check_weight}:
            raise ValueError(f"{self!r}: check weights {sorted(weights)}, expected "
                             f"{self.check_weight}")
        published = PUBLISHED_BB_CODES.get(self.n)
        if published is not None and published[:4] == (self.l, self.m, self.a, self.b):
            expected_k = 8 if self.n in (90, 108) else 12
            if self.num_logical_qubits != expected_k:
                raise ValueError(f"{self!r}: k = {self.num_logical_qubits}, but the published "
                                 f"[[{self.n}, {expected_k}, {published[4]}]] code has "
                                 f"k = {expected_k}")

    def low_weight_logical(self, basis: str = "X", *, tries: int = 200, seed: int = 0
                           ) -> tuple[int, ...]:
        """A low-weight logical operator, found by randomised descent: an upper bound on d.

        Starting from random combinations of the logical operators of ``basis``, it adds
        checks of the same basis (which leave the logical class unchanged) while that lowers
        the weight, and keeps the lightest nontrivial operator found over ``tries`` starts.
        The code distance is at most its weight (for a CSS code, the smaller of the X and Z
        minima).

        Args:
            basis: ``"X"`` or ``"Z"``.
            tries: random starts, positive.
            seed: seeds the starts.

        Returns:
            The support (data qubit indices) of the operator.

        Examples:
            >>> len(BivariateBicycleCode.published(72).low_weight_logical(tries=50))
            6
        """
        if basis not in ("X", "Z"):
            raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")
        tries = int_at_least("tries", tries, 1)
        hx, hz = self._checks  # type: ignore[attr-defined]
        lx, lz = self._logicals  # type: ignore[attr-defined]
        checks = (hx if basis == "X" else hz).astype(bool)
        logicals = (lx if basis == "X" else lz).astype(bool)
        rng = np.random.default_rng(seed)
        best = logicals[0].copy()
        for _ in range(tries):
            mix = rng.integers(0, 2, size=len(logicals)).astype(bool)
            if not mix.any():
                mix[rng.integers(len(logicals))] = True
            vector = np.logical_xor.reduce(logicals[mix], axis=0)
            vector ^= np.logical_xor.reduce(
                checks[rng.integers(0, 2, size=len(checks)).astype(bool)], axis=0) \
                if len(checks) else False
            improved = True
            while improved:
                gains = (vector[None, :] & checks).sum(axis=1) * 2 - checks.sum(axis=1)
                row = int(np.argmax(gains))
                improved = gains[row] > 0
                if improved:
                    vector ^= checks[row]
            if vector.sum() < best.sum():
                best = vector.copy()
        return tuple(int(q) for q in np.flatnonzero(best))

    def __repr__(self) -> str:
        return (f"BivariateBicycleCode(l={self.l!r}, m={self.m!r}, a={self.a!r}, b={self.b!r}, "
                f"distance={self.distance!r})")
