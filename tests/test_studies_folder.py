"""The live review: only what must hold whatever reports it has (tests/invariants.py).

Every file in studies/ validates, every quoted number is in its quote and every quote in its
document, every row is quoted, every report has a risk-of-bias assessment, and the committed
outputs are what a clean build gives. No count, k, key or estimate of the live review is
asserted here: those are outputs/results.json's, and a correct new report may change them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import invariants
from frozen import FROZEN
from secondhct.extraction.load import load_study
from secondhct.extraction.scaffold import schema_text
from secondhct.extraction.schema import Outcome, StudyExtraction
from secondhct.project import find_project

ROOT = Path(__file__).resolve().parents[1]
PROJECT = find_project(ROOT)
SHARED = ROOT.parent / "shared"


@pytest.mark.parametrize("check", invariants.DATA_CHECKS.values(), ids=invariants.DATA_CHECKS.keys())
def test_the_live_review_passes_the_data_check(check: Callable[[Path], list[str]]) -> None:
    if check is invariants.quotes_not_verbatim and not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    assert check(ROOT) == []


@pytest.mark.slow
def test_the_committed_outputs_are_current(tmp_path: Path) -> None:
    assert invariants.outputs_not_current(ROOT, tmp_path) == []


def test_schema_file_is_current() -> None:
    assert PROJECT.schema_path.read_text(encoding="utf-8") == schema_text(), "run: secondhct schema"


def test_editor_schema_rejects_unknown_fields() -> None:
    """studies/_schema.json (what editors use) rejects what the validator rejects (it accepts every
    study: a data check of tests/invariants.py)."""
    import jsonschema
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(PROJECT.schema_path.read_text(encoding="utf-8")))
    bad = yaml.safe_load((ROOT / "tests" / "data" / "cases" / "unknown_field.yaml").read_text(encoding="utf-8"))
    assert any("'estimte' was unexpected" in e.message for e in validator.iter_errors(bad))


# ---- values as printed, read from the frozen fixture project's copies of two seed files --------


def _frozen(key: str) -> StudyExtraction:
    loaded = load_study(FROZEN / "studies" / f"{key}.yaml")
    assert loaded.study is not None, [d.format() for d in loaded.diagnostics]
    return loaded.study


def test_kato2012_values_as_printed() -> None:
    """The headline numbers of the largest seed, checked against the abstract by hand."""
    study = _frozen("kato2012")
    os2y = [o for o in study.outcomes if o.outcome == "os" and o.time == "2y"]
    assert len(os2y) == 1
    out: Outcome = os2y[0]
    assert (out.estimate, out.unit, out.plus_minus, out.se) == (29.4, "percent", 3.7, None)
    assert study.population.n == 171 and study.arms[0].intervention == "second_allo_hct"


def test_il2_lak_case_report_is_a_comparator_not_a_second_transplant() -> None:
    study = _frozen("nagayama1999")
    assert [a.intervention for a in study.arms] == ["il2_lak"]
    assert study.study.design == "case_report"
