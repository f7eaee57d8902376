"""The registry entry of ``kind: survival_curve``: its behaviour, from the modules that do each part
(:mod:`.curve` selection and models, :mod:`.curverecord` its record, :mod:`.curvefigure` its figure,
:mod:`.curvetext` its summary section, :mod:`.curvescript` its R appendix)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .curve import CurveResult, choose, run
from .curvefigure import curve_figures
from .curverecord import curve_record
from .curvescript import curve_scripts
from .curvetext import curves_section

if TYPE_CHECKING:
    from ...curveresults import CurveRecord
    from ...extraction.schema import StudyExtraction
    from ...protocol.load import Plan
    from ...results import ResultsDocument
    from ..analysis import Chosen
    from .base import Section


class SurvivalCurve:
    """The behaviour of ``kind: survival_curve`` (:mod:`secondhct.review.kinds`): its records are the
    document's ``curves``, with their own summary section, R scripts and cited reports."""

    def section(self, document: ResultsDocument, cite: Mapping[str, int], labels: Mapping[str, str]) -> Section | None:
        return curves_section(document.curves, cite, labels)

    def r_scripts(self, document: ResultsDocument) -> list[tuple[str, str, str, str]]:
        scripts = curve_scripts(document.curves, document.tool_version)
        return [(f"{c.id}.R", scripts[f"{c.id}.R"], c.title, "metafor's rma.mv (the summary curve)")
                for c in document.curves if f"{c.id}.R" in scripts]  # fmt: skip

    def cited(self, document: ResultsDocument) -> list[str]:
        return [p.key for c in document.curves for p in c.points]

    def choose(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> Chosen:
        return choose(plan, studies, years)

    def run(self, plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> CurveResult:
        return run(plan, studies, years)

    def record(self, result: CurveResult, labels: Mapping[str, str]) -> CurveRecord:
        return curve_record(result, labels)

    def figures(self, result: CurveResult, labels: Mapping[str, str]) -> dict[str, str]:
        return curve_figures(result, labels)


SURVIVAL_CURVE = SurvivalCurve()
