"""An :class:`~secondhct.review.analysis.AnalysisResult` as its typed record (:mod:`secondhct.results`).

The one conversion from the in-memory result to what ``results.json`` holds; lists keep
the analysis's order, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..extraction.accrual import accrual_midpoint, accrual_words
from ..extraction.sourcetype import source_type
from ..measures import MEASURES
from ..results import (
    AnalysisRecord,
    BayesRecord,
    CertaintyDomainRecord,
    CertaintyRecord,
    ContrastRecord,
    ExcludedRow,
    FactorRecord,
    GoshRecord,
    Natural,
    PermutationRecord,
    PooledRecord,
    RegressionRecord,
    SensitivityRecord,
    StudyRow,
    SubgroupTestRecord,
    model_record,
    number,
)
from .analysis import AnalysisResult, Pooled
from .contrasts import contrast_words, favours, row_detail
from .coverage import covered
from .effects import StudyEffect
from .sensitivity import Sensitivity

if TYPE_CHECKING:
    from .grade import Pooled as GradePooled
    from .grade import Report as GradeReport


def pooled_record(pooled: Pooled, thresholds: list[float] | None = None) -> PooledRecord | BayesRecord:
    """The record of one fitted model with its natural-scale values and their caveat; a
    Bayesian model's posterior probabilities are keyed by the natural-scale ``thresholds``."""
    record = model_record(pooled.result, pooled.natural, [pooled.note] if pooled.note else [])
    if isinstance(record, BayesRecord) and thresholds:
        probs = list(record.prob_above.values())
        record = record.model_copy(update={"prob_above": {f"{t:g}": p for t, p in zip(thresholds, probs)}})
    return record


def _study_row(result: AnalysisResult, effect: StudyEffect, weight: float | None, label: str) -> StudyRow:
    study = result.studies[effect.key]
    measure = MEASURES[result.plan.measure]
    est, lo, hi = measure.study_interval(effect.effect.yi, effect.effect.vi, effect.n)
    extra: dict[str, str | None] = {}
    if not result.plan.takes_comparisons:
        out = study.outcomes[effect.index]
        extra = {"time": out.time, "time_origin": out.time_origin or study.population.time_origin}
    if not result.plan.kind.pools_proportions:
        extra["detail"] = row_detail(result.plan, study, effect.index)
    return StudyRow(
        key=effect.key, label=label, source=f"{'comparisons' if result.plan.takes_comparisons else 'outcomes'}[{effect.index}]",
        subgroup=effect.subgroup, n=effect.n, reported=effect.reported, yi=number(effect.effect.yi),
        vi=number(effect.effect.vi), natural=Natural(estimate=number(est), ci_lb=number(lo), ci_ub=number(hi)),
        weight=number(weight), derivation=effect.effect.derivation, assumed_se=effect.assumed_se,
        approximate=effect.effect.approximate, design=study.study.design, publication=study.study.publication,
        source_type=source_type(study), diseases=list(study.population.diseases), data_source=study.study.data_source,
        accrual=accrual_words(study.study.accrual), accrual_midpoint=number(accrual_midpoint(study.study.accrual)), **extra,
    )  # fmt: skip


def _factor_record(f: object) -> FactorRecord:
    from .analysis import FactorResult

    assert isinstance(f, FactorResult)
    test = f.result.test if f.result is not None else None
    record = FactorRecord(
        factor=f.factor,
        levels={lev: list(keys) for lev, keys in sorted(f.levels.items())},
        pooled={lev: pooled_record(p) for lev, p in sorted(f.natural.items())},
        test=None if test is None else SubgroupTestRecord(q=number(test.q), df=test.df, df2=test.df2, p=number(test.p), distribution=test.distribution),
        note=f.note,
    )
    if f.permutation is None:
        return record  # the field stays unset: results.json is unchanged where the protocol does not ask
    t = f.permutation
    perm = PermutationRecord(q=number(t.qm), p=number(t.pval), permutations=t.permutations, exact=t.exact, seed=t.seed,
                             method=t.method, test=t.test)  # fmt: skip
    return record.model_copy(update={"permutation": perm})


def gosh_file(analysis_id: str) -> str:
    """The GOSH figure's file name in outputs/."""
    return f"{analysis_id}.gosh.svg"


def _gosh_record(result: AnalysisResult) -> GoshRecord | None:
    g = result.gosh
    if g is None:
        return None
    if g.fits is None:
        return GoshRecord(method=g.method, k=len(g.keys), subsets=0, estimate_min=None, estimate_max=None, i2_min=None,
                          i2_max=None, figure=None, note=g.note)  # fmt: skip
    keep = g.fits.fit.k >= 2
    measure = MEASURES[result.plan.measure]
    estimates = g.fits.fit.estimate[keep]
    lo, hi = (float(estimates.min()), float(estimates.max())) if not measure.needs_n else (None, None)
    if lo is not None and hi is not None:
        lo, hi = (float(x) for x in measure.inverse([lo, hi]))
    return GoshRecord(method=g.method, k=len(g.keys), subsets=int(keep.sum()), estimate_min=number(lo), estimate_max=number(hi),
                      i2_min=number(float(g.fits.fit.i2[keep].min())), i2_max=number(float(g.fits.fit.i2[keep].max())),
                      figure=gosh_file(result.plan.id), note=g.note)  # fmt: skip


def analysis_record(result: AnalysisResult, labels: dict[str, str]) -> AnalysisRecord:
    """One analysis of ``results.json``."""
    plan = result.plan
    analysis = plan.analysis
    weights = result.pooled.result.weights if result.pooled else None  # None: k = 1, not pooled, or a model without weights
    row_weights = list(weights) if weights is not None else [None] * len(result.effects)
    record = AnalysisRecord(
        id=analysis.id, title=analysis.title, outcomes=list(analysis.outcomes),
        time=analysis.time.model_dump(exclude_none=True) if analysis.time else None,
        covered=covered(result.studies[k] for k in dict.fromkeys(e.key for e in result.effects)),
        population=analysis.population.model_dump(), measure=plan.measure, method=plan.method, test=plan.test,
        overlap_rule=plan.overlap_rule, k=len(result.effects), patients=result.patients, synthesis=result.synthesis,
        included=[_study_row(result, e, w, labels.get(e.key, e.key)) for e, w in zip(result.effects, row_weights)],
        excluded=[ExcludedRow(key=x.key, label=labels.get(x.key, x.key), stage=x.stage, reason=x.reason) for x in result.excluded],
        pooled=pooled_record(result.pooled, analysis.thresholds) if result.pooled else None,
        sensitivity=[_sensitivity_record(s, result, analysis.thresholds) for s in result.sensitivity],
        subgroup_factors=[_factor_record(f) for f in result.factors],
        warnings=list(result.warnings),
        kind=plan.kind.name, contrast=_contrast_record(result), certainty=certainty_record(result, row_weights),
    )  # fmt: skip
    gosh = _gosh_record(result)
    return record if gosh is None else record.model_copy(update={"gosh": gosh})


def era_file(analysis_id: str) -> str:
    """The era bubble plot's file name in outputs/."""
    return f"{analysis_id}.era.svg"


def _sensitivity_record(s: Sensitivity, result: AnalysisResult, thresholds: list[float] | None) -> SensitivityRecord:
    record = SensitivityRecord(name=s.name, title=s.title, keys=list(s.keys), note=s.note,
                               pooled=pooled_record(s.pooled, thresholds) if s.pooled else None)  # fmt: skip
    if s.regression is None:
        return record  # the field stays unset: results.json is unchanged where there is no meta-regression
    r, f = s.regression, s.regression.fit
    reg = RegressionRecord(
        moderator="accrual midpoint, per decade from 2000", method=f.method, test=f.test, k=f.k, intercept=number(f.intercept),
        slope=number(f.slope), se=number(f.se), stat=number(f.stat), pval=number(f.pval), df=f.df, ci_lb=number(f.ci_lb),
        ci_ub=number(f.ci_ub), level=f.level, tau2=number(f.tau2), tau2_null=number(f.tau2_null), r2=number(f.r2),
        i2=number(f.i2), qe=number(f.qe), qe_df=f.qe_df, qe_p=number(f.qe_p), midpoints=dict(zip(r.keys, r.midpoints)),
        weights={k: number(w) for k, w in zip(r.keys, f.weights)}, not_stated=list(r.not_stated),
        figure=era_file(result.plan.id), notes=list(f.notes),
    )  # fmt: skip
    return record.model_copy(update={"regression": reg})


def _contrast_record(result: AnalysisResult) -> ContrastRecord | None:
    words, sides = contrast_words(result.plan), favours(result.plan)
    if words is None or sides is None:
        return None
    # every contrast here is observational (no report randomised a factor or a treatment), a factor's as much as
    # a comparison with an alternative: non_randomised is true for all (it was the kind's flag, false for factors)
    return ContrastRecord(group=words[0], reference=words[1], favours_below_1=sides[0], favours_above_1=sides[1],
                          non_randomised=True)  # fmt: skip


def _grade_reports(result: AnalysisResult, row_weights: Sequence[float | None]) -> list[GradeReport]:
    """What GRADE reads of each included report: weight, size, risk of bias (overall and by domain),
    source, time origin, selection, disease."""
    from ..extraction.codes import LEUKEMIAS
    from ..extraction.riskofbias import AS_COMMON_SCALE, assessment, tool_for
    from .grade import Report

    plan = result.plan
    tool = tool_for(plan.kind.non_randomised, plan.is_ratio)
    reports = []
    for e, w in zip(result.effects, row_weights):
        study = result.studies[e.key]
        rob = assessment(study, tool)
        origin = None if plan.is_ratio else study.outcomes[e.index].time_origin
        reports.append(Report(
            key=e.key, weight=None if w is None else float(w), n=e.n,
            rob=None if rob is None else AS_COMMON_SCALE.get(rob.overall.judgement, rob.overall.judgement),
            source_type=source_type(study), time_origin=origin or study.population.time_origin, selected=bool(study.population.selection),
            leukemia=bool(LEUKEMIAS.intersection(study.population.diseases)), tool=tool,
            domains={d: AS_COMMON_SCALE.get(j.judgement, j.judgement) for d, j in rob.domains.items()} if rob else {},
        ))  # fmt: skip
    return reports


def _grade_pooled(result: AnalysisResult, k: int) -> GradePooled:
    """The pooled result on the natural scale (for one report, or rows listed only, the first report's
    own interval), with each report's effect and interval and the subgroup tests."""
    from .grade import Pooled as GradePooled

    plan = result.plan
    measure = MEASURES[plan.measure]
    rows = tuple(tuple(float(x) if x is not None else math.nan for x in measure.study_interval(e.effect.yi, e.effect.vi, e.n))
                 for e in result.effects)  # fmt: skip
    subgroup_p = {f.factor: float(f.result.test.p) for f in result.factors
                  if f.result is not None and f.result.test is not None and f.result.test.p is not None}  # fmt: skip
    common = dict(family=measure.family, k=k, yi=tuple(float(e.effect.yi) for e in result.effects),
                  vi=tuple(float(e.effect.vi) for e in result.effects), rows=rows, subgroup_p=subgroup_p)  # fmt: skip
    rec = pooled_record(result.pooled, plan.analysis.thresholds) if result.pooled else None
    if rec is None:
        est, lo, hi = rows[0]
        return GradePooled(estimate=number(est), ci_lb=number(lo), ci_ub=number(hi), **common)  # type: ignore[arg-type]
    nat = rec.natural
    return GradePooled(estimate=nat.estimate, ci_lb=nat.ci_lb, ci_ub=nat.ci_ub, **common)  # type: ignore[arg-type]


def certainty_record(result: AnalysisResult, row_weights: Sequence[float | None]) -> CertaintyRecord | None:
    """The build's GRADE judgements of an analysis (:mod:`secondhct.review.grade`), starting at the level
    its question takes (``defaults.certainty.start``), with the protocol's overrides beside them; an
    override whose reason cites numbers the build does not give is listed in ``conflicts``. None without reports."""
    from .grade import DOMAINS, level_after, suggest
    from .gradecheck import stale_numbers

    if not result.effects:
        return None
    plan = result.plan
    analysis = plan.analysis
    rules = plan.certainty
    start = getattr(rules.start, plan.kind.grade_question)
    thresholds = rules.imprecision.thresholds_for(analysis.outcomes[0])
    suggestions = suggest(_grade_reports(result, row_weights), _grade_pooled(result, len(result.effects)), result.patients,
                          thresholds, rules.imprecision.ois_half_width)  # fmt: skip
    judged = analysis.certainty
    domains, conflicts = [], []
    for sug in suggestions:
        j = getattr(judged, sug.domain) if judged is not None else None
        why = (j.override or j.reason) if j is not None else None
        if j is not None and why is not None:
            stale = stale_numbers(why, [s.reason for s in suggestions], analysis, result.patients, len(result.effects))
            if stale:
                conflicts.append(f"{sug.domain}: the override's reason cites {', '.join(stale)}, which the build does not give")
        domains.append(CertaintyDomainRecord(domain=sug.domain, suggested=sug.rating, suggested_reason=sug.reason,
                                             judged=j.rating if j else None, reason=why, override=why))  # fmt: skip
    assert [d.domain for d in domains] == list(DOMAINS)
    return CertaintyRecord(start=start, suggested_level=level_after([s.rating for s in suggestions], start),
                           level=level_after([d.judged or d.suggested for d in domains], start),
                           judged=any(d.judged for d in domains), domains=domains, conflicts=conflicts)  # fmt: skip
