"""Intervals: binomial confidence intervals and the shot-to-round error conversion."""

from __future__ import annotations

import dataclasses
import math

import sinter
from scipy.special import gammaincinv

__all__ = ["Interval", "binomial_interval", "per_round_error", "shot_error"]


@dataclasses.dataclass(frozen=True)
class Interval:
    """An estimate with a confidence interval: a probability, or a ratio such as Lambda.

    Attributes:
        estimate: the best estimate (the maximum-likelihood value for binomial data).
        low: the lower end of the interval, ``low <= estimate``.
        high: the upper end of the interval, ``high >= estimate``.
        confidence: the nominal coverage of ``[low, high]``, in (0, 1).

    Examples:
        >>> Interval(estimate=0.1, low=0.05, high=0.25, confidence=0.95).half_width
        0.1
    """

    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def __post_init__(self) -> None:
        for name in ("estimate", "low", "high", "confidence"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or math.isnan(value):
                raise ValueError(f"{name}={value!r} must be a number")
            object.__setattr__(self, name, float(value))
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence={self.confidence!r} must be strictly between 0 and 1")
        if not self.low <= self.estimate <= self.high:
            raise ValueError(
                f"need low <= estimate <= high, got low={self.low!r}, "
                f"estimate={self.estimate!r}, high={self.high!r}"
            )

    @property
    def half_width(self) -> float:
        """Half the width of the interval, ``(high - low) / 2``."""
        return (self.high - self.low) / 2

    def per_round(self, *, rounds: float, values: int = 1) -> Interval:
        """Converts an interval on the shot error into one on the error per round.

        The conversion is monotone, so the ends of the interval map to the ends of the new one
        and the coverage is unchanged. See :func:`per_round_error`.

        Args:
            rounds: the number of rounds each shot ran, positive.
            values: the number of logical observables a shot must keep (see
                :func:`per_round_error`).

        Returns:
            The interval on the logical error per round.

        Examples:
            >>> interval = binomial_interval(errors=100, shots=1000, confidence=0.95)
            >>> round(interval.per_round(rounds=5).estimate, 5)
            0.02182
        """
        return Interval(
            estimate=per_round_error(self.estimate, rounds=rounds, values=values),
            low=per_round_error(self.low, rounds=rounds, values=values),
            high=per_round_error(self.high, rounds=rounds, values=values),
            confidence=self.confidence,
        )


def likelihood_factor(confidence: float) -> float:
    """The likelihood ratio whose interval has the given asymptotic coverage (Wilks' theorem).

    ``2 ln(L_max / L) ~ chi2(1)``, so the interval is every hypothesis whose likelihood is within
    ``exp(chi2.ppf(confidence, 1) / 2)`` of the maximum (6.83 for 95%); half that chi-squared
    quantile is ``gammaincinv(1/2, confidence)``, the function ``scipy.stats.chi2`` calls.

    Examples:
        >>> round(likelihood_factor(0.95), 3)
        6.826
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1")
    return math.exp(gammaincinv(0.5, confidence))


def _check_counts(*, errors: int, shots: int) -> None:
    for name, value in (("errors", errors), ("shots", shots)):
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise ValueError(f"{name}={value!r} must be an integer")
    if shots <= 0:
        raise ValueError(f"shots={shots!r} must be positive: there is no estimate without shots")
    if not 0 <= errors <= shots:
        raise ValueError(f"errors={errors!r} must be between 0 and shots={shots!r}")


def binomial_interval(*, errors: int, shots: int, confidence: float = 0.95) -> Interval:
    """The maximum-likelihood error rate with its likelihood-ratio confidence interval.

    The interval holds every rate whose binomial likelihood is within a factor
    :func:`likelihood_factor` (``confidence``) of the best one, computed by
    ``sinter.fit_binomial``. Unlike the normal approximation it stays meaningful at zero
    errors (``low = 0`` and ``high`` about ``1.92 / shots`` at 95%) and at ``errors == shots``.

    Args:
        errors: the number of shots with a logical error, ``0 <= errors <= shots``.
        shots: the number of shots kept (discards excluded), positive.
        confidence: the nominal coverage, in (0, 1).

    Returns:
        An :class:`Interval` with ``estimate = errors / shots``.

    Raises:
        ValueError: if ``shots`` is not positive, ``errors`` is out of range or ``confidence``
            is not in (0, 1).

    Examples:
        >>> interval = binomial_interval(errors=5, shots=10, confidence=0.95)
        >>> interval.estimate, round(interval.low, 3), round(interval.high, 3)
        (0.5, 0.218, 0.782)
        >>> round(binomial_interval(errors=0, shots=1000).high, 6)
        0.00192
    """
    _check_counts(errors=errors, shots=shots)
    fit = sinter.fit_binomial(
        num_shots=int(shots),
        num_hits=int(errors),
        max_likelihood_factor=likelihood_factor(confidence),
    )
    low = min(float(fit.low), fit.best)
    high = max(float(fit.high), fit.best)
    return Interval(estimate=float(fit.best), low=low, high=high, confidence=confidence)


def _check_rounds(rounds: float) -> None:
    if isinstance(rounds, bool) or not isinstance(rounds, (int, float)) or not rounds > 0:
        raise ValueError(f"rounds={rounds!r} must be a positive number")


def per_round_error(shot_error: float, *, rounds: float, values: int = 1) -> float:
    """Converts the probability that a shot of ``rounds`` rounds fails into an error per round.

    With one observable, inverts ``P = (1 - (1 - 2 e)^r) / 2``, i.e.
    ``e = (1 - (1 - 2 P)^(1/r)) / 2``: the rate of independent per-round flips of the observable
    whose parity over ``r`` rounds fails with probability ``P``. A shot error at or above 1/2
    means a fully randomised observable and maps to 1/2.

    With ``values = k`` observables (a code with k logical qubits, a shot failing when any of
    them is wrong), each observable is taken to fail independently at the same rate: its shot
    error is ``1 - (1 - P)^(1/k)``, converted per round as above, and the result is the
    probability that any of the k fails in one round. These are the semantics of
    ``sinter.shot_error_rate_to_piece_error_rate(P, pieces=r, values=k)``; the result saturates
    at ``1 - 2^-k`` (every observable randomised).

    Args:
        shot_error: the shot error probability, in [0, 1].
        rounds: the number of rounds per shot, positive.
        values: the number of observables, an integer >= 1.

    Returns:
        The logical error per round, in [0, 1 - 2^-values].

    Raises:
        ValueError: if ``shot_error`` is outside [0, 1], ``rounds`` is not positive or
            ``values`` is not a positive integer.

    Examples:
        >>> round(per_round_error(0.1, rounds=2), 6)
        0.052786
        >>> per_round_error(0.7, rounds=3)
        0.5
        >>> round(per_round_error(0.6, rounds=10, values=2), 6)
        0.120523
    """
    if isinstance(shot_error, bool) or not 0 <= shot_error <= 1:
        raise ValueError(f"shot_error={shot_error!r} must be a probability in [0, 1]")
    _check_rounds(rounds)
    if isinstance(values, bool) or not hasattr(values, "__index__") or values < 1:
        raise ValueError(f"values={values!r} must be an integer >= 1")
    values = int(values)
    if values > 1:
        each = 1 - (1 - float(shot_error)) ** (1 / values)
        return 1 - (1 - per_round_error(min(each, 1.0), rounds=rounds)) ** values
    if shot_error >= 0.5:
        return 0.5
    return float(sinter.shot_error_rate_to_piece_error_rate(float(shot_error), pieces=rounds))


def shot_error(per_round_error: float, *, rounds: float) -> float:
    """The probability that a shot of ``rounds`` rounds fails, given the error per round.

    ``P = (1 - (1 - 2 e)^r) / 2``: the inverse of :func:`per_round_error`.

    Args:
        per_round_error: the logical error per round, in [0, 1/2].
        rounds: the number of rounds per shot, positive.

    Returns:
        The shot error probability, in [0, 1/2].

    Raises:
        ValueError: if ``per_round_error`` is outside [0, 1/2] or ``rounds`` is not positive.

    Examples:
        >>> round(shot_error(0.052786404500042, rounds=2), 6)
        0.1
        >>> round(shot_error(per_round_error(0.25, rounds=7), rounds=7), 12)
        0.25
    """
    if isinstance(per_round_error, bool) or not 0 <= per_round_error <= 0.5:
        raise ValueError(f"per_round_error={per_round_error!r} must be in [0, 1/2]")
    _check_rounds(rounds)
    if per_round_error == 0.5:
        return 0.5
    return float(
        sinter.shot_error_rate_to_piece_error_rate(float(per_round_error), pieces=1 / rounds)
    )
