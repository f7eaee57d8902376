"""Certainty in the built outputs (of the frozen fixture project): source types, the SoF table and key
findings, and validate's GRADE check."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.extraction.sourcetype import source_type
from secondhct.protocol.load import load_protocol
from secondhct.results import ResultsDocument, read_results
from secondhct.review.findings import sof_rows
from secondhct.review.grade import certainty_findings

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


def test_sof_rows_of_the_corpus(frozen_root: Path) -> None:
    rows = {r["id"]: r for r in sof_rows(_document(frozen_root))}
    kato = rows["os-children-all-2-3y"]
    assert kato["absolute"] == "about 29 in 100 children with ALL (23 to 37)"
    # one report: what it printed, and that the interval is this tool's
    assert kato["estimate"] == "29.4% (95% CI 22.7% to 37.1%)"
    assert kato["note"] == "printed: 29.4 ± 3.7%; the interval is computed here (the printed ± taken as the SE)"
    assert (kato["symbol"], kato["level"], kato["k"], kato["patients"]) == ("⊕◯◯◯", "very low", 1, 171)
    assert kato["statement"].endswith("(estimate: about 29 in 100). This is one report, not a pooled estimate. "
                                      "The reports cover children with ALL (1 report).")  # generated, issue 23
    pooled = rows["os-children-acute-2-3y"]
    assert pooled["absolute"] == "about 28 in 100 children with acute leukemia (16 to 43)"
    assert "credible interval 16.5% to 42.6%" in pooled["estimate"]
    assert "indirectness" not in pooled["downgrades"]  # judged not serious, with an override reason
    # 1-year and 3-year LFS are separate analyses (never "not pooled" side by side)
    approximate = "the interval is computed here and approximate (it ignores censoring)"
    assert "lfs-children-acute-1y" not in rows  # menon2016's 53.7% is a crude share (22/41): issue 22, no report
    assert rows["lfs-children-acute-2-3y"]["note"] == f"printed: 26.6%; {approximate}"
    assert pooled["note"] == ""
    # a single printed hazard ratio is quoted as printed, not as re-derived from its rounded CI
    hr = rows["factor-early-relapse-os-hr"]["statement"]
    assert "HR 2.78 (95% CI 1.08-7.21), p = .035, as printed. This is one report" in hr
    assert "relapse-children-acute-2-3y" not in rows  # no report: no certainty


def test_summary_opens_with_key_findings_then_sof(frozen_root: Path) -> None:
    md = (frozen_root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    keys, sof, included = md.index("## Key findings"), md.index("## Summary of findings"), md.index("## What is included")
    assert keys < sof < included
    assert re.search(r"None of the \d+ reports in an analysis was read in full \(\d+ abstract, [^)]*1 news report", md)
    html = (frozen_root / "outputs" / "evidence-summary.html").read_text(encoding="utf-8")
    assert html.index("<h2>Key findings") < html.index("<h2>Summary of findings") < html.index(">What is included</h2>")
    assert "<td>about 29 in 100 children with ALL (23 to 37)</td>" in html
    assert html.count('<figure class="rob"') == len(list((frozen_root / "outputs").glob("*.rob.svg"))) > 0


def test_certainty_judgement_departing_from_suggestion_needs_a_reason(frozen_root: Path) -> None:
    protocol = load_protocol(frozen_root / "protocol.yaml", "protocol.yaml").model
    assert protocol is not None
    document = _document(frozen_root)
    assert certainty_findings(protocol, document) == []
    i = next(i for i, a in enumerate(protocol.analyses) if a.id == "os-children-all-2-3y")
    analysis = protocol.analyses[i]
    assert analysis.certainty is not None
    changed = analysis.certainty.model_copy(update={"imprecision": analysis.certainty.imprecision.model_copy(update={"rating": "not_serious"})})
    analyses = list(protocol.analyses)
    analyses[i] = analysis.model_copy(update={"certainty": changed})
    findings = certainty_findings(protocol.model_copy(update={"analyses": analyses}), document)
    assert [(f.severity, f.path) for f in findings] == [("error", ("analyses", i, "certainty", "imprecision", "rating"))]
    assert "imprecision judged not_serious but the build suggests serious (171 patients" in findings[0].message
    analyses[i] = analysis.model_copy(update={"certainty": None})
    missing = certainty_findings(protocol.model_copy(update={"analyses": analyses}), document)
    assert [(f.severity, f.message) for f in missing] == [("warning", "no certainty: block; the build suggests very low")]


def test_questions_without_a_report_are_listed_not_dropped(frozen_root: Path) -> None:
    from secondhct.review.findings import no_evidence_rows

    document = _document(frozen_root)
    rows = {r["id"]: r for r in no_evidence_rows(document)}
    empty = {a.id for a in document.analyses if a.k == 0}
    assert set(rows) == empty and "relapse-children-acute-2-3y" in rows
    assert rows["relapse-children-acute-2-3y"]["note"] == "the analysis section says why each report was left out"
    md = (frozen_root / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    assert f"No report gave usable numbers for {len(empty)} of the protocol's {len(document.analyses)} questions" in md
    title = next(a.title for a in document.analyses if a.id == "relapse-children-acute-2-3y")
    assert f"| {title} | 2 to 3 years after a second HCT | 0 | no report (" in md
