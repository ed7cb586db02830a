"""The package's layers run one way: no module imports one above it, and there is no cycle."""

from __future__ import annotations

import ast
import pathlib

import networkx as nx
import pytest

from qec._layers import LAYERS, layer_of

ROOT = pathlib.Path(__file__).resolve().parent.parent / "qec"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, pathlib.Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(path: pathlib.Path, modules: dict[str, pathlib.Path], *, eager_only: bool = False
             ) -> list[tuple[str, int]]:
    """(qec module imported, line) for every import in a file (module level only if asked)."""
    tree = ast.parse(path.read_text())
    name = _module_name(path) if path.is_relative_to(ROOT) else "qec.outside"
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if eager_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                       for a in node.names]
        else:
            continue
        found.extend((t, node.lineno) for t in targets if t == "qec" or t.startswith("qec."))
    return found


def _resolve(target: str, modules: dict[str, pathlib.Path]) -> str:
    while target not in modules and "." in target:
        target = target.rpartition(".")[0]
    return target


def _violations(modules: dict[str, pathlib.Path]) -> list[str]:
    # A package's __init__ runs whenever one of its modules is imported, so its eager imports
    # count against whoever imports anything inside it (the facade `qec` aside: Python runs it
    # before any qec module, whatever the layer).
    eager_layer = {}
    for name, path in modules.items():
        if path.name == "__init__.py" and name != "qec":
            layers = [layer_of(_resolve(t, modules)) for t, _ in
                      _imports(path, modules, eager_only=True)]
            eager_layer[name] = max(layers, default=0)
    problems = []
    for name, path in modules.items():
        mine = layer_of(name)
        for target, line in _imports(path, modules):
            resolved = _resolve(target, modules)
            if resolved == name or name.startswith(resolved + "."):
                continue  # a package's own modules, or a module of its own package
            if layer_of(resolved) > mine:
                problems.append(f"line {line}: {name} "
                                f"({LAYERS[mine][0]}) imports {resolved} "
                                f"({LAYERS[layer_of(resolved)][0]})")
                continue
            parent = resolved.rpartition(".")[0]
            while parent and parent != "qec":
                if not name.startswith(parent + ".") and eager_layer.get(parent, 0) > mine:
                    problems.append(f"line {line}: {name} imports "
                                    f"{resolved}, whose package {parent} loads layer "
                                    f"{LAYERS[eager_layer[parent]][0]}")
                parent = parent.rpartition(".")[0]
    return problems


def _cycles(modules: dict[str, pathlib.Path]) -> list[list[str]]:
    graph = nx.DiGraph()
    for name, path in modules.items():
        for target, _ in _imports(path, modules):
            resolved = _resolve(target, modules)
            # The facade and package __init__ files re-export their own modules: importing a
            # package's module from that package's __init__ is not a dependency cycle.
            if resolved != name and resolved != "qec" and not resolved.startswith(name + "."):
                graph.add_edge(name, resolved)
    return [cycle for cycle in nx.simple_cycles(graph) if len(cycle) > 1]


@pytest.mark.parametrize("module", sorted(_modules()))
def test_every_module_is_in_a_layer(module):
    # One test per module (`pytest -v tests/test_layers.py` lists them): a new module is in the
    # check the moment it exists.
    assert 0 <= layer_of(module) < len(LAYERS)  # layer_of raises for a module in no layer


def test_no_module_imports_a_higher_layer():
    assert _violations(_modules()) == []


def test_there_is_no_import_cycle():
    assert _cycles(_modules()) == []


def test_an_inverted_import_is_caught(tmp_path):
    # The check itself can fail: a codes module that imports the sampling engine is reported.
    modules = _modules()
    bad = tmp_path / "bad.py"
    bad.write_text("from qec.sampling import collect\n")
    problems = _violations({**modules, "qec.codes._bad": bad})
    assert any("qec.codes._bad (noise and codes) imports qec.sampling" in p for p in problems)


def test_the_layer_order_is_written_in_the_architecture_page():
    page = (ROOT.parent / "docs" / "architecture.md").read_text()
    rows = [line for line in page.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(LAYERS)
    for index, ((layer_name, prefixes), row) in enumerate(zip(LAYERS, rows, strict=True)):
        assert row.startswith(f"| {index} {layer_name} |"), row
        for prefix in prefixes:
            if prefix not in ("qec", "qec._layers", "qec._lazy", "qec.__main__"):
                assert f"`{prefix}`" in row, (prefix, row)
