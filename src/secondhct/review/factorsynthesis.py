"""A factor's evidence synthesised without meta-analysis where it cannot be pooled (SWiM: Campbell M
et al. BMJ 2020;368:l6890; Cochrane Handbook ch. 12; METHODS.md section 9), and pooled within reports
where it can (issue 24).

* One vote per report, by the direction of its preferred row (never by significance; Handbook
  12.2.2): second-HCT recipients first, overall survival before leukemia-free survival before other
  outcomes, a ratio before two levels before a p-value before words, adjusted before unadjusted, the
  time nearest 2 years. The headline counts reports of second-HCT recipients; cohorts of all relapsed
  patients (of whom some had a second HCT) are counted apart.
* Level contrasts on the log cumulative-hazard scale, one per report (OS, else leukemia-free
  survival), pooled with the review's model (REML, ad hoc Knapp-Hartung) when two reports or more
  give one. This compares levels *within* reports; the per-level pooled proportions that compare
  reports with each other are a between-study comparison and never the headline (ICEMAN:
  Schandelmaier S et al. CMAJ 2020;192:E901-6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..extraction.schema import StudyExtraction
from ..extraction.timepoint import parse_time_point
from ..outcomes import OUTCOMES
from ..stats.pooling import PooledResult, pool
from ..stats.votecount import VoteCount, vote_count
from .factorevidence import ALL_RELAPSED, RECIPIENTS, EvidenceRow, FactorSpec, factor_evidence

_FORM_RANK = {"ratio": 1, "levels": 2, "p_value": 4, "words": 5}


def outcome_rank(outcome: str) -> int:
    """0 overall survival, 1 leukemia- (event-, disease-) free survival, 2 other outcomes, 3 not stated."""
    info = OUTCOMES.get(outcome)
    return 0 if outcome == "os" else 1 if info is not None and info.role == "event_free" else 3 if outcome == "not stated" else 2


def _months_from_two_years(row: EvidenceRow) -> float:
    months = parse_time_point(row.time).months if row.time else None
    return abs(months - 24) if months is not None else 1e6


def preference(row: EvidenceRow) -> tuple[float, ...]:
    """Sort key of a report's rows: the first is the one that votes (see the module docstring)."""
    form = _FORM_RANK[row.form] - (row.ci is not None) + (row.form == "levels" and not row.time)
    return (row.population != RECIPIENTS, outcome_rank(row.outcome), form, row.adjusted != "adjusted",
            _months_from_two_years(row))  # fmt: skip


@dataclass(frozen=True)
class LevelPool:
    """Level contrasts of one outcome group on the log cumulative-hazard scale, one per report."""

    outcome: str
    keys: tuple[str, ...]
    rows: tuple[EvidenceRow, ...]
    pooled: PooledResult | None
    binomial: bool


@dataclass
class FactorSynthesis:
    """Everything the summary says about one factor."""

    spec: FactorSpec
    rows: list[EvidenceRow]
    voting: dict[str, EvidenceRow] = field(default_factory=dict)
    """Per report, the row that votes (reports with a direction only)."""
    silent: dict[str, str] = field(default_factory=dict)
    """Per report without a direction: 'no difference stated' or 'direction not stated'."""
    votes: dict[str, VoteCount | None] = field(default_factory=dict)
    """Per population: the reports favouring the reference level (the one the protocol expects to do better)."""
    levels: list[LevelPool] = field(default_factory=list)
    independent: VoteCount | None = None
    """The recipients' vote with one report per group of reports that may share patients (the largest)."""

    @property
    def reports(self) -> list[str]:
        return sorted({r.key for r in self.rows})


def _vote(rows: Sequence[EvidenceRow]) -> VoteCount | None:
    if not rows:
        return None
    return vote_count(sum(1 for r in rows if r.direction == "reference_better"), len(rows))


def level_pools(rows: Sequence[EvidenceRow]) -> list[LevelPool]:
    """Per outcome group (OS; leukemia-free survival), one log cumulative-hazard ratio per report of
    second-HCT recipients (the time nearest 2 years, within 1-5 years), pooled when k >= 2."""
    out = []
    for group, outcomes in (("os", {"os"}), ("lfs", {"lfs", "efs", "dfs", "pfs", "rfs"})):
        chosen: dict[str, EvidenceRow] = {}
        for r in sorted(rows, key=_months_from_two_years):
            months = parse_time_point(r.time).months if r.time else None
            if (r.lch is not None and r.outcome in outcomes and r.population == RECIPIENTS and months is not None
                    and 12 <= months <= 60):  # fmt: skip
                chosen.setdefault(r.key, r)
        if not chosen:
            continue
        keys = tuple(sorted(chosen))
        picked = tuple(chosen[k] for k in keys)
        yi = [r.lch[0] for r in picked]  # type: ignore[index]
        vi = [r.lch[1] for r in picked]  # type: ignore[index]
        pooled = pool(yi, vi, method="REML", test="adhoc") if len(keys) >= 2 else None
        out.append(LevelPool(group, keys, picked, pooled, any(r.lch[2] for r in picked)))  # type: ignore[index]
    return out


def _independent(out: FactorSynthesis, groups: dict[str, str]) -> VoteCount | None:
    """One vote per overlap group: the largest report of second-HCT recipients with a direction."""
    chosen: dict[str, EvidenceRow] = {}
    for key, row in sorted(out.voting.items()):
        if row.population != RECIPIENTS:
            continue
        g = groups.get(key, key)
        if g not in chosen or (row.n or 0) > (chosen[g].n or 0):
            chosen[g] = row
    return _vote(list(chosen.values()))


def synthesise(spec: FactorSpec, studies: Sequence[StudyExtraction], groups: dict[str, str] | None = None) -> FactorSynthesis:
    """The evidence table, the votes and the level contrasts of one factor; with ``groups`` (from
    :func:`overlap_groups`) also the vote with one report per group that may share patients."""
    rows = factor_evidence(spec, studies)
    out = FactorSynthesis(spec, rows)
    for key in out.reports:
        mine = sorted((r for r in rows if r.key == key), key=preference)
        counted = [r for r in mine if r.counted]
        if counted:
            out.voting[key] = counted[0]
        else:
            out.silent[key] = "no difference stated" if any(r.direction == "no_difference" for r in mine) else "direction not stated"
    for population in (RECIPIENTS, ALL_RELAPSED):
        out.votes[population] = _vote([r for r in out.voting.values() if r.population == population])
    out.levels = level_pools(rows)
    out.independent = _independent(out, groups) if groups is not None else None
    return out


def ratio_text(value: float) -> str:
    """A ratio for reading: two decimals (rounding for display only)."""
    return f"{value:.2f}"


def level_pool_text(p: LevelPool, spec: FactorSpec, labels: dict[str, str]) -> str:
    """'cumulative-hazard ratio 1.46 (95% CI 1.12-1.90), 3 reports' or the single report's value."""
    what = ("overall survival" if p.outcome == "os" else "leukemia-free survival") + f", {spec.level_words} vs {spec.reference_words}"
    flag = "; variances from n (binomial), not from SEs" if p.binomial else ""
    if p.pooled is None:
        y, v = p.rows[0].lch[:2]  # type: ignore[index]
        half = 1.959963984540054 * math.sqrt(v)
        return (f"{what}: cumulative-hazard ratio {ratio_text(math.exp(y))} (95% CI {ratio_text(math.exp(y - half))}-"
                f"{ratio_text(math.exp(y + half))}) at {p.rows[0].time} in one report ({labels.get(p.keys[0], p.keys[0])}; "
                f"not pooled{flag})")  # fmt: skip
    f = p.pooled
    return (f"{what}: pooled cumulative-hazard ratio {ratio_text(math.exp(f.estimate))} (95% CI {ratio_text(math.exp(f.ci_lb))}-"
            f"{ratio_text(math.exp(f.ci_ub))}), {f.k} reports, tau² {f.tau2:.3g}{flag}")  # fmt: skip
