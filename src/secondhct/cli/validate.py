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
    from .. import validatecache

    project = project_from(root)
    files = _expand(paths) if paths else None
    key = validatecache.run_key(project.root, files)
    run = validatecache.lookup(project.root, key)  # the same inputs as an earlier run: its lines, no models imported
    if run is None:
        from ..validation import validate_project

        report = validate_project(project, files, schemas=True)
        run = {"lines": [[d.severity, d.format()] for d in report.diagnostics], "files": report.files_checked}
        validatecache.store(project.root, key, run["lines"], report.files_checked)
    counts = {"error": 0, "warning": 0, "info": 0}
    for severity, line in run["lines"]:
        counts[severity] += 1
        if not (quiet and severity == "info"):
            say(line)
    noun = "file" if run["files"] == 1 else "files"
    say(f"checked {run['files']} {noun}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info")
    if counts["error"] or (strict and counts["warning"]):
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
