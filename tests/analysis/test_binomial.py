import math

import numpy as np
import pytest
import sinter

from qec.analysis import Interval, binomial_interval, likelihood_factor, per_round_error, shot_error


def test_binomial_interval_matches_sinter_fit_binomial():
    interval = binomial_interval(errors=37, shots=5000, confidence=0.95)
    fit = sinter.fit_binomial(num_shots=5000, num_hits=37, max_likelihood_factor=6.8259)
    assert interval.estimate == 37 / 5000
    assert interval.low == pytest.approx(fit.low, rel=1e-3)
    assert interval.high == pytest.approx(fit.high, rel=1e-3)
    assert interval.confidence == 0.95


def test_binomial_interval_at_zero_errors_is_finite_and_starts_at_zero():
    interval = binomial_interval(errors=0, shots=10_000, confidence=0.95)
    assert interval.estimate == 0
    assert interval.low == 0
    # Likelihood ratio bound: (1 - high)^n = 1 / likelihood_factor  =>  high ~ ln(6.83) / n.
    assert interval.high == pytest.approx(math.log(likelihood_factor(0.95)) / 10_000, rel=0.02)


def test_binomial_interval_at_all_errors():
    interval = binomial_interval(errors=20, shots=20)
    assert interval.estimate == 1 and interval.high == 1 and 0.8 < interval.low < 1


def test_higher_confidence_gives_wider_interval():
    narrow = binomial_interval(errors=50, shots=1000, confidence=0.68)
    wide = binomial_interval(errors=50, shots=1000, confidence=0.99)
    assert wide.low < narrow.low < 0.05 < narrow.high < wide.high


@pytest.mark.parametrize(("shots", "rate"), [(2000, 0.005), (500, 0.2)])
def test_binomial_interval_covers_truth_at_nominal_rate(shots, rate):
    rng = np.random.default_rng(1234)
    draws = 600
    covered = sum(
        iv.low <= rate <= iv.high
        for iv in (binomial_interval(errors=int(k), shots=shots, confidence=0.95)
                   for k in rng.binomial(shots, rate, size=draws))
    )
    # The coverage count is itself binomial; a 99.9% interval on it must contain the nominal 95%
    # (up to the discreteness of the likelihood-ratio interval, about one percent).
    coverage = binomial_interval(errors=covered, shots=draws, confidence=0.999)
    assert coverage.low - 0.01 <= 0.95 <= coverage.high + 0.01


@pytest.mark.parametrize("rounds", [1, 2, 5, 25])
@pytest.mark.parametrize("p_shot", [0.0, 1e-9, 1e-4, 0.01, 0.3, 0.4999])
def test_per_round_error_inverts(rounds, p_shot):
    eps = per_round_error(p_shot, rounds=rounds)
    assert 0 <= eps <= p_shot + 1e-15
    assert shot_error(eps, rounds=rounds) == pytest.approx(p_shot, rel=1e-6, abs=1e-15)


def test_per_round_error_formula_and_saturation():
    assert per_round_error(0.1, rounds=3) == pytest.approx((1 - 0.8 ** (1 / 3)) / 2)
    assert shot_error(0.01, rounds=10) == pytest.approx((1 - 0.98**10) / 2)
    assert per_round_error(0.5, rounds=3) == 0.5
    assert per_round_error(0.9, rounds=3) == 0.5


def test_interval_per_round_carries_the_interval_through():
    interval = binomial_interval(errors=120, shots=1000)
    converted = interval.per_round(rounds=7)
    assert converted.estimate == pytest.approx(per_round_error(0.12, rounds=7))
    assert converted.low == pytest.approx(per_round_error(interval.low, rounds=7))
    assert converted.high == pytest.approx(per_round_error(interval.high, rounds=7))
    assert converted.confidence == interval.confidence


def test_interval_repr_round_trips():
    interval = Interval(estimate=0.1, low=0.05, high=0.2, confidence=0.9)
    assert eval(repr(interval)) == interval


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"errors": 0, "shots": 0}, "shots=0 must be positive"),
        ({"errors": 5, "shots": 3}, "errors=5 must be between 0 and shots=3"),
        ({"errors": -1, "shots": 3}, "errors=-1 must be between"),
        ({"errors": 1, "shots": 3, "confidence": 1.0}, "confidence=1.0 must be strictly between"),
        ({"errors": 1.5, "shots": 3}, "errors=1.5 must be an integer"),
    ],
)
def test_binomial_interval_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        binomial_interval(**kwargs)


def test_conversion_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shot_error=1.5 must be a probability in \[0, 1\]"):
        per_round_error(1.5, rounds=2)
    with pytest.raises(ValueError, match="rounds=0 must be a positive number"):
        per_round_error(0.1, rounds=0)
    with pytest.raises(ValueError, match=r"per_round_error=0.6 must be in \[0, 1/2\]"):
        shot_error(0.6, rounds=2)
    with pytest.raises(ValueError, match="need low <= estimate <= high"):
        Interval(estimate=0.3, low=0.4, high=0.5)


def test_points_with_discards_use_kept_shots():
    from qec.analysis import Point, logical_error

    point = Point(distance=3, rounds=1, physical_error_rate=0.01, shots=1000, errors=10,
                  discards=500)
    assert point.kept_shots == 500
    assert logical_error(point, quantity="per_shot").estimate == 10 / 500
    with pytest.raises(ValueError, match="errors=10 and discards=995 must be non-negative"):
        Point(distance=3, rounds=1, physical_error_rate=0.01, shots=1000, errors=10, discards=995)


def test_task_stats_are_points():
    from qec.analysis import fit_lambda, shot_error
    from qec.sampling import TaskStats

    stats = [TaskStats(strong_id=f"t{d}", decoder="pymatching",
                       json_metadata={"distance": d, "rounds": d, "p": 0.001},
                       shots=10**5, errors=round(10**5 * shot_error(0.01 / 3 ** ((d - 3) / 2),
                                                                    rounds=d)))
             for d in (3, 5, 7)]
    assert fit_lambda(stats).lambda_.estimate == pytest.approx(3, rel=0.05)


def test_point_repr_round_trips_and_validates():
    from qec.analysis import Point

    point = Point(distance=5, rounds=15, physical_error_rate=0.002, shots=1000, errors=3,
                  discards=2)
    assert eval(repr(point)) == point
    with pytest.raises(ValueError, match="distance=0 must be positive"):
        Point(distance=0, rounds=1, physical_error_rate=0.1, shots=1, errors=0)
    with pytest.raises(ValueError, match=r"physical_error_rate=1\.5 must be in \(0, 1\)"):
        Point(distance=3, rounds=1, physical_error_rate=1.5, shots=1, errors=0)
