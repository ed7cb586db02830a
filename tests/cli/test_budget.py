import json

import matplotlib.image
import pytest

from qec.cli import main
from tests.cli.one_line import assert_one_line_error

SMALL = ["budget", "--distances", "3,5", "--noise", "si1000", "--p", "0.004", "--shots",
         "5000", "--seed", "2"]


def test_budget_json_figure_and_what_if(tmp_path, capsys):
    argv = [*SMALL, "--scale", "measure_flip=0.5", "--out", str(tmp_path), "--json"]
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
    # Same seed, same numbers.
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == summary


def test_budget_table_and_quiet(capsys):
    assert main(["budget", "--distance", "3", "--p", "0.004", "--shots", "3000"]) == 0
    out = capsys.readouterr().out
    assert "elasticity [95%]" in out and "total (d ln eps / d ln p)" in out
    assert main(["budget", "--distance", "3", "--p", "0.004", "--shots", "3000",
                 "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--scale", "readout=0.5"], "'readout' is not a component of this noise model"),
    (["--scale", "measure_flip=half"], "must be NAME=FACTOR with a number FACTOR"),
    (["--scale", "measure_flip=-1"], "FACTOR must be a number >= 0"),
    (["--shots", "0"], "--shots=0 must be a positive integer"),
    (["--p", "2"], "p=2"),
    (["--noise", "noiseless"], "has no error component"),
])
def test_budget_bad_input(capsys, extra, fragment):
    assert_one_line_error(capsys, ["budget", "--distance", "3", "--shots", "100", *extra],
                          fragment)
