"""The protocol's GRADE statements (secondhct.protocol.gradespec): defaults, thresholds by outcome,
overrides of single domains, and summary-of-findings tables that must name analyses (located errors)."""

from __future__ import annotations

from pathlib import Path

from secondhct.protocol.load import load_protocol, plan

PROTOCOL = """title: T
defaults:
  certainty:
    imprecision:
      thresholds:
        - {outcomes: [os, lfs], values: [0.2, 0.4], rationale: "few, a minority or many alive"}
summary_of_findings:
  - {id: children, title: Children, analyses: [os-children]}
analyses:
  - id: os-children
    title: OS
    outcomes: [os]
    time: {exact: 2y}
    population: {diseases: [ALL], age_groups: [pediatric]}
    certainty:
      indirectness: {rating: serious, reason: "one centre's referral pattern"}
"""


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "protocol.yaml"
    path.write_text(text, encoding="utf-8")
    return load_protocol(path, "protocol.yaml")


def test_rules_reach_the_plan_and_one_domain_may_be_overridden(tmp_path: Path) -> None:
    loaded = _load(tmp_path, PROTOCOL)
    assert loaded.diagnostics == [] and loaded.model is not None
    p = plan(loaded.model.analyses[0], loaded.model.defaults)
    assert p.certainty.imprecision.thresholds_for("os") == [0.2, 0.4] and p.certainty.imprecision.thresholds_for("nrm") == []
    assert (p.certainty.start.overall_prognosis, p.certainty.start.comparison) == ("high", "low")
    assert p.kind.grade_question == "overall_prognosis"
    certainty = loaded.model.analyses[0].certainty
    assert certainty is not None and certainty.imprecision is None and certainty.indirectness is not None


def test_a_table_must_name_an_analysis(tmp_path: Path) -> None:
    loaded = _load(tmp_path, PROTOCOL.replace("analyses: [os-children]}", "analyses: [os-children, os-adults]}"))
    assert loaded.model is None
    assert [(d.line, d.message) for d in loaded.diagnostics] == [(8, "no analysis 'os-adults' in analyses")]


def test_at_most_seven_critical_outcomes(tmp_path: Path) -> None:
    eight = ", ".join(["os-children"] * 8)
    loaded = _load(tmp_path, PROTOCOL.replace("analyses: [os-children]}", f"analyses: [{eight}]}}"))
    assert loaded.model is None and "at most 7" in loaded.diagnostics[0].message
