"""The package's shape (issue 20): no module over 400 lines, no function over 60 lines of code without a
one-line reason in its docstring ("Longer than 60 lines on purpose: ..."), and no import circle
between modules (imports inside functions and under TYPE_CHECKING count: they are dependencies too)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "secondhct"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


MODULES = _modules()


def test_no_module_is_over_400_lines() -> None:
    long = {p.name: n for p in SRC.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}


def test_every_function_over_60_lines_says_why() -> None:
    unexplained = []
    for name, tree in MODULES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node) or ""
                docstring_lines = node.body[0].end_lineno - node.body[0].lineno + 1 if doc else 0  # type: ignore[operator]
                code = node.end_lineno - node.lineno + 1 - docstring_lines  # type: ignore[operator]
                if code > 60 and "Longer than 60 lines on purpose" not in doc:
                    unexplained.append(f"{name}.{node.name}: {code} lines")
    assert unexplained == []


def _imports(name: str, tree: ast.Module) -> set[str]:
    """The package modules ``name`` imports, anywhere in the file."""
    package = name if SRC.parent.joinpath(*name.split("."), "__init__.py").exists() else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                for candidate in (f"{base}.{alias.name}", base):
                    if candidate in MODULES:
                        found.add(candidate)
                        break
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
    return found - {name}


def test_no_import_circle() -> None:
    graph = {name: _imports(name, tree) - {"secondhct"} for name, tree in MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == []
