"""Code families by name and parameters, and the spec strings that name any code.

A spec is ``family`` or ``family:key=value,key=value`` (``surface:distance=5``,
``toric:distance=4``, ``steane``); a family's first parameter may be given bare
(``surface:5``). Family names are normalised like every qec name (case, ``_`` or ``-``), and
aliases (``rotated-surface`` for ``surface``) resolve to one canonical name, which is what
qec stores in metadata. :func:`register_code_family` adds a family.

Examples:
    >>> code_from_spec("surface:distance=5")
    RotatedSurfaceCode(distance=5)
    >>> code_from_spec("Rotated_Surface:5") == code_from_spec("surface", distance=5)
    True
    >>> canonical_code_name("rotated_surface")
    'surface'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from qec._registry import Registry, normalize_name
from qec.codes._bivariate_bicycle import BivariateBicycleCode
from qec.codes._color_code import ColorCode
from qec.codes._css_code import CSSCode
from qec.codes._repetition_code import RepetitionCode
from qec.codes._rotated_surface_code import RotatedSurfaceCode
from qec.codes._stabilizer_code import StabilizerCode
from qec.codes._unrotated_surface_code import UnrotatedSurfaceCode

__all__ = [
    "CodeFamily",
    "canonical_code_name",
    "code_families",
    "code_from_name",
    "code_from_spec",
    "code_names",
    "parse_code_spec",
    "register_code_family",
    "spec_metadata",
]


@dataclasses.dataclass(frozen=True)
class CodeFamily:
    """A registered code family.

    Attributes:
        name: the canonical family name.
        build: a callable taking the family's parameters as keywords and returning the code.
        parameters: the names of the parameters it takes, in order (the first may be given
            bare in a spec); empty for a single code such as the Steane code.
        description: one line for listings and help.
    """

    name: str
    build: Callable[..., StabilizerCode]
    parameters: tuple[str, ...]
    description: str

    @property
    def takes_distance(self) -> bool:
        """Whether ``distance`` is one of its parameters (so it can be swept)."""
        return "distance" in self.parameters


_FAMILIES: Registry[CodeFamily] = Registry("code")


def register_code_family(name: str, build: Callable[..., StabilizerCode], *,
                         parameters: tuple[str, ...], description: str,
                         aliases: tuple[str, ...] = (), replace: bool = False) -> None:
    """Adds a code family, so that specs, ``memory_task`` and the command line know it.

    Args:
        name: the canonical name.
        build: called with the parameters as keywords; returns a code object.
        parameters: the parameter names it takes, in order.
        description: one line.
        aliases: other names that resolve to it.
        replace: replace a family of the same name.

    Raises:
        ValueError: the name or an alias is taken.
    """
    family = CodeFamily(name=normalize_name(name), build=build, parameters=tuple(parameters),
                        description=description)
    _FAMILIES.register(name, family, aliases=aliases, replace=replace)


register_code_family("repetition", RepetitionCode, parameters=("distance",),
                     description="bit-flip repetition code (Z-basis memory only)")
register_code_family("surface", RotatedSurfaceCode, parameters=("distance",),
                     description="rotated surface code, [[d^2, 1, d]]",
                     aliases=("rotated-surface",))
register_code_family("unrotated-surface", UnrotatedSurfaceCode, parameters=("distance",),
                     description="unrotated (planar) surface code, [[d^2 + (d-1)^2, 1, d]]",
                     aliases=("planar",))
register_code_family("color", ColorCode, parameters=("distance",),
                     description="triangular 6.6.6 colour code, [[(3d^2+1)/4, 1, d]], odd d",
                     aliases=("colour", "color-code", "colour-code"))
register_code_family("toric", CSSCode.toric, parameters=("distance",),
                     description="toric code on an L x L periodic lattice, [[2 L^2, 2, L]]")
register_code_family("steane", CSSCode.steane, parameters=(),
                     description="the [[7,1,3]] Steane code")
register_code_family("four-two-two", CSSCode.four_two_two, parameters=(),
                     description="the [[4,2,2]] error-detecting code", aliases=("422",))
register_code_family("bb", BivariateBicycleCode.published, parameters=("n",),
                     description="a published bivariate bicycle code (n = 72, 90, 108, 144, "
                                 "288; 144 is the gross code)")
register_code_family("bivariate-bicycle", BivariateBicycleCode,
                     parameters=("l", "m", "a", "b"),
                     description="bivariate bicycle code H_X = [A|B], H_Z = [B^T|A^T] "
                                 "(bivariate-bicycle:l=6,m=6,a=x^3+y+y^2,b=y^3+x+x^2)")


def code_names() -> tuple[str, ...]:
    """The canonical family names, in registration order.

    Examples:
        >>> code_names()[:3]
        ('repetition', 'surface', 'unrotated-surface')
    """
    return _FAMILIES.names()


def code_families() -> tuple[CodeFamily, ...]:
    """Every registered family."""
    return tuple(family for _, family in _FAMILIES.items())


def canonical_code_name(name: str) -> str:
    """The canonical name of a family name or alias.

    Raises:
        ValueError: an unknown family; the message lists the known ones.
    """
    return _FAMILIES.canonical(name)


def _parse_value(text: str) -> Any:
    text = text.strip()
    for parse in (int, float):
        try:
            value = parse(text)
        except ValueError:
            continue
        if isinstance(value, float) and value.is_integer() and math.isfinite(value):
            return int(value)
        return value
    return text


def parse_code_spec(spec: str) -> tuple[CodeFamily, dict[str, Any]]:
    """Splits a spec into its family and parameters (values parsed as numbers when they are).

    Raises:
        ValueError: not a string, an unknown family, a malformed or unknown parameter.

    Examples:
        >>> family, params = parse_code_spec("toric:distance=4")
        >>> family.name, params
        ('toric', {'distance': 4})
        >>> parse_code_spec("surface:size=4")
        Traceback (most recent call last):
            ...
        ValueError: code='surface:size=4': the surface code takes distance, not size
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"code={spec!r} must be a code name or spec like 'surface:distance=5'")
    head, _, tail = spec.partition(":")
    family = _FAMILIES.get(head)
    params: dict[str, Any] = {}
    parts = [part for part in tail.split(",") if part.strip()] if tail else []
    for position, part in enumerate(parts):
        key, equals, value = part.partition("=")
        if not equals:
            if position != 0 or not family.parameters:
                raise ValueError(f"code={spec!r}: {part!r} must be key=value")
            key, value = family.parameters[0], part
        key = key.strip().replace("-", "_")
        if key not in family.parameters:
            takes = ", ".join(family.parameters) or "no parameters"
            raise ValueError(f"code={spec!r}: the {family.name} code takes {takes}, not {key}")
        if key in params:
            raise ValueError(f"code={spec!r}: {key} is given twice")
        params[key] = _parse_value(value)
    return family, params


def code_from_spec(spec: str, **parameters: Any) -> StabilizerCode:
    """Builds a code from a spec, with more parameters given as keywords.

    Raises:
        ValueError: an invalid spec, a parameter given twice with different values, a missing
            parameter, or invalid parameter values (raised by the family).

    Examples:
        >>> code_from_spec("steane").parameters
        (7, 1, 3)
        >>> code_from_spec("toric", distance=3).num_logical_qubits
        2
        >>> code_from_spec("surface")
        Traceback (most recent call last):
            ...
        ValueError: code='surface' needs distance (for example 'surface:distance=5')
    """
    family, params = parse_code_spec(spec)
    for key, value in parameters.items():
        if key not in family.parameters:
            takes = ", ".join(family.parameters) or "no parameters"
            raise ValueError(f"code={spec!r}: the {family.name} code takes {takes}, not {key}")
        if key in params and params[key] != value:
            raise ValueError(f"code={spec!r} has {key}={params[key]!r}, but {key}={value!r} "
                             "was given too")
        params[key] = value
    missing = [key for key in family.parameters if key not in params]
    if missing:
        example = ",".join(f"{key}=5" for key in missing)
        raise ValueError(f"code={spec!r} needs {', '.join(missing)} (for example "
                         f"'{family.name}:{example}')")
    return family.build(**params)


def code_from_name(name: str, *, distance: int) -> StabilizerCode:
    """Builds a code by family name (or spec) and distance, as the command line does.

    For a single code that takes no distance (``steane``), ``distance`` must be its own.

    Args:
        name: a family name or alias (``"repetition"``, ``"surface"`` (the rotated code; also
            ``"rotated-surface"``), ``"unrotated-surface"``, ``"toric"``, ...) or a spec;
            underscores work too.
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
        >>> code_from_name("hexagon", distance=3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        ValueError: code='hexagon' is not a known code; choose one of repetition, surface ...
    """
    family, _ = parse_code_spec(name)
    if family.takes_distance:
        return code_from_spec(name, distance=distance)
    code = code_from_spec(name)
    if code.distance != distance:
        raise ValueError(f"code={name!r} has distance {code.distance}; distance={distance!r} "
                         "does not apply to it")
    return code


def spec_metadata(spec: str) -> tuple[str, dict[str, Any]]:
    """The canonical code name to store in metadata, and the spec's other parameters.

    The canonical name is the family name with the parameters other than ``distance``
    (``"surface"``, ``"toric"``; a family with more parameters gives ``"name:key=value"``);
    ``distance`` is returned among the parameters, since it is an axis of a sweep.

    Examples:
        >>> spec_metadata("Rotated_Surface:distance=5")
        ('surface', {'distance': 5})
    """
    family, params = parse_code_spec(spec)
    others = [f"{key}={params[key]}" for key in family.parameters
              if key != "distance" and key in params]
    name = family.name + (":" + ",".join(others) if others else "")
    return name, params
