import json

import pytest

from qec.cli import main
from qec.sampling import collect, memory_task
from tests.cli.one_line import assert_one_line_error

SMALL = ["lowrate", "--code", "repetition", "--distance", "9", "--rounds", "2", "--noise",
         "sd6", "--p", "0.004", "--chains", "64", "--workers", "1", "--seed", "3"]
KEYS = {"logical_error_per_shot", "logical_error_per_shot_ci", "logical_error_per_round",
        "method", "decoder_calls", "equivalent_direct_shots", "seconds", "warnings"}


def test_json_contract_and_resume(tmp_path, capsys):
    argv = [*SMALL, "--db", str(tmp_path / "low.db"), "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= KEYS
    assert summary["method"] == "splitting" and summary["complete"]
    low, high = summary["logical_error_per_shot_ci"]
    assert 0 < low <= summary["logical_error_per_shot"] <= high < 1e-3
    assert summary["logical_error_per_round"] < summary["logical_error_per_shot"]
    assert summary["equivalent_direct_shots"] > summary["decoder_calls"]
    assert isinstance(summary["warnings"], list)
    # Direct sampling's cost, measured, beside the estimate's own.
    cost = summary["direct_cost"]
    assert cost["estimate_worker_seconds"] == pytest.approx(summary["total_worker_seconds"],
                                                            abs=2e-3)
    assert cost["seconds_needed"] == pytest.approx(
        summary["equivalent_direct_shots"] * cost["seconds_per_shot"], rel=1e-6, abs=2e-3)
    assert cost["direct_is_cheaper"] == (cost["seconds_needed"] < cost["estimate_worker_seconds"])
    # The stored ladder is complete: a re-run reads it and prints the same numbers.
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["logical_error_per_shot"] == pytest.approx(summary["logical_error_per_shot"],
                                                            rel=1e-12)
    assert again["decoder_calls"] == summary["decoder_calls"]


def test_table_and_fit_reads_the_estimated_point(tmp_path, capsys):
    db = tmp_path / "low.db"
    assert main([*SMALL, "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "logical error per shot" in captured.out and "decoder calls" in captured.out
    assert "direct sampling would need" in captured.out
    assert "direct sampling's cost" in captured.out and "worker-seconds" in captured.out
    # Direct samples of the same experiment at two other distances, in the same database.
    tasks = [memory_task(code="repetition", distance=d, rounds=2, basis="Z", noise="sd6",
                         p=0.004) for d in (3, 5)]
    collect(tasks, db=db, max_shots=20_000, workers=1, seed=1)
    capsys.readouterr()
    assert main(["plot", "--db", str(db), "--out", str(tmp_path / "plot.png")]) == 0
    written = capsys.readouterr().out
    assert "estimator=splitting" in written  # the estimated point is its own, named series
    assert (tmp_path / "plot-2.png").stat().st_size > 10_000
    assert main(["fit", "--db", str(db), "--json"]) in (0, 2)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "splitting" in text


def test_quiet_prints_nothing(tmp_path, capsys):
    assert main([*SMALL, "--db", str(tmp_path / "low.db"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--relative-error", "0"], "--relative-error=0.0 must be in [0.01, 10]"),
    (["--relative-error", "50"], "--relative-error=50.0 must be in [0.01, 10]"),
    (["--chains", "40"], "--chains=40 must be a multiple of 16"),
    (["--time-limit", "-1"], "--time-limit='-1' must be a positive number of seconds"),
    (["--time-limit", "0.0001"], "too slow for time_limit"),
    (["--distance", "1"], "--distance=1 must be at least 2"),
])
def test_bad_input_is_one_line(tmp_path, capsys, extra, fragment):
    assert_one_line_error(capsys, [*SMALL, "--db", str(tmp_path / "x.db"), *extra], fragment)


def test_a_stored_estimate_is_checked_discarded_and_exported_as_an_estimate(tmp_path, capsys):
    import sqlite3

    from qec.store import ResultStore

    db = tmp_path / "low.db"
    argv = [*SMALL, "--db", str(db), "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    # Exported, the estimate is marked as one (zero shots, its estimate and interval in the
    # metadata), never passed off as counts sinter would fit.
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "s.csv")]) == 0
    import sinter

    [row] = sinter.read_stats_from_csv_files(tmp_path / "s.csv")
    assert row.shots == 0 and row.json_metadata["estimator"] == "splitting"
    marked = row.json_metadata["estimated"]
    assert marked["logical_error_per_shot"] == pytest.approx(first["logical_error_per_shot"])
    assert marked["interval"] == pytest.approx(first["logical_error_per_shot_ci"])
    # A checkpoint deleted by hand: the rows and the checkpoints disagree, and every reader
    # names the task instead of summing what is left.
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM checkpoints WHERE level = 1")
    with pytest.raises(ValueError, match=r"stored inconsistently: batch rows without a "
                                         r"checkpoint at levels \[1\]"):
        ResultStore(db, read_only=True).read_stats()
    assert_one_line_error(capsys, ["fit", "--db", str(db)], "stored inconsistently")
    assert_one_line_error(capsys, argv, "qec lowrate --restart")
    # --restart discards it completely and estimates it again: the same numbers (same seed).
    assert main([*argv, "--restart"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["logical_error_per_shot"] == pytest.approx(first["logical_error_per_shot"],
                                                            rel=1e-12)
    with ResultStore(db, read_only=True) as store:
        [stats] = store.read_stats()
        assert stats.estimator == "splitting"
        levels = sorted(store.read_checkpoints(stats.strong_id))
    assert [first for _, _, first, _, _ in ResultStore(db, read_only=True).batch_rows()] == levels
