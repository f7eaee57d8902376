"""Safe YAML loading that remembers where every value was written.

PyYAML's *composer* builds a node tree (with line and column marks) without
constructing any Python object from tags, so a document such as
``!!python/object/apply:os.system`` can never run code here. We then turn the
nodes into plain ``dict``/``list``/scalars ourselves, which lets us

* reject duplicate mapping keys (PyYAML silently keeps the last one),
* keep timestamps as text (``2024-03-01`` stays a string, not a ``date``),
* keep every mapping key as the text the curator typed (``no:`` is the key
  ``"no"``, not ``False``),
* record the position of every value and key, so diagnostics can point at
  ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, FieldPath

try:  # the C parser is much faster; marks are the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_CORE = "tag:yaml.org,2002:"
_MAX_NODES = 200_000  # guards against alias "billion laughs" expansion


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document was written (1-based)."""

    values: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> tuple[int, int]:
        """Line and column of ``path``, or of its closest recorded ancestor."""
        for end in range(len(path), -1, -1):
            sub = path[:end]
            if prefer_key and sub in self.keys:
                return self.keys[sub]
            if sub in self.values:
                return self.values[sub]
        return (1, 1)


@dataclass
class LoadedYAML:
    data: Any
    positions: Positions
    diagnostics: list[Diagnostic]


class _Fail(Exception):
    def __init__(self, message: str, line: int, column: int, path: FieldPath = ()):
        super().__init__(message)
        self.message, self.line, self.column, self.path = message, line, column, path


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self) -> None:
        self.positions = Positions()
        self.constructor = yaml.constructor.SafeConstructor()
        self.count = 0

    def build(self, node: yaml.Node, path: FieldPath, stack: set[int]) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Fail("document too large (alias expansion?)", *_pos(node), path)
        self.positions.values[path] = _pos(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in stack:
            raise _Fail("recursive YAML alias", *_pos(node), path)
        stack = stack | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, "seq", path)
            return [self.build(item, path + (i,), stack) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        self.check_tag(node, "map", path)
        result: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Fail("mapping keys must be plain text", *_pos(key_node), path)
            key = str(key_node.value)
            if key in first_seen:
                line, _ = first_seen[key]
                # In a list item, a repeated field usually starts the next item without its '-'.
                hint = "; if a new list item starts here, it needs its '-'" if path and isinstance(path[-1], int) else ""
                raise _Fail(
                    f"duplicate key '{key}' (first defined at line {line}){hint}",
                    *_pos(key_node),
                    path + (key,),
                )
            first_seen[key] = _pos(key_node)
            self.positions.keys[path + (key,)] = _pos(key_node)
            result[key] = self.build(value_node, path + (key,), stack)
        return result

    def check_tag(self, node: yaml.Node, kind: str, path: FieldPath) -> None:
        if node.tag != _CORE + kind:
            raise _Fail(f"YAML tag '{node.tag}' is not allowed", *_pos(node), path)

    def scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        tag = node.tag
        if tag in (_CORE + "str", _CORE + "timestamp"):
            return str(node.value)
        if tag == _CORE + "null":
            return None
        if tag == _CORE + "bool":
            return self.constructor.construct_yaml_bool(node)
        if tag == _CORE + "int":
            return self.constructor.construct_yaml_int(node)
        if tag == _CORE + "float":
            return self.constructor.construct_yaml_float(node)
        raise _Fail(f"YAML tag '{tag}' is not allowed", *_pos(node), path)


_HINTS = (  # (words of PyYAML's message, what to look at), first match wins
    ("cannot start any token", "is there a tab? indent with spaces only"),
    ("mapping values are not allowed", "a value containing ': ' must be quoted (\"...\"), or this line is indented too far"),
    ("expected '-' indicator", "items of a list each start with '-' at the same indentation: is a '-' missing, or a field indented differently from the lines above?"),
    ("did not find expected key", "check the indentation: the fields of one mapping start in the same column"),
    ("could not find expected ':'", "every line of a mapping is 'field: value': is the ':' missing, or a '-' for a list item?"),
    ("flow sequence", "a '[' is not closed by ']' (or a ',' is missing between items)"),
    ("flow mapping", "a '{' is not closed by '}' (or a ',' is missing between fields)"),
    ("quoted scalar", "a quote (\" or ') is not closed"),
)


def syntax_hint(problem: str, text: str, line: int) -> str:
    """A plain hint for a YAML syntax error: a tab, the indentation, a missing '-' or ':'."""
    lines = text.splitlines()
    near = lines[max(0, line - 2) : line]
    if any("\t" in ln[: len(ln) - len(ln.lstrip())] for ln in near):
        return "a tab is used for indentation: YAML indents with spaces only"
    return next((hint for words, hint in _HINTS if words in problem), "")


def load_yaml(text: str, file: str) -> LoadedYAML:
    """Parse one YAML document safely; problems come back as diagnostics, never raised."""
    builder = _Builder()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        hint = syntax_hint(problem, text, line)
        message = f"malformed YAML: {problem}" + (f"; {hint}" if hint else "")
        diag = Diagnostic(file, "error", message, line, col, code="yaml")
        return LoadedYAML(None, builder.positions, [diag])
    except yaml.YAMLError as exc:  # reader errors (e.g. control characters) carry no mark
        diag = Diagnostic(file, "error", f"malformed YAML: {exc}", 1, 1, code="yaml")
        return LoadedYAML(None, builder.positions, [diag])
    if node is None:
        diag = Diagnostic(file, "error", "the file is empty; expected a YAML mapping", 1, 1, code="not-mapping")
        return LoadedYAML(None, builder.positions, [diag])
    try:
        data = builder.build(node, (), set())
    except _Fail as fail:
        diag = Diagnostic(file, "error", fail.message, fail.line, fail.column, fail.path, code="yaml")
        return LoadedYAML(None, builder.positions, [diag])
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        diag = Diagnostic(file, "error", f"malformed YAML value: {exc}", *_pos(node), code="yaml")
        return LoadedYAML(None, builder.positions, [diag])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        diag = Diagnostic(
            file, "error", f"the document is {kind}; expected a YAML mapping of fields", *_pos(node),
            code="not-mapping",
        )
        return LoadedYAML(None, builder.positions, [diag])
    return LoadedYAML(data, builder.positions, [])
