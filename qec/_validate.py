"""One set of argument checks for the whole package; each accepts numpy scalars.

Every check returns the value converted to a plain Python number (so that it prints as ``3``,
not ``np.int64(3)``, in circuit text, JSON and error messages) or raises ``ValueError`` with a
message that names the parameter, its value and what is allowed.

Examples:
    >>> import numpy as np
    >>> int_at_least("distance", np.int64(5), 2)
    5
    >>> probability("p", np.float64(0.001))
    0.001
    >>> one_of("basis", "Y", ("X", "Z"))
    Traceback (most recent call last):
        ...
    ValueError: basis='Y' must be one of 'X', 'Z'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, TypeVar

__all__ = [
    "int_at_least",
    "is_integer",
    "is_real",
    "number_in",
    "one_of",
    "positive_int",
    "positive_number",
    "probability",
]

T = TypeVar("T")


def is_integer(value: object) -> bool:
    """Whether ``value`` is an integer (Python or numpy), not a bool.

    Examples:
        >>> is_integer(3), is_integer(True), is_integer(3.0)
        (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number (Python or numpy int or float), not a bool.

    Examples:
        >>> import numpy as np
        >>> is_real(np.float32(0.5)), is_real("0.5"), is_real(False)
        (True, False, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def int_at_least(name: str, value: object, minimum: int, *, maximum: int | None = None) -> int:
    """Returns ``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    Examples:
        >>> int_at_least("rounds", 0, 1)
        Traceback (most recent call last):
            ...
        ValueError: rounds=0 must be an integer >= 1
        >>> int_at_least("distance", 1, 2)
        Traceback (most recent call last):
            ...
        ValueError: distance=1 must be an integer >= 2
        >>> int_at_least("rounds", 10, 1, maximum=5)
        Traceback (most recent call last):
            ...
        ValueError: rounds=10 must be an integer from 1 to 5
    """
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name}={_show(value)} must be an integer {allowed}")
    return int(value)  # type: ignore[call-overload]


def positive_int(name: str, value: object) -> int:
    """Returns ``value`` as an ``int`` if it is a positive integer.

    Examples:
        >>> positive_int("shots", 0)
        Traceback (most recent call last):
            ...
        ValueError: shots=0 must be a positive integer
    """
    if not is_integer(value) or value < 1:
        raise ValueError(f"{name}={_show(value)} must be a positive integer")
    return int(value)  # type: ignore[call-overload]


def number_in(name: str, value: object, low: float, high: float, *, low_open: bool = False,
              high_open: bool = False) -> float:
    """Returns ``value`` as a ``float`` if it is a real number in the given interval.

    Examples:
        >>> number_in("confidence", 1.0, 0, 1, low_open=True, high_open=True)
        Traceback (most recent call last):
            ...
        ValueError: confidence=1.0 must be a number in (0, 1)
    """
    ok = is_real(value) and not math.isnan(float(value))  # type: ignore[arg-type]
    if ok:
        x = float(value)  # type: ignore[arg-type]
        ok = (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name}={_show(value)} must be a number in {interval}")
    return float(value)  # type: ignore[arg-type]


def probability(name: str, value: object) -> float:
    """Returns ``value`` as a ``float`` if it is a probability in [0, 1].

    Examples:
        >>> probability("p", 1.5)
        Traceback (most recent call last):
            ...
        ValueError: p=1.5 must be a probability in [0, 1]
    """
    if not is_real(value) or not 0 <= float(value) <= 1:  # type: ignore[arg-type]
        raise ValueError(f"{name}={_show(value)} must be a probability in [0, 1]")
    return float(value)  # type: ignore[arg-type]


def positive_number(name: str, value: object) -> float:
    """Returns ``value`` as a ``float`` if it is a finite positive number.

    Examples:
        >>> positive_number("seconds", -1)
        Traceback (most recent call last):
            ...
        ValueError: seconds=-1 must be a positive finite number
    """
    if not is_real(value) or not (math.isfinite(float(value)) and float(value) > 0):  # type: ignore[arg-type]
        raise ValueError(f"{name}={_show(value)} must be a positive finite number")
    return float(value)  # type: ignore[arg-type]


def one_of(name: str, value: T, allowed: Iterable[T]) -> T:
    """Returns ``value`` if it is one of ``allowed``.

    Examples:
        >>> one_of("basis", "X", ("X", "Z"))
        'X'
    """
    allowed = tuple(allowed)
    if not any(value == a and type(value) is type(a) for a in allowed):
        raise ValueError(f"{name}={_show(value)} must be one of {', '.join(map(repr, allowed))}")
    return value


def _show(value: Any) -> str:
    """The value as a user typed it: numpy scalars without their ``np.float64(...)`` wrapper."""
    if is_real(value) and type(value).__module__ == "numpy":
        return repr(value.item())
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
