"""The package's shape: layers import only downwards, no cycles, no private names across modules."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import ruralnet

PACKAGE = Path(ruralnet.__file__).parent

# Lowest layer first; a module may import modules of its own layer (same
# subpackage) or of a layer below it, never above.
LAYERS = [
    ("ruralnet.exceptions", "ruralnet.settings", "ruralnet._validate", "ruralnet._io",
     "ruralnet._tables",
     "ruralnet._clock", "ruralnet._procs"),
    ("ruralnet.geo",),
    ("ruralnet.roads",),
    ("ruralnet.siting",),
    ("ruralnet.routing",),
    ("ruralnet.lrp",),
    ("ruralnet.plan",),
    ("ruralnet.programme",),
    ("ruralnet.economics",),
    ("ruralnet.pipeline",),
    ("ruralnet.outputs",),
    ("ruralnet.regional",),
    ("ruralnet.cli",),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    if module == "ruralnet":
        return len(LAYERS)
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every ``ruralnet`` import in a file, top-level or not: (module, names, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "ruralnet" or node.module.startswith("ruralnet."):
                found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("ruralnet"):
                    found.append((a.name, [], node.lineno))
    return found


def _graph() -> tuple[nx.DiGraph, list[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    G = nx.DiGraph()
    G.add_nodes_from(modules)
    problems = []
    for name, path in modules.items():
        for target, names, line in _imports(path):
            # "from ruralnet.geo import admin" imports the module ruralnet.geo.admin
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
            for t in subs or [target]:
                G.add_edge(name, t, line=line)
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                problems.append(f"{name}:{line} imports private {private} from {target}")
    return G, problems


def test_package_has_no_import_cycle():
    """No two modules import each other, directly or through others."""
    G, _ = _graph()
    G.remove_nodes_from([n for n in list(G) if n == "ruralnet"])
    # a subpackage's __init__ re-exports its modules: an edge from a module to
    # its own package's __init__ would be a cycle, and is caught here too
    cycles = list(nx.simple_cycles(G))
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_layers_import_only_downwards():
    """A module imports from its own layer or from layers below it, never above."""
    G, _ = _graph()
    upward = [
        f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)}), line {G.edges[a, b]['line']}"
        for a, b in G.edges
        if _layer(b) > _layer(a)
    ]
    assert not upward, "\n".join(upward)


def test_no_private_name_is_imported_from_another_module():
    """Names starting with ``_`` stay in the module that defines them."""
    _, problems = _graph()
    assert not problems, "\n".join(problems)


def test_no_module_uses_a_pep562_getattr_shim():
    """Names are imported, not loaded on first attribute access."""
    shims = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if "def __getattr__(name" in p.read_text(encoding="utf-8")]
    assert not shims


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_module_is_under_600_lines_or_says_why(path):
    """Modules stay small; a longer one explains itself in its docstring."""
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= 600:
        return
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert "Why this module is long" in doc, f"{path.name}: {text.count(chr(10))} lines"
