"""The store's read side: each task's totals, summed over its completed batches (from a
database of either schema version), and the metadata filter of
:meth:`qec.store.ResultStore.read_stats`."""

from __future__ import annotations

import collections
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from qec.data import TaskStats

_MISSING = object()


def task_stats(connection: sqlite3.Connection, *, version: int, where: str,
               parameters: tuple[Any, ...]) -> list[TaskStats]:
    """The totals of the tasks a SQL condition on the ``tasks`` table (``t``) selects, in
    insertion order (tasks with no completed batch have zero shots)."""
    if version == 1:
        return _task_stats_version_1(connection, where=where, parameters=parameters)
    rows = connection.execute(
        "SELECT t.strong_id, t.decoder, t.json_metadata, COALESCE(SUM(b.shots), 0), "
        "COALESCE(SUM(b.errors), 0), COALESCE(SUM(b.discards), 0), "
        "COALESCE(SUM(b.seconds), 0.0), "
        "SUM(CASE WHEN b.custom_counts IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN b.sums IS NOT NULL AND b.shots IS NOT NULL THEN 1 ELSE 0 END), "
        "t.num_observables "
        f"FROM tasks t LEFT JOIN batches b ON b.strong_id = t.strong_id WHERE {where} "
        "GROUP BY t.strong_id ORDER BY MIN(t.rowid)",
        parameters,
    ).fetchall()
    result = []
    for (strong_id, decoder, metadata, shots, errors, discards, seconds, n_counts, n_sums,
         num_observables) in rows:
        sums: dict[str, float] = {}
        if n_sums:
            for (text,) in connection.execute(
                "SELECT sums FROM batches WHERE strong_id = ? AND sums IS NOT NULL AND "
                "shots IS NOT NULL ORDER BY id", (strong_id,),
            ):
                for key, value in json.loads(text).items():
                    sums[key] = sums.get(key, 0.0) + float(value)
        counts: collections.Counter[str] = collections.Counter()
        if n_counts:
            for (text,) in connection.execute(
                "SELECT custom_counts FROM batches WHERE strong_id = ? AND "
                "custom_counts IS NOT NULL AND shots IS NOT NULL",
                (strong_id,),
            ):
                counts.update(json.loads(text))
        result.append(
            TaskStats(
                strong_id=strong_id,
                decoder=decoder,
                json_metadata=json.loads(metadata),
                shots=shots,
                errors=errors,
                discards=discards,
                seconds=seconds,
                custom_counts=dict(counts),
                sums=sums,
                num_observables=num_observables,
            )
        )
    return result


def _task_stats_version_1(connection: sqlite3.Connection, *, where: str,
                          parameters: tuple[Any, ...]) -> list[TaskStats]:
    """Reads a version-1 database without migrating it (read-only): no float sums, and
    the number of observables read from each stored circuit, as migration would."""
    import stim

    rows = connection.execute(
        "SELECT t.strong_id, t.decoder, t.json_metadata, t.circuit, COALESCE(SUM(b.shots), 0), "
        "COALESCE(SUM(b.errors), 0), COALESCE(SUM(b.discards), 0), "
        "COALESCE(SUM(b.seconds), 0.0) "
        f"FROM tasks t LEFT JOIN batches b ON b.strong_id = t.strong_id WHERE {where} "
        "GROUP BY t.strong_id ORDER BY MIN(t.rowid)", parameters).fetchall()
    result = []
    for strong_id, decoder, metadata, circuit, shots, errors, discards, seconds in rows:
        counts: collections.Counter[str] = collections.Counter()
        for (text,) in connection.execute(
                "SELECT custom_counts FROM batches WHERE strong_id = ? AND "
                "custom_counts IS NOT NULL AND shots IS NOT NULL", (strong_id,)):
            counts.update(json.loads(text))
        observables = max(1, stim.Circuit(circuit).num_observables) if circuit else 1
        result.append(TaskStats(strong_id=strong_id, decoder=decoder,
                                json_metadata=json.loads(metadata), shots=shots,
                                errors=errors, discards=discards, seconds=seconds,
                                custom_counts=dict(counts), num_observables=observables))
    return result


def matching(stats: list[TaskStats], metadata_filters: Mapping[str, Any], *, source: str
             ) -> list[TaskStats]:
    """The statistics whose metadata match every filter (``decoder`` also matches the task's
    decoder), in their order.

    Raises:
        ValueError: a filter key that no task's metadata has (a typo would otherwise give
            an empty list); the message names ``source`` (the database) and the known keys.
    """
    if not metadata_filters:
        return list(stats)
    known = {"decoder"}.union(*(s.json_metadata for s in stats))
    unknown = sorted(set(metadata_filters) - known)
    if unknown:
        raise ValueError(
            f"no task in {source!r} has metadata key {unknown[0]!r}; known keys: "
            f"{', '.join(sorted(known))}")
    result = []
    for s in stats:
        ok = True
        for key, value in metadata_filters.items():
            actual = s.decoder if key == "decoder" and key not in s.json_metadata else (
                s.json_metadata.get(key, _MISSING))
            if actual != value:
                ok = False
                break
        if ok:
            result.append(s)
    return result
