"""Package attributes that load their module on first use (for a quick command-line start)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, table: Mapping[str, str], names: Iterable[str]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` that import ``table[name]`` on first use.

    Args:
        package: the package's ``__name__``.
        table: attribute name to the module that defines it.
        names: every public name of the package (for ``dir()``).

    Returns:
        ``(__getattr__, __dir__)``, to assign at the package's top level.

    Examples:
        >>> getattr_, dir_ = lazy_attributes("qec", {"sqrt": "math"}, ["sqrt"])
        >>> getattr_("sqrt")(4.0)
        2.0
    """
    public = sorted(names)

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(table[name]), name)
        sys.modules[package].__dict__[name] = value
        return value

    def __dir__() -> list[str]:
        return public

    return __getattr__, __dir__
