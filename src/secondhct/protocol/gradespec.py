"""The protocol's GRADE statements: starting levels by question, decision thresholds with their rationale,
the optimal information size, per-analysis overrides, and the summary-of-findings tables.

The build judges every domain from its own numbers (:mod:`secondhct.review.grade`); what the protocol
states here are the rules it judges by, stated before the analysis (Zeng L, et al. J Clin Epidemiol
2022;142:200-208), and the review's departures from a judgement, each with a reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..extraction.base import Strict
from ..extraction.codes import Identifier, OutcomeName, Text
from .kinds import FACTOR_RATIO, PROPORTION, VERSUS_ARMS

Start = Literal["high", "low"]
Rating = Literal["not_serious", "serious", "very_serious"]
Question = Literal["overall_prognosis", "prognostic_factor", "comparison"]
_START_SOURCE = ("Overall prognosis: Iorio A, et al. BMJ 2015;350:h870; prognostic factors: Foroutan F, et al. "
                 "J Clin Epidemiol 2020;121:62-70; non-randomised comparisons of interventions: Balshem H, et al. "
                 "J Clin Epidemiol 2011;64:401-406 (high only with ROBINS-I)")  # fmt: skip


class StartLevels(Strict):
    """GRADE's starting level of cohort evidence, by the question an analysis answers."""

    overall_prognosis: Start = PROPORTION.grade_start
    prognostic_factor: Start = FACTOR_RATIO.grade_start
    comparison: Start = VERSUS_ARMS.grade_start
    source: Text = Field(default=_START_SOURCE, description="the citation of the starting levels")


class Thresholds(Strict):
    """Decision thresholds for outcomes (proportions 0-1), with the reason a panel would decide differently across them."""

    outcomes: list[OutcomeName] = Field(min_length=1)
    values: list[float] = Field(min_length=1, description="proportions (0-1) at which the decision changes")
    rationale: Text = Field(description="why an interval crossing them changes what a patient is told")


class Imprecision(Strict):
    """Imprecision by the minimally contextualised approach and the optimal information size."""

    thresholds: list[Thresholds] = Field(default_factory=list)
    ois_half_width: float = Field(default=0.05, gt=0, lt=0.5, description="half-width of the 95% CI the OIS asks of a proportion")
    ois_rationale: Text = "±5 percentage points: an estimate that precise rounds to the same 'x in 10' told to a patient"

    def thresholds_for(self, outcome: str) -> list[float]:
        """The thresholds of ``outcome`` (none for an outcome not listed)."""
        return next((list(t.values) for t in self.thresholds if outcome in t.outcomes), [])


class CertaintyDefaults(Strict):
    """``defaults.certainty``: the starting levels and the imprecision rules."""

    start: StartLevels = Field(default_factory=StartLevels)
    imprecision: Imprecision = Field(default_factory=Imprecision)


class CertaintyDomain(Strict):
    """The review's override of one GRADE domain the build judges, with the reason."""

    rating: Rating
    reason: Text = Field(description="why the review departs from the build's judgement; numbers cited must be the build's")
    override: Text | None = Field(default=None, description="older form: the reason for the departure (reason is then the typed one)")


class Certainty(Strict):
    """Overrides of the build's GRADE judgements: only the domains the review judges otherwise."""

    risk_of_bias: CertaintyDomain | None = None
    inconsistency: CertaintyDomain | None = None
    indirectness: CertaintyDomain | None = None
    imprecision: CertaintyDomain | None = None
    publication_bias: CertaintyDomain | None = None


class SofTable(Strict):
    """One summary-of-findings table: a population and its critical outcomes (analysis ids), in order."""

    id: Identifier
    title: Text
    analyses: list[Identifier] = Field(min_length=1, max_length=7, description="at most 7 critical outcomes (GRADE), in the order shown")
