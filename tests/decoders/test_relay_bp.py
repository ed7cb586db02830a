"""Relay-BP through qec decodes exactly the syndrome it is given, on any detector count."""

from __future__ import annotations

import numpy as np
import pytest
import relay_bp.stim as relay_bp_stim  # the test extra installs it: never skipped
import stim

from qec.data import CHUNK_SHOTS
from qec.decoders import decode, get_decoder
from qec.store import ResultStore


def _repetition(rounds: int) -> stim.Circuit:
    # distance 4: 3 detectors a round plus 3 at readout; rounds = 2 gives 9 detectors.
    return stim.Circuit.generated("repetition_code:memory", distance=4, rounds=rounds,
                                  before_round_data_depolarization=0.03,
                                  before_measure_flip_probability=0.03)


@pytest.mark.parametrize("rounds", [1, 2, 3, 4])
def test_every_single_fault_is_decoded_to_its_own_observable(rounds):
    # A weight-one fault is the most likely explanation of its own syndrome here (every
    # probability is 3%), so a decoder that sees the syndrome it is given corrects it. (relay-bp
    # 0.2.1's own adapter, which reads the padding bits of a partial last byte as extra syndrome
    # bits, passes this check too: running all its legs still finds the weight-one answer. The
    # next test is the one that tells the two apart.)
    dem = _repetition(rounds).detector_error_model(decompose_errors=True)
    assert dem.num_detectors == 3 * rounds + 3  # 6, 9, 12, 15: none a multiple of 8
    faults = [instruction for instruction in dem.flattened() if instruction.type == "error"]
    dets = np.zeros((len(faults), dem.num_detectors), dtype=np.bool_)
    obs = np.zeros((len(faults), dem.num_observables), dtype=np.bool_)
    for row, fault in enumerate(faults):
        for target in fault.targets_copy():
            if target.is_relative_detector_id():
                dets[row, target.val] ^= True
            elif target.is_logical_observable_id():
                obs[row, target.val] ^= True
    packed = np.packbits(dets, axis=1, bitorder="little")
    predictions = decode(dem, packed, decoder="relay-bp")
    np.testing.assert_array_equal(np.unpackbits(predictions, axis=1, bitorder="little",
                                                count=dem.num_observables), obs)


def test_predictions_equal_relay_bps_own_decoder_on_the_same_shots():
    circuit = _repetition(2)
    dem = circuit.detector_error_model(decompose_errors=True)
    assert dem.num_detectors == 9
    dets, _ = circuit.compile_detector_sampler(seed=11).sample(
        3_001, separate_observables=True, bit_packed=True)
    ours = get_decoder("relay-bp").compile_decoder_for_dem(dem=dem).decode_shots_bit_packed(
        bit_packed_detection_event_data=dets)

    upstream = relay_bp_stim.SinterDecoder_RelayBP()  # the package's defaults, as qec's
    matrices = relay_bp_stim.CheckMatrices.from_dem(dem)
    syndromes = np.unpackbits(dets, axis=1, bitorder="little", count=dem.num_detectors)
    # qec restarts relay-bp's random stream every chunk of 1,024 shots: a fresh runner each.
    direct = np.concatenate([
        upstream.build_observable_decoder(matrices).decode_observables_batch(
            syndromes[start:start + CHUNK_SHOTS], parallel=False)
        for start in range(0, len(syndromes), CHUNK_SHOTS)])
    np.testing.assert_array_equal(
        np.unpackbits(ours, axis=1, bitorder="little", count=dem.num_observables), direct)
    # The defective path (relay-bp 0.2.1's adapter: unpacked without the count, so 16 syndrome
    # bits for 9 detectors) gives other predictions on these shots, so this test catches it.
    padded = np.unpackbits(dets, axis=1, bitorder="little")
    assert padded.shape[1] == 16
    defective = np.concatenate([
        upstream.build_observable_decoder(matrices).decode_observables_batch(
            padded[start:start + CHUNK_SHOTS], parallel=False)
        for start in range(0, len(padded), CHUNK_SHOTS)])
    assert np.any(defective != direct)


def test_certain_errors_offset_the_syndrome_and_the_observables():
    # error(1) D0 L0 always fires: the decoder sees D0 flipped by it and must flip L0 back.
    dem = stim.DetectorErrorModel("""
        error(1) D0 L0
        error(0.1) D0 D1
        error(0.1) D1 D2 L1
        error(0.1) D2
    """)
    shots = np.array([[(s >> i) & 1 for i in range(3)] for s in range(8)], dtype=np.uint8)
    packed = np.packbits(shots, axis=1, bitorder="little")
    relay = decode(dem, packed, decoder="relay-bp")
    np.testing.assert_array_equal(relay, decode(dem, packed, decoder="exact"))
    # D0 alone is the certain error's own syndrome: nothing else fired, L0 is flipped.
    assert np.unpackbits(relay[1:2], axis=1, bitorder="little", count=2).tolist() == [[1, 0]]


def test_a_shots_prediction_does_not_depend_on_what_the_decoder_decoded_before():
    # relay-bp's decoder draws its legs' memory strengths from a stream that advances with
    # every shot, so its own runner, kept between calls, answers the same shots differently
    # the second time. qec's compiled decoder answers a call the same whatever came before.
    from qec import NoiseModel, memory_circuit
    from qec.codes import code_from_spec
    from qec.decoders import detector_error_model_for_circuit

    circuit = memory_circuit(code_from_spec("bb:72"), rounds=2, basis="Z",
                             noise=NoiseModel.from_name("sd6", 0.008), cycle="overlapped",
                             detectors="basis")
    dem = detector_error_model_for_circuit(circuit)
    assert dem.num_detectors == 108  # 36 checks a round, 3 layers: not a multiple of 8
    dets, _ = circuit.compile_detector_sampler(seed=5).sample(
        300, separate_observables=True, bit_packed=True)
    decoder = get_decoder("relay-bp:num_sets=40,pre_iter=10,stop_nconv=1")

    upstream = relay_bp_stim.SinterDecoder_RelayBP(pre_iter=10, num_sets=40, stop_nconv=1)
    runner = upstream.build_observable_decoder(relay_bp_stim.CheckMatrices.from_dem(dem))
    syndromes = np.unpackbits(dets, axis=1, bitorder="little", count=dem.num_detectors)
    first = runner.decode_observables_batch(syndromes, parallel=False)
    again = runner.decode_observables_batch(syndromes, parallel=False)
    assert np.any(first != again)  # the history dependence this guards against is real here

    compiled = decoder.compile_decoder_for_dem(dem=dem)
    once = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
    compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets[::-1].copy())
    twice = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
    np.testing.assert_array_equal(once, twice)
    fresh = decoder.compile_decoder_for_dem(dem=dem).decode_shots_bit_packed(
        bit_packed_detection_event_data=dets)
    np.testing.assert_array_equal(once, fresh)
    # And the seed is the stream's: another seed is another decoder on some of these shots.
    reseeded = get_decoder("relay-bp:num_sets=40,pre_iter=10,stop_nconv=1,seed=7")
    other = reseeded.compile_decoder_for_dem(dem=dem).decode_shots_bit_packed(
        bit_packed_detection_event_data=dets)
    assert np.any(other != once)


def test_seeded_collection_does_not_depend_on_batching_or_workers(tmp_path):
    # The engine decodes several chunks in one call when its batches are long: Relay-BP's
    # stream restarts every chunk, so the counts are those of one chunk at a time.
    from qec import NoiseModel, memory_circuit
    from qec.codes import code_from_spec
    from qec.sampling import Task, collect

    circuit = memory_circuit(code_from_spec("bb:72"), rounds=2, basis="Z",
                             noise=NoiseModel.from_name("sd6", 0.008), cycle="overlapped",
                             detectors="basis")
    task = Task(circuit=circuit, decoder="relay-bp:num_sets=40,pre_iter=10,stop_nconv=1",
                json_metadata={"p": 0.008})
    shots = 4 * CHUNK_SHOTS + 300
    [chunk_at_a_time] = collect([task], db=tmp_path / "a.db", max_shots=shots, workers=1,
                                seed=8, max_batch_seconds=1e-6)
    [long_batches] = collect([task], db=tmp_path / "b.db", max_shots=shots, workers=2, seed=8,
                             max_batch_seconds=1e3)
    assert chunk_at_a_time.shots == long_batches.shots == shots
    assert chunk_at_a_time.errors == long_batches.errors > 0
    with ResultStore(tmp_path / "b.db") as store:
        assert max(row[3] for row in store.batch_rows()) > 1  # a call decoded several chunks


def _authors_z_part():
    """The Z-type part of Bravyi et al.'s boundary on the 72 code: it has detectors with a
    single cause (the first noiseless cycle's, caused only by the last noisy readout)."""
    from qec.decoders import detector_error_model_for_circuit
    from qec.decoders._split import split_detector_error_model
    from qec.sampling import memory_task

    task = memory_task(code="bb:72", distance=6, rounds=3, basis="Z", noise="sd6", p=0.004,
                       decoder="pymatching", boundary="authors")
    dem = detector_error_model_for_circuit(task.circuit)
    [part] = [part for part in split_detector_error_model(dem) if part.basis == "Z"]
    return task.circuit, dem, part


def test_peeling_decides_exactly_the_errors_the_syndrome_determines():
    from qec.decoders._dem import merge_parallel_errors
    from qec.decoders._qldpc import _Peeling

    _, _, part = _authors_z_part()
    matrices = relay_bp_stim.CheckMatrices.from_dem(merge_parallel_errors(part.dem))
    check = matrices.check_matrix.tocsc()
    observables = matrices.observables_matrix.tocsc()
    peeling = _Peeling.of(check, observables)
    assert peeling is not None and len(peeling.steps) >= 36 and part.dem.num_detectors % 8
    rng = np.random.default_rng(3)
    errors = (rng.random((500, check.shape[1])) < 0.02).astype(np.int64)
    syndromes = ((check @ errors.T).T % 2).astype(np.uint8)
    flips = ((observables @ errors.T).T % 2).astype(np.uint8)
    rest, decided = peeling.apply(syndromes, observables.shape[0])
    # What is left is the syndrome of the undecided errors alone, and the decided errors'
    # flips plus the undecided errors' flips are all the flips.
    left = errors[:, peeling.columns]
    np.testing.assert_array_equal(
        rest, (check[peeling.rows][:, peeling.columns] @ left.T).T % 2)
    np.testing.assert_array_equal(
        decided ^ ((observables[:, peeling.columns] @ left.T).T % 2), flips)


def test_without_peeling_the_decoder_is_relay_bps_own_on_a_model_that_peels():
    circuit, _, part = _authors_z_part()
    dets, _ = circuit.compile_detector_sampler(seed=4).sample(
        90, separate_observables=True, bit_packed=False)
    own = np.ascontiguousarray(dets[:, list(part.detectors)]).astype(np.uint8)
    packed = np.packbits(own, axis=1, bitorder="little")
    ours = get_decoder("relay-bp:peel=false").compile_decoder_for_dem(
        dem=part.dem).decode_shots_bit_packed(bit_packed_detection_event_data=packed)
    from qec.decoders._dem import merge_parallel_errors

    runner = relay_bp_stim.SinterDecoder_RelayBP().build_observable_decoder(
        relay_bp_stim.CheckMatrices.from_dem(merge_parallel_errors(part.dem)))
    direct = runner.decode_observables_batch(own, parallel=False)
    np.testing.assert_array_equal(
        np.unpackbits(ours, axis=1, bitorder="little", count=part.dem.num_observables), direct)


def test_a_model_that_peels_completely_is_decoded_exactly():
    # A chain: error i flips D_i and D_(i+1), the last one D_10 alone, so peeling from D_10
    # decides every error and relay-bp is left with no detector at all. 11 detectors (3 mod 8),
    # two observables; the syndrome determines the errors, so every prediction is exact.
    def observables(i: int) -> str:
        return (" L0" if i % 3 == 0 else "") + (" L1" if i % 4 == 1 else "")

    lines = [f"error(0.2) D{i} D{i + 1}{observables(i)}" for i in range(10)]
    dem = stim.DetectorErrorModel("\n".join([*lines, "error(0.15) D10 L1"]))
    dets, obs, _ = dem.compile_sampler(seed=9).sample(500, bit_packed=True)
    compiled = get_decoder("relay-bp").compile_decoder_for_dem(dem=dem)
    predictions = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
    np.testing.assert_array_equal(predictions, obs)
    assert np.unpackbits(obs, axis=1, bitorder="little", count=2).any(axis=0).all()
