"""Stopping rules: a small protocol; max_errors and target_relative_error are two of them."""

import numpy as np
import pytest

from qec.data import MaxErrors, TargetRelativeError
from qec.sampling import collect
from tests.sampling.commits import CommitCounter
from tests.sampling.sampling_circuits import repetition_task


class FailuresOverShots:
    """Stops once errors / sqrt(shots) reaches a value: a rule qec does not ship."""

    def __init__(self, value):
        self.value = value

    def met(self, *, shots, errors, discards):
        return np.asarray(errors) / np.sqrt(np.maximum(np.asarray(shots), 1)) >= self.value

    def shots_left(self, *, shots, errors, discards):
        return None


def test_built_in_rules_are_the_max_errors_and_target_options(tmp_path):
    task = repetition_task(p=0.08)
    [by_option] = collect([task], db=tmp_path / "a.db", max_shots=10**6, max_errors=300,
                          workers=1, seed=4)
    [by_rule] = collect([task], db=tmp_path / "b.db", max_shots=10**6,
                        stop_when=MaxErrors(300), workers=1, seed=4)
    assert (by_option.shots, by_option.errors) == (by_rule.shots, by_rule.errors)
    assert by_rule.errors >= 300
    [relative] = collect([task], db=tmp_path / "c.db", max_shots=10**6,
                         stop_when=[TargetRelativeError(0.1)], workers=1, seed=4)
    [option] = collect([task], db=tmp_path / "d.db", max_shots=10**6,
                       target_relative_error=0.1, workers=1, seed=4)
    assert (relative.shots, relative.errors) == (option.shots, option.errors)


def test_a_custom_rule_stops_at_the_exact_chunk_whatever_the_batching(tmp_path):
    task = repetition_task(p=0.08)
    rule = FailuresOverShots(4.0)
    [a] = collect([task], db=tmp_path / "a.db", max_shots=10**6, stop_when=rule, workers=1,
                  seed=9, max_batch_seconds=0.01)
    [b] = collect([task], db=tmp_path / "b.db", max_shots=10**6, stop_when=rule, workers=2,
                  seed=9, max_batch_seconds=0.5)
    assert (a.shots, a.errors) == (b.shots, b.errors)
    assert a.errors / np.sqrt(a.shots) >= 4.0


def test_a_rule_without_the_protocol_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match=r"must have met\(shots=, errors=, discards=\)"):
        collect([repetition_task()], db=tmp_path / "x.db", max_shots=10, stop_when=object())
    assert not (tmp_path / "x.db").exists()


class ClockRule:
    """A rule that does not depend on the totals: met everywhere once its 'clock' ran out."""

    def __init__(self, commits):
        self.commits = commits

    def met(self, *, shots, errors, discards):
        return np.full(np.shape(shots), self.commits.expired)

    def shots_left(self, *, shots, errors, discards):
        return None


def _stored(db):
    from qec.store import ResultStore

    with ResultStore(db) as store:
        rows = store.batch_rows()
    return rows, sum(shots for *_, shots in rows if shots is not None)


def test_a_rule_met_with_no_shots_is_refused_before_the_database_is_created(tmp_path):
    class Always:
        def met(self, *, shots, errors, discards):
            return np.ones(np.shape(shots), dtype=bool)

        def shots_left(self, *, shots, errors, discards):
            return 0.0

    with pytest.raises(ValueError, match=r"is met with no shots at all: a rule must be a "
                                         r"function of the totals.*time_limit"):
        collect([repetition_task()], db=tmp_path / "x.db", max_shots=10, stop_when=Always())
    assert not (tmp_path / "x.db").exists()


def test_a_rule_that_stops_depending_on_the_totals_cuts_nothing_stored(tmp_path, monkeypatch):
    # A clock-like rule runs out after the third commit. The store cuts a task where its
    # prefix first meets its rule: run by such a rule, that is the first chunk, and the
    # chunks committed after it were deleted. The engine refuses the rule instead.
    commits = CommitCounter(monkeypatch, after=3)
    db = tmp_path / "r.db"
    with pytest.raises(ValueError, match="is met with no shots at all"):
        collect([repetition_task(p=0.08)], db=db, max_shots=10**7, stop_when=ClockRule(commits),
                workers=1, seed=2, max_batch_seconds=0.001)
    rows, shots = _stored(db)
    committed = [row for row in rows if row[-1] is not None]
    assert len(committed) >= 3
    assert shots == sum(row[3] for row in committed) * 1024 >= 3 * 1024  # whole chunks kept


def test_time_limit_stops_claiming_and_the_next_run_resumes_to_the_same_numbers(
        tmp_path, monkeypatch):
    import qec.sampling._engine as engine

    task = repetition_task(p=0.08)
    commits = CommitCounter(monkeypatch, after=2)
    monkeypatch.setattr(engine, "_clock", lambda: 1e9 if commits.expired else 0.0)
    db = tmp_path / "limited.db"
    [limited] = collect([task], db=db, max_shots=400_000, max_errors=2_000, workers=2, seed=6,
                        max_batch_seconds=0.001, time_limit=60)
    assert 0 < limited.shots < 400_000 and limited.errors < 2_000
    rows, shots = _stored(db)
    assert all(row[-1] is not None for row in rows)  # every batch started was stored
    assert shots == limited.shots
    # The limit cut nothing: resumed without it, the run ends where an unlimited one does.
    monkeypatch.setattr(engine, "_clock", lambda: 0.0)
    [resumed] = collect([task], db=db, max_shots=400_000, max_errors=2_000, workers=2, seed=6)
    [whole] = collect([task], db=tmp_path / "whole.db", max_shots=400_000, max_errors=2_000,
                      workers=2, seed=6)
    assert (resumed.shots, resumed.errors) == (whole.shots, whole.errors)
    assert resumed.errors >= 2_000


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), True, "60"])
def test_time_limit_must_be_a_positive_number(tmp_path, value):
    with pytest.raises(ValueError, match=r"time_limit=.* must be a positive number of seconds"):
        collect([repetition_task()], db=tmp_path / "x.db", max_shots=10, time_limit=value)
    assert not (tmp_path / "x.db").exists()
