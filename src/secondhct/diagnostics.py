"""Compiler-style diagnostics: ``file:line:col: severity: field.path: message``.

Every problem found in a curator's files is a :class:`Diagnostic`; nothing in
validation raises. Field paths use the notation ``outcomes[0].se``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .escape import visible

Severity = Literal["error", "warning", "info"]
PathPart = str | int
FieldPath = tuple[PathPart, ...]

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def format_path(path: FieldPath) -> str:
    """Render a field path as ``outcomes[0].ci.lower``.

    >>> format_path(("outcomes", 0, "ci", "lower"))
    'outcomes[0].ci.lower'
    >>> format_path(())
    ''
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, order=False)
class Diagnostic:
    """One problem, located in a file (line and column are 1-based; 0 means unknown)."""

    file: str
    severity: Severity
    message: str
    line: int = 0
    column: int = 0
    path: FieldPath = field(default=())
    code: str = ""

    def format(self) -> str:
        """The one-line compiler-style rendering."""
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        field_part = f"{format_path(self.path)}: " if self.path else ""
        return visible(f"{where}: {self.severity}: {field_part}{self.message}")  # a value's ESC or bidi character stays text

    def sort_key(self) -> tuple[str, int, int, int, str]:
        return (self.file, self.line, self.column, _SEVERITY_ORDER[self.severity], self.message)


def count_by_severity(diagnostics: list[Diagnostic]) -> dict[str, int]:
    """Counts of errors, warnings and infos (all three keys always present)."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for d in diagnostics:
        counts[d.severity] += 1
    return counts
