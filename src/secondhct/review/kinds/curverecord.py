"""A :class:`~secondhct.review.kinds.curve.CurveResult` as its typed record (:mod:`secondhct.curveresults`).

Values are of the outcome itself: survival, or for relapse and NRM the incidence (1 - S, with
the bounds swapped). Full precision; rounding happens when printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...curveresults import CurveModel, CurvePoint, CurvePrediction, CurveRecord
from ...extraction.accrual import era_words
from ...recordbase import ExcludedRow, number
from .curve import CurveResult, Fitted, outcome_values, years_of


def _prediction(p: Any, incidence: bool, reports: int) -> CurvePrediction:
    """One prediction of either model on the outcome's own scale (:func:`.curve.outcome_values`)."""
    value, lb, ub, plb, pub = (number(float(v)) for v in outcome_values(p, incidence))
    return CurvePrediction(time_years=float(p.time), value=value, lb=lb, ub=ub, pred_lb=plb, pred_ub=pub, reports=reports)


def reports_around(points: Sequence[CurvePoint], t: float, around: float) -> int:
    """How many reports print a value within ``around`` years of ``t``."""
    return len({p.key for p in points if abs(p.time_years - t) <= around + 1e-9})


def model_record(f: Fitted, incidence: bool, points: Sequence[CurvePoint], around: float) -> CurveModel:
    """One fitted model as stored: heterogeneity, coefficients, the test of residual heterogeneity
    (frequentist), P(curve does not decrease) (Bayesian), and the predictions."""
    fit, pred = f.fit, f.predictions
    if fit is None:
        return CurveModel(name=f.name, title=f.title, method="", time_model="", tau=None, coefficients={}, predictions=[],
                          omitted=[], notes=[f.note])  # fmt: skip
    predictions = [_prediction(p, incidence, reports_around(points, float(p.time), around)) for p in pred.predictions]
    common: dict[str, Any] = {"name": f.name, "title": f.title, "method": fit.method, "time_model": fit.time_model,
                              "predictions": predictions, "omitted": [float(t) for t in pred.omitted], "notes": list(fit.notes)}
    if fit.method == "BAYES":
        return CurveModel(**common, tau=number(fit.tau_median), tau_lb=number(fit.tau_lb), tau_ub=number(fit.tau_ub),
                          coefficients={n: number(b) for n, b in zip(fit.coef_names, fit.beta_median)},
                          prob_log_time_coef_le_0=number(fit.prob_log_time_coef_le_0))  # fmt: skip
    return CurveModel(**common, tau=number(fit.tau2**0.5), tau2=number(fit.tau2),
                      coefficients={n: number(float(b)) for n, b in zip(fit.coef_names, fit.beta)},
                      qe=number(fit.qe), qe_df=int(fit.qe_df), qe_p=number(fit.qe_p), curve_decreasing=fit.curve_decreasing)  # fmt: skip


def _points(result: CurveResult, labels: Mapping[str, str]) -> list[CurvePoint]:
    data = result.data
    modelled = {(r.study, round(r.time, 9)): (float(y), float(w)) for r, y, w in zip(data.rows, data.yi, data.w)} if data else {}
    out = []
    for e in result.effects:
        study = result.studies[e.key]
        yi, w = modelled.get((e.key, round(years_of(study, e.index), 9)), (None, None))
        out.append(CurvePoint(
            key=e.key, label=labels.get(e.key, e.key), source=f"outcomes[{e.index}]", time=study.outcomes[e.index].time or "",
            time_years=years_of(study, e.index), value=float(e.effect.yi), se=float(e.effect.vi) ** 0.5, n=e.n,
            reported=e.reported, approximate=e.effect.approximate, assumed_se=e.assumed_se, yi=yi, w=w,
            accrual=era_words(study.study.accrual),
        ))  # fmt: skip
    return out


def curve_record(result: CurveResult, labels: Mapping[str, str]) -> CurveRecord:
    """One ``kind: survival_curve`` analysis of ``results.json``."""
    analysis = result.plan.analysis
    points = _points(result, labels)
    around = result.options.around
    sizes = {e.key: e.n for e in result.effects if e.n is not None}
    return CurveRecord(
        id=analysis.id, title=analysis.title, outcomes=list(analysis.outcomes),
        time=analysis.time.model_dump(exclude_none=True) if analysis.time else None, population=analysis.population.model_dump(),
        incidence=result.incidence, around=around, k=len({p.key for p in points}), rows=len(points), patients=sum(sizes.values()),
        synthesis=result.synthesis,
        points=points,
        excluded=[ExcludedRow(key=x.key, label=labels.get(x.key, x.key), stage=x.stage, reason=x.reason) for x in result.excluded],
        model=model_record(result.primary, result.incidence, points, around) if result.primary is not None else None,
        sensitivity=[model_record(f, result.incidence, points, around) for f in result.sensitivity],
        warnings=list(result.warnings),
    )  # fmt: skip
