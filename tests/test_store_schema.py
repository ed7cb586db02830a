"""Schema version 2: observables per task, float sums per batch, migration from version 1."""

import json
import sqlite3

import pytest

import qec
from qec.codes import CSSCode
from qec.data import Task, TaskStats
from qec.store import SCHEMA_VERSION, ResultStore

# The schema qec 0.1 wrote (version 1), verbatim: no num_observables, no sums.
_VERSION_1 = """
CREATE TABLE qec_schema (application TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE tasks (strong_id TEXT PRIMARY KEY, decoder TEXT NOT NULL,
    json_metadata TEXT NOT NULL, circuit TEXT, created_at REAL NOT NULL);
CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT,
    strong_id TEXT NOT NULL REFERENCES tasks(strong_id), seed INTEGER, first_chunk INTEGER,
    num_chunks INTEGER, shots INTEGER, errors INTEGER, discards INTEGER, seconds REAL,
    custom_counts TEXT, claimed_at REAL NOT NULL, completed_at REAL);
CREATE INDEX batches_by_task ON batches (strong_id, seed);
INSERT INTO qec_schema VALUES ('qec', 1);
"""


def _toric_task() -> Task:
    circuit = qec.memory_circuit(CSSCode.toric(distance=3), rounds=2, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.003))
    return Task(circuit=circuit, decoder="bposd", json_metadata={"code": "toric", "distance": 3,
                                                                 "rounds": 2, "p": 0.003})


def _surface_task() -> Task:
    circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                                 noise=qec.NoiseModel.sd6(0.003))
    return Task(circuit=circuit, decoder="pymatching",
                json_metadata={"code": "surface", "distance": 3, "rounds": 3, "p": 0.003})


def _write_version_1(path, tasks):
    connection = sqlite3.connect(path)
    connection.executescript(_VERSION_1)
    for k, task in enumerate(tasks):
        connection.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, 0)",
                           (task.strong_id, task.decoder, json.dumps(task.json_metadata),
                            str(task.circuit)))
        connection.execute(
            "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, shots, errors, "
            "discards, seconds, custom_counts, claimed_at, completed_at) "
            "VALUES (?, 5, 0, 2, 2048, ?, 0, 0.5, NULL, 0, 1)", (task.strong_id, 10 + k))
        connection.execute(  # a claim in flight when qec 0.1 was killed
            "INSERT INTO batches (strong_id, seed, first_chunk, num_chunks, claimed_at) "
            "VALUES (?, 5, 2, 1, 0)", (task.strong_id,))
    connection.commit()
    connection.close()


def test_a_version_1_database_is_migrated_and_keeps_everything(tmp_path):
    path = tmp_path / "old.db"
    toric, surface = _toric_task(), _surface_task()
    _write_version_1(path, [toric, surface])
    with ResultStore(path, create=True) as store:
        by_id = {s.strong_id: s for s in store.read_stats()}
        assert store.integrity_check() == "ok"
        rows = store.batch_rows()
    assert (by_id[toric.strong_id].shots, by_id[toric.strong_id].errors) == (2048, 10)
    assert (by_id[surface.strong_id].shots, by_id[surface.strong_id].errors) == (2048, 11)
    assert by_id[toric.strong_id].num_observables == 2  # read from the stored circuit
    assert by_id[surface.strong_id].num_observables == 1
    assert by_id[toric.strong_id].sums == {}
    assert len(rows) == 4  # the pending claims are still there, as they were
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT version FROM qec_schema").fetchone() == (SCHEMA_VERSION,)
    columns = {row[1] for row in connection.execute("PRAGMA table_info(batches)")}
    assert "sums" in columns
    connection.close()
    with ResultStore(path, create=True) as store:  # opening again does nothing more
        assert [s.shots for s in store.read_stats()] == [2048, 2048]


def test_a_newer_schema_is_refused_not_misread(tmp_path):
    path = tmp_path / "new.db"
    ResultStore(path, create=True).close()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE qec_schema SET version = ?", (SCHEMA_VERSION + 1,))
    connection.commit()
    connection.close()
    with pytest.raises(ValueError, match=rf"schema version {SCHEMA_VERSION + 1}, but this qec "
                                         rf"reads version {SCHEMA_VERSION}"):
        ResultStore(path, create=True)


def test_observables_and_sums_round_trip(tmp_path):
    toric = _toric_task()
    assert toric.num_observables == 2
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(toric)
        for weight in (1e-6, 3e-6):
            batch = store.claim_batch(toric.strong_id, seed=1, num_chunks=1)
            store.complete_batch(batch.id, shots=1000, errors=2, discards=0, seconds=0.1,
                                 sums={"weight": weight, "weight_sq": weight * 1e-4})
        stats = store.stats_for(toric.strong_id)
        imported = TaskStats(strong_id="imported", decoder="x", json_metadata={"p": 0.1},
                             shots=10, errors=1, sums={"weight": 0.5}, num_observables=3)
        store.add_stats([imported])
        back = store.stats_for("imported")
    assert stats.num_observables == 2
    assert stats.sums == pytest.approx({"weight": 4e-6, "weight_sq": 4e-10})
    assert back.sums == {"weight": 0.5} and back.num_observables == 3


def test_per_round_error_counts_every_observable():
    import sinter

    stats = TaskStats(strong_id="x", decoder="d", json_metadata={"rounds": 10}, shots=1000,
                      errors=600, num_observables=2)
    expected = sinter.shot_error_rate_to_piece_error_rate(0.6, pieces=10, values=2)
    assert stats.per_round_error().estimate == pytest.approx(expected)
    single = TaskStats(strong_id="x", decoder="d", json_metadata={"rounds": 10}, shots=1000,
                       errors=300)
    assert single.per_round_error().estimate == pytest.approx(
        sinter.shot_error_rate_to_piece_error_rate(0.3, pieces=10))


def test_a_misspelled_filter_is_an_error_listing_the_keys(tmp_path):
    with ResultStore(tmp_path / "r.db", create=True) as store:
        store.add_task(_surface_task())
        assert len(store.read_stats(distance=3)) == 1
        assert store.read_stats(distance=5) == []
        with pytest.raises(ValueError, match=r"metadata key 'distnace'; known keys: code, "
                                             r"decoder, distance, p, rounds"):
            store.read_stats(distnace=3)


def test_export_carries_the_number_of_observables(tmp_path):
    stats = TaskStats(strong_id="x", decoder="d", json_metadata={"rounds": 3}, shots=10,
                      errors=1, num_observables=12)
    assert stats.to_sinter().json_metadata["num_observables"] == 12
    assert TaskStats.from_sinter(stats.to_sinter()).num_observables == 12
    weighted = TaskStats(strong_id="x", decoder="d", json_metadata={"estimator": "weighted"},
                         shots=10, errors=1, sums={"weight": 0.1, "weight_sq": 0.01})
    with pytest.raises(ValueError, match=r"float accumulators \['weight', 'weight_sq'\]"):
        weighted.to_sinter()


def _file_state(path):
    """The database file's bytes and the WAL's (SQLite readers of a WAL database may create an
    empty WAL and its shared-memory index beside it; neither holds data)."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes(), wal.read_bytes() if wal.exists() else b""


def test_a_misspelled_path_is_an_error_not_a_new_database(tmp_path):
    with pytest.raises(ValueError, match=r"does not exist"):
        ResultStore(tmp_path / "typo.db")
    assert not (tmp_path / "typo.db").exists()
    with pytest.raises(ValueError, match=r"db=None must be a database path"):
        ResultStore(None)


def test_read_only_opening_changes_nothing_and_reads_everything(tmp_path):
    path = tmp_path / "r.db"
    task = _surface_task()
    with ResultStore(path, create=True) as store:
        store.add_task(task)
        batch = store.claim_batch(task.strong_id, seed=1, num_chunks=1)
        store.complete_batch(batch.id, shots=1024, errors=7, discards=0, seconds=0.1)
    before = _file_state(path)
    with ResultStore(path, read_only=True) as store:
        [stats] = store.read_stats()
        assert (stats.shots, stats.errors) == (1024, 7)
        with pytest.raises(Exception, match="readonly"):
            store.add_task(_toric_task())
    assert _file_state(path) == before


def test_read_only_reads_a_version_1_database_without_migrating_it(tmp_path):
    path = tmp_path / "old.db"
    toric = _toric_task()
    _write_version_1(path, [toric])
    before = path.read_bytes()
    with ResultStore(path, read_only=True) as store:
        [stats] = store.read_stats()
    assert (stats.shots, stats.errors, stats.num_observables) == (2048, 10, 2)
    assert path.read_bytes() == before


def test_an_empty_file_gets_no_schema_written_into_it(tmp_path, capsys):
    from qec.cli import main

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for argv in (["fit", "--db", str(empty)], ["export", "--db", str(empty)],
                 ["plot", "--db", str(empty), "--out", str(tmp_path / "f.png")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is an empty file, not a qec results database" in err and err.count("\n") == 1
    assert empty.read_bytes() == b""
    with pytest.raises(ValueError, match="empty file"):
        ResultStore(empty)


def test_fit_plot_and_export_read_a_database_they_may_not_write(tmp_path, capsys, monkeypatch):
    import os

    from qec.cli import main

    path = tmp_path / "r.db"
    with ResultStore(path, create=True) as store:
        for d in (3, 5):
            task = Task(circuit=_surface_task().circuit, decoder="pymatching",
                        json_metadata={"code": "surface", "distance": d, "rounds": d,
                                       "p": 0.003})
            store.add_task(task)
            batch = store.claim_batch(task.strong_id, seed=1, num_chunks=1)
            store.complete_batch(batch.id, shots=1024, errors=20 + d, discards=0, seconds=0.1)
    before = _file_state(path)
    real_access = os.access
    # As root every file is writable; make this one look as it does to a user without rights.
    monkeypatch.setattr(os, "access", lambda p, mode: real_access(p, mode) and not (
        mode & os.W_OK and str(p).startswith(str(path))))
    assert main(["export", "--db", str(path)]) == 0
    assert capsys.readouterr().out.count("pymatching") == 2
    assert main(["fit", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["series"]
    assert main(["plot", "--db", str(path), "--out", str(tmp_path / "f.png")]) == 0
    assert _file_state(path) == before
    assert main(["import", "--db", str(path), str(tmp_path / "none.csv")]) == 2
