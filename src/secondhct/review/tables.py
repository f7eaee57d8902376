"""The summary's tables over all reports: the included studies, the prognostic factors as reported,
the patients counted once, and what the pooled numbers were read from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..extraction.accrual import era_words
from ..extraction.schema import StudyExtraction
from ..extraction.sourcetype import SOURCE_TYPE_WORDS, source_type
from ..results import ResultsDocument
from ..vocabulary import Vocabulary
from ..words import code_words, intervention_words, outcome_words


def study_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[dict[str, Any]]:
    rows = []
    for s in sorted(studies, key=lambda s: cite[s.key]):
        countries = s.study.countries if isinstance(s.study.countries, str) else ", ".join(s.study.countries)
        rows.append({
            "label": labels.get(s.key, s.key), "ref": cite[s.key], "design": s.study.design.replace("_", " "),
            "publication": s.study.publication.replace("_", " "),
            "source_type": SOURCE_TYPE_WORDS[source_type(s)], "countries": countries, "accrual": era_words(s.study.accrual),
            "diseases": ", ".join(d.replace("_", " ") for d in s.population.diseases), "age_group": s.population.age_group, "n": s.population.n,
            "arms": ", ".join(f"{intervention_words(a.intervention)} ({a.n})" for a in s.arms),
            "overlap": s.study.data_source, "origin": s.population.time_origin.replace("_", " "),
            "numbers": "yes" if s.outcomes or s.comparisons else "reported, no extractable data",
        })
    return rows


def factor_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[dict[str, Any]]:
    """One row per prognostic finding: a ratio with its CI and p; a p-value alone with the direction its
    association row states (the two rows of one finding become one); a direction stated in words."""
    rows = []
    for s in studies:
        used: set[int] = set()
        for c in s.comparisons:
            if c.estimate is None and c.p is None:
                continue
            if c.estimate is not None and c.measure != "none":
                ci = f" (95% CI {c.ci.lower}-{c.ci.upper})" if c.ci is not None else ""
                p = f", p {c.p}" if c.p is not None else ""
                text = f"{c.measure} {c.estimate}{ci}{p} for {outcome_words(c.outcome)}: {c.group} vs {c.reference}"
            else:
                text = _p_only_text(s, c, used)
            rows.append({"factor": c.factor.replace("_", " "), "label": labels.get(s.key, s.key), "ref": cite[s.key],
                         "text": text + (" (adjusted)" if c.adjusted is True else "")})  # fmt: skip
        for i, assoc in enumerate(s.associations):
            if assoc.direction == "not stated" or i in used:
                continue
            rows.append({"factor": assoc.factor.replace("_", " "), "label": labels.get(s.key, s.key), "ref": cite[s.key],
                         "text": f"{code_words(assoc.level)}: {code_words(assoc.direction)} {outcome_words(assoc.outcome)} "
                                 f"({'analysis not stated' if assoc.analysis == 'not stated' else assoc.analysis}, no numbers)"})
    return sorted(rows, key=lambda r: (r["factor"], r["ref"]))


def _p_only_text(study: StudyExtraction, c: Any, used: set[int]) -> str:
    """A p-value without a ratio, with the direction of the report's association row for the same
    factor, level and outcome whose quote prints the same p (that row is then ``used``), else
    'direction not stated'."""
    vs = f"{c.group} vs {c.reference}" if c.reference != "not stated" else c.group
    for i, assoc in enumerate(study.associations):
        same = (assoc.factor, assoc.outcome, assoc.level) == (c.factor, c.outcome, c.level) and assoc.direction != "not stated"
        if same and _prints_p(assoc.source.quote, c.p):  # the same finding: its quote prints this p-value
            used.add(i)
            return f"{vs}: {code_words(assoc.direction)} {outcome_words(assoc.outcome)}, p {c.p} (no ratio printed)"
    return f"{vs}: {outcome_words(c.outcome)} differs, p {c.p} (direction not stated, no ratio printed)"


def _prints_p(quote: str | None, p: object) -> bool:
    from ..extraction.quotes import printed_numbers

    try:
        value = float(str(p).lstrip("<>=≤≥ "))
    except ValueError:
        return False
    return quote is not None and any(abs(v - value) <= 1e-12 for v, _ in printed_numbers(quote))


def second_hct_patients(studies: Sequence[StudyExtraction], vocabulary: Vocabulary | None = None) -> tuple[int, int, int]:
    """Patients counted once: the second-HCT arms only (comparator arms left out), and of each
    group of reports that may share patients (:func:`secondhct.protocol.overlap.may_share`,
    joined transitively) only the largest report.

    Returns (patients, reports or groups counted, reports whose size is not stated). A report
    without arms counts its population.
    """
    from ..protocol.overlap import overlap_groups

    group_of = overlap_groups(studies, vocabulary)
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
        group = group_of[s.key]
        sizes[group] = max(sizes.get(group, 0), sum(known))
    return sum(sizes.values()), len(sizes), unknown


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
