"""GRADE suggestions (secondhct.review.grade) on constructed inputs: each domain rated down and not."""

from __future__ import annotations

import math

import pytest

from secondhct.review import grade
from secondhct.review.grade import Pooled, Report


def report(key: str = "a", weight: float | None = 50.0, n: int | None = 100, rob: str | None = "some_concerns",
           source: str = "full_text", origin: str | None = "second_hct", selected: bool = False, leukemia: bool = True) -> Report:  # fmt: skip
    return Report(key=key, weight=weight, n=n, rob=rob, source_type=source, time_origin=origin, selected=selected, leukemia=leukemia)


def test_shares_use_weights_then_patients_then_equal() -> None:
    assert grade.report_shares([report(weight=30.0), report(weight=10.0)]) == [0.75, 0.25]
    assert grade.report_shares([report(weight=None, n=30), report(weight=None, n=90)]) == [0.25, 0.75]
    assert grade.report_shares([report(weight=None, n=None), report(weight=None, n=None)]) == [0.5, 0.5]


def test_risk_of_bias_by_share_of_weight() -> None:
    full_low = [report(weight=60.0, rob="low"), report(weight=40.0, rob="high")]
    assert grade.risk_of_bias(full_low).rating == "not_serious"  # 40% high: below half
    abstracts = [report(weight=60.0, rob="low", source="abstract"), report(weight=40.0, rob="low")]
    s = grade.risk_of_bias(abstracts)
    assert s.rating == "serious" and "60% from reports read as abstracts" in s.reason
    high = [report(weight=50.0, rob="high"), report(weight=50.0, rob="low")]
    assert grade.risk_of_bias(high).rating == "very_serious"
    assert grade.risk_of_bias([report(rob=None)]).rating == "serious"  # not assessed counts as a concern


def test_inconsistency_signs() -> None:
    calm = Pooled("proportion", 4, 0.3, 0.25, 0.35, 0.22, 0.38, i2=10.0, tau=0.1, q_p=0.6)
    assert grade.inconsistency(calm, [0.5]).rating == "not_serious"
    assert grade.inconsistency(Pooled("proportion", 4, 0.3, 0.25, 0.35, i2=62.0), ()).reason == "I² = 62%"
    assert grade.inconsistency(Pooled("proportion", 4, 0.3, 0.25, 0.35, q_p=0.05), ()).rating == "serious"
    assert grade.inconsistency(Pooled("proportion", 2, 0.3, 0.2, 0.4, tau=0.5), ()).reason == "τ = 0.50"
    spans = grade.inconsistency(calm, [0.3])
    assert spans.rating == "serious" and spans.reason == "the prediction interval spans 30%"
    assert grade.inconsistency(Pooled("proportion", 1, 0.3, 0.2, 0.4, i2=90.0), ()).rating == "not_serious"


def test_optimal_information_size() -> None:
    # p(1-p)(1.96/0.05)^2 at p = 0.3: 0.21 * 1536.64... = 322.69
    assert grade.optimal_information_size(0.3) == pytest.approx(0.21 * (1.959963984540054 / 0.05) ** 2, rel=1e-12)
    assert math.ceil(grade.optimal_information_size(0.5)) == 385


def test_imprecision_counts_its_signs() -> None:
    precise = Pooled("proportion", 6, 0.29, 0.26, 0.31)
    assert grade.imprecision(precise, 2190, [0.5]).rating == "not_serious"
    few = grade.imprecision(precise, 171)
    assert few.rating == "serious" and few.reason == "171 patients, fewer than the 317 needed for ±5 points"
    wide = Pooled("proportion", 2, 0.28, 0.16, 0.43)
    both = grade.imprecision(wide, 222, [0.3])
    assert both.rating == "very_serious"
    assert both.reason.startswith("the 95% interval spans 30%; the interval is 27 percentage points wide")
    ratio = grade.imprecision(Pooled("ratio", 1, 2.78, 1.08, 7.21), 99)
    assert ratio.rating == "serious" and ratio.reason == "the upper limit is 6.7 times the lower"
    assert grade.imprecision(Pooled("ratio", 1, 1.2, 0.8, 1.9), 99).reason == "the 95% interval spans 1"
    assert grade.imprecision(Pooled("proportion", 1, None, None, None), 10).rating == "very_serious"


def test_indirectness() -> None:
    assert grade.indirectness([report(), report()]).rating == "not_serious"
    unstated = grade.indirectness([report(weight=70.0, origin="not stated"), report(weight=30.0)])
    assert unstated.rating == "serious" and unstated.reason.startswith("70% of the weight")
    assert grade.indirectness([report(selected=True)]).rating == "serious"
    assert grade.indirectness([report()], spread_time=True).rating == "serious"
    mds = grade.indirectness([report(weight=29.0, leukemia=False), report(weight=71.0)])
    assert (mds.rating, mds.reason) == ("not_serious", "29% of the weight from reports of no leukemia (e.g. MDS only); otherwise as the protocol asks")
    mostly_mds = grade.indirectness([report(weight=60.0, leukemia=False), report(weight=40.0)])
    assert (mostly_mds.rating, mostly_mds.reason) == ("serious", "60% of the weight from reports of no leukemia (e.g. MDS only)")


def test_publication_bias() -> None:
    assert grade.publication_bias([report(source="abstract"), report(source="meeting_abstract")]).rating == "serious"
    assert grade.publication_bias([report(), report(source="abstract")]).rating == "not_serious"
    many = [report(key=str(i)) for i in range(10)]
    assert grade.publication_bias(many, egger_p=0.04).reason == "Egger's test p = 0.040"
    assert grade.publication_bias(many[:9], egger_p=0.04).rating == "not_serious"  # no Egger below k = 10
    assert grade.publication_bias(many, egger_p=0.4).rating == "not_serious"


def test_levels_and_statements() -> None:
    assert grade.level_after(["not_serious"] * 5) == "low"
    assert grade.level_after(["serious", "not_serious"]) == "very_low"
    assert grade.level_after(["very_serious", "very_serious"]) == "very_low"
    assert grade.level_after([], start="high") == "high"
    assert grade.level_after(["serious"], start="high") == "moderate"
    args = ("about 29 in 100", "children", "os", "2 to 3 years after a second HCT")
    assert grade.statement("high", *args) == "About 29 in 100 children are alive 2 to 3 years after a second HCT."
    assert grade.statement("moderate", *args) == "About 29 in 100 children are probably alive 2 to 3 years after a second HCT."
    assert grade.statement("low", *args) == "About 29 in 100 children may be alive 2 to 3 years after a second HCT."
    assert grade.statement("very_low", *args) == (
        "We are very uncertain how many children are alive 2 to 3 years after a second HCT (estimate: about 29 in 100)."
    )
