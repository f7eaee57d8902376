"""Which assessed reports the review includes and why the others are excluded: the lower half of the
PRISMA 2020 flow diagram (Page et al., BMJ 2021;372:n71), computed from the build, never typed.

* *Reports assessed for eligibility*: the extractions in ``studies/`` (each is a report read in
  full text or abstract and assessed against the protocol).
* *Reports included*: those the build's records use. A report is *in a primary analysis* when it is
  among an analysis's ``included`` rows or a curve's ``points``; else *in sensitivity analyses only*
  when a sensitivity analysis pools it (``sensitivity[].keys``); else *in the factor evidence table
  only* when it gives a row of that table (:func:`.tables.factor_rows`).
* *Reports excluded*: every other assessed report, each counted once under one reason: the furthest
  selection stage it reached in any analysis (:mod:`secondhct.protocol.select`: population, then
  scope, then outcome, then selected cohort, then overlap), i.e. the step that kept it out of the
  analysis it came closest to entering.

So ``assessed == included + excluded`` and the reasons add up to the excluded, by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..extraction.schema import StudyExtraction
from ..protocol.candidates import STAGE_ORDER
from ..results import ResultsDocument

#: selection stages in the order reports pass them, and the reason group each stands for
_WORDS = {
    "population": "population outside every analysis (age group, disease or intervention)",
    "scope": "share of patients outside the scope too large or not printed",
    "outcome": "no outcome the protocol asks for (outcome, time point, origin or estimator)",
    "selected": "selected cohort (restricted by a criterion the analyses exclude)",
    "overlap": "overlapping cohort (a larger report of the same patients kept)",
}
STAGES: tuple[tuple[str, str], ...] = tuple((stage, _WORDS[stage]) for stage in STAGE_ORDER)
NO_RECORD = "in no analysis's record"


@dataclass(frozen=True)
class ReportFlow:
    """The assessed reports split into included (three ways) and excluded (by reason); keys sorted."""

    assessed: tuple[str, ...]
    primary: tuple[str, ...]
    sensitivity_only: tuple[str, ...]
    factor_only: tuple[str, ...]
    excluded: dict[str, tuple[str, ...]] = field(default_factory=dict)  # reason -> keys, in stage order

    @property
    def included(self) -> int:
        return len(self.primary) + len(self.sensitivity_only) + len(self.factor_only)

    @property
    def n_excluded(self) -> int:
        return sum(len(keys) for keys in self.excluded.values())


def _used(document: ResultsDocument) -> tuple[set[str], set[str]]:
    """Keys in a primary analysis (included rows, curve points) and keys in a sensitivity analysis."""
    primary = {row.key for a in document.analyses for row in a.included}
    primary |= {point.key for curve in document.curves for point in curve.points}
    sensitivity = {key for a in document.analyses for s in a.sensitivity for key in s.keys}
    return primary, sensitivity


def _factor_keys(studies: Sequence[StudyExtraction]) -> set[str]:
    """Reports with a row in the summary's factor evidence table (the table's own rule)."""
    from .tables import factor_rows

    keys = {s.key: s.key for s in studies}
    return {row["label"] for row in factor_rows(studies, keys, {k: 0 for k in keys})}


def exclusion_reason(stages: set[str]) -> str:
    """The reason group of a report excluded at ``stages`` (over all analyses): the furthest stage."""
    furthest = [reason for stage, reason in STAGES if stage in stages]
    return furthest[-1] if furthest else NO_RECORD


def report_flow(document: ResultsDocument, studies: Sequence[StudyExtraction]) -> ReportFlow:
    """The flow of the assessed reports ``studies`` through the build's records ``document``."""
    assessed = sorted(s.key for s in studies)
    primary, sensitivity = _used(document)
    factors = _factor_keys(studies)
    stages: dict[str, set[str]] = {key: set() for key in assessed}
    rows = [row for a in document.analyses for row in a.excluded] + [row for c in document.curves for row in c.excluded]
    for row in rows:
        stages.setdefault(row.key, set()).add(row.stage)
    groups: dict[str, list[str]] = {}
    for key in assessed:
        if key not in primary and key not in sensitivity and key not in factors:
            groups.setdefault(exclusion_reason(stages[key]), []).append(key)
    order = [reason for _, reason in STAGES] + [NO_RECORD]
    return ReportFlow(
        assessed=tuple(assessed),
        primary=tuple(k for k in assessed if k in primary),
        sensitivity_only=tuple(k for k in assessed if k not in primary and k in sensitivity),
        factor_only=tuple(k for k in assessed if k not in primary and k not in sensitivity and k in factors),
        excluded={reason: tuple(groups[reason]) for reason in order if reason in groups},
    )


def flow_counts(flow: ReportFlow | None) -> list[tuple[str, int]]:
    """The computed PRISMA 2020 counts with their labels, for the summary's table."""
    if flow is None:
        return []
    return [
        ("Reports assessed for eligibility (extractions in studies/)", len(flow.assessed)),
        ("Reports excluded", flow.n_excluded),
        ("Reports included in the review", flow.included),
        ("… in at least one primary analysis", len(flow.primary)),
        ("… in sensitivity analyses only", len(flow.sensitivity_only)),
        ("… in the factor evidence table only", len(flow.factor_only)),
    ]
