"""Splitting stored statistics into series: one threshold or Lambda study each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["SERIES_KEYS", "series_label", "split_series"]

SERIES_KEYS: tuple[str, ...] = ("code", "noise", "basis", "decoder")
"""Metadata that separates studies: curves of different values must not be merged or fitted."""


def _value(item: Any, key: str) -> Any:
    metadata = getattr(item, "json_metadata", None)
    if isinstance(metadata, dict) and key in metadata:
        return metadata[key]
    return getattr(item, key, None)


def split_series(items: Iterable[Any], *, keys: Sequence[str] = SERIES_KEYS
                 ) -> dict[tuple[tuple[str, Any], ...], list[Any]]:
    """Groups statistics by the metadata values of ``keys``.

    A value is read from ``item.json_metadata[key]`` when present, else from ``item.key``, else
    None. Groups keep the input order; the dict is sorted by its keys' string form.

    Args:
        items: objects such as ``qec.sampling.TaskStats`` or :class:`qec.analysis.Point`.
        keys: the metadata names that define a series.

    Returns:
        ``{((key, value), ...): [items]}``.

    Examples:
        >>> from qec.analysis import Point
        >>> groups = split_series([Point(distance=3, rounds=3, physical_error_rate=0.01,
        ...                              shots=10, errors=1)])
        >>> list(groups)
        [(('code', None), ('noise', None), ('basis', None), ('decoder', None))]
    """
    groups: dict[tuple[tuple[str, Any], ...], list[Any]] = {}
    for item in items:
        key = tuple((name, _value(item, name)) for name in keys)
        groups.setdefault(key, []).append(item)
    return dict(sorted(groups.items(), key=lambda kv: str(kv[0])))


def series_label(key: tuple[tuple[str, Any], ...]) -> str:
    """``"code=surface, noise=si1000, ..."`` for a key of :func:`split_series`, skipping Nones.

    Examples:
        >>> series_label((("code", "surface"), ("noise", "si1000"), ("basis", None)))
        'code=surface, noise=si1000'
    """
    return ", ".join(f"{name}={value}" for name, value in key if value is not None) or "all"
