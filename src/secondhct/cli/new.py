"""``secondhct new KEY``: start an extraction from a references.bib entry."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from .common import RootOption, project_from, reports_errors, say


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
    from ..keys import key_problem
    from ..project import display_path
    from ..textio import create_exclusive

    problem = key_problem(key)
    if problem:  # a key is a file name: this also keeps '../x', 'a/b' and '/abs' out of studies/
        raise ScaffoldError(f"{problem}; nothing was written")
    project = project_from(root)
    bib = load_bibliography(project.bib_path, display_path(project.bib_path))
    bib_errors = [d.format() for d in bib.diagnostics if d.severity == "error" and d.code in ("io", "encoding", "bib-syntax")]
    if bib_errors and not bib.references:
        raise ScaffoldError(f"{bib.file} cannot be read; nothing was written:\n" + "\n".join(bib_errors))
    ref = bib.references.get(key)
    if ref is None:
        close = bib.suggest(key)
        hint = f" Did you mean {' or '.join(repr(k) for k in close)}?" if close else ""
        errors = [d.format() for d in bib.diagnostics if d.severity == "error"]
        extra = ("\n" + "\n".join(errors)) if errors else ""
        raise ScaffoldError(f"'{key}' is not a key in {bib.file}: add its BibTeX entry first.{hint}{extra}")
    if bib.problems.get(key):
        shown = "\n".join(d.format() for d in bib.problems[key])
        raise ScaffoldError(f"the entry '{key}' in {bib.file} has errors; fix them first (nothing was written):\n{shown}")
    path = project.study_path(key)
    vocabulary = None
    if project.vocabulary_path.is_file():
        from ..vocabulary import load_vocabulary

        vocabulary = load_vocabulary(project.vocabulary_path, display_path(project.vocabulary_path)).model
    text = scaffold_text(ref, bib, curator or _login(), date.today(), vocabulary)
    try:
        created = create_exclusive(path, text)
    except OSError as exc:
        raise ScaffoldError(f"cannot create {display_path(path)}: {exc.strerror or exc}; nothing was written") from None
    if not created:
        raise ScaffoldError(f"{display_path(path)} already exists; it was left untouched")
    shown = display_path(path)
    say(f"created {shown} ({bib.labels.get(key, key)})")
    say(f"next: fill in the TODOs, then run: secondhct validate {shown}")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "TODO"
