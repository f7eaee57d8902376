"""Every report's evidence on each prognostic factor of the protocol, whatever its form, with the
direction harmonised to the protocol's contrast (issue 24; METHODS.md section 9, SWiM: Campbell M
et al. BMJ 2020;368:l6890).

A factor contrasts the level expected to do worse (``level``: not in CR, early relapse...) with the
protocol's reference (CR, late relapse...), as the ``factor_ratio``/``factor_levels`` analyses of
``protocol.yaml`` do. A report's evidence comes as a ratio (HR, SHR, RR, OR: of the adverse event,
as a Cox or Fine-Gray model gives it; inverted when the report gives the reverse contrast), as two
levels' outcome at one time point (or their medians), as a p-value whose direction the levels or
the source's words give (``direction_in_words``), or as an association stated in words. A row whose
direction cannot be read stays, as "direction not stated"; a contrast other than the protocol's
(related vs unrelated donor for a haploidentical vs matched unrelated question) stays, not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..extraction.fieldtypes import is_not_significant
from ..extraction.riskofbias import assessment
from ..extraction.schema import Association, Comparison, StudyExtraction
from ..outcomes import OUTCOMES
from .contrasts import cutoff_text
from .factorlevels import level_rows

Direction = Literal["reference_better", "level_better", "no_difference", "not stated"]
Form = Literal["ratio", "levels", "p_value", "words"]
RECIPIENTS = "second-HCT recipients"
ALL_RELAPSED = "all relapsed patients"


@dataclass(frozen=True)
class FactorSpec:
    """A factor of the protocol: the vocabulary codes it reads, its compared and reference levels
    (finer levels that roll up to them included), and the words for both."""

    key: str
    title: str
    codes: tuple[str, ...]
    level: frozenset[str]
    reference: frozenset[str]
    level_words: str
    reference_words: str
    binary: bool = True
    """Two levels only: a ratio whose reference is not stated is of one level against the other."""
    ambiguous: frozenset[str] = frozenset()
    """Finer levels that may be compared with their siblings (non-myeloablative vs other reduced-intensity
    conditioning): they enter only against a stated reference."""
    at_second_hct: bool = False
    """A property of the second HCT (remission at it, its donor, conditioning): only its recipients have one,
    so every row is of second-HCT recipients whatever arm the report gives."""


def _spec(key: str, title: str, codes: tuple[str, ...], level: str, reference: str, words: tuple[str, str],
          binary: bool = True) -> FactorSpec:  # fmt: skip
    at_second_hct = key in ("remission", "donor-change", "donor-type", "conditioning", "performance-status", "hct-ci")
    ambiguous = frozenset({"conditioning": {"nma"}, "remission": {"cr1", "cr2", "cr3_or_later"}, "age": {"infant"}}.get(key, ()))
    return FactorSpec(key, title, codes, frozenset(level.split()), frozenset(reference.split()), *words, binary, ambiguous,
                      at_second_hct)  # fmt: skip


#: The protocol's factors (issue 24), compared level first; the contrasts of protocol.yaml's factor analyses.
FACTORS: tuple[FactorSpec, ...] = (
    _spec("remission", "Remission at the second HCT", ("remission_at_second_hct",),
          "not_cr active_disease relapse primary_refractory", "cr cr1 cr2 cr3_or_later",
          ("not in CR at the second HCT", "CR at the second HCT")),
    _spec("early-relapse", "Early vs late relapse after the first HCT", ("time_from_first_hct_to_relapse",), "early", "late",
          ("early relapse after the first HCT", "late relapse after the first HCT")),
    _spec("donor-change", "Donor change at the second HCT", ("donor_change",), "different_donor", "same_donor",
          ("a different donor", "the same donor")),
    _spec("donor-type", "Donor type at the second HCT", ("donor_type",), "haploidentical", "matched_unrelated",
          ("a haploidentical donor", "an HLA-matched unrelated donor"), binary=False),
    _spec("conditioning", "Conditioning intensity of the second HCT", ("conditioning_intensity",), "ric nma", "mac",
          ("reduced-intensity conditioning", "myeloablative conditioning")),
    _spec("performance-status", "Performance status at the second HCT", ("performance_status",), "poor", "good",
          ("poor performance status", "good performance status")),
    _spec("hct-ci", "Comorbidity (HCT-CI) at the second HCT", ("hct_ci",), "high", "low",
          ("a high HCT-CI", "a low HCT-CI")),
    _spec("chronic-gvhd", "Chronic GVHD after the first HCT", ("chronic_gvhd_after_first_hct",), "yes", "no",
          ("chronic GVHD after the first HCT", "no chronic GVHD after the first HCT")),
    _spec("age", "Age (older vs younger; adults vs children)", ("age", "age_group"), "older adult",
          "younger pediatric infant", ("older patients", "younger patients")),
)  # fmt: skip


@dataclass
class EvidenceRow:
    """One piece of one report's evidence on a factor, harmonised to the protocol's contrast."""

    key: str
    form: Form
    outcome: str
    reported: str
    direction: Direction
    adjusted: str
    population: str
    disease: str
    risk_of_bias: str
    n: int | None
    cutoff: str = ""
    time: str = ""
    measure: str | None = None
    effect: float | None = None
    ci: tuple[float, float] | None = None
    p: object = None
    significant: bool | None = None
    counted: bool = True
    note: str = ""
    subgroups: tuple[str, ...] = ()
    selection: str = ""
    """Why the cohort is a selected subset (population.selection kinds), '' for all comers."""
    lch: tuple[float, float, bool] | None = field(default=None, repr=False)
    """log cumulative-hazard ratio, its variance, and whether that is binomial (levels rows only)."""


def orientation(spec: FactorSpec, level: str, reference: str) -> int | None:
    """+1 when a row is of the compared level against the reference, -1 when the other way round, None
    when it is another contrast (an unstated reference is the other level for a two-level factor)."""
    unstated = reference == "not stated" and spec.binary and level not in spec.ambiguous
    if level in spec.level and (reference in spec.reference or unstated):
        return 1
    if level in spec.reference and (reference in spec.level or unstated):
        return -1
    return None


def event_is_adverse(outcome: str) -> bool:
    """Whether a ratio's event is bad for the patient (death, relapse; not a remission or engraftment)."""
    info = OUTCOMES.get(outcome)
    return info is None or info.harm or info.role in ("overall", "event_free")


def significance(p: object, ci: tuple[float, float] | None) -> bool | None:
    """At the report's own level: the 95% CI excludes 1, else p < 0.05 (a bound '<0.05' included); None if unknown."""
    if ci is not None:
        return not ci[0] <= 1 <= ci[1]
    if p is None:
        return None
    if is_not_significant(p):
        return False
    text = str(p).strip().replace("≤", "<=").replace("≥", ">=")
    try:
        number = float(text.lstrip("<>= "))
    except ValueError:
        return None
    if text.startswith(">"):
        return False if number >= 0.05 else None
    return number < 0.05 or (text.startswith("<") and number <= 0.05)


def _context(study: StudyExtraction, arm_id: str | None, at_second_hct: bool) -> tuple[str, int | None]:
    """The population a row describes (second-HCT recipients, or all relapsed patients of whom some had
    one) and its size."""
    arm_id = arm_id or study.default_arm()
    arm = next((a for a in study.arms if a.id == arm_id), None)
    if at_second_hct and (arm is None or arm.intervention != "second_allo_hct"):
        arm = next((a for a in study.arms if a.intervention == "second_allo_hct"), arm)
    if arm is None:
        n = study.population.n
        return RECIPIENTS, n if isinstance(n, int) else None
    population = RECIPIENTS if arm.intervention == "second_allo_hct" else ALL_RELAPSED
    return population, arm.n if isinstance(arm.n, int) else None


def risk_of_bias(study: StudyExtraction) -> str:
    """The overall QUIPS judgement (prognostic factors), else another tool's, else 'not assessed'."""
    rob = assessment(study, "quips") or (study.risk_of_bias[0] if study.risk_of_bias else None)
    if rob is None:
        return "not assessed"
    return f"{rob.overall.judgement.replace('_', ' ')} ({ {'quips': 'QUIPS', 'jbi_case_series': 'JBI'}.get(rob.tool, rob.tool)})"


def _base(spec: FactorSpec, study: StudyExtraction, arm: str | None) -> dict[str, object]:
    population, n = _context(study, arm, spec.at_second_hct)
    selection = "; ".join(dict.fromkeys(sel.description if sel.kind == "other" else sel.kind.replace("_", " ")
                                        for sel in study.population.selection))  # fmt: skip
    return {"key": study.key, "population": population, "n": n, "risk_of_bias": risk_of_bias(study), "selection": selection,
            "disease": ", ".join(d.replace("_", " ") for d in study.population.diseases)}  # fmt: skip


def _adjusted(value: object) -> str:
    return "adjusted" if value is True else "unadjusted" if value is False else "adjustment not stated"


def _ratio_direction(ratio: float, outcome: str) -> Direction:
    if ratio == 1:
        return "no_difference"
    worse = (ratio > 1) == event_is_adverse(outcome)
    return "reference_better" if worse else "level_better"


def flip(direction: Direction) -> Direction:
    """The direction of the reverse contrast."""
    return {"reference_better": "level_better", "level_better": "reference_better"}.get(direction, direction)  # type: ignore[return-value]


#: How the group compared fared, in words, as a direction of the protocol's contrast (group = compared level).
_WORDS: dict[str, Direction] = {"better": "level_better", "worse": "reference_better", "no_difference": "no_difference"}


def comparison_row(spec: FactorSpec, study: StudyExtraction, c: Comparison, levels: Sequence[EvidenceRow]) -> EvidenceRow:
    """A comparison row: a ratio (harmonised, inverted when reversed) or a p-value with its direction."""
    sign = orientation(spec, c.level, c.reference_level)
    reference = c.reference if c.reference != "not stated" else "reference not stated"
    reported = f"{c.group} vs {reference}: " + (f"{c.measure} {c.estimate}" if c.estimate is not None else "")
    ci = (float(c.ci.lower), float(c.ci.upper)) if c.ci is not None and min(c.ci.lower, c.ci.upper) > 0 else None
    reported += (f" (CI {c.ci.lower}-{c.ci.upper})" if c.ci else "") + (f", p {c.p}" if c.p is not None else "")
    row = EvidenceRow(**_base(spec, study, c.arm), form="ratio" if c.estimate is not None and c.measure != "none" else "p_value",  # type: ignore[arg-type]
                      outcome=c.outcome, reported=reported.replace(": , ", ": ").strip(), direction="not stated",
                      adjusted=_adjusted(c.adjusted), cutoff=cutoff_text(c.cutoff), time=c.time or "", p=c.p,
                      measure=c.measure if c.measure != "none" else None, subgroups=tuple(c.subgroups or ()))  # fmt: skip
    if sign is None:
        row.counted = False
        row.note = "which group is compared is not stated" if c.level == "not stated" else "another contrast than the protocol's"
        return row
    if row.form == "ratio" and float(c.estimate) <= 0:  # type: ignore[arg-type]
        row.counted, row.note = False, "a ratio that is not positive cannot be read"
    elif row.form == "ratio":
        est = float(c.estimate) ** sign  # type: ignore[arg-type]
        row.effect = est
        row.ci = None if ci is None else tuple(sorted((ci[0] ** sign, ci[1] ** sign)))  # type: ignore[assignment]
        row.direction = _ratio_direction(est, c.outcome)
        row.note = "inverted: reported the other way round" if sign < 0 else ""
    elif c.direction_in_words is not None:
        said = _WORDS[c.direction_in_words]
        row.direction = said if sign > 0 else flip(said)
        row.note = "direction as the source states it in words"
    else:
        row.direction, row.note = _direction_from_levels(c, levels)
    row.significant = significance(c.p, row.ci)
    return row


def _direction_from_levels(c: Comparison, levels: Sequence[EvidenceRow]) -> tuple[Direction, str]:
    """A p-value's direction from the levels it compares (same outcome and, if given, time), when they agree."""
    found = {r.direction for r in levels if r.outcome == c.outcome and (c.time is None or r.time == c.time)
             and set(c.subgroups or ()) >= set(r.subgroups)}  # fmt: skip
    if c.subgroups and len(found) == 1:
        return found.pop(), "direction from the levels it compares"
    return "not stated", ""


def association_row(spec: FactorSpec, study: StudyExtraction, a: Association) -> EvidenceRow:
    """An association stated in words: its direction if the level and the direction are given."""
    analysis = {"multivariable": "adjusted", "univariable": "unadjusted", "descriptive": "unadjusted"}.get(a.analysis,
                                                                                                          "adjustment not stated")
    row = EvidenceRow(**_base(spec, study, None), form="words", outcome=a.outcome, adjusted=analysis, direction="not stated",  # type: ignore[arg-type]
                      reported=f"{a.level_as_printed}: {a.direction.replace('_', ' ')} (in words)", cutoff=cutoff_text(a.cutoff))
    sign = orientation(spec, a.level, "not stated") if spec.binary else (1 if a.level in spec.level else None)
    if a.direction == "no_effect":
        row.direction = "no_difference"
    elif a.direction in ("better", "worse") and sign is not None:
        row.direction = "level_better" if (a.direction == "better") == (sign > 0) else "reference_better"
    elif a.direction in ("better", "worse"):
        row.counted, row.note = False, "another contrast than the protocol's" if a.level != "not stated" else ""
    return row


def factor_evidence(spec: FactorSpec, studies: Sequence[StudyExtraction]) -> list[EvidenceRow]:
    """Every row of evidence on ``spec`` from ``studies``, in report order (ratios, levels, p-values, words)."""
    rows: list[EvidenceRow] = []
    for s in sorted(studies, key=lambda s: s.key):
        levels = [_level_row(spec, s, arm, fields) for arm, fields in level_rows(spec.codes, spec.level, spec.reference, s)]
        comps = [comparison_row(spec, s, c, levels) for c in s.comparisons if c.factor in spec.codes]
        _attach_p(levels, comps)
        words = [association_row(spec, s, a) for a in s.associations if a.factor in spec.codes]
        rows.extend([*comps, *levels, *words])
    for r in rows:
        r.counted = r.counted and r.direction in ("reference_better", "level_better")
    return rows


def _level_row(spec: FactorSpec, study: StudyExtraction, arm: str | None, fields: dict[str, object]) -> EvidenceRow:
    base = _base(spec, study, arm)
    if fields["n"] is None:
        fields = {**fields, "n": base["n"]}
    return EvidenceRow(**{**base, **fields})  # type: ignore[arg-type]


def _attach_p(levels: Sequence[EvidenceRow], comps: Sequence[EvidenceRow]) -> None:
    """Give a levels row the p-value the report prints for those levels (same outcome, time if given)."""
    for r in levels:
        tests = [c for c in comps if c.form == "p_value" and c.outcome == r.outcome and set(r.subgroups) <= set(c.subgroups)
                 and c.time in ("", r.time)]  # fmt: skip
        if len(tests) == 1:
            r.p, r.significant = tests[0].p, significance(tests[0].p, None)
            r.reported += f", p {tests[0].p}"
