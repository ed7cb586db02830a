"""No traceback for any input, on every command: Hypothesis draws options of each command (any
of its flags, with values from its choices, plausible values and junk) and the command either
runs, or ends with exit status 1 or 2 and at most one line on stderr.

The sampling itself is replaced by a sentinel: a run that gets as far as starting the work has
passed every check of its input (which is what this test is about), and the suite stays fast.
The commands that only read or write small things (fit, plot, export, import, decoders,
circuit) run for real, on a small database.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qec.datasets
import qec.sampling
import qec.studies
import qec.studies._budget
from qec.cli import main
from qec.cli._main import build_parser

PARSER = build_parser()
COMMANDS: dict[str, argparse.ArgumentParser] = next(
    a.choices for a in PARSER._actions if isinstance(a, argparse._SubParsersAction))


class _WorkStarted(BaseException):
    """Raised where a command would start sampling: its input passed every check."""


def _started(*args, **kwargs):
    raise _WorkStarted


WORK = [(qec.sampling, "collect"), (qec.sampling, "estimate_rare_error"),
        (qec.sampling, "SamplingSession"), (qec.studies, "benchmark_decoders"),
        (qec.studies, "run_profiles"), (qec.studies._budget, "estimate_budget"),
        (qec.datasets, "decode_experiments"), (qec.datasets, "learn_error_model")]

JUNK = st.one_of(
    st.text(max_size=10), st.integers(-3, 40).map(str), st.integers(10**5, 10**13).map(str),
    st.floats().map(str), st.sampled_from(["", "-1", "0", "1e9", "nan", "inf", "3d", "d",
                                           "0.001:0.01:3", "surface:3", "bb:72", "steane",
                                           "SI1000", "code_capacity", "x,,y", "a=b"]))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small database, a circuit file and a sinter CSV, for the commands that read."""
    from tests.analysis.synthetic import synthetic_sweep, write_points

    folder = tmp_path_factory.mktemp("fuzz")
    db = folder / "r.db"
    write_points(db, synthetic_sweep(threshold=0.1, nu=1.5, distances=(3, 5),
                                     ps=np.linspace(0.08, 0.12, 5), shots=1000, seed=1))
    circuit = folder / "d=3,p=0.01.stim"
    assert main(["circuit", "--distance", "3", "--rounds", "2", "--p", "0.01", "--out",
                 str(circuit)]) == 0
    csv = folder / "stats.csv"
    assert main(["export", "--db", str(db), "--out", str(csv)]) == 0
    return {"db": db, "circuit": circuit, "csv": csv, "folder": folder}


def _value(action: argparse.Action, files: dict, data: st.DataObject) -> str:
    flag = action.option_strings[0]
    if action.choices is not None:
        return data.draw(st.one_of(st.sampled_from([str(c) for c in action.choices]), JUNK))
    if flag == "--dask":  # a scheduler that is not one; never a real cluster here
        return data.draw(st.sampled_from(["bogus", "tcp://"]))
    if flag in ("--db", "--circuits", "--out", "--dets", "--circuit", "--dataset"):
        known = {"--db": files["db"], "--circuits": files["circuit"],
                 "--circuit": files["circuit"]}.get(flag, files["folder"] / "out")
        return data.draw(st.sampled_from([str(known), str(files["folder"] / "missing" / "x"),
                                          str(files["folder"])]))
    return data.draw(JUNK)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data(), command=st.sampled_from(sorted(COMMANDS)))
def test_every_command_exits_0_1_or_2_with_at_most_one_line(capsys, monkeypatch, files, data,
                                                           command):
    for module, name in WORK:
        monkeypatch.setattr(module, name, _started)
    actions = [a for a in COMMANDS[command]._actions
               if a.option_strings and a.option_strings[0] not in ("-h", "--help")]
    argv = [command]
    if command == "import":
        argv.append(str(files["csv"]))
    chosen = data.draw(st.lists(st.sampled_from(actions), unique_by=id, max_size=5))
    required = [a for a in actions if a.required and a not in chosen]
    for action in [*required, *chosen]:
        argv.append(action.option_strings[0])
        if action.nargs != 0:
            argv.append(_value(action, files, data))
    capsys.readouterr()
    cwd = os.getcwd()
    os.chdir(files["folder"])
    try:
        status = main(argv)
    except _WorkStarted:
        status = 0
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert status in (0, 1, 2), argv
    assert "Traceback" not in err, argv
    if status != 0:
        assert err.count("\n") <= 1, (argv, err)
