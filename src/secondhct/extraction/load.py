"""Read one extraction file into a :class:`StudyExtraction`, reporting problems as diagnostics.

Reading never raises for bad input: undecodable bytes, malformed YAML, wrong
types and unknown fields all become :class:`~secondhct.diagnostics.Diagnostic`
objects that point at the line and column of the offending YAML node.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostic, FieldPath
from ..textio import read_text
from ..yamlsource import Positions, load_yaml
from .schema import StudyExtraction

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
}


@dataclass
class LoadedStudy:
    """The result of reading one file: the model if it is well-formed, and what was wrong."""

    file: str
    study: StudyExtraction | None
    raw: Any
    positions: Positions
    diagnostics: list[Diagnostic]


def load_study(path: Path, display: str | None = None) -> LoadedStudy:
    """Read and shape-check ``path``; cross-field rules are run separately (see ``checks``)."""
    file = display or str(path)
    text, diagnostics = read_text(path, file)
    if text is None:
        return LoadedStudy(file, None, None, Positions(), diagnostics)
    return parse_study(text, file)


def parse_study(text: str, file: str) -> LoadedStudy:
    """Parse extraction text (already decoded) into a model plus diagnostics."""
    loaded = load_yaml(text, file)
    if loaded.diagnostics:
        return LoadedStudy(file, None, None, loaded.positions, loaded.diagnostics)
    try:
        study = StudyExtraction.model_validate(loaded.data)
    except ValidationError as exc:
        diags = _errors_to_diagnostics(exc, loaded.data, loaded.positions, file)
        return LoadedStudy(file, None, loaded.data, loaded.positions, diags)
    return LoadedStudy(file, study, loaded.data, loaded.positions, [])


def _data_path(loc: tuple[Any, ...], data: Any, key_error: bool) -> FieldPath:
    """Keep the parts of a pydantic ``loc`` that exist in the data.

    Union member tags (``'int'``, ``"literal['not stated']"``) are dropped; for a
    missing or unknown field (``key_error``) the absent key ends the path.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and key_error:
            path.append(part)
            break
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(path: FieldPath) -> type[BaseModel] | None:
    """The model whose fields are valid at ``path`` (used to suggest field names)."""
    candidates: list[Any] = [StudyExtraction]
    for part in path:
        following: list[Any] = []
        for cand in candidates:
            if isinstance(part, str) and isinstance(cand, type) and issubclass(cand, BaseModel):
                info = cand.model_fields.get(part)
                if info is not None:
                    following.extend(_unwrap(info.annotation))
            elif typing.get_origin(cand) in (list, dict):
                args = typing.get_args(cand)
                following.extend(_unwrap(args[-1]))
        candidates = following
    for cand in candidates:
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _describe_input(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as true/false; quote it for text)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text '{value}'"
    return f"{type(value).__name__} {value!r}"


def _message(err: dict[str, Any], path: FieldPath) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        model = _model_at(path[:-1])
        msg = f"unknown field '{name}'"
        if model is not None:
            close = difflib.get_close_matches(name, list(model.model_fields), n=1, cutoff=0.5)
            if close:
                msg += f"; did you mean '{close[0]}'?"
            else:
                msg += f"; valid fields here: {', '.join(model.model_fields)}"
        return msg
    if kind in _TYPE_NAMES:
        return f"wrong type: expected {_TYPE_NAMES[kind]}, got {_describe_input(err.get('input'))}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        given = err.get("input")
        msg = f"{_describe_input(given)} is not allowed; expected one of {expected}"
        if isinstance(given, str):
            options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
            close = difflib.get_close_matches(given, options, n=1, cutoff=0.5)
            if close:
                msg += f"; did you mean '{close[0]}'?"
        return msg
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "string_pattern_mismatch":
        return f"{_describe_input(err.get('input'))} does not have the expected form ({err['ctx']['pattern']})"
    return f"{err['msg']} (got {_describe_input(err.get('input'))})"


def _errors_to_diagnostics(exc: ValidationError, data: Any, positions: Positions, file: str) -> list[Diagnostic]:
    """One diagnostic per field; union alternatives for the same field are merged."""
    by_path: dict[FieldPath, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        key_error = err["type"] in ("missing", "extra_forbidden")
        path = _data_path(tuple(err["loc"]), data, key_error)
        by_path.setdefault(path, []).append(dict(err))
    diags = []
    for path, errs in by_path.items():
        messages = list(dict.fromkeys(_message(e, path) for e in errs))
        if len(messages) > 1:
            messages = [_merge_union_messages(messages)]
        prefer_key = errs[0]["type"] == "extra_forbidden"
        line, col = positions.locate(path, prefer_key=prefer_key)
        diags.append(Diagnostic(file, "error", messages[0], line, col, path, code=errs[0]["type"]))
    return diags


def _merge_union_messages(messages: list[str]) -> str:
    wanted = []
    for m in messages:
        if m.startswith("wrong type: expected "):
            wanted.append(m[len("wrong type: expected ") :].split(", got ")[0])
        elif " expected one of " in m:
            wanted.append(m.split(" expected one of ")[1].split(";")[0])
        else:
            return m
    got = messages[0].split(", got ")[-1] if ", got " in messages[0] else messages[0].split(" is not allowed")[0]
    return f"wrong value: expected {' or '.join(dict.fromkeys(wanted))}, got {got}"
