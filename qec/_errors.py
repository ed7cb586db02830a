"""Exceptions shared across the package, kept in a module that imports nothing heavy."""

from __future__ import annotations

__all__ = ["ExecutorError", "SchedulerUnreachable"]


class ExecutorError(RuntimeError):
    """The workers cannot go on: one batch killed its worker again and again, or the Dask
    scheduler went away. Every batch committed before is safe; running again resumes."""


class SchedulerUnreachable(ValueError):
    """No Dask scheduler answered at the given address within the connection timeout.

    Dask may keep a half-open connection to such an endpoint until its peer closes it, which
    can hold the interpreter at exit; the command line therefore ends its process at once
    after reporting this error (nothing has been written by then).
    """
