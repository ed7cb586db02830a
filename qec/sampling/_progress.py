"""Progress of a sampling run on stderr: a live table on a terminal, periodic lines otherwise."""

from __future__ import annotations

import dataclasses
import math
import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any, Protocol, TextIO

__all__ = [
    "LiveProgress",
    "PlainProgress",
    "ProgressDisplay",
    "TaskProgress",
    "format_duration",
    "make_progress",
]


@dataclasses.dataclass(frozen=True)
class TaskProgress:
    """A snapshot of one task in a run (committed results only).

    Attributes:
        label: a short description, e.g. ``"d=5 p=0.004"``.
        shots, errors: committed totals.
        max_shots: the shot budget; ``max_errors`` the error target (None: no target).
        done: whether the task has met a stopping condition.
        seconds_left: estimated worker-seconds still needed (None: unknown yet).
    """

    label: str
    shots: int
    errors: int
    max_shots: int
    max_errors: int | None
    done: bool
    seconds_left: float | None


class ProgressDisplay(Protocol):
    """Receives snapshots of a run; see :func:`make_progress`."""

    def update(self, tasks: Sequence[TaskProgress], *, workers: int, final: bool = False
               ) -> None:
        """Shows the current state (``final`` on the last call of a run)."""


def format_duration(seconds: float | None) -> str:
    """``"1:02:03"``, ``"2:03"`` or ``"?"``.

    Examples:
        >>> format_duration(3723), format_duration(61.2), format_duration(None)
        ('1:02:03', '1:01', '?')
    """
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _eta(tasks: Sequence[TaskProgress], workers: int) -> float | None:
    left = [t.seconds_left for t in tasks if not t.done]
    if any(s is None for s in left):
        return None
    return sum(left) / max(1, workers)  # type: ignore[arg-type]


def _summary(tasks: Sequence[TaskProgress], *, workers: int, elapsed: float,
             new_shots: int) -> str:
    """The summary line; ``new_shots`` were sampled by this run (the rest were stored), so the
    rate says how fast this run goes, and a slow decoder shows within seconds. The ETA comes
    first after the count, so that a live table cut to an 80-column terminal still shows it."""
    done = sum(t.done for t in tasks)
    shots = sum(t.shots for t in tasks)
    errors = sum(t.errors for t in tasks)
    eta = "" if done == len(tasks) else f"ETA {format_duration(_eta(tasks, workers))}, "
    rate = f"{new_shots / elapsed:,.0f} shots/s" if elapsed > 0 else "- shots/s"
    return (f"qec: {done}/{len(tasks)} tasks done, {eta}elapsed {format_duration(elapsed)}, "
            f"{shots:,} shots, {errors:,} errors, {rate}")


class _Counter:
    """The shots a run found stored when it started, so that its rate counts only its own."""

    def __init__(self) -> None:
        self.start: int | None = None

    def new_shots(self, tasks: Sequence[TaskProgress]) -> int:
        shots = sum(t.shots for t in tasks)
        if self.start is None:
            self.start = shots
        return shots - self.start


class PlainProgress:
    """One summary line every ``interval`` seconds, and one at the end (for logs and pipes).

    Examples:
        >>> import io
        >>> out = io.StringIO()
        >>> p = PlainProgress(stream=out, interval=0)
        >>> p.update([TaskProgress("d=3", 1000, 5, 1000, None, True, 0.0)], workers=1, final=True)
        >>> line = out.getvalue()
        >>> line.startswith("qec: 1/1 tasks done, elapsed ") and "1,000 shots, 5 errors" in line
        True
    """

    def __init__(self, *, stream: TextIO | None = None, interval: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._start = time.monotonic()
        self._last = self._start
        self._counter = _Counter()

    def update(self, tasks: Sequence[TaskProgress], *, workers: int, final: bool = False
               ) -> None:
        now = time.monotonic()
        new_shots = self._counter.new_shots(tasks)
        if not final and now - self._last < self.interval:
            return
        self._last = now
        self.stream.write(_summary(tasks, workers=workers, elapsed=now - self._start,
                                   new_shots=new_shots) + "\n")
        self.stream.flush()


class LiveProgress:
    """A table redrawn in place on a terminal: per task shots, errors and rate; overall ETA."""

    def __init__(self, *, stream: TextIO | None = None, interval: float = 0.25) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._start = time.monotonic()
        self._last = -math.inf
        self._lines = 0
        self._counter = _Counter()

    def update(self, tasks: Sequence[TaskProgress], *, workers: int, final: bool = False
               ) -> None:
        now = time.monotonic()
        new_shots = self._counter.new_shots(tasks)
        if not final and now - self._last < self.interval:
            return
        self._last = now
        size = shutil.get_terminal_size((100, 24))
        rows = sorted(tasks, key=lambda t: t.done)  # unfinished first
        room = max(1, size.lines - 3)
        hidden = max(0, len(rows) - room)
        rows = rows[:room]
        width = max((len(t.label) for t in rows), default=0)
        lines = [_summary(tasks, workers=workers, elapsed=now - self._start,
                          new_shots=new_shots)]
        for t in rows:
            rate = f"{t.errors / t.shots:.2e}" if t.shots else "-"
            errors = f"{t.errors:,}" + (f"/{t.max_errors:,}" if t.max_errors is not None else "")
            # Each task's time left right after its label: a line cut to the terminal's
            # width loses the counts before it loses when the task ends.
            state = "done" if t.done else format_duration(t.seconds_left)
            lines.append(f"  {t.label:<{width}}  {state:>7}  shots {t.shots:>11,}/"
                         f"{t.max_shots:,}  errors {errors:>9}  rate {rate:>8}")
        if hidden:
            lines.append(f"  ... and {hidden} more tasks")
        lines = [line[: size.columns - 1] for line in lines]
        text = ""
        if self._lines:
            text += f"\x1b[{self._lines}F"  # back to the first line of the previous table
        text += "\x1b[J" + "\n".join(lines) + "\n"
        self.stream.write(text)
        self.stream.flush()
        self._lines = len(lines)


class _NoProgress:
    def update(self, tasks: Sequence[TaskProgress], *, workers: int, final: bool = False
               ) -> None:
        return None


def make_progress(mode: Any, *, stream: TextIO | None = None) -> ProgressDisplay:
    """A progress display for ``mode``.

    Args:
        mode: None or False (nothing), True or ``"auto"`` (live on a terminal, else periodic
            lines), ``"live"``, ``"plain"``, or an object with an ``update`` method.
        stream: where to write; stderr by default.

    Raises:
        ValueError: for an unknown mode.

    Examples:
        >>> type(make_progress(None)).__name__, type(make_progress("plain")).__name__
        ('_NoProgress', 'PlainProgress')
    """
    stream = stream if stream is not None else sys.stderr
    if mode is None or mode is False:
        return _NoProgress()
    if mode is True or mode == "auto":
        is_terminal = getattr(stream, "isatty", lambda: False)()
        return LiveProgress(stream=stream) if is_terminal else PlainProgress(stream=stream)
    if mode == "live":
        return LiveProgress(stream=stream)
    if mode == "plain":
        return PlainProgress(stream=stream)
    if hasattr(mode, "update"):
        return mode
    raise ValueError(
        f"progress={mode!r} must be None, True, 'auto', 'live', 'plain' or a display object")
