"""The field tree of an extraction: every model and list with its field path (a leaf module).

:func:`~secondhct.extraction.checks.check_study` walks a study once and sets :data:`WALKED`
for the duration of its rules, so that :func:`instances` reads that walk instead of walking again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from ..diagnostics import FieldPath

T = TypeVar("T")

#: The tree of the study being checked (set by check_study for the duration of its rules).
WALKED: list[tuple[Any, list[tuple[FieldPath, Any]]]] = []


def children(here: FieldPath, node: Any) -> list[tuple[FieldPath, Any]]:
    """The model and list children of a node, last first (for a stack)."""
    if isinstance(node, BaseModel):
        return [
            (here + (name,), value) for name in reversed(type(node).model_fields)
            if isinstance(value := getattr(node, name), (BaseModel, list))
        ]  # fmt: skip
    if isinstance(node, list):
        return [(here + (i,), item) for i, item in reversed(list(enumerate(node))) if isinstance(item, (BaseModel, list))]
    return []


def walk(obj: Any) -> list[tuple[FieldPath, Any]]:
    """Every model and list inside ``obj`` with its field path, depth first in field order."""
    out: list[tuple[FieldPath, Any]] = []
    stack: list[tuple[FieldPath, Any]] = [((), obj)]
    while stack:
        here, node = stack.pop()
        out.append((here, node))
        stack.extend(children(here, node))
    return out


def instances(obj: Any, cls: type[T], path: FieldPath = ()) -> Iterator[tuple[FieldPath, T]]:
    """Every instance of ``cls`` inside a model tree, with its field path (depth first, in field order;
    not those inside an instance)."""
    if not path and WALKED and WALKED[0][0] is obj:
        inside: FieldPath | None = None
        for here, node in WALKED[0][1]:
            if inside is not None and here[: len(inside)] == inside:
                continue
            inside = None
            if isinstance(node, cls):
                inside = here
                yield here, node
        return
    stack: list[tuple[FieldPath, Any]] = [(path, obj)]
    while stack:
        here, node = stack.pop()
        if isinstance(node, cls):
            yield here, node
        else:
            stack.extend(children(here, node))
