"""The figure of a curve analysis: the primary model's curve over the range of reported times
(predicted on a grid, never extrapolated), its bands, and the reports' own values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...outcomes import OUTCOMES
from .curve import CurveResult, Fitted, curve_rows, outcome_values

#: Points of the grid the curve is drawn on, over the range of reported times.
GRID_POINTS = 60


def _grid_predictions(f: Fitted, t_lo: float, t_hi: float) -> list[Any]:
    """The model's predictions on a grid over [t_lo, t_hi] (the categorical model: at its own times)."""
    from ...stats.curve import predict
    from ...stats.curve_bayes import predict_bayes

    if f.fit.time_model == "categorical":
        grid = [float(t) for t in f.fit.times]
    else:
        grid = [t_lo + (t_hi - t_lo) * i / (GRID_POINTS - 1) for i in range(GRID_POINTS)] if t_hi > t_lo else [t_lo]
    out = predict_bayes(f.fit, grid) if f.fit.method == "BAYES" else predict(f.fit, grid)
    return list(out.predictions)


def figure_data(result: CurveResult, labels: Mapping[str, str]) -> Any:
    """The :class:`~secondhct.plots.curve.CurveFigureData` of a curve analysis."""
    from ...plots.curve import CurveFigureData, ReportPoints

    by_key: dict[str, list[Any]] = {}
    for e in result.effects:
        by_key.setdefault(e.key, []).append(e)
    rows = curve_rows(result.plan, result.effects, result.studies)
    reports = []
    for key, effects in by_key.items():
        pairs = sorted((r.time, e.effect.yi) for r, e in zip(rows, result.effects) if e.key == key)
        reports.append(ReportPoints(labels.get(key, key), tuple(t for t, _ in pairs), tuple(v for _, v in pairs), effects[0].n))
    outcome = OUTCOMES[result.plan.analysis.outcomes[0]].words
    ylabel = f"{outcome[0].upper()}{outcome[1:]} (%)"
    f = result.primary
    title, shown = result.plan.analysis.title, tuple(reports)
    if f is None or f.fit is None or not rows:
        why = (f"No curve: {f.note}.",) if f is not None and f.fit is None else ()
        return CurveFigureData(title, ylabel, shown, footer=(*why, *(_readable(w, labels) for w in result.warnings)))
    times = [float(t) for t in result.data.time] if result.data is not None else [r.time for r in rows]  # the modelled rows
    preds = _grid_predictions(f, min(times), max(times))
    bayes = f.fit.method == "BAYES"
    value, lb, ub, plb, pub = zip(*(outcome_values(p, result.incidence) for p in preds))
    footer = (f"Model: {f.title}. Curve drawn over the reported times only ({min(times):g} to {max(times):g} years).",
              *(_readable(w, labels) for w in result.warnings))  # fmt: skip
    return CurveFigureData(title, ylabel, shown, grid=tuple(float(p.time) for p in preds), value=tuple(value), lb=tuple(lb), ub=tuple(ub),
                           pred_lb=tuple(plb) if result.synthesis != "single_report" else (),
                           pred_ub=tuple(pub) if result.synthesis != "single_report" else (),
                           interval_words="95% credible interval" if bayes else "95% CI", footer=footer)  # fmt: skip


def _readable(text: str, labels: Mapping[str, str]) -> str:
    """A warning with report keys replaced by their labels."""
    from ..analysis_text import labelled

    words = labelled(text, labels)
    return words[:1].upper() + words[1:]


def curve_file(analysis_id: str) -> str:
    """The curve figure's file name in outputs/."""
    return f"{analysis_id}.curve.svg"


def curve_figures(result: CurveResult, labels: Mapping[str, str]) -> dict[str, str]:
    """``{"<id>.curve.svg": svg}`` (empty without a report)."""
    if not result.effects:
        return {}
    from ...plots import figure_bytes
    from ...plots.curve import curve_figure
    from ...plots.save import svg_with_title

    data = figure_data(result, labels)
    names = "; ".join(r.label for r in data.reports)
    svg = figure_bytes(curve_figure(data), "svg").decode("utf-8")
    return {curve_file(result.plan.id): svg_with_title(
        svg, f"Summary curve: {result.plan.analysis.title}",
        f"The summary curve with its interval and prediction bands over the reported times, and each report's values. Reports: {names}.",
    )}  # fmt: skip
