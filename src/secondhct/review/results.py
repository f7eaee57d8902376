"""An analysis result as plain data: the content of ``outputs/results.json``.

Every number is written at full precision (rounding happens only in the
summary and the plots); keys are sorted and lists ordered, so the same inputs
always give the same bytes.
"""

from __future__ import annotations

from typing import Any

from ..stats.pooling import PooledResult
from .analysis import AnalysisResult, Pooled, study_interval
from .effects import StudyEffect

def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: those are written as null."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(value)


def pooled_dict(pooled: Pooled) -> dict[str, Any]:
    res: PooledResult = pooled.result
    est, lo, hi, pi_lo, pi_hi = pooled.natural
    return {
        "k": res.k,
        "estimate": _number(res.estimate),
        "se": _number(res.se),
        "ci_lb": _number(res.ci_lb),
        "ci_ub": _number(res.ci_ub),
        "pi_lb": _number(res.pi_lb),
        "pi_ub": _number(res.pi_ub),
        "tau2": _number(res.tau2),
        "tau2_lb": _number(res.tau2_lb),
        "tau2_ub": _number(res.tau2_ub),
        "I2": _number(res.i2),
        "I2_lb": _number(res.i2_lb),
        "I2_ub": _number(res.i2_ub),
        "H2": _number(res.h2),
        "Q": _number(res.q),
        "Q_df": res.q_df,
        "Q_p": _number(res.q_p),
        "method": res.method,
        "test": res.test,
        "converged": res.converged,
        "natural": {
            "estimate": _number(est), "ci_lb": _number(lo), "ci_ub": _number(hi),
            "pi_lb": _number(pi_lo), "pi_ub": _number(pi_hi),
        },
        "notes": list(res.notes) + ([pooled.note] if pooled.note else []),
    }


def _effect_dict(result: AnalysisResult, effect: StudyEffect, weight: float | None, label: str) -> dict[str, Any]:
    study = result.studies[effect.key]
    est, lo, hi = study_interval(result.plan.measure, effect.effect.yi, effect.effect.vi, effect.n)
    row: dict[str, Any] = {
        "key": effect.key,
        "label": label,
        "source": f"{'comparisons' if result.plan.is_ratio else 'outcomes'}[{effect.index}]",
        "subgroup": effect.subgroup,
        "n": effect.n,
        "reported": effect.reported,
        "yi": _number(effect.effect.yi),
        "vi": _number(effect.effect.vi),
        "natural": {"estimate": _number(est), "ci_lb": _number(lo), "ci_ub": _number(hi)},
        "weight": _number(weight),
        "derivation": effect.effect.derivation,
        "assumed_se": effect.assumed_se,
        "approximate": effect.effect.approximate,
        "design": study.study.design,
        "publication": study.study.publication,
        "diseases": list(study.population.diseases),
        "overlap_group": study.study.overlap_group,
    }
    if not result.plan.is_ratio:
        out = study.outcomes[effect.index]
        row["time"] = out.time
        row["time_origin"] = out.time_origin or study.population.time_origin
    return row


def analysis_dict(result: AnalysisResult, labels: dict[str, str]) -> dict[str, Any]:
    """One analysis of ``results.json``."""
    plan = result.plan
    analysis = plan.analysis
    weights: list[float | None] = list(result.pooled.result.weights) if result.pooled else [None] * len(result.effects)
    return {
        "id": analysis.id,
        "title": analysis.title,
        "outcomes": list(analysis.outcomes),
        "time": analysis.time.model_dump(exclude_none=True) if analysis.time else None,
        "population": analysis.population.model_dump(),
        "measure": plan.measure,
        "method": plan.method,
        "test": plan.test,
        "overlap_rule": plan.overlap_rule,
        "k": len(result.effects),
        "patients": result.patients,
        "included": [_effect_dict(result, e, w, labels.get(e.key, e.key)) for e, w in zip(result.effects, weights)],
        "excluded": [{"key": x.key, "label": labels.get(x.key, x.key), "stage": x.stage, "reason": x.reason} for x in result.excluded],
        "pooled": pooled_dict(result.pooled) if result.pooled else None,
        "sensitivity": [
            {
                "name": s.name, "title": s.title, "keys": list(s.keys), "note": s.note,
                "pooled": pooled_dict(s.pooled) if s.pooled else None,
            }
            for s in result.sensitivity
        ],
        "subgroup_factors": [
            {
                "factor": f.factor,
                "levels": {lev: list(keys) for lev, keys in sorted(f.levels.items())},
                "pooled": {lev: pooled_dict(p) for lev, p in sorted(f.natural.items())},
                "test": (
                    {"Q": _number(f.result.test.q), "df": f.result.test.df, "df2": f.result.test.df2,
                     "p": _number(f.result.test.p), "distribution": f.result.test.distribution}
                    if f.result is not None and f.result.test is not None else None
                ),
                "note": f.note,
            }
            for f in result.factors
        ],
        "warnings": list(result.warnings),
    }
