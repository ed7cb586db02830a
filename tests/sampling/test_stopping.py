"""Stopping rules: a small protocol; max_errors and target_relative_error are two of them."""

import numpy as np
import pytest

from qec.data import MaxErrors, TargetRelativeError
from qec.sampling import collect
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
