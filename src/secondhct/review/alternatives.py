"""The summary's section "Second HCT compared with alternatives": each comparison with its biases
named in its first sentence, then the arms that have no contrast, then the CAR-T pathway kept apart.

* A comparison of the second HCT with an alternative (``kind: versus_alternative``) is one
  sentence per report, the biases first (immortal time with the time origin, confounding by
  indication, the ROBINS-I judgement: :mod:`secondhct.review.versus`; METHODS.md section 10
  [20, 47, 48]), then the numbers as printed and the ratio computed from them, said to be
  descriptive. A comparison no report gives says why, and which sensitivity analysis holds one.
* Arms without a contrast: reports with a comparator arm (DLI, chemotherapy, CAR-T, ...) that
  enter no comparison (bejanyan2015's chemotherapy 660 / DLI 202 / second HCT 369): the arms and
  the survival each prints, as printed, never contrasted.
* The CAR-T pathway: cohorts whose second HCT followed CAR-T cells (selection
  ``car_t_before_second_hct``) are a different question from CAR-T as an alternative, and are
  listed apart.

Pure: records and extractions in, rounded words out (rounding in :mod:`secondhct.format`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..extraction.riskofbias import COMPARATORS
from ..extraction.schema import Arm, StudyExtraction
from ..format import fmt_natural, fmt_range
from ..protocol.kinds import forms_named
from ..results import AnalysisRecord, BayesRecord
from ..words import intervention_words, origin_words, outcome_words

#: The selection code of a cohort whose second HCT followed CAR-T cells.
CAR_T_PATHWAY = "car_t_before_second_hct"
_MEASURE_WORDS = {"OR": "odds ratio", "RR": "risk ratio", "HR": "hazard ratio"}
#: The outcomes an arm without a contrast is described by: overall, then event-, leukemia- and disease-free survival.
SURVIVAL = ("os", "efs", "lfs", "dfs")


def since(origin: str) -> str:
    """'from the relapse', or 'time origin not stated'."""
    return "time origin not stated" if origin == "not stated" else f"from {origin_words(origin)}"


def bias_sentence(detail: str | None) -> str:
    """A row's biases (its ``detail``: 'immortal-time biased (...); confounding by indication; ROBINS-I
    critical') as the first sentence: 'Immortal-time biased (...), confounded by indication, ROBINS-I critical.'"""
    parts = [p.strip() for p in (detail or "confounding by indication").split(";") if p.strip()]
    parts = [p.replace("confounding by indication", "confounded by indication") for p in parts]
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _row_sentence(a: AnalysisRecord, r: Any, cite: Mapping[str, int]) -> str:
    est, lo, hi = r.natural.estimate, r.natural.ci_lb, r.natural.ci_ub
    n = f"; {r.n} patients" if r.n is not None else ""
    ratio = f"{_MEASURE_WORDS.get(a.measure, a.measure)} {fmt_natural('ratio', est)} (95% CI {fmt_range('ratio', lo, hi)})"
    said = "survival from" in (r.detail or "") or "time origin not stated" in (r.detail or "")
    origin = f", survival {since(r.time_origin)} in both arms" if r.time_origin and not said else ""
    return (f"{bias_sentence(r.detail)} {r.label} [{cite[r.key]}]: {r.reported}{origin} ({ratio}{n}). "
            "Descriptive: it shows how the patients who were given each treatment fared, not the effect of choosing a second HCT.")


def _none_sentence(a: AnalysisRecord, labels: Mapping[str, str], armed: set[str]) -> str:
    """Why no report enters: two reasons, first those of reports that have a comparator arm (``armed``)."""
    considered = [x for x in a.excluded if x.stage != "population"]
    shown = sorted(considered, key=lambda x: ("no arm of" in x.reason, x.key not in armed, x.key))[:2]
    text = f"No report gives usable numbers ({len(considered)} reports considered)"
    text += "; for example: " + "; ".join(f"{labels.get(x.key, x.key)}: {x.reason}" for x in shown) if shown else ""
    held = [s for s in a.sensitivity if s.keys]
    if held:
        text += f"; the sensitivity analysis {held[0].title} holds {', '.join(labels.get(k, k) for k in held[0].keys)}"
    return text + "."


def _pooled_sentence(a: AnalysisRecord) -> str | None:
    if a.pooled is None:
        return None
    nat = a.pooled.natural
    interval = "credible interval" if isinstance(a.pooled, BayesRecord) else "CI"
    return (f"Pooled over {a.k} reports ({a.patients} patients): {_MEASURE_WORDS.get(a.measure, a.measure)} "
            f"{fmt_natural('ratio', nat.estimate)} (95% {interval} {fmt_range('ratio', nat.ci_lb, nat.ci_ub)}), as biased as its reports.")


def comparison_rows(analyses: Sequence[AnalysisRecord], cite: Mapping[str, int], labels: Mapping[str, str],
                    armed: set[str]) -> list[dict[str, Any]]:  # fmt: skip
    """One entry per comparison of the second HCT with an alternative: its title and its sentences
    (``armed``: the reports with a comparator arm, whose reasons are shown first when none enters)."""
    out = []
    for a in analyses:
        if not any(f.non_randomised for f in forms_named(a.kind)) or a.contrast is None:
            continue
        sentences = [_row_sentence(a, r, cite) for r in a.included] or [_none_sentence(a, labels, armed)]
        pooled = _pooled_sentence(a)
        out.append({"id": a.id, "title": a.title, "k": a.k, "sentences": [*sentences, *([pooled] if pooled else [])]})
    return sorted(out, key=lambda c: c["k"] == 0)  # those with a report first, in the protocol's order


def _arm_text(study: StudyExtraction, arm: Arm) -> str:
    """An arm in words with its size and the survival it prints for the whole arm (:data:`SURVIVAL`), as printed."""
    what = intervention_words(arm.intervention)
    printed = f" ({arm.description})" if arm.description and arm.description.lower() != what.lower() else ""
    rows = [o for o in study.outcomes if o.arm == arm.id and o.subgroup is None and o.outcome in SURVIVAL and o.estimate is not None]
    survival = [f"{outcome_words(o.outcome)} {o.estimate}{'%' if o.unit == 'percent' else ''}"
                + (f" ±{o.plus_minus}" if o.plus_minus is not None else "")
                + (f" at {o.time}" if o.time and o.time != "not stated" else " (time point not stated)")
                + (f", {since(o.time_origin)}" if o.time_origin not in (None, study.population.time_origin) else "")
                for o in rows]  # fmt: skip (the report's own origin is said once, before the arms)
    return f"{what} {arm.n}{printed}" + (f": {'; '.join(survival)}" if survival else "")


def descriptive_rows(studies: Sequence[StudyExtraction], contrasted: set[str], labels: Mapping[str, str],
                     cite: Mapping[str, int]) -> list[str]:  # fmt: skip
    """Reports with a comparator arm that enter no comparison: their arms, sizes and survival as printed."""
    rows = []
    for s in sorted(studies, key=lambda s: cite.get(s.key, 0)):
        if s.key in contrasted or not any(a.intervention in COMPARATORS for a in s.arms):
            continue
        arms = [a for a in s.arms if a.intervention in COMPARATORS or a.intervention == "second_allo_hct"]
        printed = "; ".join(_arm_text(s, a) for a in arms)
        whole = f"{s.population.n} patients; " if s.population.n != "not stated" else ""
        rows.append(f"{labels.get(s.key, s.key)} [{cite.get(s.key, '?')}] ({whole}survival {since(s.population.time_origin)}): {printed}."
                    .replace("survival time origin", "time origin"))  # fmt: skip
    return rows


def pathway_rows(studies: Sequence[StudyExtraction], labels: Mapping[str, str], cite: Mapping[str, int]) -> list[str]:
    """Cohorts whose second HCT followed CAR-T cells (the CAR-T pathway), in the words of their selection."""
    rows = []
    for s in sorted(studies, key=lambda s: cite.get(s.key, 0)):
        chosen = [x for x in s.population.selection if x.kind == CAR_T_PATHWAY]
        if chosen:
            arm = next((a for a in s.arms if a.intervention == "second_allo_hct"), None)
            n = f"second HCT {arm.n}: " if arm is not None else ""
            rows.append(f"{labels.get(s.key, s.key)} [{cite.get(s.key, '?')}]: {n}{chosen[0].description.strip()}.")
    return rows


def alternatives_context(analyses: Sequence[AnalysisRecord], studies: Sequence[StudyExtraction], cite: Mapping[str, int],
                         labels: Mapping[str, str]) -> dict[str, Any]:  # fmt: skip
    """What alternatives.md.j2 and alternatives.html.j2 show."""
    armed = {s.key for s in studies if any(a.intervention in COMPARATORS for a in s.arms)}
    comparisons = comparison_rows(analyses, cite, labels, armed)
    contrasted = {r.key for a in analyses if any(f.non_randomised for f in forms_named(a.kind)) for r in a.included}
    return {"comparisons": comparisons, "descriptive": descriptive_rows(studies, contrasted, labels, cite),
            "pathway": pathway_rows(studies, labels, cite)}  # fmt: skip
