"""The PRISMA 2020 flow diagram: every box drawn, 'not stated' printed, same bytes twice, title and desc."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from frozen import FROZEN
from secondhct.plots.prisma import prisma_svg
from secondhct.searchlog import SearchLog, load_searches

SVG = "{http://www.w3.org/2000/svg}"


def _log(**screening: object) -> SearchLog:
    counts: dict[str, object] = {
        "duplicates_removed": 4, "records_screened": 16, "records_excluded": 6, "reports_sought": 10,
        "reports_not_retrieved": 2, "reports_assessed": 8, "reports_excluded": 3,
        "exclusion_reasons": {"autologous first HCT": 2, "no outcome": 1}, "studies_included": 4, "reports_included": 5,
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


def _drawn_text(svg: str) -> list[str]:
    """The text drawn in the figure (not the title or desc)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_every_prisma_box_is_drawn() -> None:
    drawn = " ".join(_drawn_text(prisma_svg(_log())))
    for text in (
        "Records identified from databases and registers:", "Databases (n = 12)", "Registers (none searched)",
        "Records identified from other methods:", "Citation searching (n = 8)", "Records removed before screening:",
        "Duplicate records removed (n = 4)", "Records screened (n = 16)", "Records excluded (n = 6)",
        "Reports sought for retrieval (n = 10)", "Reports not retrieved (n = 2)", "Reports assessed for eligibility (n = 8)",
        "Reports excluded (n = 3)", "autologous first HCT (n = 2)", "no outcome (n = 1)",
        "Studies included in review (n = 4)", "Reports of included studies (n = 5)",
        "Identification", "Screening", "Included",
    ):
        assert text in drawn, text
    assert "awaiting" not in drawn  # no box for a zero count of reports awaiting assessment


def test_counts_not_stated_are_printed_as_not_stated() -> None:
    log = _log(records_screened="not stated", reports_included="not stated", exclusion_reasons="not stated",
               reports_awaiting_assessment=3)
    drawn = " ".join(_drawn_text(prisma_svg(log)))
    assert "Records screened (n = not stated)" in drawn
    assert "Reports of included studies (n = not stated)" in drawn
    assert "Reasons: not stated" in drawn
    assert "Reports awaiting assessment (n = 3)" in drawn


def test_same_bytes_twice_with_title_and_desc() -> None:
    first, second = prisma_svg(_log()), prisma_svg(_log())
    assert first == second
    root = ET.fromstring(first)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == "PRISMA 2020 flow diagram"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Records screened (n = 16)" in (desc.text or "")
    assert "2026-11-03" in (desc.text or "")  # the last search


def test_a_review_log_draws_with_not_stated() -> None:
    """The frozen fixture project's search log (the review's, as of one commit): its counts are fixed."""
    loaded = load_searches(FROZEN / "searches.yaml", "searches.yaml")
    assert loaded.model is not None
    drawn = " ".join(_drawn_text(prisma_svg(loaded.model)))
    assert "Databases (none searched)" in drawn
    assert "Records screened (n = not stated)" in drawn
    assert "Reports assessed for eligibility (n = 57)" in drawn
