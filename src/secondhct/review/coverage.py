"""The population an analysis's included reports actually cover, in words, generated from them.

A title is typed in the protocol ("... adults"); what the reports cover is data: "adults with ALL
(1 report)". The summary prints this beside every title and key finding so that a reader never
takes one report of adult ALL for evidence on all adults with leukemia (issue 23).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..extraction.codes import LEUKEMIAS
from ..extraction.schema import StudyExtraction

_AGE_WORDS = {
    "infant": "infants", "pediatric": "children", "aya": "adolescents and young adults", "adult": "adults",
    "mixed": "children and adults", "not stated": "patients of unstated age",
}  # fmt: skip
_DISEASE_WORDS = {
    "ALL": "ALL", "AML": "AML", "JMML": "JMML", "CML": "CML", "CLL": "CLL", "acute_leukemia": "acute leukemia",
    "leukemia_type_not_stated": "leukemia of unstated type",
}  # fmt: skip


def _diseases(study: StudyExtraction) -> str:
    """The leukemias of a report in words ('ALL', 'AML or ALL'), in a stable order."""
    found = [d for d in _DISEASE_WORDS if d in study.population.diseases and d in LEUKEMIAS]
    words = [_DISEASE_WORDS[d] for d in found] or ["other diseases"]
    mixed = " (with other diseases)" if any(d not in LEUKEMIAS for d in study.population.diseases) else ""
    return " or ".join(words) + mixed


def covered(studies: Iterable[StudyExtraction]) -> str:
    """'adults with ALL (1 report)'; groups joined by '; ' ('children with ALL (2 reports); adults with AML (1 report)')."""
    groups: dict[str, int] = {}
    for study in studies:
        group = f"{_AGE_WORDS.get(study.population.age_group, study.population.age_group)} with {_diseases(study)}"
        groups[group] = groups.get(group, 0) + 1
    if not groups:
        return ""
    return "; ".join(f"{g} ({k} report{'s' if k != 1 else ''})" for g, k in sorted(groups.items(), key=lambda gk: (-gk[1], gk[0])))
