"""Within-report contrasts of two proportions: two levels of a factor, or the second HCT and a comparator.

``kind: factor_levels`` takes, from each report, the rows of a factor's two levels (through the
vocabulary's roll-ups) at one time point; ``kind: versus_alternative`` with ``alternative`` takes
the second-HCT arm and the comparator arm at one time point. Each level's or arm's proportion
gets its effect size as in a proportion analysis (:func:`~secondhct.review.effects.proportion_effect`,
on the logit scale for an OR and the log scale for an RR), and the report's effect is their
difference (:func:`~secondhct.stats.escalc.contrast_of_proportions`). A report without both, or
with them at different time points or from different time origins (survival from relapse in one
arm and from the second HCT in the other is no comparison), is excluded with that reason.

The comparator arm is the alternative's ``comparator`` code; the plan's ``include_other_comparators``
(its sensitivity analysis) also takes the alternative's ``sensitivity_comparators`` (e.g.
``salvage_not_specified`` for "no second HCT"). An arm coded ``no_second_hct`` whose size is not
printed, inside an arm of all relapsed patients that holds the second-HCT arm, has the rest of the
parent's patients (333 relapsed, 122 with a second HCT: 211 without; :func:`row_n`), by the
definition of the code, and the row says how the number was found.

Pure: candidates and extractions in, effects and exclusions out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..errors import PoolingError
from ..extraction.schema import StudyExtraction
from ..extraction.timepoint import parse_time_point
from ..outcomes import HARMS
from ..protocol.load import CONTRAST_SCALE, Plan
from ..protocol.select import Candidate, Exclusion, rolls_up_to, select
from ..stats.escalc import contrast_of_proportions
from ..words import intervention_words, origin_words
from .effects import NoEffect, StudyEffect, proportion_effect
from .versus import versus_detail


@dataclass(frozen=True)
class LevelRow:
    """One level's (or arm's) proportion, kept for the per-level pooled estimates."""

    level: str
    effect: StudyEffect


def _months(cand: Candidate) -> float | None:
    return parse_time_point(cand.outcome.time).months if cand.outcome.time else None


def time_origin(c: Candidate) -> str:
    """A row's time origin: its own, else the population's."""
    return c.outcome.time_origin or c.study.population.time_origin


def row_n(c: Candidate) -> int | None:
    """Patients of one level's or arm's row: its own total or n, the subgroup's n, or (whole arm)
    the arm's n; never the whole cohort's n for a level (a binomial variance from it would be wrong)."""
    out = c.outcome
    if out.total or out.n:
        return out.total or out.n
    if c.subgroup is not None:
        return c.subgroup.known_n
    arm = next((a for a in c.study.arms if a.id == (out.arm or c.study.default_arm())), None)
    return arm.known_n if arm is not None else None


def _pair(plan: Plan, key: str, group: Candidate, reference: Candidate, words: tuple[str, str]) -> StudyEffect | Exclusion:
    """The contrast of ``group`` vs ``reference`` (same time point, same time origin) or why there is none."""
    tg, tr = _months(group), _months(reference)
    if tg is None or tr is None or abs(tg - tr) > 1e-9:
        return Exclusion(key, "outcome", f"{words[0]} at {group.outcome.time}, {words[1]} at {reference.outcome.time}: "
                         "no common time point")  # fmt: skip
    og, orr = time_origin(group), time_origin(reference)
    if og != orr:
        return Exclusion(key, "outcome", f"{key}: {words[0]} from {origin_words(og)}, {words[1]} from {origin_words(orr)}: "
                         "the two arms do not share a time origin, so their survival cannot be compared")  # fmt: skip
    scale = CONTRAST_SCALE[plan.measure]
    made = [proportion_effect(replace(c, n=row_n(c)), scale) for c in (group, reference)]
    for w, m in zip(words, made):
        if isinstance(m, NoEffect):
            return Exclusion(key, "outcome", f"no effect size for {w}: {m.reason}")
    a, b = made
    assert isinstance(a, StudyEffect) and isinstance(b, StudyEffect)
    try:
        effect = contrast_of_proportions(a.effect, b.effect, plan.measure)
    except PoolingError as exc:
        return Exclusion(key, "outcome", str(exc))
    ref_arm = next((x for x in reference.study.arms if x.id == (reference.outcome.arm or reference.study.default_arm())), None)
    derived = ref_arm.n_derived if ref_arm is not None and not isinstance(ref_arm.n, int) else None
    counted = f" (n {derived.value} = {derived.arithmetic}, derived)" if derived is not None and not (reference.outcome.total or reference.outcome.n) else ""
    reported = f"{words[0]} {a.reported} vs {words[1]} {b.reported}{counted} at {group.outcome.time}"
    ng, nr = row_n(group), row_n(reference)
    return StudyEffect(key, group.index, f"{words[0]} vs {words[1]}", ng + nr if ng and nr else None, reported, effect,
                       a.assumed_se or b.assumed_se)  # fmt: skip


def level_contrasts(plan: Plan, candidates: Sequence[Candidate]) -> tuple[list[StudyEffect], list[Exclusion], list[LevelRow]]:
    """``kind: factor_levels``: per report, the group level vs the reference level (see the module docstring)."""
    wanted = plan.analysis.comparison
    assert wanted is not None
    by_key: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_key.setdefault(c.key, []).append(c)
    effects: list[StudyEffect] = []
    dropped: list[Exclusion] = []
    levels: list[LevelRow] = []
    scale = CONTRAST_SCALE[plan.measure]
    for key, cands in by_key.items():
        sides: dict[str, list[Candidate]] = {wanted.level: [], wanted.reference_level: []}
        for c in cands:
            assert c.subgroup is not None
            for side in sides:
                if rolls_up_to(plan, wanted.factor, c.subgroup.level, side):
                    sides[side].append(c)
        for side, rows in sides.items():
            for c in rows:
                made = proportion_effect(replace(c, n=row_n(c)), scale)
                if isinstance(made, StudyEffect):
                    levels.append(LevelRow(side, made))
        group, reference = sides[wanted.level], sides[wanted.reference_level]
        printed = ", ".join(sorted({f"{c.subgroup.level}" for c in cands if c.subgroup}))
        if not group or not reference:
            missing = wanted.level if not group else wanted.reference_level
            dropped.append(Exclusion(key, "outcome", f"no row for level {missing} of {wanted.factor} (levels reported: {printed})"))
            continue
        if len(group) > 1 or len(reference) > 1:
            many = group if len(group) > 1 else reference
            finer = ", ".join(c.subgroup.level for c in many if c.subgroup)
            dropped.append(Exclusion(key, "outcome", f"several finer levels ({finer}) roll up to one side; "
                                     "combining their proportions needs counts per level"))  # fmt: skip
            continue
        g, r = group[0], reference[0]
        assert g.subgroup is not None and r.subgroup is not None
        made_pair = _pair(plan, key, g, r, (g.subgroup.level_as_printed, r.subgroup.level_as_printed))
        (effects if isinstance(made_pair, StudyEffect) else dropped).append(made_pair)  # type: ignore[arg-type]
    return effects, dropped, levels


def comparator_codes(plan: Plan) -> tuple[str, ...]:
    """The comparator arms' codes an analysis takes: the alternative's ``comparator``, and in the
    sensitivity analysis ``include_other_comparators`` also its ``sensitivity_comparators``."""
    alternative = plan.analysis.alternative
    assert alternative is not None
    others = tuple(alternative.sensitivity_comparators) if plan.include_other_comparators else ()
    return (alternative.comparator, *others)


def _comparators(plan: Plan, keys: set[str], studies: Sequence[StudyExtraction],
                 years: Mapping[str, int | None]) -> tuple[dict[str, Candidate], dict[str, str]]:  # fmt: skip
    """Per report, the comparator arm's row (the first code of :func:`comparator_codes` that has one),
    and why the others have none."""
    comparators: dict[str, Candidate] = {}
    why: dict[str, str] = {}
    for code in comparator_codes(plan):
        population = plan.analysis.population.model_copy(update={"intervention": code})
        comparator_plan = Plan(
            plan.analysis.model_copy(update={"population": population, "kind": "proportion", "alternative": None}),
            CONTRAST_SCALE[plan.measure], plan.method, plan.test, plan.overlap_rule, plan.sensitivity,
            "include", plan.few_studies, plan.vocabulary, plan.estimators,
        )  # fmt: skip
        chosen = select(comparator_plan, [s for s in studies if s.key in keys and s.key not in comparators], years,
                        one_per_overlap_group=False)  # fmt: skip
        for c in chosen.included:
            comparators.setdefault(c.key, c)
        for x in chosen.excluded:
            why.setdefault(x.key, x.reason)
    return comparators, why


def arm_contrasts(
    plan: Plan, candidates: Sequence[Candidate], studies: Sequence[StudyExtraction], years: Mapping[str, int | None]
) -> tuple[list[StudyEffect], list[Exclusion], list[LevelRow]]:
    """``kind: versus_alternative`` from arms: the second-HCT arm (``candidates``) vs the comparator arm."""
    alternative = plan.analysis.alternative
    assert alternative is not None
    comparators, why = _comparators(plan, {c.key for c in candidates}, studies, years)
    effects: list[StudyEffect] = []
    dropped: list[Exclusion] = []
    levels: list[LevelRow] = []
    scale = CONTRAST_SCALE[plan.measure]
    words = alternative.words or alternative.comparator.replace("_", " ")
    for cand in candidates:
        other = comparators.get(cand.key)
        if other is None:
            dropped.append(Exclusion(cand.key, "outcome", f"comparator arm ({intervention_words(alternative.comparator)}): {why.get(cand.key, 'no row')}"))
            continue
        for side, c in (("second_allo_hct", cand), (alternative.comparator, other)):
            made = proportion_effect(replace(c, n=row_n(c)), scale)
            if isinstance(made, StudyEffect):
                levels.append(LevelRow(side, made))
        made_pair = _pair(plan, cand.key, cand, other, ("second HCT", words))
        (effects if isinstance(made_pair, StudyEffect) else dropped).append(made_pair)  # type: ignore[arg-type]
    return effects, dropped, levels


def contrast_words(plan: Plan) -> tuple[str, str] | None:
    """The compared group and the reference in words (``level_words``, ``reference_words``, else the
    codes; the second HCT and the comparator for ``alternative``); None for a proportion analysis."""
    if plan.analysis.alternative is not None:
        alt = plan.analysis.alternative
        return "a second HCT", alt.words or alt.comparator.replace("_", " ")
    c = plan.analysis.comparison
    if c is None:
        return None
    return c.level_words or c.level.replace("_", " "), c.reference_words or c.reference_level.replace("_", " ")


def favours(plan: Plan) -> tuple[str, str] | None:
    """What a ratio below and above 1 favours, in words.

    A reported ratio (HR, RR, OR) is of the event (death, relapse or failure): below 1 favours
    the compared group. A ratio of two proportions is of the outcome itself: for survival above 1
    favours the compared group, for a harm (relapse, NRM) below 1 does.
    """
    words = contrast_words(plan)
    if words is None:
        return None
    group, reference = words
    harm = all(o in HARMS for o in plan.analysis.outcomes)
    if plan.takes_comparisons or harm:
        return group, reference
    return reference, group


def cutoff_text(cutoff: object) -> str:
    """A printed cut-off as the column shows it ('6 mo'); '' when none, 'cut-off not stated' when so."""
    if cutoff is None:
        return ""
    if cutoff == "not stated":
        return "cut-off not stated"
    value, unit = getattr(cutoff, "value", None), getattr(cutoff, "unit", "")
    return f"{value:g} {unit}".replace("calendar_year", "").strip() if value is not None else ""


def row_detail(plan: Plan, study: StudyExtraction, index: int) -> str:
    """A row's cut-off and adjustment as reported ('6 mo; adjusted'), for the plot column and the summary;
    for a comparison with an alternative, its biases (:func:`secondhct.review.versus.versus_detail`)."""
    if plan.kind.non_randomised:
        return versus_detail(plan, study, index)
    if plan.takes_comparisons:
        comp = study.comparisons[index]
        adjusted = "adjusted" if comp.adjusted is True else "unadjusted" if comp.adjusted is False else "adjustment not stated"
        return "; ".join(p for p in (cutoff_text(comp.cutoff), adjusted) if p)
    if plan.kind.takes_levels:
        out = study.outcomes[index]
        sub = next((s for s in study.subgroups if s.id == out.subgroup), None)
        return cutoff_text(sub.cutoff) if sub is not None else ""
    return ""
