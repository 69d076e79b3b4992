"""The generator's layout: modules import only modules below them (no circle, also none in a
function), and only the table of kinds names a kind of page."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

from sitegen.kinds import KINDS

GENERATOR = REPO / "sitegen"


def imports(path: Path) -> set[str]:
    """The generator's modules a module imports, anywhere in it (a function's imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            found.update(name.split(".")[0] for name in names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sitegen."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith("sitegen."))
    return found - {path.stem}


def layers() -> list[list[str]]:
    """The modules in layers, the command line's side first: each imports only from layers
    after its own. Fails on a circle."""
    graph = {path.stem: imports(path) for path in sorted(GENERATOR.glob("*.py")) if path.stem != "__init__"}
    placed: list[list[str]] = []
    left = dict(graph)
    while left:
        bottom = sorted(name for name, needs in left.items() if not needs & left.keys())
        assert bottom, f"these modules import each other in a circle: {sorted(left)}"
        placed.append(bottom)
        for name in bottom:
            del left[name]
    return placed[::-1]


def test_no_module_imports_one_above_it():
    order = [name for layer in layers() for name in layer]
    # the command line's build, then the build's table of contents, then the steps it calls
    assert order.index("apart") < order.index("pipeline") < order.index("incremental") < order.index("render") < order.index("validate")
    assert order.index("pipeline") < order.index("publish") and order.index("render") < order.index("reads")


def test_only_the_table_of_kinds_names_a_kind():
    """No module but kinds.py compares with a kind's name or asks for one by it: what a kind
    does is in its entry of the table."""
    names = {kind.name for kind in KINDS}
    found = []
    for path in sorted(GENERATOR.glob("*.py")):
        if path.stem == "kinds":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                values = [node.left, *node.comparators]
            elif isinstance(node, ast.Call):
                values = node.args
            elif isinstance(node, ast.Subscript):
                values = [node.slice]
            else:
                continue
            for value in values:
                if isinstance(value, ast.Constant) and value.value in names:
                    found.append(f"{path.name}:{node.lineno}: {value.value!r}")
    assert found == []
