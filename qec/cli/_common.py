"""Helpers shared by the subcommands: user errors, --quiet/--json, parsing lists."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any


class CliError(Exception):
    """A user mistake on the command line: printed as one line on stderr, exit status 2."""


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Adds the ``--quiet`` and ``--json`` flags every long-running command takes."""
    parser.add_argument(
        "--quiet", action="store_true", help="print no progress and no human-readable summary"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a machine-readable JSON summary on stdout (implies no progress on stdout)",
    )


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--workers`` and ``--dask``: where the work runs."""
    parser.add_argument("--workers", type=positive_int("--workers"), default=None,
                        help="worker processes (default: all cores)")
    parser.add_argument(
        "--dask", default=None, metavar="ADDRESS",
        help="run on Dask: a scheduler address (tcp://host:8786), or 'local' for a local "
             "cluster of --workers workers (needs pip install 'qec-lab[dask]')")


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """Adds ``--workers``, ``--dask`` and ``--seed``, the options of every sampling command."""
    add_parallel_options(parser)
    parser.add_argument("--seed", type=int, default=None,
                        help="root seed: the same seed gives the same results")


def code_help() -> str:
    """The help text of ``--code``: the spec syntax and the registered families."""
    from qec.codes import code_families

    names = ", ".join(f.name + (f" ({', '.join(f.parameters)})" if f.parameters else "")
                      for f in code_families())
    return (f"code family or spec, like surface or surface:distance=5 (default surface, the "
            f"rotated surface code); families: {names}")


def add_custom_decoders_option(parser: argparse.ArgumentParser) -> None:
    """Adds ``--custom-decoders MODULE:FUNCTION``, as ``sinter collect --custom_decoders``."""
    parser.add_argument(
        "--custom-decoders", default=None, metavar="MODULE:FUNCTION",
        help="decoders from your own code: FUNCTION() in MODULE returns a dict of decoder name "
             "to sinter.Decoder (or sinter.Sampler), as for sinter collect --custom_decoders; "
             "those names come first for --decoder(s)")


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
