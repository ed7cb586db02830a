import dataclasses
import types

import numpy as np
import pytest

from qec.analysis import (
    Point,
    allocate_shots,
    fit_threshold,
    precision_sweep,
    relative_half_width,
)
from tests.analysis.synthetic import synthetic_sweep


def _rate(p: float, d: int) -> float:
    # Monotone in p, as real curves are (a quadratic in x would turn and cross twice).
    x = (p / 0.1 - 1) * d ** (1 / 1.5)
    return float(np.clip(0.1 * np.exp(1.5 * x), 1e-4, 0.5))


@dataclasses.dataclass(frozen=True)
class _Task:
    strong_id: str
    distance: int
    p: float

    @property
    def circuit(self):
        # The sweep weighs a shot's cost by its circuit's detectors: d^2 - 1 per round here.
        return types.SimpleNamespace(num_detectors=self.distance**2 - 1)


class _FakeSession:
    """Draws binomial errors from the scaling form instead of running circuits."""

    def __init__(self, seed: int, rate=None) -> None:
        self.rate = _rate if rate is None else rate
        self.rng = np.random.default_rng(seed)
        self.totals: dict[str, Point] = {}
        self.store = self
        self.calls = 0
        self.plans: dict[str, dict[int, dict[str, int]]] = {}

    def read_plan(self, plan):
        return {k: dict(v) for k, v in self.plans.get(plan, {}).items()}

    def record_plan(self, plan, iteration, targets):
        return dict(self.plans.setdefault(plan, {}).setdefault(iteration, dict(targets)))

    def sample_to(self, work):
        more = []
        for task, target in work:
            have = self.totals.get(task.strong_id)
            missing = target - (have.shots if have is not None else 0)
            if missing > 0:
                more.append((task, missing))
        if more:
            self.sample_shots(more)
        return [self.totals[task.strong_id] for task, _ in work]

    def stats_for(self, strong_id):
        return self.totals.get(strong_id)

    def sample_shots(self, work):
        self.calls += 1
        result = []
        for task, shots in work:
            old = self.totals.get(task.strong_id)
            old = old.point if old is not None else None
            errors = int(self.rng.binomial(shots, self.rate(task.p, task.distance)))
            new = Point(distance=task.distance, rounds=1, physical_error_rate=task.p,
                        shots=shots + (old.shots if old else 0),
                        errors=errors + (old.errors if old else 0))
            self.totals[task.strong_id] = _WithSeconds(new)
            result.append(self.totals[task.strong_id])
        return result


class _WithSeconds:
    def __init__(self, point):
        self.point = point

    def __getattr__(self, name):
        if name == "seconds":
            return self.point.shots * 1e-5
        return getattr(self.point, name)


def test_allocation_goes_to_points_inside_the_window(sweep):
    far = [Point(distance=d, rounds=1, physical_error_rate=0.3, shots=20_000, errors=9000 + d)
           for d in (3, 5, 7)]
    points = sweep + far
    fit = fit_threshold(points, bootstrap=20)
    shots = allocate_shots(points, fit=fit, budget=10_000)
    assert sum(shots) == 10_000
    assert shots[-3:] == [0, 0, 0]
    assert all(n >= 0 for n in shots)


def test_allocation_prefers_cheap_points(sweep):
    fit = fit_threshold(sweep, bootstrap=20, correction="none")
    plain = np.array(allocate_shots(sweep, fit=fit, budget=10_000))
    costs = [100.0 if pt.distance == 7 else 1.0 for pt in sweep]
    costly = np.array(allocate_shots(sweep, fit=fit, budget=10_000, seconds_per_shot=costs))
    is_d7 = np.array([pt.distance == 7 for pt in sweep])
    assert costly[is_d7].sum() < plain[is_d7].sum()


def test_precision_sweep_reaches_target_on_synthetic_data():
    session = _FakeSession(seed=3)
    tasks = [_Task(f"{d}-{p}", d, float(p)) for d in (3, 5, 7) for p in np.linspace(0.08, 0.12, 9)]
    result = precision_sweep(session, tasks, precision=0.01, initial_shots=2_000, bootstrap=40)
    assert result.reached
    assert result.relative_half_width <= 0.01
    # Three distances: the sweep aims at the extrapolated interval, the one to quote.
    assert result.assessment.quote == "extrapolated"
    assert relative_half_width(result.assessment) == result.relative_half_width
    extra = result.assessment.extrapolated
    # At 10^8 shots the crossings' linear interpolation on the p grid is itself biased by about
    # the interval's width: the tolerance is two half-widths.
    assert abs(extra.threshold - 0.1) <= extra.high - extra.low
    assert result.shots == sum(s.shots for s in result.stats)
    assert result.iterations >= 1


def test_precision_sweep_rejects_bad_precision():
    with pytest.raises(ValueError, match=r"precision=0 must be in \(0, 1\)"):
        precision_sweep(_FakeSession(seed=0), [], precision=0)


def test_allocate_rejects_bad_budget(sweep):
    fit = fit_threshold(sweep, bootstrap=20)
    with pytest.raises(ValueError, match="budget=0 must be a positive integer"):
        allocate_shots(sweep, fit=fit, budget=0)
    with pytest.raises(ValueError, match="seconds_per_shot has 1 entries for 21 points"):
        allocate_shots(sweep, fit=fit, budget=10, seconds_per_shot=[1.0])


def test_synthetic_helper_is_binomial():
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(3,), ps=np.array([0.1]),
                             shots=100_000, seed=1)
    assert points[0].errors == pytest.approx(10_000, abs=400)


def test_precision_sweep_stops_when_the_range_misses_the_threshold():
    session = _FakeSession(seed=4)
    # Every p above the threshold (0.1): the curves never cross, so shots cannot help.
    tasks = [_Task(f"{d}-{p}", d, float(p)) for d in (3, 5, 7) for p in (0.12, 0.14, 0.16)]
    result = precision_sweep(session, tasks, precision=0.01, initial_shots=2_000, bootstrap=20)
    assert not result.reached and result.iterations == 1
    assert "0.12" in result.stopped and "sample physical error rates" in result.stopped
    assert result.shots < 30_000


def test_precision_sweep_stops_when_the_drift_exceeds_the_target():
    def drifting(p, d):
        return float(np.clip(_rate(p, d) + 0.06 / d, 1e-4, 0.5))

    session = _FakeSession(seed=5, rate=drifting)
    tasks = [_Task(f"{d}-{p}", d, float(p)) for d in (3, 5, 7) for p in np.linspace(0.08, 0.12, 9)]
    result = precision_sweep(session, tasks, precision=0.002, initial_shots=20_000, bootstrap=40,
                             max_iterations=30)
    assert not result.reached
    assert result.stopped.startswith("finite-size drift: the correction to scaling alone")
    assert result.iterations < 30
    # The interval the sweep aimed at is the one to quote: the extrapolation's.
    assert result.assessment.quote == "extrapolated"
    assert result.relative_half_width > 0.002


def test_relative_half_width_of_a_bound_or_an_open_interval_is_infinite(sweep):
    fit = fit_threshold(sweep, bootstrap=20)
    assert np.isfinite(relative_half_width(fit))
    assert relative_half_width(dataclasses.replace(fit, bound="lower")) == np.inf
    assert relative_half_width(dataclasses.replace(fit, open_high=True)) == np.inf
