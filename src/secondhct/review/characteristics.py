"""Characteristics of included studies (Cochrane Handbook 5.1, section 11.2; MECIR R42) and of the
reports that enter no analysis, with the reason, in one place (issue 25).

One row per report, every cell read from the extraction as printed (never computed beyond a count
of levels: "CR 187 of 251" is two printed numbers side by side): accrual years, setting (registry
or centre and countries), n, age, diseases with counts, remission at the second HCT, time from the
first HCT to relapse, donor and conditioning of the second HCT, follow-up, and the kind of source
read. A cell the report does not print says "not printed".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..extraction.schema import StudyExtraction
from ..extraction.sourcetype import SOURCE_TYPE_WORDS, source_type
from ..protocol.candidates import STAGE_ORDER
from ..results import ResultsDocument
from ..words import code_words

NOT_PRINTED = "not printed"
#: The factors whose level sizes the table shows, by column.
LEVEL_COLUMNS = {
    "remission": ("remission_at_second_hct",),
    "relapse_time": ("time_from_first_hct_to_relapse",),
    "donor": ("donor_type", "donor_change"),
    "conditioning": ("conditioning_intensity",),
}


def accrual_text(study: StudyExtraction) -> str:
    """The accrual period as printed (or its years), else 'not printed'."""
    period = study.study.accrual
    if period is None:
        return NOT_PRINTED
    if period.as_printed:
        return period.as_printed
    start, end = (period.start or "?")[:4], (period.end or "?")[:4]
    return NOT_PRINTED if start == end == "?" else f"{start}-{end}"


def age_text(study: StudyExtraction) -> str:
    """'median 11 years (range 1-18)', or the age group when no figure is printed."""
    age = study.population.age
    group = code_words(study.population.age_group)
    if age is None or age.median is None and age.mean is None:
        return f"{group} (age {NOT_PRINTED})" if study.population.age_group != "not stated" else f"age {NOT_PRINTED}"
    centre = f"median {age.median}" if age.median is not None else f"mean {age.mean}"
    spread = f" (range {age.range.lower}-{age.range.upper})" if age.range is not None else ""
    return f"{centre} {age.unit or ''}{spread}".replace("  ", " ").strip()


def disease_text(study: StudyExtraction) -> str:
    """'AML 88, MDS 25, MPN 3' with counts when printed, else the codes in words."""
    counts = study.population.disease_counts or {}
    return ", ".join(f"{code_words(d)} {counts[d]}" if d in counts else code_words(d) for d in study.population.diseases)


def levels_text(study: StudyExtraction, factors: Iterable[str]) -> str:
    """The printed sizes of a factor's levels ('cr 187; not cr 64 (derived)'), else 'not printed'."""
    parts = []
    for sub in study.subgroups:
        if sub.factor not in factors:
            continue
        n = sub.n if isinstance(sub.n, int) else (f"{sub.n_derived.value} (derived)" if sub.n_derived is not None else None)
        parts.append(f"{sub.level_as_printed} {n}" if n is not None else sub.level_as_printed)
    return "; ".join(dict.fromkeys(parts)) or NOT_PRINTED


def follow_up_text(study: StudyExtraction) -> str:
    f = study.study.follow_up
    if f is None or f.value is None:
        return NOT_PRINTED
    return f"{f.statistic} {f.value} {f.unit}".replace("not stated ", "")


def setting_text(study: StudyExtraction) -> str:
    countries = study.study.countries
    where = countries if isinstance(countries, str) else ", ".join(countries)
    source = study.study.data_source
    return ", ".join(x for x in (source if source != "not stated" else "", where if where != "not stated" else "") if x) or NOT_PRINTED


def characteristics_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[dict[str, Any]]:
    """One row per report, ordered by citation number."""
    rows = []
    for s in sorted(studies, key=lambda s: cite.get(s.key, 10**6)):
        rows.append({
            "key": s.key, "label": labels.get(s.key, s.key), "ref": cite.get(s.key), "accrual": accrual_text(s),
            "setting": setting_text(s), "n": s.population.n, "age": age_text(s), "diseases": disease_text(s),
            **{column: levels_text(s, factors) for column, factors in LEVEL_COLUMNS.items()},
            "follow_up": follow_up_text(s), "source_type": SOURCE_TYPE_WORDS[source_type(s)],
            "design": code_words(s.study.design), "origin": code_words(s.population.time_origin),
        })  # fmt: skip
    return rows




def furthest(counts: Mapping[tuple[str, str], int]) -> tuple[str, str]:
    """Of (stage, reason) -> how many analyses, the one from the furthest stage (:data:`STAGE_ORDER`), the most
    frequent among equals."""
    rank: dict[str, int] = {stage: i for i, stage in enumerate(STAGE_ORDER)}
    return max(counts.items(), key=lambda sc: (rank.get(sc[0][0], -1), sc[1]))[0]


def reasons_out(excluded: Iterable[tuple[str, str, str]], entered: set[str]) -> dict[str, str]:
    """For each report that enters no analysis, the reason from the analysis it got furthest in (by
    :data:`STAGE_ORDER`; the most frequent among equals), with how many other reasons there are.

    ``excluded`` is (key, stage, reason) over every analysis's exclusions; ``entered`` the keys that
    enter at least one analysis or registered sensitivity analysis.
    """
    by_key: dict[str, Counter[tuple[str, str]]] = {}
    for key, stage, reason in excluded:
        if key not in entered:
            by_key.setdefault(key, Counter())[(stage, reason)] += 1
    out = {}
    for key, counts in sorted(by_key.items()):
        stage, reason = furthest(counts)
        more = len(counts) - 1
        out[key] = f"{stage}: {reason}" + (f" (and {more} other reason{'s' if more != 1 else ''} in other analyses)" if more else "")
    return out


def entered_keys(document: ResultsDocument) -> set[str]:
    """The reports that enter at least one analysis, registered sensitivity analysis or curve."""
    keys = {r.key for a in document.analyses for r in a.included}
    keys |= {k for a in document.analyses for s in a.sensitivity for k in s.keys}
    return keys | {p.key for c in document.curves for p in c.points}


def characteristics_context(document: ResultsDocument, studies: Sequence[StudyExtraction], labels: Mapping[str, str],
                            cite: Mapping[str, int]) -> dict[str, Any]:
    """What characteristics.*.j2 show: the included studies' rows, and each report in no analysis with its reason."""
    entered = entered_keys(document)
    rows = characteristics_rows([s for s in studies if s.key in entered], labels, cite)
    excluded = [(x.key, x.stage, x.reason) for a in document.analyses for x in a.excluded]
    excluded += [(x.key, x.stage, x.reason) for c in document.curves for x in c.excluded]
    reasons = reasons_out(excluded, entered)
    out = [{"label": labels.get(k, k), "ref": cite.get(k), "reason": r} for k, r in reasons.items()]
    return {"rows": rows, "out": sorted(out, key=lambda o: (o["ref"] or 10**6, o["label"]))}
