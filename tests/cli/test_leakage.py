import json

import matplotlib.image
import pytest

from qec.cli import main
from qec.store import ResultStore
from tests.cli.one_line import assert_one_line_error

SMALL = ["leakage", "--rounds", "8", "--shots", "2000", "--leakage", "0.003",
         "--sweep-distances", "3", "--sweep-rates", "0.002", "--sweep-rounds", "3",
         "--max-shots", "2000", "--max-errors", "50", "--workers", "1", "--seed", "4"]




def test_leakage_json_summary_figures_and_store(tmp_path, capsys):
    out = tmp_path / "results"
    assert main([*SMALL, "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert set(summary["strategies"]) == {"none", "mlr", "dqlr"}
    for profile in summary["strategies"].values():
        for key in ("data_leakage_population", "measure_leakage_population",
                    "detection_probability", "detection_probability_weight2",
                    "detection_probability_weight4"):
            assert len(profile[key]) == 8
            assert all(0 <= v <= 1 for v in profile[key])
        assert profile["correlations"]["rounds_apart"] == [1, 2, 3, 4, 5, 6]
        low, high = profile["logical_error_per_round_ci"]
        assert low <= profile["logical_error_per_round"] <= high
    none, dqlr = summary["strategies"]["none"], summary["strategies"]["dqlr"]
    assert none["data_leakage_population"][-1] > 3 * dqlr["data_leakage_population"][-1]
    sweep = summary["sweep"]["3"]
    assert {e["rate"] for e in sweep["mlr"]} == {0.002}
    assert [e["rate"] for e in sweep["baseline"]] == [0.0]
    assert set(sweep) == {"baseline", "mlr", "dqlr", "pauli", "leakage_vs_pauli"}
    assert len(summary["figures"]) == 4
    for figure in summary["figures"]:
        assert matplotlib.image.imread(figure).shape == (480, 640, 4)
    assert json.loads((out / "leakage_summary.json").read_text())["strategies"].keys() == \
        summary["strategies"].keys()
    with ResultStore(out / "leakage.db", create=True) as store:
        stored = store.read_stats(study="dqlr")
    assert len(stored) == 4 and all(s.shots > 0 for s in stored)
    assert {s.json_metadata["variant"] for s in stored} == {"baseline", "mlr", "dqlr", "pauli"}


def test_leakage_text_and_quiet(tmp_path, capsys):
    argv = [*SMALL, "--no-sweep", "--out", str(tmp_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "dqlr" in captured.out and "figure:" in captured.out
    assert "profile: none" in captured.err
    assert main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not (tmp_path / "logical_vs_leakage.png").exists()


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--rounds", "0"], "--rounds='0' must be a positive integer"),
        (["--leakage", "1.5"], "leakage_per_gate=1.5 must be a probability"),
        (["--leakage", "-0.1"], "leakage_per_gate=-0.1 must be a probability"),
        (["--seepage", "2"], "seepage_per_round=2.0 must be a probability"),
        (["--sweep-distances", ""], "--sweep-distances='' must be a comma-separated list"),
        (["--sweep-distances", "3,x"], "'x' is not an integer"),
        (["--sweep-distances", "1"], "sweep distance=1 must be an integer >= 2"),
        (["--sweep-rates", "0.001,abc"], "'abc' is not a number"),
        (["--sweep-rates", "0"], "0.0 must be a rate in (0, 1]"),
        (["--p", "0.3"], "measure_flip=1.5 (5p with p=0.3) must be a probability"),
        (["--workers", "0"], "--workers='0' must be a positive integer"),
        (["--readout", "two"], "invalid choice: 'two'"),
        (["--partner-error", "random-y"], "invalid choice: 'random-y'"),
    ],
)
def test_leakage_bad_input(tmp_path, capsys, extra, fragment):
    assert_one_line_error(capsys, [*SMALL, "--out", str(tmp_path / "o"), *extra], fragment)
    assert not (tmp_path / "o").exists()


def test_leakage_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert_one_line_error(capsys, [*SMALL, "--out", str(target)], "exists and is not a directory")
