import json
import math

import pytest

from qec.analysis import (
    Point,
    fit_lambda,
    fit_per_round_error,
    lambda_dict,
    shot_error,
)


def _suppressed(*, lambda_value, eps3, distances=(3, 5, 7, 9), shots=200_000, p=0.001):
    points = []
    for d in distances:
        eps = eps3 / lambda_value ** ((d - 3) / 2)
        errors = round(shots * shot_error(eps, rounds=d))
        points.append(
            Point(distance=d, rounds=d, physical_error_rate=p, shots=shots, errors=errors)
        )
    return points


def test_fit_lambda_recovers_lambda_exactly_on_noiseless_counts():
    fit = fit_lambda(_suppressed(lambda_value=2.0, eps3=0.01))
    assert fit.lambda_.estimate == pytest.approx(2.0, rel=0.02)
    assert fit.lambda_.low < 2.0 < fit.lambda_.high
    assert [r.estimate for r in fit.pairwise] == pytest.approx([2.0, 2.0, 2.0], rel=0.05)
    for ratio in fit.pairwise:
        assert ratio.low < ratio.estimate < ratio.high
    assert fit.per_round_errors[0].estimate == pytest.approx(0.01, rel=0.01)
    assert fit.distances == (3, 5, 7, 9)


def test_projection_of_distance_for_a_target():
    fit = fit_lambda(_suppressed(lambda_value=2.0, eps3=0.01))
    # eps_d = 0.01 / 2^((d-3)/2) <= 1e-4 needs (d-3)/2 >= log2(100) = 6.64, so d = 3 + 2*7 = 17.
    projection = fit.project_distance(1e-4)
    assert projection.distance == 17
    assert projection.low <= 17 <= projection.high
    assert fit.project_distance(0.02).distance in (1, 3)


def test_fit_per_round_error_over_rounds():
    points = [Point(distance=5, rounds=r, physical_error_rate=0.002, shots=100_000,
                    errors=round(100_000 * shot_error(0.003, rounds=r))) for r in (5, 10, 20, 40)]
    interval = fit_per_round_error(points)
    assert interval.estimate == pytest.approx(0.003, rel=0.01)
    assert interval.low < 0.003 < interval.high


def test_fit_per_round_error_single_point_matches_binomial_interval():
    point = Point(distance=3, rounds=4, physical_error_rate=0.001, shots=5000, errors=40)
    from qec.analysis import binomial_interval

    expected = binomial_interval(errors=40, shots=5000).per_round(rounds=4)
    assert fit_per_round_error([point]) == expected


def test_lambda_dict_is_json_ready():
    summary = lambda_dict(fit_lambda(_suppressed(lambda_value=3.0, eps3=0.02)))
    assert json.loads(json.dumps(summary)) == summary
    assert math.isclose(summary["lambda"], 3.0, rel_tol=0.05)


def test_fit_lambda_needs_a_physical_error_rate_when_several():
    points = [*_suppressed(lambda_value=2, eps3=0.01),
              *_suppressed(lambda_value=2, eps3=0.01, p=0.002)]
    with pytest.raises(ValueError, match=r"several physical error rates \[0.001, 0.002\]"):
        fit_lambda(points)
    assert fit_lambda(points, physical_error_rate=0.002).physical_error_rate == 0.002
    with pytest.raises(ValueError, match=r"no points at physical_error_rate=0\.005"):
        fit_lambda(points, physical_error_rate=0.005)


def test_fit_lambda_rejects_one_distance_and_zero_errors():
    with pytest.raises(ValueError, match=r"two or more distances, got distances=\[3\]"):
        fit_lambda(_suppressed(lambda_value=2, eps3=0.01, distances=(3,)))
    points = [*_suppressed(lambda_value=2, eps3=0.01, distances=(3, 5)),
              Point(distance=7, rounds=7, physical_error_rate=0.001, shots=100, errors=0)]
    with pytest.raises(ValueError, match=r"distance 7 at p=0\.001 has no logical errors"):
        fit_lambda(points)
    with pytest.raises(ValueError, match="points is empty"):
        fit_lambda([])


def test_projection_rejects_bad_target():
    fit = fit_lambda(_suppressed(lambda_value=2.0, eps3=0.01))
    with pytest.raises(ValueError, match=r"target_per_round_error=0 must be in \(0, 1/2\)"):
        fit.project_distance(0)


def test_boundary_offset_recovers_bulk_error_per_round():
    from qec.analysis import boundary_amplitude

    points = [Point(distance=5, rounds=r, physical_error_rate=0.001, shots=10**6,
                    errors=round(10**6 * (1 - 0.995 * (1 - 2 * 0.002) ** r) / 2))
              for r in (5, 15, 45)]
    plain = fit_per_round_error(points)
    offset = fit_per_round_error(points, boundary_offset=True)
    assert offset.estimate == pytest.approx(0.002, rel=0.01)
    assert offset.low < 0.002 < offset.high
    assert plain.estimate > offset.estimate  # the boundary error is spread over the rounds
    assert boundary_amplitude(offset.estimate, points) == pytest.approx(0.995, abs=0.001)


def test_boundary_offset_needs_two_round_counts():
    point = Point(distance=3, rounds=3, physical_error_rate=0.001, shots=100, errors=3)
    with pytest.raises(ValueError, match=r"two or more round counts, got rounds=\[3\]"):
        fit_per_round_error([point], boundary_offset=True)


def test_fit_lambda_with_boundary_offset():
    points = []
    for d in (3, 5, 7):
        eps = 0.004 / 3 ** ((d - 3) / 2)
        points += [Point(distance=d, rounds=r, physical_error_rate=0.001, shots=10**7,
                         errors=round(10**7 * (1 - 0.99 * (1 - 2 * eps) ** r) / 2))
                   for r in (d, 3 * d)]
    fit = fit_lambda(points, boundary_offset=True)
    assert fit.boundary_offset
    assert fit.lambda_.estimate == pytest.approx(3, rel=0.05)
