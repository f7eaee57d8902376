"""The interface every analysis kind's behaviour implements (see :mod:`secondhct.review.kinds`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...results import AnalysisRecord


class Behaviour(Protocol):
    """What the build asks of a kind. ``run`` is pure (validated extractions and a plan in, a
    result out); ``record`` gives the typed record of ``results.json``; ``figures`` the SVG texts
    by file name (``{"<id>.forest.svg": ...}``), empty when nothing can be drawn."""

    def run(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> Any: ...

    def record(self, result: Any, labels: Mapping[str, str]) -> AnalysisRecord: ...

    def figures(self, result: Any, labels: Mapping[str, str]) -> dict[str, str]: ...
