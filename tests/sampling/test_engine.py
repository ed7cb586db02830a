import io
import os
import pathlib

import numpy as np
import pytest
import sinter
import stim

from qec.analysis import binomial_interval
from qec.sampling import CHUNK_SHOTS, PlainProgress, SamplingSession, Task, collect, sample_shots
from qec.store import ResultStore
from tests.sampling.sampling_circuits import (
    THREE_QUBIT_ERROR_RATE,
    P,
    repetition_task,
    three_qubit_circuit,
)


def _totals(stats):
    return [(s.shots, s.errors, s.discards) for s in stats]


def test_error_rate_matches_the_exact_value(tmp_path):
    task = Task(circuit=three_qubit_circuit(), decoder="pymatching", json_metadata={"n": 3})
    [stats] = collect([task], db=tmp_path / "r.db", max_shots=40_000, workers=2, seed=11)
    assert stats.shots == 40_000
    interval = binomial_interval(errors=stats.errors, shots=stats.shots, confidence=0.9999)
    assert interval.low <= THREE_QUBIT_ERROR_RATE <= interval.high


def test_max_shots_and_max_errors_stop_exactly_at_a_chunk(tmp_path, tasks):
    stats = collect(tasks, db=tmp_path / "r.db", max_shots=50_000, max_errors=30, workers=2,
                    seed=3)
    for s in stats:
        assert s.errors >= 30
        assert s.shots < 50_000
    with ResultStore(tmp_path / "r.db", create=True) as store:
        rows = store.batch_rows()
    assert all(shots is not None for *_, shots in rows)  # no claim left pending
    # Re-running the finished tasks samples nothing more.
    again = collect(tasks, db=tmp_path / "r.db", max_shots=50_000, max_errors=30, workers=2,
                    seed=3)
    assert _totals(again) == _totals(stats)
    with ResultStore(tmp_path / "r.db", create=True) as store:
        assert store.batch_rows() == rows


def test_max_errors_keeps_only_the_chunks_needed(tmp_path):
    task = repetition_task(p=0.1)
    [stats] = collect([task], db=tmp_path / "r.db", max_shots=10**6, max_errors=3000,
                      workers=1, seed=5, max_batch_seconds=5.0)
    # Dropping the last chunk would leave fewer than max_errors errors.
    [short] = collect([task], db=tmp_path / "s.db", max_shots=stats.shots - CHUNK_SHOTS,
                      workers=1, seed=5)
    assert stats.errors >= 3000 > short.errors


def test_seed_makes_runs_reproducible_whatever_the_batching(tmp_path, tasks):
    runs = []
    for i, batch_seconds in enumerate([0.001, 0.5, 10.0]):
        runs.append(_totals(collect(tasks, db=tmp_path / f"{i}.db", max_shots=30_000,
                                    max_errors=400, workers=2, seed=99,
                                    max_batch_seconds=batch_seconds)))
    assert runs[0] == runs[1] == runs[2]
    other = _totals(collect(tasks, db=tmp_path / "other.db", max_shots=30_000, max_errors=400,
                            workers=2, seed=100))
    assert other != runs[0]


def test_resume_continues_from_stored_totals(tmp_path, tasks):
    db = tmp_path / "r.db"
    first = collect(tasks, db=db, max_shots=5 * CHUNK_SHOTS, workers=2, seed=8)
    assert [s.shots for s in first] == [5 * CHUNK_SHOTS] * 2
    resumed = collect(tasks, db=db, max_shots=12 * CHUNK_SHOTS, workers=2, seed=8)
    fresh = collect(tasks, db=tmp_path / "fresh.db", max_shots=12 * CHUNK_SHOTS, workers=2,
                    seed=8)
    # Chunk k always has the same seed, so stopping and resuming changes nothing.
    assert _totals(resumed) == _totals(fresh)
    assert [s.shots for s in resumed] == [12 * CHUNK_SHOTS] * 2


def test_resume_after_a_partial_chunk_reaches_max_shots_exactly(tmp_path, tasks):
    db = tmp_path / "r.db"
    collect(tasks, db=db, max_shots=5000, workers=1, seed=8)
    resumed = collect(tasks, db=db, max_shots=12_345, workers=1, seed=8)
    assert [s.shots for s in resumed] == [12_345, 12_345]


def test_target_relative_error(tmp_path):
    task = repetition_task(p=0.1)
    [stats] = collect([task], db=tmp_path / "r.db", max_shots=10**6,
                      target_relative_error=0.2, workers=1, seed=2)
    rate = stats.errors / stats.shots
    needed = 1.96**2 * (1 - rate) / 0.2**2
    assert needed <= stats.errors < needed + 200  # stopped within the chunk that got there
    assert stats.shots < 10**6


def test_sample_shots_adds_exactly(tmp_path, tasks):
    db = tmp_path / "r.db"
    with SamplingSession(db=db, workers=1, seed=4) as session:
        session.sample_shots([(tasks[0], 3000), (tasks[1], 100)])
        stats = session.sample_shots([(tasks[0], 1500)])
    assert stats[0].shots == 4500
    [again] = sample_shots([(tasks[1], 7)], db=db, workers=1)
    assert again.shots == 107


def test_duplicate_tasks_are_sampled_once(tmp_path):
    task = repetition_task()
    stats = collect([task, task], db=tmp_path / "r.db", max_shots=2000, workers=1, seed=1)
    assert len(stats) == 1 and stats[0].shots == 2000


class _FixedCompiledSampler(sinter.CompiledSampler):
    def sample(self, suggested_shots: int) -> sinter.AnonTaskStats:
        return sinter.AnonTaskStats(shots=suggested_shots, errors=suggested_shots // 4,
                                    discards=1, custom_counts={"calls": 1})


class FixedSampler(sinter.Sampler):
    """A custom sinter.Sampler: every call reports a quarter of its shots as errors."""

    def compiled_sampler_for_task(self, task: sinter.Task) -> sinter.CompiledSampler:
        assert task.circuit.num_observables == 1
        return _FixedCompiledSampler()


def test_custom_sinter_sampler_and_decoder_by_object(tmp_path):
    circuit = three_qubit_circuit()
    sampled = Task(circuit=circuit, decoder="fixed", json_metadata={})
    vacuous = Task(circuit=circuit, decoder="never-corrects", json_metadata={})
    stats = collect([sampled, vacuous], db=tmp_path / "r.db", max_shots=4096, workers=1,
                    seed=1, custom_decoders={"fixed": FixedSampler(),
                                             "never-corrects": sinter.BUILT_IN_DECODERS["vacuous"]})
    assert (stats[0].shots, stats[0].errors, stats[0].discards) == (4096, 1024, 4)
    assert stats[0].custom_counts == {"calls": 4}
    # A decoder that never corrects fails whenever the last qubit flipped.
    interval = binomial_interval(errors=stats[1].errors, shots=4096, confidence=0.9999)
    assert interval.low <= 0.1 <= interval.high


def test_sinter_builtin_names_resolve(tmp_path):
    task = Task(circuit=three_qubit_circuit(), decoder="vacuous", json_metadata={})
    [stats] = collect([task], db=tmp_path / "r.db", max_shots=1000, workers=1, seed=1)
    assert stats.shots == 1000


class _DieOnceCompiled(sinter.CompiledDecoder):
    def __init__(self, flag: str, inner: sinter.CompiledDecoder) -> None:
        self.flag = pathlib.Path(flag)
        self.inner = inner
        self.calls = 0

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray):
        self.calls += 1
        if self.calls == 3 and not self.flag.exists():
            self.flag.write_text("died")
            os._exit(17)  # the worker process dies in the middle of a batch
        return self.inner.decode_shots_bit_packed(
            bit_packed_detection_event_data=bit_packed_detection_event_data)


class DieOnceDecoder(sinter.Decoder):
    """PyMatching, except that the first worker to decode its third batch dies."""

    def __init__(self, flag: str) -> None:
        self.flag = flag

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel):
        inner = sinter.BUILT_IN_DECODERS["pymatching"].compile_decoder_for_dem(dem=dem)
        return _DieOnceCompiled(self.flag, inner)


def test_a_worker_dying_mid_batch_costs_only_that_batch(tmp_path):
    flag = tmp_path / "flag"
    circuit = repetition_task(p=0.05).circuit
    task = Task(circuit=circuit, decoder="die-once", json_metadata={})
    reference = Task(circuit=circuit, decoder="die-once", json_metadata={})
    [stats] = collect([task], db=tmp_path / "r.db", max_shots=40_000, workers=2, seed=21,
                      max_batch_seconds=0.001,
                      custom_decoders={"die-once": DieOnceDecoder(str(flag))})
    assert flag.read_text() == "died"
    # The re-run batch used the same seeds: totals equal those of a run where nobody died.
    [expected] = collect([reference], db=tmp_path / "ref.db", max_shots=40_000, workers=2,
                         seed=21, custom_decoders={"die-once": DieOnceDecoder(str(flag))})
    assert (stats.shots, stats.errors) == (expected.shots, expected.errors) == (40_000,
                                                                                 stats.errors)


class _Broken(sinter.CompiledDecoder):
    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data):
        raise ArithmeticError("decoder exploded")


class BrokenDecoder(sinter.Decoder):
    def compile_decoder_for_dem(self, *, dem):
        return _Broken()


def test_a_failing_run_loses_nothing_already_stored(tmp_path, tasks):
    db = tmp_path / "r.db"
    before = collect(tasks, db=db, max_shots=3000, workers=1, seed=1)
    broken = Task(circuit=tasks[0].circuit, decoder="broken", json_metadata={})
    with pytest.raises(RuntimeError, match="decoder exploded"):
        collect([*tasks, broken], db=db, max_shots=6000, workers=1, seed=1,
                custom_decoders={"broken": BrokenDecoder()})
    with ResultStore(db, create=True) as store:
        after = {s.strong_id: s for s in store.read_stats()}
        assert all(shots is not None for *_, shots in store.batch_rows())
        assert store.integrity_check() == "ok"
    for s in before:
        assert after[s.strong_id].shots >= s.shots
        assert after[s.strong_id].errors >= s.errors


def test_decoder_value_errors_are_value_errors(tmp_path):
    # Correlated errors of weight three are not graphlike: PyMatching refuses them.
    circuit = stim.Circuit("""
        X_ERROR(0.1) 0
        CX 0 1 0 2
        M 0 1 2
        DETECTOR rec[-3]
        DETECTOR rec[-2]
        DETECTOR rec[-1]
        OBSERVABLE_INCLUDE(0) rec[-1]
    """)
    task = Task(circuit=circuit, decoder="pymatching", json_metadata={})
    with pytest.raises(ValueError, match="graphlike"):
        collect([task], db=tmp_path / "r.db", max_shots=100, workers=1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_shots": 0}, "max_shots=0 must be a positive integer"),
        ({"max_shots": 10, "max_errors": 0}, "max_errors=0 must be a positive integer"),
        ({"max_shots": 10, "workers": 0}, "workers=0 must be a positive integer"),
        ({"max_shots": 10, "seed": -1}, r"seed=-1 must be an integer in \[0, 2\*\*63\)"),
        ({"max_shots": 10, "target_relative_error": 0}, "target_relative_error=0 must be"),
        ({"max_shots": 10, "custom_decoders": {"x": 3}}, r"custom_decoders\['x'\]=3 must be"),
        ({"max_shots": 10, "progress": "loud"}, "progress='loud' must be"),
    ],
)
def test_bad_arguments(tmp_path, tasks, kwargs, match):
    db = tmp_path / "r.db"
    with pytest.raises(ValueError, match=match):
        collect(tasks, db=db, **kwargs)


def test_unknown_decoder_fails_before_the_database_is_created(tmp_path):
    task = Task(circuit=three_qubit_circuit(), decoder="mwpm", json_metadata={})
    with pytest.raises(ValueError, match="decoder='mwpm' is not a known decoder; known"):
        collect([task], db=tmp_path / "r.db", max_shots=10)
    assert not (tmp_path / "r.db").exists()
    with pytest.raises(ValueError, match="tasks is empty"):
        collect([], db=tmp_path / "r.db", max_shots=10)


def test_plain_progress_reports_committed_totals(tmp_path, tasks):
    out = io.StringIO()
    collect(tasks, db=tmp_path / "r.db", max_shots=2048, workers=1, seed=1,
            progress=PlainProgress(stream=out, interval=0))
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("qec: 2/2 tasks done, elapsed ")
    assert ", 4,096 shots, " in last and "ETA" not in last


class _SeededCompiledSampler(sinter.CompiledSampler):
    def __init__(self, circuit: stim.Circuit) -> None:
        self.circuit = circuit
        self.sampler = None

    def reseed(self, seed: int) -> None:
        self.sampler = self.circuit.compile_detector_sampler(seed=seed)

    def sample(self, suggested_shots: int) -> sinter.AnonTaskStats:
        _, obs = self.sampler.sample(suggested_shots, separate_observables=True)
        return sinter.AnonTaskStats(shots=suggested_shots, errors=int(obs.sum()))


class SeededSampler(sinter.Sampler):
    """Counts observable flips without decoding; seeded by the engine through ``reseed``."""

    def compiled_sampler_for_task(self, task: sinter.Task) -> sinter.CompiledSampler:
        return _SeededCompiledSampler(task.circuit)


def test_custom_samplers_with_reseed_are_reproducible(tmp_path):
    task = Task(circuit=three_qubit_circuit(), decoder="seeded", json_metadata={})
    runs = [
        collect([task], db=tmp_path / f"{i}.db", max_shots=20_000, workers=2, seed=6,
                max_batch_seconds=seconds, custom_decoders={"seeded": SeededSampler()})[0]
        for i, seconds in enumerate([0.0001, 1.0])
    ]
    assert runs[0].errors == runs[1].errors
    interval = binomial_interval(errors=runs[0].errors, shots=20_000, confidence=0.9999)
    assert interval.low <= P <= interval.high
