"""Tests that survive new evidence (issue 20): a curator adds a correct report as the README says,
``validate`` is clean, ``build`` runs, and every data check of the test suite still passes.

The report is made up (``tests/data/new_report/``: a BibTeX entry and an extraction modelled on
``studies/fan2019.yaml``, its numbers printed in its quotes) and goes into a copy of the live
review, so the test follows the review as it grows without naming any of its results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import invariants
from frozen import DATA, copy_project
from secondhct.project import Project
from secondhct.review.build import build

ROOT = Path(__file__).resolve().parents[1]
NEW = DATA / "new_report"
KEY = "synthetic2027"


def _add_report(root: Path) -> Path:
    """What the README's "Adding a study" asks: the BibTeX entry, then studies/KEY.yaml."""
    bib = root / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + (NEW / f"{KEY}.bib").read_text(encoding="utf-8"),
                   encoding="utf-8")  # fmt: skip
    target = root / "studies" / f"{KEY}.yaml"
    target.write_text((NEW / f"{KEY}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.fixture
def grown(tmp_path: Path) -> Path:
    """A copy of the live review (inputs, committed outputs, the documents beside it) with the new report."""
    root = copy_project(ROOT, tmp_path / "review")
    assert not (root / "studies" / f"{KEY}.yaml").exists(), f"the review has a report {KEY}: give the made-up one another key"
    _add_report(root)
    return root


@pytest.mark.slow
def test_a_new_valid_report_keeps_every_data_check_passing(grown: Path, tmp_path: Path) -> None:
    # the curator's gate: validate is clean with the new report in place
    assert invariants.validation_errors(grown) == []
    report = build(Project(grown))
    results = json.loads((grown / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert KEY in results["studies"]
    entered = [a["id"] for a in results["analyses"] if any(r["key"] == KEY for r in a["included"])]
    assert entered, "the new report should enter an analysis (an all-ages OS analysis at 2-3 years)"
    # every data check of the suite, on the grown review
    for name, check in invariants.DATA_CHECKS.items():
        if name != "validate":
            assert check(grown) == [], name
    # New evidence may move a GRADE suggestion; the protocol's judgements are then the reviewers'
    # to revisit. The build names each such judgement and validate reports exactly those, nothing else.
    assert invariants.validation_errors(grown, certainty=False) == []
    assert len(invariants.validation_errors(grown)) == len(report.certainty_conflicts)
    assert invariants.outputs_not_current(grown, tmp_path) == []


def test_the_data_checks_catch_a_wrong_new_report(grown: Path) -> None:
    """The same checks fail when the new report is wrong: a number its quote does not print, no
    risk-of-bias assessment, an unquoted row."""
    path = grown / "studies" / f"{KEY}.yaml"
    text = path.read_text(encoding="utf-8")
    wrong = text.replace("    estimate: 31.0\n", "    estimate: 33.0\n", 1)
    assert wrong != text
    path.write_text(wrong, encoding="utf-8")
    assert any(KEY in line and "33" in line for line in invariants.numbers_not_in_quotes(grown))
    assert any(f"{KEY}.yaml" in line for line in invariants.validation_errors(grown))
    unassessed = text[: text.index("risk_of_bias:")]
    path.write_text(unassessed, encoding="utf-8")
    assert invariants.reports_without_risk_of_bias(grown) == [KEY]
    unquoted = unassessed.replace('      quote: "Kaplan-Meier overall survival 2 years after the second HCT was 31.0% (SE 7.3%)."\n', "", 1)
    assert unquoted != unassessed
    path.write_text(unquoted, encoding="utf-8")
    assert invariants.unquoted_rows(grown) == [f"{KEY}:outcomes[0]"]
