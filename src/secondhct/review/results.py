"""An :class:`~secondhct.review.analysis.AnalysisResult` as its typed record (:mod:`secondhct.results`).

The one conversion from the in-memory result to what ``results.json`` holds; lists keep
the analysis's order, so the same inputs always give the same bytes.
"""

from __future__ import annotations

from ..measures import MEASURES
from ..results import (
    AnalysisRecord,
    BayesRecord,
    ExcludedRow,
    FactorRecord,
    Natural,
    PooledRecord,
    SensitivityRecord,
    StudyRow,
    SubgroupTestRecord,
    model_record,
    number,
)
from .analysis import AnalysisResult, Pooled
from .effects import StudyEffect


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
    if not result.plan.is_ratio:
        out = study.outcomes[effect.index]
        extra = {"time": out.time, "time_origin": out.time_origin or study.population.time_origin}
    return StudyRow(
        key=effect.key, label=label, source=f"{'comparisons' if result.plan.is_ratio else 'outcomes'}[{effect.index}]",
        subgroup=effect.subgroup, n=effect.n, reported=effect.reported, yi=number(effect.effect.yi),
        vi=number(effect.effect.vi), natural=Natural(estimate=number(est), ci_lb=number(lo), ci_ub=number(hi)),
        weight=number(weight), derivation=effect.effect.derivation, assumed_se=effect.assumed_se,
        approximate=effect.effect.approximate, design=study.study.design, publication=study.study.publication,
        diseases=list(study.population.diseases), data_source=study.study.data_source, **extra,
    )  # fmt: skip


def _factor_record(f: object) -> FactorRecord:
    from .analysis import FactorResult

    assert isinstance(f, FactorResult)
    test = f.result.test if f.result is not None else None
    return FactorRecord(
        factor=f.factor,
        levels={lev: list(keys) for lev, keys in sorted(f.levels.items())},
        pooled={lev: pooled_record(p) for lev, p in sorted(f.natural.items())},
        test=None if test is None else SubgroupTestRecord(q=number(test.q), df=test.df, df2=test.df2, p=number(test.p), distribution=test.distribution),
        note=f.note,
    )


def analysis_record(result: AnalysisResult, labels: dict[str, str]) -> AnalysisRecord:
    """One analysis of ``results.json``."""
    plan = result.plan
    analysis = plan.analysis
    weights = result.pooled.result.weights if result.pooled else None  # None: k = 1, not pooled, or a model without weights
    row_weights = list(weights) if weights is not None else [None] * len(result.effects)
    return AnalysisRecord(
        id=analysis.id, title=analysis.title, outcomes=list(analysis.outcomes),
        time=analysis.time.model_dump(exclude_none=True) if analysis.time else None,
        population=analysis.population.model_dump(), measure=plan.measure, method=plan.method, test=plan.test,
        overlap_rule=plan.overlap_rule, k=len(result.effects), patients=result.patients, synthesis=result.synthesis,
        included=[_study_row(result, e, w, labels.get(e.key, e.key)) for e, w in zip(result.effects, row_weights)],
        excluded=[ExcludedRow(key=x.key, label=labels.get(x.key, x.key), stage=x.stage, reason=x.reason) for x in result.excluded],
        pooled=pooled_record(result.pooled, analysis.thresholds) if result.pooled else None,
        sensitivity=[
            SensitivityRecord(name=s.name, title=s.title, keys=list(s.keys), note=s.note,
                              pooled=pooled_record(s.pooled, analysis.thresholds) if s.pooled else None)
            for s in result.sensitivity
        ],
        subgroup_factors=[_factor_record(f) for f in result.factors],
        warnings=list(result.warnings),
    )  # fmt: skip
