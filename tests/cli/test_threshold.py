import json
import os
import sqlite3

import matplotlib.image
import pytest

from qec.cli import main
from qec.cli._threshold import parse_leakage, parse_p_values, parse_rounds
from qec.store import SCHEMA_VERSION, ResultStore
from tests.cli.one_line import assert_one_line_error

SMALL = ["threshold", "--distances", "3,5", "--p", "0.005:0.012:3", "--max-shots", "4000",
         "--max-errors", "100", "--workers", "1", "--seed", "3"]




def test_threshold_json_figure_and_resume(tmp_path, capsys):
    out = tmp_path / "results"
    assert main([*SMALL, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["db"] == str(out / "threshold.db")
    assert len(summary["tasks"]) == 6
    for task in summary["tasks"]:
        assert task["code"] == "surface" and task["noise"] == "si1000"
        assert task["rounds"] == task["distance"]
        assert task["errors"] >= 100 or task["shots"] == 4000
        low, high = task["logical_error_per_round_ci"]
        assert low <= task["logical_error_per_round"] <= high
    assert {"threshold", "threshold_ci", "nu", "crossings", "fit_error"} <= set(summary)
    image = matplotlib.image.imread(out / "threshold.png")
    assert image.shape == (480, 640, 4)
    with ResultStore(out / "threshold.db", create=True) as store:
        rows = store.batch_rows()
    # Running again resumes: everything is finished, nothing is sampled.
    assert main([*SMALL, "--out", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["tasks"] == summary["tasks"]
    with ResultStore(out / "threshold.db", create=True) as store:
        assert store.batch_rows() == rows


def test_threshold_table_and_quiet(tmp_path, capsys):
    db = tmp_path / "elsewhere.db"
    argv = [*SMALL, "--out", str(tmp_path / "fig"), "--db", str(db), "--rounds", "2",
            "--code", "repetition", "--noise", "phenomenological", "--p", "0.02,0.04"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "error/shot" in captured.out and "threshold" in captured.out
    assert "fitted quantity: the logical error per shot" in captured.out
    assert captured.err.startswith("qec: ")  # plain progress lines: stderr is not a terminal
    assert db.exists() and (tmp_path / "fig" / "threshold.png").exists()
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main([*argv, "--quantity", "per-round"]) == 0
    out = capsys.readouterr().out
    assert "error/round" in out and "fitted quantity: the logical error per round" in out


def test_threshold_on_a_local_dask_cluster(tmp_path, capsys):
    argv = ["threshold", "--distances", "3", "--p", "0.01", "--max-shots", "2000",
            "--workers", "1", "--dask", "local", "--seed", "3", "--json", "--quiet",
            "--out", str(tmp_path)]
    assert main(argv) == 0
    on_dask = json.loads(capsys.readouterr().out)["tasks"]
    assert main([*argv[:-1], str(tmp_path / "local")][:9] + argv[11:-1]
                + [str(tmp_path / "local")]) == 0
    local = json.loads(capsys.readouterr().out)["tasks"]
    assert [(t["shots"], t["errors"]) for t in on_dask] == [(t["shots"], t["errors"])
                                                            for t in local]


def test_precision_driven_sweep(tmp_path, capsys):
    argv = ["threshold", "--distances", "3,5", "--p", "0.003:0.007:6", "--precision", "0.05",
            "--workers", "2", "--seed", "1", "--out", str(tmp_path), "--json", "--quiet"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    precision = summary["precision"]
    assert precision["target"] == 0.05 and precision["reached"]
    assert precision["relative_half_width"] <= 0.05
    assert precision["shots"] == sum(t["shots"] for t in summary["tasks"])
    # shots went where they narrow the threshold, not uniformly
    shots = sorted(t["shots"] for t in summary["tasks"])
    assert shots[-1] > 4 * shots[0]
    low, high = summary["threshold_ci"]
    assert low < summary["threshold"] < high


def test_leakage_sweep(tmp_path, capsys):
    argv = ["threshold", "--distances", "3", "--p", "0.004,0.008", "--max-shots", "3000",
            "--leakage", "0.5p", "--leakage-removal", "dqlr", "--workers", "1", "--seed", "2",
            "--out", str(tmp_path), "--json", "--quiet"]
    assert main(argv) == 0
    tasks = json.loads(capsys.readouterr().out)["tasks"]
    assert [(t["p"], t["leakage"], t["leakage_removal"]) for t in tasks] == [
        (0.004, 0.002, "dqlr"), (0.008, 0.004, "dqlr")]
    assert all(t["shots"] == 3000 and t["errors"] > 0 for t in tasks)


def test_parsers():
    assert parse_p_values("0.002:0.008:3") == [0.002, 0.004, 0.008]
    assert parse_p_values("0.01,0.002,0.01") == [0.002, 0.01]
    assert parse_rounds("3d") == (0, 3)
    assert parse_rounds("7") == (7, 0)
    assert parse_leakage("0.25p") == (0.0, 0.25) and parse_leakage(" 1e-3 ") == (0.001, 0.0)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--distances", ""], "--distances='' must be a comma-separated list"),
        (["--distances", "3,,5"], "--distances='3,,5' must be a comma-separated list"),
        (["--distances", "3,five"], "'five' is not an integer"),
        (["--distances", "1"], "distance=1"),
        (["--p", ""], "--p='' must be a comma-separated list"),
        (["--p", "0.01,x"], "'x' is not a number"),
        (["--p", "1.5"], "p=1.5 must be strictly between 0 and 1"),
        (["--p", "0"], "p=0.0 must be strictly between 0 and 1"),
        (["--p", "0:0.1:3"], "must lie strictly between 0 and 1"),
        (["--p", "0.1:0.01:3"], "needs lo < hi and n >= 2"),
        (["--p", "0.01:0.1"], "a list like 0.002,0.004 or a range lo:hi:n"),
        (["--rounds", "0"], "--rounds='0' must be a positive integer"),
        (["--rounds", "0d"], "the multiple of d must be positive"),
        (["--max-shots", "0"], "--max-shots='0' must be a positive integer"),
        (["--max-errors", "-5"], "--max-errors='-5' must be a positive integer"),
        (["--workers", "0"], "--workers='0' must be a positive integer"),
        (["--decoder", "mwpm"], "decoder='mwpm' is not a known decoder; known decoders"),
        (["--seed", "-1"], "'-1' is not a seed: an integer in [0, 2**63)"),
        (["--dask", "tcp://127.0.0.1:9"], "could not connect to the Dask scheduler"),
        (["--precision", "0"], "--precision=0.0 must be in (0, 1)"),
        (["--precision", "1.5"], "--precision=1.5 must be in (0, 1)"),
        (["--precision", "0.1", "--time-limit", "60"],
         "--time-limit=60 applies to sampling by --max-errors; with --precision"),
        (["--time-limit", "-3"], "--time-limit='-3' must be a positive number of seconds"),
        (["--leakage", "2"], "--leakage='2' must be a rate in [0, 1]"),
        (["--leakage", "lots"], "--leakage='lots' must be a rate in [0, 1]"),
        (["--leakage", "200p"], "the rate 1.5492 at p=0.007746 is above 1"),
        (["--leakage-removal", "dqlr"], "--leakage-removal=dqlr needs --leakage RATE"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, extra, fragment):
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), *extra], fragment)
    assert not (tmp_path / "threshold.db").exists()


def test_bad_database_files_and_nothing_lost(tmp_path, capsys):
    text = tmp_path / "notes.db"
    text.write_text("hello\n" * 50)
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(text)],
                    "is not a usable SQLite database")
    assert text.read_text() == "hello\n" * 50

    old = tmp_path / "old.db"
    ResultStore(old, create=True).close()
    with sqlite3.connect(old) as connection:
        connection.execute("UPDATE qec_schema SET version = 99")
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(old)],
                    f"schema version 99, but this qec reads version {SCHEMA_VERSION}")

    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(tmp_path)],
                    "is a directory, not a file")

    db = tmp_path / "good.db"
    assert main([*SMALL, "--out", str(tmp_path), "--db", str(db), "--quiet"]) == 0
    with ResultStore(db, create=True) as store:
        before = [(s.strong_id, s.shots, s.errors) for s in store.read_stats()]
    # A failed run on the same database loses nothing.
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(db), "--decoder",
                             "nope"], "decoder='nope'")
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(db), "--p", "2"],
                    "p=2.0 must be strictly between 0 and 1")
    with ResultStore(db, create=True) as store:
        assert [(s.strong_id, s.shots, s.errors) for s in store.read_stats()] == before
        assert store.integrity_check() == "ok"


def test_unreadable_database_is_one_line_and_untouched(tmp_path, capsys, monkeypatch):
    db = tmp_path / "locked.db"
    ResultStore(db, create=True).close()
    content = db.read_bytes()
    db.chmod(0)
    if os.access(db, os.R_OK):  # running as root, which reads anything: simulate the denial
        real_access = os.access
        monkeypatch.setattr(os, "access",
                            lambda path, mode: False if str(path) == str(db)
                            else real_access(path, mode))
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path), "--db", str(db)],
                          f"database {str(db)!r} is not readable and writable")
    db.chmod(0o600)
    assert db.read_bytes() == content


def test_a_failed_cluster_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    import qec.sampling
    from qec.sampling._executors import ExecutorError

    def lose_the_scheduler(*args, **kwargs):
        raise ExecutorError("lost the Dask scheduler at tcp://10.0.0.5:8786 (OSError: gone); "
                            "every batch committed so far is in the database: run again to "
                            "resume")

    monkeypatch.setattr(qec.sampling, "collect", lose_the_scheduler)
    assert main([*SMALL, "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err == ("qec threshold: error: lost the Dask scheduler at tcp://10.0.0.5:8786 "
                            "(OSError: gone); every batch committed so far is in the database: "
                            "run again to resume\n")


def test_precision_sweep_that_cannot_fit_stops_and_says_why(tmp_path, capsys):
    # Four p at two distances leave too few points in the fit window, whatever the shots.
    argv = ["threshold", "--distances", "3,5", "--p", "0.003:0.007:4", "--precision", "0.05",
            "--workers", "1", "--seed", "1", "--out", str(tmp_path), "--json", "--quiet"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    precision = summary["precision"]
    assert not precision["reached"] and precision["iterations"] == 2
    assert precision["stopped"].startswith("no fit after 2 batches (only 4 points")
    assert any("NOT reached" in w for w in summary["warnings"])
    assert summary["quote"] is None


def test_time_limit_leaves_points_short_and_says_so(tmp_path, capsys, monkeypatch):
    import qec.sampling._engine as engine
    from tests.sampling.commits import CommitCounter

    commits = CommitCounter(monkeypatch, after=2)  # the clock runs out at the second commit
    monkeypatch.setattr(engine, "_clock", lambda: 1e9 if commits.expired else 0.0)
    assert main([*SMALL, "--out", str(tmp_path), "--time-limit", "30", "--json",
                 "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out)
    short = [t for t in summary["tasks"] if t["shots"] < 4000 and t["errors"] < 100]
    assert short
    assert f"{len(short)} of 6 tasks stopped at --time-limit" in " ".join(summary["warnings"])
