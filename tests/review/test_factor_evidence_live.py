"""Invariants of the prognostic-factor evidence tables over the live ``studies/`` (issue 24): no
report's evidence on a protocol factor is dropped, and every row's direction is one the table can show.
Nothing here names a report or states a result."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondhct.extraction.load import load_study
from secondhct.extraction.schema import StudyExtraction
from secondhct.project import Project
from secondhct.review.factorevidence import FACTORS, FactorSpec
from secondhct.review.factorsynthesis import synthesise

ROOT = Path(__file__).resolve().parents[2]


def _studies() -> list[StudyExtraction]:
    out = []
    for path in Project(ROOT).study_files():
        loaded = load_study(path)
        assert loaded.study is not None
        out.append(loaded.study)
    return out


STUDIES = _studies()


@pytest.mark.parametrize("spec", FACTORS, ids=lambda f: f.key)
def test_every_comparison_and_association_on_a_factor_is_a_row(spec: FactorSpec) -> None:
    s = synthesise(spec, STUDIES)
    expected = sum(1 for st in STUDIES for c in [*st.comparisons, *st.associations] if c.factor in spec.codes)
    assert sum(1 for r in s.rows if r.form in ("ratio", "p_value", "words")) == expected
    for r in s.rows:
        assert r.direction in ("reference_better", "level_better", "no_difference", "not stated")
        assert not r.counted or r.direction in ("reference_better", "level_better")
        assert r.lch is None or r.lch[1] > 0
    assert set(s.voting) | set(s.silent) == set(s.reports) and not set(s.voting) & set(s.silent)
    for vote in s.votes.values():
        assert vote is None or 0 <= vote.favouring <= vote.total <= len(s.reports)
