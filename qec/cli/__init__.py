"""The ``qec`` command line.

Every subcommand lives in its own module of this package and is listed in
:data:`qec.cli._main.COMMAND_MODULES`. Tests call :func:`main` directly; the ``qec`` program is
:func:`program`.
"""

from qec.cli._main import main, program

__all__ = ["main", "program"]
