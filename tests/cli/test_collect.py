import json

import pytest

from qec import NoiseModel, memory_circuit
from qec.cli import main
from qec.codes import RepetitionCode, RotatedSurfaceCode
from qec.sampling import Task, collect
from qec.store import ResultStore
from tests.cli.one_line import assert_one_line_error
from tests.sampling.commits import CommitCounter


@pytest.fixture
def circuit_files(tmp_path):
    """Two circuit files named the way `--metadata auto` parses (like sinter's)."""
    files = []
    for distance, p in ((3, 0.01), (5, 0.01)):
        circuit = memory_circuit(RotatedSurfaceCode(distance=distance), rounds=distance,
                                 basis="Z", noise=NoiseModel.sd6(p))
        path = tmp_path / f"distance={distance},p={p},rounds={distance}.stim"
        path.write_text(str(circuit))
        files.append(path)
    return files


def _argv(files, db, *extra):
    return ["collect", "--circuits", *map(str, files), "--db", str(db), "--max-shots", "6000",
            "--max-errors", "200", "--workers", "1", "--seed", "9", *extra]


def test_collect_json_metadata_from_names_and_resume(tmp_path, capsys, circuit_files):
    db = tmp_path / "r.db"
    assert main(_argv(circuit_files, db, "--decoders", "pymatching,pymatching-correlated",
                      "--json", "--quiet")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["db"] == str(db)
    rows = summary["tasks"]
    assert [(r["file"], r["decoder"]) for r in rows] == [
        (str(f), name) for f in circuit_files for name in ("pymatching", "pymatching-correlated")]
    for row, distance in zip(rows, (3, 3, 5, 5), strict=True):
        assert row["json_metadata"] == {"distance": distance, "p": 0.01, "rounds": distance}
        assert row["errors"] >= 200 or row["shots"] == 6000
        low, high = row["logical_error_per_round_ci"]
        assert low <= row["logical_error_per_round"] <= high
    # The same numbers as the library with the same tasks and seed: the file is just a circuit.
    tasks = [Task(circuit=memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                                         noise=NoiseModel.sd6(0.01)),
                  decoder="pymatching", json_metadata={"distance": 3, "p": 0.01, "rounds": 3})]
    [library] = collect(tasks, db=tmp_path / "lib.db", max_shots=6000, max_errors=200,
                        workers=1, seed=9)
    assert (library.strong_id, library.shots, library.errors) == (
        rows[0]["strong_id"], rows[0]["shots"], rows[0]["errors"])
    # Running again resumes: nothing new is sampled.
    with ResultStore(db, create=True) as store:
        batches = store.batch_rows()
    assert main(_argv(circuit_files, db, "--decoders", "pymatching,pymatching-correlated",
                      "--json", "--quiet")) == 0
    assert json.loads(capsys.readouterr().out)["tasks"] == rows
    with ResultStore(db, create=True) as store:
        assert store.batch_rows() == batches


def test_collect_table_quiet_and_no_metadata(tmp_path, capsys):
    circuit = memory_circuit(RepetitionCode(distance=3), rounds=2, basis="Z",
                             noise=NoiseModel.phenomenological(0.05))
    path = tmp_path / "my circuit.stim"  # no key=value pairs in the name
    path.write_text(str(circuit))
    db = tmp_path / "r.db"
    assert main(_argv([path], db, "--metadata", "none")) == 0
    captured = capsys.readouterr()
    assert "my circuit.stim" in captured.out and "error/shot" in captured.out
    assert captured.err.startswith("qec: ")  # plain progress lines: stderr is not a terminal
    assert main(_argv([path], db, "--metadata", "none", "--quiet")) == 0
    assert capsys.readouterr() == ("", "")
    with ResultStore(db, create=True) as store:
        [stats] = store.read_stats()
    assert stats.json_metadata == {} and stats.shots > 0


def test_bad_input_is_one_line(tmp_path, capsys, circuit_files):
    db = tmp_path / "r.db"
    no_observable = tmp_path / "d=3.stim"
    no_observable.write_text("X_ERROR(0.1) 0\nM 0\nDETECTOR rec[-1]\n")
    garbage = tmp_path / "d=4.stim"
    garbage.write_text("X_ERROR(0.1) 0 BLAH\n")
    unnamed = tmp_path / "circuit.stim"
    unnamed.write_text(circuit_files[0].read_text())
    cases = [
        ([tmp_path / "missing.stim"], [], "missing.stim' does not exist"),
        ([no_observable], [], "has no OBSERVABLE_INCLUDE"),
        ([garbage], [], "is not a readable stim circuit"),
        ([unnamed], [], "--metadata=auto cannot parse the file name 'circuit.stim'"),
        (circuit_files, ["--decoders", "nope"], "decoder='nope' is not a known decoder"),
        (circuit_files, ["--decoders", "pymatching,,"], "--decoders='pymatching,,' must be"),
        (circuit_files, ["--seed", "-1"], "'-1' is not a seed: an integer in [0, 2**63)"),
        (circuit_files, ["--max-shots", "0"], "--max-shots='0' must be a positive integer"),
        (circuit_files, ["--workers", "0"], "--workers='0' must be a positive integer"),
        (circuit_files, ["--time-limit", "0"],
         "--time-limit='0' must be a positive number of seconds"),
        (circuit_files, ["--time-limit", "nan"],
         "--time-limit='nan' must be a positive number of seconds"),
    ]
    for files, extra, fragment in cases:
        assert_one_line_error(capsys, _argv(files, db, *extra), fragment)
    assert not db.exists()  # every check happens before the database is created


def test_sinter_style_names_d_r_p_work_with_qec_fit(tmp_path, capsys):
    # sinter's examples name the metadata d, r and p; qec fit and qec plot read them too.
    files = []
    for distance in (3, 5):
        circuit = memory_circuit(RotatedSurfaceCode(distance=distance), rounds=distance,
                                 basis="Z", noise=NoiseModel.sd6(0.003))
        path = tmp_path / f"d={distance},p=0.003,r={distance}.stim"
        path.write_text(str(circuit))
        files.append(path)
    db = tmp_path / "r.db"
    assert main(_argv(files, db, "--quiet")) == 0
    assert main(["fit", "--db", str(db), "--json"]) == 0
    [series] = json.loads(capsys.readouterr().out)["series"]
    [lam] = series["lambda"]
    assert lam["physical_error_rate"] == 0.003
    assert [e["distance"] for e in lam["per_round_errors"]] == [3, 5]


def test_time_limit_reports_tasks_short_of_their_goal_and_a_rerun_resumes(
        tmp_path, capsys, monkeypatch, circuit_files):
    import qec.sampling._engine as engine

    commits = CommitCounter(monkeypatch, after=1)  # the clock runs out at the first commit
    monkeypatch.setattr(engine, "_clock", lambda: 1e9 if commits.expired else 0.0)
    db = tmp_path / "r.db"
    argv = ["collect", "--circuits", *map(str, circuit_files), "--db", str(db),
            "--max-shots", "200000", "--max-errors", "500", "--workers", "1", "--seed", "9"]
    assert main([*argv, "--time-limit", "60", "--json", "--quiet"]) == 0
    limited = json.loads(capsys.readouterr().out)
    short = [row for row in limited["tasks"] if not row["reached_goal"]]
    assert short and all(row["errors"] < 500 and row["shots"] < 200_000 for row in short)
    assert limited["warnings"] == [
        f"{len(short)} of 2 tasks stopped at --time-limit short of --max-shots and "
        "--max-errors: their intervals are wider than asked for; run the command again to "
        "resume them"]
    monkeypatch.setattr(engine, "_clock", lambda: 0.0)
    assert main([*argv, "--json", "--quiet"]) == 0
    resumed = json.loads(capsys.readouterr().out)
    assert resumed["warnings"] == [] and all(row["reached_goal"] for row in resumed["tasks"])
    assert main([*argv, "--db", str(tmp_path / "whole.db"), "--json", "--quiet"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert ([(r["shots"], r["errors"]) for r in resumed["tasks"]]
            == [(r["shots"], r["errors"]) for r in whole["tasks"]])
