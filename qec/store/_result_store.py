"""The :class:`ResultStore` (tasks, claims and completed batches, leases, adaptive plans and
checkpoints, on one SQLite connection) and the :class:`Batch` a claim returns."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import pathlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from qec.data import CHUNK_SHOTS, Task, TaskStats
from qec.store._owners import owner_id, owner_is_dead
from qec.store._queries import check_levels, matching, task_stats
from qec.store._schema import SCHEMA_VERSION, Transaction, connect, initialize_when_free

__all__ = ["CHUNK_SHOTS_FOR_BUDGET", "Batch", "ResultStore"]

CHUNK_SHOTS_FOR_BUDGET = CHUNK_SHOTS
"""Shots per chunk (:data:`qec.data.CHUNK_SHOTS`), for claims that do not say."""


class ResultStore:
    """Sampling results in a SQLite file.

    Args:
        path: the database file.
        create: create a missing database (with its parent directory); the default, False,
            makes a missing file a ``ValueError``, so that a misspelled path is an error rather
            than a new empty database. Only code that samples creates databases.
        read_only: open without writing anything, not even the WAL switch or a schema
            migration: for reading results (``qec fit``, ``qec plot``, ``qec export``), also
            from a read-only medium or a file the user may not write. Writing methods then fail.

    Raises:
        ValueError: if the file cannot be opened, does not exist (and ``create`` is False), is
            empty or not a SQLite database, is a SQLite database of another application, was
            written with another schema version. (A version-1 database is migrated when opened
            for writing, and read as it is when opened read-only.)

    Examples:
        >>> import tempfile, stim
        >>> from qec.sampling import Task
        >>> circuit = stim.Circuit("X_ERROR(0.1) 0\\nM 0\\nOBSERVABLE_INCLUDE(0) rec[-1]")
        >>> task = Task(circuit=circuit, decoder="pymatching", json_metadata={"p": 0.1})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with ResultStore(f"{tmp}/results.db", create=True) as store:
        ...         store.add_task(task)
        ...         batch = store.claim_batch(task.strong_id, seed=1, num_chunks=1)
        ...         _ = store.complete_batch(batch.id, shots=100, errors=9, discards=0, seconds=0.1)
        ...         [(s.shots, s.errors) for s in store.read_stats(p=0.1)]
        [(100, 9)]
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False,
                 read_only: bool = False) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise ValueError(f"db={path!r} must be a database path (or an open ResultStore)")
        self.path = pathlib.Path(path)
        self.read_only = bool(read_only)
        if self.path.is_dir():
            raise ValueError(f"database path {str(self.path)!r} is a directory, not a file")
        existed = self.path.exists()
        if not existed and (read_only or not create):
            raise ValueError(f"database {str(self.path)!r} does not exist")
        access = os.R_OK if read_only else os.R_OK | os.W_OK
        if existed and not os.access(self.path, access):
            wanted = "readable" if read_only else "readable and writable"
            raise ValueError(f"database {str(self.path)!r} is not {wanted}")
        if existed and self.path.stat().st_size == 0 and (read_only or not create):
            raise ValueError(f"{str(self.path)!r} is an empty file, not a qec results database")
        if not existed:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ValueError(f"cannot create database {str(self.path)!r}: {exc}") from None
        try:
            self._connection = connect(self.path, read_only=read_only)
        except sqlite3.Error as exc:
            raise ValueError(f"cannot open database {str(self.path)!r}: {exc}") from None
        try:
            self._version = initialize_when_free(self._connection, self.path,
                                                 read_only=read_only)
        except sqlite3.DatabaseError as exc:
            self._connection.close()
            raise ValueError(
                f"{str(self.path)!r} is not a usable SQLite database ({exc}); give a new path "
                "or a database written by qec"
            ) from None
        except ValueError:
            self._connection.close()
            raise

    _version: int = SCHEMA_VERSION
    """The schema version the file is read as (1: a version-1 file opened read-only)."""

    def _write(self) -> Transaction:
        """A short write transaction (``BEGIN IMMEDIATE`` waits for other writers)."""
        return Transaction(self._connection)

    def close(self) -> None:
        """Closes the connection (the store cannot be used afterwards)."""
        self._connection.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # Tasks.
    def add_task(self, task: Task) -> None:
        """Records a task (its decoder, metadata and circuit); does nothing if already present."""
        self.add_tasks([task])

    def add_tasks(self, tasks: Iterable[Task]) -> None:
        """Records several tasks in one transaction."""
        rows = [
            (t.strong_id, t.decoder, json.dumps(t.json_metadata, sort_keys=True), str(t.circuit),
             time.time(), max(1, t.num_observables))
            for t in tasks
        ]
        with self._write() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO tasks (strong_id, decoder, json_metadata, circuit, "
                "created_at, num_observables) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def circuit_text(self, strong_id: str) -> str | None:
        """The stored circuit text of a task (None if unknown or imported without a circuit)."""
        row = self._connection.execute(
            "SELECT circuit FROM tasks WHERE strong_id = ?", (strong_id,)
        ).fetchone()
        return None if row is None else row[0]

    # Batches.
    def claim_batch(self, strong_id: str, *, seed: int | None, num_chunks: int,
                    shots: int | None = None, max_total_shots: int | None = None,
                    exclusive: bool = False) -> Batch | None:
        """Claims the next ``num_chunks`` chunk indices of a task for one seed.

        Chunk ``k`` of a task sampled with root seed ``seed`` always uses the same random
        numbers, so two claims (even from two processes) never get the same chunk. A claim
        left pending by a process that has died (killed mid-batch) is taken over first, lowest
        chunks first, so that its chunks are sampled with their own seeds rather than skipped:
        a resumed run sees exactly the chunks an uninterrupted one would. A claim of a live
        process is never taken.

        Args:
            strong_id: the task.
            seed: the root seed of the run.
            num_chunks: the number of chunks wanted (fewer may be granted).
            shots: the shots the claim is for (default ``num_chunks`` full chunks of
                :data:`CHUNK_SHOTS_FOR_BUDGET`); counted against ``max_total_shots`` by every
                process until it completes.
            max_total_shots: a budget shared by every process on this database: completed
                shots plus the live claims of all processes never exceed it.
            exclusive: take (or hold) the task's lease first: while a live process holds it,
                no other process claims chunks of the task. With an error-based stopping rule
                this keeps the task's committed chunks a prefix, so that it stops at the chunk
                where a single run would, however many processes share the database.

        Returns:
            The claimed :class:`Batch` (not yet counted in any statistics), or None when the
            budget leaves nothing to claim or another live process holds the lease.
        """
        if num_chunks < 1:
            raise ValueError(f"num_chunks={num_chunks!r} must be positive")
        wanted_shots = num_chunks * CHUNK_SHOTS_FOR_BUDGET if shots is None else int(shots)
        me = owner_id()
        with self._write() as connection:
            if exclusive:
                row = connection.execute("SELECT owner FROM leases WHERE strong_id = ?",
                                         (strong_id,)).fetchone()
                if row is not None and row[0] != me and not owner_is_dead(row[0]):
                    return None
                connection.execute(
                    "INSERT OR REPLACE INTO leases (strong_id, owner, taken_at) VALUES (?, ?, ?)",
                    (strong_id, me, time.time()))
            pending = connection.execute(
                "SELECT id, seed, first_chunk, num_chunks, owner, claimed_shots FROM batches "
                "WHERE strong_id = ? AND shots IS NULL ORDER BY first_chunk", (strong_id,),
            ).fetchall()
            live = [row for row in pending if not owner_is_dead(row[4])]
            if max_total_shots is not None:
                (done,) = connection.execute(
                    "SELECT COALESCE(SUM(shots), 0) FROM batches WHERE strong_id = ? AND "
                    "shots IS NOT NULL", (strong_id,)).fetchone()
                in_flight = sum((row[5] if row[5] is not None else
                                 row[3] * CHUNK_SHOTS_FOR_BUDGET) for row in live)
                available = int(max_total_shots) - done - in_flight
                if available <= 0:
                    return None
                if available < wanted_shots:
                    wanted_shots = available
                    num_chunks = max(1, -(-available // CHUNK_SHOTS_FOR_BUDGET))
            abandoned = [row for row in pending if row[1] == seed and owner_is_dead(row[4])]
            now = time.time()
            if abandoned:
                batch_id, _, first, count, dead_owner, _ = abandoned[0]
                take = min(count, num_chunks)
                wanted_shots = min(wanted_shots, take * CHUNK_SHOTS_FOR_BUDGET)
                connection.execute(
                    "UPDATE batches SET owner = ?, num_chunks = ?, claimed_shots = ?, "
                    "claimed_at = ? WHERE id = ?", (me, take, wanted_shots, now, batch_id))
                if take < count:  # the rest stays abandoned, for the next claim
                    connection.execute(
                        "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, "
                        "claimed_at, owner) VALUES (?, ?, ?, ?, ?, ?)",
                        (strong_id, seed, first + take, count - take, now, dead_owner))
                return Batch(id=batch_id, strong_id=strong_id, seed=seed, first_chunk=first,
                             num_chunks=take, shots=wanted_shots)
            (first,) = connection.execute(
                "SELECT COALESCE(MAX(first_chunk + num_chunks), 0) FROM batches "
                "WHERE strong_id = ? AND seed IS ?",
                (strong_id, seed),
            ).fetchone()
            cursor = connection.execute(
                "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, claimed_at, "
                "owner, claimed_shots) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (strong_id, seed, first, num_chunks, now, me, wanted_shots),
            )
            batch_id = cursor.lastrowid
        return Batch(id=batch_id, strong_id=strong_id, seed=seed, first_chunk=first,
                     num_chunks=num_chunks, shots=wanted_shots)

    def complete_batch(
        self,
        batch_id: int,
        *,
        shots: int,
        errors: int,
        discards: int,
        seconds: float,
        custom_counts: Mapping[str, int] | None = None,
        num_chunks: int | None = None,
        sums: Mapping[str, float] | None = None,
        chunks: tuple[Any, ...] | None = None,
        stop: Callable[[Any, Any, Any], Any] | None = None,
    ) -> Completion:
        """Commits the results of a claimed batch in its own transaction.

        With ``chunks`` and ``stop`` (an error-based stopping rule shared by every process on
        the database), the batch is committed whole, with each chunk's counts, and the same
        transaction then walks the task's committed chunks from the first: when the prefix
        without a gap meets ``stop``, the task is cut at that chunk (the batch holding it
        keeps the chunks up to it; every batch and claim after it is deleted). So however many
        processes share the task, it ends with exactly the chunks a single run keeps.

        Args:
            batch_id: the id returned by :meth:`claim_batch`.
            shots, errors, discards, seconds, custom_counts: the batch's results.
            sums: float accumulators of a non-binomial estimator (see
                :class:`qec.data.TaskStats`), summed over batches like the counts.
            num_chunks: the number of chunks actually kept, when fewer than claimed (the rest
                are released for later batches).
            chunks: each chunk's ``(shots, errors, discards)`` as three integer arrays, and
                optionally each chunk's custom counts (a sequence of dicts).
            stop: with ``chunks``: called with the running totals (arrays) of the task's
                committed chunks in order, returns where they meet the stopping rule.

        Returns:
            A :class:`Completion`: whether the batch was committed (with ``stop``, a claim
            that another process's cut deleted is not, and that is not an error), and the
            chunk where the task's committed prefix meets ``stop``, if it does.

        Raises:
            ValueError: if the batch is unknown or already completed (without ``stop``).
        """
        counts = json.dumps(dict(custom_counts), sort_keys=True) if custom_counts else None
        sums_text = _sums_json(sums)
        blob = None if chunks is None else _chunk_blob(*chunks)
        with self._write() as connection:
            cursor = connection.execute(
                "UPDATE batches SET shots = ?, errors = ?, discards = ?, seconds = ?, "
                "custom_counts = ?, num_chunks = COALESCE(?, num_chunks), completed_at = ?, "
                "sums = ?, chunks = ? WHERE id = ? AND shots IS NULL",
                (int(shots), int(errors), int(discards), float(seconds), counts, num_chunks,
                 time.time(), sums_text, blob, batch_id),
            )
            if cursor.rowcount != 1:
                if stop is not None:
                    return Completion(committed=False, stop_chunk=None)
                raise ValueError(f"batch id={batch_id} is not a pending claim of this database")
            if stop is None:
                return Completion(committed=True, stop_chunk=None)
            (strong_id, seed) = connection.execute(
                "SELECT strong_id, seed FROM batches WHERE id = ?", (batch_id,)).fetchone()
            return Completion(committed=True,
                              stop_chunk=_prefix_stop(connection, strong_id, seed, stop, cut=True))

    def prefix_stop(self, strong_id: str, seed: int | None,
                    stop: Callable[[Any, Any, Any], Any]) -> int | None:
        """The chunk where the task's committed prefix (chunks of ``seed`` from the first, up
        to the first gap) meets ``stop``, or None: whether a task shared under an error-based
        rule is finished (see :meth:`complete_batch`). Reads only."""
        return _prefix_stop(self._connection, strong_id, seed, stop, cut=False)

    def abandon_batches(self, batch_ids: Iterable[int]) -> None:
        """Gives up pending claims as if their process had died: the next claim of the task
        and seed takes them over first, so that no chunk range is skipped (a released claim in
        the middle of a task shared by several processes would leave a hole)."""
        ids = [(int(i),) for i in batch_ids]
        if not ids:
            return
        with self._write() as connection:
            connection.executemany(
                "UPDATE batches SET owner = NULL WHERE id = ? AND shots IS NULL", ids)

    def release_leases(self, strong_ids: Iterable[str]) -> None:
        """Gives up this process's leases of these tasks (see ``claim_batch(exclusive=)``)."""
        rows = [(sid, owner_id()) for sid in strong_ids]
        if rows and self._version != 1:
            with self._write() as connection:
                connection.executemany(
                    "DELETE FROM leases WHERE strong_id = ? AND owner = ?", rows)

    def record_plan(self, plan: str, iteration: int, targets: Mapping[str, int]
                    ) -> dict[str, int]:
        """Records the shot targets of one step of an adaptive plan (a precision sweep), once.

        An adaptive sweep decides each step from the statistics of the step before; recording
        the decisions lets a resumed (or a concurrent) run finish a step exactly as it was
        decided, so that interrupting it does not change its numbers.

        Returns:
            The targets stored for that step: these, or the ones another run recorded first.
        """
        with self._write() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO plans (plan, iteration, strong_id, target) "
                "VALUES (?, ?, ?, ?)",
                [(plan, int(iteration), sid, int(n)) for sid, n in targets.items()])
            rows = connection.execute(
                "SELECT strong_id, target FROM plans WHERE plan = ? AND iteration = ?",
                (plan, int(iteration))).fetchall()
        return dict(rows)

    def read_plan(self, plan: str) -> dict[int, dict[str, int]]:
        """Every recorded step of a plan: ``{iteration: {strong_id: target shots}}``."""
        if self._version == 1:
            return {}
        steps: dict[int, dict[str, int]] = {}
        for iteration, strong_id, target in self._connection.execute(
                "SELECT iteration, strong_id, target FROM plans WHERE plan = ?", (plan,)):
            steps.setdefault(iteration, {})[strong_id] = target
        return steps

    def save_level(self, strong_id: str, *, level: int, seed: int | None, shots: int,
                   errors: int, seconds: float, sums: Mapping[str, float],
                   custom_counts: Mapping[str, int] | None, checkpoint: bytes) -> bool:
        """Commits one completed level of a resumable method: its batch row (counted in the
        task's statistics like any batch) and its checkpoint, in one transaction.

        Returns:
            True, or False (and nothing written) when that level of the task is stored already
            (another process completed it first).
        """
        now = time.time()
        counts = json.dumps(dict(custom_counts), sort_keys=True) if custom_counts else None
        with self._write() as connection:
            exists = connection.execute(
                "SELECT 1 FROM checkpoints WHERE strong_id = ? AND level = ?",
                (strong_id, int(level))).fetchone()
            if exists:
                return False
            connection.execute(
                "INSERT INTO checkpoints (strong_id, level, data, created_at) VALUES (?, ?, ?, ?)",
                (strong_id, int(level), sqlite3.Binary(checkpoint), now))
            connection.execute(
                "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, shots, errors, "
                "discards, seconds, custom_counts, claimed_at, completed_at, sums, owner) "
                "VALUES (?, ?, ?, 1, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                (strong_id, seed, int(level), int(shots), int(errors), float(seconds), counts,
                 now, now, _sums_json(sums), owner_id()))
        return True

    def check_levels(self, strong_id: str) -> None:
        """Checks that a task stored level by level has one batch row per checkpoint (see
        :func:`qec.store._queries.check_levels`).

        Raises:
            ValueError: the task is stored inconsistently; the message says how to discard it.
        """
        check_levels(self._connection, where="t.strong_id = ?", parameters=(strong_id,))

    def read_checkpoints(self, strong_id: str) -> dict[int, bytes]:
        """The stored checkpoints of a task, ``{level: data}`` (empty when none)."""
        tables = {row[0] for row in self._connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if "checkpoints" not in tables:
            return {}
        return {level: bytes(data) for level, data in self._connection.execute(
            "SELECT level, data FROM checkpoints WHERE strong_id = ? ORDER BY level",
            (strong_id,))}

    def level_rows(self, strong_id: str) -> dict[int, tuple[int, int, dict[str, float]]]:
        """The completed batches of a task stored by :meth:`save_level`:
        ``{level: (shots, errors, sums)}``."""
        rows = self._connection.execute(
            "SELECT first_chunk, shots, errors, sums FROM batches WHERE strong_id = ? AND "
            "shots IS NOT NULL AND first_chunk IS NOT NULL", (strong_id,)).fetchall()
        return {level: (shots, errors, json.loads(sums) if sums else {})
                for level, shots, errors, sums in rows}

    def take_lease(self, strong_id: str) -> str | None:
        """Takes the task's lease for this process.

        Returns:
            None when taken (or already held), else the owner id of the live process holding
            it. Give it back with :meth:`release_leases`.
        """
        me = owner_id()
        with self._write() as connection:
            row = connection.execute("SELECT owner FROM leases WHERE strong_id = ?",
                                     (strong_id,)).fetchone()
            if row is not None and row[0] != me and not owner_is_dead(row[0]):
                return str(row[0])
            connection.execute(
                "INSERT OR REPLACE INTO leases (strong_id, owner, taken_at) VALUES (?, ?, ?)",
                (strong_id, me, time.time()))
        return None

    def abandoned_claims(self, strong_id: str | None = None) -> int:
        """The number of pending claims whose process has died (their chunks are re-sampled
        by the next run that claims the same task and seed)."""
        rows = self._connection.execute(
            "SELECT owner FROM batches WHERE shots IS NULL" + (
                " AND strong_id = ?" if strong_id else ""), (strong_id,) if strong_id else ()
        ).fetchall()
        return sum(owner_is_dead(owner) for (owner,) in rows)

    def release_batches(self, batch_ids: Iterable[int]) -> None:
        """Deletes claims that will never complete (only pending ones; results are never lost)."""
        ids = [(int(i),) for i in batch_ids]
        if not ids:
            return
        with self._write() as connection:
            connection.executemany("DELETE FROM batches WHERE id = ? AND shots IS NULL", ids)

    def add_stats(self, stats: Iterable[TaskStats]) -> int:
        """Adds finished statistics (e.g. imported from sinter CSV) as completed batches.

        Tasks not yet in the store are recorded without a circuit.

        Returns:
            The number of rows added.
        """
        now = time.time()
        stats = list(stats)
        with self._write() as connection:
            for s in stats:
                connection.execute(
                    "INSERT OR IGNORE INTO tasks (strong_id, decoder, json_metadata, circuit, "
                    "created_at, num_observables) VALUES (?, ?, ?, NULL, ?, ?)",
                    (s.strong_id, s.decoder, json.dumps(s.json_metadata, sort_keys=True), now,
                     s.num_observables),
                )
                connection.execute(
                    "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, shots, "
                    "errors, discards, seconds, custom_counts, claimed_at, completed_at, sums) "
                    "VALUES (?, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (s.strong_id, s.shots, s.errors, s.discards, s.seconds,
                     json.dumps(s.custom_counts, sort_keys=True) if s.custom_counts else None,
                     now, now, _sums_json(s.sums)),
                )
        return len(stats)

    # Reading.
    def discard_task(self, strong_id: str) -> bool:
        """Deletes a task and everything stored of it (batches, checkpoints, its lease and its
        plan targets) in one transaction, as if it had never been sampled.

        For a stored estimate that should start again from nothing (``qec lowrate
        --restart``), or one that :func:`check_levels` reports as inconsistent.

        Returns:
            Whether the task was stored.

        Raises:
            ValueError: the store is read-only, or another live process has claims of the task
                in flight (discarding under it would lose its work).
        """
        if self.read_only:
            raise ValueError(f"database {str(self.path)!r} is open read-only")
        with self._write() as connection:
            live = [owner for (owner,) in connection.execute(
                "SELECT owner FROM batches WHERE strong_id = ? AND shots IS NULL",
                (strong_id,)) if owner != owner_id() and not owner_is_dead(owner)]
            if live:
                raise ValueError(f"task {strong_id[:12]} has claims in flight of another "
                                 f"running process ({live[0]}); stop it first")
            for table in ("batches", "checkpoints", "leases", "plans"):
                connection.execute(f"DELETE FROM {table} WHERE strong_id = ?", (strong_id,))
            found = connection.execute("DELETE FROM tasks WHERE strong_id = ?",
                                       (strong_id,)).rowcount
        return bool(found)

    def stats_for(self, strong_id: str) -> TaskStats | None:
        """The accumulated statistics of one task (None if the task is unknown)."""
        found = task_stats(self._connection, version=self._version, where="t.strong_id = ?",
                           parameters=(strong_id,))
        return found[0] if found else None

    def read_stats(self, **metadata_filters: Any) -> list[TaskStats]:
        """Statistics of every task whose metadata matches the filters, in insertion order.

        Args:
            **metadata_filters: metadata key = value pairs that must all match, e.g.
                ``distance=5, noise="si1000"``; ``decoder`` also matches the task's decoder.

        Returns:
            One :class:`TaskStats` per task (tasks with no completed batch have zero shots).

        Raises:
            ValueError: a filter key that no task's metadata has (a typo would otherwise give
                an empty list); the message lists the known keys.
        """
        stats = task_stats(self._connection, version=self._version, where="1", parameters=())
        return matching(stats, metadata_filters, source=str(self.path))

    def batch_rows(self) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
        """Every batch as ``(strong_id, seed, first_chunk, num_chunks, shots)`` (shots None if
        pending), for audits and tests."""
        return self._connection.execute(
            "SELECT strong_id, seed, first_chunk, num_chunks, shots FROM batches ORDER BY id"
        ).fetchall()

    def integrity_check(self) -> str:
        """The result of ``PRAGMA integrity_check`` (``"ok"`` for a healthy file)."""
        return self._connection.execute("PRAGMA integrity_check").fetchone()[0]


@dataclasses.dataclass(frozen=True)
class Completion:
    """What :meth:`ResultStore.complete_batch` did: whether the batch was committed, and the
    chunk where the task's committed prefix meets the stopping rule (None: not yet)."""

    committed: bool
    stop_chunk: int | None


def _chunk_blob(shots: Any, errors: Any, discards: Any, custom: Any = None) -> str:
    """Each chunk's counts of a batch (and its custom counts), as JSON."""
    record = {"shots": [int(x) for x in shots], "errors": [int(x) for x in errors],
              "discards": [int(x) for x in discards]}
    if custom is not None and any(custom):
        record["custom"] = [dict(c) for c in custom]
    return json.dumps(record, separators=(",", ":"))


def _chunk_arrays(blob: str) -> tuple[Any, list[dict[str, int]] | None]:
    """The ``(3, chunks)`` counts of :func:`_chunk_blob`, and the custom counts if any."""
    import numpy as np

    record = json.loads(blob)
    counts = np.array([record["shots"], record["errors"], record["discards"]], dtype=np.int64)
    return counts, record.get("custom")


def _prefix_stop(connection: sqlite3.Connection, strong_id: str, seed: int | None,
                 stop: Callable[[Any, Any, Any], Any], *, cut: bool) -> int | None:
    """Walks a task's committed chunks of ``seed`` in order, from the first, to the first gap
    (a claim in flight, or chunks never claimed): the chunk where the running totals (plus
    everything else the task has stored) meet ``stop``, or None. With ``cut``, the task is cut
    there in the caller's transaction: the batch holding that chunk keeps the chunks up to it,
    and every batch and claim of the seed after it is deleted."""
    import numpy as np

    rows = connection.execute(
        "SELECT id, first_chunk, num_chunks, shots, seconds, chunks FROM batches "
        "WHERE strong_id = ? AND seed IS ? ORDER BY first_chunk", (strong_id, seed)).fetchall()
    (base_shots, base_errors, base_discards) = connection.execute(
        "SELECT COALESCE(SUM(shots), 0), COALESCE(SUM(errors), 0), COALESCE(SUM(discards), 0) "
        "FROM batches WHERE strong_id = ? AND shots IS NOT NULL AND "
        "NOT (seed IS ? AND chunks IS NOT NULL)", (strong_id, seed)).fetchone()
    totals = np.array([base_shots, base_errors, base_discards], dtype=np.int64)
    expected = None
    for batch_id, first, count, shots, seconds, blob in rows:
        if expected is not None and first != expected:
            return None  # chunks never claimed (or released): a gap
        expected = first + count
        if shots is None:
            return None  # a claim in flight, or abandoned: a gap until it is sampled
        if blob is None:
            continue  # counted in the totals already
        counts, custom = _chunk_arrays(blob)
        running = totals[:, None] + np.cumsum(counts, axis=1)
        met = np.asarray(stop(running[0], running[1], running[2]), dtype=bool)
        if met.any():
            keep = int(np.argmax(met)) + 1
            if cut:
                kept = counts[:, :keep].sum(axis=1)
                kept_custom = None if custom is None else custom[:keep]
                merged: collections.Counter[str] = collections.Counter()
                for chunk_counts in kept_custom or ():
                    merged.update(chunk_counts)
                connection.execute(
                    "UPDATE batches SET shots = ?, errors = ?, discards = ?, seconds = ?, "
                    "num_chunks = ?, chunks = ?, custom_counts = ? WHERE id = ?",
                    (int(kept[0]), int(kept[1]), int(kept[2]),
                     float(seconds) * keep / counts.shape[1], keep,
                     _chunk_blob(*counts[:, :keep], kept_custom),
                     json.dumps(dict(merged), sort_keys=True) if merged else None, batch_id))
                connection.execute(
                    "DELETE FROM batches WHERE strong_id = ? AND seed IS ? AND first_chunk > ?",
                    (strong_id, seed, first))
            return first + keep - 1
        totals = running[:, -1]
    return None


def _sums_json(sums: Mapping[str, float] | None) -> str | None:
    if not sums:
        return None
    return json.dumps({str(k): float(v) for k, v in dict(sums).items()}, sort_keys=True)


@dataclasses.dataclass(frozen=True)
class Batch:
    """A claimed range of chunks of one task (see :meth:`ResultStore.claim_batch`).

    Attributes:
        id: the row id of the claim.
        strong_id: the task.
        seed: the root seed of the run that claimed it.
        first_chunk: the first chunk index; chunk ``k`` is seeded from ``(seed, strong_id, k)``.
        num_chunks: the number of chunks claimed.
        shots: the shots claimed (the last chunk may be partial).
    """

    id: int
    strong_id: str
    seed: int | None
    first_chunk: int
    num_chunks: int
    shots: int = 0
