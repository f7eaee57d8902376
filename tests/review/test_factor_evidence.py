"""Prognostic-factor evidence tables, vote counts and level contrasts (issue 24) on fictional extractions;
the pooled log cumulative-hazard ratio against metafor (``tests/reference/make_votecount_reference.R``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from secondhct.extraction.schema import StudyExtraction
from secondhct.review.factorevidence import ALL_RELAPSED, FACTORS, RECIPIENTS, factor_evidence
from secondhct.review.factors import statement
from secondhct.review.factorsynthesis import synthesise

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml").read_text())
REF: dict[str, Any] = json.loads((ROOT / "tests" / "reference" / "votecount_reference.json").read_text())
SRC = {"location": "table 2"}
SPEC = {f.key: f for f in FACTORS}


def _study(key: str, **parts: Any) -> StudyExtraction:
    data = copy.deepcopy(BASE)
    data["key"] = key
    data["study"]["data_source"] = "not stated"
    data["study"].pop("may_share_patients_with", None)
    data.update({"subgroups": [], "outcomes": [], "comparisons": [], "associations": [], "risk_of_bias": []}, **parts)
    return StudyExtraction.model_validate(data)


def _hr(level: str, reference: str, estimate: float, lower: float, upper: float, **extra: Any) -> dict[str, Any]:
    return {"outcome": "os", "measure": "HR", "factor": "time_from_first_hct_to_relapse", "level": level, "group": level,
            "reference_level": reference, "reference": "not stated" if reference == "not stated" else reference,
            "adjusted": True, "estimate": estimate, "ci": {"lower": lower, "upper": upper, "level": 95}, "source": SRC, **extra}  # fmt: skip


def test_a_ratio_reported_the_other_way_round_is_inverted_and_one_without_a_group_stays() -> None:
    study = _study("a", comparisons=[_hr("late", "not stated", 0.5, 0.37, 0.69), _hr("not stated", "not stated", 2.37, 1.61, 3.46)])
    inverted, unread = factor_evidence(SPEC["early-relapse"], [study])
    assert inverted.effect == pytest.approx(2.0) and inverted.ci == pytest.approx((1 / 0.69, 1 / 0.37))
    assert (inverted.direction, inverted.significant, inverted.counted) == ("reference_better", True, True)
    assert inverted.note == "inverted: reported the other way round" and inverted.adjusted == "adjusted"
    assert (unread.direction, unread.counted, unread.effect) == ("not stated", False, None)
    assert unread.note == "which group is compared is not stated"


def test_an_unstated_reference_is_another_contrast_when_the_factor_has_more_than_two_levels() -> None:
    comp = {**_hr("matched_unrelated", "not stated", 3.4, 1.2, 9.0), "factor": "donor_type"}
    (row,) = factor_evidence(SPEC["donor-type"], [_study("b", comparisons=[comp])])
    assert (row.direction, row.counted, row.note) == ("not stated", False, "another contrast than the protocol's")


def _levels_study(key: str) -> StudyExtraction:
    subgroups = [{"id": lev, "factor": "time_from_first_hct_to_relapse", "level": lev, "level_as_printed": f"{lev} relapse",
                  "cutoff": {"value": 6, "unit": "mo"}, "n": n, "source": SRC} for lev, n in (("early", 40), ("late", 60))]  # fmt: skip
    outcomes = [{"outcome": "os", "subgroup": lev, "time": "2y", "estimator": "kaplan_meier", "estimate": s, "unit": "percent",
                 "source": SRC} for lev, s in (("early", 20), ("late", 45))]  # fmt: skip
    p_row = {"outcome": "os", "measure": "none", "factor": "time_from_first_hct_to_relapse", "level": "early", "group": "early",
             "reference_level": "late", "reference": "late", "subgroups": ["early", "late"], "p": "<0.01", "source": SRC}  # fmt: skip
    words = {"outcome": "lfs", "measure": "none", "factor": "time_from_first_hct_to_relapse", "level": "early", "group": "relapse < 6 mo",
             "reference_level": "not stated", "reference": "not stated", "p": 0.2, "direction_in_words": "worse", "source": SRC}  # fmt: skip
    return _study(key, subgroups=subgroups, outcomes=outcomes, comparisons=[p_row, words])


def test_a_p_value_takes_its_direction_from_the_levels_or_the_words_and_the_levels_take_the_p() -> None:
    rows = factor_evidence(SPEC["early-relapse"], [_levels_study("c")])
    from_levels, from_words, levels = rows
    assert (from_levels.form, from_levels.direction, from_levels.note) == ("p_value", "reference_better", "direction from the levels it compares")
    assert (from_words.direction, from_words.significant) == ("reference_better", False)
    assert levels.form == "levels" and levels.direction == "reference_better" and levels.n == 100
    assert levels.p == "<0.01" and levels.significant is True and levels.cutoff == "6 mo"
    assert levels.reported == "early relapse 20% vs late relapse 45% at 2y, p <0.01"
    assert levels.lch is not None and levels.lch[2] is True  # variance from n, flagged


def test_a_cohort_of_all_relapsed_patients_is_marked_and_words_give_a_direction() -> None:
    arms = [{"id": "relapsed", "intervention": "mixed", "n": 300, "source": SRC},
            {"id": "second_hct", "intervention": "second_allo_hct", "n": 100, "part_of": "relapsed", "source": SRC}]  # fmt: skip
    assoc = [{"factor": "time_from_first_hct_to_relapse", "level": lev, "level_as_printed": lev, "outcome": "os", "direction": d,
              "analysis": "multivariable", "source": SRC} for lev, d in (("late", "better"), ("early", "no_effect"))]  # fmt: skip
    study = _study("d", arms=arms, comparisons=[_hr("early", "late", 2.0, 1.5, 2.7, arm="relapsed")], associations=assoc)
    ratio, better, none = factor_evidence(SPEC["early-relapse"], [study])
    assert (ratio.population, ratio.n) == (ALL_RELAPSED, 300)
    assert (better.population, better.direction, better.adjusted) == (ALL_RELAPSED, "reference_better", "adjusted")
    assert (none.direction, none.counted) == ("no_difference", False)


def test_votes_count_reports_by_direction_and_the_statement_says_so() -> None:
    studies = [_study(f"r{i}", comparisons=[_hr("early", "late", est, lo, hi)])
               for i, (est, lo, hi) in enumerate([(2.0, 1.5, 2.7), (1.3, 0.8, 2.1), (1.6, 1.1, 2.3)])]  # fmt: skip
    studies.append(_study("r3", associations=[{"factor": "time_from_first_hct_to_relapse", "level": "not stated",
                                                "level_as_printed": "remission duration", "outcome": "os", "direction": "not stated",
                                                "source": SRC}]))  # fmt: skip
    s = synthesise(SPEC["early-relapse"], studies)
    vote = s.votes[RECIPIENTS]
    assert vote is not None and (vote.favouring, vote.total) == (3, 3) and s.votes[ALL_RELAPSED] is None
    assert s.silent == {"r3": "direction not stated"}
    assert statement(s, []) == (
        "Late relapse after the first HCT consistently associated with better survival in 3 of 3 reports of second-HCT "
        "recipients (sign test p = 0.25; 95% CI of the proportion 44-100%; too few reports for the sign test to exclude an "
        "even split); of the other reports 0 state no difference and 1 give no direction; size uncertain (not pooled; HRs of 3 "
        "reports from 1.30 to 2.00, median 1.60 (early relapse after the first HCT vs late relapse after the first HCT))."
    )


def _reference_level_studies() -> list[StudyExtraction]:
    lv, out = REF["levels"], []
    for i in range(len(lv["sa"])):
        subgroups, outcomes = [], []
        for lev, s, se, n in (("not_cr", "sa", "sea", "na"), ("cr", "sb", "seb", "nb")):
            subgroups.append({"id": lev, "factor": "remission_at_second_hct", "level": lev, "level_as_printed": lev, "source": SRC,
                              **({"n": int(lv[n][i])} if lv[n][i] is not None else {})})  # fmt: skip
            outcomes.append({"outcome": "os", "subgroup": lev, "time": "2y", "estimator": "kaplan_meier", "unit": "percent",
                             "estimate": int(lv[s][i]), "source": SRC, **({"se": int(lv[se][i])} if lv[se][i] is not None else {})})  # fmt: skip
        out.append(_study(f"lev{i}", subgroups=subgroups, outcomes=outcomes))
    return out


def test_pooled_log_cumulative_hazard_ratio_within_reports_equals_metafor() -> None:
    s = synthesise(SPEC["remission"], _reference_level_studies())
    (pooled,) = s.levels
    assert pooled.outcome == "os" and pooled.binomial and pooled.pooled is not None
    assert [r.lch[0] for r in pooled.rows] == pytest.approx(REF["levels"]["yi"], rel=1e-12)  # type: ignore[index]
    ref = REF["levels"]["fits"]["REML_adhoc"]
    for ours, theirs in ((pooled.pooled.estimate, "estimate"), (pooled.pooled.se, "se"), (pooled.pooled.ci_lb, "ci_lb"),
                         (pooled.pooled.ci_ub, "ci_ub"), (pooled.pooled.tau2, "tau2")):  # fmt: skip
        assert ours == pytest.approx(ref[theirs], rel=1e-6), theirs


def test_a_finer_level_against_an_unstated_reference_is_another_contrast() -> None:
    """Non-myeloablative 'better' in a cohort of reduced-intensity transplants compares it with other RIC, not with MAC."""
    assoc = [{"factor": "conditioning_intensity", "level": lev, "level_as_printed": lev, "outcome": "os", "direction": "better",
              "source": SRC} for lev in ("nma", "mac")]  # fmt: skip
    nma, mac = factor_evidence(SPEC["conditioning"], [_study("e", associations=assoc)])
    assert (nma.direction, nma.counted, nma.note) == ("not stated", False, "another contrast than the protocol's")
    assert (mac.direction, mac.counted) == ("reference_better", True)


@pytest.mark.parametrize(("p", "ci", "expected"), [("<0.05", None, True), (0.05, None, False), ("n.s.", None, False), (">0.05", None, False),
                                                   (">0.01", None, None), ("1e-4", None, True), (0.2, (1.2, 3.0), True),
                                                   ("<0.001", (0.8, 1.4), False), (None, None, None)])  # fmt: skip
def test_significance_at_the_report_s_own_level(p: object, ci: tuple[float, float] | None, expected: bool | None) -> None:
    from secondhct.review.factorevidence import significance

    assert significance(p, ci) is expected


def test_reports_that_may_share_patients_count_once_in_the_independent_vote() -> None:
    from secondhct.protocol.overlap import overlap_groups

    studies = [_study(f"r{i}", comparisons=[_hr("early", "late", 1.5 + i, 1.1, 4.0)]) for i in range(3)]
    link = {"key": "r0", "reason": "same centre, same years (fictional)"}
    studies[1] = StudyExtraction.model_validate({**studies[1].model_dump(), "study": {**studies[1].study.model_dump(),
                                                                                      "may_share_patients_with": [link]}})  # fmt: skip
    s = synthesise(SPEC["early-relapse"], studies, overlap_groups(studies, None))
    assert s.votes[RECIPIENTS] is not None and s.votes[RECIPIENTS].total == 3  # type: ignore[union-attr]
    assert s.independent is not None and (s.independent.favouring, s.independent.total) == (2, 2)
    assert "counting one report per group of reports that may share patients: 2 of 2 (sign test p = 0.50)" in statement(s, [])
