"""Summary-of-findings tables as GRADEpro draws them, one per population, from ``results.json``.

Each table holds the protocol's critical outcomes (``summary_of_findings:``, at most 7, in its order):
outcome, patients (reports), certainty with its symbol, the estimate, the absolute effect per 100 and
a plain-language statement in GRADE's wording (Santesso N, et al. J Clin Epidemiol 2020;119:126-135);
every domain rated down carries a footnote with the build's reason (Guyatt GH, et al. J Clin Epidemiol
2013;66:158-172). Outcomes without evidence go to the evidence-gaps list after the tables. Each table
is also written as CSV and JSON (``sof-<id>.csv``, ``sof-<id>.json``) beside the HTML.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..families import FAMILIES
from ..format import fmt_natural, fmt_range
from ..measures import MEASURES
from ..outcomes import OUTCOMES
from ..results import AnalysisRecord, BayesRecord, ResultsDocument
from .findings import when_words, who_words
from .grade import DOMAIN_WORDS, LEVEL_SYMBOLS, LEVEL_WORDS, OIS_EVENTS, RATING_STEPS, statement

#: Starting levels in words, by the record's start (GRADE for prognosis and for interventions).
START_WORDS = {"high": "high (cohort evidence on prognosis: Iorio 2015, Foroutan 2020)",
               "low": "low (non-randomised comparison of interventions: Balshem 2011)"}  # fmt: skip
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Columns of the CSV and JSON exports, in order.
EXPORT_COLUMNS = ("outcome", "analysis", "time", "reports", "patients", "certainty", "estimate", "absolute", "statement", "footnotes")


def _interval(a: AnalysisRecord) -> tuple[float | None, float | None, float | None]:
    if a.pooled is not None:
        return a.pooled.natural.estimate, a.pooled.natural.ci_lb, a.pooled.natural.ci_ub
    r = a.included[0]
    return r.natural.estimate, r.natural.ci_lb, r.natural.ci_ub


def absolute(a: AnalysisRecord) -> str:
    """The absolute effect per 100 ("about 28 in 100 (16 to 43)"), or "–" for a ratio."""
    est, lo, hi = _interval(a)
    if not FAMILIES[MEASURES[a.measure].family].percent or est is None or lo is None or hi is None:
        return "–"
    return f"about {100 * est:.0f} in 100 ({100 * lo:.0f} to {100 * hi:.0f})"


def ratio_statement(a: AnalysisRecord, level: str, short: bool = False) -> str:
    """GRADE's wording for a ratio: which side the interval favours, or no clear difference
    (``short``: the estimate and the number of reports only, for the bottom line)."""
    family = MEASURES[a.measure].family
    est, lo, hi = _interval(a)
    figure = f"{a.measure} {fmt_natural(family, est)}, 95% {'CrI' if isinstance(a.pooled, BayesRecord) else 'CI'} {fmt_range(family, lo, hi)}"
    if a.k == 1 and a.measure == "HR":
        figure = f"{a.included[0].reported}, as printed"
    if short:
        figure = f"{a.measure} {fmt_natural(family, est)}, {a.k} report{'s' if a.k != 1 else ''}"
        figure += ", non-randomised" if a.contrast is not None and a.contrast.non_randomised else ""
    outcome = OUTCOMES[a.outcomes[0]].words if a.outcomes[0] in OUTCOMES else "the outcome"
    c = a.contrast
    if c is None or lo is None or hi is None:
        return f"{a.title}: {figure}."
    side = c.favours_below_1 if hi < 1 else c.favours_above_1 if lo > 1 else None
    tail = " (a non-randomised comparison: not the effect of the choice)" if c.non_randomised and not short else ""
    if level == "very_low":
        claim = f"{outcome} is better with {side}" if side else f"{outcome} differs between {c.group} and {c.reference}"
        return f"We are very uncertain whether {claim} ({figure}){tail}."
    better = {"high": "is better", "moderate": "is probably better", "low": "may be better"}[level]
    little = {"high": "differs little", "moderate": "probably differs little", "low": "may differ little"}[level]
    claim = f"{outcome} {better} with {side}" if side else f"{outcome} {little} between {c.group} and {c.reference}"
    return f"{claim[0].upper() + claim[1:]} ({figure}){tail}."


def plain_statement(a: AnalysisRecord) -> str:
    """One line in GRADE's wording for the level of ``a``; one report is said to be one report."""
    assert a.certainty is not None
    level = a.certainty.level
    est = _interval(a)[0]
    if a.synthesis == "not_pooled":
        return f"The {a.k} reports were listed, not pooled; see the analysis section."
    if FAMILIES[MEASURES[a.measure].family].percent and est is not None:
        text = statement(level, f"about {100 * est:.0f} in 100", who_words(a), a.outcomes[0], when_words(a))
    else:
        text = ratio_statement(a, level)
    return text + (" One report, not a pooled estimate." if a.k == 1 else "")


def _footnotes(a: AnalysisRecord, notes: list[str]) -> list[str]:
    """The letters of the footnotes of ``a``'s downgrades (appending their text to ``notes``)."""
    assert a.certainty is not None
    letters = []
    for d in a.certainty.domains:
        rating = d.judged or d.suggested
        if rating == "not_serious":
            continue
        steps = RATING_STEPS[rating]
        text = f"Rated down {'one level' if steps == 1 else 'two levels'} for {DOMAIN_WORDS[d.domain]}: {d.suggested_reason}."
        if d.judged is not None and d.judged != d.suggested:
            text = f"Rated {rating.replace('_', ' ')} for {DOMAIN_WORDS[d.domain]} by the review ({d.reason}); the build's judgement: {d.suggested_reason}."
        if text not in notes:  # one footnote per distinct reason, as GRADEpro reuses them
            notes.append(text)
        letters.append(_LETTERS[notes.index(text) % len(_LETTERS)])
    return letters


def _row(a: AnalysisRecord, notes: list[str]) -> dict[str, Any]:
    assert a.certainty is not None
    family = MEASURES[a.measure].family
    est, lo, hi = _interval(a)
    interval = "CrI" if isinstance(a.pooled, BayesRecord) else "CI"
    return {
        "id": a.id, "outcome": a.title, "time": when_words(a), "k": a.k, "patients": a.patients,
        "symbol": LEVEL_SYMBOLS[a.certainty.level], "level": LEVEL_WORDS[a.certainty.level],
        "estimate": f"{fmt_natural(family, est)} (95% {interval} {fmt_range(family, lo, hi)})",
        "absolute": absolute(a), "statement": plain_statement(a), "notes": _footnotes(a, notes),
    }  # fmt: skip


def _default_tables(document: ResultsDocument) -> list[tuple[str, str, list[str]]]:
    """Without ``summary_of_findings:`` in the protocol: one table per population, the first 7 analyses with evidence."""
    groups: dict[str, list[str]] = {"children": [], "adults": [], "all-ages": []}
    for a in document.analyses:
        if a.certainty is not None:
            who = who_words(a).split()[0]
            groups["children" if who == "children" else "adults" if who == "adults" else "all-ages"].append(a.id)
    titles = {"children": "Children", "adults": "Adults", "all-ages": "All ages"}
    return [(k, titles[k], ids[:7]) for k, ids in groups.items() if ids]


def sof_tables(document: ResultsDocument) -> list[dict[str, Any]]:
    """The summary-of-findings tables: rows of the outcomes with evidence, footnotes, and the outcomes without."""
    specs = [(t.id, t.title, list(t.analyses)) for t in document.summary_of_findings] or _default_tables(document)
    tables = []
    for table_id, title, ids in specs:
        notes: list[str] = []
        rows, gaps = [], []
        for a in (document.analysis(i) for i in ids):
            if a is None:
                continue
            if a.certainty is None or not a.k:
                gaps.append({"id": a.id, "title": a.title})
            else:
                rows.append(_row(a, notes))
        starts = sorted({a.certainty.start for i in ids if (a := document.analysis(i)) is not None and a.certainty is not None})
        tables.append({"id": table_id, "title": title, "rows": rows, "gaps": gaps,
                       "footnotes": [{"letter": _LETTERS[i % len(_LETTERS)], "text": t} for i, t in enumerate(notes)],
                       "start": "; ".join(START_WORDS[s] for s in starts)})  # fmt: skip
    return tables


def rules_text(document: ResultsDocument) -> list[str]:
    """How certainty was judged, from the protocol's rules as results.json records them: the starting
    levels with their source, each threshold with its rationale, the optimal information size."""
    rules = document.certainty_rules
    if not rules:
        return []
    start, imprecision = rules["start"], rules["imprecision"]
    out = [f"GRADE starts cohort evidence on overall prognosis at {start['overall_prognosis']}, on prognostic factors at "
           f"{start['prognostic_factor']} and on comparisons of interventions at {start['comparison']} ({start['source']})."]  # fmt: skip
    for t in imprecision["thresholds"]:
        values = " and ".join(f"{100 * v:g}%" for v in t["values"])
        words = ", ".join(OUTCOMES[o].words if o in OUTCOMES else o for o in t["outcomes"])
        why = t["rationale"][0].lower() + t["rationale"][1:]
        out.append(f"Imprecision of {words} is judged against {values}, as the protocol states: {why}.")
    out.append(f"Optimal information size for a proportion: {imprecision['ois_rationale']}; for a ratio, {OIS_EVENTS} events (GRADE 6).")
    return out


def evidence_gaps(document: ResultsDocument) -> list[dict[str, str]]:
    """Every question of the protocol no report answers (k = 0), in the protocol's order."""
    gaps = [{"id": a.id, "title": a.title} for a in document.analyses if not a.k]
    return gaps + [{"id": c.id, "title": c.title} for c in document.curves if not c.k]


def _export_rows(table: dict[str, Any]) -> list[dict[str, str]]:
    notes = {f["letter"]: f["text"] for f in table["footnotes"]}
    return [{
        "outcome": r["outcome"], "analysis": r["id"], "time": r["time"], "reports": str(r["k"]), "patients": str(r["patients"]),
        "certainty": f"{r['symbol']} {r['level']}", "estimate": r["estimate"], "absolute": r["absolute"],
        "statement": r["statement"], "footnotes": " | ".join(f"{x}: {notes[x]}" for x in r["notes"]),
    } for r in table["rows"]]  # fmt: skip


def sof_exports(document: ResultsDocument) -> dict[str, str]:
    """``sof-<id>.csv`` and ``sof-<id>.json`` of each table (the JSON also lists the outcomes without evidence)."""
    files = {}
    for table in sof_tables(document):
        rows = _export_rows(table)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        files[f"sof-{table['id']}.csv"] = buffer.getvalue()
        data = {"id": table["id"], "title": table["title"], "start": table["start"], "rows": rows,
                "no_evidence": [g["id"] for g in table["gaps"]]}  # fmt: skip
        files[f"sof-{table['id']}.json"] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return files
