"""The interface every analysis kind's behaviour implements (see :mod:`secondhct.review.kinds`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...curveresults import CurveRecord
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...results import AnalysisRecord, ResultsDocument
    from ..analysis import Chosen


@dataclass(frozen=True)
class Section:
    """A kind's own section of the summary: the template pair ``<template>.md.j2`` and
    ``<template>.html.j2`` (they read ``s``, this object), its heading and anchor, its table of
    contents (anchor, title), and what its templates show."""

    template: str
    anchor: str
    heading: str
    toc: tuple[tuple[str, str], ...]
    context: Mapping[str, Any] = field(default_factory=dict)


class Behaviour(Protocol):
    """What the build asks of a kind. ``choose`` is the selection with its effect sizes (what ``explain``
    reports); ``run`` is pure (validated extractions and a plan in, a result out); ``record`` gives
    the typed record, stored in the results document's list the kind declares (``record_field``); ``figures`` the SVG
    texts by file name (``{"<id>.forest.svg": ...}``), empty when nothing can be drawn. A kind
    whose records are not :class:`~secondhct.results.AnalysisRecord` adds its own summary section,
    R appendix and cited reports through ``section``, ``r_scripts`` and ``cited``."""

    def choose(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Chosen: ...

    def run(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> Any: ...

    def record(self, result: Any, labels: Mapping[str, str]) -> AnalysisRecord | CurveRecord: ...

    def figures(self, result: Any, labels: Mapping[str, str]) -> dict[str, str]: ...

    def section(self, document: ResultsDocument, cite: Mapping[str, int], labels: Mapping[str, str]) -> Section | None: ...

    def r_scripts(self, document: ResultsDocument) -> list[tuple[str, str, str, str]]:
        """``(file, script, analysis title, what it refits)`` of each analysis of the kind with a script."""
        ...

    def cited(self, document: ResultsDocument) -> list[str]:
        """The reports the kind's records use, in order (the summary cites them in that order)."""
        ...
