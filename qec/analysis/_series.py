"""Splitting stored statistics into series: one threshold or Lambda study each.

A series is every point that agrees on everything but the axes of a sweep: the distance, the
rounds and the physical error rate (:data:`AXIS_KEYS`), and for a device's recorded data what
names each experiment (a device's patches of one distance are replicates that
:func:`qec.analysis.fit_device` fits one by one, then averages). Points that differ in any other
metadata value (the code, noise model, basis or decoder, but also a leakage rate, a removal
strategy, a rounds rule, a code parameter or any key a user added) are different experiments
and are never fitted or drawn as one curve.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["AXIS_KEYS", "SERIES_KEYS", "series_key", "series_label", "split_series"]

AXIS_KEYS: tuple[str, ...] = ("distance", "d", "rounds", "r", "p", "experiment", "patch",
                              "model_sha", "bursts_excluded")
"""Metadata keys that are the axes of a sweep (sinter's ``d``, ``r`` included), and the keys
of a recorded experiment that name it rather than how it was analysed: its directory, its
patch, the hash of the model it was decoded with (each experiment's own, for a learned or
shipped model; the recipe is ``error_model``) and how many burst shots it left out (the rule
is ``burst_false_alarm``)."""

SERIES_KEYS: tuple[str, ...] = ("code", "noise", "basis", "decoder")
"""The metadata every series is labelled with first (in this order), when present."""


def _value(item: Any, key: str) -> Any:
    metadata = getattr(item, "json_metadata", None)
    if isinstance(metadata, dict) and key in metadata:
        return metadata[key]
    return getattr(item, key, None)


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def series_key(item: Any, *, keys: Sequence[str] | None = None) -> tuple[tuple[str, Any], ...]:
    """The series an item belongs to: ``((key, value), ...)``.

    With ``keys=None``, every metadata key but :data:`AXIS_KEYS`, plus the decoder; the
    :data:`SERIES_KEYS` come first, the others in sorted order.

    Examples:
        >>> from qec.data import TaskStats
        >>> stats = TaskStats(strong_id="a", decoder="pymatching", json_metadata={
        ...     "code": "surface", "distance": 3, "rounds": 3, "p": 0.01, "leakage": 0.001})
        >>> series_key(stats)[3:]
        (('decoder', 'pymatching'), ('leakage', 0.001))
    """
    if keys is None:
        metadata = getattr(item, "json_metadata", None) or {}
        others = sorted(k for k in metadata if k not in AXIS_KEYS and k not in SERIES_KEYS)
        keys = (*SERIES_KEYS, *others)
    return tuple((name, _hashable(_value(item, name))) for name in keys)


def split_series(items: Iterable[Any], *, keys: Sequence[str] | None = None
                 ) -> dict[tuple[tuple[str, Any], ...], list[Any]]:
    """Groups statistics into series (see the module docstring).

    A value is read from ``item.json_metadata[key]`` when present, else from ``item.key``, else
    None. Groups keep the input order; the dict is sorted by its keys' string form.

    Args:
        items: objects such as ``qec.sampling.TaskStats`` or :class:`qec.analysis.Point`.
        keys: the metadata names that define a series; None (the default) means every key
            but the axes (:func:`series_key`).

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
    items = list(items)
    all_keys: list[str] | None = None
    if keys is None:
        # Every item is keyed on the union of keys, so that a key one item lacks (a plain
        # point beside leaky ones) separates it rather than merging it.
        union = {k for item in items for k in (getattr(item, "json_metadata", None) or {})}
        all_keys = [*SERIES_KEYS, *sorted(union - set(AXIS_KEYS) - set(SERIES_KEYS))]
    for item in items:
        key = series_key(item, keys=keys if keys is not None else all_keys)
        groups.setdefault(key, []).append(item)
    return dict(sorted(groups.items(), key=lambda kv: str(kv[0])))


def series_label(key: tuple[tuple[str, Any], ...]) -> str:
    """``"code=surface, noise=si1000, ..."`` for a key of :func:`split_series`, skipping Nones.

    Examples:
        >>> series_label((("code", "surface"), ("noise", "si1000"), ("basis", None)))
        'code=surface, noise=si1000'
    """
    return ", ".join(f"{name}={value}" for name, value in key if value is not None) or "all"
