import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.cli import main
from qec.codes import RotatedSurfaceCode, UnrotatedSurfaceCode
from tests.cli.one_line import assert_one_line_error


@pytest.mark.parametrize(("name", "family"), [("surface", RotatedSurfaceCode),
                                            ("unrotated-surface", UnrotatedSurfaceCode)])
def test_circuit_to_stdout_matches_the_library(capsys, name, family):
    assert main(["circuit", "--code", name, "--distance", "3", "--noise", "sd6",
                 "--p", "0.002", "--basis", "X"]) == 0
    text = capsys.readouterr().out
    expected = memory_circuit(
        family(distance=3), rounds=3, basis="X", noise=NoiseModel.sd6(0.002)
    )
    assert stim.Circuit(text) == expected


def test_circuit_with_the_authors_boundary_matches_the_library(capsys):
    assert main(["circuit", "--code", "surface", "--distance", "3", "--noise", "sd6",
                 "--p", "0.002", "--boundary", "authors"]) == 0
    expected = memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                              noise=NoiseModel.sd6(0.002), boundary="authors")
    assert stim.Circuit(capsys.readouterr().out) == expected


def test_circuit_to_file(tmp_path, capsys):
    out = tmp_path / "c.stim"
    assert main(["circuit", "--code", "repetition", "--distance", "5", "--rounds", "7",
                 "--noise", "phenomenological", "--p", "0.01", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    circuit = stim.Circuit(out.read_text())
    assert circuit.num_detectors == 4 * 7 + 4


def test_help_and_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "qec 0.2.0"
    assert main(["--help"]) == 0
    assert "circuit" in capsys.readouterr().out
    assert main(["circuit", "--help"]) == 0
    assert "--distance" in capsys.readouterr().out




def test_bad_input_is_one_line_exit_2(capsys):
    cases = [
        (["circuit", "--distance", "1"], "--distance=1 must be an integer >= 2"),
        (["circuit", "--distance", "0"], "--distance='0' must be a positive integer"),
        (["circuit", "--distance", "-3"], "--distance='-3' must be a positive integer"),
        (["circuit", "--distance", "2.5"], "--distance='2.5' must be a positive integer"),
        (["circuit", "--distance", "five"], "--distance='five' must be a positive integer"),
        (["circuit", "--rounds", "0"], "--rounds='0' must be a positive integer, 'd'"),
        (["circuit", "--rounds", "-1"], "--rounds='-1' must be a positive integer, 'd'"),
        (["circuit", "--p", "-0.1"], "'-0.1' is not a probability in [0, 1]"),
        (["circuit", "--p", "1.5", "--noise", "sd6"], "'1.5' is not a probability in [0, 1]"),
        (["circuit", "--p", "0.3", "--noise", "si1000"], "measure_flip=1.5 (5p with p=0.3)"),
        (["circuit", "--basis", "Y"], "invalid choice: 'Y'"),
        (["circuit", "--code", "repetition", "--basis", "X"], "--basis='X' is not supported"),
        (["circuit", "--code", "hexagon"], "--code='hexagon' is not a known code"),
        (["circuit", "--code", "steane", "--distance", "5"], "--distance does not apply"),
        (["circuit", "--code", "surface:size=3"], "takes distance, not size"),
        (["circuit", "--noise", "sd7"], "'sd7' is not a noise model; choose one of sd6"),
        (["circuit", "--boundary", "perfect"], "invalid choice: 'perfect'"),
        (["circuit", "--code", "repetition", "--boundary", "authors"],
         "--boundary='authors' checks the X-type and the Z-type logicals"),
        (["circuit", "--code", "bb:72", "--boundary", "authors", "--detectors", "basis"],
         "--detectors='basis' does not apply with boundary='authors'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ]
    for argv, fragment in cases:
        assert_one_line_error(capsys, argv, fragment)


def test_unwritable_output_is_a_user_error(tmp_path, capsys):
    assert_one_line_error(
        capsys, ["circuit", "--out", str(tmp_path / "missing" / "c.stim")], "No such file"
    )


def test_missing_optional_dependency_is_one_line(monkeypatch, capsys):
    import qec.cli._circuit as circuit_command

    def needs_an_extra(args):
        raise ImportError("this needs dask. To fix this: pip install 'qec-lab[dask]'")

    monkeypatch.setattr(circuit_command, "run", needs_an_extra)
    assert_one_line_error(capsys, ["circuit"], "pip install 'qec-lab[dask]'")


def test_closed_stdout_is_exit_1_without_traceback(monkeypatch, capfd):
    import qec.cli._circuit as circuit_command

    def reader_went_away(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(circuit_command, "run", reader_went_away)
    assert main(["circuit"]) == 1
    assert "Traceback" not in capfd.readouterr().err


def test_a_code_of_one_size_needs_no_distance_and_refuses_another(capsys):
    # bb:72 and steane fix their distance: the command's default --distance does not apply.
    assert main(["circuit", "--code", "steane", "--rounds", "1", "--noise", "noiseless"]) == 0
    assert "OBSERVABLE_INCLUDE" in capsys.readouterr().out
    assert main(["circuit", "--code", "bb:72", "--rounds", "1", "--noise", "noiseless"]) == 0
    capsys.readouterr()
    assert main(["circuit", "--code", "bb:72", "--distance", "5", "--rounds", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--distance" in err and "bb:72" in err
