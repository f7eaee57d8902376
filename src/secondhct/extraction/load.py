"""Read one extraction file into a :class:`StudyExtraction`, reporting problems as diagnostics.

Reading never raises for bad input: undecodable bytes, malformed YAML, wrong
types and unknown fields all become :class:`~secondhct.diagnostics.Diagnostic`
objects that point at the line and column of the offending YAML node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..modelerrors import parse_model
from ..textio import read_text
from ..yamlsource import Positions
from .schema import StudyExtraction


@dataclass
class LoadedStudy:
    """The result of reading one file: the model if it is well-formed, and what was wrong."""

    file: str
    study: StudyExtraction | None
    raw: Any
    positions: Positions
    diagnostics: list[Diagnostic]


def load_study(path: Path, display: str | None = None) -> LoadedStudy:
    """Read and shape-check ``path``; cross-field rules are run separately (see ``checks``)."""
    file = display or str(path)
    text, diagnostics = read_text(path, file)
    if text is None:
        return LoadedStudy(file, None, None, Positions(), diagnostics)
    return parse_study(text, file)


def parse_study(text: str, file: str) -> LoadedStudy:
    """Parse extraction text (already decoded) into a model plus diagnostics."""
    loaded = parse_model(text, file, StudyExtraction)
    return LoadedStudy(file, loaded.model, loaded.raw, loaded.positions, loaded.diagnostics)
