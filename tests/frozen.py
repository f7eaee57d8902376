"""The frozen fixture project: ``tests/data/frozen/``, a small review that never changes with the live one.

It holds 44 extractions copied verbatim from ``studies/`` (commit 0a8fd95: the reports the
tests of the tool need, for the analyses they use, closed under ``may_share_patients_with``
so every link resolves), their entries of ``references.bib``, a ``protocol.yaml`` trimmed to
20 of the review's analyses (GRADE rules and summary-of-findings tables as issue 25 added them), and its own ``vocabulary.yaml`` and
``searches.yaml``. See ``tests/data/frozen/README.md``.

Tests of the tool run on it; tests over the live ``studies/`` assert only invariants
(``tests/invariants.py``). A curator never edits these files: a new report in ``studies/``
leaves every value asserted about the frozen project as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"
FROZEN = DATA / "frozen"
#: the files and folders that make up a project (what the tool reads)
PROJECT_FILES = ("references.bib", "protocol.yaml", "vocabulary.yaml", "searches.yaml", "protocol.schema.json", "vocabulary.schema.json")


def copy_project(source: Path, dest: Path, *, outputs: bool = True) -> Path:
    """Copy the inputs of the project at ``source`` (and its ``outputs/`` when asked and
    present) to ``dest``; the documents beside it (``../shared``) are linked, so quotes are
    checked word for word against them where the source project has them."""
    dest.mkdir(parents=True)
    shutil.copytree(source / "studies", dest / "studies", ignore=shutil.ignore_patterns(".*"))
    for name in PROJECT_FILES:
        if (source / name).is_file():
            shutil.copy(source / name, dest / name)
    if outputs and (source / "outputs").is_dir():
        shutil.copytree(source / "outputs", dest / "outputs")
    shared = source.resolve().parent / "shared"
    if shared.is_dir() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared)
    return dest


def build_frozen(dest: Path) -> Path:
    """A copy of the frozen project at ``dest``, built (``outputs/`` written as ``secondhct build`` does)."""
    from secondhct.project import Project
    from secondhct.review.build import build

    root = copy_project(FROZEN, dest)
    build(Project(root), force=True)
    return root
