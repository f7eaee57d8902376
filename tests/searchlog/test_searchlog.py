"""searches.yaml: the model, the PRISMA 2020 sums (each an error at its line), the reports assessed
(the extractions in studies/) against the reports sought, and the counts the build computes
(a typed one is a warning: ignored)."""

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
"""
#: what a log typed before the build computed these counts (still read; each a warning)
TYPED = """\
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
    loaded = _load(tmp_path, VALID, 20)
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
        ("reports_awaiting_assessment: 2", "reports_awaiting_assessment: 3", "reports_sought",
         "minus not retrieved (3) = 22 should be the reports assessed (20 extraction(s) in studies/) plus awaiting assessment (3)"),
        ("id: seeds", "id: medline", "- id: medline", "duplicate search id"),
    ],
)
def test_each_sum_fails_at_its_line(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    text = VALID.replace(old, new)
    loaded = _load(tmp_path, text, 20)
    errors = [d for d in loaded.diagnostics if d.severity == "error"]
    assert loaded.model is None
    assert any(words in d.message for d in errors), [d.format() for d in errors]
    line = _line(text, key) if key != "- id: medline" else [i for i, s in enumerate(text.splitlines(), 1) if "id: medline" in s][1]
    assert [d.line for d in errors if words in d.message] == [line]


def test_reports_assessed_are_the_extractions(tmp_path: Path) -> None:
    """22 reports retrieved: 20 assessed (the extractions) and 2 awaiting; a 21st extraction breaks the sum."""
    assert _load(tmp_path, VALID, 20).diagnostics == []
    loaded = _load(tmp_path, VALID, 21)
    assert loaded.model is None
    assert [(d.line, d.path) for d in loaded.diagnostics] == [(_line(VALID, "reports_sought"), ("screening", "reports_sought"))]
    assert "the reports assessed (21 extraction(s) in studies/) plus awaiting assessment (2)" in loaded.diagnostics[0].message
    assert _load(tmp_path, VALID).diagnostics == []  # without the number of extractions the sum is not checked


def test_sums_with_a_count_not_stated_are_skipped(tmp_path: Path) -> None:
    text = VALID.replace("records: 20", "records: not stated").replace("reports_excluded: 8", "reports_excluded: not stated")
    text = text.replace("reports_sought: 25", "reports_sought: not stated")
    loaded = _load(tmp_path, text, 99)
    assert loaded.diagnostics == [] and loaded.model is not None
    assert loaded.model.identified() == "not stated"


def test_shape_errors_are_located(tmp_path: Path) -> None:
    text = VALID.replace("records_excluded: 80", "records_excluded: about 80")
    loaded = _load(tmp_path, text)
    assert loaded.model is None
    assert [d.line for d in loaded.diagnostics] == [_line(text, "records_excluded")]


def test_typed_computed_counts_are_read_and_each_is_a_warning(tmp_path: Path) -> None:
    """A log written before the build computed them still loads; each typed count is located and ignored."""
    text = VALID + TYPED
    loaded = _load(tmp_path, text, 20)
    assert loaded.model is not None
    assert [(d.severity, d.line) for d in loaded.diagnostics] == [
        ("warning", _line(text, key)) for key in
        ("reports_assessed", "reports_excluded", "exclusion_reasons", "studies_included", "reports_included")
    ]
    assert loaded.diagnostics[0].message == (
        "reports_assessed (20) is computed by the build from studies/ and the analyses' records; studies/ holds "
        "20 extraction(s): the typed value is ignored; remove it"
    )
    assert "exclusion_reasons (2 reason(s))" in loaded.diagnostics[2].message


runner = CliRunner()


def test_validate_reports_a_bad_search_log_with_file_and_line(project: Path) -> None:
    text = VALID.replace("records_screened: 105", "records_screened: 104")
    (project / SEARCHES_FILE).write_text(text)
    result = runner.invoke(app, ["validate", "--root", str(project)])
    assert result.exit_code == 1, result.output
    assert f"searches.yaml:{_line(text, 'records_screened')}:" in result.output
    (project / SEARCHES_FILE).write_text(VALID.replace("reports_sought: 25", "reports_sought: 6"))  # 1 extraction + 2 awaiting + 3
    good = runner.invoke(app, ["validate", "--root", str(project)])
    assert good.exit_code == 0, good.output
    (project / SEARCHES_FILE).write_text(VALID + TYPED.replace("reports_assessed: 20", "reports_assessed: 57"))
    typed = runner.invoke(app, ["validate", "--root", str(project)])
    assert typed.exit_code == 1, typed.output  # 25 - 3 is not 1 extraction + 2 awaiting
    assert "reports_assessed (57) is computed by the build" in typed.output and "studies/ holds 1 extraction(s)" in typed.output
