"""Every diagnostic of a threshold fit: a case that triggers it and one that does not."""

import dataclasses
import json

import numpy as np
import pytest

from qec.analysis import (
    assess_threshold,
    extrapolate_threshold,
    fit_threshold,
    relative_half_width,
    threshold_summary,
)
from tests.analysis.synthetic import synthetic_sweep


def _clean():
    return synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=4,
                           ps=np.linspace(0.09, 0.11, 7))


def _drifting(top=0.105, amplitude=0.06):
    """Crossings drift towards 0.1 from above: d=3/5 near 0.103, d=5/7 near 0.101."""
    return synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=50_000, seed=1,
                           ps=np.linspace(0.09, top, 7), correction=(amplitude, 1.0))


@pytest.fixture(scope="module")
def clean():
    return assess_threshold(_clean(), bootstrap=100)


def test_clean_data_carry_no_warning_and_quote_the_corrected_fit(clean):
    assert clean.warnings == ()
    assert clean.fit.warnings == () and clean.fit.reliable
    # Three distances: the finite-size-aware estimate, the fit with its correction to scaling.
    assert clean.quote == "corrected" and clean.fit.correction == "constant"
    assert clean.fit.bound is None and not clean.fit.open_low and not clean.fit.open_high
    assert clean.fit.threshold_low <= 0.1 <= clean.fit.threshold_high
    summary = clean.as_dict()
    assert summary["warnings"] == [] and summary["threshold_lower_bound"] is None
    assert all(None not in c["ci"] for c in summary["crossings"])


def test_a_fit_at_the_edge_is_a_bound_never_a_point():
    # d=3/5 cross above 0.1015, d=5/7 just inside: the plain fit runs into the upper edge.
    result = assess_threshold(_drifting(top=0.1015), bootstrap=50, correction="none")
    fit = result.fit
    assert fit.bound == "lower" and fit.describe().startswith("p_th > 0.1015")
    assert any("p_th > 0.1015 is a bound" in w for w in result.warnings)
    summary = result.as_dict()
    assert summary["threshold"] is None and summary["threshold_ci"] is None
    assert summary["threshold_lower_bound"] == pytest.approx(0.1015)
    assert summary["quote"] is None
    assert relative_half_width(fit) == float("inf")


def test_the_correction_extrapolates_past_the_edge_of_the_sampled_range():
    # The same sweep: the corrected fit models the drift and finds p_th inside the range, below
    # the d=3/5 crossing that lies beyond it (which a warning still names).
    fit = fit_threshold(_drifting(top=0.1015), bootstrap=50)
    assert fit.correction == "constant" and fit.bound is None
    assert fit.threshold_low <= 0.1 <= fit.threshold_high < 0.1015
    assert any("crossing lies above p = 0.1015" in w for w in fit.warnings)


def test_curves_that_do_not_cross_say_where_the_crossing_must_be(clean):
    result = assess_threshold(_drifting(top=0.1012), bootstrap=50)
    assert result.fit is None
    summary = result.as_dict()
    assert summary["threshold"] is None
    assert summary["threshold_lower_bound"] == pytest.approx(0.1012)
    assert any("d=7 is below d=5 everywhere, so their crossing lies above p = 0.1012" in w
               for w in result.warnings)
    assert not any("do not cross" in w for w in clean.warnings)


def test_a_crossing_interval_at_the_edge_is_open(clean):
    result = assess_threshold(_drifting(top=0.1015), bootstrap=50)
    (crossing,) = result.report.crossings
    assert crossing.distances == (5, 7) and crossing.open_high
    assert result.as_dict()["crossings"][0]["ci"][1] is None  # open, not a number
    assert any("d=5/d=7 crossing reaches the upper edge" in w for w in result.warnings)
    assert not any(c.open_low or c.open_high for c in clean.report.crossings)


def test_a_poor_fit_widens_the_interval_and_says_so(clean):
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=200_000, seed=4,
                             ps=np.linspace(0.09, 0.11, 7))
    # A 4% ripple the scaling form cannot follow.
    rippled = [dataclasses.replace(pt, errors=round(pt.errors * (1.04 if i % 2 else 0.96)))
               for i, pt in enumerate(points)]
    fit = fit_threshold(rippled, bootstrap=50, correction="none")
    assert fit.scale_factor == pytest.approx(np.sqrt(fit.chi2_per_dof))
    assert fit.scale_factor > 2
    stat_half = fit.statistical_high - fit.statistical_low
    assert fit.threshold_high - fit.threshold_low == pytest.approx(fit.scale_factor * stat_half,
                                                                   rel=1e-6)
    assert any("fits poorly" in w and "widened" in w for w in fit.warnings)
    assert not any("fits poorly" in w for w in clean.warnings)


def test_drifting_crossings_extend_the_plain_interval_and_the_correction_models_them(clean):
    points = _drifting()
    fit = fit_threshold(points, bootstrap=100, correction="none")
    assert fit.drift.significant and fit.drift.direction == -1
    last = fit.crossings[-1]
    assert fit.threshold_low <= last.low and last.high <= fit.threshold_high
    assert any("drift with distance" in w for w in fit.warnings)
    # The default fit includes the correction: no extension, no drift warning, the truth held.
    result = assess_threshold(points, bootstrap=100)
    assert result.quote == "corrected" and result.fit.drift.significant
    assert not any("drift with distance" in w for w in result.fit.warnings)
    assert result.fit.threshold_low <= 0.1 <= result.fit.threshold_high
    assert result.extrapolated.low <= 0.1 <= result.extrapolated.high
    assert not clean.fit.drift.significant


def test_two_distances_quote_the_plain_fit_and_say_the_bias_is_not_estimated(clean):
    two = assess_threshold([pt for pt in _clean() if pt.distance < 7], bootstrap=50)
    assert two.quote == "plain" and two.extrapolated is None
    assert any("only two distances" in w for w in two.warnings)
    assert not any("only two distances" in w for w in clean.warnings)


def test_few_points_in_the_window_are_flagged(clean):
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=20_000, seed=4,
                             ps=np.array([0.095, 0.105]))
    fit = fit_threshold(points, bootstrap=30)
    assert fit.dof == 1
    assert any("few points inside the window" in w and "d=3: 2" in w for w in fit.warnings)
    assert not any("few points" in w for w in clean.warnings)


def test_summary_json_is_strict_and_carries_the_warnings():
    summary = threshold_summary(_drifting(), bootstrap=50)
    text = json.dumps(summary, allow_nan=False)
    assert json.loads(text)["warnings"] == summary["warnings"] != []
    assert summary["threshold_extrapolated_ci"][0] <= summary["threshold_extrapolated"]
    assert summary["quote"] == "corrected"


def test_extrapolation_rejects_bad_input():
    points = _clean()
    two = [pt for pt in points if pt.distance < 7]
    with pytest.raises(ValueError, match=r"three or more distances .* distances=\[3, 5\]"):
        extrapolate_threshold(two)
    with pytest.raises(ValueError, match=r"omega_range=\(2, 1\) must satisfy"):
        extrapolate_threshold(points, omega_range=(2, 1))
    with pytest.raises(ValueError, match=r"nu_range='x' must be a pair"):
        extrapolate_threshold(points, nu_range="x")
    with pytest.raises(ValueError, match="bootstrap=10 must be an integer >= 50"):
        extrapolate_threshold(points, bootstrap=10)
    with pytest.raises(ValueError, match=r"confidence=1\.5 must be a number in \(0, 1\)"):
        extrapolate_threshold(points, confidence=1.5)
    assert extrapolate_threshold(points, bootstrap=np.int64(60)).confidence == 0.95


def test_extrapolation_with_more_crossings_weighs_omega_by_the_data():
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7, 9, 11), shots=200_000,
                             seed=8, ps=np.linspace(0.095, 0.106, 7), correction=(0.06, 1.0))
    result = extrapolate_threshold(points, nu_range=(1.4, 1.6), bootstrap=200)
    assert result.dof == 2 and len(result.crossings) == 4
    assert result.low <= 0.1 <= result.high
    plain = fit_threshold(points, bootstrap=50, correction="none")
    assert not plain.statistical_low <= 0.1 <= plain.statistical_high  # biased by the drift


def test_extrapolated_interval_covers_the_truth_at_about_its_rate():
    # Draws from a scaling form with a known correction (D d^-1): the extrapolated interval
    # must cover p_th = 0.1 in most draws; the count is binomial, so a tolerance from its
    # interval (the full measurement is experiments/threshold_coverage.py).
    from qec.analysis import binomial_interval

    draws, covered = 30, 0
    for seed in range(draws):
        points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5, 7), shots=50_000,
                                 seed=500 + seed, ps=np.linspace(0.092, 0.11, 7),
                                 correction=(0.05, 1.0))
        result = extrapolate_threshold(points, nu_range=(1.3, 1.7), bootstrap=100, seed=seed)
        covered += result.low <= 0.1 <= result.high
    assert binomial_interval(errors=covered, shots=draws, confidence=0.999).high >= 0.95
    assert covered >= 0.8 * draws
