"""What a comparison of the second HCT with an alternative is, in the words a guideline panel needs:
its time origin, whether it is immortal-time biased, and its ROBINS-I judgement.

Immortal-time (guarantee-time) bias (Suissa S. Immortal time bias in pharmaco-epidemiology. Am J
Epidemiol 2008;167:492-499; METHODS.md section 10 [47, 48]): survival counted from relapse (or
diagnosis, or the first HCT) in patients grouped by whether they later received a second HCT
credits the transplant group with the time they had to survive to receive it, and patients who
died before a transplant could be given fall into the comparator. Valid designs count from a
landmark, or treat the second HCT as a time-dependent covariate; a comparison without either is
descriptive and labelled so (:func:`immortal_time`). Each arm counted from the start of its own
treatment (the second HCT, the start of DLI) has no immortal time from the origin, though it still
compares patients selected to reach their treatment.

Risk of bias with ROBINS-I (Sterne JAC, et al. BMJ 2016;355:i4919; METHODS.md section 10 [20]).

Pure: extractions and a plan in, words out.
"""

from __future__ import annotations

from ..extraction.riskofbias import JUDGEMENT_WORDS, ROBINS_I, assessment
from ..extraction.schema import StudyExtraction
from ..protocol.load import Plan
from ..words import origin_words

#: Time origins before the treatment is chosen: grouping by a later second HCT gives immortal time.
BEFORE_TREATMENT = frozenset({"relapse", "diagnosis", "first_hct"})
#: Designs that remove immortal time (Suissa 2008 [47]; the landmark method: Anderson JR, Cain KC,
#: Gelber RD. J Clin Oncol 1983;1:710-719 [48]).
VALID_DESIGNS = {"landmark": "landmark analysis", "time_dependent": "second HCT as a time-dependent covariate"}
IMMORTAL = "immortal-time biased"
POSSIBLY_IMMORTAL = "immortal-time bias possible"


def immortal_time(origin: str, design: str | None) -> str | None:
    """The immortal-time label of a comparison of survival between patients who did and did not
    receive a second HCT, from its time origin and its ``analysis_design`` (None: not recorded).

    * a landmark or time-dependent analysis: None (no immortal time; the design is said elsewhere);
    * survival from relapse, diagnosis or the first HCT, otherwise: ``immortal-time biased``;
    * time origin not stated, otherwise: ``immortal-time bias possible``;
    * each arm from the start of its own treatment: None.
    """
    if design in VALID_DESIGNS:
        return None
    if origin in BEFORE_TREATMENT:
        return IMMORTAL
    if origin == "not stated":
        return POSSIBLY_IMMORTAL
    return None


def comparison_design(plan: Plan, study: StudyExtraction, index: int) -> tuple[str, str | None]:
    """The time origin and the ``analysis_design`` of one included row of a comparison with an alternative:
    for arms, the second-HCT row's origin and the comparator arm's design; for a reported ratio, the
    population's origin and the comparison's design."""
    if plan.takes_comparisons:
        comp = study.comparisons[index]
        return study.population.time_origin, comp.analysis_design
    out = study.outcomes[index]
    origin = out.time_origin or study.population.time_origin
    alt = plan.analysis.alternative
    codes = {alt.comparator, *alt.sensitivity_comparators} if alt is not None else set()
    design = next((a.analysis_design for a in study.arms if a.intervention in codes and a.analysis_design), None)
    return origin, design


def rob_words(study: StudyExtraction) -> str:
    """'ROBINS-I critical' (the report's overall ROBINS-I judgement), or that it is not yet assessed."""
    rob = assessment(study, ROBINS_I.code)
    return f"ROBINS-I {JUDGEMENT_WORDS[rob.overall.judgement]}" if rob is not None else "ROBINS-I not yet assessed"


def biases(plan: Plan, study: StudyExtraction, index: int) -> list[str]:
    """The biases of one row of a comparison with an alternative, worst first: immortal time (with the
    origin), confounding by indication (always: the treatment was chosen), and the ROBINS-I judgement."""
    origin, design = comparison_design(plan, study, index)
    label = immortal_time(origin, design)
    out = []
    if label == IMMORTAL:
        out.append(f"{IMMORTAL} (survival from {origin_words(origin)}, no landmark or time-dependent analysis)")
    elif label == POSSIBLY_IMMORTAL:
        out.append(f"{POSSIBLY_IMMORTAL} (time origin not stated)")
    elif design in VALID_DESIGNS:
        out.append(VALID_DESIGNS[design])
    adjusted = study.comparisons[index].adjusted if plan.takes_comparisons else False
    out.append("confounding by indication" + ("" if adjusted is False else " (adjusted)" if adjusted is True else " (adjustment not stated)"))
    out.append(rob_words(study))
    return out


def versus_detail(plan: Plan, study: StudyExtraction, index: int) -> str:
    """A row's biases for the forest plot column and the summary ('immortal-time biased ...; ROBINS-I critical')."""
    return "; ".join(biases(plan, study, index))
