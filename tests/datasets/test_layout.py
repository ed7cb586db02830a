"""Experiments in the layouts of Google's releases: found, read, and what they ship."""

import json

import numpy as np
import pytest
import stim

from qec.datasets import (
    Experiment,
    find_experiments,
    load_experiment,
    write_experiment,
    write_shots,
)


def _circuit(rounds=2, basis="z", p=0.01):
    return stim.Circuit.generated(f"surface_code:rotated_memory_{basis}", distance=3,
                                  rounds=rounds, after_clifford_depolarization=p,
                                  before_measure_flip_probability=p)


def test_a_willow_tree_is_found_with_its_patch_basis_and_rounds(tmp_path):
    for basis in ("X", "Z"):
        for rounds in (1, 3):
            write_experiment(tmp_path / "d3_at_q4_5" / basis / f"r{rounds:02d}",
                             circuit=_circuit(rounds, basis.lower()), shots=300, seed=rounds)
    found = find_experiments(tmp_path)
    assert [(e.name, e.distance, e.rounds, e.basis, e.patch, e.shots) for e in found] == [
        ("d3_at_q4_5/X/r01", 3, 1, "X", "d3_at_q4_5", 300),
        ("d3_at_q4_5/X/r03", 3, 3, "X", "d3_at_q4_5", 300),
        ("d3_at_q4_5/Z/r01", 3, 1, "Z", "d3_at_q4_5", 300),
        ("d3_at_q4_5/Z/r03", 3, 3, "Z", "d3_at_q4_5", 300)]
    metadata = json.loads((tmp_path / "d3_at_q4_5/Z/r03/metadata.json").read_text())
    assert metadata == {"shots": 300, "rounds": 3, "basis": "Z", "distance": 3}
    assert found[0].labels() == {"experiment": "d3_at_q4_5/X/r01", "distance": 3, "rounds": 1,
                                 "basis": "X", "patch": "d3_at_q4_5"}


def test_detection_events_from_the_file_equal_those_converted_from_the_measurements(tmp_path):
    circuit = _circuit(3)
    write_experiment(tmp_path / "d3_at_q2_7" / "Z" / "r03", circuit=circuit, shots=500, seed=4)
    (experiment,) = find_experiments(tmp_path)
    ideal = experiment.circuit()
    from_file = experiment.detection_events(ideal)
    (experiment.path / "detection_events.b8").unlink()
    (experiment.path / "obs_flips_actual.b8").unlink()
    np.testing.assert_array_equal(experiment.detection_events(ideal), from_file)
    # ...and they are the noisy circuit's own: detection events from stim's sampler, same seed.
    expected = circuit.compile_sampler(seed=4).sample(500, bit_packed=True)
    converted = circuit.compile_m2d_converter().convert(measurements=expected,
                                                        separate_observables=True,
                                                        bit_packed=True)[0]
    np.testing.assert_array_equal(from_file, converted)


def test_a_sycamore_2022_folder_reads_its_properties_and_01_files(tmp_path):
    circuit = _circuit(3)
    folder = tmp_path / "surface_code_bZ_d3_r03_center_3_5"
    folder.mkdir()
    ideal = circuit.without_noise()
    (folder / "circuit_ideal.stim").write_text(str(ideal))
    (folder / "circuit_noisy.stim").write_text(str(circuit))
    (folder / "properties.yml").write_text(
        "type: surface_code_memory_experiment\nbasis: Z\nrounds: 3\ndistance: 3\nshots: 200\n")
    measurements = circuit.compile_sampler(seed=1).sample(200, bit_packed=True)
    write_shots(folder / "measurements.b8", measurements, bits=ideal.num_measurements,
                kind="measurements")
    dets, obs = ideal.compile_m2d_converter().convert(measurements=measurements,
                                                      separate_observables=True, bit_packed=True)
    write_shots(folder / "obs_flips_actual.01", obs, bits=1, kind="observables")
    write_shots(folder / "obs_flips_predicted_by_pymatching.01", np.zeros_like(obs), bits=1,
                kind="observables")
    (folder / "pij_from_even_for_odd.dem").write_text(str(circuit.detector_error_model()))
    (experiment,) = find_experiments(tmp_path)
    assert (experiment.distance, experiment.rounds, experiment.basis, experiment.patch) == (
        3, 3, "Z", "center_3_5")
    np.testing.assert_array_equal(experiment.detection_events(), dets)
    np.testing.assert_array_equal(experiment.observable_flips(), obs)
    assert list(experiment.shipped_predictions()) == ["pymatching"]
    assert list(experiment.shipped_models()) == ["pij_from_even_for_odd"]
    assert experiment.circuit_path(noisy=True).name == "circuit_noisy.stim"


def test_shipped_models_and_predictions_of_the_willow_layout(tmp_path):
    circuit = _circuit()
    path = tmp_path / "d3_at_q6_7" / "X" / "r02"
    write_experiment(path, circuit=circuit, shots=64, seed=2,
                     shipped={"correlated_matching_decoder_with_si1000_prior":
                              circuit.detector_error_model(decompose_errors=True)})
    write_shots(path / "decoding_results" / "correlated_matching_decoder_with_si1000_prior"
                / "obs_flips_predicted.b8", np.zeros((64, 1), dtype=np.uint8), bits=1,
                kind="observables")
    experiment = load_experiment(path, name="d3_at_q6_7/X/r02")
    assert list(experiment.shipped_models()) == ["correlated_matching_decoder_with_si1000_prior"]
    predicted = experiment.predictions("correlated_matching_decoder_with_si1000_prior",
                                       num_observables=1)
    assert predicted.shape == (64, 1)
    with pytest.raises(ValueError, match="ships no predictions of 'libra'"):
        experiment.predictions("libra", num_observables=1)


@pytest.mark.parametrize(("content", "message"), [
    ({"basis": "Z", "rounds": 3, "shots": 10}, r"has no 'distance' \(looked for distance, d"),
    ({"basis": "Y", "rounds": 3, "shots": 10, "distance": 3}, r"basis='Y' must be 'X' or 'Z'"),
    ({"basis": "Z", "rounds": 0, "shots": 10, "distance": 3}, r"rounds=0 must be a positive"),
    ({"basis": "Z", "rounds": 2.5, "shots": 10, "distance": 3}, r"rounds=2.5 must be a posit"),
])
def test_metadata_that_does_not_say_what_the_experiment_is_is_refused(tmp_path, content,
                                                                      message):
    (tmp_path / "metadata.json").write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        load_experiment(tmp_path)


def test_no_experiment_and_unparsable_metadata(tmp_path):
    with pytest.raises(ValueError, match="holds no experiment"):
        find_experiments(tmp_path)
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(ValueError, match="does not parse"):
        find_experiments(tmp_path)


def test_an_experiment_from_files_in_any_format(tmp_path):
    circuit = _circuit(3)
    ideal = circuit.without_noise()
    (tmp_path / "c.stim").write_text(str(ideal))
    dets, obs = circuit.compile_detector_sampler(seed=3).sample(
        100, separate_observables=True, bit_packed=False)
    stim.write_shot_data_file(data=dets, path=str(tmp_path / "d.txt"), format="hits",
                              num_detectors=ideal.num_detectors)
    write_shots(tmp_path / "o.r8", obs, kind="observables")
    experiment = Experiment.from_files(circuit=tmp_path / "c.stim",
                                       detection_events=tmp_path / "d.txt",
                                       observables=tmp_path / "o.r8",
                                       formats={"detection_events": "hits"}, distance=3)
    np.testing.assert_array_equal(
        np.unpackbits(experiment.detection_events(), axis=1, bitorder="little",
                      count=ideal.num_detectors), dets)
    assert experiment.labels() == {"experiment": "d.txt", "distance": 3}
    with pytest.raises(ValueError, match="give the detection events, or the measurements"):
        Experiment.from_files(circuit=tmp_path / "c.stim")
    with pytest.raises(ValueError, match=r"observables='.*nope.b8': no such file"):
        Experiment.from_files(circuit=tmp_path / "c.stim", detection_events=tmp_path / "d.txt",
                              observables=tmp_path / "nope.b8")
