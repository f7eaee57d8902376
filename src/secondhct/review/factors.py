"""The summary's section "Who does better after a second HCT (prognostic factors)": per factor of the
protocol one line (evidence form, reports, direction in words with the vote count, pooled effect
where any, certainty, the effect-direction plot) and one evidence table (issue 24).

These are prognostic factors *among recipients* of a second HCT: who does better after one, not who
benefits from one (benefit needs effect modification of a second HCT against an alternative).
The statement follows SWiM (Campbell M et al. BMJ 2020;368:l6890): the direction and how
consistent it is, the sign test, and whether a size is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..extraction.schema import StudyExtraction
from ..format import fmt_natural, fmt_p, fmt_range
from ..outcomes import OUTCOMES
from ..protocol.overlap import overlap_groups
from ..results import AnalysisRecord
from ..vocabulary import Vocabulary
from ..words import outcome_words
from .factorevidence import ALL_RELAPSED, FACTORS, RECIPIENTS, EvidenceRow, FactorSpec
from .factorsynthesis import FactorSynthesis, level_pool_text, ratio_text, synthesise

#: Where the certainty of a factor's evidence goes (GRADE for prognostic factors: Foroutan F et al. J Clin Epidemiol 2020).
CERTAINTY_PENDING = "not yet rated"
FORM_WORDS = {"ratio": "ratio", "levels": "two levels' outcome", "p_value": "p-value", "words": "words only"}


def favoured_words(spec: FactorSpec, direction: str) -> str:
    """A row's direction in words: 'favours late relapse after the first HCT', 'no difference stated'..."""
    return {"reference_better": f"favours {spec.reference_words}", "level_better": f"favours {spec.level_words}",
            "no_difference": "no difference stated"}.get(direction, "direction not stated")  # fmt: skip


def _outcomes(rows: Sequence[EvidenceRow]) -> tuple[str, str]:
    """'better survival' or 'better outcomes', and what the votes were cast on when not all on survival."""
    survival = sum(1 for r in rows if OUTCOMES.get(r.outcome) is not None and OUTCOMES[r.outcome].role in ("overall", "event_free"))
    if survival == len(rows):
        return "better survival", ""
    return "better outcomes", f"survival in {survival}, relapse, non-relapse mortality or an outcome not stated in {len(rows) - survival}; "


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _vote_clause(s: FactorSynthesis, population: str) -> str | None:
    """'late relapse ... consistently associated with better survival in 13 of 13 reports of second-HCT recipients (...)'."""
    vote = s.votes.get(population)
    if vote is None:
        return None
    ahead = 2 * vote.favouring >= vote.total
    words = s.spec.reference_words if ahead else s.spec.level_words
    count = vote.favouring if ahead else vote.total - vote.favouring
    noun, split = _outcomes([r for r in s.voting.values() if r.population == population])
    who = "reports of second-HCT recipients" if population == RECIPIENTS else "cohorts of all relapsed patients (not only recipients)"
    if vote.total == 1:
        one = "report of second-HCT recipients" if population == RECIPIENTS else "cohort of all relapsed patients (not only recipients)"
        return f"{words} associated with {noun} in the one {one} that gives a direction" + (f" ({split[:-2]})" if split else "")
    grade = "consistently " if count == vote.total else "mostly " if vote.sign_test_p < 0.05 else ""
    lead = f"{words} {grade}associated with {noun}" if grade else f"no consistent direction: {words} better"
    few = "; too few reports for the sign test to exclude an even split" if grade and vote.sign_test_p >= 0.05 else ""
    low, high = (vote.ci_lb, vote.ci_ub) if ahead else (1 - vote.ci_ub, 1 - vote.ci_lb)
    return (f"{lead} in {count} of {vote.total} {who} ({split}sign test {fmt_p(vote.sign_test_p)}; 95% CI of the proportion "
            f"{100 * low:.0f}-{100 * high:.0f}%{few})")  # fmt: skip


def statement(s: FactorSynthesis, pooled: Sequence[str]) -> str:
    """The factor's finding in words, graded by consistency, with the size where one is pooled."""
    main = _vote_clause(s, RECIPIENTS)
    relapsed = _vote_clause(s, ALL_RELAPSED)
    parts = [_sentence_case(main) if main else "No report of second-HCT recipients gives a direction"]
    main_vote, independent = s.votes.get(RECIPIENTS), s.independent
    if main_vote is not None and independent is not None and independent.total < main_vote.total:
        ahead = 2 * main_vote.favouring >= main_vote.total
        count = independent.favouring if ahead else independent.total - independent.favouring
        parts.append(f"counting one report per group of reports that may share patients: {count} of {independent.total} "
                     f"(sign test {fmt_p(independent.sign_test_p)})")  # fmt: skip
    if relapsed:
        parts.append(relapsed)
    silent = list(s.silent.values())
    if silent:
        none = silent.count("no difference stated")
        parts.append(f"of the other reports {none} state no difference and {len(silent) - none} give no direction")
    spread = ratio_spread(s)
    parts.append(f"size: {'; '.join(pooled)}" if pooled else f"size uncertain (not pooled{'; ' + spread if spread else ''})")
    return "; ".join(parts) + "."


def ratio_spread(s: FactorSynthesis) -> str:
    """The harmonised ratios of the reports of second-HCT recipients that vote with one: their range and median
    per measure (SWiM item 6: the distribution of the effects, when they cannot be pooled)."""
    out = []
    for measure in ("HR", "SHR", "RR", "OR"):
        values = sorted(r.effect for r in s.voting.values() if r.population == RECIPIENTS and r.measure == measure and r.effect)
        if len(values) == 1:
            out.append(f"one report's {measure} {ratio_text(values[0])}")
        elif values:
            out.append(f"{measure}s of {len(values)} reports from {ratio_text(values[0])} to {ratio_text(values[-1])}, "
                       f"median {ratio_text(float(np.median(values)))}")  # fmt: skip
    return "; ".join(out) + (f" ({s.spec.level_words} vs {s.spec.reference_words})" if out else "")


def analysis_sizes(spec: FactorSpec, analyses: Sequence[AnalysisRecord]) -> list[tuple[str, bool]]:
    """The protocol's factor_ratio analyses of this factor: pooled (k >= 2), one report, or none; and whether pooled."""
    out = []
    for a in analyses:
        if a.kind != "factor_ratio" or not a.id.startswith(f"factor-{spec.key}-"):
            continue
        what = f"{a.measure} for {outcome_words(a.outcomes[0]) if a.outcomes else 'the outcome'}"
        if a.pooled is not None and a.k >= 2:
            nat = a.pooled.natural
            out.append((f"pooled {what} {fmt_natural('ratio', nat.estimate)} ({fmt_range('ratio', nat.ci_lb, nat.ci_ub)}), "
                        f"{a.k} reports ({a.id})", True))  # fmt: skip
        elif a.k == 1:
            out.append((f"{what}: one report ({a.included[0].label}: {a.included[0].reported}), not pooled ({a.id})", False))
        else:
            out.append((f"{what}: no report enters the protocol's analysis yet ({a.id})", False))
    return out


def table_row(s: FactorSynthesis, r: EvidenceRow, cite: Mapping[str, int], labels: Mapping[str, str]) -> dict[str, Any]:
    """One row of a factor's evidence table, ready to print."""
    harmonised = ""
    if r.effect is not None:
        ci = f" ({ratio_text(r.ci[0])}-{ratio_text(r.ci[1])})" if r.ci else ""
        harmonised = f"{r.measure} {ratio_text(r.effect)}{ci}"
    elif r.lch is not None:
        harmonised = f"log cumulative-hazard ratio {r.lch[0]:.2f}" + (" (variance from n)" if r.lch[2] else "")
    significant = {True: "; significant", False: "; not significant", None: ""}[r.significant]
    return {
        "label": labels.get(r.key, r.key), "ref": cite.get(r.key, "?"), "who": f"{r.population}{f' (selected cohort: {r.selection})' if r.selection else ''}; {r.disease}",
        "outcome": outcome_words(r.outcome), "reported": f"{FORM_WORDS[r.form]}: {r.reported}", "harmonised": harmonised or "–",
        "direction": "another contrast (not counted)" if r.note.startswith("another contrast") else favoured_words(s.spec, r.direction) + significant,
        "adjusted": r.adjusted + (f"; cut-off {r.cutoff}" if r.cutoff and r.cutoff != "cut-off not stated" else f"; {r.cutoff}" if r.cutoff else ""),
        "n": r.n if r.n is not None else "–", "rob": r.risk_of_bias, "note": r.note or "–", "votes": s.voting.get(r.key) is r,
    }  # fmt: skip


def factor_context(spec: FactorSpec, studies: Sequence[StudyExtraction], analyses: Sequence[AnalysisRecord],
                   cite: Mapping[str, int], labels: Mapping[str, str], groups: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """What factors.md.j2 shows for one factor."""
    s = synthesise(spec, studies, groups)
    sizes = analysis_sizes(spec, analyses) + [(level_pool_text(p, spec, dict(labels)), p.pooled is not None) for p in s.levels]
    forms = sorted({r.form for r in s.rows}, key=list(FORM_WORDS).index)
    return {
        "key": spec.key, "title": spec.title, "contrast": f"{spec.level_words} vs {spec.reference_words}",
        "statement": statement(s, [t for t, pooled in sizes if pooled]), "reports": len(s.reports), "voting": len(s.voting),
        "forms": ", ".join(f"{FORM_WORDS[f]} ({sum(1 for r in s.rows if r.form == f)})" for f in forms) or "none",
        "sizes": [t for t, _ in sizes], "certainty": CERTAINTY_PENDING,
        "refs": ", ".join(str(cite[k]) for k in sorted(s.reports, key=lambda k: cite.get(k, 0)) if k in cite),
        "rows": [table_row(s, r, cite, labels) for r in sorted(s.rows, key=lambda r: labels.get(r.key, r.key).casefold())],
    }


def factors_context(studies: Sequence[StudyExtraction], analyses: Sequence[AnalysisRecord], cite: Mapping[str, int],
                    labels: Mapping[str, str], vocabulary: Vocabulary | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One entry per factor of the protocol, in the protocol's order."""
    groups = overlap_groups(studies, vocabulary)
    return [factor_context(spec, studies, analyses, cite, labels, groups) for spec in FACTORS]


def factor_syntheses(studies: Sequence[StudyExtraction]) -> list[FactorSynthesis]:
    """The syntheses the figures are drawn from (the same as the summary's)."""
    return [synthesise(spec, studies) for spec in FACTORS]
