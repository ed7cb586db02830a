"""Error budgets by the score function, against exact derivatives of exact logical errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import stim

from qec import NoiseModel, memory_circuit
from qec.codes import RepetitionCode, RotatedSurfaceCode
from qec.decoders import exact_joint_distribution
from qec.studies._budget import (
    budget_components,
    component_models,
    estimate_budget,
    predict_shot_error,
    reweighted_shot_error,
    scaled_noise,
)
from qec.studies._budget_checks import finite_difference_elasticity, measure_shot_error

Z = 4.0  # tolerance in standard errors


def _union(code, rounds, noise, scales):
    """The per-component union model with component c scaled by scales[c]."""
    union = stim.DetectorErrorModel()
    for component in budget_components(noise):
        circuit = memory_circuit(code, rounds=rounds, basis="Z",
                                 noise=component_models(noise, component,
                                                        scales.get(component, 1.0)))
        for instruction in circuit.detector_error_model(flatten_loops=True).flattened():
            if instruction.type == "error":
                union.append(instruction)
    return union


def _exact_elasticities(code, rounds, noise, h=1e-3):
    """d ln P / d ln s_c for the exact decoder of the unscaled model, by exact tables."""
    base = exact_joint_distribution(_union(code, rounds, noise, {}))
    predicted = np.argmax(base, axis=1)

    def failure(table):
        right = table[np.arange(table.shape[0]), predicted]
        return float(table.sum() - right.sum())

    result = {}
    for component in budget_components(noise):
        up = failure(exact_joint_distribution(_union(code, rounds, noise, {component: 1 + h})))
        down = failure(exact_joint_distribution(_union(code, rounds, noise,
                                                       {component: 1 - h})))
        result[component] = (math.log(up) - math.log(down)) / (2 * h)
    return failure(base), result


def test_one_component_matches_the_binomial_tail():
    p = 0.1
    budget = estimate_budget(RepetitionCode(distance=3), rounds=1, basis="Z",
                             noise=NoiseModel.code_capacity(p), shots=40_000, seed=3)
    exact = p * (6 * p - 6 * p * p) / (3 * p * p - 2 * p ** 3)  # d ln P / d ln p
    (elasticity,), (error,) = budget.elasticities, budget.standard_errors
    assert abs(elasticity - exact) <= Z * error
    assert error < 0.05


def test_every_component_matches_exact_derivatives_under_sd6():
    code, rounds, noise = RepetitionCode(distance=3), 2, NoiseModel.sd6(0.02)
    _, exact = _exact_elasticities(code, rounds, noise)
    budget = estimate_budget(code, rounds=rounds, basis="Z", noise=noise, decoder="exact",
                             shots=60_000, seed=7)
    assert budget.components == tuple(exact)
    for component, value, error in zip(budget.components, budget.elasticities,
                                       budget.standard_errors, strict=True):
        assert abs(value - exact[component]) <= Z * error + 0.01, (component, value,
                                                                     exact[component], error)
    assert abs(budget.exponent - sum(exact.values())) <= Z * budget.exponent_standard_error


def test_shares_sum_to_one_and_si1000_is_led_by_gates_and_readout():
    budget = estimate_budget(RotatedSurfaceCode(distance=3), rounds=3, basis="Z",
                             noise=NoiseModel.si1000(0.003), shots=20_000, seed=1)
    shares = budget.shares()
    assert math.isclose(sum(shares.values()), 1.0)
    readout = shares["measure_flip"] + shares["data_measure_flip"]
    assert shares["clifford_2q"] > shares["clifford_1q"] and readout > shares["clifford_1q"]


def test_bad_input():
    with pytest.raises(ValueError, match=r"shots=0 must be an integer >= 1"):
        estimate_budget(RepetitionCode(distance=3), rounds=1, basis="Z",
                        noise=NoiseModel.code_capacity(0.1), shots=0)
    with pytest.raises(ValueError, match=r"has no error component"):
        estimate_budget(RepetitionCode(distance=3), rounds=1, basis="Z",
                        noise=NoiseModel.from_name("noiseless", 0.0), shots=10)
    with pytest.raises(ValueError, match=r"component='readout' must be one of"):
        component_models(NoiseModel.sd6(0.001), "readout")


def test_what_if_by_reweighting_matches_a_direct_re_simulation():
    code, noise = RotatedSurfaceCode(distance=3), NoiseModel.si1000(0.004)
    budget = estimate_budget(code, rounds=3, basis="Z", noise=noise, shots=40_000, seed=1)
    same, _ = reweighted_shot_error(budget, code, rounds=3, basis="Z", noise=noise, scales={})
    assert math.isclose(same, budget.logical_error_per_shot)
    scales = {"measure_flip": 0.5, "data_measure_flip": 0.5}
    estimate, error = reweighted_shot_error(budget, code, rounds=3, basis="Z", noise=noise,
                                            scales=scales)
    errors, shots = measure_shot_error(code, rounds=3, basis="Z",
                                       noise=scaled_noise(noise, scales), decoder="pymatching",
                                       shots=100_000, seed=5)
    direct = errors / shots
    direct_error = math.sqrt(direct * (1 - direct) / shots)
    assert abs(estimate - direct) <= Z * math.hypot(error, direct_error)
    assert estimate < 0.9 * budget.logical_error_per_shot  # the change is resolved
    # The first-order prediction is cruder for a factor of 2, but on the same side.
    assert predict_shot_error(budget, scales) < budget.logical_error_per_shot


def test_finite_differences_with_common_random_numbers_match_exact_derivatives():
    code, rounds, noise = RepetitionCode(distance=3), 2, NoiseModel.sd6(0.02)
    _, exact = _exact_elasticities(code, rounds, noise)
    for component in ("clifford_2q", "idle_measure_reset"):
        value, error = finite_difference_elasticity(code, rounds=rounds, basis="Z", noise=noise,
                                                    component=component, step=0.1,
                                                    decoder="exact", shots=100_000, seed=3)
        assert abs(value - exact[component]) <= Z * error + 0.01
        assert error < 0.05  # the paired shots make +-10% resolvable with 100,000 shots
    with pytest.raises(ValueError, match=r"step=1\.5 must be in \(0, 1\)"):
        finite_difference_elasticity(code, rounds=rounds, basis="Z", noise=noise,
                                     component="clifford_2q", step=1.5, shots=10)


def test_a_stored_budget_resumes_to_the_uninterrupted_numbers(tmp_path):
    code, noise = RotatedSurfaceCode(distance=3), NoiseModel.si1000(0.004)
    options = dict(rounds=3, basis="Z", noise=noise, seed=2, batch_size=2000)
    whole = estimate_budget(code, shots=8000, **options)
    estimate_budget(code, shots=4000, db=tmp_path / "b.db", **options)  # interrupted half-way
    resumed = estimate_budget(code, shots=8000, db=tmp_path / "b.db", **options)
    assert resumed.elasticities == whole.elasticities
    assert resumed.standard_errors == whole.standard_errors
    assert resumed.errors == whole.errors and resumed.shots == whole.shots
    assert len(resumed.failing) == len(whole.failing)
    from qec.store import ResultStore

    with ResultStore(tmp_path / "b.db", read_only=True) as store:
        [stats] = store.read_stats()
    assert (stats.shots, stats.errors) == (8000, whole.errors)
    assert stats.json_metadata["budget"]["seed"] == 2


def test_the_budget_on_worker_processes_equals_the_one_in_process(tmp_path):
    # Batch k's seed is fixed by k, so two workers (batches finishing in any order, stored as
    # they come) give exactly the numbers of one process; 7,300 shots are 8 batches, the last
    # one short.
    code, noise = RotatedSurfaceCode(distance=3), NoiseModel.si1000(0.004)
    options = dict(rounds=3, basis="Z", noise=noise, seed=5, batch_size=1000, shots=7300)
    alone = estimate_budget(code, **options)
    parallel = estimate_budget(code, workers=2, db=tmp_path / "b.db", **options)
    assert parallel.elasticities == alone.elasticities
    assert parallel.standard_errors == alone.standard_errors
    assert (parallel.errors, parallel.shots) == (alone.errors, alone.shots) != (0, 7300)
    from qec.store import ResultStore

    with ResultStore(tmp_path / "b.db", read_only=True) as store:
        [stats] = store.read_stats()
    assert (stats.shots, stats.errors) == (7300, alone.errors)
