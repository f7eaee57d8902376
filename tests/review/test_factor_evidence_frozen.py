"""The prognostic-factor synthesis on the frozen fixture project (``tests/data/frozen/``): real values."""

from __future__ import annotations

import math

import pytest

from frozen import FROZEN
from secondhct.extraction.load import load_study
from secondhct.extraction.schema import StudyExtraction
from secondhct.review.factorevidence import ALL_RELAPSED, FACTORS, RECIPIENTS
from secondhct.review.factorsynthesis import FactorSynthesis, synthesise


def _studies() -> list[StudyExtraction]:
    out = []
    for path in sorted((FROZEN / "studies").glob("*.yaml")):
        loaded = load_study(path)
        assert loaded.study is not None
        out.append(loaded.study)
    return out


STUDIES = _studies()


def _synthesis(key: str) -> FactorSynthesis:
    return synthesise(next(f for f in FACTORS if f.key == key), STUDIES)


@pytest.mark.parametrize(("key", "favouring", "total", "p"), [("remission", 11, 11, 2 / 2**11), ("early-relapse", 11, 11, 2 / 2**11),
                                                              ("conditioning", 4, 4, 0.125), ("performance-status", 4, 4, 0.125)])  # fmt: skip
def test_votes_of_second_hct_recipients(key: str, favouring: int, total: int, p: float) -> None:
    vote = _synthesis(key).votes[RECIPIENTS]
    assert vote is not None and (vote.favouring, vote.total) == (favouring, total)
    assert vote.sign_test_p == pytest.approx(p, rel=1e-12)


def test_cohorts_of_all_relapsed_patients_are_counted_apart() -> None:
    vote = _synthesis("early-relapse").votes[ALL_RELAPSED]
    assert vote is not None and (vote.favouring, vote.total) == (4, 4)


def test_kharfandabaja2021_late_relapse_hr_enters_inverted() -> None:
    (row,) = [r for r in _synthesis("early-relapse").rows if r.key == "kharfandabaja2021" and r.form == "ratio"]
    assert row.effect == pytest.approx(1 / 0.5) and row.ci == pytest.approx((1 / 0.69, 1 / 0.37))
    assert (row.direction, row.counted, row.adjusted) == ("reference_better", True, "adjustment not stated")


def test_kharfandabaja2021_donor_levels_on_the_log_cumulative_hazard_scale() -> None:
    """Haploidentical 29% (n 135) vs matched unrelated 31% (n 320) at 2 years, binomial variances."""
    (pool,) = [p for p in _synthesis("donor-type").levels if p.outcome == "os"]
    assert pool.keys == ("kharfandabaja2021",) and pool.pooled is None and pool.binomial
    y = math.log(-math.log(0.29)) - math.log(-math.log(0.31))
    v = 0.29 * 0.71 / 135 / (0.29 * math.log(0.29)) ** 2 + 0.31 * 0.69 / 320 / (0.31 * math.log(0.31)) ** 2
    assert pool.rows[0].lch == pytest.approx((y, v, True), rel=1e-12)
