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
    check_levels(connection, where=where, parameters=parameters)
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


def check_levels(connection: sqlite3.Connection, *, where: str = "1",
                 parameters: tuple[Any, ...] = ()) -> None:
    """Checks that a resumable method's checkpoints and batch rows agree, for the tasks a SQL
    condition on ``tasks`` (``t``) selects.

    A task stored level by level (the splitting estimator, the error budget: any task with a
    checkpoint, or whose metadata names the splitting estimator) has exactly one completed
    batch row per checkpoint, written in one transaction. A row without its checkpoint, or a
    checkpoint without its row, is a stored estimate that was edited by hand or half-deleted:
    its totals would be summed into a wrong number, so it is named instead.

    Raises:
        ValueError: the first inconsistent task, with its levels and how to discard it.
    """
    rows = connection.execute(
        "SELECT t.strong_id, t.json_metadata FROM tasks t WHERE "
        f"({where}) AND (EXISTS (SELECT 1 FROM checkpoints c WHERE c.strong_id = t.strong_id) "
        "OR t.json_metadata LIKE '%\"estimator\": \"splitting\"%')", parameters).fetchall()
    for strong_id, metadata in rows:
        levels = [level for (level,) in connection.execute(
            "SELECT level FROM checkpoints WHERE strong_id = ? ORDER BY level", (strong_id,))]
        batches = [first for (first,) in connection.execute(
            "SELECT first_chunk FROM batches WHERE strong_id = ? AND shots IS NOT NULL "
            "ORDER BY first_chunk", (strong_id,))]
        if levels == batches:
            continue
        without_checkpoint = sorted(set(batches) - set(levels))
        without_row = sorted(set(levels) - set(batches))
        repeated = sorted({b for b in batches if batches.count(b) > 1})
        parts = [f"{what} {values}" for what, values in (
            ("batch rows without a checkpoint at levels", without_checkpoint),
            ("checkpoints without a batch row at levels", without_row),
            ("several batch rows at levels", repeated)) if values]
        label = ", ".join(f"{k}={v}" for k, v in json.loads(metadata).items()
                          if k in ("code", "distance", "rounds", "noise", "p", "estimator"))
        raise ValueError(
            f"task {strong_id[:12]} ({label}) is stored inconsistently: {'; '.join(parts)}; "
            "its totals are not summed. Discard it (qec lowrate --restart, or "
            "ResultStore.discard_task) and estimate it again")


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
