"""Read one extraction file into a :class:`StudyExtraction`, reporting problems as diagnostics.

Reading never raises for bad input: undecodable bytes, malformed YAML, wrong
types and unknown fields all become :class:`~secondhct.diagnostics.Diagnostic`
objects that point at the line and column of the offending YAML node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..modelerrors import parse_model
from ..textio import read_text
from ..yamlsource import LoadedYAML, Positions, load_yaml
from .schema import StudyExtraction

if TYPE_CHECKING:
    from ..parsecache import ParseCache
    from .finding import Finding


@dataclass
class CacheSlot:
    """Where a study read through a :class:`~secondhct.parsecache.ParseCache` is remembered."""

    cache: ParseCache
    key: bytes
    composed: tuple[Any, ...]  # LoadedYAML.to_plain()
    findings: list[Finding] | None = None  # check_study's findings, when the cache had them
    stored: bool = False  # whether the entry, findings included, is already in the cache


@dataclass
class LoadedStudy:
    """The result of reading one file: the model if it is well-formed, and what was wrong."""

    file: str
    study: StudyExtraction | None
    raw: Any
    positions: Positions
    diagnostics: list[Diagnostic]
    slot: CacheSlot | None = field(default=None, repr=False, compare=False)


def load_study(path: Path, display: str | None = None, cache: ParseCache | None = None) -> LoadedStudy:
    """Read and shape-check ``path``; cross-field rules are run separately (see ``checks``).

    With ``cache``, the composed YAML (and the checks' findings) come from it when the
    file's text is unchanged; see :mod:`secondhct.parsecache`.
    """
    file = display or str(path)
    text, diagnostics = read_text(path, file)
    if text is None:
        return LoadedStudy(file, None, None, Positions(), diagnostics)
    if cache is None:
        return parse_study(text, file)
    key = cache.key(file, text)
    entry = cache.get(file, key)
    cached_yaml, cached_findings = entry if isinstance(entry, tuple) and len(entry) == 2 else (None, None)
    composed = LoadedYAML.from_plain(cached_yaml) if cached_yaml is not None else None
    findings = _findings(cached_findings) if composed is not None else None
    hit = composed is not None
    if composed is None:
        composed = load_yaml(text, file)
    loaded = parse_model(text, file, StudyExtraction, composed)
    slot = CacheSlot(cache, key, composed.to_plain(), findings, stored=hit and (findings is not None or loaded.model is None))
    return LoadedStudy(file, loaded.model, loaded.raw, loaded.positions, loaded.diagnostics, slot)


def _findings(plain: Any) -> list[Finding] | None:
    from .finding import Finding

    try:
        return [Finding(*f) for f in plain] if plain is not None else None
    except TypeError:
        return None


def remember(loaded: LoadedStudy, findings: list[Finding] | None) -> None:
    """Store what reading ``loaded`` produced (and its checks' ``findings``) in its cache."""
    slot = loaded.slot
    if slot is None or slot.stored:
        return
    plain = [(f.severity, f.path, f.message, f.code) for f in findings] if findings is not None else None
    slot.cache.put(loaded.file, slot.key, (slot.composed, plain))
    slot.stored = True


def parse_study(text: str, file: str) -> LoadedStudy:
    """Parse extraction text (already decoded) into a model plus diagnostics."""
    loaded = parse_model(text, file, StudyExtraction)
    return LoadedStudy(file, loaded.model, loaded.raw, loaded.positions, loaded.diagnostics)
