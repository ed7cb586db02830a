"""The README is a landing page whose links, images and example work; the documentation's code
blocks import what exists; the tutorial notebook is stored without outputs, so that the docs
build (``make docs``, run by CI) executes it from scratch."""

from __future__ import annotations

import ast
import importlib
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text without fenced code blocks and inline code spans (whose brackets are code)."""
    text = re.sub(r"^```.*?^```$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_readme_is_a_landing_page():
    lines = README.read_text().splitlines()
    assert len(lines) < 150
    headings = [line for line in lines if line.startswith("## ")]
    for needed in ("## Two commands", "## Installing", "## Citing", "## Contributing"):
        assert needed in headings


def test_every_relative_link_of_the_readme_and_the_docs_exists():
    for page in [README, *PAGES]:
        for target in _LINK.findall(_prose(page.read_text())):
            if "://" in target or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def test_the_readme_example_runs(tmp_path):
    [example] = _python_blocks(README.read_text())
    script = tmp_path / "example.py"
    script.write_text(example)
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] in ("corrected", "plain", "extrapolated", "None")
    assert (tmp_path / "results" / "mine.db").is_file()


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_parse_and_import_what_exists(page):
    for block in _python_blocks(page.read_text()):
        tree = ast.parse(block)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("qec"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module}.{alias.name}"


def test_every_guide_is_in_the_table_of_contents():
    index = (DOCS / "index.md").read_text()
    for guide in sorted((DOCS / "guides").glob("*.md")):
        assert f"guides/{guide.stem}\n" in index, guide.name


def test_the_tutorial_is_stored_without_outputs():
    notebook = json.loads((DOCS / "getting-started.ipynb").read_text())
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert len(code_cells) >= 6
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code_cells)
