"""Shot files in every stim format: read back exactly, sizes checked, clear errors."""

import numpy as np
import pytest
import stim

from qec.datasets import FORMATS, detection_events_from_measurements, read_shots, write_shots

BITS = 13  # not a multiple of 8: the padding of the last byte is where readers go wrong


@pytest.fixture
def shots():
    return np.random.default_rng(5).random((128, BITS)) < 0.3


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["detectors", "observables", "measurements"])
def test_every_format_reads_back_what_stim_wrote(tmp_path, shots, fmt, kind):
    path = tmp_path / f"data.{fmt}"
    counts = {"detectors": 0, "observables": 0, "measurements": 0} | {kind: BITS}
    stim.write_shot_data_file(data=shots, path=str(path), format=fmt,
                              num_detectors=counts["detectors"],
                              num_observables=counts["observables"],
                              num_measurements=counts["measurements"])
    packed = read_shots(path, bits=BITS, kind=kind, shots=128)
    assert packed.shape == (128, 2) and packed.dtype == np.uint8
    np.testing.assert_array_equal(
        np.unpackbits(packed, axis=1, bitorder="little", count=BITS), shots)


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_shots_round_trips_packed_and_boolean_data(tmp_path, shots, fmt):
    write_shots(tmp_path / f"a.{fmt}", shots)
    write_shots(tmp_path / f"b.{fmt}", np.packbits(shots, axis=1, bitorder="little"),
                bits=BITS)
    assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    back = read_shots(tmp_path / f"a.{fmt}", bits=BITS)
    np.testing.assert_array_equal(np.unpackbits(back, axis=1, bitorder="little", count=BITS),
                                  shots)


def test_a_b8_file_of_the_wrong_size_names_the_file_and_the_sizes(tmp_path, shots):
    path = tmp_path / "d.b8"
    write_shots(path, shots)  # 128 shots of 2 bytes
    with pytest.raises(ValueError, match=r"holds 256 bytes, not a whole number of shots of 20 "
                                         r"bits \(3 bytes each\)"):
        read_shots(path, bits=20)


def test_set_padding_bits_mean_the_shots_are_wider(tmp_path, shots):
    path = tmp_path / "d.b8"
    write_shots(path, shots)
    with pytest.raises(ValueError, match=r"bits set beyond bit 11 .* more than 12 bits"):
        read_shots(path, bits=12)  # 12 bits: still 2 bytes a shot, but bit 12 is data


def test_a_ptb64_file_that_is_not_whole_groups_of_64_is_refused(tmp_path, shots):
    path = tmp_path / "d.ptb64"
    write_shots(path, shots)
    with pytest.raises(ValueError, match="not a whole number of groups of 64 shots of 15 bits"):
        read_shots(path, bits=15)


def test_a_01_file_of_the_wrong_width_is_refused(tmp_path, shots):
    path = tmp_path / "d.01"
    write_shots(path, shots)
    with pytest.raises(ValueError, match=r"is not a file of shots of 14 detectors"):
        read_shots(path, bits=14)


def test_the_expected_shot_count_is_checked(tmp_path, shots):
    path = tmp_path / "d.b8"
    write_shots(path, shots)
    with pytest.raises(ValueError, match="holds 128 shots of 13 detectors, not the 100 expected"):
        read_shots(path, bits=BITS, shots=100)


def test_unknown_suffix_missing_file_and_unknown_format(tmp_path):
    (tmp_path / "d.bin").write_bytes(b"\x00")
    with pytest.raises(ValueError, match=r"cannot tell its format from the suffix '.bin'"):
        read_shots(tmp_path / "d.bin", bits=3)
    with pytest.raises(ValueError, match="no such file"):
        read_shots(tmp_path / "nothing.b8", bits=3)
    with pytest.raises(ValueError, match="format='b7' must be one of"):
        read_shots(tmp_path / "d.bin", bits=3, format="b7")


def test_measurements_convert_to_stims_own_detection_events_with_sweep_bits():
    # A circuit whose data qubit is flipped by a sweep bit before both measurements: the
    # detectors compare the two, so a correct conversion sees no event on a noiseless run.
    circuit = stim.Circuit("""
        R 0 1
        CX sweep[0] 0
        M 0
        CX sweep[1] 1
        M 1 0
        DETECTOR rec[-1] rec[-3]
        DETECTOR rec[-2]
        OBSERVABLE_INCLUDE(0) rec[-1]
    """)
    sweep = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.bool_)
    measurements = np.array([[0, 0, 0], [1, 0, 1], [0, 1, 0], [1, 1, 1]], dtype=np.bool_)
    dets, obs = detection_events_from_measurements(
        circuit, np.packbits(measurements, axis=1, bitorder="little"),
        sweep_bits=np.packbits(sweep, axis=1, bitorder="little"))
    np.testing.assert_array_equal(np.unpackbits(dets, axis=1, bitorder="little", count=2), 0)
    # The observable is corrected for the sweep too: the flips the sweep bits made are known.
    assert np.unpackbits(obs, axis=1, bitorder="little", count=1).ravel().tolist() == [0] * 4
    with pytest.raises(ValueError, match=r"the circuit's 3 measurements need \(shots, 1\)"):
        detection_events_from_measurements(circuit, np.zeros((2, 2), dtype=np.uint8))
