"""The summary's section on curve analyses ("Survival over time"): for each curve, its value at the
protocol's time points with the interval and prediction interval, how many reports print a value
at or around each, the model in words, what was left out, and the reports' own rows. Rounding
happens here (through :mod:`secondhct.format`) and only here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...curveresults import CurveModel, CurveRecord
from ...format import fmt_natural, fmt_num, fmt_p, fmt_range, fmt_tau2, row_mark
from ...outcomes import OUTCOMES
from .base import Section


def _years(t: float) -> str:
    return f"{t:g} year{'s' if t != 1 else ''}"


def model_words(m: CurveModel, incidence: bool) -> str:
    """The model in words, with its heterogeneity and shape."""
    head = f"{m.title}; log(−log(1 − the cumulative incidence)) modelled" if incidence else f"{m.title}; log(−log S) modelled"
    if m.method == "BAYES":
        trend = "the incidence does not rise with time" if incidence else "the curve does not fall with time"
        shape = "" if m.prob_log_time_coef_le_0 is None else f"; probability that {trend}: {fmt_num(m.prob_log_time_coef_le_0)}"
        return f"{head}; τ = {fmt_num(m.tau)} (95% credible interval {fmt_num(m.tau_lb)} to {fmt_num(m.tau_ub)}){shape}"
    qe = f"; test for residual heterogeneity Q = {fmt_num(m.qe)}, df = {m.qe_df}, {fmt_p(m.qe_p)}" if m.qe is not None else ""
    shape = "" if m.curve_decreasing in (None, True) else ("; the fitted incidence does not rise with time" if incidence
                                                           else "; the fitted curve does not fall with time")
    return f"{head}; τ² = {fmt_tau2(m.tau2)}{qe}{shape}"


def _value(m: CurveModel | None, t: float) -> str:
    p = next((p for p in m.predictions if p.time_years == t), None) if m is not None else None
    return "–" if p is None else f"{fmt_natural('proportion', p.value)} ({fmt_range('proportion', p.lb, p.ub)})"


def curve_context(c: CurveRecord, cite: Mapping[str, int], labels: Mapping[str, str], times: list[float]) -> dict[str, Any]:
    """What the templates show of one curve analysis."""
    from ..analysis_text import excluded_context, readable

    words = lambda text: readable(text, labels, cite)  # noqa: E731
    excluded, not_eligible = excluded_context(c.excluded, cite, words)
    m = c.model
    interval = "95% credible interval" if m is not None and m.method == "BAYES" else "95% CI"
    outcome = OUTCOMES[c.outcomes[0]].words
    rows = [{"time": _years(p.time_years), "value": fmt_natural("proportion", p.value), "interval": fmt_range("proportion", p.lb, p.ub),
             "prediction": fmt_range("proportion", p.pred_lb, p.pred_ub) if c.synthesis != "single_report" else "–",
             "reports": p.reports, "near": "" if p.reports else " (no report near it: read off the curve between reports)"}
            for p in (m.predictions if m else [])]  # fmt: skip
    one = c.synthesis == "single_report"
    if m is None:
        headline = "No report gives a usable value: no curve."
    elif not m.method:
        headline = f"No curve: {m.notes[0] if m.notes else 'the model could not be fitted'}."
    elif not rows:
        headline = "No time point of the protocol lies inside the reported times: no value given."
    else:
        start = "One report's own time points, fitted (not a pooled estimate): " if one else f"{outcome[0].upper()}{outcome[1:]}: "
        headline = start + "; ".join(f"{r['value']} at {r['time']} ({r['interval']}){r['near']}" for r in rows) + "."
    return {
        "id": c.id, "title": c.title, "k": c.k, "rows": c.rows, "patients": c.patients, "interval": interval,
        "headline": headline, "predictions": rows,
        "model": model_words(m, c.incidence) if m is not None and m.method else "",
        "omitted": ", ".join(_years(t) for t in (m.omitted if m else [])), "around": f"{c.around:g}",
        "sensitivity": [{"title": s.title, "values": [_value(s, t) for t in times] if s.method else [f"not fitted: {s.notes[0]}" if s.notes else "not fitted"]}
                        for s in c.sensitivity] if rows else [],  # fmt: skip
        "times": [_years(t) for t in times],
        "warnings": [words(w) for w in c.warnings],
        "points": [{"label": p.label, "ref": cite[p.key], "time": p.time, "reported": p.reported,
                    "n": p.n if p.n is not None else "–", "accrual": p.accrual,
                    "flag": row_mark(p.assumed_se, p.approximate)}
                   for p in c.points],  # fmt: skip
        "excluded": excluded, "not_eligible": not_eligible,
    }


def curves_section(curves: list[CurveRecord], cite: Mapping[str, int], labels: Mapping[str, str]) -> Section | None:
    """The summary's section on the curve analyses (templates ``curves.md.j2`` and ``curves.html.j2``)."""
    if not curves:
        return None
    return Section("curves", "curves", "Survival over time (summary curves)", tuple((c.id, c.title) for c in curves),
                   {"curves": curves_context(curves, cite, labels), "coherence": coherence(curves)})  # fmt: skip


def curves_context(curves: list[CurveRecord], cite: Mapping[str, int], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every curve analysis's section, its times those of the primary model's predictions and omissions."""
    out = []
    for c in curves:
        m = c.model
        times = sorted({p.time_years for p in (m.predictions if m else [])})
        out.append(curve_context(c, cite, labels, times))
    return out


#: Within this many percentage points LFS + relapse + NRM is read as adding up to 100%.
COHERENCE_POINTS = 5.0


def _method_words(c: CurveRecord) -> str:
    method = c.model.method if c.model is not None else ""
    return "Bayesian" if method == "BAYES" else method


def coherence(curves: list[CurveRecord]) -> list[str]:
    """Pooled event-free survival + relapse + NRM at each time the three curves of one population all
    give: competing risks partition the cohort, so the three should add up to about 100% (issue 22
    item 5; ``../shared/METHODS.md`` section 8: LFS + relapse + NRM = 1 at each time point). Each sum is stated with the reports and model behind each curve (they need not be the
    same); one beyond :data:`COHERENCE_POINTS` says why it may not add up."""
    from ...outcomes import competing_role
    from ..findings import who_words as _who

    groups: dict[str, dict[str, CurveRecord]] = {}
    for c in curves:
        roles = {competing_role(o) for o in c.outcomes}
        role = next(iter(roles)) if len(roles) == 1 else None
        if role in ("event_free", "relapse", "nrm") and c.model is not None and c.model.predictions:
            groups.setdefault(repr(sorted(c.population.items())), {})[str(role)] = c
    out = []
    for trio in groups.values():
        if set(trio) != {"event_free", "relapse", "nrm"}:
            continue
        curves3 = [trio[r] for r in ("event_free", "relapse", "nrm")]
        values = [{p.time_years: p.value for p in c.model.predictions if p.value is not None} for c in curves3]  # type: ignore[union-attr]
        basis = "; ".join(f"{OUTCOMES[c.outcomes[0]].words} {c.k} report{'s' if c.k != 1 else ''}, {_method_words(c)}"
                          for c in curves3)  # fmt: skip
        for t in sorted(set.intersection(*(set(v) for v in values))):
            parts = [v[t] for v in values]
            total = 100 * sum(parts)
            shown = " + ".join(fmt_natural("proportion", v) for v in parts)
            verdict = "about 100%" if abs(total - 100) <= COHERENCE_POINTS else f"not 100% within {COHERENCE_POINTS:g} points"
            out.append(f"{_who(curves3[0])}, {_years(t)}: {OUTCOMES[curves3[0].outcomes[0]].words} + relapse + NRM = {shown} = "  # type: ignore[arg-type]
                       f"{total:.1f}% ({verdict}; {basis})")  # fmt: skip
    return out
