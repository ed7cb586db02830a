"""One command-line vocabulary: every shared option is defined once (qec.cli._options), reads the
same on every command, and every command of a kind takes the options of its kind.

The table of commands against options that the documentation shows is generated from the same
parsers (``vocabulary_table``); ``pytest -s`` prints it here too.
"""

from __future__ import annotations

import argparse

import pytest

from qec.cli._main import build_parser
from qec.cli._options import OPTIONS, add, option_of, vocabulary_table

PARSER = build_parser()
COMMANDS: dict[str, argparse.ArgumentParser] = next(
    a.choices for a in PARSER._actions if isinstance(a, argparse._SubParsersAction))
SHARED_FLAGS = {option.flag for option in OPTIONS.values()}

SAMPLING = ("threshold", "collect", "leakage", "lowrate", "decode", "budget", "bench-decoders")
BUILDING = ("circuit", "threshold", "lowrate", "budget", "bench-decoders")
READING = ("fit", "plot", "import", "learn-noise", "diagnose")

SAMPLING_OPTIONS = ("workers", "dask", "db", "seed", "quiet", "json")
BUILDING_OPTIONS = ("code", "noise", "p", "rounds", "basis", "cycle", "detectors", "boundary",
                    "decoder")
READING_OPTIONS = ("quiet", "json")

# What a command of a kind does not take, and why. Closing a gap means deleting its line here.
GAPS = {
    ("decode", "seed"): "decodes recorded shots: nothing is random",
    ("bench-decoders", "workers"): "times decoders one at a time, alone on the machine: "
                                   "decoders running side by side would distort the latencies",
    ("bench-decoders", "dask"): "times decoders one at a time, alone on the machine: "
                                "decoders running side by side would distort the latencies",
    ("bench-decoders", "basis"): "benchmarks Z-basis memories only",
    ("circuit", "decoder"): "writes a circuit; decodes nothing",
}


def _actions(command: str) -> list[argparse.Action]:
    return [a for a in COMMANDS[command]._actions if a.option_strings]


def _keys(command: str) -> set[str]:
    """The vocabulary keys a command takes, with the variants folded into their kind."""
    kinds = {"p-list": "p", "decoders": "decoder", "db-read": "db", "db-add": "db",
             "out-file": "out", "out-figure": "out", "out-model": "out"}
    return {kinds.get(option_of(a), option_of(a)) for a in _actions(command) if option_of(a)}


def _help(action: argparse.Action) -> str:
    """The help text as defined (a None default reads "default: none")."""
    return (action.help or "").replace("(default: none", "(default %(default)s")


def test_the_commands_are_the_ones_this_test_knows():
    assert set(SAMPLING) | set(BUILDING) | set(READING) <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_defines_a_shared_flag_by_hand(command):
    for action in _actions(command):
        shared = set(action.option_strings) & SHARED_FLAGS
        if shared:
            assert option_of(action) is not None, (
                f"qec {command} defines {sorted(shared)} itself; use qec.cli._options.add")


def test_each_option_reads_the_same_on_every_command():
    seen: dict[str, tuple[str, argparse.Action]] = {}
    uses = 0
    for command in sorted(COMMANDS):
        for action in _actions(command):
            key = option_of(action)
            if key is None:
                continue
            uses += 1
            if key not in seen:
                seen[key] = (command, action)
                continue
            first_command, first = seen[key]
            where = f"{key}: qec {first_command} and qec {command}"
            assert _help(action) == _help(first), where
            assert action.metavar == first.metavar, where
            assert action.choices == first.choices, where
            assert type(action) is type(first), where
            if not OPTIONS[key].per_command and not (action.required or first.required):
                assert action.default == first.default, where
    assert uses > 80 and len(seen) > 25  # the check looked at the real parsers


@pytest.mark.parametrize(("kind", "commands", "options"), [
    ("samples", SAMPLING, SAMPLING_OPTIONS),
    ("builds circuits", BUILDING, BUILDING_OPTIONS),
    ("reads results", READING, READING_OPTIONS),
])
def test_every_command_takes_the_options_of_its_kind(kind, commands, options):
    for command in commands:
        missing = {o for o in options if o not in _keys(command)}
        known = {o for (c, o) in GAPS if c == command and o in options}
        assert missing == known, f"qec {command} {kind}: missing {sorted(missing)}, " \
                                 f"known gaps {sorted(known)}"


def test_the_options_are_what_the_help_says():
    # The same spellings are accepted everywhere, and stored canonically.
    args = PARSER.parse_args(["circuit", "--noise", "SI1000", "--basis", "x"])
    assert (args.noise, args.basis) == ("si1000", "X")
    args = PARSER.parse_args(["lowrate", "--noise", "code_capacity"])
    assert args.noise == "code-capacity"
    assert PARSER.parse_args(["budget"]).seed is None  # one default for --seed everywhere


def test_a_command_cannot_change_a_shared_default():
    parser = argparse.ArgumentParser()
    with pytest.raises(ValueError, match="--seed has one default on every command"):
        add(parser, "seed", seed=5)
    with pytest.raises(ValueError, match="not a shared option"):
        add(parser, "sed")


def test_the_table_lists_every_command_and_option():
    table = vocabulary_table(PARSER)
    print("\n" + table)
    lines = table.splitlines()
    assert len(lines) == 2 + len(COMMANDS)
    for flag in ("--workers", "--seed", "--noise", "--cycle", "--detectors", "--json"):
        assert f"`{flag}`" in lines[0]
    threshold = next(line for line in lines if line.startswith("| `threshold` |"))
    assert "si1000" in threshold and "results/" in threshold
