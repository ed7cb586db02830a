"""Series identity: points that differ in anything but the axes are never blended; points of
other estimators bring their own intervals into fits and figures."""

import json
import math

import numpy as np
import pytest

from qec.analysis import Point, fit_threshold, logical_error, merge_points, split_series
from qec.cli import main
from qec.data import TaskStats, binomial_interval
from qec.plotting import plot_threshold, save_figure
from qec.sampling import memory_task
from qec.store import ResultStore
from tests.analysis.synthetic import synthetic_sweep


def _stats(i, **metadata):
    base = {"code": "surface", "distance": 3, "rounds": 3, "p": 0.01, "noise": "si1000",
            "basis": "Z", "decoder": "pymatching"}
    return TaskStats(strong_id=f"t{i}", decoder="pymatching", json_metadata={**base, **metadata},
                     shots=100, errors=5)


@pytest.mark.parametrize("extra", [
    {"leakage": 0.001}, {"leakage_removal": "dqlr", "leakage": 0.001}, {"rounds_rule": "3d"},
    {"basis": "X"}, {"noise": "sd6"}, {"code": "unrotated-surface"}, {"study": "mine"},
])
def test_any_other_metadata_value_makes_another_series(extra):
    plain = [_stats(0), _stats(1, distance=5), _stats(2, p=0.02, rounds=5)]
    other = [_stats(10, **extra), _stats(11, distance=5, **extra)]
    groups = split_series(plain + other)
    assert len(groups) == 2
    assert sorted(len(items) for items in groups.values()) == [2, 3]


def test_axes_do_not_split_series():
    items = [_stats(0), _stats(1, distance=5, rounds=5), _stats(2, p=0.02)]
    sinter_style = [TaskStats(strong_id=f"s{i}", decoder="pymatching",
                              json_metadata={"d": d, "r": d, "p": 0.01}, shots=10, errors=1)
                    for i, d in enumerate((3, 5))]
    assert len(split_series(items)) == 1
    assert len(split_series(sinter_style)) == 1


def test_aliases_make_one_task_and_one_series():
    a = memory_task(code="surface", distance=3, rounds=3, basis="Z", noise="si1000", p=0.002)
    b = memory_task(code="rotated_surface", distance=3, rounds=3, basis="Z", noise="SI1000",
                    p=0.002, decoder="PyMatching")
    assert a.strong_id == b.strong_id and b.json_metadata["code"] == "surface"
    spec = memory_task(code="surface:distance=3", distance=3, rounds=3, basis="Z",
                       noise="si1000", p=0.002)
    assert spec.strong_id == a.strong_id
    toric = memory_task(code="toric", distance=3, rounds=3, basis="Z", noise="sd6", p=0.002,
                        decoder="bposd")
    assert toric.json_metadata["num_observables"] == 2 and toric.num_observables == 2


def test_a_leaky_and_a_plain_sweep_in_one_database_are_fitted_as_two_series(tmp_path, capsys):
    db = tmp_path / "t.db"
    common = ["threshold", "--distances", "3,5", "--p", "0.004,0.008", "--max-shots", "2048",
              "--db", str(db), "--out", str(tmp_path), "--quiet", "--seed", "1"]
    assert main(common) == 0
    assert main([*common, "--leakage", "0.01"]) == 0
    assert main([*common, "--rounds", "3d"]) == 0
    capsys.readouterr()
    assert main(["fit", "--db", str(db), "--json"]) == 0
    series = json.loads(capsys.readouterr().out)["series"]
    assert len(series) == 3
    keys = [s["series"] for s in series]
    assert sum("leakage" in k and k["leakage"] == 0.01 for k in keys) == 1
    assert sum(k.get("rounds_rule") == "3d" for k in keys) == 1
    assert sum(k.get("leakage") is None and k.get("rounds_rule") is None for k in keys) == 1
    labels = [s["label"] for s in series]
    assert len(set(labels)) == 3


def _weighted_stats(i, *, distance, p, estimate, relative_sigma, shots=10_000):
    # sums that give the estimate with the standard error estimate * relative_sigma
    mean = estimate
    variance_of_mean = (mean * relative_sigma) ** 2
    second_moment = variance_of_mean * (shots - 1) + mean**2
    return TaskStats(strong_id=f"w{i}", decoder="importance", shots=shots, errors=shots // 10,
                     json_metadata={"code": "surface", "distance": distance, "rounds": distance,
                                    "p": p, "estimator": "weighted"},
                     sums={"weight": mean * shots, "weight_sq": second_moment * shots})


def test_weighted_points_bring_their_own_interval():
    stats = _weighted_stats(0, distance=11, p=0.001, estimate=2e-9, relative_sigma=0.05)
    interval = stats.logical_error()
    assert interval.estimate == pytest.approx(2e-9)
    assert interval.half_width == pytest.approx(1.96 * 0.05 * 2e-9, rel=1e-3)
    [point] = merge_points([stats])
    assert point.interval == interval
    assert logical_error(point, quantity="per_shot") == interval
    # The effective counts carry the same estimate and standard error into the fits.
    assert point.errors / point.shots == pytest.approx(2e-9, rel=1e-3)
    assert math.sqrt(point.errors) / point.shots == pytest.approx(0.05 * 2e-9, rel=0.01)
    with pytest.raises(ValueError, match=r"has its own interval .* cannot be merged"):
        merge_points([stats, stats])


def test_estimated_points_are_stored_resumed_fitted_and_plotted(tmp_path):
    # Synthetic data from a scaling form, stored as if from a weighted estimator.
    points = synthetic_sweep(threshold=0.1, nu=1.5, distances=(5, 7, 9),
                             ps=np.linspace(0.09, 0.11, 7), shots=20_000, seed=3)
    path = tmp_path / "w.db"
    with ResultStore(path, create=True) as store:
        for i, pt in enumerate(points):
            rate = pt.errors / pt.shots
            sigma = math.sqrt(rate * (1 - rate) / pt.shots)
            stats = _weighted_stats(i, distance=pt.distance, p=pt.physical_error_rate,
                                    estimate=rate, relative_sigma=sigma / rate)
            half = TaskStats(strong_id=stats.strong_id, decoder=stats.decoder,
                             json_metadata=stats.json_metadata, shots=stats.shots // 2,
                             errors=stats.errors // 2,
                             sums={k: v / 2 for k, v in stats.sums.items()})
            store.add_stats([half, half])  # two batches: sums add up like counts
        stored = store.read_stats()
    assert all(s.estimator == "weighted" for s in stored)
    weighted_fit = fit_threshold(stored, quantity="per_shot", seed=1)
    binomial_fit = fit_threshold(points, quantity="per_shot", seed=1)
    assert weighted_fit.threshold == pytest.approx(binomial_fit.threshold, rel=0.02)
    ax = plot_threshold(stored, quantity="per_shot", threshold=weighted_fit)
    out = save_figure(ax, tmp_path / "w.png")
    assert out.stat().st_size > 10_000


def test_points_keep_their_observables_through_merging():
    a = Point(distance=3, rounds=3, physical_error_rate=0.01, shots=100, errors=10,
              num_observables=2)
    [merged] = merge_points([a, a])
    assert merged.num_observables == 2 and merged.shots == 200
    expected = binomial_interval(errors=20, shots=200).per_round(rounds=3, values=2)
    assert logical_error(merged, quantity="per_round") == expected
    with pytest.raises(ValueError, match="different numbers of observables"):
        merge_points([a, Point(distance=3, rounds=3, physical_error_rate=0.01, shots=1,
                               errors=0)])
    assert np.isfinite(expected.estimate)
