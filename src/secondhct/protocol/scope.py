"""Whether a report is about an analysis's population: the share of its patients outside the scope.

An analysis's population states the diseases it is about (``population.diseases``: its scope). A
report whose patients all have those diseases is inside; one with none of them is outside; one
that mixes them with others (MDS beside AML, lymphoma beside leukemia, graft failure beside
relapse, an autologous first transplant, a third transplant counted as a second) has a **share
outside the scope**, computed here from the numbers the extraction prints:

* diseases: from ``population.disease_counts`` and ``population.n`` (the patients of the
  in-scope diseases subtracted from n, or the out-of-scope counts added up);
* selections that put a share outside the question (``population.selection`` of a kind in
  :data:`~secondhct.extraction.schema.SHARE_SELECTIONS`): ``count`` of ``of`` (default n);
* a second HCT for graft failure (``population.indications``) is such a share, printed only
  through a ``graft_failure_included`` selection with its count.

The share is ``None`` when the printed numbers do not give it (a broad code such as
``hematologic_malignancy`` with no split, MDS listed without a count). The protocol's rule
(:func:`secondhct.protocol.select.select`) admits a report to a primary analysis when the share is
at most ``scope_threshold`` (default 10 %) and sends the others to the registered sensitivity
analysis ``include_mixed_scope``: one rule for MDS, CLL, lymphoma, CML and graft-failure shares
alike. Eligibility rules for studies with only a subset of eligible participants are
pre-specified with a threshold, with a sensitivity analysis (Cochrane Handbook for Systematic
Reviews of Interventions 5.1, section 5.2; MECIR conduct standard C6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..extraction.codes import DISEASE_COVERS
from ..extraction.schema import SHARE_SELECTIONS, StudyExtraction
from ..words import code_words


@dataclass(frozen=True)
class Scope:
    """A report against an analysis's scope: ``share`` of its patients outside (0: none, None: the
    printed numbers do not give it), what lies outside in words, and whether any patient can be inside."""

    share: float | None
    outside: str
    any_inside: bool = True


def _n(study: StudyExtraction) -> int | None:
    n = study.population.n
    return n if isinstance(n, int) and n > 0 else None


def _disease_part(study: StudyExtraction, scope: Sequence[str]) -> tuple[float | None, str, bool]:
    """Share outside by disease, its words, and whether any patient can be inside."""
    wanted = set(scope)
    codes = list(study.population.diseases)
    inside = [d for d in codes if d in wanted]
    partial = [d for d in codes if d not in wanted and DISEASE_COVERS.get(d, frozenset()) & wanted]
    outside = [d for d in codes if d not in inside and d not in partial]
    if not inside and not partial:
        return 1.0, ", ".join(code_words(d) for d in codes), False
    if not outside and not partial:
        return 0.0, "", True
    counts = study.population.disease_counts or {}
    n = _n(study)
    if n is None:
        n = sum(counts.values()) if counts and all(d in counts for d in codes) else None
    if not partial and n is not None and inside and all(d in counts for d in inside):
        out = n - sum(counts[d] for d in inside)
        named = [f"{code_words(d)} {counts[d]}" for d in outside if d in counts]
        rest = out - sum(counts[d] for d in outside if d in counts)
        words = ", ".join(named + ([f"other or not split {rest}"] if rest > 0 else []))
        return max(out, 0) / n, f"{words} of {n}", True
    if not partial and n is not None and all(d in counts for d in outside):
        out = sum(counts[d] for d in outside)
        return out / n, f"{', '.join(f'{code_words(d)} {counts[d]}' for d in outside)} of {n}", True
    unsplit = ", ".join(code_words(d) for d in [*partial, *outside])
    return None, f"{unsplit} (split not printed)", True


def _selection_parts(study: StudyExtraction, disease_known: bool) -> list[tuple[float | None, str]]:
    parts: list[tuple[float | None, str]] = []
    for sel in study.population.selection:
        if sel.kind not in SHARE_SELECTIONS or sel.kind == "non_leukemia_included" and disease_known:
            continue  # a non-leukemia share is counted from the diseases when they are split
        of = sel.of if isinstance(sel.of, int) else _n(study)
        if isinstance(sel.count, int) and of:
            parts.append((sel.count / of, f"{sel.description} ({sel.count} of {of})"))
        else:
            parts.append((None, f"{sel.description} (count not printed)"))
    counted = any(sel.kind == "graft_failure_included" for sel in study.population.selection)
    if "graft_failure" in study.population.indications and not counted:
        parts.append((None, "second HCT for graft failure in some (count not printed)"))
    return parts


def scope_of(study: StudyExtraction, scope: Sequence[str]) -> Scope:
    """The share of ``study``'s patients outside the diseases ``scope`` and the question (see module)."""
    share, words, any_inside = _disease_part(study, scope)
    if not any_inside:
        return Scope(1.0, words, any_inside=False)
    parts = [(share, words)] if words else []
    parts += _selection_parts(study, share is not None)
    if any(p is None for p, _ in parts):
        return Scope(None, "; ".join(w for _, w in parts))
    return Scope(sum(p for p, _ in parts if p is not None), "; ".join(w for _, w in parts))


def share_text(share: float | None) -> str:
    """A share in words for a reason: '24.1%' (one decimal) or 'not computable'."""
    return "not computable from the printed numbers" if share is None else f"{100 * share:.1f}%"
