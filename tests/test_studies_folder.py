"""The real corpus: every file in studies/ validates, and every quoted number is in its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondhct.diagnostics import format_path
from secondhct.extraction.load import load_study
from secondhct.extraction.quotes import check_quotes
from secondhct.extraction.scaffold import schema_text
from secondhct.extraction.schema import Outcome, StudyExtraction
from secondhct.extraction.verbatim import check_verbatim, quotes_of
from secondhct.project import find_project
from secondhct.validation import validate_project

ROOT = Path(__file__).resolve().parents[1]
PROJECT = find_project(ROOT)
STUDY_FILES = PROJECT.study_files()
SHARED = ROOT.parent / "shared"

def _load(path: Path) -> StudyExtraction:
    loaded = load_study(path)
    assert loaded.study is not None, [d.format() for d in loaded.diagnostics]
    return loaded.study


def test_corpus_has_the_seed_studies() -> None:
    keys = {p.stem for p in STUDY_FILES}
    assert {"kato2012", "chang2004", "jplsg2010", "nagayama1999", "sakaguchi2024"} <= keys


def test_corpus_validates_without_errors() -> None:
    report = validate_project(PROJECT)
    errors = [d.format() for d in report.diagnostics if d.severity == "error"]
    assert errors == []
    assert report.files_checked == len(STUDY_FILES)


def test_schema_file_is_current() -> None:
    assert PROJECT.schema_path.read_text(encoding="utf-8") == schema_text(), "run: secondhct schema"


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.stem)
def test_quotes_appear_verbatim_in_their_documents(path: Path) -> None:
    """Every quote, split at '...', is found word for word in the document it cites: the
    rule ``secondhct validate`` applies (where the documents are available)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    study = _load(path)
    assert any(True for _ in quotes_of(study))
    found = [f"{format_path(f.path)}: {f.message}" for f in check_verbatim(study, PROJECT.root)]
    assert found == []


@pytest.mark.parametrize("path", STUDY_FILES, ids=lambda p: p.stem)
def test_numbers_are_in_their_quotes(path: Path) -> None:
    """A number of a quoted row is printed in its quotes: the rule ``secondhct validate`` applies."""
    found = [f"{format_path(f.path)}: {f.message}" for f in check_quotes(_load(path))]
    assert found == []


def test_every_outcome_row_writes_its_estimator() -> None:
    """Issue 22: each row of the corpus says how its number was computed, 'not stated' included
    (the schema's default serves hand-written test files; the review's own rows write it)."""
    unwritten = [
        f"{path.stem}: outcomes[{i}]" for path in STUDY_FILES
        for i, out in enumerate(_load(path).outcomes) if "estimator" not in out.model_fields_set
    ]
    assert unwritten == []


def test_every_outcome_in_the_seed_corpus_has_a_quote() -> None:
    seeds = ["kato2012", "chang2004", "jplsg2010", "nagayama1999"]
    missing = [
        (key, i) for key in seeds
        for i, out in enumerate(_load(PROJECT.study_path(key)).outcomes) if not out.source.quote
    ]
    assert missing == []


def test_kato2012_values_as_printed() -> None:
    """The headline numbers of the largest seed, checked against the abstract by hand."""
    study = _load(PROJECT.study_path("kato2012"))
    os2y = [o for o in study.outcomes if o.outcome == "os" and o.time == "2y"]
    assert len(os2y) == 1
    out: Outcome = os2y[0]
    assert (out.estimate, out.unit, out.plus_minus, out.se) == (29.4, "percent", 3.7, None)
    assert study.population.n == 171 and study.arms[0].intervention == "second_allo_hct"


def test_il2_lak_case_report_is_a_comparator_not_a_second_transplant() -> None:
    study = _load(PROJECT.study_path("nagayama1999"))
    assert [a.intervention for a in study.arms] == ["il2_lak"]
    assert study.study.design == "case_report"


def test_editor_schema_accepts_every_study_and_rejects_unknown_fields() -> None:
    """studies/_schema.json (what editors use) agrees with the validator on real files."""
    import json

    import jsonschema
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(PROJECT.schema_path.read_text(encoding="utf-8")))
    for path in STUDY_FILES:
        assert [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))] == []
    bad = yaml.safe_load((ROOT / "tests" / "data" / "cases" / "unknown_field.yaml").read_text(encoding="utf-8"))
    assert any("'estimte' was unexpected" in e.message for e in validator.iter_errors(bad))


def test_every_number_bearing_row_has_a_quote() -> None:
    """Outcomes, comparisons, arms and subgroups all quote the words that back them."""
    unquoted = [
        f"{path.stem}:{kind}[{i}]"
        for path in STUDY_FILES
        for kind in ("outcomes", "comparisons", "arms", "subgroups")
        for i, item in enumerate(getattr(_load(path), kind))
        if not item.source.quote
    ]
    assert unquoted == []


def test_every_report_has_a_risk_of_bias_assessment() -> None:
    """Issue 12: every report is assessed (a report with no usable numbers too: its gaps are the finding)."""
    unassessed = [p.stem for p in STUDY_FILES if not _load(p).risk_of_bias]
    assert unassessed == []
