"""Code families as explicit objects: qubits, coordinates, stabilizers, logicals.

Examples:
    >>> from qec.codes import code_from_name
    >>> code_from_name("surface", distance=5).parameters
    (25, 1, 5)
"""

from __future__ import annotations

from qec.codes._repetition_code import RepetitionCode
from qec.codes._rotated_surface_code import RotatedSurfaceCode
from qec.codes._stabilizer_code import Stabilizer, StabilizerCode
from qec.codes._unrotated_surface_code import UnrotatedSurfaceCode

__all__ = [
    "CODE_NAMES",
    "RepetitionCode",
    "RotatedSurfaceCode",
    "Stabilizer",
    "StabilizerCode",
    "UnrotatedSurfaceCode",
    "code_from_name",
]

_FAMILIES: dict[str, type[StabilizerCode]] = {
    "repetition": RepetitionCode,
    "surface": RotatedSurfaceCode,
    "rotated-surface": RotatedSurfaceCode,
    "unrotated-surface": UnrotatedSurfaceCode,
}

CODE_NAMES: tuple[str, ...] = ("repetition", "surface", "unrotated-surface")


def code_from_name(name: str, *, distance: int) -> StabilizerCode:
    """Builds a code by family name, as the command line does.

    Args:
        name: ``"repetition"``, ``"surface"`` (the rotated code; also ``"rotated-surface"``) or
            ``"unrotated-surface"``; underscores work too.
        distance: the code distance, an integer >= 2.

    Returns:
        The code object.

    Raises:
        ValueError: for an unknown name or an invalid distance.

    Examples:
        >>> code_from_name("repetition", distance=3)
        RepetitionCode(distance=3)
        >>> code_from_name("unrotated-surface", distance=3).parameters
        (13, 1, 3)
        >>> code_from_name("toric", distance=3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: code='toric' is not a known code; choose one of repetition, surface, ...
    """
    key = name.replace("_", "-").lower() if isinstance(name, str) else name
    if key not in _FAMILIES:
        raise ValueError(
            f"code={name!r} is not a known code; choose one of {', '.join(CODE_NAMES)}"
        )
    return _FAMILIES[key](distance=distance)
