"""The extraction format: what a curator records from one paper.

This module is the only place where fields are defined. The models check the
*shape* of an extraction (names, types, allowed values); the rules that relate
fields to each other (events <= total, estimate inside its CI, ...) live in
:mod:`secondhct.extraction.checks` so that each problem can be reported at the
exact field it concerns.

Conventions a curator can rely on:

* Numbers are written exactly as printed. A percentage is written ``29.4`` with
  ``unit: percent``; a proportion ``0.294`` with ``unit: proportion``. There is
  no default unit, so ``29.4`` can never silently mean 0.294.
* ``±`` is recorded as ``plus_minus`` when the paper does not say what it is;
  ``se`` or ``sd`` only when the paper says so.
* What the paper does not state is written ``not stated`` (or left out where the
  field is optional), never guessed.
* Every number carries a ``source`` with the place it was printed; a row's ``quote``
  (with ``quotes`` for words printed in a second place) prints each of its numbers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .base import Strict
from .codes import (
    DESIGN_HELP,
    AgeGroup,
    AnalysisDesign,
    CIScale,
    Count,
    CutoffUnit,
    Design,
    Disease,
    DocumentContent,
    Estimator,
    FactorCode,
    Identifier,
    Indication,
    Intervention,
    Key,
    LevelCode,
    NotStated,
    OutcomeName,
    PositiveCount,
    Printed,
    Publication,
    RatioMeasure,
    Statistic,
    Text,
    TimeOrigin,
    Unit,
)
from .cohort import SHARE_SELECTIONS as SHARE_SELECTIONS
from .cohort import CohortSelection as CohortSelection
from .cohort import Derived as Derived
from .cohort import SelectionKind as SelectionKind
from .fieldtypes import PROPORTION_SCALE as PROPORTION_SCALE
from .fieldtypes import DateText, PValue, TimePointText, YearMonth
from .fieldtypes import _check_p as _check_p
from .fieldtypes import is_not_significant as is_not_significant
from .provenance import Quote as Quote
from .provenance import Source as Source
from .riskofbiasmodels import RiskOfBias

_FACTOR_HELP = "factor code from vocabulary.yaml, e.g. remission_at_second_hct, time_from_first_hct_to_relapse"
_LEVEL_HELP = "level code of the factor in vocabulary.yaml (e.g. cr, cr2, active_disease; 'other' when none fits)"
_CUTOFF_HELP = (
    "for a factor with a cut-off in vocabulary.yaml (early vs late relapse): the cut-off as printed, "
    "e.g. {value: 6, unit: mo}; 'not stated' or left out when the source does not print it"
)


class Document(Strict):
    """A document the curator read (a seed, a fact sheet, a web page)."""

    id: Identifier
    content: DocumentContent = Field(description="what the document contains of the study")
    path: Text | None = Field(default=None, description="path relative to the project root, for local documents")
    url: Text | None = Field(default=None, description="the address it was read at")
    notes: Text | None = None


class Curation(Strict):
    """Who extracted the study, when, and from what."""

    extracted_by: Text
    extracted_on: DateText
    documents: list[Document] = Field(min_length=1)
    notes: Text | None = None


class Period(Strict):
    """An accrual period."""

    start: YearMonth | None = None
    end: YearMonth | None = None
    as_printed: Text | None = Field(default=None, description="the period as printed, e.g. 'April 2004 and June 2009'")
    source: Source


class Range(Strict):
    """A range as printed (lower and upper may be equal)."""

    lower: Printed
    upper: Printed


class FollowUp(Strict):
    """Reported follow-up of the cohort."""

    statistic: Literal["median", "mean", "minimum", "individual", "not stated"] = Field(
        description="'individual' for one patient's follow-up"
    )
    value: Printed | None = None
    unit: Literal["days", "weeks", "months", "years"]
    range: Range | None = None
    among: Text | None = Field(default=None, description="whom it applies to, e.g. 'survivors'")
    source: Source


DataSourceCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z][A-Z0-9\-]*$",
        description="code of the registry or centre that accrued the patients, defined in vocabulary.yaml data_sources "
        "(e.g. CIBMTR, EBMT-ALWP, JSHCT, US-MDACC)",
    ),
]


class OverlapLink(Strict):
    """An explicit statement that this cohort may share patients with another report."""

    key: Key = Field(description="the other report's key (studies/<key>.yaml)")
    reason: Text = Field(description="why, with where it is said, e.g. 'fact sheet: Yaniv is a co-author; same centres'")
    at_most: Count | None = Field(
        default=None,
        description="the largest number of patients the two reports could share, when printed numbers bound it "
        "(e.g. the 46 ALL patients of a mixed cohort); say how in the reason",
    )


class Study(Strict):
    """Design and setting of the study."""

    design: Design
    publication: Publication = Field(description="kind of report; a meeting abstract is 'meeting_abstract'")
    retrospective: bool | NotStated = "not stated"
    registry: Text | None = Field(default=None, description="registry name as printed, e.g. 'JSHCT'")
    cohort: Text | None = Field(default=None, description="trial or cohort name, e.g. 'JPLSG MLL03'")
    centres: PositiveCount | NotStated = "not stated"
    countries: list[Text] | NotStated = "not stated"
    accrual: Period | None = None
    follow_up: FollowUp | None = None
    data_source: DataSourceCode | NotStated = Field(
        default="not stated",
        description="the registry or centre that accrued the patients (a code of vocabulary.yaml data_sources); "
        "two reports may share patients when their sources are the same or nested and their accrual periods, age "
        "groups and diseases intersect",
    )
    may_share_patients_with: list[OverlapLink] = Field(
        default_factory=list, description="reports this cohort may share patients with whatever the rule above says"
    )
    overlap_note: Text | None = None
    former_keys: list[Key] = Field(
        default_factory=list,
        description="keys this report had before it was renamed (e.g. a placeholder key replaced by author-year once "
        "the report was identified), so that links and comparisons with earlier results can follow the rename",
    )
    source: Source | None = None


class Age(Strict):
    """Age figures exactly as printed."""

    as_printed: Text
    unit: Literal["years", "months"] | None = None
    median: Printed | None = None
    mean: Printed | None = None
    range: Range | None = None
    iqr: Range | None = Field(default=None, description="interquartile range, if that is what is printed")
    source: Source


class Population(Strict):
    """Who was studied (the whole report; arms split it further)."""

    description: Text = Field(description="who, in the paper's words, e.g. 'pediatric ALL relapsed after allo-SCT'")
    diseases: list[Disease] = Field(min_length=1)
    disease_counts: dict[Disease, Count] | None = Field(default=None, description="patients per disease, if printed")
    disease_detail: Text | None = None
    age_group: AgeGroup
    age: Age | None = None
    n: Count | NotStated = Field(description="patients in the report")
    indications: list[Indication] = Field(min_length=1, description="why the salvage was given")
    time_origin: TimeOrigin = Field(description="default time zero of the survival outcomes")
    selection: list[CohortSelection] = Field(
        default_factory=list, description="why the cohort is a selected subset, if it is (empty: all comers)"
    )
    source: Source


class Arm(Strict):
    """A treatment group: the second allogeneic HCT, or a comparator salvage."""

    id: Identifier
    intervention: Intervention
    description: Text | None = None
    n: Count | NotStated
    part_of: Identifier | None = Field(
        default=None, description="id of the arm this one is a subset of (e.g. second HCT within all relapsed)"
    )
    analysis_design: AnalysisDesign | None = Field(default=None, description=DESIGN_HELP)
    n_derived: Derived | None = Field(
        default=None, description="when n is not printed but follows from printed numbers: the count and its arithmetic"
    )
    source: Source

    @property
    def known_n(self) -> int | None:
        """The arm's size: printed, else derived (:class:`Derived`), else None."""
        if isinstance(self.n, int):
            return self.n
        return self.n_derived.value if self.n_derived is not None else None


class Cutoff(Strict):
    """The cut-off a factor's levels are split at, as printed (relapse within 6 months: 6 mo)."""

    value: Printed = Field(description="the cut-off as printed, e.g. 6")
    unit: CutoffUnit = Field(
        description="d, w, mo, y (a duration or age), percent (blasts), points (a score), calendar_year (an era)"
    )


class Subgroup(Strict):
    """A level of a factor that outcomes are reported for (e.g. CR at second HCT)."""

    id: Identifier
    arm: Identifier | None = Field(default=None, description="arm id (default: the only arm)")
    factor: FactorCode = Field(description=_FACTOR_HELP)
    level: LevelCode = Field(description=_LEVEL_HELP)
    level_as_printed: Text = Field(description="the level in the source's words, e.g. 'CR before second SCT'")
    cutoff: Cutoff | NotStated | None = Field(default=None, description=_CUTOFF_HELP)
    n: Count | NotStated = "not stated"
    n_derived: Derived | None = Field(
        default=None, description="when n is not printed but follows from printed numbers: the count and its arithmetic"
    )
    source: Source

    @property
    def known_n(self) -> int | None:
        """The level's size: printed, else derived (:class:`Derived`), else None."""
        if isinstance(self.n, int):
            return self.n
        return self.n_derived.value if self.n_derived is not None else None


class CI(Strict):
    """A confidence interval as printed."""

    lower: Printed
    upper: Printed
    level: Annotated[float, Field(gt=0, lt=100)] | NotStated = Field(description="e.g. 95 (percent)")
    scale: CIScale = Field(default="not stated", description="scale the interval was built on, if stated")


class Outcome(Strict):
    """One reported value of an outcome, for the whole arm or a subgroup."""

    outcome: OutcomeName
    definition: Text | None = Field(default=None, description="the outcome in the paper's words")
    arm: Identifier | None = Field(default=None, description="arm id (default: the only arm)")
    subgroup: Identifier | None = Field(default=None, description="subgroup id (default: the whole arm)")
    time: TimePointText | None = Field(
        default=None, description="required for a proportion or a count; a median or a duration has none"
    )
    time_origin: TimeOrigin | None = Field(default=None, description="default: population.time_origin")
    statistic: Statistic = "not stated"
    estimator: Estimator = Field(
        default="not stated",
        description="kaplan_meier, cumulative_incidence, one_minus_kaplan_meier, crude_proportion or not stated: only from "
        "words of the source that name it or what its numbers prove (say which in the notes); every row in studies/ writes it",
    )
    estimate: Printed | None = Field(default=None, description="the value as printed")
    unit: Unit | None = Field(default=None, description="required with estimate: percent, proportion or a time unit")
    se: Printed | None = Field(default=None, description="only when the paper says it is a standard error")
    sd: Printed | None = Field(default=None, description="only when the paper says it is a standard deviation")
    plus_minus: Printed | None = Field(default=None, description="the number after '±' when its meaning is not stated")
    ci: CI | None = None
    range: Range | None = Field(default=None, description="a range printed with a median")
    events: Count | None = Field(default=None, description="patients with the outcome as named (alive, relapsed...)")
    total: Count | None = Field(default=None, description="patients the events are counted among")
    n: Count | None = Field(default=None, description="patients this value applies to, if printed")
    conditional_on: Text | None = Field(
        default=None, description="for conditional (landmark) survival: the condition, e.g. 'alive and disease-free at 1 year'"
    )
    source: Source
    notes: Text | None = None


class Comparison(Strict):
    """A comparative effect (HR, RR, OR) or a test between groups (p-value only)."""

    outcome: OutcomeName
    measure: RatioMeasure = Field(description="HR, SHR, RR, OR, or 'none' for a p-value only")
    factor: FactorCode = Field(description=_FACTOR_HELP)
    level: LevelCode | NotStated = Field(description=f"{_LEVEL_HELP}; of the group compared (printed in group)")
    group: Text = Field(description="the group compared, in the source's words, e.g. 'active disease at second HCT'")
    reference_level: LevelCode | NotStated = Field(description="level code of the reference group (printed in reference), or 'not stated'")
    reference: Text | NotStated = Field(description="the reference group, in the source's words, or 'not stated'")
    cutoff: Cutoff | NotStated | None = Field(default=None, description=_CUTOFF_HELP)
    arm: Identifier | None = None
    subgroups: list[Identifier] | None = Field(default=None, description="ids of the subgroups compared")
    adjusted: bool | NotStated = "not stated"
    estimate: Printed | None = Field(default=None, description="the ratio as printed")
    ci: CI | None = None
    p: PValue | None = None
    time: TimePointText | None = None
    analysis_design: AnalysisDesign | None = Field(default=None, description=DESIGN_HELP)
    direction_in_words: Literal["better", "worse", "no_difference"] | None = Field(
        default=None,
        description="how the group compared fared on the outcome when the source says so only in words, and those words "
        "are in source.quote (a p-value printed under 'Shorter OS': worse; 'improved OS': better); leave it out when the "
        "numbers give the direction or the source does not say",
    )
    source: Source
    notes: Text | None = None


class Association(Strict):
    """A prognostic association stated in words, without numbers."""

    factor: FactorCode = Field(description=_FACTOR_HELP)
    level: LevelCode | NotStated = Field(
        description=f"{_LEVEL_HELP}; of the favourable or studied level ('not stated' when only the factor is named)"
    )
    level_as_printed: Text = Field(description="the favourable or studied level (or the factor), in the source's words")
    cutoff: Cutoff | NotStated | None = Field(default=None, description=_CUTOFF_HELP)
    outcome: OutcomeName
    direction: Literal["better", "worse", "no_effect", "not stated"]
    analysis: Literal["univariable", "multivariable", "descriptive", "not stated"] = "not stated"
    source: Source


class Patient(Strict):
    """One patient of a case report."""

    id: Identifier
    arm: Identifier | None = None
    age: Text | None = Field(default=None, description="as printed, e.g. '5-year-old'")
    sex: Literal["female", "male", "not stated"] = "not stated"
    disease: Disease
    disease_detail: Text | None = None
    indication: Indication
    treatments: list[Text] = Field(default_factory=list, description="salvage treatments in order, as printed")
    status: Literal["alive", "dead", "not stated"] = "not stated"
    disease_free: bool | NotStated = "not stated"
    follow_up: FollowUp | None = None
    description: Text
    source: Source


class StudyExtraction(Strict):
    """Everything a curator records from one study. The file is ``studies/<key>.yaml``."""

    key: Key = Field(description="the BibTeX key in references.bib; equal to the file name stem")
    curation: Curation
    study: Study
    population: Population
    arms: list[Arm] = Field(min_length=1)
    subgroups: list[Subgroup] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    associations: list[Association] = Field(default_factory=list)
    patients: list[Patient] = Field(default_factory=list)
    notes: Text | None = None
    risk_of_bias: list[RiskOfBias] = Field(
        default_factory=list, description="one assessment per tool the report needs, at the end of the file"
    )

    def default_arm(self) -> str | None:
        """The arm a row without ``arm:`` belongs to: the only arm not nested in another (else None)."""
        ids = {a.id for a in self.arms}
        top = [a.id for a in self.arms if a.part_of is None or a.part_of not in ids]
        return top[0] if len(top) == 1 else None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the format, for editors (``studies/_schema.json``)."""
    schema = StudyExtraction.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "secondhct study extraction"
    return schema
