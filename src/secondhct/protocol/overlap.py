"""Whether two reports may share patients, decided from what each extraction declares.

Each extraction declares its ``study.data_source`` (a registry or centre code of
``vocabulary.yaml``, which may be ``part_of`` a larger registry), its accrual period,
age group and diseases, and optional explicit ``may_share_patients_with`` links. Two
reports may share patients when

* one links to the other (either direction), or
* their data sources are the same or nested (EBMT-ALWP within EBMT), **and** their
  accrual periods intersect (a period not stated may intersect anything), **and** their
  age groups intersect (children and adults cannot be the same patients; mixed or not
  stated intersects every group), **and** their diseases intersect (acute leukemia
  covers AML and ALL; hematologic malignancy covers every disease).

The answer is a sentence a reviewer can check ("same registry JSHCT, accrual 1990-2005
and 1998-2009 overlap, both pediatric, both ALL"), or None.

:func:`shared_patients` adds the largest number of patients the two could share: a link's
``at_most`` when the curator bounded it from printed numbers, else, for each report, its
patients whose disease can be among the other's diseases (from ``disease_counts``; the whole
n when the split is not printed), the smaller of the two. The protocol keeps both reports
when that is a minor share of the smaller one (:func:`secondhct.protocol.select.overlap_exclusions`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..extraction.codes import DISEASE_COVERS
from ..extraction.schema import Period, StudyExtraction
from .candidates import Candidate, Exclusion

if TYPE_CHECKING:
    from ..vocabulary import Vocabulary
    from .load import Plan

_EPS = 1e-9

#: Age groups whose patients can be the same people (mixed and not stated meet every group).
_AGES_MEET: dict[str, frozenset[str]] = {
    "infant": frozenset({"infant", "pediatric"}),
    "pediatric": frozenset({"infant", "pediatric", "aya"}),
    "aya": frozenset({"pediatric", "aya", "adult"}),
    "adult": frozenset({"aya", "adult"}),
}
_ANY_AGE = frozenset({"mixed", "not stated"})
_EVERY_DISEASE = "hematologic_malignancy"


def _years(period: Period | None) -> tuple[int | None, int | None]:
    if period is None:
        return None, None
    start = int(period.start[:4]) if period.start else None
    end = int(period.end[:4]) if period.end else None
    return start, end


def _period_text(period: Period | None) -> str:
    start, end = _years(period)
    if start is None and end is None:
        return "not stated"
    return f"{start if start is not None else '?'}-{end if end is not None else '?'}"


def periods_intersect(a: Period | None, b: Period | None) -> bool:
    """Whether two accrual periods share a year (an unknown bound reaches as far as needed)."""
    a0, a1 = _years(a)
    b0, b1 = _years(b)
    lo_a, hi_a = a0 if a0 is not None else -(10**6), a1 if a1 is not None else 10**6
    lo_b, hi_b = b0 if b0 is not None else -(10**6), b1 if b1 is not None else 10**6
    return lo_a <= hi_b and lo_b <= hi_a


def ages_intersect(a: str, b: str) -> bool:
    """Whether two age groups can hold the same patients (pediatric and adult cannot)."""
    if a in _ANY_AGE or b in _ANY_AGE:
        return True
    return b in _AGES_MEET.get(a, frozenset({a}))


def diseases_intersect(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two disease lists can hold the same patients."""
    if _EVERY_DISEASE in a or _EVERY_DISEASE in b:
        return True
    return bool(_wide(a) & _wide(b))


def _wide(diseases: Sequence[str]) -> set[str]:
    return set().union(*(DISEASE_COVERS.get(d, {d}) for d in diseases))


def sources_nested(a: str, b: str, vocab: Vocabulary | None) -> str | None:
    """'same registry X' / 'X is part of Y' when two source codes are the same or nested, else None."""
    if a == "not stated" or b == "not stated":
        return None
    if a == b:
        return f"same data source {a}"
    chain_a = vocab.source_chain(a) if vocab is not None else [a]
    chain_b = vocab.source_chain(b) if vocab is not None else [b]
    if b in chain_a:
        return f"{a} is part of {b}"
    if a in chain_b:
        return f"{b} is part of {a}"
    return None


def _link(a: StudyExtraction, b: StudyExtraction) -> tuple[str, int | None] | None:
    """The explicit link between two reports (either side), preferring one that bounds the shared patients."""
    found = [(f"declared by {x.key}: {link.reason}", link.at_most) for x, y in ((a, b), (b, a))
             for link in x.study.may_share_patients_with if link.key == y.key]
    bounded = [f for f in found if f[1] is not None]
    return min(bounded, key=lambda f: f[1] or 0) if bounded else found[0] if found else None


@dataclass(frozen=True)
class Overlap:
    """Why two reports may share patients, and the most they could share (None: not bounded)."""

    text: str
    at_most: int | None


def _could_share(a: StudyExtraction, b: StudyExtraction) -> int | None:
    """The patients of ``a`` whose disease can be among ``b``'s (None: n not printed)."""
    n = a.population.n if isinstance(a.population.n, int) else None
    counts = a.population.disease_counts or {}
    if _EVERY_DISEASE in b.population.diseases or not all(d in counts for d in a.population.diseases):
        return n
    other = _wide(b.population.diseases)
    return sum(c for d, c in counts.items() if DISEASE_COVERS.get(d, frozenset({d})) & other)


def shared_patients(a: StudyExtraction, b: StudyExtraction, vocab: Vocabulary | None) -> Overlap | None:
    """Whether ``a`` and ``b`` may share patients (:func:`may_share`) and the most they could share."""
    link = _link(a, b)
    text = link[0] if link is not None else may_share(a, b, vocab)
    if text is None:
        return None
    if link is not None and link[1] is not None:
        return Overlap(f"{text} (at most {link[1]} patients)", link[1])
    caps = [c for c in (_could_share(a, b), _could_share(b, a)) if c is not None]
    bound = min(caps) if caps else None  # each cap bounds what they share
    sizes = [n for n in (a.population.n, b.population.n) if isinstance(n, int)]
    if bound is not None and sizes and bound < min(sizes):
        text = f"{text} (at most {bound} patients: the diseases they share)"
    return Overlap(text, bound)


def may_share(a: StudyExtraction, b: StudyExtraction, vocab: Vocabulary | None) -> str | None:
    """Why reports ``a`` and ``b`` may share patients (a sentence), or None when they cannot (see module)."""
    link = _link(a, b)
    if link is not None:
        return link[0]
    nested = sources_nested(a.study.data_source, b.study.data_source, vocab)
    if nested is None:
        return None
    pa, pb = a.study.accrual, b.study.accrual
    ga, gb = a.population.age_group, b.population.age_group
    da, db = a.population.diseases, b.population.diseases
    if not (periods_intersect(pa, pb) and ages_intersect(ga, gb) and diseases_intersect(da, db)):
        return None
    if pa is None or pb is None or _period_text(pa) == "not stated" or _period_text(pb) == "not stated":
        period = f"accrual {_period_text(pa)} and {_period_text(pb)} (not stated: may overlap)"
    else:
        period = f"accrual {_period_text(pa)} and {_period_text(pb)} overlap"
    ages = f"both {ga}" if ga == gb else f"age groups {ga} and {gb} intersect"
    shared = ", ".join(da) if sorted(da) == sorted(db) else f"{', '.join(da)} and {', '.join(db)}"
    return f"{nested}, {period}, {ages}, diseases {shared}"


def overlap_groups(studies: Sequence[StudyExtraction], vocabulary: Vocabulary | None) -> dict[str, str]:
    """Each report's group of reports that may share patients (:func:`may_share`, joined transitively): key -> the
    group's first key (union-find)."""
    group = {s.key: s.key for s in studies}

    def root(key: str) -> str:
        while group[key] != key:
            key = group[key]
        return key

    for i, a in enumerate(studies):
        for b in studies[i + 1:]:
            if may_share(a, b, vocabulary) is not None:
                group[root(b.key)] = root(a.key)
    return {key: root(key) for key in group}


def _overlap_key(c: Candidate, rule: str, years: Mapping[str, int | None]) -> tuple[int, int, str]:
    n = c.n if c.n is not None else -1
    year = years.get(c.key) or 0
    # Sort descending on the first two, ascending on the key (negate numbers).
    return (-n, -year, c.key) if rule == "largest" else (-year, -n, c.key)


def overlap_exclusions(
    included: Sequence[Candidate], plan: Plan, years: Mapping[str, int | None], *, drop_minor: bool = False,
    keep_first: frozenset[str] = frozenset(),
) -> list[Exclusion]:
    """Among reports that may share patients (:func:`shared_patients`), keep by the protocol rule.

    Reports are taken in the rule's order (largest cohort for the outcome, ties to the most
    recent; or the reverse), the reports in ``keep_first`` (a sensitivity analysis's primary
    reports) before all others; a report is kept unless it may share more than
    ``overlap_threshold`` of the smaller report's patients with one already kept (or any
    patients, with ``drop_minor``). Within a connected cluster of overlapping reports the first
    is always kept, and a later one is kept too when it cannot share patients with any kept
    report (a 1978-1989 and a 1990-2010 cohort of one registry both survive a 1980-2009 one only
    if it is smaller).
    """
    best: dict[str, Candidate] = {}
    for cand in included:  # one size per report: its largest qualifying row
        if cand.key not in best or _overlap_key(cand, plan.overlap_rule, years) < _overlap_key(best[cand.key], plan.overlap_rule, years):
            best[cand.key] = cand
    order = sorted(best.values(), key=lambda c: (c.key not in keep_first, _overlap_key(c, plan.overlap_rule, years)))
    rule_text = "the larger cohort" if plan.overlap_rule == "largest" else "the more recent report"
    kept: list[Candidate] = []
    out: list[Exclusion] = []
    for cand in order:
        why = next(((k, o) for k in kept if (o := _blocking(cand, k, plan, drop_minor)) is not None), None)
        if why is None:
            kept.append(cand)
            continue
        other, overlap = why
        sizes = f"n {_n_text(cand)} vs {_n_text(other)}"
        rule = "the primary analysis's report" if other.key in keep_first and cand.key not in keep_first else rule_text
        if rule == "the larger cohort" and cand.n == other.n:  # a tie on size: decided by year, then key
            rule = "of the same size, the more recent (then first by key)"
        minor = " (a minor overlap, dropped in this sensitivity analysis)" if not _major(overlap, cand, other, plan) else ""
        out.append(Exclusion(cand.key, "overlap", f"may share patients with {other.key}: {overlap.text}{minor}; kept {other.key}, "
                                                  f"{rule} ({sizes})"))  # fmt: skip
    return out


def _whole(c: Candidate) -> int | None:
    n = c.study.population.n
    return n if isinstance(n, int) else None


def _major(overlap: Overlap, a: Candidate, b: Candidate, plan: Plan) -> bool:
    """Whether the patients two reports could share exceed ``overlap_threshold`` of the smaller report."""
    smaller = min(n for n in (_whole(a), _whole(b), 10**9) if n is not None)
    return overlap.at_most is None or smaller >= 10**9 or overlap.at_most > plan.overlap_threshold * smaller + _EPS


def _blocking(cand: Candidate, kept: Candidate, plan: Plan, drop_minor: bool) -> Overlap | None:
    overlap = shared_patients(cand.study, kept.study, plan.vocabulary)
    if overlap is None or not drop_minor and not _major(overlap, cand, kept, plan):
        return None
    return overlap


def _n_text(c: Candidate) -> str:
    return str(c.n) if c.n is not None else "not stated"
