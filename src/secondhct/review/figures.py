"""Forest and funnel plots of a review analysis (SVG text, deterministic).

Builds the plot input from an :class:`AnalysisResult` (labels from the
bibliography, values as extracted, derived values marked) and renders it; the
caller writes the files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..extraction.accrual import accrual_words
from ..extraction.sourcetype import SOURCE_TYPE_SHORT, source_type
from ..format import DERIVED_FOOTNOTES
from .analysis import NON_RANDOMISED, AnalysisResult
from .contrasts import contrast_words, favours, row_detail

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
    # (a contrast analysis's per-level estimates are a figure of their own: level_forest_data)
    factor = None if result.plan.contrasts_proportions else next(
        (f for f in result.factors if f.result is not None and all(len(k) >= 2 for k in f.levels.values())), None
    )
    level_of = {key: level for level, keys in factor.levels.items() for key in keys} if factor else {}
    plan = result.plan
    window = result.plan.analysis.time
    several_times = not result.plan.is_ratio and window is not None and window.exact is None and window.min != window.max
    rows = []
    for e in result.effects:
        study = result.studies[e.key]
        label = labels.get(e.key, e.key)
        if e.subgroup is not None and plan.kind.pools_proportions:
            sub = next(s for s in study.subgroups if s.id == e.subgroup)
            label = f"{label}: {sub.level}"
        label = f"{label} ({SOURCE_TYPE_SHORT[source_type(study)]})"
        note = _DERIVED["assumed_se"] if e.assumed_se else (_DERIVED["approximate"] if e.effect.approximate else None)
        rows.append(
            ForestRow(
                label=label, yi=e.effect.yi, vi=e.effect.vi, disease=", ".join(d.replace("_", " ") for d in study.population.diseases),
                patients=e.n, reported=e.reported, derived_note=note, subgroup=level_of.get(e.key),
                detail=row_detail(plan, study, e.index),
                time=(study.outcomes[e.index].time or "not stated") if several_times else "",
                accrual=accrual_words(study.study.accrual),
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
        outcome=outcome, subgroups=subgroups, subgroup_test=test, favours=favours(plan),
        detail_header="Biases" if plan.kind.non_randomised else "Cut-off; adjusted" if plan.takes_comparisons else "Cut-off",
        notes=(NON_RANDOMISED,) if plan.kind.non_randomised else (),
    )


def level_forest_data(result: AnalysisResult, labels: Mapping[str, str]) -> ForestData | None:
    """A contrast analysis's rows per level (or arm), each level's proportions pooled in a subtotal
    and the test for their difference (between reports: a comparison across studies, not within)."""
    from ..plots import ForestData, ForestRow, SubgroupTestResult
    from ..protocol.load import CONTRAST_SCALE

    factor = next((f for f in result.factors if f.result is not None), None)
    if factor is None or factor.result is None or not result.level_rows:
        return None
    words = contrast_words(result.plan) or ("", "")
    names = dict(zip(sorted(factor.result.levels), sorted(factor.result.levels)))
    wanted = result.plan.analysis.comparison
    if wanted is not None:
        names = {wanted.level: words[0], wanted.reference_level: words[1]}
    elif result.plan.analysis.alternative is not None:
        names = {"second_allo_hct": words[0], result.plan.analysis.alternative.comparator: words[1]}
    order = list(names)
    rows = []
    for r in sorted(result.level_rows, key=lambda r: (order.index(r.level) if r.level in order else len(order), r.effect.key)):
        e = r.effect
        note = _DERIVED["assumed_se"] if e.assumed_se else (_DERIVED["approximate"] if e.effect.approximate else None)
        rows.append(ForestRow(label=labels.get(e.key, e.key), yi=e.effect.yi, vi=e.effect.vi, patients=e.n, reported=e.reported,
                              derived_note=note, subgroup=names.get(r.level, r.level),
                              detail=row_detail(result.plan, result.studies[e.key], e.index),
                              accrual=accrual_words(result.studies[e.key].study.accrual)))  # fmt: skip
    test = factor.result.test
    return ForestData(
        rows=tuple(rows), pooled=None, measure=CONTRAST_SCALE[result.plan.measure],
        title=f"{result.plan.analysis.title}: each level's proportion, pooled per level (between-study comparison)",
        outcome=", ".join(o.upper() for o in result.plan.analysis.outcomes),
        subgroups=tuple((names.get(lev, lev), factor.result.results[lev]) for lev in order if lev in factor.result.results),
        subgroup_test=None if test is None else SubgroupTestResult(q=test.q, df=test.df, p=test.p, df2=test.df2),
        detail_header="Biases" if result.plan.kind.non_randomised else "Cut-off",
        notes=("the test for subgroup differences compares reports, not patients within a report",),
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
    out = {f"{result.plan.id}.rob.svg": rob_plot(result, labels)}
    forest = figure_bytes(forest_plot(data), "svg").decode("utf-8")
    out[f"{result.plan.id}.forest.svg"] = svg_with_title(
        forest, f"Forest plot: {title}",
        f"One row per report with its estimate and 95% confidence interval, then the pooled estimate. Reports: {reports}.",
    )
    levels = level_forest_data(result, labels)
    if levels is not None:
        out[f"{result.plan.id}.levels.forest.svg"] = svg_with_title(
            figure_bytes(forest_plot(levels), "svg").decode("utf-8"), f"Per-level forest plot: {title}",
            "One row per report and level with its estimate and 95% confidence interval, a subtotal per level and the test for subgroup differences.",
        )
    gosh = gosh_svg(result, labels)
    if gosh is not None:
        from .results import gosh_file

        out[gosh_file(result.plan.id)] = gosh
    era = era_svg(result, labels)
    if era is not None:
        from .results import era_file

        out[era_file(result.plan.id)] = era
    if len(result.effects) >= MIN_K_FUNNEL and result.pooled is not None:
        funnel = figure_bytes(funnel_plot(funnel_data_from_forest(data)), "svg").decode("utf-8")
        out[f"{result.plan.id}.funnel.svg"] = svg_with_title(
            funnel, f"Funnel plot: {title}",
            f"Each report's estimate against its standard error, with the pooled estimate and pseudo 95% limits. Reports: {reports}.",
        )
    return out


def gosh_svg(result: AnalysisResult, labels: Mapping[str, str]) -> str | None:
    """The GOSH plot of an analysis whose protocol asks for one (estimates back on the natural
    scale: percent for proportions, a log axis for ratios), its description naming the reports
    by their labels; None when not drawn."""
    if result.gosh is None or result.gosh.fits is None:
        return None
    import numpy as np

    from ..measures import MEASURES
    from ..plots import figure_bytes
    from ..plots.gosh import gosh_figure
    from ..plots.save import svg_with_title
    from ..stats.models import METHODS
    from ..words import outcome_words

    measure = MEASURES[result.plan.measure]
    g, fits = result.gosh, result.gosh.fits
    k = len(g.keys)
    outcome = outcome_words(result.plan.analysis.outcomes[0])
    if measure.needs_n:  # PFT: no back-transformation without each subset's sample sizes
        transform, xlabel, log_x = None, f"pooled estimate ({measure.scale_words} scale)", False
    elif measure.family_info.percent:
        transform, xlabel, log_x = (lambda y: 100 * np.asarray(measure.inverse(y))), f"pooled {outcome} (%)", False
    else:
        transform, xlabel, log_x = (lambda y: np.asarray(measure.inverse(y))), f"pooled {result.plan.measure} ({outcome})", True
    subsets = int((fits.fit.k >= 2).sum())
    fig = gosh_figure(fits, xlabel=xlabel, transform=transform, log_x=log_x,
                      title=f"GOSH: {subsets} subsets of {k} reports ({METHODS[g.method].words})")  # fmt: skip
    return svg_with_title(
        figure_bytes(fig, "svg").decode("utf-8"), f"GOSH plot: {result.plan.analysis.title}",
        f"The model refitted to each of the {subsets} subsets of 2 or more of the {k} reports ({', '.join(labels.get(key, key) for key in g.keys)}): "
        "each dot is one subset's pooled estimate against its I²; the black diamond is the fit of all reports.",
    )


def era_svg(result: AnalysisResult, labels: Mapping[str, str]) -> str | None:
    """The bubble plot of the era meta-regression (estimates back on the natural scale: percent for
    proportions, a log axis for ratios), or None when the analysis has none."""
    reg = next((s.regression for s in result.sensitivity if s.regression is not None), None)
    if reg is None:
        return None
    import numpy as np

    from ..format import fmt_num, fmt_p, fmt_percent, fmt_tau2
    from ..measures import MEASURES
    from ..plots import figure_bytes
    from ..plots.bubble import BubbleData, bubble_plot
    from ..plots.save import svg_with_title
    from ..words import outcome_words
    from .era import ERA_ORIGIN

    measure = MEASURES[result.plan.measure]
    outcome = outcome_words(result.plan.analysis.outcomes[0])
    if measure.needs_n:
        transform, ylabel = None, f"{outcome} ({measure.scale_words} scale)"
    elif measure.family_info.percent:
        transform, ylabel = (lambda y: 100 * np.asarray(measure.inverse(y))), f"{outcome} (%)"
    else:
        transform, ylabel = (lambda y: np.asarray(measure.inverse(y))), f"{result.plan.measure} ({outcome})"
    names = tuple(labels.get(k, k) for k in reg.keys)
    f = reg.fit
    note = (f"Slope {fmt_num(f.slope, 3)} per decade ({measure.scale_words} scale), {100 * f.level:g}% CI {fmt_num(f.ci_lb, 3)} to "
            f"{fmt_num(f.ci_ub, 3)}, {fmt_p(f.pval)}; residual τ² = {fmt_tau2(f.tau2)}"
            + (f", R² = {fmt_percent(f.r2)}" if f.r2 is not None else "") + ".")  # fmt: skip
    data = BubbleData(x=reg.midpoints, yi=reg.yi, weights=f.weights, labels=names, fit=f,
                      x_to_moderator=lambda x: (np.asarray(x) - ERA_ORIGIN) / 10, xlabel="midpoint of the accrual period (calendar year)",
                      ylabel=ylabel, title=f"Era: {outcome} by accrual midpoint ({f.k} reports)", spans=_spans(result, reg.keys),
                      note=note)  # fmt: skip
    fig = bubble_plot(data, transform=transform, log_y=measure.family_info.is_ratio)
    return svg_with_title(
        figure_bytes(fig, "svg").decode("utf-8"), f"Bubble plot: {result.plan.analysis.title}",
        f"Each report's estimate against the midpoint of its accrual period, circle area proportional to its weight in the "
        f"meta-regression, with the fitted line and its confidence band. Reports: {'; '.join(names)}.",
    )


def _spans(result: AnalysisResult, keys: tuple[str, ...]) -> tuple[tuple[float, float], ...]:
    """Each report's accrual period as decimal years (both bounds are stated: it has a midpoint)."""
    from ..extraction.accrual import bound_year

    out = []
    for key in keys:
        period = result.studies[key].study.accrual
        assert period is not None and period.start is not None and period.end is not None
        out.append((bound_year(period.start, end=False), bound_year(period.end, end=True)))
    return tuple(out)


def rob_plot(result: AnalysisResult, labels: Mapping[str, str]) -> str:
    """The traffic-light risk-of-bias plot of the analysis's reports (JBI for proportions, QUIPS for a
    factor's ratios, ROBINS-I for the second HCT against an alternative); a report not yet assessed is a
    row that says so."""
    from ..extraction.riskofbias import assessment, tool_for
    from ..plots.robplot import RobRow, rob_svg

    tool = tool_for(result.plan.kind.non_randomised, result.plan.is_ratio)
    rows, seen = [], set()
    for e in result.effects:
        if e.key in seen:
            continue
        seen.add(e.key)
        study = result.studies[e.key]
        rob = assessment(study, tool)
        label = f"{labels.get(e.key, e.key)} ({SOURCE_TYPE_SHORT[source_type(study)]})"
        if rob is None:
            rows.append(RobRow(label, None, None))
        else:
            rows.append(RobRow(label, {k: d.judgement for k, d in rob.domains.items()}, rob.overall.judgement))
    return rob_svg(tool, rows, f"Risk of bias: {result.plan.analysis.title}")
