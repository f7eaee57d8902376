"""Pydantic validation errors as compiler-style diagnostics located in the YAML source.

Shared by every YAML file the tool reads (study extractions, the protocol): a
pydantic ``loc`` is mapped back to the data path, then to the line and column
of the node, and each error type gets a message a curator understands, with
the nearest valid name for a misspelt field or value.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, FieldPath
from .yamlsource import LoadedYAML, Positions, load_yaml

M = TypeVar("M", bound=BaseModel)

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
class LoadedModel(Generic[M]):
    """A YAML file read into a model (None if it is not well-formed), with what was wrong."""

    file: str
    model: M | None
    raw: Any
    positions: Positions
    diagnostics: list[Diagnostic]


def parse_model(text: str, file: str, root: type[M], composed: LoadedYAML | None = None) -> LoadedModel[M]:
    """Parse YAML text (already decoded) safely and validate it against ``root``
    (``composed``: that text already read by :func:`~secondhct.yamlsource.load_yaml`)."""
    loaded = composed if composed is not None else load_yaml(text, file)
    if loaded.diagnostics:
        return LoadedModel(file, None, None, loaded.positions, loaded.diagnostics)
    try:
        model = root.model_validate(loaded.data)
    except ValidationError as exc:
        diags = validation_diagnostics(exc, root, loaded.data, loaded.positions, file)
        return LoadedModel(file, None, loaded.data, loaded.positions, diags)
    return LoadedModel(file, model, loaded.data, loaded.positions, [])


def _data_path(loc: tuple[Any, ...], data: Any, key_error: bool) -> FieldPath:
    """Keep the parts of a pydantic ``loc`` that exist in the data.

    Union member tags (``'int'``, ``"literal['not stated']"``) are dropped; for a
    missing or unknown field (``key_error``) the absent key ends the path.
    """
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        following = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(node, dict) and isinstance(part, str) and part in node and isinstance(following, str) \
                and following in node and not isinstance(node[part], (dict, list)):
            continue  # a union member's tag that is also a field name ({kind: method, method: ..., test: ...})
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


def _model_at(root: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The model whose fields are valid at ``path`` (used to suggest field names)."""
    candidates: list[Any] = [root]
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
        return f"text '{_shorten(value)}'"
    return f"{type(value).__name__} {_shorten(repr(value))}"


def _shorten(text: str, limit: int = 60) -> str:
    """An echoed input cut to ``limit`` characters (a 500-digit number is shown by its length)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _message(err: dict[str, Any], path: FieldPath, root: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else "?"
        model = _model_at(root, path[:-1])
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


def validation_diagnostics(
    exc: ValidationError, root: type[BaseModel], data: Any, positions: Positions, file: str
) -> list[Diagnostic]:
    """Pydantic errors as located diagnostics: one per field; union alternatives are merged."""
    by_path: dict[FieldPath, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        key_error = err["type"] in ("missing", "extra_forbidden")
        path = _data_path(tuple(err["loc"]), data, key_error)
        by_path.setdefault(path, []).append(dict(err))
    diags = []
    for path, errs in by_path.items():
        messages = list(dict.fromkeys(_message(e, path, root) for e in errs))
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
