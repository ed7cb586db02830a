import json

import numpy as np
import pytest

from qec.analysis import (
    Point,
    binomial_interval,
    fit_threshold,
    threshold_summary,
)
from tests.analysis.synthetic import synthetic_sweep


def test_fit_recovers_threshold_and_nu_from_scaling_form():
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7, 9), shots=50_000, seed=11,
                             ps=np.linspace(0.092, 0.108, 9))
    fit = fit_threshold(points, quantity="per_shot", correction="none", bootstrap=100, seed=2)
    assert fit.correction == "none" and fit.omega is None and fit.correction_coefficients == ()
    assert fit.threshold_low <= 0.1 <= fit.threshold_high
    assert fit.threshold == pytest.approx(0.1, abs=0.001)
    assert fit.nu_low <= 1.5 <= fit.nu_high
    assert fit.nu == pytest.approx(1.5, rel=0.15)
    assert 0.3 < fit.chi2_per_dof < 3
    assert fit.distances == (3, 5, 7, 9)
    assert fit.dof == len(fit.points) - 5
    assert len(fit.crossings) == 3
    # A is the error at threshold (0.1 in the synthetic form); B, C are in absolute x units.
    assert fit.coefficients[0] == pytest.approx(0.1, abs=0.005)
    assert fit.model(0.0) == fit.coefficients[0]
    # The default fits the correction to scaling too (none here: its interval still holds the
    # truth, and is wider, since it carries the correction's uncertainty).
    corrected = fit_threshold(points, quantity="per_shot", bootstrap=50, seed=2)
    assert corrected.correction == "constant" and corrected.dof == len(corrected.points) - 7
    assert corrected.threshold_low <= 0.1 <= corrected.threshold_high
    assert corrected.nu_low <= 1.5 <= corrected.nu_high
    assert corrected.plain_threshold == pytest.approx(fit.threshold)
    assert corrected.plain_dof == fit.dof and corrected.p_value > 0.01


def test_fit_per_round_on_multi_round_data():
    points = synthetic_sweep(threshold=0.03, nu=1.0, distances=(3, 5, 7), shots=40_000, seed=5,
                             ps=np.linspace(0.027, 0.033, 7), rounds=5)
    fit = fit_threshold(points, quantity="per_round", bootstrap=50, seed=1)
    # The per-round transform is monotone, so the crossing does not move.
    assert fit.threshold == pytest.approx(0.03, abs=0.001)
    assert fit.quantity == "per_round"


def test_fixed_nu_is_reported_with_zero_width():
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=3,
                             ps=np.linspace(0.09, 0.11, 7))
    fit = fit_threshold(points, quantity="per_shot", nu=1.5, bootstrap=30, correction="none")
    assert fit.nu == fit.nu_low == fit.nu_high == 1.5
    assert fit.dof == len(fit.points) - 4
    # With the correction: p_th, omega and A, B, C, D.
    corrected = fit_threshold(points, quantity="per_shot", nu=1.5, bootstrap=30)
    assert corrected.correction == "constant"
    assert corrected.nu == 1.5 and corrected.dof == len(corrected.points) - 6


def test_window_rule_excludes_points_far_from_the_crossing():
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=4,
                             ps=np.linspace(0.09, 0.11, 7))
    far = [Point(distance=d, rounds=1, physical_error_rate=p, shots=20_000, errors=e)
           for d, p, e in [(3, 0.03, 40), (5, 0.03, 5), (7, 0.03, 1), (3, 0.3, 9000),
                           (5, 0.3, 9500), (7, 0.3, 9800)]]
    fit = fit_threshold(points + far, quantity="per_shot", bootstrap=30)
    used_ps = fit.physical_error_rates
    assert 0.03 not in used_ps and 0.3 not in used_ps
    assert fit.excluded >= 6
    # |p/p_th - 1| d^(1/nu) <= window holds for every point used.
    for pt in fit.points:
        scaled = abs(pt.physical_error_rate / fit.threshold - 1) * pt.distance ** (1 / fit.nu)
        assert scaled <= fit.window


def test_fit_is_reproducible_with_a_seed(sweep):
    assert fit_threshold(sweep, bootstrap=20, seed=9) == fit_threshold(sweep, bootstrap=20, seed=9)


def test_threshold_interval_covers_truth_at_about_nominal_rate():
    draws = 40
    covered = 0
    for seed in range(draws):
        points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000,
                                 seed=100 + seed, ps=np.linspace(0.09, 0.11, 7))
        fit = fit_threshold(points, quantity="per_shot", bootstrap=60, seed=seed,
                            correction="none")
        covered += fit.threshold_low <= 0.1 <= fit.threshold_high
    # The count of covering intervals is binomial(draws, coverage): 95% must be plausible.
    assert binomial_interval(errors=covered, shots=draws, confidence=0.999).high >= 0.95
    assert covered >= 0.75 * draws


def test_threshold_summary_is_json_ready(sweep):
    summary = threshold_summary(sweep, bootstrap=20)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["fit_error"] is None
    low, high = summary["threshold_ci"]
    assert low <= summary["threshold"] <= high
    assert summary["nu"] > 0
    assert [c["distances"] for c in summary["crossings"]] == [[3, 5], [5, 7]]


def test_threshold_summary_reports_why_no_fit():
    points = [Point(distance=d, rounds=1, physical_error_rate=p, shots=1000, errors=e)
              for d, p, e in [(3, 0.01, 100), (3, 0.02, 300), (5, 0.01, 10), (5, 0.02, 60)]]
    summary = threshold_summary(points)
    assert summary["threshold"] is None
    assert "do not cross" in summary["fit_error"]
    assert summary["crossings"] == []


def test_fit_rejects_one_distance():
    points = [Point(distance=3, rounds=1, physical_error_rate=p, shots=100, errors=10)
              for p in (0.01, 0.02)]
    with pytest.raises(ValueError, match=r"two or more distances, got distances=\[3\]"):
        fit_threshold(points)


def test_fit_rejects_curves_that_do_not_cross():
    points = [Point(distance=d, rounds=1, physical_error_rate=p, shots=1000, errors=e)
              for d, p, e in [(3, 0.01, 100), (3, 0.02, 300), (5, 0.01, 10), (5, 0.02, 60)]]
    with pytest.raises(ValueError, match=r"do not cross for p in \[0.01, 0.02\]: no points near"):
        fit_threshold(points)


def test_fit_rejects_too_few_points_near_the_crossing():
    points = [Point(distance=d, rounds=1, physical_error_rate=p, shots=1000, errors=e)
              for d, p, e in [(3, 0.08, 50), (3, 0.12, 150), (5, 0.08, 30), (5, 0.12, 200)]]
    with pytest.raises(ValueError, match=r"only 3 points at distances \[3, 5\] lie within window"):
        fit_threshold(points)


def test_fit_rejects_zero_shots(sweep):
    bad = [*sweep, Point(distance=9, rounds=1, physical_error_rate=0.1, shots=0, errors=0)]
    with pytest.raises(ValueError, match=r"=0\.1 has shots=0 \(discards=0\): no kept"):
        fit_threshold(bad)


def test_fit_rejects_objects_without_attributes():
    with pytest.raises(ValueError, match="has no attribute 'distance'"):
        fit_threshold([object()])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": 0}, "window=0 must be positive"),
        ({"nu": 50.0}, "nu=50.0 must be between 0.2 and 10"),
        ({"bootstrap": 3}, "bootstrap=3 must be at least 10"),
        ({"quantity": "per_cycle"}, "quantity='per_cycle' must be one of"),
    ],
)
def test_fit_rejects_bad_parameters(sweep, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_threshold(sweep, **kwargs)


def test_fit_rejects_a_single_physical_error_rate():
    points = [Point(distance=d, rounds=1, physical_error_rate=0.01, shots=100, errors=10)
              for d in (3, 5)]
    with pytest.raises(ValueError, match=r"two or more physical error rates, got p=\[0\.01\]"):
        fit_threshold(points)
