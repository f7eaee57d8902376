"""Risk-of-bias tools: their domains, defined once, and the checks of an extraction's assessments.

Three tools, one per kind of evidence a report gives:

* ``jbi_case_series``: the JBI critical appraisal checklist for case series, ten items
  (Munn Z, Barker TH, Moola S, et al. Methodological quality of case series studies:
  an introduction to the JBI critical appraisal tool. JBI Evid Synth 2020;18(10):2127-2133).
  For single-arm outcome reports (case series and registry cohorts). Its answers
  Yes / No / Unclear / Not applicable are recorded as ``low`` / ``high`` / ``unclear`` /
  ``not_applicable`` (risk of bias, not quality: "yes" is low risk).
* ``quips``: the Quality In Prognosis Studies tool, six domains (Hayden JA, van der Windt
  DA, Cartwright JL, Côté P, Bombardier C. Assessing bias in studies of prognostic
  factors. Ann Intern Med 2013;158(4):280-286. doi:10.7326/0003-4819-158-4-201302190-00009).
  For prognostic-factor effects (``comparisons`` and ``associations``). QUIPS's
  low / moderate / high is recorded as ``low`` / ``some_concerns`` / ``high``.

* ``robins_i``: Risk Of Bias In Non-randomised Studies - of Interventions, seven domains
  (Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of bias in
  non-randomised studies of interventions. BMJ 2016;355:i4919; METHODS.md section 10 [20]).
  For a comparison of the second HCT with an alternative (DLI, chemotherapy, CAR-T, no second
  HCT). Its own scale: ``low`` / ``moderate`` / ``serious`` / ``critical`` / ``no_information``;
  its own overall rule (:func:`robins_i_overall`). Immortal time (survival from relapse in
  patients grouped by a later transplant) is judged under selection of participants.

A report with outcomes needs a ``jbi_case_series`` assessment; one with comparisons or
associations a ``quips`` one; one with a second-HCT arm beside a comparator arm a ``robins_i``
one. A missing assessment is a warning (reports are assessed after extraction), never an error.

JBI and QUIPS define no overall judgement; this project's rule (``overall_from_domains``)
is: high if any domain is high; else unclear if half or more of the applicable domains
are unclear; else some concerns if any is unclear or some concerns; else low. An
assessor may rate the overall high for a reason outside the domains, saying so in its
reason; any other departure from the rule is an error. What the retrieved text does not
print (ages, results cut off) is "unclear", not "high", and numbers read from a secondary
source or a news report are a limit of retrieval, shown as the report's source type, not
a bias of the study (audit D12-D14, issue 26): neither makes a domain or the overall high.

Two assessors: ``assessed_by``/``assessed_on`` is the first (or a rule-based draft),
``checked_by``/``checked_on`` the independent second assessor, who judged every domain
again from the source. Where the second changed a domain, the first's judgement is kept
in that domain's ``first_judgement``, so agreement (``agreement``) is read from the files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..diagnostics import FieldPath
    from .finding import Finding
    from .riskofbiasmodels import RiskOfBias
    from .schema import StudyExtraction


@dataclass(frozen=True)
class Tool:
    """A risk-of-bias tool: its name as printed, its citation, and its domains (code -> wording)."""

    code: str
    name: str
    citation: str
    domains: dict[str, str]
    short: dict[str, str]
    applies_to: str
    judgements: tuple[str, ...] = ("low", "some_concerns", "high", "unclear")
    """The judgements the tool uses, in the order of its legend (the worst before 'unclear')."""


JBI_CASE_SERIES = Tool(
    code="jbi_case_series",
    name="JBI checklist for case series",
    citation="Munn Z, et al. JBI Evid Synth 2020;18(10):2127-2133",
    domains={
        "inclusion_criteria": "Were there clear criteria for inclusion in the case series?",
        "condition_measurement": "Was the condition measured in a standard, reliable way for all participants included?",
        "condition_identification": "Were valid methods used for identification of the condition for all participants included?",
        "consecutive_inclusion": "Did the case series have consecutive inclusion of participants?",
        "complete_inclusion": "Did the case series have complete inclusion of participants?",
        "demographics": "Was there clear reporting of the demographics of the participants in the study?",
        "clinical_information": "Was there clear reporting of clinical information of the participants?",
        "outcomes_follow_up": "Were the outcomes or follow up results of cases clearly reported?",
        "site_demographics": "Was there clear reporting of the presenting site(s)/clinic(s) demographic information?",
        "statistics": "Was statistical analysis appropriate?",
    },
    short={
        "inclusion_criteria": "D1 Inclusion criteria",
        "condition_measurement": "D2 Condition measured",
        "condition_identification": "D3 Condition identified",
        "consecutive_inclusion": "D4 Consecutive",
        "complete_inclusion": "D5 Complete",
        "demographics": "D6 Demographics",
        "clinical_information": "D7 Clinical info",
        "outcomes_follow_up": "D8 Outcomes, follow-up",
        "site_demographics": "D9 Sites",
        "statistics": "D10 Statistics",
    },
    applies_to="outcomes",
    judgements=("low", "some_concerns", "high", "unclear", "not_applicable"),
)

QUIPS = Tool(
    code="quips",
    name="QUIPS (Quality In Prognosis Studies)",
    citation="Hayden JA, et al. Ann Intern Med 2013;158(4):280-286",
    domains={
        "participation": "Study participation: the sample represents the population of interest",
        "attrition": "Study attrition: participants with follow-up data represent the sample",
        "factor_measurement": "Prognostic factor measurement: measured similarly and validly for all participants",
        "outcome_measurement": "Outcome measurement: measured similarly and validly for all participants",
        "confounding": "Study confounding: important confounders measured and accounted for",
        "analysis": "Statistical analysis and reporting: appropriate, and no selective reporting",
    },
    short={
        "participation": "D1 Participation",
        "attrition": "D2 Attrition",
        "factor_measurement": "D3 Factor measurement",
        "outcome_measurement": "D4 Outcome measurement",
        "confounding": "D5 Confounding",
        "analysis": "D6 Analysis, reporting",
    },
    applies_to="comparisons",
)

ROBINS_I = Tool(
    code="robins_i",
    name="ROBINS-I (Sterne et al. 2016)",
    citation="Sterne JAC, et al. BMJ 2016;355:i4919",
    domains={
        "confounding": "Bias due to confounding (e.g. by indication: fitter patients, in remission, with a donor, transplanted)",
        "selection": "Bias in selection of participants into the study (incl. immortal time: follow-up and intervention not starting together)",
        "classification": "Bias in classification of interventions",
        "deviations": "Bias due to deviations from intended interventions",
        "missing_data": "Bias due to missing data",
        "measurement": "Bias in measurement of outcomes",
        "reported_result": "Bias in selection of the reported result",
    },
    short={
        "confounding": "D1 Confounding",
        "selection": "D2 Selection of participants",
        "classification": "D3 Classification of interventions",
        "deviations": "D4 Deviations from interventions",
        "missing_data": "D5 Missing data",
        "measurement": "D6 Measurement of outcomes",
        "reported_result": "D7 Selection of reported result",
    },
    applies_to="comparisons with alternatives",
    judgements=("low", "moderate", "serious", "critical", "no_information"),
)

TOOLS: dict[str, Tool] = {t.code: t for t in (JBI_CASE_SERIES, QUIPS, ROBINS_I)}

#: Judgement words as printed, and the symbol robvis draws in each circle.
JUDGEMENT_WORDS = {"low": "low", "some_concerns": "some concerns", "high": "high", "unclear": "unclear",
                   "not_applicable": "not applicable", "moderate": "moderate", "serious": "serious",
                   "critical": "critical", "no_information": "no information"}  # fmt: skip
JUDGEMENT_SYMBOLS = {"low": "+", "some_concerns": "−", "high": "×", "unclear": "?", "not_applicable": "",
                     "moderate": "−", "serious": "×", "critical": "!", "no_information": "?"}  # fmt: skip
#: Second-HCT arms and the comparators a panel weighs against them (ROBINS-I applies to both together).
COMPARATORS = frozenset({"no_second_hct", "dli", "chemotherapy", "chemotherapy_or_dli", "car_t", "blinatumomab",
                         "inotuzumab", "best_supportive_care", "salvage_not_specified"})  # fmt: skip


#: ROBINS-I's overall judgement on the scale of the other tools, for GRADE's risk-of-bias domain
#: (serious and critical are both high risk of bias; Schünemann HJ, et al. J Clin Epidemiol 2019;111:105-114).
AS_COMMON_SCALE = {"low": "low", "moderate": "some_concerns", "serious": "high", "critical": "high", "no_information": "unclear"}


def tool_for(non_randomised_intervention: bool, ratio: bool) -> str:
    """The tool an analysis's reports are judged with: ROBINS-I for the second HCT against an
    alternative, QUIPS for a prognostic factor's ratio, JBI for single-arm proportions."""
    return ROBINS_I.code if non_randomised_intervention else QUIPS.code if ratio else JBI_CASE_SERIES.code


def needed_tools(study: StudyExtraction) -> list[str]:
    """The tools a report needs: JBI for its outcomes, QUIPS for its prognostic-factor effects."""
    need = []
    if study.outcomes or study.patients:
        need.append(JBI_CASE_SERIES.code)
    if study.comparisons or study.associations:
        need.append(QUIPS.code)
    kinds = {a.intervention for a in study.arms}
    if "second_allo_hct" in kinds and kinds & COMPARATORS:
        need.append(ROBINS_I.code)
    return need


def assessment(study: StudyExtraction, tool: str) -> RiskOfBias | None:
    """The study's assessment with ``tool``, if any."""
    return next((a for a in study.risk_of_bias if a.tool == tool), None)


def check_risk_of_bias(study: StudyExtraction) -> Iterator[Finding]:
    """Unknown or missing domains are errors; a tool used twice is an error; a missing assessment a warning."""
    from .finding import Finding

    seen: dict[str, int] = {}
    for i, rob in enumerate(study.risk_of_bias):
        path: FieldPath = ("risk_of_bias", i)
        if rob.tool in seen:
            yield Finding("error", path + ("tool",), f"a second {rob.tool} assessment (also risk_of_bias[{seen[rob.tool]}])", "rob")
        seen.setdefault(rob.tool, i)
        tool = TOOLS[rob.tool]
        for name in rob.domains:
            if name not in tool.domains:
                close = difflib.get_close_matches(name, list(tool.domains), n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else f"; domains: {', '.join(tool.domains)}"
                yield Finding("error", path + ("domains", name), f"unknown {tool.code} domain '{name}'{hint}", "rob-domain")
        for name, d in [*rob.domains.items(), ("overall", rob.overall)]:
            wrong = [j for j in (d.judgement, d.first_judgement) if j is not None and j not in tool.judgements]
            if wrong:
                where = path + (("overall",) if name == "overall" else ("domains", name)) + ("judgement",)
                yield Finding("error", where, f"'{wrong[0]}' is not a {tool.code} judgement ({', '.join(tool.judgements)})", "rob")
        missing = [d for d in tool.domains if d not in rob.domains]
        if missing:
            yield Finding("error", path + ("domains",), f"{tool.code} domains not judged: {', '.join(missing)} (write 'unclear' with a reason when the report does not say)", "rob-domain")
        yield from _check_overall(rob, path)
        yield from _check_second_assessor(rob, path)
    for need in needed_tools(study):
        if need not in seen:
            what = {JBI_CASE_SERIES.code: "outcomes", QUIPS.code: "prognostic-factor effects"}.get(need, "comparison with an alternative")
            yield Finding("warning", ("key",), f"no {need} risk-of-bias assessment for its {what} (add risk_of_bias at the end of the file)", "rob-missing")


def overall_from_domains(judgements: Iterable[str]) -> str:
    """The overall judgement the domain judgements give, by this project's rule.

    high if any domain is high; else unclear if half or more of the applicable domains
    (``not_applicable`` left out) are unclear; else some_concerns if any is unclear or
    some_concerns; else low. JBI and QUIPS define no overall; the rule follows the
    worst-domain convention of RoB 2 (Sterne JAC, et al. BMJ 2019;366:l4898) with
    "unclear" for reports that mostly cannot be judged.
    """
    applicable = [j for j in judgements if j != "not_applicable"]
    if "high" in applicable:
        return "high"
    if applicable and 2 * applicable.count("unclear") >= len(applicable):
        return "unclear"
    if "unclear" in applicable or "some_concerns" in applicable:
        return "some_concerns"
    return "low"


def robins_i_overall(judgements: Iterable[str]) -> str:
    """The overall ROBINS-I judgement, as the tool defines it (Sterne et al. BMJ 2016;355:i4919, table 2):
    critical if any domain is critical; else serious if any is serious; else no information if any
    domain lacks information (every domain counted as key); else moderate if any is moderate; else low."""
    given = set(judgements)
    for level in ("critical", "serious", "no_information", "moderate"):
        if level in given:
            return level
    return "low"


def _check_overall(rob: RiskOfBias, path: FieldPath) -> Iterator[Finding]:
    from .finding import Finding

    given = rob.overall.judgement
    if given == "not_applicable":
        yield Finding("error", path + ("overall", "judgement"), "the overall judgement cannot be not_applicable", "rob")
        return
    if rob.tool == ROBINS_I.code:
        rule = robins_i_overall(d.judgement for d in rob.domains.values())
        if given not in (rule, "critical"):
            yield Finding("error", path + ("overall", "judgement"), f"overall '{given}' but the domains give '{rule}' "
                          "(ROBINS-I: the worst domain, critical before serious before no information before moderate)", "rob")  # fmt: skip
        return
    rule = overall_from_domains(d.judgement for d in rob.domains.values())
    if given != rule and given != "high":
        because = "a domain is judged 'high'" if rule == "high" else "of the domain judgements"
        yield Finding("error", path + ("overall", "judgement"),
                      f"overall '{given}' but the domains give '{rule}' ({because}; rule: high if any domain is high, "
                      "unclear if half or more are unclear, some_concerns if any is, else low)", "rob")  # fmt: skip


def _check_second_assessor(rob: RiskOfBias, path: FieldPath) -> Iterator[Finding]:
    from .finding import Finding

    if (rob.checked_by is None) != (rob.checked_on is None):
        given, missing = ("checked_by", "checked_on") if rob.checked_on is None else ("checked_on", "checked_by")
        yield Finding("error", path + (given,), f"{missing} missing: the second assessor and the date go together", "rob-check")
    if rob.checked_on is not None and rob.checked_on < rob.assessed_on:
        yield Finding("error", path + ("checked_on",), f"checked on {rob.checked_on}, before the first assessment ({rob.assessed_on})", "rob-check")
    for name, domain in [*rob.domains.items(), ("overall", rob.overall)]:
        if domain.first_judgement is None:
            continue
        where = path + (("overall",) if name == "overall" else ("domains", name)) + ("first_judgement",)
        if rob.checked_by is None:
            yield Finding("error", where, "first_judgement without a second assessor (checked_by)", "rob-check")
        elif domain.first_judgement == domain.judgement:
            yield Finding("error", where, "first_judgement equals the judgement (leave it out where the assessors agreed)", "rob-check")


@dataclass(frozen=True)
class Agreement:
    """Domains judged by both assessors, and on how many they agreed."""

    agreed: int
    total: int
    assessments: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.total if self.total else None


def agreement(assessments: Iterable[RiskOfBias]) -> Agreement:
    """Agreement between first and second assessor over the domains of checked assessments (overall not counted)."""
    checked = [a for a in assessments if a.checked_by is not None]
    domains = [d for a in checked for d in a.domains.values()]
    agreed = sum(d.first_judgement is None for d in domains)
    return Agreement(agreed=agreed, total=len(domains), assessments=len(checked))
