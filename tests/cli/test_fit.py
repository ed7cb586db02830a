import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from qec.analysis import Point, shot_error
from qec.cli import main
from tests.analysis.synthetic import synthetic_sweep, write_points


def _write_both(path):
    write_points(path, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000,
                                       seed=7, ps=np.linspace(0.09, 0.11, 7)))
    write_points(path, [Point(distance=d, rounds=d, physical_error_rate=0.001, shots=100_000,
                              errors=round(100_000 * shot_error(0.01 / 2 ** ((d - 3) / 2),
                                                                rounds=d)))
                        for d in (3, 5, 7)], noise="si1000")


def test_fit_json_has_threshold_and_lambda(tmp_path, capsys):
    path = tmp_path / "r.db"
    _write_both(path)
    assert main(["fit", "--db", str(path), "--json", "--bootstrap", "50"]) == 0
    summary = json.loads(capsys.readouterr().out)
    by_noise = {s["series"]["noise"]: s for s in summary["series"]}
    threshold = by_noise["code-capacity"]["threshold"]
    assert threshold["fit_error"] is None
    low, high = threshold["threshold_ci"]
    assert low <= threshold["threshold"] <= high
    assert abs(threshold["threshold"] - 0.1) < 0.003
    assert [c["distances"] for c in threshold["crossings"]] == [[3, 5], [5, 7]]
    (row,) = by_noise["si1000"]["lambda"]
    assert abs(row["lambda"] - 2) < 0.1
    assert by_noise["si1000"]["threshold"]["threshold"] is None


def test_fit_prints_tables(tmp_path, capsys):
    path = tmp_path / "r.db"
    _write_both(path)
    assert main(["fit", "--db", str(path), "--bootstrap", "20"]) == 0
    out = capsys.readouterr().out
    assert "series: code=surface, noise=code-capacity, basis=Z, decoder=pymatching" in out
    assert "fitted quantity: the logical error per shot" in out  # as qec threshold fits
    assert "threshold (finite-size scaling, d=3,5,7): p_th = 0.09" in out
    assert "crossing d=3/5:" in out
    assert "Lambda (line fit) = 2.0" in out
    assert main(["fit", "--db", str(path), "--bootstrap", "20", "--quantity", "per-round"]) == 0
    assert "fitted quantity: the logical error per round" in capsys.readouterr().out


def test_fit_warns_of_lambda_above_threshold(tmp_path, capsys):
    path = tmp_path / "r.db"
    # Lambda at p = 0.105 and 0.11 of a sweep whose threshold is 0.1: errors grow with d there.
    write_points(path, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000,
                                       seed=7, ps=np.linspace(0.09, 0.11, 5)))
    assert main(["fit", "--db", str(path), "--json", "--bootstrap", "50"]) == 0
    (series,) = json.loads(capsys.readouterr().out)["series"]
    rows = {row["physical_error_rate"]: row for row in series["lambda"]}
    assert any("above the threshold" in w for w in rows[0.11]["warnings"])
    assert any("<= 1" in w for w in rows[0.11]["warnings"])
    assert rows[0.09]["warnings"] == []  # below threshold: Lambda is a suppression factor
    assert any("Lambda at p=0.11" in w for w in series["warnings"])


def test_fit_with_filter_and_p(tmp_path, capsys):
    path = tmp_path / "r.db"
    _write_both(path)
    assert main(["fit", "--db", str(path), "--noise", "si1000", "--p", "0.001", "--json"]) == 0
    (series,) = json.loads(capsys.readouterr().out)["series"]
    assert series["series"]["noise"] == "si1000"
    assert main(["fit", "--db", str(path), "--noise", "si1000", "--p", "0.5"]) == 2
    assert "--p 0.5 matches no task" in capsys.readouterr().err


def test_fit_errors_are_one_line(tmp_path, capsys):
    assert main(["fit", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no such database file" in capsys.readouterr().err
    path = tmp_path / "r.db"
    _write_both(path)
    assert main(["fit", "--db", str(path), "--decoder", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qec fit: error: no tasks in") and err.count("\n") == 1
    assert main(["fit", "--db", str(path), "--confidence", "2"]) == 2
    assert "--confidence 2.0 must be strictly between 0 and 1" in capsys.readouterr().err


def test_fit_boundary_offset_needs_two_round_counts(tmp_path, capsys):
    path = tmp_path / "r.db"
    _write_both(path)
    assert main(["fit", "--db", str(path), "--noise", "si1000", "--boundary-offset",
                 "--json"]) == 0
    (series,) = json.loads(capsys.readouterr().out)["series"]
    (row,) = series["lambda"]
    assert "two or more round counts" in row["fit_error"]
