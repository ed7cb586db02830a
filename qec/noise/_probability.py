"""The check every rate of the noise models goes through: a probability in [0, 1], returned as
a plain float (numpy scalars too), with an error message that names the rate and, for a preset's
scaled rate, the scaling it came from."""

from __future__ import annotations

import math

from qec._validate import is_real


def _check_probability(name: str, value: object, *, scale: str = "") -> float:
    """Returns ``value`` as a plain float (numpy scalars too) if it is a probability."""
    if not is_real(value):
        raise ValueError(f"{name}={value!r} must be a probability, a number in [0, 1]")
    number = float(value)  # type: ignore[arg-type]
    if not (0.0 <= number <= 1.0) or math.isnan(number):
        detail = f" ({scale})" if scale else ""
        shown = value.item() if hasattr(value, "item") else value  # numpy scalars as typed
        raise ValueError(f"{name}={shown!r}{detail} must be a probability in [0, 1]")
    return number
