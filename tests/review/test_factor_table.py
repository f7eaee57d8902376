"""The summary's table of prognostic factors: a p-value alone is shown with its p and, when the
report's association row for the same finding states it, its direction (issue 27)."""

from __future__ import annotations

from pathlib import Path

import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.review.tables import factor_rows

SMITH = Path(__file__).resolve().parents[1] / "data" / "project" / "studies" / "smith2020.yaml"


def _study(association_quote: str | None) -> StudyExtraction:
    data = yaml.safe_load(SMITH.read_text(encoding="utf-8"))
    data["associations"] = [{"factor": "remission_at_second_hct", "level": "active_disease", "level_as_printed": "active disease",
                             "outcome": "os", "direction": "worse", "source": {"location": "figure 1", "quote": association_quote}}]  # fmt: skip
    if association_quote is None:
        del data["associations"][0]["source"]["quote"]
    return StudyExtraction.model_validate(data)


def test_a_p_value_alone_takes_the_direction_of_the_same_finding() -> None:
    rows = factor_rows([_study("Worse OS with active disease (P < .001)")], {"smith2020": "Smith 2020"}, {"smith2020": 1})
    texts = [r["text"] for r in rows]
    assert "active disease vs CR: worse overall survival, p <0.001 (no ratio printed)" in texts
    assert not any("no numbers" in t for t in texts)  # the association row is the same finding: one row, not two


def test_without_that_quote_the_direction_is_not_guessed() -> None:
    rows = factor_rows([_study(None)], {"smith2020": "Smith 2020"}, {"smith2020": 1})
    texts = [r["text"] for r in rows]
    assert "active disease vs CR: overall survival differs, p <0.001 (direction not stated, no ratio printed)" in texts
    assert "active disease: worse overall survival (analysis not stated, no numbers)" in texts
