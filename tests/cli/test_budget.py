import json

import matplotlib.image
import pytest

from qec.cli import main
from tests.cli.one_line import assert_one_line_error

SMALL = ["budget", "--distances", "3,5", "--noise", "si1000", "--p", "0.004", "--shots",
         "5000", "--seed", "2"]


def test_budget_json_figure_and_what_if(tmp_path, capsys):
    argv = [*SMALL, "--scale", "measure_flip=0.5", "--out", str(tmp_path), "--json", "--db",
            str(tmp_path / "budget.db")]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {"components", "total", "exponent", "warnings", "inverse_lambda", "what_if"} <= set(
        summary)
    components = summary["components"]
    assert "clifford_2q" in components and "measure_flip" in components
    shares = [c["contribution"] for c in components.values()]
    assert abs(sum(shares) - 1) < 1e-9
    for c in components.values():
        low, high = c["elasticity_ci"]
        assert low <= c["elasticity"] <= high
    assert summary["exponent"] > 1  # d = 3 fails at second order in p
    assert summary["what_if"]["predicted_per_round"] < summary["total"]
    image = matplotlib.image.imread(tmp_path / "budget.png")
    assert image.shape == (480, 640, 4)
    # Same seed, same numbers: the second run reads the stored batches, the third samples
    # them again into a new database in one process (the first ran on all cores).
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == summary
    argv[-1] = str(tmp_path / "again.db")
    assert main([*argv, "--workers", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == summary


def test_budget_table_and_quiet(tmp_path, capsys):
    db = ["--db", str(tmp_path / "b.db")]
    assert main(["budget", "--distance", "3", "--p", "0.004", "--shots", "3000", *db]) == 0
    out = capsys.readouterr().out
    assert "elasticity [95%]" in out and "total (d ln eps / d ln p)" in out
    assert main(["budget", "--distance", "3", "--p", "0.004", "--shots", "3000",
                 "--quiet", *db]) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--scale", "readout=0.5"], "'readout' is not a component of this noise model"),
    (["--scale", "measure_flip=half"], "must be NAME=FACTOR with a number FACTOR"),
    (["--scale", "measure_flip=-1"], "FACTOR must be a number >= 0"),
    (["--shots", "0"], "--shots='0' must be a positive integer"),
    (["--p", "2"], "'2' is not a probability in [0, 1]"),
    (["--noise", "noiseless"], "has no error component"),
])
def test_budget_bad_input(tmp_path, capsys, extra, fragment):
    assert_one_line_error(capsys, ["budget", "--distance", "3", "--shots", "100", "--db",
                                   str(tmp_path / "b.db"), *extra], fragment)


def test_budget_leakage_shares_follow_the_removal_ordering(tmp_path, capsys):
    argv = ["budget", "--distance", "3", "--rounds", "8", "--p", "0.002", "--shots", "20000",
            "--leakage", "0.003", "--db", str(tmp_path / "b.db"), "--seed", "1", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    shares = {k: v["share"] for k, v in summary["leakage"].items()}
    assert set(shares) == {"none", "mlr", "dqlr"}
    # The DQLR study's ordering: leakage matters most without removal, least with DQLR.
    assert shares["none"] > shares["mlr"] > shares["dqlr"] > 0
    low, high = summary["leakage"]["dqlr"]["share_ci"]
    assert low <= shares["dqlr"] <= high
    assert main(["budget", "--distance", "3", "--rounds", "8", "--p", "0.002", "--shots",
                 "20000", "--leakage", "0.003", "--db", str(tmp_path / "b.db"), "--seed",
                 "1"]) == 0
    assert "leakage share of the logical error" in capsys.readouterr().out
