"""What selection returns: the rows that qualify for an analysis and the reports left out, with the stage
and reason (:mod:`secondhct.protocol.select`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..extraction.schema import Comparison, Outcome, StudyExtraction, Subgroup

Stage = Literal["population", "scope", "outcome", "selected", "overlap"]
#: The stages in the order selection passes them (:func:`secondhct.protocol.select.select` checks a report's rows
#: before its scope): the reason of the furthest stage a report reached says most about why it is out.
STAGE_ORDER: tuple[Stage, ...] = ("population", "outcome", "scope", "selected", "overlap")


@dataclass(frozen=True)
class Candidate:
    """A row that qualifies: ``outcomes[index]`` (proportions) or ``comparisons[index]`` (ratios)."""

    key: str
    study: StudyExtraction
    index: int
    n: int | None
    subgroup: Subgroup | None = None
    inverted: bool = False  # a ratio reported the other way round (reference vs group)

    @property
    def outcome(self) -> Outcome:
        return self.study.outcomes[self.index]

    @property
    def comparison(self) -> Comparison:
        return self.study.comparisons[self.index]


@dataclass(frozen=True)
class Exclusion:
    key: str
    stage: Stage
    reason: str


@dataclass(frozen=True)
class Selection:
    included: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]
