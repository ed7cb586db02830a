"""The splitting estimator: exact answers, the store round trip and resume, bad input."""

import dataclasses
import itertools
import math

import numpy as np
import pytest
import stim
from scipy.special import stdtrit
from scipy.stats import binom

from qec.analysis._points import as_points
from qec.data import Task
from qec.decoders import PyMatchingDecoder, compile_decoder, relevant_detectors
from qec.sampling import _splitting_kernel as kernel
from qec.sampling import memory_task
from qec.sampling._splitting import estimate_rare_error, splitting_task
from qec.sampling._splitting_bar import _bar_log_ratio
from qec.sampling._splitting_kernel import (
    ChainContext,
    MechanismModel,
    removal_pivots,
    run_chains,
)
from qec.sampling._splitting_ladder import _Ladder
from qec.store import ResultStore


def repetition_code_capacity(distance: int, p: float) -> stim.Circuit:
    """d data bits flipped with probability p, read once; P_L is a binomial tail."""
    circuit = stim.Circuit()
    circuit.append("X_ERROR", range(distance), p)
    circuit.append("M", range(distance))
    for i in range(distance - 1):
        circuit.append("DETECTOR", [stim.target_rec(-distance + i),
                                    stim.target_rec(-distance + i + 1)])
    circuit.append("OBSERVABLE_INCLUDE", [stim.target_rec(-1)], 0)
    return circuit


def exact_tail(distance: int, p: float) -> float:
    return float(binom.sf((distance - 1) // 2, distance, p))


def task_of(distance, p):
    return Task(circuit=repetition_code_capacity(distance, p), decoder="pymatching",
                json_metadata={"code": "repetition", "distance": distance, "rounds": 1,
                               "p": p, "noise": "bit-flip"})


@pytest.mark.parametrize(("distance", "p", "seed"), [(9, 0.03, 1), (19, 0.01, 2),
                                                     (21, 0.01, 3)])
def test_binomial_tail_down_to_1e_minus_15_inside_the_interval(distance, p, seed):
    exact = exact_tail(distance, p)
    # A 99.9% interval, so that a fixed seed passes by the method's accuracy, not by luck.
    estimate = estimate_rare_error(task_of(distance, p), workers=1, seed=seed, chains=64,
                                   groups=16, relative_error=0.3, confidence=0.999)
    interval = estimate.logical_error_per_shot
    assert estimate.complete and estimate.method == "splitting"
    assert interval.low <= exact <= interval.high, (exact, interval)
    assert interval.high / interval.estimate < 1.5  # it is also precise
    assert estimate.equivalent_direct_shots > 1e3 * estimate.decoder_calls or exact > 1e-6
    assert not estimate.warnings


def test_the_smallest_case_reaches_below_1e_minus_15():
    assert exact_tail(21, 0.01) < 1e-15


def test_bennett_ratio_is_exact_on_exact_histograms():
    # Failing configurations of a d = 9 repetition code: |E| >= 5 of 9, at two scales.
    n, s_a, s_b, q = 9, 2.0, 1.5, 0.05
    r = q / (1 - q)

    def tail_histogram(scale):
        qs = scale * r / (1 + scale * r)
        probabilities = np.asarray([binom.pmf(m, n, qs) if m >= 5 else 0.0 for m in range(10)])
        return np.round(probabilities / probabilities.sum() * 1e12).astype(np.int64), \
            probabilities.sum()

    h_a, p_a = tail_histogram(s_a)
    h_b, p_b = tail_histogram(s_b)
    model_log_z = lambda s: n * math.log1p(s * r)  # noqa: E731
    estimate = _bar_log_ratio(h_a, h_b, slope=math.log(s_b / s_a),
                              offset=model_log_z(s_b) - model_log_z(s_a))
    assert estimate == pytest.approx(math.log(p_b / p_a), abs=1e-6)


def test_chains_sample_the_failing_distribution():
    # d = 5 repetition code at scale 1: |E| on the failing set is a truncated binomial.
    distance, p = 5, 0.2
    context = ChainContext(str(repetition_code_capacity(distance, p)), "pymatching")
    members = [np.arange(3) for _ in range(64)]  # 3 flips of 5: failing
    result = run_chains(context, scale=1.0, members=members, iterations=3000, seed=(5,))
    sizes = result.trace[500:].ravel()
    expected = np.asarray([binom.pmf(m, distance, p) for m in range(3, 6)])
    expected /= expected.sum()
    observed = np.bincount(sizes, minlength=6)[3:] / len(sizes)
    # 64 chains x 2,500 correlated samples: a tolerance of 0.02 is many standard errors.
    assert np.abs(observed - expected).max() < 0.02
    assert result.decoder_calls <= result.proposals


def test_mechanisms_of_a_decomposed_model():
    dem = stim.DetectorErrorModel("error(0.1) D0 D1 ^ D1 D2 L0\nerror(0.01) D2")
    model = MechanismModel.from_dem(dem)
    assert model.det_indices.tolist() == [0, 2, 2]  # D1 cancels
    assert model.obs[:, 0].tolist() == [1, 0]
    scaled = model.scaled_dem(2.0)
    first = scaled[0]
    assert first.args_copy()[0] == pytest.approx(2 * (0.1 / 0.9) / (1 + 2 * 0.1 / 0.9))


TWO_COMPONENTS = stim.DetectorErrorModel("""
error(0.11) D0 L0
error(0.07) D0 D1
error(0.13) D1 D2
error(0.05) D2
error(0.09) D0 D1 ^ D3
error(0.06) D3
error(0.08) D3 D4
error(0.04) D4
error(0.03) D1 D2 ^ D3 D4
error(0.02) D2 ^ D4
error(0.1) D3 D4
error(0.12) D1 D2
detector D5
""")


def exact_failure(model, decoder):
    """P(decoder fails) under ``model``'s mechanisms, summed over all 2^N configurations."""
    n = model.num_mechanisms
    q = model.odds / (1 + model.odds)
    configs = (np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1
    dets, obs = model.symptoms([np.flatnonzero(c) for c in configs])
    predicted = decoder.decode_shots_bit_packed(
        bit_packed_detection_event_data=np.packbits(dets, axis=1, bitorder="little"))
    fails = np.any(predicted != np.packbits(obs, axis=1, bitorder="little"), axis=1)
    probability = np.prod(np.where(configs == 1, q, 1 - q), axis=1)
    return float(probability[fails].sum()), float(probability.sum())


def test_the_restricted_model_fails_with_the_full_models_probability():
    # Two matching components (D0-D2 flips the observable, D3-D4 does not), mechanisms that
    # touch both, three with one symptom, and a detector no error flips: 12 mechanisms.
    decoder = compile_decoder(PyMatchingDecoder(), dem=TWO_COMPONENTS)
    relevant = relevant_detectors(decoder, TWO_COMPONENTS.num_detectors)
    assert relevant.tolist() == [True, True, True, False, False, False]
    full = MechanismModel.from_dem(TWO_COMPONENTS)
    restricted = full.restricted(relevant)
    # Left: "D0 L0", "D0 D1" (twice), "D1 D2" (three times: 0.13, 0.12 and 0.03 cut down),
    # "D2" (twice); "D3", "D3 D4" (twice) and "D4" vanish.
    assert restricted.num_mechanisms == 4
    assert set(restricted.det_indices.tolist()) == {0, 1, 2}
    p_full, total_full = exact_failure(full, decoder)
    p_restricted, total_restricted = exact_failure(restricted, decoder)
    assert total_full == pytest.approx(1, abs=1e-12)
    assert total_restricted == pytest.approx(1, abs=1e-12)
    assert 0.01 < p_full < 0.5
    assert p_restricted == pytest.approx(p_full, rel=1e-12)


def test_matching_on_the_relevant_detectors_predicts_as_pymatching_on_all():
    # A surface-code memory whose sizes are not round numbers: d = 5, 7 rounds, SD6 (Y errors
    # flip checks of both bases) at p = 0.6%, against PyMatching used directly.
    import pymatching

    from qec.sampling import memory_task

    task = memory_task(code="surface", distance=5, rounds=7, basis="X", noise="sd6", p=0.006)
    context = ChainContext(str(task.circuit), "pymatching")
    dem = task.circuit.detector_error_model(decompose_errors=True,
                                            approximate_disjoint_errors=True)
    relevant = np.zeros(dem.num_detectors, dtype=bool)
    relevant[np.unique(context.model.det_indices)] = True
    assert 0.4 < relevant.mean() < 0.6  # the X checks: about half
    assert context.model.num_mechanisms < context.full_mechanisms / 3
    dets, obs, _ = dem.compile_sampler(seed=3).sample(6_000)
    direct = pymatching.Matching.from_detector_error_model(dem).decode_batch(dets)
    fails_direct = np.any(direct != obs, axis=1)
    fails_here = context.failing((dets & relevant).astype(np.uint8), obs.astype(np.uint8))
    assert 100 < fails_direct.sum() < 3_000
    assert np.array_equal(fails_here, fails_direct)


def test_store_round_trip_and_resume_give_the_uninterrupted_numbers(tmp_path):
    task = task_of(15, 0.01)
    options = dict(workers=1, seed=7, chains=64, groups=16, relative_error=0.4)
    whole = estimate_rare_error(task, db=tmp_path / "whole.db", **options)
    assert whole.complete
    # Interrupted after three rungs, then finished by a re-run.
    path = tmp_path / "resumed.db"
    first = estimate_rare_error(task, db=path, max_rungs=3, **options)
    assert not first.complete and first.logical_error_per_shot is None
    assert any("incomplete" in w for w in first.warnings)
    with ResultStore(path) as store:
        stored_levels = len(store.read_checkpoints(first.strong_id))
    assert stored_levels == 3 and len(first.rungs) == 3
    resumed = estimate_rare_error(task, db=path, **options)
    assert resumed.complete
    with ResultStore(path) as store:
        assert len(store.read_checkpoints(first.strong_id)) >= stored_levels
    a, b = whole.logical_error_per_shot, resumed.logical_error_per_shot
    assert (b.estimate, b.low, b.high) == pytest.approx((a.estimate, a.low, a.high), rel=1e-9)
    assert resumed.decoder_calls == whole.decoder_calls
    assert [r.scale for r in resumed.rungs] == [r.scale for r in whole.rungs]
    # The workers' seconds of the whole estimate add up across the interruption.
    assert whole.total_worker_seconds == pytest.approx(whole.worker_seconds, rel=1e-9)
    assert first.worker_seconds > 0 and resumed.worker_seconds > 0
    assert first.total_worker_seconds == pytest.approx(first.worker_seconds, rel=1e-9)
    assert resumed.total_worker_seconds == pytest.approx(
        first.worker_seconds + resumed.worker_seconds, rel=1e-9)
    # A third run finds the ladder complete and does no work.
    again = estimate_rare_error(task, db=path, **options)
    assert again.logical_error_per_shot.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert again.worker_seconds == 0
    assert again.total_worker_seconds == pytest.approx(resumed.total_worker_seconds, rel=1e-9)
    # The stored point reads back as an estimated point with its own interval.
    with ResultStore(path, read_only=True) as store:
        [stats] = store.read_stats(estimator="splitting")
    assert stats.json_metadata["splitting"] == {"seed": 7, "chains": 64, "groups": 16,
                                                "model": "relevant", "pivots": True}
    interval = stats.logical_error()
    assert interval.estimate == pytest.approx(a.estimate, rel=1e-9)
    [point] = as_points([stats])
    assert point.interval is not None and point.interval.high == pytest.approx(a.high,
                                                                               rel=1e-9)


def test_a_rung_cut_short_by_max_iterations_says_so(monkeypatch):
    # A relative error of 1% plans rungs of hundreds of iterations; cut at 60, the interval
    # comes out about twice as wide as asked. The direct start takes 90% of the variance
    # budget here, not 1/16: at 1% its shots (6e8 at the start's 0.1% failure rate) would
    # otherwise be most of the test's minutes, and the rungs, left a tenth of the budget,
    # plan longer still.
    from qec.sampling import _splitting_ladder

    monkeypatch.setattr(_splitting_ladder, "_START_SHARE", 0.9)
    estimate = estimate_rare_error(task_of(9, 0.02), workers=1, seed=4, chains=64,
                                   relative_error=0.01, min_iterations=40,
                                   max_iterations=60)
    cut = [w for w in estimate.warnings if "max_iterations=60" in w]
    assert cut and "iterations planned for the relative error asked" in cut[0]
    assert any("wider than the relative error asked" in w for w in estimate.warnings)


def test_the_pilot_finds_the_scale_where_direct_sampling_fails_a_thousandth_of_the_time():
    # d = 9 bit flips: P(s) is a binomial tail at q = s r / (1 + s r), known at every scale.
    distance, p = 9, 0.005
    events = []
    estimate = estimate_rare_error(task_of(distance, p), workers=1, seed=2, chains=64,
                                   relative_error=1.0, progress=events.append)
    pilots = [e for e in events if e["stage"] == "pilot"]
    start = estimate.rungs[0].scale
    eighths = 8 * math.log2(start)
    assert abs(eighths - round(eighths)) < 1e-9 and round(eighths) % 4  # not a sqrt(2) step
    shallow = [e for e in pilots if e["shots"] == 1024]
    deep = [e for e in pilots if e["shots"] == 16 * 1024]  # one unit per chain group
    assert len(shallow) + len(deep) == len(pilots) and pilots[:len(shallow)] == shallow
    coarse, refined = shallow[:-2], shallow[-2:]  # steps of sqrt(2), then two bisections
    assert [e["scale"] for e in coarse] == pytest.approx(
        [2 ** (k / 2) for k in range(len(coarse))])
    assert coarse[-1]["failures"] >= 10 and all(e["failures"] < 10 for e in coarse[:-1])
    assert all(coarse[-2]["scale"] < e["scale"] < coarse[-1]["scale"] for e in refined)
    shallow_start = min(e["scale"] for e in shallow if e["failures"] >= 10)
    # The deep search: bisections over the two doublings below, for 0.1% of 16,384 shots.
    assert 4 <= len(deep) <= 5
    assert all(shallow_start / 4 <= e["scale"] < shallow_start for e in deep)
    assert start == min([e["scale"] for e in deep if e["failures"] >= 0.001 * e["shots"]]
                        + [shallow_start])
    assert [e["scale"] for e in pilots if e["failures"] < 0.001 * e["shots"]][-1] == (
        pytest.approx(start / 2 ** 0.125))  # the grid point below the start did not pass

    def exact_at(scale):
        odds = scale * p / (1 - p)
        return exact_tail(distance, odds / (1 + odds))

    # 17 failures of 16,384 shots: the start's failure rate is near 0.1%, within a step's
    # factor, and the shallow search's near 1%.
    assert 0.0005 < exact_at(start) < 0.003 and exact_at(start / 2 ** 0.125) < 0.002
    assert 0.004 < exact_at(shallow_start) < 0.03


def test_each_rung_is_planned_once(monkeypatch):
    # Re-planning a rung from its own growing samples could run away (see _planned_length).
    from qec.sampling._splitting_ladder import _Ladder

    planned = []
    original = _Ladder._planned_length

    def spy(self, previous, rung, goal):
        length = original(self, previous, rung, goal)
        planned.append((rung.level, rung.iterations, length))
        return length

    monkeypatch.setattr(_Ladder, "_planned_length", spy)
    estimate = estimate_rare_error(task_of(21, 0.02), workers=1, seed=3, chains=64,
                                   relative_error=0.05, min_iterations=20)
    levels = [level for level, _, _ in planned]
    assert len(levels) == len(set(levels)) == len(estimate.rungs) - 1
    assert any(r.iterations > 20 for r in estimate.rungs[1:])  # the plans decided lengths
    for (_, at, length), rung in zip(planned, estimate.rungs[1:], strict=True):
        assert at < rung.iterations or length <= 0.75 * at  # planned before it was met
        # and the rung ran it, keeping every iteration after the burn-in it had when planned
        assert rung.iterations - int(0.25 * at) >= length


def test_a_rungs_burn_in_is_a_quarter_until_planned_and_then_stays():
    from qec.sampling._splitting_ladder import _Rung

    rung = _Rung(level=1, scale=2.0, members=[np.zeros(0, np.int64)] * 3)
    rung.traces.append(np.arange(400 * 3).reshape(400, 3))
    assert rung.kept().shape == (300, 3) and rung.kept()[0, 0] == 100 * 3
    rung.burn_in = 100  # planned here: run_rung fixes the quarter it had then
    rung.traces.append(np.arange(400 * 3, 1000 * 3).reshape(600, 3))
    assert rung.kept().shape == (900, 3) and rung.kept()[0, 0] == 100 * 3


def test_a_rungs_plan_is_robust_to_one_high_coefficient():
    # _planned_length on a ladder state given by hand: the coefficients of the rungs before,
    # this rung's own at its minimum length, 5 rungs left from here and a goal of 1e-4.
    from types import SimpleNamespace

    from qec.sampling._splitting_ladder import _Ladder

    def plan(previous_kappas, own, variance_goal=1e-3, goal=1e-4):
        ladder = SimpleNamespace(kappas=list(previous_kappas), variance_goal=variance_goal,
                                 _kappa=lambda previous, rung: own,
                                 _remaining_rungs=lambda rung: 5.0)
        return _Ladder._planned_length(ladder, 0, None, goal)

    balanced = plan([0.5, 0.5, 0.5], 0.5)
    assert balanced == pytest.approx(2 * 0.5 / 1e-4)  # 2 kappa / goal
    # One high coefficient before does not move the plan (their mean, 1.3, would make it 2.6
    # times as long).
    assert plan([0.5, 3.0, 0.4], 0.5) == pytest.approx(balanced)
    # The rung's own coefficient, low at its minimum length, is not used once there are others.
    assert plan([0.5, 0.5, 0.5], 0.05) == pytest.approx(balanced)
    # The first ratio's rung has nothing before it and is planned from its own coefficient.
    assert plan([], 0.8) == pytest.approx(2 * 0.8 / 1e-4)
    # Far over budget the length is capped at four times the even share of the whole budget
    # (6 rungs: the one before and 5 from here).
    assert plan([0.5], 0.5, goal=1e-9) == pytest.approx(4 * 2 * 0.5 * 6 / (1e-3 * (1 - 1 / 16)))


def test_the_rungs_left_follow_the_ladder_rule_with_faults_falling_with_the_scale():
    # SI1000 d = 19, p = 0.1%, seed 1: its rung 1 at scale 4.003 had 240 mean faults and was
    # followed by 12 more rungs (13 with itself); the rule holding the faults at 240 said 16.5.
    from types import SimpleNamespace

    from qec.sampling._splitting_ladder import _Ladder, _Rung

    def left(scale, faults):
        rung = _Rung(level=1, scale=scale, members=[np.zeros(0, np.int64)] * 2)
        rung.traces.append(np.full((400, 2), faults))
        return _Ladder._remaining_rungs(SimpleNamespace(step=2.0), rung)

    assert left(4.003, 240) == pytest.approx(
        2 + 2 * math.sqrt(240) * (1 - 4.003 ** -0.5) / (2 * math.log(2)))
    assert 12.5 < left(4.003, 240) < 14.0
    assert left(1.0, 70) == 1.0  # the last rung is only itself


def test_a_rungs_goal_counts_each_rung_twice_until_the_ladder_shows_more():
    # _rung_goal on a ladder state given by hand: a budget of 0.016 (0.015 for the rungs),
    # 3 rungs to go, rung variances summing to `used` and a ladder variance of `ladder`.
    from types import SimpleNamespace

    from qec.sampling._splitting_ladder import _Ladder

    def goal(used, ladder):
        state = SimpleNamespace(variance_goal=0.016, variance_used=used,
                                _remaining_rungs=lambda rung: 3.0,
                                _ladder_variance=lambda: ladder)
        return _Ladder._rung_goal(state, None)

    # Nothing measured yet: the budget shared by 3 rungs, each counted twice.
    assert goal(0.0, 0.0) == pytest.approx(0.015 / 3 / 2)
    # Ratios that looked independent so far (ladder = sum) do not halve the excess.
    assert goal(0.003, 0.003) == pytest.approx((0.015 - 0.003) / 3 / 2)
    # A larger observed excess is used.
    assert goal(0.002, 0.006) == pytest.approx((0.015 - 0.006) / 3 / 3)


def test_direct_when_the_rate_is_large():
    estimate = estimate_rare_error(task_of(5, 0.2), workers=1, seed=1, chains=64)
    exact = exact_tail(5, 0.2)
    assert estimate.method == "direct" and estimate.rungs[0].scale == 1.0
    interval = estimate.logical_error_per_shot
    assert interval.low <= exact <= interval.high


def test_bad_input_is_refused_with_the_value():
    task = task_of(9, 0.03)
    with pytest.raises(ValueError, match=r"relative_error=0.001 must be in \[0.01, 10\]"):
        estimate_rare_error(task, relative_error=0.001)
    with pytest.raises(ValueError, match=r"relative_error=20.0 must be in"):
        estimate_rare_error(task, relative_error=np.float64(20))
    with pytest.raises(ValueError, match="chains=40 must be a multiple of groups=16"):
        estimate_rare_error(task, chains=40)
    with pytest.raises(ValueError, match="has no OBSERVABLE_INCLUDE"):
        Task(circuit=stim.Circuit("X_ERROR(0.1) 0\nM 0\nDETECTOR rec[-1]"),
             decoder="pymatching")


def test_a_ladder_that_cannot_start_is_an_error():
    # The observable is a qubit no error touches: the decoder never fails.
    circuit = stim.Circuit("X_ERROR(0.01) 0\nM 0 1\nDETECTOR rec[-2]\n"
                           "OBSERVABLE_INCLUDE(0) rec[-1]")
    task = Task(circuit=circuit, decoder="pymatching")
    with pytest.raises(ValueError, match="the ladder cannot start"):
        estimate_rare_error(task, workers=1)


def test_a_decoder_too_slow_for_the_time_limit_is_refused_up_front():
    with pytest.raises(ValueError, match="too slow for time_limit"):
        estimate_rare_error(task_of(19, 0.01), workers=1, time_limit=1e-4)


def test_the_stored_task_names_the_method():
    stored = splitting_task(task_of(9, 0.03), seed=1, chains=64, groups=16)
    assert stored.json_metadata["estimator"] == "splitting"
    assert stored.strong_id != task_of(9, 0.03).strong_id


def _ladder_for_check(time_limit: float, pivots: bool = False):
    from qec.sampling._splitting_ladder import _Ladder
    return _Ladder(task_of(19, 0.01), store=None, seed=0, chains=128, groups=16,
                   relative_error=0.3, confidence=0.95, step=2.0, min_iterations=400,
                   max_iterations=20_000, round_iterations=100, executor_factory=lambda: None,
                   time_limit=time_limit, progress=None, pivots=pivots)


@pytest.mark.parametrize("pivots", [False, True])
def test_the_up_front_check_prices_a_call_at_the_pilots_measured_work(pivots):
    # The floor: (1 + log2(s) sqrt(w)) rungs x 128 chains x 400 iterations (800 with pivots:
    # 400 discarded, 400 kept) x 0.8 calls, each at the pilot's per-shot work; refused only
    # above twice the limit.
    probe = _ladder_for_check(1.0)
    scale = 4.0
    rungs = 1 + 2 * math.sqrt(max(probe.model.expected_faults(scale), 1.0))
    floor = rungs * 128 * (800 if pivots else 400) * 0.8 * 1e-6  # at 1 us a call, one worker
    below = _ladder_for_check(floor / 2 * 1.01, pivots)
    below.pilot_seconds_per_shot = 1e-6
    below._check_time(scale)  # just under twice the limit: accepted
    above = _ladder_for_check(floor / 2 * 0.99, pivots)
    above.pilot_seconds_per_shot = 1e-6
    with pytest.raises(ValueError, match=r"too slow for time_limit=.* about 1 us per shot"):
        above._check_time(scale)


def test_the_pilots_seconds_per_shot_leave_the_setup_out():
    from qec.sampling._splitting_kernel import SeedWork
    from qec.sampling._worker import TaskPayload, WorkerState

    task = task_of(11, 0.05)
    payload = TaskPayload(strong_id="t", circuit_text=str(task.circuit), decoder_name="pymatching")
    result = WorkerState().run(SeedWork(0, "t", 1.0, 5, 256, 0), payload)
    assert result.error is None and result.shots == 256
    # The first call compiles the model, its decoder and the sampler: all in ``seconds``,
    # none in ``work_seconds``.
    assert 0 < result.work_seconds < result.seconds


def _enumerated(context):
    """Every configuration of a small model, and which of them fail."""
    model = context.model
    configurations = np.array(list(itertools.product([0, 1], repeat=model.num_mechanisms)),
                              dtype=bool)
    fails = context.failing(*model.symptoms([np.flatnonzero(c) for c in configurations]))
    return configurations, fails


def _exact_derivative(context, configurations, fails, scale):
    """``d ln P / d ln s`` by enumeration: ``E[|E|] - sum p`` over the failing set."""
    odds = scale * context.model.odds
    log_w = configurations @ np.log(odds)
    weights = np.exp(log_w[fails] - log_w[fails].max())
    sizes = configurations[fails].sum(axis=1)
    return float(weights @ sizes / weights.sum() - (odds / (1 + odds)).sum())


def test_the_pivots_give_the_exact_derivative_of_ln_p():
    # A d = 5 repetition code over one round with measurement errors: 14 mechanisms.
    circuit = stim.Circuit.generated("repetition_code:memory", distance=5, rounds=1,
                                     before_round_data_depolarization=0.03,
                                     before_measure_flip_probability=0.01)
    context = ChainContext(str(circuit), "pymatching")
    model = context.model
    configurations, fails = _enumerated(context)
    index = {c.tobytes(): k for k, c in enumerate(configurations)}
    for scale in (3.0, 1.0):
        exact = _exact_derivative(context, configurations, fails, scale)
        # The identity, configuration by configuration: E[D] over the failing set is exact.
        p = scale * model.odds / (1 + scale * model.odds)
        odds = scale * model.odds
        log_w = configurations @ np.log(odds)
        weights = np.exp(log_w - log_w[fails].max()) * fails
        pivots = np.zeros(len(configurations))
        for k in np.flatnonzero(fails):
            for i in range(model.num_mechanisms):
                flipped = configurations[k].copy()
                flipped[i] ^= True
                if not fails[index[flipped.tobytes()]]:
                    pivots[k] += 1 - p[i] if configurations[k, i] else -p[i]
        assert weights @ pivots / weights.sum() == pytest.approx(exact, abs=1e-12)
        # The chains' estimate: removal sums at snapshots less the cure per addition draw.
        members = [np.flatnonzero(c) for c in configurations[fails][:128]]
        removal, cure, draws = [], np.zeros(128), np.zeros(128)
        rng = np.random.default_rng(4)
        for round_index in range(40):
            result = run_chains(context, scale=scale, members=members, iterations=50,
                                seed=(7, round_index), block=0.1, pivots=True)
            members = [np.asarray(m) for m in
                       np.split(result.flat, np.cumsum(result.lengths)[:-1])]
            if round_index >= 4:  # burn-in
                removal.append(removal_pivots(context, members, scale, rng)[0])
                cure += result.cure
                draws += result.add_draws
        group = (np.mean(removal, axis=0).reshape(16, 8).mean(axis=1)
                 - cure.reshape(16, 8).sum(axis=1) / draws.reshape(16, 8).sum(axis=1))
        error = group.std(ddof=1) / 4
        assert abs(group.mean() - exact) < 4 * error, (scale, group.mean(), exact, error)
        assert error < 0.02


def test_removal_pivots_match_removing_every_fault(monkeypatch):
    # SD6 d = 5 surface code over 3 rounds (84 detectors, not a multiple of 8), at scale 3.
    task = memory_task(code="surface", distance=5, rounds=3, basis="Z", noise="sd6", p=0.003)
    context = ChainContext(str(task.circuit), task.decoder)
    model = context.model
    sampler = context.sampler(3.0, seed=5)
    dets, obs, errors = sampler.sample(4000, bit_packed=False, return_errors=True)
    failing = np.flatnonzero(context.failing(dets.astype(np.uint8), obs.astype(np.uint8)))
    members = [np.flatnonzero(errors[k]) for k in failing[:12]]
    assert len(members) == 12
    p = 3.0 * model.odds / (1 + 3.0 * model.odds)
    brute = []
    for chosen in members:
        rest = [np.delete(chosen, k) for k in range(len(chosen))]
        passes = ~context.failing(*model.symptoms(rest))
        brute.append(float((1 - p[chosen[passes]]).sum()))
    # Everything decoded: the same numbers exactly.
    every, calls = removal_pivots(context, members, 3.0, np.random.default_rng(1), sample=1.0)
    assert every.tolist() == pytest.approx(brute, abs=1e-12)
    assert calls == sum(len(m) for m in members)
    # The unlikely ones at a sixteenth: fewer decodes, the same mean (Horvitz-Thompson).
    rng = np.random.default_rng(2)
    draws = [removal_pivots(context, members, 3.0, rng) for _ in range(300)]
    values = np.asarray([d[0] for d in draws])
    assert np.mean([d[1] for d in draws]) < 0.7 * calls
    spread = values.std(axis=0, ddof=1) / math.sqrt(len(values))
    assert np.all(np.abs(values.mean(axis=0) - brute) <= 4 * spread + 1e-12)
    # Unlikely pivots are rare (none here), so the lines above barely test the weighting:
    # with every fault called unlikely, the pivots themselves are drawn at a sixteenth.
    monkeypatch.setattr(kernel, "_unlikely_pivots",
                        lambda model, chosen, events, pairs: np.ones(len(chosen), bool))
    draws = [removal_pivots(context, members, 3.0, rng) for _ in range(2000)]
    values = np.asarray([d[0] for d in draws])
    assert np.mean([d[1] for d in draws]) < 0.1 * calls
    assert values.std(axis=0).min() > 0  # the draws do vary
    spread = values.std(axis=0, ddof=1) / math.sqrt(len(values))
    assert np.all(np.abs(values.mean(axis=0) - brute) <= 4 * spread)


def test_the_quadrature_error_is_simpsons_less_the_trapezoid():
    # f = 2 + u^2 on rungs at unequal steps: Simpson is exact for it, so the estimate is the
    # trapezoid's true error over the pairs of steps.
    ladder = _Ladder.__new__(_Ladder)
    scales = [4.0, 3.1, 2.2, 1.7, 1.0]
    ladder.scales = dict(enumerate(scales))
    ladder.derivatives = {k: np.full(4, 2 + math.log(s) ** 2) for k, s in enumerate(scales)}
    u = [math.log(s) for s in scales]
    exact = (u[0] ** 3 - u[4] ** 3) / 3 + 2 * (u[0] - u[4])
    trapezoid = sum((u[j] - u[j + 1]) * (4 + u[j] ** 2 + u[j + 1] ** 2) / 2 for j in range(4))
    assert ladder._quadrature_error() == pytest.approx(exact - trapezoid, rel=1e-9)
    assert abs(exact - trapezoid) > 1e-3  # the test can fail


def test_without_pivots_the_ladder_is_bennetts_and_another_task():
    task = task_of(9, 0.03)
    with_pivots = estimate_rare_error(task, workers=1, seed=1, chains=64, groups=16,
                                      relative_error=0.5)
    without = estimate_rare_error(task, workers=1, seed=1, chains=64, groups=16,
                                  relative_error=0.5, pivots=False)
    assert with_pivots.second_opinion is not None and without.second_opinion is None
    assert without.integration == "bennett"
    assert with_pivots.strong_id != without.strong_id
    assert all(r.derivative is None for r in without.rungs)
    assert all(r.derivative is not None for r in with_pivots.rungs)
    exact = exact_tail(9, 0.03)
    # All three hold the exact tail at 99.9% (a 95% interval misses it one time in 20, and
    # one of three one time in 7): the log distance within t_15(0.9995) / t_15(0.975) = 1.9
    # half-widths of the 95% interval (Student's, with the 16 groups' 15 degrees of freedom).
    for interval in (with_pivots.logical_error_per_shot, with_pivots.second_opinion,
                     without.logical_error_per_shot):
        half = (math.log(interval.high) - math.log(interval.low)) / 2
        assert abs(math.log(interval.estimate / exact)) <= (
            stdtrit(15, 0.9995) / stdtrit(15, 0.975) * half)
    assert "second_opinion_per_shot_ci" in with_pivots.to_json()


def test_the_burn_in_rounds_pivots_are_not_decoded_and_the_numbers_do_not_change(monkeypatch):
    # A round that starts inside a rung's least burn-in (min_iterations, with pivots) is
    # discarded whatever the rung's length, unless the rung may end with it (with these
    # options it may not: the rounds end before min_iterations beyond the burn-in), so its
    # final configurations' removal sums are left undecoded (NaN). Decoding them anyway
    # must change nothing but the decoder calls.
    from qec.sampling._splitting_ladder import _Ladder

    task = memory_task(code="surface", distance=5, rounds=3, basis="Z", noise="sd6", p=0.0007)
    options = dict(workers=1, seed=2, chains=64, groups=16, relative_error=0.5,
                   min_iterations=60, round_iterations=20)
    rounds = []
    original = _Ladder.finish_rung

    def spy(self, rung, previous):
        rounds.append((rung.level, [bool(np.isnan(r).any()) for r in rung.removal],
                       rung.iterations - len(rung.kept())))
        return original(self, rung, previous)

    monkeypatch.setattr(_Ladder, "finish_rung", spy)
    lean = estimate_rare_error(task, **options)
    assert lean.method == "splitting" and len(rounds) >= 3
    for level, undecoded, burn_in in rounds:
        expected = [level > 0 and 20 * r < 60 for r in range(len(undecoded))]
        assert undecoded == expected
        assert burn_in >= 60 * (level > 0)
    monkeypatch.setattr(_Ladder, "finish_rung", original)
    run_in = kernel.ChainWork.run_in
    monkeypatch.setattr(kernel.ChainWork, "run_in",
                        lambda self, state: run_in(dataclasses.replace(self, snapshot=True),
                                                   state))
    every = estimate_rare_error(task, **options)
    for a, b in ((lean.logical_error_per_shot, every.logical_error_per_shot),
                 (lean.second_opinion, every.second_opinion)):
        assert (a.estimate, a.low, a.high) == (b.estimate, b.low, b.high)
    assert [r.derivative for r in lean.rungs] == [r.derivative for r in every.rungs]
    assert lean.decoder_calls < every.decoder_calls
