import numpy as np
import pymatching
import pytest
import stim

from qec.sampling import DirectCost, Task, measure_direct_cost


def circuit():
    # 5 x 4 = 20 detectors: not a multiple of 8.
    return stim.Circuit.generated("repetition_code:memory", distance=6, rounds=3,
                                  before_round_data_depolarization=0.08,
                                  before_measure_flip_probability=0.03)


def test_counts_are_those_of_stim_and_pymatching_used_directly():
    task = Task(circuit=circuit(), decoder="pymatching")
    assert task.circuit.num_detectors % 8 != 0
    # min_seconds too long to reach: the shots are set by max_shots, in batches 256, 512, 232.
    cost = measure_direct_cost(task, seed=5, min_seconds=1e9, max_shots=1000)
    assert cost.shots == 1000
    sampler = task.circuit.compile_detector_sampler(seed=5)
    matching = pymatching.Matching.from_detector_error_model(
        task.circuit.detector_error_model(decompose_errors=True))
    failures = 0
    for batch in (256, 512, 232):
        dets, obs = sampler.sample(batch, separate_observables=True)
        failures += int(np.any(matching.decode_batch(dets) != obs, axis=1).sum())
    assert 0 < failures < 1000
    assert cost.failures == failures
    assert cost.seconds_per_shot > 0
    assert cost.seconds_for(2e6) == pytest.approx(2e6 * cost.seconds_per_shot)


def test_numpy_sizes_are_numbers_and_bad_ones_are_named():
    task = Task(circuit=circuit(), decoder="pymatching")
    cost = measure_direct_cost(task, min_seconds=np.float64(1e9), max_shots=np.int64(300))
    assert isinstance(cost, DirectCost) and cost.shots == 300
    with pytest.raises(ValueError, match="min_seconds"):
        measure_direct_cost(task, min_seconds=0)
    with pytest.raises(ValueError, match="max_shots"):
        measure_direct_cost(task, max_shots=0)
    with pytest.raises(ValueError, match="task"):
        measure_direct_cost(circuit())
