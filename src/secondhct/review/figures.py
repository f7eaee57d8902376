"""Forest and funnel plots of a review analysis (SVG text, deterministic).

Builds the plot input from an :class:`AnalysisResult` (labels from the
bibliography, values as extracted, derived values marked) and renders it; the
caller writes the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..format import DERIVED_FOOTNOTES
from .analysis import AnalysisResult

#: Funnel plots are drawn from this many reports on: with fewer, asymmetry cannot be told
#: from chance (Sterne et al., BMJ 2011;343:d4002, recommend at least 10 for tests).
MIN_K_FUNNEL = 5

if TYPE_CHECKING:  # matplotlib is imported only where a plot is drawn
    from ..plots import ForestData, ForestRow

_DERIVED = {name: words for name, (_, words) in DERIVED_FOOTNOTES.items()}


def forest_data(result: AnalysisResult, labels: Mapping[str, str]) -> ForestData | None:
    """The :class:`~secondhct.plots.ForestData` of an analysis, or None when no report has an effect size."""
    from ..plots import ForestData, ForestRow, SubgroupTestResult

    if not result.effects:
        return None
    # subtotals only where every level pools at least two reports (a level of one report is that report)
    factor = next((f for f in result.factors if f.result is not None and all(len(k) >= 2 for k in f.levels.values())), None)
    level_of = {key: level for level, keys in factor.levels.items() for key in keys} if factor else {}
    window = result.plan.analysis.time
    several_times = not result.plan.is_ratio and window is not None and window.exact is None and window.min != window.max
    rows = []
    for e in result.effects:
        study = result.studies[e.key]
        label = labels.get(e.key, e.key)
        if e.subgroup is not None:
            sub = next(s for s in study.subgroups if s.id == e.subgroup)
            label = f"{label}: {sub.level}"
        note = _DERIVED["assumed_se"] if e.assumed_se else (_DERIVED["approximate"] if e.effect.approximate else None)
        rows.append(
            ForestRow(
                label=label, yi=e.effect.yi, vi=e.effect.vi, disease=", ".join(d.replace("_", " ") for d in study.population.diseases),
                patients=e.n, reported=e.reported, derived_note=note, subgroup=level_of.get(e.key),
                time=(study.outcomes[e.index].time or "not stated") if several_times else "",
            )
        )
    pooled = result.pooled.result if result.pooled else None
    if pooled is not None and pooled.weights is not None:
        rows = [r if r.weight is not None else _with_weight(r, w) for r, w in zip(rows, pooled.weights)]
    subgroups: tuple[tuple[str, Any], ...] = ()
    test = None
    if factor is not None and factor.result is not None:
        order = list(factor.result.levels)
        rows.sort(key=lambda r: order.index(r.subgroup) if r.subgroup in order else len(order))
        subgroups = tuple((lev, factor.result.results[lev]) for lev in order)
        if factor.result.test is not None:
            t = factor.result.test
            test = SubgroupTestResult(q=t.q, df=t.df, p=t.p, df2=t.df2)
    outcome = ", ".join(o.upper() for o in result.plan.analysis.outcomes)
    return ForestData(
        rows=tuple(rows), pooled=pooled, measure=result.plan.measure, title=result.plan.analysis.title,
        outcome=outcome, subgroups=subgroups, subgroup_test=test,
    )


def _with_weight(row: ForestRow, weight: float) -> ForestRow:
    from dataclasses import replace

    return replace(row, weight=float(weight))


def render_figures(result: AnalysisResult, labels: Mapping[str, str]) -> dict[str, str]:
    """``{"<id>.forest.svg": svg, "<id>.funnel.svg": svg}`` (empty when nothing can be drawn)."""
    data = forest_data(result, labels)
    if data is None:
        return {}
    from ..plots import figure_bytes, forest_plot
    from ..plots.funnel import funnel_data_from_forest, funnel_plot
    from ..plots.save import svg_with_title

    title = result.plan.analysis.title
    reports = "; ".join(r.label for r in data.rows)
    out = {}
    forest = figure_bytes(forest_plot(data), "svg").decode("utf-8")
    out[f"{result.plan.id}.forest.svg"] = svg_with_title(
        forest, f"Forest plot: {title}",
        f"One row per report with its estimate and 95% confidence interval, then the pooled estimate. Reports: {reports}.",
    )
    if len(result.effects) >= MIN_K_FUNNEL and result.pooled is not None:
        funnel = figure_bytes(funnel_plot(funnel_data_from_forest(data)), "svg").decode("utf-8")
        out[f"{result.plan.id}.funnel.svg"] = svg_with_title(
            funnel, f"Funnel plot: {title}",
            f"Each report's estimate against its standard error, with the pooled estimate and pseudo 95% limits. Reports: {reports}.",
        )
    return out
