"""Issue 23: scope shares, selection criteria, overlap bounded by sub-population, derived counts."""

from __future__ import annotations

from typing import Any

import pytest
from test_protocol import _study

from secondhct.extraction.derived import check_derived, evaluate
from secondhct.protocol.load import plan
from secondhct.protocol.overlap import shared_patients
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.protocol.scope import scope_of
from secondhct.protocol.select import select


def _plan(**options: Any):
    population = options.pop("population", {"diseases": ["ALL", "AML", "acute_leukemia"], "age_groups": ["pediatric"]})
    analysis = Analysis.model_validate(
        {"id": "a", "title": "t", "outcomes": ["os"], "time": {"min": "2y", "max": "3y"}, "population": population, **options}
    )
    return plan(analysis, Defaults())


LEUKEMIA = ["ALL", "AML", "acute_leukemia", "CML", "CLL"]


@pytest.mark.parametrize(
    ("changes", "share", "words"),
    [
        ({}, 0.0, ""),  # ALL 60 + AML 40 of 100: all inside
        ({"population.diseases": ["AML", "MDS", "MPN"], "population.disease_counts": {"AML": 88, "MDS": 25, "MPN": 3},
          "population.n": 116}, 28 / 116, "MDS 25, MPN 3 of 116"),
        # AML and MDS split, 13 patients not split: all 18 counted outside
        ({"population.diseases": ["AML", "MDS", "other"], "population.disease_counts": {"AML": 47, "MDS": 5},
          "population.n": 65}, 18 / 65, "MDS 5, other or not split 13 of 65"),
        ({"population.diseases": ["AML", "MDS"], "population.disease_counts": None}, None, "MDS (split not printed)"),
        ({"population.diseases": ["hematologic_malignancy"], "population.disease_counts": None}, None,
         "hematologic malignancy (split not printed)"),
        # CLL is a leukemia: inside when the scope lists it
        ({"population.diseases": ["AML", "CLL", "lymphoma"], "population.disease_counts": {"AML": 90, "CLL": 5, "lymphoma": 5}},
         5 / 100, "lymphoma 5 of 100"),
    ],
)
def test_share_outside_the_scope_from_printed_counts(changes: dict[str, Any], share: float | None, words: str) -> None:
    scope = scope_of(_study("x2020", **changes), LEUKEMIA)
    assert scope.share == pytest.approx(share) if share is not None else scope.share is None
    assert scope.outside == words


def test_a_report_with_no_patient_in_scope_is_outside_and_mds_alone_never_enters() -> None:
    mds = _study("mds2019", **{"population.diseases": ["MDS"], "population.disease_counts": None})
    assert scope_of(mds, LEUKEMIA).any_inside is False
    chosen = select(_plan(), [mds], {})
    assert chosen.included == () and chosen.excluded[0].stage == "population"
    assert chosen.excluded[0].reason == "disease MDS outside the analysis's scope (ALL, AML, acute_leukemia)"


def test_share_selections_count_and_graft_failure_without_a_count_is_not_computable() -> None:
    auto = _study("auto2009", **{"population.selection": [
        {"kind": "first_hct_not_allogeneic", "description": "autologous first in 8", "count": 8, "of": 22,
         "source": {"location": "abstract"}}]})
    assert scope_of(auto, LEUKEMIA).share == pytest.approx(8 / 22)
    graft = _study("graft2010", **{"population.indications": ["relapse", "graft_failure"]})
    assert scope_of(graft, LEUKEMIA).share is None


def test_the_threshold_decides_between_primary_and_the_mixed_scope_sensitivity_analysis() -> None:
    few = _study("few2020", **{"population.diseases": ["ALL", "AML", "MDS"], "population.disease_counts": {"ALL": 57, "AML": 37, "MDS": 6}})
    many = _study("many2019", **{"population.diseases": ["ALL", "AML", "MDS"], "population.disease_counts": {"ALL": 50, "AML": 30, "MDS": 20},
                                 "study.data_source": "not stated"})
    chosen = select(_plan(), [few, many], {})
    assert [c.key for c in chosen.included] == ["few2020"]  # 6 % outside: in
    (reason,) = [e for e in chosen.excluded if e.key == "many2019"]
    assert reason.stage == "scope"
    assert reason.reason.startswith("20.0% of patients outside the analysis's scope (MDS 20 of 100; the protocol admits at most 10%)")
    wider = select(_plan(), [few, many], {}, include_mixed_scope=True, one_per_overlap_group=False)
    assert sorted(c.key for c in wider.included) == ["few2020", "many2019"]
    strict = select(_plan(scope_threshold=0.05), [few, many], {})
    assert strict.included == ()


def test_selection_criteria_are_judged_per_analysis() -> None:
    donor = [{"kind": "donor", "description": "haploidentical or unrelated donors only", "source": {"location": "abstract"}}]
    study = _study("donor2021", **{"population.selection": donor})
    (out,) = select(_plan(), [study], {}).excluded
    assert out.stage == "selected"
    assert out.reason == ("a cohort restricted by donor (haploidentical or unrelated donors only): indirect for this question "
                          "(protocol: indirect_selections)")
    direct = select(_plan(indirect_selections=["remission_only"]), [study], {})
    assert [c.key for c in direct.included] == ["donor2021"]


def _ebmt(key: str, **changes: Any):
    return _study(key, **{"study.data_source": "CIBMTR", **changes})


def test_overlap_is_bounded_by_the_diseases_the_two_reports_share() -> None:
    mixed = _ebmt("mixed2013", **{"population.diseases": ["ALL", "AML"], "population.disease_counts": {"ALL": 5, "AML": 175},
                                  "population.n": 180, "arms.0.n": 180})
    all_only = _ebmt("all2019", **{"population.diseases": ["ALL"], "population.disease_counts": None,
                                   "population.n": 245, "arms.0.n": 245})
    overlap = shared_patients(mixed, all_only, None)
    assert overlap is not None and overlap.at_most == 5
    # 5 of 180 (2.8 %) is a minor overlap: both stay; the sensitivity analysis drops the smaller
    plan_ = _plan(population={"diseases": LEUKEMIA, "age_groups": ["pediatric"]})
    assert sorted(c.key for c in select(plan_, [mixed, all_only], {}).included) == ["all2019", "mixed2013"]
    dropped = select(plan_, [mixed, all_only], {}, drop_minor_overlaps=True)
    assert [c.key for c in dropped.included] == ["all2019"]
    assert "at most 5 patients" in dropped.excluded[0].reason and "minor overlap" in dropped.excluded[0].reason
    # 46 of 180 is not minor: the larger cohort is kept, the reason names the bound
    major = _ebmt("major2013", **{"population.diseases": ["ALL", "AML"], "population.disease_counts": {"ALL": 46, "AML": 134},
                                  "population.n": 180, "arms.0.n": 180})
    chosen = select(plan_, [major, all_only], {})
    assert [c.key for c in chosen.included] == ["all2019"]
    assert "(at most 46 patients: the diseases they share)" in chosen.excluded[0].reason


def test_a_link_can_bound_the_shared_patients() -> None:
    link = [{"key": "b2019", "reason": "sheet: 3 of ours were in theirs", "at_most": 3}]
    a = _study("a2020", **{"study.data_source": "not stated", "study.may_share_patients_with": link})
    b = _study("b2019", **{"study.data_source": "not stated", "population.n": 150, "arms.0.n": 150})
    overlap = shared_patients(a, b, None)
    assert overlap is not None and overlap.at_most == 3 and overlap.text.endswith("(at most 3 patients)")


def test_a_sensitivity_analysis_keeps_the_primary_reports_first() -> None:
    """An added (selected) report loses to a primary report it overlaps, never the other way round."""
    primary = _ebmt("primary2020")
    added = _ebmt("added2021", **{"population.n": 300, "arms.0.n": 300, "population.selection": [
        {"kind": "remission_only", "description": "CR only", "source": {"location": "abstract"}}]})
    plain = select(_plan(), [primary, added], {}, include_selected=True)
    assert [c.key for c in plain.included] == ["added2021"]  # the larger one, by the overlap rule alone
    kept = select(_plan(), [primary, added], {}, include_selected=True, keep_first=frozenset({"primary2020"}))
    assert [c.key for c in kept.included] == ["primary2020"]
    assert "kept primary2020, the primary analysis's report" in kept.excluded[0].reason


@pytest.mark.parametrize(("arithmetic", "value", "numbers"), [("251 - 187", 64, [251, 187]), ("(10 + 5) * 2", 30, [10, 5, 2])])
def test_derived_arithmetic(arithmetic: str, value: int, numbers: list[int]) -> None:
    assert evaluate(arithmetic) == (value, numbers)


@pytest.mark.parametrize("bad", ["251 / 2", "x - 1", "2 ** 8", "1.5 + 2"])
def test_derived_arithmetic_refuses_anything_else(bad: str) -> None:
    with pytest.raises(ValueError):
        evaluate(bad)


def test_validate_recomputes_a_derived_count_and_finds_its_inputs_in_the_quote() -> None:
    sub = {"id": "nr", "factor": "remission_at_second_hct", "level": "not_cr", "level_as_printed": "not in CR",
           "n": "not stated", "source": {"location": "abstract"}}
    good = dict(sub, n_derived={"value": 64, "arithmetic": "251 - 187",
                                "source": {"location": "abstract", "quote": "n = 251 ... in remission n = 187"}})
    assert list(check_derived(_study("ok2020", subgroups=[good]))) == []
    wrong = dict(sub, n_derived={"value": 65, "arithmetic": "251 - 187",
                                 "source": {"location": "abstract", "quote": "n = 251 ... in remission n = 186"}})
    messages = [f.message for f in check_derived(_study("bad2020", subgroups=[wrong]))]
    assert messages == ["65 does not equal 251 - 187 = 64",
                        "187 of '251 - 187' not printed in the quote: a derived number uses printed numbers only "
                        "(quote the words that print them)"]
    printed = dict(good, n=64)
    assert [f.message for f in check_derived(_study("both2020", subgroups=[printed]))] == [
        "n 64 is printed: a derived n is only for a size that is not printed"]
