"""The exact maximum-likelihood decoder: its table, its lookup, its limit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import stim

from qec.decoders import ExactDecoder, check_decoder, decode, exact_joint_distribution


def _random_dem(*, seed: int, num_detectors: int, num_errors: int) -> stim.DetectorErrorModel:
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(num_errors):
        size = int(rng.integers(1, 4))
        detectors = rng.choice(num_detectors, size=size, replace=False)
        targets = [f"D{d}" for d in detectors]
        targets += ["L0"] if rng.random() < 0.4 else []
        targets += ["L1"] if rng.random() < 0.2 else []
        lines.append(f"error({rng.uniform(0.01, 0.45):.4f}) {' '.join(targets)}")
    # A decomposed error (^ is only a hint) and a repeated identical mechanism.
    lines.append("error(0.05) D0 D1 ^ D1 D2 L0")
    lines.append("error(0.05) D0 D2 L0")
    return stim.DetectorErrorModel("\n".join(lines))


def _brute_force_distribution(dem: stim.DetectorErrorModel) -> np.ndarray:
    errors = [
        (inst.args_copy()[0], inst.targets_copy())
        for inst in dem.flattened()
        if inst.type == "error"
    ]
    table = np.zeros((2**dem.num_detectors, 2**dem.num_observables))
    for occurred in itertools.product((False, True), repeat=len(errors)):
        probability, syndrome, observables = 1.0, 0, 0
        for happens, (p, targets) in zip(occurred, errors, strict=True):
            probability *= p if happens else 1 - p
            if happens:
                for target in targets:
                    if target.is_relative_detector_id():
                        syndrome ^= 1 << target.val
                    elif target.is_logical_observable_id():
                        observables ^= 1 << target.val
        table[syndrome, observables] += probability
    return table


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_joint_distribution_equals_brute_force_sum_over_fault_combinations(seed):
    dem = _random_dem(seed=seed, num_detectors=6, num_errors=12)
    table = exact_joint_distribution(dem)
    expected = _brute_force_distribution(dem)
    assert table.shape == (2**6, 4)
    np.testing.assert_allclose(table, expected, rtol=1e-12, atol=0)
    assert table.sum() == pytest.approx(1.0, abs=1e-12)


def test_lookup_predicts_the_most_likely_observables_for_every_syndrome():
    dem = _random_dem(seed=3, num_detectors=7, num_errors=14)
    expected = np.argmax(_brute_force_distribution(dem), axis=1)
    syndromes = np.arange(2**7, dtype=np.uint8)[:, None]  # every syndrome, bit-packed
    predictions = decode(dem, syndromes, decoder="exact")
    assert predictions.shape == (2**7, 1)
    np.testing.assert_array_equal(predictions[:, 0], expected)


def test_lookup_spans_several_bytes_of_detectors():
    # 18 detectors in a chain; D17 alone is explained by the boundary edge with L0.
    lines = [f"error(0.1) D{k} D{k + 1}" for k in range(17)]
    lines += ["error(0.1) D0", "error(0.1) D17 L0"]
    dem = stim.DetectorErrorModel("\n".join(lines))
    events = np.zeros((2, 18), dtype=np.bool_)
    events[0, 17] = True
    events[1, [3, 4]] = True
    predictions = decode(dem, events, decoder="exact")
    np.testing.assert_array_equal(predictions, [[1], [0]])


def test_exact_decoder_beyond_its_limit_is_a_clear_value_error():
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z", distance=3, rounds=5, after_clifford_depolarization=0.01
    )
    dem = circuit.detector_error_model(decompose_errors=True)
    message = r"handles at most max_table_bits=25 .* has 40 detectors and 1 observable;"
    with pytest.raises(ValueError, match=message):
        check_decoder("exact", dem=dem)
    with pytest.raises(ValueError, match=message):
        ExactDecoder().compile_decoder_for_dem(dem=dem)
    with pytest.raises(ValueError, match=message):
        decode(circuit, np.zeros((1, 5), dtype=np.uint8), decoder="exact")


@pytest.mark.parametrize("bad", [0, 31, 2.5, True, "25"])
def test_exact_decoder_validates_its_limit(bad):
    with pytest.raises(ValueError, match=r"max_table_bits=.* must be an integer from 1 to 30"):
        ExactDecoder(max_table_bits=bad)


def test_exact_logical_error_rate_equals_its_analytic_value():
    # With the exact table, the maximum-likelihood error rate is known exactly:
    # 1 - sum over syndromes of max over observables of P(syndrome, observables).
    circuit = stim.Circuit.generated(
        "surface_code:rotated_memory_z",
        distance=3,
        rounds=2,
        after_clifford_depolarization=0.01,
        before_round_data_depolarization=0.01,
        before_measure_flip_probability=0.01,
        after_reset_flip_probability=0.01,
    )
    dem = circuit.detector_error_model(decompose_errors=True)
    expected_rate = 1 - exact_joint_distribution(dem).max(axis=1).sum()
    shots = 20_000
    dets, obs = circuit.compile_detector_sampler(seed=11).sample(
        shots, separate_observables=True, bit_packed=True
    )
    errors = int(np.count_nonzero(decode(dem, dets, decoder="exact") != obs))
    sigma = np.sqrt(shots * expected_rate * (1 - expected_rate))
    assert abs(errors - shots * expected_rate) < 4 * sigma
