"""The behaviour of every kind that pools one number per report (proportion, factor ratio, factor
levels, versus an alternative): :func:`~secondhct.review.analysis.run_analysis`, its record and
its forest, funnel, risk-of-bias and GOSH figures. numpy, scipy and matplotlib are imported only
when an analysis is computed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...results import AnalysisRecord, ResultsDocument
    from ..analysis import AnalysisResult, Chosen
    from .base import Section


class Univariate:
    """Select, compute one effect size per report, pool, and test robustness (:mod:`secondhct.review.analysis`).
    Its records are the document's ``analyses``, which the summary's own sections, the R appendix and
    the citation order read (no section, script or citation of its own here)."""

    def section(self, document: ResultsDocument, cite: Mapping[str, int], labels: Mapping[str, str]) -> Section | None:
        return None

    def r_scripts(self, document: ResultsDocument) -> list[tuple[str, str, str, str]]:
        return []

    def cited(self, document: ResultsDocument) -> list[str]:
        return []

    def choose(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Chosen:
        from ..analysis import choose

        return choose(plan, studies, years)

    def run(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> AnalysisResult:
        from ..analysis import run_analysis

        return run_analysis(plan, studies, years, batch=batch)

    def record(self, result: AnalysisResult, labels: Mapping[str, str]) -> AnalysisRecord:
        from ..results import analysis_record

        return analysis_record(result, dict(labels))

    def figures(self, result: AnalysisResult, labels: Mapping[str, str]) -> dict[str, str]:
        from ..figures import render_figures

        return render_figures(result, labels)


UNIVARIATE = Univariate()
