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
    def vocabulary_path(self) -> Path:
        return self.root / "vocabulary.yaml"

    @property
    def vocabulary_schema_path(self) -> Path:
        return self.root / "vocabulary.schema.json"

    @property
    def schema_path(self) -> Path:
        return self.studies_dir / SCHEMA_FILE

    def study_path(self, key: str) -> Path:
        return self.studies_dir / f"{key}.yaml"

    def study_entries(self) -> list[Path]:
        """Every ``*.yaml`` / ``*.yml`` entry of ``studies/`` whatever its type, in a stable order.

        Folders, FIFOs, dangling symlinks and symlink loops are included, so that
        validation reports them instead of skipping them silently; hidden names are not.
        """
        try:
            names = os.listdir(self.studies_dir)
        except OSError:
            return []
        return [self.studies_dir / n for n in sorted(names) if n.endswith((".yaml", ".yml")) and not n.startswith(".")]

    def study_files(self) -> list[Path]:
        """Every extraction that is a regular file, in a stable order."""
        return [p for p in self.study_entries() if p.suffix == ".yaml" and p.is_file()]


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


def canonical(path: Path) -> Path:
    """An absolute path with its folders resolved and its last name kept as it is.

    Unlike ``Path.resolve`` this never fails (symlink loops) and names a symlink by its
    own name, so diagnostics point at the entry in ``studies/``.
    """
    absolute = Path(os.path.abspath(path))
    return Path(os.path.realpath(absolute.parent)) / absolute.name


def display_path(path: Path) -> str:
    """A path as a compiler would print it: relative to the current folder when inside it."""
    full = canonical(path)
    try:
        rel = os.path.relpath(full, os.path.realpath(Path.cwd()))
    except (ValueError, OSError):  # pragma: no cover - different drives on Windows; cwd gone
        return str(full)
    return str(full) if rel.startswith("..") else rel
