"""Issue 22: LFS + relapse + NRM at one time point add up to 100%; estimators agree with the numbers."""

from __future__ import annotations

from pathlib import Path

from secondhct.extraction.checks import check_study
from secondhct.extraction.load import load_study
from secondhct.extraction.schema import Outcome, StudyExtraction

BASE = Path(__file__).resolve().parents[1] / "data" / "project" / "studies" / "smith2020.yaml"
SRC = {"location": "abstract"}


def _study(*rows: dict[str, object]) -> StudyExtraction:
    loaded = load_study(BASE)
    assert loaded.study is not None
    outcomes = [Outcome.model_validate({"unit": "percent", "source": SRC, **row}) for row in rows]
    return loaded.study.model_copy(update={"outcomes": outcomes})


def _codes(study: StudyExtraction) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in check_study(study) if f.code in ("competing-risks", "events-estimate")]


def test_three_parts_within_three_points_pass() -> None:
    study = _study({"outcome": "lfs", "time": "2y", "estimate": 20}, {"outcome": "relapse", "time": "2y", "estimate": 56},
                   {"outcome": "nrm", "time": "2y", "estimate": 26.5})  # 102.5
    assert _codes(study) == []


def test_sum_beyond_three_points_names_the_rows() -> None:
    study = _study({"outcome": "efs", "time": "3y", "estimate": 42}, {"outcome": "relapse", "time": "3y", "estimate": 40},
                   {"outcome": "trm", "time": "3y", "estimate": 28})  # bosi1997: 110
    [(code, message)] = _codes(study)
    assert message.startswith("EFS outcomes[0] 42%, relapse outcomes[1] 40%, TRM outcomes[2] 28% at 3y add up to 110%")


def test_different_times_groups_or_unstated_times_are_not_compared() -> None:
    study = _study({"outcome": "lfs", "time": "1y", "estimate": 60}, {"outcome": "relapse", "time": "2y", "estimate": 40},
                   {"outcome": "nrm", "time": "2y", "estimate": 30}, {"outcome": "lfs", "time": "not stated", "estimate": 90},
                   {"outcome": "relapse", "time": "not stated", "estimate": 40}, {"outcome": "nrm", "time": "not stated", "estimate": 30})
    assert _codes(study) == []


def test_a_censored_estimate_need_not_equal_events_over_total() -> None:
    row = {"outcome": "os", "time": "2y", "estimate": 40, "events": 30, "total": 60}
    assert [c for c, _ in _codes(_study(row))] == ["events-estimate"]
    assert _codes(_study({**row, "estimator": "kaplan_meier"})) == []
