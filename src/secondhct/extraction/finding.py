"""One located finding of a rule over an extraction (a leaf: the rules and their driver import it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import FieldPath, Severity


@dataclass(frozen=True)
class Finding:
    """A rule's verdict at one field: severity, the field's path, the message and the rule's code."""

    severity: Severity
    path: FieldPath
    message: str
    code: str
