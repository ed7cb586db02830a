"""Exceptions shared across the package, kept in a module that imports nothing heavy."""

from __future__ import annotations

__all__ = ["ExecutorError"]


class ExecutorError(RuntimeError):
    """The workers cannot go on: one batch killed its worker again and again, or the Dask
    scheduler went away. Every batch committed before is safe; running again resumes."""
