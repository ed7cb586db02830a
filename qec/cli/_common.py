"""Helpers shared by the subcommands: user errors, parsing values, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Any

MAX_P_VALUES = 200
"""The most physical error rates one sweep may have (each is a separate task)."""


class CliError(Exception):
    """A user mistake on the command line: printed as one line on stderr, exit status 2."""


def code_help() -> str:
    """The help text of ``--code``: the spec syntax and the registered families."""
    from qec.codes import code_families

    names = ", ".join(f.name + (f" ({', '.join(f.parameters)})" if f.parameters else "")
                      for f in code_families())
    return (f"code family or spec, like surface or surface:distance=5 (default surface, the "
            f"rotated surface code); families: {names}")


def load_custom_decoders(spec: str | None) -> dict[str, Any]:
    """Imports ``module:function`` and calls it; returns its name-to-decoder dict.

    Raises:
        CliError: a malformed spec, a module or function that cannot be loaded, or a result
            that is not a dict of names to decoder objects.

    Examples:
        >>> load_custom_decoders(None)
        {}
        >>> sorted(load_custom_decoders("qec.decoders:sinter_decoders"))[:3]
        ['belief-matching', 'bplsd', 'bposd']
        >>> load_custom_decoders("qec.decoders")
        Traceback (most recent call last):
            ...
        qec.cli._common.CliError: --custom-decoders='qec.decoders' must be MODULE:FUNCTION, ...
    """
    import importlib

    if spec is None:
        return {}
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise CliError(f"--custom-decoders={spec!r} must be MODULE:FUNCTION, like "
                       "my_package.decoders:custom_decoders")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliError(f"--custom-decoders={spec!r}: cannot import {module_name!r} ({exc})"
                       ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise CliError(f"--custom-decoders={spec!r}: {module_name!r} has no function "
                       f"{function_name!r}")
    found = function()
    if not isinstance(found, dict) or not all(isinstance(k, str) and k for k in found):
        raise CliError(f"--custom-decoders={spec!r}: {function_name}() must return a dict of "
                       f"decoder names to decoders, not {type(found).__name__}")
    return found


def positive_int(option: str) -> Any:
    """An argparse type for a positive integer, also written like ``1e6``, naming ``option``.

    Examples:
        >>> positive_int("--max-shots")("1e6")
        1000000
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not number.is_integer():
                raise argparse.ArgumentTypeError(
                    f"{option}={text!r} must be a positive integer") from None
            value = int(number)
        if value < 1:
            raise argparse.ArgumentTypeError(f"{option}={text!r} must be a positive integer")
        return value

    return parse


def positive_seconds(option: str) -> Any:
    """An argparse type for a positive, finite number of seconds, naming ``option``.

    Examples:
        >>> positive_seconds("--time-limit")("90")
        90.0
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(
                f"{option}={text!r} must be a positive number of seconds")
        return value

    return parse


def reached(stats: Any, max_shots: int, max_errors: int | None) -> bool:
    """Whether a task's stored totals meet ``max_shots`` or ``max_errors``.

    Examples:
        >>> from types import SimpleNamespace
        >>> reached(SimpleNamespace(shots=500, errors=3), 1000, 3)
        True
        >>> reached(SimpleNamespace(shots=500, errors=2), 1000, 3)
        False
    """
    return stats.shots >= max_shots or (max_errors is not None and stats.errors >= max_errors)


def short_of_goal_warning(count: int, total: int) -> str:
    """The warning for tasks a ``--time-limit`` stopped before their goal.

    Examples:
        >>> short_of_goal_warning(2, 5)
        '2 of 5 tasks stopped at --time-limit short of --max-shots and --max-errors: their \
intervals are wider than asked for; run the command again to resume them'
    """
    return (f"{count} of {total} tasks stopped at --time-limit short of --max-shots and "
            "--max-errors: their intervals are wider than asked for; run the command again "
            "to resume them")


def rate_cell(interval: Any, width: int) -> str:
    """A table cell: an estimate and its interval, or ``-`` for None (nothing kept).

    Examples:
        >>> from qec.analysis import Interval
        >>> rate_cell(Interval(0.01, 0.008, 0.012), 10)
        ' 1.000e-02  [8.000e-03, 1.200e-02]'
        >>> rate_cell(None, 5)
        '    -'
    """
    if interval is None:
        return f"{'-':>{width}}"
    return f"{interval.estimate:{width}.3e}  [{interval.low:.3e}, {interval.high:.3e}]"


def print_json(obj: Any) -> None:
    """Writes ``obj`` as indented JSON on stdout."""
    json.dump(obj, sys.stdout, indent=2, sort_keys=False, default=_json_default)
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a hard dependency
        np = None
    if np is not None:
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


def parse_int_list(text: str, *, option: str) -> list[int]:
    """Parses ``"3,5,7"`` into ``[3, 5, 7]``, raising :class:`CliError` naming ``option``.

    Examples:
        >>> parse_int_list("3, 5,7", option="--distances")
        [3, 5, 7]
    """
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise CliError(f"{option}={text!r} must be a comma-separated list of integers, like 3,5,7")
    values = []
    for part in parts:
        try:
            values.append(int(part))
        except ValueError:
            raise CliError(
                f"{option}={text!r}: {part!r} is not an integer; expected a list like 3,5,7"
            ) from None
    return values


def check_run_options(args: argparse.Namespace) -> None:
    """Checks ``--workers``, ``--seed`` and (if it has one) ``--out`` of a sampling command.

    Raises:
        CliError: a non-positive worker count, a seed outside [0, 2**63), or an ``--out`` that
            exists and is not a directory.
    """
    if args.workers is not None and args.workers < 1:
        raise CliError(f"--workers={args.workers} must be a positive integer")
    if getattr(args, "seed", None) is not None and not 0 <= args.seed < 2**63:
        raise CliError(f"--seed={args.seed} must be in [0, 2**63)")
    out = getattr(args, "out", None)
    if out is not None and out.exists() and not out.is_dir():
        raise CliError(f"--out={str(out)!r} exists and is not a directory")


def parse_p_values(text: str) -> list[float]:
    """Parses ``--p``: a list ``0.002,0.004`` or a log-spaced range ``lo:hi:n``.

    Range values are rounded to 4 significant digits so they read well in tables.

    Raises:
        CliError: for an empty or malformed list, or a value outside (0, 1).

    Examples:
        >>> parse_p_values("0.002, 0.004")
        [0.002, 0.004]
        >>> parse_p_values("0.001:0.1:3")
        [0.001, 0.01, 0.1]
    """
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise CliError(f"--p={text!r} must be a list like 0.002,0.004 or a range lo:hi:n")
        try:
            low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise CliError(
                f"--p={text!r}: a range is lo:hi:n with numbers lo < hi and an integer n >= 2"
            ) from None
        if count < 2 or not low < high:
            raise CliError(f"--p={text!r}: a range lo:hi:n needs lo < hi and n >= 2")
        if count > MAX_P_VALUES:
            raise CliError(f"--p={text!r}: n={count:,} physical error rates is more than the "
                           f"{MAX_P_VALUES} a sweep may have (each is a separate task)")
        if not (low > 0 and high < 1):
            raise CliError(f"--p={text!r}: the range must lie strictly between 0 and 1")
        import numpy as np

        values = [float(f"{v:.4g}") for v in np.geomspace(low, high, count)]
    else:
        parts = [part.strip() for part in text.split(",")]
        if not text or any(not part for part in parts):
            raise CliError(f"--p={text!r} must be a comma-separated list of numbers, like "
                           "0.002,0.004, or a range lo:hi:n")
        values = []
        for part in parts:
            try:
                values.append(float(part))
            except ValueError:
                raise CliError(f"--p={text!r}: {part!r} is not a number") from None
    for value in values:
        if not (0 < value < 1) or math.isnan(value):
            raise CliError(f"--p={text!r}: p={value!r} must be strictly between 0 and 1")
    return sorted(set(values))


def parse_rounds(text: str) -> tuple[int, int]:
    """Parses ``--rounds``: a number ``N``, ``d`` or a multiple ``Kd``, as (constant, factor).

    The rounds of a distance ``d`` are then ``constant + factor * d``.

    Examples:
        >>> parse_rounds("d"), parse_rounds("3d"), parse_rounds("10")
        ((0, 1), (0, 3), (10, 0))
    """
    text = text.strip().lower()
    match = re.fullmatch(r"(\d*)d", text)
    if match:
        factor = int(match.group(1) or 1)
        if factor < 1:
            raise CliError(f"--rounds={text!r}: the multiple of d must be positive, like 3d")
        return 0, factor
    if re.fullmatch(r"\d+", text) and int(text) >= 1:
        return int(text), 0
    raise CliError(f"--rounds={text!r} must be a positive integer, 'd' or a multiple like '3d'")


def rounds_of(rule: tuple[int, int], distance: int | None, *, code: str) -> int:
    """The rounds of a ``--rounds`` rule (:func:`parse_rounds`) at one distance.

    Raises:
        CliError: a rule in multiples of d for a code whose distance is not known.

    Examples:
        >>> rounds_of((0, 3), 5, code="surface"), rounds_of((10, 0), None, code="steane")
        (15, 10)
    """
    constant, factor = rule
    if factor and distance is None:
        raise CliError(f"--rounds in multiples of d needs the code's distance, which --code "
                       f"{code} does not know; give a number of rounds")
    return constant + factor * (distance or 0)
