"""What each registered sensitivity analysis does to an analysis: one function per spec class.

The specifications (their parameters, names and titles) are the protocol's file format
(:mod:`secondhct.protocol.sensitivity`); here each one changes the set of reports or the
model and returns one or more :class:`Sensitivity` results, through :func:`run`.
Adding one is a class there, a function here (registered in :data:`RUNNERS`) and its unit test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..protocol.sensitivity import (
    AllOverlapReports,
    EraMetaRegression,
    ExcludeApproximatedSe,
    ExcludeCaseReportsAndAbstracts,
    ExcludeMinorOverlaps,
    ExcludeSmall,
    IncludeMixedScope,
    IncludeOtherComparators,
    IncludeOtherEstimators,
    IncludeSelectedCohorts,
    IncludeTimeOriginNotStated,
    IncludeUnadjusted,
    InflateApproximatedVariances,
    LeaveOneOut,
    MethodChange,
    RecentEra,
    SensitivitySpec,
)

if TYPE_CHECKING:
    from ..extraction.schema import StudyExtraction
    from ..protocol.load import Plan
    from .effects import StudyEffect
    from .era import EraRegression
    from .pooled import Pooled


@dataclass(frozen=True)
class Sensitivity:
    """One sensitivity result: the spec's name and title, the model (None: not computed) and why;
    a meta-regression has its ``regression`` instead of a pooled model."""

    name: str
    title: str
    pooled: Pooled | None
    keys: tuple[str, ...]
    note: str = ""
    regression: EraRegression | None = None


@dataclass(frozen=True)
class SensitivityContext:
    """What a sensitivity analysis may use: the plan, the primary analysis's effects, all
    studies, and the functions that select and pool as the primary analysis does."""

    plan: Plan
    effects: Sequence[StudyEffect]
    studies: Mapping[str, StudyExtraction]
    pool: Callable[[Sequence[StudyEffect], MethodChange | None], tuple[Pooled | None, str]]
    """``pool(effects, model)``: fit the primary model (``model`` None) or another one."""
    reselect: Callable[..., Sequence[StudyEffect]]
    """``reselect(one_per_overlap_group=..., include_selected=..., include_unadjusted=...,
    include_time_origin_not_stated=..., include_other_estimators=..., include_other_comparators=...)``: the effects of
    a selection with other rules."""
    years: Mapping[str, int | None] = field(default_factory=dict)
    """Each report's publication year (the overlap rule's ties)."""


def _subset(spec: SensitivitySpec, ctx: SensitivityContext, kept: Sequence[StudyEffect], model: MethodChange | None = None) -> Sensitivity:
    pooled, note = ctx.pool(kept, model)
    return Sensitivity(spec.name, spec.title, pooled, tuple(e.key for e in kept), note)


def _keys(effects: Sequence[StudyEffect]) -> set[str]:
    return {e.key for e in effects}


def _exclude_case_reports_and_abstracts(spec: ExcludeCaseReportsAndAbstracts, ctx: SensitivityContext) -> list[Sensitivity]:
    def keep(e: StudyEffect) -> bool:
        study = ctx.studies[e.key].study
        return study.design != "case_report" and study.publication != "meeting_abstract"

    return [_subset(spec, ctx, [e for e in ctx.effects if keep(e)])]


def _exclude_approximated_se(spec: ExcludeApproximatedSe, ctx: SensitivityContext) -> list[Sensitivity]:
    return [_subset(spec, ctx, [e for e in ctx.effects if not e.derived])]


def _exclude_small(spec: ExcludeSmall, ctx: SensitivityContext) -> list[Sensitivity]:
    return [_subset(spec, ctx, [e for e in ctx.effects if e.n is not None and e.n >= spec.min_n])]


def _all_overlap_reports(spec: AllOverlapReports, ctx: SensitivityContext) -> list[Sensitivity]:
    everything = list(ctx.reselect(one_per_overlap_group=False))
    if not everything:
        return []  # no report at all (an analysis with none): nothing to show
    return [_subset(spec, ctx, everything)]


def _same_as_primary(spec: SensitivitySpec, ctx: SensitivityContext, **relax: bool) -> list[Sensitivity]:
    """A sensitivity analysis whose added reports all fell to the overlap rule: shown, saying so (never hidden);
    nothing when it adds no report even before that rule."""
    candidates = _keys(ctx.reselect(one_per_overlap_group=False, **relax)) - _keys(ctx.reselect(one_per_overlap_group=False))
    if not candidates:
        return []
    from ..protocol.overlap import shared_patients

    pooled, _ = ctx.pool(list(ctx.effects), None)
    why = []
    for key in sorted(candidates):
        partners = [e.key for e in ctx.effects if shared_patients(ctx.studies[key], ctx.studies[e.key], ctx.plan.vocabulary)]
        why.append(f"{key} may share patients with {', '.join(dict.fromkeys(partners)) or 'its reports'}")
    note = f"the same reports as the primary analysis ({'; '.join(why)}, which it keeps first)"
    return [Sensitivity(spec.name, spec.title, pooled, tuple(e.key for e in ctx.effects), note)]


def _include_mixed_scope(spec: IncludeMixedScope, ctx: SensitivityContext) -> list[Sensitivity]:
    everything = list(ctx.reselect(include_mixed_scope=True))
    if _keys(everything) == _keys(ctx.effects):
        return _same_as_primary(spec, ctx, include_mixed_scope=True)
    return [_subset(spec, ctx, everything)]


def _exclude_minor_overlaps(spec: ExcludeMinorOverlaps, ctx: SensitivityContext) -> list[Sensitivity]:
    fewer = list(ctx.reselect(drop_minor_overlaps=True))
    if _keys(fewer) == _keys(ctx.effects):
        return []  # no two of the primary reports share a few patients
    return [_subset(spec, ctx, fewer)]


def _include_selected_cohorts(spec: IncludeSelectedCohorts, ctx: SensitivityContext) -> list[Sensitivity]:
    if spec.with_unadjusted and not ctx.plan.takes_comparisons:
        return []
    everything = list(ctx.reselect(include_selected=True, include_unadjusted=spec.with_unadjusted))
    if _keys(everything) == _keys(ctx.effects):  # no selected cohort, or all lost to overlap: say which
        return [] if spec.with_unadjusted else _same_as_primary(spec, ctx, include_selected=True)
    if spec.with_unadjusted and _keys(everything) in (
        _keys(ctx.reselect(include_selected=True)), _keys(ctx.reselect(include_unadjusted=True)),
    ):
        return []  # the same reports as one of the two single relaxations
    return [_subset(spec, ctx, everything)]


def _include_time_origin_not_stated(spec: IncludeTimeOriginNotStated, ctx: SensitivityContext) -> list[Sensitivity]:
    if ctx.plan.takes_comparisons or "not stated" in ctx.plan.analysis.population.time_origins:
        return []  # ratios have no time origin; an analysis that admits 'not stated' already is this one
    selected = True if spec.with_selected_cohorts else None
    everything = list(ctx.reselect(include_time_origin_not_stated=True, include_selected=selected))
    keys = _keys(everything)
    if keys == _keys(ctx.reselect(include_selected=selected)):
        return []  # no report with an unstated time origin among the candidates
    if spec.with_selected_cohorts and keys == _keys(ctx.reselect(include_time_origin_not_stated=True)):
        return []  # no selected cohort among them: the same reports as without selected cohorts
    return [_subset(spec, ctx, everything)]


def _include_other_estimators(spec: IncludeOtherEstimators, ctx: SensitivityContext) -> list[Sensitivity]:
    if ctx.plan.takes_comparisons:
        return []  # ratios have no estimator of this kind
    everything = list(ctx.reselect(include_other_estimators=True))
    if [(e.key, e.index) for e in everything] == [(e.key, e.index) for e in ctx.effects]:
        return []  # no row with another estimator among the candidates: the primary analysis already is this one
    return [_subset(spec, ctx, everything)]


def _include_other_comparators(spec: IncludeOtherComparators, ctx: SensitivityContext) -> list[Sensitivity]:
    alternative = ctx.plan.analysis.alternative
    if alternative is None or not alternative.sensitivity_comparators:
        return []  # a reported ratio, or no other comparator named: the primary analysis already is this one
    everything = list(ctx.reselect(include_other_comparators=True))
    if [(e.key, e.index) for e in everything] == [(e.key, e.index) for e in ctx.effects]:
        return []  # no comparator arm of those codes among the candidates
    return [_subset(spec, ctx, everything)]


def _include_unadjusted(spec: IncludeUnadjusted, ctx: SensitivityContext) -> list[Sensitivity]:
    if not ctx.plan.takes_comparisons:
        return []
    everything = list(ctx.reselect(include_unadjusted=True))
    if [(e.key, e.index) for e in everything] == [(e.key, e.index) for e in ctx.effects]:
        return []  # every ratio is adjusted: the primary analysis already is this one
    return [_subset(spec, ctx, everything)]


def _inflate_approximated_variances(spec: InflateApproximatedVariances, ctx: SensitivityContext) -> list[Sensitivity]:
    if not any(e.derived for e in ctx.effects):
        return []
    inflated = [replace(e, effect=replace(e.effect, vi=e.effect.vi * spec.factor)) if e.derived else e for e in ctx.effects]
    return [_subset(spec, ctx, inflated)]


def _method(spec: MethodChange, ctx: SensitivityContext) -> list[Sensitivity]:
    from ..stats.models import METHODS

    if METHODS[spec.method].needs_counts:
        if ctx.plan.is_ratio:
            return [Sensitivity(spec.name, spec.title, None, (), "not applicable to ratios")]
        kept = [e for e in ctx.effects if e.counts is not None]
        if not kept:
            return [Sensitivity(spec.name, spec.title, None, (), "no report gives events/total")]
        return [_subset(spec, ctx, kept, spec)]
    return [_subset(spec, ctx, list(ctx.effects), spec)]


def _leave_one_out(spec: LeaveOneOut, ctx: SensitivityContext) -> list[Sensitivity]:
    if len(ctx.effects) < 3:
        return []
    out = []
    for j, left_out in enumerate(ctx.effects):
        kept = [e for i, e in enumerate(ctx.effects) if i != j]
        pooled, note = ctx.pool(kept, None)
        out.append(Sensitivity(spec.name, f"without {left_out.key}", pooled, tuple(e.key for e in kept), note))
    return out


def _era_meta_regression(spec: EraMetaRegression, ctx: SensitivityContext) -> list[Sensitivity]:
    from .era import era_regression

    if len(ctx.effects) < spec.min_k or ctx.plan.contrasts_proportions:
        return []  # too few reports to ask (or per-level rows, not one number per report)
    reg = era_regression(ctx.plan, ctx.effects, ctx.studies, spec.min_k)
    if isinstance(reg, str):
        return [Sensitivity(spec.name, spec.title, None, (), reg)]
    note = f"accrual period not stated: {', '.join(reg.not_stated)}" if reg.not_stated else ""
    return [Sensitivity(spec.name, spec.title, None, reg.keys, note, reg)]


def _recent_era(spec: RecentEra, ctx: SensitivityContext) -> list[Sensitivity]:
    from .era import recent_rows, with_recent_periods

    if ctx.plan.takes_comparisons or ctx.plan.analysis.subgroup is not None or not ctx.plan.kind.pools_proportions:
        return []  # ratios and per-level analyses have no whole cohort to replace
    recent = recent_rows(ctx.plan, list(ctx.studies.values()), ctx.years, spec.factor, spec.level)
    if not recent.effects and not recent.unusable:
        return []  # no report gives this analysis's outcome by period
    unusable = "; ".join(f"{key} {why}" for key, why in recent.unusable)
    if not recent.effects:
        return [Sensitivity(spec.name, spec.title, None, (), f"no most recent period can be weighted: {unusable}")]
    kept, gone = with_recent_periods(ctx.plan, ctx.effects, recent, ctx.studies, ctx.years)
    periods = ", ".join(e.key for e in recent.effects if e.key in {k.key for k in kept})
    title = f"{spec.title} ({periods or 'none kept'})"
    notes = [n for n in (f"not usable: {unusable}" if unusable else "", f"left out by overlap: {', '.join(gone)}" if gone else "") if n]
    pooled, why = ctx.pool(kept, None) if kept else (None, "no report left")
    return [Sensitivity(spec.name, title, pooled, tuple(e.key for e in kept), "; ".join([*notes, why] if why else notes))]


#: The function of each specification class.
RUNNERS: dict[type[SensitivitySpec], Callable[[Any, SensitivityContext], list[Sensitivity]]] = {
    ExcludeCaseReportsAndAbstracts: _exclude_case_reports_and_abstracts,
    ExcludeApproximatedSe: _exclude_approximated_se,
    ExcludeSmall: _exclude_small,
    AllOverlapReports: _all_overlap_reports,
    IncludeSelectedCohorts: _include_selected_cohorts,
    IncludeMixedScope: _include_mixed_scope,
    ExcludeMinorOverlaps: _exclude_minor_overlaps,
    IncludeTimeOriginNotStated: _include_time_origin_not_stated,
    IncludeOtherEstimators: _include_other_estimators,
    IncludeOtherComparators: _include_other_comparators,
    IncludeUnadjusted: _include_unadjusted,
    InflateApproximatedVariances: _inflate_approximated_variances,
    MethodChange: _method,
    LeaveOneOut: _leave_one_out,
    EraMetaRegression: _era_meta_regression,
    RecentEra: _recent_era,
}


def run(spec: SensitivitySpec, ctx: SensitivityContext) -> list[Sensitivity]:
    """The results of one registered sensitivity analysis on an analysis."""
    return RUNNERS[type(spec)](spec, ctx)
