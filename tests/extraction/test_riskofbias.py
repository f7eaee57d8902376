"""The overall rule of the risk-of-bias tools and the agreement between two assessors."""

from __future__ import annotations

import pytest

from secondhct.extraction.riskofbias import JBI_CASE_SERIES, agreement, overall_from_domains
from secondhct.extraction.riskofbiasmodels import RiskOfBias


@pytest.mark.parametrize(
    ("judgements", "overall"),
    [
        (["low"] * 9 + ["high"], "high"),  # one high domain decides
        (["unclear"] * 9 + ["high"], "high"),
        (["unclear"] * 5 + ["low"] * 5, "unclear"),  # half unclear
        (["unclear"] * 4 + ["low"] * 6, "some_concerns"),  # fewer than half: a concern
        (["unclear"] * 4 + ["not_applicable"] * 3 + ["low"] * 3, "unclear"),  # 4 of 7 applicable
        (["some_concerns"] + ["low"] * 9, "some_concerns"),
        (["low"] * 7 + ["not_applicable"] * 3, "low"),
    ],
)
def test_overall_from_domains(judgements: list[str], overall: str) -> None:
    assert overall_from_domains(judgements) == overall


def _rob(first: dict[str, str | None], checked: bool = True) -> RiskOfBias:
    domains = {d: {"judgement": "unclear", "reason": "r", **({"first_judgement": first[d]} if first.get(d) else {})}
               for d in JBI_CASE_SERIES.domains}  # fmt: skip
    extra = {"checked_by": "b", "checked_on": "2026-12-02"} if checked else {}
    return RiskOfBias.model_validate({"tool": "jbi_case_series", "assessed_by": "a", "assessed_on": "2026-12-01",
                                      "domains": domains, "overall": {"judgement": "unclear", "reason": "r"}, **extra})  # fmt: skip


def test_agreement_counts_domains_of_checked_assessments_only() -> None:
    a = agreement([_rob({"demographics": "high", "statistics": "low"}), _rob({}), _rob({}, checked=False)])
    assert (a.agreed, a.total, a.assessments) == (18, 20, 2)
    assert a.rate == pytest.approx(0.9)
    assert agreement([]).rate is None
