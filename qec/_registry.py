"""One kind of registry for codes, noise models and decoders: names, aliases, normalisation.

Names are normalised the same way everywhere (:func:`normalize_name`): case and the choice of
``_`` or ``-`` do not matter, so ``rotated_surface``, ``Rotated-Surface`` and
``rotated-surface`` are one name. Each entry has one canonical name, which is what qec stores
in metadata, and any number of aliases.

Examples:
    >>> registry = Registry("widget")
    >>> registry.register("round-thing", 1, aliases=("circle",))
    >>> registry.canonical("Round_Thing"), registry.canonical("circle"), registry.get("circle")
    ('round-thing', 'round-thing', 1)
    >>> registry.get("square")
    Traceback (most recent call last):
        ...
    ValueError: widget='square' is not a known widget; choose one of round-thing (or circle)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Registry", "normalize_name"]

T = TypeVar("T")


def normalize_name(name: str) -> str:
    """The lookup form of a name: stripped, lower case, ``_`` read as ``-``.

    Examples:
        >>> normalize_name(" Pymatching_Correlated ")
        'pymatching-correlated'
    """
    return name.strip().lower().replace("_", "-")


class Registry(Generic[T]):
    """Named entries of one kind, looked up by canonical name or alias.

    Args:
        kind: what the entries are ("code", "noise model", "decoder"), for messages.
        parameter: the parameter name messages show (default: ``kind``, spaces as ``_``).
    """

    def __init__(self, kind: str, *, parameter: str | None = None) -> None:
        self.kind = kind
        self.parameter = parameter or kind.replace(" ", "_")
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, entry: T, *, aliases: tuple[str, ...] = (),
                 replace: bool = False) -> None:
        """Adds an entry under a canonical name (normalised) and optional aliases.

        Raises:
            ValueError: the name or an alias is empty or already taken (unless ``replace``).
        """
        if not isinstance(name, str) or not normalize_name(name):
            raise ValueError(f"{self.kind} name={name!r} must be a non-empty string")
        canonical = normalize_name(name)
        keys = [canonical, *(normalize_name(a) for a in aliases)]
        for key in keys:
            owner = self._aliases.get(key)
            if owner is not None and owner != canonical and not replace:
                raise ValueError(
                    f"{self.kind} name {key!r} is already registered (for {owner!r})")
            if owner == canonical and key == canonical and not replace:
                raise ValueError(f"{self.kind} {canonical!r} is already registered; pass "
                                 "replace=True to replace it")
        for key in keys:
            self._aliases[key] = canonical
        self._entries[canonical] = entry

    def remove(self, canonical: str) -> None:
        """Removes an entry and its aliases."""
        del self._entries[canonical]
        self._aliases = {k: v for k, v in self._aliases.items() if v != canonical}

    def find(self, name: object) -> str | None:
        """The canonical name of ``name``, or None if it is not registered."""
        if not isinstance(name, str):
            return None
        return self._aliases.get(normalize_name(name))

    def canonical(self, name: object) -> str:
        """The canonical name of ``name``.

        Raises:
            ValueError: the name is not registered; the message lists the known names.
        """
        found = self.find(name)
        if found is None:
            raise ValueError(
                f"{self.parameter}={name!r} is not a known {self.kind}; choose one "
                f"of {self.describe_names()}")
        return found

    def get(self, name: object) -> T:
        """The entry of ``name`` (canonical or alias); raises like :meth:`canonical`."""
        return self._entries[self.canonical(name)]

    def names(self) -> tuple[str, ...]:
        """The canonical names, in registration order."""
        return tuple(self._entries)

    def aliases_of(self, canonical: str) -> tuple[str, ...]:
        """The aliases (not the canonical name) of a canonical name."""
        return tuple(k for k, v in self._aliases.items() if v == canonical and k != canonical)

    def describe_names(self) -> str:
        """``"a, b (or b2), c"``: every canonical name with its aliases."""
        parts = []
        for name in self._entries:
            aliases = self.aliases_of(name)
            parts.append(f"{name} (or {', '.join(aliases)})" if aliases else name)
        return ", ".join(parts)

    def __contains__(self, name: object) -> bool:
        return self.find(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """``(canonical name, entry)`` pairs in registration order."""
        return list(self._entries.items())
