"""The one rule for study keys: a BibTeX key, the stem of ``studies/<key>.yaml``, the
argument of ``secondhct new`` (and the same lowercase-name rule for factor names).

A key starts with a lowercase letter and continues with lowercase letters, digits or
``_`` (``kato2012``, ``jplsg2010``, ``htctbrazil_nd``). That makes a key a safe file
name everywhere: no ``/``, no ``..``, no spaces, nothing absolute, never empty.
"""

from __future__ import annotations

import re

_KEY_BODY = "[a-z][a-z0-9_]*"
KEY_PATTERN = f"^{_KEY_BODY}$"  # for JSON Schema / pydantic (whose '$' is the end of the text)
KEY_RULE = "a lowercase letter followed by lowercase letters, digits or '_' (e.g. kato2012)"
_KEY = re.compile(_KEY_BODY)


def is_valid_key(text: str) -> bool:
    """Whether ``text`` is a key (whole-string match: a trailing newline is not allowed)."""
    return _KEY.fullmatch(text) is not None


def key_problem(text: str) -> str:
    """Why ``text`` is not a key, for a message (empty when it is one)."""
    if is_valid_key(text):
        return ""
    suggestion = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    hint = f"; perhaps '{suggestion}'" if suggestion and is_valid_key(suggestion) else ""
    return f"{text!r} is not a valid key: use {KEY_RULE}{hint}"
