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
    (["--time-limit", "-1"], "--time-limit=-1.0 must be positive"),
    (["--time-limit", "0.0001"], "too slow for time_limit"),
    (["--distance", "1"], "--distance=1 must be at least 2"),
])
def test_bad_input_is_one_line(tmp_path, capsys, extra, fragment):
    assert_one_line_error(capsys, [*SMALL, "--db", str(tmp_path / "x.db"), *extra], fragment)
