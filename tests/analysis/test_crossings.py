import pytest

from qec.analysis import Crossing, Point, crossings


def test_crossings_of_scaling_form_bracket_the_threshold(sweep):
    found = crossings(sweep, quantity="per_shot", seed=1)
    assert [c.distances for c in found] == [(3, 5), (5, 7)]
    for crossing in found:
        assert crossing.low <= crossing.physical_error_rate <= crossing.high
        # One 95% interval may miss; twice its width around the estimate must not (seeded).
        assert abs(crossing.physical_error_rate - 0.1) < 2 * (crossing.high - crossing.low)
        assert crossing.high - crossing.low < 0.01


def test_crossings_are_reproducible_with_a_seed(sweep):
    assert crossings(sweep, seed=3) == crossings(sweep, seed=3)


def test_no_crossing_when_curves_do_not_cross():
    points = [
        Point(distance=d, rounds=1, physical_error_rate=p, shots=10_000, errors=e)
        for d, p, e in [(3, 0.01, 100), (3, 0.02, 300), (5, 0.01, 10), (5, 0.02, 60)]
    ]
    assert crossings(points) == ()


def test_crossing_by_linear_interpolation_in_log_p():
    points = [
        Point(distance=d, rounds=1, physical_error_rate=p, shots=1000, errors=e)
        for d, p, e in [(3, 0.01, 100), (3, 0.04, 200), (5, 0.01, 50), (5, 0.04, 400)]
    ]
    (crossing,) = crossings(points, bootstrap=0)
    # ln(e5/e3) goes from ln(1/2) to ln(2): zero half-way in ln p, at sqrt(0.01 * 0.04).
    assert crossing.physical_error_rate == pytest.approx(0.02)
    assert crossing == Crossing(distances=(3, 5), physical_error_rate=crossing.physical_error_rate,
                                low=crossing.low, high=crossing.high)


def test_crossings_reject_zero_shots():
    points = [Point(distance=3, rounds=1, physical_error_rate=0.01, shots=0, errors=0)]
    with pytest.raises(ValueError, match=r"has shots=0 \(discards=0\): no kept shots"):
        crossings(points)


def test_crossings_reject_unknown_quantity(sweep):
    with pytest.raises(ValueError, match="quantity='per_cycle' must be one of 'per_round'"):
        crossings(sweep, quantity="per_cycle")
