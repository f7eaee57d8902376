"""``secondhct schema``: write (or check) the JSON Schemas editors use for studies/*.yaml, protocol.yaml and vocabulary.yaml."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import RootOption, flag, project_from, reports_errors, say


@reports_errors
def schema(
    check: Annotated[bool, flag("--check", help="Exit 1 if a schema file is missing or out of date; write nothing.")] = False,
    root: RootOption = None,
) -> None:
    """Generate studies/_schema.json, protocol.schema.json and vocabulary.schema.json from the models (never edit them by hand)."""
    from ..errors import InputError
    from ..extraction.scaffold import protocol_schema_text, schema_text, vocabulary_schema_text
    from ..project import display_path
    from ..textio import write_atomic

    project = project_from(root)
    stale = False
    targets = (
        (project.schema_path, schema_text()),
        (project.protocol_schema_path, protocol_schema_text()),
        (project.vocabulary_schema_path, vocabulary_schema_text()),
    )
    for path, text in targets:
        try:
            current = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            current = None  # unreadable: rewritten (or reported out of date by --check)
        if current == text:
            say(f"{display_path(path)} is up to date")
        elif check:
            say(f"{display_path(path)} is out of date; run: secondhct schema", err=True)
            stale = True
        else:
            try:
                write_atomic(path, text)
            except OSError as exc:  # a full or read-only disk: the old file is left as it was
                raise InputError(f"cannot write {display_path(path)}: {exc.strerror or exc}; it was left unchanged") from None
            say(f"wrote {display_path(path)}")
    if stale:
        raise typer.Exit(1)
