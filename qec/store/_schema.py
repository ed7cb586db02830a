"""The store's SQLite schema and connections: the tables, the schema version and the migration
from version 1, the connection's pragmas, and the first opening of a file, retried while another
process is creating the same database."""

from __future__ import annotations

import contextlib
import pathlib
import sqlite3
import time
from typing import Any

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
    claimed_shots INTEGER,
    chunks BLOB
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


class Transaction:
    """A short write transaction (``BEGIN IMMEDIATE`` waits for other writers): commits when
    its block ends normally, rolls back when it raises."""

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


def connect(path: pathlib.Path, *, read_only: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit: :class:`Transaction`) that
    waits up to the busy timeout for other writers; with ``read_only``, one that never writes.

    Raises:
        sqlite3.Error: the file cannot be opened.
    """
    if read_only:
        return _connect_read_only(path)
    return sqlite3.connect(str(path), timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)


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


def initialize_when_free(connection: sqlite3.Connection, path: pathlib.Path, *,
                         read_only: bool) -> int:
    """:func:`_initialize`, again while another process holds the file (two runs that
    create one database at once: SQLite answers "database is locked" at once, without its
    busy handler, when the other is switching the new file to WAL), up to the busy
    timeout.

    Returns:
        The schema version the file is read as: :data:`SCHEMA_VERSION`, or 1 for a version-1
        file opened read-only (which is not migrated).

    Raises:
        ValueError: the file is not a qec database, or of a schema version this qec does not
            read.
        sqlite3.DatabaseError: the file is not a usable SQLite database.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            return _initialize(connection, path, read_only=read_only)
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        time.sleep(delay)  # a back-off between attempts, not a deadline of the outcome
        delay = min(2 * delay, 0.25)


def _initialize(connection: sqlite3.Connection, path: pathlib.Path, *, read_only: bool) -> int:
    """Sets the pragmas, creates the tables of a new file and checks (and, unless
    ``read_only``, migrates) the schema version, which it returns."""
    connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    # Reading the table list first fails fast on a file that is not SQLite.
    query = "SELECT name FROM sqlite_master WHERE type='table'"
    tables = {row[0] for row in connection.execute(query)}
    if tables and "qec_schema" not in tables:
        raise ValueError(
            f"{str(path)!r} is a SQLite database of another application (tables: "
            f"{', '.join(sorted(tables))}), not a qec results database"
        )
    if read_only:
        return _check_version(connection, path, migrate=False)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    if not tables:
        with Transaction(connection):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            (count,) = connection.execute("SELECT COUNT(*) FROM qec_schema").fetchone()
            if count == 0:
                connection.execute(
                    "INSERT INTO qec_schema (application, version) VALUES (?, ?)",
                    (_APPLICATION, SCHEMA_VERSION),
                )
    version = _check_version(connection, path, migrate=True)
    if tables and "checkpoints" not in tables:
        # Added within schema version 2: older readers ignore the table.
        connection.execute(_CHECKPOINTS)
    if tables:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(batches)")}
        if "chunks" not in columns:
            # Added within schema version 2 (each chunk's counts, for several processes
            # sharing one task under an error-based rule); older readers ignore the column.
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it
                connection.execute("ALTER TABLE batches ADD COLUMN chunks BLOB")
    return version


def _check_version(connection: sqlite3.Connection, path: pathlib.Path, *, migrate: bool
                   ) -> int:
    """The file's schema version (after migrating a version-1 file, when ``migrate``)."""
    row = connection.execute("SELECT application, version FROM qec_schema").fetchone()
    if row is None or row[0] != _APPLICATION:
        raise ValueError(
            f"{str(path)!r} has no qec schema record; it is not a qec database")
    if row[1] == 1 and not migrate:
        return 1  # read as version 1: what migration would write is computed when reading
    if row[1] == 1:
        _migrate_from_1(connection)
        return SCHEMA_VERSION
    if row[1] != SCHEMA_VERSION:
        raise ValueError(
            f"{str(path)!r} has qec schema version {row[1]}, but this qec reads version "
            f"{SCHEMA_VERSION} (and migrates version 1); use a new --db path or the qec "
            "version that wrote it"
        )
    return SCHEMA_VERSION


def _migrate_from_1(connection: sqlite3.Connection) -> None:
    """Version 1 to 2: the tasks' number of observables (read from their circuits) and the
    batches' float sums (none in version 1), in one transaction."""
    import stim

    with Transaction(connection):
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
