"""The first screen of the summary: a five-sentence bottom line and the expected outcome by scenario.

Both are generated from ``results.json`` (never typed): survival at 2 and 5 years for children and
adults, relapse and non-relapse mortality, the prognostic factors whose interval excludes no effect,
and the questions no report answers; then, for child/adult × ALL/AML × relapse < 6 vs ≥ 6 months after
the first HCT × CR vs not at the second HCT, the best available estimate with its source and certainty,
or "no evidence". Wording by certainty follows Santesso N, et al. J Clin Epidemiol 2020;119:126-135.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..extraction.timepoint import parse_time_point
from ..families import FAMILIES
from ..measures import MEASURES
from ..outcomes import outcome_verbs
from ..results import AnalysisRecord, ResultsDocument
from .findings import when_words, who_words
from .grade import LEVEL_SYMBOLS, LEVEL_WORDS
from .sof import evidence_gaps, ratio_statement

SURVIVAL = ("os",)
SCENARIOS = (("< 6 months", "CR"), ("< 6 months", "not in CR"), ("≥ 6 months", "CR"), ("≥ 6 months", "not in CR"))


def _years(text: str | None) -> float | None:
    months = None if text is None else parse_time_point(text).months
    return None if months is None else months / 12


def _covers(a: AnalysisRecord, year: float) -> bool:
    time = a.time or {}
    lo, hi = _years(time.get("min") or time.get("exact")), _years(time.get("max") or time.get("exact"))
    return lo is not None and hi is not None and lo <= year <= hi


def _people(a: AnalysisRecord) -> str:
    return who_words(a).split()[0]


def pick(document: ResultsDocument, people: str, outcomes: Iterable[str], year: float, disease: str | None = None) -> AnalysisRecord | None:
    """The analysis that best answers "how many ``people`` (with ``disease``) have ``outcomes`` at ``year``":
    a proportion with evidence, of those people, whose window covers the year; the narrowest disease
    set that holds ``disease`` (any set without one), then the most patients."""
    codes = set(outcomes)
    found = [a for a in document.analyses if a.kind == "proportion" and a.k and a.certainty is not None
             and _people(a) == people and a.outcomes[0] in codes and _covers(a, year)
             and (disease is None or disease in a.population.get("diseases", []))]  # fmt: skip
    if not found:
        return None
    if disease is None:
        return max(found, key=lambda a: (len(a.population.get("diseases", [])), a.patients))
    return min(found, key=lambda a: (len(a.population.get("diseases", [])), -a.patients))


def _per100(a: AnalysisRecord) -> str:
    est = a.pooled.natural.estimate if a.pooled is not None else a.included[0].natural.estimate
    return f"about {100 * est:.0f} in 100" if est is not None else "no estimate"


def certainty_tag(level: str) -> str:
    """ "⊕⊕◯◯ low certainty"; very low adds GRADE's "very uncertain"."""
    return f"{LEVEL_SYMBOLS[level]} {LEVEL_WORDS[level]} certainty" + (": very uncertain" if level == "very_low" else "")


def claim(a: AnalysisRecord, when: bool = True) -> str:
    """ "about 28 in 100 children with acute leukemia may be alive at 2 to 3 years (⊕⊕◯◯ low certainty)": the verb
    hedged by the certainty (Santesso 2020), the level named beside it."""
    assert a.certainty is not None
    level = a.certainty.level
    base, plain = outcome_verbs(a.outcomes[0])
    verb = {"high": plain, "moderate": plain.replace(" ", " probably ", 1), "low": f"may {base}", "very_low": plain}[level]
    at = f" at {when_words(a).replace(' after a second HCT', '')}" if when else ""
    return f"{_per100(a)} {who_words(a)} {verb}{at} ({certainty_tag(level)})"


def _survival_sentence(document: ResultsDocument, people: str) -> str:
    early, late = pick(document, people, SURVIVAL, 2), pick(document, people, SURVIVAL, 5)
    if early is None and late is None:
        return f"No report gives the survival of {people} after a second HCT."
    parts = [claim(a) for a in (early, late) if a is not None]
    missing = "" if early and late else f"; no report gives it at {'5' if early else '2'} years"
    text = " and ".join(parts) + missing + "."
    return f"After a second HCT, {text}" if people == "children" else text[0].upper() + text[1:]


def _failure_sentence(document: ResultsDocument) -> str:
    for people in ("adults", "patients", "children"):
        relapse, nrm = pick(document, people, ("relapse",), 2), pick(document, people, ("nrm", "trm"), 2)
        if relapse is not None and nrm is not None:
            r = relapse.pooled.natural.estimate if relapse.pooled else relapse.included[0].natural.estimate
            n = nrm.pooled.natural.estimate if nrm.pooled else nrm.included[0].natural.estimate
            main = ": relapse, more than transplant toxicity, is how a second HCT fails" if r and n and r > n else ""
            return f"At {when_words(relapse)}, {claim(relapse, False)}, and {claim(nrm, False)}{main}."
    return "No report gives both relapse and non-relapse mortality after a second HCT."


def _factor_sentence(document: ResultsDocument) -> str:
    shown = []
    for a in document.analyses:
        if a.certainty is None or not a.k or a.pooled is None and a.k != 1 or FAMILIES[MEASURES[a.measure].family].percent:
            continue
        est = a.pooled.natural if a.pooled is not None else a.included[0].natural
        if est.ci_lb is not None and est.ci_ub is not None and (est.ci_ub < 1 or est.ci_lb > 1):
            text = ratio_statement(a, a.certainty.level, short=True).rstrip(".")
            shown.append(text[0].lower() + text[1:])
    if not shown:
        return "No prognostic factor or comparison has an interval that excludes no difference."
    return "Factors and comparisons: " + "; ".join(shown[:2]) + "."


def _unknown_sentence(document: ResultsDocument) -> str:
    gaps = evidence_gaps(document)
    if not gaps:
        return "Every question of the protocol has at least one report."
    critical = {i for t in document.summary_of_findings for i in t.analyses}
    first = [g for g in gaps if g["id"] in critical] + [g for g in gaps if g["id"] not in critical]
    named = "; ".join(g["title"].split(":")[0].replace(" after a second allogeneic HCT", "") for g in first[:3])
    total = len(document.analyses) + len(document.curves)
    return f"No report answers {len(gaps)} of the protocol's {total} questions, among them: {named}."


def bottom_line(document: ResultsDocument) -> list[str]:
    """Five sentences: children's and adults' survival at 2 and 5 years, relapse and NRM, factors, what is unknown."""
    return [_survival_sentence(document, "children"), _survival_sentence(document, "adults"), _failure_sentence(document),
            _factor_sentence(document), _unknown_sentence(document)]  # fmt: skip


def _cell(a: AnalysisRecord | None) -> dict[str, Any]:
    if a is None:
        return {"text": "no evidence", "source": "", "symbol": "", "level": "", "note": ""}
    assert a.certainty is not None
    return {"text": f"{_per100(a)} alive at {when_words(a).replace(' after a second HCT', '')}", "source": a.id,
            "symbol": LEVEL_SYMBOLS[a.certainty.level], "level": LEVEL_WORDS[a.certainty.level],
            "note": f"{who_words(a)}, {a.k} report{'s' if a.k != 1 else ''}, {a.patients} patients"}  # fmt: skip


def scenario_table(document: ResultsDocument) -> dict[str, Any]:
    """Expected survival by scenario. No record of ``results.json`` is specific to relapse timing or
    remission within an age group and disease, so each scenario takes the best estimate for its age
    group and disease (cells that agree are merged, ``span``), and the factor evidence is listed below."""
    rows = []
    for people in ("children", "adults"):
        for disease in ("ALL", "AML"):
            best = pick(document, people, SURVIVAL, 2, disease) or pick(document, people, SURVIVAL, 5, disease)
            cell = _cell(best)
            rows.append({"people": people, "disease": disease, "cells": [{**cell, "span": len(SCENARIOS)}]})
    factors = [f"{a.title}: {ratio_statement(a, a.certainty.level)} ({LEVEL_SYMBOLS[a.certainty.level]} {LEVEL_WORDS[a.certainty.level]})"
               for a in document.analyses if a.certainty is not None and a.k and a.kind in ("factor_ratio", "factor_levels")]  # fmt: skip
    return {"scenarios": [f"relapse {t} after the first HCT, {r} at the second HCT" for t, r in SCENARIOS], "rows": rows,
            "factors": factors}  # fmt: skip
