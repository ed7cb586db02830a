"""A durable SQLite store of sampling results that survives crashes and concurrent writers.

The file holds three tables:

* ``qec_schema``: one row, the schema version (:data:`SCHEMA_VERSION`);
* ``tasks``: one row per task: ``strong_id``, ``decoder``, ``json_metadata``, the circuit text
  (NULL for results imported from sinter CSV) and ``num_observables``;
* ``checkpoints``: the resumable state of methods that are not a sum of independent shots
  (the splitting estimator's chains after each completed level), written in the same
  transaction as the batch row that counts that level;
* ``batches``: one row per batch of shots, append-only. A batch row is first *claimed* (its
  ``shots`` are NULL: sampling is in flight) with a range of chunk indices that seed its random
  numbers, then *completed* in its own transaction. Statistics are sums over completed rows, so
  a crash loses only the batches in flight, and two processes appending at once cannot lose each
  other's updates. Beside the integer counts a batch may carry ``sums``, float accumulators of
  a non-binomial estimator (a JSON object), summed like the counts.

Schema versions: 1 (qec 0.1: no ``num_observables``, no ``sums``) is migrated to 2 in place,
in one transaction, the first time a writable store opens it; a version newer than this qec
knows is refused, never misread.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed batch survives the process
being killed at any moment (``kill -9``); after an operating-system crash or power loss the last
few commits may roll back, but the file stays consistent.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import pathlib
import socket
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from qec.data import Task, TaskStats

__all__ = ["SCHEMA_VERSION", "ResultStore"]

SCHEMA_VERSION = 2
_APPLICATION = "qec"
_BUSY_TIMEOUT_MS = 60_000

_CHECKPOINTS = """
CREATE TABLE IF NOT EXISTS checkpoints (
    strong_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (strong_id, level)
)"""

_SCHEMA = _CHECKPOINTS + ";" + """
CREATE TABLE IF NOT EXISTS qec_schema (
    application TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    strong_id TEXT PRIMARY KEY,
    decoder TEXT NOT NULL,
    json_metadata TEXT NOT NULL,
    circuit TEXT,
    created_at REAL NOT NULL,
    num_observables INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    strong_id TEXT NOT NULL REFERENCES tasks(strong_id),
    seed INTEGER,
    first_chunk INTEGER,
    num_chunks INTEGER,
    shots INTEGER,
    errors INTEGER,
    discards INTEGER,
    seconds REAL,
    custom_counts TEXT,
    claimed_at REAL NOT NULL,
    completed_at REAL,
    sums TEXT,
    owner TEXT,
    claimed_shots INTEGER
);
CREATE INDEX IF NOT EXISTS batches_by_task ON batches (strong_id, seed);
CREATE TABLE IF NOT EXISTS leases (
    strong_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    taken_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    plan TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    strong_id TEXT NOT NULL,
    target INTEGER NOT NULL,
    PRIMARY KEY (plan, iteration, strong_id)
);
"""


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
        ...         store.complete_batch(batch.id, shots=100, errors=9, discards=0, seconds=0.1)
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
            if read_only:
                self._connection = _connect_read_only(self.path)
            else:
                self._connection = sqlite3.connect(
                    str(self.path), timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None
                )
        except sqlite3.Error as exc:
            raise ValueError(f"cannot open database {str(self.path)!r}: {exc}") from None
        try:
            self._initialize_when_free()
        except sqlite3.DatabaseError as exc:
            self._connection.close()
            raise ValueError(
                f"{str(self.path)!r} is not a usable SQLite database ({exc}); give a new path "
                "or a database written by qec"
            ) from None
        except ValueError:
            self._connection.close()
            raise

    def _initialize_when_free(self) -> None:
        """:meth:`_initialize`, again while another process holds the file (two runs that
        create one database at once: SQLite answers "database is locked" at once, without its
        busy handler, when the other is switching the new file to WAL), up to the busy
        timeout."""
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        delay = 0.005
        while True:
            try:
                self._initialize()
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                    raise
            time.sleep(delay)  # a back-off between attempts, not a deadline of the outcome
            delay = min(2 * delay, 0.25)

    def _initialize(self) -> None:
        connection = self._connection
        connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        # Reading the table list first fails fast on a file that is not SQLite.
        query = "SELECT name FROM sqlite_master WHERE type='table'"
        tables = {row[0] for row in connection.execute(query)}
        if tables and "qec_schema" not in tables:
            raise ValueError(
                f"{str(self.path)!r} is a SQLite database of another application (tables: "
                f"{', '.join(sorted(tables))}), not a qec results database"
            )
        if self.read_only:
            self._check_version(migrate=False)
            return
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        if not tables:
            with self._write():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                (count,) = connection.execute("SELECT COUNT(*) FROM qec_schema").fetchone()
                if count == 0:
                    connection.execute(
                        "INSERT INTO qec_schema (application, version) VALUES (?, ?)",
                        (_APPLICATION, SCHEMA_VERSION),
                    )
        self._check_version(migrate=True)
        if tables and "checkpoints" not in tables:
            # Added within schema version 2: older readers ignore the table.
            connection.execute(_CHECKPOINTS)

    _version: int = SCHEMA_VERSION

    def _check_version(self, *, migrate: bool) -> None:
        row = self._connection.execute("SELECT application, version FROM qec_schema").fetchone()
        if row is None or row[0] != _APPLICATION:
            raise ValueError(
                f"{str(self.path)!r} has no qec schema record; it is not a qec database")
        self._version = row[1]
        if row[1] == 1 and not migrate:
            return  # read as version 1: what migration would write is computed when reading
        if row[1] == 1:
            self._migrate_from_1()
            self._version = SCHEMA_VERSION
        elif row[1] != SCHEMA_VERSION:
            raise ValueError(
                f"{str(self.path)!r} has qec schema version {row[1]}, but this qec reads version "
                f"{SCHEMA_VERSION} (and migrates version 1); use a new --db path or the qec "
                "version that wrote it"
            )

    def _migrate_from_1(self) -> None:
        """Version 1 to 2: the tasks' number of observables (read from their circuits) and the
        batches' float sums (none in version 1), in one transaction."""
        import stim

        with self._write() as connection:
            (version,) = connection.execute("SELECT version FROM qec_schema").fetchone()
            if version != 1:
                return  # another process migrated it while this one waited
            connection.execute(
                "ALTER TABLE tasks ADD COLUMN num_observables INTEGER NOT NULL DEFAULT 1")
            connection.execute("ALTER TABLE batches ADD COLUMN sums TEXT")
            connection.execute("ALTER TABLE batches ADD COLUMN owner TEXT")
            connection.execute("ALTER TABLE batches ADD COLUMN claimed_shots INTEGER")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS leases (strong_id TEXT PRIMARY KEY, owner TEXT NOT "
                "NULL, taken_at REAL NOT NULL)")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS plans (plan TEXT NOT NULL, iteration INTEGER NOT NULL, "
                "strong_id TEXT NOT NULL, target INTEGER NOT NULL, "
                "PRIMARY KEY (plan, iteration, strong_id))")
            rows = connection.execute(
                "SELECT strong_id, circuit FROM tasks WHERE circuit IS NOT NULL").fetchall()
            for strong_id, text in rows:
                count = stim.Circuit(text).num_observables
                if count != 1:
                    connection.execute("UPDATE tasks SET num_observables = ? WHERE strong_id = ?",
                                       (max(count, 1), strong_id))
            connection.execute("UPDATE qec_schema SET version = ?", (SCHEMA_VERSION,))

    class _Transaction:
        def __init__(self, connection: sqlite3.Connection) -> None:
            self.connection = connection

        def __enter__(self) -> sqlite3.Connection:
            self.connection.execute("BEGIN IMMEDIATE")
            return self.connection

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            if exc_type is None:
                self.connection.execute("COMMIT")
            else:
                self.connection.execute("ROLLBACK")

    def _write(self) -> ResultStore._Transaction:
        """A short write transaction (``BEGIN IMMEDIATE`` waits for other writers)."""
        return ResultStore._Transaction(self._connection)

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
    ) -> None:
        """Commits the results of a claimed batch in its own transaction.

        Args:
            batch_id: the id returned by :meth:`claim_batch`.
            shots, errors, discards, seconds, custom_counts: the batch's results.
            sums: float accumulators of a non-binomial estimator (see
                :class:`qec.data.TaskStats`), summed over batches like the counts.
            num_chunks: the number of chunks actually kept, when fewer than claimed (the rest
                are released for later batches).

        Raises:
            ValueError: if the batch is unknown or already completed.
        """
        counts = json.dumps(dict(custom_counts), sort_keys=True) if custom_counts else None
        sums_text = _sums_json(sums)
        with self._write() as connection:
            cursor = connection.execute(
                "UPDATE batches SET shots = ?, errors = ?, discards = ?, seconds = ?, "
                "custom_counts = ?, num_chunks = COALESCE(?, num_chunks), completed_at = ?, "
                "sums = ? WHERE id = ? AND shots IS NULL",
                (int(shots), int(errors), int(discards), float(seconds), counts, num_chunks,
                 time.time(), sums_text, batch_id),
            )
            if cursor.rowcount != 1:
                raise ValueError(f"batch id={batch_id} is not a pending claim of this database")

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
    def stats_for(self, strong_id: str) -> TaskStats | None:
        """The accumulated statistics of one task (None if the task is unknown)."""
        found = self._read(where="t.strong_id = ?", parameters=(strong_id,))
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
        stats = self._read(where="1", parameters=())
        if metadata_filters:
            known = {"decoder"}.union(*(s.json_metadata for s in stats))
            unknown = sorted(set(metadata_filters) - known)
            if unknown:
                raise ValueError(
                    f"no task in {str(self.path)!r} has metadata key {unknown[0]!r}; known keys: "
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

    def _read(self, *, where: str, parameters: tuple[Any, ...]) -> list[TaskStats]:
        if self._version == 1:
            return self._read_version_1(where=where, parameters=parameters)
        rows = self._connection.execute(
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
                for (text,) in self._connection.execute(
                    "SELECT sums FROM batches WHERE strong_id = ? AND sums IS NOT NULL AND "
                    "shots IS NOT NULL ORDER BY id", (strong_id,),
                ):
                    for key, value in json.loads(text).items():
                        sums[key] = sums.get(key, 0.0) + float(value)
            counts: collections.Counter[str] = collections.Counter()
            if n_counts:
                for (text,) in self._connection.execute(
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

    def _read_version_1(self, *, where: str, parameters: tuple[Any, ...]) -> list[TaskStats]:
        """Reads a version-1 database without migrating it (read-only): no float sums, and
        the number of observables read from each stored circuit, as migration would."""
        import stim

        rows = self._connection.execute(
            "SELECT t.strong_id, t.decoder, t.json_metadata, t.circuit, COALESCE(SUM(b.shots), 0), "
            "COALESCE(SUM(b.errors), 0), COALESCE(SUM(b.discards), 0), "
            "COALESCE(SUM(b.seconds), 0.0) "
            f"FROM tasks t LEFT JOIN batches b ON b.strong_id = t.strong_id WHERE {where} "
            "GROUP BY t.strong_id ORDER BY MIN(t.rowid)", parameters).fetchall()
        result = []
        for strong_id, decoder, metadata, circuit, shots, errors, discards, seconds in rows:
            counts: collections.Counter[str] = collections.Counter()
            for (text,) in self._connection.execute(
                    "SELECT custom_counts FROM batches WHERE strong_id = ? AND "
                    "custom_counts IS NOT NULL AND shots IS NOT NULL", (strong_id,)):
                counts.update(json.loads(text))
            observables = max(1, stim.Circuit(circuit).num_observables) if circuit else 1
            result.append(TaskStats(strong_id=strong_id, decoder=decoder,
                                    json_metadata=json.loads(metadata), shots=shots,
                                    errors=errors, discards=discards, seconds=seconds,
                                    custom_counts=dict(counts), num_observables=observables))
        return result

    def batch_rows(self) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
        """Every batch as ``(strong_id, seed, first_chunk, num_chunks, shots)`` (shots None if
        pending), for audits and tests."""
        return self._connection.execute(
            "SELECT strong_id, seed, first_chunk, num_chunks, shots FROM batches ORDER BY id"
        ).fetchall()

    def integrity_check(self) -> str:
        """The result of ``PRAGMA integrity_check`` (``"ok"`` for a healthy file)."""
        return self._connection.execute("PRAGMA integrity_check").fetchone()[0]


_MISSING = object()

CHUNK_SHOTS_FOR_BUDGET = 1024
"""Shots per chunk (the sampling engine's ``CHUNK_SHOTS``), for claims that do not say."""


def _start_time(pid: int) -> str | None:
    """The start time of a process in clock ticks since boot (Linux), to tell a process from
    a later one that reuses its pid; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


_OWNER: str | None = None


def owner_id() -> str:
    """This process as a claim owner: ``host:pid:start time``.

    Examples:
        >>> owner_id().count(":") >= 2
        True
    """
    global _OWNER
    pid = os.getpid()
    if _OWNER is None or _OWNER.split(":")[1] != str(pid):  # recomputed after a fork
        _OWNER = f"{socket.gethostname()}:{pid}:{_start_time(pid) or ''}"
    return _OWNER


def owner_is_dead(owner: str | None) -> bool:
    """Whether the process that made a claim has ended (so its claim may be taken over).

    A claim without an owner (written by qec 0.1) counts as abandoned. A process on another
    host is taken to be alive: a claim is never stolen on a guess.

    Examples:
        >>> owner_is_dead(owner_id()), owner_is_dead(None)
        (False, True)
    """
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # exists, owned by another user
    now = _start_time(pid)
    if started and now is not None and now != started:
        return True  # the pid was reused by a later process
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except OSError:
        return False


def _connect_read_only(path: pathlib.Path) -> sqlite3.Connection:
    """A connection that never writes: ``mode=ro``, or ``immutable=1`` where even the WAL's
    shared-memory file cannot be made (a read-only directory or medium)."""
    uri = path.resolve().as_uri()
    connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_MS / 1000,
                                 isolation_level=None)
    try:
        connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
        return connection
    except sqlite3.OperationalError:
        connection.close()
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)


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
