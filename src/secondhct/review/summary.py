"""The evidence summary (Markdown and self-contained HTML) rendered from ``results.json`` data.

Rounding happens here and only here. Every study is cited by its Vancouver
number wherever its numbers are used; references are formatted from
``references.bib`` by citeproc-py with the NLM citation-sequence (Vancouver) style.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ..bibliography import Bibliography
from ..escape import doi_url, markdown_text
from ..extraction.schema import StudyExtraction
from ..format import fmt_natural
from ..measures import MEASURES
from ..results import ResultsDocument
from ..searchlog import COUNT_LABELS, SOURCE_WORDS, SearchLog
from ..vocabulary import Vocabulary
from .alternatives import alternatives_context
from .analysis_text import analysis_context
from .changes import Baseline, describe_changes
from .characteristics import characteristics_context
from .citations import citation_order, citation_text, vancouver
from .factors import factors_context
from .firstscreen import bottom_line, scenario_table
from .flow import ReportFlow, flow_counts, report_flow
from .kinds.base import Section
from .methods_text import methods_paragraphs
from .sof import evidence_gaps, rules_text, sof_tables
from .tables import factor_rows, second_hct_patients, source_note, study_rows

SUMMARY_MD = "evidence-summary.md"
SUMMARY_HTML = "evidence-summary.html"
#: The per-analysis detail (forest plots, included and excluded reports, sensitivity analyses, curves), kept
#: out of the main report so that it prints in few pages (issue 25).
APPENDIX_HTML = "evidence-appendix.html"


def prisma_context(log: SearchLog | None, svg: str | None, flow: ReportFlow | None = None,
                   labels: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """What prisma.md.j2 and prisma.html.j2 show: the searches, their dates, the counts the log
    states and those the build computes (``flow``), the reasons for excluding reports, the diagram."""
    if log is None:
        return None
    searches = [{"date": s.date, "source": SOURCE_WORDS[s.source], "name": s.name, "records": s.records,
                 "query": "; ".join(s.query) if isinstance(s.query, list) else s.query} for s in log.searches]
    name = (labels or {}).get
    return {
        "searches": sorted(searches, key=lambda s: s["date"]), "dates": log.search_dates, "last_search": log.last_search,
        "counts": [(label, getattr(log.screening, key)) for key, label in COUNT_LABELS] + flow_counts(flow),
        "reasons": [(reason, len(keys), ", ".join(name(k, k) for k in keys)) for reason, keys in flow.excluded.items()]
        if flow is not None else [],
        "notes": [*log.screening.notes, *log.notes], "svg": _svg_body(svg) if svg is not None else None,
    }


def kind_sections(document: ResultsDocument, cite: Mapping[str, int], labels: Mapping[str, str]) -> list[Section]:
    """The sections of the analysis kinds with records of their own (e.g. the summary curves)."""
    from .kinds import distinct

    return [s for b in distinct() if (s := b.section(document, cite, labels)) is not None]


def summary_context(
    document: ResultsDocument, studies: Sequence[StudyExtraction], bib: Bibliography, previous: Baseline | None,
    searches: SearchLog | None = None, prisma_svg: str | None = None, vocabulary: Vocabulary | None = None,
) -> dict[str, Any]:
    """Everything the templates show, already rounded and cited."""
    order = citation_order(document, studies)
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
        "analyses": [{**analysis_context(a, cite, labels), "r_script": script_of.get(a.id)} for a in document.analyses],
        "r_scripts": scripts, "r_intro": INTRO,
        "bottom_line": bottom_line(document), "scenario": scenario_table(document),
        "sof_tables": sof_tables(document), "gaps": evidence_gaps(document), "certainty_rules": rules_text(document),
        "n_analyses": len(document.analyses),
        "source_note": source_note(document),
        "methods": methods_paragraphs(document),
        "studies": study_rows(studies, labels, cite),
        "characteristics": characteristics_context(document, studies, labels, cite),
        "factors": factor_rows(studies, labels, cite),
        "prognostic": factors_context(studies, document.analyses, cite, labels, vocabulary),
        "alternatives": alternatives_context(document.analyses, studies, cite, labels),
        "sections": kind_sections(document, cite, labels),
        "prisma": prisma_context(searches, prisma_svg, report_flow(document, studies), labels),
        "changes": describe_changes(document, previous, lambda m, v: fmt_natural(MEASURES[m].family, v),
                                    {old: s.key for s in studies for old in s.study.former_keys}),
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
    svgs = {"plots": {k: _svg_body(v) for k, v in (plots or {}).items()},
            "rob_plots": {k: _svg_body(v) for k, v in (rob_plots or {}).items()}}
    files = {"appendix_file": APPENDIX_HTML, "summary_file": SUMMARY_HTML}
    page = env.get_template("summary.html.j2").render(**context, **svgs, **files)
    appendix = env.get_template("appendix.html.j2").render(**context, **svgs, **files,
                                                           page_title=f"{context['title']}: appendix")
    return {SUMMARY_MD: md, SUMMARY_HTML: page, APPENDIX_HTML: appendix}


def _svg_body(svg: str) -> str:
    """An SVG document without its XML prolog, for inline embedding."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else html.escape(svg)


