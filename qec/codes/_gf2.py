"""Linear algebra over GF(2) on numpy ``uint8`` arrays: ranks, kernels, CSS logicals.

numpy and scipy work over the reals; these few routines (Gaussian elimination with row XORs,
vectorised over columns) are what a CSS code needs: the rank of its check matrices, the kernel
of one modulo the row space of the other (the logical operators), and a pairing of X and Z
logicals into conjugate pairs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["css_logicals", "in_row_space", "inverse", "nullspace", "rank", "row_reduce"]


def _as_matrix(matrix: object, *, columns: int | None = None) -> np.ndarray:
    m = np.array(matrix, dtype=np.uint8) % 2
    if m.ndim == 1 and m.size == 0:
        m = m.reshape(0, columns or 0)
    if m.ndim != 2:
        raise ValueError(f"expected a 2-D binary matrix, got shape {m.shape}")
    return m


def row_reduce(matrix: object) -> tuple[np.ndarray, list[int]]:
    """The reduced row echelon form over GF(2) and its pivot columns.

    Examples:
        >>> reduced, pivots = row_reduce([[1, 1, 0], [1, 1, 1]])
        >>> reduced.tolist(), pivots
        ([[1, 1, 0], [0, 0, 1]], [0, 2])
    """
    m = _as_matrix(matrix).copy()
    rows, cols = m.shape
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        if r == rows:
            break
        below = np.nonzero(m[r:, c])[0]
        if below.size == 0:
            continue
        pivot = r + int(below[0])
        if pivot != r:
            m[[r, pivot]] = m[[pivot, r]]
        others = np.nonzero(m[:, c])[0]
        others = others[others != r]
        m[others] ^= m[r]
        pivots.append(c)
        r += 1
    return m[:r], pivots


def rank(matrix: object) -> int:
    """The rank over GF(2).

    Examples:
        >>> rank([[1, 1, 0], [0, 1, 1], [1, 0, 1]])
        2
    """
    return len(row_reduce(matrix)[1])


def nullspace(matrix: object) -> np.ndarray:
    """A basis (rows) of ``{x : matrix @ x = 0 mod 2}``.

    Examples:
        >>> nullspace([[1, 1, 0], [0, 1, 1]]).tolist()
        [[1, 1, 1]]
    """
    m = _as_matrix(matrix)
    cols = m.shape[1]
    reduced, pivots = row_reduce(m)
    free = [c for c in range(cols) if c not in set(pivots)]
    basis = np.zeros((len(free), cols), dtype=np.uint8)
    for i, f in enumerate(free):
        basis[i, f] = 1
        for row, p in enumerate(pivots):
            basis[i, p] = reduced[row, f]
    return basis


def in_row_space(vector: object, matrix: object) -> bool:
    """Whether ``vector`` is a sum of rows of ``matrix`` (mod 2).

    Examples:
        >>> in_row_space([1, 0, 1], [[1, 1, 0], [0, 1, 1]]), in_row_space([1, 0, 0], [[1, 1, 0]])
        (True, False)
    """
    m = _as_matrix(matrix)
    v = _as_matrix([vector])
    return rank(np.vstack([m, v])) == rank(m)


def inverse(matrix: object) -> np.ndarray:
    """The inverse of a square invertible matrix over GF(2).

    Raises:
        ValueError: the matrix is not square or not invertible.

    Examples:
        >>> inverse([[1, 1], [0, 1]]).tolist()
        [[1, 1], [0, 1]]
    """
    m = _as_matrix(matrix)
    n = m.shape[0]
    if m.shape != (n, n):
        raise ValueError(f"matrix of shape {m.shape} is not square")
    reduced, pivots = row_reduce(np.hstack([m, np.eye(n, dtype=np.uint8)]))
    if pivots[:n] != list(range(n)) or len(pivots) < n:
        raise ValueError("matrix is not invertible over GF(2)")
    return reduced[:n, n:]


def _representatives(kernel: np.ndarray, space: np.ndarray) -> np.ndarray:
    """Rows of ``kernel`` that extend the row space of ``space`` to the space they span."""
    chosen: list[np.ndarray] = []
    current = space.copy()
    current_rank = rank(current) if current.size else 0
    for row in kernel:
        trial = np.vstack([current, row[None, :]])
        trial_rank = rank(trial)
        if trial_rank > current_rank:
            chosen.append(row)
            current, current_rank = trial, trial_rank
    return np.array(chosen, dtype=np.uint8).reshape(len(chosen), kernel.shape[1])


def css_logicals(x_checks: object, z_checks: object) -> tuple[np.ndarray, np.ndarray]:
    """k pairs of logical operators of the CSS code with these check matrices.

    Logical X operators are X-type Paulis that commute with every Z check (the kernel of the Z
    check matrix) and are not products of X checks; logical Z likewise with the roles swapped.
    The Z logicals are then recombined so that ``X_i`` anticommutes with ``Z_j`` exactly when
    ``i = j`` (``lx @ lz.T = I`` mod 2).

    Args:
        x_checks: the X check matrix, ``(mx, n)`` binary.
        z_checks: the Z check matrix, ``(mz, n)`` binary.

    Returns:
        ``(lx, lz)``, each ``(k, n)`` ``uint8``, with ``k = n - rank(x_checks) - rank(z_checks)``.

    Raises:
        ValueError: the matrices do not have the same number of columns, or their checks do
            not commute (``x_checks @ z_checks.T != 0`` mod 2).

    Examples:
        >>> lx, lz = css_logicals([[1, 1, 1, 1]], [[1, 1, 1, 1]])
        >>> len(lx), ((lx.astype(int) @ lz.T.astype(int)) % 2).tolist()
        (2, [[1, 0], [0, 1]])
    """
    hx = _as_matrix(x_checks)
    hz = _as_matrix(z_checks)
    n = max(hx.shape[1], hz.shape[1])
    hx = hx.reshape(hx.shape[0], n) if hx.shape[0] == 0 else hx
    hz = hz.reshape(hz.shape[0], n) if hz.shape[0] == 0 else hz
    if hx.shape[1] != hz.shape[1]:
        raise ValueError(f"the X checks act on {hx.shape[1]} qubits but the Z checks on "
                         f"{hz.shape[1]}")
    if np.any((hx.astype(np.int64) @ hz.T.astype(np.int64)) % 2):
        raise ValueError("some X check and Z check overlap on an odd number of qubits: they "
                         "anticommute")
    lx = _representatives(nullspace(hz) if hz.shape[0] else np.eye(n, dtype=np.uint8), hx)
    lz = _representatives(nullspace(hx) if hx.shape[0] else np.eye(n, dtype=np.uint8), hz)
    if len(lx) != len(lz):  # cannot happen for commuting checks; a guard for the pairing below
        raise ValueError(f"found {len(lx)} X logicals but {len(lz)} Z logicals")
    if len(lx) == 0:
        return lx, lz
    overlap = (lx.astype(np.int64) @ lz.T.astype(np.int64)) % 2
    lz = (inverse(overlap).T.astype(np.int64) @ lz.astype(np.int64)) % 2
    return lx, lz.astype(np.uint8)
