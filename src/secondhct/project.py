"""Where the review's files live: the project root holds ``references.bib`` and ``studies/``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ProjectNotFoundError

SCHEMA_FILE = "_schema.json"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def studies_dir(self) -> Path:
        return self.root / "studies"

    @property
    def bib_path(self) -> Path:
        return self.root / "references.bib"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    @property
    def protocol_schema_path(self) -> Path:
        return self.root / "protocol.schema.json"

    @property
    def schema_path(self) -> Path:
        return self.studies_dir / SCHEMA_FILE

    def study_path(self, key: str) -> Path:
        return self.studies_dir / f"{key}.yaml"

    def study_files(self) -> list[Path]:
        """Every extraction, in a stable order."""
        if not self.studies_dir.is_dir():
            return []
        return sorted(p for p in self.studies_dir.glob("*.yaml") if p.is_file())


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above ``start`` holding ``references.bib`` and ``studies/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "references.bib").is_file() and (folder / "studies").is_dir():
            return Project(folder)
    raise ProjectNotFoundError(
        f"no secondhct project at or above {here}: expected a folder with references.bib and studies/ "
        "(run the command inside the review's repository, or pass --root)"
    )


def display_path(path: Path) -> str:
    """A path as a compiler would print it: relative to the current folder when inside it."""
    try:
        rel = os.path.relpath(path.resolve(), Path.cwd())
    except ValueError:  # pragma: no cover - different drives on Windows
        return str(path)
    return str(path.resolve()) if rel.startswith("..") else rel
