"""Decoder specs: the text ``NAME:KEY=VALUE,...`` that names a decoder with changed parameters.

:func:`parse_decoder_spec` splits a spec into its name and parameter texts,
:func:`split_decoder_list` splits a comma-separated list of names and specs (a spec's own
commas stay with it), and the private helpers convert a parameter's text to the type of the
dataclass field it sets and write it back in canonical form. Nothing here resolves a name:
:mod:`qec.decoders._registry` does, and applies the parameters to the decoder it finds.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["parse_decoder_spec", "split_decoder_list"]


def _split_parameters(text: str) -> list[str]:
    """``"a=1,b=(2,3)"`` into ``["a=1", "b=(2,3)"]``: commas inside parentheses stay."""
    parts, depth, current = [], 0, []
    for character in text:
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        if character == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _convert(spec: str, key: str, text: str, current: Any) -> Any:
    """A parameter's text as the type of its current value."""
    try:
        if isinstance(current, bool):
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return lowered in ("true", "1", "yes")
        if isinstance(current, int):
            number = float(text)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if isinstance(current, float):
            return float(text)
        if isinstance(current, tuple):
            inner = text.strip().removeprefix("(").removesuffix(")")
            return tuple(float(v) for v in inner.split(",") if v.strip())
    except ValueError:
        kind = {bool: "true or false", int: "an integer", float: "a number",
                tuple: "a tuple like (-0.24,0.66)"}[type(current)]
        raise ValueError(f"decoder spec {spec!r}: {key}={text!r} must be {kind}") from None
    return text


def parse_decoder_spec(spec: str) -> tuple[str, dict[str, str]]:
    """Splits a decoder spec ``NAME`` or ``NAME:KEY=VALUE,KEY=VALUE`` into its parts.

    Raises:
        ValueError: a parameter that is not ``KEY=VALUE``, or one given twice.

    Examples:
        >>> parse_decoder_spec("relay-bp:num_sets=300,gamma_interval=(-0.2,0.6)")
        ('relay-bp', {'num_sets': '300', 'gamma_interval': '(-0.2,0.6)'})
    """
    base, separator, rest = spec.partition(":")
    if not separator:
        return spec, {}
    parameters: dict[str, str] = {}
    for part in _split_parameters(rest):
        key, equals, value = part.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or not key or not value.strip():
            raise ValueError(f"decoder spec {spec!r}: {part!r} must be KEY=VALUE, like "
                             "relay-bp:num_sets=300,stop_nconv=1")
        if key in parameters:
            raise ValueError(f"decoder spec {spec!r} gives {key} twice")
        parameters[key] = value.strip()
    if not parameters:
        raise ValueError(f"decoder spec {spec!r} has no parameters after ':'; write NAME, or "
                         "NAME:KEY=VALUE,...")
    return base.strip(), parameters


def _with_parameters(spec: str, decoder: Any, parameters: dict[str, str]) -> Any:
    """``decoder`` (a dataclass) with the spec's parameters, checked by its own validation."""
    if not dataclasses.is_dataclass(decoder) or isinstance(decoder, type):
        raise ValueError(f"decoder spec {spec!r}: {type(decoder).__name__} takes no parameters")
    fields = {f.name: getattr(decoder, f.name) for f in dataclasses.fields(decoder)}
    unknown = sorted(set(parameters) - set(fields))
    if unknown:
        raise ValueError(f"decoder spec {spec!r}: no parameter {unknown[0]!r}; its parameters "
                         f"are {', '.join(fields)}")
    values = {key: _convert(spec, key, text, fields[key]) for key, text in parameters.items()}
    return dataclasses.replace(decoder, **values)


def _parameter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "(" + ",".join(f"{v:g}" for v in value) + ")"
    return f"{value:g}" if isinstance(value, float) else str(value)


def split_decoder_list(text: str) -> list[str]:
    """A comma-separated list of decoder names and specs, the specs' own ``KEY=VALUE``
    parameters kept with their spec.

    Examples:
        >>> split_decoder_list("pymatching,relay-bp:num_sets=300,stop_nconv=1,tesseract")
        ['pymatching', 'relay-bp:num_sets=300,stop_nconv=1', 'tesseract']
    """
    names: list[str] = []
    for part in _split_parameters(text):
        if names and ":" in names[-1] and "=" in part and ":" not in part:
            names[-1] += "," + part  # another parameter of the spec before
        else:
            names.append(part)
    return names
