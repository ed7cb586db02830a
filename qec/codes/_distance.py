"""Minimum-weight logical operators by integer programming (HiGHS through scipy)."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from qec._validate import number_in

__all__ = ["WeightBound", "min_weight_odd_solution"]


@dataclasses.dataclass(frozen=True)
class WeightBound:
    """The least weight of a vector found by :func:`min_weight_odd_solution`.

    Attributes:
        weight: the weight of the lightest vector found (an upper bound on the minimum).
        lower: the solver's proven lower bound on the minimum (equal to ``weight`` when
            ``proven``).
        proven: whether the solver proved ``weight`` minimal within its time limit.
        support: the indices of the vector found.
        seconds: the time spent.
    """

    weight: int
    lower: int
    proven: bool
    support: tuple[int, ...]
    seconds: float

    @classmethod
    def least(cls, bounds: list[WeightBound]) -> WeightBound:
        """The least of several searches (one per logical operator or observable).

        Its weight is the lightest found; it is proven when no search left a lower weight
        possible, i.e. when every proven lower bound reaches that weight.

        Raises:
            ValueError: if ``bounds`` is empty.
        """
        if not bounds:
            raise ValueError("bounds is empty: there is no search to combine")
        best = min(bounds, key=lambda b: b.weight)
        return cls(weight=best.weight, lower=min(b.lower for b in bounds),
                   proven=all(b.lower >= best.weight for b in bounds), support=best.support,
                   seconds=sum(b.seconds for b in bounds))


def min_weight_odd_solution(checks: np.ndarray, target: np.ndarray, *,
                            time_limit: float = 60.0) -> WeightBound:
    """The lightest binary ``x`` with ``checks x = 0`` and ``target . x = 1`` (mod 2).

    Solved as an integer program (minimise ``sum x`` subject to ``checks x - 2 s = 0``,
    ``target . x - 2 t = 1``, x binary, s and t integers) by HiGHS (``scipy.optimize.milp``),
    within ``time_limit`` seconds. With a code's Z checks and one of its logical Z operators,
    ``x`` is the lightest logical X operator that anticommutes with it; the minimum over the
    logical Z operators is the X distance. With a detector error model's detectors and one
    observable, ``x`` is the smallest set of faults that flips the observable silently: the
    circuit-level distance (an upper bound when the time runs out).

    Args:
        checks: binary ``(r, n)`` array (numpy or scipy sparse).
        target: binary ``(n,)`` array.
        time_limit: seconds the solver may take, positive.

    Returns:
        A :class:`WeightBound` (``proven`` False when the time ran out first).

    Raises:
        ValueError: shapes that do not match, or no solution at all (every vector the checks
            allow is even on ``target``).
        TimeoutError: the solver found no solution within ``time_limit``.

    Examples:
        >>> rep3 = np.array([[1, 1, 0], [0, 1, 1]])
        >>> min_weight_odd_solution(rep3, np.array([1, 0, 0])).weight
        3
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix, hstack, identity, vstack

    time_limit = number_in("time_limit", time_limit, 0, math.inf, low_open=True,
                           high_open=True)
    checks = csr_matrix(checks, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64).reshape(1, -1)
    rows, n = checks.shape
    if target.shape[1] != n:
        raise ValueError(f"target has {target.shape[1]} entries for {n} columns of checks")
    degree = np.asarray(checks.sum(axis=1)).ravel()
    matrix = vstack([
        hstack([checks, -2 * identity(rows), csr_matrix((rows, 1))]),
        hstack([csr_matrix(target), csr_matrix((1, rows)), csr_matrix([[-2.0]])]),
    ]).tocsr()
    rhs = np.r_[np.zeros(rows), [1.0]]
    cost = np.r_[np.ones(n), np.zeros(rows + 1)]
    upper = np.r_[np.ones(n), np.floor(degree / 2), [math.floor(target.sum() / 2)]]
    start = time.monotonic()
    result = milp(cost, constraints=LinearConstraint(matrix, rhs, rhs),
                  integrality=np.ones(n + rows + 1), bounds=Bounds(np.zeros(n + rows + 1), upper),
                  options={"time_limit": time_limit})
    seconds = time.monotonic() - start
    if result.x is None:
        if result.status == 2:
            raise ValueError("no solution: every vector the checks allow is even on the target")
        raise TimeoutError(f"the solver found no solution within time_limit={time_limit} s "
                           f"({result.message})")
    x = np.round(result.x[:n]).astype(np.int64)
    weight = int(x.sum())
    bound = getattr(result, "mip_dual_bound", None)
    lower = weight if result.status == 0 else math.ceil((bound or 0) - 1e-6)
    return WeightBound(weight=weight, lower=min(lower, weight), proven=result.status == 0,
                       support=tuple(int(i) for i in np.flatnonzero(x)), seconds=seconds)
