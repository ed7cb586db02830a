"""The command line's vocabulary: every option that more than one command takes, defined once.

A command adds shared options by name (``add(parser, "workers", "dask", "db", ...)``), never by
hand, so that ``--seed`` or ``--noise`` has one flag, one type, one metavar and one help text on
every command. An option whose sensible default depends on the command (the distance of a
single point, the physical error rates of a sweep) declares so, and its help shows the command's
default through ``%(default)s``; every other default is the same everywhere.

``tests/cli/test_vocabulary.py`` checks that no command defines one of these flags by hand, that
each option reads the same on every command, and that every command that samples, builds
circuits or reads results takes the options of its kind. :func:`vocabulary_table` renders the
table of commands against options that the command-line reference shows.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qec.cli._common import positive_int, positive_seconds
from qec.codes import code_from_spec, parse_code_spec

__all__ = ["DEFAULT_OUT", "OPTIONS", "Option", "add", "database_path", "given", "noise_name",
           "option_of", "vocabulary_table"]

DEFAULT_OUT = Path("results")
"""Where every command writes by default: figures, tables and its database."""


@dataclass(frozen=True)
class Option:
    """One shared option.

    Attributes:
        name: the vocabulary's key (several keys may share a flag, like ``p`` and ``p-list``:
            one rate or a sweep of them).
        flag: the option string, like ``--seed``.
        settings: the keyword arguments of ``add_argument`` (default aside).
        default: the default, the same on every command unless ``per_command``.
        per_command: the command gives its own default (its help shows it).
    """

    name: str
    flag: str
    settings: dict[str, Any] = field(default_factory=dict)
    default: Any = None
    per_command: bool = False


def noise_name(text: str) -> str:
    """The argparse type of ``--noise``: any spelling of a noise model's name, canonical.

    Examples:
        >>> noise_name("SI1000"), noise_name("code_capacity")
        ('si1000', 'code-capacity')
        >>> noise_name("sd7")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
            ...
        argparse.ArgumentTypeError: 'sd7' is not a noise model; choose one of sd6, si1000, ...
    """
    from qec.noise import NOISE_MODEL_NAMES, canonical_noise_name

    try:
        return canonical_noise_name(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a noise model; choose one of {', '.join(NOISE_MODEL_NAMES)} "
            "(any case, - or _)") from None


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability in [0, 1]")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: an integer in [0, 2**63)")
    return value


def _basis(text: str) -> str:
    return text.strip().upper()


def _noise_help() -> str:
    from qec.noise import NOISE_MODEL_NAMES

    return (f"noise model: {', '.join(NOISE_MODEL_NAMES)} (any case, - or _; stored "
            "canonically) (default %(default)s)")


def _cycle_choices() -> tuple[str, ...]:
    from qec.circuits import CYCLES

    return CYCLES


def _detector_choices() -> tuple[str, ...]:
    from qec.circuits import DETECTOR_SETS

    return DETECTOR_SETS


def _boundary_choices() -> tuple[str, ...]:
    from qec.circuits import BOUNDARIES

    return BOUNDARIES


def _code_help() -> str:
    from qec.cli._common import code_help

    return code_help()


_LAZY_SETTINGS: dict[str, dict[str, Callable[[], Any]]] = {
    "code": {"help": _code_help},
    "noise": {"help": _noise_help},
    "cycle": {"choices": _cycle_choices},
    "detectors": {"choices": _detector_choices},
    "boundary": {"choices": _boundary_choices},
}
"""Settings computed when a parser is built (they import the code and noise registries)."""

_ALL: tuple[Option, ...] = (
    # Where the work runs, and where it is kept.
    Option("workers", "--workers", {
        "type": positive_int("--workers"), "metavar": "N",
        "help": "worker processes (default: all cores)"}),
    Option("dask", "--dask", {
        "metavar": "ADDRESS",
        "help": "run on Dask: a scheduler address (tcp://host:8786), or 'local' for a local "
                "cluster of --workers workers (needs pip install 'qec-lab[dask]')"}),
    Option("db", "--db", {
        "type": Path, "metavar": "PATH",
        "help": "results database, created if missing: every completed batch is stored, and "
                "running the command again resumes (default: COMMAND.db in the --out "
                "directory, results/ unless given)"}),
    Option("db-read", "--db", {
        "type": Path, "metavar": "PATH", "required": True,
        "help": "results database to read (opened read-only)"}),
    Option("db-add", "--db", {
        "type": Path, "metavar": "PATH", "required": True,
        "help": "results database to add to (created if missing)"}),
    Option("seed", "--seed", {
        "type": _seed, "metavar": "SEED",
        "help": "root seed: the same seed gives the same numbers, whatever the workers "
                "(default: a fresh seed for direct sampling; 0 for estimates and fits that "
                "resume or must repeat)"}),
    Option("quiet", "--quiet", {
        "action": "store_true", "help": "print no progress and no human-readable summary"},
        default=False),
    Option("json", "--json", {
        "action": "store_true",
        "help": "print a machine-readable JSON summary on stdout, with its warnings"},
        default=False),
    Option("out", "--out", {
        "type": Path, "metavar": "DIR",
        "help": "output directory: figures, tables and the default database "
                "(default %(default)s)"}, default=DEFAULT_OUT),
    Option("out-file", "--out", {
        "type": Path, "metavar": "FILE", "help": "output file (default: stdout)"}),
    # What is built: the code, its circuit, its noise and its decoder.
    Option("code", "--code", {"metavar": "SPEC"}, default="surface"),
    Option("distance", "--distance", {
        "type": positive_int("--distance"), "metavar": "D",
        "help": "code distance, for families that take one (default %(default)s)"},
        default=3, per_command=True),
    Option("distances", "--distances", {
        "metavar": "LIST",
        "help": "code distances, comma-separated (default %(default)s; a code spec that fixes "
                "its distance, or a code like steane, gives one)"},
        default="3,5,7", per_command=True),
    Option("rounds", "--rounds", {
        "metavar": "R",
        "help": "rounds per shot: a number, d or a multiple of d like 3d (default %(default)s)"},
        default="d", per_command=True),
    Option("basis", "--basis", {
        "type": _basis, "choices": ("X", "Z"), "help": "memory basis (default %(default)s)"},
        default="Z"),
    Option("noise", "--noise", {"type": noise_name, "metavar": "NAME"}, default="si1000"),
    Option("p", "--p", {
        "type": _probability, "metavar": "P",
        "help": "physical error rate (default %(default)s)"},
        default=0.001, per_command=True),
    Option("p-list", "--p", {
        "metavar": "LIST",
        "help": "physical error rates: a list 0.002,0.004 or a log-spaced range lo:hi:n "
                "(default %(default)s)"},
        default="0.003:0.008:12", per_command=True),
    Option("cycle", "--cycle", {
        "help": "syndrome cycle: standard, overlapped (Bravyi et al.'s depth-8 cycle of "
                "bivariate bicycle codes) or superdense (Gidney and Jones's, colour codes) "
                "(default: the code's own)"}),
    Option("detectors", "--detectors", {
        "help": "every deterministic detector (all), or only the memory basis' (basis), the "
                "model CSS decoders of bivariate bicycle codes use (default: the code's own)"}),
    Option("boundary", "--boundary", {
        "help": "time boundary: noisy (noisy preparation and readout) or authors (Bravyi et "
                "al.'s perfect start and two noiseless final cycles, every X and Z logical "
                "observed; decode with NAME:split=xz for their X and Z parts) (default "
                "%(default)s)"}, default="noisy"),
    Option("decoder", "--decoder", {
        "metavar": "NAME",
        "help": "decoder name, profile or spec like bposd:osd_order=10 or bposd-bb:split=xz "
                "(default %(default)s; see qec decoders)"}, default="pymatching"),
    Option("decoders", "--decoders", {
        "metavar": "LIST",
        "help": "comma-separated decoder names, profiles or specs like "
                "relay-bp:num_sets=300,stop_nconv=1 (default %(default)s; see qec decoders)"},
        default="pymatching", per_command=True),
    Option("custom-decoders", "--custom-decoders", {
        "metavar": "MODULE:FUNCTION",
        "help": "decoders from your own code: FUNCTION() in MODULE returns a dict of decoder "
                "name to sinter.Decoder (or sinter.Sampler), as for sinter collect "
                "--custom_decoders; those names come first"}),
    Option("max-shots", "--max-shots", {
        "type": positive_int("--max-shots"), "metavar": "N",
        "help": "stop a task at this many shots (default %(default)s)"},
        default=None, per_command=True),
    Option("max-errors", "--max-errors", {
        "type": positive_int("--max-errors"), "metavar": "N",
        "help": "stop a task at this many logical errors (default %(default)s)"},
        default=None, per_command=True),
    Option("time-limit", "--time-limit", {
        "type": positive_seconds("--time-limit"), "metavar": "SECONDS",
        "help": "start no new work after this many seconds: what is running finishes and "
                "is stored, what stopped short of its goal is reported so, and running the "
                "command again resumes it (default: no limit)"}),
    Option("out-figure", "--out", {
        "type": Path, "metavar": "FILE",
        "help": "figure file, .png/.pdf/.svg (default: KIND.png next to the database; several "
                "series give FILE-1.png, FILE-2.png, ...)"}),
    Option("out-model", "--out", {
        "type": Path, "metavar": "PATH", "required": True,
        "help": "the learned model (.dem) of one experiment; for --dataset a directory, with "
                "OUT/<experiment>/error_model.dem for each"}),
    # A recorded experiment: what the database should say it was.
    Option("experiment-distance", "--distance", {
        "type": positive_int("--distance"), "metavar": "D",
        "help": "one recorded experiment: its code distance, for the database"}),
    Option("experiment-rounds", "--rounds", {
        "type": positive_int("--rounds"), "metavar": "R",
        "help": "one recorded experiment: its rounds, for the database"}),
    Option("experiment-basis", "--basis", {
        "type": _basis, "choices": ("X", "Z"),
        "help": "one recorded experiment: its memory basis, for the database"}),
    Option("assumed-noise", "--noise", {
        "type": noise_name, "metavar": "NAME",
        "help": "the assumed noise model on the ideal circuit, whose mechanisms are learned and "
                "which the result is compared with (default: the experiment's noisy circuit, "
                "or si1000 when it has none)"}),
    # Which stored results a reading command takes.
    Option("p-filter", "--p", {
        "type": _probability, "metavar": "P",
        "help": "only points at this physical error rate, for Lambda (default: each p with two "
                "or more distances; a figure needs one)"}),
    Option("code-filter", "--code", {"metavar": "SPEC",
                                     "help": "only tasks of this code (e.g. surface)"}),
    Option("noise-filter", "--noise", {"type": noise_name, "metavar": "NAME",
                                       "help": "only tasks of this noise model"}),
    Option("basis-filter", "--basis", {"type": _basis, "choices": ("X", "Z"),
                                       "help": "only tasks of this memory basis"}),
    Option("decoder-filter", "--decoder", {"metavar": "NAME",
                                           "help": "only tasks of this decoder"}),
)

OPTIONS: dict[str, Option] = {option.name: option for option in _ALL}
"""Every shared option by its vocabulary key."""

_VOCABULARY_ATTRIBUTE = "qec_vocabulary"
_GIVEN = "_given"


class _Store(argparse._StoreAction):
    """``store``, remembering that the flag was on the command line (see :func:`given`)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        super().__call__(parser, namespace, values, option_string)
        given_flags = set(getattr(namespace, _GIVEN, ()))
        given_flags.add(self.option_strings[0])
        setattr(namespace, _GIVEN, given_flags)


def given(args: argparse.Namespace, flag: str) -> bool:
    """Whether a shared option was on the command line (not just its default).

    Examples:
        >>> parser = argparse.ArgumentParser()
        >>> add(parser, "distance", distance=3)
        >>> given(parser.parse_args([]), "--distance")
        False
        >>> given(parser.parse_args(["--distance", "3"]), "--distance")
        True
    """
    return flag in getattr(args, _GIVEN, ())


def add(parser: argparse.ArgumentParser, *names: str, required: Iterable[str] = (),
        **defaults: Any) -> None:
    """Adds shared options to a command's parser, by vocabulary key.

    Args:
        parser: the command's parser.
        names: keys of :data:`OPTIONS`, in the order ``--help`` shows them.
        required: keys of options this command cannot do without (no default then).
        defaults: the command's own default of an option that takes one (keys with ``_`` for
            ``-``, like ``p_list="0.003,0.005"``).

    Raises:
        ValueError: an unknown key, or a default for an option whose default is shared.

    Examples:
        >>> parser = argparse.ArgumentParser(prog="qec example")
        >>> add(parser, "seed", "distance", distance=11)
        >>> args = parser.parse_args(["--seed", "7"])
        >>> args.seed, args.distance
        (7, 11)
        >>> add(parser, "basis", basis="X")
        Traceback (most recent call last):
            ...
        ValueError: --basis has one default on every command (Z); basis='X' is not allowed
    """
    required = set(required)
    for name in (*names, *required):
        if name not in OPTIONS:
            raise ValueError(f"{name!r} is not a shared option; known: {', '.join(OPTIONS)}")
    if not required <= set(names):
        raise ValueError(f"required={sorted(required - set(names))} are not added by this call")
    for key, value in defaults.items():
        name = key.replace("_", "-")
        option = OPTIONS.get(name)
        if option is None or name not in names:
            raise ValueError(f"a default for {name!r}, which this call does not add")
        if not option.per_command:
            raise ValueError(f"{option.flag} has one default on every command "
                             f"({option.default}); {key}={value!r} is not allowed")
    for name in names:
        option = OPTIONS[name]
        settings = dict(option.settings)
        for key, make in _LAZY_SETTINGS.get(name, {}).items():
            settings[key] = make()
        if name in required:
            settings["required"] = True
        if not settings.get("required"):
            settings["default"] = defaults.get(name.replace("-", "_"), option.default)
            if settings["default"] is None and "help" in settings:
                settings["help"] = settings["help"].replace("(default %(default)s",
                                                            "(default: none")
        if "action" not in settings:
            settings["action"] = _Store
        action = parser.add_argument(option.flag, **settings)
        setattr(action, _VOCABULARY_ATTRIBUTE, name)


def option_of(action: argparse.Action) -> str | None:
    """The vocabulary key an argparse action was made from, or None for a command's own."""
    return getattr(action, _VOCABULARY_ATTRIBUTE, None)


def database_path(args: argparse.Namespace) -> Path:
    """``--db``, or its default: ``COMMAND.db`` in ``--out`` (``results/`` without one).

    Examples:
        >>> database_path(argparse.Namespace(command="lowrate", db=None))
        PosixPath('results/lowrate.db')
        >>> database_path(argparse.Namespace(command="budget", db=None, out=Path("x")))
        PosixPath('x/budget.db')
    """
    if getattr(args, "db", None) is not None:
        return Path(args.db)
    out = getattr(args, "out", None)
    return (DEFAULT_OUT if out is None else Path(out)) / f"{args.command}.db"


def code_distance(args: argparse.Namespace) -> int:
    """``--distance``, or, when it was not given and ``--code`` names a code of one size
    (``bb:144``, ``steane``), that code's own distance instead of the command's default.

    Raises:
        ValueError: ``--code`` is not a known code or spec.

    Examples:
        >>> code_distance(argparse.Namespace(code="steane", distance=11))
        3
        >>> code_distance(argparse.Namespace(code="surface", distance=11))
        11
    """
    if given(args, "--distance") or getattr(args, "code", None) is None:
        return args.distance
    family, _ = parse_code_spec(args.code)
    return args.distance if family.takes_distance else code_from_spec(args.code).distance


def vocabulary_table(parser: argparse.ArgumentParser,
                     names: Iterable[str] | None = None) -> str:
    """A Markdown table of every command against the shared options it takes, with defaults.

    Args:
        parser: the full ``qec`` parser.
        names: the vocabulary keys to show (default: all).

    Returns:
        The table; a cell is the command's default, ``yes`` for a flag, ``required`` or empty.
    """
    keys = list(OPTIONS) if names is None else list(names)
    commands = _subcommands(parser)
    flags = []  # one column per flag, with the keys behind it
    for key in keys:
        flag = OPTIONS[key].flag
        if flag not in flags:
            flags.append(flag)
    lines = ["| command | " + " | ".join(f"`{flag}`" for flag in flags) + " |",
             "|---" * (len(flags) + 1) + "|"]
    for command, sub in commands.items():
        cells = []
        for flag in flags:
            action = next((a for a in sub._actions if flag in a.option_strings
                           and option_of(a) in keys), None)
            cells.append("" if action is None else _cell(action))
        lines.append(f"| `{command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if isinstance(action, argparse._StoreTrueAction):
        return "yes"
    default = action.default
    if default is None:
        return "·"
    if isinstance(default, Path):
        default = f"{default}/"
    return f"{default}"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
