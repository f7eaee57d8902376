"""GRADE judgements (secondhct.review.grade) on constructed inputs: each domain rated down and not,
the starting level by question, and Cochran's Q / I² against metafor (tests/reference/make_grade_reference.R)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from secondhct.protocol.gradespec import StartLevels
from secondhct.protocol.kinds import KINDS
from secondhct.review import grade
from secondhct.review.grade import Pooled, Report

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
JBI_OK = {"inclusion_criteria": "low", "consecutive_inclusion": "low", "complete_inclusion": "unclear",
          "outcomes_follow_up": "some_concerns", "statistics": "low", "demographics": "high"}  # fmt: skip
JBI_SILENT = {**JBI_OK, "inclusion_criteria": "unclear", "consecutive_inclusion": "unclear"}


def report(key: str = "a", weight: float | None = 50.0, n: int | None = 100, domains: dict[str, str] | None = None,
           source: str = "full_text", origin: str | None = "second_hct", selected: bool = False, leukemia: bool = True) -> Report:  # fmt: skip
    return Report(key=key, weight=weight, n=n, rob=None, source_type=source, time_origin=origin, selected=selected,
                  leukemia=leukemia, domains=JBI_OK if domains is None else domains)  # fmt: skip


def test_starting_level_follows_the_question() -> None:
    start = StartLevels()
    assert {k.form: getattr(start, k.grade_question) for k in KINDS.values()} == {
        "proportion": "high", "factor_ratio": "high", "factor_levels": "high", "versus_arms": "low",
        "versus_ratios": "low", "survival_curve": "high"}  # fmt: skip
    assert grade.level_after(["serious", "not_serious"], "high") == "moderate"
    assert grade.level_after(["very_serious", "serious"], "high") == "very_low"
    assert grade.level_after(["serious"], "low") == "very_low"


def test_shares_use_weights_then_patients_then_equal() -> None:
    assert grade.report_shares([report(weight=30.0), report(weight=10.0)]) == [0.75, 0.25]
    assert grade.report_shares([report(weight=None, n=30), report(weight=None, n=90)]) == [0.25, 0.75]
    assert grade.report_shares([report(weight=None, n=None), report(weight=None, n=None)]) == [0.5, 0.5]


def test_risk_of_bias_counts_only_the_domains_that_matter() -> None:
    # demographics 'high' (ages not printed) does not bias survival: not counted
    assert grade.report_risk(report()) == "low"
    assert grade.report_risk(report(domains=JBI_SILENT)) == "concerns"  # 4 of 5 unclear or some concerns
    assert grade.report_risk(report(domains={**JBI_OK, "statistics": "high"})) == "high"
    assert grade.report_risk(report(domains={})) == "concerns"  # not assessed
    s = grade.risk_of_bias([report(weight=60.0, domains=JBI_SILENT), report(weight=40.0)])
    assert s.rating == "serious"
    assert s.reason == "60% of the weight from reports unclear or of some concern on half or more of the domains on selection, follow-up and estimator"
    high = grade.risk_of_bias([report("x", 50.0, domains={**JBI_OK, "statistics": "high"}), report("y", 50.0)])
    assert high.rating == "very_serious" and "(x: statistics)" in high.reason
    assert grade.risk_of_bias([report(weight=40.0, domains=JBI_SILENT), report(weight=60.0)]).rating == "not_serious"


@pytest.mark.parametrize("name", ["adults5y", "three"])
def test_cochran_q_matches_metafor(name: str) -> None:
    ref = json.loads((REFERENCE / "grade_reference.json").read_text(encoding="utf-8"))[name]
    q, df, p, i2 = grade.cochran_q(ref["yi"], ref["vi"])
    assert (q, df, p, i2) == (pytest.approx(ref["q"], rel=1e-6), ref["df"], pytest.approx(ref["p"], rel=1e-6),
                              pytest.approx(ref["i2"], rel=1e-6))  # fmt: skip


def test_inconsistency_from_estimates_overlap_and_i2() -> None:
    ref = json.loads((REFERENCE / "grade_reference.json").read_text(encoding="utf-8"))["adults5y"]
    rows = ((0.14, 0.102, 0.189), (0.253, 0.177, 0.348))
    adults = grade.inconsistency(Pooled("proportion", 2, 0.185, 0.09, 0.35, tuple(ref["yi"]), tuple(ref["vi"]), rows))
    assert adults.rating == "serious"  # I² 84% with Q p 0.013, although the intervals touch
    assert adults.reason == "point estimates 14% to 25%; the intervals overlap; I² = 84%, Q = 6.14 on 1 df (p = 0.013)"
    calm = Pooled("proportion", 2, 0.28, 0.16, 0.43, (-1.0, -0.9), (0.05, 0.06), ((0.27, 0.2, 0.35), (0.29, 0.21, 0.38)))
    assert grade.inconsistency(calm).rating == "not_serious"  # however wide the prediction interval
    apart = Pooled("proportion", 2, 0.3, 0.1, 0.6, (-2.0, 0.0), (0.01, 0.01), ((0.12, 0.1, 0.14), (0.5, 0.48, 0.52)))
    assert grade.inconsistency(apart).rating == "very_serious"
    assert grade.inconsistency(Pooled("proportion", 1, 0.3, 0.2, 0.4)).rating == "not_serious"


def test_optimal_information_size() -> None:
    # p(1-p)(1.96/0.05)^2 at p = 0.3: 0.21 * 1536.64... = 322.69
    assert grade.optimal_information_size(0.3, 0.05) == pytest.approx(0.21 * (1.959963984540054 / 0.05) ** 2, rel=1e-12)
    assert math.ceil(grade.optimal_information_size(0.5, 0.05)) == 385
    # a ratio's interval 1.08-7.18 implies about 17 events: SE = ln(7.18/1.08)/3.92, d = 4/SE²
    assert grade.events_implied(1.08, 7.18) == pytest.approx(4 / (math.log(7.18 / 1.08) / 3.919927969080108) ** 2, rel=1e-12)


def test_imprecision_against_the_protocol_thresholds() -> None:
    precise = grade.imprecision(Pooled("proportion", 7, 0.30, 0.26, 0.35), 684, [0.2, 0.4])
    assert precise.rating == "not_serious"
    assert precise.reason == "the 95% interval 26% to 35% lies between 20% and 40%; 684 patients, at least the 323 needed for ±5 points"
    few = grade.imprecision(Pooled("proportion", 1, 0.29, 0.23, 0.37), 171, [0.2, 0.4])
    assert few.rating == "serious" and few.reason.endswith("171 patients, fewer than the 317 needed for ±5 points")
    both = grade.imprecision(Pooled("proportion", 2, 0.28, 0.16, 0.43), 900, [0.2, 0.4])
    assert both.rating == "very_serious" and both.reason.startswith("the 95% interval 16% to 43% crosses 20% and 40%")
    ratio = grade.imprecision(Pooled("ratio", 1, 2.78, 1.08, 7.21), 99)
    assert ratio.rating == "serious" and ratio.reason.endswith("17 events implied by the interval, fewer than the 300 GRADE's rule of thumb asks")
    assert grade.imprecision(Pooled("ratio", 1, 1.2, 0.8, 1.9), 99).reason.startswith("the 95% interval 0.80 to 1.90 crosses 1.00")
    assert grade.imprecision(Pooled("proportion", 1, None, None, None), 10).rating == "very_serious"


def test_indirectness() -> None:
    assert grade.indirectness([report(), report()]).rating == "not_serious"
    unstated = grade.indirectness([report(weight=70.0, origin="not stated"), report(weight=30.0)])
    assert unstated.rating == "serious" and unstated.reason.startswith("70% of the weight")
    assert grade.indirectness([report(selected=True)]).rating == "serious"
    mds = grade.indirectness([report(weight=29.0, leukemia=False), report(weight=71.0)])
    assert (mds.rating, mds.reason) == ("not_serious", "29% of the weight from reports of no leukemia (e.g. MDS only); "
                                        "otherwise population, outcome and time origin as the protocol asks")  # fmt: skip


def test_publication_bias_is_undetected_without_a_reason() -> None:
    abstracts = grade.publication_bias([report(source="abstract"), report(source="meeting_abstract")])
    assert abstracts.rating == "not_serious"
    assert abstracts.reason == "undetected: 2 reports, no funnel-plot test below 10 reports; 1 of the 2 from meeting abstracts, which the search sought"
    many = [report(key=str(i)) for i in range(10)]
    assert grade.publication_bias(many, egger_p=0.04).rating == "serious"
    assert grade.publication_bias(many[:9], egger_p=0.04).rating == "not_serious"  # no Egger below k = 10
    assert grade.publication_bias(many, egger_p=0.4).reason == "undetected: 10 reports, Egger's test p = 0.400"


def test_statements() -> None:
    args = ("about 29 in 100", "children", "os", "2 to 3 years after a second HCT")
    assert grade.statement("high", *args) == "About 29 in 100 children are alive 2 to 3 years after a second HCT."
    assert grade.statement("moderate", *args) == "About 29 in 100 children are probably alive 2 to 3 years after a second HCT."
    assert grade.statement("low", *args) == "About 29 in 100 children may be alive 2 to 3 years after a second HCT."
    assert grade.statement("very_low", *args) == ("We are very uncertain how many children are alive 2 to 3 years after a second HCT (estimate: about 29 in 100).")


def test_the_grade_reference_regenerates(tmp_path: Path) -> None:
    """The committed reference values are what make_grade_reference.R gives (skips without Rscript)."""
    from reference_scripts import regenerate

    fresh = regenerate(REFERENCE / "make_grade_reference.R", tmp_path / "grade.json")
    assert fresh == json.loads((REFERENCE / "grade_reference.json").read_text(encoding="utf-8"))
