"""No traceback for any input: numpy scalars are numbers, sizes are checked before work starts,
closed or full stdout is exit 1, and a property-based fuzz of parsers and constructors."""

import contextlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qec
from qec.analysis import Point
from qec.cli import main
from qec.codes import CSSCode, RepetitionCode, RotatedSurfaceCode, UnrotatedSurfaceCode
from qec.data import TaskStats
from qec.sampling import collect, memory_task
from tests.cli.one_line import assert_one_line_error


def test_numpy_scalars_are_numbers_and_are_written_as_plain_numbers():
    noise = qec.NoiseModel.sd6(np.float64(0.001))
    assert noise == qec.NoiseModel.sd6(0.001) and type(noise.p) is float
    code = RotatedSurfaceCode(distance=np.int64(3))
    assert code == RotatedSurfaceCode(distance=3) and type(code.distance) is int
    circuit = qec.memory_circuit(code, rounds=np.int64(3), basis="Z", noise=noise)
    assert "np." not in str(circuit) and "0.001" in str(circuit)
    task = memory_task(code="surface", distance=np.int64(3), rounds=np.int32(3), basis="Z",
                       noise="sd6", p=np.float32(0.004))
    assert task.json_metadata["distance"] == 3 and type(task.json_metadata["p"]) is float
    assert eval(repr(noise), {"NoiseModel": qec.NoiseModel}) == noise


def test_collect_with_no_database_is_a_value_error():
    with pytest.raises(ValueError, match=r"db=None must be a database path"):
        collect([memory_task(code="repetition", distance=3, rounds=3, basis="Z", noise="sd6",
                             p=0.01)], db=None, max_shots=10)


@pytest.mark.parametrize(("argv", "fragment"), [
    (["circuit", "--distance", "10000"], "distance=10000 must be at most 1000"),
    (["circuit", "--distance", "500"], "more than the 50,000,000 a memory circuit may have"),
    (["circuit", "--rounds", "1000000000"], "rounds=1000000000 with 17 qubits"),
    (["threshold", "--distances", "1000000"], "distance=1000000 must be at most 1000"),
    (["threshold", "--rounds", "1000000000", "--distances", "3"], "qubit-rounds"),
    (["threshold", "--p", "0.001:0.01:100000000"], "n=100,000,000 physical error rates"),
])
def test_sizes_are_refused_before_any_work_starts(tmp_path, capsys, argv, fragment):
    assert_one_line_error(capsys, [*argv, *(["--out", str(tmp_path)]
                                            if argv[0] == "threshold" else [])], fragment)
    assert not (tmp_path / "threshold.db").exists()  # refused before the database was made


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--bootstrap", "1000000000"], "--bootstrap 1000000000 must be from 1 to 100,000"),
    (["--bootstrap", "0"], "--bootstrap 0 must be from 1"),
    (["--window", "-1"], "--window -1.0 must be a positive number"),
    (["--window", "nan"], "--window nan must be a positive number"),
])
def test_fit_options_are_validated(tmp_path, capsys, extra, fragment):
    from tests.analysis.synthetic import synthetic_sweep, write_points

    db = tmp_path / "r.db"
    write_points(db, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5),
                                     ps=np.linspace(0.08, 0.12, 5), shots=1000, seed=1))
    assert_one_line_error(capsys, ["fit", "--db", str(db), *extra], fragment)


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"])
@pytest.mark.parametrize("command", ["decoders --json", "circuit --code surface:3"])
def test_closed_or_full_stdout_is_exit_1_without_a_traceback(redirect, command):
    done = subprocess.run(["bash", "-c", f"{sys.executable} -m qec {command} {redirect}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ""


def test_a_dask_address_that_is_not_one_is_a_single_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "qec", "threshold", "--dask", "bogus",
                           "--distances", "3", "--p", "0.004,0.008", "--max-shots", "1000",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a Dask scheduler address" in done.stderr
    assert not (tmp_path / "threshold.db").exists()


# ----------------------------------------------------------------------------------- fuzz

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 40), st.integers(10**4, 10**15),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.integers(0, 40).map(np.int64), st.floats(-1, 2).map(np.float64),
    st.lists(st.integers(0, 1), max_size=4),
)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(distance=VALUES)
def test_fuzz_code_constructors_raise_only_value_errors(distance):
    for family in (RepetitionCode, RotatedSurfaceCode, UnrotatedSurfaceCode):
        try:
            code = family(distance=distance)
        except ValueError:
            continue
        assert code.distance == int(distance) and 2 <= code.distance <= 1000


@FUZZ
@given(p=VALUES, preset=st.sampled_from(["sd6", "si1000", "phenomenological",
                                         "code_capacity", "stim_generated"]))
def test_fuzz_noise_models_raise_only_value_errors(p, preset):
    try:
        noise = getattr(qec.NoiseModel, preset)(p)
    except ValueError:
        return
    assert 0 <= noise.p <= 1 and type(noise.p) is float


@FUZZ
@given(x=st.one_of(VALUES, st.lists(st.lists(st.integers(-1, 2), max_size=5), max_size=4)),
       z=st.one_of(VALUES, st.lists(st.lists(st.integers(0, 1), max_size=5), max_size=4)))
def test_fuzz_css_codes_raise_only_value_errors(x, z):
    try:
        code = CSSCode(x_checks=x, z_checks=z)
    except ValueError:
        return
    code.verify()


@FUZZ
@given(shots=VALUES, errors=VALUES, rounds=VALUES, p=VALUES, distance=VALUES)
def test_fuzz_statistics_values_raise_only_value_errors(shots, errors, rounds, p, distance):
    for make in (
        lambda: Point(distance=distance, rounds=rounds, physical_error_rate=p, shots=shots,
                      errors=errors),
        lambda: TaskStats(strong_id="x", decoder="d", json_metadata={}, shots=shots,
                          errors=errors, num_observables=rounds),
    ):
        with contextlib.suppress(ValueError):  # any other exception fails the test
            make()


OPTION_TEXT = st.one_of(st.text(max_size=12), st.integers(-5, 40).map(str),
                        st.integers(10**5, 10**12).map(str), st.floats().map(str),
                        st.sampled_from(["d", "3d", "0.001:0.01:3", "surface:3", "steane",
                                         "toric:distance=3", "X", "Z", "sd6", "", "-1"]))


@FUZZ
@given(code=OPTION_TEXT, distance=OPTION_TEXT, rounds=OPTION_TEXT, basis=OPTION_TEXT,
       noise=OPTION_TEXT, p=OPTION_TEXT)
def test_fuzz_the_circuit_command_exits_0_or_2_with_at_most_one_line(capsys, code, distance,
                                                                     rounds, basis, noise, p):
    argv = ["circuit", "--code", code, "--distance", distance, "--rounds", rounds,
            "--basis", basis, "--noise", noise, "--p", p]
    status = main(argv)
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    assert captured.err.count("\n") <= 1 and "Traceback" not in captured.err


@FUZZ
@given(window=OPTION_TEXT, bootstrap=st.one_of(st.integers(-3, 20).map(str), OPTION_TEXT),
       confidence=OPTION_TEXT, where=OPTION_TEXT)
def test_fuzz_the_fit_command_exits_0_or_2_with_at_most_one_line(capsys, tmp_path_factory,
                                                                 window, bootstrap,
                                                                 confidence, where):
    from tests.analysis.synthetic import synthetic_sweep, write_points

    db = tmp_path_factory.getbasetemp() / "fuzz-fit.db"
    if not db.exists():
        write_points(db, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5),
                                         ps=np.linspace(0.08, 0.12, 5), shots=1000, seed=1))
    if bootstrap.strip().lstrip("-").isdigit() and int(bootstrap) > 50:
        bootstrap = "1000000000"  # large counts only as the refused case: fits are costly
    argv = ["fit", "--db", str(db), "--window", window, "--bootstrap", bootstrap,
            "--confidence", confidence, "--where", where]
    status = main(argv)
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    assert captured.err.count("\n") <= 1 and "Traceback" not in captured.err


def test_an_endpoint_that_is_not_a_dask_scheduler_fails_with_one_line(tmp_path):
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:  # a hang would end in subprocess's TimeoutExpired, failing the test
        done = subprocess.run(
            [sys.executable, "-m", "qec", "threshold", "--dask",
             f"tcp://127.0.0.1:{server.server_address[1]}", "--distances", "3", "--p",
             "0.004,0.008", "--max-shots", "1000", "--out", str(tmp_path)],
            capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "could not connect to the Dask scheduler" in done.stderr
    assert not (tmp_path / "threshold.db").exists()


def _device_experiment(root):
    """A tiny recorded experiment in the Willow layout (a distance-4 repetition code: 9
    detectors), written once per session."""
    from qec.datasets import write_experiment

    path = root / "d4_at_q1_1" / "Z" / "r02"
    if not (path / "metadata.json").exists():
        import stim

        circuit = stim.Circuit.generated("repetition_code:memory", distance=4, rounds=2,
                                         before_round_data_depolarization=0.03)
        write_experiment(path, circuit=circuit, shots=640, seed=1)
    return path


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dem=st.one_of(OPTION_TEXT, st.sampled_from(["noisy", "learned", "si1000:0.01",
                                                   "shipped", "file:", "dir:/nope"])),
       decoders=st.one_of(OPTION_TEXT, st.sampled_from(["pymatching", "bposd:osd_order=2",
                                                        "relay-bp:num_sets=x", "exact,"])),
       fmt=st.sampled_from(["01", "b8", "r8", "hits", "dets", "ptb64", "bogus"]),
       distance=OPTION_TEXT)
def test_fuzz_the_decode_command_exits_0_or_2_with_at_most_one_line(capsys, tmp_path_factory,
                                                                    dem, decoders, fmt,
                                                                    distance):
    base = tmp_path_factory.getbasetemp()
    folder = _device_experiment(base / "fuzz-device")
    argv = ["decode", "--circuit", str(folder / "circuit_ideal.stim"), "--noisy-circuit",
            str(folder / "circuit_noisy_si1000.stim"), "--dets",
            str(folder / "detection_events.b8"), "--obs", str(folder / "obs_flips_actual.b8"),
            "--format", fmt, "--dem", dem, "--decoders", decoders, "--distance", distance,
            "--workers", "1", "--out", str(base / "fuzz-decode"), "--quiet"]
    status = main(argv)
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    assert captured.err.count("\n") <= 1 and "Traceback" not in captured.err


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.one_of(st.integers(-2, 90).map(str), OPTION_TEXT),
       confidence=OPTION_TEXT, noise=st.one_of(OPTION_TEXT, st.sampled_from(
           ["SI1000", "sd6", "code_capacity", "noiseless"])), p=OPTION_TEXT,
       command=st.sampled_from(["learn-noise", "diagnose"]))
def test_fuzz_learn_noise_and_diagnose_exit_0_or_2_with_at_most_one_line(
        capsys, tmp_path_factory, groups, confidence, noise, p, command):
    base = tmp_path_factory.getbasetemp()
    folder = _device_experiment(base / "fuzz-device")
    common = ["--dataset", str(folder), "--noise", noise, "--p", p, "--quiet"]
    if command == "learn-noise":
        argv = ["learn-noise", *common, "--groups", groups, "--confidence", confidence,
                "--out", str(base / "fuzz-learned.dem")]
    else:
        argv = ["diagnose", *common, "--factor", confidence, "--out", str(base / "fuzz-diag")]
    status = main(argv)
    captured = capsys.readouterr()
    assert status in (0, 2), captured.err
    assert captured.err.count("\n") <= 1 and "Traceback" not in captured.err


def test_a_disk_that_fills_during_a_run_is_one_line_exit_1_and_keeps_what_is_stored(
        tmp_path, capsys, monkeypatch):
    # The first batches commit; then the disk is "full". The command says so in one line,
    # with what is stored, and exits 1 (the machine failed, not the input); a re-run resumes.
    import sqlite3

    from qec.store._result_store import ResultStore

    real = ResultStore.complete_batch
    calls = []

    def fills_up(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 2:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ResultStore, "complete_batch", fills_up)
    argv = ["threshold", "--code", "repetition", "--noise", "code-capacity", "--distances", "3",
            "--p", "0.05,0.1", "--max-shots", "200000", "--max-errors", "100000", "--seed", "1",
            "--workers", "1", "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "could not write: database or disk is full; 2 completed batches are stored" in err
    monkeypatch.setattr(ResultStore, "complete_batch", real)
    assert main(argv) == 0
