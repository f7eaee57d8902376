"""Run one pre-specified analysis: select reports, compute effect sizes, pool, and test robustness.

Pure: takes validated extractions and a plan, returns an :class:`AnalysisResult`;
nothing is read or written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import PoolingError
from ..extraction.schema import StudyExtraction
from ..extraction.timepoint import parse_time_point
from ..measures import MEASURES
from ..protocol.load import CONTRAST_SCALE, Plan, max_spread_months
from ..protocol.select import Exclusion, overlap_exclusions, select
from ..protocol.sensitivity import MethodChange
from ..stats.models import EffectData, FitOptions, ModelFit, fit, fitted_measure
from ..stats.permutation import PermutationTest
from ..stats.pooling import TAU2_ZERO_RELATIVE, PooledResult, tau2_is_zero
from ..stats.subgroups import SubgroupResult, subgroup_analysis
from ..words import origin_words
from . import rules
from .batch import GoshResult, gosh_for, permutation_for
from .contrasts import LevelRow
from .effects import StudyEffect
from .effectsizes import effect_sizes
from .pooled import Pooled
from .sensitivity import Sensitivity, SensitivityContext, run


@dataclass(frozen=True)
class FactorResult:
    factor: str
    levels: dict[str, tuple[str, ...]]  # level -> keys
    result: SubgroupResult | None
    natural: dict[str, Pooled]
    note: str = ""
    permutation: PermutationTest | None = None
    """The permutation test of the moderator test, when the protocol's ``batch.permutation`` asks."""


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis: its reports, its primary model (None for k < 2 or when not pooled), the
    sensitivity and subgroup analyses, and ``synthesis`` (see :mod:`secondhct.review.rules`)."""

    plan: Plan
    effects: tuple[StudyEffect, ...]
    excluded: tuple[Exclusion, ...]
    pooled: Pooled | None
    sensitivity: tuple[Sensitivity, ...]
    factors: tuple[FactorResult, ...]
    warnings: tuple[str, ...]
    studies: Mapping[str, StudyExtraction]
    synthesis: str = "standard"
    level_rows: tuple[LevelRow, ...] = ()
    """For the contrast kinds: each level's (or arm's) own proportion, behind the per-level estimates."""
    gosh: GoshResult | None = None
    """The fits of every subset of the reports, when the protocol's ``batch.gosh`` asks."""

    @property
    def patients(self) -> int:
        return sum(e.n for e in self.effects if e.n is not None)


def _options(plan: Plan, model: MethodChange | None = None) -> FitOptions:
    """The review's fit options: the protocol's test (or the model's), the model's priors
    and the analysis's thresholds (on the analysis scale); no silent change of estimator (a
    non-converging one is reported as a failed analysis, not replaced)."""
    params: list[tuple[str, Any]] = list(model.params) if model is not None else []
    thresholds = analysis_thresholds(plan)
    if thresholds:
        params.append(("thresholds", thresholds))
    test = model.test if model is not None and model.test else plan.test
    return FitOptions(test=test, fallback=False, params=tuple(params))


def analysis_thresholds(plan: Plan) -> tuple[float, ...]:
    """The protocol's thresholds on the analysis scale (none for PFT, whose transform needs n)."""
    m = MEASURES[plan.measure]
    if m.needs_n or not plan.analysis.thresholds:
        return ()
    return tuple(float(m.forward(t)) for t in plan.analysis.thresholds)


def natural_pooled(measure: str, result: ModelFit, ni: Sequence[float] | None) -> Pooled:
    """A fit with its values back-transformed by the measure table (PFT needs ``ni``).

    A frequentist fit of fewer than 3 reports gets no prediction interval (noted).
    """
    if isinstance(result, PooledResult) and result.k < rules.MIN_K_FREQUENTIST_PI and result.k > 1:
        note = f"no prediction interval below k = {rules.MIN_K_FREQUENTIST_PI} (tau^2 is not estimable from {result.k} reports)"
        result = replace(result, pi_lb=float("nan"), pi_ub=float("nan"), notes=(*result.notes, note))
    values = [result.estimate, result.ci_lb, result.ci_ub, result.pi_lb, result.pi_ub]
    nat, caveat = MEASURES[measure].natural(values, ni)
    return Pooled(result, (nat[0], nat[1], nat[2], nat[3], nat[4]), caveat)


def effect_data(measure: str, effects: Sequence[StudyEffect]) -> EffectData:
    """The model input of some reports: yi/vi, with counts and sample sizes when all have them."""
    counts = [e.counts for e in effects]
    xi = tuple(c[0] for c in counts if c) if all(counts) else None
    ni = tuple(c[1] for c in counts if c) if all(counts) else None
    if MEASURES[measure].needs_n:
        ni = tuple(float(e.n or 0) for e in effects) if all(e.n for e in effects) else None
    return EffectData(tuple(e.effect.yi for e in effects), tuple(e.effect.vi for e in effects), measure, xi, ni)


def pool_effects(plan: Plan, effects: Sequence[StudyEffect], model: MethodChange | None = None) -> Pooled | None:
    """Pool ``effects`` with the plan's method (or ``model``) through :func:`~secondhct.stats.models.fit`.

    A method that models counts (the GLMM) pools logits: its natural scale is that of PLO.
    """
    if not effects:
        return None
    name = model.method if model is not None else plan.method
    measure = fitted_measure(name, plan.measure)
    data = effect_data(plan.measure, effects)
    result = fit(name, EffectData(data.yi, data.vi, measure, data.xi, data.ni), _options(plan, model))
    return natural_pooled(measure, result, data.ni)


def _pool_or_reason(plan: Plan, effects: Sequence[StudyEffect], model: MethodChange | None = None) -> tuple[Pooled | None, str]:
    try:
        return pool_effects(plan, effects, model), ""
    except PoolingError as exc:
        return None, str(exc)


@dataclass(frozen=True)
class Chosen:
    """The rows of an analysis with their effect sizes, and every report left out with its reason."""

    effects: list[StudyEffect]
    excluded: list[Exclusion]
    level_rows: list[LevelRow]


def choose(
    plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, one_per_overlap_group: bool = True,
    include_selected: bool | None = None, include_unadjusted: bool = False, include_time_origin_not_stated: bool = False,
    include_other_estimators: bool = False, include_mixed_scope: bool = False, drop_minor_overlaps: bool = False,
    keep_first: frozenset[str] = frozenset(), include_other_comparators: bool = False,
) -> Chosen:
    """Select (:func:`secondhct.protocol.select.select`), compute effect sizes, then keep one report per
    cluster of reports that may share patients, among those that gave an effect size: a larger
    overlapping report with no usable number does not displace a smaller one that has one
    (``keep_first``: a sensitivity analysis's primary reports, kept before the reports it adds;
    ``include_other_comparators``: a comparison with an alternative also takes its sensitivity comparators)."""
    if include_other_comparators:
        plan = replace(plan, include_other_comparators=True)
    chosen = select(plan, studies, years, one_per_overlap_group=False, include_selected=include_selected,
                    include_unadjusted=include_unadjusted, include_time_origin_not_stated=include_time_origin_not_stated,
                    include_other_estimators=include_other_estimators, include_mixed_scope=include_mixed_scope)  # fmt: skip
    effects, dropped, level_rows = effect_sizes(plan.kind)(plan, chosen.included, studies, years)
    excluded = [*chosen.excluded, *dropped]
    if one_per_overlap_group:
        usable = {e.key for e in effects} | {r.effect.key for r in level_rows}
        overlap = overlap_exclusions([c for c in chosen.included if c.key in usable], plan, years,
                                     drop_minor=drop_minor_overlaps, keep_first=keep_first)
        gone = {x.key for x in overlap}
        excluded.extend(overlap)
        effects = [e for e in effects if e.key not in gone]
        level_rows = [r for r in level_rows if r.effect.key not in gone]
    return Chosen(effects, sorted(excluded, key=lambda x: x.key), level_rows)


def _sensitivity(
    plan: Plan, effects: list[StudyEffect], studies: Sequence[StudyExtraction], years: Mapping[str, int | None],
    kind: str,
) -> list[Sensitivity]:
    """The rule's models beside the primary one, then the plan's registered sensitivity
    analyses (:mod:`secondhct.review.sensitivity`), each fitted with the primary model."""

    primary = frozenset(e.key for e in effects)

    def reselect(one_per_overlap_group: bool = True, include_selected: bool | None = None,
                 include_unadjusted: bool = False, include_time_origin_not_stated: bool = False,
                 include_other_estimators: bool = False, include_mixed_scope: bool = False,
                 drop_minor_overlaps: bool = False, include_other_comparators: bool = False) -> list[StudyEffect]:
        return choose(plan, studies, years, one_per_overlap_group=one_per_overlap_group, include_selected=include_selected,
                      include_unadjusted=include_unadjusted, include_time_origin_not_stated=include_time_origin_not_stated,
                      include_other_estimators=include_other_estimators, include_mixed_scope=include_mixed_scope,
                      drop_minor_overlaps=drop_minor_overlaps, keep_first=primary,
                      include_other_comparators=include_other_comparators).effects

    ctx = SensitivityContext(
        plan=plan, effects=effects, studies={s.key: s for s in studies},
        pool=lambda kept, model: _pool_or_reason(plan, kept, model or rules.model_for(plan, len(kept))), reselect=reselect,
        years=years,
    )  # fmt: skip
    specs = [*rules.rule_sensitivity(plan, kind), *plan.sensitivity]
    if kind in ("single_report", "none"):  # with no report or one, only the analyses that change the set can matter
        specs = [s for s in specs if s.changes_set]
    return [result for spec in specs for result in run(spec, ctx)]


def study_level(study: StudyExtraction, factor: str) -> str:
    """A report's level of a study-level subgroup factor."""
    if factor == "disease":
        return " + ".join(d.replace("_", " ") for d in study.population.diseases)
    if factor == "age_group":
        return study.population.age_group
    if factor == "design":
        return study.study.design
    if factor == "publication":
        return study.study.publication
    if factor == "time_origin":
        return study.population.time_origin
    return study.study.data_source


def _factors(plan: Plan, effects: list[StudyEffect], by_key: Mapping[str, StudyExtraction], batch: bool = True) -> list[FactorResult]:
    out = []
    for factor in plan.analysis.subgroup_factors:
        groups = [study_level(by_key[e.key], factor) for e in effects]
        levels: dict[str, tuple[str, ...]] = {}
        for e, g in zip(effects, groups):
            levels[g] = levels.get(g, ()) + (e.key,)
        if len(levels) < 2:
            out.append(FactorResult(factor, levels, None, {}, "one level only: no comparison"))
            continue
        try:
            result = subgroup_analysis(
                [e.effect.yi for e in effects], [e.effect.vi for e in effects], groups,
                method=plan.method, options=_options(plan), measure=plan.measure,
            )  # the frequentist model: its moderator test compares the levels
        except PoolingError as exc:
            out.append(FactorResult(factor, levels, None, {}, str(exc)))
            continue
        natural = {
            lev: natural_pooled(plan.measure, res, None)
            for lev, res in result.results.items() if not MEASURES[plan.measure].needs_n
        }  # fmt: skip
        permutation, why = (None, "") if result.test is None or not batch else permutation_for(
            plan, [e.effect.yi for e in effects], [e.effect.vi for e in effects], groups
        )
        out.append(FactorResult(factor, levels, result, natural, why, permutation))
    return out


def _level_factor(plan: Plan, rows: Sequence[LevelRow]) -> list[FactorResult]:
    """Per-level pooled proportions of a contrast analysis and the test for their difference
    (metafor ``rma(yi, vi, mods = ~ level)`` on the logit or log scale), from every usable row."""
    scale = CONTRAST_SCALE[plan.measure]
    levels: dict[str, tuple[str, ...]] = {}
    for r in rows:
        levels[r.level] = levels.get(r.level, ()) + (r.effect.key,)
    name = plan.analysis.comparison.factor if plan.analysis.comparison is not None else "arm"
    if len(rows) < 2 or len(levels) < 2:
        return [FactorResult(name, levels, None, {}, "fewer than two levels with a usable row: no per-level pooling")] if rows else []
    try:
        result = subgroup_analysis(
            [r.effect.effect.yi for r in rows], [r.effect.effect.vi for r in rows], [r.level for r in rows],
            method=plan.method, options=_options(plan), measure=scale,
        )  # fmt: skip
    except PoolingError as exc:
        return [FactorResult(name, levels, None, {}, str(exc))]
    natural = {lev: natural_pooled(scale, res, None) for lev, res in result.results.items()}
    return [FactorResult(name, levels, result, natural, "per-level pooled proportions (between-report comparison)")]


#: Said of every comparison of the second HCT with an alternative.
NON_RANDOMISED = ("non-randomised comparison: who received a second HCT was decided by the clinicians "
                  "(confounding by indication); the ratio is not the effect of choosing a second HCT")  # fmt: skip


def _warnings(plan: Plan, effects: list[StudyEffect], excluded: list[Exclusion], by_key: Mapping[str, StudyExtraction]) -> list[str]:
    k = len(effects)
    notes = []
    if plan.kind.non_randomised:
        notes.append(NON_RANDOMISED)
    if k == 0:
        return [*notes, "no report gives a usable estimate: nothing is pooled"]
    if k == 2:
        notes.append("only 2 reports: the between-study spread rests mainly on the prior for τ; "
                     "the sensitivity table shows the estimate under other models and a wider prior")  # fmt: skip
    designs = {by_key[e.key].study.design for e in effects}
    if designs <= {"case_report", "case_series", "literature_review"}:
        notes.append("only case reports, case series or literature reviews")
    if any(x.stage == "overlap" for x in excluded):
        notes.append("some reports were left out because their cohorts overlap (see the sensitivity analysis with all reports)")
    assumed = [e.key for e in effects if e.assumed_se]
    if assumed:
        notes.append(f"'±' read as the SE (not stated in the paper): {', '.join(assumed)}")
    approx = [e.key for e in effects if e.effect.approximate]
    if approx and plan.contrasts_proportions:
        notes.append(f"binomial approximation of a level's or arm's variance (ignores censoring): {', '.join(approx)}")
    elif approx:
        notes.append(f"binomial approximation of the variance (ignores censoring): {', '.join(approx)}")
    origins = {by_key[e.key].outcomes[e.index].time_origin or by_key[e.key].population.time_origin for e in effects} if not plan.takes_comparisons else set()
    if len(origins) > 1:
        notes.append(f"mixed time origins: {', '.join(origin_words(o) for o in sorted(origins))}")
    abstracts = [e.key for e in effects if by_key[e.key].study.publication == "meeting_abstract"]
    if abstracts:
        notes.append(f"meeting abstracts: {', '.join(abstracts)}")
    return notes


def time_spread_reason(plan: Plan, effects: Sequence[StudyEffect], by_key: Mapping[str, StudyExtraction]) -> str | None:
    """Why the reports cannot be pooled together: their time points differ by more than the
    protocol's ``time.max_spread`` (None when they do not, or no limit is set)."""
    limit = max_spread_months(plan.analysis)
    if limit is None or plan.takes_comparisons:
        return None
    times = {by_key[e.key].outcomes[e.index].time or "" for e in effects}
    months = {t: parse_time_point(t).months for t in times}
    known = [m for m in months.values() if m is not None]
    if len(known) < 2 or max(known) - min(known) <= limit + 1e-9:
        return None
    shown = ", ".join(sorted(months, key=lambda t: months[t] or 0))
    assert plan.analysis.time is not None
    return f"time points {shown} differ by more than the protocol allows ({plan.analysis.time.max_spread}): listed, not pooled"


def run_analysis(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None], *, batch: bool = True) -> AnalysisResult:
    """Select, compute effect sizes, pool, and run the plan's sensitivity and subgroup analyses;
    with ``batch`` also the GOSH fits and permutation tests the protocol asks for (a forest plot,
    which shows neither, leaves them out)."""
    chosen = choose(plan, studies, years)
    effects, excluded, level_rows = chosen.effects, chosen.excluded, chosen.level_rows
    by_key = {s.key: s for s in studies}
    spread = time_spread_reason(plan, effects, by_key)
    by_level = plan.analysis.subgroup is not None or spread is not None
    kind = rules.synthesis(plan, len(effects), pooled_at_all=not by_level)
    pooled, note = (None, "") if kind in ("none", "not_pooled", "single_report") else _pool_or_reason(
        plan, effects, rules.primary_model(plan, kind)
    )
    warnings = _warnings(plan, effects, excluded, by_key)
    if spread is not None:
        warnings.append(spread)
    elif by_level and effects:
        warnings.append(
            "rows are reported per subgroup level and listed, not pooled: pooling across reports needs "
            "level names shared by all reports, which the format does not have yet"
        )
    if note:
        warnings.append(f"pooling failed: {note}")
    sensitivity = tuple(_sensitivity(plan, effects, studies, years, kind)) if kind in ("few_studies", "standard", "single_report", "none") else ()
    if kind == "single_report":  # only what a different set of reports would show
        sensitivity = tuple(s for s in sensitivity if set(s.keys) != {e.key for e in effects})
    warnings.extend(_tau2_zero_warning(MEASURES[plan.measure].family, pooled, sensitivity))
    return AnalysisResult(
        plan=plan,
        effects=tuple(effects),
        excluded=tuple(excluded),
        pooled=pooled,
        sensitivity=sensitivity,
        factors=tuple(_level_factor(plan, level_rows)) if plan.contrasts_proportions else
        tuple(_factors(plan, effects, by_key, batch)) if len(effects) > 1 and not by_level else (),
        warnings=tuple(warnings),
        studies=by_key,
        synthesis=kind,
        level_rows=tuple(level_rows),
        gosh=gosh_for(plan, effects) if pooled is not None and batch else None,
    )


def _tau2_zero_warning(family: str, pooled: Pooled | None, sensitivity: Sequence[Sensitivity]) -> list[str]:
    """tau^2 estimated at 0 (within stats.pooling.TAU2_ZERO_RELATIVE) from fewer than 10 reports: the prediction
    interval equals the CI and may understate the spread between settings; point to the Bayesian predictive interval."""
    if pooled is None or not isinstance(pooled.result, PooledResult) or pooled.result.method == "EE":
        return []
    res = pooled.result
    if not tau2_is_zero(res.tau2, res.i2) or res.k >= rules.MIN_K_TAU2_ZERO or res.k < 2:
        return []
    text = (f"tau^2 is estimated at 0 from {res.k} reports (0 or below {TAU2_ZERO_RELATIVE:g} of the typical within-report variance): "
            "the prediction interval equals the confidence interval "
            "and may understate the spread between settings")  # fmt: skip
    bayes = next((s for s in sensitivity if s.pooled is not None and s.pooled.result.method == "BAYES"), None)
    if bayes is not None and bayes.pooled is not None:
        from ..format import fmt_range

        lo, hi = bayes.pooled.natural[3], bayes.pooled.natural[4]
        text += f"; the Bayesian predictive interval ({bayes.title}) is {fmt_range(family, lo, hi)}"
    return [text]
