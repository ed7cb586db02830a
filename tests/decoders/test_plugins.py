"""One resolver for decoder names: custom decoders, qec's registry and plugins (entry points and
register_decoder), leakage-aware samplers, sinter's built-ins; decoders that only decode
through files; --custom-decoders on the command line."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pymatching
import pytest
import sinter
import stim

import qec
from qec.cli import main
from qec.decoders import (
    PyMatchingDecoder,
    canonical_decoder_name,
    decode,
    register_decoder,
    reload_entry_points,
    resolvable_decoders,
    resolve_decoder,
    unregister_decoder,
)
from qec.sampling import Task, collect

PLUGIN_PATH = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "plugin"


def _circuit() -> stim.Circuit:
    return qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                              noise=qec.NoiseModel.sd6(0.005))


def _shots(circuit, n=2000):
    return circuit.compile_detector_sampler(seed=11).sample(n, separate_observables=True,
                                                            bit_packed=True)


def _pymatching_predictions(circuit, dets):
    dem = circuit.detector_error_model(decompose_errors=True)
    return pymatching.Matching.from_detector_error_model(dem).decode_batch(
        dets, bit_packed_shots=True, bit_packed_predictions=True)


class FilesOnlyMatching(sinter.Decoder):
    """A decoder written for sinter's command line: it decodes only through files."""

    def decode_via_files(self, *, num_shots, num_dets, num_obs, dem_path, dets_b8_in_path,
                         obs_predictions_b8_out_path, tmp_dir):
        dem = stim.DetectorErrorModel.from_file(dem_path)
        dets = stim.read_shot_data_file(path=str(dets_b8_in_path), format="b8",
                                        num_detectors=num_dets, bit_packed=True)
        predictions = pymatching.Matching.from_detector_error_model(dem).decode_batch(
            dets, bit_packed_shots=True, bit_packed_predictions=True)
        stim.write_shot_data_file(data=predictions, path=str(obs_predictions_b8_out_path),
                                  format="b8", num_observables=num_obs)


def custom_decoders():
    """The function --custom-decoders tests.decoders.test_plugins:custom_decoders names."""
    return {"files-only": FilesOnlyMatching(), "my-pymatching": PyMatchingDecoder()}


def test_resolution_order_custom_then_registry_then_sinter():
    mine = PyMatchingDecoder(correlated=True)
    assert resolve_decoder("pymatching", custom_decoders={"pymatching": mine}) is mine
    assert resolve_decoder("pymatching") == PyMatchingDecoder()  # qec's, not sinter's
    assert type(resolve_decoder("leakage-aware")).__name__ == "LeakageSampler"
    assert resolve_decoder("vacuous") is sinter.BUILT_IN_SAMPLERS["vacuous"]
    sources = [info.source for info in resolvable_decoders()]
    assert sources == sorted(sources, key=["qec", "registered", "plugin", "leakage",
                                           "sinter"].index)


@pytest.mark.parametrize("spelling", ["pymatching_correlated", "PyMatching-Correlated",
                                      " pymatching-correlated "])
def test_names_are_normalised_like_codes_and_noise(spelling):
    assert canonical_decoder_name(spelling) == "pymatching-correlated"
    assert resolve_decoder(spelling) == PyMatchingDecoder(correlated=True)
    assert canonical_decoder_name("Fusion-Blossom") == "fusion_blossom"  # sinter's spelling


def test_vacuous_works_in_decode_and_the_engine(tmp_path):
    circuit = _circuit()
    dets, _ = _shots(circuit)
    assert not decode(circuit, dets, decoder="vacuous").any()
    [stats] = collect([Task(circuit=circuit, decoder="vacuous", json_metadata={})],
                      db=tmp_path / "v.db", max_shots=1024, workers=1, seed=1)
    assert stats.shots == 1024 and stats.errors > 0


def test_register_decoder_makes_a_name_known_everywhere(tmp_path):
    register_decoder("house-matching", PyMatchingDecoder, description="test")
    try:
        circuit = _circuit()
        dets, _ = _shots(circuit)
        np.testing.assert_array_equal(decode(circuit, dets, decoder="house_matching"),
                                      _pymatching_predictions(circuit, dets))
        assert "house-matching" in [i.name for i in resolvable_decoders()]
        [stats] = collect([Task(circuit=circuit, decoder="house-matching", json_metadata={})],
                          db=tmp_path / "h.db", max_shots=2048, workers=1, seed=1)
        assert stats.shots == 2048
        with pytest.raises(ValueError, match="already registered"):
            register_decoder("house-matching", PyMatchingDecoder)
    finally:
        unregister_decoder("house-matching")
    with pytest.raises(ValueError, match="'house-matching' is not a known decoder"):
        resolve_decoder("house-matching")
    with pytest.raises(ValueError, match="was not added with register_decoder"):
        unregister_decoder("pymatching")


def test_a_files_only_decoder_works_in_decode_and_the_engine(tmp_path):
    circuit = _circuit()
    dets, _ = _shots(circuit)
    np.testing.assert_array_equal(decode(circuit, dets, decoder=FilesOnlyMatching()),
                                  _pymatching_predictions(circuit, dets))
    task = Task(circuit=circuit, decoder="files-only", json_metadata={})
    reference = Task(circuit=circuit, decoder="pymatching", json_metadata={})
    [files, plain] = collect([task, reference], db=tmp_path / "f.db", max_shots=3072, workers=1,
                             seed=2, custom_decoders={"files-only": FilesOnlyMatching()})
    assert files.shots == plain.shots == 3072
    assert abs(files.errors - plain.errors) < 5 * np.sqrt(plain.errors + 1)


def test_an_entry_point_plugin_is_found_and_used(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_PATH))
    reload_entry_points()
    try:
        info = {i.name: i for i in resolvable_decoders()}["fixture-matching"]
        assert info.source == "plugin" and "qec-fixture-plugin" in info.description
        circuit = _circuit()
        dets, _ = _shots(circuit)
        np.testing.assert_array_equal(decode(circuit, dets, decoder="fixture-matching"),
                                      _pymatching_predictions(circuit, dets))
    finally:
        monkeypatch.undo()
        reload_entry_points()
    assert "fixture-matching" not in [i.name for i in resolvable_decoders()]


def _run_qec(args, tmp_path, *, pythonpath=()):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), str(PLUGIN_PATH.parent.parent
                                                                    .parent)])
    return subprocess.run([sys.executable, "-m", "qec", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)


def test_qec_collect_uses_a_plugin_decoder_by_name(tmp_path):
    circuit_file = tmp_path / "d=3,p=0.005,r=3.stim"
    circuit_file.write_text(str(_circuit()))
    done = _run_qec(["collect", "--circuits", str(circuit_file), "--decoders",
                     "fixture-matching,pymatching", "--db", str(tmp_path / "c.db"),
                     "--max-shots", "4096", "--workers", "2", "--seed", "3", "--json"],
                    tmp_path, pythonpath=[PLUGIN_PATH])
    assert done.returncode == 0, done.stderr
    rows = {row["decoder"]: row for row in json.loads(done.stdout)["tasks"]}
    assert rows["fixture-matching"]["shots"] == rows["pymatching"]["shots"] == 4096
    listed = _run_qec(["decoders"], tmp_path, pythonpath=[PLUGIN_PATH])
    assert "from installed packages" in listed.stdout and "fixture-matching" in listed.stdout
    without = _run_qec(["collect", "--circuits", str(circuit_file), "--decoders",
                        "fixture-matching", "--db", str(tmp_path / "x.db"), "--max-shots", "10"],
                       tmp_path)
    assert without.returncode == 2
    assert "decoder='fixture-matching' is not a known decoder" in without.stderr
    assert not (tmp_path / "x.db").exists()


def test_custom_decoders_option_on_collect_and_threshold(tmp_path, capsys):
    circuit_file = tmp_path / "d=3,p=0.005,r=3.stim"
    circuit_file.write_text(str(_circuit()))
    spec = "tests.decoders.test_plugins:custom_decoders"
    assert main(["collect", "--circuits", str(circuit_file), "--decoders", "files-only",
                 "--custom-decoders", spec, "--db", str(tmp_path / "c.db"), "--max-shots",
                 "2048", "--workers", "1", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["tasks"]
    assert row["decoder"] == "files-only" and row["shots"] == 2048
    assert main(["threshold", "--distances", "3", "--p", "0.004,0.008", "--max-shots", "1024",
                 "--decoder", "my-pymatching", "--custom-decoders", spec, "--out",
                 str(tmp_path), "--workers", "1", "--json"]) == 0
    tasks = json.loads(capsys.readouterr().out)["tasks"]
    assert {t["decoder"] for t in tasks} == {"my-pymatching"}


@pytest.mark.parametrize(("spec", "fragment"), [
    ("tests.decoders.test_plugins", "must be MODULE:FUNCTION"),
    ("no_such_module_xyz:f", "cannot import 'no_such_module_xyz'"),
    ("tests.decoders.test_plugins:nothing", "has no function 'nothing'"),
    ("tests.decoders.test_plugins:_circuit", "must return a dict of decoder names"),
])
def test_bad_custom_decoders_are_one_line(tmp_path, capsys, spec, fragment):
    from tests.cli.one_line import assert_one_line_error

    circuit_file = tmp_path / "c.stim"
    circuit_file.write_text(str(_circuit()))
    assert_one_line_error(capsys, ["collect", "--circuits", str(circuit_file), "--metadata",
                                   "none", "--custom-decoders", spec, "--db",
                                   str(tmp_path / "c.db"), "--max-shots", "10"], fragment)
    assert not (tmp_path / "c.db").exists()
