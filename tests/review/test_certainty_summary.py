"""Certainty in the built outputs (of the frozen fixture project): source types, the summary-of-findings
tables with their footnotes and exports, the bottom line and scenario table, and validate's GRADE check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.extraction.sourcetype import source_type
from secondhct.protocol.gradespec import CertaintyDomain
from secondhct.protocol.load import load_protocol
from secondhct.results import ResultsDocument, read_results
from secondhct.review.firstscreen import bottom_line, scenario_table
from secondhct.review.gradecheck import certainty_findings, numbers_in
from secondhct.review.sof import evidence_gaps, sof_tables

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml"


def _study(publication: str, *contents: str) -> StudyExtraction:
    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    data["study"]["publication"] = publication
    data["curation"]["documents"] = [{"id": f"d{i}", "content": c, "url": "https://example.org"} for i, c in enumerate(contents)]
    return StudyExtraction.model_validate(data, strict=False)


def test_source_type_from_documents_and_publication() -> None:
    assert source_type(_study("article", "fact_sheet", "abstract")) == "abstract"
    assert source_type(_study("article", "abstract", "full_text")) == "full_text"
    assert source_type(_study("meeting_abstract", "abstract")) == "meeting_abstract"
    assert source_type(_study("article", "fact_sheet", "news_report")) == "news_report"
    assert source_type(_study("article", "review_table")) == "secondary_source"
    assert source_type(_study("not stated", "fact_sheet", "citation_record")) == "citation_only"


def _document(root: Path) -> ResultsDocument:
    document = read_results((root / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert document is not None
    return document


def test_starting_levels_follow_the_question(frozen_root: Path) -> None:
    document = _document(frozen_root)
    starts = {a.id: a.certainty.start for a in document.analyses if a.certainty is not None}
    assert starts["os-children-all-2-3y"] == starts["factor-early-relapse-os-hr"] == "high"
    assert starts["versus-chemotherapy-or-dli-os"] == "low"
    # no publication-bias boilerplate: undetected everywhere, with the reason
    pub = [d for a in document.analyses if a.certainty for d in a.certainty.domains if d.domain == "publication_bias"]
    assert pub and all(d.suggested == "not_serious" and d.suggested_reason.startswith("undetected: ") for d in pub)


def test_sof_tables_of_the_corpus(frozen_root: Path) -> None:
    tables = {t["id"]: t for t in sof_tables(_document(frozen_root))}
    assert list(tables) == ["children", "adults", "all-ages"]
    children = tables["children"]
    rows = {r["id"]: r for r in children["rows"]}
    kato = rows["os-children-all-2-3y"]
    assert kato["absolute"] == "about 29 in 100 (23 to 37)"
    assert kato["estimate"] == "29.4% (95% CI 22.7% to 37.1%)"
    assert (kato["symbol"], kato["level"], kato["k"], kato["patients"]) == ("⊕⊕◯◯", "low", 1, 171)
    assert kato["statement"] == "About 29 in 100 children with ALL may be alive 2 to 3 years after a second HCT. One report, not a pooled estimate."
    notes = {f["letter"]: f["text"] for f in children["footnotes"]}
    assert [notes[x] for x in kato["notes"]] == [
        "Rated down one level for risk of bias: 100% of the weight from reports unclear or of some concern on half or more "
        "of the domains on selection, follow-up and estimator.",
        "Rated down one level for imprecision: the 95% interval 23% to 37% lies between 20% and 40%; 171 patients, "
        "fewer than the 319 needed for ±5 points.",
    ]
    pooled = rows["os-children-acute-2-3y"]
    assert pooled["estimate"] == "28.1% (95% CrI 16.5% to 42.6%)" and pooled["level"] == "very low"
    assert "inconsistency" not in " ".join(notes[x] for x in pooled["notes"])  # I² = 0%: the prior's wide PI is not inconsistency
    assert [g["id"] for g in children["gaps"]] == ["os-children-all-4-5y", "relapse-children-acute-2-3y"]
    hr = {r["id"]: r for r in tables["all-ages"]["rows"]}["factor-early-relapse-os-hr"]["statement"]
    assert hr.startswith("We are very uncertain whether overall survival is better with late relapse after the first HCT (HR 2.78 (95% CI 1.08-7.21), p = .035, as printed)")


def test_sof_exports_beside_the_html(frozen_root: Path) -> None:
    out = frozen_root / "outputs"
    rows = list(csv.DictReader(io.StringIO((out / "sof-children.csv").read_text(encoding="utf-8"))))
    assert [r["analysis"] for r in rows] == ["os-children-acute-2-3y", "os-children-all-2-3y", "os-children-aml-4-5y", "lfs-children-acute-2-3y"]
    assert rows[1]["certainty"] == "⊕⊕◯◯ low" and rows[1]["absolute"] == "about 29 in 100 (23 to 37)"
    data = json.loads((out / "sof-children.json").read_text(encoding="utf-8"))
    assert data["no_evidence"] == ["os-children-all-4-5y", "relapse-children-acute-2-3y"] and data["rows"] == rows


def test_summary_opens_with_the_bottom_line_then_scenarios_then_sof(frozen_root: Path) -> None:
    html = (frozen_root / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    order = ["<h2>Bottom line", '<details class="toc">', "<h2>Expected outcome by scenario", "<h2>Summary of findings",
             'id="evidence-gaps"', ">What is included</h2>"]  # fmt: skip
    assert [html.index(x) for x in order] == sorted(html.index(x) for x in order)
    assert '<td data-label="Absolute">about 29 in 100 (23 to 37)</td>' in html
    md = (frozen_root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    assert md.index("## Bottom line") < md.index("## Summary of findings") < md.index("## What is included")


def test_bottom_line_and_scenarios_of_the_corpus(frozen_root: Path) -> None:
    document = _document(frozen_root)
    lines = bottom_line(document)
    assert len(lines) == 5
    assert lines[0].startswith("After a second HCT, about 28 in 100 children with acute leukemia are alive at 2 to 3 years (⊕◯◯◯ very low")
    assert lines[1] == "About 32 in 100 adults may be alive at 2 to 3 years (⊕⊕◯◯ low certainty); no report gives it at 5 years."
    # ebmt2008ash enters the frozen relapse analysis since issue 23 (all its diseases are in that protocol's scope)
    assert "about 45 in 100 patients have probably relapsed" in lines[2] and "is how a second HCT fails" in lines[2]
    assert lines[4].startswith(f"No report answers {len(evidence_gaps(document))} of the protocol's 20 questions")
    rows = {(r["people"], r["disease"]): r["cells"] for r in scenario_table(document)["rows"]}
    assert rows[("children", "ALL")][0]["source"] == "os-children-all-2-3y" and rows[("children", "ALL")][0]["span"] == 4
    assert rows[("adults", "AML")][0]["source"] == "os-adults-2-3y"


def test_one_changed_number_changes_the_bottom_line(frozen_copy: Path) -> None:
    """kato2012's 2-year OS 29.4% -> 49.4% (number and quote, in a copy): the children's sentence moves."""
    from secondhct.project import Project
    from secondhct.review.build import build

    before = bottom_line(_document(frozen_copy))
    path = frozen_copy / "studies" / "kato2012.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("estimate: 29.4\n") == 1 and text.count("OS at 2 years was 29.4±3.7%") == 1
    path.write_text(text.replace("estimate: 29.4\n", "estimate: 49.4\n").replace("was 29.4±3.7%", "was 49.4±3.7%"), encoding="utf-8")
    build(Project(frozen_copy))
    after = bottom_line(_document(frozen_copy))
    assert after[0] != before[0] and after[1:4] == before[1:4]
    assert "about 28 in 100 children with acute leukemia" in before[0]
    assert "about 28 in 100 children with acute leukemia" not in after[0]


def test_numbers_cited_by_an_override() -> None:
    assert numbers_in("222 patients, fewer than the 311 needed; I² = 0%, τ 0.43") == {"222", "311", "0", "0.43"}


def test_an_override_whose_reason_cites_stale_numbers_is_flagged(frozen_root: Path) -> None:
    protocol = load_protocol(frozen_root / "protocol.yaml", "protocol.yaml").model
    assert protocol is not None
    document = _document(frozen_root)
    assert certainty_findings(protocol, document) == []
    i = next(i for i, a in enumerate(protocol.analyses) if a.id == "os-children-all-2-3y")
    analysis = protocol.analyses[i]

    def with_override(domain: CertaintyDomain) -> list[tuple[str, tuple[str | int, ...]]]:
        from secondhct.protocol.gradespec import Certainty

        analyses = list(protocol.analyses)
        analyses[i] = analysis.model_copy(update={"certainty": Certainty(imprecision=domain)})
        found = certainty_findings(protocol.model_copy(update={"analyses": analyses}), document)
        return [(f.severity, f.path) for f in found]

    current = CertaintyDomain(rating="not_serious", reason="171 patients are enough here: the interval lies between 20% and 40%")
    assert with_override(current) == []
    stale = CertaintyDomain(rating="not_serious", reason="2190 patients, more than the 317 needed")
    assert with_override(stale) == [("error", ("analyses", i, "certainty", "imprecision", "reason"))]
    same = CertaintyDomain(rating="serious", reason="171 patients, fewer than the 319 needed")
    assert with_override(same) == [("warning", ("analyses", i, "certainty", "imprecision", "rating"))]


def test_questions_without_a_report_are_listed_not_dropped(frozen_root: Path) -> None:
    document = _document(frozen_root)
    gaps = {g["id"] for g in evidence_gaps(document)}
    assert gaps == {a.id for a in document.analyses if a.k == 0} and "relapse-children-acute-2-3y" in gaps
    md = (frozen_root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    title = next(a.title for a in document.analyses if a.id == "relapse-children-acute-2-3y")
    assert f"- {title}" in md[md.index("### Evidence gaps") :]
