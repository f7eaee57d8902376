"""Which reports enter an analysis, and why the others do not (a PRISMA-like accounting).

Selection is pure: it takes validated extractions and an analysis plan and
returns the rows that enter (one per report, or one per subgroup level) and
every report left out with its reason. Effect sizes are computed later; a row
that cannot give one is excluded at that stage, not here.

Rules, in order:

1. *Population*: the report's age group is listed, it is not of an excluded publication
   type, it has an arm with the analysis's intervention, and some of its patients can be in
   the analysis's scope (``population.diseases``).
2. *Scope*: at most ``scope_threshold`` (default 10 %) of its patients are outside the scope
   (other diseases, graft failure, a non-allogeneic first HCT: :mod:`secondhct.protocol.scope`);
   a report with a larger share, or a share the printed numbers do not give, enters only the
   sensitivity analysis ``include_mixed_scope``, with the share in the reason.
3. *Outcome*: a row with one of the analysis's outcomes, for the whole arm (or
   for levels of the analysis's subgroup factor), at a stated time point inside
   the window (the earliest such time point when several are), with an allowed
   time origin (the row's own, else the population's); conditional (landmark)
   estimates never enter.
   The sensitivity analysis ``include_time_origin_not_stated`` also admits rows whose time
   origin is not stated (the primary analyses never do unless their population lists it).
   The row's ``estimator`` must be one the protocol lets the primary analysis take for its
   outcome (``estimators``: by default Kaplan-Meier for survival and cumulative incidence for
   relapse and NRM, or not stated); rows estimated otherwise (1 - Kaplan-Meier incidences,
   crude shares) enter only the sensitivity analysis ``include_other_estimators``: different
   estimands are never pooled in a primary analysis.
4. *Selected cohort*: a report restricted as a whole by a criterion the analysis lists in
   ``indirect_selections`` (by default every whole-cohort criterion: disease status, survivors,
   donor, graft source, conditioning, pathway; a donor-type question leaves out ``donor``) is left
   out of the primary analysis with the criterion as the reason; ``include_selected_cohorts``
   keeps it.
5. *Overlap*: of reports that may share patients (:mod:`secondhct.protocol.overlap`:
   an explicit link, or the same or nested data source with intersecting accrual
   periods, age groups and diseases), the largest number they could share is bounded from
   their printed sub-populations; when it is at most ``overlap_threshold`` (10 %) of the smaller
   report both stay (``exclude_minor_overlaps`` drops the smaller), otherwise the protocol's
   rule keeps the largest cohort for that outcome (``largest``; ties to the most recent, then
   the key), or the most recent (``most_recent``; ties to the largest); each left-out report
   gets the reason in words. The sensitivity analysis ``all_overlap_reports`` skips this step,
   and a sensitivity analysis that adds reports keeps the primary analysis's reports first, so
   an added report is never lost to one the primary analysis excluded. The build
   (:func:`secondhct.review.analysis.choose`) applies this step only among the reports
   whose rows give an effect size, so a report that cannot enter never displaces one
   that can.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..extraction.schema import Arm, Comparison, Outcome, StudyExtraction, Subgroup
from ..extraction.timepoint import parse_time_point
from ..words import ESTIMATOR_WORDS, code_words, intervention_words, origin_words, outcome_group
from .candidates import Candidate, Exclusion, Selection, Stage
from .load import Plan, window_months, window_text
from .overlap import overlap_exclusions
from .scope import scope_of, share_text

_EPS = 1e-9


def _population_reason(study: StudyExtraction, plan: Plan) -> str | None:
    wanted = plan.analysis.population
    scope = scope_of(study, wanted.diseases)
    if not scope.any_inside:
        return f"disease {scope.outside} outside the analysis's scope ({', '.join(wanted.diseases)})"
    if study.population.age_group not in wanted.age_groups:
        return f"age group {study.population.age_group} (analysis: {', '.join(wanted.age_groups)})"
    if study.study.publication in plan.analysis.exclude_publications:
        return f"publication type {code_words(study.study.publication)}, which the analysis excludes (exclude_publications)"
    if not _arms(study, plan):
        kinds = "; ".join(sorted({intervention_words(a.intervention) for a in study.arms}))
        return f"no arm of {intervention_words(wanted.intervention)} (arms: {kinds})"
    return None


def _scope_reason(study: StudyExtraction, plan: Plan) -> str | None:
    """Why a report's share of patients outside the scope keeps it out of the primary analysis, or None."""
    scope = scope_of(study, plan.analysis.population.diseases)
    if scope.share is not None and scope.share <= plan.scope_threshold + _EPS:
        return None
    return (f"{share_text(scope.share)} of patients outside the analysis's scope ({scope.outside}; the protocol admits "
            f"at most {100 * plan.scope_threshold:g}%): see the sensitivity analysis including mixed-scope reports")


def _selected_reason(study: StudyExtraction, plan: Plan) -> str | None:
    """The whole-cohort selections that make a report indirect for this analysis, in words, or None."""
    chosen = [s for s in study.population.selection if s.kind in plan.indirect_selections]
    if not chosen:
        return None
    what = "; ".join(f"{code_words(s.kind)} ({s.description})" for s in chosen)
    return f"a cohort restricted by {what}: indirect for this question (protocol: indirect_selections)"


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


def _factor_words(plan: Plan, factor: str) -> str:
    """A factor in words: its description in the vocabulary, else its code with spaces."""
    if plan.vocabulary is not None and factor in plan.vocabulary.factors:
        return plan.vocabulary.factors[factor].description
    return code_words(factor)


def level_factor(plan: Plan) -> str | None:
    """The factor whose levels an analysis takes rows for: ``subgroup``, or the factor of a
    factor_levels contrast (None: whole arms)."""
    if plan.kind.takes_levels and plan.analysis.comparison is not None:
        return plan.analysis.comparison.factor
    return plan.analysis.subgroup


def allowed_origins(plan: Plan, include_time_origin_not_stated: bool = False) -> tuple[str, ...]:
    """The time origins an analysis admits (``include_time_origin_not_stated``: also 'not stated')."""
    allowed = tuple(plan.analysis.population.time_origins)
    return (*allowed, "not stated") if include_time_origin_not_stated and "not stated" not in allowed else allowed


def estimator_enters(plan: Plan, out: Outcome, include_other_estimators: bool = False) -> bool:
    """Whether a row's estimator is one the analysis takes for its outcome (``include_other_estimators``:
    the sensitivity analysis that takes every estimator)."""
    allowed = dict(plan.estimators).get(out.outcome)
    return include_other_estimators or allowed is None or out.estimator in allowed


def _proportion_rows(study: StudyExtraction, plan: Plan, include_time_origin_not_stated: bool = False,
                     include_other_estimators: bool = False) -> tuple[list[Candidate], str]:
    """The qualifying outcome rows of one report, or none and the reason."""
    analysis = plan.analysis
    arms = _arms(study, plan)
    subgroups = {s.id: s for s in study.subgroups}
    names = outcome_group(analysis.outcomes)
    by = level_factor(plan)
    rows = []
    for i, out in enumerate(study.outcomes):
        if out.outcome not in analysis.outcomes or _arm_of(study, out.arm) not in arms or out.conditional_on:
            continue
        sub = subgroups.get(out.subgroup) if out.subgroup else None
        if by is None and sub is None or sub is not None and sub.factor == by:
            rows.append((i, out, sub))
    if not rows:
        scope = f"by {_factor_words(plan, by)}" if by else "for the whole arm"
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
    allowed = allowed_origins(plan, include_time_origin_not_stated)
    origins_ok = [r for r in in_window if (r[1].time_origin or study.population.time_origin) in allowed]
    if not origins_ok:
        origin = in_window[0][1].time_origin or study.population.time_origin
        return [], f"time origin: {origin_words(origin)} (analysis: {', '.join(origin_words(o) for o in allowed)})"
    estimated = [r for r in origins_ok if estimator_enters(plan, r[1], include_other_estimators)]
    if not estimated:
        out = origins_ok[0][1]
        takes = ", ".join(ESTIMATOR_WORDS[e] for e in dict(plan.estimators)[out.outcome])
        see = "" if plan.kind.own_model else "; see the sensitivity analysis with other estimators"  # a curve has none
        return [], f"{names}: {ESTIMATOR_WORDS[out.estimator]} (primary analysis: {takes}{see})"
    if plan.kind.every_time:
        estimated = _one_series(study, plan, estimated)
    chosen: dict[tuple[str | None, str | None, float | None], tuple[int, Outcome, Subgroup | None, float]] = {}
    for i, out, sub, months in estimated:  # earliest time point per arm and subgroup level (a curve: every time point)
        slot = (_arm_of(study, out.arm), sub.id if sub else None, months if plan.kind.every_time else None)
        if slot not in chosen or months < chosen[slot][3]:
            chosen[slot] = (i, out, sub, months)
    cands = []
    for (arm_id, _, _), (i, out, sub, _) in sorted(chosen.items(), key=lambda kv: kv[1][0]):
        sub_n = sub.known_n if sub is not None else None
        n = _cohort_n(study, arm_id, out.total or out.n or sub_n)
        cands.append(Candidate(study.key, study, i, n, sub))
    return cands, ""


def _one_series(study: StudyExtraction, plan: Plan, rows: list[Any]) -> list[Any]:
    """For a kind that takes every time point (a curve): one series per report, that of the first of
    the analysis's outcomes the report prints (LFS before EFS) and of one arm (the whole second-HCT arm
    before a subset of it), so that a curve is never stitched from different outcomes or arms."""
    outcome = next(o for o in plan.analysis.outcomes if any(r[1].outcome == o for r in rows))
    rows = [r for r in rows if r[1].outcome == outcome]
    arms = {a.id: a for a in study.arms}
    ids = list(dict.fromkeys(_arm_of(study, r[1].arm) for r in rows))
    whole = next((a for a in ids if a in arms and arms[a].part_of is None), ids[0])
    return [r for r in rows if _arm_of(study, r[1].arm) == whole]


def rolls_up_to(plan: Plan, factor: str, level: str, wanted: str) -> bool:
    """Whether ``level`` is ``wanted`` or one of its finer levels (exact codes without a vocabulary)."""
    if level == wanted:
        return True
    return plan.vocabulary is not None and plan.vocabulary.rolls_up(factor, level, wanted)


def _direction(plan: Plan, comp: Comparison) -> bool | None:
    """Whether ``comp`` is the protocol's contrast as stated (False: the other way round; None: neither).

    A comparison whose reference is 'not stated' counts for a two-level factor when the protocol
    says ``accept_unstated_reference``: as stated when its level is the protocol's level, inverted
    when it is the protocol's reference level.
    """
    wanted = plan.analysis.comparison
    assert wanted is not None
    factor = wanted.factor
    if comp.level == "not stated":
        return None
    unstated = comp.reference_level == "not stated" and wanted.accept_unstated_reference
    if rolls_up_to(plan, factor, comp.level, wanted.level) and (unstated or rolls_up_to(plan, factor, comp.reference_level, wanted.reference_level)):
        return True
    if rolls_up_to(plan, factor, comp.level, wanted.reference_level) and (unstated or rolls_up_to(plan, factor, comp.reference_level, wanted.level)):
        return False
    return None


def adjustment_enters(wanted: str, adjusted: bool | str, include_unadjusted: bool) -> bool:
    """Whether a ratio with ``adjusted`` (True, False or 'not stated') enters under the protocol's
    ``adjustment`` (``include_unadjusted``: the sensitivity analysis that takes every ratio)."""
    if include_unadjusted or wanted == "any":
        return True
    return adjusted is True if wanted == "adjusted" else adjusted is False


def _ratio_rows(study: StudyExtraction, plan: Plan, include_unadjusted: bool = False) -> tuple[list[Candidate], str]:
    """The first comparison of a report that gives the protocol's contrast, or none and the first
    reason a comparison of the factor was kept out (direction, measure, adjustment)."""
    comparison = plan.analysis.comparison
    assert comparison is not None
    arms = _arms(study, plan)
    factor = comparison.factor
    cands = []
    reasons: list[str] = []
    for i, comp in enumerate(study.comparisons):
        # a comparison of the second HCT with an alternative spans the arms; any other belongs to the second-HCT arm
        in_arm = plan.kind.spans_arms or _arm_of(study, comp.arm) in arms
        if comp.outcome not in plan.analysis.outcomes or comp.factor != factor or not in_arm:
            continue
        if comp.measure == "none":
            reasons.append(f"only a p-value for {_factor_words(plan, factor)} ({comp.p}): no ratio to pool")
            continue
        printed = f"'{comp.group}' vs '{comp.reference}'"
        direction = _direction(plan, comp)
        if direction is None:
            if comp.level == "not stated" or comp.reference_level == "not stated":
                reasons.append(f"{comp.measure} for {factor}: direction not stated ({printed}; levels {comp.level} vs {comp.reference_level})")
            else:
                reasons.append(f"{comp.measure} for {factor} compares {comp.level} vs {comp.reference_level} "
                               f"(analysis: {comparison.level} vs {comparison.reference_level})")  # fmt: skip
            continue
        if comp.measure != plan.measure:
            reasons.append(f"{comp.measure} reported, the analysis pools {plan.measure}: different measures are not pooled together")
            continue
        if not adjustment_enters(comparison.adjustment, comp.adjusted, include_unadjusted):
            state = "unadjusted" if comp.adjusted is False else "adjustment not stated" if comp.adjusted == "not stated" else "adjusted"
            reasons.append(f"{comp.measure} {state} (primary analysis: {comparison.adjustment} ratios; "
                           "see the sensitivity analysis with all ratios)")  # fmt: skip
            continue
        n = _cohort_n(study, _arm_of(study, comp.arm), None)
        cands.append(Candidate(study.key, study, i, n, inverted=not direction))
    if not cands:
        if reasons:
            return [], "; ".join(dict.fromkeys(reasons))
        return [], f"no {plan.measure} for {_factor_words(plan, factor)} ({code_words(comparison.level)} vs {code_words(comparison.reference_level)})"
    return cands[:1], ""


def select(
    plan: Plan,
    studies: Sequence[StudyExtraction],
    years: Mapping[str, int | None],
    *,
    one_per_overlap_group: bool = True,
    include_selected: bool | None = None,
    include_unadjusted: bool = False,
    include_time_origin_not_stated: bool = False,
    include_other_estimators: bool = False,
    include_mixed_scope: bool = False,
    drop_minor_overlaps: bool = False,
    keep_first: frozenset[str] = frozenset(),
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
        rows, reason = (_ratio_rows(study, plan, include_unadjusted) if plan.takes_comparisons
                        else _proportion_rows(study, plan, include_time_origin_not_stated, include_other_estimators))
        if not rows:
            excluded.append(Exclusion(study.key, "outcome", reason))
            continue
        scope = None if include_mixed_scope else _scope_reason(study, plan)
        selected = None if keep_selected else _selected_reason(study, plan)
        if scope is not None or selected is not None:
            stage: Stage = "scope" if scope is not None else "selected"
            excluded.append(Exclusion(study.key, stage, scope or selected or ""))
            continue
        included.extend(rows)
    if not one_per_overlap_group:
        return Selection(tuple(included), tuple(excluded))
    dropped = overlap_exclusions(included, plan, years, drop_minor=drop_minor_overlaps, keep_first=keep_first)
    excluded.extend(dropped)
    gone = {e.key for e in dropped}
    kept = tuple(c for c in included if c.key not in gone)
    return Selection(kept, tuple(sorted(excluded, key=lambda e: e.key)))


def analysis_inputs(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> tuple[list[StudyExtraction], list[Exclusion]]:
    """What an analysis can read of the corpus: the reports that pass its population and outcome
    rules (selected cohorts, overlapping reports, unadjusted ratios, unstated time origins and
    other estimators included, as its sensitivity analyses may take them), and, of every other report, only its exclusion (key, stage, reason).

    The analysis's result is a function of these, the plan, the vocabulary and the code, so a
    build recomputes it only when they change (:mod:`secondhct.review.build`).
    """
    permissive = select(plan, studies, years, one_per_overlap_group=False, include_selected=True, include_unadjusted=True,
                        include_time_origin_not_stated=True, include_other_estimators=True, include_mixed_scope=True)
    kept = {c.key for c in permissive.included}
    return [s for s in sorted(studies, key=lambda s: s.key) if s.key in kept], list(permissive.excluded)


