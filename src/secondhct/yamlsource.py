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

import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, FieldPath
from .escape import first_control

try:  # the C parser is much faster; marks are the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_CORE = "tag:yaml.org,2002:"
_MAX_NODES = 200_000  # guards against alias "billion laughs" expansion
#: The most text a document may expand to through aliases (one 1 MB quote aliased 10,000 times
#: is 10 GB): the size limit of an input file (textio.MAX_INPUT_BYTES), which a document without
#: aliases cannot pass (each character of a value takes at least one byte of the file).
_MAX_EXPANDED_CHARS = 16 << 20


_COL = 1 << 20  # a mark is line * _COL + column (columns beyond 2**20 - 1 are clamped)
_KEY = 1 << 64  # a key's mark is stored above its value's, in the same int


def _mark(line: int, column: int) -> int:
    return line * _COL + min(column, _COL - 1)


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document was written (1-based).

    One int per path (the value's line and column, and its key's above them): a
    document's positions are a third of the memory of a pair of tuples per node.
    """

    marks: dict[FieldPath, int] = field(default_factory=dict)

    @property
    def values(self) -> dict[FieldPath, tuple[int, int]]:
        """(line, column) of each value."""
        return {p: divmod(m % _KEY, _COL) for p, m in self.marks.items() if m % _KEY}

    @property
    def keys(self) -> dict[FieldPath, tuple[int, int]]:
        """(line, column) of each mapping key."""
        return {p: divmod(m // _KEY, _COL) for p, m in self.marks.items() if m >= _KEY}

    def locate(self, path: FieldPath, *, prefer_key: bool = False) -> tuple[int, int]:
        """Line and column of ``path``, or of its closest recorded ancestor."""
        marks = self.marks
        for end in range(len(path), -1, -1):
            mark = marks.get(path[:end])
            if mark is None:
                continue
            if prefer_key and mark >= _KEY:
                return divmod(mark // _KEY, _COL)
            if mark % _KEY:
                return divmod(mark % _KEY, _COL)
        return (1, 1)


@dataclass
class LoadedYAML:
    data: Any
    positions: Positions
    diagnostics: list[Diagnostic]

    def to_plain(self) -> tuple[Any, ...]:
        """Plain data (dicts, lists, tuples, text, numbers) for :mod:`.parsecache`."""
        diags = tuple((d.file, d.severity, d.message, d.line, d.column, d.path, d.code) for d in self.diagnostics)
        return (self.data, self.positions.marks, diags)

    @classmethod
    def from_plain(cls, plain: Any) -> LoadedYAML | None:
        """The inverse of :meth:`to_plain`; None for anything else (a foreign cache entry)."""
        try:
            data, marks, diags = plain
            if not isinstance(marks, dict):
                return None
            return cls(data, Positions(marks), [Diagnostic(*d) for d in diags])
        except (TypeError, ValueError):
            return None


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
        self.chars = 0  # text built so far, counting each alias's every use
        self.open: set[int] = set()  # the containers being built (an alias of one is a recursion)

    def build(self, node: yaml.Node, path: FieldPath) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _Fail("document too large (alias expansion?)", *_pos(node), path)
        marks = self.positions.marks
        start = node.start_mark
        marks[path] = marks.get(path, 0) + _mark(start.line + 1, start.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.open:
            raise _Fail("recursive YAML alias", *_pos(node), path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                self.check_tag(node, "seq", path)
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            self.check_tag(node, "map", path)
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        marks = self.positions.marks
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Fail("mapping keys must be plain text", *_pos(key_node), path)
            key = sys.intern(str(key_node.value))  # one object for a field name, however many documents use it
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
            sub = path + (key,)
            marks[sub] = _mark(*first_seen[key]) * _KEY
            result[key] = self.build(value_node, sub)
        return result

    def check_tag(self, node: yaml.Node, kind: str, path: FieldPath) -> None:
        if node.tag != _CORE + kind:
            raise _Fail(f"YAML tag '{node.tag}' is not allowed", *_pos(node), path)

    def scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        tag = node.tag
        if tag in (_CORE + "str", _CORE + "timestamp"):
            text = str(node.value)
            self.chars += len(text)
            if self.chars > _MAX_EXPANDED_CHARS:
                raise _Fail(f"document too large: its aliases expand to more than {_MAX_EXPANDED_CHARS >> 20} M characters",
                            *_pos(node), path)  # fmt: skip
            control = first_control(text)
            if control is not None:  # NUL, CR, ESC, U+2028, a bidi override...: never text a reader sees
                raise _Fail(f"the text holds the control character {control}; delete it (write line breaks as line breaks)",
                            *_pos(node), path)  # fmt: skip
            return text
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
    except yaml.YAMLError as exc:  # reader errors (e.g. control characters) carry no mark, only an offset
        offset = getattr(exc, "position", None)
        line, col = (1, 1)
        if isinstance(offset, int) and 0 <= offset <= len(text):
            line = text.count("\n", 0, offset) + 1
            col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        diag = Diagnostic(file, "error", f"malformed YAML: {exc}", line, col, code="yaml")
        return LoadedYAML(None, builder.positions, [diag])
    if node is None:
        diag = Diagnostic(file, "error", "the file is empty; expected a YAML mapping", 1, 1, code="not-mapping")
        return LoadedYAML(None, builder.positions, [diag])
    try:
        data = builder.build(node, ())
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
