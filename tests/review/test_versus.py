"""Comparisons of the second HCT with an alternative (issue 24): one time origin for both arms, the
immortal-time label, ROBINS-I, the comparator codes and their sensitivity analysis, the summary section.

Effect sizes are checked against ``tests/reference/make_versus_reference.R`` (metafor ``escalc``) at
1e-12 relative; the frozen fixture project (``tests/data/frozen/``) holds anon2012 with its ROBINS-I
assessment and uden2020 with a comparator coded ``salvage_not_specified``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from secondhct.api import Review
from secondhct.extraction.riskofbias import check_risk_of_bias, robins_i_overall
from secondhct.extraction.schema import StudyExtraction
from secondhct.protocol.load import plan
from secondhct.protocol.schema import Analysis, Defaults
from secondhct.review.alternatives import alternatives_context, bias_sentence
from secondhct.review.analysis import AnalysisResult, run_analysis
from secondhct.review.results import analysis_record
from secondhct.review.versus import IMMORTAL, POSSIBLY_IMMORTAL, immortal_time

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_SCRIPT = ROOT / "tests" / "reference" / "make_versus_reference.R"
REF: dict[str, Any] = json.loads((ROOT / "tests" / "reference" / "versus_reference.json").read_text())
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "data" / "project" / "studies" / "smith2020.yaml").read_text())
SRC = {"location": "abstract"}
POPULATION = {"diseases": ["ALL", "AML"], "age_groups": ["pediatric"], "time_origins": ["relapse", "second_hct", "not stated"]}


def _study(key: str, arms: list[dict[str, Any]], outcomes: list[dict[str, Any]], origin: str = "relapse",
           selection: list[dict[str, Any]] | None = None) -> StudyExtraction:  # fmt: skip
    data = copy.deepcopy(BASE)
    if selection:
        data["population"]["selection"] = selection
    data["key"] = key
    data["study"]["data_source"] = "not stated"
    data["study"].pop("may_share_patients_with", None)
    data["population"]["time_origin"] = origin
    data.update({"subgroups": [], "comparisons": [], "associations": [], "arms": arms, "outcomes": outcomes, "risk_of_bias": []})
    return StudyExtraction.model_validate(data)


def _os(arm: str, estimate: float, time: str = "4y", **more: Any) -> dict[str, Any]:
    return {"outcome": "os", "arm": arm, "time": time, "estimate": estimate, "unit": "percent", "source": SRC, **more}


def _rest_study(comparator: str = "no_second_hct", n: int | str = "not stated", derived: bool = False) -> StudyExtraction:
    """Like uden2020: 333 relapsed, 122 with a second HCT, the rest's size not printed (``derived``: recorded as
    a derived count, 333 - 122, as the extraction does; never computed by the tool)."""
    whole, second = REF["n1"][0] + REF["n2"][0], REF["n1"][0]
    rest: dict[str, Any] = {"id": "rest", "intervention": comparator, "n": n, "part_of": "relapsed", "source": SRC}
    if derived:
        rest["n_derived"] = {"value": whole - second, "arithmetic": f"{whole} - {second}", "source": SRC}
    arms = [{"id": "relapsed", "intervention": "mixed", "n": whole, "source": SRC},
            {"id": "second_hct", "intervention": "second_allo_hct", "n": second, "part_of": "relapsed", "source": SRC}, rest]
    return _study("rest", arms, [_os("second_hct", REF["p1"][0]), _os("rest", REF["p2"][0])], origin="not stated")


def _pair_study(second_origin: str = "relapse", design: str | None = "none") -> StudyExtraction:
    """Like anon2012: 16 second HCTs vs 50 given chemotherapy and/or DLI, OS at 5 years from relapse."""
    comparator = {"id": "other", "intervention": "chemotherapy_or_dli", "n": REF["n2"][1], "source": SRC}
    if design is not None:
        comparator["analysis_design"] = design
    arms = [{"id": "second_hct", "intervention": "second_allo_hct", "n": REF["n1"][1], "source": SRC}, comparator]
    outcomes = [_os("second_hct", REF["p1"][1], "5y", time_origin=second_origin), _os("other", REF["p2"][1], "5y", time_origin="relapse")]
    return _study("pair", arms, outcomes)


def _run(alternative: dict[str, Any], studies: list[StudyExtraction], sensitivity: list[dict[str, Any]] | None = None) -> AnalysisResult:
    analysis = {"id": "t", "title": "test", "kind": "versus_alternative", "outcomes": ["os"], "population": POPULATION,
                "time": {"min": "1y", "max": "5y"}, "alternative": alternative, "sensitivity": sensitivity or []}  # fmt: skip
    return run_analysis(plan(Analysis.model_validate(analysis), Defaults()), studies, {})


def test_the_rest_of_all_relapsed_patients_is_the_no_second_hct_arm_and_matches_metafor() -> None:
    result = _run({"comparator": "no_second_hct"}, [_rest_study(derived=True)])
    (effect,) = result.effects
    np.testing.assert_allclose([effect.effect.yi, effect.effect.vi], [REF["yi"][0], REF["vi"][0]], rtol=1e-12)
    assert effect.n == 333 and "(n 211 = 333 - 122, derived)" in effect.reported
    # without the derived count in the extraction the tool never computes it: no effect size
    assert _run({"comparator": "no_second_hct"}, [_rest_study()]).effects == ()


def test_salvage_not_specified_enters_vs_no_second_hct_only_in_its_sensitivity_analysis() -> None:
    alternative = {"comparator": "no_second_hct", "sensitivity_comparators": ["salvage_not_specified"]}
    result = _run(alternative, [_rest_study("salvage_not_specified", REF["n2"][0])], [{"kind": "include_other_comparators"}])
    assert result.effects == () and "comparator arm (no second HCT)" in result.excluded[0].reason
    (held,) = [s for s in result.sensitivity if s.name == "include_other_comparators"]
    assert held.keys == ("rest",)
    # without its size the arm gives no effect even there (the rest of the relapsed patients is no_second_hct's only)
    bare = _run(alternative, [_rest_study("salvage_not_specified")], [{"kind": "include_other_comparators"}])
    assert [s for s in bare.sensitivity if s.name == "include_other_comparators"] == []


def test_both_arms_must_share_a_time_origin() -> None:
    result = _run({"comparator": "chemotherapy_or_dli"}, [_pair_study(second_origin="second_hct")])
    assert result.effects == ()
    (why,) = [x.reason for x in result.excluded if x.key == "pair"]
    assert why == ("pair: second HCT from the second HCT, chemotherapy or dli from the relapse: "
                   "the two arms do not share a time origin, so their survival cannot be compared")  # fmt: skip
    (effect,) = _run({"comparator": "chemotherapy_or_dli"}, [_pair_study()]).effects
    np.testing.assert_allclose([effect.effect.yi, effect.effect.vi], [REF["yi"][1], REF["vi"][1]], rtol=1e-12)


@pytest.mark.parametrize(("origin", "design", "label"), [
    ("relapse", "none", IMMORTAL), ("relapse", "not stated", IMMORTAL), ("diagnosis", None, IMMORTAL),
    ("relapse", "landmark", None), ("relapse", "time_dependent", None), ("not stated", None, POSSIBLY_IMMORTAL),
    ("not stated", "landmark", None), ("treatment_start", None, None),
])  # fmt: skip
def test_immortal_time_rule(origin: str, design: str | None, label: str | None) -> None:
    assert immortal_time(origin, design) == label


def test_a_comparison_from_relapse_names_its_bias_first_in_the_record_and_the_section() -> None:
    record = analysis_record(_run({"comparator": "chemotherapy_or_dli", "words": "chemotherapy and/or DLI"}, [_pair_study()]),
                             {"pair": "Pair 2012"})  # fmt: skip
    (row,) = record.included
    assert row.detail == ("immortal-time biased (survival from the relapse, no landmark or time-dependent analysis); "
                          "confounding by indication; ROBINS-I not yet assessed")  # fmt: skip
    assert record.contrast is not None and record.contrast.non_randomised
    ctx = alternatives_context([record], [], {"pair": 7}, {"pair": "Pair 2012"})
    (comparison,) = ctx["comparisons"]
    assert comparison["sentences"][0].startswith(
        "Immortal-time biased (survival from the relapse, no landmark or time-dependent analysis), confounded by indication, "
        "ROBINS-I not yet assessed. Pair 2012 [7]: second HCT 42.9% vs chemotherapy and/or DLI 11.8% at 5y (odds ratio "
    )
    from secondhct.review.figures import render_figures
    from secondhct.review.findings import _when

    assert _when(record) == "1 to 5 years from the relapse, in both arms"  # the summary of findings' time, not "after a second HCT"
    svg = render_figures(_run({"comparator": "chemotherapy_or_dli"}, [_pair_study()]), {})["t.forest.svg"]
    assert "Biases" in svg and "Cut-off" not in svg  # the column holds the biases, not a cut-off
    landmark = analysis_record(_run({"comparator": "chemotherapy_or_dli"}, [_pair_study(design="landmark")]), {})
    assert bias_sentence(landmark.included[0].detail) == "Landmark analysis, confounded by indication, ROBINS-I not yet assessed."


def test_robins_i_overall_is_the_worst_domain_and_its_scale_is_its_own() -> None:
    assert robins_i_overall(["low", "moderate", "no_information", "serious"]) == "serious"
    assert robins_i_overall(["low", "moderate", "no_information"]) == "no_information"
    assert robins_i_overall(["low", "critical", "serious"]) == "critical"
    assert robins_i_overall(["low"] * 7) == "low"
    study = _pair_study()
    domains = {d: {"judgement": "low", "reason": "r"} for d in
               ("confounding", "selection", "classification", "deviations", "missing_data", "measurement", "reported_result")}
    domains["confounding"] = {"judgement": "high", "reason": "r"}  # a QUIPS word, not a ROBINS-I one
    rob = {"tool": "robins_i", "assessed_by": "t", "assessed_on": "2026-12-07", "domains": domains,
           "overall": {"judgement": "low", "reason": "r"}}  # fmt: skip
    bad = StudyExtraction.model_validate({**study.model_dump(mode="json", exclude_none=True), "risk_of_bias": [rob]})
    found = [f.message for f in check_risk_of_bias(bad)]
    assert "'high' is not a robins_i judgement (low, moderate, serious, critical, no_information)" in found


def test_frozen_anon2012_is_judged_with_robins_i_critical(frozen_review: Review) -> None:
    result = frozen_review.run("versus-chemotherapy-or-dli-os").result
    record = analysis_record(result, {})
    (row,) = record.included
    assert row.key == "anon2012" and row.detail is not None and row.detail.endswith("ROBINS-I critical")
    assert row.detail.startswith("immortal-time biased (survival from the relapse")
    assert record.certainty is not None and record.certainty.domains[0].suggested == "very_serious"


@pytest.mark.slow
@pytest.mark.metafor
def test_versus_reference_json_regenerates_identically(tmp_path: Path) -> None:
    from reference_scripts import regenerate

    assert regenerate(REFERENCE_SCRIPT, tmp_path / "versus_reference.json") == REF


def test_a_second_hct_arm_beside_a_comparator_needs_a_robins_i_assessment() -> None:
    found = [(f.severity, f.message) for f in check_risk_of_bias(_pair_study())]
    assert ("warning", "no robins_i risk-of-bias assessment for its comparison with an alternative "
            "(add risk_of_bias at the end of the file)") in found  # fmt: skip


def test_arms_without_a_contrast_are_listed_as_printed_and_the_car_t_pathway_apart() -> None:
    arms = [{"id": "all", "intervention": "mixed", "n": 1788, "source": SRC},
            {"id": "chemo", "intervention": "chemotherapy", "n": 660, "part_of": "all", "source": SRC},
            {"id": "dli", "intervention": "dli", "n": 202, "part_of": "all", "source": SRC},
            {"id": "second", "intervention": "second_allo_hct", "n": 369, "part_of": "all", "source": SRC}]  # fmt: skip
    listed = _study("arms", arms, [_os("dli", 20, "2y")])
    chosen = [{"kind": "car_t_before_second_hct", "description": "CR with CAR-T, then a second HCT", "source": SRC}]
    pathway = _study("pathway", [{"id": "second", "intervention": "second_allo_hct", "n": 95, "source": SRC}], [], selection=chosen)
    ctx = alternatives_context([], [listed, pathway], {"arms": 1, "pathway": 2}, {"arms": "Arms 2015", "pathway": "Path 2023"})
    assert ctx["descriptive"] == ["Arms 2015 [1] (100 patients; survival from the relapse): chemotherapy 660; "
                                  "donor lymphocyte infusion 202: overall survival 20% at 2y; second allogeneic HCT 369."]
    assert ctx["pathway"] == ["Path 2023 [2]: second HCT 95: CR with CAR-T, then a second HCT."]
