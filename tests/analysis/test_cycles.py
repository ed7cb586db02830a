"""A device's error per cycle from several round counts, averaged patches, and Lambda."""

import math

import numpy as np
import pytest

from qec.analysis import Point, fit_device
from qec.data import TaskStats


def _points(eps_by_distance, *, rounds=(10, 30, 50, 70), amplitude=0.97, shots=200_000,
            seed=1, patch=None):
    rng = np.random.default_rng(seed)
    stats = []
    for distance, eps in eps_by_distance.items():
        for r in rounds:
            p_shot = (1 - amplitude * (1 - 2 * eps) ** r) / 2
            metadata = {"distance": distance, "rounds": r, "source": "recorded"}
            if patch is not None:
                metadata["patch"] = f"d{distance}_at_{patch}"
            stats.append(TaskStats(strong_id=f"{distance}-{r}-{patch}", decoder="pymatching",
                                   json_metadata=metadata, shots=shots,
                                   errors=int(rng.binomial(shots, p_shot))))
    return stats


def test_the_error_per_cycle_and_lambda_are_recovered_within_their_intervals():
    truth = {3: 0.006, 5: 0.003, 7: 0.0015}
    hits = 0
    for seed in range(20):
        fit = fit_device(_points(truth, seed=seed))
        for cycle in fit.cycles:
            hits += cycle.eps.low <= truth[cycle.distance] <= cycle.eps.high
        assert fit.lambda_fit.lambda_.low <= 2.0 <= fit.lambda_fit.lambda_.high
        assert all(cycle.amplitude == pytest.approx(0.97, abs=0.02) for cycle in fit.cycles)
    # 60 intervals at 95%: at least 52 (a binomial 99.9% band).
    assert hits >= 52


def test_patches_of_one_distance_are_fitted_apart_then_averaged():
    stats = (_points({3: 0.006, 5: 0.003}, patch="q4_5", seed=1)
             + _points({3: 0.0066, 5: 0.003}, patch="q6_7", seed=2))
    fit = fit_device(stats)
    assert [(c.distance, c.patch) for c in fit.cycles] == [
        (3, "d3_at_q4_5"), (3, "d3_at_q6_7"), (5, "d5_at_q4_5"), (5, "d5_at_q6_7")]
    d3 = fit.per_distance[0]
    assert d3.estimate == pytest.approx(np.mean([c.eps.estimate for c in fit.cycles[:2]]))
    # Patches that differ by more than their own errors widen the average's interval.
    assert d3.high - d3.low >= abs(fit.cycles[0].eps.estimate - fit.cycles[1].eps.estimate)


def test_what_cannot_be_fitted_is_said():
    one_round = fit_device(_points({3: 0.006}, rounds=(10,)))
    assert one_round.lambda_fit is None
    assert any("one round count (10)" in w for w in one_round.warnings)
    assert any("one distance" in w for w in one_round.warnings)
    # A decay that is not exponential (a transient over the first rounds) fits poorly.
    drifting = [Point(distance=3, rounds=r, physical_error_rate=None, shots=10**6,
                      errors=round(10**6 * (1 - (1 - 2 * e) ** r) / 2))
                for r, e in ((2, 0.02), (10, 0.01), (30, 0.006), (60, 0.005))]
    assert any("fits poorly" in w for w in fit_device(drifting).warnings)
    assert fit_device(drifting, min_rounds=10).cycles[0].rounds == (10, 30, 60)
    with pytest.raises(ValueError, match="no point with rounds >= 100"):
        fit_device(drifting, min_rounds=100)


def test_a_fit_serialises_to_json_ready_values():
    import json

    fit = fit_device(_points({3: 0.006, 5: 0.003}))
    summary = json.loads(json.dumps(fit.to_dict()))
    assert [row["distance"] for row in summary["per_distance"]] == [3, 5]
    assert summary["lambda"] == pytest.approx(2.0, rel=0.2)
    assert math.isfinite(summary["lambda_ci"][0])
