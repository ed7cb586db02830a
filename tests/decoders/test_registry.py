"""The decoder registry, the decode() array contract, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sinter
import stim

import qec.decoders
from qec.decoders import check_decoder, decode, get_decoder, sinter_decoders


def _repetition_circuit(*, distance: int = 5, p: float = 0.03) -> stim.Circuit:
    return stim.Circuit.generated(
        "repetition_code:memory",
        distance=distance,
        rounds=distance,
        before_round_data_depolarization=p,
        before_measure_flip_probability=p,
    )


@pytest.mark.parametrize("name", ["pymatching", "pymatching-correlated"])
def test_get_decoder_returns_a_sinter_decoder(name):
    assert isinstance(get_decoder(name), sinter.Decoder)


def test_get_decoder_passes_a_decoder_object_through():
    class _Custom(sinter.Decoder):
        pass

    for decoder in (_Custom(), qec.decoders.PyMatchingDecoder(correlated=True)):
        assert get_decoder(decoder) is decoder


def test_unknown_decoder_name_lists_the_known_names():
    with pytest.raises(ValueError, match=r"decoder='mwpm' is not a known decoder") as info:
        get_decoder("mwpm")
    for name in qec.decoders.decoder_names():
        assert name in str(info.value)


def test_sinter_decoders_holds_every_registered_name():
    decoders = sinter_decoders()
    assert set(decoders) == set(qec.decoders.decoder_names())
    assert {"pymatching", "pymatching-correlated"} <= set(decoders)
    assert all(isinstance(d, sinter.Decoder) for d in decoders.values())


def test_decode_bit_packed_contract_matches_pymatching_directly():
    import pymatching

    circuit = _repetition_circuit()
    dets, _ = circuit.compile_detector_sampler(seed=5).sample(
        500, separate_observables=True, bit_packed=True
    )
    out = decode(circuit, dets)
    assert out.dtype == np.uint8
    assert out.shape == (500, 1)
    dem = circuit.detector_error_model(decompose_errors=True)
    expected = pymatching.Matching.from_detector_error_model(dem).decode_batch(
        dets, bit_packed_shots=True, bit_packed_predictions=True
    )
    np.testing.assert_array_equal(out, expected)


def test_decode_accepts_unpacked_bool_and_returns_bit_packed():
    circuit = _repetition_circuit()
    dets = circuit.compile_detector_sampler(seed=6).sample(300)
    assert dets.dtype == np.bool_
    packed = np.packbits(dets, axis=1, bitorder="little")
    out_unpacked = decode(circuit.detector_error_model(decompose_errors=True), dets)
    out_packed = decode(circuit, packed)
    assert out_unpacked.dtype == np.uint8
    np.testing.assert_array_equal(out_unpacked, out_packed)


def test_decode_output_width_is_one_byte_per_eight_observables():
    # Nine observables, only some flipped by any error: the output is still 2 bytes wide.
    # Shot 0: D0 alone -> edge to the boundary flipping L0. Shot 1: D0 D1 -> the D0-D1 edge (L8).
    dem = stim.DetectorErrorModel(
        "error(0.1) D0 L0\nerror(0.1) D0 D1 L8\nerror(0.1) D1\nlogical_observable L3"
    )
    events = np.array([[0b01], [0b11], [0b10]], dtype=np.uint8)
    out = decode(dem, events)
    assert out.shape == (3, 2)
    unpacked = np.unpackbits(out, axis=1, count=9, bitorder="little")
    np.testing.assert_array_equal(unpacked[:, 0], [1, 0, 0])
    np.testing.assert_array_equal(unpacked[:, 8], [0, 1, 0])


@pytest.mark.parametrize(
    ("events", "match"),
    [
        (np.zeros((4, 3), dtype=np.uint8), r"uint8 with shape \(4, 3\), read as bit-packed"),
        (np.zeros((4, 7), dtype=np.bool_), r"unpacked bool with shape \(4, 7\)"),
        (np.zeros((4, 1), dtype=np.int64), r"dtype=int64"),
        (np.zeros(4, dtype=np.uint8), r"expected a 2-D array"),
    ],
)
def test_decode_rejects_events_that_do_not_fit_the_model(events, match):
    circuit = _repetition_circuit(distance=3)  # 6 detectors: 1 byte bit-packed
    with pytest.raises(ValueError, match=match):
        decode(circuit, events)


def test_decode_rejects_unknown_decoder_name():
    with pytest.raises(ValueError, match="known decoders: pymatching"):
        decode(_repetition_circuit(distance=3), np.zeros((1, 1), dtype=np.uint8), decoder="foo")


@pytest.mark.parametrize("name", ["pymatching", "pymatching-correlated"])
def test_matching_rejects_non_graphlike_model_clearly(name):
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z", distance=3, rounds=2, after_clifford_depolarization=0.01
    )
    dem = circuit.detector_error_model(decompose_errors=False)
    with pytest.raises(ValueError, match=rf"decoder '{name}' needs a graphlike"):
        check_decoder(name, dem=dem)
    with pytest.raises(ValueError, match="decompose_errors=True"):
        get_decoder(name).compile_decoder_for_dem(dem=dem)
    with pytest.raises(ValueError, match="needs a graphlike"):
        decode(dem, np.zeros((1, 2), dtype=np.uint8), decoder=name)


def test_matching_accepts_decomposed_hyperedges():
    dem = stim.DetectorErrorModel("error(0.1) D0 D1 ^ D2 L0\nerror(0.1) D2")
    check_decoder("pymatching", dem=dem)
    check_decoder("pymatching-correlated", dem=dem)


def test_decode_rejects_a_non_circuit():
    with pytest.raises(ValueError, match=r"circuit_or_dem must be a stim\.Circuit"):
        decode("not a circuit", np.zeros((1, 1), dtype=np.uint8))


def test_registry_works_through_sinter_collect():
    circuit = _repetition_circuit(distance=3, p=0.05)
    tasks = [
        sinter.Task(circuit=circuit, json_metadata={"d": 3}),
    ]
    stats = sinter.collect(
        num_workers=1,
        tasks=tasks,
        decoders=["pymatching", "pymatching-correlated"],
        custom_decoders=sinter_decoders(),
        max_shots=2000,
        max_errors=10_000,
    )
    assert sorted(s.decoder for s in stats) == ["pymatching", "pymatching-correlated"]
    for s in stats:
        assert s.shots == 2000
        assert 0 < s.errors < 2000 / 2


@pytest.mark.parametrize("distance", [3, 5])
@pytest.mark.parametrize("noise", ["si1000", "sd6"])
def test_qec_memory_circuits_decompose_into_graphlike_models(distance, noise):
    # SI1000 circuits are CZ-native: their two-qubit errors must still decompose for matching.
    import qec

    circuit = qec.memory_circuit(
        qec.codes.RotatedSurfaceCode(distance=distance),
        rounds=distance,
        basis="Z",
        noise=qec.NoiseModel.from_name(noise, 0.005),
    )
    dem = qec.decoders.detector_error_model_for_circuit(circuit)
    for name in ("pymatching", "pymatching-correlated", "belief-matching", "union-find"):
        check_decoder(name, dem=dem)


def test_a_decoder_spec_changes_parameters_like_a_code_spec():
    from qec.decoders import (
        canonical_decoder_name,
        decoder_is_known,
        decoder_parameters,
        resolve_decoder,
        split_decoder_list,
    )

    decoder = resolve_decoder("relay-bp-gross-fast:num_sets=30,gamma_interval=(-0.2,0.6)")
    assert (decoder.num_sets, decoder.gamma_interval, decoder.pre_iter) == (30, (-0.2, 0.6), 80)
    assert canonical_decoder_name("Tesseract_Long_Beam:det_beam=2.5e1,beam-climbing=false") == (
        "tesseract-long-beam:beam_climbing=false,det_beam=25")
    assert decoder_parameters("bposd-bb")["ms_scaling_factor"] == 0.0
    assert decoder_is_known("bposd:osd_order=3") and not decoder_is_known("bposd:osd_order=-3")
    assert split_decoder_list("relay-bp:num_sets=3,stop_nconv=1,tesseract-short-beam") == [
        "relay-bp:num_sets=3,stop_nconv=1", "tesseract-short-beam"]


@pytest.mark.parametrize(("spec", "message"), [
    ("relay-bp:foo=1", "no parameter 'foo'; its parameters are gamma0, pre_iter"),
    ("relay-bp:num_sets=1.5", "num_sets='1.5' must be an integer"),
    ("relay-bp:num_sets=0", "num_sets=0 must be"),
    ("relay-bp:num_sets", "'num_sets' must be KEY=VALUE"),
    ("relay-bp:num_sets=3,num_sets=4", "gives num_sets twice"),
    ("vacuous:x=1", "VacuousDecoder takes no parameters"),
    ("nonsense:x=1", "is not a known decoder"),
])
def test_a_bad_decoder_spec_names_what_is_wrong(spec, message):
    from qec.decoders import resolve_decoder

    with pytest.raises(ValueError, match=message):
        resolve_decoder(spec)


def test_a_spec_samples_through_the_workers_under_its_canonical_name(tmp_path):
    from qec.sampling import collect
    from tests.sampling.sampling_circuits import repetition_task

    task = repetition_task(decoder="bposd:osd_order=2")
    (stats,) = collect([task], db=tmp_path / "r.db", max_shots=2048, workers=1, seed=1)
    assert stats.shots == 2048 and stats.decoder == "bposd:osd_order=2"


class _Declares:
    """A compiled decoder stand-in that declares the detectors it reads."""

    def __init__(self, mask):
        self.mask = mask

    def relevant_detectors(self, num_detectors):
        return self.mask


def test_relevant_detectors_defaults_to_all_and_checks_a_declaration():
    from qec.decoders import relevant_detectors

    assert relevant_detectors(object(), 3).tolist() == [True, True, True]
    assert relevant_detectors(_Declares(None), 2).tolist() == [True, True]
    assert relevant_detectors(_Declares([1, 0, 1]), 3).tolist() == [True, False, True]
    with pytest.raises(ValueError, match=r"shape \(2,\); expected \(3,\)"):
        relevant_detectors(_Declares(np.array([True, False])), 3)


def test_plain_matching_reads_only_the_observables_components_of_a_memory():
    # Rotated d = 5, 3 rounds, Z basis: the X-check detectors are left out, the Z ones kept.
    from qec.decoders import PyMatchingDecoder, compile_decoder, relevant_detectors

    circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=5, rounds=3,
                                     after_clifford_depolarization=0.01)
    dem = circuit.detector_error_model(decompose_errors=True)
    mask = relevant_detectors(compile_decoder(PyMatchingDecoder(), dem=dem), dem.num_detectors)
    coordinates = dem.get_detector_coordinates()
    z_first_round = [d for d in range(dem.num_detectors) if coordinates[d][2] == 0]
    assert mask[z_first_round].all()  # stim's first round has Z-check detectors only
    assert 0 < mask.sum() < dem.num_detectors
    correlated = compile_decoder(PyMatchingDecoder(correlated=True), dem=dem)
    assert relevant_detectors(correlated, dem.num_detectors).all()
