"""Stopping rules: when a task has been sampled enough.

A rule looks at running totals. The sampling engine evaluates it on the cumulative totals after
every chunk of a batch (arrays), so a task stops at the exact chunk where its rule is met,
whatever the batch sizes; it also asks the rule how many more shots it expects to need, to size
batches and show an ETA. ``max_shots`` is always a rule of its own (a budget, not an accuracy
target). Any object with the two methods of :class:`StoppingRule` can be given to
:func:`qec.sampling.collect`, if ``met`` is a function of the totals alone: the engine cuts
a task at the first chunk of its stored prefix where the rule is met and deletes the chunks
after it (so that a seeded run's totals depend on the seed and the rules only), and a rule that
depends on anything else (a clock, a file) would delete committed data; the engine refuses a
rule that is met at zero totals, which is what such a rule becomes. Stop a run by time from
outside the rules: ``collect(time_limit=...)`` (``--time-limit`` on the command line) starts no
new batch after it and cuts nothing, and an interrupt keeps what is committed.

Examples:
    >>> import numpy as np
    >>> rule = MaxErrors(100)
    >>> rule.met(shots=np.array([1000, 2000]), errors=np.array([60, 120]),
    ...          discards=np.array([0, 0])).tolist()
    [False, True]
    >>> rule.shots_left(shots=1000, errors=60, discards=0)
    666.6666666666667
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np

from qec._validate import positive_int, positive_number

__all__ = ["MaxErrors", "StoppingRule", "TargetRelativeError"]

_Z95 = 1.959963984540054  # two-sided 95% normal quantile


class StoppingRule(Protocol):
    """When to stop sampling a task: a function of the running totals alone (the module
    docstring says why)."""

    def met(self, *, shots: np.ndarray, errors: np.ndarray, discards: np.ndarray) -> np.ndarray:
        """Elementwise: whether totals (int64 arrays of one shape) meet the rule (bool array)."""
        ...

    def shots_left(self, *, shots: int, errors: int, discards: int) -> float | None:
        """An estimate of the shots still needed from these totals; None when unknown."""
        ...


@dataclasses.dataclass(frozen=True)
class MaxErrors:
    """Stop once the task has this many logical errors.

    Examples:
        >>> MaxErrors(0)
        Traceback (most recent call last):
            ...
        ValueError: max_errors=0 must be a positive integer
    """

    max_errors: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_errors", positive_int("max_errors", self.max_errors))

    def met(self, *, shots: np.ndarray, errors: np.ndarray, discards: np.ndarray) -> np.ndarray:
        return np.asarray(errors) >= self.max_errors

    def shots_left(self, *, shots: int, errors: int, discards: int) -> float | None:
        return _shots_for_errors(self.max_errors, shots=shots, errors=errors, discards=discards)


@dataclasses.dataclass(frozen=True)
class TargetRelativeError:
    """Stop once the 95% half-width of the logical error is at most this fraction of it.

    Uses the normal approximation: the relative half-width of ``e`` errors out of ``n`` kept
    shots at rate ``r`` is ``1.96 sqrt((1 - r) / e)``.

    Examples:
        >>> import numpy as np
        >>> TargetRelativeError(0.1).met(shots=np.array([10**6]), errors=np.array([400]),
        ...                              discards=np.array([0])).tolist()
        [True]
    """

    target_relative_error: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "target_relative_error", positive_number(
            "target_relative_error", self.target_relative_error))

    def met(self, *, shots: np.ndarray, errors: np.ndarray, discards: np.ndarray) -> np.ndarray:
        errors = np.asarray(errors, dtype=np.float64)
        kept = np.maximum(np.asarray(shots) - np.asarray(discards), 1)
        rate = errors / kept
        need = _Z95**2 * (1 - rate) / self.target_relative_error**2
        return (errors > 0) & (errors >= need)

    def shots_left(self, *, shots: int, errors: int, discards: int) -> float | None:
        need = _Z95**2 / self.target_relative_error**2
        return _shots_for_errors(need, shots=shots, errors=errors, discards=discards)


def _shots_for_errors(target: float, *, shots: int, errors: int, discards: int) -> float | None:
    if errors <= 0:
        return None
    rate = errors / max(1, shots - discards)
    return max(0.0, target - errors) / rate


def check_rule(rule: Any) -> Any:
    """Returns ``rule`` if it has the methods of :class:`StoppingRule`, else raises ValueError."""
    if not (callable(getattr(rule, "met", None)) and callable(getattr(rule, "shots_left", None))):
        raise ValueError(f"stopping rule {rule!r} must have met(shots=, errors=, discards=) and "
                         "shots_left(shots=, errors=, discards=) methods")
    return rule
