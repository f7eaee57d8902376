"""The PRISMA 2020 flow diagram: every box drawn, 'not stated' printed, same bytes twice, title and desc;
the counts from the reports assessed down are the build's (:mod:`secondhct.review.flow`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from frozen import FROZEN
from secondhct.plots.prisma import prisma_svg
from secondhct.review.flow import ReportFlow
from secondhct.searchlog import SearchLog, load_searches

SVG = "{http://www.w3.org/2000/svg}"


def _log(**screening: object) -> SearchLog:
    counts: dict[str, object] = {
        "duplicates_removed": 4, "records_screened": 16, "records_excluded": 6, "reports_sought": 10,
        "reports_not_retrieved": 2,
    }
    counts.update(screening)
    return SearchLog.model_validate({
        "searches": [
            {"id": "pubmed", "source": "database", "name": "PubMed", "date": "2026-11-01", "query": ["x"], "records": 12},
            {"id": "refs", "source": "citation_searching", "name": "seed reference lists", "date": "2026-11-03",
             "query": "not stated", "records": 8},
        ],
        "screening": counts,
    })


#: 8 reports assessed: 3 in a primary analysis, 1 in a sensitivity analysis only, 1 in the factor table only, 3 excluded
FLOW = ReportFlow(
    assessed=("a", "b", "c", "d", "e", "f", "g", "h"), primary=("a", "b", "c"), sensitivity_only=("d",), factor_only=("e",),
    excluded={"population outside scope": ("f", "g"), "no outcome": ("h",)},
)


def _drawn_text(svg: str) -> list[str]:
    """The text drawn in the figure (not the title or desc)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_every_prisma_box_is_drawn() -> None:
    drawn = " ".join(_drawn_text(prisma_svg(_log(), FLOW)))
    for text in (
        "Records identified from databases and registers:", "Databases (n = 12)", "Registers (none searched)",
        "Records identified from other methods:", "Citation searching (n = 8)", "Records removed before screening:",
        "Duplicate records removed (n = 4)", "Records screened (n = 16)", "Records excluded (n = 6)",
        "Reports sought for retrieval (n = 10)", "Reports not retrieved (n = 2)", "Reports assessed for eligibility (n = 8)",
        "Reports excluded (n = 3)", "population outside scope (n = 2)", "no outcome (n = 1)",
        "Reports included in the review (n = 5):", "in at least one primary analysis (n = 3)",
        "in sensitivity analyses only (n = 1)", "in the factor evidence table only (n = 1)",
        "Studies included in review (n = not counted",
        "Identification", "Screening", "Included",
    ):
        assert text in drawn, text
    assert "Reports awaiting assessment (n" not in drawn  # no box for a zero count of reports awaiting assessment


def test_counts_not_stated_are_printed_as_not_stated() -> None:
    log = _log(records_screened="not stated", reports_sought="not stated", reports_awaiting_assessment=3)
    drawn = " ".join(_drawn_text(prisma_svg(log, FLOW)))
    assert "Records screened (n = not stated)" in drawn
    assert "Reports sought for retrieval (n = not stated)" in drawn
    assert "Reports awaiting assessment (n = 3)" in drawn


def test_same_bytes_twice_with_title_and_desc() -> None:
    first, second = prisma_svg(_log(), FLOW), prisma_svg(_log(), FLOW)
    assert first == second
    root = ET.fromstring(first)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == "PRISMA 2020 flow diagram"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Records screened (n = 16)" in (desc.text or "")
    assert "2026-11-03" in (desc.text or "")  # the last search


def test_a_review_log_draws_with_not_stated() -> None:
    """The frozen fixture project's search log (the review's, as of one commit) still loads; the 57 reports
    assessed it types are ignored (a warning) for the flow's count."""
    loaded = load_searches(FROZEN / "searches.yaml", "searches.yaml", 44)
    assert loaded.model is not None
    assert [d.path for d in loaded.diagnostics if d.severity == "warning"][:1] == [("screening", "reports_assessed")]
    drawn = " ".join(_drawn_text(prisma_svg(loaded.model, FLOW)))
    assert "Databases (none searched)" in drawn
    assert "Records screened (n = not stated)" in drawn
    assert "Reports assessed for eligibility (n = 8)" in drawn and "(n = 57)" not in drawn
