"""Recorded experiments decoded into the store: the decoder's own answer, resumable, any model."""

import socket

import numpy as np
import pytest
import stim

from qec.datasets import decode_experiments, find_experiments, write_experiment, write_shots
from qec.decoders import decode
from qec.store import ResultStore


def _circuit(rounds):
    # A distance-4 repetition code: 3 (rounds + 1) detectors, 9 and 18 for the two experiments
    # (not multiples of 8, where bit-packed readers go wrong).
    return stim.Circuit.generated("repetition_code:memory", distance=4, rounds=rounds,
                                  after_clifford_depolarization=0.04,
                                  before_measure_flip_probability=0.04)


@pytest.fixture
def dataset(tmp_path):
    root = tmp_path / "data"
    for rounds in (2, 5):
        circuit = _circuit(rounds)
        path = root / "d4_at_q4_5" / "Z" / f"r{rounds:02d}"
        write_experiment(path, circuit=circuit, shots=3001, seed=rounds,
                         shipped={"true": circuit.detector_error_model(decompose_errors=True)})
        # The release's own predictions: PyMatching's on the same shots.
        experiment = find_experiments(path)[0]
        dets = experiment.detection_events()
        write_shots(path / "decoding_results" / "true" / "obs_flips_predicted.b8",
                    decode(circuit.detector_error_model(decompose_errors=True), dets,
                           decoder="pymatching"), bits=1, kind="observables")
    return root


def test_decoding_equals_the_decoder_called_directly_and_resumes(tmp_path, dataset):
    experiments = find_experiments(dataset)
    db = tmp_path / "r.db"
    result = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"], db=db,
                                workers=2)
    stats = result["stats"]
    assert [s.decoder for s in stats] == ["pymatching", "pymatching",
                                          "shipped-predictions:true",
                                          "shipped-predictions:true"]
    for experiment, decoded, shipped in zip(experiments, stats[:2], stats[2:], strict=True):
        circuit = experiment.circuit(noisy=True)
        dets, obs = experiment.detection_events(), experiment.observable_flips()
        wrong = np.any(decode(circuit.detector_error_model(decompose_errors=True,
                                                           approximate_disjoint_errors=True),
                              dets, decoder="pymatching") != obs, axis=1)
        assert decoded.shots == 3001 and decoded.errors == int(wrong.sum()) > 0
        assert shipped.errors == decoded.errors  # the same decoder and model, shipped
        assert decoded.json_metadata["error_model"] == "noisy"
        assert decoded.json_metadata["source"] == "recorded"
        assert decoded.json_metadata["rounds"] == experiment.rounds
    with ResultStore(db, read_only=True) as store:
        rows = store.batch_rows()
    again = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"], db=db,
                               workers=1)
    assert [(s.shots, s.errors) for s in again["stats"]] == [(s.shots, s.errors) for s in stats]
    with ResultStore(db, read_only=True) as store:
        assert store.batch_rows() == rows  # nothing decoded twice


def test_an_interrupted_decode_resumes_to_the_same_numbers(tmp_path, dataset, monkeypatch):
    import qec.datasets._decode as decoding

    monkeypatch.setattr(decoding, "_BATCH_CHUNKS", 1)  # one chunk a batch: three batches
    experiments = find_experiments(dataset)[:1]
    whole = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"],
                               db=tmp_path / "whole.db", workers=1)["stats"][0]
    partial = tmp_path / "partial.db"
    first = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"],
                               db=partial, workers=1)["stats"][0]
    # As if killed: chunk 0 committed, chunk 1 claimed by a process that has died, chunk 2
    # never claimed.
    with ResultStore(partial) as store:
        connection = store._connection
        connection.execute("DELETE FROM batches WHERE strong_id = ? AND first_chunk = 2",
                           (first.strong_id,))
        connection.execute("UPDATE batches SET shots = NULL, errors = NULL, owner = ? "
                           "WHERE strong_id = ? AND first_chunk = 1",
                           (f"{socket.gethostname()}:{2**22 + 4321}:1", first.strong_id))
        connection.commit()
        assert store.stats_for(first.strong_id).shots == 1024
        assert store.abandoned_claims(first.strong_id) == 1
    resumed = decode_experiments(experiments, decoders=["pymatching"], models=["noisy"],
                                 db=partial, workers=2)["stats"][0]
    assert (resumed.shots, resumed.errors) == (whole.shots, whole.errors) == (3001, first.errors)


def test_learned_models_decode_each_half_with_the_other_halfs_model(tmp_path, dataset):
    experiments = find_experiments(dataset)[1:]
    result = decode_experiments(experiments, decoders=["pymatching"],
                                models=["learned", "shipped", "si1000:0.002"],
                                db=tmp_path / "r.db", workers=1)
    names = [s.json_metadata["error_model"] for s in result["stats"]]
    assert names == ["learned", "shipped:true", "si1000:0.002", "shipped:true"]
    learned, shipped = result["stats"][:2]
    # The learned model is as good as the true one here (within the shots' noise).
    assert abs(learned.errors - shipped.errors) <= 4 * np.sqrt(shipped.errors)


def test_bursts_excluded_are_counted_as_discards(tmp_path, dataset):
    result = decode_experiments(find_experiments(dataset), decoders=["pymatching"],
                                models=["noisy"], db=tmp_path / "r.db", workers=1,
                                exclude_bursts=True)
    for s in result["stats"]:
        assert s.discards == s.json_metadata["bursts_excluded"]
        assert s.json_metadata["burst_false_alarm"] == 0.01


@pytest.mark.parametrize(("models", "message"), [
    (["shipped:libra"], "ships true"),
    (["file:/nonexistent.dem"], "no file"),
    (["bogus"], "must be noisy, shipped"),
    (["si1000:2"], r"needs a strength P in \(0, 0.1\)"),
])
def test_bad_models_are_refused_before_any_decoding(tmp_path, dataset, models, message):
    with pytest.raises(ValueError, match=message):
        decode_experiments(find_experiments(dataset), decoders=["pymatching"], models=models,
                           db=tmp_path / "r.db")
    assert not (tmp_path / "r.db").exists()


def test_a_model_that_does_not_fit_the_circuit_is_refused(tmp_path, dataset):
    other = tmp_path / "other.dem"
    other.write_text(str(_circuit(3).detector_error_model()))
    with pytest.raises(ValueError, match="has 12 detectors and 1 observables; its circuit has 9"):
        decode_experiments(find_experiments(dataset)[:1], decoders=["pymatching"],
                           models=[f"file:{other}"], db=tmp_path / "r.db")
