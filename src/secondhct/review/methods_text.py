"""The summary's methods paragraphs, every statement about a model generated from the protocol's
settings and the result records, so that changing the protocol changes the text.

The estimator and test of each analysis (``method``, ``test``), its measure (the scale a
proportion is pooled on), the few-studies rule (``max_k``, the priors on τ and μ), the
permutation tests' refit estimator and the rules' constants (no frequentist prediction interval
below :data:`~secondhct.review.rules.MIN_K_FREQUENTIST_PI` reports, funnel plots from
:data:`~secondhct.review.figures.MIN_K_FUNNEL`) are read, never written out here. Each model
is named with its source (the registries' ``citation`` and
:data:`~secondhct.stats.inference.TEST_CITATIONS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..format import DERIVED_FOOTNOTES
from ..measures import MEASURES
from ..results import AnalysisRecord, ResultsDocument
from ..stats.inference import TEST_CITATIONS, TEST_PHRASES
from ..words import outcome_words
from .rules import MIN_K_FREQUENTIST_PI

_ANALYSES = ("analysis", "analyses")
_TESTS = ("test", "tests")


def synonym_paragraph(document: ResultsDocument) -> str:
    """The outcomes pooled together as one (said once, not in every analysis)."""
    groups = {tuple(a.outcomes) for a in document.analyses if len(a.outcomes) > 1}
    if not groups:
        return ""
    said = "; ".join(f"{outcome_words(g[0])} together with {', '.join(outcome_words(o) for o in g[1:])}" for g in sorted(groups))
    return (f"Some analyses take outcomes that reports name differently as one outcome: {said}. Where an analysis "
            "or an exclusion reason says 'or a synonym', it means this list.")  # fmt: skip


def model_words(method: str, test: str, *, cite: bool = True) -> str:
    """A frequentist model in words: ``REML with the ad hoc Knapp-Hartung adjustment (Knapp & Hartung 2003, ...)``."""
    from ..stats.models import METHODS

    words = METHODS[method].words if method in METHODS else method
    phrase = TEST_PHRASES.get(test, f"with the {test} test")
    source = f" ({TEST_CITATIONS[test]})" if cite and test in TEST_CITATIONS else ""
    return f"{words} {phrase}{source}"


def _counted(items: Iterable[str], noun: tuple[str, str]) -> str:
    """Distinct items in order of frequency; with more than one, each with how many (``noun``: singular, plural)."""
    counts = Counter(items)
    if len(counts) == 1:
        return next(iter(counts))
    return " or ".join(f"{item} ({n} {noun[0] if n == 1 else noun[1]})" for item, n in counts.most_common())


def frequentist_models(analyses: Iterable[AnalysisRecord], *, cite: bool = True) -> str:
    """The analyses' frequentist models (the protocol's method and test for each), in words."""
    return _counted((model_words(a.method, a.test, cite=cite) for a in analyses), _ANALYSES)


def scale_sentence(analyses: Iterable[AnalysisRecord]) -> str:
    """How proportions are pooled: the scale of the measures the proportion analyses use."""
    measures = [MEASURES[a.measure] for a in analyses if MEASURES[a.measure].family_info.percent]
    if not measures:
        return ""
    scales = _counted((m.scale_words if m.transformed else "untransformed" for m in measures), _ANALYSES)
    how = "as untransformed proportions" if scales == "untransformed" else f"on the {scales} scale and back-transformed"
    return f"Proportions are pooled {how}; intervals of single reports are Wald intervals on that scale."


def methods_paragraphs(document: ResultsDocument) -> list[str]:
    """How the reports were combined, with the assumptions and references, in the protocol's own settings."""
    from ..stats.priors import parse_mu_prior, parse_tau_prior
    from .figures import MIN_K_FUNNEL

    few = document.few_studies
    tau = parse_tau_prior(few["tau_prior"]).describe()
    wide = parse_tau_prior(few["sensitivity_tau_prior"]).describe()
    mu = parse_mu_prior(few["mu_prior"]).describe()
    k = few["max_k"]
    pooling = document.analyses
    return [
        "One report is shown as it was reported and never called a pooled estimate. Reports whose time points differ "
        "by more than the protocol's limit are listed, not pooled; reports of selected cohorts (for example second "
        "remission only) are left out of the primary analyses and shown in a sensitivity analysis.",
        f"With 2 to {k} reports the primary result is a Bayesian random-effects meta-analysis (normal-normal hierarchical "
        f"model) with a {tau} prior on the between-study standard deviation τ and a {mu} prior on the mean, computed "
        "exactly by numerical integration over τ (no simulation), as the R package bayesmeta does (Röver 2020, J Stat "
        "Softw 93(6)); weakly informative priors for few studies follow Friede et al. 2017 (Biom J 59:658-671) and "
        "Röver et al. 2021 (Res Synth Methods 12:448-474). The model assumes that the settings' true outcomes are "
        "exchangeable draws from one normal distribution on the analysis scale. Results are posterior medians with "
        f"central 95% credible intervals, and a 95% predictive interval for a new setting. Beside it: "
        f"{frequentist_models(pooling)}, the common-effect model (which assumes "
        f"no between-study heterogeneity), and the Bayesian model under a wider {wide} prior.",
        f"With more than {k} reports the primary result is {frequentist_models(pooling, cite=False)} and a "
        "prediction interval (IntHout et al. 2016, BMJ Open 6:e010247); the Bayesian model is a sensitivity analysis. "
        f"No frequentist prediction interval is given below {MIN_K_FREQUENTIST_PI} reports."
        + "".join(f" {s}" for s in [scale_sentence(pooling)] if s),
        *filter(None, [synonym_paragraph(document)]),
        f"Funnel plots are drawn only for analyses of at least {MIN_K_FUNNEL} reports: with fewer, asymmetry "
        "cannot be told from chance (Sterne et al. 2011, BMJ 343:d4002, recommend at least 10 for a test).",
        *batch_paragraphs(document),
        *era_paragraphs(document),
        "Marks in tables and forest plots: "
        + "; ".join(f"{mark} {text}" for mark, text in DERIVED_FOOTNOTES.values()) + ".",
    ]  # fmt: skip


def batch_paragraphs(document: ResultsDocument) -> list[str]:
    """How the permutation tests and GOSH plots were computed (only when some analysis has one)."""
    from ..stats.models import METHODS

    out = []
    permuted = [(a, f.permutation) for a in document.analyses for f in a.subgroup_factors if f.permutation is not None]
    if permuted:
        refits = _counted((METHODS[p.method].words for _, p in permuted), _TESTS)
        estimators = _counted((METHODS[a.method].words for a, _ in permuted), _TESTS)
        out.append(
            "Where the protocol asks, the test for subgroup differences is also given as a permutation test (Higgins & "
            "Thompson 2004, Stat Med 23:1663-1682; as metafor's permutest): the reports' subgroup levels are permuted, the "
            "meta-regression on the level is refitted to each permutation, and the p-value is the share of permutations "
            "whose statistic reaches the observed one (the observed order counts as one). Every distinct permutation is "
            "enumerated when there are at most as many as the protocol allows (exact), otherwise a random sample with a "
            "fixed seed is drawn (reproducible). With few reports the p-value cannot fall below one over the number of "
            f"distinct permutations. The refits use the closed-form {refits} τ², computed for all "
            "permutations at once with PyMARE, and the analysis's test statistic; the subgroup test beside it uses the "
            f"analysis's estimator ({estimators})."
        )  # fmt: skip
    goshes = [a.gosh for a in document.analyses if a.gosh is not None]
    if goshes:
        reml = " (REML to about 2e-7 relative of the exact fit, ample for a plot)" if any(g.method == "REML" for g in goshes) else ""
        out.append(
            "Where the protocol asks, a GOSH plot (graphical display of study heterogeneity; Olkin, Dahabreh & Trikalinos "
            "2012, Res Synth Methods 3:214-223; as metafor's gosh) shows the random-effects model refitted to every subset "
            "of 2 or more of the reports, each subset's pooled estimate against its I²; all subsets are fitted at once with "
            f"PyMARE's vectorised estimators{reml}."
        )  # fmt: skip
    return out


def _plural(n: int, noun: tuple[str, str]) -> str:
    return f"{n} {noun[0] if n == 1 else noun[1]}"


def era_paragraphs(document: ResultsDocument) -> list[str]:
    """How era was examined (only when some analysis registers the era sensitivity analyses): the
    accrual midpoint, the meta-regression with its model and caveats, the recent-period rule."""
    regs = [(a, s) for a in document.analyses for s in a.sensitivity if s.name == "era_meta_regression"]
    recent = [(a, s) for a in document.analyses for s in a.sensitivity if s.name == "recent_era"]
    if not regs and not recent:
        return []
    out = [
        "Era. Each report's accrual period is shown with its midpoint (the first and last month or year counted in "
        "full; not stated when either bound is missing, never guessed) in every analysis table and forest plot."
    ]
    if regs:
        ran = [a for a, s in regs if s.regression is not None]
        titles = "; ".join(sorted({s.title for _, s in regs}))
        models = frequentist_models([a for a, _ in regs])
        out[0] += (
            f" A registered sensitivity analysis, the {titles}, is a mixed-effects meta-regression of the effect sizes on the "
            f"midpoint in decades ({models}, as metafor's rma with mods = ~ era), reported as the slope per decade with "
            "its confidence interval and p-value, the residual τ² and the share of τ² it accounts for (R²), and drawn as "
            "a bubble plot. The association is across reports, not patients (ecological), the midpoint stands for a "
            "spread of transplant years, and era travels with donor, conditioning and supportive care; with few reports "
            "such a regression has little power and is prone to false positives, so it is exploratory (Thompson & "
            f"Higgins 2002, Stat Med 21:1559-1573; Higgins & Thompson 2004, Stat Med 23:1663-1682). It ran in "
            f"{_plural(len(ran), _ANALYSES) if ran else 'no analysis'}"
            + (f"; in {_plural(len(regs) - len(ran), _ANALYSES)} with enough reports, too few stated their accrual period."
               if len(regs) > len(ran) else ".")
        )  # fmt: skip
    if recent:
        used = sum(1 for _, s in recent if s.pooled is not None)
        out.append(
            "Where a report gives its estimate by calendar period, a registered sensitivity analysis takes its most "
            "recent period in place of its whole cohort (a report with period rows only enters there, under the same "
            "overlap rule). A period's row is weighted by its own numbers only (its SE, CI, counts or its number of "
            "patients): the whole cohort's size never stands in for a period's, so a period printed without them is "
            f"named and left out. Reports gave period rows for {_plural(len(recent), _ANALYSES)}; "
            + (f"{used} could be pooled." if used else "none could be weighted.")
        )  # fmt: skip
    return out
