"""searches.yaml: the model, the PRISMA 2020 sums (each an error at its line), the check against studies/."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondhct.cli import app
from secondhct.searchlog import SEARCHES_FILE, load_searches

VALID = """\
searches:
  - id: medline
    source: database
    name: MEDLINE (Ovid)
    date: 2026-11-01
    query: [second allogeneic transplantation]
    records: 100
  - id: seeds
    source: citation_searching
    name: reference lists of the seeds
    date: 2026-11-02
    query: not stated
    records: 20
screening:
  duplicates_removed: 10
  removed_by_automation: 0
  removed_other_reasons: 5
  records_screened: 105
  records_excluded: 80
  reports_sought: 25
  reports_not_retrieved: 3
  reports_awaiting_assessment: 2
  reports_assessed: 20
  reports_excluded: 8
  exclusion_reasons:
    first HCT autologous: 5
    no outcome after second HCT: 3
  studies_included: 10
  reports_included: 12
"""


def _load(tmp_path: Path, text: str, extractions: int | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / SEARCHES_FILE
    path.write_text(text)
    return load_searches(path, SEARCHES_FILE, extractions)


def _line(text: str, key: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith(key))


def test_valid_log_loads_without_diagnostics(tmp_path: Path) -> None:
    loaded = _load(tmp_path, VALID, 12)
    assert loaded.diagnostics == []
    assert loaded.model is not None
    assert loaded.model.identified() == 120
    assert loaded.model.identified(("database", "register")) == 100
    assert loaded.model.identified(("register",)) is None  # no register searched
    assert loaded.model.last_search == "2026-11-02"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("records_screened: 105", "records_screened: 104", "records_screened", "should be records identified (120)"),
        ("records_excluded: 80", "records_excluded: 106", "records_excluded", "more records excluded"),
        ("reports_not_retrieved: 3", "reports_not_retrieved: 26", "reports_not_retrieved", "more reports not retrieved"),
        ("reports_assessed: 20", "reports_assessed: 21", "reports_assessed", "minus not retrieved (3) = 22"),
        ("reports_excluded: 8", "reports_excluded: 9", "exclusion_reasons", "the reasons add up to 8"),
        ("reports_included: 12", "reports_included: 11", "reports_included", "minus reports excluded (8) = 12"),
        ("studies_included: 10", "studies_included: 13", "studies_included", "more studies included (13) than reports (12)"),
        ("id: seeds", "id: medline", "- id: medline", "duplicate search id"),
    ],
)
def test_each_sum_fails_at_its_line(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    text = VALID.replace(old, new)
    loaded = _load(tmp_path, text)
    errors = [d for d in loaded.diagnostics if d.severity == "error"]
    assert loaded.model is None
    assert any(words in d.message for d in errors), [d.format() for d in errors]
    line = _line(text, key) if key != "- id: medline" else [i for i, s in enumerate(text.splitlines(), 1) if "id: medline" in s][1]
    assert [d.line for d in errors if words in d.message] == [line]


def test_included_above_assessed_and_excluded_above_assessed(tmp_path: Path) -> None:
    text = VALID.replace("reports_included: 12", "reports_included: 30").replace("studies_included: 10", "studies_included: 1")
    loaded = _load(tmp_path, text)
    assert [d.format() for d in loaded.diagnostics] == [
        f"searches.yaml:{_line(text, 'reports_included')}:21: error: screening.reports_included: "
        "more reports included (30) than assessed (20)"
    ]
    text = VALID.replace("reports_excluded: 8", "reports_excluded: 21")
    assert any("more reports excluded (21) than assessed (20)" in d.message for d in _load(tmp_path, text).diagnostics)


def test_sums_with_a_count_not_stated_are_skipped(tmp_path: Path) -> None:
    text = VALID.replace("records: 20", "records: not stated").replace("reports_excluded: 8", "reports_excluded: not stated")
    text = text.replace("reports_included: 12", "reports_included: 99").replace("reports_assessed: 20", "reports_assessed: 120")
    text = text.replace("reports_sought: 25", "reports_sought: not stated")
    loaded = _load(tmp_path, text)
    assert loaded.diagnostics == [] and loaded.model is not None
    assert loaded.model.identified() == "not stated"


def test_shape_errors_are_located(tmp_path: Path) -> None:
    text = VALID.replace("records_excluded: 80", "records_excluded: about 80")
    loaded = _load(tmp_path, text)
    assert loaded.model is None
    assert [d.line for d in loaded.diagnostics] == [_line(text, "records_excluded")]


def test_included_reports_against_studies(tmp_path: Path) -> None:
    warning = _load(tmp_path, VALID, 38).diagnostics
    assert [(d.severity, d.line) for d in warning] == [("warning", _line(VALID, "reports_included"))]
    assert "12 report(s) included, but studies/ holds 38 extraction(s)" in warning[0].message
    unstated = _load(tmp_path, VALID.replace("reports_included: 12", "reports_included: not stated")
                     .replace("studies_included: 10", "studies_included: not stated"), 38).diagnostics
    assert [d.severity for d in unstated] == ["info"]


runner = CliRunner()


def test_validate_reports_a_bad_search_log_with_file_and_line(project: Path) -> None:
    text = VALID.replace("records_screened: 105", "records_screened: 104")
    (project / SEARCHES_FILE).write_text(text)
    result = runner.invoke(app, ["validate", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert f"searches.yaml:{_line(text, 'records_screened')}:" in result.output
    (project / SEARCHES_FILE).write_text(VALID)
    good = runner.invoke(app, ["validate", "--root", str(project)])
    assert good.exit_code == 0, good.output
    assert "12 report(s) included, but studies/ holds 1 extraction(s)" in good.output
