"""Error models learned from detection events: exact answers, intervals that cover, refusals."""

import math

import numpy as np
import pytest
import stim

from qec.datasets import learn_error_model, simulated_device
from qec.decoders._dem import error_targets
from qec.noise import NoiseModel

# Eleven detectors (not a multiple of 8), mechanisms of one to four detectors that overlap,
# two with the same detectors but different observables, one that flips no detector.
MODEL = stim.DetectorErrorModel("""
    error(0.03) D0
    error(0.02) D0 D1
    error(0.015) D0 D1 D2
    error(0.01) D1 D2 D3 D4
    error(0.025) D2 D3 L0
    error(0.012) D2 D3
    error(0.04) D4 D5
    error(0.006) D5 D6 D7
    error(0.02) D7 D8 L1
    error(0.03) D8 D9 D10
    error(0.05) D10
    error(0.01) L0
    detector D10
""")


@pytest.fixture(scope="module")
def samples():
    dets, obs, _ = MODEL.compile_sampler(seed=3).sample(400_000, bit_packed=True)
    return dets, obs


def _truth(with_observables: bool) -> dict:
    truth: dict = {}
    for instruction in MODEL.flattened():
        if instruction.type == "error":
            dets, obs = error_targets(instruction)
            key = (dets, obs if with_observables else frozenset())
            truth[key] = truth.get(key, 0.0) - math.log1p(-2 * instruction.args_copy()[0])
    return {k: (1 - math.exp(-v)) / 2 for k, v in truth.items()}


def test_every_mechanism_is_learned_within_its_interval(samples):
    learned = learn_error_model(MODEL, samples[0])
    truth = _truth(with_observables=False)
    assert len(learned.mechanisms) == 10  # the two on {D2, D3} are one to the detectors
    for mechanism in learned.mechanisms:
        p = truth[(frozenset(mechanism.detectors), frozenset())]
        assert mechanism.covers(p), (mechanism, p)
        assert mechanism.resolved
        assert mechanism.high - mechanism.low < 0.5 * p  # informative, not a blanket interval
    assert any("flip no detector" in w for w in learned.warnings)
    assert any("several mechanisms of the model" in w for w in learned.warnings)


def test_the_learned_model_keeps_the_structure_and_order(samples):
    learned = learn_error_model(MODEL, samples[0], shrink=False)
    ours = [i for i in learned.dem.flattened() if i.type == "error"]
    theirs = [i for i in MODEL.flattened() if i.type == "error"]
    assert [i.targets_copy() for i in ours] == [i.targets_copy() for i in theirs]
    # The two mechanisms on {D2, D3} share their set's probability in the prior's proportions.
    # (in theta = -ln(1 - 2p), the quantity the data add up).
    p_a, p_b = ours[4].args_copy()[0], ours[5].args_copy()[0]
    assert math.log1p(-2 * p_a) / math.log1p(-2 * p_b) == pytest.approx(
        math.log1p(-0.05) / math.log1p(-0.024), rel=1e-9)
    # The invisible mechanism keeps its prior.
    assert ours[11].args_copy()[0] == pytest.approx(0.01)


def test_observable_flips_tell_apart_mechanisms_with_the_same_detectors(samples):
    learned = learn_error_model(MODEL, samples[0], observable_flips=samples[1])
    truth = _truth(with_observables=True)
    keys = {(m.detectors, m.observables) for m in learned.mechanisms}
    assert ((2, 3), (0,)) in keys and ((2, 3), ()) in keys and ((), (0,)) in keys
    for mechanism in learned.mechanisms:
        p = truth[(frozenset(mechanism.detectors), frozenset(mechanism.observables))]
        assert mechanism.covers(p), (mechanism, p)
    assert not any("flip no detector" in w for w in learned.warnings)


def test_intervals_cover_a_non_uniform_device_at_their_nominal_rate():
    # Every mechanism of a d = 3 surface code under a hidden non-uniform SI1000 model.
    from qec import memory_circuit
    from qec.codes import RotatedSurfaceCode

    noise = NoiseModel.si1000(0.002)
    ideal = memory_circuit(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                           noise=noise).without_noise()
    covered = total = 0
    for seed in (1, 2):
        device = simulated_device(ideal, noise=noise, seed=seed)
        dets = device.true.compile_detector_sampler(seed=seed).sample(100_000, bit_packed=True)
        learned = learn_error_model(device.assumed.detector_error_model(decompose_errors=True),
                                    dets)
        truth: dict = {}
        for instruction in device.true.detector_error_model(decompose_errors=True).flattened():
            if instruction.type == "error":
                key = error_targets(instruction)[0]
                truth[key] = truth.get(key, 0.0) - math.log1p(-2 * instruction.args_copy()[0])
        for mechanism in learned.mechanisms:
            theta = truth[frozenset(mechanism.detectors)]
            covered += mechanism.covers((1 - math.exp(-theta)) / 2)
            total += 1
    # 438 intervals at 95%: a binomial 99.9% band is 0.92-0.98 (the estimates are correlated,
    # so the band is wider than that; 0.90-0.99 is still far from a blanket or a broken one).
    assert total == 438
    assert 0.90 <= covered / total <= 0.99


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"groups": 1}, "groups=1 must be"),
    ({"confidence": 1.0}, r"confidence=1.0 must be a number in \(0, 1\)"),
])
def test_bad_arguments_name_the_parameter(samples, kwargs, message):
    with pytest.raises(ValueError, match=message):
        learn_error_model(MODEL, samples[0], **kwargs)


def test_data_that_do_not_fit_the_model_are_refused(samples):
    with pytest.raises(ValueError, match=r"the model's 11 detectors need \(shots, 2\)"):
        learn_error_model(MODEL, np.zeros((1000, 1), dtype=np.uint8))
    with pytest.raises(ValueError, match="holds 100 shots; learning with groups=50 needs"):
        learn_error_model(MODEL, samples[0][:100])
    with pytest.raises(ValueError, match=r"observable_flips has shape \(400000, 2\)"):
        learn_error_model(MODEL, samples[0],
                          observable_flips=np.zeros((400_000, 2), dtype=np.uint8))
