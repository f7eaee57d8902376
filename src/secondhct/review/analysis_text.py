"""One analysis's section of the evidence summary: its headline in words (the model named, one
report is one report), its reports, sensitivity and subgroup analyses, GOSH plot and permutation tests."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..extraction.sourcetype import SOURCE_TYPE_WORDS
from ..format import DERIVED_FOOTNOTES, fmt_natural, fmt_num, fmt_p, fmt_percent, fmt_permutation, fmt_range, fmt_tau2, fmt_test, row_mark
from ..measures import MEASURES
from ..protocol.kinds import form_named
from ..results import AnalysisRecord, BayesRecord, ExcludedRow, GoshRecord, PermutationRecord, PooledRecord, RegressionRecord
from ..stats.inference import TESTS
from ..words import STAGE_WORDS, code_words, origin_words


def _frequentist_text(family: str, p: PooledRecord, k: int, patients: int) -> tuple[str, str]:
    from ..stats.models import METHODS

    common = p.method == "EE"
    head = f"{'Common-effect' if common else 'Random-effects'} estimate {fmt_natural(family, p.natural.estimate)} (95% CI {fmt_range(family, p.natural.ci_lb, p.natural.ci_ub)})"
    words = METHODS[p.method].words if p.method in METHODS else p.method
    parts = [f"{words}, {TESTS.get(p.test, p.test)}; {k} reports, {patients} patients"]
    if not common and p.natural.pi_lb is not None and p.natural.pi_ub is not None:
        parts.append(f"prediction interval {fmt_range(family, p.natural.pi_lb, p.natural.pi_ub)}")
    i2 = fmt_percent(p.i2)
    if p.i2_lb is not None and p.i2_ub is not None:
        i2 += f" (95% CI {fmt_percent(p.i2_lb)} to {fmt_percent(p.i2_ub)})"
    het = f"I² = {i2}" if common else f"τ² = {fmt_tau2(p.tau2)}, I² = {i2}"
    if p.q is not None:
        het += f"; {fmt_test(p.q, p.q_df, None, p.q_p)}"
    parts.append(het)
    return head, "; ".join(parts) + "."


def _bayes_text(family: str, b: BayesRecord, k: int, patients: int, scale: str) -> tuple[str, str]:
    level = f"{100 * b.level:g}%"
    head = (f"Bayesian random-effects estimate {fmt_natural(family, b.natural.estimate)} "
            f"({level} credible interval {fmt_range(family, b.natural.ci_lb, b.natural.ci_ub)})")  # fmt: skip
    text = (f"{k} reports, {patients} patients; {b.tau_prior} prior on the between-study SD τ, {b.mu_prior} prior on the mean "
            f"(posterior median and central intervals). For a new setting, the {level} predictive interval is "
            f"{fmt_range(family, b.natural.pi_lb, b.natural.pi_ub)}. "
            f"τ = {fmt_num(b.tau)} on the {scale} scale ({level} credible interval {fmt_num(b.tau_lb)} to {fmt_num(b.tau_ub)}).")  # fmt: skip
    for threshold, prob in b.prob_above.items():
        shown = fmt_natural(family, float(threshold))
        text += f" Probability that the mean exceeds {shown}: {fmt_num(prob)}."
    return head, text


def _headline(a: AnalysisRecord, family: str, cite: Mapping[str, int]) -> tuple[str, str]:
    """What the analysis says, in words a clinician reads: the model is named, one report is one report."""
    if a.synthesis == "none":
        return "No report gives a usable estimate.", ""
    if a.synthesis == "not_pooled":
        return f"Listed, not pooled ({a.k} report{'s' if a.k != 1 else ''}).", "See the warnings for why."
    if a.synthesis == "single_report" or a.pooled is None:
        r = a.included[0]
        head = f"One report, not pooled: {fmt_natural(family, r.natural.estimate)} (95% CI {fmt_range(family, r.natural.ci_lb, r.natural.ci_ub)})"
        n = f", {r.n} patients" if r.n is not None else ""
        return head, f"{r.label} [{cite[r.key]}]{n}. A single report is shown as it is: no pooling, no heterogeneity, no prediction interval."
    if isinstance(a.pooled, BayesRecord):
        return _bayes_text(family, a.pooled, a.k, a.patients, MEASURES[a.measure].scale_words)
    return _frequentist_text(family, a.pooled, a.k, a.patients)


def _interval_or(family: str, pooled: PooledRecord | BayesRecord | None, otherwise: str) -> tuple[str, str]:
    if pooled is None:
        return "–", otherwise
    return fmt_natural(family, pooled.natural.estimate), fmt_range(family, pooled.natural.ci_lb, pooled.natural.ci_ub)


def readable(text: str, labels: Mapping[str, str], cite: Mapping[str, int]) -> str:
    """A build message for readers: every study key in it replaced by the report's label and
    citation number (``yalniz_nd`` -> ``Yalniz [13]``)."""
    if not cite:
        return text
    return _keys_in(cite).sub(lambda m: f"{labels.get(m.group(1), m.group(1))} [{cite[m.group(1)]}]", text)


def labelled(text: str, labels: Mapping[str, str]) -> str:
    """As :func:`readable`, with labels only (a figure's footer has no citation numbers)."""
    return _keys_in(labels).sub(lambda m: labels[m.group(1)], text) if labels else text


def _keys_in(keys: Mapping[str, object]) -> re.Pattern[str]:
    """A pattern matching any of ``keys`` as a whole word, longest first."""
    ordered = sorted(keys, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in ordered) + r")(?![\w-])")


def excluded_context(excluded: Sequence[ExcludedRow], cite: Mapping[str, int], words: Callable[[str], str]) -> tuple[list[dict[str, Any]], int]:
    """The reports left out for a reason other than the population, with that reason in words, and how
    many were outside the population."""
    shown = [{"label": r.label, "ref": cite[r.key], "stage": STAGE_WORDS.get(r.stage, r.stage), "reason": words(r.reason)}
             for r in excluded if r.stage != "population"]  # fmt: skip
    return shown, sum(1 for r in excluded if r.stage == "population")


def level_words(factor: str, level: str) -> str:
    """A subgroup level in words (time origins and codes with underscores)."""
    return origin_words(level) if factor == "time_origin" else code_words(level)


def analysis_context(a: AnalysisRecord, cite: Mapping[str, int], labels: Mapping[str, str]) -> dict[str, Any]:
    family = MEASURES[a.measure].family
    words = lambda text: readable(text, labels, cite)  # noqa: E731
    ctx: dict[str, Any] = {"id": a.id, "title": a.title, "k": a.k, "patients": a.patients, "covered": a.covered,
                           "warnings": [words(w) for w in a.warnings]}  # fmt: skip
    time = a.time or {}
    ctx["time"] = time.get("exact") or (f"{time['min']} to {time['max']}" if time else "any")
    ctx["method"] = MEASURES[a.measure].title
    ctx["headline"], ctx["detail"] = _headline(a, family, cite)
    ctx["included"] = [
        {
            "label": r.label, "ref": cite[r.key], "reported": r.reported, "n": r.n if r.n is not None else "–",
            "accrual": r.accrual if r.accrual_midpoint is None else f"{r.accrual} ({r.accrual_midpoint:.1f})",
            "time": r.time or "", "estimate": fmt_natural(family, r.natural.estimate),
            "ci": fmt_range(family, r.natural.ci_lb, r.natural.ci_ub),
            "weight": "–" if r.weight is None else f"{r.weight:.1f}%",
            "source_type": SOURCE_TYPE_WORDS.get(r.source_type, r.source_type),
            "flag": row_mark(r.assumed_se, r.approximate),
        }
        for r in a.included
    ]  # fmt: skip
    ctx["excluded"], ctx["not_eligible"] = excluded_context(a.excluded, cite, words)
    ctx["sensitivity"] = []
    ctx["era"] = None
    for s in a.sensitivity:
        estimate, ci = _interval_or(family, s.pooled, words(s.note) if s.note else "no report left")
        title = words(s.title) + (f": {words(s.note)}" if s.note and s.pooled is not None else "")  # e.g. the same reports
        if s.regression is not None:
            estimate, ci = regression_words(s.regression, a.measure)
            ci = words(ci)
            title = words(s.title)
            ctx["era"] = {"figure": s.regression.figure, "caption": words(era_caption(s.regression))}
        ctx["sensitivity"].append({"title": title, "k": len(s.keys), "estimate": estimate, "ci": ci})
    ctx["factors"] = []
    # the per-level estimates of a contrast analysis are proportions (its own measure is their ratio)
    reads_comparisons = bool(a.included) and a.included[0].source.startswith("comparisons")
    level_family = "proportion" if form_named(a.kind, reads_comparisons).contrasts_proportions else family
    for f in a.subgroup_factors:
        levels = []
        for lev, keys in f.levels.items():
            estimate, ci = _interval_or(level_family, f.pooled.get(lev), "–")
            shown = f"{estimate} ({ci})" if ci != "–" else "no pooled estimate"
            levels.append({"level": level_words(f.factor, lev), "k": len(keys), "shown": shown})
        test = fmt_test(f.test.q, f.test.df, f.test.df2, f.test.p) if f.test else f.note or "not computed (too few reports per level)"
        if level_family != family:  # ICEMAN (Schandelmaier et al. CMAJ 2020): compares reports, not levels within a report
            test += " (between-study: it compares reports with each other; the within-report contrast is the result)"
        ctx["factors"].append({"factor": code_words(f.factor), "levels": levels, "test": words(test),
                               "permutation": permutation_words(f.permutation)})  # fmt: skip
    ctx["gosh"] = gosh_words(a.gosh, family)
    used = {r["flag"] for r in ctx["included"]}
    ctx["footnotes"] = [f"{mark} {text[0].upper()}{text[1:]}." for mark, text in DERIVED_FOOTNOTES.values() if mark in used]
    return ctx


def regression_words(r: RegressionRecord, measure: str) -> tuple[str, str]:
    """The era meta-regression as the sensitivity table's two cells: the slope per decade on the
    analysis scale, then its CI, p-value, residual τ² and R² (and, on a logit or log scale, the slope
    as a ratio per decade)."""
    m = MEASURES[measure]
    level = f"{100 * r.level:g}% CI"
    estimate = f"slope {fmt_num(r.slope, 3)} per decade ({m.scale_words} scale)"
    parts = [f"{level} {fmt_num(r.ci_lb, 3)} to {fmt_num(r.ci_ub, 3)}, {fmt_p(r.pval)}"]
    ratio = {"logit": "odds ratio"}.get(m.scale_words) or (m.scale_words.removeprefix("log ") if m.family_info.is_ratio else None)
    if ratio and r.slope is not None and r.ci_lb is not None and r.ci_ub is not None:
        parts.append(f"{ratio} per decade {fmt_num(math.exp(r.slope))} ({fmt_num(math.exp(r.ci_lb))} to {fmt_num(math.exp(r.ci_ub))})")
    het = f"residual τ² = {fmt_tau2(r.tau2)} (without the moderator: {fmt_tau2(r.tau2_null)})"
    if r.r2 is not None:
        het += f", R² = {fmt_percent(r.r2)}"
    parts.append(het)
    if r.not_stated:
        parts.append(f"accrual not stated: {', '.join(r.not_stated)}")
    return estimate, "; ".join(parts)


def era_caption(r: RegressionRecord) -> str:
    """The bubble plot's caption: what it shows and how far to trust it."""
    from ..stats.models import METHODS

    words = METHODS[r.method].words if r.method in METHODS else r.method
    return (f"Bubble plot: each report's estimate against the midpoint of its accrual period (circle area ∝ weight), "
            f"with the meta-regression line ({words}, {TESTS.get(r.test, r.test)}; {r.k} reports) and its confidence band. "
            "An association across reports (ecological), not the effect of calendar time on a patient; with few "
            "reports it is exploratory.")  # fmt: skip


def permutation_words(t: PermutationRecord | None) -> str:
    """The permutation test of a subgroup factor in words ("" when the protocol does not ask)."""
    from ..stats.inference import TESTS
    from ..stats.models import METHODS

    if t is None:
        return ""
    statistic = "Q statistic" if t.test == "z" else f"{TESTS[t.test]} F statistic"
    model = f"{METHODS[t.method].words} τ², {statistic}"
    return fmt_permutation(t.p, t.permutations, t.exact, t.seed, model)


def gosh_words(g: GoshRecord | None, family: str) -> dict[str, str] | None:
    """The GOSH figure's caption, or why it was not drawn (None when the protocol does not ask)."""
    from ..stats.models import METHODS

    if g is None:
        return None
    if g.figure is None:
        return {"figure": "", "caption": f"GOSH plot {g.note}."}
    spread = f"pooled estimates {fmt_range(family, g.estimate_min, g.estimate_max)}, " if g.estimate_min is not None else ""
    return {"figure": g.figure, "caption": (
        f"GOSH plot: the model ({METHODS[g.method].words}) refitted to each of the {g.subsets} subsets of 2 or more of the "
        f"{g.k} reports; {spread}I² {fmt_percent(g.i2_min)} to {fmt_percent(g.i2_max)}. The black diamond is the fit of "
        "all reports; a cluster of subsets apart from the rest would point to reports that drive the heterogeneity.")}
