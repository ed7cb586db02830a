"""Entry point of the ``qec`` command: builds the parser from the subcommand modules."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import importlib
import io
import os
import re
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from qec._errors import ExecutorError, SchedulerUnreachable
from qec.cli._common import CliError
from qec.cli._options import code_distance, database_path

# Each module defines NAME (str), HELP (str), add_arguments(parser) and run(args) -> int.
COMMAND_MODULES: tuple[str, ...] = (
    "qec.cli._circuit",
    "qec.cli._threshold",
    "qec.cli._collect",
    "qec.cli._export",
    "qec.cli._import",
    "qec.cli._fit",
    "qec.cli._plot",
    "qec.cli._decoders",
    "qec.cli._bench_decoders",
    "qec.cli._leakage",
    "qec.cli._budget",
    "qec.cli._lowrate",
    "qec.cli._decode",
    "qec.cli._learn_noise",
    "qec.cli._diagnose",
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """Returns the full ``qec`` argument parser."""
    from qec import __version__

    parser = _Parser(
        prog="qec",
        description="Quantum error-correction experiments: circuits, sampling, thresholds.",
    )
    parser.add_argument("--version", action="version", version=f"qec {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run, _parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``qec`` command line and returns its exit status.

    User mistakes (bad options, invalid values raised as ``ValueError`` by the library,
    unreadable files) print one line on stderr and return 2; there is no traceback.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status: 0 on success, 2 on a user error (or a missing optional extra),
        1 when stdout was closed early or the workers or Dask cluster failed, and 128 plus the
        signal's number when interrupted: 130 (SIGINT, Ctrl-C), 143 (SIGTERM), 129 (SIGHUP).
        An interrupted command says how many batches are stored; re-running resumes.

    Examples:
        >>> main(["circuit", "--code", "repetition", "--distance", "3", "--rounds", "1",
        ...       "--noise", "noiseless"]) == 0  # doctest: +ELLIPSIS
        QUBIT_COORDS...
        True
    """
    if sys.stdout is None:  # started with stdout closed (`>&-`): writing it fails, as in a shell
        sys.stdout = _ClosedStream()
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
        if extras:  # said by the command's parser, so that it reads "qec COMMAND: error: ..."
            getattr(args, "_parser", parser).error(
                f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as exc:  # --help, --version and argparse errors
        return int(exc.code or 0)
    if getattr(args, "_run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    if hasattr(args, "db") and args.db is None:  # one default for every command that stores
        args.db = database_path(args)
    with _terminate_like_interrupt():
        try:
            return _run(args)
        except SchedulerUnreachable as exc:
            _error_line(args.command, exc)
            if argv is None:
                # The `qec` command itself: nothing is written yet, and Dask may hold a
                # half-open connection to the endpoint until its peer closes it, which would
                # keep the interpreter from exiting; end the process now.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(2)
            return 2


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, ending the command the way Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def program() -> NoReturn:
    """The ``qec`` program (its console script and ``python -m qec``): :func:`main` on
    ``sys.argv``, then exit with its status.

    The process ends right after the command, whose files, database and figure are closed by
    then, so the objects it leaves are frozen (:func:`gc.freeze`) before the exit: the
    interpreter's shutdown then skips a last garbage collection over every one of them (about
    0.2 s of a threshold run's end). Library callers and tests call :func:`main`, which leaves
    the garbage collector alone.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


@contextlib.contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """While the command runs, SIGTERM and SIGHUP raise :class:`_Terminated` (a
    KeyboardInterrupt), so that they stop the workers and report like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    raised = []

    def handler(signum: int, frame: Any) -> None:
        # The first signal ends the command; more (``timeout`` forwarding the SIGTERM that
        # ``kill`` also sent, a second Ctrl-C of a supervisor) must not interrupt the
        # shutdown it started with a traceback.
        if raised:
            return
        raised.append(signum)
        raise _Terminated(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def _stored_batches(args: argparse.Namespace) -> str:
    """``"; 12 batches are stored in PATH"`` for a command with a database, else ``""``."""
    db = getattr(args, "db", None)
    if db is None or not os.path.isfile(db):
        return ""
    try:
        connection = sqlite3.connect(f"file:{os.fspath(db)}?mode=ro", uri=True, timeout=5)
        try:
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM batches WHERE shots IS NOT NULL").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return ""
    return f"; {count:,} completed batches are stored in {os.fspath(db)}: run it again to resume"


def _run(args: argparse.Namespace) -> int:
    try:
        if hasattr(args, "distance"):  # one rule for every command: a fixed-size code's own
            args.distance = code_distance(args)
        return int(args._run(args) or 0)
    except SchedulerUnreachable:
        raise  # main() decides how to end
    except (CliError, ValueError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        _error_line(args.command, exc, _flags(args))
        return 2
    except ImportError as exc:  # a missing optional extra; the message says what to install
        _error_line(args.command, exc, _flags(args))
        return 2
    except MemoryError:  # an input too large for this machine: say so, no traceback
        sys.stderr.write(f"qec {args.command}: error: out of memory: the inputs ask for more "
                         "memory than this machine has (smaller figures, fewer shots per "
                         "batch, or a smaller code)\n")
        return 2
    except ExecutorError as exc:  # the workers or the cluster failed, not the user: status 1
        _error_line(args.command, exc, _flags(args))
        return 1
    except BrokenPipeError:  # e.g. `qec decoders --json | head`: the reader went away
        _silence_stdout()
        return 1
    except OSError as exc:
        if _is_stdout_failure(exc):  # stdout closed (`>&-`) or full (`>/dev/full`)
            _silence_stdout()
            return 1
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT):  # the machine, not the input
            _storage_failure(args, str(exc))
            return 1
        _error_line(args.command, exc, _flags(args))
        return 2
    except sqlite3.Error as exc:  # the database could not be written (disk full, I/O error)
        if isinstance(exc, sqlite3.OperationalError) and _is_storage_message(str(exc)):
            _storage_failure(args, str(exc))
            return 1
        _error_line(args.command, exc, _flags(args))
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        sys.stderr.write(f"qec {args.command}: interrupted by {name}{_stored_batches(args)}\n")
        return 128 + int(signum)


class _ClosedStream(io.TextIOBase):
    """Stands for a closed stdout: every write fails with EBADF, as writing fd 1 would."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        """Nothing is buffered, so there is nothing to fail."""


def _is_stdout_failure(exc: OSError) -> bool:
    """Whether an OSError came from writing stdout: closed, full, or a pipe with no reader."""
    if exc.errno not in (errno.EBADF, errno.ENOSPC, errno.EPIPE, errno.EIO):
        return False
    if isinstance(sys.stdout, _ClosedStream):
        return True
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return getattr(exc, "filename", None) is None


def _silence_stdout() -> None:
    """Points stdout at /dev/null, so that the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    with contextlib.suppress(OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives until the process ends)


def _is_storage_message(message: str) -> bool:
    """Whether SQLite's message says the disk, not the input, failed."""
    message = message.lower()
    return any(text in message for text in ("disk is full", "disk i/o error", "out of space"))


def _storage_failure(args: argparse.Namespace, message: str) -> None:
    """One line for storage that failed during the work (exit status 1): what happened and
    what is safely stored, so that the user can free space and run the same command again."""
    sys.stderr.write(f"qec {args.command}: error: could not write: {message}"
                     f"{_stored_batches(args)}\n")


def _error_line(command: str, exc: BaseException, flags: Sequence[str] = ()) -> None:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    sys.stderr.write(f"qec {command}: error: {name_the_flags(message, flags)}\n")


def name_the_flags(message: str, flags: Sequence[str]) -> str:
    """A library message in the command line's words: a message about ``distance=1`` is about
    ``--distance=1`` when the parameter is one of the command's flags (only the message's
    subject: values quoted later in it are left alone).

    Examples:
        >>> name_the_flags("distance=1 must be an integer >= 2 (p=0.3)", ["--distance", "--p"])
        '--distance=1 must be an integer >= 2 (p=0.3)'
        >>> name_the_flags("measure_flip=1.5 must be a probability", ["--p"])
        'measure_flip=1.5 must be a probability'
    """
    for flag in flags:
        name = flag[2:].replace("-", "_")
        if re.match(rf"{re.escape(name)}=", message):
            return flag + message[len(name):]
    return message


def _flags(args: argparse.Namespace) -> list[str]:
    """The long options of the command that ran."""
    parser = getattr(args, "_parser", None)
    if parser is None:
        return []
    return [flag for action in parser._actions for flag in action.option_strings
            if flag.startswith("--") and flag != "--help"]


if __name__ == "__main__":  # pragma: no cover
    program()
