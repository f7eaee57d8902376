"""The risk-of-bias block of an extraction: one assessment per tool, a judgement per domain
(the rules over them are :mod:`secondhct.extraction.riskofbias`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Strict
from .codes import Identifier, Text
from .fieldtypes import DateText

Judgement = Literal[
    "low", "some_concerns", "high", "unclear", "not_applicable", "moderate", "serious", "critical", "no_information"
]
"""JBI and QUIPS: low, some_concerns, high, unclear (not_applicable: a JBI item); ROBINS-I: low, moderate,
serious, critical, no_information (secondhct.extraction.riskofbias checks each tool's own)."""
RobTool = Literal["jbi_case_series", "quips", "robins_i"]


class DomainJudgement(Strict):
    """One domain (or the overall) of a risk-of-bias tool: the judgement and why."""

    judgement: Judgement = Field(
        description="JBI, QUIPS: low, some_concerns, high, unclear (not_applicable only for a JBI item); "
        "ROBINS-I: low, moderate, serious, critical, no_information"
    )
    reason: Text = Field(description="a supporting quote or the reason for the judgement")
    first_judgement: Judgement | None = Field(
        default=None,
        description="the first assessor's judgement, kept where the second assessor (checked_by) changed it; "
        "absent when they agreed",
    )


class RiskOfBias(Strict):
    """A risk-of-bias assessment of the report with one tool (domains in secondhct.extraction.riskofbias)."""

    tool: RobTool = Field(
        description="jbi_case_series for single-arm outcomes; quips for prognostic-factor effects; robins_i for a "
        "comparison of the second HCT with an alternative"
    )
    assessed_by: Text = Field(description="the first assessor (or 'rule-based draft ...')")
    assessed_on: DateText
    checked_by: Text | None = Field(
        default=None, description="the independent second assessor, who judged every domain again from the source"
    )
    checked_on: DateText | None = None
    domains: dict[Identifier, DomainJudgement] = Field(description="every domain of the tool, by its code")
    overall: DomainJudgement
