"""qec decode, qec learn-noise, qec diagnose, and qec fit / plot on a device's recorded data."""

import json

import matplotlib.image
import numpy as np
import pytest
import stim

from qec import memory_circuit
from qec.cli import main
from qec.codes import RotatedSurfaceCode
from qec.datasets import sample_with_bursts, simulated_device, write_experiment, write_shots
from qec.noise import NoiseModel
from tests.cli.one_line import assert_one_line_error

NOISE = NoiseModel.si1000(0.003)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """d = 3 and 5 at rounds 2 and 6 of one device, in the Willow layout."""
    root = tmp_path_factory.mktemp("device") / "data"
    for distance in (3, 5):
        for rounds in (2, 6):
            ideal = memory_circuit(RotatedSurfaceCode(distance=distance), rounds=rounds,
                                   basis="Z", noise=NOISE).without_noise()
            device = simulated_device(ideal, noise=NOISE, seed=distance)
            measurements, _ = sample_with_bursts(device.true, shots=4000, burst_rate=0.005,
                                                 seed=rounds)
            write_experiment(root / f"d{distance}_at_q5_5" / "Z" / f"r{rounds:02d}",
                             circuit=device.assumed, ideal=ideal, shots=4000,
                             data=(measurements, None))
    return root


def test_decode_a_dataset_then_fit_and_plot_its_error_per_cycle(tmp_path, dataset, capsys):
    argv = ["decode", "--dataset", str(dataset), "--decoders", "pymatching", "--dem",
            "noisy,si1000:0.003", "--out", str(tmp_path), "--workers", "1", "--quiet"]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert main([*argv[:-1], "--json"]) == 0  # resumed: nothing left to decode
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["points"]) == 8
    assert {p["error_model"] for p in summary["points"]} == {"noisy", "si1000:0.003"}
    assert all(p["shots"] == 4000 and 0 < p["errors"] < 4000 for p in summary["points"])
    db = tmp_path / "decode.db"
    assert main(["fit", "--db", str(db), "--json"]) == 0
    fits = json.loads(capsys.readouterr().out)["series"]
    assert len(fits) == 2  # one per error model, every experiment of the device in each
    for series in fits:
        device = series["device"]
        assert [row["distance"] for row in device["per_distance"]] == [3, 5]
        assert all(row["rounds"] == [2, 6] and row["amplitude"] is not None
                   for row in device["cycles"])
        low, high = device["lambda_ci"]
        assert low < device["lambda"] < high
    assert main(["fit", "--db", str(db)]) == 0
    assert "Lambda = " in capsys.readouterr().out
    figure = tmp_path / "cycles.png"
    assert main(["plot", "--db", str(db), "--kind", "cycles", "--out", str(figure),
                 "--where", "error_model=noisy"]) == 0
    assert matplotlib.image.imread(figure).shape[:2] == (450, 1100)


def test_decode_prints_its_table(tmp_path, dataset, capsys):
    assert main(["decode", "--dataset", str(dataset / "d3_at_q5_5"), "--out", str(tmp_path),
                 "--workers", "1", "--exclude-bursts"]) == 0
    out = capsys.readouterr().out
    assert "Z/r02       pymatching  noisy" in out  # named within the tree given
    assert "burst" in out and f"results: {tmp_path / 'decode.db'}" in out


def test_decode_one_experiment_from_its_files(tmp_path, dataset, capsys):
    folder = dataset / "d3_at_q5_5" / "Z" / "r02"
    ideal = stim.Circuit.from_file(str(folder / "circuit_ideal.stim"))
    dets = np.fromfile(folder / "detection_events.b8", dtype=np.uint8).reshape(4000, -1)
    write_shots(tmp_path / "dets.01", dets, bits=ideal.num_detectors)
    assert main(["decode", "--circuit", str(folder / "circuit_ideal.stim"), "--noisy-circuit",
                 str(folder / "circuit_noisy_si1000.stim"), "--dets", str(tmp_path / "dets.01"),
                 "--obs", str(folder / "obs_flips_actual.b8"), "--distance", "3", "--rounds",
                 "2", "--out", str(tmp_path), "--json", "--workers", "1"]) == 0
    (point,) = json.loads(capsys.readouterr().out)["points"]
    assert point["experiment"] == "dets.01" and point["shots"] == 4000


def test_learn_noise_writes_a_model_per_experiment_that_decode_takes(tmp_path, dataset, capsys):
    out = tmp_path / "learned"
    assert main(["learn-noise", "--dataset", str(dataset), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["experiments"]) == 4
    for row in summary["experiments"]:
        model = stim.DetectorErrorModel.from_file(row["model"])
        assert model.num_errors > 0 and row["assumed"] == "the noisy circuit"
    assert (out / "d5_at_q5_5" / "Z" / "r06" / "error_model.dem").is_file()
    assert main(["decode", "--dataset", str(dataset), "--dem", f"dir:{out}", "--out",
                 str(tmp_path), "--workers", "1", "--quiet"]) == 0
    folder = dataset / "d3_at_q5_5" / "Z" / "r02"
    single = tmp_path / "one.dem"
    assert main(["learn-noise", "--circuit", str(folder / "circuit_ideal.stim"), "--dets",
                 str(folder / "detection_events.b8"), "--noise", "SI1000", "--p", "0.003",
                 "--out", str(single)]) == 0
    out_text = capsys.readouterr().out
    assert "against si1000 p=0.003" in out_text and "ratio" in out_text
    assert single.is_file()


def test_diagnose_writes_a_figure_and_flags(tmp_path, dataset, capsys):
    assert main(["diagnose", "--dataset", str(dataset / "d5_at_q5_5" / "Z" / "r06"), "--out",
                 str(tmp_path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["experiments"]
    assert row["shots"] == 4000 and len(row["qubits"]) == 49
    assert matplotlib.image.imread(row["figure"]).shape[:2] == (480, 1200)


def test_inconsistent_inputs_are_one_line_each(tmp_path, dataset, capsys):
    folder = dataset / "d3_at_q5_5" / "Z" / "r02"
    short = tmp_path / "short.b8"
    short.write_bytes((folder / "detection_events.b8").read_bytes()[:-1])
    assert_one_line_error(capsys, [
        "decode", "--circuit", str(folder / "circuit_ideal.stim"), "--dets", str(short),
        "--obs", str(folder / "obs_flips_actual.b8"), "--out", str(tmp_path)],
        "not a whole number of shots of 16 bits")
    wrong = tmp_path / "wrong.dem"
    wrong.write_text("error(0.1) D0 D1\nerror(0.1) D1 L0\n")
    assert_one_line_error(capsys, [
        "decode", "--dataset", str(folder), "--dem", f"file:{wrong}", "--out", str(tmp_path)],
        "has 2 detectors and 1 observables; its circuit has 16 and 1")
    broken = tmp_path / "broken" / "d3_at_q1_1" / "Z" / "r02"
    broken.mkdir(parents=True)
    (broken / "metadata.json").write_text('{"basis": "Z", "rounds": 2, "shots": 10}')
    assert_one_line_error(capsys, ["decode", "--dataset", str(tmp_path / "broken"), "--out",
                                   str(tmp_path)], "has no 'distance'")
    assert_one_line_error(capsys, ["decode", "--out", str(tmp_path)],
                          "give --dataset DIR, or --circuit FILE")
    assert_one_line_error(capsys, ["decode", "--dataset", str(folder), "--decoders",
                                   "nonsense", "--out", str(tmp_path)], "nonsense")
    assert_one_line_error(capsys, ["learn-noise", "--dataset", str(folder), "--noise",
                                   "code-capacity", "--out", str(tmp_path / "x")],
                          "places no noise on the circuit's operations")


def test_decode_data_that_come_with_a_model_and_no_circuit(tmp_path, dataset, capsys):
    folder = dataset / "d5_at_q5_5" / "Z" / "r02"
    model = tmp_path / "model.dem"
    noisy = stim.Circuit.from_file(str(folder / "circuit_noisy_si1000.stim"))
    model.write_text(str(noisy.detector_error_model(decompose_errors=True)))
    assert main(["decode", "--dem", f"file:{model}", "--dets",
                 str(folder / "detection_events.b8"), "--obs", str(folder / "obs_flips_actual.b8"),
                 "--out", str(tmp_path), "--workers", "1", "--json"]) == 0
    (point,) = json.loads(capsys.readouterr().out)["points"]
    assert main(["decode", "--dataset", str(folder), "--dem", "noisy", "--out",
                 str(tmp_path / "b"), "--workers", "1", "--json"]) == 0
    (same,) = json.loads(capsys.readouterr().out)["points"]
    assert (point["shots"], point["errors"]) == (same["shots"], same["errors"])
