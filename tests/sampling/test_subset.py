"""Subset simulation: the complementary-gap score against brute force, exact binomial tails,
the store and resume, equality across worker counts, bad input."""

import itertools
import math

import numpy as np
import pymatching
import pytest
import stim

from qec.cli import main
from qec.data import Task
from qec.decoders import detector_error_model_for_circuit
from qec.sampling import estimate_subset, memory_task
from qec.sampling._splitting_kernel import MechanismModel
from qec.sampling._subset import subset_task
from qec.sampling._subset_kernel import TIE_WIDTH, GapScore, run_subset
from qec.store import ResultStore
from tests.sampling.test_splitting import exact_tail, repetition_code_capacity, task_of


def brute_force_gaps(dem: stim.DetectorErrorModel, dets: np.ndarray, obs: np.ndarray):
    """For each shot, the lightest correction of each class, by enumerating every edge set of
    PyMatching's graph (a few edges only)."""
    edges = pymatching.Matching.from_detector_error_model(dem).edges()
    best: dict[tuple[tuple[int, ...], int], float] = {}
    for chosen in itertools.product((0, 1), repeat=len(edges)):
        syndrome = np.zeros(dem.num_detectors, dtype=np.uint8)
        flip, weight = 0, 0.0
        for on, (u, v, attrs) in zip(chosen, edges, strict=True):
            if on:
                syndrome[u] ^= 1
                if v is not None:
                    syndrome[v] ^= 1
                flip ^= 1 if 0 in attrs["fault_ids"] else 0
                weight += attrs["weight"]
        key = (tuple(syndrome), flip)
        best[key] = min(best.get(key, math.inf), weight)
    gaps = []
    for row, o in zip(dets, obs[:, 0], strict=True):
        own = best.get((tuple(row), int(o)), math.inf)
        other = best.get((tuple(row), 1 - int(o)), math.inf)
        gaps.append(own - other)
    return np.array(gaps)


@pytest.mark.parametrize("distance", [3, 5, 6])
def test_the_gap_is_the_brute_force_difference_of_the_two_classes(distance):
    # Phenomenological repetition code: 2 rounds, so the graph has space and time edges and
    # a boundary at each end; 6 bits make a detector count that is no multiple of 8.
    circuit = stim.Circuit.generated("repetition_code:memory", distance=distance, rounds=2,
                                     before_round_data_depolarization=0.08,
                                     before_measure_flip_probability=0.05)
    dem = detector_error_model_for_circuit(circuit)
    if len(pymatching.Matching.from_detector_error_model(dem).edges()) > 18:
        dem = detector_error_model_for_circuit(repetition_code_capacity(distance + 2, 0.1))
    model = MechanismModel.from_dem(dem)
    rng = np.random.default_rng(distance)
    configs = [np.flatnonzero(rng.random(model.num_mechanisms) < 0.3) for _ in range(300)]
    dets, obs = model.symptoms(configs)
    gap, fails = GapScore(dem).evaluate(dets, obs)
    expected = brute_force_gaps(dem, dets, obs)
    np.testing.assert_allclose(gap, expected, atol=1e-3)  # PyMatching's integer weights
    direct = pymatching.Matching.from_detector_error_model(dem).decode_batch(dets)
    np.testing.assert_array_equal(fails, direct[:, 0] != obs[:, 0])
    assert np.all(gap[fails] >= -TIE_WIDTH) and np.all(gap[~fails] <= TIE_WIDTH)


def test_the_gap_decides_pymatchings_failures_on_a_surface_code():
    task = memory_task(code="surface", distance=5, rounds=5, basis="Z", noise="si1000",
                       p=0.004)
    dem = detector_error_model_for_circuit(task.circuit)
    dets, obs = dem.compile_sampler(seed=3).sample(3000)[:2]
    gap, fails = GapScore(dem).evaluate(dets.astype(np.uint8), obs.astype(np.uint8))
    direct = pymatching.Matching.from_detector_error_model(dem).decode_batch(dets)
    np.testing.assert_array_equal(fails, direct[:, 0] != obs[:, 0])
    assert fails.sum() > 20
    assert np.all(gap[fails] >= -TIE_WIDTH) and np.all(gap[~fails] <= TIE_WIDTH)


def test_a_model_that_is_not_a_cut_is_refused():
    dem = stim.DetectorErrorModel("error(0.1) D0 D1 L0\nerror(0.1) D1 D2\nerror(0.1) D0 D2\n"
                                  "error(0.1) D0")
    with pytest.raises(ValueError, match="not a cut"):
        GapScore(dem)
    two = stim.DetectorErrorModel("error(0.1) D0 L0\nerror(0.1) D0 L1")
    with pytest.raises(ValueError, match="one observable, not 2"):
        GapScore(two)
    none = stim.DetectorErrorModel("error(0.1) D0\nerror(0.1) D0 D1\nlogical_observable L0")
    with pytest.raises(ValueError, match="impossible"):
        GapScore(none)


@pytest.mark.parametrize(("distance", "p", "seed"), [(9, 0.03, 1), (21, 0.015, 2), (21, 0.012, 3)])
def test_binomial_tails_down_to_1e_minus_15_inside_the_interval(distance, p, seed):
    exact = exact_tail(distance, p)
    estimate = estimate_subset(task_of(distance, p), workers=1, seed=seed, samples=200,
                               steps=8, min_replicates=16, max_replicates=16,
                               relative_error=10, confidence=0.999)
    interval = estimate.logical_error_per_shot
    assert estimate.complete and estimate.method == "subset" and estimate.replicates == 16
    assert interval.low <= exact <= interval.high, (exact, interval)
    assert interval.high / interval.estimate < 6  # a 99.9% interval from 16 replicates
    # The deep case's chains barely move between the discrete levels of |E| (the lineage and
    # acceptance warnings say so), yet the interval covers; the score never contradicts the
    # decoder and the replicates agree with each other.
    assert not [w for w in estimate.warnings if "negative gap" in w or "halves" in w]
    assert len(estimate.levels) >= 3


def test_the_deepest_case_is_below_1e_minus_15():
    assert exact_tail(21, 0.015) < 1e-14
    assert exact_tail(21, 0.012) < 1e-15  # 2.3e-16


def test_a_replicate_reaches_the_failure_event_with_exact_level_fractions():
    dem = detector_error_model_for_circuit(repetition_code_capacity(11, 0.05))
    run = run_subset(dem, samples=100, fraction=0.1, seed=4, steps=4)
    assert run.complete and run.tie_violations == 0
    # Every level but the last passes exactly 10 of 100: ln P = (levels - 1) ln 0.1 + ln f.
    assert run.log_probability == pytest.approx((run.levels - 1) * math.log(0.1)
                                                + math.log(run.final_fraction))
    assert run.final_fraction >= 0.1
    assert run.thresholds == sorted(run.thresholds)


def test_the_result_does_not_depend_on_the_worker_count():
    task = task_of(13, 0.03)
    options = dict(seed=5, samples=100, steps=4, min_replicates=6, max_replicates=6,
                   relative_error=10)
    one = estimate_subset(task, workers=1, **options)
    two = estimate_subset(task, workers=2, **options)
    assert one.logical_error_per_shot == two.logical_error_per_shot
    assert one.decoder_calls == two.decoder_calls and one.levels == two.levels


def test_store_resume_and_readback_give_the_uninterrupted_numbers(tmp_path):
    task = task_of(13, 0.03)
    options = dict(workers=1, seed=9, samples=100, steps=4, relative_error=10)
    whole = estimate_subset(task, db=tmp_path / "whole.db", min_replicates=8,
                            max_replicates=8, **options)
    path = tmp_path / "resumed.db"
    first = estimate_subset(task, db=path, min_replicates=5, max_replicates=5, **options)
    assert first.replicates == 5
    resumed = estimate_subset(task, db=path, min_replicates=8, max_replicates=8, **options)
    assert resumed.replicates == 8
    assert resumed.logical_error_per_shot == whole.logical_error_per_shot
    assert resumed.decoder_calls == whole.decoder_calls
    # The workers' seconds of all eight replicates, five of them from the store.
    assert first.worker_seconds > 0 and resumed.worker_seconds > 0
    assert resumed.total_worker_seconds == pytest.approx(
        first.worker_seconds + resumed.worker_seconds, rel=1e-9)
    with ResultStore(path, read_only=True) as store:
        [stats] = store.read_stats(estimator="subset")
        assert len(store.read_checkpoints(stats.strong_id)) == 8
    assert stats.json_metadata["subset"] == {"seed": 9, "samples": 100, "fraction": 0.1,
                                             "steps": 4}
    interval = stats.logical_error()
    expected = whole.logical_error_per_shot
    assert (interval.estimate, interval.low, interval.high) == pytest.approx(
        (expected.estimate, expected.low, expected.high), rel=1e-9)
    assert stats.errors == 0 and stats.shots == whole.decoder_calls
    # Fewer replicates asked than stored: the stored ones are used, no work is done.
    again = estimate_subset(task, db=path, min_replicates=4, max_replicates=8, **options)
    assert again.replicates == 8 and again.logical_error_per_shot == expected


def test_incomplete_when_the_time_limit_stops_it(tmp_path):
    # A limit already passed when the first replicate would start: nothing runs.
    estimate = estimate_subset(task_of(9, 0.03), workers=1, seed=1, samples=100, steps=2,
                               min_replicates=4, time_limit=1e-9, db=tmp_path / "r.db")
    assert not estimate.complete and estimate.logical_error_per_shot is None
    assert any("incomplete" in w for w in estimate.warnings)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fraction": 0.7}, "fraction=0.7 must be a number in"),
    ({"fraction": np.float64(0.0)}, "fraction=0.0 must be a number in"),
    ({"samples": 105}, "samples=105 times fraction=0.1 must be a whole number"),
    ({"steps": 0}, "steps"),
    ({"min_replicates": 2}, "min_replicates"),
    ({"relative_error": 0.001}, "relative_error=0.001 must be in"),
    ({"relative_error": "big"}, "relative_error='big' must be a number"),
])
def test_bad_input_is_refused_with_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        estimate_subset(task_of(9, 0.03), **kwargs)


def test_other_decoders_are_refused():
    task = Task(circuit=repetition_code_capacity(9, 0.03), decoder="tesseract",
                json_metadata={"rounds": 1})
    with pytest.raises(ValueError, match=r"decoder='tesseract'.*PyMatching"):
        estimate_subset(task)


def test_the_stored_task_names_the_method():
    stored = subset_task(task_of(9, 0.03), seed=2, samples=100, fraction=0.1, steps=4)
    assert stored.json_metadata["estimator"] == "subset"
    assert stored.strong_id != subset_task(task_of(9, 0.03), seed=3, samples=100,
                                           fraction=0.1, steps=4).strong_id


def _small_run(db, *tail: str) -> list[str]:
    """``qec lowrate --method subset`` on a small repetition code, seeded, into ``db``."""
    return ["lowrate", "--method", "subset", "--code", "repetition", "--distance", "7",
            "--rounds", "2", "--noise", "code-capacity", "--p", "0.03", "--samples", "100",
            "--steps", "4", "--replicates", "4", "--relative-error", "10", "--workers", "1",
            "--seed", "3", "--db", str(db), *tail]


def test_the_command_line_runs_resumes_and_restarts(tmp_path, capsys):
    db = tmp_path / "low.db"
    args = _small_run(db, "--json")
    assert main(args) == 0
    import json

    first = json.loads(capsys.readouterr().out)
    assert first["method"] == "subset" and first["replicates"] >= 4 and first["levels"]
    assert main(args) == 0  # stored: read back, nothing run
    again = json.loads(capsys.readouterr().out)
    assert again["logical_error_per_shot"] == first["logical_error_per_shot"]
    assert main([*args, "--restart"]) == 0
    restarted = json.loads(capsys.readouterr().out)
    assert restarted["logical_error_per_shot"] == first["logical_error_per_shot"]
    with ResultStore(db, read_only=True) as store:
        [stats] = store.read_stats(estimator="subset")
        assert len(store.read_checkpoints(stats.strong_id)) == first["replicates"]
    # Exported, the estimate is marked as one, never passed off as counts sinter would fit.
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "s.csv")]) == 0
    import sinter

    [row] = sinter.read_stats_from_csv_files(tmp_path / "s.csv")
    assert row.shots == 0 and row.json_metadata["estimator"] == "subset"
    marked = row.json_metadata["estimated"]
    assert marked["logical_error_per_shot"] == pytest.approx(first["logical_error_per_shot"])
    assert marked["interval"] == pytest.approx(first["logical_error_per_shot_ci"])
    # A checkpoint deleted by hand: the rows and the checkpoints disagree, and the store names
    # the task instead of summing what is left.
    import sqlite3

    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM checkpoints WHERE level = 1")
    with pytest.raises(ValueError, match="stored inconsistently"):
        ResultStore(db, read_only=True).read_stats()


@pytest.mark.parametrize(("extra", "message"), [
    (["--decoder", "tesseract"], "--decoder=tesseract: --method subset"),
    (["--samples", "55"], "--samples=55 must be a multiple of 10"),
    (["--replicates", "2"], "--replicates=2 must be at least 4"),
])
def test_the_command_line_refuses_bad_options_in_one_line(tmp_path, capsys, extra, message):
    code = main(["lowrate", "--method", "subset", "--code", "repetition", "--distance", "7",
                 "--noise", "code-capacity", "--p", "0.03", "--db", str(tmp_path / "x.db"),
                 *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_bad_subset_options_are_refused_before_restart_discards_anything(tmp_path, capsys):
    db = tmp_path / "low.db"
    args = _small_run(db, "--quiet")
    assert main(args) == 0
    assert main([*args, "--restart", "--replicates", "2"]) == 2
    assert "--replicates=2 must be at least 4" in capsys.readouterr().err
    with ResultStore(db, read_only=True) as store:
        [stats] = store.read_stats(estimator="subset")
        assert len(store.read_checkpoints(stats.strong_id)) >= 4
