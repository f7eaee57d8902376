"""The interface every analysis kind's behaviour implements (see :mod:`secondhct.review.kinds`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...curveresults import CurveRecord
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...results import AnalysisRecord
    from ..analysis import Chosen


class Behaviour(Protocol):
    """What the build asks of a kind. ``choose`` is the selection with its effect sizes (what ``explain``
    reports); ``run`` is pure (validated extractions and a plan in, a
    result out); ``record`` gives the typed record of ``results.json``; ``figures`` the SVG texts
    by file name (``{"<id>.forest.svg": ...}``), empty when nothing can be drawn."""

    def choose(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Chosen: ...

    def run(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> Any: ...

    def record(self, result: Any, labels: Mapping[str, str]) -> AnalysisRecord | CurveRecord: ...

    def figures(self, result: Any, labels: Mapping[str, str]) -> dict[str, str]: ...
