"""The module graph of the extract stack, read from the source (AST, every import including in-function ones).

Pixels mode (fetching.py) and export mode (exporting.py) are siblings on units.py: neither imports the other or
extract.py, and no module of the stack sits on an import cycle. Functions stay under 80 lines, modules under 600.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "m3leo_extract"
# The modules this layout covers (the units / extract / export redesign). Other areas are checked by their own
# tests; `test_no_cycle_through_the_extract_stack` still follows imports through all of them.
STACK = {"units", "extract", "fetching", "exporting", "runner", "plan", "refresh", "quickstart", "status",
         "chipindex", "config", "defaults", "splits", "ee.export", "ee.pixels", "ee.session", "cli.extract",
         "cli.ops", "cli.grid"}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = list(p.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package `name` imports anywhere in its file (parents of `name` left out: always loaded)."""
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if name else []
    base = here if is_pkg else here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            pkg = base[:len(base) - (node.level - 1)]
            target = ".".join(pkg + ([node.module] if node.module else []))
            subs = {f"{target}.{a.name}".strip(".") for a in node.names}
            found |= {s for s in subs if s in modules} or {target}
            if not all(s in modules for s in subs):
                found.add(target)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("m3leo_extract"):
            found.add(node.module.removeprefix("m3leo_extract").strip("."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("m3leo_extract").strip(".") for a in node.names
                      if a.name.startswith("m3leo_extract")}
    ancestors = {".".join(here[:i]) for i in range(len(here))}
    return {m for m in found if m in modules and m != name and m not in ancestors}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_modes_are_siblings_on_units() -> None:
    g = _graph()
    assert "units" in g["fetching"] and "units" in g["exporting"]
    assert not {"extract", "exporting"} & _reaches(g, "fetching")
    assert not {"extract", "fetching"} & _reaches(g, "exporting")
    assert not {"extract", "fetching", "exporting"} & _reaches(g, "units")
    assert {"fetching", "exporting", "units"} <= g["extract"]


def test_no_cycle_through_the_extract_stack() -> None:
    g = _graph()
    assert STACK <= set(g), sorted(STACK - set(g))
    on_cycle = sorted(m for m in STACK if m in _reaches(g, m))
    assert on_cycle == []


def test_the_graph_sees_in_function_imports(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from .b import g\n")
    (tmp_path / "b.py").write_text("from . import a\n")
    mods = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    g = {n: _imports(n, p, mods) for n, p in mods.items()}
    assert "a" in _reaches(g, "a")  # a -> b (inside a function) -> a


def test_functions_and_modules_of_the_stack_are_short() -> None:
    modules = _modules()
    long_modules, long_functions = [], []
    for name in sorted(STACK):
        src = modules[name].read_text()
        if len(src.splitlines()) > 600:
            long_modules.append(name)
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                long_functions.append(f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert (long_modules, long_functions) == ([], [])
