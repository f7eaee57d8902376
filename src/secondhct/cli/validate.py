"""``secondhct validate``: check extractions like a compiler checks code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from .common import RootOption, flag, project_from, reports_errors, say


@reports_errors
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Study files or folders to check (default: every file in studies/).", show_default=False),
    ] = None,
    strict: Annotated[bool, flag("--strict", help="Exit 1 on warnings too.")] = False,
    quiet: Annotated[bool, flag("--quiet", "-q", help="Hide info messages.")] = False,
    root: RootOption = None,
) -> None:
    """Check study extractions against the schema, references.bib and each other.

    Prints one line per problem (file:line:col: severity: field: message).
    Errors exit 1; warnings exit 0 unless --strict. Never modifies a file.
    """
    from ..validation import validate_project

    project = project_from(root)
    files = _expand(paths) if paths else None
    report = validate_project(project, files, schemas=True)
    for diag in report.diagnostics:
        if not (quiet and diag.severity == "info"):
            say(diag.format())
    counts = report.counts
    noun = "file" if report.files_checked == 1 else "files"
    say(
        f"checked {report.files_checked} {noun}: {counts['error']} error(s), "
        f"{counts['warning']} warning(s), {counts['info']} info"
    )
    if report.failed(strict):
        raise typer.Exit(1)


def _expand(paths: list[Path]) -> list[Path]:
    """Folders stand for the .yaml files inside them."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():  # every entry named *.yaml: a folder or FIFO among them is reported, not skipped
            files.extend(sorted(path / n for n in os.listdir(path) if n.endswith(".yaml") and not n.startswith(".")))
        else:
            files.append(path)
    return files
