"""Every registered decoder on the same d = 3 surface-code shots, against the exact decoder."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import sinter
import stim

import qec.decoders
from qec.decoders import check_decoder, decode, decoder_infos, get_decoder, sinter_decoders

SHOTS = 10_000
# Accuracy relative to maximum likelihood on this circuit: matching-family decoders (weighted
# union-find included), BP+OSD are within 1.5x of the optimum at d = 3. Measured on these
# shots: 166 errors for exact, 187 for pymatching and union-find, 172 for belief-matching.
MAX_RATIO = {
    "pymatching": 1.5,
    "pymatching-correlated": 1.5,
    "bposd": 1.5,
    "bposd-bb": 1.5,
    "bplsd": 1.5,
    "relay-bp": 1.5,
    "relay-bp-gross-fast": 1.5,
    "relay-bp-gross-accurate": 1.5,
    "tesseract": 1.5,
    "tesseract-long-beam": 1.5,
    "tesseract-short-beam": 1.5,
    "belief-matching": 1.5,
    "union-find": 1.5,
    "exact": 1.0,
}
# Decoders of one code family only, with their own suites (tests/decoders/test_chromobius.py).
FAMILY_DECODERS = {"chromobius"}
Z = 4.0  # width of the binomial confidence bounds below, in standard deviations


@pytest.fixture(scope="module")
def surface_code_shots():
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z",
        distance=3,
        rounds=3,
        after_clifford_depolarization=0.005,
        before_round_data_depolarization=0.005,
        before_measure_flip_probability=0.005,
        after_reset_flip_probability=0.005,
    )
    dets, obs = circuit.compile_detector_sampler(seed=2024).sample(
        SHOTS, separate_observables=True, bit_packed=True
    )
    exact_wrong = np.any(decode(circuit, dets, decoder="exact") != obs, axis=1)
    return circuit, dets, obs, exact_wrong


def _installed_names() -> list[str]:
    return [info.name for info in decoder_infos() if info.installed]


def test_every_registered_decoder_is_installed_in_the_test_environment():
    # The test extra pulls in the decoders extra, so nothing is skipped silently.
    assert _installed_names() == list(qec.decoders.decoder_names())
    assert set(MAX_RATIO) | FAMILY_DECODERS == set(qec.decoders.decoder_names())


@pytest.mark.parametrize("name", list(MAX_RATIO))
def test_decoder_error_rate_is_in_the_expected_range(surface_code_shots, name):
    circuit, dets, obs, exact_wrong = surface_code_shots
    wrong = np.any(decode(circuit, dets, decoder=name) != obs, axis=1)
    errors, optimum = int(wrong.sum()), int(exact_wrong.sum())
    # A decoder that ignores the syndrome is wrong on every flipped shot: far above the range.
    assert optimum > 50
    assert int(np.any(obs, axis=1).sum()) > 3 * optimum
    upper = MAX_RATIO[name] * optimum + Z * math.sqrt(MAX_RATIO[name] * optimum)
    assert errors <= upper, f"{name}: {errors} errors, optimum {optimum}"

    # Paired comparison on the same shots: maximum likelihood is never worse. Among shots where
    # exactly one of the two is wrong, the decoder may win at most Z standard deviations more
    # often than under a fair coin (sign test).
    decoder_only_right = int(np.count_nonzero(exact_wrong & ~wrong))
    exact_only_right = int(np.count_nonzero(wrong & ~exact_wrong))
    discordant = decoder_only_right + exact_only_right
    assert decoder_only_right - exact_only_right <= Z * math.sqrt(max(discordant, 1)), (
        f"{name} beat maximum likelihood: {decoder_only_right} vs {exact_only_right}"
    )


def test_all_decoders_run_through_sinter_collect():
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z",
        distance=3,
        rounds=2,
        after_clifford_depolarization=0.01,
        before_measure_flip_probability=0.01,
    )
    names = [n for n in qec.decoders.decoder_names() if n not in FAMILY_DECODERS]
    stats = sinter.collect(
        num_workers=1,
        tasks=[sinter.Task(circuit=circuit, json_metadata={"d": 3})],
        decoders=names,
        custom_decoders=sinter_decoders(),
        max_shots=1000,
        max_errors=10_000,
    )
    assert sorted(s.decoder for s in stats) == sorted(names)
    for s in stats:
        assert s.shots == 1000
        assert 0 < s.errors < 200, s


@pytest.mark.parametrize("name", ["belief-matching", "union-find"])
def test_graph_decoders_reject_non_graphlike_models(name):
    dem = stim.DetectorErrorModel("error(0.1) D0 D1 D2 L0\nerror(0.1) D0")
    with pytest.raises(ValueError, match=rf"decoder '{name}' needs a graphlike"):
        get_decoder(name).compile_decoder_for_dem(dem=dem)


@pytest.mark.parametrize("name", ["bposd", "exact"])
def test_hypergraph_decoders_accept_undecomposed_models(name):
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z", distance=3, rounds=1, after_clifford_depolarization=0.02
    )
    dem = circuit.detector_error_model(decompose_errors=False)
    dets, obs = circuit.compile_detector_sampler(seed=3).sample(
        500, separate_observables=True, bit_packed=True
    )
    predictions = decode(dem, dets, decoder=name)
    assert predictions.shape == (500, 1)
    assert np.count_nonzero(predictions != obs) < 50


@pytest.mark.parametrize(("name", "module"), [("bposd", "stimbposd"), ("union-find", "mwpf")])
def test_missing_optional_dependency_says_how_to_install(monkeypatch, name, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import <module>` fail
    dem = stim.DetectorErrorModel("error(0.1) D0 L0")
    message = rf"decoder '{name}' needs the Python package '{module}'.*'qec-lab\[decoders\]'"
    with pytest.raises(ImportError, match=message):
        get_decoder(name).compile_decoder_for_dem(dem=dem)
    with pytest.raises(ImportError, match=message):
        check_decoder(name, dem=dem)
