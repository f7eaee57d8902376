"""Run one pre-specified analysis: select reports, compute effect sizes, pool, and test robustness.

Pure: takes validated extractions and a plan, returns an :class:`AnalysisResult`;
nothing is read or written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import PoolingError
from ..extraction.schema import StudyExtraction
from ..protocol.load import Plan
from ..protocol.select import Candidate, Exclusion, select
from ..stats.pooling import PooledResult, pool
from ..stats.report import backtransform
from ..stats.subgroups import SubgroupResult, subgroup_analysis
from .effects import NoEffect, StudyEffect, proportion_effect, ratio_effect

SENSITIVITY_TITLES = {
    "glmm": "binomial-normal GLMM instead of inverse variance (reports with events/total only)",
    "exclude_case_reports_and_abstracts": "excluding case reports and meeting abstracts",
    "all_overlap_reports": "all reports, not one per overlap group",
    "exclude_approximated_se": "excluding '±' read as SE and binomial approximations",
    "leave_one_out": "leaving out one report at a time",
}


@dataclass(frozen=True)
class Pooled:
    """A pooled result and its estimate, CI and prediction interval on the natural scale."""

    result: PooledResult
    natural: tuple[float, float, float, float, float]  # estimate, ci_lb, ci_ub, pi_lb, pi_ub
    note: str | None = None


@dataclass(frozen=True)
class Sensitivity:
    name: str
    title: str
    pooled: Pooled | None
    keys: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class FactorResult:
    factor: str
    levels: dict[str, tuple[str, ...]]  # level -> keys
    result: SubgroupResult | None
    natural: dict[str, Pooled]
    note: str = ""


@dataclass(frozen=True)
class AnalysisResult:
    plan: Plan
    effects: tuple[StudyEffect, ...]
    excluded: tuple[Exclusion, ...]
    pooled: Pooled | None
    sensitivity: tuple[Sensitivity, ...]
    factors: tuple[FactorResult, ...]
    warnings: tuple[str, ...]
    studies: Mapping[str, StudyExtraction]

    @property
    def patients(self) -> int:
        return sum(e.n for e in self.effects if e.n is not None)


def natural_scale(measure: str, values: Sequence[float], ni: Sequence[float] | None) -> tuple[list[float], str | None]:
    """Back-transform analysis-scale values to proportions or ratios (PR is already natural)."""
    if measure == "PR":
        return list(values), None
    return backtransform(measure, list(values), tuple(ni) if ni is not None else None)


def _pooled(measure: str, result: PooledResult, ni: Sequence[float] | None) -> Pooled:
    values = [result.estimate, result.ci_lb, result.ci_ub, result.pi_lb, result.pi_ub]
    nat, note = natural_scale(measure, values, ni)
    return Pooled(result, (nat[0], nat[1], nat[2], nat[3], nat[4]), note)


def _pool_effects(plan: Plan, effects: Sequence[StudyEffect]) -> Pooled | None:
    if not effects:
        return None
    yi = [e.effect.yi for e in effects]
    vi = [e.effect.vi for e in effects]
    ni = [float(e.n or 0) for e in effects] if plan.measure == "PFT" and all(e.n for e in effects) else None
    result = pool(yi, vi, method=plan.method, test=plan.test)  # type: ignore[arg-type]
    return _pooled(plan.measure, result, ni)


def _effects(plan: Plan, candidates: Sequence[Candidate]) -> tuple[list[StudyEffect], list[Exclusion]]:
    effects: list[StudyEffect] = []
    dropped: list[Exclusion] = []
    for cand in candidates:
        made = ratio_effect(cand, plan) if plan.is_ratio else proportion_effect(cand, plan.measure)
        if isinstance(made, NoEffect):
            dropped.append(Exclusion(made.key, "outcome", f"no effect size: {made.reason}"))
        else:
            effects.append(made)
    return effects, dropped


def _safe(compute: Callable[[], Pooled | None]) -> tuple[Pooled | None, str]:
    try:
        return compute(), ""
    except PoolingError as exc:
        return None, str(exc)


def _sensitivity(
    plan: Plan, effects: list[StudyEffect], studies: Sequence[StudyExtraction], years: Mapping[str, int | None]
) -> list[Sensitivity]:
    by_key = {s.key: s for s in studies}
    out: list[Sensitivity] = []
    for name in plan.sensitivity:
        title = SENSITIVITY_TITLES[name]
        if name == "exclude_case_reports_and_abstracts":
            kept = [e for e in effects if by_key[e.key].study.design != "case_report" and by_key[e.key].study.publication != "meeting_abstract"]
            pooled, note = _safe(lambda: _pool_effects(plan, kept))
            out.append(Sensitivity(name, title, pooled, tuple(e.key for e in kept), note))
        elif name == "exclude_approximated_se":
            kept = [e for e in effects if not e.derived]
            pooled, note = _safe(lambda: _pool_effects(plan, kept))
            out.append(Sensitivity(name, title, pooled, tuple(e.key for e in kept), note))
        elif name == "all_overlap_reports":
            everything, _ = _effects(plan, select(plan, studies, years, one_per_overlap_group=False).included)
            pooled, note = _safe(lambda: _pool_effects(plan, everything))
            out.append(Sensitivity(name, title, pooled, tuple(e.key for e in everything), note))
        elif name == "glmm":
            out.append(_glmm(plan, effects, by_key, title))
        elif name == "leave_one_out" and len(effects) >= 3:
            out.extend(_leave_one_out(plan, effects))
    return out


def _leave_one_out(plan: Plan, effects: list[StudyEffect]) -> list[Sensitivity]:
    """metafor's ``leave1out``: the model refitted without each report in turn."""
    from ..stats.sensitivity import leave_one_out

    ni = [float(e.n or 0) for e in effects] if plan.measure == "PFT" and all(e.n for e in effects) else None
    try:
        steps = leave_one_out([e.effect.yi for e in effects], [e.effect.vi for e in effects], method=plan.method, test=plan.test)  # type: ignore[arg-type]
    except PoolingError as exc:
        return [Sensitivity("leave_one_out", SENSITIVITY_TITLES["leave_one_out"], None, (), str(exc))]
    out = []
    for j, result in zip(steps.index, steps.results):
        kept = [e for i, e in enumerate(effects) if i != j]
        kept_ni = [n for i, n in enumerate(ni) if i != j] if ni is not None else None
        pooled, note = _safe(lambda: _pooled(plan.measure, result, kept_ni))
        out.append(Sensitivity("leave_one_out", f"without {effects[j].key}", pooled, tuple(e.key for e in kept), note))
    return out


def _glmm(plan: Plan, effects: list[StudyEffect], by_key: Mapping[str, StudyExtraction], title: str) -> Sensitivity:
    if plan.is_ratio:
        return Sensitivity("glmm", title, None, (), "not applicable to ratios")
    rows = [(e, by_key[e.key].outcomes[e.index]) for e in effects]
    counted = [(e, o) for e, o in rows if o.events is not None and o.total]
    if not counted:
        return Sensitivity("glmm", title, None, (), "no report gives events/total")
    from ..stats.glmm import glmm_pool

    xi = [float(o.events or 0) for _, o in counted]
    ni = [float(o.total or 0) for _, o in counted]
    try:
        result = glmm_pool(xi, ni, test=plan.test)  # type: ignore[arg-type]
    except PoolingError as exc:
        return Sensitivity("glmm", title, None, tuple(e.key for e, _ in counted), str(exc))
    return Sensitivity("glmm", title, _pooled("PLO", result, None), tuple(e.key for e, _ in counted), "logit scale")


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
    return study.study.overlap_group or "none"


def _factors(plan: Plan, effects: list[StudyEffect], by_key: Mapping[str, StudyExtraction]) -> list[FactorResult]:
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
                method=plan.method, test=plan.test,  # type: ignore[arg-type]
            )
        except PoolingError as exc:
            out.append(FactorResult(factor, levels, None, {}, str(exc)))
            continue
        natural = {lev: _pooled(plan.measure, res, None) for lev, res in result.results.items() if plan.measure != "PFT"}
        out.append(FactorResult(factor, levels, result, natural))
    return out


def _warnings(plan: Plan, effects: list[StudyEffect], excluded: list[Exclusion], by_key: Mapping[str, StudyExtraction]) -> list[str]:
    k = len(effects)
    notes = []
    if k == 0:
        return ["no report gives a usable estimate: nothing is pooled"]
    if k < 3:
        notes.append(f"only {k} report{'s' if k > 1 else ''}: heterogeneity cannot be estimated reliably; read the estimate as descriptive")
    designs = {by_key[e.key].study.design for e in effects}
    if designs <= {"case_report", "case_series", "literature_review"}:
        notes.append("only case reports, case series or literature reviews")
    if any(x.stage == "overlap" for x in excluded):
        notes.append("some reports were left out because their cohorts overlap (see the sensitivity analysis with all reports)")
    if any(by_key[e.key].study.overlap_group for e in effects):
        groups = sorted({g for e in effects if (g := by_key[e.key].study.overlap_group)})
        notes.append(f"overlap groups among the included reports: {', '.join(groups)} (one report each)")
    assumed = [e.key for e in effects if e.assumed_se]
    if assumed:
        notes.append(f"'±' read as the SE (not stated in the paper): {', '.join(assumed)}")
    approx = [e.key for e in effects if e.effect.approximate]
    if approx:
        notes.append(f"binomial approximation of the variance (ignores censoring): {', '.join(approx)}")
    origins = {by_key[e.key].outcomes[e.index].time_origin or by_key[e.key].population.time_origin for e in effects} if not plan.is_ratio else set()
    if len(origins) > 1:
        notes.append(f"mixed time origins: {', '.join(sorted(origins))}")
    abstracts = [e.key for e in effects if by_key[e.key].study.publication == "meeting_abstract"]
    if abstracts:
        notes.append(f"meeting abstracts: {', '.join(abstracts)}")
    return notes


def run_analysis(plan: Plan, studies: Sequence[StudyExtraction], years: Mapping[str, int | None]) -> AnalysisResult:
    """Select, compute effect sizes, pool, and run the plan's sensitivity and subgroup analyses."""
    selection = select(plan, studies, years)
    effects, dropped = _effects(plan, selection.included)
    excluded = sorted([*selection.excluded, *dropped], key=lambda x: x.key)
    by_key = {s.key: s for s in studies}
    by_level = plan.analysis.subgroup is not None
    pooled, note = (None, "") if by_level else _safe(lambda: _pool_effects(plan, effects))
    warnings = _warnings(plan, effects, excluded, by_key)
    if by_level and effects:
        warnings.append(
            "rows are reported per subgroup level and listed, not pooled: pooling across reports needs "
            "level names shared by all reports, which the format does not have yet"
        )
    if note:
        warnings.append(f"pooling failed: {note}")
    return AnalysisResult(
        plan=plan,
        effects=tuple(effects),
        excluded=tuple(excluded),
        pooled=pooled,
        sensitivity=tuple(_sensitivity(plan, effects, studies, years)) if effects and not by_level else (),
        factors=tuple(_factors(plan, effects, by_key)) if len(effects) > 1 and not by_level else (),
        warnings=tuple(warnings),
        studies=by_key,
    )


def study_interval(measure: str, yi: float, vi: float, n: int | None = None) -> tuple[float, float, float]:
    """A study's estimate and 95% Wald CI on the natural scale (for tables and plots).

    For PFT the inverse needs the study's n (``transf.ipft``); without it NaNs are returned.
    """
    z = 1.959963984540054
    se = float(np.sqrt(vi))
    values = [yi, yi - z * se, yi + z * se]
    if measure == "PFT":
        if not n:
            return (float("nan"), float("nan"), float("nan"))
        nat, _ = natural_scale(measure, values, [float(n)] * 3)
    else:
        nat, _ = natural_scale(measure, values, None)
    return nat[0], nat[1], nat[2]
