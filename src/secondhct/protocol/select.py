"""Which reports enter an analysis, and why the others do not (a PRISMA-like accounting).

Selection is pure: it takes validated extractions and an analysis plan and
returns the rows that enter (one per report, or one per subgroup level) and
every report left out with its reason. Effect sizes are computed later; a row
that cannot give one is excluded at that stage, not here.

Rules, in order:

1. *Population*: all of the report's diseases are among the analysis's
   diseases, its age group is listed, and it has an arm with the analysis's
   intervention.
2. *Outcome*: a row with one of the analysis's outcomes, for the whole arm (or
   for levels of the analysis's subgroup factor), at a stated time point inside
   the window (the earliest such time point when several are), with an allowed
   time origin (the row's own, else the population's); conditional (landmark)
   estimates never enter.
3. *Selected cohort*: a report whose cohort is a selected subset (``population.selection``,
   e.g. second remission only) is left out when the protocol says ``selected_cohorts:
   exclude`` (the default), with the selection as the reason; the sensitivity analysis
   ``include_selected_cohorts`` keeps it.
4. *Overlap*: one report per overlap group: the largest cohort for that
   outcome (``largest``; ties to the most recent, then the key), or the most
   recent (``most_recent``; ties to the largest). The sensitivity analysis
   ``all_overlap_reports`` skips this step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..extraction.schema import Arm, Comparison, Outcome, StudyExtraction, Subgroup
from ..extraction.timepoint import parse_time_point
from ..words import code_words, origin_words, outcome_group
from .load import Plan, window_months, window_text

Stage = Literal["population", "outcome", "selected", "overlap"]
_EPS = 1e-9


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


def _population_reason(study: StudyExtraction, plan: Plan) -> str | None:
    wanted = plan.analysis.population
    outside = [d for d in study.population.diseases if d not in wanted.diseases]
    if outside:
        return f"disease {', '.join(outside)} outside the analysis ({', '.join(wanted.diseases)})"
    if study.population.age_group not in wanted.age_groups:
        return f"age group {study.population.age_group} (analysis: {', '.join(wanted.age_groups)})"
    if not _arms(study, plan):
        kinds = ", ".join(sorted({code_words(a.intervention) for a in study.arms}))
        return f"no {code_words(wanted.intervention)} arm (arms: {kinds})"
    return None


def _arms(study: StudyExtraction, plan: Plan) -> dict[str, Arm]:
    return {a.id: a for a in study.arms if a.intervention == plan.analysis.population.intervention}


def _arm_of(study: StudyExtraction, arm: str | None) -> str | None:
    return arm if arm is not None else study.default_arm()


def _cohort_n(study: StudyExtraction, arm_id: str | None, row_n: int | None) -> int | None:
    if row_n is not None:
        return row_n
    arm = next((a for a in study.arms if a.id == arm_id), None)
    if arm is not None and isinstance(arm.n, int):
        return arm.n
    return study.population.n if isinstance(study.population.n, int) else None


def _proportion_rows(study: StudyExtraction, plan: Plan) -> tuple[list[Candidate], str]:
    """The qualifying outcome rows of one report, or none and the reason."""
    analysis = plan.analysis
    arms = _arms(study, plan)
    subgroups = {s.id: s for s in study.subgroups}
    names = outcome_group(analysis.outcomes)
    rows = []
    for i, out in enumerate(study.outcomes):
        if out.outcome not in analysis.outcomes or _arm_of(study, out.arm) not in arms or out.conditional_on:
            continue
        sub = subgroups.get(out.subgroup) if out.subgroup else None
        if analysis.subgroup is None and sub is None or sub is not None and sub.factor == analysis.subgroup:
            rows.append((i, out, sub))
    if not rows:
        scope = f"by {code_words(analysis.subgroup)}" if analysis.subgroup else "for the whole arm"
        return [], f"no {names} reported {scope}"
    window = window_months(analysis)
    assert window is not None
    timed = [(i, o, s, parse_time_point(o.time).months if o.time else None) for i, o, s in rows]
    in_window = [(i, o, s, m) for i, o, s, m in timed if m is not None and window[0] - _EPS <= m <= window[1] + _EPS]
    if not in_window:
        stated = sorted({o.time for _, o, _, m in timed if m is not None and o.time})
        if not stated:
            return [], f"{names}: time point not stated"
        return [], f"{names} reported at {', '.join(stated)} only (analysis: {window_text(analysis)})"
    allowed = analysis.population.time_origins
    origins_ok = [r for r in in_window if (r[1].time_origin or study.population.time_origin) in allowed]
    if not origins_ok:
        origin = in_window[0][1].time_origin or study.population.time_origin
        return [], f"time origin: {origin_words(origin)} (analysis: {', '.join(origin_words(o) for o in allowed)})"
    chosen: dict[tuple[str | None, str | None], tuple[int, Outcome, Subgroup | None, float]] = {}
    for i, out, sub, months in origins_ok:  # earliest time point per arm and subgroup level
        slot = (_arm_of(study, out.arm), sub.id if sub else None)
        if slot not in chosen or months < chosen[slot][3]:
            chosen[slot] = (i, out, sub, months)
    cands = []
    for (arm_id, _), (i, out, sub, _) in sorted(chosen.items(), key=lambda kv: kv[1][0]):
        sub_n = sub.n if sub is not None and isinstance(sub.n, int) else None
        n = _cohort_n(study, arm_id, out.total or out.n or sub_n)
        cands.append(Candidate(study.key, study, i, n, sub))
    return cands, ""


def _is(plan: Plan, factor: str, level: str, wanted: str) -> bool:
    """Whether ``level`` is ``wanted`` or one of its finer levels (exact codes without a vocabulary)."""
    if level == wanted:
        return True
    return plan.vocabulary is not None and plan.vocabulary.rolls_up(factor, level, wanted)


def _ratio_rows(study: StudyExtraction, plan: Plan) -> tuple[list[Candidate], str]:
    comparison = plan.analysis.comparison
    assert comparison is not None
    arms = _arms(study, plan)
    factor = comparison.factor
    cands = []
    for i, comp in enumerate(study.comparisons):
        if comp.outcome not in plan.analysis.outcomes or comp.factor != factor:
            continue
        if comp.measure != plan.measure or _arm_of(study, comp.arm) not in arms:
            continue
        unstated = comp.reference_level == "not stated"
        n = _cohort_n(study, _arm_of(study, comp.arm), None)
        if _is(plan, factor, comp.level, comparison.level) and (
            _is(plan, factor, comp.reference_level, comparison.reference_level) or unstated and comparison.accept_unstated_reference
        ):
            cands.append(Candidate(study.key, study, i, n))
        elif _is(plan, factor, comp.level, comparison.reference_level) and _is(plan, factor, comp.reference_level, comparison.level):
            cands.append(Candidate(study.key, study, i, n, inverted=True))
    if not cands:
        factor_words = plan.vocabulary.factors[factor].description if plan.vocabulary is not None and factor in plan.vocabulary.factors else code_words(factor)
        return [], f"no {plan.measure} for {factor_words} ({code_words(comparison.level)} vs {code_words(comparison.reference_level)})"
    return cands[:1], ""


def _overlap_key(c: Candidate, rule: str, years: Mapping[str, int | None]) -> tuple[int, int, str]:
    n = c.n if c.n is not None else -1
    year = years.get(c.key) or 0
    # Sort descending on the first two, ascending on the key (negate numbers).
    return (-n, -year, c.key) if rule == "largest" else (-year, -n, c.key)


def select(
    plan: Plan,
    studies: Sequence[StudyExtraction],
    years: Mapping[str, int | None],
    *,
    one_per_overlap_group: bool = True,
    include_selected: bool | None = None,
) -> Selection:
    """The rows that enter ``plan`` and the reports left out, with reasons (see module docstring)."""
    included: list[Candidate] = []
    excluded: list[Exclusion] = []
    keep_selected = plan.selected_cohorts == "include" if include_selected is None else include_selected
    for study in sorted(studies, key=lambda s: s.key):
        reason = _population_reason(study, plan)
        if reason is not None:
            excluded.append(Exclusion(study.key, "population", reason))
            continue
        rows, reason = _ratio_rows(study, plan) if plan.is_ratio else _proportion_rows(study, plan)
        if not rows:
            excluded.append(Exclusion(study.key, "outcome", reason))
        elif study.population.selection and not keep_selected:
            what = "; ".join(sel.description for sel in study.population.selection)
            excluded.append(Exclusion(study.key, "selected", f"selected cohort ({what}): not comparable with all comers"))
            continue
        included.extend(rows)
    if not one_per_overlap_group:
        return Selection(tuple(included), tuple(excluded))
    groups: dict[str, list[Candidate]] = defaultdict(list)
    for cand in included:
        if cand.study.study.overlap_group:
            groups[cand.study.study.overlap_group].append(cand)
    dropped: set[str] = set()
    rule_text = "the largest cohort" if plan.overlap_rule == "largest" else "the most recent report"
    for group, cands in groups.items():
        keys = {c.key for c in cands}
        if len(keys) < 2:
            continue
        keep = min(cands, key=lambda c: _overlap_key(c, plan.overlap_rule, years)).key
        for key in sorted(keys - {keep}):
            dropped.add(key)
            excluded.append(Exclusion(key, "overlap", f"may share patients with {keep} (overlap group {group}); one report per group: {rule_text}"))
    kept = tuple(c for c in included if c.key not in dropped)
    return Selection(kept, tuple(sorted(excluded, key=lambda e: e.key)))
