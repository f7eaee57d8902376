"""The protocol format: the review's pre-specified analyses, as a systematic review protocol states them.

``protocol.yaml`` at the project root holds a title, defaults, and a list of
analyses. Each analysis says which outcome, time point (exact or a window),
population, measure, method, subgroup factors and sensitivity analyses it uses.
It is validated like an extraction, with the same located diagnostics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import Field, field_validator

from ..extraction.base import Strict
from ..extraction.codes import AgeGroup, Disease, Estimator, Identifier, Intervention, OutcomeName, Publication, Text, TimeOrigin
from ..extraction.schema import SHARE_SELECTIONS, SelectionKind, TimePointText
from ..measures import codes
from ..outcomes import OUTCOMES
from ..stats.inference import TESTS
from ..stats.models import METHODS, InverseVariance
from .gradespec import Certainty, CertaintyDefaults, SofTable
from .kinds import KIND_NAMES, KIND_WORDS
from .sensitivity import SensitivityEntry, default_sensitivity

# Literal types derived from the measure table and the method registry (one definition each).
if TYPE_CHECKING:
    ProportionMeasure: TypeAlias = str
    RatioMeasure: TypeAlias = str
    Method: TypeAlias = str
    Test: TypeAlias = str
    AnalysisKind: TypeAlias = str
else:
    ProportionMeasure = Literal[codes("proportion")]
    RatioMeasure = Literal[codes("ratio")]
    Method = Literal[tuple(name for name, m in METHODS.items() if isinstance(m, InverseVariance))]
    Test = Literal[tuple(TESTS)]
    AnalysisKind = Literal[KIND_NAMES]
OverlapRule = Literal["largest", "most_recent"]
Adjustment = Literal["adjusted", "unadjusted", "any"]
SelectedCohorts = Literal["exclude", "include"]
StudyFactor = Literal["disease", "age_group", "design", "publication", "time_origin", "data_source"]
Factor = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
_DEFAULT_ORIGINS: tuple[TimeOrigin, ...] = ("second_hct",)


def _default_estimators() -> dict[OutcomeName, list[Estimator]]:
    """Survival by Kaplan-Meier, relapse and NRM by cumulative incidence (competing risks; 1 - KM
    overstates them), each with rows that do not state their estimator (most abstracts do not)."""
    survival: list[Estimator] = ["kaplan_meier", "not stated"]
    incidence: list[Estimator] = ["cumulative_incidence", "not stated"]
    return {code: list(survival if info.role in ("overall", "event_free") else incidence)
            for code, info in OUTCOMES.items() if info.role is not None}


class TimeWindow(Strict):
    """The time point of an analysis: ``exact`` or a window ``min``-``max`` (both ends included)."""

    exact: TimePointText | None = None
    min: TimePointText | None = None
    max: TimePointText | None = None
    max_spread: TimePointText | None = Field(
        default=None,
        description="largest difference between the time points of the reports pooled together (e.g. 1y); "
        "beyond it the reports are listed, not pooled",
    )


#: Whole-cohort selections (not a share of the cohort): by default each makes a report indirect.
WHOLE_COHORT_SELECTIONS = tuple(k for k in SelectionKind.__args__ if k not in SHARE_SELECTIONS)  # type: ignore[attr-defined]


class PopulationFilter(Strict):
    """Which reports qualify: ``diseases`` is the scope (a report enters a primary analysis when at most
    ``scope_threshold`` of its patients are outside it: :mod:`secondhct.protocol.scope`), ``age_groups`` the
    age groups it takes."""

    diseases: list[Disease] = Field(min_length=1)
    age_groups: list[AgeGroup] = Field(min_length=1)
    intervention: Intervention = "second_allo_hct"
    time_origins: list[TimeOrigin] = Field(default_factory=lambda: list(_DEFAULT_ORIGINS), min_length=1)


class RatioComparison(Strict):
    """For a pooled ratio: the factor and the direction, as vocabulary codes (group level vs reference level).

    A comparison enters when its ``level`` is ``level`` or one of its finer levels (roll-ups in
    vocabulary.yaml) and its ``reference_level`` is ``reference_level`` or finer; one stated the
    other way round enters inverted.
    """

    factor: Factor = Field(description="factor code from vocabulary.yaml, e.g. remission_at_second_hct")
    level: Factor = Field(description="level code of the group, e.g. not_cr (finer levels such as active_disease count)")
    reference_level: Factor = Field(description="level code of the reference, e.g. cr (finer levels such as cr2 count)")
    accept_unstated_reference: bool = Field(
        default=False,
        description="for a two-level factor: a comparison whose reference_level is 'not stated' counts when its level "
        "matches (and enters inverted when its level is the reference level)",
    )
    adjustment: Adjustment = Field(
        default="adjusted",
        description="which reported ratios enter the primary analysis: adjusted (the default; unadjusted ones and those "
        "whose adjustment is not stated enter the sensitivity analysis include_unadjusted), unadjusted, or any",
    )
    level_words: Text | None = Field(default=None, description="the compared level in words, e.g. 'not in CR at the second HCT'")
    reference_words: Text | None = Field(
        default=None, description="the reference level in words, e.g. 'CR at the second HCT' (plot axes and the summary)"
    )


class CurveOptions(Strict):
    """For ``kind: survival_curve``: the model of the summary curve (:mod:`secondhct.stats.curve`).

    y = log(-log S) at each report's time points, within-report covariance from Greenwood's
    formula, a random intercept per report; ``weibull``: y = b0 + b1 log t (a Weibull-shaped
    curve), ``categorical``: one mean per distinct time (the sensitivity analysis beside it).
    Relapse and NRM curves model 1 - the cumulative incidence the same way and report the incidence.
    """

    time_model: Literal["weibull", "categorical"] = Field(default="weibull", description="weibull (primary) or categorical")
    method: Literal["REML", "ML"] = Field(default="REML", description="estimator of tau^2 of the frequentist fit")
    times: list[Annotated[float, Field(gt=0, le=50)]] = Field(
        default_factory=lambda: [1.0, 2.0, 3.0, 5.0], min_length=1,
        description="years at which the summary curve is reported (never outside the range of reported times)",
    )  # fmt: skip
    around: Annotated[float, Field(gt=0, le=5)] = Field(
        default=0.5, description="a report contributes 'at or around' a time when it prints a value within this many years of it",
    )  # fmt: skip


class Alternative(Strict):
    """For ``kind: versus_alternative`` from arm estimates: the comparator arm's intervention.

    The second-HCT arm is the population's intervention; a report enters with both arms
    reporting the outcome at the same time point.
    """

    comparator: Intervention = Field(description="the comparator arm's intervention, e.g. dli, chemotherapy, no_second_hct")
    sensitivity_comparators: list[Intervention] = Field(
        default_factory=list,
        description="comparator codes that enter only the sensitivity analysis include_other_comparators, "
        "e.g. salvage_not_specified beside no_second_hct",
    )
    words: Text | None = Field(default=None, description="the comparator in words, e.g. 'donor lymphocyte infusion'")


class PermutationTestSpec(Strict):
    """A permutation test of each subgroup factor's test for subgroup differences (metafor's
    ``permutest``; :mod:`secondhct.stats.permutation`): the moderator test's statistic is compared
    with its values when the reports' levels are permuted, all refits in one vectorised pass."""

    iterations: int = Field(
        default=1000, ge=2, le=100_000,
        description="every distinct permutation when there are at most this many (exact), else this many random ones, "
        "the observed order first",
    )  # fmt: skip
    seed: int = Field(default=1, ge=0, le=2**31 - 1, description="seed of numpy's random generator for the random permutations (reproducible)")
    method: Literal["DL", "HE"] = Field(
        default="DL",
        description="tau^2 estimator of the refits: DerSimonian-Laird or Hedges, closed-form (the p-value counts ties "
        "within 1.5e-8, finer than PyMARE's REML search resolves); the test (z, knha, adhoc) is the analysis's",
    )


class GoshSpec(Strict):
    """A GOSH plot (Olkin, Dahabreh & Trikalinos 2012; metafor's ``gosh``): the model fitted to every
    subset of the reports (k <= 15), estimate against I²."""

    method: Literal["DL", "HE", "REML"] | None = Field(
        default=None, description="tau^2 estimator of the subset fits (default: the analysis's method, or DL if it is another)"
    )


def _also_true(schema: dict[str, Any]) -> None:
    """In protocol.schema.json: ``true`` also stands for the defaults (see :meth:`BatchAnalyses._flag`)."""
    schema["anyOf"] = [*schema.get("anyOf", []), {"type": "boolean"}]


class BatchAnalyses(Strict):
    """Analyses that refit the model many times, vectorised with PyMARE (secondhct.stats.batch)."""

    gosh: GoshSpec | None = Field(
        default=None, description="draw a GOSH plot: true or {method: DL|HE|REML}", json_schema_extra=_also_true
    )
    permutation: PermutationTestSpec | None = Field(
        default=None, description="a permutation test of each subgroup factor: true or {iterations, seed, method}",
        json_schema_extra=_also_true,
    )  # fmt: skip

    @field_validator("gosh", "permutation", mode="before")
    @classmethod
    def _flag(cls, value: object) -> object:
        """``true`` asks with the defaults, ``false`` not at all."""
        if value is True:
            return {}
        return None if value is False else value


class Analysis(Strict):
    """One pre-specified analysis."""

    id: Identifier
    title: Text
    kind: AnalysisKind | None = Field(
        default=None,
        description=", ".join(f"{name} ({words})" for name, words in KIND_WORDS.items())
        + "; default: factor_ratio with a comparison, else proportion",
    )
    outcomes: list[OutcomeName] = Field(min_length=1, description="outcome names that count, e.g. [lfs, efs, dfs]")
    time: TimeWindow | None = Field(default=None, description="required for proportions")
    population: PopulationFilter
    measure: ProportionMeasure | RatioMeasure | None = Field(default=None, description="default: defaults.measure")
    method: Method | None = None
    test: Test | None = None
    subgroup: Factor | None = Field(
        default=None, description="use outcomes reported for levels of this subgroup factor instead of whole arms"
    )
    comparison: RatioComparison | None = Field(
        default=None, description="for factor_ratio and factor_levels: the factor and levels compared (group vs reference)"
    )
    alternative: Alternative | None = Field(default=None, description="for versus_alternative from arm estimates")
    curve: CurveOptions | None = Field(default=None, description="for survival_curve: the curve model (default: weibull, REML, 1-2-3-5 years)")
    subgroup_factors: list[StudyFactor] = Field(default_factory=list)
    sensitivity: list[SensitivityEntry] | None = Field(
        default=None, description="registered sensitivity analyses, e.g. {kind: leave_one_out}; default: defaults.sensitivity"
    )
    overlap_rule: OverlapRule | None = None
    selected_cohorts: SelectedCohorts | None = Field(
        default=None, description="reports of selected cohorts (population.selection): exclude (default) or include"
    )
    indirect_selections: list[SelectionKind] | None = Field(
        default=None,
        description="the whole-cohort selections that make a report indirect for this question (default: "
        "defaults.indirect_selections); e.g. a donor-type question leaves out 'donor'",
    )
    scope_threshold: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        default=None, description="largest share of patients outside the population's scope (default: defaults.scope_threshold)"
    )
    estimators: list[Estimator] | None = Field(
        default=None, min_length=1,
        description="the estimators of the rows the primary analysis takes (outcomes[].estimator); the others enter the "
        "sensitivity analysis include_other_estimators; default: defaults.estimators of each outcome",
    )
    exclude_publications: list[Publication] = Field(default_factory=list)
    thresholds: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=list,
        description="natural-scale values (a proportion in 0-1, or a ratio) for which the Bayesian model gives P(mu > value)",
    )
    batch: BatchAnalyses | None = Field(
        default=None, description="a GOSH plot and permutation tests of the subgroup factors (refits vectorised with PyMARE)"
    )
    notes: Text | None = None
    certainty: Certainty | None = Field(default=None, description="overrides of the build's GRADE judgements, each with a reason")


class FewStudies(Strict):
    """The rule for analyses with few reports (Friede et al., Biom J 2017;59:658-671).

    With one report nothing is pooled (the report is shown as it is). With 2 to ``max_k``
    reports the Bayesian random-effects model with ``tau_prior`` is the primary result, and
    the frequentist model (the analysis's method and test), the common-effect model and the
    Bayesian model under ``sensitivity_tau_prior`` are sensitivity analyses. With more
    reports the frequentist model is primary and the Bayesian model a sensitivity analysis.
    """

    max_k: int = Field(default=4, ge=1, description="largest number of reports treated as few")
    method: Literal["BAYES"] = "BAYES"
    tau_prior: Text = Field(default="halfnormal:0.5", description="prior on tau: halfnormal:S, halfcauchy:S, uniform:U, lognormal:M,S")
    sensitivity_tau_prior: Text = Field(default="halfnormal:1.0", description="a wider prior for the sensitivity analysis")
    mu_prior: Text = Field(default="flat", description="prior on mu: flat or normal:MEAN,SD (analysis scale)")


class Defaults(Strict):
    measure: ProportionMeasure = "PLO"
    ratio_measure: RatioMeasure = "HR"
    method: Method = "REML"
    test: Test = "adhoc"
    overlap_rule: OverlapRule = "largest"
    selected_cohorts: SelectedCohorts = "exclude"
    indirect_selections: list[SelectionKind] = Field(
        default_factory=lambda: list(WHOLE_COHORT_SELECTIONS),
        description="the whole-cohort selections (population.selection) that keep a report out of the primary analyses "
        "(it enters include_selected_cohorts)",
    )
    scope_threshold: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0.10,
        description="a report enters a primary analysis when at most this share of its patients is outside the "
        "population's scope (diseases, graft failure, non-allogeneic first HCT); the others enter include_mixed_scope",
    )
    overlap_threshold: Annotated[float, Field(ge=0, lt=1)] = Field(
        default=0.10,
        description="two reports that may share at most this share of the smaller one's patients both stay (the "
        "sensitivity analysis exclude_minor_overlaps drops the smaller); beyond it the overlap rule keeps one",
    )
    estimators: dict[OutcomeName, list[Estimator]] = Field(
        default_factory=_default_estimators,
        description="per outcome, the estimators a primary analysis takes (an outcome not listed takes any): "
        "never pool different estimands",
    )
    few_studies: FewStudies = Field(default_factory=FewStudies)
    sensitivity: list[SensitivityEntry] = Field(default_factory=default_sensitivity)
    certainty: CertaintyDefaults = Field(default_factory=CertaintyDefaults, description="GRADE: starting levels and imprecision rules")


class Protocol(Strict):
    """``protocol.yaml``: the review's title, defaults and analyses."""

    title: Text
    defaults: Defaults = Field(default_factory=Defaults)
    analyses: list[Analysis] = Field(min_length=1)
    summary_of_findings: list[SofTable] = Field(default_factory=list, description="the summary-of-findings tables, one per population")


def protocol_json_schema() -> dict[str, Any]:
    schema = Protocol.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "secondhct protocol"
    return schema
