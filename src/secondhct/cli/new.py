"""``secondhct new KEY``: start an extraction from a references.bib entry."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from .common import RootOption, project_from, reports_errors


@reports_errors
def new(
    key: Annotated[str, typer.Argument(help="BibTeX key of the study (its entry must already be in references.bib).")],
    curator: Annotated[str | None, typer.Option(help="Your name, recorded as extracted_by (default: your login).")] = None,
    root: RootOption = None,
) -> None:
    """Create studies/KEY.yaml from the BibTeX entry; never overwrites an existing file."""
    from datetime import date

    from ..bibliography import load_bibliography
    from ..errors import ScaffoldError
    from ..extraction.scaffold import scaffold_text
    from ..project import display_path
    from ..textio import create_exclusive

    project = project_from(root)
    bib = load_bibliography(project.bib_path, display_path(project.bib_path))
    ref = bib.references.get(key)
    if ref is None:
        close = bib.suggest(key)
        hint = f" Did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        errors = [d.format() for d in bib.diagnostics if d.severity == "error"]
        extra = ("\n" + "\n".join(errors)) if errors else ""
        raise ScaffoldError(f"'{key}' is not a key in {bib.file}: add its BibTeX entry first.{hint}{extra}")
    path = project.study_path(key)
    text = scaffold_text(ref, bib, curator or getpass.getuser(), date.today())
    if not create_exclusive(path, text):
        raise ScaffoldError(f"{display_path(path)} already exists; it was left untouched")
    shown = display_path(path)
    typer.echo(f"created {shown} ({bib.labels.get(key, key)})")
    typer.echo(f"next: fill in the TODOs, then run: secondhct validate {shown}")
