"""``secondhct schema``: write (or check) the JSON Schema editors use for studies/*.yaml."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import RootOption, project_from, reports_errors


@reports_errors
def schema(
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the file is missing or out of date; write nothing.")] = False,
    root: RootOption = None,
) -> None:
    """Generate studies/_schema.json from the extraction models (never edit it by hand)."""
    from ..extraction.scaffold import schema_text
    from ..project import display_path
    from ..textio import write_atomic

    project = project_from(root)
    text = schema_text()
    path = project.schema_path
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if check:
        if current != text:
            typer.echo(f"{display_path(path)} is out of date; run: secondhct schema", err=True)
            raise typer.Exit(1)
        typer.echo(f"{display_path(path)} is up to date")
        return
    if current == text:
        typer.echo(f"{display_path(path)} is up to date")
        return
    write_atomic(path, text)
    typer.echo(f"wrote {display_path(path)}")
