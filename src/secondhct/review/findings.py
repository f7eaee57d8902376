"""The summary of findings (GRADEpro layout): one row per analysis with a certainty rating, in plain
language, and the protocol's questions that no report answers."""

from __future__ import annotations

from typing import Any

from ..families import FAMILIES
from ..format import fmt_natural, fmt_range
from ..measures import MEASURES
from ..results import AnalysisRecord, BayesRecord, ResultsDocument
from ..words import origin_words
from .alternatives import bias_sentence

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
    if a.kind == "versus_alternative":  # both arms from one origin (contrasts refuse two), never "after a second HCT"
        origins = sorted({r.time_origin for r in a.included if r.time_origin})
        known = [origin_words(o) for o in origins if o != "not stated"]
        if known:
            return f"{span} from {' or '.join(known)}, in both arms" + ("; or time origin not stated" if len(known) < len(origins) else "")
        return f"{span}, time origin not stated" if origins else f"{span} from each report's time origin"
    return f"{span} after a second HCT"


def sof_rows(document: ResultsDocument) -> list[dict[str, Any]]:
    """The summary-of-findings table (GRADEpro layout): one row per analysis with a certainty rating.
    Absolute numbers are the estimate per 100 patients, rounded here (and only here)."""
    from ..outcomes import outcome_verbs
    from .grade import LEVEL_SYMBOLS, LEVEL_WORDS, statement

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
                "statement": f"We are very uncertain how many {who} {outcome_verbs(outcome)[1]} {when}: "
                             f"the {a.k} reports ({each}) were listed, not pooled.",
                "judged": c.judged, "conflicts": c.conflicts, "domains": [],
            })  # fmt: skip
            continue
        if FAMILIES[family].percent and est is not None and lo is not None and hi is not None:
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
        if a.kind == "versus_alternative" and a.included:  # the comparison's biases come first (issue 24)
            plain = f"{bias_sentence(a.included[0].detail)} {plain}"
        if a.covered:
            plain += f" The reports cover {a.covered}."  # generated from them, never the typed title (issue 23)
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
    for c in document.curves:  # a summary curve with no report at all
        if not c.k:
            rows.append({"id": c.id, "title": c.title, "time": "over time after a second HCT",
                         "note": "the curve's section says why each report was left out"})  # fmt: skip
    return rows
