"""Leakage's share of the logical error, measured by switching leakage off.

Leakage is not a rate of the Pauli error model, so it has no elasticity in
:func:`~qec.studies._budget.estimate_budget`: :func:`leakage_shares` samples, for each
leakage-removal strategy, the memory experiment with leakage and the same circuit without it
(through the leakage simulator and :func:`qec.sampling.collect`, into a results database),
and reports ``1 - P(without) / P(with)`` with its interval as a :class:`LeakageShare`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["LeakageShare", "leakage_shares"]


@dataclasses.dataclass(frozen=True)
class LeakageShare:
    """The share of the logical error that leakage is responsible for, under one removal
    strategy.

    Attributes:
        removal: ``"none"``, ``"mlr"`` or ``"dqlr"``.
        leakage: the leakage rate per qubit per two-qubit gate.
        with_leakage: the logical error per shot of the circuit with leakage (interval).
        without_leakage: the same circuit (same removal operations) at leakage rate 0.
        share: ``1 - P(without) / P(with)``, the fraction of the logical error that goes away
            when leakage does.
        share_interval: its interval (delta method on the log ratio of two binomials).
    """

    removal: str
    leakage: float
    with_leakage: Any
    without_leakage: Any
    share: float
    share_interval: tuple[float, float]


def leakage_shares(*, code: str, distance: int, rounds: int, basis: str, noise: str,
                   p: float, leakage: float, removals: Sequence[str] = ("none", "mlr", "dqlr"),
                   decoder: str = "pymatching", shots: int, seed: int = 0, db: Any,
                   workers: int | None = None, dask: Any = None, confidence: float = 0.95
                   ) -> tuple[LeakageShare, ...]:
    """Leakage's share of the logical error, per removal strategy, from direct sampling.

    Leakage is not a rate of the Pauli error model: its effect goes through the leakage
    simulator (:class:`qec.leakage.LeakageSampler`), so its share is measured by switching it
    off: for each strategy, the memory experiment with ``leakage`` and the same circuit (same
    removal operations and their own errors) with leakage rate 0, sampled with
    :func:`qec.sampling.collect` into ``db`` (durable and resumable like every sampling run).

    Args:
        code, distance, rounds, basis, noise, p, decoder: the memory experiment, as for
            :func:`qec.sampling.memory_task`.
        leakage: leakage rate per qubit per two-qubit gate, positive.
        removals: the strategies to compare.
        shots: shots per task.
        seed: the sampling seed.
        db: the results database (path or open store).
        workers: worker processes (all cores when None).
        dask: a Dask address, ``"local"`` or a ``distributed.Client`` to sample on instead.
        confidence: the intervals' coverage.

    Returns:
        One :class:`LeakageShare` per strategy, in order.

    Raises:
        ValueError: bad arguments (as :func:`qec.sampling.memory_task` and
            :func:`qec.sampling.collect` raise them), a rate that is not positive.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     shares = leakage_shares(code="surface", distance=3, rounds=6, basis="Z",
        ...         noise="si1000", p=0.002, leakage=0.004, removals=("none", "dqlr"),
        ...         shots=4000, seed=1, db=f"{tmp}/l.db", workers=1)
        >>> [s.removal for s in shares], shares[0].share > shares[1].share
        (['none', 'dqlr'], True)
    """
    from scipy.stats import norm

    from qec.sampling import collect, memory_task

    if isinstance(leakage, bool) or not isinstance(leakage, (int, float, np.integer,
                                                              np.floating)) or not leakage > 0:
        raise ValueError(f"leakage={leakage!r} must be a positive rate")
    pairs = []
    for removal in removals:
        common = dict(code=code, distance=distance, rounds=rounds, basis=basis, noise=noise,
                      p=p, decoder=decoder, leakage_removal=removal)
        pairs.append((memory_task(**common, leakage=float(leakage)),
                      memory_task(**common, leakage=0.0)))
    stats = collect([t for pair in pairs for t in pair], db=db, max_shots=shots, seed=seed,
                    workers=workers, dask=dask, progress=None)
    z = float(norm.ppf(0.5 + confidence / 2))
    out = []
    for index, removal in enumerate(removals):
        on, off = stats[2 * index], stats[2 * index + 1]
        a, b = on.logical_error(confidence=confidence), off.logical_error(confidence=confidence)
        if on.errors == 0 or off.errors == 0:
            share, interval = math.nan, (math.nan, math.nan)
        else:
            log_ratio = math.log(b.estimate / a.estimate)
            sd = math.sqrt((1 - a.estimate) / on.errors + (1 - b.estimate) / off.errors)
            share = 1 - math.exp(log_ratio)
            interval = (1 - math.exp(log_ratio + z * sd), 1 - math.exp(log_ratio - z * sd))
        out.append(LeakageShare(removal=removal, leakage=float(leakage), with_leakage=a,
                                without_leakage=b, share=share, share_interval=interval))
    return tuple(out)
