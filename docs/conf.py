"""Sphinx configuration of qec's documentation (``make docs``; the build treats warnings as errors).

Sphinx, because the tools qec sits beside document themselves with it (PyMatching's site, ldpc,
qLDPC), and because autodoc reads the Google-style docstrings that already run as doctests;
MyST-NB for Markdown pages and for executing the getting-started notebook at every build
(nbclient, no pandoc); sphinx-argparse for a command-line reference read from the parsers.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import qec

project = "qec"
author = "the qec developers"
copyright = "2026, the qec developers"
version = release = qec.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
]

exclude_patterns = ["_build", "_generated", "jupyter_execute", ".jupyter_cache",
                    "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}

# The notebook runs at every build, so the tutorial cannot go stale; a cell that raises fails it.
nb_execution_mode = "force"
nb_execution_timeout = 60  # seconds per cell; the whole notebook takes about ten
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True

html_theme = "furo"
html_title = f"qec {release}"
html_static_path: list[str] = []


def _write_option_table() -> None:
    """The table of commands against shared options, read from the parsers (cli.md includes
    it), so that it cannot disagree with ``qec COMMAND --help``."""
    from qec.cli._main import build_parser
    from qec.cli._options import vocabulary_table

    folder = os.path.join(os.path.dirname(__file__), "_generated")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "options.md"), "w") as file:
        file.write(vocabulary_table(build_parser()) + "\n")


_write_option_table()
