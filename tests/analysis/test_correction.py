"""The finite-size-scaling fit with the leading correction to scaling inside it.

Synthetic sweeps with a known correction ``d^-omega (D + E x)``: the corrected fit recovers
p_th within its interval and passes its chi-squared test where the plain form fails; two
distances fall back to the plain fit. Seeds are fixed; tolerances come from the intervals.
"""

import dataclasses
import json

import numpy as np
import pytest

from qec.analysis import (
    Point,
    ThresholdExtrapolation,
    allocate_shots,
    assess_threshold,
    binomial_interval,
    fit_threshold,
    threshold_dict,
)
from tests.analysis.synthetic import synthetic_sweep

TRUE = 0.1


def _constant(seed=1):
    """Crossings drift as D d^-1 (the x-independent correction of Wang, Harrington, Preskill)."""
    return synthetic_sweep(threshold=TRUE, nu=1.5, distances=(3, 5, 7, 9), shots=200_000,
                           seed=seed, ps=np.linspace(0.092, 0.108, 9), correction=(0.05, 1.0))


def _sloped(seed=2):
    """A correction whose slope depends on x too, d^-1 (D + E x), as on the demo's data."""
    return synthetic_sweep(threshold=TRUE, nu=1.5, distances=(3, 5, 7), shots=200_000,
                           seed=seed, ps=np.linspace(0.09, 0.11, 9), correction=(0.05, 1.0, 0.3))


def test_corrected_fit_recovers_the_threshold_where_the_plain_form_fails():
    points = _constant()
    plain = fit_threshold(points, correction="none", bootstrap=40, seed=1)
    fit = fit_threshold(points, bootstrap=40, seed=1)
    # The plain form cannot follow the drift: a poor fit, biased beyond its statistical interval.
    assert plain.p_value < 0.01 and any("fits poorly" in w for w in plain.warnings)
    assert not plain.statistical_low <= TRUE <= plain.statistical_high
    # The corrected fit passes its chi-squared test and holds p_th; omega is fitted in its range.
    # The smallest correction that fits is chosen: D d^-omega, as the data were drawn.
    assert fit.correction == "constant" and fit.p_value > 0.01
    assert fit.threshold_low <= TRUE <= fit.threshold_high
    assert fit.statistical_low <= TRUE <= fit.statistical_high
    assert fit.omega_range == (0.5, 3.0) and 0.5 <= fit.omega_low <= fit.omega <= fit.omega_high
    assert not any("fits poorly" in w or "drift with distance" in w for w in fit.warnings)
    # Same points as the plain fit, nested model: two more parameters (omega, D).
    assert fit.points == plain.points and fit.plain_dof - fit.dof == 2
    assert fit.plain_chi2 == pytest.approx(plain.chi2) and fit.chi2 < plain.chi2
    # The larger form, asked for, holds p_th too (with one more parameter, E, near 0).
    linear = fit_threshold(points, correction="linear", bootstrap=40, seed=1)
    assert linear.p_value > 0.01 and linear.threshold_low <= TRUE <= linear.threshold_high


def test_a_slope_in_the_correction_needs_the_linear_form():
    points = _sloped()
    constant = fit_threshold(points, correction="constant", bootstrap=30, seed=2)
    linear = fit_threshold(points, bootstrap=30, seed=2)
    assert constant.correction == "constant" and len(constant.correction_coefficients) == 1
    assert constant.p_value < 0.01  # D d^-omega alone cannot follow the slope's drift
    # The default steps up to the linear form because the constant one fails its test.
    assert linear.correction == "linear" and len(linear.correction_coefficients) == 2
    assert linear.p_value > 0.01 and linear.threshold_low <= TRUE <= linear.threshold_high
    assert linear.nu_low <= 1.5 <= linear.nu_high
    assert linear.omega_low <= 1.0 <= linear.omega_high
    # The fitted model reproduces every point within a few of its standard errors.
    for pt in linear.points:
        x = linear.scaling_variable(distance=pt.distance,
                                    physical_error_rate=pt.physical_error_rate)
        rate = pt.errors / pt.shots
        sigma = np.sqrt(rate * (1 - rate) / pt.shots)
        assert abs(linear.model(x, distance=pt.distance) - rate) < 4 * sigma
    assert linear.model(0.0, distance=3) - linear.model(0.0) == pytest.approx(
        linear.correction_term(0.0, distance=3))


def test_the_quote_is_the_corrected_fit_and_the_extrapolation_a_cross_check():
    result = assess_threshold(_sloped(), bootstrap=30)
    assert result.quote == "corrected" and result.extrapolated is not None
    assert result.fit.threshold_low <= TRUE <= result.fit.threshold_high
    summary = result.as_dict()
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert summary["quote"] == "corrected" and summary["correction"] == "linear"
    assert summary["correction_form"] == "A + B x + C x^2 + d^-omega (D + E x)"
    low, high = summary["omega_ci"]
    assert low <= summary["omega"] <= high
    assert summary["chi2_p_value"] > 0.01 and summary["chi2_per_dof_plain"] > 2
    # Three distances fix the correction's power of d without testing it: said once.
    assert sum("three distances fix its power of d" in w for w in result.warnings) == 1


def test_disagreeing_estimates_are_reported_never_averaged(monkeypatch):
    import qec.analysis._summary as summary_module

    def far_away(points, **kwargs):
        return ThresholdExtrapolation(threshold=0.2, low=0.19, high=0.21, confidence=0.95,
                                      crossings=(), omega_range=(0.5, 3.0),
                                      nu_range=(1.0, 2.0), chi2=0.0, dof=0)

    monkeypatch.setattr(summary_module, "extrapolate_threshold", far_away)
    result = assess_threshold(_sloped(), bootstrap=20)
    assert result.quote == "corrected"
    assert result.fit.threshold < 0.15  # the quoted value is the fit's, not a mean
    assert any("disagree: their intervals do not overlap" in w for w in result.warnings)


def test_a_corrected_fit_that_fails_its_test_is_not_quoted():
    points = synthetic_sweep(threshold=TRUE, nu=1.5, distances=(3, 5, 7), shots=200_000, seed=4,
                             ps=np.linspace(0.09, 0.11, 7))
    # A 4% ripple no scaling form can follow.
    rippled = [dataclasses.replace(pt, errors=round(pt.errors * (1.04 if i % 2 else 0.96)))
               for i, pt in enumerate(points)]
    result = assess_threshold(rippled, bootstrap=20)
    fit = result.fit
    assert fit.correction == "linear" and fit.p_value < 0.01 and fit.scale_factor > 2
    assert any("with its correction d^-omega (D + E x) fits poorly" in w for w in fit.warnings)
    assert result.quote == "extrapolated"
    assert any("the corrected fit fails its chi-squared test" in w for w in result.warnings)


def test_two_distances_fall_back_to_the_plain_fit():
    points = [pt for pt in _constant() if pt.distance <= 5]
    fit = fit_threshold(points, bootstrap=20)
    assert fit.correction == "none" and fit.omega is None and fit.dof == len(fit.points) - 5
    assert fit.plain_threshold == fit.threshold
    result = assess_threshold(points, bootstrap=20)
    assert result.quote == "plain" and result.extrapolated is None
    assert any("only two distances" in w for w in result.warnings)
    assert threshold_dict(fit)["correction"] == "none" and threshold_dict(fit)["omega"] is None
    with pytest.raises(ValueError, match=r"three or more distances in the window \(got 2\)"):
        fit_threshold(points, correction="linear", bootstrap=20)


def test_too_few_points_for_a_correction_say_so():
    points = synthetic_sweep(threshold=TRUE, nu=1.5, distances=(3, 5, 7), shots=50_000, seed=5,
                             ps=np.array([0.095, 0.1, 0.105]))
    fit = fit_threshold(points, bootstrap=20)
    assert fit.correction == "none"
    assert any("too few points in the window (9) to fit the correction" in w
               for w in fit.warnings)
    assert fit_threshold(points, correction="linear", bootstrap=20).dof == 1
    with pytest.raises(ValueError, match=r"fits 8 parameters to 6 points"):
        fit_threshold([pt for pt in points if pt.physical_error_rate != 0.1],
                      correction="linear", window=5, bootstrap=20)


def test_omega_can_be_fixed_and_is_validated():
    points = _sloped()
    fit = fit_threshold(points, omega_range=(1.0, 1.0), bootstrap=20)
    assert fit.omega == fit.omega_low == fit.omega_high == 1.0
    assert fit.dof == len(fit.points) - 7
    assert fit.threshold_low <= TRUE <= fit.threshold_high
    with pytest.raises(ValueError, match=r"omega_range=\(3, 1\) must satisfy"):
        fit_threshold(points, omega_range=(3, 1))
    with pytest.raises(ValueError, match=r"correction='quadratic' must be one of"):
        fit_threshold(points, correction="quadratic")


def test_corrected_interval_covers_the_truth_at_about_its_rate():
    # A handful of draws (experiments/threshold_coverage.py is the full measurement): the count
    # of covering intervals is binomial, so the tolerance comes from its interval.
    draws, covered = 8, 0
    for seed in range(draws):
        points = synthetic_sweep(threshold=TRUE, nu=1.5, distances=(3, 5, 7), shots=50_000,
                                 seed=700 + seed, ps=np.linspace(0.092, 0.11, 7),
                                 correction=(0.05, 1.0))
        fit = fit_threshold(points, bootstrap=20, seed=seed)
        covered += fit.bound is None and fit.threshold_low <= TRUE <= fit.threshold_high
    assert binomial_interval(errors=covered, shots=draws, confidence=0.999).high >= 0.95
    assert covered >= 6


def test_shots_are_allocated_by_the_corrected_model():
    points = _sloped()
    fit = fit_threshold(points, bootstrap=20)
    gradients = fit.gradients(list(fit.points))
    assert gradients.shape == (len(fit.points), 8)
    shots = allocate_shots(points, fit=fit, budget=5_000)
    assert sum(shots) == 5_000 and all(n >= 0 for n in shots)


def test_a_fit_without_correction_rejects_correction_fields():
    fit = fit_threshold([Point(distance=d, rounds=1, physical_error_rate=p, shots=10**6,
                               errors=round(10**6 * (0.2 + 2 * (p - 0.1) * d ** (1 / 1.5))))
                         for d in (3, 5) for p in (0.09, 0.095, 0.1, 0.105, 0.11)],
                        bootstrap=10)
    with pytest.raises(ValueError, match="must be None without a correction"):
        dataclasses.replace(fit, omega=1.0)
    with pytest.raises(ValueError, match="needs 2 correction coefficients"):
        dataclasses.replace(fit, correction="linear", omega=1.0, omega_low=1.0, omega_high=1.0,
                            omega_range=(0.5, 3.0))
