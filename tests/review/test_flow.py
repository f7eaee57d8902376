"""The PRISMA 2020 flow of the reports (issue 26): assessed, included and excluded come from ``studies/``
and the build's records, so they follow a report added to ``studies/``; the diagram's boxes add up.

Values are those of the frozen fixture project (``tests/data/frozen/``: 44 extractions, 20 analyses).
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from frozen import DATA
from secondhct.api import load_review
from secondhct.project import Project
from secondhct.results import read_results
from secondhct.review.build import build
from secondhct.review.flow import NO_RECORD, STAGES, ReportFlow, exclusion_reason, report_flow

NEW = DATA / "new_report"
KEY = "synthetic2027"
REASON = dict(STAGES)


def _flow(root: Path) -> ReportFlow:
    document = read_results((root / "outputs" / "results.json").read_text(encoding="utf-8"))
    assert document is not None
    return report_flow(document, load_review(root).studies)


def _boxes(root: Path) -> dict[str, int]:
    """The counts drawn in ``outputs/prisma.svg`` (its ``<desc>`` lists every box), by label."""
    desc = ET.parse(root / "outputs" / "prisma.svg").getroot().find("{http://www.w3.org/2000/svg}desc")
    assert desc is not None and desc.text is not None
    found = [m for box in desc.text.split(" | ") for m in re.findall(r"\s*:?\s*(?:\u2022 )?(.*?) \(n = ([^)]*)\)", box)]
    return {label: int(n) for label, n in found if n.isdigit()}


def test_the_furthest_stage_is_the_reason() -> None:
    assert exclusion_reason({"population", "outcome"}) == REASON["outcome"]
    assert exclusion_reason({"population", "overlap", "scope"}) == REASON["overlap"]
    assert exclusion_reason(set()) == NO_RECORD


@pytest.mark.slow
def test_the_frozen_flow_and_its_boxes_add_up(frozen_root: Path) -> None:
    flow = _flow(frozen_root)
    assert (len(flow.assessed), len(flow.primary), len(flow.sensitivity_only), len(flow.factor_only)) == (44, 13, 7, 16)
    assert flow.sensitivity_only[:2] == ("christopeit2013", "kharfandabaja2021")
    # orti2016 (a selected cohort) is in the factor evidence tables since issue 24, so no longer excluded
    assert {reason: len(keys) for reason, keys in flow.excluded.items()} == {REASON["population"]: 3, REASON["outcome"]: 5}
    assert flow.excluded[REASON["population"]] == ("gmall2012", "kuhlen_nd", "nagayama1999")
    every = [*flow.primary, *flow.sensitivity_only, *flow.factor_only, *(k for keys in flow.excluded.values() for k in keys)]
    assert sorted(every) == list(flow.assessed)  # each assessed report in exactly one box
    boxes = _boxes(frozen_root)
    assert boxes["Reports assessed for eligibility"] == 44
    assert boxes["Reports included in the review"] + boxes["Reports excluded"] == boxes["Reports assessed for eligibility"]
    assert sum(boxes[r] for r in flow.excluded) == boxes["Reports excluded"] == 8
    parts = ("in at least one primary analysis", "in sensitivity analyses only", "in the factor evidence table only")
    assert sum(boxes[p] for p in parts) == boxes["Reports included in the review"] == 36
    assert boxes["Reports awaiting assessment"] == 3  # typed in the frozen searches.yaml


@pytest.mark.slow
def test_a_report_added_to_studies_changes_the_counts(frozen_copy: Path) -> None:
    """A new extraction (tests/data/new_report/) in a copy of the frozen project: one more report
    assessed, and, as it enters an all-ages OS analysis, one more in a primary analysis."""
    before = _boxes(frozen_copy)
    bib = frozen_copy / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + (NEW / f"{KEY}.bib").read_text(encoding="utf-8"),
                   encoding="utf-8")  # fmt: skip
    shutil.copy(NEW / f"{KEY}.yaml", frozen_copy / "studies" / f"{KEY}.yaml")
    build(Project(frozen_copy))
    after = _boxes(frozen_copy)
    assert after["Reports assessed for eligibility"] == before["Reports assessed for eligibility"] + 1 == 45
    assert after["in at least one primary analysis"] == before["in at least one primary analysis"] + 1 == 14
    assert after["Reports included in the review"] == 37 and after["Reports excluded"] == before["Reports excluded"] == 8
    assert KEY in _flow(frozen_copy).primary
    summary = (frozen_copy / "outputs" / "evidence-summary.md").read_text(encoding="utf-8")
    assert "| Reports assessed for eligibility (extractions in studies/) | 45 |" in summary
