"""A figure process: matplotlib imported beside a command's start-up, figures drawn beside its
summary.

Importing matplotlib's figure machinery takes about 0.3 s (most of it builds the docstrings of
its artists' ``set`` methods), and a command that samples and then draws pays it after its
sampling, on one core, while the other cores idle. :class:`FigureProcess` moves that work to a
forked process started first: it imports matplotlib while the command imports and starts the
rest, and it draws and writes the figure while the command writes its table and summary.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pathlib
import pickle
import signal
import sys
from collections.abc import Callable
from typing import Any

from qec._child import exit_with_parent, release_standard_streams
from qec.plotting._common import save_figure

__all__ = ["FigureProcess"]

_IMPORTS = ("matplotlib.figure", "matplotlib.backends.backend_agg", "qec.analysis")
"""What the figure process imports before it waits: matplotlib's figure and the Agg canvas that
writes PNG files, and the analysis results that figures are given (to unpickle them)."""


def _serve(connection: Any, parent_pid: int) -> None:
    """The figure process: import, then draw every figure asked for until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command handles Ctrl-C and closes this
    exit_with_parent(parent_pid)
    release_standard_streams()
    for module in _IMPORTS:
        __import__(module)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, path, dpi, arguments = message
        try:
            reply: tuple[str, Any] = ("done", save_figure(function(**arguments), path, dpi=dpi))
        except Exception as exc:  # every failure goes back to the command, which raises it
            reply = ("error", exc)
        try:
            connection.send(reply)
        except Exception:  # an exception that does not pickle goes back as its message
            connection.send(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))


class FigureProcess:
    """Draws figures in a process forked at once, which imports matplotlib while this one works.

    Start it before the long work; :meth:`draw` hands it a figure function of
    :mod:`qec.plotting` and its arguments, and :meth:`wait` returns the written path (or raises
    what drawing raised, as drawing here would). Where a process cannot be forked (not Linux),
    the figure process has ended, or the function or its arguments do not pickle, the figure
    is drawn in this process: the file is the same either way. The process ignores Ctrl-C, ends
    with this process whatever ends it, and is stopped by :meth:`close` (or the ``with`` block).

    Examples:
        >>> import tempfile
        >>> from qec.data import TaskStats
        >>> from qec.plotting import plot_threshold
        >>> stats = [TaskStats(strong_id=f"{d}-{p}", decoder="pymatching", shots=1000,
        ...                    errors=int(p * 1000 * d),
        ...                    json_metadata={"distance": d, "rounds": d, "p": p})
        ...          for d in (3, 5) for p in (0.01, 0.02)]
        >>> with FigureProcess() as figures, tempfile.TemporaryDirectory() as tmp:
        ...     figures.draw(plot_threshold, f"{tmp}/threshold.png", points=stats)
        ...     figures.wait().name
        'threshold.png'
    """

    def __init__(self) -> None:
        self._connection: Any = None
        self._process: Any = None
        self._pending: tuple[Callable[..., Any], pathlib.Path, int, dict[str, Any]] | None = None
        self._sent = False
        if sys.platform.startswith("linux"):
            context = multiprocessing.get_context("fork")
            self._connection, child = context.Pipe(duplex=True)
            self._process = context.Process(target=_serve, args=(child, os.getpid()),
                                            name="qec-figures", daemon=True)
            self._process.start()
            child.close()

    def draw(self, function: Callable[..., Any], path: str | os.PathLike[str], *,
             dpi: int = 100, **arguments: Any) -> None:
        """Starts drawing ``function(**arguments)`` into ``path``; :meth:`wait` collects it.

        Args:
            function: a figure function that returns an ``Axes`` (:func:`plot_threshold`, ...).
            path: the file to write (:func:`qec.plotting.save_figure`).
            dpi: dots per inch.
            **arguments: the function's keyword arguments (picklable).

        Raises:
            ValueError: a figure is already being drawn and has not been waited for.
        """
        if self._pending is not None:
            raise ValueError("draw() was called twice without wait(): wait for the first figure")
        self._pending = (function, pathlib.Path(path), dpi, arguments)
        self._sent = False
        if self._process is not None:
            try:
                self._connection.send(self._pending)
            except (pickle.PicklingError, AttributeError, TypeError):
                pass  # a function or argument that cannot be pickled: wait() draws it here
            except (OSError, ValueError):  # the process has ended: wait() draws here
                self._stop()
            else:
                self._sent = True

    def wait(self) -> pathlib.Path:
        """Waits for the figure started by :meth:`draw` and returns the path written.

        Raises:
            ValueError: nothing is being drawn.
            Exception: what the figure function or :func:`save_figure` raised.
        """
        if self._pending is None:
            raise ValueError("wait() without draw(): nothing is being drawn")
        function, path, dpi, arguments = self._pending
        self._pending = None
        if self._sent and self._process is not None:
            try:
                kind, value = self._connection.recv()
            except (EOFError, OSError):  # the process ended while drawing: draw here
                self._stop()
            else:
                if kind == "error":
                    raise value
                return value
        return save_figure(function(**arguments), path, dpi=dpi)

    def close(self) -> None:
        """Stops the figure process (a figure not waited for is abandoned)."""
        self._pending = None
        self._stop()

    def _stop(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._connection.send(None)
        self._connection.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._process = None

    def __enter__(self) -> FigureProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
