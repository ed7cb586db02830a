import dataclasses

import pytest
import sinter
import stim

from qec.analysis import binomial_interval, per_round_error
from qec.sampling import Task, TaskStats, memory_task
from tests.sampling.sampling_circuits import repetition_task, three_qubit_circuit


def test_strong_id_is_a_content_hash():
    task = repetition_task(p=0.05)
    same = repetition_task(p=0.05)
    assert task.strong_id == same.strong_id and task == same and hash(task) == hash(same)
    assert len(task.strong_id) == 64
    other_metadata = Task(circuit=task.circuit, decoder="pymatching",
                          json_metadata={**task.json_metadata, "note": 1})
    other_decoder = Task(circuit=task.circuit, decoder="pymatching-correlated",
                         json_metadata=task.json_metadata)
    other_circuit = repetition_task(p=0.06)
    ids = {t.strong_id for t in (task, other_metadata, other_decoder, other_circuit)}
    assert len(ids) == 4


def test_strong_id_ignores_metadata_key_order():
    circuit = three_qubit_circuit()
    a = Task(circuit=circuit, decoder="pymatching", json_metadata={"a": 1, "b": 2})
    b = Task(circuit=circuit, decoder="pymatching", json_metadata={"b": 2, "a": 1})
    assert a.strong_id == b.strong_id


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"circuit": "M 0", "decoder": "pymatching"}, "must be a stim.Circuit"),
        ({"circuit": stim.Circuit("M 0"), "decoder": "pymatching"}, "no OBSERVABLE_INCLUDE"),
        ({"circuit": three_qubit_circuit(), "decoder": ""}, "decoder='' must be a non-empty"),
        ({"circuit": three_qubit_circuit(), "decoder": "pymatching",
          "json_metadata": {"x": object()}}, "must be JSON-serializable"),
        ({"circuit": three_qubit_circuit(), "decoder": "pymatching", "json_metadata": [1]},
         "must be a dict"),
    ],
)
def test_task_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Task(**kwargs)


def test_memory_task_metadata_and_circuit():
    task = memory_task(code="surface", distance=3, rounds=2, basis="X", noise="sd6", p=0.001)
    assert task.json_metadata == {"code": "surface", "distance": 3, "rounds": 2, "basis": "X",
                                  "noise": "sd6", "p": 0.001, "decoder": "pymatching"}
    assert task.circuit.num_observables == 1
    with pytest.raises(ValueError, match="basis"):
        memory_task(code="repetition", distance=3, rounds=3, basis="X", noise="sd6", p=0.001)


def test_memory_task_with_the_authors_boundary():
    from qec import NoiseModel, memory_circuit
    from qec.codes import RotatedSurfaceCode

    task = memory_task(code="surface", distance=3, rounds=2, basis="Z", noise="sd6", p=0.004,
                       decoder="PyMatching:Split=XZ", boundary="authors")
    assert task.json_metadata == {"code": "surface", "distance": 3, "rounds": 2, "basis": "Z",
                                  "noise": "sd6", "p": 0.004, "decoder": "pymatching:split=xz",
                                  "num_observables": 2, "boundary": "authors"}
    assert task.circuit == memory_circuit(RotatedSurfaceCode(distance=3), rounds=2, basis="Z",
                                          noise=NoiseModel.sd6(0.004), boundary="authors")
    with pytest.raises(ValueError, match="detectors='basis' does not apply"):
        memory_task(code="bb:72", distance=6, rounds=2, basis="Z", noise="sd6", p=0.004,
                    detectors="basis", boundary="authors")


def _stats(**changes):
    values = dict(strong_id="abc", decoder="pymatching",
                  json_metadata={"code": "surface", "distance": 5, "rounds": 5, "basis": "Z",
                                 "noise": "si1000", "p": 0.004},
                  shots=2000, errors=50, discards=10, seconds=1.5)
    values.update(changes)
    return TaskStats(**values)


def test_task_stats_properties_and_intervals():
    stats = _stats()
    assert (stats.code, stats.distance, stats.rounds, stats.basis, stats.noise,
            stats.physical_error_rate) == ("surface", 5, 5, "Z", "si1000", 0.004)
    assert stats.kept_shots == 1990
    assert stats.logical_error_rate == 50 / 1990
    assert stats.logical_error() == binomial_interval(errors=50, shots=1990)
    per_round = stats.per_round_error()
    assert per_round.estimate == pytest.approx(per_round_error(50 / 1990, rounds=5))
    assert per_round.low < per_round.estimate < per_round.high
    assert eval(repr(stats), {"TaskStats": TaskStats}) == stats


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"shots": -1}, "shots=-1 must be a non-negative integer"),
        ({"errors": 1.5}, "errors=1.5 must be a non-negative integer"),
        ({"errors": 1995}, "exceed shots=2000"),
        ({"seconds": -1.0}, "seconds=-1.0 must be a non-negative number"),
        ({"strong_id": ""}, "strong_id='' must be a non-empty string"),
        ({"shots": True}, "shots=True"),
    ],
)
def test_task_stats_rejects_bad_values(changes, match):
    with pytest.raises(ValueError, match=match):
        _stats(**changes)


def test_task_stats_without_rounds_or_shots():
    with pytest.raises(ValueError, match="no 'rounds'"):
        _stats(json_metadata={}).per_round_error()
    with pytest.raises(ValueError, match="shots=0 must be positive"):
        _stats(shots=0, errors=0, discards=0).logical_error()


def test_task_stats_add_and_sinter_round_trip():
    a = _stats(custom_counts={"x": 2})
    b = _stats(shots=1000, errors=5, discards=0, seconds=0.5, custom_counts={"x": 1, "y": 4})
    total = a + b
    assert (total.shots, total.errors, total.discards, total.seconds) == (3000, 55, 10, 2.0)
    assert total.custom_counts == {"x": 3, "y": 4}
    with pytest.raises(ValueError, match="different tasks"):
        a + dataclasses.replace(b, strong_id="other")
    converted = total.to_sinter()
    assert isinstance(converted, sinter.TaskStats)
    assert TaskStats.from_sinter(converted) == total
